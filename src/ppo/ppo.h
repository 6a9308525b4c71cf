/* ppo.h — proximal policy optimisation of a GPT-2 policy against a reward
 * (the judge), with a per-token KL penalty to a frozen reference copy of the
 * starting policy, as in the HH-RLHF paper (and Ziegler et al. 2019 before it).
 *
 * One step:
 *   rollout   sample one reply per prompt with the KV-cache sampler
 *   scoring   reward(prompt, reply) from the caller (train judge; dials applied)
 *   ref       log-probs of the reply under the policy and the reference, values
 *   update    K epochs over minibatches of the clipped surrogate + clipped value
 *             loss, GAE advantages (whitened), AdamW
 *
 * Value estimate: a value head on the policy's own trunk (GPT2_HEAD_VALUE),
 * not a separate critic. On 2 cores a second transformer would double the
 * cost of every forward and backward; sharing the trunk is what most RLHF
 * implementations of this size do. The price is that value-loss gradients
 * reach the policy's features; vf_coef keeps them small.
 *
 * KL: the penalty uses the usual per-token log-ratio log π(y_t) − log π_ref(y_t)
 * on the sampled tokens. The KL we *report* uses the estimator
 * k3 = (r − 1) − log r with r = π_ref/π, which is unbiased and never negative,
 * so a reported KL below zero cannot happen. */
#ifndef RLHF_PPO_H
#define RLHF_PPO_H

#include "model/adamw.h"
#include "model/device.h"
#include "model/gpt2.h"
#include "model/sampler.h"
#include "tokenizer/bpe.h"
#include "util/metrics.h"

/* rewards[i] for the pair (prompts[i], replies[i]); return 0 or -1 with e set. */
typedef int (*PpoRewardFn)(void *ctx, const char *const *prompts, const char *const *replies, int n, float *rewards,
                           RlhfErr *e);

typedef struct PpoConfig {
    int rollout_batch;     /* replies per step (rollout_batch / group distinct prompts) */
    int group;             /* replies per prompt (1 = plain PPO); rows g·G .. g·G+G−1 share
                            * a prompt, and each reply's judge reward is centred on the mean
                            * of its G − 1 siblings' (a leave-one-out baseline, as in RLOO) */
    int minibatch;         /* sequences per gradient step */
    int epochs;            /* K passes over each rollout batch */
    int max_prompt;        /* prompt tokens kept (the end of longer prompts) */
    int max_new;           /* reply length limit */
    float temperature;     /* sampling temperature for rollouts (1 = on-policy) */
    float lr;
    float clip_ratio;      /* ε of the clipped surrogate (0.2) */
    float clip_value;      /* ε of the clipped value loss (0.2) */
    float vf_coef;         /* weight of the value loss */
    float ent_coef;        /* entropy bonus (0 = none) */
    float kl_coef;         /* β of the per-token KL penalty; the HH paper used 0.001 */
    int kl_in_loss;        /* 1: the KL penalty is a term of the loss, β·k3 per token with its
                            * own gradient β(1 − π_ref/π), instead of a per-token reward that
                            * the returns sum over the rest of the reply (as GRPO does) */
    float kl_target;       /* > 0: adaptive β toward this KL per reply (Ziegler et al.) */
    float kl_horizon;      /* adaptive controller horizon in replies */
    float gamma, lam;      /* GAE (defaults 1, 0.95) */
    int whiten_adv;        /* normalise advantages per batch */
    int norm_reward;       /* divide rewards by a running std */
    float reward_clip;     /* > 0: clip rewards to ±reward_clip after normalising */
    float length_penalty;  /* added to the reward when a reply hits max_new without ending */
    float grad_clip;
    long steps;
    uint64_t seed;
    DeviceKind device;     /* where policy, reference and rollouts run (model/device.h); 0 = CPU */
} PpoConfig;

void ppo_config_default(PpoConfig *c);

/* The leave-one-out group baseline, in place: score[i] −= mean of the other
 * rows of its group of G (rows g·G .. g·G+G−1). G ≤ 1 leaves score alone.
 * The baseline depends only on the siblings, sampled independently of row i,
 * so the policy gradient stays unbiased; what it removes is the part of the
 * reward that the prompt decides (some messages simply score higher), which
 * otherwise drowns the part the reply controls. */
void ppo_group_baseline(float *score, int n, int G);

/* Per-step measurements (what the metrics log gets). */
typedef struct PpoStats {
    long step;
    float reward;          /* mean judge reward (before KL penalty and normalisation) */
    float reward_std;
    float kl;              /* mean over replies of Σ_t k3: KL(π ‖ π_ref) per reply, ≥ 0 */
    float sqrt_kl;
    float kl_coef;         /* β used this step */
    float entropy;         /* mean per-token entropy of π on the replies */
    float length;          /* mean reply tokens */
    float truncated;       /* fraction of replies that hit max_new */
    float clip_frac;       /* fraction of tokens whose ratio was clipped */
    float value_loss;
    float policy_loss;
    float approx_kl;       /* mean k3 between the rollout policy and the updated one */
    float score;           /* mean total return (reward − KL penalty) */
    double t_rollout, t_score, t_ref, t_update;
} PpoStats;

typedef struct Ppo Ppo;

/* policy must carry GPT2_HEAD_VALUE (ppo_create adds it when missing); ref is
 * the frozen starting policy (same config; its heads are ignored; only its
 * activations change). tok encodes
 * prompts and decodes replies. Nothing is allocated per step after this. */
Ppo *ppo_create(GPT2 *policy, GPT2 *ref, Tokenizer *tok, const PpoConfig *c, RlhfErr *e);
void ppo_free(Ppo *p);
/* One PPO step on prompts[0..rollout_batch). reward is the train judge.
 * Under mpirun (docs/DISTRIBUTED.md) every rank passes the same prompts; each
 * samples, scores (reward is called on its rows only) and trains on its share,
 * and the step equals one process's step with the same rollout_batch. */
int ppo_step(Ppo *p, const char *const *prompts, PpoRewardFn reward, void *reward_ctx, PpoStats *out, RlhfErr *e);
/* The replies of the last rollout (valid until the next step). Under mpirun
 * each rank holds only its own rows' replies; NULL for the others. */
const char *ppo_reply(const Ppo *p, int i);
/* Rows [begin, end) of each batch this rank samples and scores (all on one rank). */
void ppo_local_rows(const Ppo *p, int *begin, int *end);
/* Under mpirun: copies rank 0's weights, optimizer moments and PPO state to
 * every rank (call once after creating or resuming). A no-op on one rank. */
void ppo_sync_from_root(Ppo *p);
AdamW *ppo_optimizer(Ppo *p);
/* The host policy and optimizer moments made current (on CUDA they live on
 * the device between steps; the host policy is refreshed after every step,
 * the moments only here). Call before saving with the optimizer. */
int ppo_sync_host(Ppo *p, RlhfErr *e);
/* Serialisable state besides the weights and the optimizer (β, step, reward stats). */
char *ppo_state_json(const Ppo *p);
int ppo_state_from_json(Ppo *p, const char *json, RlhfErr *e);
long ppo_steps_done(const Ppo *p);
void ppo_log_stats(MetricsLog *log, const PpoStats *s);

#endif
