/* judge_train.h — training a preference model on human comparisons.
 *
 * Bradley–Terry: P(chosen ≻ rejected) = σ(r_chosen − r_rejected), loss
 * −log σ(r_c − r_r) averaged over pairs. A micro-batch of P pairs is one
 * forward pass of 2P rows (chosen rows 0..P−1, rejected rows P..2P−1), right-
 * padded to the longest row, the score read at each row's EOT. AdamW, warmup +
 * cosine, global-norm clipping. Validation (loss, accuracy, mean margin) every
 * epoch (and every eval_every steps); the parameters of the best validation
 * (lowest loss, or highest accuracy with best_by_acc) are kept and restored at
 * the end. Centring: offset and scale are the mean and standard deviation of
 * the best model's raw scores on the validation replies (chosen and
 * rejected), so z = 0 is a typical reply of that distribution.
 *
 * Data order is deterministic for a seed: each epoch shuffles the pairs with
 * Rng(seed, epoch), groups them by length in windows of 32 micro-batches (less
 * padding) and shuffles the micro-batch order. */
#ifndef RLHF_JUDGE_TRAIN_H
#define RLHF_JUDGE_TRAIN_H

#include <stdint.h>

#include "data/comparisons.h"
#include "judge/judge.h"
#include "util/common.h"

/* Independent of SPLIT_SALT_DEFAULT, so the validation part of a training
 * file is a random subset of its conversations whatever the outer split. */
#define JUDGE_VAL_SALT 0x4A5644ULL

typedef struct JudgeTrainOpts {
    int epochs;
    int B;               /* pairs per micro-batch */
    int accum;           /* micro-batches per optimizer step */
    float lr, lr_min;
    long warmup;
    float weight_decay, grad_clip;
    int eval_every;      /* steps; 0 = once per epoch */
    int best_by_acc;     /* keep the best by validation accuracy instead of loss */
    uint64_t seed;
    const char *metrics; /* JSONL path, or NULL */
    int quiet;           /* no progress bar */
    DeviceKind device;   /* where training and validation run (model/device.h); 0 = CPU */
} JudgeTrainOpts;

void judge_train_defaults(JudgeTrainOpts *o);

typedef struct JudgeTrainResult {
    long train_pairs, val_pairs;
    long steps;
    long best_step;
    int best_epoch;
    double best_val_loss, best_val_acc, best_val_margin;
    double first_val_loss, first_val_acc;   /* before any training */
    int beat_untrained;                     /* some validation beat the untrained judge's (the kept
                                               judge is the best TRAINED one either way) */
    double offset, scale;
    double seconds;
    long train_tokens;                      /* tokens seen (padding excluded) */
} JudgeTrainResult;

/* Encoded comparison pairs: sequence 2i is pair i's chosen transcript, 2i+1 its
 * rejected one (judge_encode: EOT appended, left-truncated to max_len). */
typedef struct JudgePairs {
    int *tok;            /* all sequences back to back */
    size_t *off;         /* (2n) start of each sequence in tok */
    int *len;            /* (2n) */
    long n;              /* pairs */
} JudgePairs;

int judge_pairs_build(Judge *j, const ComparisonSet *s, JudgePairs *out, RlhfErr *e);
void judge_pairs_free(JudgePairs *p);

/* Margins r_chosen − r_rejected of every pair (raw scores; chosen / rejected raw
 * scores to rc / rr when not NULL). */
int judge_pairs_margins(Judge *j, const JudgePairs *p, double *margin, float *rc, float *rr, RlhfErr *e);

/* One Bradley–Terry micro-batch on the model: rows tokens (2P, T) with mask and
 * pos (2P) = each row's EOT position; rows 0..P−1 chosen, P..2P−1 rejected.
 * Returns the mean loss over the P pairs; *correct (if not NULL) gets the number
 * of pairs with r_c > r_r (ties ½). With backward, accumulates grad_scale ×
 * d(mean loss)/dθ into the model's grads (call gpt2_zero_grad first yourself).
 * scratch: (4P) floats. The model must be reserved for (2P, T) (with grads
 * when backward). */
float judge_bt_batch_dev(DevModel *m, const int *tokens, const uint8_t *mask, const int *pos, int P, int T,
                         int backward, float grad_scale, float *scratch, double *correct);
float judge_bt_batch(GPT2 *m, const int *tokens, const uint8_t *mask, const int *pos, int P, int T, int backward,
                     float grad_scale, float *scratch, double *correct);

/* Trains j's model in place on train, validating on val (both non-empty), and
 * sets j's offset/scale. res may be NULL. */
int judge_train(Judge *j, const ComparisonSet *train, const ComparisonSet *val, const JudgeTrainOpts *o,
                JudgeTrainResult *res, RlhfErr *e);

#endif
