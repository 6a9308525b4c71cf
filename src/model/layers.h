/* layers.h — forward/backward kernels of the GPT-2 blocks over flat float
 * arrays (after llm.c's train_gpt2.c). N = B·T rows, row-major throughout.
 *
 * Conventions: every *_backward ACCUMULATES (+=) into parameter gradients.
 * Input gradients are overwritten unless the comment says "+=". Matmuls go
 * through cblas_sgemm; everything else is OpenMP over rows (or over channels
 * for reductions across rows, so sums keep a fixed order: results are
 * bit-identical for a given thread count). No function allocates. */
#ifndef RLHF_LAYERS_H
#define RLHF_LAYERS_H

#include <stdint.h>

/* out (N,C) = wte[tok] + wpe[pos]; tok, pos (N). */
void encoder_forward(float *out, const int *tok, const int *pos, const float *wte, const float *wpe, int N, int C);
/* dwte[tok] += dout, dwpe[pos] += dout. */
void encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tok, const int *pos, int N, int C);

/* out (N,C) = (inp − mean)·rstd·w + b, eps 1e-5; keeps mean, rstd (N) for backward. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                       int N, int C);
/* dinp (N,C) += ∂/∂inp; dw, db (C) +=. */
void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                        const float *mean, const float *rstd, int N, int C);

/* out (N,OC) = [residual +] inp (N,IC) · wᵀ + bias; w (OC,IC), bias (OC) or NULL,
 * residual (N,OC) or NULL (may equal out). */
void matmul_forward(float *out, const float *inp, const float *w, const float *bias, const float *residual, int N,
                    int IC, int OC);
/* dinp (N,IC) = dout · w (or += when accumulate); dw (OC,IC) += doutᵀ · inp;
 * db (OC) += Σ_rows dout (skipped when NULL). */
void matmul_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w, int N,
                     int IC, int OC, int accumulate);

/* out = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), n elements. */
void gelu_forward(float *out, const float *inp, long n);
/* dinp = gelu'(inp) · dout; dinp may alias dout. */
void gelu_backward(float *dinp, const float *inp, const float *dout, long n);

/* Causal multi-head attention with a padding mask (B,T) or NULL (see gpt2.h).
 * qkv (B,T,3C) holds q|k|v per row, heads of size C/NH inside each; out (B,T,C);
 * att (B,NH,T,T) keeps the probabilities (rows t: columns ≤ t are valid). */
void attention_forward(float *out, float *att, const float *qkv, const uint8_t *mask, int B, int T, int C, int NH);
/* dqkv (B,T,3C) = ∂/∂qkv; datt (B,NH,T,T) is scratch; dout (B,T,C). */
void attention_backward(float *dqkv, float *datt, const float *dout, const float *qkv, const float *att, int B, int T,
                        int C, int NH);

/* LM softmax over rows of logits (N,V), in place: logits become log-probabilities.
 * ent (N) receives each row's entropy (always; lm backward needs it);
 * logp_t (N, or NULL) log p(targets[i]) (0 where targets[i] < 0). */
void logsoftmax_forward(float *logits, float *ent, float *logp_t, const int *targets, int N, int V);
/* In place: logp (N,V) becomes d logits = dlogp·(onehot − p) + dent·(−p·(log p + H)).
 * dlogp / dent (N) either may be NULL. */
void logsoftmax_backward(float *logp, const float *ent, const int *targets, const float *dlogp, const float *dent,
                         int N, int V);

#endif
