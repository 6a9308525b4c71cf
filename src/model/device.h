/* device.h — where a model's arithmetic runs: the CPU backend (gpt2.c) or the
 * CUDA backend (cuda/cuda_gpt2.h), behind one set of calls, so the trainers,
 * the judge and PPO are written once (`--device cpu|cuda` on the commands).
 *
 *   DevModel d;
 *   dev_open(&d, &model, DEVICE_CUDA, &e);     // uploads the weights
 *   dev_reserve(&d, B, T, 1, &e);
 *   dev_zero_grad(&d); dev_forward(&d, tok, mask, B, T); ... dev_backward(&d);
 *   dev_adamw_step(&d, &opt, lr, &e);          // moments live on the device
 *   dev_pull(&d, &opt, &e);                    // host model + opt current: save
 *   dev_close(&d);
 *
 * The host GPT2 stays the owner of the config, the tensor table and the
 * checkpoint: on the CPU the calls are gpt2_* on it; on CUDA the device holds
 * the working copy (uploaded by dev_open), and dev_pull brings parameters (and
 * AdamW's moments) back. A caller whose host weights change afterwards opens
 * the device model again. Per-token arrays (tokens, targets, log-probs, ...)
 * are host arrays either way.
 *
 * The ordinary build has no CUDA: its cuda_* symbols are the stubs of
 * device_nocuda.c, so `--device cuda` fails at start with "built without
 * CUDA" (exit 1). `make cuda` links build/cuda/rlhf with the real backend. */
#ifndef RLHF_DEVICE_H
#define RLHF_DEVICE_H

#include "cuda/cuda_gpt2.h"
#include "model/adamw.h"
#include "model/gpt2.h"

typedef enum DeviceKind { DEVICE_CPU = 0, DEVICE_CUDA = 1 } DeviceKind;

/* "cpu" or "cuda" (NULL = cpu); an error names the accepted values. */
int device_parse(const char *name, DeviceKind *out, RlhfErr *e);
const char *device_name(DeviceKind k);
/* 0 when k can run here; else -1 with e saying why (no CUDA in this build, no GPU). */
int device_check(DeviceKind k, RlhfErr *e);

typedef struct DevModel {
    DeviceKind kind;
    GPT2 *m;          /* host model (not owned) */
    CudaGPT2 *g;      /* device mirror, NULL on the CPU (owned) */
    const AdamW *opt; /* CUDA: the optimizer whose moments the device holds, else NULL */
} DevModel;

int dev_open(DevModel *d, GPT2 *m, DeviceKind k, RlhfErr *e);
void dev_close(DevModel *d);
int dev_reserve(DevModel *d, int B, int T, int need_grads, RlhfErr *e);

void dev_zero_grad(DevModel *d);
void dev_forward(DevModel *d, const int *tokens, const uint8_t *mask, int B, int T);
void dev_lm_forward(DevModel *d, const int *targets, float *logp, float *entropy);
void dev_lm_backward(DevModel *d, const int *targets, const float *dlogp, const float *dentropy);
float dev_lm_loss_and_grad(DevModel *d, const int *targets, const float *weights, float *logp_scratch,
                           float *dlogp_scratch);
void dev_scalar_forward(DevModel *d, const int *pos, float *out);
void dev_scalar_backward(DevModel *d, const int *pos, const float *dout);
void dev_value_forward(DevModel *d, float *out);
void dev_value_backward(DevModel *d, const float *dout);
void dev_backward(DevModel *d);
float dev_clip_grad_norm(DevModel *d, float max_norm);
/* One AdamW update with opt's hyper-parameters. On CUDA the first call with
 * this opt copies its moments and step to the device (a resumed run continues
 * exactly there); later steps run on the device until dev_pull. */
int dev_adamw_step(DevModel *d, AdamW *opt, float lr, RlhfErr *e);

/* CUDA: parameters to the host model, and the moments and step to opt when
 * opt is not NULL (before a checkpoint, an evaluation on the host, the end).
 * CPU: nothing to do. */
int dev_pull(DevModel *d, AdamW *opt, RlhfErr *e);
/* CUDA: the first failure of an earlier void call, as an error; else 0. */
int dev_status(const DevModel *d, RlhfErr *e);

#endif
