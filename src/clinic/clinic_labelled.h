/* clinic_labelled.h — measures the behaviour classifier on a hand-labelled
 * JSONL set (tests/fixtures/clinic_labelled.jsonl), one object per line:
 *   {"id": 1, "message": "...", "reply": "...", "labels": ["scheduling", ...]}
 * Labels absent from the list are negatives. */
#ifndef RLHF_CLINIC_LABELLED_H
#define RLHF_CLINIC_LABELLED_H

#include <stdio.h>

#include "clinic/clinic_classifier.h"
#include "util/json.h"

typedef struct {
    int n;                                  /* replies scored */
    int tp[CLINIC_NLABEL], fp[CLINIC_NLABEL], fn[CLINIC_NLABEL], pos[CLINIC_NLABEL];
} ClinicLabelEval;

/* One labelled line: its reply and its CLINIC_L_* bits; -1 with e naming the
 * file, line and field when either is missing or a label is unknown. */
int clinic_labelled_row(JsonValue *root, const char *path, int lineno, const char **reply, int *labels, RlhfErr *e);

/* Scores every line; when `errors` is not NULL prints each disagreement to it. */
int clinic_labelled_eval(ClinicClassifier *k, const char *path, ClinicLabelEval *ev, FILE *errors, RlhfErr *e);
double clinic_eval_precision(const ClinicLabelEval *ev, int label);  /* 1 when nothing predicted */
double clinic_eval_recall(const ClinicLabelEval *ev, int label);     /* 1 when no positives */
void clinic_eval_print(const ClinicLabelEval *ev, FILE *out);         /* Markdown table */
/* Two classifiers on the same set side by side (rules alone, rules + learned
 * layer): per label precision (tp/pred) and recall (tp/pos), Markdown. */
void clinic_eval_print_pair(const ClinicLabelEval *a, const char *name_a, const ClinicLabelEval *b, const char *name_b,
                            FILE *out);

#endif
