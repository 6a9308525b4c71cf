/* best_of_n.h — best-of-N sampling: draw N replies to one prompt, score each
 * transcript (prompt + reply) with a reward (judge.h's RewardFn, normally the
 * two-dial RewardModel), keep the highest. It is the baseline PPO must beat
 * at equal KL from the policy:
 *
 *   KL(best-of-N ‖ policy) = log N − (N − 1) / N   (nats; best_of_n_kl)
 *
 * (Stiennon et al. 2020, appendix; exact when the N rewards are distinct.)
 *
 *   BestOfN r;
 *   best_of_n(&policy, tok, reward_fn_model, &rm, "\n\nHuman: Hi\n\nAssistant:", 16, &opts, &r, &e);
 *   r.replies[r.best], r.rewards[r.best], r.stats.mean ...
 *   best_of_n_free(&r); */
#ifndef RLHF_BEST_OF_N_H
#define RLHF_BEST_OF_N_H

#include "judge/judge.h"
#include "model/gpt2.h"
#include "model/sampler.h"
#include "tokenizer/bpe.h"

typedef struct RewardStats {
    int n;
    double mean, std, min, max;
    double q10, q25, q50, q75, q90;   /* linear-interpolated quantiles */
} RewardStats;

void reward_stats(const float *r, int n, RewardStats *out);

/* log N − (N − 1)/N. */
double best_of_n_kl(int n);

typedef struct BestOfN {
    int n;             /* samples drawn */
    int best;          /* index of the highest reward (first on ties) */
    float *rewards;    /* (n) */
    char **replies;    /* (n) decoded replies (stop string / EOT removed), NUL-terminated */
    int *finish;       /* (n) SampleFinish of each */
    RewardStats stats;
} BestOfN;

void best_of_n_free(BestOfN *r);


/* Samples N replies with a fresh sampler (o->max_new tokens at most, > 0), scores
 * prompt + reply with reward, fills *out. o->decode defaults to the tokenizer's
 * when stop strings are given without one. */
int best_of_n(const GPT2 *policy, Tokenizer *tok, RewardFn reward, void *reward_ctx, const char *prompt, int N,
              const SamplerOpts *o, BestOfN *out, RlhfErr *e);

/* The same with a caller-owned sampler (B ≥ N, max_prompt ≥ the prompt's
 * tokens), for callers that run many prompts. */
int best_of_n_with(Sampler *s, Tokenizer *tok, RewardFn reward, void *reward_ctx, const char *prompt, int N,
                   const SamplerOpts *o, BestOfN *out, RlhfErr *e);

#endif
