/* cmd_bench.c — `rlhf bench serve | import | export | user add`: the
 * comparison bench web app and its database tools. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_db.h"
#include "bench/bench_import.h"
#include "bench/bench_server.h"
#include "cli/args.h"
#include "loop/policy_gen.h"
#include "cli/commands.h"

#define DEFAULT_DB "sqlite:bench.db"

/* Live model replies for --model. The lead wires the workbench sampler here:
 * fill *fn / *ctx with a BenchReplyFn that samples two replies. */
/* Live replies: two samples from the policy for the conversation so far. The
 * PolicyGen lives as long as the server (the server serialises calls). */
static PolicyGen live_gen;

static int live_reply(void *ctx, const char *conversation, char **reply_a, char **reply_b) {
    PolicyGen *g = ctx;
    size_t n = strlen(conversation);
    char *prompt = malloc(n + 16);
    if (!prompt) return -1;
    memcpy(prompt, conversation, n);
    memcpy(prompt + n, "\n\nAssistant:", 13);
    const char *ps[2] = {prompt, prompt};
    char *out[2] = {NULL, NULL};
    RlhfErr e;
    int rc = policy_gen_replies(g, ps, 2, out, &e);
    free(prompt);
    if (rc) { fprintf(stderr, "rlhf bench: live model: %s\n", e.msg); return -1; }
    *reply_a = out[0];
    *reply_b = out[1];
    return 0;
}

static int open_live_model(const char *ckpt, BenchReplyFn *fn, void **ctx, RlhfErr *e) {
    if (policy_gen_open(&live_gen, ckpt, 2, 192, 64, e)) return -1;
    live_gen.temperature = 1.0f;   /* two different samples of the same policy */
    *fn = live_reply;
    *ctx = &live_gen;
    return 0;
}

static int fail(const char *sub, const RlhfErr *e) {
    fprintf(stderr, "rlhf bench %s: %s\n", sub, e->msg);
    return 1;
}

static int bench_serve(int argc, char **argv) {
    const char *db = DEFAULT_DB, *bind = "127.0.0.1", *model = NULL, *guidelines = "docs/reviewer-guidelines.md";
    int port = 8080, threads = 4, overlap = 2, secure = 0;
    long long ttl = 12 * 3600;
    ArgSpec specs[] = {
        {"db", 's', &db, "URL", "sqlite:PATH or postgresql://..."},
        {"port", 'i', &port, "P", "TCP port (0: any free port, printed at start)"},
        {"bind", 's', &bind, "ADDR", "IPv4 address to listen on"},
        {"threads", 'i', &threads, "N", "HTTP threads (= database connections)"},
        {"model", 's', &model, "CKPT", "live model for replies (two samples per conversation)"},
        {"overlap", 'i', &overlap, "N", "reviewers per imported task, for agreement statistics"},
        {"session-ttl", 'l', &ttl, "S", "session lifetime in seconds"},
        {"guidelines", 's', &guidelines, "FILE", "reviewer guidelines (Markdown)"},
        {"secure-cookie", 'b', &secure, NULL, "mark cookies Secure (when behind a TLS proxy)"},
        {0}};
    int rc = args_parse("bench serve", "rlhf bench serve [--db URL] [--port P] [--model CKPT]", specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (port < 0 || port > 65535 || threads < 1 || threads > 256 || overlap < 1 || ttl < 60) {
        fprintf(stderr, "rlhf bench serve: --port 0..65535, --threads 1..256, --overlap >= 1, --session-ttl >= 60\n");
        return 2;
    }
    BenchServerConfig cfg = {.db_url = db, .bind_addr = bind, .port = port, .threads = threads, .session_ttl_s = ttl,
                             .max_per_task = overlap, .guidelines_path = guidelines, .secure_cookie = secure};
    RlhfErr e;
    if (model && open_live_model(model, &cfg.reply_fn, &cfg.reply_ctx, &e)) return fail("serve", &e);
    /* Block the stop signals before the HTTP threads start, so only sigwait sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    BenchServer *s;
    if (bench_server_start(&cfg, &s, &e)) return fail("serve", &e);
    printf("rlhf bench: listening on http://%s:%d (db %s)\n", bind, bench_server_port(s), db);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    bench_server_stop(s);
    printf("rlhf bench: stopped\n");
    return 0;
}

static int bench_import(int argc, char **argv) {
    const char *db = DEFAULT_DB, *mode = "helpful";
    int gold = 0;
    long long limit = 0;
    ArgSpec specs[] = {
        {"db", 's', &db, "URL", "sqlite:PATH or postgresql://..."},
        {"mode", 's', &mode, "MODE", "helpful | redteam"},
        {"gold", 'b', &gold, NULL, "plant as gold tasks: the HH label is the expected answer"},
        {"limit", 'l', &limit, "N", "import at most N pairs per file (0: all)"},
        {0}};
    char **pos;
    int npos;
    int rc = args_parse("bench import", "rlhf bench import FILE.jsonl[.gz]... [--db URL] [--mode helpful|redteam] [--gold]",
                        specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    if (npos < 1) { fprintf(stderr, "rlhf bench import: give at least one JSONL file\n"); free(pos); return 2; }
    RlhfErr e;
    if (bench_check_mode(mode, &e)) { fprintf(stderr, "rlhf bench import: --mode: %s\n", e.msg); free(pos); return 2; }
    BenchDb *d;
    if (bench_db_open(db, &d, &e)) { free(pos); return fail("import", &e); }
    BenchImportOpts o = {.mode = mode, .gold = gold, .limit = limit};
    for (int i = 0; i < npos; i++) {
        long long n = 0;
        if (bench_import_file(d, pos[i], &o, &n, &e)) { bench_db_close(d); free(pos); return fail("import", &e); }
        printf("%s: imported %lld %s%s pairs\n", pos[i], n, mode, gold ? " gold" : "");
    }
    bench_db_close(d);
    free(pos);
    return 0;
}

static int bench_export(int argc, char **argv) {
    const char *db = DEFAULT_DB, *out = NULL;
    ArgSpec specs[] = {
        {"db", 's', &db, "URL", "sqlite:PATH or postgresql://..."},
        {"out", 's', &out, "FILE", "HH-RLHF JSONL output (required)"},
        {0}};
    int rc = args_parse("bench export", "rlhf bench export --db URL --out FILE", specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (!out) { fprintf(stderr, "rlhf bench export: --out FILE is required\n"); return 2; }
    RlhfErr e;
    BenchDb *d;
    if (bench_db_open(db, &d, &e)) return fail("export", &e);
    /* Written to a temp file and renamed, so a reader never sees half an export. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f) { bench_db_close(d); rlhf_err(&e, "%s: cannot create", tmp); return fail("export", &e); }
    long long n = 0;
    rc = bench_db_export(d, f, &n, &e);
    bench_db_close(d);
    if (fclose(f) != 0 && !rc) rc = rlhf_err(&e, "%s: write failed", tmp);
    if (!rc && rename(tmp, out) != 0) rc = rlhf_err(&e, "%s: cannot rename to %s", tmp, out);
    if (rc) { remove(tmp); return fail("export", &e); }
    printf("%s: %lld comparisons\n", out, n);
    return 0;
}

static int bench_user(int argc, char **argv) {
    const char *db = DEFAULT_DB, *name = NULL, *role = "reviewer", *pwfile = NULL;
    int iters = 0;
    ArgSpec specs[] = {
        {"db", 's', &db, "URL", "sqlite:PATH or postgresql://..."},
        {"name", 's', &name, "NAME", "user name (required)"},
        {"role", 's', &role, "ROLE", "reviewer | admin"},
        {"password-file", 's', &pwfile, "FILE", "file whose first line is the password (required)"},
        {"iterations", 'i', &iters, "N", "PBKDF2 iterations (0: the default, 120000)"},
        {0}};
    char **pos;
    int npos;
    int rc = args_parse("bench user", "rlhf bench user add --name N --role reviewer|admin --password-file F [--db URL]",
                        specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    int ok = npos == 1 && !strcmp(pos[0], "add");
    free(pos);
    if (!ok) { fprintf(stderr, "rlhf bench user: the only subcommand is 'add' (see --help)\n"); return 2; }
    if (!name || !pwfile) { fprintf(stderr, "rlhf bench user add: --name and --password-file are required\n"); return 2; }
    if (iters < 0) { fprintf(stderr, "rlhf bench user add: --iterations must be >= 0\n"); return 2; }
    RlhfErr e;
    char *pw;
    size_t n;
    if (rlhf_read_file(pwfile, &pw, &n, &e)) return fail("user add", &e);
    pw[strcspn(pw, "\r\n")] = 0;
    BenchDb *d;
    if (bench_db_open(db, &d, &e)) { free(pw); return fail("user add", &e); }
    long long id;
    rc = bench_db_user_add(d, name, role, pw, (unsigned)iters, &id, &e);
    memset(pw, 0, n);
    free(pw);
    bench_db_close(d);
    if (rc) return fail("user add", &e);
    printf("user %s (%s) added, id %lld\n", name, role, id);
    return 0;
}

int cmd_bench(int argc, char **argv) {
    static const SubCommand subs[] = {
        {"serve", bench_serve, "the comparison web app (sign-in, guidelines, tasks, admin)"},
        {"import", bench_import, "HH-RLHF JSONL pairs into tasks"},
        {"export", bench_export, "comparisons as HH-RLHF JSONL (for rlhf judge train)"},
        {"user", bench_user, "add reviewer and admin accounts"},
    };
    return args_dispatch("bench", NULL, subs, RLHF_ARRAY_LEN(subs), argc, argv);
}
