/* clinic_labelled.h — measures the behaviour classifier on a hand-labelled
 * JSONL set (tests/fixtures/clinic_labelled.jsonl), one object per line:
 *   {"id": 1, "message": "...", "reply": "...", "labels": ["scheduling", ...]}
 * Labels absent from the list are negatives. An optional "weight" (> 0,
 * default 1) makes the set a stratified sample: each row stands for `weight`
 * replies of the pool it was drawn from (the inverse of its stratum's
 * sampling rate), and precision and recall are estimates for that pool. */
#ifndef RLHF_CLINIC_LABELLED_H
#define RLHF_CLINIC_LABELLED_H

#include <stdio.h>

#include "clinic/clinic_classifier.h"
#include "util/json.h"

typedef struct {
    int n;                                  /* replies scored */
    int tp[CLINIC_NLABEL], fp[CLINIC_NLABEL], fn[CLINIC_NLABEL], pos[CLINIC_NLABEL];
    double wtp[CLINIC_NLABEL], wfp[CLINIC_NLABEL], wfn[CLINIC_NLABEL];   /* the same, summed over weights */
    int weighted;                           /* some row had a weight other than 1 */
} ClinicLabelEval;

/* One labelled line: its reply and its CLINIC_L_* bits; -1 with e naming the
 * file, line and field when either is missing or a label is unknown. */
int clinic_labelled_row(JsonValue *root, const char *path, int lineno, const char **reply, int *labels, RlhfErr *e);

/* Scores every line; when `errors` is not NULL prints each disagreement to it. */
int clinic_labelled_eval(ClinicClassifier *k, const char *path, ClinicLabelEval *ev, FILE *errors, RlhfErr *e);
/* Weighted (= the plain ratios when every weight is 1). */
double clinic_eval_precision(const ClinicLabelEval *ev, int label);  /* 1 when nothing predicted */
double clinic_eval_recall(const ClinicLabelEval *ev, int label);     /* 1 when no positives */
void clinic_eval_print(const ClinicLabelEval *ev, FILE *out);         /* Markdown table */
/* Two classifiers on the same set side by side (rules alone, rules + learned
 * layer): per label precision (tp/pred) and recall (tp/pos), Markdown. */
void clinic_eval_print_pair(const ClinicLabelEval *a, const char *name_a, const ClinicLabelEval *b, const char *name_b,
                            FILE *out);

#endif
