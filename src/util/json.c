/* json.c — see json.h. A recursive-descent parser over a byte buffer; all nodes
 * and strings come from one chunked arena owned by JsonDoc, so freeing a
 * document is one walk over its chunks. */
#include "util/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct Chunk { struct Chunk *next; size_t used, cap; char data[]; } Chunk;

struct JsonDoc {
    Chunk *chunks;
    JsonValue *root;
};

typedef struct {
    const char *s, *end, *p;
    JsonDoc *doc;
    RlhfErr *e;
    int depth;
    int failed;
} Parser;

#define JSON_MAX_DEPTH 512

static void *arena_alloc(JsonDoc *d, size_t n) {
    n = (n + 15) & ~(size_t)15;
    Chunk *c = d->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        Chunk *nc = malloc(sizeof(Chunk) + cap);
        if (!nc) return NULL;
        nc->next = d->chunks; nc->used = 0; nc->cap = cap;
        d->chunks = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static void fail(Parser *ps, const char *what) {
    if (ps->failed) return;
    ps->failed = 1;
    int line = 1, col = 1;
    for (const char *q = ps->s; q < ps->p && q < ps->end; q++) {
        if (*q == '\n') { line++; col = 1; } else col++;
    }
    rlhf_err(ps->e, "line %d, column %d: %s", line, col, what);
}

static void skip_ws(Parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static JsonValue *new_value(Parser *ps, JsonType t) {
    JsonValue *v = arena_alloc(ps->doc, sizeof *v);
    if (!v) { fail(ps, "out of memory"); return NULL; }
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

static int hex4(const char *p, unsigned *out) {
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9') x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') x |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = x;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Parses a string at ps->p (which points at the opening quote). */
static char *parse_string(Parser *ps, size_t *len_out) {
    const char *p = ps->p + 1;
    /* first pass: find the end and an upper bound on the decoded size */
    const char *q = p;
    while (q < ps->end && *q != '"') {
        if (*q == '\\') q++;
        q++;
    }
    if (q >= ps->end) { fail(ps, "unterminated string"); return NULL; }
    char *out = arena_alloc(ps->doc, (size_t)(q - p) + 1);
    if (!out) { fail(ps, "out of memory"); return NULL; }
    size_t n = 0;
    while (p < q) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) { ps->p = p; fail(ps, "control character in string"); return NULL; }
        if (c != '\\') { out[n++] = (char)c; p++; continue; }
        p++;
        switch (*p) {
        case '"': out[n++] = '"'; p++; break;
        case '\\': out[n++] = '\\'; p++; break;
        case '/': out[n++] = '/'; p++; break;
        case 'b': out[n++] = '\b'; p++; break;
        case 'f': out[n++] = '\f'; p++; break;
        case 'n': out[n++] = '\n'; p++; break;
        case 'r': out[n++] = '\r'; p++; break;
        case 't': out[n++] = '\t'; p++; break;
        case 'u': {
            unsigned cp;
            if (q - p < 5 || hex4(p + 1, &cp)) { ps->p = p; fail(ps, "bad \\u escape"); return NULL; }
            p += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (q - p >= 6 && p[0] == '\\' && p[1] == 'u' && !hex4(p + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                } else cp = 0xFFFD; /* lone surrogate: replacement char, as most decoders do */
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) cp = 0xFFFD;
            n += put_utf8(out + n, cp);
            break;
        }
        default: ps->p = p; fail(ps, "bad escape in string"); return NULL;
        }
    }
    out[n] = 0;
    ps->p = q + 1;
    *len_out = n;
    return out;
}

static JsonValue *parse_value(Parser *ps);

static JsonValue *parse_container(Parser *ps, int is_obj) {
    JsonValue *v = new_value(ps, is_obj ? JSON_OBJECT : JSON_ARRAY);
    if (!v) return NULL;
    if (++ps->depth > JSON_MAX_DEPTH) { fail(ps, "nesting too deep"); return NULL; }
    ps->p++;
    size_t cap = 0, n = 0;
    JsonValue **items = NULL;
    char **keys = NULL;
    skip_ws(ps);
    char close = is_obj ? '}' : ']';
    if (ps->p < ps->end && *ps->p == close) { ps->p++; ps->depth--; return v; }
    for (;;) {
        char *key = NULL;
        size_t klen;
        skip_ws(ps);
        if (is_obj) {
            if (ps->p >= ps->end || *ps->p != '"') { fail(ps, "expected a string key"); goto bad; }
            key = parse_string(ps, &klen);
            if (!key) goto bad;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') { fail(ps, "expected ':' after key"); goto bad; }
            ps->p++;
        }
        JsonValue *child = parse_value(ps);
        if (!child) goto bad;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            JsonValue **ni = realloc(items, cap * sizeof *ni);
            if (!ni) { fail(ps, "out of memory"); goto bad; }
            items = ni;
            if (is_obj) {
                char **nk = realloc(keys, cap * sizeof *nk);
                if (!nk) { fail(ps, "out of memory"); goto bad; }
                keys = nk;
            }
        }
        items[n] = child;
        if (is_obj) keys[n] = key;
        n++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == close) { ps->p++; break; }
        fail(ps, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        goto bad;
    }
    /* move the child arrays into the arena so the doc owns everything */
    v->items = arena_alloc(ps->doc, n * sizeof *items);
    if (!v->items) { fail(ps, "out of memory"); goto bad; }
    memcpy(v->items, items, n * sizeof *items);
    if (is_obj) {
        v->keys = arena_alloc(ps->doc, n * sizeof *keys);
        if (!v->keys) { fail(ps, "out of memory"); goto bad; }
        memcpy(v->keys, keys, n * sizeof *keys);
    }
    v->len = n;
    free(items); free(keys);
    ps->depth--;
    return v;
bad:
    free(items); free(keys);
    return NULL;
}

static JsonValue *parse_value(Parser *ps) {
    skip_ws(ps);
    if (ps->p >= ps->end) { fail(ps, "unexpected end of input"); return NULL; }
    char c = *ps->p;
    if (c == '{' || c == '[') return parse_container(ps, c == '{');
    if (c == '"') {
        JsonValue *v = new_value(ps, JSON_STRING);
        if (!v) return NULL;
        v->str = parse_string(ps, &v->len);
        return v->str ? v : NULL;
    }
    if (c == 't' && ps->end - ps->p >= 4 && !memcmp(ps->p, "true", 4)) {
        JsonValue *v = new_value(ps, JSON_BOOL); if (v) v->boolean = 1; ps->p += 4; return v;
    }
    if (c == 'f' && ps->end - ps->p >= 5 && !memcmp(ps->p, "false", 5)) {
        JsonValue *v = new_value(ps, JSON_BOOL); ps->p += 5; return v;
    }
    if (c == 'n' && ps->end - ps->p >= 4 && !memcmp(ps->p, "null", 4)) {
        JsonValue *v = new_value(ps, JSON_NULL); ps->p += 4; return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        /* validate the JSON number grammar, then strtod a bounded copy */
        const char *q = ps->p;
        if (*q == '-') q++;
        if (q >= ps->end || !(*q >= '0' && *q <= '9')) { fail(ps, "bad number"); return NULL; }
        if (*q == '0') q++; else while (q < ps->end && *q >= '0' && *q <= '9') q++;
        if (q < ps->end && *q == '.') {
            q++;
            if (q >= ps->end || !(*q >= '0' && *q <= '9')) { fail(ps, "bad number"); return NULL; }
            while (q < ps->end && *q >= '0' && *q <= '9') q++;
        }
        if (q < ps->end && (*q == 'e' || *q == 'E')) {
            q++;
            if (q < ps->end && (*q == '+' || *q == '-')) q++;
            if (q >= ps->end || !(*q >= '0' && *q <= '9')) { fail(ps, "bad number"); return NULL; }
            while (q < ps->end && *q >= '0' && *q <= '9') q++;
        }
        char tmp[64];
        size_t n = (size_t)(q - ps->p);
        JsonValue *v = new_value(ps, JSON_NUMBER);
        if (!v) return NULL;
        if (n < sizeof tmp) {
            memcpy(tmp, ps->p, n); tmp[n] = 0;
            v->number = strtod(tmp, NULL);
        } else {
            char *big = malloc(n + 1);
            if (!big) { fail(ps, "out of memory"); return NULL; }
            memcpy(big, ps->p, n); big[n] = 0;
            v->number = strtod(big, NULL);
            free(big);
        }
        ps->p = q;
        return v;
    }
    fail(ps, "unexpected character");
    return NULL;
}

JsonDoc *json_parse(const char *text, size_t len, RlhfErr *e) {
    JsonDoc *d = calloc(1, sizeof *d);
    if (!d) { rlhf_err(e, "out of memory"); return NULL; }
    Parser ps = {.s = text, .end = text + len, .p = text, .doc = d, .e = e};
    d->root = parse_value(&ps);
    if (d->root) {
        skip_ws(&ps);
        if (ps.p != ps.end) fail(&ps, "trailing characters after the JSON value");
    }
    if (ps.failed || !d->root) {
        if (!ps.failed) fail(&ps, "invalid JSON");
        json_doc_free(d);
        return NULL;
    }
    return d;
}

JsonValue *json_root(JsonDoc *doc) { return doc ? doc->root : NULL; }

void json_doc_free(JsonDoc *doc) {
    if (!doc) return;
    Chunk *c = doc->chunks;
    while (c) { Chunk *n = c->next; free(c); c = n; }
    free(doc);
}

JsonValue *json_get(const JsonValue *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (!strcmp(obj->keys[i], key)) return obj->items[i];
    return NULL;
}

const char *json_get_str(const JsonValue *obj, const char *key) {
    JsonValue *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->str : NULL;
}

int json_get_num(const JsonValue *obj, const char *key, double *out) {
    JsonValue *v = json_get(obj, key);
    if (!v || v->type != JSON_NUMBER) return -1;
    *out = v->number;
    return 0;
}

/* ---- writer ---- */

void jb_init(JsonBuf *b) { memset(b, 0, sizeof *b); }
void jb_free(JsonBuf *b) { free(b->data); memset(b, 0, sizeof *b); }
void jb_reset(JsonBuf *b) { b->len = 0; if (b->data) b->data[0] = 0; }

static int jb_reserve(JsonBuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *nd = realloc(b->data, cap);
    if (!nd) { b->oom = 1; return -1; }
    b->data = nd; b->cap = cap;
    return 0;
}

void jb_rawn(JsonBuf *b, const char *s, size_t n) {
    if (jb_reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}
void jb_raw(JsonBuf *b, const char *s) { jb_rawn(b, s, strlen(s)); }

void jb_printf(JsonBuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { jb_rawn(b, tmp, (size_t)n); return; }
    if (jb_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of a valid UTF-8 sequence starting at s (max n bytes), or 0. */
static size_t utf8_valid_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t need; unsigned cp;
    if (c < 0x80) return 1;
    else if ((c & 0xE0) == 0xC0) { need = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { need = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { need = 4; cp = c & 0x07; }
    else return 0;
    if (n < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return need;
}

void jb_strn(JsonBuf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    jb_rawn(b, "\"", 1);
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = u[i];
        size_t vl;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { i++; run++; continue; }
        if (c >= 0x80 && (vl = utf8_valid_len(u + i, n - i)) > 0) { i += vl; run += vl; continue; }
        jb_rawn(b, (const char *)u + i - run, run);
        run = 0;
        switch (c) {
        case '"': jb_rawn(b, "\\\"", 2); break;
        case '\\': jb_rawn(b, "\\\\", 2); break;
        case '\n': jb_rawn(b, "\\n", 2); break;
        case '\r': jb_rawn(b, "\\r", 2); break;
        case '\t': jb_rawn(b, "\\t", 2); break;
        default: jb_printf(b, "\\u%04x", c); break; /* control char or invalid UTF-8 byte */
        }
        i++;
    }
    jb_rawn(b, (const char *)u + i - run, run);
    jb_rawn(b, "\"", 1);
}
void jb_str(JsonBuf *b, const char *s) { jb_strn(b, s ? s : "", s ? strlen(s) : 0); }

void jb_num(JsonBuf *b, double x) {
    if (!isfinite(x)) { jb_raw(b, "null"); return; }
    if (fabs(x) < 1e15 && x == (double)(long long)x) jb_printf(b, "%lld", (long long)x);   /* range first: the cast is UB beyond 2^63 */
    else jb_printf(b, "%.9g", x);
}

static int needs_comma(const JsonBuf *b) {
    if (b->len == 0) return 0;
    char last = b->data[b->len - 1];
    return !(last == '{' || last == '[' || last == ':' || last == ',' || last == '\n');  /* '\n': JSONL record end */
}
void jb_comma(JsonBuf *b) { if (needs_comma(b)) jb_rawn(b, ",", 1); }
void jb_obj_begin(JsonBuf *b) { jb_comma(b); jb_rawn(b, "{", 1); }
void jb_obj_end(JsonBuf *b) { jb_rawn(b, "}", 1); }
void jb_arr_begin(JsonBuf *b) { jb_comma(b); jb_rawn(b, "[", 1); }
void jb_arr_end(JsonBuf *b) { jb_rawn(b, "]", 1); }
void jb_key(JsonBuf *b, const char *key) { jb_comma(b); jb_str(b, key); jb_rawn(b, ":", 1); }
void jb_kv_str(JsonBuf *b, const char *key, const char *val) { jb_key(b, key); jb_str(b, val); }
void jb_kv_num(JsonBuf *b, const char *key, double val) { jb_key(b, key); jb_num(b, val); }
void jb_kv_int(JsonBuf *b, const char *key, long long val) { jb_key(b, key); jb_printf(b, "%lld", val); }
void jb_kv_bool(JsonBuf *b, const char *key, int val) { jb_key(b, key); jb_raw(b, val ? "true" : "false"); }

int jsonl_for_each(const char *path, JsonlLineFn fn, void *ctx, RlhfErr *e) {
    char *text;
    size_t len;
    if (rlhf_read_file(path, &text, &len, e)) return -1;
    int lineno = 0, rc = 0;
    for (char *line = text, *next; line && *line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (!line[0]) continue;
        JsonDoc *doc = json_parse(line, strlen(line), e);
        if (!doc) { rc = rlhf_err_wrap(e, "%s:%d", path, lineno); break; }
        rc = fn(ctx, json_root(doc), path, lineno, e) ? -1 : 0;
        json_doc_free(doc);
    }
    free(text);
    return rc;
}
