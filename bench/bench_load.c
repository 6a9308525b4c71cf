/* bench_load.c — load driver for the comparison bench: N concurrent reviewers
 * on loopback, each fetching its next task and submitting an answer in a loop.
 * Reports sustained submissions per second and p50/p99 submission latency.
 *
 *   bench/bench_load.sh [--db sqlite:/tmp/load.db | --db postgresql://...] [--reviewers 50] [--seconds 20]
 *
 * The server runs in this process (same code as `rlhf bench serve`) with its
 * own thread pool; the database is wiped and filled with tasks first. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_db.h"
#include "bench/bench_server.h"
#include "test_bench_http.h"

typedef struct Rev {
    int idx, port;
    char cookie[200], csrf[65];
    double *lat;          /* submission latencies in seconds */
    int nlat, cap, errors;
} Rev;

static volatile int stop;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

static void *reviewer(void *arg) {
    Rev *r = arg;
    for (long k = 0; !stop; k++) {
        HttpResp resp;
        if (http_req(r->port, "GET", "/api/task/next?mode=helpful", r->cookie, NULL, 0, &resp)) { r->errors++; continue; }
        const char *p = strstr(resp.body, "\"task_id\":");
        long long task = resp.status == 200 && p ? atoll(p + 10) : 0;
        http_free(&resp);
        if (!task) break;
        char json[200];
        snprintf(json, sizeof json, "{\"task_id\":%lld,\"choice\":\"%s\",\"strength\":%ld,\"idempotency_key\":\"load-%d-%ld\"}",
                 task, k % 2 ? "a" : "b", 1 + k % 4, r->idx, k);
        double t0 = now();
        int rc = http_post_json(r->port, "/api/comparisons", r->cookie, r->csrf, json, strlen(json), &resp);
        double dt = now() - t0;
        if (rc || resp.status != 201) { r->errors++; if (!rc) http_free(&resp); continue; }
        http_free(&resp);
        if (r->nlat == r->cap) { r->cap = r->cap ? 2 * r->cap : 1024; r->lat = realloc(r->lat, r->cap * sizeof *r->lat); }
        r->lat[r->nlat++] = dt;
    }
    return NULL;
}

static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    const char *url = "sqlite:/tmp/rlhf_bench_load.db";
    int nrev = 50, secs = 20, threads = 8, ntasks = 4000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--db")) url = argv[i + 1];
        else if (!strcmp(argv[i], "--reviewers")) nrev = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) secs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--tasks")) ntasks = atoi(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if (nrev < 1 || nrev > 1000 || secs < 1 || secs > 3600) { fprintf(stderr, "bad --reviewers/--seconds\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    RlhfErr e;
    if (!strncmp(url, "sqlite:", 7)) {
        char p[600];
        snprintf(p, sizeof p, "%s", url + 7); remove(p);
        snprintf(p, sizeof p, "%s-wal", url + 7); remove(p);
        snprintf(p, sizeof p, "%s-shm", url + 7); remove(p);
    }
    BenchDb *db;
    if (bench_db_open(url, &db, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    if (strncmp(url, "sqlite:", 7)) {       /* PostgreSQL: start from empty tables */
        bench_db_exec(db, "DROP TABLE IF EXISTS comparisons, tasks, sessions, users, schema_version CASCADE", 0, NULL, NULL, &e);
        bench_db_close(db);
        if (bench_db_open(url, &db, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    }
    bench_db_begin(db, &e);
    for (int i = 0; i < nrev; i++) {
        char name[32];
        snprintf(name, sizeof name, "load%d", i);
        if (bench_db_user_add(db, name, "reviewer", "load-password", 1000, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    }
    for (int i = 0; i < ntasks; i++) {
        BenchTask t = {.conversation = "\n\nHuman: How do I bake bread?", .reply_a = "Mix flour, water, yeast and salt; knead; let it rise; bake at 230C.",
                       .reply_b = "Buy some.", .source = "load"};
        snprintf(t.mode, sizeof t.mode, "helpful");
        if (bench_db_task_add(db, &t, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    }
    if (bench_db_commit(db, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    bench_db_close(db);

    BenchServerConfig cfg = {.db_url = url, .port = 0, .threads = threads, .max_per_task = nrev};
    BenchServer *s;
    if (bench_server_start(&cfg, &s, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    int port = bench_server_port(s);
    Rev *revs = calloc(nrev, sizeof *revs);
    for (int i = 0; i < nrev; i++) {
        char name[32];
        snprintf(name, sizeof name, "load%d", i);
        revs[i].idx = i; revs[i].port = port;
        if (http_login(port, name, "load-password", revs[i].cookie, revs[i].csrf)) { fprintf(stderr, "login %s failed\n", name); return 1; }
    }
    pthread_t *th = calloc(nrev, sizeof *th);
    double t0 = now();
    for (int i = 0; i < nrev; i++) pthread_create(&th[i], NULL, reviewer, &revs[i]);
    while (now() - t0 < secs) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    stop = 1;
    for (int i = 0; i < nrev; i++) pthread_join(th[i], NULL);
    double el = now() - t0;
    int n = 0, errors = 0;
    for (int i = 0; i < nrev; i++) { n += revs[i].nlat; errors += revs[i].errors; }
    double *all = malloc((n ? n : 1) * sizeof *all);
    for (int i = 0, k = 0; i < nrev; i++) for (int j = 0; j < revs[i].nlat; j++) all[k++] = revs[i].lat[j];
    qsort(all, n, sizeof *all, cmp_d);
    HttpResp h;
    int up = http_req(port, "GET", "/healthz", NULL, NULL, 0, &h) == 0 && h.status == 200;
    if (up) http_free(&h);
    printf("backend %s, %d reviewers, %d server threads, %.1f s: %d submissions, %.1f submissions/s, "
           "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors, server %s\n",
           strncmp(url, "sqlite:", 7) ? "postgresql" : "sqlite", nrev, threads, el, n, n / el,
           n ? 1e3 * all[n / 2] : 0.0, n ? 1e3 * all[(int)(0.99 * (n - 1))] : 0.0, n ? 1e3 * all[n - 1] : 0.0, errors,
           up ? "up" : "DOWN");
    bench_server_stop(s);
    return up && errors == 0 ? 0 : 1;
}
