/* gpt2.h — the GPT-2 transformer: config, one parameter arena, forward and
 * backward over flat float arrays (after llm.c's train_gpt2.c).
 *
 * Architecture: learned token + position embeddings, L blocks of
 * pre-LayerNorm causal self-attention and a GELU(tanh) MLP, a final
 * LayerNorm, and an LM head tied to the token embedding. Optional extra heads
 * read the final hidden states: a scalar head (preference model: one score per
 * sequence, read at a given position) and a value head (PPO: one value per token).
 *
 * Padding: every forward takes an optional mask (B,T), 1 = real token, 0 = pad.
 * Padding may be anywhere (left-padded prompts, right-padded batches). A real
 * token's position id counts the real tokens before it in its row, and it
 * attends only to real tokens at or before it; a pad attends only to itself
 * (its outputs are finite and meaningless). With mask = NULL all are real.
 *
 * Training use:
 *   gpt2_reserve(m, B, T, 1, &e);                // activations + grads for up to B×T
 *   gpt2_zero_grad(m);
 *   gpt2_forward(m, tokens, mask, B, T);         // hidden (B,T,C); clears d_hidden
 *   gpt2_lm_forward(m, targets, logp, NULL);     // logits → softmax; logp (B,T) of targets
 *   ... dlogp[i] = -weight[i] ...                // any loss that is a function of logp/entropy
 *   gpt2_lm_backward(m, targets, dlogp, NULL);   // accumulates d_hidden and d wte
 *   gpt2_backward(m);                            // d_hidden → every parameter grad (accumulates)
 * Heads: gpt2_scalar_forward/backward, gpt2_value_forward/backward, same pattern. */
#ifndef RLHF_GPT2_H
#define RLHF_GPT2_H

#include <stddef.h>
#include <stdint.h>

#include "util/common.h"

typedef struct GPT2Config {
    int max_seq_len;   /* T_max: number of learned positions */
    int vocab_size;    /* V */
    int n_layer;       /* L */
    int n_head;        /* NH */
    int n_embd;        /* C, divisible by NH */
} GPT2Config;

enum { GPT2_HEAD_SCALAR = 1, GPT2_HEAD_VALUE = 2 };

/* Parameter tensors, in arena order. The first 16 are llm.c's order, so its
 * .bin checkpoints map directly; head tensors follow when present. */
typedef struct GPT2Params {
    float *wte;       /* (V, C) token embedding, also the LM head */
    float *wpe;       /* (maxT, C) */
    float *ln1w;      /* (L, C) */
    float *ln1b;      /* (L, C) */
    float *qkvw;      /* (L, 3C, C) rows: q, k, v; y = x W^T + b */
    float *qkvb;      /* (L, 3C) */
    float *attprojw;  /* (L, C, C) */
    float *attprojb;  /* (L, C) */
    float *ln2w;      /* (L, C) */
    float *ln2b;      /* (L, C) */
    float *fcw;       /* (L, 4C, C) */
    float *fcb;       /* (L, 4C) */
    float *fcprojw;   /* (L, C, 4C) */
    float *fcprojb;   /* (L, C) */
    float *lnfw;      /* (C) */
    float *lnfb;      /* (C) */
    float *scalar_w;  /* (C) scalar head, NULL unless GPT2_HEAD_SCALAR */
    float *scalar_b;  /* (1) */
    float *value_w;   /* (C) value head, NULL unless GPT2_HEAD_VALUE */
    float *value_b;   /* (1) */
} GPT2Params;

#define GPT2_NUM_BASE_TENSORS 16
#define GPT2_MAX_TENSORS 20

/* One entry of the tensor table: what checkpoints and the optimizer walk. */
typedef struct GPT2Tensor {
    char name[24];     /* "wte", "qkvw", "scalar_w", ... */
    size_t offset;     /* floats from the start of the arena */
    size_t numel;
    int ndim;
    int shape[3];
    int decay;         /* AdamW weight decay applies (matrices and embeddings only) */
} GPT2Tensor;

typedef struct GPT2Acts GPT2Acts;   /* private to gpt2.c */

typedef struct GPT2 {
    GPT2Config cfg;
    int heads;                 /* GPT2_HEAD_* flags */
    GPT2Tensor tensors[GPT2_MAX_TENSORS];
    int n_tensors;
    size_t num_params;         /* floats in the arena */
    float *param_mem;          /* one arena */
    GPT2Params params;         /* pointers into param_mem */
    float *grad_mem;           /* same layout; NULL until gpt2_reserve(..., need_grads=1) */
    GPT2Params grads;
    GPT2Acts *acts;            /* sized for act_B × act_T */
    int act_B, act_T, act_grads;
    int B, T;                  /* shape of the last forward */
    int decode_layout;         /* 1: kv_pack_model rearranged the matrices for one KvCache;
                                * forward, copy and save refuse the model */
} GPT2;

int gpt2_config_validate(const GPT2Config *cfg, RlhfErr *e);
/* Allocates the arena (zeroed) and the tensor table. */
int gpt2_create(GPT2 *m, const GPT2Config *cfg, int heads, RlhfErr *e);
/* GPT-2 initialisation: weights N(0, 0.02), residual projections N(0, 0.02/sqrt(2L)),
 * LayerNorm gains 1, biases 0, head weights 0 — deterministic for a seed. */
void gpt2_init_weights(GPT2 *m, uint64_t seed);
/* Adds heads to an existing model (e.g. a judge from a pretrained LM); keeps its weights. */
int gpt2_add_heads(GPT2 *m, int heads, RlhfErr *e);
void gpt2_free(GPT2 *m);
/* Copies parameters between two models of the same config and heads. */
int gpt2_copy_params(GPT2 *dst, const GPT2 *src, RlhfErr *e);
const GPT2Tensor *gpt2_find_tensor(const GPT2 *m, const char *name);
void gpt2_print_summary(const GPT2 *m, FILE *out);

/* Allocates activations for up to B×T (and gradients when need_grads). Idempotent. */
int gpt2_reserve(GPT2 *m, int B, int T, int need_grads, RlhfErr *e);
void gpt2_zero_grad(GPT2 *m);

/* tokens (B,T), mask (B,T) or NULL. B ≤ act_B, T ≤ act_T. Leaves hidden states
 * (B,T,C) after the final LayerNorm and zeroes d_hidden. */
void gpt2_forward(GPT2 *m, const int *tokens, const uint8_t *mask, int B, int T);
const float *gpt2_hidden(const GPT2 *m);   /* (B,T,C) of the last forward */

/* LM head. Computes logits (B,T,V) and keeps softmax probabilities for backward.
 * logp (B,T) receives log p(targets[b,t]); entropy (B,T) the entropy of each
 * position's distribution (either may be NULL). targets[i] < 0 means "no target"
 * (logp 0). Returns nothing; never allocates. */
void gpt2_lm_forward(GPT2 *m, const int *targets, float *logp, float *entropy);
/* Backward of any loss written in terms of logp and entropy:
 * d logits = dlogp · (onehot(target) − p) + dentropy · (−p · (log p + H)).
 * dlogp / dentropy (B,T), either may be NULL. Accumulates into d_hidden and d wte. */
void gpt2_lm_backward(GPT2 *m, const int *targets, const float *dlogp, const float *dentropy);
/* Raw logits (B,T,V) of the last forward, computed now (no softmax): for
 * sampling and tests. The buffer is the one gpt2_lm_forward reuses. */
const float *gpt2_lm_logits(GPT2 *m);

/* Scalar head at one position per row: out[b] = hidden[b, pos[b]] · w + bias. */
void gpt2_scalar_forward(GPT2 *m, const int *pos, float *out);
void gpt2_scalar_backward(GPT2 *m, const int *pos, const float *dout);
/* Value head at every position: out (B,T). */
void gpt2_value_forward(GPT2 *m, float *out);
void gpt2_value_backward(GPT2 *m, const float *dout);

/* From d_hidden back through the blocks and embeddings; accumulates param grads. */
void gpt2_backward(GPT2 *m);

/* Masked mean cross-entropy convenience for LM training: the loss is
 * Σ weights[i] · (−log p(targets[i])) (the caller normalises the weights, e.g.
 * mask / number of trained tokens in the whole accumulated batch). Runs
 * gpt2_lm_forward and gpt2_lm_backward (but not gpt2_backward). dlogp_scratch (B,T). */
float gpt2_lm_loss_and_grad(GPT2 *m, const int *targets, const float *weights, float *logp_scratch,
                            float *dlogp_scratch);

#endif
