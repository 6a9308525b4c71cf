/* judge_eval.h — how good is a judge on held-out human comparisons?
 *
 * Per pair the judge's margin Δ = r_chosen − r_rejected gives its prediction
 * P(chosen ≻ rejected) = σ(Δ). Reported: accuracy (Δ > 0; Δ = 0 counts ½) with
 * a 95% Wilson interval, mean margin, log-loss −mean log σ(Δ), and calibration
 * (calibration.h: ECE over 10 bins and the reliability diagram).
 *
 * Against a baseline on the SAME pairs, the difference in accuracy is a paired
 * quantity: d_i = correct_judge_i − correct_baseline_i, reported as mean(d)
 * with a normal 95% interval ±1.96·sd(d)/√n (tighter than comparing two
 * independent intervals, since both are scored on the same pairs). */
#ifndef RLHF_JUDGE_EVAL_H
#define RLHF_JUDGE_EVAL_H

#include "data/comparisons.h"
#include "judge/baselines.h"
#include "judge/calibration.h"
#include "judge/judge.h"

typedef struct JudgeEvalResult {
    long n;
    Accuracy acc;
    double mean_margin;
    double log_loss;
    Calibration cal;
} JudgeEvalResult;

/* 1 when Δ > 0, ½ when Δ = 0, else 0. */
double judge_correct(double margin);

/* Everything above from precomputed margins. */
void judge_eval_from_margins(const double *margin, long n, int nbins, JudgeEvalResult *out);

/* Scores every pair of s (margins[n] filled when not NULL). */
int judge_eval_set(Judge *j, const ComparisonSet *s, JudgeEvalResult *out, double *margins, RlhfErr *e);

/* An ensemble's margins: the mean over n judges of each judge's margin on each
 * pair (n = 1: the judge's own). tmp holds s->n doubles of scratch. Judges
 * fine-tuned from one base with different data orders disagree on hard pairs;
 * averaging their margins removes part of that noise. */
int judge_ensemble_margins(Judge *judges, int n, const ComparisonSet *s, double *margins, double *tmp, RlhfErr *e);

typedef struct PairedDiff {
    long n;
    double mean, lo, hi;   /* mean of a_i − b_i and its 95% interval */
} PairedDiff;

PairedDiff paired_diff(const double *a, const double *b, long n);

#endif
