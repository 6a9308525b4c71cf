/* calibration.h — is a judge's confidence honest? Expected calibration error
 * and the reliability diagram, as the HH paper's calibration plots show them.
 *
 * A judge predicts P(A ≻ B) = σ(r_A − r_B). For a comparison pair the chosen
 * reply always "wins", so binning σ(r_chosen − r_rejected) against an outcome
 * of 1 would measure nothing. Each pair is therefore counted in both orders:
 * (σ(Δ), outcome 1) and (σ(−Δ) = 1 − σ(Δ), outcome 0). The diagram is then
 * symmetric about ½ and its ECE equals that of the folded diagram (the
 * favoured reply's probability in [½, 1] against how often it won).
 *
 *   ECE = Σ_bins (count_b / N) · |mean predicted_b − observed frequency_b|
 *
 * over nbins equal-width bins of [0, 1] (10 by default). */
#ifndef RLHF_CALIBRATION_H
#define RLHF_CALIBRATION_H

#define CALIB_MAX_BINS 64

typedef struct Calibration {
    int nbins;
    double pred[CALIB_MAX_BINS];   /* mean predicted probability per bin (NaN when empty) */
    double obs[CALIB_MAX_BINS];    /* observed frequency of outcome 1 per bin (NaN when empty) */
    long count[CALIB_MAX_BINS];
    long n;                        /* points binned (non-finite p skipped) */
    double ece;                    /* expected calibration error */
    double mce;                    /* maximum |pred − obs| over non-empty bins */
} Calibration;

/* Bins (p[i], outcome[i] ∈ {0, 1}). nbins in 1..CALIB_MAX_BINS (else 10). */
void calib_compute(const double *p, const int *outcome, long n, int nbins, Calibration *out);

/* From pair margins Δ_i = r_chosen − r_rejected: both orders of each pair, as above. */
void calib_from_margins(const double *margin, long n, int nbins, Calibration *out);

/* Numerically safe σ(x) and −log σ(x). */
double calib_sigmoid(double x);
double calib_neg_log_sigmoid(double x);

#endif
