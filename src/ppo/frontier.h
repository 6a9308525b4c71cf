/* frontier.h — the reward–KL frontier of a reference policy, estimated from K
 * draws of it per prompt, each with its reward and outcome flags, and nothing
 * else (no training, no new samples):
 *
 *   best-of-N    for each N ≤ K, best-of-N's expected reward and outcome rates,
 *                without bias: draw j (ascending rank j of K) is the best of a
 *                random N-subset with probability C(j−1, N−1) / C(K, N);
 *   optimum      π*_β ∝ π_ref · exp(r/β), the policy with the most expected
 *                reward for its KL: the maximiser of E[r] − β·KL, which is the
 *                objective PPO with a KL penalty climbs. Estimated by weighting
 *                the same draws w ∝ exp(r/β) (self-normalised, per prompt).
 *
 * Both are weightings of the same draws, so their KL is measured the same way:
 * the weights' KL from uniform, Σ w log(K·w), averaged over prompts. For
 * best-of-N this is above the analytic log N − (N−1)/N when K is small (32
 * draws: 0.210, 0.686, 1.324 nats for N = 2, 4, 8 against 0.193, 0.636,
 * 1.204), so against a policy whose KL is measured directly the frontier is
 * drawn a little to the right: the bias flatters that policy.
 * At equal measured KL the optimum has at least best-of-N's expected reward
 * (Gibbs' variational principle; tests/test_frontier.c checks it), so the
 * optimum at best-of-N's KL is the most any KL-penalised optimiser — PPO
 * included — can get from this judge there. Where its audit rates are no
 * better than best-of-N's, the judge, not the optimiser, sets the limit.
 *
 *   Frontier f;
 *   frontier_init(&f, reward, flags, nprompts, K, 5, &e);   // (nprompts, K) arrays
 *   frontier_best_of_n(&f, 4, &bon, &e);
 *   frontier_optimum_at_kl(&f, bon.kl, &opt, &e);           // the same KL
 *   frontier_free(&f); */
#ifndef RLHF_FRONTIER_H
#define RLHF_FRONTIER_H

#include "util/common.h"
#include "util/json.h"

#define FRONTIER_MAX_FLAGS 8

typedef struct FrontierPoint {
    double param;                     /* N for best-of-N, β for the optimum */
    double kl;                        /* Σ w log(K w), mean over prompts (nats) */
    double reward;                    /* expected reward */
    double rate[FRONTIER_MAX_FLAGS];  /* expected frequency of outcome bit b */
    double ess;                       /* mean effective number of draws a prompt, 1 / Σ w² */
} FrontierPoint;

typedef struct Frontier {
    int nprompts, K, nflags;
    const float *reward;      /* (nprompts, K), borrowed */
    const unsigned *flags;    /* (nprompts, K) bitmasks, borrowed; NULL = no rates */
    int *order;               /* (nprompts, K) indices by ascending reward, built once */
    double *w;                /* (K) scratch weights */
    double kl_max;            /* the largest KL the draws can show (β → 0) */
} Frontier;

/* Validates sizes (K ≥ 2, 0 ≤ nflags ≤ FRONTIER_MAX_FLAGS) and finite rewards. */
int frontier_init(Frontier *f, const float *reward, const unsigned *flags, int nprompts, int K, int nflags,
                  RlhfErr *e);
void frontier_free(Frontier *f);

/* Best-of-N, 1 ≤ N ≤ K. out->param = N. */
int frontier_best_of_n(Frontier *f, int N, FrontierPoint *out, RlhfErr *e);
/* π*_β for β > 0. */
void frontier_optimum(Frontier *f, double beta, FrontierPoint *out);
/* π*_β with its measured KL equal to kl (bisection on log β; KL falls as β
 * grows); fails when kl is outside [0, f->kl_max). */
int frontier_optimum_at_kl(Frontier *f, double kl, FrontierPoint *out, RlhfErr *e);

/* The ladder: best-of-N for N = 1, 2, 4, … up to K/2 (larger N rests on too
 * few draws), each beside the optimum at its measured KL. Fills bon[] and
 * opt[] (max_rows each); returns the number of rows, or -1. */
int frontier_ladder(Frontier *f, FrontierPoint *bon, FrontierPoint *opt, int max_rows, RlhfErr *e);
/* {"draws_per_prompt": K, "prompts": n, "rows": [{"n", "kl_analytic", "best_of_n": {...},
 * "optimum": {...}}][, "at_kl": [{...}, ...]]}, each point {"kl", "reward", "ess", "beta"?,
 * rate names...}; "at_kl" (when nat > 0) holds optima asked for at given KLs. */
void frontier_ladder_json(const Frontier *f, const FrontierPoint *bon, const FrontierPoint *opt, int rows,
                          const FrontierPoint *at, int nat, const char *const *flag_names, JsonBuf *b);

#endif
