/* judge_eval.c — accuracy, margin, log-loss and calibration of a judge. */
#include "judge/judge_eval.h"

#include <math.h>
#include <stdlib.h>

#include "judge/judge_train.h"

double judge_correct(double margin) { return margin > 0 ? 1.0 : margin == 0 ? 0.5 : 0.0; }

void judge_eval_from_margins(const double *margin, long n, int nbins, JudgeEvalResult *out) {
    double ok = 0, mg = 0, ll = 0;
    for (long i = 0; i < n; i++) {
        ok += judge_correct(margin[i]);
        mg += margin[i];
        ll += calib_neg_log_sigmoid(margin[i]);
    }
    out->n = n;
    out->acc = accuracy_make(ok, n);
    out->mean_margin = n ? mg / n : NAN;
    out->log_loss = n ? ll / n : NAN;
    calib_from_margins(margin, n, nbins, &out->cal);
}

int judge_eval_set(Judge *j, const ComparisonSet *s, JudgeEvalResult *out, double *margins, RlhfErr *e) {
    JudgePairs p;
    double *m = margins ? margins : rlhf_malloc((s->n ? s->n : 1) * sizeof *m, e);
    if (!m) return -1;
    int rc = -1;
    if (judge_pairs_build(j, s, &p, e) == 0) {
        if (judge_pairs_margins(j, &p, m, NULL, NULL, e) == 0) {
            judge_eval_from_margins(m, (long)s->n, 10, out);
            rc = 0;
        }
        judge_pairs_free(&p);
    }
    if (!margins) free(m);
    return rc;
}

PairedDiff paired_diff(const double *a, const double *b, long n) {
    PairedDiff d = {n, NAN, NAN, NAN};
    if (n <= 0) return d;
    double s = 0, sq = 0;
    for (long i = 0; i < n; i++) s += a[i] - b[i];
    d.mean = s / n;
    for (long i = 0; i < n; i++) {
        double x = a[i] - b[i] - d.mean;
        sq += x * x;
    }
    double se = n > 1 ? sqrt(sq / (n - 1) / n) : 0.0;
    d.lo = d.mean - 1.96 * se;
    d.hi = d.mean + 1.96 * se;
    return d;
}

int judge_ensemble_margins(Judge *judges, int n, const ComparisonSet *s, double *margins, double *tmp, RlhfErr *e) {
    if (n < 1) return rlhf_err(e, "judge ensemble: no judges");
    JudgeEvalResult r;
    if (judge_eval_set(&judges[0], s, &r, margins, e)) return -1;
    for (int k = 1; k < n; k++) {
        if (judge_eval_set(&judges[k], s, &r, tmp, e)) return -1;
        for (size_t i = 0; i < s->n; i++) margins[i] += tmp[i];
    }
    if (n > 1)
        for (size_t i = 0; i < s->n; i++) margins[i] /= n;
    return 0;
}
