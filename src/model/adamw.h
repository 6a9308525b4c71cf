/* adamw.h — AdamW over the whole parameter arena, global-norm gradient
 * clipping, and the warmup + cosine learning-rate schedule. */
#ifndef RLHF_ADAMW_H
#define RLHF_ADAMW_H

#include "model/gpt2.h"

typedef struct AdamW {
    float beta1, beta2, eps, weight_decay;
    long step;          /* steps taken so far (bias correction uses step+1) */
    size_t n;           /* floats in m and v == model num_params */
    float *m, *v;       /* first and second moments, same layout as the arena */
} AdamW;

int adamw_init(AdamW *opt, const GPT2 *model, float beta1, float beta2, float eps, float weight_decay,
               RlhfErr *e);
void adamw_free(AdamW *opt);
/* One update at learning rate lr; decay only on tensors with decay = 1. */
void adamw_step(AdamW *opt, GPT2 *model, float lr);
/* Scales all grads so their global L2 norm is at most max_norm (if > 0).
 * Returns the norm before clipping (NaN/inf propagate so callers can stop). */
float gpt2_clip_grad_norm(GPT2 *model, float max_norm);
/* Linear warmup to lr_max over warmup steps, cosine decay to lr_min at total. */
float lr_cosine(long step, long warmup, long total, float lr_max, float lr_min);

#endif
