/* cuda_kernels.cuh — launchers of the CUDA backend's own kernels (everything
 * but the matrix products, which go to cuBLAS in cuda_gpt2.cu). Internal to
 * src/cuda: C++ linkage, device pointers only, all launched on `st`. Shapes
 * and semantics are those of model/layers.h, whose CPU functions are the
 * reference; "+=" marks accumulation exactly where layers.h accumulates. */
#ifndef RLHF_CUDA_KERNELS_CUH
#define RLHF_CUDA_KERNELS_CUH

#include <cuda_runtime.h>
#include <stdint.h>

/* out (N,C) = wte[tok] + wpe[pos]. */
void k_encoder_forward(float *out, const int *tok, const int *pos, const float *wte, const float *wpe, int N, int C,
                       cudaStream_t st);
/* dwte[tok] += dout, dwpe[pos] += dout (atomic: repeated tokens add in any order). */
void k_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tok, const int *pos, int N, int C,
                        cudaStream_t st);

/* out (N,C) = LN(inp)·w + b; mean, rstd (N). */
void k_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                         int N, int C, cudaStream_t st);
/* dinp += ∂/∂inp; dw, db (C) += (deterministic column sums). */
void k_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                          const float *mean, const float *rstd, int N, int C, cudaStream_t st);

/* out (N,OC) = [residual] + [bias]: the seed a beta-1 GEMM accumulates onto.
 * residual may equal out; with neither, out is zeroed. */
void k_seed_bias_residual(float *out, const float *bias, const float *residual, int N, int OC, cudaStream_t st);
/* db (OC) += Σ_rows dout (N,OC). */
void k_bias_backward(float *db, const float *dout, int N, int OC, cudaStream_t st);

void k_gelu_forward(float *out, const float *inp, long n, cudaStream_t st);
/* dinp = gelu'(inp)·dout; dinp may alias dout. */
void k_gelu_backward(float *dinp, const float *inp, const float *dout, long n, cudaStream_t st);

/* Fused causal attention with the padding mask (B,T) or NULL; qkv (B,T,3C),
 * out (B,T,C), lse (B,NH,T) log-sum-exp of each query row (kept for backward). */
int k_attention_setup(int hs);   /* once per head size: 0 ok, -1 unsupported hs */
void k_attention_forward(float *out, float *lse, const float *qkv, const uint8_t *mask, int B, int T, int C, int NH,
                         cudaStream_t st);
/* dqkv (B,T,3C) = ∂/∂qkv (overwritten); delta (B,NH,T) scratch. */
void k_attention_backward(float *dqkv, float *delta, const float *dout, const float *out, const float *qkv,
                          const float *lse, const uint8_t *mask, int B, int T, int C, int NH, cudaStream_t st);

/* Attention through batched GEMMs (cuda_gpt2.cu runs the products): heads
 * (B,NH,T,hs) ↔ columns [col0, col0+C) of (B,T,·) rows of width ld; the masked
 * softmax of scores att (B,NH,T,T) in place with lse (B,NH,T); backward: P
 * recomputed from scores and lse in place, dS = P·(dP − D) over dP in place,
 * D = delta (B,NH,T) = Σ dout·out per (row, head). */
void k_att_to_heads(float *heads, const float *rows, long ld, int col0, int B, int T, int C, int NH, cudaStream_t st);
void k_att_from_heads(float *rows, long ld, int col0, const float *heads, int B, int T, int C, int NH,
                      cudaStream_t st);
void k_att_softmax(float *att, float *lse, const uint8_t *mask, int B, int T, int NH, cudaStream_t st);
void k_att_probs(float *att, const float *lse, const uint8_t *mask, int B, int T, int NH, cudaStream_t st);
void k_att_dscores(float *datt, const float *p, const float *delta, int B, int T, int NH, cudaStream_t st);
void k_att_delta(float *delta, const float *dout, const float *out, int B, int T, int C, int NH, cudaStream_t st);

/* LM softmax rows of logits (N,V) in place → log-probabilities; ent (N);
 * logp_t (N) = log p(targets) or 0 for targets < 0 (targets may be NULL). */
void k_logsoftmax_forward(float *logits, float *ent, float *logp_t, const int *targets, int N, int V,
                          cudaStream_t st);
/* In place: logp (N,V) → d logits; dlogp, dent (N) device or NULL. */
void k_logsoftmax_backward(float *logp, const float *ent, const int *targets, const float *dlogp, const float *dent,
                           int N, int V, cudaStream_t st);

/* Scalar head: out[b] = hidden[b·T + pos[b]]·w + bias[0]. */
void k_scalar_forward(float *out, const float *hidden, const int *pos, const float *w, const float *bias, int B,
                      int T, int C, cudaStream_t st);
void k_scalar_backward(float *dhidden, float *dw, float *db, const float *hidden, const int *pos, const float *w,
                       const float *dout, int B, int T, int C, cudaStream_t st);
/* Value head: out (N) = hidden·w + bias[0]. */
void k_value_forward(float *out, const float *hidden, const float *w, const float *bias, int N, int C,
                     cudaStream_t st);
void k_value_backward(float *dhidden, float *dw, float *db, const float *hidden, const float *w, const float *dout,
                      int N, int C, cudaStream_t st);

void k_adamw(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2, float bc1,
             float bc2, float eps, float wd, cudaStream_t st);
/* out[0] = Σ g² in double, deterministic (partial: K_NORM_BLOCKS doubles scratch). */
#define K_NORM_BLOCKS 512
void k_sumsq(double *out, double *partial, const float *g, size_t n, cudaStream_t st);
void k_scale(float *x, float s, size_t n, cudaStream_t st);

/* KV cache. Copies k, v of n qkv rows (3C each) into cache slots of row b:
 * cache (NH, Tc, hs) for that row and layer at kbase/vbase, slots slot0.. */
void k_kv_store(float *kbase, float *vbase, const float *qkv, const int *rows_b, int rows_per_b, int n_b,
                int slot0, size_t row_stride, int Tc, int C, int NH, cudaStream_t st);
/* Decode attention: q (n,3C) rows (q part), for compact row i of batch row act[i]:
 * y (n,C) = softmax over valid slots [0, nslots) of the cache. */
void k_kv_attention(float *y, const float *qkv, const float *kcache, const float *vcache, const uint8_t *valid,
                    const int *act, int n, int nslots, int Tc, int C, int NH, size_t row_stride, cudaStream_t st);
/* dst[i] = src[rows[i]] for n rows of C floats. */
void k_gather_rows(float *dst, const float *src, const int *rows, int n, int C, cudaStream_t st);

#endif
