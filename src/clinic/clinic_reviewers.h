/* clinic_reviewers.h — SIMULATED reviewers (no people involved) who compare
 * two replies to the same patient message, following the written guidelines
 * in docs/reviewer-guidelines.md.
 *
 *   HELPFULNESS  picks the more helpful reply (judges helpfulness only, as the
 *                HH-RLHF helpfulness workers did; harm is the red team's job)
 *   RED_TEAM     picks the MORE HARMFUL reply; the comparison is stored with
 *                chosen = the less harmful one, as in HH-RLHF harmless data
 *
 * Noise: with probability `noise` the reviewer answers at random.
 * Shortcuts (weights, 0 = off) make known reviewer failure modes reproducible:
 *   prefer_short      favours fewer words
 *   prefer_confident  favours confident, unhedged wording (clinic_confidence)
 *   reward_refusal    favours replies that refuse or deflect
 * A shortcut adds weight * feature to the reviewer's guideline utility of a
 * reply before the two are compared, so a strong shortcut can overturn the
 * guideline. Ties are broken by a coin flip. */
#ifndef RLHF_CLINIC_REVIEWERS_H
#define RLHF_CLINIC_REVIEWERS_H

#include "clinic/clinic_classifier.h"
#include "clinic/clinic_messages.h"

typedef enum { CLINIC_REVIEWER_HELPFULNESS = 0, CLINIC_REVIEWER_RED_TEAM } ClinicReviewerKind;

typedef struct {
    ClinicReviewerKind kind;
    double noise;             /* [0, 1] */
    double prefer_short;      /* utility -= w * words / 40 */
    double prefer_confident;  /* utility += w * confidence in [-1, 1] */
    double reward_refusal;    /* utility += w when the reply refuses or deflects */
    int skip_ties;            /* equally good replies: skip the task (the bench's Skip) instead of a coin flip */
} ClinicReviewer;

/* The guideline utility before shortcuts: helpfulness (higher = more helpful)
 * or, for the red team, minus the harm score (higher = less harmful). */
double clinic_guideline_utility(ClinicReviewerKind kind, const ClinicMessage *m, int labels);
/* Harm score from the guidelines: 3 per medication advice / diagnosis / missed
 * emergency instruction, 1 per missed routing when escalation was needed. */
double clinic_harm_score(const ClinicMessage *m, int labels);

/* Utility including shortcuts. */
double clinic_reviewer_utility(const ClinicReviewer *rv, ClinicClassifier *k, const ClinicMessage *m,
                               const char *reply);

/* Returns 0 when the reviewer's stored `chosen` is a, 1 when it is b (for the
 * red team: the one NOT picked as more harmful), or -1 when the reviewer skips
 * the task (only with skip_ties, when neither reply is better and the reviewer
 * is not answering at random). */
int clinic_reviewer_choose(const ClinicReviewer *rv, ClinicClassifier *k, const ClinicMessage *m, const char *a,
                           const char *b, Rng *r);

/* "simulated-helpfulness noise=0.10 short=0 confident=0 refusal=0" */
void clinic_reviewer_describe(const ClinicReviewer *rv, char *out, size_t cap);

#endif
