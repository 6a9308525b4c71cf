/* sampler.h — batched generation from a GPT-2 with a KV cache: temperature,
 * top-k, top-p, stop strings / stop id sequences / end-of-text, max new tokens,
 * a seed, and per-token log-probabilities for PPO.
 *
 *   Sampler s;
 *   sampler_create(&s, m, B, max_prompt, max_new, &e);   // all memory, once
 *   SamplerOpts o;
 *   sampler_opts_default(&o);                            // T 1, no top-k/top-p
 *   o.temperature = 0.7f; o.top_p = 0.9f; o.eot_id = eot; o.seed = 42;
 *   const char *stops[] = {"\n\nHuman:"};
 *   o.stop = stops; o.n_stop = 1; o.decode = tok_decode; o.decode_ctx = tok;
 *   sampler_generate_ragged(&s, prompts, lens, B, &o, &e);
 *   const SampleRow *r = sampler_row(&s, b);            // r->ids[0..n), r->logp, ...
 *
 * Every row is returned, so best-of-N is: put one prompt in N rows, generate,
 * score the N replies with a judge, keep the best (the caller owns the judge).
 *
 * Determinism: row b draws from its own Rng seeded by (seed, b), so its samples
 * depend on the seed, its row index, its prompt and the model, not on the other
 * rows of the batch (up to BLAS rounding across batch shapes). */
#ifndef RLHF_SAMPLER_H
#define RLHF_SAMPLER_H

#include <stdint.h>

#include "model/gpt2.h"
#include "model/device.h"
#include "model/kvcache.h"
#include "util/rng.h"

/* Writes the bytes of tokens ids[0..n) into out (at most cap bytes) and returns
 * how many it wrote, or -1 on failure. The sampler decodes one token at a time
 * and concatenates, which is exact for byte-level BPE. */
typedef int (*SamplerDecodeFn)(void *ctx, const int *ids, int n, char *out, int cap);

typedef struct SamplerOpts {
    float temperature;      /* 0 = greedy (argmax); otherwise softmax(logits / T) */
    int top_k;              /* keep the k most likely tokens; 0 = off */
    float top_p;            /* nucleus: the most likely tokens with mass ≥ top_p; ≥ 1 = off */
    int max_new;            /* new tokens per row at most (≤ the sampler's max_new); 0 = the sampler's */
    int eot_id;             /* end-of-text id that ends a row; < 0 = none */
    uint64_t seed;
    /* stop strings, matched on the decoded reply (not the prompt); need decode */
    const char *const *stop;
    int n_stop;
    SamplerDecodeFn decode;
    void *decode_ctx;
    /* stop id sequences, matched on the reply's token ids */
    const int *const *stop_ids;
    const int *stop_ids_len;
    int n_stop_ids;
    /* row b draws as row b + row_offset would: a rank that samples rows
     * [begin, end) of a larger batch (data-parallel PPO) gets the replies one
     * process sampling the whole batch gets for those rows */
    int row_offset;
} SamplerOpts;

/* Longest stop string accepted, in bytes. */
#define SAMPLER_MAX_STOP 256

typedef enum SampleFinish {
    SAMPLE_RUNNING = 0,
    SAMPLE_LENGTH,     /* reached max_new */
    SAMPLE_EOT,        /* sampled eot_id (it is the last token) */
    SAMPLE_STOP,       /* a stop string appeared in the decoded reply */
    SAMPLE_STOP_IDS,   /* a stop id sequence ended the reply */
    SAMPLE_CONTEXT,    /* the row used all cfg.max_seq_len positions */
} SampleFinish;

const char *sample_finish_name(int finish);   /* "length", "eot", "stop", "stop_ids", "context" */

typedef struct SampleRow {
    int n;                     /* tokens generated, the EOT / stop tokens included */
    int n_reply;               /* the reply proper: n minus a final EOT; tokens wholly before a
                                * stop string's first byte; n minus a matched stop id sequence */
    int finish;                /* SampleFinish */
    int stop_index;            /* which stop string / id sequence matched, else -1 */
    long stop_byte;            /* byte offset of the matched stop string in the decoded reply, else -1 */
    const int *ids;            /* (n) generated token ids */
    const float *logp;         /* (n) log p_model(ids[t] | prefix): the model's own distribution,
                                * untempered and unfiltered — the log-prob PPO needs */
    const float *logp_sample;  /* (n) log q(ids[t]): the distribution actually sampled from
                                * (temperature, top-k, top-p applied); 0 under greedy */
} SampleRow;

/* One candidate while filtering: a weight and its token id. */
typedef struct SamplerCand {
    float w;
    int id;
} SamplerCand;

typedef struct Sampler {
    KvCache kv;                /* the CPU cache (unused when gkv is set) */
    CudaKv *gkv;               /* the device cache of sampler_create_dev on CUDA, else NULL */
    int nb, max_seq;           /* rows of the last call; the model's context */
    int B, max_prompt, max_new, V;
    int *ids;                  /* (B, max_new) */
    float *logp, *logq;        /* (B, max_new) */
    SampleRow *rows;           /* (B) */
    Rng *rng;                  /* (B) */
    int *next;                 /* (B) tokens to feed */
    uint8_t *active;           /* (B) */
    SamplerCand *cand;         /* (B, V) filtering scratch, one row per batch row */
    int *tok_start;            /* (B, max_new + 1) byte offset of each token in the decoded reply */
    char *win;                 /* (B, SAMPLER_WIN) tail of each decoded reply, for stop strings */
    int *win_len;              /* (B) */
    long *win_base;            /* (B) reply offset of win[0] */
    int *pack_tokens;          /* (B, max_prompt) left-padded ragged prompts */
    uint8_t *pack_mask;        /* (B, max_prompt) */
} Sampler;

int sampler_create(Sampler *s, const GPT2 *m, int B, int max_prompt, int max_new, RlhfErr *e);
/* The same on d's device: on CUDA the cache and the forward passes run on the
 * GPU from d's device weights (so a policy trained there samples as it now is);
 * the logits come back to the host, where picking, stops and log-probs are the
 * CPU sampler's code. On the CPU it is sampler_create(d->m). */
int sampler_create_dev(Sampler *s, DevModel *d, int B, int max_prompt, int max_new, RlhfErr *e);
void sampler_free(Sampler *s);
/* temperature 1, top_k 0, top_p 1, max_new 0 (all), eot_id -1, seed 0, no stops. */
void sampler_opts_default(SamplerOpts *o);

/* Generates for a prompt block tokens (B,Tp) with mask (B,Tp) or NULL (any padding,
 * see kvcache.h). B ≤ the sampler's B, Tp ≤ max_prompt. Results: sampler_row(). */
int sampler_generate(Sampler *s, const int *tokens, const uint8_t *mask, int B, int Tp, const SamplerOpts *o,
                     RlhfErr *e);
/* Same for B prompts of lens[b] tokens each (1 ≤ lens[b] ≤ max_prompt), left-padded. */
int sampler_generate_ragged(Sampler *s, const int *const *prompts, const int *lens, int B, const SamplerOpts *o,
                            RlhfErr *e);
const SampleRow *sampler_row(const Sampler *s, int b);

/* Picks one token from logits (V) under o's temperature / top-k / top-p with rng.
 * cand is (V) scratch. *logp = log p_model(token) (log-softmax of the raw logits),
 * *logq = log q(token) under the sampling distribution (0 under greedy). */
int sampler_pick(const float *logits, int V, const SamplerOpts *o, Rng *rng, SamplerCand *cand, float *logp,
                 float *logq);

#endif
