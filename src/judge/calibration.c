/* calibration.c — reliability bins and expected calibration error. */
#include "judge/calibration.h"

#include <math.h>
#include <string.h>

double calib_sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double z = exp(x);
    return z / (1.0 + z);
}

double calib_neg_log_sigmoid(double x) {   /* log(1 + e^{−x}) without overflow */
    return x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x));
}

typedef struct CalibAcc {
    double psum[CALIB_MAX_BINS], ysum[CALIB_MAX_BINS];
    long count[CALIB_MAX_BINS];
    long n;
    int nbins;
} CalibAcc;

static void acc_add(CalibAcc *a, double p, int y) {
    if (!isfinite(p)) return;
    if (p < 0) p = 0;
    if (p > 1) p = 1;
    int b = (int)(p * a->nbins);
    if (b >= a->nbins) b = a->nbins - 1;   /* p = 1 goes in the top bin */
    a->psum[b] += p;
    a->ysum[b] += y ? 1.0 : 0.0;
    a->count[b]++;
    a->n++;
}

static void acc_finish(const CalibAcc *a, Calibration *out) {
    memset(out, 0, sizeof *out);
    out->nbins = a->nbins;
    out->n = a->n;
    for (int b = 0; b < a->nbins; b++) {
        out->count[b] = a->count[b];
        if (!a->count[b]) {
            out->pred[b] = out->obs[b] = NAN;
            continue;
        }
        out->pred[b] = a->psum[b] / a->count[b];
        out->obs[b] = a->ysum[b] / a->count[b];
        double gap = fabs(out->pred[b] - out->obs[b]);
        out->ece += gap * a->count[b];
        if (gap > out->mce) out->mce = gap;
    }
    out->ece = a->n ? out->ece / a->n : NAN;
}

static void acc_init(CalibAcc *a, int nbins) {
    memset(a, 0, sizeof *a);
    a->nbins = nbins >= 1 && nbins <= CALIB_MAX_BINS ? nbins : 10;
}

void calib_compute(const double *p, const int *outcome, long n, int nbins, Calibration *out) {
    CalibAcc a;
    acc_init(&a, nbins);
    for (long i = 0; i < n; i++) acc_add(&a, p[i], outcome[i]);
    acc_finish(&a, out);
}

void calib_from_margins(const double *margin, long n, int nbins, Calibration *out) {
    CalibAcc a;
    acc_init(&a, nbins);
    for (long i = 0; i < n; i++) {
        double p = calib_sigmoid(margin[i]);
        acc_add(&a, p, 1);
        acc_add(&a, 1.0 - p, 0);
    }
    acc_finish(&a, out);
}
