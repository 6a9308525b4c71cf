/* elo.h — Elo scores from pairwise comparisons, as the HH paper reports its
 * policies: win fraction of i over j = 1 / (1 + 10^(−(Elo_i − Elo_j)/400)).
 * Fitted by maximum likelihood (Bradley–Terry on base 10, scale 400) with the
 * first player anchored at 0. */
#ifndef RLHF_ELO_H
#define RLHF_ELO_H

/* wins[i*n + j] = times i beat j (ties count ½ to each). elo (n) out.
 * A small prior (one virtual tie against the anchor's level) keeps scores
 * finite when a player never loses or never wins. */
void elo_fit(const double *wins, int n, double *elo);
double elo_win_prob(double elo_i, double elo_j);

#endif
