/* bench_db.h — storage for the comparison bench: one schema, applied by
 * numbered migrations (table schema_version), behind a small backend
 * interface with two implementations, SQLite (embedded default, WAL) and
 * PostgreSQL (libpq). All SQL is parameterised ($1, $2, ... in the shared
 * statements; the SQLite backend maps them to ?1, ?2); every write runs in a
 * transaction. A BenchDb is one connection: use it from one thread at a time
 * (the server keeps a pool of them).
 *
 * Conversations are HH-RLHF transcripts ("\n\nHuman: ...\n\nAssistant: ...")
 * ending with a human turn; reply_a / reply_b are the two candidate assistant
 * turns without the "\n\nAssistant: " marker. */
#ifndef RLHF_BENCH_DB_H
#define RLHF_BENCH_DB_H

#include <pthread.h>
#include <stdio.h>

#include "util/common.h"

/* ---- backend interface ---- */

/* A result set: nrows x ncols text cells, row-major; NULL for SQL NULL. */
typedef struct BenchRows {
    int nrows, ncols;
    char **cells;
} BenchRows;
void bench_rows_free(BenchRows *r);
static inline const char *bench_cell(const BenchRows *r, int row, int col) {
    return r->cells[(size_t)row * (size_t)r->ncols + (size_t)col];
}

typedef struct BenchBackend {
    const char *name;                 /* "sqlite" | "postgresql" */
    const char *id_column;            /* DDL for an auto-increment primary key */
    const char *begin_sql;            /* SQLite takes the write lock up front */
    /* Runs one statement with text parameters; rows may be NULL when none are wanted. */
    int (*exec)(void *conn, const char *sql, int nparams, const char *const *params,
                BenchRows *rows, RlhfErr *e);
    int (*exec_script)(void *conn, const char *sql, RlhfErr *e);   /* DDL, no parameters */
    void (*close)(void *conn);
} BenchBackend;

extern const BenchBackend bench_sqlite_backend;
extern const BenchBackend bench_pg_backend;
int bench_sqlite_connect(const char *path, void **conn, RlhfErr *e);
int bench_pg_connect(const char *url, void **conn, RlhfErr *e);

typedef struct BenchDb BenchDb;

/* url: "sqlite:PATH", "postgresql://..." / "postgres://...", or a bare path (SQLite).
 * Opens, then applies pending migrations. */
int bench_db_open(const char *url, BenchDb **out, RlhfErr *e);
void bench_db_close(BenchDb *db);
const char *bench_db_backend(const BenchDb *db);
int bench_db_schema_version(BenchDb *db, int *version, RlhfErr *e);
#define BENCH_SCHEMA_VERSION 2

/* Transactions nest by depth: only the outermost begin/commit reach the database;
 * a rollback at any depth rolls the whole transaction back. */
int bench_db_begin(BenchDb *db, RlhfErr *e);
int bench_db_commit(BenchDb *db, RlhfErr *e);
void bench_db_rollback(BenchDb *db);
/* Optional: a mutex the outermost transaction holds, shared by connections to one
 * SQLite file, so writers queue in-process instead of sleeping in SQLite's busy
 * handler (which gives long latency tails under load). NULL to disable. */
void bench_db_set_write_lock(BenchDb *db, pthread_mutex_t *mu);
/* Raw parameterised statement (for tests and admin tools). */
int bench_db_exec(BenchDb *db, const char *sql, int nparams, const char *const *params,
                  BenchRows *rows, RlhfErr *e);

/* ---- records ---- */

typedef struct BenchUser {
    long long id;
    char name[64];
    char role[16];                    /* "reviewer" | "admin" */
} BenchUser;

typedef struct BenchTask {
    long long id;
    char mode[16];                    /* "helpful" | "redteam" */
    char *conversation, *reply_a, *reply_b;   /* owned; replies NULL while awaiting */
    char status[24];                  /* "ready" | "awaiting_replies" */
    int gold;                         /* planted task with a known answer */
    char gold_answer[8];              /* expected choice "a" | "b" when gold */
    char *source;                     /* "file:line" or "continuation", owned */
    long long parent_comparison_id;   /* 0 for a first turn */
    long long assigned_to;            /* 0: any reviewer; else only this user */
    int turn;                         /* 1 for the first comparison of a conversation */
    int n_done;                       /* non-skip comparisons so far */
} BenchTask;
void bench_task_free(BenchTask *t);

typedef struct BenchComparison {
    long long id, task_id, user_id;
    char choice[8];                   /* "a" | "b" (the task's reply, not the screen side) | "skip" */
    int strength;                     /* 1 (slightly) .. 4 (much better); 0 for skip */
    char shown_order[4];              /* "ab" | "ba": which reply was on the left */
    long long elapsed_ms;             /* time on the task page, client-reported */
    char idem_key[80];
    long long created_at;             /* unix seconds */
} BenchComparison;

#define BENCH_MAX_STRENGTH 4
#define BENCH_MAX_TEXT (64 * 1024)    /* bytes of one reviewer-written turn or reply */

/* Validation shared by the importer and the server; 0 ok, -1 with a message naming field. */
int bench_valid_utf8(const char *s, size_t n);
int bench_check_mode(const char *mode, RlhfErr *e);
int bench_check_idem_key(const char *key, RlhfErr *e);

/* ---- users and sessions ---- */

int bench_db_user_add(BenchDb *db, const char *name, const char *role, const char *password,
                      unsigned iterations, long long *id, RlhfErr *e);
/* 0 signed in, 1 wrong name or password (same time either way), -1 error. */
int bench_db_user_login(BenchDb *db, const char *name, const char *password, BenchUser *out, RlhfErr *e);
int bench_db_user_get(BenchDb *db, long long id, BenchUser *out, RlhfErr *e);   /* 1 absent */

/* New session: token (to the cookie) and csrf are returned; only SHA-256(token) is stored. */
int bench_db_session_create(BenchDb *db, long long user_id, long long ttl_s, char token[65],
                            char csrf[65], RlhfErr *e);
/* 0 valid, 1 unknown or expired, -1 error. */
int bench_db_session_get(BenchDb *db, const char *token, BenchUser *user, char csrf[65], RlhfErr *e);
int bench_db_session_delete(BenchDb *db, const char *token, RlhfErr *e);

/* ---- tasks and comparisons ---- */

int bench_db_task_add(BenchDb *db, const BenchTask *t, long long *id, RlhfErr *e);
int bench_db_task_get(BenchDb *db, long long id, BenchTask *out, RlhfErr *e);   /* 1 absent */
/* The next ready task of this mode the user has not answered: the user's own
 * continuations first, then tasks with the fewest answers (< max_per_task, so
 * tasks overlap between reviewers). 0 found, 1 none left, -1 error. */
int bench_db_task_next(BenchDb *db, long long user_id, const char *mode, int max_per_task,
                       BenchTask *out, RlhfErr *e);
/* Fills the replies of an awaiting task (live model). */
int bench_db_task_set_replies(BenchDb *db, long long id, const char *a, const char *b, RlhfErr *e);

typedef enum {
    BENCH_CMP_NEW = 0,          /* stored */
    BENCH_CMP_DUPLICATE = 1,    /* same idempotency key, same user and task: the stored one is returned */
    BENCH_CMP_UNKNOWN_TASK = 2,
    BENCH_CMP_CONFLICT = 3,     /* task already answered by this user, or key reused for another task */
    BENCH_CMP_NOT_READY = 4,    /* task has no replies yet, or is assigned to someone else */
} BenchCmpResult;
/* c->task_id, user_id, choice, strength, shown_order, elapsed_ms, idem_key in;
 * id and created_at out. Returns a BenchCmpResult, or -1 on a database error. */
int bench_db_comparison_add(BenchDb *db, BenchComparison *c, RlhfErr *e);
int bench_db_comparison_get(BenchDb *db, long long id, BenchComparison *out, RlhfErr *e);  /* 1 absent */

/* Continues the conversation of comparison cmp_id (which user_id made, not a skip)
 * with the chosen reply and the reviewer's next human turn; the new task is
 * assigned to the same reviewer. Replies may be NULL (status awaiting_replies).
 * 0 ok, 1 comparison absent / not the user's / a skip, -1 error. */
int bench_db_continue(BenchDb *db, long long cmp_id, long long user_id, const char *human_turn,
                      const char *reply_a, const char *reply_b, long long *new_task, RlhfErr *e);

/* Builds the transcript "conversation\n\nAssistant: reply" (malloc'd). */
char *bench_transcript(const char *conversation, const char *reply);

/* Writes every non-skip comparison as an HH-RLHF line {"chosen","rejected"}:
 * in helpful mode chosen is the reply picked as more helpful; in red-team mode
 * the reviewer picks the more harmful reply, so chosen is the other one. */
int bench_db_export(BenchDb *db, FILE *out, long long *nwritten, RlhfErr *e);

/* ---- admin statistics ---- */

typedef struct BenchReviewerStats {
    long long user_id;
    char name[64];
    long long n, skips;
    double mean_seconds;             /* mean client-reported time per answer */
    double per_hour;                 /* answers / hour between first and last (0 when < 2) */
    long long gold_n, gold_agree;    /* planted gold tasks answered, and agreeing */
    long long pair_n, pair_agree;    /* overlaps with other reviewers, and agreeing */
} BenchReviewerStats;

typedef struct BenchStats {
    long long tasks, tasks_ready, tasks_answered, comparisons, skips;
    long long overlap_pairs, overlap_agree;    /* reviewer pairs on the same task */
    long long gold_n, gold_agree;
    BenchReviewerStats *reviewers;             /* owned */
    int nreviewers;
} BenchStats;
int bench_db_stats(BenchDb *db, BenchStats *out, RlhfErr *e);
void bench_stats_free(BenchStats *s);

#endif
