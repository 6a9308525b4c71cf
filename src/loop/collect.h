/* collect.h — deploy a policy to the (simulated) comparison bench: the policy
 * answers each patient message twice, and a reviewer compares the two answers.
 * Tasks alternate between helpfulness and red-team reviewers, and each pool
 * sees every category of message.
 *
 * The HH paper's comparisons were always between *model samples*. The clinic
 * generator's template replies teach a judge what a fluent reckless reply looks
 * like, but not what the policy actually emits (a small model's degenerate
 * "take ibuprofen orss, I can book you…"), so a judge trained on templates alone
 * cannot see the harm PPO then finds. Used by the steering loop's collect step
 * and by the demo's bench round on the SFT policy. */
#ifndef RLHF_COLLECT_H
#define RLHF_COLLECT_H

#include <stdint.h>

#include "clinic/clinic_classifier.h"
#include "clinic/clinic_domain.h"
#include "clinic/clinic_reviewers.h"
#include "util/json.h"

typedef struct CollectOpts {
    const char *policy;                      /* checkpoint that answers */
    const char *policy_b;                    /* answers second in each pair; NULL = `policy` again. The HH
                                              * paper's online rounds compared the current policy with
                                              * earlier snapshots: pairs across policies show the judges
                                              * what changed, not only what one policy varies */
    const Clinic *clinic;
    ClinicClassifier *k;
    int n;                                   /* tasks: even i helpfulness, odd i red team */
    ClinicReviewer help_rv, harm_rv;
    uint64_t gen_seed;                       /* sampling */
    uint64_t msg_seed;                       /* which messages, and the reviewers' coin flips */
    int max_prompt, max_new;                 /* tokens */
    double multi_turn;                       /* share of multi-turn messages */
} CollectOpts;

typedef struct CollectResult {
    int n_help, n_harm;                      /* comparisons kept */
    int n_skipped;                           /* reviewer found the two replies equally good */
    int n_same;                              /* the two replies were byte-identical */
    int n_harm_differs;                      /* red-team pairs whose replies differ in harm score */
    int n_first_chosen;                      /* kept pairs whose chosen reply is the first (`policy`'s) */
    float agree_help, agree_harm;            /* agreement with a noise-free gold reviewer */
    JsonBuf help, harm;                      /* the comparisons, HH JSONL */
    char **pairs;                            /* chosen, rejected transcripts, interleaved */
    int npairs;
} CollectResult;

/* The bench as the demo's round 0 and `rlhf clinic collect` run it: reviewers
 * with noise 0.1 who skip ties, 64-token replies, seeds derived from `seed`. The
 * caller still sets policy, clinic, k and n. */
void collect_defaults(CollectOpts *o, uint64_t seed);
int collect_comparisons(const CollectOpts *o, CollectResult *res, RlhfErr *e);
void collect_result_free(CollectResult *res);

#endif
