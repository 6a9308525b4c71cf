/* bench_server.h — the comparison bench web app (libmicrohttpd, thread pool).
 *
 * Server-rendered pages (sign-in, guidelines, task, admin) with a small inline
 * script, and a JSON API for answers. Security model: PBKDF2 password hashes,
 * random session tokens stored hashed with an expiry, HttpOnly SameSite=Strict
 * cookies, a per-session CSRF token on every state-changing request, roles
 * checked on every admin route, every untrusted string HTML-escaped, request
 * bodies capped, all input validated before it reaches parameterised SQL.
 * An answer is acknowledged only after its transaction has committed. */
#ifndef RLHF_BENCH_SERVER_H
#define RLHF_BENCH_SERVER_H

#include <stddef.h>

#include "util/common.h"

/* Live replies for a conversation (HH transcript ending with a human turn):
 * two candidate assistant turns, malloc'd, owned by the caller afterwards.
 * Return 0 on success. Calls are serialised by the server. */
typedef int (*BenchReplyFn)(void *ctx, const char *conversation, char **reply_a, char **reply_b);

typedef struct BenchServerConfig {
    const char *db_url;           /* "sqlite:PATH" or "postgresql://..." */
    const char *bind_addr;        /* default "127.0.0.1" */
    int port;                     /* 0: any free port (bench_server_port tells which) */
    int threads;                  /* HTTP thread pool = DB connection pool size; default 4 */
    long long session_ttl_s;      /* default 12 hours */
    int max_per_task;             /* reviewers per task (overlap for agreement); default 2 */
    size_t max_body;              /* request body cap in bytes; default 64 KiB */
    const char *guidelines_path;  /* default docs/reviewer-guidelines.md */
    int secure_cookie;            /* add "Secure" to cookies (when served behind TLS) */
    BenchReplyFn reply_fn;        /* NULL: imported pairs only */
    void *reply_ctx;
} BenchServerConfig;

typedef struct BenchServer BenchServer;

int bench_server_start(const BenchServerConfig *cfg, BenchServer **out, RlhfErr *e);
int bench_server_port(const BenchServer *s);
void bench_server_stop(BenchServer *s);

#endif
