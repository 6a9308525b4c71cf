/* device_nocuda.c — the cuda_* symbols of cuda/cuda_gpt2.h for a build without
 * the CUDA backend. They are weak: `make cuda` links build/cuda/librlhf_cuda.a
 * ahead of librlhf.a, its strong definitions win, and this object is never
 * pulled in. Here the backend reports itself absent, creation fails with a
 * message that says how to get it, and every other call is unreachable (it
 * needs a CudaGPT2 or CudaKv, which cannot exist) and aborts if reached. */
#include "cuda/cuda_gpt2.h"

#include <stdio.h>
#include <stdlib.h>

#define WEAK __attribute__((weak))

static _Noreturn void no_cuda(const char *fn) {
    fprintf(stderr, "%s: this rlhf was built without CUDA (contract violation: no device model can exist)\n", fn);
    abort();
}

WEAK int cuda_backend_built(void) { return 0; }
WEAK int cuda_device_available(char *name, size_t cap) {
    if (name && cap) name[0] = 0;
    return 0;
}
WEAK CudaGPT2 *cuda_gpt2_create_from(const GPT2 *m, RlhfErr *e) {
    (void)m;
    rlhf_err(e, "this rlhf was built without CUDA: run `make cuda` and use build/cuda/rlhf");
    return NULL;
}
WEAK void cuda_gpt2_free(CudaGPT2 *g) { (void)g; }
WEAK const char *cuda_gpt2_error(const CudaGPT2 *g) { (void)g; return NULL; }
WEAK void cuda_gpt2_set_tf32(CudaGPT2 *g, int on) { (void)g; (void)on; no_cuda(__func__); }
WEAK void cuda_gpt2_set_attention(CudaGPT2 *g, CudaAttention mode) { no_cuda(__func__); }
WEAK int cuda_gpt2_upload_params(CudaGPT2 *g, const GPT2 *m, RlhfErr *e) { no_cuda(__func__); }
WEAK int cuda_gpt2_download_params(CudaGPT2 *g, GPT2 *m, RlhfErr *e) { no_cuda(__func__); }
WEAK int cuda_gpt2_download_grads(CudaGPT2 *g, GPT2 *m, RlhfErr *e) { no_cuda(__func__); }
WEAK size_t cuda_gpt2_num_params(const CudaGPT2 *g) { no_cuda(__func__); }
WEAK int cuda_gpt2_reserve(CudaGPT2 *g, int B, int T, int need_grads, RlhfErr *e) { no_cuda(__func__); }
WEAK void cuda_gpt2_zero_grad(CudaGPT2 *g) { no_cuda(__func__); }
WEAK void cuda_gpt2_forward(CudaGPT2 *g, const int *tokens, const uint8_t *mask, int B, int T) { no_cuda(__func__); }
WEAK int cuda_gpt2_download_hidden(CudaGPT2 *g, float *out) { no_cuda(__func__); }
WEAK void cuda_gpt2_lm_forward(CudaGPT2 *g, const int *targets, float *logp, float *entropy) { no_cuda(__func__); }
WEAK void cuda_gpt2_lm_backward(CudaGPT2 *g, const int *targets, const float *dlogp, const float *dentropy) {
    no_cuda(__func__);
}
WEAK int cuda_gpt2_lm_logits(CudaGPT2 *g, float *out) { no_cuda(__func__); }
WEAK float cuda_gpt2_lm_loss_and_grad(CudaGPT2 *g, const int *targets, const float *weights, float *logp_scratch,
                                      float *dlogp_scratch) {
    no_cuda(__func__);
}
WEAK void cuda_gpt2_scalar_forward(CudaGPT2 *g, const int *pos, float *out) { no_cuda(__func__); }
WEAK void cuda_gpt2_scalar_backward(CudaGPT2 *g, const int *pos, const float *dout) { no_cuda(__func__); }
WEAK void cuda_gpt2_value_forward(CudaGPT2 *g, float *out) { no_cuda(__func__); }
WEAK void cuda_gpt2_value_backward(CudaGPT2 *g, const float *dout) { no_cuda(__func__); }
WEAK void cuda_gpt2_backward(CudaGPT2 *g) { no_cuda(__func__); }
WEAK int cuda_adamw_init(CudaGPT2 *g, float beta1, float beta2, float eps, float weight_decay, RlhfErr *e) {
    no_cuda(__func__);
}
WEAK void cuda_adamw_step(CudaGPT2 *g, float lr) { no_cuda(__func__); }
WEAK int cuda_adamw_upload(CudaGPT2 *g, const float *m, const float *v, long step, RlhfErr *e) { no_cuda(__func__); }
WEAK int cuda_adamw_download(CudaGPT2 *g, float *m, float *v, long *step, RlhfErr *e) { no_cuda(__func__); }
WEAK float cuda_gpt2_clip_grad_norm(CudaGPT2 *g, float max_norm) { no_cuda(__func__); }
WEAK void cuda_gpt2_sync(CudaGPT2 *g) { no_cuda(__func__); }
WEAK CudaKv *cuda_kv_create(CudaGPT2 *g, int B, int max_prompt, int max_new, RlhfErr *e) { no_cuda(__func__); }
WEAK void cuda_kv_free(CudaKv *kv) { (void)kv; }
WEAK int cuda_kv_prefill(CudaKv *kv, const int *tokens, const uint8_t *mask, int B, int Tp, RlhfErr *e) {
    no_cuda(__func__);
}
WEAK int cuda_kv_step(CudaKv *kv, const int *tokens, const uint8_t *active, RlhfErr *e) { no_cuda(__func__); }
WEAK int cuda_kv_pos(const CudaKv *kv, int b) { no_cuda(__func__); }
WEAK const float *cuda_kv_logits(const CudaKv *kv, int b) { no_cuda(__func__); }
