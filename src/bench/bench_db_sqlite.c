/* bench_db_sqlite.c — the embedded backend: one SQLite connection in WAL mode
 * with synchronous=FULL, so a committed comparison survives a crash of the
 * server process (and of the machine). */
#include "bench/bench_db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* "$N" placeholders (the shared statements) become "?N" for SQLite, which would
 * otherwise number "$N" by first appearance rather than by N. */
static char *map_params(const char *sql, RlhfErr *e) {
    char *out = rlhf_malloc(strlen(sql) + 1, e);
    if (!out) return NULL;
    char *o = out;
    for (const char *p = sql; *p; p++) *o++ = (*p == '$' && p[1] >= '1' && p[1] <= '9') ? '?' : *p;
    *o = 0;
    return out;
}

int bench_sqlite_connect(const char *path, void **conn, RlhfErr *e) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rlhf_err(e, "%s: cannot open SQLite database: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        rlhf_err(e, "%s: cannot set WAL mode: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(db);
        return -1;
    }
    *conn = db;
    return 0;
}

static int sq_exec(void *conn, const char *sql, int nparams, const char *const *params,
                   BenchRows *rows, RlhfErr *e) {
    sqlite3 *db = conn;
    if (rows) memset(rows, 0, sizeof *rows);
    char *mapped = map_params(sql, e);
    if (!mapped) return -1;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, mapped, -1, &st, NULL);
    free(mapped);
    if (rc != SQLITE_OK) return rlhf_err(e, "sqlite: %s (in: %.80s)", sqlite3_errmsg(db), sql);
    for (int i = 0; i < nparams; i++) {
        rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT)
                       : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) { sqlite3_finalize(st); return rlhf_err(e, "sqlite: bind %d: %s", i + 1, sqlite3_errmsg(db)); }
    }
    int ncols = sqlite3_column_count(st), cap = 0;
    for (;;) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            rlhf_err(e, "sqlite: %s", sqlite3_errmsg(db));
            sqlite3_finalize(st);
            if (rows) bench_rows_free(rows);
            return -1;
        }
        if (!rows) continue;
        if (rows->nrows == cap) {
            cap = cap ? cap * 2 : 8;
            char **nc = realloc(rows->cells, (size_t)cap * (size_t)(ncols ? ncols : 1) * sizeof *nc);
            if (!nc) { sqlite3_finalize(st); bench_rows_free(rows); return rlhf_err(e, "sqlite: out of memory"); }
            rows->cells = nc;
        }
        rows->ncols = ncols;
        for (int c = 0; c < ncols; c++) {
            const unsigned char *txt = sqlite3_column_text(st, c);
            char *cell = NULL;
            if (txt) {
                int n = sqlite3_column_bytes(st, c);
                cell = malloc((size_t)n + 1);
                if (cell) { memcpy(cell, txt, (size_t)n); cell[n] = 0; }
            }
            rows->cells[(size_t)rows->nrows * (size_t)ncols + (size_t)c] = cell;
        }
        rows->nrows++;
    }
    if (rows) rows->ncols = ncols;
    sqlite3_finalize(st);
    return 0;
}

static int sq_script(void *conn, const char *sql, RlhfErr *e) {
    char *msg = NULL;
    if (sqlite3_exec(conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
        rlhf_err(e, "sqlite: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void sq_close(void *conn) { sqlite3_close(conn); }

const BenchBackend bench_sqlite_backend = {
    .name = "sqlite",
    .id_column = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .begin_sql = "BEGIN IMMEDIATE",
    .exec = sq_exec,
    .exec_script = sq_script,
    .close = sq_close,
};
