/* test_bench_durability.c — every acknowledged comparison survives SIGKILL.
 *
 * Starts `rlhf bench serve` as a child process, has four reviewers' threads
 * send a burst of submissions, SIGKILLs the server mid-burst, restarts it, and
 * checks that every answer that got a 2xx is in the database, and that
 * retrying every submission with its idempotency key creates no duplicate. */
#include "testlib.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "bench/bench_db.h"
#include "test_bench_http.h"

#define NTHREADS 4
#define PER_THREAD 60
#define KILL_AFTER 50            /* acknowledged answers before the kill */

static char dir[128], dburl[300];
static const char *bin;

typedef struct Sub {
    long long task;
    char key[40];
    int acked;                   /* 2xx received */
    int sent;
} Sub;

typedef struct Worker {
    int idx, port;
    char cookie[200], csrf[65];
    Sub subs[PER_THREAD];
} Worker;

static volatile int acked_total, stop_flag;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Starts the server on a free port; returns its pid and port (read from its first line). */
static pid_t start_server(int *port) {
    int fds[2];
    if (pipe(fds)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(bin, bin, "bench", "serve", "--db", dburl, "--port", "0", "--threads", "4", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[256] = {0};
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    for (int i = 0; i < 1000 && n < sizeof line - 1 && !strchr(line, '\n'); i++) {   /* 10 s at most */
        ssize_t r = read(fds[0], line + n, sizeof line - 1 - n);
        if (r > 0) n += (size_t)r;
        else if (r == 0) break;
        else usleep(10000);
    }
    close(fds[0]);
    const char *p = strstr(line, "127.0.0.1:");
    *port = p ? atoi(p + 10) : 0;
    if (!*port) { kill(pid, SIGKILL); waitpid(pid, NULL, 0); return -1; }
    return pid;
}

static int submit(Worker *w, Sub *s) {
    char json[256];
    snprintf(json, sizeof json, "{\"task_id\": %lld, \"choice\": \"%s\", \"strength\": 2, \"idempotency_key\": \"%s\"}",
             s->task, s->task % 2 ? "a" : "b", s->key);
    HttpResp r;
    if (http_post_json(w->port, "/api/comparisons", w->cookie, w->csrf, json, strlen(json), &r)) return -1;
    int st = r.status;
    http_free(&r);
    return st;
}

static void *burst(void *arg) {
    Worker *w = arg;
    for (int i = 0; i < PER_THREAD && !stop_flag; i++) {
        Sub *s = &w->subs[i];
        s->sent = 1;
        int st = submit(w, s);
        if (st == 200 || st == 201) {
            s->acked = 1;
            pthread_mutex_lock(&mu);
            acked_total++;
            pthread_mutex_unlock(&mu);
        } else if (st < 0) {
            break;                      /* server gone */
        }
    }
    return NULL;
}

TEST(sigkill_mid_burst_loses_nothing_acknowledged) {
    bin = getenv("RLHF_BIN");
    if (!bin) bin = "./rlhf";
    if (access(bin, X_OK)) SKIP("%s not built (set RLHF_BIN or run make)", bin);
    snprintf(dir, sizeof dir, "/tmp/rlhf_test_bench_dur_XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(dburl, sizeof dburl, "sqlite:%s/bench.db", dir);
    BenchDb *db;
    RlhfErr e;
    REQUIRE(bench_db_open(dburl, &db, &e) == 0);
    static Worker W[NTHREADS];
    REQUIRE(bench_db_begin(db, &e) == 0);
    for (int i = 0; i < NTHREADS; i++) {
        char name[16];
        snprintf(name, sizeof name, "rev%d", i);
        REQUIRE(bench_db_user_add(db, name, "reviewer", "reviewer-password", 1000, NULL, &e) == 0);
    }
    for (int i = 0; i < NTHREADS * PER_THREAD; i++) {
        BenchTask t = {.conversation = "\n\nHuman: q", .reply_a = "a", .reply_b = "b"};
        snprintf(t.mode, sizeof t.mode, "helpful");
        long long id;
        REQUIRE(bench_db_task_add(db, &t, &id, &e) == 0);
        Sub *s = &W[i % NTHREADS].subs[i / NTHREADS];
        s->task = id;
        snprintf(s->key, sizeof s->key, "dur-%d-%04d", i % NTHREADS, i / NTHREADS);
    }
    REQUIRE(bench_db_commit(db, &e) == 0);
    bench_db_close(db);

    int port;
    pid_t pid = start_server(&port);
    REQUIRE(pid > 0);
    for (int i = 0; i < NTHREADS; i++) {
        char name[16];
        snprintf(name, sizeof name, "rev%d", i);
        W[i].idx = i;
        W[i].port = port;
        REQUIRE(http_login(port, name, "reviewer-password", W[i].cookie, W[i].csrf) == 0);
    }
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) pthread_create(&th[i], NULL, burst, &W[i]);
    for (int i = 0; i < 2000 && acked_total < KILL_AFTER; i++) usleep(5000);   /* 10 s at most */
    kill(pid, SIGKILL);                 /* mid-burst: requests are in flight */
    waitpid(pid, NULL, 0);
    stop_flag = 1;
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    int acked = acked_total;
    CHECK_MSG(acked >= KILL_AFTER, "only %d answers acknowledged before the kill", acked);

    /* every acknowledged answer is in the database */
    REQUIRE(bench_db_open(dburl, &db, &e) == 0);
    int missing = 0, stored_before = 0;
    for (int t = 0; t < NTHREADS; t++)
        for (int i = 0; i < PER_THREAD; i++) {
            Sub *s = &W[t].subs[i];
            BenchRows r;
            const char *p[1] = {s->key};
            REQUIRE(bench_db_exec(db, "SELECT task_id FROM comparisons WHERE idem_key = $1", 1, p, &r, &e) == 0);
            if (r.nrows) stored_before++;
            if (s->acked && (r.nrows != 1 || atoll(bench_cell(&r, 0, 0)) != s->task)) missing++;
            bench_rows_free(&r);
        }
    bench_db_close(db);
    CHECK_MSG(missing == 0, "%d acknowledged answers missing after SIGKILL", missing);
    fprintf(stderr, "  durability: %d acknowledged, %d stored before restart\n", acked, stored_before);

    /* restart; the session cookie is still valid; retry every sent submission with its key */
    pid = start_server(&port);
    REQUIRE(pid > 0);
    int dup_ok = 0, bad = 0;
    for (int t = 0; t < NTHREADS; t++) {
        W[t].port = port;
        for (int i = 0; i < PER_THREAD; i++) {
            Sub *s = &W[t].subs[i];
            if (!s->sent) continue;
            int st = submit(&W[t], s);
            if (s->acked) { if (st == 200) dup_ok++; else bad++; }
            else if (st != 200 && st != 201) bad++;
        }
    }
    CHECK_MSG(bad == 0, "%d retries got an unexpected status", bad);
    CHECK(dup_ok == acked);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    REQUIRE(bench_db_open(dburl, &db, &e) == 0);
    BenchRows r;
    REQUIRE(bench_db_exec(db, "SELECT COUNT(*), COUNT(DISTINCT idem_key), COUNT(DISTINCT task_id) FROM comparisons", 0, NULL, &r, &e) == 0);
    long long n = atoll(bench_cell(&r, 0, 0)), keys = atoll(bench_cell(&r, 0, 1)), tasks = atoll(bench_cell(&r, 0, 2));
    bench_rows_free(&r);
    int sent = 0;
    for (int t = 0; t < NTHREADS; t++) for (int i = 0; i < PER_THREAD; i++) sent += W[t].subs[i].sent;
    CHECK_MSG(n == sent && keys == n && tasks == n, "rows %lld, keys %lld, tasks %lld, sent %d", n, keys, tasks, sent);
    REQUIRE(bench_db_exec(db, "SELECT SUM(n_done) FROM tasks", 0, NULL, &r, &e) == 0);
    CHECK(atoll(bench_cell(&r, 0, 0)) == n);   /* counters moved exactly once per answer */
    bench_rows_free(&r);
    bench_db_close(db);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {}
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    RUN(sigkill_mid_burst_loses_nothing_acknowledged);
    return test_summary();
}
