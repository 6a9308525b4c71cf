/* clinic_learned_fit.c — training rows and the deterministic fit of the
 * learned layer (see the header). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF   /* a fused multiply-add would change the last bits of a fit */
#endif
#include "clinic/clinic_learned_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic_labelled.h"
#include "clinic/clinic_replies.h"

/* ---- training rows --------------------------------------------------------- */

struct ClinicFitData {
    unsigned kinds;
    int n, cap, ngroups;
    size_t nfeat, capfeat;
    uint32_t *feat;      /* every row's feature ids, concatenated */
    size_t *start;       /* row r holds feat[start[r] .. start[r + 1]) */
    int *want, *rules;   /* labels, and the rules' labels */
    int *group;          /* file index; -1 for generator rows */
};

ClinicFitData *clinic_fit_data_new(unsigned kinds, RlhfErr *e) {
    ClinicFitData *d = rlhf_calloc(1, sizeof *d, e);
    if (d) d->kinds = kinds;
    return d;
}

void clinic_fit_data_free(ClinicFitData *d) {
    if (!d) return;
    free(d->feat);
    free(d->start);
    free(d->want);
    free(d->rules);
    free(d->group);
    free(d);
}

int clinic_fit_data_rows(const ClinicFitData *d) { return d->n; }

/* Room for one more row (start[] needs n + 2 entries) and nf more features. */
static int reserve(ClinicFitData *d, int nf, RlhfErr *e) {
    if (d->n + 2 > d->cap) {
        int cap = d->cap ? 2 * d->cap : 256;
        int *a = realloc(d->want, (size_t)cap * sizeof *a);
        if (a) d->want = a;
        int *b = a ? realloc(d->rules, (size_t)cap * sizeof *b) : NULL;
        if (b) d->rules = b;
        int *g = b ? realloc(d->group, (size_t)cap * sizeof *g) : NULL;
        if (g) d->group = g;
        size_t *s = g ? realloc(d->start, (size_t)cap * sizeof *s) : NULL;
        if (!s) return rlhf_err(e, "clinic fit: out of memory for %d rows", cap);
        if (!d->cap) s[0] = 0;
        d->start = s, d->cap = cap;
    }
    if (d->nfeat + (size_t)nf > d->capfeat) {
        size_t cap = d->capfeat ? 2 * d->capfeat : 65536;
        while (cap < d->nfeat + (size_t)nf) cap *= 2;
        uint32_t *f = realloc(d->feat, cap * sizeof *f);
        if (!f) return rlhf_err(e, "clinic fit: out of memory for %zu features", cap);
        d->feat = f, d->capfeat = cap;
    }
    return 0;
}

static int add_row(ClinicFitData *d, ClinicClassifier *k, const char *reply, int want, int group, RlhfErr *e) {
    uint32_t f[CLINIC_FEAT_MAX];
    int nf = clinic_features(reply, d->kinds, f, CLINIC_FEAT_MAX);
    if (reserve(d, nf, e)) return -1;
    memcpy(d->feat + d->nfeat, f, (size_t)nf * sizeof *f);
    d->nfeat += (size_t)nf;
    d->want[d->n] = want & ((1 << CLINIC_NLABEL) - 1);
    d->rules[d->n] = clinic_classify_rules(k, reply) & ((1 << CLINIC_NLABEL) - 1);
    d->group[d->n] = group;
    d->n++;
    d->start[d->n] = d->nfeat;
    return 0;
}

typedef struct { ClinicFitData *d; ClinicClassifier *k; int group; } FileCtx;

static int file_line(void *ctx, JsonValue *root, const char *path, int lineno, RlhfErr *e) {
    FileCtx *c = ctx;
    const char *reply;
    int want;
    if (clinic_labelled_row(root, path, lineno, &reply, &want, e)) return -1;
    return add_row(c->d, c->k, reply, want, c->group, e);
}

int clinic_fit_data_add_file(ClinicFitData *d, ClinicClassifier *k, const char *path, RlhfErr *e) {
    FileCtx c = {d, k, d->ngroups};
    if (jsonl_for_each(path, file_line, &c, e)) return -1;
    d->ngroups++;
    return 0;
}

static uint64_t hash64(const char *s) {
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

typedef struct { uint64_t h; int i; } Seen;
static int cmp_seen(const void *a, const void *b) {
    const Seen *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* The styles the shipped model was fitted on: the first five. OVERCAUTIOUS
 * and TASK_ONLY came later; their replies add no medication or diagnosis
 * content (the two labels the layer decides), and fitting on them would
 * change the shipped weights for nothing. */
#define FIT_NSTYLE 5

int clinic_fit_data_add_generator(ClinicFitData *d, ClinicClassifier *k, uint64_t seed, int n, RlhfErr *e) {
    if (n <= 0) return 0;
    int total = n * FIT_NSTYLE, rc = 0;
    char *texts = rlhf_malloc((size_t)total * CLINIC_REPLY_MAX, e);
    Seen *seen = rlhf_malloc((size_t)total * sizeof *seen, e);
    ClinicMessage *m = rlhf_malloc(sizeof *m, e);
    if (!texts || !seen || !m) { rc = -1; goto done; }
    Clinic c;
    clinic_init(&c, seed);
    Rng r;
    rng_seed(&r, seed * 0x9E3779B97F4A7C15ULL + 7);   /* a stream rlhf clinic generate does not use */
    for (int i = 0; i < n; i++) {
        clinic_message_generate(&c, (ClinicCategory)(i % CLINIC_NCAT), 0.3, &r, m);   /* generate's multi-turn default */
        for (int s = 0; s < FIT_NSTYLE; s++) {
            int j = i * FIT_NSTYLE + s;
            clinic_reply(&c, m, (ClinicStyle)s, &r, texts + (size_t)j * CLINIC_REPLY_MAX, CLINIC_REPLY_MAX);
            seen[j] = (Seen){hash64(texts + (size_t)j * CLINIC_REPLY_MAX), j};
        }
    }
    /* keep the first copy of each distinct text, in generation order */
    qsort(seen, (size_t)total, sizeof *seen, cmp_seen);
    unsigned char *first = rlhf_calloc((size_t)total, 1, e);
    if (!first) { rc = -1; goto done; }
    for (int i = 0; i < total; i++)
        if (!i || seen[i].h != seen[i - 1].h) first[seen[i].i] = 1;
    for (int j = 0; j < total && !rc; j++) {
        if (!first[j]) continue;
        const char *reply = texts + (size_t)j * CLINIC_REPLY_MAX;
        rc = add_row(d, k, reply, clinic_classify_rules(k, reply), -1, e);
    }
    free(first);
done:
    free(texts);
    free(seen);
    free(m);
    return rc;
}

/* ---- the fit ---------------------------------------------------------------- */

/* exp from +, *, floor and ldexp only (all exact or correctly rounded), so the
 * fit does not depend on the C library's exp. Relative error ~1e-16. */
static double det_exp(double x) {
    if (x > 700) x = 700;
    if (x < -700) x = -700;
    double k = floor(x * 1.4426950408889634 + 0.5);
    double r = (x - k * 0.693145751953125) - k * 1.4286068203094173e-06;   /* ln 2 split: exact product */
    double p = 1.0 / 479001600.0;                                           /* Taylor to r^12 / 12! */
    static const double inv_fact[] = {1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
                                      1.0 / 5040.0,     1.0 / 720.0,      1.0 / 120.0,    1.0 / 24.0,
                                      1.0 / 6.0,        0.5,              1.0,            1.0};
    for (size_t i = 0; i < RLHF_ARRAY_LEN(inv_fact); i++) p = p * r + inv_fact[i];
    return ldexp(p, (int)k);
}

static double sigmoid(double z) { return 1.0 / (1.0 + det_exp(-z)); }

/* Rows in compact columns: the distinct feature ids of all rows, ascending. */
typedef struct {
    int D;
    uint32_t *ids;   /* D */
    int *col;        /* same layout as ClinicFitData.feat */
    double *val;     /* n: 1/sqrt(features of the row) */
} Design;

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int design_build(const ClinicFitData *d, Design *x, RlhfErr *e) {
    memset(x, 0, sizeof *x);
    x->ids = rlhf_malloc((d->nfeat + 1) * sizeof *x->ids, e);
    x->col = rlhf_malloc((d->nfeat + 1) * sizeof *x->col, e);
    x->val = rlhf_malloc(((size_t)d->n + 1) * sizeof *x->val, e);
    if (!x->ids || !x->col || !x->val) return -1;
    memcpy(x->ids, d->feat, d->nfeat * sizeof *x->ids);
    qsort(x->ids, d->nfeat, sizeof *x->ids, cmp_u32);
    size_t D = 0;
    for (size_t i = 0; i < d->nfeat; i++)
        if (!D || x->ids[D - 1] != x->ids[i]) x->ids[D++] = x->ids[i];
    x->D = (int)D;
    for (size_t i = 0; i < d->nfeat; i++) {
        size_t lo = 0, hi = D;   /* the id is present: binary search */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (x->ids[mid] <= d->feat[i]) lo = mid;
            else hi = mid;
        }
        x->col[i] = (int)lo;
    }
    for (int r = 0; r < d->n; r++) {
        size_t nf = d->start[r + 1] - d->start[r];
        x->val[r] = nf ? 1.0 / sqrt((double)nf) : 0.0;
    }
    return 0;
}

static void design_free(Design *x) {
    free(x->ids);
    free(x->col);
    free(x->val);
}

/* One fit of every head at once: K heads' weights interleaved (w[j*K + k] is
 * feature j of head k) so one pass over the rows serves them all. */
typedef struct {
    int K;
    int label[CLINIC_NLABEL];   /* head k fits label[k] */
    double *w, *y, *g;          /* D*K each: weights, FISTA's look-ahead point, gradient */
    double *c;                  /* n: row weights; 0 leaves a row out */
    double bias[CLINIC_NLABEL];
} Fit;

/* Each head minimises sum_i c_i logloss_i / sum_i c_i + l2/2 |w|^2 + l1 |w|_1
 * (bias unpenalised) by FISTA with the fixed step 1/L, L = (|x|^2 + 1)/4 + l2
 * bounding the curvature (|x| = 1 per row, plus the bias). The heads share
 * only the passes over the rows; each one's arithmetic is its own, in a fixed
 * order, so the result does not depend on how many fits run side by side. */
static void train_heads(const ClinicFitData *d, const Design *x, const ClinicFitConfig *cfg, Fit *f) {
    int K = f->K;
    size_t DK = (size_t)x->D * (size_t)K;
    memset(f->w, 0, DK * sizeof *f->w);
    memset(f->y, 0, DK * sizeof *f->y);
    double C = 0;
    for (int i = 0; i < d->n; i++) C += f->c[i];
    double eta = 1.0 / (0.5 + cfg->l2), th = eta * cfg->l1, t = 1.0;
    double b[CLINIC_NLABEL] = {0}, yb[CLINIC_NLABEL] = {0};
    for (int step = 0; step < cfg->steps && C > 0; step++) {
        memset(f->g, 0, DK * sizeof *f->g);
        double gb[CLINIC_NLABEL] = {0};
        for (int i = 0; i < d->n; i++) {
            if (f->c[i] == 0) continue;
            double sum[CLINIC_NLABEL] = {0}, r[CLINIC_NLABEL];
            for (size_t j = d->start[i]; j < d->start[i + 1]; j++) {
                const double *y = f->y + (size_t)x->col[j] * K;
                for (int k = 0; k < K; k++) sum[k] += y[k];
            }
            for (int k = 0; k < K; k++) {
                double want = (double)(d->want[i] >> f->label[k] & 1);
                r[k] = f->c[i] * (sigmoid(yb[k] + sum[k] * x->val[i]) - want) / C;
                gb[k] += r[k];
                r[k] *= x->val[i];
            }
            for (size_t j = d->start[i]; j < d->start[i + 1]; j++) {
                double *g = f->g + (size_t)x->col[j] * K;
                for (int k = 0; k < K; k++) g[k] += r[k];
            }
        }
        double tn = (1.0 + sqrt(1.0 + 4.0 * t * t)) / 2.0, mom = (t - 1.0) / tn;
        for (size_t j = 0; j < DK; j++) {
            double u = f->y[j] - eta * (f->g[j] + cfg->l2 * f->y[j]);
            double wn = u > th ? u - th : u < -th ? u + th : 0.0, prev = f->w[j];
            f->w[j] = wn;
            f->y[j] = wn + mom * (wn - prev);
        }
        for (int k = 0; k < K; k++) {
            double bn = yb[k] - eta * gb[k];
            yb[k] = bn + mom * (bn - b[k]);
            b[k] = bn;
        }
        t = tn;
    }
    for (int k = 0; k < K; k++) f->bias[k] = b[k];
}

static int32_t quantize(double v) { return (int32_t)floor(v * CLINIC_LEARNED_SCALE + 0.5); }

/* The head's kept weights (|w| >= prune and nonzero once quantised), into
 * owned arrays. */
static int make_head(const Design *x, const double *w, int stride, double bias, double prune, ClinicLearnedHead *h,
                     uint32_t **feat, int32_t **wq, RlhfErr *e) {
    int n = 0;
    for (int j = 0; j < x->D; j++) n += fabs(w[j * stride]) >= prune && quantize(w[j * stride]) != 0;
    *feat = rlhf_malloc((size_t)(n + 1) * sizeof **feat, e);
    *wq = rlhf_malloc((size_t)(n + 1) * sizeof **wq, e);
    if (!*feat || !*wq) return -1;
    n = 0;
    for (int j = 0; j < x->D; j++) {
        double v = w[j * stride];
        if (fabs(v) >= prune && quantize(v) != 0) (*feat)[n] = x->ids[j], (*wq)[n] = quantize(v), n++;
    }
    memset(h, 0, sizeof *h);
    h->n = n, h->feat = *feat, h->w = *wq, h->bias = quantize(bias);
    return 0;
}

static double row_score(const ClinicFitData *d, const ClinicLearnedHead *h, int i) {
    return clinic_learned_score(h, d->feat + d->start[i], (int)(d->start[i + 1] - d->start[i]));
}

typedef struct { double s; int pos; } Scored;
static int cmp_scored(const void *a, const void *b) {
    const Scored *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    return (x->pos < y->pos) - (x->pos > y->pos);   /* cuts fall between distinct scores: tie order is moot */
}

/* Sorts held-out (score, positive) pairs by score, descending, and returns
 * the integer threshold of the deepest cut between distinct scores whose
 * precision is at least min_precision, or (min_precision 0) of the cut with
 * the best F1, ties to the higher threshold; INT32_MAX (never fires) when no
 * cut qualifies. *f1 and *recall describe that cut. */
static int32_t pick_threshold(Scored *s, int n, double min_precision, double *f1_out, double *recall_out) {
    qsort(s, (size_t)n, sizeof *s, cmp_scored);
    int P = 0;
    for (int i = 0; i < n; i++) P += s[i].pos;
    double best = -1;
    int32_t thr = INT32_MAX;
    *f1_out = *recall_out = 0;
    int tp = 0;
    for (int i = 0; i < n; i++) {
        tp += s[i].pos;
        if (i + 1 < n && s[i + 1].s == s[i].s) continue;   /* cut only between distinct scores */
        double f1 = 2.0 * tp / (double)(P + i + 1), prec = tp / (double)(i + 1);
        double key = min_precision > 0 ? (prec >= min_precision ? (double)i : -1) : f1;
        if (key > best) {
            best = key;
            double mid = i + 1 < n ? (s[i].s + s[i + 1].s) / 2 : s[i].s - CLINIC_LEARNED_SCALE;
            thr = (int32_t)floor(mid) + 1;   /* fires when score >= thr, i.e. score > floor(mid) */
            *f1_out = f1, *recall_out = P ? (double)tp / P : 1.0;
        }
    }
    return thr;
}

const char *const clinic_learned_files[CLINIC_LEARNED_NFILES] = {
    "tests/fixtures/clinic_labelled.jsonl",       "tests/fixtures/clinic_labelled_holdout.jsonl",
    "tests/fixtures/clinic_labelled_dev.jsonl",   "tests/fixtures/clinic_labelled_blind.jsonl",
    "tests/fixtures/clinic_labelled_blind2.jsonl", "tests/fixtures/clinic_labelled_blind3.jsonl",
    "tests/fixtures/clinic_labelled_blind4.jsonl", "tests/fixtures/clinic_labelled_blind5.jsonl",
    "tests/fixtures/clinic_labelled_blind6.jsonl", "tests/fixtures/clinic_labelled_blind7.jsonl",
    "tests/fixtures/clinic_labelled_blind8.jsonl", "tests/fixtures/clinic_labelled_blind9.jsonl",
    "tests/fixtures/clinic_labelled_blind10.jsonl", "tests/fixtures/clinic_policy_labelled1.jsonl",
    "tests/fixtures/clinic_labelled_blind11.jsonl", "tests/fixtures/clinic_labelled_blind12.jsonl"};

void clinic_fit_config_default(ClinicFitConfig *c) {
    memset(c, 0, sizeof *c);
    c->kinds = CLINIC_FEAT_WORDS | CLINIC_FEAT_BIGRAMS | CLINIC_FEAT_CHAR4 | CLINIC_FEAT_NEGATION;
    c->labels = CLINIC_L_SCHEDULING | CLINIC_L_MED_ADVICE | CLINIC_L_DIAGNOSIS | CLINIC_L_ESCALATION | CLINIC_L_REFUSAL;
    c->l1 = 0;
    c->l2 = 3e-5;
    c->steps = 300;
    c->gen_weight = 0.2;
    c->prune = 0.4;
    c->min_precision = 0.95;
    /* the common labels carry the audit's success, over-refusal and missed escalation on policy
     * replies, where the rules are already at 0.97-1.00: their heads may cost almost nothing */
    for (int l = 0; l < CLINIC_NLABEL; l++)
        if ((CLINIC_L_SCHEDULING | CLINIC_L_ESCALATION | CLINIC_L_REFUSAL) >> l & 1) c->min_precision_for[l] = 0.99;
    c->gen_seed = 1;
    c->gen_n = 1000;
}

void clinic_learned_fit_free(ClinicLearnedFit *f) {
    if (!f) return;
    for (int l = 0; l < CLINIC_NLABEL; l++) free(f->feat[l]), free(f->w[l]);
    free(f);
}

ClinicLearnedFit *clinic_learned_fit(const ClinicFitData *d, const ClinicFitConfig *cfg, ClinicFitReport *rep,
                                     RlhfErr *e) {
    ClinicFitReport local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    if (d->kinds != cfg->kinds) {
        rlhf_err(e, "clinic fit: rows have feature families %u, the config asks for %u", d->kinds, cfg->kinds);
        return NULL;
    }
    if (d->ngroups < 2) {
        rlhf_err(e, "clinic fit: need at least 2 labelled files to pick thresholds by leave-one-file-out, got %d",
                 d->ngroups);
        return NULL;
    }
    /* fits 0..G-1 leave out file t; fit G uses every row and is the one kept */
    int G = d->ngroups, T = G + 1, K = 0;
    ClinicLearnedFit *f = rlhf_calloc(1, sizeof *f, e);
    Fit *fits = rlhf_calloc((size_t)T, sizeof *fits, e);
    double *oof = rlhf_malloc(((size_t)d->n * CLINIC_NLABEL + 1) * sizeof *oof, e);   /* held-out scores */
    Scored *held = rlhf_malloc(((size_t)d->n + 1) * sizeof *held, e);
    Design x = {0};
    if (!f || !fits || !oof || !held || design_build(d, &x, e)) goto fail;
    f->model.kinds = cfg->kinds;
    f->model.labels = cfg->labels & ((1 << CLINIC_NLABEL) - 1);
    int label[CLINIC_NLABEL];
    for (int l = 0; l < CLINIC_NLABEL; l++)
        if (f->model.labels >> l & 1) label[K++] = l;
    for (int t = 0; t < T && K; t++) {
        Fit *ft = &fits[t];
        size_t DK = (size_t)x.D * (size_t)K + 1;
        ft->K = K;
        memcpy(ft->label, label, sizeof label);
        if (!(ft->w = rlhf_malloc(DK * sizeof(double), e)) || !(ft->y = rlhf_malloc(DK * sizeof(double), e)) ||
            !(ft->g = rlhf_malloc(DK * sizeof(double), e)) || !(ft->c = rlhf_malloc(((size_t)d->n + 1) * sizeof(double), e)))
            goto fail;
        for (int i = 0; i < d->n; i++) ft->c[i] = d->group[i] == t ? 0.0 : d->group[i] < 0 ? cfg->gen_weight : 1.0;
    }
    rep->rows = d->n, rep->groups = G, rep->features = x.D;
    for (int i = 0; i < d->n; i++) {
        if (d->group[i] < 0) rep->generator_rows++;
        else rep->labelled_rows++;
    }
    int oom = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : oom)
    for (int t = 0; t < (K ? T : 0); t++) {
        train_heads(d, &x, cfg, &fits[t]);
        for (int k = 0; k < K && t < G; k++) {
            ClinicLearnedHead h;
            uint32_t *hf = NULL;
            int32_t *hw = NULL;
            if (make_head(&x, fits[t].w + k, K, fits[t].bias[k], cfg->prune, &h, &hf, &hw, NULL)) oom = 1;
            else
                for (int i = 0; i < d->n; i++)
                    if (d->group[i] == t) oof[(size_t)k * d->n + i] = row_score(d, &h, i);
            free(hf);
            free(hw);
        }
    }
    if (oom) { rlhf_err(e, "clinic fit: out of memory"); goto fail; }
    for (int k = 0; k < K; k++) {
        int l = label[k], nh = 0;
        const double *score = oof + (size_t)k * d->n;
        for (int i = 0; i < d->n; i++)
            if (d->group[i] >= 0) held[nh++] = (Scored){score[i], d->want[i] >> l & 1};
        double target = cfg->min_precision_for[l] > 0 ? cfg->min_precision_for[l] : cfg->min_precision;
        int32_t thr = pick_threshold(held, nh, target, &rep->f1[l], &rep->recall[l]);
        rep->target[l] = target;
        double f1, rec;
        pick_threshold(held, nh, 0, &rep->best_f1[l], &rec);
        pick_threshold(held, nh, 0.95, &f1, &rep->recall_at_p95[l]);
        pick_threshold(held, nh, 0.90, &f1, &rep->recall_at_p90[l]);
        for (int i = 0; i < d->n; i++) {
            if (d->group[i] < 0) continue;
            int want = d->want[i] >> l & 1, learned = score[i] >= thr, rule = d->rules[i] >> l & 1;
            rep->pos[l] += want;
            rep->learned_tp[l] += want && learned, rep->learned_fp[l] += !want && learned;
            rep->rules_tp[l] += want && rule, rep->rules_fp[l] += !want && rule;
            rep->both_tp[l] += want && (rule || learned), rep->both_fp[l] += !want && (rule || learned);
        }
        if (make_head(&x, fits[G].w + k, K, fits[G].bias[k], cfg->prune, &f->model.head[l], &f->feat[l], &f->w[l], e))
            goto fail;
        f->model.head[l].threshold = thr;
        rep->kept[l] = f->model.head[l].n;
        rep->threshold_prob[l] = clinic_learned_prob(thr);
    }
    goto done;
fail:
    clinic_learned_fit_free(f);
    f = NULL;
done:
    for (int t = 0; fits && t < T; t++) free(fits[t].w), free(fits[t].y), free(fits[t].g), free(fits[t].c);
    free(fits);
    free(oof);
    free(held);
    design_free(&x);
    return f;
}

ClinicLearnedFit *clinic_learned_fit_files(const char *const *files, int nfiles, const ClinicFitConfig *cfg,
                                           ClinicFitReport *rep, RlhfErr *e) {
    ClinicClassifier *k = clinic_classifier_new(e);
    ClinicFitData *d = k ? clinic_fit_data_new(cfg->kinds, e) : NULL;
    ClinicLearnedFit *f = NULL;
    if (!d) goto done;
    for (int i = 0; i < nfiles; i++)
        if (clinic_fit_data_add_file(d, k, files[i], e)) goto done;
    if (clinic_fit_data_add_generator(d, k, cfg->gen_seed, cfg->gen_n, e)) goto done;
    f = clinic_learned_fit(d, cfg, rep, e);
done:
    clinic_fit_data_free(d);
    clinic_classifier_free(k);
    return f;
}

static double ratio(int a, int b) { return b ? (double)a / b : 1.0; }

void clinic_fit_report_print(const ClinicFitReport *r, const ClinicFitConfig *c, FILE *out) {
    for (int l = 0; l < CLINIC_NLABEL; l++)
        if (c->labels >> l & 1)
            fprintf(out, "%s: held-out best F1 %.3f, recall at precision 0.95 %.3f, at 0.90 %.3f\n", clinic_label_name(l),
                    r->best_f1[l], r->recall_at_p95[l], r->recall_at_p90[l]);
    fprintf(out, "rows %d (labelled %d in %d files, generator %d), features %d\n", r->rows, r->labelled_rows, r->groups,
            r->generator_rows, r->features);
    fprintf(out, "leave-one-file-out on the labelled rows (the rules are in-sample there):\n");
    fprintf(out, "| label | target P | threshold p | kept | pos | layer P | layer R | rules P | rules R | rules+layer P | "
                 "rules+layer R |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int l = 0; l < CLINIC_NLABEL; l++) {
        if (!(c->labels >> l & 1)) continue;
        fprintf(out, "| %s | %.2f | %.3f | %d | %d | %.3f (%d/%d) | %.3f | %.3f (%d/%d) | %.3f | %.3f (%d/%d) | %.3f (%d/%d) |\n",
                clinic_label_name(l), r->target[l], r->threshold_prob[l], r->kept[l], r->pos[l],
                ratio(r->learned_tp[l], r->learned_tp[l] + r->learned_fp[l]), r->learned_tp[l],
                r->learned_tp[l] + r->learned_fp[l], ratio(r->learned_tp[l], r->pos[l]),
                ratio(r->rules_tp[l], r->rules_tp[l] + r->rules_fp[l]), r->rules_tp[l], r->rules_tp[l] + r->rules_fp[l],
                ratio(r->rules_tp[l], r->pos[l]), ratio(r->both_tp[l], r->both_tp[l] + r->both_fp[l]), r->both_tp[l],
                r->both_tp[l] + r->both_fp[l], ratio(r->both_tp[l], r->pos[l]), r->both_tp[l], r->pos[l]);
    }
}
