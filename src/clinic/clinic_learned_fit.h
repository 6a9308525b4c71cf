/* clinic_learned_fit.h — fitting the learned layer (clinic_learned.h) on
 * labelled replies, deterministically: no RNG, a fixed number of full-batch
 * steps in a fixed order, and exp() of our own, so a fit gives the same
 * integer weights on every run and machine (IEEE doubles, no FMA
 * contraction). The independent fits of the cross-validation run side by
 * side on OpenMP threads; each is sequential, so the thread count changes
 * nothing.
 *
 * Training rows come from labelled JSONL files ({"reply", "labels": [...]},
 * each file one group) and optionally from the reply generator (every style's
 * reply to generated messages, distinct texts only, labelled by the rules,
 * which are exact on the generator's templates; group -1).
 *
 * Per label: logistic regression (elastic net; the shipped fit uses L2 only)
 * by FISTA (accelerated proximal gradient) on the weighted mean log loss.
 * Threshold: leave-one-file-out over the labelled files (generator rows
 * always train), pooling the held-out scores of the labelled rows, and taking
 * the deepest cut at which the layer alone keeps precision >= min_precision
 * (0.95, the target; 0.99 for scheduling, escalation and refusal,
 * whose rules are already at 0.97-1.00 on the audited policy replies),
 * midway to the next lower score. Its firings are
 * OR-ed with the rules, so its own precision bounds what it can cost. The
 * rules do not pick it: they were tuned on those files, so their held-out
 * misses there are few and not representative. The kept weights are then
 * fitted on every row, pruned and rounded to integers. */
#ifndef RLHF_CLINIC_LEARNED_FIT_H
#define RLHF_CLINIC_LEARNED_FIT_H

#include <stdio.h>

#include "clinic/clinic_learned.h"
#include "util/json.h"

typedef struct {
    unsigned kinds;      /* CLINIC_FEAT_* */
    int labels;          /* CLINIC_L_* bits that get a head (the layer adds only these) */
    double l1, l2;       /* penalties on the mean log loss */
    int steps;           /* FISTA steps per fit */
    double gen_weight;   /* weight of one generator row; a labelled row weighs 1 */
    double prune;        /* weights with |w| below this are dropped */
    double min_precision;   /* threshold: deepest held-out cut with this precision; 0: best F1 */
    double min_precision_for[CLINIC_NLABEL];   /* per label, overrides min_precision when > 0 */
    uint64_t gen_seed;   /* generator rows: clinic seed and message stream */
    int gen_n;           /* messages (each answered in the first five styles); 0: none */
} ClinicFitConfig;

/* The configuration of the shipped model (docs/CLINIC.md, "Learned layer"). */
void clinic_fit_config_default(ClinicFitConfig *c);

/* The labelled sets the shipped model is fitted on, in order, as paths from
 * the project root (only the fit reads them; the binary needs no file). */
#define CLINIC_LEARNED_NFILES 16
extern const char *const clinic_learned_files[CLINIC_LEARNED_NFILES];

typedef struct ClinicFitData ClinicFitData;

ClinicFitData *clinic_fit_data_new(unsigned kinds, RlhfErr *e);
void clinic_fit_data_free(ClinicFitData *d);
/* Adds every line of a labelled JSONL file as one group; rule labels come from k. */
int clinic_fit_data_add_file(ClinicFitData *d, ClinicClassifier *k, const char *path, RlhfErr *e);
/* Adds the distinct replies of the first five styles (not OVERCAUTIOUS or TASK_ONLY) to n
 * generated messages. */
int clinic_fit_data_add_generator(ClinicFitData *d, ClinicClassifier *k, uint64_t seed, int n, RlhfErr *e);
int clinic_fit_data_rows(const ClinicFitData *d);

/* What the fit measured, per label with a head. Held-out = leave-one-group-out. */
typedef struct {
    int rows, labelled_rows, generator_rows, groups, features;
    int kept[CLINIC_NLABEL];                    /* weights kept in the final head */
    double threshold_prob[CLINIC_NLABEL];       /* the threshold as a probability */
    double target[CLINIC_NLABEL];               /* the held-out precision the threshold was picked for */
    double f1[CLINIC_NLABEL], recall[CLINIC_NLABEL];             /* the layer alone at the threshold */
    double best_f1[CLINIC_NLABEL], recall_at_p95[CLINIC_NLABEL], recall_at_p90[CLINIC_NLABEL];
    int pos[CLINIC_NLABEL];                     /* held-out positives (labelled rows) */
    int learned_tp[CLINIC_NLABEL], learned_fp[CLINIC_NLABEL];   /* the layer alone, held out */
    int rules_tp[CLINIC_NLABEL], rules_fp[CLINIC_NLABEL];       /* rules alone (in-sample for them) */
    int both_tp[CLINIC_NLABEL], both_fp[CLINIC_NLABEL];         /* rules OR layer */
} ClinicFitReport;

/* A fitted model and the arrays it owns. */
typedef struct {
    ClinicLearnedModel model;
    uint32_t *feat[CLINIC_NLABEL];
    int32_t *w[CLINIC_NLABEL];
} ClinicLearnedFit;

/* Fits heads for c->labels on d. rep may be NULL. Free with clinic_learned_fit_free. */
ClinicLearnedFit *clinic_learned_fit(const ClinicFitData *d, const ClinicFitConfig *c, ClinicFitReport *rep,
                                     RlhfErr *e);
void clinic_learned_fit_free(ClinicLearnedFit *f);

/* The whole recipe of the shipped model: the files (in order), generator rows
 * per c, fit. What `rlhf clinic fit-classifier` and the tests call. */
ClinicLearnedFit *clinic_learned_fit_files(const char *const *files, int nfiles, const ClinicFitConfig *c,
                                           ClinicFitReport *rep, RlhfErr *e);

void clinic_fit_report_print(const ClinicFitReport *r, const ClinicFitConfig *c, FILE *out);

/* C source defining `const ClinicLearnedModel clinic_learned_shipped` (what
 * src/clinic/clinic_learned_weights.c holds); `how` (the command that made
 * it) and the training files go into its header comment and must not hold
 * a comment end. Appends to b. */
void clinic_learned_write_c(const ClinicLearnedModel *m, const char *how, const char *const *files, int nfiles,
                            JsonBuf *b);

#endif
