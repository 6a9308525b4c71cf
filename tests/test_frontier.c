/* test_frontier.c — the reward–KL frontier (src/ppo/frontier.h): best-of-N
 * against brute-force enumeration and the analytic KL, the optimum π*_β at
 * its limits, and Gibbs' principle (the optimum has at least best-of-N's
 * reward at best-of-N's KL). */
#include "testlib.h"

#include "ppo/frontier.h"

static unsigned long long lcg_state;
static double uniform01(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* nprompts × K rewards (normal-ish: sum of 4 uniforms) and 2 flag bits, bit 0 more likely for
 * high rewards (so the rates move with N), bit 1 independent of the reward. */
static void make_draws(float *r, unsigned *fl, int nprompts, int K, unsigned long long seed) {
    lcg_state = seed;
    for (int i = 0; i < nprompts * K; i++) {
        double x = uniform01() + uniform01() + uniform01() + uniform01() - 2.0;
        r[i] = (float)x;
        fl[i] = (uniform01() < 0.5 + 0.4 * x ? 1u : 0u) | (uniform01() < 0.3 ? 2u : 0u);
    }
}

/* make_draws, then a frontier over them with both flag bits. */
static int frontier_of_draws(Frontier *f, float *r, unsigned *fl, int P, int K, unsigned long long seed) {
    make_draws(r, fl, P, K, seed);
    RlhfErr e;
    return frontier_init(f, r, fl, P, K, 2, &e);
}

TEST(best_of_one_is_the_mean_and_best_of_k_the_max) {
    enum { P = 5, K = 9 };
    float r[P * K];
    unsigned fl[P * K];
    Frontier f;
    RlhfErr e;
    REQUIRE(frontier_of_draws(&f, r, fl, P, K, 1) == 0);
    FrontierPoint one, all;
    REQUIRE(frontier_best_of_n(&f, 1, &one, &e) == 0);
    REQUIRE(frontier_best_of_n(&f, K, &all, &e) == 0);
    double mean = 0, maxs = 0, rate0 = 0, rate0_top = 0;
    for (int p = 0; p < P; p++) {
        int top = 0;
        for (int i = 0; i < K; i++) {
            mean += r[p * K + i] / (double)(P * K);
            rate0 += (fl[p * K + i] & 1u) / (double)(P * K);
            if (r[p * K + i] > r[p * K + top]) top = i;
        }
        maxs += r[p * K + top] / (double)P;
        rate0_top += (fl[p * K + top] & 1u) / (double)P;
    }
    CHECK_NEAR(one.reward, mean, 1e-6);
    CHECK_NEAR(one.rate[0], rate0, 1e-9);
    CHECK_NEAR(one.kl, 0.0, 1e-12);
    CHECK_NEAR(one.ess, K, 1e-9);
    CHECK_NEAR(all.reward, maxs, 1e-6);
    CHECK_NEAR(all.rate[0], rate0_top, 1e-9);
    CHECK_NEAR(all.kl, log((double)K), 1e-9);
    CHECK_NEAR(all.ess, 1.0, 1e-9);
    CHECK_NEAR(f.kl_max, log((double)K), 1e-9);
    frontier_free(&f);
}

/* The estimator must equal the average over every N-subset of the K draws of that subset's best. */
TEST(best_of_n_matches_enumeration_of_every_subset) {
    enum { P = 3, K = 7 };
    float r[P * K];
    unsigned fl[P * K];
    Frontier f;
    RlhfErr e;
    REQUIRE(frontier_of_draws(&f, r, fl, P, K, 7) == 0);
    for (int N = 1; N <= K; N++) {
        double reward = 0, rate[2] = {0, 0};
        for (int p = 0; p < P; p++) {
            int subsets = 0;
            double rs = 0, r0 = 0, r1 = 0;
            for (unsigned m = 0; m < 1u << K; m++) {
                if (__builtin_popcount(m) != N) continue;
                int best = -1;
                for (int i = 0; i < K; i++)
                    if (m >> i & 1u && (best < 0 || r[p * K + i] > r[p * K + best])) best = i;
                subsets++;
                rs += r[p * K + best];
                r0 += fl[p * K + best] & 1u;
                r1 += (fl[p * K + best] >> 1) & 1u;
            }
            reward += rs / subsets / P;
            rate[0] += r0 / subsets / P;
            rate[1] += r1 / subsets / P;
        }
        FrontierPoint b;
        REQUIRE(frontier_best_of_n(&f, N, &b, &e) == 0);
        CHECK_NEAR(b.param, N, 0);
        CHECK_NEAR(b.reward, reward, 1e-6);
        CHECK_NEAR(b.rate[0], rate[0], 1e-9);
        CHECK_NEAR(b.rate[1], rate[1], 1e-9);
    }
    frontier_free(&f);
}

/* With many draws the weights approach the density N·F^(N−1), whose KL is log N − (N−1)/N, from
 * above (with 32 draws best-of-8 measures 1.324 nats against 1.204). */
TEST(best_of_n_kl_approaches_the_analytic_value) {
    enum { K = 4000 };
    static float r[K];
    static unsigned fl[K];
    Frontier f;
    RlhfErr e;
    REQUIRE(frontier_of_draws(&f, r, fl, 1, K, 11) == 0);
    const int Ns[] = {2, 4, 8, 16};
    for (int i = 0; i < 4; i++) {
        FrontierPoint b;
        REQUIRE(frontier_best_of_n(&f, Ns[i], &b, &e) == 0);
        double exact = log((double)Ns[i]) - (Ns[i] - 1.0) / Ns[i];
        CHECK_MSG(b.kl >= exact && b.kl < exact + 0.005, "N %d: measured KL %.5f, analytic %.5f", Ns[i], b.kl, exact);
        /* bit 1 does not depend on the reward: best-of-N leaves its rate alone */
        FrontierPoint one;
        REQUIRE(frontier_best_of_n(&f, 1, &one, &e) == 0);
        CHECK_NEAR(b.rate[1], one.rate[1], 0.06);
    }
    frontier_free(&f);
}

TEST(optimum_runs_from_the_reference_to_the_best_draw) {
    enum { P = 4, K = 16 };
    float r[P * K];
    unsigned fl[P * K];
    Frontier f;
    RlhfErr e;
    REQUIRE(frontier_of_draws(&f, r, fl, P, K, 3) == 0);
    FrontierPoint ref, best, one, all;
    frontier_optimum(&f, 1e9, &ref);
    frontier_optimum(&f, 1e-9, &best);
    REQUIRE(frontier_best_of_n(&f, 1, &one, &e) == 0);
    REQUIRE(frontier_best_of_n(&f, K, &all, &e) == 0);
    CHECK_NEAR(ref.reward, one.reward, 1e-6);
    CHECK_NEAR(ref.kl, 0.0, 1e-9);
    CHECK_NEAR(best.reward, all.reward, 1e-6);
    CHECK_NEAR(best.kl, f.kl_max, 1e-9);
    CHECK_NEAR(best.rate[0], all.rate[0], 1e-9);
    /* KL and reward both fall as β grows */
    double prev_kl = 1e9, prev_r = 1e9;
    for (double beta = 0.01; beta < 100; beta *= 1.5) {
        FrontierPoint o;
        frontier_optimum(&f, beta, &o);
        CHECK_MSG(o.kl < prev_kl && o.reward < prev_r, "beta %.3g: KL %.6f (before %.6f), reward %.6f (before %.6f)",
                  beta, o.kl, prev_kl, o.reward, prev_r);
        prev_kl = o.kl;
        prev_r = o.reward;
    }
    frontier_free(&f);
}

/* Gibbs: π*_β maximises E[r] − β·KL over all weightings of the draws, so at best-of-N's KL it
 * has at least best-of-N's reward; for 1 < N < K strictly more. */
TEST(optimum_beats_best_of_n_at_equal_kl) {
    enum { P = 20, K = 32 };
    float r[P * K];
    unsigned fl[P * K];
    Frontier f;
    RlhfErr e;
    REQUIRE(frontier_of_draws(&f, r, fl, P, K, 5) == 0);
    for (int N = 2; N < K; N *= 2) {
        FrontierPoint b, o;
        REQUIRE(frontier_best_of_n(&f, N, &b, &e) == 0);
        REQUIRE(frontier_optimum_at_kl(&f, b.kl, &o, &e) == 0);
        CHECK_NEAR(o.kl, b.kl, 1e-7);
        CHECK_MSG(o.reward > b.reward, "N %d: optimum %.6f, best-of-N %.6f at KL %.4f", N, o.reward, b.reward, b.kl);
        CHECK(o.param > 0);
    }
    frontier_free(&f);
}

TEST(ties_and_bad_input) {
    enum { K = 4 };
    float r[2 * K] = {1, 1, 1, 1, 0, 2, 2, 1};   /* prompt 0 all tied; prompt 1 two tied at the top */
    unsigned fl[2 * K] = {1, 0, 1, 0, 0, 1, 0, 1};
    Frontier f;
    RlhfErr e;
    REQUIRE(frontier_init(&f, r, fl, 2, K, 1, &e) == 0);
    CHECK_NEAR(f.kl_max, (log(4.0 / 4) + log(4.0 / 2)) / 2, 1e-12);
    FrontierPoint o;
    frontier_optimum(&f, 1e-9, &o);
    CHECK_NEAR(o.rate[0], (0.5 + 0.5) / 2, 1e-9);   /* the tied top draws share the weight */
    CHECK(frontier_optimum_at_kl(&f, f.kl_max, &o, &e) != 0);
    CHECK(strstr(e.msg, "outside") != NULL);
    CHECK(frontier_optimum_at_kl(&f, -0.1, &o, &e) != 0);
    CHECK(frontier_best_of_n(&f, K + 1, &o, &e) != 0);
    CHECK(strstr(e.msg, "best-of-5") != NULL);
    CHECK(frontier_best_of_n(&f, 0, &o, &e) != 0);
    frontier_free(&f);
    CHECK(frontier_init(&f, r, fl, 2, 1, 1, &e) != 0);
    CHECK(frontier_init(&f, r, fl, 0, K, 1, &e) != 0);
    CHECK(frontier_init(&f, r, fl, 2, K, FRONTIER_MAX_FLAGS + 1, &e) != 0);
    r[5] = NAN;
    CHECK(frontier_init(&f, r, fl, 2, K, 1, &e) != 0);
    CHECK(strstr(e.msg, "draw 1 of prompt 1") != NULL);
}

int main(void) {
    RUN(best_of_one_is_the_mean_and_best_of_k_the_max);
    RUN(best_of_n_matches_enumeration_of_every_subset);
    RUN(best_of_n_kl_approaches_the_analytic_value);
    RUN(optimum_runs_from_the_reference_to_the_best_draw);
    RUN(optimum_beats_best_of_n_at_equal_kl);
    RUN(ties_and_bad_input);
    return test_summary();
}
