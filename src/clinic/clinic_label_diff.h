/* clinic_label_diff.h — which replies change label when the learned layer is
 * added to the rules. The check behind docs/CLINIC.md's claim that the
 * generator's own replies classify exactly as before. */
#ifndef RLHF_CLINIC_LABEL_DIFF_H
#define RLHF_CLINIC_LABEL_DIFF_H

#include <stdio.h>

#include "clinic/clinic_classifier.h"

typedef struct {
    int distinct;   /* distinct reply texts read */
    int changed;    /* of those, labelled differently by the rules alone and by clinic_classify(k) */
} ClinicLabelDiff;

/* Reads JSONL files whose lines hold a "reply", or HH text in "text",
 * "chosen" and "rejected" (the final Assistant turn is the reply: what
 * `rlhf clinic generate` and `rlhf clinic replies` write). When `list` is not
 * NULL each changed reply is printed to it with both label sets. */
int clinic_label_diff_files(ClinicClassifier *k, const char *const *paths, int npaths, ClinicLabelDiff *out,
                            FILE *list, RlhfErr *e);

/* Label bits as "scheduling,refusal" ("-" when none). */
void clinic_labels_str(int labels, char *out, size_t cap);

#endif
