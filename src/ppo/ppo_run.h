/* ppo_run.h — a whole PPO run, as `rlhf ppo`, the steering loop and the demo
 * do it: the policy starts from an SFT checkpoint that is also the frozen
 * reference; the train judge (two dials) gives the reward; an optional test
 * judge, trained on the other half of the comparisons (the robustness fence),
 * scores every rollout batch too. The run tracks reward against sqrt(KL) — the
 * risk budget — stops at --kl-budget, keeps the checkpoint with the best
 * test-judge score (not the last one), fits reward ≈ a·sqrt(KL) + b for both
 * judges, and flags over-optimisation when the train–test gap grows past a
 * threshold. Alignment tax: held-out LM loss on general text before / after. */
#ifndef RLHF_PPO_RUN_H
#define RLHF_PPO_RUN_H

#include "judge/judge.h"
#include "ppo/ppo.h"
#include "report/report.h"

#define PPO_MAX_TAX_SETS 4
#define PPO_MAX_KEEP_SMOOTH 8

typedef struct PpoRunOpts {
    const char *policy;          /* SFT checkpoint: the start and the reference */
    const char *out;             /* best policy (by test judge, else train judge); <out>.last for resume */
    RewardModel *train_rm;       /* the reward PPO optimises */
    RewardModel *test_rm;        /* the fence's held-out judge(s), or NULL */
    /* Or any reward as a callback over prompt+reply transcripts (tests use
     * planted rewards); when set they replace train_rm / test_rm. */
    RewardFn train_fn, test_fn;
    void *train_fn_ctx, *test_fn_ctx;
    const char *const *prompts;
    int nprompts;
    PpoConfig ppo;
    float kl_budget;             /* stop when sqrt(KL), averaged over budget_smooth steps, reaches it;
                                  * 0 = no budget */
    int budget_smooth;           /* steps the budget's sqrt(KL) is averaged over (1..PPO_MAX_KEEP_SMOOTH,
                                  * default 3; 1 = this
                                  * step's). One batch's KL estimate scatters by ±0.2 nats at 64 replies:
                                  * a single lucky batch must not end the run */
    float overopt_gap;           /* flag when (train gain − test gain) exceeds it */
    int keep_smooth;             /* a step's keeping score: the mean test score of it and the K − 1 steps
                                  * before it (default 3; 1 = its own score). One batch's mean has a
                                  * standard error (≈0.1 z on 64 replies) larger than a step's gain, so
                                  * the raw maximum mostly picks the luckiest batch, often an early one */
    int ckpt_every;              /* steps between <out>.last checkpoints */
    int resume;                  /* continue from <out>.last */
    const char *metrics;         /* JSONL (default <out>.metrics.jsonl) */
    const char *report;          /* HTML report, or NULL */
    const char *tax_files[PPO_MAX_TAX_SETS];   /* general-text files for the alignment tax */
    const char *tax_names[PPO_MAX_TAX_SETS];
    int ntax;
    int quiet;
} PpoRunOpts;

void ppo_run_defaults(PpoRunOpts *o);

/* One row per step, for plots and fits. */
typedef struct PpoHistory {
    PpoStats *st;
    float *test_reward;          /* NaN without a test judge */
    int n, cap;
} PpoHistory;

typedef struct PpoRunResult {
    PpoHistory hist;
    long steps;
    long best_step;              /* kept: the policy that sampled this step's rollouts (1 = the
                                  * starting policy); never a step at or past --kl-budget */
    float best_score;            /* its keeping score (smoothed, see keep_smooth) */
    float recent[PPO_MAX_KEEP_SMOOTH];   /* the last scores in the smoothing window (kept on resume) */
    int nrecent;
    float recent_kl[PPO_MAX_KEEP_SMOOTH];   /* the last sqrt(KL)s in the budget's window (kept on resume) */
    int nrecent_kl;
    int resumed_marks;           /* best and fence baselines came from the resumed checkpoint */
    float train0, test0;         /* mean rewards of the first rollout batch */
    float fit_train_a, fit_train_b, fit_train_r2;  /* reward ≈ a·sqrt(KL) + b */
    float fit_test_a, fit_test_b, fit_test_r2;
    int overopt;                 /* 1 when the gap crossed overopt_gap */
    long overopt_step;
    int stopped_by_budget;
    float tax_before[PPO_MAX_TAX_SETS], tax_after[PPO_MAX_TAX_SETS];
    double seconds;
} PpoRunResult;

int ppo_run(const PpoRunOpts *o, PpoRunResult *res, RlhfErr *e);
void ppo_run_result_free(PpoRunResult *r);
/* Adds the run's plots and numbers to a report (used by rlhf ppo and the demo). */
void ppo_report_section(Report *rep, const char *heading, const PpoRunResult *r, int have_test);
/* Prompts file: JSONL with a "prompt" member (the clinic's prompts.jsonl,
 * TRL-style files) or plain text, one prompt per line. */
int ppo_load_prompts(const char *path, char ***prompts, int *n, RlhfErr *e);
void ppo_free_prompts(char **prompts, int n);

#endif
