/* frontier.c — see frontier.h. */
#include "ppo/frontier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct RankPair { float r; int i; } RankPair;

static int cmp_rank(const void *a, const void *b) {
    const RankPair *x = a, *y = b;
    if (x->r != y->r) return x->r < y->r ? -1 : 1;
    return x->i - y->i;   /* ties: a fixed order, so the estimate is deterministic */
}

int frontier_init(Frontier *f, const float *reward, const unsigned *flags, int nprompts, int K, int nflags,
                  RlhfErr *e) {
    memset(f, 0, sizeof *f);
    if (nprompts < 1 || K < 2)
        return rlhf_err(e, "frontier: need at least 1 prompt and 2 draws a prompt (got %d, %d)", nprompts, K);
    if (nflags < 0 || nflags > FRONTIER_MAX_FLAGS)
        return rlhf_err(e, "frontier: %d outcome flags, at most %d", nflags, FRONTIER_MAX_FLAGS);
    for (long i = 0; i < (long)nprompts * K; i++)
        if (!isfinite(reward[i]))
            return rlhf_err(e, "frontier: reward of draw %ld of prompt %ld is not finite", i % K, i / K);
    f->nprompts = nprompts;
    f->K = K;
    f->nflags = flags ? nflags : 0;
    f->reward = reward;
    f->flags = flags;
    f->order = rlhf_malloc((size_t)nprompts * K * sizeof *f->order, e);
    f->w = rlhf_malloc((size_t)K * sizeof *f->w, e);
    RankPair *rp = rlhf_malloc((size_t)K * sizeof *rp, e);
    if (!f->order || !f->w || !rp) { free(rp); frontier_free(f); return -1; }
    double klmax = 0;
    for (int p = 0; p < nprompts; p++) {
        const float *r = reward + (size_t)p * K;
        for (int i = 0; i < K; i++) rp[i] = (RankPair){r[i], i};
        qsort(rp, (size_t)K, sizeof *rp, cmp_rank);
        int ties = 0;   /* β → 0 spreads the weight evenly over the draws tied at the top */
        for (int i = 0; i < K; i++) {
            f->order[(size_t)p * K + i] = rp[i].i;
            ties += rp[i].r == rp[K - 1].r;
        }
        klmax += log((double)K / ties);
    }
    free(rp);
    f->kl_max = klmax / nprompts;
    return 0;
}

void frontier_free(Frontier *f) {
    free(f->order);
    free(f->w);
    memset(f, 0, sizeof *f);
}

/* Adds prompt p's weighted reward, rates, KL and ESS (weights f->w over its draws, by
 * draw index) into out; the caller divides by nprompts. */
static void accumulate(const Frontier *f, int p, FrontierPoint *out) {
    const int K = f->K;
    const float *r = f->reward + (size_t)p * K;
    const unsigned *fl = f->flags ? f->flags + (size_t)p * K : NULL;
    double sq = 0;
    for (int i = 0; i < K; i++) {
        double w = f->w[i];
        if (w <= 0) continue;
        out->reward += w * r[i];
        out->kl += w * log(K * w);
        sq += w * w;
        for (int b = 0; fl && b < f->nflags; b++)
            if (fl[i] >> b & 1u) out->rate[b] += w;
    }
    out->ess += 1.0 / sq;
}

static void finish(const Frontier *f, FrontierPoint *out) {
    out->reward /= f->nprompts;
    out->kl /= f->nprompts;
    out->ess /= f->nprompts;
    for (int b = 0; b < f->nflags; b++) out->rate[b] /= f->nprompts;
    if (out->kl < 0) out->kl = 0;   /* −1e-17 from rounding at N = 1 or β → ∞ */
}

static double log_choose(int n, int k) { return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0); }

int frontier_best_of_n(Frontier *f, int N, FrontierPoint *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    if (N < 1 || N > f->K) return rlhf_err(e, "frontier: best-of-%d needs 1 ≤ N ≤ %d draws a prompt", N, f->K);
    const int K = f->K;
    const double lden = log_choose(K, N);
    out->param = N;
    for (int p = 0; p < f->nprompts; p++) {
        const int *ord = f->order + (size_t)p * K;
        for (int j = 1; j <= K; j++)   /* rank j (1 = lowest) is the best of N draws when the other N−1 rank below it */
            f->w[ord[j - 1]] = j < N ? 0.0 : exp(log_choose(j - 1, N - 1) - lden);
        accumulate(f, p, out);
    }
    finish(f, out);
    return 0;
}

void frontier_optimum(Frontier *f, double beta, FrontierPoint *out) {
    memset(out, 0, sizeof *out);
    const int K = f->K;
    out->param = beta;
    for (int p = 0; p < f->nprompts; p++) {
        const float *r = f->reward + (size_t)p * K;
        const double top = r[f->order[(size_t)p * K + K - 1]];
        double z = 0;
        for (int i = 0; i < K; i++) z += f->w[i] = exp((r[i] - top) / beta);   /* ≤ 1: no overflow */
        for (int i = 0; i < K; i++) f->w[i] /= z;
        accumulate(f, p, out);
    }
    finish(f, out);
}

int frontier_optimum_at_kl(Frontier *f, double kl, FrontierPoint *out, RlhfErr *e) {
    if (!(kl >= 0) || !(kl < f->kl_max))
        return rlhf_err(e, "frontier: KL %.4g is outside what %d draws a prompt can show [0, %.4g)", kl, f->K,
                        f->kl_max);
    /* KL(β) falls monotonically from kl_max (β → 0) to 0 (β → ∞): bisect on log β. The
     * bracket covers rewards on any reasonable scale (judge z-scores are O(1)). */
    double lo = log(1e-6), hi = log(1e6);
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        frontier_optimum(f, exp(mid), out);
        if (fabs(out->kl - kl) < 1e-9) return 0;
        if (out->kl > kl) lo = mid; else hi = mid;
    }
    return 0;   /* the bracket is now ~1e-58 wide in log β: as close as doubles allow */
}

int frontier_ladder(Frontier *f, FrontierPoint *bon, FrontierPoint *opt, int max_rows, RlhfErr *e) {
    int rows = 0;
    for (int N = 1; 2 * N <= f->K && rows < max_rows; N *= 2, rows++)
        if (frontier_best_of_n(f, N, &bon[rows], e) || frontier_optimum_at_kl(f, bon[rows].kl, &opt[rows], e))
            return -1;
    return rows;
}

static void point_json(const Frontier *f, const FrontierPoint *p, int is_opt, const char *const *names, JsonBuf *b) {
    jb_obj_begin(b);
    jb_kv_num(b, "kl", p->kl);
    jb_kv_num(b, "reward", p->reward);
    jb_kv_num(b, "ess", p->ess);
    if (is_opt) jb_kv_num(b, "beta", p->param);
    for (int i = 0; i < f->nflags; i++) jb_kv_num(b, names[i], p->rate[i]);
    jb_obj_end(b);
}

void frontier_ladder_json(const Frontier *f, const FrontierPoint *bon, const FrontierPoint *opt, int rows,
                          const FrontierPoint *at, int nat, const char *const *flag_names, JsonBuf *b) {
    jb_obj_begin(b);
    jb_kv_int(b, "draws_per_prompt", f->K);
    jb_kv_int(b, "prompts", f->nprompts);
    jb_key(b, "rows");
    jb_arr_begin(b);
    for (int r = 0; r < rows; r++) {
        int N = (int)bon[r].param;
        jb_obj_begin(b);
        jb_kv_int(b, "n", N);
        jb_kv_num(b, "kl_analytic", log((double)N) - (N - 1.0) / N);
        jb_key(b, "best_of_n");
        point_json(f, &bon[r], 0, flag_names, b);
        jb_key(b, "optimum");
        point_json(f, &opt[r], 1, flag_names, b);
        jb_obj_end(b);
    }
    jb_arr_end(b);
    if (nat > 0) {
        jb_key(b, "at_kl");
        jb_arr_begin(b);
        for (int i = 0; i < nat; i++) point_json(f, &at[i], 1, flag_names, b);
        jb_arr_end(b);
    }
    jb_obj_end(b);
}
