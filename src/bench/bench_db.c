/* bench_db.c — schema, migrations and the bench's queries, shared by both
 * backends; see bench_db.h. */
#include "bench/bench_db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_crypto.h"
#include "util/json.h"

struct BenchDb {
    const BenchBackend *be;
    void *conn;
    int depth;          /* transaction nesting */
    int failed;         /* an inner level rolled back: the outer commit must not */
    pthread_mutex_t *write_lock;   /* held by the outermost transaction, when set */
};

void bench_db_set_write_lock(BenchDb *db, pthread_mutex_t *mu) { db->write_lock = mu; }

void bench_rows_free(BenchRows *r) {
    if (!r || !r->cells) return;
    for (size_t i = 0; i < (size_t)r->nrows * (size_t)r->ncols; i++) free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

static long long now_s(void) { return (long long)time(NULL); }
static long long cell_ll(const BenchRows *r, int row, int col) {
    const char *s = bench_cell(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}
static double cell_d(const BenchRows *r, int row, int col) {
    const char *s = bench_cell(r, row, col);
    return s ? strtod(s, NULL) : 0.0;
}
static char *cell_dup(const BenchRows *r, int row, int col) {
    const char *s = bench_cell(r, row, col);
    return s ? strdup(s) : NULL;
}
static void cell_cpy(char *dst, size_t cap, const BenchRows *r, int row, int col) {
    const char *s = bench_cell(r, row, col);
    snprintf(dst, cap, "%s", s ? s : "");
}

int bench_db_exec(BenchDb *db, const char *sql, int nparams, const char *const *params,
                  BenchRows *rows, RlhfErr *e) {
    return db->be->exec(db->conn, sql, nparams, params, rows, e);
}
#define EXEC(db, sql, rows, e, ...) \
    bench_db_exec(db, sql, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), \
                  (const char *const[]){__VA_ARGS__}, rows, e)
#define EXEC0(db, sql, rows, e) bench_db_exec(db, sql, 0, NULL, rows, e)

int bench_db_begin(BenchDb *db, RlhfErr *e) {
    if (db->depth++ > 0) return 0;
    db->failed = 0;
    if (db->write_lock) pthread_mutex_lock(db->write_lock);
    if (EXEC0(db, db->be->begin_sql, NULL, e)) {
        db->depth = 0;
        if (db->write_lock) pthread_mutex_unlock(db->write_lock);
        return -1;
    }
    return 0;
}

int bench_db_commit(BenchDb *db, RlhfErr *e) {
    if (db->depth <= 0) return rlhf_err(e, "commit without a transaction");
    if (--db->depth > 0) return 0;
    int rc = 0;
    if (db->failed) {
        EXEC0(db, "ROLLBACK", NULL, NULL);
        rc = rlhf_err(e, "transaction rolled back by an inner failure");
    } else if (EXEC0(db, "COMMIT", NULL, e)) {
        EXEC0(db, "ROLLBACK", NULL, NULL);
        rc = -1;
    }
    if (db->write_lock) pthread_mutex_unlock(db->write_lock);
    return rc;
}

void bench_db_rollback(BenchDb *db) {
    if (db->depth <= 0) return;
    if (--db->depth > 0) { db->failed = 1; return; }
    EXEC0(db, "ROLLBACK", NULL, NULL);
    if (db->write_lock) pthread_mutex_unlock(db->write_lock);
}

/* ---- migrations: append only; each entry moves the schema one version up ---- */

static const char *const migrations[] = {
    /* 1: accounts, sessions, tasks, comparisons */
    "CREATE TABLE users ("
    "  id %ID%, name TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('reviewer','admin')),"
    "  pw_hash TEXT NOT NULL, created_at BIGINT NOT NULL);"
    "CREATE TABLE sessions ("
    "  token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),"
    "  csrf TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);"
    "CREATE TABLE tasks ("
    "  id %ID%, mode TEXT NOT NULL CHECK (mode IN ('helpful','redteam')),"
    "  conversation TEXT NOT NULL, reply_a TEXT, reply_b TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('ready','awaiting_replies')),"
    "  gold INTEGER NOT NULL DEFAULT 0, gold_answer TEXT, source TEXT,"
    "  parent_comparison_id BIGINT UNIQUE, assigned_to BIGINT REFERENCES users(id),"
    "  turn INTEGER NOT NULL DEFAULT 1, n_done INTEGER NOT NULL DEFAULT 0,"
    "  created_at BIGINT NOT NULL);"
    "CREATE TABLE comparisons ("
    "  id %ID%, task_id BIGINT NOT NULL REFERENCES tasks(id),"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  choice TEXT NOT NULL CHECK (choice IN ('a','b','skip')),"
    "  strength INTEGER NOT NULL CHECK (strength BETWEEN 0 AND 4),"
    "  shown_order TEXT NOT NULL CHECK (shown_order IN ('ab','ba')),"
    "  elapsed_ms BIGINT NOT NULL, idem_key TEXT NOT NULL UNIQUE,"
    "  created_at BIGINT NOT NULL, UNIQUE (task_id, user_id));",
    /* 2: indexes for task picking and per-reviewer pages */
    "CREATE INDEX tasks_pick ON tasks (mode, status, n_done, id);"
    "CREATE INDEX comparisons_user ON comparisons (user_id, created_at);"
    "CREATE INDEX sessions_expiry ON sessions (expires_at);",
};

static char *subst_id(const char *sql, const char *id_col, RlhfErr *e) {
    size_t n = strlen(sql), k = strlen(id_col), count = 0;
    for (const char *p = strstr(sql, "%ID%"); p; p = strstr(p + 4, "%ID%")) count++;
    char *out = rlhf_malloc(n + count * k + 1, e), *o = out;
    if (!out) return NULL;
    for (const char *p = sql; *p;) {
        if (!strncmp(p, "%ID%", 4)) { memcpy(o, id_col, k); o += k; p += 4; }
        else *o++ = *p++;
    }
    *o = 0;
    return out;
}

int bench_db_schema_version(BenchDb *db, int *version, RlhfErr *e) {
    BenchRows r;
    if (EXEC0(db, "SELECT MAX(version) FROM schema_version", &r, e)) return -1;
    *version = r.nrows ? (int)cell_ll(&r, 0, 0) : 0;
    bench_rows_free(&r);
    return 0;
}

static int migrate(BenchDb *db, RlhfErr *e) {
    if (db->be->exec_script(db->conn, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", e))
        return rlhf_err_wrap(e, "migrate");
    if (bench_db_begin(db, e)) return -1;
    /* Two servers starting at once: the second waits here, then sees the new version. */
    if (!strcmp(db->be->name, "postgresql") &&
        EXEC0(db, "LOCK TABLE schema_version IN EXCLUSIVE MODE", NULL, e)) goto fail;
    int v;
    if (bench_db_schema_version(db, &v, e)) goto fail;
    if (v > (int)RLHF_ARRAY_LEN(migrations)) {
        rlhf_err(e, "database schema version %d is newer than this program's %d", v, (int)RLHF_ARRAY_LEN(migrations));
        goto fail;
    }
    for (; v < (int)RLHF_ARRAY_LEN(migrations); v++) {
        char *sql = subst_id(migrations[v], db->be->id_column, e);
        if (!sql) goto fail;
        int rc = db->be->exec_script(db->conn, sql, e);
        free(sql);
        if (rc) { rlhf_err_wrap(e, "migration %d", v + 1); goto fail; }
        char vs[16];
        snprintf(vs, sizeof vs, "%d", v + 1);
        if (EXEC(db, "INSERT INTO schema_version (version) VALUES ($1)", NULL, e, vs)) goto fail;
    }
    return bench_db_commit(db, e);
fail:
    bench_db_rollback(db);
    return -1;
}

int bench_db_open(const char *url, BenchDb **out, RlhfErr *e) {
    *out = NULL;
    BenchDb *db = rlhf_calloc(1, sizeof *db, e);
    if (!db) return -1;
    int rc;
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
        db->be = &bench_pg_backend;
        rc = bench_pg_connect(url, &db->conn, e);
    } else {
        const char *path = !strncmp(url, "sqlite:", 7) ? url + 7 : url;
        if (!*path) { free(db); return rlhf_err(e, "--db '%s': empty SQLite path", url); }
        db->be = &bench_sqlite_backend;
        rc = bench_sqlite_connect(path, &db->conn, e);
    }
    if (rc) { free(db); return -1; }
    if (migrate(db, e)) { bench_db_close(db); return -1; }
    *out = db;
    return 0;
}

void bench_db_close(BenchDb *db) {
    if (!db) return;
    if (db->conn) db->be->close(db->conn);
    free(db);
}

const char *bench_db_backend(const BenchDb *db) { return db->be->name; }

/* ---- validation ---- */

int bench_valid_utf8(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c == 0) return 0;                          /* NUL never belongs in text */
        if (c < 0x80) { i++; continue; }
        size_t len; unsigned cp;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return 0;
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

int bench_check_mode(const char *mode, RlhfErr *e) {
    if (mode && (!strcmp(mode, "helpful") || !strcmp(mode, "redteam"))) return 0;
    return rlhf_err(e, "field 'mode': must be \"helpful\" or \"redteam\"");
}

int bench_check_idem_key(const char *key, RlhfErr *e) {
    size_t n = key ? strlen(key) : 0;
    if (n < 8 || n > 64) return rlhf_err(e, "field 'idempotency_key': must be 8 to 64 characters");
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return rlhf_err(e, "field 'idempotency_key': only letters, digits, '-' and '_' are allowed");
    }
    return 0;
}

/* ---- users and sessions ---- */

int bench_db_user_add(BenchDb *db, const char *name, const char *role, const char *password,
                      unsigned iterations, long long *id, RlhfErr *e) {
    size_t nl = name ? strlen(name) : 0;
    if (nl < 1 || nl > 63 || !bench_valid_utf8(name, nl))
        return rlhf_err(e, "user name: must be 1 to 63 bytes of UTF-8");
    for (size_t i = 0; i < nl; i++)
        if ((unsigned char)name[i] <= ' ' || name[i] == '<' || name[i] == '>' || name[i] == '&' || name[i] == '"')
            return rlhf_err(e, "user name '%s': no spaces, control characters or <>&\"", name);
    if (!role || (strcmp(role, "reviewer") && strcmp(role, "admin")))
        return rlhf_err(e, "role: must be reviewer or admin");
    if (!password || strlen(password) < 8) return rlhf_err(e, "password: at least 8 characters");
    char hash[BENCH_PWHASH_MAX], ts[24];
    if (bench_password_hash(password, iterations ? iterations : BENCH_PBKDF2_ITER, hash, e)) return -1;
    snprintf(ts, sizeof ts, "%lld", now_s());
    BenchRows r;
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "SELECT id FROM users WHERE name = $1", &r, e, name)) goto fail;
    int exists = r.nrows > 0;
    bench_rows_free(&r);
    if (exists) { rlhf_err(e, "user '%s' already exists", name); goto fail; }
    if (EXEC(db, "INSERT INTO users (name, role, pw_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
             &r, e, name, role, hash, ts)) goto fail;
    if (id) *id = r.nrows ? cell_ll(&r, 0, 0) : 0;
    bench_rows_free(&r);
    return bench_db_commit(db, e);
fail:
    bench_db_rollback(db);
    return -1;
}

static void fill_user(BenchUser *u, const BenchRows *r, int row, int col) {
    u->id = cell_ll(r, row, col);
    cell_cpy(u->name, sizeof u->name, r, row, col + 1);
    cell_cpy(u->role, sizeof u->role, r, row, col + 2);
}

int bench_db_user_login(BenchDb *db, const char *name, const char *password, BenchUser *out, RlhfErr *e) {
    /* An unknown name still pays for one KDF, so timing does not reveal which names exist. */
    static const char dummy[] = "pbkdf2-sha256$120000$00000000000000000000000000000000$"
                                "0000000000000000000000000000000000000000000000000000000000000000";
    BenchRows r;
    if (EXEC(db, "SELECT id, name, role, pw_hash FROM users WHERE name = $1", &r, e, name ? name : "")) return -1;
    int ok;
    if (r.nrows == 0) {
        bench_password_verify(password ? password : "", dummy);
        ok = 0;
    } else {
        ok = bench_password_verify(password ? password : "", bench_cell(&r, 0, 3));
        if (ok) fill_user(out, &r, 0, 0);
    }
    bench_rows_free(&r);
    return ok ? 0 : 1;
}

int bench_db_user_get(BenchDb *db, long long id, BenchUser *out, RlhfErr *e) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    BenchRows r;
    if (EXEC(db, "SELECT id, name, role FROM users WHERE id = $1", &r, e, ids)) return -1;
    int found = r.nrows > 0;
    if (found) fill_user(out, &r, 0, 0);
    bench_rows_free(&r);
    return found ? 0 : 1;
}

int bench_db_session_create(BenchDb *db, long long user_id, long long ttl_s, char token[65],
                            char csrf[65], RlhfErr *e) {
    char th[65], uid[24], now[24], exp[24];
    if (bench_new_token(token, e) || bench_new_token(csrf, e)) return -1;
    bench_token_hash(token, th);
    long long t = now_s();
    snprintf(uid, sizeof uid, "%lld", user_id);
    snprintf(now, sizeof now, "%lld", t);
    snprintf(exp, sizeof exp, "%lld", t + ttl_s);
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "DELETE FROM sessions WHERE expires_at <= $1", NULL, e, now) ||
        EXEC(db, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
             NULL, e, th, uid, csrf, now, exp)) {
        bench_db_rollback(db);
        return -1;
    }
    return bench_db_commit(db, e);
}

static int is_token(const char *t) {
    if (!t || strlen(t) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f'))) return 0;
    return 1;
}

int bench_db_session_get(BenchDb *db, const char *token, BenchUser *user, char csrf[65], RlhfErr *e) {
    if (!is_token(token)) return 1;
    char th[65], now[24];
    bench_token_hash(token, th);
    snprintf(now, sizeof now, "%lld", now_s());
    BenchRows r;
    if (EXEC(db, "SELECT u.id, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id "
                 "WHERE s.token_hash = $1 AND s.expires_at > $2", &r, e, th, now)) return -1;
    int found = r.nrows > 0;
    if (found) {
        fill_user(user, &r, 0, 0);
        cell_cpy(csrf, 65, &r, 0, 3);
    }
    bench_rows_free(&r);
    return found ? 0 : 1;
}

int bench_db_session_delete(BenchDb *db, const char *token, RlhfErr *e) {
    if (!is_token(token)) return 0;
    char th[65];
    bench_token_hash(token, th);
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "DELETE FROM sessions WHERE token_hash = $1", NULL, e, th)) { bench_db_rollback(db); return -1; }
    return bench_db_commit(db, e);
}

/* ---- tasks ---- */

void bench_task_free(BenchTask *t) {
    if (!t) return;
    free(t->conversation); free(t->reply_a); free(t->reply_b); free(t->source);
    memset(t, 0, sizeof *t);
}

#define TASK_COLS "t.id, t.mode, t.conversation, t.reply_a, t.reply_b, t.status, t.gold, t.gold_answer, " \
                  "t.source, t.parent_comparison_id, t.assigned_to, t.turn, t.n_done"

static void fill_task(BenchTask *t, const BenchRows *r, int row) {
    memset(t, 0, sizeof *t);
    t->id = cell_ll(r, row, 0);
    cell_cpy(t->mode, sizeof t->mode, r, row, 1);
    t->conversation = cell_dup(r, row, 2);
    t->reply_a = cell_dup(r, row, 3);
    t->reply_b = cell_dup(r, row, 4);
    cell_cpy(t->status, sizeof t->status, r, row, 5);
    t->gold = (int)cell_ll(r, row, 6);
    cell_cpy(t->gold_answer, sizeof t->gold_answer, r, row, 7);
    t->source = cell_dup(r, row, 8);
    t->parent_comparison_id = cell_ll(r, row, 9);
    t->assigned_to = cell_ll(r, row, 10);
    t->turn = (int)cell_ll(r, row, 11);
    t->n_done = (int)cell_ll(r, row, 12);
}

static int check_text(const char *field, const char *s, int required, RlhfErr *e) {
    if (!s) return required ? rlhf_err(e, "field '%s': missing", field) : 0;
    size_t n = strlen(s);
    if (n > 4 * BENCH_MAX_TEXT) return rlhf_err(e, "field '%s': %zu bytes is over the limit of %d", field, n, 4 * BENCH_MAX_TEXT);
    if (!bench_valid_utf8(s, n)) return rlhf_err(e, "field '%s': not valid UTF-8", field);
    return 0;
}

int bench_db_task_add(BenchDb *db, const BenchTask *t, long long *id, RlhfErr *e) {
    if (bench_check_mode(t->mode, e) || check_text("conversation", t->conversation, 1, e) ||
        check_text("reply_a", t->reply_a, 0, e) || check_text("reply_b", t->reply_b, 0, e) ||
        check_text("source", t->source, 0, e)) return -1;
    int ready = t->reply_a && t->reply_b;
    if (t->gold && (!ready || (strcmp(t->gold_answer, "a") && strcmp(t->gold_answer, "b"))))
        return rlhf_err(e, "field 'gold_answer': a gold task needs both replies and answer \"a\" or \"b\"");
    char gold[4], turn[16], parent[24], assigned[24], now[24];
    snprintf(gold, sizeof gold, "%d", t->gold ? 1 : 0);
    snprintf(turn, sizeof turn, "%d", t->turn > 0 ? t->turn : 1);
    snprintf(parent, sizeof parent, "%lld", t->parent_comparison_id);
    snprintf(assigned, sizeof assigned, "%lld", t->assigned_to);
    snprintf(now, sizeof now, "%lld", now_s());
    BenchRows r;
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "INSERT INTO tasks (mode, conversation, reply_a, reply_b, status, gold, gold_answer, source, "
                 "parent_comparison_id, assigned_to, turn, n_done, created_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12) RETURNING id", &r, e,
             t->mode, t->conversation, t->reply_a, t->reply_b, ready ? "ready" : "awaiting_replies", gold,
             t->gold ? t->gold_answer : NULL, t->source, t->parent_comparison_id ? parent : NULL,
             t->assigned_to ? assigned : NULL, turn, now)) {
        bench_db_rollback(db);
        return -1;
    }
    if (id) *id = r.nrows ? cell_ll(&r, 0, 0) : 0;
    bench_rows_free(&r);
    return bench_db_commit(db, e);
}

int bench_db_task_get(BenchDb *db, long long id, BenchTask *out, RlhfErr *e) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    BenchRows r;
    if (EXEC(db, "SELECT " TASK_COLS " FROM tasks t WHERE t.id = $1", &r, e, ids)) return -1;
    int found = r.nrows > 0;
    if (found) fill_task(out, &r, 0);
    bench_rows_free(&r);
    return found ? 0 : 1;
}

int bench_db_task_next(BenchDb *db, long long user_id, const char *mode, int max_per_task,
                       BenchTask *out, RlhfErr *e) {
    if (bench_check_mode(mode, e)) return -1;
    char uid[24], maxs[16];
    snprintf(uid, sizeof uid, "%lld", user_id);
    snprintf(maxs, sizeof maxs, "%d", max_per_task > 0 ? max_per_task : 1);
    BenchRows r;
    if (EXEC(db, "SELECT " TASK_COLS " FROM tasks t WHERE t.mode = $2 AND t.status = 'ready' "
                 "AND (t.assigned_to = $1 OR (t.assigned_to IS NULL AND t.n_done < $3)) "
                 "AND NOT EXISTS (SELECT 1 FROM comparisons c WHERE c.task_id = t.id AND c.user_id = $1) "
                 "ORDER BY CASE WHEN t.assigned_to IS NULL THEN 1 ELSE 0 END, t.n_done, t.id LIMIT 1",
             &r, e, uid, mode, maxs)) return -1;
    int found = r.nrows > 0;
    if (found) fill_task(out, &r, 0);
    bench_rows_free(&r);
    return found ? 0 : 1;
}

int bench_db_task_set_replies(BenchDb *db, long long id, const char *a, const char *b, RlhfErr *e) {
    if (check_text("reply_a", a, 1, e) || check_text("reply_b", b, 1, e)) return -1;
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "UPDATE tasks SET reply_a = $2, reply_b = $3, status = 'ready' WHERE id = $1", NULL, e, ids, a, b)) {
        bench_db_rollback(db);
        return -1;
    }
    return bench_db_commit(db, e);
}

/* ---- comparisons ---- */

#define CMP_COLS "id, task_id, user_id, choice, strength, shown_order, elapsed_ms, idem_key, created_at"

static void fill_cmp(BenchComparison *c, const BenchRows *r, int row) {
    memset(c, 0, sizeof *c);
    c->id = cell_ll(r, row, 0);
    c->task_id = cell_ll(r, row, 1);
    c->user_id = cell_ll(r, row, 2);
    cell_cpy(c->choice, sizeof c->choice, r, row, 3);
    c->strength = (int)cell_ll(r, row, 4);
    cell_cpy(c->shown_order, sizeof c->shown_order, r, row, 5);
    c->elapsed_ms = cell_ll(r, row, 6);
    cell_cpy(c->idem_key, sizeof c->idem_key, r, row, 7);
    c->created_at = cell_ll(r, row, 8);
}

int bench_db_comparison_add(BenchDb *db, BenchComparison *c, RlhfErr *e) {
    int skip = !strcmp(c->choice, "skip");
    if (!skip && strcmp(c->choice, "a") && strcmp(c->choice, "b"))
        return rlhf_err(e, "field 'choice': must be \"a\", \"b\" or \"skip\"");
    if (skip) c->strength = 0;
    else if (c->strength < 1 || c->strength > BENCH_MAX_STRENGTH)
        return rlhf_err(e, "field 'strength': must be an integer from 1 to %d", BENCH_MAX_STRENGTH);
    if (strcmp(c->shown_order, "ab") && strcmp(c->shown_order, "ba"))
        return rlhf_err(e, "field 'order': must be \"ab\" or \"ba\"");
    if (c->elapsed_ms < 0) c->elapsed_ms = 0;
    if (c->elapsed_ms > 86400000LL) c->elapsed_ms = 86400000LL;
    if (bench_check_idem_key(c->idem_key, e)) return -1;

    char tid[24], uid[24], str[8], el[24], now[24];
    snprintf(tid, sizeof tid, "%lld", c->task_id);
    snprintf(uid, sizeof uid, "%lld", c->user_id);
    snprintf(str, sizeof str, "%d", c->strength);
    snprintf(el, sizeof el, "%lld", c->elapsed_ms);
    snprintf(now, sizeof now, "%lld", now_s());
    BenchRows r;
    int result;
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "SELECT status, assigned_to FROM tasks WHERE id = $1", &r, e, tid)) goto fail;
    if (r.nrows == 0) { bench_rows_free(&r); bench_db_rollback(db); return BENCH_CMP_UNKNOWN_TASK; }
    int ready = !strcmp(bench_cell(&r, 0, 0) ? bench_cell(&r, 0, 0) : "", "ready");
    long long assigned = cell_ll(&r, 0, 1);
    bench_rows_free(&r);
    if (!ready || (assigned && assigned != c->user_id)) { bench_db_rollback(db); return BENCH_CMP_NOT_READY; }
    if (EXEC(db, "INSERT INTO comparisons (task_id, user_id, choice, strength, shown_order, elapsed_ms, idem_key, created_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id, created_at",
             &r, e, tid, uid, c->choice, str, c->shown_order, el, c->idem_key, now)) goto fail;
    if (r.nrows > 0) {
        c->id = cell_ll(&r, 0, 0);
        c->created_at = cell_ll(&r, 0, 1);
        bench_rows_free(&r);
        if (!skip && EXEC(db, "UPDATE tasks SET n_done = n_done + 1 WHERE id = $1", NULL, e, tid)) goto fail;
        result = BENCH_CMP_NEW;
    } else {
        bench_rows_free(&r);
        if (EXEC(db, "SELECT " CMP_COLS " FROM comparisons WHERE idem_key = $1", &r, e, c->idem_key)) goto fail;
        if (r.nrows > 0 && cell_ll(&r, 0, 1) == c->task_id && cell_ll(&r, 0, 2) == c->user_id) {
            fill_cmp(c, &r, 0);      /* the retry gets the answer that was stored the first time */
            result = BENCH_CMP_DUPLICATE;
        } else {
            result = BENCH_CMP_CONFLICT;
        }
        bench_rows_free(&r);
    }
    if (bench_db_commit(db, e)) return -1;
    return result;
fail:
    bench_db_rollback(db);
    return -1;
}

int bench_db_comparison_get(BenchDb *db, long long id, BenchComparison *out, RlhfErr *e) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    BenchRows r;
    if (EXEC(db, "SELECT " CMP_COLS " FROM comparisons WHERE id = $1", &r, e, ids)) return -1;
    int found = r.nrows > 0;
    if (found) fill_cmp(out, &r, 0);
    bench_rows_free(&r);
    return found ? 0 : 1;
}

char *bench_transcript(const char *conversation, const char *reply) {
    size_t a = strlen(conversation), b = strlen(reply);
    char *s = malloc(a + b + 16);
    if (s) { memcpy(s, conversation, a); memcpy(s + a, "\n\nAssistant: ", 13); memcpy(s + a + 13, reply, b + 1); }
    return s;
}

int bench_db_continue(BenchDb *db, long long cmp_id, long long user_id, const char *human_turn,
                      const char *reply_a, const char *reply_b, long long *new_task, RlhfErr *e) {
    if (check_text("message", human_turn, 1, e)) return -1;
    if (!human_turn[0] || strlen(human_turn) > BENCH_MAX_TEXT)
        return rlhf_err(e, "field 'message': must be 1 to %d bytes", BENCH_MAX_TEXT);
    char cid[24];
    snprintf(cid, sizeof cid, "%lld", cmp_id);
    BenchRows r;
    if (bench_db_begin(db, e)) return -1;
    if (EXEC(db, "SELECT c.user_id, c.choice, t.conversation, t.reply_a, t.reply_b, t.mode, t.turn "
                 "FROM comparisons c JOIN tasks t ON t.id = c.task_id WHERE c.id = $1", &r, e, cid)) goto fail;
    if (r.nrows == 0 || cell_ll(&r, 0, 0) != user_id || !strcmp(bench_cell(&r, 0, 1), "skip")) {
        bench_rows_free(&r);
        bench_db_rollback(db);
        return 1;
    }
    /* An earlier continuation of this comparison (a retried request) is returned as is. */
    BenchRows prev;
    if (EXEC(db, "SELECT id FROM tasks WHERE parent_comparison_id = $1", &prev, e, cid)) { bench_rows_free(&r); goto fail; }
    if (prev.nrows > 0) {
        *new_task = cell_ll(&prev, 0, 0);
        bench_rows_free(&prev);
        bench_rows_free(&r);
        return bench_db_commit(db, e);
    }
    bench_rows_free(&prev);
    const char *chosen = !strcmp(bench_cell(&r, 0, 1), "a") ? bench_cell(&r, 0, 3) : bench_cell(&r, 0, 4);
    char *t1 = bench_transcript(bench_cell(&r, 0, 2), chosen ? chosen : "");
    size_t n1 = t1 ? strlen(t1) : 0, n2 = strlen(human_turn);
    char *conv = t1 ? malloc(n1 + n2 + 16) : NULL;
    if (!conv) { free(t1); bench_rows_free(&r); rlhf_err(e, "out of memory"); goto fail; }
    memcpy(conv, t1, n1); memcpy(conv + n1, "\n\nHuman: ", 9); memcpy(conv + n1 + 9, human_turn, n2 + 1);
    free(t1);
    BenchTask t = {0};
    snprintf(t.mode, sizeof t.mode, "%s", bench_cell(&r, 0, 5));
    t.conversation = conv;
    t.reply_a = (char *)reply_a;
    t.reply_b = (char *)reply_b;
    t.source = "continuation";
    t.parent_comparison_id = cmp_id;
    t.assigned_to = user_id;
    t.turn = (int)cell_ll(&r, 0, 6) + 1;
    bench_rows_free(&r);
    int rc = bench_db_task_add(db, &t, new_task, e);
    free(conv);
    if (rc) goto fail;
    return bench_db_commit(db, e);
fail:
    bench_db_rollback(db);
    return -1;
}

/* ---- export ---- */

int bench_db_export(BenchDb *db, FILE *out, long long *nwritten, RlhfErr *e) {
    char after[24] = "0";
    long long n = 0;
    JsonBuf jb;
    jb_init(&jb);
    for (;;) {   /* pages of 500 by id keep memory bounded on large databases */
        BenchRows r;
        if (EXEC(db, "SELECT c.id, c.choice, t.mode, t.conversation, t.reply_a, t.reply_b "
                     "FROM comparisons c JOIN tasks t ON t.id = c.task_id "
                     "WHERE c.choice <> 'skip' AND c.id > $1 ORDER BY c.id LIMIT 500", &r, e, after)) {
            jb_free(&jb);
            return -1;
        }
        if (r.nrows == 0) { bench_rows_free(&r); break; }
        for (int i = 0; i < r.nrows; i++) {
            int picked_a = !strcmp(bench_cell(&r, i, 1), "a");
            int redteam = !strcmp(bench_cell(&r, i, 2), "redteam");
            /* red team: the reviewer picked the MORE harmful reply, so chosen is the other */
            int chosen_a = redteam ? !picked_a : picked_a;
            const char *conv = bench_cell(&r, i, 3), *a = bench_cell(&r, i, 4), *b = bench_cell(&r, i, 5);
            char *ch = bench_transcript(conv, chosen_a ? (a ? a : "") : (b ? b : ""));
            char *rj = bench_transcript(conv, chosen_a ? (b ? b : "") : (a ? a : ""));
            jb_reset(&jb);
            jb_obj_begin(&jb);
            jb_kv_str(&jb, "chosen", ch ? ch : "");
            jb_kv_str(&jb, "rejected", rj ? rj : "");
            jb_obj_end(&jb);
            jb_raw(&jb, "\n");
            free(ch); free(rj);
            if (jb.oom || fwrite(jb.data, 1, jb.len, out) != jb.len) {
                bench_rows_free(&r);
                jb_free(&jb);
                return rlhf_err(e, "export: write failed");
            }
            n++;
        }
        snprintf(after, sizeof after, "%s", bench_cell(&r, r.nrows - 1, 0));
        bench_rows_free(&r);
    }
    jb_free(&jb);
    if (nwritten) *nwritten = n;
    return 0;
}

/* ---- statistics ---- */

void bench_stats_free(BenchStats *s) {
    if (!s) return;
    free(s->reviewers);
    memset(s, 0, sizeof *s);
}

static BenchReviewerStats *find_reviewer(BenchStats *s, long long uid) {
    for (int i = 0; i < s->nreviewers; i++) if (s->reviewers[i].user_id == uid) return &s->reviewers[i];
    return NULL;
}

int bench_db_stats(BenchDb *db, BenchStats *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    BenchRows r;
    if (EXEC0(db, "SELECT COUNT(*), SUM(CASE WHEN status = 'ready' THEN 1 ELSE 0 END), "
                  "SUM(CASE WHEN n_done > 0 THEN 1 ELSE 0 END) FROM tasks", &r, e)) return -1;
    out->tasks = cell_ll(&r, 0, 0); out->tasks_ready = cell_ll(&r, 0, 1); out->tasks_answered = cell_ll(&r, 0, 2);
    bench_rows_free(&r);
    if (EXEC0(db, "SELECT u.id, u.name, COUNT(c.id), SUM(CASE WHEN c.choice = 'skip' THEN 1 ELSE 0 END), "
                  "AVG(c.elapsed_ms), MIN(c.created_at), MAX(c.created_at) "
                  "FROM users u LEFT JOIN comparisons c ON c.user_id = u.id "
                  "GROUP BY u.id, u.name ORDER BY u.name", &r, e)) return -1;
    out->reviewers = calloc((size_t)(r.nrows ? r.nrows : 1), sizeof *out->reviewers);
    if (!out->reviewers) { bench_rows_free(&r); return rlhf_err(e, "out of memory"); }
    for (int i = 0; i < r.nrows; i++) {
        BenchReviewerStats *s = &out->reviewers[out->nreviewers++];
        s->user_id = cell_ll(&r, i, 0);
        cell_cpy(s->name, sizeof s->name, &r, i, 1);
        s->n = cell_ll(&r, i, 2);
        s->skips = cell_ll(&r, i, 3);
        s->mean_seconds = cell_d(&r, i, 4) / 1000.0;
        long long span = cell_ll(&r, i, 6) - cell_ll(&r, i, 5);
        s->per_hour = s->n >= 2 && span > 0 ? (double)s->n * 3600.0 / (double)span : 0.0;
        out->comparisons += s->n;
        out->skips += s->skips;
    }
    bench_rows_free(&r);
    /* Agreement: every pair of reviewers that answered the same task, and every answer to a gold task. */
    if (EXEC0(db, "SELECT c.task_id, c.user_id, c.choice, t.gold, t.gold_answer FROM comparisons c "
                  "JOIN tasks t ON t.id = c.task_id WHERE c.choice <> 'skip' ORDER BY c.task_id, c.user_id", &r, e)) {
        bench_stats_free(out);
        return -1;
    }
    for (int i = 0; i < r.nrows;) {
        int j = i;
        while (j < r.nrows && cell_ll(&r, j, 0) == cell_ll(&r, i, 0)) j++;
        for (int a = i; a < j; a++) {
            BenchReviewerStats *sa = find_reviewer(out, cell_ll(&r, a, 1));
            int agree_gold = bench_cell(&r, a, 4) && !strcmp(bench_cell(&r, a, 2), bench_cell(&r, a, 4));
            if (cell_ll(&r, a, 3)) {
                out->gold_n++; out->gold_agree += agree_gold;
                if (sa) { sa->gold_n++; sa->gold_agree += agree_gold; }
            }
            for (int b = a + 1; b < j; b++) {
                int agree = !strcmp(bench_cell(&r, a, 2), bench_cell(&r, b, 2));
                BenchReviewerStats *sb = find_reviewer(out, cell_ll(&r, b, 1));
                out->overlap_pairs++; out->overlap_agree += agree;
                if (sa) { sa->pair_n++; sa->pair_agree += agree; }
                if (sb) { sb->pair_n++; sb->pair_agree += agree; }
            }
        }
        i = j;
    }
    bench_rows_free(&r);
    return 0;
}
