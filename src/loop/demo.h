/* demo.h — `rlhf demo`: the whole story on built-in data, end to end, in
 * minutes on 2 cores: the clinic example → tokenizer and base model → SFT on a
 * mixture of reply styles → two-dial judges from simulated reviewers, behind
 * the robustness fence → best-of-N → PPO within a KL budget → rounds of the
 * steering loop → the dials and reviewer-shortcut experiments → report.html. */
#ifndef RLHF_DEMO_H
#define RLHF_DEMO_H

#include <stdint.h>

#include "util/common.h"

typedef struct DemoOpts {
    const char *out_dir;
    int quick;               /* tiny sizes: the test suite's version */
    int with_hh;             /* add the real HH-RLHF comparisons */
    const char *hh_dir;
    const char *shared_dir;  /* ../shared/data, for the alignment tax (optional) */
    int layers, width;       /* model size (0 = default) */
    int rounds;              /* steering-loop rounds */
    int bench_tasks;         /* bench round 0 on the SFT policy: tasks (-1 = the size's default, 0 = none) */
    uint64_t seed;
} DemoOpts;

typedef struct DemoSummary {
    /* audit rates: task success, harmful compliance, over-refusal, missed escalation */
    double sft_success, sft_harmful, sft_over, sft_missed;
    double bon_success, bon_harmful, bon_over, bon_missed;
    double final_success, final_harmful, final_over, final_missed;
    double ppo_success, ppo_harmful, ppo_over, ppo_missed;   /* the first PPO run, before the loop */
    double ppo_kl;                                           /* its kept policy's KL from the SFT policy */
    /* the optimum of PPO's objective, π* ∝ π_SFT·exp(r/β), at PPO's KL, estimated from best-of-N's
     * draws (src/ppo/frontier.h; NaN when the draws cannot reach that KL) */
    double opt_success, opt_harmful, opt_over, opt_missed;
    int bench0_help, bench0_harm, bench0_harm_differs;   /* comparisons of SFT replies kept */
    double seconds;
    char report[1024];
} DemoSummary;

void demo_defaults(DemoOpts *o);
int demo_run(const DemoOpts *o, DemoSummary *s, RlhfErr *e);

#endif
