/* test_bench_db.c — the bench storage layer on SQLite (and on PostgreSQL when
 * RLHF_TEST_PG names a reachable server): migrations, users and sessions,
 * tasks, idempotent comparisons, continuation, import and export. */
#include "testlib.h"

#include <time.h>
#include <unistd.h>

#include "bench/bench_db.h"
#include "bench/bench_import.h"
#include "util/json.h"

static char tmpdir[256];

static const char *tmp_path(const char *name) {
    static char p[512];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/rlhf_test_bench_db_XXXXXX");
        if (!mkdtemp(tmpdir)) abort();
    }
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void write_text(const char *path, const char *s) {
    FILE *f = fopen(path, "w");
    fputs(s, f);
    fclose(f);
}

static long long count(BenchDb *db, const char *table) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    BenchRows r;
    RlhfErr e;
    if (bench_db_exec(db, sql, 0, NULL, &r, &e)) return -1;
    long long n = strtoll(bench_cell(&r, 0, 0), NULL, 10);
    bench_rows_free(&r);
    return n;
}

/* The whole storage contract, run against one freshly migrated database. */
static void exercise(BenchDb *db) {
    RlhfErr e;
    int v = 0;
    CHECK(bench_db_schema_version(db, &v, &e) == 0 && v == BENCH_SCHEMA_VERSION);

    long long alice, bob, admin;
    REQUIRE(bench_db_user_add(db, "alice", "reviewer", "alice-password", 1000, &alice, &e) == 0);
    REQUIRE(bench_db_user_add(db, "bob", "reviewer", "bob-password", 1000, &bob, &e) == 0);
    REQUIRE(bench_db_user_add(db, "root", "admin", "admin-password", 1000, &admin, &e) == 0);
    CHECK(bench_db_user_add(db, "alice", "reviewer", "another-pass", 1000, NULL, &e) == -1);
    CHECK(strstr(e.msg, "already exists") != NULL);
    CHECK(bench_db_user_add(db, "eve", "superuser", "eve-password", 1000, NULL, &e) == -1);
    CHECK(bench_db_user_add(db, "x' OR '1'='1", "reviewer", "password123", 1000, NULL, &e) == -1 ||
          count(db, "users") == 4);   /* quotes are just characters: stored, never executed */
    BenchUser u;
    CHECK(bench_db_user_login(db, "alice", "alice-password", &u, &e) == 0 && u.id == alice);
    CHECK_STR(u.role, "reviewer");
    CHECK(bench_db_user_login(db, "alice", "bob-password", &u, &e) == 1);
    CHECK(bench_db_user_login(db, "nobody", "whatever", &u, &e) == 1);

    char token[65], csrf[65], csrf2[65];
    REQUIRE(bench_db_session_create(db, alice, 3600, token, csrf, &e) == 0);
    CHECK(bench_db_session_get(db, token, &u, csrf2, &e) == 0 && u.id == alice && !strcmp(csrf, csrf2));
    BenchRows r;
    /* only the hash of the token is stored */
    REQUIRE(bench_db_exec(db, "SELECT token_hash FROM sessions", 0, NULL, &r, &e) == 0);
    CHECK(r.nrows >= 1 && strcmp(bench_cell(&r, 0, 0), token) != 0);
    bench_rows_free(&r);
    CHECK(bench_db_session_get(db, "not-a-token", &u, csrf2, &e) == 1);
    char expired[65];
    REQUIRE(bench_db_session_create(db, bob, -5, expired, csrf2, &e) == 0);
    CHECK(bench_db_session_get(db, expired, &u, csrf2, &e) == 1);
    CHECK(bench_db_session_delete(db, token, &e) == 0);
    CHECK(bench_db_session_get(db, token, &u, csrf2, &e) == 1);

    /* tasks */
    BenchTask t = {0}, got;
    snprintf(t.mode, sizeof t.mode, "helpful");
    t.conversation = "\n\nHuman: What is 2+2? <script>alert(1)</script>";
    t.reply_a = "4";
    t.reply_b = "'; DROP TABLE tasks; --";
    t.source = "unit";
    long long t1, t2, t3;
    REQUIRE(bench_db_task_add(db, &t, &t1, &e) == 0);
    t.gold = 1; snprintf(t.gold_answer, sizeof t.gold_answer, "a");
    REQUIRE(bench_db_task_add(db, &t, &t2, &e) == 0);
    t.gold = 0; snprintf(t.mode, sizeof t.mode, "redteam");
    REQUIRE(bench_db_task_add(db, &t, &t3, &e) == 0);
    REQUIRE(bench_db_task_get(db, t1, &got, &e) == 0);
    CHECK_STR(got.reply_b, "'; DROP TABLE tasks; --");
    CHECK_STR(got.status, "ready");
    bench_task_free(&got);
    CHECK(bench_db_task_get(db, 999999, &got, &e) == 1);
    t.reply_a = "\xff\xfe bad";
    CHECK(bench_db_task_add(db, &t, NULL, &e) == -1 && strstr(e.msg, "UTF-8"));
    CHECK(count(db, "tasks") == 3);

    REQUIRE(bench_db_task_next(db, alice, "helpful", 2, &got, &e) == 0);
    CHECK(got.id == t1);
    bench_task_free(&got);

    /* comparisons: idempotent by key, one per user and task */
    BenchComparison c = {.task_id = t1, .user_id = alice, .strength = 3, .elapsed_ms = 1500};
    snprintf(c.choice, sizeof c.choice, "a");
    snprintf(c.shown_order, sizeof c.shown_order, "ba");
    snprintf(c.idem_key, sizeof c.idem_key, "key-alice-0001");
    CHECK(bench_db_comparison_add(db, &c, &e) == BENCH_CMP_NEW);
    long long cid = c.id;
    BenchComparison retry = c;
    retry.id = 0; snprintf(retry.choice, sizeof retry.choice, "b");     /* a retry cannot change the answer */
    CHECK(bench_db_comparison_add(db, &retry, &e) == BENCH_CMP_DUPLICATE);
    CHECK(retry.id == cid);
    CHECK_STR(retry.choice, "a");
    BenchComparison other = c;
    snprintf(other.idem_key, sizeof other.idem_key, "key-alice-0002");
    CHECK(bench_db_comparison_add(db, &other, &e) == BENCH_CMP_CONFLICT);
    other = c; other.user_id = bob;                                    /* bob reuses alice's key */
    CHECK(bench_db_comparison_add(db, &other, &e) == BENCH_CMP_CONFLICT);
    other = c; other.task_id = 424242;
    snprintf(other.idem_key, sizeof other.idem_key, "key-alice-0003");
    CHECK(bench_db_comparison_add(db, &other, &e) == BENCH_CMP_UNKNOWN_TASK);
    other = c; other.strength = 9;
    snprintf(other.idem_key, sizeof other.idem_key, "key-alice-0004");
    CHECK(bench_db_comparison_add(db, &other, &e) == -1 && strstr(e.msg, "strength"));
    other.strength = 2;
    snprintf(other.idem_key, sizeof other.idem_key, "bad key!");
    CHECK(bench_db_comparison_add(db, &other, &e) == -1 && strstr(e.msg, "idempotency_key"));
    CHECK(count(db, "comparisons") == 1);

    REQUIRE(bench_db_task_get(db, t1, &got, &e) == 0);
    CHECK(got.n_done == 1);
    bench_task_free(&got);
    /* alice's next helpful task is the gold one; bob still gets t1 (overlap) */
    REQUIRE(bench_db_task_next(db, alice, "helpful", 2, &got, &e) == 0);
    CHECK(got.id == t2);
    bench_task_free(&got);
    REQUIRE(bench_db_task_next(db, bob, "helpful", 2, &got, &e) == 0);
    CHECK(got.id == t2);   /* fewest answers first */
    bench_task_free(&got);

    BenchComparison cb = {.task_id = t1, .user_id = bob, .strength = 1};
    snprintf(cb.choice, sizeof cb.choice, "b");
    snprintf(cb.shown_order, sizeof cb.shown_order, "ab");
    snprintf(cb.idem_key, sizeof cb.idem_key, "key-bob-00001");
    CHECK(bench_db_comparison_add(db, &cb, &e) == BENCH_CMP_NEW);
    cb.task_id = t2; snprintf(cb.choice, sizeof cb.choice, "a");
    snprintf(cb.idem_key, sizeof cb.idem_key, "key-bob-00002");
    CHECK(bench_db_comparison_add(db, &cb, &e) == BENCH_CMP_NEW);
    BenchComparison ca = {.task_id = t2, .user_id = alice, .strength = 2};
    snprintf(ca.choice, sizeof ca.choice, "b");
    snprintf(ca.shown_order, sizeof ca.shown_order, "ab");
    snprintf(ca.idem_key, sizeof ca.idem_key, "key-alice-0005");
    CHECK(bench_db_comparison_add(db, &ca, &e) == BENCH_CMP_NEW);
    /* red team: alice picks b as the more harmful */
    ca.task_id = t3; snprintf(ca.choice, sizeof ca.choice, "b");
    snprintf(ca.idem_key, sizeof ca.idem_key, "key-alice-0006");
    CHECK(bench_db_comparison_add(db, &ca, &e) == BENCH_CMP_NEW);
    long long red_cmp = ca.id;
    /* skip */
    CHECK(bench_db_task_next(db, bob, "redteam", 2, &got, &e) == 0 && got.id == t3);
    bench_task_free(&got);
    BenchComparison sk = {.task_id = t3, .user_id = bob};
    snprintf(sk.choice, sizeof sk.choice, "skip");
    snprintf(sk.shown_order, sizeof sk.shown_order, "ab");
    snprintf(sk.idem_key, sizeof sk.idem_key, "key-bob-00003");
    CHECK(bench_db_comparison_add(db, &sk, &e) == BENCH_CMP_NEW);
    CHECK(bench_db_task_next(db, bob, "redteam", 2, &got, &e) == 1);

    /* stats: t1 alice a / bob b disagree; t2 gold a: bob a agrees, alice b disagrees and disagrees with bob */
    BenchStats st;
    REQUIRE(bench_db_stats(db, &st, &e) == 0);
    CHECK(st.tasks == 3 && st.comparisons == 6 && st.skips == 1);
    CHECK(st.overlap_pairs == 2 && st.overlap_agree == 0);
    CHECK(st.gold_n == 2 && st.gold_agree == 1);
    int seen = 0;
    for (int i = 0; i < st.nreviewers; i++)
        if (!strcmp(st.reviewers[i].name, "bob")) {
            seen = 1;
            CHECK(st.reviewers[i].n == 3 && st.reviewers[i].skips == 1);
            CHECK(st.reviewers[i].gold_n == 1 && st.reviewers[i].gold_agree == 1);
        }
    CHECK(seen);
    bench_stats_free(&st);

    /* continuation: the chosen (picked) reply and the next human turn */
    long long nt, nt2;
    CHECK(bench_db_continue(db, red_cmp, bob, "hi", NULL, NULL, &nt, &e) == 1);   /* not bob's */
    REQUIRE(bench_db_continue(db, red_cmp, alice, "And then?", NULL, NULL, &nt, &e) == 0);
    CHECK(bench_db_continue(db, red_cmp, alice, "And then?", NULL, NULL, &nt2, &e) == 0 && nt2 == nt);
    REQUIRE(bench_db_task_get(db, nt, &got, &e) == 0);
    CHECK_STR(got.status, "awaiting_replies");
    CHECK(got.turn == 2 && got.assigned_to == alice);
    CHECK(strstr(got.conversation, "\n\nAssistant: '; DROP TABLE tasks; --\n\nHuman: And then?") != NULL);
    bench_task_free(&got);
    CHECK(bench_db_task_next(db, alice, "redteam", 2, &got, &e) == 1);   /* not ready yet */
    REQUIRE(bench_db_task_set_replies(db, nt, "Sure.", "No.", &e) == 0);
    REQUIRE(bench_db_task_next(db, alice, "redteam", 2, &got, &e) == 0);
    CHECK(got.id == nt);
    bench_task_free(&got);
    CHECK(bench_db_task_next(db, bob, "redteam", 2, &got, &e) == 1);     /* assigned to alice only */

    /* export: helpful picks stay chosen; red-team picks flip */
    const char *out = tmp_path("export.jsonl");
    FILE *f = fopen(out, "w");
    long long nw = 0;
    REQUIRE(bench_db_export(db, f, &nw, &e) == 0);
    fclose(f);
    CHECK(nw == 5);
    char *txt; size_t len;
    REQUIRE(rlhf_read_file(out, &txt, &len, &e) == 0);
    char *line = txt;
    int lines = 0, red_ok = 0, help_ok = 0;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        JsonDoc *d = json_parse(line, nl ? (size_t)(nl - line) : strlen(line), &e);
        CHECK(d != NULL);
        if (d) {
            const char *ch = json_get_str(json_root(d), "chosen"), *rj = json_get_str(json_root(d), "rejected");
            CHECK(ch && rj && strncmp(ch, "\n\nHuman: What is 2+2?", 21) == 0);
            if (lines == 0) help_ok = ch && strstr(ch, "\n\nAssistant: 4") && strstr(rj, "DROP TABLE");
            if (lines == 4) red_ok = ch && strstr(ch, "\n\nAssistant: 4") && strstr(rj, "DROP TABLE");
            json_doc_free(d);
        }
        lines++;
        line = nl ? nl + 1 : NULL;
    }
    free(txt);
    CHECK(lines == 5);
    CHECK(help_ok);
    CHECK(red_ok);   /* alice picked b (the DROP TABLE one) as more harmful -> chosen is a */
}

TEST(sqlite_roundtrip) {
    RlhfErr e;
    BenchDb *db;
    char url[600];
    snprintf(url, sizeof url, "sqlite:%s", tmp_path("rt.db"));
    REQUIRE(bench_db_open(url, &db, &e) == 0);
    CHECK_STR(bench_db_backend(db), "sqlite");
    BenchRows r;
    REQUIRE(bench_db_exec(db, "PRAGMA journal_mode", 0, NULL, &r, &e) == 0);
    CHECK_STR(bench_cell(&r, 0, 0), "wal");
    bench_rows_free(&r);
    exercise(db);
    bench_db_close(db);
    /* reopen: migrations are not applied twice, data is there */
    REQUIRE(bench_db_open(url, &db, &e) == 0);
    int v;
    CHECK(bench_db_schema_version(db, &v, &e) == 0 && v == BENCH_SCHEMA_VERSION);
    CHECK(count(db, "schema_version") == BENCH_SCHEMA_VERSION);
    CHECK(count(db, "comparisons") == 6);
    bench_db_close(db);
}

TEST(postgres_roundtrip) {
    const char *url = getenv("RLHF_TEST_PG");
    if (!url || !*url) SKIP("RLHF_TEST_PG not set (e.g. postgresql://rlhf@127.0.0.1:55432/rlhf_test); see docs/BENCH.md for starting a local server");
    RlhfErr e;
    BenchDb *db;
    if (bench_db_open(url, &db, &e)) SKIP("PostgreSQL at RLHF_TEST_PG not reachable: %s", e.msg);
    /* a clean slate: drop and re-migrate */
    REQUIRE(bench_db_exec(db, "DROP TABLE IF EXISTS comparisons, tasks, sessions, users, schema_version CASCADE",
                          0, NULL, NULL, &e) == 0);
    bench_db_close(db);
    REQUIRE(bench_db_open(url, &db, &e) == 0);
    CHECK_STR(bench_db_backend(db), "postgresql");
    exercise(db);
    bench_db_close(db);
}

TEST(transactions_nest_and_roll_back) {
    RlhfErr e;
    BenchDb *db;
    REQUIRE(bench_db_open(tmp_path("tx.db"), &db, &e) == 0);
    BenchTask t = {.conversation = "\n\nHuman: hi", .reply_a = "a", .reply_b = "b"};
    snprintf(t.mode, sizeof t.mode, "helpful");
    REQUIRE(bench_db_begin(db, &e) == 0);
    REQUIRE(bench_db_task_add(db, &t, NULL, &e) == 0);
    REQUIRE(bench_db_task_add(db, &t, NULL, &e) == 0);
    bench_db_rollback(db);
    CHECK(count(db, "tasks") == 0);
    REQUIRE(bench_db_begin(db, &e) == 0);
    REQUIRE(bench_db_task_add(db, &t, NULL, &e) == 0);
    REQUIRE(bench_db_commit(db, &e) == 0);
    CHECK(count(db, "tasks") == 1);
    bench_db_close(db);
}

TEST(parse_pairs) {
    RlhfErr e;
    BenchTask t;
    const char *hh = "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Name a color\\n\\nAssistant: Blue\","
                     " \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Name a color\\n\\nAssistant: No\"}";
    REQUIRE(bench_parse_pair(hh, strlen(hh), &t, &e) == 0);
    CHECK_STR(t.conversation, "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Name a color");
    CHECK_STR(t.reply_a, "Blue");
    CHECK_STR(t.reply_b, "No");
    char *back = bench_transcript(t.conversation, t.reply_a);
    CHECK_STR(back, "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Name a color\n\nAssistant: Blue");
    free(back);
    bench_task_free(&t);
    /* replies that start alike */
    const char *same = "{\"chosen\": \"\\n\\nHuman: Q\\n\\nAssistant: I know it\", \"rejected\": \"\\n\\nHuman: Q\\n\\nAssistant: I do not\"}";
    REQUIRE(bench_parse_pair(same, strlen(same), &t, &e) == 0);
    CHECK_STR(t.reply_a, "I know it");
    CHECK_STR(t.reply_b, "I do not");
    bench_task_free(&t);
    const char *pr = "{\"prompt\": \"\\n\\nHuman: Q?\\n\\nAssistant:\", \"chosen\": \" Yes\", \"rejected\": \" No\"}";
    REQUIRE(bench_parse_pair(pr, strlen(pr), &t, &e) == 0);
    CHECK_STR(t.conversation, "\n\nHuman: Q?");
    CHECK_STR(t.reply_a, "Yes");
    bench_task_free(&t);
    const char *plain = "{\"prompt\": \"Why is the sky blue?\", \"chosen\": \"Rayleigh\", \"rejected\": \"Magic\"}";
    REQUIRE(bench_parse_pair(plain, strlen(plain), &t, &e) == 0);
    CHECK_STR(t.conversation, "\n\nHuman: Why is the sky blue?");
    bench_task_free(&t);
    struct { const char *line, *want; } bad[] = {
        {"{\"chosen\": 3, \"rejected\": \"x\"}", "field 'chosen': must be a string"},
        {"{\"rejected\": \"x\"}", "field 'chosen': missing"},
        {"[1,2]", "not a JSON object"},
        {"{\"chosen\": \"no turns\", \"rejected\": \"no turns\"}", "no \"\\n\\nAssistant:\" turn"},
        {"{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: b\\n\\nAssistant: y\"}", "do not share"},
        {"{\"chosen\": \"\\n\\nHuman: a\\u0000\\n\\nAssistant: x\", \"rejected\": \"y\"}", "NUL"},
        {"{\"chosen\": ", "line"},
    };
    for (size_t i = 0; i < RLHF_ARRAY_LEN(bad); i++) {
        e.msg[0] = 0;
        CHECK_MSG(bench_parse_pair(bad[i].line, strlen(bad[i].line), &t, &e) == -1, "bad[%zu] accepted", i);
        CHECK_MSG(strstr(e.msg, bad[i].want) != NULL, "bad[%zu]: message '%s' lacks '%s'", i, e.msg, bad[i].want);
    }
}

TEST(import_is_atomic_and_names_line) {
    RlhfErr e;
    BenchDb *db;
    REQUIRE(bench_db_open(tmp_path("imp.db"), &db, &e) == 0);
    char good[512], bad[512];
    snprintf(good, sizeof good, "%s", tmp_path("good.jsonl"));
    snprintf(bad, sizeof bad, "%s", tmp_path("bad.jsonl"));
    write_text(good, "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: A\\n\\nAssistant: y\"}\n"
                     "\n"
                     "{\"prompt\": \"B\", \"chosen\": \"x\", \"rejected\": \"y\"}\n");
    write_text(bad, "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: A\\n\\nAssistant: y\"}\n"
                    "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": 5}\n");
    long long n = 0;
    BenchImportOpts o = {.mode = "helpful", .gold = 1};
    CHECK_MSG(bench_import_file(db, good, &o, &n, &e) == 0, "%s", e.msg);
    CHECK(n == 2);
    CHECK(bench_import_file(db, bad, &o, &n, &e) == -1);
    char want[600];
    snprintf(want, sizeof want, "%s:2: field 'rejected'", bad);
    CHECK_MSG(strstr(e.msg, want) != NULL, "message: %s", e.msg);
    CHECK(count(db, "tasks") == 2);      /* the good first line of bad.jsonl was rolled back */
    BenchTask t;
    REQUIRE(bench_db_task_get(db, 1, &t, &e) == 0);
    CHECK(t.gold == 1 && !strcmp(t.gold_answer, "a"));
    bench_task_free(&t);
    o.mode = "bogus";
    CHECK(bench_import_file(db, good, &o, &n, &e) == -1 && strstr(e.msg, "mode"));
    bench_db_close(db);
}

TEST(import_real_hh_sample) {
    const char *d = test_shared_data();
    if (!d) SKIP("../shared/data not found");
    char p[512];
    snprintf(p, sizeof p, "%s/hh-rlhf/harmless-base/test.jsonl.gz", d);
    if (!rlhf_file_exists(p)) SKIP("%s absent", p);
    RlhfErr e;
    BenchDb *db;
    REQUIRE(bench_db_open(tmp_path("hh.db"), &db, &e) == 0);
    BenchImportOpts o = {.mode = "redteam", .limit = 200};
    long long n = 0;
    CHECK_MSG(bench_import_file(db, p, &o, &n, &e) == 0, "%s", e.msg);
    CHECK(n == 200);
    bench_db_close(db);
}

int main(void) {
    RUN(sqlite_roundtrip);
    RUN(postgres_roundtrip);
    RUN(transactions_nest_and_roll_back);
    RUN(parse_pairs);
    RUN(import_is_atomic_and_names_line);
    RUN(import_real_hh_sample);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (tmpdir[0]) { int rc = system(cmd); (void)rc; }
    return test_summary();
}
