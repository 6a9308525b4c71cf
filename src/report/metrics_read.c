/* metrics_read.c — see metrics_read.h. Each line is first checked on its own,
 * so a damaged line costs only itself; the good lines are then joined into one
 * JSON array and parsed once, so the whole file lives in one document (a
 * document per line would cost an arena chunk per line). */
#include "report/metrics_read.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

/* 1 when s[0..n) is one JSON object. */
static int is_obj(const char *s, size_t n) {
    RlhfErr ignore;
    JsonDoc *d = json_parse(s, n, &ignore);
    if (!d) return 0;
    JsonValue *r = json_root(d);
    int ok = r && r->type == JSON_OBJECT;
    json_doc_free(d);
    return ok;
}

/* Last occurrence of {"event" in s[0..n) at a position > 0, or NULL. */
static const char *last_glued(const char *s, size_t n) {
    static const char needle[] = "{\"event\"";
    size_t k = sizeof needle - 1;
    if (n <= k) return NULL;
    for (size_t i = n - k; i > 0; i--)
        if (memcmp(s + i, needle, k) == 0) return s + i;
    return NULL;
}

int metrics_file_parse(MetricsFile *m, const char *text, size_t len, const char *name, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    int line = 0, nonblank = 0, cap = 0, ngood = 0;
    int *lines = NULL;          /* [ngood] line number of each good record */
    JsonBuf arr;
    jb_init(&arr);
    jb_raw(&arr, "[");
    size_t pos = 0;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        line++;
        if (is_blank(s, n)) continue;
        nonblank++;
        if (!is_obj(s, n)) {
            const char *g = last_glued(s, n);
            if (g && is_obj(g, n - (size_t)(g - s))) { n -= (size_t)(g - s); s = g; }
            else {
                if (!nl) m->truncated = 1;
                else {
                    if (!m->bad_lines) m->first_bad_line = line;
                    m->bad_lines++;
                }
                continue;
            }
        }
        if (ngood == cap) {
            cap = cap ? cap * 2 : 256;
            int *nlines = realloc(lines, sizeof(int) * (size_t)cap);
            if (!nlines) { free(lines); jb_free(&arr); return rlhf_err(e, "%s:%d: out of memory", name, line); }
            lines = nlines;
        }
        lines[ngood++] = line;
        if (ngood > 1) jb_raw(&arr, ",\n");
        jb_rawn(&arr, s, n);
    }
    jb_raw(&arr, "]");
    if (arr.oom) { free(lines); jb_free(&arr); return rlhf_err(e, "%s: out of memory", name); }
    if (nonblank > 0 && ngood == 0 && !(nonblank == 1 && m->truncated)) {
        int bad = m->first_bad_line ? m->first_bad_line : line;
        free(lines); jb_free(&arr);
        memset(m, 0, sizeof *m);
        return rlhf_err(e, "%s:%d: not a metrics file: no line is a JSON object", name, bad);
    }
    m->doc = json_parse(arr.data, arr.len, e);
    jb_free(&arr);
    if (!m->doc) { free(lines); return rlhf_err_wrap(e, "%s: joining metrics lines", name); }
    JsonValue *root = json_root(m->doc);
    m->recs = rlhf_calloc((size_t)(ngood > 0 ? ngood : 1), sizeof *m->recs, e);
    if (!m->recs) { free(lines); json_doc_free(m->doc); m->doc = NULL; return -1; }
    for (int i = 0; i < ngood && (size_t)i < root->len; i++) {
        MetricsRecord *r = &m->recs[i];
        JsonValue *o = root->items[i];
        const char *ev = json_get_str(o, "event");
        r->event = ev ? ev : "";
        if (json_get_num(o, "t", &r->t) != 0) r->t = NAN;
        r->line = lines[i];
        r->obj = o;
    }
    m->n = ngood;
    free(lines);
    return 0;
}

int metrics_file_read(MetricsFile *m, const char *path, RlhfErr *e) {
    char *text;
    size_t len;
    memset(m, 0, sizeof *m);
    if (rlhf_read_file(path, &text, &len, e)) return -1;
    int rc = metrics_file_parse(m, text, len, path, e);
    free(text);     /* the parsed documents own copies of every string */
    return rc;
}

void metrics_file_free(MetricsFile *m) {
    if (m->doc) json_doc_free(m->doc);
    free(m->recs);
    memset(m, 0, sizeof *m);
}

static int num_member(const JsonValue *o, const char *key, double *out) {
    const JsonValue *v = json_get(o, key);
    if (!v || v->type != JSON_NUMBER) return 0;
    *out = v->number;
    return 1;
}

int metrics_count(const MetricsFile *m, const char *event) {
    int c = 0;
    for (int i = 0; i < m->n; i++) c += strcmp(m->recs[i].event, event) == 0;
    return c;
}

int metrics_series(const MetricsFile *m, const char *event, const char *xkey, const char *ykey,
                   double **xs, double **ys, int *n, RlhfErr *e) {
    *xs = *ys = NULL;
    *n = 0;
    int cap = metrics_count(m, event);
    if (cap == 0) return 0;
    double *x = rlhf_malloc(sizeof(double) * (size_t)cap, e);
    double *y = rlhf_malloc(sizeof(double) * (size_t)cap, e);
    if (!x || !y) { free(x); free(y); return -1; }
    int k = 0, idx = 0;
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->recs[i].event, event) != 0) continue;
        double xv = idx++, yv;
        if (xkey && !num_member(m->recs[i].obj, xkey, &xv)) continue;
        if (!num_member(m->recs[i].obj, ykey, &yv)) continue;
        x[k] = xv; y[k] = yv; k++;
    }
    if (k == 0) { free(x); free(y); return 0; }
    *xs = x; *ys = y; *n = k;
    return 0;
}

int metrics_events(const MetricsFile *m, const char ***names, int *n, RlhfErr *e) {
    *names = NULL;
    *n = 0;
    const char **out = rlhf_malloc(sizeof(char *) * (size_t)(m->n > 0 ? m->n : 1), e);
    if (!out) return -1;
    int k = 0;
    for (int i = 0; i < m->n; i++) {
        int seen = 0;
        for (int j = 0; j < k && !seen; j++) seen = strcmp(out[j], m->recs[i].event) == 0;
        if (!seen) out[k++] = m->recs[i].event;
    }
    *names = out;
    *n = k;
    return 0;
}

int metrics_numeric_fields(const MetricsFile *m, const char *event, const char ***fields, int **counts,
                           int *n, RlhfErr *e) {
    *fields = NULL;
    *counts = NULL;
    *n = 0;
    int cap = 16, k = 0;
    const char **f = rlhf_malloc(sizeof(char *) * (size_t)cap, e);
    int *c = rlhf_malloc(sizeof(int) * (size_t)cap, e);
    if (!f || !c) { free(f); free(c); return -1; }
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->recs[i].event, event) != 0) continue;
        const JsonValue *o = m->recs[i].obj;
        for (size_t j = 0; j < o->len; j++) {
            if (o->items[j]->type != JSON_NUMBER || strcmp(o->keys[j], "t") == 0) continue;
            int at = -1;
            for (int q = 0; q < k && at < 0; q++) if (strcmp(f[q], o->keys[j]) == 0) at = q;
            if (at >= 0) { c[at]++; continue; }
            if (k == cap) {
                cap *= 2;
                const char **nf = realloc(f, sizeof(char *) * (size_t)cap);
                if (nf) f = nf;
                int *ncn = realloc(c, sizeof(int) * (size_t)cap);
                if (ncn) c = ncn;
                if (!nf || !ncn) { free(f); free(c); return rlhf_err(e, "out of memory listing metric fields"); }
            }
            f[k] = o->keys[j];
            c[k] = 1;
            k++;
        }
    }
    *fields = f;
    *counts = c;
    *n = k;
    return 0;
}
