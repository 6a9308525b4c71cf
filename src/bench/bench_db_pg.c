/* bench_db_pg.c — the PostgreSQL backend over libpq: text parameters through
 * PQexecParams (never string-built SQL), text results. */
#include "bench/bench_db.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

static void trim_nl(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
}

int bench_pg_connect(const char *url, void **conn, RlhfErr *e) {
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
        trim_nl(msg);
        PQfinish(c);
        return rlhf_err(e, "postgresql: cannot connect: %s", msg);
    }
    /* Quiet "relation already exists, skipping" notices from migrations. */
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    *conn = c;
    return 0;
}

static int pg_exec(void *conn, const char *sql, int nparams, const char *const *params,
                   BenchRows *rows, RlhfErr *e) {
    if (rows) memset(rows, 0, sizeof *rows);
    PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
        trim_nl(msg);
        PQclear(r);
        return rlhf_err(e, "postgresql: %s (in: %.80s)", msg, sql);
    }
    if (rows && st == PGRES_TUPLES_OK) {
        int nr = PQntuples(r), nc = PQnfields(r);
        rows->cells = calloc((size_t)(nr ? nr : 1) * (size_t)(nc ? nc : 1), sizeof(char *));
        if (!rows->cells) { PQclear(r); return rlhf_err(e, "postgresql: out of memory"); }
        rows->nrows = nr; rows->ncols = nc;
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < nc; j++)
                if (!PQgetisnull(r, i, j)) rows->cells[(size_t)i * (size_t)nc + (size_t)j] = strdup(PQgetvalue(r, i, j));
    }
    PQclear(r);
    return 0;
}

static int pg_script(void *conn, const char *sql, RlhfErr *e) {
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
        trim_nl(msg);
        PQclear(r);
        return rlhf_err(e, "postgresql: %s", msg);
    }
    PQclear(r);
    return 0;
}

static void pg_close(void *conn) { PQfinish(conn); }

const BenchBackend bench_pg_backend = {
    .name = "postgresql",
    .id_column = "BIGSERIAL PRIMARY KEY",
    .begin_sql = "BEGIN",
    .exec = pg_exec,
    .exec_script = pg_script,
    .close = pg_close,
};
