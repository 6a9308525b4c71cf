/* adamw.c — see adamw.h. Decoupled weight decay (Loshchilov & Hutter), as
 * torch.optim.AdamW computes it, so our steps match PyTorch's bit for bit up
 * to float rounding. */
#include "model/adamw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int adamw_init(AdamW *o, const GPT2 *model, float beta1, float beta2, float eps, float weight_decay, RlhfErr *e) {
    memset(o, 0, sizeof *o);
    o->beta1 = beta1; o->beta2 = beta2; o->eps = eps; o->weight_decay = weight_decay;
    o->n = model->num_params;
    o->m = rlhf_calloc(o->n, sizeof(float), e);
    o->v = rlhf_calloc(o->n, sizeof(float), e);
    if (!o->m || !o->v) { adamw_free(o); return -1; }
    return 0;
}

void adamw_free(AdamW *o) {
    free(o->m); free(o->v);
    o->m = o->v = NULL;
}

void adamw_step(AdamW *o, GPT2 *model, float lr) {
    long t = ++o->step;
    float b1 = o->beta1, b2 = o->beta2;
    float bc1 = 1.0f - powf(b1, (float)t), bc2 = 1.0f - powf(b2, (float)t);
    for (int k = 0; k < model->n_tensors; k++) {
        const GPT2Tensor *ten = &model->tensors[k];
        float *p = model->param_mem + ten->offset, *g = model->grad_mem + ten->offset;
        float *m = o->m + ten->offset, *v = o->v + ten->offset;
        float wd = ten->decay ? o->weight_decay : 0.0f;
        size_t n = ten->numel;
#pragma omp parallel for simd schedule(static)
        for (size_t i = 0; i < n; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + (1.0f - b1) * gi;
            float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
            m[i] = mi; v[i] = vi;
            float mhat = mi / bc1, vhat = vi / bc2;
            p[i] -= lr * (mhat / (sqrtf(vhat) + o->eps) + wd * p[i]);
        }
    }
}

float gpt2_clip_grad_norm(GPT2 *model, float max_norm) {
    double ss = 0;
    const float *g = model->grad_mem;
    size_t n = model->num_params;
#pragma omp parallel for reduction(+ : ss) schedule(static)
    for (size_t i = 0; i < n; i++) ss += (double)g[i] * (double)g[i];
    float norm = (float)sqrt(ss);
    if (max_norm > 0 && norm > max_norm && isfinite(norm)) {
        float s = max_norm / (norm + 1e-6f);
        float *gm = model->grad_mem;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) gm[i] *= s;
    }
    return norm;
}

float lr_cosine(long step, long warmup, long total, float lr_max, float lr_min) {
    if (warmup > 0 && step < warmup) return lr_max * (float)(step + 1) / (float)warmup;
    if (step >= total) return lr_min;
    double prog = (double)(step - warmup) / (double)(total - warmup > 0 ? total - warmup : 1);
    return lr_min + 0.5f * (lr_max - lr_min) * (float)(1.0 + cos(M_PI * prog));
}
