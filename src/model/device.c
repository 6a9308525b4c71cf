/* device.c — the CPU / CUDA dispatch of device.h. Each call is one branch:
 * the CPU side is the gpt2_* call it replaces, the CUDA side its cuda_* twin. */
#include "model/device.h"

#include <string.h>

int device_parse(const char *name, DeviceKind *out, RlhfErr *e) {
    if (!name || !strcmp(name, "cpu")) *out = DEVICE_CPU;
    else if (!strcmp(name, "cuda")) *out = DEVICE_CUDA;
    else return rlhf_err(e, "--device %s: expected cpu or cuda", name);
    return 0;
}

const char *device_name(DeviceKind k) { return k == DEVICE_CUDA ? "cuda" : "cpu"; }

int device_check(DeviceKind k, RlhfErr *e) {
    if (k == DEVICE_CPU) return 0;
    if (!cuda_backend_built())
        return rlhf_err(e, "--device cuda: this rlhf was built without CUDA; build build/cuda/rlhf with "
                           "`make cuda` (needs nvcc) and run that one");
    if (!cuda_device_available(NULL, 0))
        return rlhf_err(e, "--device cuda: no CUDA device is visible (cudaGetDeviceCount found none)");
    return 0;
}

int dev_open(DevModel *d, GPT2 *m, DeviceKind k, RlhfErr *e) {
    memset(d, 0, sizeof *d);
    d->kind = k;
    d->m = m;
    if (k == DEVICE_CPU) return 0;
    if (device_check(k, e)) return -1;
    d->g = cuda_gpt2_create_from(m, e);
    return d->g ? 0 : -1;
}

void dev_close(DevModel *d) {
    if (d->g) cuda_gpt2_free(d->g);
    memset(d, 0, sizeof *d);
}

int dev_reserve(DevModel *d, int B, int T, int need_grads, RlhfErr *e) {
    if (!d->g) return gpt2_reserve(d->m, B, T, need_grads, e);
    return cuda_gpt2_reserve(d->g, B, T, need_grads, e);
}

void dev_zero_grad(DevModel *d) {
    if (d->g) cuda_gpt2_zero_grad(d->g);
    else gpt2_zero_grad(d->m);
}

void dev_forward(DevModel *d, const int *tokens, const uint8_t *mask, int B, int T) {
    if (d->g) cuda_gpt2_forward(d->g, tokens, mask, B, T);
    else gpt2_forward(d->m, tokens, mask, B, T);
}

void dev_lm_forward(DevModel *d, const int *targets, float *logp, float *entropy) {
    if (d->g) cuda_gpt2_lm_forward(d->g, targets, logp, entropy);
    else gpt2_lm_forward(d->m, targets, logp, entropy);
}

void dev_lm_backward(DevModel *d, const int *targets, const float *dlogp, const float *dentropy) {
    if (d->g) cuda_gpt2_lm_backward(d->g, targets, dlogp, dentropy);
    else gpt2_lm_backward(d->m, targets, dlogp, dentropy);
}

float dev_lm_loss_and_grad(DevModel *d, const int *targets, const float *weights, float *logp_scratch,
                           float *dlogp_scratch) {
    if (d->g) return cuda_gpt2_lm_loss_and_grad(d->g, targets, weights, logp_scratch, dlogp_scratch);
    return gpt2_lm_loss_and_grad(d->m, targets, weights, logp_scratch, dlogp_scratch);
}

void dev_scalar_forward(DevModel *d, const int *pos, float *out) {
    if (d->g) cuda_gpt2_scalar_forward(d->g, pos, out);
    else gpt2_scalar_forward(d->m, pos, out);
}

void dev_scalar_backward(DevModel *d, const int *pos, const float *dout) {
    if (d->g) cuda_gpt2_scalar_backward(d->g, pos, dout);
    else gpt2_scalar_backward(d->m, pos, dout);
}

void dev_value_forward(DevModel *d, float *out) {
    if (d->g) cuda_gpt2_value_forward(d->g, out);
    else gpt2_value_forward(d->m, out);
}

void dev_value_backward(DevModel *d, const float *dout) {
    if (d->g) cuda_gpt2_value_backward(d->g, dout);
    else gpt2_value_backward(d->m, dout);
}

void dev_backward(DevModel *d) {
    if (d->g) cuda_gpt2_backward(d->g);
    else gpt2_backward(d->m);
}

float dev_clip_grad_norm(DevModel *d, float max_norm) {
    if (d->g) return cuda_gpt2_clip_grad_norm(d->g, max_norm);
    return gpt2_clip_grad_norm(d->m, max_norm);
}

int dev_adamw_step(DevModel *d, AdamW *opt, float lr, RlhfErr *e) {
    if (!d->g) {
        adamw_step(opt, d->m, lr);
        return 0;
    }
    if (d->opt != opt) {   /* a first step, or another optimizer than last time */
        if (cuda_adamw_init(d->g, opt->beta1, opt->beta2, opt->eps, opt->weight_decay, e) ||
            cuda_adamw_upload(d->g, opt->m, opt->v, opt->step, e))
            return -1;
        d->opt = opt;
    }
    cuda_adamw_step(d->g, lr);
    opt->step++; /* the host count follows, so schedules and logs read it as on the CPU */
    return 0;
}

int dev_pull(DevModel *d, AdamW *opt, RlhfErr *e) {
    if (!d->g) return 0;
    if (cuda_gpt2_download_params(d->g, d->m, e)) return -1;
    if (opt && d->opt == opt && cuda_adamw_download(d->g, opt->m, opt->v, &opt->step, e)) return -1;
    return 0;
}

int dev_status(const DevModel *d, RlhfErr *e) {
    const char *msg = d->g ? cuda_gpt2_error(d->g) : NULL;
    return msg ? rlhf_err(e, "cuda: %s", msg) : 0;
}
