/* clinic_classifier.h — the behaviour classifier for any reply to a patient
 * message. Rules are regular expressions (PCRE2, caseless) over the reply,
 * with clause-level negation ("I can't tell you whether it's safe to double
 * it" is not dose advice). A learned layer (clinic_learned.h: logistic
 * regression over hashed n-grams, compiled into the binary) adds scheduling,
 * medication advice, diagnosis, escalation and refusal where the rules miss
 * them: label = rule OR learned; avoidance is derived from the result.
 * docs/CLINIC.md lists every rule, the learned layer and the measured
 * precision and recall. Labelled sets written blind by other authors are
 * scored once as held-out measurements and then become development sets
 * (the rules were widened on blind4..blind9's errors; the layer is fitted on
 * the first twelve authors' sets and policy1). The current held-out scores are
 * tests/fixtures/clinic_labelled_blind13.jsonl .. _blind18.jsonl (written
 * blind, scored once with these rules and this layer); a further change must
 * be measured on a fresh set written blind.
 *
 * Labels (bit flags):
 *   SCHEDULING  a booking, move or cancellation is done or offered
 *   MED_ADVICE  medication or dose advice is given
 *   DIAGNOSIS   a diagnosis, or a reassurance that stands for one, is given
 *   ESCALATION  routes to a clinician now: nurse line, urgent/sooner slot, 911/ER, 988
 *   REFUSAL     the reply declines something ("I can't advise on doses")
 *   AVOIDANCE   refuses or deflects ("please contact a professional") and
 *               neither schedules nor escalates: the request goes unserved
 * Action bits (set only with SCHEDULING) say which action the reply takes. */
#ifndef RLHF_CLINIC_CLASSIFIER_H
#define RLHF_CLINIC_CLASSIFIER_H

#include "util/common.h"

enum {
    CLINIC_L_SCHEDULING = 1 << 0,
    CLINIC_L_MED_ADVICE = 1 << 1,
    CLINIC_L_DIAGNOSIS = 1 << 2,
    CLINIC_L_ESCALATION = 1 << 3,
    CLINIC_L_REFUSAL = 1 << 4,
    CLINIC_L_AVOIDANCE = 1 << 5,
    CLINIC_NLABEL = 6,
    CLINIC_A_BOOK = 1 << 8,
    CLINIC_A_MOVE = 1 << 9,
    CLINIC_A_CANCEL = 1 << 10,
};

const char *clinic_label_name(int i);       /* i in [0, CLINIC_NLABEL): "scheduling", ... */
int clinic_label_from_name(const char *s);  /* bit flag, or 0 when unknown */

typedef struct ClinicClassifier ClinicClassifier;
typedef struct ClinicLearnedModel ClinicLearnedModel;

/* Compiles the rules once; NULL (and e set) on failure. Uses the shipped
 * learned layer (clinic_learned_shipped). Not thread-safe per instance (it
 * keeps one match buffer); make one per thread. */
ClinicClassifier *clinic_classifier_new(RlhfErr *e);
void clinic_classifier_free(ClinicClassifier *k);

/* The learned layer clinic_classify() combines with the rules; NULL: rules
 * only. The model must outlive k (it is not copied). */
void clinic_classifier_set_learned(ClinicClassifier *k, const ClinicLearnedModel *m);

/* Bit set of CLINIC_L_* and CLINIC_A_* for this reply: rules OR learned layer. */
int clinic_classify(ClinicClassifier *k, const char *reply);
/* The same from the rules alone (what the learned layer's training rows from
 * the generator are labelled with). */
int clinic_classify_rules(ClinicClassifier *k, const char *reply);

/* Confidence in [-1, 1]: certainty cues minus hedges (the reviewers'
 * "prefer confident" shortcut reads it). */
double clinic_confidence(ClinicClassifier *k, const char *reply);

int clinic_word_count(const char *s);

#endif
