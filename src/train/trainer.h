/* trainer.h — the language-model training loop shared by pretraining and
 * supervised fine-tuning: gradient accumulation, clipping, warmup + cosine
 * schedule, AdamW, held-out loss, progress, metrics, periodic checkpoints.
 * Resuming = restoring the model, the optimizer and the TrainState; the loop
 * is deterministic for a given thread count, so a resumed run reproduces an
 * uninterrupted one bit for bit. */
#ifndef RLHF_TRAINER_H
#define RLHF_TRAINER_H

#include "model/adamw.h"
#include "model/device.h"
#include "model/gpt2.h"
#include "train/token_data.h"
#include "util/metrics.h"

typedef struct TrainConfig {
    int B, T;              /* micro-batch */
    int accum;             /* micro-batches per optimizer step */
    long steps;            /* optimizer steps in all */
    float lr, lr_min;
    long warmup;
    float weight_decay;    /* used when the optimizer is created */
    float grad_clip;       /* global norm; 0 = off */
    int eval_every;        /* steps; 0 = only at the end */
    int eval_batches;
    int ckpt_every;        /* steps; 0 = only at the end */
    DeviceKind device;     /* where the arithmetic runs (model/device.h); 0 = CPU */
} TrainConfig;

typedef struct TrainState {
    long step;             /* optimizer steps completed */
    size_t cursor;         /* position in the training stream */
    float last_loss;       /* mean training loss of the last step */
    float last_val;        /* last held-out loss (NaN if none yet) */
} TrainState;

/* Called to write a checkpoint (periodic and final). Return 0 or -1 with e set. */
typedef int (*TrainSaveFn)(void *ctx, const GPT2 *m, const AdamW *opt, const TrainState *st, RlhfErr *e);

void train_state_init(TrainState *st);
/* Trains until st->step == c->steps. val may be NULL. log may be NULL. */
int train_lm(GPT2 *m, AdamW *opt, TrainState *st, const TokenData *train, const TokenData *val, const TrainConfig *c,
             MetricsLog *log, TrainSaveFn save, void *save_ctx, const char *label, RlhfErr *e);
/* Mean loss over trained tokens of the first `batches` windows of d (deterministic). */
float eval_lm_loss(GPT2 *m, const TokenData *d, int B, int T, int batches, RlhfErr *e);

/* Serialises / parses the state as JSON for the checkpoint's trainer section. */
char *train_state_to_json(const TrainState *st, const TrainConfig *c);
int train_state_from_json(const char *json, TrainState *st, RlhfErr *e);

#endif
