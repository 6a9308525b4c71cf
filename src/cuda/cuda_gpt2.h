/* cuda_gpt2.h — the GPT-2 of model/gpt2.h on an NVIDIA GPU: a device mirror of
 * the parameter arena (same tensor table, same offsets), gradients, activations,
 * AdamW moments, and a KV cache for generation. A plain C API; the
 * implementation is CUDA (the .cu files of src/cuda, built by `make cuda` only), so nothing
 * here pulls in a CUDA header and the default build never sees it.
 *
 * The calls mirror gpt2.h one for one and take HOST arrays (tokens, mask,
 * targets, dlogp, ...): the per-token vectors are small, so they are copied on
 * each call, while the model, its activations and the logits stay on the GPU.
 *
 *   CudaGPT2 *g = cuda_gpt2_create_from(&cpu_model, &e);   // uploads the weights
 *   cuda_gpt2_reserve(g, B, T, 1, &e);
 *   cuda_gpt2_zero_grad(g);
 *   cuda_gpt2_forward(g, tokens, mask, B, T);
 *   cuda_gpt2_lm_forward(g, targets, logp, entropy);
 *   cuda_gpt2_lm_backward(g, targets, dlogp, NULL);
 *   cuda_gpt2_backward(g);
 *   cuda_gpt2_clip_grad_norm(g, 1.0f);
 *   cuda_adamw_step(g, lr);                                 // moments live on the GPU
 *   cuda_gpt2_download_params(g, &cpu_model);               // before a checkpoint
 *
 * Numerics: fp32 storage everywhere; matrix products through cuBLAS with TF32
 * tensor-core math (10-bit mantissa inputs, fp32 accumulation) unless
 * cuda_gpt2_set_tf32(g, 0); everything else in fp32 kernels. Contract
 * violations (shapes beyond reserve, a missing head) abort like gpt2.c's;
 * CUDA/cuBLAS failures after create are sticky: the call becomes a no-op and
 * cuda_gpt2_error() returns the first message. */
#ifndef RLHF_CUDA_GPT2_H
#define RLHF_CUDA_GPT2_H

#include <stddef.h>
#include <stdint.h>

/* The C headers get C linkage when a .cu file includes this one. */
#ifdef __cplusplus
extern "C" {
#endif

#include "model/gpt2.h"
#include "util/common.h"

typedef struct CudaGPT2 CudaGPT2;

/* 1 in a build linked with the CUDA backend (make cuda), 0 with the stubs of
 * model/device_nocuda.c that the ordinary build links instead. */
int cuda_backend_built(void);
/* 1 when a CUDA device is usable (fills name, when not NULL, with its name). */
int cuda_device_available(char *name, size_t cap);

/* Allocates the device arena for m's config and heads and uploads m's weights. */
CudaGPT2 *cuda_gpt2_create_from(const GPT2 *m, RlhfErr *e);
void cuda_gpt2_free(CudaGPT2 *g);
/* NULL while every call so far succeeded; else the first CUDA/cuBLAS error. */
const char *cuda_gpt2_error(const CudaGPT2 *g);
/* TF32 tensor-core GEMMs on (default) or off (pure fp32, for tests). */
void cuda_gpt2_set_tf32(CudaGPT2 *g, int on);

/* How attention runs (both compute the same function; test_cuda_vs_cpu checks each):
 *   FUSED  flash-style kernels on fp32 CUDA cores, scores never leave the chip;
 *   GEMM   scores materialised per layer, (B,NH,T,T), and the products on the
 *          tensor cores through batched cuBLAS GEMMs (TF32 when TF32 is on);
 *   AUTO   (default) GEMM unless its two (B,NH,T,T) buffers would pass
 *          CUDA_ATT_GEMM_MAX_BYTES, FUSED then (long contexts: memory ∝ T²).
 * The KV cache's decode steps have their own kernel either way. */
typedef enum CudaAttention { CUDA_ATT_AUTO = 0, CUDA_ATT_FUSED = 1, CUDA_ATT_GEMM = 2 } CudaAttention;
#define CUDA_ATT_GEMM_MAX_BYTES (4.0 * 1024 * 1024 * 1024)
void cuda_gpt2_set_attention(CudaGPT2 *g, CudaAttention mode);

int cuda_gpt2_upload_params(CudaGPT2 *g, const GPT2 *m, RlhfErr *e);
int cuda_gpt2_download_params(CudaGPT2 *g, GPT2 *m, RlhfErr *e);
/* m->grad_mem must exist (gpt2_reserve(..., need_grads=1)). Overwrites it. */
int cuda_gpt2_download_grads(CudaGPT2 *g, GPT2 *m, RlhfErr *e);
size_t cuda_gpt2_num_params(const CudaGPT2 *g);

int cuda_gpt2_reserve(CudaGPT2 *g, int B, int T, int need_grads, RlhfErr *e);
void cuda_gpt2_zero_grad(CudaGPT2 *g);

void cuda_gpt2_forward(CudaGPT2 *g, const int *tokens, const uint8_t *mask, int B, int T);
/* (B,T,C) hidden states of the last forward, copied into out. */
int cuda_gpt2_download_hidden(CudaGPT2 *g, float *out);

void cuda_gpt2_lm_forward(CudaGPT2 *g, const int *targets, float *logp, float *entropy);
void cuda_gpt2_lm_backward(CudaGPT2 *g, const int *targets, const float *dlogp, const float *dentropy);
/* Raw logits (B,T,V) of the last forward copied into out (host, B·T·V floats). */
int cuda_gpt2_lm_logits(CudaGPT2 *g, float *out);
float cuda_gpt2_lm_loss_and_grad(CudaGPT2 *g, const int *targets, const float *weights, float *logp_scratch,
                                 float *dlogp_scratch);

void cuda_gpt2_scalar_forward(CudaGPT2 *g, const int *pos, float *out);
void cuda_gpt2_scalar_backward(CudaGPT2 *g, const int *pos, const float *dout);
void cuda_gpt2_value_forward(CudaGPT2 *g, float *out);
void cuda_gpt2_value_backward(CudaGPT2 *g, const float *dout);

void cuda_gpt2_backward(CudaGPT2 *g);

/* AdamW on the device (same update as model/adamw.c). Moments are allocated on
 * the first call with these hyper-parameters; step counts from 1. */
int cuda_adamw_init(CudaGPT2 *g, float beta1, float beta2, float eps, float weight_decay, RlhfErr *e);
void cuda_adamw_step(CudaGPT2 *g, float lr);
/* Moments and step count to / from host arrays of num_params floats (resume, checkpoints). */
int cuda_adamw_upload(CudaGPT2 *g, const float *m, const float *v, long step, RlhfErr *e);
int cuda_adamw_download(CudaGPT2 *g, float *m, float *v, long *step, RlhfErr *e);
float cuda_gpt2_clip_grad_norm(CudaGPT2 *g, float max_norm);

/* Blocks until the GPU is idle (for timing). */
void cuda_gpt2_sync(CudaGPT2 *g);

/* ---- generation: a KV cache on the device (model/kvcache.h semantics) ---- */

typedef struct CudaKv CudaKv;

CudaKv *cuda_kv_create(CudaGPT2 *g, int B, int max_prompt, int max_new, RlhfErr *e);
void cuda_kv_free(CudaKv *kv);
int cuda_kv_prefill(CudaKv *kv, const int *tokens, const uint8_t *mask, int B, int Tp, RlhfErr *e);
int cuda_kv_step(CudaKv *kv, const int *tokens, const uint8_t *active, RlhfErr *e);
/* Row b's next position (tokens it holds), as KvCache.pos[b]. */
int cuda_kv_pos(const CudaKv *kv, int b);
/* (V) host copy of row b's next-token logits from the last call, NULL when not computed. */
const float *cuda_kv_logits(const CudaKv *kv, int b);

#ifdef __cplusplus
}
#endif

#endif
