/* lm_run.h — one language-model training run end to end, as `rlhf pretrain`
 * and `rlhf sft` do it: tokenizer (given, taken from --init, or trained on the
 * inputs), data, model, optimizer, resume, the loop, checkpoints and metrics. */
#ifndef RLHF_LM_RUN_H
#define RLHF_LM_RUN_H

#include "model/gpt2.h"
#include "train/trainer.h"

typedef struct LmRunOpts {
    const char *const *inputs;
    int ninputs;
    const char *out;            /* checkpoint path */
    const char *init;           /* start from this model (its tokenizer too) */
    const char *tokenizer;      /* our tokenizer file */
    const char *gpt2_bpe;       /* dir with encoder.json + vocab.bpe */
    int vocab_size;             /* train a tokenizer of this size on the inputs */
    GPT2Config cfg;             /* used when not --init (vocab_size from the tokenizer) */
    TrainConfig train;
    int sft;                    /* loss on Assistant replies only */
    double val_frac;
    size_t chunk_bytes;         /* plain-text files are cut into chunks of this size */
    int resume;                 /* continue from `out` when it exists */
    uint64_t seed;
    const char *metrics;        /* JSONL path (default <out>.metrics.jsonl) */
    const char *label;          /* "pretrain" or "sft" */
    int quiet;
} LmRunOpts;

void lm_run_defaults(LmRunOpts *o);
int lm_run(const LmRunOpts *o, RlhfErr *e);

#endif
