/* kvcache.h — GPT-2 inference with a key/value cache, for generation (after
 * llama2.c's run.c). Reads only m->params and m->cfg; the training forward in
 * gpt2.c is not used, so sampling never touches the training activations.
 *
 *   KvCache kv;
 *   kv_create(&kv, m, B, max_prompt, max_new, &e);   // all memory, once
 *   kv_prefill(&kv, tokens, mask, B, Tp, &e);        // prompt block (B,Tp), any padding
 *   for (...) {
 *       const float *lg = kv_logits(&kv, b);          // (V) next-token logits of row b
 *       kv_step(&kv, next, active, &e);              // one new token per active row
 *   }
 *
 * Padding follows gpt2.h exactly: pads (mask 0) are never attended, and a real
 * token's position id counts the real tokens before it in its row. So prompts
 * may be left-padded, right-padded or ragged; new tokens always go into the next
 * slot after the prompt block and get the next position id of their row.
 *
 * A prompt block's matrix products are cblas_sgemm over all its rows; a decode
 * step's (≤ 16 rows) use kernels of our own, bound by streaming the weights,
 * over the row-major weights or over a panel layout (kv_use_packed,
 * kv_pack_model, kv_use_bf16 below). Attention runs under OpenMP over (row,
 * head). Nothing is allocated after kv_create. */
#ifndef RLHF_KVCACHE_H
#define RLHF_KVCACHE_H

#include <stdint.h>

#include "model/gpt2.h"

typedef struct KvCache {
    const GPT2 *m;
    int B;               /* rows the cache was sized for */
    int T;               /* slots per row: max_prompt + max_new */
    int max_prompt;      /* widest prompt block kv_prefill accepts */
    int nb;              /* rows in use since the last kv_prefill (≤ B) */
    int len;             /* slots filled, the same for every row */
    float *k, *v;        /* (L, B, NH, T, hs): one head's keys are contiguous */
    uint8_t *valid;      /* (B, T) 1 = the slot holds a real token (attendable) */
    int *pos;            /* (B) position id of the row's next real token */
    int n_act;           /* rows computed by the last call */
    int *act;            /* (B) act[i] = row b of compact row i */
    int *row_of;         /* (B) compact row of b in the last call, -1 when not computed */
    float *logits;       /* (B, V) compact: logits of row act[i] at i */
    /* scratch, sized for N = B·max_prompt rows (prefill); a step uses B rows */
    float *x;            /* (N, C) residual stream */
    float *xn;           /* (N, C) LayerNorm output */
    float *qkv;          /* (N, 3C) */
    float *atty;         /* (N, C) attention output before the projection */
    float *fch;          /* (N, 4C) MLP hidden */
    float *scores;       /* (n_threads, max_prompt · T) attention scores per thread */
    int n_threads;       /* omp_get_max_threads() at kv_create: attention uses at most these */
    int *last;           /* (B) slot of each row's last real prompt token */
    /* decode-step copies of the weight matrices in panels of 32 outputs:
     * fp32 (kv_use_packed) or bf16 (kv_use_bf16); both NULL: none */
    float *pk;
    uint16_t *pk16;
    size_t pk_off[5];    /* where each kind starts: qkv, attproj, fc, fcproj, wte */
} KvCache;

int kv_create(KvCache *kv, const GPT2 *m, int B, int max_prompt, int max_new, RlhfErr *e);
void kv_free(KvCache *kv);

/* Empties the cache and runs the prompt block: tokens (B,Tp), mask (B,Tp) or NULL
 * (all real). B ≤ kv->B, Tp ≤ max_prompt; every row needs ≥ 1 real token and at
 * most cfg.max_seq_len. Afterwards kv_logits(b) is row b's next-token logits
 * (read at its last real token). */
int kv_prefill(KvCache *kv, const int *tokens, const uint8_t *mask, int B, int Tp, RlhfErr *e);

/* Appends tokens[b] to every row b < nb with active == NULL or active[b] != 0,
 * computes those rows only, and leaves their next-token logits. Fails when the
 * cache is full or a row has used all cfg.max_seq_len positions. */
int kv_step(KvCache *kv, const int *tokens, const uint8_t *active, RlhfErr *e);

/* Opt-in speed for decoding, which streams every weight once per step: a copy
 * of the weight matrices laid out in panels of 32 outputs (each panel read as
 * one sequential stream, 8 rows × 32 sums in registers, bias and GELU fused),
 * used by products of ≤ 16 rows (decode steps; prefill blocks use sgemm on the
 * model's own weights). Costs as much memory again as the model's matrices.
 * Exact fp32: logits differ from the unpacked path only by summation order
 * (~1e-6 relative). The copy is taken now: call again after the parameters
 * change (e.g. after every PPO update). */
int kv_use_packed(KvCache *kv, RlhfErr *e);

/* The panels written over the model's own matrices instead of a copy: no extra
 * memory, and prefill blocks use them too (so every product is the panel
 * kernel's). For a model loaded only to sample (rlhf sample, rlhf speed): the
 * model is given to this cache, and gpt2_forward, gpt2_copy_params, ckpt_save
 * and llmc_export refuse it afterwards (m->decode_layout). m must be the
 * cache's model; any packed copy is dropped. */
int kv_pack_model(KvCache *kv, GPT2 *m, RlhfErr *e);

/* The same panels in bf16 (half the bytes of kv_use_packed's; +50% of the
 * model's memory; replaces an fp32 copy). Activations and accumulation stay
 * fp32, but logits then differ from the fp32 forward by ~1e-2 relative, so
 * log-probs are no longer exactly the training forward's. Call again after
 * the parameters change. */
int kv_use_bf16(KvCache *kv, RlhfErr *e);

/* (V) logits of row b from the last call, or NULL when b was not computed. */
const float *kv_logits(const KvCache *kv, int b);

#endif
