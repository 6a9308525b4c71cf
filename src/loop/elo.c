/* elo.c — see elo.h. Minorisation–maximisation (Hunter 2004) on strengths
 * γ_i = 10^(Elo_i/400): γ_i ← W_i / Σ_j n_ij / (γ_i + γ_j). */
#include "loop/elo.h"

#include <math.h>
#include <stdlib.h>

double elo_win_prob(double a, double b) { return 1.0 / (1.0 + pow(10.0, -(a - b) / 400.0)); }

void elo_fit(const double *wins, int n, double *elo) {
    if (n <= 0) return;
    double *g = malloc((size_t)n * sizeof *g), *ng = malloc((size_t)n * sizeof *ng);
    if (!g || !ng) { free(g); free(ng); for (int i = 0; i < n; i++) elo[i] = 0; return; }
    for (int i = 0; i < n; i++) g[i] = 1.0;
    const double prior = 0.5;   /* half a win and half a loss against a level-1 virtual player */
    for (int it = 0; it < 2000; it++) {
        double change = 0;
        for (int i = 0; i < n; i++) {
            double W = prior, den = 2 * prior / (g[i] + 1.0);
            for (int j = 0; j < n; j++) {
                if (j == i) continue;
                double nij = wins[i * n + j] + wins[j * n + i];
                W += wins[i * n + j];
                if (nij > 0) den += nij / (g[i] + g[j]);
            }
            ng[i] = den > 0 ? W / den : g[i];
        }
        for (int i = 0; i < n; i++) {
            double v = ng[i] / ng[0];   /* anchor the first player */
            change = fmax(change, fabs(log(v) - log(g[i])));
            g[i] = v;
        }
        if (change < 1e-10) break;
    }
    for (int i = 0; i < n; i++) elo[i] = 400.0 * log10(g[i]);
    free(g);
    free(ng);
}
