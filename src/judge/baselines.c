/* baselines.c — see baselines.h. */
#include "judge/baselines.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/split.h"
#include "util/hash.h"

Accuracy accuracy_make(double correct, long n) {
    Accuracy a = {n, correct, 0, 0, 0};
    if (n <= 0) return a;
    double p = correct / (double)n, z = 1.959963984540054, z2 = z * z, nn = (double)n;
    double den = 1 + z2 / nn, centre = (p + z2 / (2 * nn)) / den;
    double half = z / den * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    a.acc = p;
    a.lo = centre - half;
    a.hi = centre + half;
    return a;
}

/* ---- longer wins ---------------------------------------------------------- */

size_t baseline_utf8_len(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

double baseline_longer_score(const Comparison *c) {
    size_t a = baseline_utf8_len(c->chosen, c->chosen_len), b = baseline_utf8_len(c->rejected, c->rejected_len);
    return a > b ? 1.0 : a < b ? 0.0 : 0.5;
}

Accuracy baseline_longer_wins(const ComparisonSet *s) {
    double correct = 0;
    for (size_t i = 0; i < s->n; i++) correct += baseline_longer_score(&s->items[i]);
    return accuracy_make(correct, (long)s->n);
}

/* ---- bag of words: features ----------------------------------------------- */

void bow_default_opts(BowOpts *o) {
    o->dim_log2 = 18;
    o->bigrams = 0;
    o->tf = BOW_TF_LOG1P;
    o->l2 = 0;
    o->max_iter = 300;
}

struct BowFeaturizer {
    BowOpts o;
    uint32_t mask;
    float *cnt;          /* [dim] per-reply counts, zero between uses */
    int *touched;        /* buckets with cnt != 0 */
    size_t ntouched, cap_touched;
    float *diff;         /* [dim] the pair's φ(a) − φ(b), zero between uses */
    int *nz;             /* buckets with diff touched */
    size_t nnz, cap_nz;
};

BowFeaturizer *bow_featurizer_new(const BowOpts *o, RlhfErr *e) {
    BowFeaturizer *f = rlhf_calloc(1, sizeof *f, e);
    if (!f) return NULL;
    f->o = *o;
    size_t dim = (size_t)1 << o->dim_log2;
    f->mask = (uint32_t)(dim - 1);
    f->cnt = rlhf_calloc(dim, sizeof *f->cnt, e);
    f->diff = rlhf_calloc(dim, sizeof *f->diff, e);
    f->cap_touched = f->cap_nz = 4096;
    f->touched = rlhf_malloc(f->cap_touched * sizeof *f->touched, e);
    f->nz = rlhf_malloc(f->cap_nz * sizeof *f->nz, e);
    if (!f->cnt || !f->diff || !f->touched || !f->nz) { bow_featurizer_free(f); return NULL; }
    return f;
}

void bow_featurizer_free(BowFeaturizer *f) {
    if (!f) return;
    free(f->cnt); free(f->diff); free(f->touched); free(f->nz);
    free(f);
}

static int push(int **arr, size_t *n, size_t *cap, int v) {
    if (*n == *cap) {
        int *na = realloc(*arr, 2 * *cap * sizeof *na);
        if (!na) return -1;
        *arr = na;
        *cap *= 2;
    }
    (*arr)[(*n)++] = v;
    return 0;
}

static int word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' || c >= 0x80;
}

static int count_bucket(BowFeaturizer *f, uint64_t h) {
    uint32_t b = (uint32_t)mix64(h) & f->mask;
    if (f->cnt[b] == 0 && push(&f->touched, &f->ntouched, &f->cap_touched, (int)b) != 0) return -1;
    f->cnt[b] += 1;
    return 0;
}

/* Adds sign · tf(counts of s) into diff. */
static int add_reply(BowFeaturizer *f, const char *s, size_t n, float sign) {
    f->ntouched = 0;
    uint64_t prev = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && !word_byte((unsigned char)s[i])) i++;
        if (i >= n) break;
        uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a of the lower-cased word */
        while (i < n && word_byte((unsigned char)s[i])) {
            unsigned char c = (unsigned char)s[i++];
            if (c >= 'A' && c <= 'Z') c += 32;
            h = (h ^ c) * 0x100000001b3ULL;
        }
        if (count_bucket(f, h) != 0) return -1;
        if (f->o.bigrams && prev && count_bucket(f, prev * 0x9e3779b97f4a7c15ULL + h + 1) != 0) return -1;
        prev = h;
    }
    for (size_t k = 0; k < f->ntouched; k++) {
        int b = f->touched[k];
        float c = f->cnt[b], v = f->o.tf == BOW_TF_BINARY ? 1.0f : f->o.tf == BOW_TF_LOG1P ? log1pf(c) : c;
        f->cnt[b] = 0;
        if (f->diff[b] == 0 && push(&f->nz, &f->nnz, &f->cap_nz, b) != 0) return -1;
        f->diff[b] += sign * v;
        if (f->diff[b] == 0) f->diff[b] = 1e-30f;   /* keep it listed; treated as zero below */
    }
    return 0;
}

/* φ(a) − φ(b) into f->nz / f->diff; call clear_pair after use. */
static int featurize_pair(BowFeaturizer *f, const char *a, size_t an, const char *b, size_t bn) {
    f->nnz = 0;
    if (add_reply(f, a, an, 1.0f) != 0 || add_reply(f, b, bn, -1.0f) != 0) return -1;
    return 0;
}

static void clear_pair(BowFeaturizer *f) {
    for (size_t k = 0; k < f->nnz; k++) f->diff[f->nz[k]] = 0;
    f->nnz = 0;
}

double bow_margin(const BowModel *m, BowFeaturizer *f, const char *a, size_t an, const char *b, size_t bn) {
    if (featurize_pair(f, a, an, b, bn) != 0) { clear_pair(f); return 0; }
    double s = 0;
    for (size_t k = 0; k < f->nnz; k++) {
        float v = f->diff[f->nz[k]];
        if (fabsf(v) > 1e-20f) s += m->w[f->nz[k]] * (double)v;
    }
    clear_pair(f);
    return s;
}

/* ---- bag of words: training ----------------------------------------------- */

/* Sparse rows x_i = φ(chosen_i) − φ(rejected_i) (CSR). */
typedef struct Csr {
    size_t *row;   /* [n+1] */
    int *idx;
    float *val;
    size_t n, nnz, cap;
} Csr;

static void csr_free(Csr *c) { free(c->row); free(c->idx); free(c->val); memset(c, 0, sizeof *c); }

static int csr_build(Csr *c, const ComparisonSet *s, const size_t *rows, size_t n, BowFeaturizer *f, RlhfErr *e) {
    memset(c, 0, sizeof *c);
    c->row = rlhf_malloc((n + 1) * sizeof *c->row, e);
    if (!c->row) return -1;
    c->row[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const Comparison *p = &s->items[rows ? rows[i] : i];
        if (featurize_pair(f, p->chosen, p->chosen_len, p->rejected, p->rejected_len) != 0) {
            clear_pair(f);
            return rlhf_err(e, "out of memory featurising pair %zu", i);
        }
        if (c->nnz + f->nnz > c->cap) {
            size_t nc = c->cap ? c->cap : 1 << 16;
            while (nc < c->nnz + f->nnz) nc *= 2;
            int *ni = realloc(c->idx, nc * sizeof *ni);
            if (ni) c->idx = ni;
            float *nv = realloc(c->val, nc * sizeof *nv);
            if (nv) c->val = nv;
            if (!ni || !nv) { clear_pair(f); return rlhf_err(e, "out of memory (%zu features)", nc); }
            c->cap = nc;
        }
        for (size_t k = 0; k < f->nnz; k++) {
            float v = f->diff[f->nz[k]];
            if (fabsf(v) <= 1e-20f) continue;   /* a word equally often on both sides */
            c->idx[c->nnz] = f->nz[k];
            c->val[c->nnz++] = v;
        }
        clear_pair(f);
        c->row[i + 1] = c->nnz;
    }
    c->n = n;
    return 0;
}

/* Loss and gradient of mean log(1 + e^{-w·x}) + l2/2 |w|². */
static double loss_grad(const Csr *c, const double *w, double l2, int dim, double *g) {
    double loss = 0, inv = 1.0 / (double)(c->n ? c->n : 1);
    for (int j = 0; j < dim; j++) g[j] = l2 * w[j];
    for (size_t i = 0; i < c->n; i++) {
        double m = 0;
        for (size_t k = c->row[i]; k < c->row[i + 1]; k++) m += w[c->idx[k]] * c->val[k];
        /* log(1+e^{-m}) computed stably; d/dm = -σ(-m) */
        loss += m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
        double s = -inv / (1 + exp(m));
        for (size_t k = c->row[i]; k < c->row[i + 1]; k++) g[c->idx[k]] += s * c->val[k];
    }
    double reg = 0;
    for (int j = 0; j < dim; j++) reg += w[j] * w[j];
    return loss * inv + 0.5 * l2 * reg;
}

static double dot(const double *a, const double *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

#define LBFGS_M 8

/* Minimises the convex objective from the w given (warm start). Returns iterations. */
static int lbfgs(const Csr *c, double l2, int dim, double *w, int max_iter, double *final_loss, RlhfErr *e) {
    size_t nd = (size_t)dim;
    double *mem = rlhf_malloc((2 * LBFGS_M + 4) * nd * sizeof(double), e);
    if (!mem) return -1;
    double *S = mem, *Y = S + LBFGS_M * nd, *g = Y + LBFGS_M * nd, *d = g + nd, *wn = d + nd, *gn = wn + nd;
    double rho[LBFGS_M], alpha[LBFGS_M];
    int hist = 0, head = 0, it;
    double f = loss_grad(c, w, l2, dim, g);
    for (it = 0; it < max_iter; it++) {
        double gnorm = sqrt(dot(g, g, dim));
        if (gnorm < 1e-7) break;
        /* two-loop recursion: d = -H g */
        for (int j = 0; j < dim; j++) d[j] = -g[j];
        for (int k = 0; k < hist; k++) {
            int b = (head - 1 - k + LBFGS_M) % LBFGS_M;
            alpha[b] = rho[b] * dot(S + b * nd, d, dim);
            double *y = Y + b * nd;
            for (int j = 0; j < dim; j++) d[j] -= alpha[b] * y[j];
        }
        double gamma = 1;
        if (hist) {
            int b = (head - 1 + LBFGS_M) % LBFGS_M;
            gamma = dot(S + b * nd, Y + b * nd, dim) / dot(Y + b * nd, Y + b * nd, dim);
        } else {
            gamma = 1 / gnorm;
        }
        for (int j = 0; j < dim; j++) d[j] *= gamma;
        for (int k = hist - 1; k >= 0; k--) {
            int b = (head - 1 - k + LBFGS_M) % LBFGS_M;
            double beta = rho[b] * dot(Y + b * nd, d, dim);
            double *s = S + b * nd;
            for (int j = 0; j < dim; j++) d[j] += (alpha[b] - beta) * s[j];
        }
        double gd = dot(g, d, dim);
        if (gd >= 0) {   /* not a descent direction: restart from steepest descent */
            for (int j = 0; j < dim; j++) d[j] = -g[j] / gnorm;
            gd = dot(g, d, dim);
            hist = 0;
        }
        /* backtracking line search (Armijo) */
        double step = 1, fn = f;
        int ok = 0;
        for (int ls = 0; ls < 40; ls++) {
            for (int j = 0; j < dim; j++) wn[j] = w[j] + step * d[j];
            fn = loss_grad(c, wn, l2, dim, gn);
            if (fn <= f + 1e-4 * step * gd) { ok = 1; break; }
            step *= 0.5;
        }
        if (!ok) break;
        double *s = S + head * nd, *y = Y + head * nd;
        for (int j = 0; j < dim; j++) { s[j] = wn[j] - w[j]; y[j] = gn[j] - g[j]; }
        double sy = dot(s, y, dim);
        memcpy(w, wn, nd * sizeof *w);
        memcpy(g, gn, nd * sizeof *g);
        double rel = (f - fn) / (fabs(f) > 1e-12 ? fabs(f) : 1e-12);
        f = fn;
        if (sy > 1e-12) {
            rho[head] = 1 / sy;
            head = (head + 1) % LBFGS_M;
            if (hist < LBFGS_M) hist++;
        }
        if (rel < 1e-9) { it++; break; }
    }
    free(mem);
    *final_loss = f;
    return it;
}

static double mean_logloss(const Csr *c, const double *w) {
    double loss = 0;
    for (size_t i = 0; i < c->n; i++) {
        double m = 0;
        for (size_t k = c->row[i]; k < c->row[i + 1]; k++) m += w[c->idx[k]] * c->val[k];
        loss += m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
    }
    return c->n ? loss / (double)c->n : 0;
}

/* Salt of the internal holdout used to pick the L2 strength. */
#define BOW_HOLDOUT_SALT 0xB0B0B0B0ULL

int bow_train(BowModel *m, const ComparisonSet *train, const BowOpts *o, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    m->o = *o;
    if (o->dim_log2 < 4 || o->dim_log2 > 26) return rlhf_err(e, "bag of words: dim_log2 %d outside 4..26", o->dim_log2);
    if (train->n == 0) return rlhf_err(e, "bag of words: no training pairs");
    m->dim = 1 << o->dim_log2;
    m->w = rlhf_calloc((size_t)m->dim, sizeof *m->w, e);
    BowFeaturizer *f = bow_featurizer_new(o, e);
    size_t *fit = rlhf_malloc(train->n * sizeof *fit, e), *hold = rlhf_malloc(train->n * sizeof *hold, e);
    Csr all = {0}, cf = {0}, ch = {0};
    int rc = -1;
    if (!m->w || !f || !fit || !hold) goto done;
    if (csr_build(&all, train, NULL, train->n, f, e) != 0) goto done;
    if (o->l2 <= 0) {
        double fr[2] = {0.8, 0.2};
        size_t nf = 0, nh = 0;
        for (size_t i = 0; i < train->n; i++) {
            const Comparison *c = &train->items[i];
            if (split_of_key(split_key(c->prompt, c->prompt_len, BOW_HOLDOUT_SALT), fr, 2) == 0) fit[nf++] = i;
            else hold[nh++] = i;
        }
        if (nh < 10 || nf < 10) { m->o.l2 = 1e-3; goto refit; }
        if (csr_build(&cf, train, fit, nf, f, e) != 0 || csr_build(&ch, train, hold, nh, f, e) != 0) goto done;
        /* strongest to weakest, warm-starting each fit from the previous one */
        static const double grid[] = {1, 3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4};
        double best = INFINITY, loss;
        for (size_t g = 0; g < RLHF_ARRAY_LEN(grid); g++) {
            if (lbfgs(&cf, grid[g], m->dim, m->w, o->max_iter, &loss, e) < 0) goto done;
            double hl = mean_logloss(&ch, m->w);
            if (hl < best) { best = hl; m->o.l2 = grid[g]; }
        }
        memset(m->w, 0, (size_t)m->dim * sizeof *m->w);
    }
refit:
    m->iters = lbfgs(&all, m->o.l2, m->dim, m->w, o->max_iter, &m->train_loss, e);
    if (m->iters < 0) goto done;
    rc = 0;
done:
    csr_free(&all);
    csr_free(&cf);
    csr_free(&ch);
    free(fit);
    free(hold);
    bow_featurizer_free(f);
    if (rc != 0) bow_free(m);
    return rc;
}

int bow_eval(const BowModel *m, const ComparisonSet *test, Accuracy *out, RlhfErr *e) {
    BowFeaturizer *f = bow_featurizer_new(&m->o, e);
    if (!f) return -1;
    double correct = 0;
    for (size_t i = 0; i < test->n; i++) {
        const Comparison *c = &test->items[i];
        double s = bow_margin(m, f, c->chosen, c->chosen_len, c->rejected, c->rejected_len);
        correct += s > 0 ? 1.0 : s < 0 ? 0.0 : 0.5;
    }
    bow_featurizer_free(f);
    *out = accuracy_make(correct, (long)test->n);
    return 0;
}

void bow_free(BowModel *m) {
    free(m->w);
    m->w = NULL;
}
