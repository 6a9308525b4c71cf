/* loop.h — the steering loop (HH paper section 4.5, "iterated online RLHF"):
 * rounds of
 *   1 collect  deploy the current policy: it answers new patient messages twice,
 *              and reviewers compare the two answers (simulated reviewers here;
 *              helpfulness and red-team pools), gold copies of every task are
 *              judged by a noise-free reviewer to measure reviewer agreement
 *   2 judges   retrain the fence's train/test judges on all comparisons so far
 *   3 ppo      optimise the policy against the train judge within the KL budget
 *   4 eval     audit rates, both judges, drift (KL to the first policy), and
 *              Elo of every round's policy from pairwise comparisons
 * Everything a round makes lives in RUN_DIR/round-N/, and RUN_DIR/manifest.json
 * records the last finished step, so a killed loop resumes where it stopped
 * without redoing (or losing) what it had collected. */
#ifndef RLHF_LOOP_H
#define RLHF_LOOP_H

#include "clinic/clinic_audit.h"
#include "clinic/clinic_reviewers.h"
#include "judge/judge.h"
#include "judge/judge_train.h"
#include "ppo/ppo_run.h"

#define LOOP_MAX_ROUNDS 16
#define LOOP_MAX_FILES 8

typedef struct LoopOpts {
    const char *run_dir;
    int rounds;
    const char *base;                    /* LM the judges start from */
    const char *policy;                  /* the first policy (SFT, or after a first PPO) */
    const char *prior_policy;            /* the policy `policy` came from (e.g. SFT), or NULL: round 1's
                                          * snapshot pairs compare against it */
    const char *help_files[LOOP_MAX_FILES];   /* comparisons collected before the loop */
    int nhelp;
    const char *harm_files[LOOP_MAX_FILES];
    int nharm;
    int new_prompts;                     /* tasks per round (half helpfulness, half red team) */
    int snapshot_pairs;                  /* each pair is the current policy against the one before it (the
                                          * previous round's; in round 1 prior_policy) (collect.h, policy_b);
                                          * 0 = the current one twice */
    ClinicReviewer help_rv, harm_rv;     /* the (simulated) reviewers, noise, shortcuts, skip_ties */
    Dials dials;
    PpoConfig ppo;
    float kl_budget;
    JudgeTrainOpts jt;
    int judge_max_len;
    const char *tax_files[PPO_MAX_TAX_SETS];
    const char *tax_names[PPO_MAX_TAX_SETS];
    int ntax;
    int elo_prompts;                     /* fixed prompts every policy answers for Elo */
    uint64_t seed;
    int quiet;
} LoopOpts;

void loop_defaults(LoopOpts *o);

/* What each round measured (also RUN_DIR/round-N/eval.json). Round 0 is the
 * starting policy before any loop step. */
typedef struct LoopRound {
    ClinicAuditReport audit;
    float train_reward0, train_reward, test_reward0, test_reward, sqrt_kl;
    int overopt;
    float drift_kl;                      /* KL(π_round ‖ π_first) per reply on audit prompts */
    float elo_help, elo_harm;
    float gold_agree_help, gold_agree_harm;   /* reviewer agreement with gold decisions */
    float newer_chosen;                  /* snapshot pairs: share of kept comparisons the current policy won */
    float judge_val_acc_help, judge_val_acc_harm;
    int n_new;                           /* comparisons collected this round */
    int n_skipped;                       /* tasks the reviewers skipped: replies equally good to them */
    float new_margin_mean, new_margin_abs; /* train-judge margin (chosen − rejected) of the new pairs */
    float score_p90;                     /* 90th percentile of the new replies' train-judge scores */
    float tax[PPO_MAX_TAX_SETS];
} LoopRound;

typedef struct LoopResult {
    int nrounds;                         /* rounds + 1 (round 0) */
    LoopRound r[LOOP_MAX_ROUNDS + 1];
    char policy[LOOP_MAX_ROUNDS + 1][512];   /* checkpoint of each round's policy */
} LoopResult;

int loop_run(const LoopOpts *o, LoopResult *res, RlhfErr *e);
/* Adds the loop's tables and plots to a report. */
void loop_report_section(Report *rep, const LoopResult *res, const char *heading);

/* Mean KL(π ‖ π_ref) per reply on given (prompt, reply) pairs sampled from π,
 * with the non-negative k3 estimator; both models share the tokenizer tok. */
float policy_kl(GPT2 *pi, GPT2 *ref, Tokenizer *tok, const char *const *prompts, const char *const *replies, int n,
                RlhfErr *e);

#endif
