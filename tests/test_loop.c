/* test_loop.c — Elo fitting (recovers planted ratings) and policy helpers. */
#include "testlib.h"
#include "loop/elo.h"
#include "util/rng.h"

TEST(elo_recovers_planted_ratings) {
    double truth[4] = {0, 100, -150, 300}, wins[16] = {0}, elo[4];
    Rng r;
    rng_seed(&r, 9);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            if (i != j)
                for (int k = 0; k < 4000; k++) {
                    if (rng_double(&r) < elo_win_prob(truth[i], truth[j])) wins[i * 4 + j] += 1;
                    else wins[j * 4 + i] += 1;
                }
    elo_fit(wins, 4, elo);
    CHECK_NEAR(elo[0], 0, 1e-9);
    for (int i = 1; i < 4; i++) CHECK_NEAR(elo[i], truth[i], 15);
    CHECK_NEAR(elo_win_prob(400, 0), 10.0 / 11.0, 1e-12);
}

TEST(elo_stays_finite_for_a_player_who_never_loses) {
    double wins[4] = {0, 0, 10, 0}, elo[2];   /* player 1 beat player 0 ten times */
    elo_fit(wins, 2, elo);
    CHECK(isfinite(elo[1]) && elo[1] > 200);
}

int main(void) {
    RUN(elo_recovers_planted_ratings);
    RUN(elo_stays_finite_for_a_player_who_never_loses);
    return test_summary();
}
