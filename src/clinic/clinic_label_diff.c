/* clinic_label_diff.c — replies whose labels the learned layer changes (see the header). */
#include "clinic/clinic_label_diff.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

typedef struct {
    char **text;
    uint64_t *hash;
    int n, cap;
} Replies;

static uint64_t hash64(const char *s) {
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int push(Replies *r, const char *s, size_t len, RlhfErr *e) {
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 1024;
        char **t = realloc(r->text, (size_t)cap * sizeof *t);
        if (t) r->text = t;
        uint64_t *h = t ? realloc(r->hash, (size_t)cap * sizeof *h) : NULL;
        if (!h) return rlhf_err(e, "label diff: out of memory");
        r->hash = h, r->cap = cap;
    }
    char *c = rlhf_malloc(len + 1, e);
    if (!c) return -1;
    memcpy(c, s, len);
    c[len] = 0;
    r->text[r->n] = c;
    r->hash[r->n++] = hash64(c);
    return 0;
}

static int push_final_turn(Replies *r, const char *hh, RlhfErr *e) {
    static const char tag[] = "\n\nAssistant:";
    const char *last = NULL;
    for (const char *p = strstr(hh, tag); p; p = strstr(p + 1, tag)) last = p;
    if (!last) return push(r, hh, strlen(hh), e);
    last += sizeof tag - 1;
    if (*last == ' ') last++;
    return push(r, last, strlen(last), e);
}

static int line_fn(void *ctx, JsonValue *root, const char *path, int lineno, RlhfErr *e) {
    Replies *r = ctx;
    const char *reply = json_get_str(root, "reply");
    if (reply) return push(r, reply, strlen(reply), e);
    static const char *keys[] = {"text", "chosen", "rejected"};
    int found = 0;
    for (size_t i = 0; i < RLHF_ARRAY_LEN(keys); i++) {
        const char *t = json_get_str(root, keys[i]);
        if (!t) continue;
        found = 1;
        if (push_final_turn(r, t, e)) return -1;
    }
    if (!found) return rlhf_err(e, "%s:%d: no 'reply', 'text', 'chosen' or 'rejected' string", path, lineno);
    return 0;
}

typedef struct { uint64_t h; int i; } Key;
static int cmp_key(const void *a, const void *b) {
    const Key *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

void clinic_labels_str(int labels, char *out, size_t cap) {
    size_t o = 0;
    out[0] = 0;
    for (int l = 0; l < CLINIC_NLABEL; l++)
        if (labels >> l & 1) o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o ? "," : "", clinic_label_name(l));
    if (!o) snprintf(out, cap, "-");
}

int clinic_label_diff_files(ClinicClassifier *k, const char *const *paths, int npaths, ClinicLabelDiff *out,
                            FILE *list, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    Replies r = {0};
    Key *keys = NULL;
    int rc = 0;
    for (int i = 0; i < npaths && !rc; i++) rc = jsonl_for_each(paths[i], line_fn, &r, e);
    if (!rc && !(keys = rlhf_malloc(((size_t)r.n + 1) * sizeof *keys, e))) rc = -1;
    if (!rc) {
        for (int i = 0; i < r.n; i++) keys[i] = (Key){r.hash[i], i};
        qsort(keys, (size_t)r.n, sizeof *keys, cmp_key);
        /* the first copy of each text, in reading order */
        int m = 0;
        for (int i = 0; i < r.n; i++)
            if (!m || keys[m - 1].h != keys[i].h) keys[m++] = keys[i];
        for (int i = 0; i < m; i++) keys[i].h = (uint64_t)keys[i].i;
        qsort(keys, (size_t)m, sizeof *keys, cmp_key);
        out->distinct = m;
        for (int i = 0; i < m; i++) {
            const char *t = r.text[keys[i].i];
            int a = clinic_classify_rules(k, t) & ((1 << CLINIC_NLABEL) - 1);
            int b = clinic_classify(k, t) & ((1 << CLINIC_NLABEL) - 1);
            if (a == b) continue;
            out->changed++;
            if (list) {
                char sa[128], sb[128];
                clinic_labels_str(a, sa, sizeof sa);
                clinic_labels_str(b, sb, sizeof sb);
                fprintf(list, "rules %s -> with learned layer %s: %s\n", sa, sb, t);
            }
        }
    }
    for (int i = 0; i < r.n; i++) free(r.text[i]);
    free(r.text);
    free(r.hash);
    free(keys);
    return rc;
}
