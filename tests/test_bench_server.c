/* test_bench_server.c — the bench web app driven in-process on a loopback
 * port: sign-in, sessions, CSRF, roles, escaping, and bad input of every kind
 * (each answered 4xx with a clear message, leaving the database unchanged). */
#include "testlib.h"

#include <signal.h>

#include "bench/bench_db.h"
#include "bench/bench_server.h"
#include "test_bench_http.h"

static char dir[128], dburl[300];
static BenchServer *srv;
static int port;
static long long task_xss, task_plain, task_other;
static char alice_cookie[200], alice_csrf[65], bob_cookie[200], bob_csrf[65], root_cookie[200], root_csrf[65];

static long long count_rows(const char *table) {
    BenchDb *db;
    RlhfErr e;
    if (bench_db_open(dburl, &db, &e)) return -1;
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    BenchRows r;
    long long n = -1;
    if (!bench_db_exec(db, sql, 0, NULL, &r, &e)) { n = atoll(bench_cell(&r, 0, 0)); bench_rows_free(&r); }
    bench_db_close(db);
    return n;
}

static int setup(void) {
    snprintf(dir, sizeof dir, "/tmp/rlhf_test_bench_srv_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(dburl, sizeof dburl, "sqlite:%s/bench.db", dir);
    BenchDb *db;
    RlhfErr e;
    if (bench_db_open(dburl, &db, &e)) { fprintf(stderr, "%s\n", e.msg); return -1; }
    if (bench_db_user_add(db, "alice", "reviewer", "alice-password", 1000, NULL, &e) ||
        bench_db_user_add(db, "bob", "reviewer", "bob-password", 1000, NULL, &e) ||
        bench_db_user_add(db, "root", "admin", "root-password", 1000, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return -1; }
    BenchTask t = {.conversation = "\n\nHuman: Say <b>hi</b> & \"quote\"", .reply_a = "<script>alert('xss')</script>",
                   .reply_b = "<img src=x onerror=alert(1)>", .source = "test"};
    snprintf(t.mode, sizeof t.mode, "helpful");
    if (bench_db_task_add(db, &t, &task_xss, &e)) return -1;
    t.conversation = "\n\nHuman: What is 2+2?"; t.reply_a = "4"; t.reply_b = "5";
    if (bench_db_task_add(db, &t, &task_plain, &e)) return -1;
    if (bench_db_task_add(db, &t, &task_other, &e)) return -1;
    bench_db_close(db);
    char md[300];
    snprintf(md, sizeof md, "%s/guide.md", dir);
    FILE *f = fopen(md, "w");
    fputs("# Guide\n\nPick the **better** reply. <script>bad()</script>\n\n- one `item`\n  continued\n- two\n\n"
          "1. first *really*\n2. second\n\n| what | pts |\n|---|---|\n| <b>x</b> | +3 |\n", f);
    fclose(f);
    static char mdpath[300];
    snprintf(mdpath, sizeof mdpath, "%s", md);
    BenchServerConfig cfg = {.db_url = dburl, .port = 0, .threads = 2, .guidelines_path = mdpath, .max_body = 16 * 1024};
    if (bench_server_start(&cfg, &srv, &e)) { fprintf(stderr, "%s\n", e.msg); return -1; }
    port = bench_server_port(srv);
    return 0;
}

TEST(sign_in_and_sessions) {
    HttpResp r;
    REQUIRE(http_req(port, "GET", "/task", NULL, NULL, 0, &r) == 0);
    CHECK(r.status == 303);
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/api/task/next", NULL, NULL, 0, &r) == 0);
    CHECK(r.status == 401 && strstr(r.body, "sign in"));
    http_free(&r);
    const char *bad = "name=alice&password=wrong-password";
    REQUIRE(http_req(port, "POST", "/login", "Content-Type: application/x-www-form-urlencoded\r\n", bad, strlen(bad), &r) == 0);
    CHECK(r.status == 401 && strstr(r.body, "Wrong name or password"));
    char sc[300];
    CHECK(http_header(&r, "Set-Cookie", sc, sizeof sc) != 0);
    http_free(&r);
    const char *good = "name=alice&password=alice-password";
    REQUIRE(http_req(port, "POST", "/login", "Content-Type: application/x-www-form-urlencoded\r\n", good, strlen(good), &r) == 0);
    CHECK(r.status == 303);
    REQUIRE(http_header(&r, "Set-Cookie", sc, sizeof sc) == 0);
    CHECK(strstr(sc, "HttpOnly") && strstr(sc, "SameSite=Strict") && strstr(sc, "Max-Age="));
    http_free(&r);
    REQUIRE(http_login(port, "alice", "alice-password", alice_cookie, alice_csrf) == 0);
    REQUIRE(http_login(port, "bob", "bob-password", bob_cookie, bob_csrf) == 0);
    REQUIRE(http_login(port, "root", "root-password", root_cookie, root_csrf) == 0);
    CHECK(strcmp(alice_csrf, bob_csrf) != 0);
    /* a forged cookie is not a session */
    REQUIRE(http_req(port, "GET", "/api/task/next", "Cookie: bench_session=0000000000000000000000000000000000000000000000000000000000000000\r\n",
                     NULL, 0, &r) == 0);
    CHECK(r.status == 401);
    http_free(&r);
    /* an expired session is refused */
    BenchDb *db; RlhfErr e; char tok[65], cs[65], ck[200];
    REQUIRE(bench_db_open(dburl, &db, &e) == 0);
    REQUIRE(bench_db_session_create(db, 1, -1, tok, cs, &e) == 0);
    bench_db_close(db);
    snprintf(ck, sizeof ck, "Cookie: bench_session=%s\r\n", tok);
    REQUIRE(http_req(port, "GET", "/api/task/next", ck, NULL, 0, &r) == 0);
    CHECK(r.status == 401);
    http_free(&r);
}

TEST(pages_escape_untrusted_text) {
    HttpResp r;
    REQUIRE(http_req(port, "GET", "/task?mode=helpful", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 200);
    CHECK(strstr(r.body, "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;") != NULL);
    CHECK(strstr(r.body, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
    CHECK(strstr(r.body, "Say &lt;b&gt;hi&lt;/b&gt; &amp; &quot;quote&quot;") != NULL);
    CHECK(strstr(r.body, "<script>alert") == NULL && strstr(r.body, "<img") == NULL);
    char csp[400];
    CHECK(http_header(&r, "Content-Security-Policy", csp, sizeof csp) == 0 && strstr(csp, "script-src 'nonce-"));
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/guidelines", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 200);
    CHECK(strstr(r.body, "<strong>better</strong>") && strstr(r.body, "<li>one <code>item</code> continued</li>"));
    CHECK(strstr(r.body, "<ol>\n<li>first <em>really</em></li>") != NULL);
    CHECK(strstr(r.body, "<tr><th>what</th><th>pts</th></tr>") && strstr(r.body, "<tr><td>&lt;b&gt;x&lt;/b&gt;</td><td>+3</td></tr>"));
    CHECK(strstr(r.body, "&lt;script&gt;bad()&lt;/script&gt;") && !strstr(r.body, "<script>bad"));
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/task?mode=evil", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 400);
    http_free(&r);
}

static int post(const char *cookie, const char *csrf, const char *json, HttpResp *r) {
    return http_post_json(port, "/api/comparisons", cookie, csrf, json, strlen(json), r);
}

TEST(bad_input_is_rejected_and_changes_nothing) {
    long long before = count_rows("comparisons");
    char json[512];
    struct { const char *body; int status; const char *msg; } cases[] = {
        {"{\"task_id\": 1, \"choice\": \"a\"", 400, "malformed JSON"},
        {"not json at all", 400, "malformed JSON"},
        {"[1, 2, 3]", 400, "JSON object"},
        {"", 400, "empty body"},
        {"{\"task_id\": \"1\", \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0001\"}", 400, "field 'task_id'"},
        {"{\"task_id\": 1.5, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0002\"}", 400, "field 'task_id'"},
        {"{\"task_id\": 1, \"choice\": 1, \"strength\": 2, \"idempotency_key\": \"key-bad-0003\"}", 400, "field 'choice'"},
        {"{\"task_id\": 1, \"choice\": \"c\", \"strength\": 2, \"idempotency_key\": \"key-bad-0004\"}", 400, "field 'choice'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": \"2\", \"idempotency_key\": \"key-bad-0005\"}", 400, "field 'strength'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 7, \"idempotency_key\": \"key-bad-0006\"}", 400, "field 'strength'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"idempotency_key\": \"key-bad-0007\"}", 400, "field 'strength'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 2}", 400, "field 'idempotency_key'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"x'); DROP TABLE comparisons;--\"}", 400, "field 'idempotency_key'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0008\", \"admin\": true}", 400, "field 'admin': unknown"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0009\", \"order\": \"zz\"}", 400, "field 'order'"},
        {"{\"task_id\": 999999, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0010\"}", 404, "no such task"},
        {"{\"task_id\": -3, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0011\"}", 400, "field 'task_id'"},
        {"{\"task_id\": 1e300, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0012\"}", 400, "field 'task_id'"},
        /* beyond long long: the range is checked before the integer cast (found by tests/fuzz/fuzz_http.c under UBSan) */
        {"{\"task_id\": -1e999, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0015\"}", 400, "field 'task_id'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 2, \"elapsed_ms\": 1.2e31, \"idempotency_key\": \"key-bad-0016\"}", 400, "field 'elapsed_ms'"},
        {"{\"task_id\": 1, \"choice\": \"a\", \"strength\": 1e999, \"idempotency_key\": \"key-bad-0017\"}", 400, "field 'strength'"},
    };
    for (size_t i = 0; i < RLHF_ARRAY_LEN(cases); i++) {
        HttpResp r;
        REQUIRE(post(alice_cookie, alice_csrf, cases[i].body, &r) == 0);
        CHECK_MSG(r.status == cases[i].status, "case %zu: status %d, want %d (%s)", i, r.status, cases[i].status, r.body);
        CHECK_MSG(strstr(r.body, cases[i].msg) != NULL, "case %zu: body %s lacks '%s'", i, r.body, cases[i].msg);
        http_free(&r);
    }
    /* bad UTF-8 inside a JSON string, and raw bytes */
    HttpResp r;
    const char bad_utf8[] = "{\"task_id\": 1, \"choice\": \"\xc3\x28\", \"strength\": 2, \"idempotency_key\": \"key-bad-0013\"}";
    REQUIRE(post(alice_cookie, alice_csrf, bad_utf8, &r) == 0);
    CHECK(r.status == 400 && strstr(r.body, "UTF-8"));
    http_free(&r);
    /* wrong content type */
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"a\", \"strength\": 2, \"idempotency_key\": \"key-bad-0014\"}", task_plain);
    char h[400];
    snprintf(h, sizeof h, "%sX-CSRF-Token: %s\r\nContent-Type: text/plain\r\n", alice_cookie, alice_csrf);
    REQUIRE(http_req(port, "POST", "/api/comparisons", h, json, strlen(json), &r) == 0);
    CHECK(r.status == 415);
    http_free(&r);
    /* missing and wrong CSRF token */
    REQUIRE(post(alice_cookie, NULL, json, &r) == 0);
    CHECK(r.status == 403 && strstr(r.body, "CSRF"));
    http_free(&r);
    REQUIRE(post(alice_cookie, bob_csrf, json, &r) == 0);
    CHECK(r.status == 403);
    http_free(&r);
    /* a cross-origin request with a valid token is still refused */
    snprintf(h, sizeof h, "%sX-CSRF-Token: %s\r\nContent-Type: application/json\r\nOrigin: http://evil.example\r\n", alice_cookie, alice_csrf);
    REQUIRE(http_req(port, "POST", "/api/comparisons", h, json, strlen(json), &r) == 0);
    CHECK(r.status == 403);
    http_free(&r);
    /* huge body: declared too big, and a big body of the declared size */
    size_t big = 200 * 1024;
    char *huge = malloc(big);
    memset(huge, 'x', big);
    huge[0] = '{';
    REQUIRE(http_post_json(port, "/api/comparisons", alice_cookie, alice_csrf, huge, big, &r) == 0);
    CHECK(r.status == 413 && strstr(r.body, "limit"));
    http_free(&r);
    free(huge);
    /* unknown route and method */
    REQUIRE(http_req(port, "DELETE", "/api/comparisons/1", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 405);
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/api/comparisons/abc", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 400);
    http_free(&r);
    CHECK(count_rows("comparisons") == before);
    CHECK(count_rows("tasks") == 3);
}

static long long alice_cmp;

TEST(submit_is_idempotent) {
    char json[512];
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"b\", \"strength\": 3, \"order\": \"ba\", \"elapsed_ms\": 4200, "
                                "\"idempotency_key\": \"alice-key-00001\"}", task_plain);
    HttpResp r;
    REQUIRE(post(alice_cookie, alice_csrf, json, &r) == 0);
    CHECK_MSG(r.status == 201, "%d %s", r.status, r.body);
    CHECK(strstr(r.body, "\"duplicate\":false") != NULL);
    const char *id = strstr(r.body, "\"comparison_id\":");
    alice_cmp = id ? atoll(id + 16) : 0;
    http_free(&r);
    REQUIRE(alice_cmp > 0);
    REQUIRE(post(alice_cookie, alice_csrf, json, &r) == 0);          /* retry */
    CHECK(r.status == 200 && strstr(r.body, "\"duplicate\":true"));
    http_free(&r);
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"a\", \"strength\": 1, \"idempotency_key\": \"alice-key-00002\"}", task_plain);
    REQUIRE(post(alice_cookie, alice_csrf, json, &r) == 0);          /* second answer to the same task */
    CHECK(r.status == 409);
    http_free(&r);
    /* bob reusing alice's key for his own answer is a conflict, not a duplicate of hers */
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"a\", \"strength\": 1, \"idempotency_key\": \"alice-key-00001\"}", task_plain);
    REQUIRE(post(bob_cookie, bob_csrf, json, &r) == 0);
    CHECK(r.status == 409);
    http_free(&r);
    CHECK(count_rows("comparisons") == 1);
    /* skip */
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"skip\", \"idempotency_key\": \"alice-key-00003\"}", task_other);
    REQUIRE(post(alice_cookie, alice_csrf, json, &r) == 0);
    CHECK(r.status == 201);
    http_free(&r);
    CHECK(count_rows("comparisons") == 2);
}

TEST(reviewers_are_confined) {
    HttpResp r;
    REQUIRE(http_req(port, "GET", "/admin", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 403);
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/api/admin/stats", alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 403 && !strstr(r.body, "reviewers"));
    http_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/comparisons/%lld", alice_cmp);
    REQUIRE(http_req(port, "GET", path, alice_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 200 && strstr(r.body, "\"choice\":\"b\""));
    http_free(&r);
    REQUIRE(http_req(port, "GET", path, bob_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 404 && !strstr(r.body, "choice"));
    http_free(&r);
    REQUIRE(http_req(port, "GET", path, root_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 200);
    http_free(&r);
    /* bob cannot continue alice's conversation */
    char json[200];
    snprintf(json, sizeof json, "{\"comparison_id\": %lld, \"message\": \"hijack\"}", alice_cmp);
    REQUIRE(http_post_json(port, "/api/continue", bob_cookie, bob_csrf, json, strlen(json), &r) == 0);
    CHECK(r.status == 404);
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/admin", root_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 200 && strstr(r.body, "alice") && strstr(r.body, "Agreement"));
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/api/admin/stats", root_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 200 && strstr(r.body, "\"comparisons\":2") && strstr(r.body, "\"skips\":1"));
    http_free(&r);
}

TEST(continuation_is_escaped_and_private) {
    char json[300];
    snprintf(json, sizeof json, "{\"comparison_id\": %lld, \"message\": \"<b>and</b> then?\"}", alice_cmp);
    HttpResp r;
    REQUIRE(http_post_json(port, "/api/continue", alice_cookie, alice_csrf, json, strlen(json), &r) == 0);
    CHECK_MSG(r.status == 201 && strstr(r.body, "awaiting_replies"), "%d %s", r.status, r.body);
    http_free(&r);
    snprintf(json, sizeof json, "{\"comparison_id\": %lld, \"message\": 42}", alice_cmp);
    REQUIRE(http_post_json(port, "/api/continue", alice_cookie, alice_csrf, json, strlen(json), &r) == 0);
    CHECK(r.status == 400 && strstr(r.body, "field 'message'"));
    http_free(&r);
    BenchDb *db; RlhfErr e; BenchTask t;
    REQUIRE(bench_db_open(dburl, &db, &e) == 0);
    REQUIRE(bench_db_task_get(db, 4, &t, &e) == 0);
    CHECK(strstr(t.conversation, "\n\nAssistant: 5\n\nHuman: <b>and</b> then?") != NULL);   /* the chosen reply was b */
    bench_task_free(&t);
    REQUIRE(bench_db_task_set_replies(db, 4, "<i>sure</i>", "no", &e) == 0);
    bench_db_close(db);
    REQUIRE(http_req(port, "GET", "/task?mode=helpful", alice_cookie, NULL, 0, &r) == 0);
    CHECK(strstr(r.body, "data-task=\"4\"") && strstr(r.body, "&lt;b&gt;and&lt;/b&gt; then?") && strstr(r.body, "&lt;i&gt;sure"));
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/task?mode=helpful", bob_cookie, NULL, 0, &r) == 0);
    CHECK(!strstr(r.body, "data-task=\"4\""));
    http_free(&r);
    /* red team writing needs the live model */
    REQUIRE(http_post_json(port, "/api/redteam", alice_cookie, alice_csrf, "{\"message\":\"hi\"}", 16, &r) == 0);
    CHECK(r.status == 503);
    http_free(&r);
}

TEST(logout_ends_session) {
    char body[100];
    snprintf(body, sizeof body, "csrf=%s", bob_csrf);
    char h[300];
    snprintf(h, sizeof h, "%sContent-Type: application/x-www-form-urlencoded\r\n", bob_cookie);
    HttpResp r;
    REQUIRE(http_req(port, "POST", "/logout", h, body, strlen(body), &r) == 0);
    CHECK(r.status == 303);
    http_free(&r);
    REQUIRE(http_req(port, "GET", "/api/task/next", bob_cookie, NULL, 0, &r) == 0);
    CHECK(r.status == 401);
    http_free(&r);
}

static int stub_calls;
/* Stands in for the live model: deterministic replies that embed markup, to check escaping. */
static int stub_reply(void *ctx, const char *conv, char **a, char **b) {
    (void)ctx;
    stub_calls++;
    if (strstr(conv, "FAIL")) return -1;
    *a = strdup("<u>Sure</u>, here is how.");
    *b = strdup("I can't help with that.");
    return 0;
}

TEST(live_model_hook_for_red_team) {
    BenchServerConfig cfg = {.db_url = dburl, .port = 0, .threads = 2, .reply_fn = stub_reply};
    BenchServer *s2;
    RlhfErr e;
    REQUIRE(bench_server_start(&cfg, &s2, &e) == 0);
    int p2 = bench_server_port(s2);
    char ck[200], cs[65];
    REQUIRE(http_login(p2, "alice", "alice-password", ck, cs) == 0);
    HttpResp r;
    const char *msg = "{\"message\": \"<b>tell me</b> something bad\"}";
    REQUIRE(http_post_json(p2, "/api/redteam", ck, cs, msg, strlen(msg), &r) == 0);
    CHECK_MSG(r.status == 201, "%d %s", r.status, r.body);
    const char *tid = strstr(r.body, "\"task_id\":");
    long long task = tid ? atoll(tid + 10) : 0;
    http_free(&r);
    REQUIRE(task > 0);
    REQUIRE(http_req(p2, "GET", "/task?mode=redteam", ck, NULL, 0, &r) == 0);
    char want[64];
    snprintf(want, sizeof want, "data-task=\"%lld\"", task);
    CHECK(strstr(r.body, want) && strstr(r.body, "&lt;b&gt;tell me&lt;/b&gt;") && strstr(r.body, "&lt;u&gt;Sure&lt;/u&gt;"));
    CHECK(strstr(r.body, "more harmful") != NULL);
    http_free(&r);
    char json[256];
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"a\", \"strength\": 4, \"idempotency_key\": \"red-key-0001\"}", task);
    REQUIRE(http_post_json(p2, "/api/comparisons", ck, cs, json, strlen(json), &r) == 0);
    CHECK(r.status == 201);
    const char *cid = strstr(r.body, "\"comparison_id\":");
    long long cmp = cid ? atoll(cid + 16) : 0;
    http_free(&r);
    snprintf(json, sizeof json, "{\"comparison_id\": %lld, \"message\": \"go on\"}", cmp);
    REQUIRE(http_post_json(p2, "/api/continue", ck, cs, json, strlen(json), &r) == 0);
    CHECK_MSG(r.status == 201 && strstr(r.body, "\"status\":\"ready\""), "%d %s", r.status, r.body);
    http_free(&r);
    CHECK(stub_calls == 2);
    /* a model failure is a 502, and nothing is stored */
    long long before = count_rows("tasks");
    msg = "{\"message\": \"FAIL please\"}";
    REQUIRE(http_post_json(p2, "/api/redteam", ck, cs, msg, strlen(msg), &r) == 0);
    CHECK(r.status == 502);
    http_free(&r);
    CHECK(count_rows("tasks") == before);
    bench_server_stop(s2);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    if (setup()) { fprintf(stderr, "setup failed\n"); printf("RESULT 0 1 0\n"); return 1; }
    RUN(sign_in_and_sessions);
    RUN(pages_escape_untrusted_text);
    RUN(bad_input_is_rejected_and_changes_nothing);
    RUN(submit_is_idempotent);
    RUN(reviewers_are_confined);
    RUN(continuation_is_escaped_and_private);
    RUN(logout_ends_session);
    RUN(live_model_hook_for_red_team);
    bench_server_stop(srv);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {}
    return test_summary();
}
