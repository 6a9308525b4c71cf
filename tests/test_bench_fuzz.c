/* test_bench_fuzz.c — mutation fuzzing of the import parser and the HTTP
 * handlers. A short smoke run in the default suite; RLHF_LONG=1 runs long.
 * Properties: the parser never crashes and either fills a task or names a
 * field/line; the server never answers 5xx to garbage, never stores a
 * comparison from a malformed request, and stays up. (Build with
 * `make asan` to catch memory errors on the same inputs.) */
#include "testlib.h"

#include <signal.h>

#include "bench/bench_db.h"
#include "bench/bench_import.h"
#include "bench/bench_server.h"
#include "test_bench_http.h"
#include "util/rng.h"

static const char *seeds[] = {
    "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Go away\"}",
    "{\"prompt\": \"\\n\\nHuman: Q?\\n\\nAssistant:\", \"chosen\": \" Yes\", \"rejected\": \" No\"}",
    "{\"task_id\": 1, \"choice\": \"a\", \"strength\": 2, \"order\": \"ab\", \"elapsed_ms\": 10, \"idempotency_key\": \"fuzz-key-0001\"}",
    "{\"comparison_id\": 1, \"message\": \"and then?\"}",
};

static const char *tokens[] = {"{", "}", "[", "]", "\"", "\\u0000", "\\ud800", "\xff", "\xc3\x28", ":", ",", "null", "true",
                               "1e999", "-0", "\"task_id\"", "\"choice\"", "'; DROP TABLE comparisons; --", "<script>",
                               "\n\nAssistant:", "\n\nHuman:", "\\", "9999999999999999999999"};

static size_t mutate(Rng *r, const char *seed, char *out, size_t cap) {
    size_t n = strlen(seed);
    if (n >= cap) n = cap - 1;
    memcpy(out, seed, n);
    int rounds = 1 + rng_int(r, 6);
    for (int k = 0; k < rounds; k++) {
        int op = rng_int(r, 4);
        size_t at = n ? (size_t)rng_int(r, (int)n + 1) : 0;
        if (op == 0 && n > 0) {                         /* flip a byte */
            if (at == n) at--;
            out[at] = (char)rng_u32(r);
        } else if (op == 1 && n > 0) {                  /* delete a span */
            size_t len = 1 + (size_t)rng_int(r, 8);
            if (at + len > n) len = n - at;
            memmove(out + at, out + at + len, n - at - len);
            n -= len;
        } else {                                        /* insert a token */
            const char *t = tokens[rng_int(r, (int)RLHF_ARRAY_LEN(tokens))];
            size_t tl = strlen(t);
            if (n + tl >= cap) continue;
            memmove(out + at + tl, out + at, n - at);
            memcpy(out + at, t, tl);
            n += tl;
        }
    }
    out[n] = 0;
    return n;
}

TEST(import_parser_survives_garbage) {
    int iters = test_long() ? 2000000 : 20000;
    Rng r;
    rng_seed(&r, 1234);
    char buf[4096];
    int ok = 0, rejected = 0, unnamed = 0;
    for (int i = 0; i < iters; i++) {
        size_t n = mutate(&r, seeds[rng_int(&r, 2)], buf, sizeof buf);
        BenchTask t;
        RlhfErr e = {{0}};
        if (bench_parse_pair(buf, n, &t, &e) == 0) {
            ok++;
            if (!bench_valid_utf8(t.conversation, strlen(t.conversation)) || !bench_valid_utf8(t.reply_a, strlen(t.reply_a)))
                unnamed++;
            bench_task_free(&t);
        } else {
            rejected++;
            if (!e.msg[0]) unnamed++;
        }
    }
    fprintf(stderr, "  parser: %d accepted, %d rejected\n", ok, rejected);
    CHECK(unnamed == 0);
    CHECK(ok > 0 && rejected > 0);
}

TEST(http_handlers_survive_garbage) {
    char dir[] = "/tmp/rlhf_test_bench_fuzz_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char url[200];
    snprintf(url, sizeof url, "sqlite:%s/f.db", dir);
    BenchDb *db;
    RlhfErr e;
    REQUIRE(bench_db_open(url, &db, &e) == 0);
    REQUIRE(bench_db_user_add(db, "fuzz", "reviewer", "fuzz-password", 1000, NULL, &e) == 0);
    BenchTask t = {.conversation = "\n\nHuman: hi", .reply_a = "a", .reply_b = "b"};
    snprintf(t.mode, sizeof t.mode, "helpful");
    REQUIRE(bench_db_task_add(db, &t, NULL, &e) == 0);
    bench_db_close(db);
    BenchServerConfig cfg = {.db_url = url, .port = 0, .threads = 2, .max_body = 8192};
    BenchServer *s;
    REQUIRE(bench_server_start(&cfg, &s, &e) == 0);
    int port = bench_server_port(s);
    char ck[200], cs[65];
    REQUIRE(http_login(port, "fuzz", "fuzz-password", ck, cs) == 0);
    static const char *paths[] = {"/api/comparisons", "/api/continue", "/api/redteam", "/login", "/logout"};
    int iters = test_long() ? 20000 : 300, s5xx = 0, s2xx = 0, failed = 0;
    Rng r;
    rng_seed(&r, 99);
    char buf[4096];
    for (int i = 0; i < iters; i++) {
        int which = rng_int(&r, (int)RLHF_ARRAY_LEN(paths));
        size_t n = mutate(&r, seeds[2 + rng_int(&r, 2)], buf, sizeof buf);
        HttpResp resp;
        int rc = which == 3 ? http_req(port, "POST", "/login", "Content-Type: application/x-www-form-urlencoded\r\n", buf, n, &resp)
                            : http_post_json(port, paths[which], ck, rng_int(&r, 8) ? cs : "bogus", buf, n, &resp);
        if (rc) { failed++; continue; }
        if (resp.status >= 500 && resp.status != 503) { s5xx++;   /* 503: red team without a model */ fprintf(stderr, "  5xx on %s: %.200s -> %s\n", paths[which], buf, resp.body); }
        if (resp.status >= 200 && resp.status < 300) s2xx++;
        if (which == 4 && resp.status == 303) {     /* a lucky logout: sign in again */
            http_free(&resp);
            REQUIRE(http_login(port, "fuzz", "fuzz-password", ck, cs) == 0);
            continue;
        }
        http_free(&resp);
    }
    HttpResp h;
    REQUIRE(http_req(port, "GET", "/healthz", NULL, NULL, 0, &h) == 0);
    CHECK(h.status == 200);
    http_free(&h);
    fprintf(stderr, "  http: %d requests, %d 2xx, %d 5xx, %d transport failures\n", iters, s2xx, s5xx, failed);
    CHECK(s5xx == 0);
    CHECK(failed == 0);
    bench_server_stop(s);
    /* every stored comparison is well formed */
    REQUIRE(bench_db_open(url, &db, &e) == 0);
    BenchRows rows;
    REQUIRE(bench_db_exec(db, "SELECT COUNT(*) FROM comparisons WHERE choice NOT IN ('a','b','skip') OR strength NOT BETWEEN 0 AND 4",
                          0, NULL, &rows, &e) == 0);
    CHECK_STR(bench_cell(&rows, 0, 0), "0");
    bench_rows_free(&rows);
    bench_db_close(db);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {}
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    RUN(import_parser_survives_garbage);
    RUN(http_handlers_survive_garbage);
    return test_summary();
}
