/* clinic_audit_compare.c — paired comparison of two audits (see the header). */
#include "clinic/clinic_audit_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

/* the keys `rlhf audit --json` uses, by CLINIC_OUTB_* */
static const char *const out_key[CLINIC_NOUT] = {"task_success", "harmful_compliance", "over_refusal",
                                                 "helpful_refusal", "missed_escalation"};

int clinic_audit_items_init(ClinicAuditItems *it, int nitems, RlhfErr *e) {
    memset(it, 0, sizeof *it);
    it->n = rlhf_calloc((size_t)nitems + 1, sizeof *it->n, e);
    it->count = rlhf_calloc((size_t)nitems * CLINIC_NOUT + 1, sizeof *it->count, e);
    if (!it->n || !it->count) return -1;
    it->nitems = nitems;
    return 0;
}

void clinic_audit_items_add(ClinicAuditItems *it, int item, int outcome) {
    it->n[item]++;
    for (int q = 0; q < CLINIC_NOUT; q++) it->count[(size_t)item * CLINIC_NOUT + q] += outcome >> q & 1;
}

void clinic_audit_items_free(ClinicAuditItems *it) {
    free(it->n);
    free(it->count);
    memset(it, 0, sizeof *it);
}

static void row_from_counts(ClinicAuditRow *r, int n, const int *count) {
    r->n += n;
    r->success += count[CLINIC_OUTB_SUCCESS];
    r->harmful += count[CLINIC_OUTB_HARMFUL];
    r->over_refusal += count[CLINIC_OUTB_OVER_REFUSAL];
    r->helpful_refusal += count[CLINIC_OUTB_HELPFUL_REFUSAL];
    r->missed_escalation += count[CLINIC_OUTB_MISSED_ESCALATION];
}

void clinic_audit_items_report(const ClinicAuditSuite *s, const ClinicAuditItems *it, ClinicAuditReport *rep) {
    memset(rep, 0, sizeof *rep);
    for (int i = 0; i < it->nitems && i < s->n; i++) {
        const int *count = it->count + (size_t)i * CLINIC_NOUT;
        if ((unsigned)s->items[i].cat < CLINIC_NCAT) row_from_counts(&rep->cat[s->items[i].cat], it->n[i], count);
        row_from_counts(&rep->all, it->n[i], count);
    }
}

typedef struct { const ClinicAuditSuite *s; ClinicClassifier *k; ClinicAuditItems *it; } ReadCtx;

static int read_line(void *ctx, JsonValue *root, const char *path, int lineno, RlhfErr *e) {
    ReadCtx *c = ctx;
    const char *reply = json_get_str(root, "reply"), *conv = json_get_str(root, "prompt");
    if (!conv) conv = json_get_str(root, "conversation");
    if (!reply) return rlhf_err(e, "%s:%d: field 'reply': missing or not a string", path, lineno);
    double id;
    int idx;
    if (json_get_num(root, "id", &id) == 0) {
        idx = (int)id;
        if (idx < 0 || idx >= c->s->n || id != (double)idx)
            return rlhf_err(e, "%s:%d: field 'id': %g is not an audit-suite index (0..%d)", path, lineno, id,
                            c->s->n - 1);
    } else if (conv) {
        if ((idx = clinic_audit_find_item(c->s, conv)) < 0)
            return rlhf_err(e, "%s:%d: field '%s': not a conversation of the audit suite (a comparison pairs "
                               "replies by message)", path, lineno, json_get_str(root, "prompt") ? "prompt" : "conversation");
    } else {
        return rlhf_err(e, "%s:%d: need field 'id' or 'prompt'/'conversation'", path, lineno);
    }
    clinic_audit_items_add(c->it, idx, clinic_audit_outcome(&c->s->items[idx], clinic_classify(c->k, reply)));
    return 0;
}

int clinic_audit_items_read(const ClinicAuditSuite *s, ClinicClassifier *k, const char *path, ClinicAuditItems *it,
                            RlhfErr *e) {
    if (clinic_audit_items_init(it, s->n, e)) return -1;
    ReadCtx c = {s, k, it};
    return jsonl_for_each(path, read_line, &c, e);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile p of sorted v[0..n) by linear interpolation between order statistics. */
static double quantile(const double *v, int n, double p) {
    double h = p * (n - 1);
    int i = (int)floor(h);
    return i + 1 < n ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static double rate(long num, long n) { return n ? (double)num / (double)n : 0.0; }

int clinic_audit_compare(const ClinicAuditSuite *s, const ClinicAuditItems *base, const ClinicAuditItems *cur, int boot,
                         uint64_t seed, ClinicAuditCompare *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    if (boot < 100) return rlhf_err(e, "audit compare: need at least 100 bootstrap resamples, got %d", boot);
    if (base->nitems != s->n || cur->nitems != s->n)
        return rlhf_err(e, "audit compare: counts are for %d and %d messages, the suite has %d", base->nitems,
                        cur->nitems, s->n);
    /* the messages of each category that both audits answered */
    int *members = rlhf_malloc((size_t)s->n * sizeof *members + 1, e);
    double *d = rlhf_malloc(((size_t)(CLINIC_NCAT + 1) * CLINIC_NOUT * (size_t)boot) * sizeof *d, e);
    if (!members || !d) { free(members); free(d); return -1; }
    int start[CLINIC_NCAT + 1] = {0}, m = 0;
    for (int c = 0; c < CLINIC_NCAT; c++) {
        start[c] = m;
        for (int i = 0; i < s->n; i++) {
            if ((int)s->items[i].cat != c) continue;
            if ((base->n[i] > 0) != (cur->n[i] > 0)) {
                free(members), free(d);
                return rlhf_err(e, "audit compare: message %d (%s) has replies in the %s audit only; both must answer "
                                   "the same messages", i, clinic_category_name((ClinicCategory)c),
                                base->n[i] ? "base" : "new");
            }
            if (base->n[i] > 0) members[m++] = i;
        }
        out->cat_items[c] = m - start[c];
    }
    start[CLINIC_NCAT] = m;
    out->items = m, out->boot = boot;
    if (m == 0) { free(members), free(d); return rlhf_err(e, "audit compare: no replies to compare"); }

    /* point estimates: pooled rates, as the audit reports them */
    long an[CLINIC_NCAT + 1] = {0}, bn[CLINIC_NCAT + 1] = {0}, ac[CLINIC_NCAT + 1][CLINIC_NOUT] = {{0}},
         bc[CLINIC_NCAT + 1][CLINIC_NOUT] = {{0}};
    for (int c = 0; c < CLINIC_NCAT; c++)
        for (int j = start[c]; j < start[c + 1]; j++) {
            int i = members[j];
            an[c] += base->n[i], bn[c] += cur->n[i];
            for (int q = 0; q < CLINIC_NOUT; q++)
                ac[c][q] += base->count[(size_t)i * CLINIC_NOUT + q], bc[c][q] += cur->count[(size_t)i * CLINIC_NOUT + q];
        }
    for (int c = 0; c < CLINIC_NCAT; c++) {
        an[CLINIC_NCAT] += an[c], bn[CLINIC_NCAT] += bn[c];
        for (int q = 0; q < CLINIC_NOUT; q++) ac[CLINIC_NCAT][q] += ac[c][q], bc[CLINIC_NCAT][q] += bc[c][q];
    }

    /* bootstrap: within each category, draw its messages with replacement (the
     * same draws for both audits); the categories' sums make the overall rate */
    Rng r;
    rng_seed(&r, seed);
    for (int b = 0; b < boot; b++) {
        long sa[CLINIC_NCAT + 1] = {0}, sb[CLINIC_NCAT + 1] = {0}, xa[CLINIC_NCAT + 1][CLINIC_NOUT] = {{0}},
             xb[CLINIC_NCAT + 1][CLINIC_NOUT] = {{0}};
        for (int c = 0; c < CLINIC_NCAT; c++) {
            int k = start[c + 1] - start[c];
            for (int t = 0; t < k; t++) {
                int i = members[start[c] + rng_int(&r, k)];
                sa[c] += base->n[i], sb[c] += cur->n[i];
                for (int q = 0; q < CLINIC_NOUT; q++)
                    xa[c][q] += base->count[(size_t)i * CLINIC_NOUT + q], xb[c][q] += cur->count[(size_t)i * CLINIC_NOUT + q];
            }
            sa[CLINIC_NCAT] += sa[c], sb[CLINIC_NCAT] += sb[c];
            for (int q = 0; q < CLINIC_NOUT; q++) xa[CLINIC_NCAT][q] += xa[c][q], xb[CLINIC_NCAT][q] += xb[c][q];
        }
        for (int c = 0; c <= CLINIC_NCAT; c++)
            for (int q = 0; q < CLINIC_NOUT; q++)
                d[((size_t)c * CLINIC_NOUT + q) * (size_t)boot + b] = rate(xb[c][q], sb[c]) - rate(xa[c][q], sa[c]);
    }
    for (int c = 0; c <= CLINIC_NCAT; c++) {
        if (c < CLINIC_NCAT && !out->cat_items[c]) continue;
        for (int q = 0; q < CLINIC_NOUT; q++) {
            ClinicAuditDelta *o = c < CLINIC_NCAT ? &out->cat[c][q] : &out->all[q];
            double *v = d + ((size_t)c * CLINIC_NOUT + q) * (size_t)boot;
            qsort(v, (size_t)boot, sizeof *v, cmp_double);
            o->base = rate(ac[c][q], an[c]), o->cur = rate(bc[c][q], bn[c]);
            o->diff = o->cur - o->base;
            o->lo = quantile(v, boot, 0.025), o->hi = quantile(v, boot, 0.975);
        }
    }
    free(members);
    free(d);
    return 0;
}

const char *clinic_audit_delta_verdict(const ClinicAuditDelta *d) {
    return d->lo > 0 ? "rises" : d->hi < 0 ? "falls" : "no clear change";
}

static void print_delta(FILE *out, const char *name, const char *what, const ClinicAuditDelta *d) {
    fprintf(out, "%-17s %-18s %6.1f %6.1f %+7.1f  [%+5.1f, %+5.1f]  %s\n", name, what, 100 * d->base, 100 * d->cur,
            100 * d->diff, 100 * d->lo, 100 * d->hi, clinic_audit_delta_verdict(d));
}

void clinic_audit_compare_print(const ClinicAuditCompare *c, FILE *out) {
    fprintf(out, "paired comparison over %d messages (%d bootstrap resamples by message, stratified by category); "
                 "rates in %%, new - base with its 95%% interval\n", c->items, c->boot);
    fprintf(out, "%-17s %-18s %6s %6s %7s  %-16s  %s\n", "category", "rate", "base", "new", "diff", "95% interval",
            "verdict");
    for (int q = 0; q < CLINIC_NOUT; q++) print_delta(out, "all", out_key[q], &c->all[q]);
    for (int k = 0; k < CLINIC_NCAT; k++)
        if (c->cat_items[k])
            for (int q = 0; q < CLINIC_NOUT; q++)
                print_delta(out, clinic_category_name((ClinicCategory)k), out_key[q], &c->cat[k][q]);
}

static void delta_json(JsonBuf *b, const ClinicAuditDelta *d) {
    jb_obj_begin(b);
    jb_kv_num(b, "base", d->base);
    jb_kv_num(b, "new", d->cur);
    jb_kv_num(b, "diff", d->diff);
    jb_kv_num(b, "lo", d->lo);
    jb_kv_num(b, "hi", d->hi);
    jb_kv_str(b, "verdict", clinic_audit_delta_verdict(d));
    jb_obj_end(b);
}

static void deltas_json(JsonBuf *b, const ClinicAuditDelta *d) {
    jb_obj_begin(b);
    for (int q = 0; q < CLINIC_NOUT; q++) {
        jb_key(b, out_key[q]);
        delta_json(b, &d[q]);
    }
    jb_obj_end(b);
}

void clinic_audit_compare_json(const ClinicAuditCompare *c, JsonBuf *b) {
    jb_obj_begin(b);
    jb_kv_int(b, "boot", c->boot);
    jb_kv_int(b, "items", c->items);
    jb_key(b, "all");
    deltas_json(b, c->all);
    jb_key(b, "categories");
    jb_obj_begin(b);
    for (int k = 0; k < CLINIC_NCAT; k++)
        if (c->cat_items[k]) {
            jb_key(b, clinic_category_name((ClinicCategory)k));
            deltas_json(b, c->cat[k]);
        }
    jb_obj_end(b);
    jb_obj_end(b);
}
