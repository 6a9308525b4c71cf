/* fuzz_http.c — libFuzzer harness for the bench's HTTP handlers (bench_server.c).
 *
 * LLVMFuzzerInitialize starts the real server once (libmicrohttpd, 2 threads)
 * on an ephemeral loopback port over a throwaway SQLite file, with two
 * reviewers, an admin, one session each, 40 helpfulness and 8 red-team tasks
 * and a stand-in live model. Each input becomes one HTTP request over
 * loopback; the handlers run in the server's threads, whose coverage libFuzzer
 * sees like its own (the counters are process-wide).
 *
 * Input layout:
 *   byte 0  bits 0-3 route (below); bits 4-6 Content-Type variant (0: the
 *           route's own); bit 7 swaps GET <-> POST
 *   byte 1  bits 0-1 who (alice, alice, bob, admin); bits 2-3 credentials
 *           (0,1: session cookie + X-CSRF-Token; 2: cookie, no CSRF header;
 *           3: no session); bit 4 same-origin Origin header; bit 5 foreign
 *           Origin header
 *   rest    the payload: the body of a POST, the query / id / path of a GET
 *           (percent-encoded into the URL), raw headers + body in raw mode.
 * Mostly valid credentials, so the fuzzer gets past sign-in and CSRF into the
 * handlers' own validation.
 *
 * Properties (any failure aborts, so libFuzzer keeps the input):
 *   - the server never answers 5xx, never crashes (ASan/UBSan in its threads
 *     abort the process) and always answers a well-formed request;
 *   - every /api/ answer is a JSON object with "ok", and a 4xx names the error;
 *   - no HTML page contains the raw marker "<fuzz" (seeded into tasks, the
 *     stand-in model's replies and the dictionary): untrusted text is escaped;
 *   - a POST without the CSRF token, or with a foreign Origin, is refused (403);
 *   - no session: no 2xx from the API; a reviewer: no 2xx from admin routes;
 *     a comparison read back belongs to the reader unless the reader is admin.
 * Build and run: scripts/fuzz.sh http. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench/bench_db.h"
#include "bench/bench_server.h"
#include "util/json.h"

#define FAIL(...)                                                                  \
    do {                                                                           \
        fprintf(stderr, "fuzz_http: property failed: " __VA_ARGS__);               \
        fprintf(stderr, "\n  request: %.*s\n", (int)(g_reqlen < 1500 ? g_reqlen : 1500), g_req); \
        abort();                                                                   \
    } while (0)

enum { WHO_ALICE, WHO_BOB, WHO_ADMIN, NWHO };
static const char *const user_names[NWHO] = {"alice", "bob", "root"};

static BenchServer *g_srv;
static BenchDb *g_db;
static int g_port;
static char g_dir[64], g_url[128];
static long long g_uid[NWHO];
static char g_token[NWHO][65], g_csrf[NWHO][65];
static unsigned long g_execs;
static int g_verbose;               /* FUZZ_HTTP_VERBOSE=1: print each request line and answer */
static int g_conn = -1;             /* the kept-alive connection of well-formed requests */
static unsigned long g_retries;    /* requests resent because a reused connection had closed */
static char *g_req;          /* the request being sent, for failure reports */
static size_t g_reqlen, g_reqcap;
#define NTASKS_HELPFUL 40
#define NTASKS_REDTEAM 8
#define MAX_PAYLOAD 12000

/* ---- the stand-in live model: deterministic replies carrying the marker ---- */

static int fake_model(void *ctx, const char *conversation, char **a, char **b) {
    size_t n = strlen(conversation);
    const char *tail = n > 40 ? conversation + n - 40 : conversation;
    while ((*tail & 0xC0) == 0x80) tail++;   /* start on a UTF-8 boundary */
    *a = malloc(128);
    *b = malloc(128);
    if (!*a || !*b) { free(*a); free(*b); return -1; }
    snprintf(*a, 128, "<fuzz-model>%s</fuzz-model>", tail);
    snprintf(*b, 128, "plain reply & \"quotes\" <fuzz-b>");
    return 0;
}

/* ---- setup ---- */

static void die(const char *what, const RlhfErr *e) {
    fprintf(stderr, "fuzz_http: %s: %s\n", what, e ? e->msg : "");
    abort();
}

static void new_sessions(void) {
    RlhfErr e;
    if (bench_db_exec(g_db, "DELETE FROM sessions", 0, NULL, NULL, &e)) die("clear sessions", &e);
    for (int w = 0; w < NWHO; w++)
        if (bench_db_session_create(g_db, g_uid[w], 3600, g_token[w], g_csrf[w], &e)) die("session", &e);
}

static void add_tasks(void) {
    RlhfErr e;
    char conv[512];
    for (int i = 0; i < NTASKS_HELPFUL + NTASKS_REDTEAM; i++) {
        int red = i >= NTASKS_HELPFUL;
        snprintf(conv, sizeof conv, "\n\nHuman: question %d <fuzz-seed> & \"quoted\" '; DROP TABLE tasks; --"
                                    "\n\nAssistant: earlier reply\n\nHuman: and caf\xc3\xa9?", i);
        BenchTask t = {.conversation = conv, .reply_a = "reply A <fuzz-a>", .reply_b = "reply B </div><fuzz-b>",
                       .source = "fuzz"};
        snprintf(t.mode, sizeof t.mode, "%s", red ? "redteam" : "helpful");
        if (i % 7 == 3) { t.gold = 1; snprintf(t.gold_answer, sizeof t.gold_answer, "a"); }
        if (bench_db_task_add(g_db, &t, NULL, &e)) die("task", &e);
    }
}

static void cleanup(void) {
    fprintf(stderr, "fuzz_http: %lu inputs, %lu resent on a fresh connection\n", g_execs, g_retries);
    if (g_srv) bench_server_stop(g_srv);
    g_srv = NULL;
    if (g_db) bench_db_close(g_db);
    g_db = NULL;
    if (g_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd)) {}
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    signal(SIGPIPE, SIG_IGN);
    g_verbose = getenv("FUZZ_HTTP_VERBOSE") != NULL;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";   /* tmpfs: no fsync cost */
    snprintf(g_dir, sizeof g_dir, "%s/rlhf_fuzz_http_XXXXXX", base);
    if (!mkdtemp(g_dir)) { perror("mkdtemp"); abort(); }
    atexit(cleanup);
    snprintf(g_url, sizeof g_url, "sqlite:%s/bench.db", g_dir);
    RlhfErr e;
    if (bench_db_open(g_url, &g_db, &e)) die("open db", &e);
    for (int w = 0; w < NWHO; w++) {
        char pw[64];
        snprintf(pw, sizeof pw, "%s-password", user_names[w]);
        if (bench_db_user_add(g_db, user_names[w], w == WHO_ADMIN ? "admin" : "reviewer", pw, 1000, &g_uid[w], &e))
            die("user", &e);
    }
    add_tasks();
    new_sessions();
    BenchServerConfig cfg = {.db_url = g_url, .port = 0, .threads = 2, .max_body = 8192,
                             .guidelines_path = "docs/reviewer-guidelines.md", .reply_fn = fake_model};
    if (bench_server_start(&cfg, &g_srv, &e)) die("server", &e);
    g_port = bench_server_port(g_srv);
    g_reqcap = 1 << 16;
    g_req = malloc(g_reqcap);
    fprintf(stderr, "fuzz_http: server on 127.0.0.1:%d, db %s\n", g_port, g_url);
    return 0;
}

/* Every few thousand inputs: forget the answers, continuations and red-team
 * conversations, so the task queues do not run dry and seeds stay meaningful. */
static void reset_state(void) {
    RlhfErr e;
    if (bench_db_exec(g_db, "DELETE FROM comparisons", 0, NULL, NULL, &e) ||
        bench_db_exec(g_db, "DELETE FROM tasks WHERE source IS NULL OR source <> 'fuzz'", 0, NULL, NULL, &e) ||
        bench_db_exec(g_db, "UPDATE tasks SET n_done = 0", 0, NULL, NULL, &e))
        die("reset", &e);
    new_sessions();
}

/* ---- the request ---- */

static void req_add(const void *p, size_t n) {
    if (g_reqlen + n + 1 > g_reqcap) {
        while (g_reqlen + n + 1 > g_reqcap) g_reqcap *= 2;
        g_req = realloc(g_req, g_reqcap);
        if (!g_req) abort();
    }
    memcpy(g_req + g_reqlen, p, n);
    g_reqlen += n;
    g_req[g_reqlen] = 0;
}

static void req_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void req_printf(const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) req_add(tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Appends bytes to the URL: unreserved characters as they are, the rest %XX
 * (keep_slash: '/' too, for whole paths). */
static void req_url_bytes(const uint8_t *p, size_t n, int keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~' || (keep_slash && c == '/')) {
            req_add(&c, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            req_add(esc, 3);
        }
    }
}

typedef struct Resp {
    int status;              /* 0: no complete response */
    char *buf;               /* headers + body, NUL-terminated */
    size_t len;
    const char *body;
    char ctype[128];
} Resp;

static int connect_server(int raw) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { perror("socket"); abort(); }
    /* a raw request may promise more body than it sends: then the server waits for it */
    struct timeval tv = {.tv_sec = raw ? 0 : 10, .tv_usec = raw ? 200000 : 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { perror("fuzz_http: connect"); abort(); }
    return fd;
}

/* Sends g_req and reads one response: up to its Content-Length, or to the
 * close. Returns errno of a failed read (0 if none). */
static int send_recv(int fd, Resp *r) {
    for (size_t off = 0; off < g_reqlen;) {
        ssize_t w = send(fd, g_req + off, g_reqlen - off, MSG_NOSIGNAL);
        if (w <= 0) break;   /* the server may answer early (413) and close */
        off += (size_t)w;
    }
    size_t cap = 1 << 16, want = (size_t)-1;
    r->buf = malloc(cap);
    r->len = 0;
    int err = 0;
    for (;;) {
        if (cap - r->len < 4096) { cap *= 2; r->buf = realloc(r->buf, cap); }
        ssize_t n = recv(fd, r->buf + r->len, cap - r->len - 1, 0);
        if (n <= 0) { err = n < 0 ? errno : 0; break; }
        r->len += (size_t)n;
        r->buf[r->len] = 0;
        if (want == (size_t)-1) {
            char *sep = strstr(r->buf, "\r\n\r\n");
            if (sep) {
                const char *cl = strcasestr(r->buf, "\r\nContent-Length:");
                if (cl && cl < sep) want = (size_t)(sep + 4 - r->buf) + strtoull(cl + 17, NULL, 10);
            }
        }
        if (r->len >= want) break;
    }
    if (r->len > want) r->len = want;   /* a pipelined second answer is not this request's */
    r->buf[r->len] = 0;
    return err;
}

/* Well-formed requests share one keep-alive connection (thousands of fresh
 * loopback connections a second run into TIME_WAIT reuse, which resets some);
 * raw ones get a fresh connection each, since they may leave it in any state. */
static void exchange(Resp *r, int raw) {
    memset(r, 0, sizeof *r);
    int err = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        int reused = !raw && g_conn >= 0;
        int fd = raw ? connect_server(1) : reused ? g_conn : (g_conn = connect_server(0));
        err = send_recv(fd, r);
        if (raw) { close(fd); break; }
        const char *sep = strstr(r->buf, "\r\n\r\n");
        const char *cc = strcasestr(r->buf, "\r\nConnection: close");
        if (r->len == 0 || !sep || (cc && cc < sep)) { close(g_conn); g_conn = -1; }
        if (r->len == 0 && reused) { free(r->buf); r->buf = NULL; g_retries++; continue; }
        break;
    }
    if (!r->buf) { r->buf = calloc(1, 1); }
    char *sep = strstr(r->buf, "\r\n\r\n");
    if (r->len < 12 || strncmp(r->buf, "HTTP/1.", 7) || !sep) {
        if (!raw) fprintf(stderr, "fuzz_http: %zu bytes of answer, read error: %s\n", r->len, err ? strerror(err) : "none (closed)");
        return;
    }
    r->status = atoi(r->buf + 9);
    r->body = sep + 4;
    const char *ct = strcasestr(r->buf, "\r\nContent-Type:");
    if (ct && ct < sep) {
        ct += 15;
        while (*ct == ' ') ct++;
        size_t k = strcspn(ct, "\r");
        snprintf(r->ctype, sizeof r->ctype, "%.*s", (int)k, ct);
    }
}

/* ---- routes ---- */

enum {
    R_COMPARE, R_CONTINUE, R_REDTEAM, R_NEXT, R_GET_CMP, R_TASK, R_ADMIN, R_STATS,
    R_GUIDE, R_ROOT, R_LOGOUT, R_LOGIN, R_PATH, R_RAW_COMPARE, R_RAW_CONTINUE, R_RAW_LOGIN, NROUTES
};

static const char *const ctypes[8] = {NULL, "application/json; charset=utf-8", "application/x-www-form-urlencoded",
                                      "text/plain", "", "application/jsonx", "multipart/form-data; boundary=x",
                                      "APPLICATION/JSON"};

/* Bodies of the two login routes always name a known user: an unknown name
 * costs a 120000-iteration PBKDF2 (timing parity), which would starve the fuzzer. */
static int build_request(const uint8_t *data, size_t size, int *route_out, int *who_out, int *creds_out, int *post_out,
                         int *raw_out, int *foreign_out) {
    uint8_t b0 = data[0], b1 = data[1];
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    if (n > MAX_PAYLOAD) n = MAX_PAYLOAD;
    int route = b0 & 15, ct = (b0 >> 4) & 7, swap = b0 >> 7;
    int who = (b1 & 3) == 3 ? WHO_ADMIN : (b1 & 3) == 2 ? WHO_BOB : WHO_ALICE;
    int creds = (b1 >> 2) & 3;
    if (creds == 1) creds = 0;
    int same_origin = (b1 >> 4) & 1, foreign = (b1 >> 5) & 1 && !same_origin;
    static const int is_post[NROUTES] = {[R_COMPARE] = 1, [R_CONTINUE] = 1, [R_REDTEAM] = 1, [R_LOGOUT] = 1,
                                         [R_LOGIN] = 1, [R_RAW_COMPARE] = 1, [R_RAW_CONTINUE] = 1, [R_RAW_LOGIN] = 1};
    int raw = route >= R_RAW_COMPARE;
    int post = is_post[route] ^ (swap && !raw);
    const char *token = g_token[who], *csrf = g_csrf[who];
    char tok_tmp[65], csrf_tmp[65];
    if (route == R_LOGOUT) {   /* sign out of a throwaway session, not the ones the other inputs use */
        RlhfErr e;
        if (bench_db_session_create(g_db, g_uid[who], 3600, tok_tmp, csrf_tmp, &e)) die("session", &e);
        token = tok_tmp;
        csrf = csrf_tmp;
    }
    g_reqlen = 0;
    req_printf("%s ", post ? "POST" : "GET");
    switch (route) {
    case R_COMPARE: case R_RAW_COMPARE: req_printf("/api/comparisons"); break;
    case R_CONTINUE: case R_RAW_CONTINUE: req_printf("/api/continue"); break;
    case R_REDTEAM: req_printf("/api/redteam"); break;
    case R_NEXT: req_printf("/api/task/next?mode="); req_url_bytes(p, n < 64 ? n : 64, 0); break;
    case R_GET_CMP: req_printf("/api/comparisons/"); req_url_bytes(p, n < 64 ? n : 64, 0); break;
    case R_TASK: req_printf("/task?mode="); req_url_bytes(p, n < 64 ? n : 64, 0); break;
    case R_ADMIN: req_printf("/admin"); break;
    case R_STATS: req_printf("/api/admin/stats"); break;
    case R_GUIDE: req_printf("/guidelines"); break;
    case R_ROOT: req_printf("/"); break;
    case R_LOGOUT: req_printf("/logout"); break;
    case R_LOGIN: case R_RAW_LOGIN: req_printf("/login"); break;
    case R_PATH: req_printf("/"); req_url_bytes(p, n < 512 ? n : 512, 1); break;
    }
    req_printf(" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", g_port);
    if (creds != 3) req_printf("Cookie: bench_session=%s\r\n", token);
    if (creds == 0) req_printf("X-CSRF-Token: %s\r\n", csrf);
    if (same_origin) req_printf("Origin: http://127.0.0.1:%d\r\n", g_port);
    if (foreign) req_printf("Origin: http://evil.example\r\n");
    if (raw) {
        /* the fuzzer writes the remaining headers and the body itself; a login
         * form starts with a known name for the reason above */
        if (route == R_RAW_LOGIN) {
            /* fuzzed headers, then our Content-Length and the name field, then the fuzzed form */
            const uint8_t *sep = memmem(p, n, "\r\n\r\n", 4);
            size_t h = sep ? (size_t)(sep - p) : n, rest = sep ? n - h - 4 : 0;
            char pre[80];
            int k = snprintf(pre, sizeof pre, "name=%s&", user_names[who]);
            req_add(p, h);
            req_printf("%sContent-Length: %zu\r\n\r\n%s", h ? "\r\n" : "", (size_t)k + rest, pre);
            if (sep) req_add(sep + 4, rest);
        } else {
            req_add(p, n);
            /* an unfinished header block would leave the server waiting (rightly) for the rest */
            if (!memmem(p, n, "\r\n\r\n", 4)) req_printf("\r\n\r\n");
        }
    } else {
        const char *ctype = ct ? ctypes[ct] : route == R_LOGIN || route == R_LOGOUT ? "application/x-www-form-urlencoded"
                                                                                    : "application/json";
        if (ctype && post) req_printf("Content-Type: %s\r\n", ctype);
        int has_body = post && route != R_NEXT && route != R_GET_CMP && route != R_TASK && route != R_PATH;
        if (route == R_LOGIN) {
            char pre[80];
            int k = snprintf(pre, sizeof pre, "name=%s&", user_names[who]);
            req_printf("Content-Length: %zu\r\n\r\n%s", (size_t)k + n, pre);
            req_add(p, n);
        } else if (has_body) {
            req_printf("Content-Length: %zu\r\n\r\n", n);
            req_add(p, n);
        } else {
            req_printf("\r\n");
        }
    }
    *route_out = route; *who_out = who; *creds_out = creds; *post_out = post; *raw_out = raw; *foreign_out = foreign;
    return 0;
}

/* Does `body` (the payload) carry this session's CSRF token as a form field? */
static int carries_csrf(const uint8_t *p, size_t n, const char *csrf) {
    return memmem(p, n, csrf, 64) != NULL;
}

static void check_response(const Resp *r, int route, int who, int creds, int post, int raw, int foreign,
                           const uint8_t *payload, size_t n) {
    if (!r->status) {
        if (raw) return;   /* raw bytes may be no request at all */
        FAIL("no answer to a well-formed request");
    }
    if (r->status >= 500 && !(raw && r->status == 505)) FAIL("status %d, body: %.400s", r->status, r->body);
    int api = strstr(g_req, " /api/") && strstr(g_req, " /api/") < strstr(g_req, "\r\n");
    int ok2xx = r->status >= 200 && r->status < 300;
    if (api && !strncmp(r->ctype, "application/json", 16)) {
        RlhfErr e;
        JsonDoc *d = json_parse(r->body, strlen(r->body), &e);
        if (!d) FAIL("API answer is not JSON (%s): %.300s", e.msg, r->body);
        JsonValue *o = json_root(d), *ok = json_get(o, "ok");
        if (!ok || ok->type != JSON_BOOL) FAIL("API answer without \"ok\": %.300s", r->body);
        if (r->status >= 400 && (!json_get_str(o, "error") || !*json_get_str(o, "error")))
            FAIL("API error without a message: %.300s", r->body);
        if (ok2xx && route == R_GET_CMP && who != WHO_ADMIN && creds != 3) {
            double id;
            if (json_get_num(o, "id", &id)) FAIL("comparison without id");
            char ids[32];
            snprintf(ids, sizeof ids, "%lld", (long long)id);
            const char *params[] = {ids};
            BenchRows rows;
            if (bench_db_exec(g_db, "SELECT user_id FROM comparisons WHERE id = $1", 1, params, &rows, &e)) die("query", &e);
            long long owner = rows.nrows ? atoll(bench_cell(&rows, 0, 0)) : -1;
            bench_rows_free(&rows);
            if (owner != g_uid[who]) FAIL("%s read comparison %s of user %lld", user_names[who], ids, owner);
        }
        json_doc_free(d);
    } else if (api && r->status != 413 && r->status != 405 && (route != R_PATH || r->status != 404)) {
        if (!raw) FAIL("API answer with Content-Type '%s'", r->ctype);
    }
    if (!strncmp(r->ctype, "text/html", 9) && strstr(r->body, "<fuzz")) {
        const char *m = strstr(r->body, "<fuzz");
        FAIL("unescaped untrusted text in a page: ...%.120s", m > r->body + 60 ? m - 60 : r->body);
    }
    if (raw) return;   /* the fuzzer wrote the headers: the checks below assume ours */
    /* a fuzzed path may be /login itself (MHD cuts the URL at a decoded %00) */
    int login = route == R_LOGIN || (route == R_PATH && strnlen((const char *)payload, n) == 5 && !memcmp(payload, "login", 5));
    if (post && !login && creds != 3 && r->status != 413) {
        if ((creds == 2 && !carries_csrf(payload, n, g_csrf[who])) || foreign) {
            if (r->status != 403) FAIL("POST without CSRF token / with foreign Origin answered %d", r->status);
        }
    }
    if (post && login && foreign && r->status != 403 && r->status != 413) FAIL("cross-origin sign-in answered %d", r->status);
    if (creds == 3 && api && ok2xx) FAIL("API answered %d without a session", r->status);
    if (who != WHO_ADMIN && ok2xx && (route == R_ADMIN || route == R_STATS)) FAIL("reviewer got admin page (%d)", r->status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    if (++g_execs % 4096 == 0) reset_state();
    int route, who, creds, post, raw, foreign;
    build_request(data, size, &route, &who, &creds, &post, &raw, &foreign);
    Resp r;
    exchange(&r, raw);
    size_t n = size - 2 > MAX_PAYLOAD ? MAX_PAYLOAD : size - 2;
    if (g_verbose)
        fprintf(stderr, "fuzz_http: %.*s -> %d %s %.200s\n", (int)strcspn(g_req, "\r"), g_req, r.status, r.ctype,
                r.body ? r.body : "");
    check_response(&r, route, who, creds, post, raw, foreign, data + 2, n);
    free(r.buf);
    /* a raw or path-fuzzed POST may have signed a shared session out: renew them */
    if ((raw || route == R_PATH) && post) {
        BenchUser u;
        char csrf[65];
        RlhfErr e;
        for (int w = 0; w < NWHO; w++)
            if (bench_db_session_get(g_db, g_token[w], &u, csrf, &e) != 0) { new_sessions(); break; }
    }
    return 0;
}
