/* cmd_ppo.c — `rlhf ppo`: PPO against the judge(s), with the two dials, a KL
 * risk budget, and the robustness fence (given test judges, or --fence to
 * train train/test judges on halves of the comparisons first). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "dist/dist.h"
#include "ppo/fence.h"
#include "ppo/ppo_run.h"

#define MAX_FILES 16

/* Collects repeated options "--help-data A --help-data B" is not supported by
 * args.h, so file lists are comma-separated. */
int cmd_ppo(int argc, char **argv) {
    PpoRunOpts o;
    ppo_run_defaults(&o);
    const char *judge = NULL, *judge_harm = NULL, *test_judge = NULL, *test_judge_harm = NULL, *dials_s = "balanced";
    const char *prompts_path = NULL, *fence_base = NULL, *fence_help = NULL, *fence_harm = NULL, *fence_dir = NULL;
    const char *tax = NULL;
    int fence = 0, threads = 0, fence_epochs = 2;
    const char *device = "cpu";
    long long steps = o.ppo.steps, seed = 1;
    ArgSpec specs[] = {
        {"policy", 's', &o.policy, "CKPT", "SFT policy: the start and the frozen reference (required)"},
        {"out", 's', &o.out, "CKPT", "kept policy (best test-judge score); <out>.last for resume (required)"},
        {"prompts", 's', &prompts_path, "FILE", "prompts: JSONL with \"prompt\" or one per line (required)"},
        {"judge", 's', &judge, "J", "helpfulness judge (the reward)"},
        {"judge-harm", 's', &judge_harm, "J", "harmlessness judge (second dial)"},
        {"dials", 's', &dials_s, "D", "w_help,w_harm[,harm_cap] or balanced|helpful|harmless|help-only|harm-only|guarded"},
        {"test-judge", 's', &test_judge, "J", "held-out helpfulness judge to watch (fence)"},
        {"test-judge-harm", 's', &test_judge_harm, "J", "held-out harmlessness judge to watch"},
        {"fence", 'b', &fence, NULL, "train train/test judges on halves of the comparisons first"},
        {"fence-base", 's', &fence_base, "CKPT", "--fence: LM the judges start from"},
        {"fence-help", 's', &fence_help, "FILES", "--fence: helpfulness comparisons (comma-separated)"},
        {"fence-harm", 's', &fence_harm, "FILES", "--fence: harmlessness comparisons (comma-separated)"},
        {"fence-dir", 's', &fence_dir, "DIR", "--fence: where to save the four judges"},
        {"fence-epochs", 'i', &fence_epochs, "N", "--fence: judge training epochs"},
        {"steps", 'l', &steps, "N", "PPO steps"},
        {"batch", 'i', &o.ppo.rollout_batch, "N", "replies per step (in all: under mpirun the ranks share them)"},
        {"group", 'i', &o.ppo.group, "G", "replies per prompt; each reward is centred on its G-1 siblings' mean "
                                          "(leave-one-out baseline; G must divide --batch)"},
        {"minibatch", 'i', &o.ppo.minibatch, "N", "sequences per gradient step (in all, shared by the ranks)"},
        {"epochs", 'i', &o.ppo.epochs, "K", "passes over each rollout batch"},
        {"lr", 'f', &o.ppo.lr, "X", "learning rate"},
        {"max-new", 'i', &o.ppo.max_new, "N", "reply length limit"},
        {"max-prompt", 'i', &o.ppo.max_prompt, "N", "prompt tokens kept (the end)"},
        {"temperature", 'f', &o.ppo.temperature, "T", "rollout sampling temperature"},
        {"kl-coef", 'f', &o.ppo.kl_coef, "B", "per-token KL penalty β (the HH paper used 0.001)"},
        {"kl-in-loss", 'b', &o.ppo.kl_in_loss, NULL, "KL penalty as a loss term (β·k3 per token) instead of a per-token reward"},
        {"kl-target", 'f', &o.ppo.kl_target, "X", "adaptive β toward this KL per reply (0 = fixed β)"},
        {"kl-budget", 'f', &o.kl_budget, "X", "stop when sqrt(KL), averaged over --budget-smooth steps, reaches X"},
        {"budget-smooth", 'i', &o.budget_smooth, "K", "steps the budget's sqrt(KL) is averaged over (1 = each step's own)"},
        {"gamma", 'f', &o.ppo.gamma, "G", "GAE discount"},
        {"lambda", 'f', &o.ppo.lam, "L", "GAE λ"},
        {"clip", 'f', &o.ppo.clip_ratio, "E", "ratio clip ε"},
        {"vf-coef", 'f', &o.ppo.vf_coef, "C", "value-loss weight"},
        {"ent-coef", 'f', &o.ppo.ent_coef, "C", "entropy bonus"},
        {"norm-reward", 'b', &o.ppo.norm_reward, NULL, "normalise rewards by running mean/std"},
        {"reward-clip", 'f', &o.ppo.reward_clip, "X", "clip rewards to ±X (0 = off)"},
        {"length-penalty", 'f', &o.ppo.length_penalty, "X", "added to the reward of replies cut at --max-new"},
        {"overopt-gap", 'f', &o.overopt_gap, "X", "flag over-optimisation when train gain − test gain > X"},
        {"keep-smooth", 'i', &o.keep_smooth, "K", "keep the step whose test score, averaged with the K-1 steps before "
                                                  "it, is best (1 = the raw best; one batch's mean is noisy)"},
        {"ckpt-every", 'i', &o.ckpt_every, "N", "steps between resumable checkpoints"},
        {"resume", 'b', &o.resume, NULL, "continue from <out>.last"},
        {"tax", 's', &tax, "FILES", "general-text files for the alignment tax (comma-separated)"},
        {"metrics", 's', &o.metrics, "FILE", "metrics JSONL (default <out>.metrics.jsonl)"},
        {"report", 's', &o.report, "FILE", "HTML report"},
        {"seed", 'l', &seed, "S", "seed"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads"},
        {"device", 's', &device, "cpu|cuda", "where policy, reference, rollouts and judges run (cuda: build/cuda/rlhf)"},
        {0}};
    int rc = args_parse(argv[0], "rlhf ppo --policy SFT --out OUT --prompts FILE (--judge J [--judge-harm J2] | --fence ...) [options]",
                        specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (o.keep_smooth < 1 || o.keep_smooth > PPO_MAX_KEEP_SMOOTH) {
        fprintf(stderr, "rlhf ppo: --keep-smooth %d: need 1..%d\n", o.keep_smooth, PPO_MAX_KEEP_SMOOTH);
        return 2;
    }
    if (o.budget_smooth < 1 || o.budget_smooth > PPO_MAX_KEEP_SMOOTH) {
        fprintf(stderr, "rlhf ppo: --budget-smooth %d: need 1..%d\n", o.budget_smooth, PPO_MAX_KEEP_SMOOTH);
        return 2;
    }
    o.ppo.steps = steps;
    o.ppo.seed = (uint64_t)seed;
    if (!o.policy || !o.out || !prompts_path) {
        fprintf(stderr, "rlhf ppo: --policy, --out and --prompts are required (see --help)\n");
        return 2;
    }
    if (!fence && !judge && !judge_harm) {
        fprintf(stderr, "rlhf ppo: give --judge and/or --judge-harm, or --fence with comparisons\n");
        return 2;
    }
    if (fence && (!fence_base || (!fence_help && !fence_harm))) {
        fprintf(stderr, "rlhf ppo: --fence needs --fence-base and --fence-help and/or --fence-harm\n");
        return 2;
    }
    if ((rc = args_device(argv[0], device, &o.ppo.device))) return rc;
    if (threads > 0) omp_set_num_threads(threads);
    RlhfErr e;
    Dials dials;
    if (dials_parse(dials_s, &dials, &e)) { fprintf(stderr, "rlhf ppo: --dials: %s\n", e.msg); return 2; }
    char **prompts = NULL;
    int nprompts = 0;
    if (ppo_load_prompts(prompts_path, &prompts, &nprompts, &e)) { fprintf(stderr, "rlhf ppo: %s\n", e.msg); return 1; }
    o.prompts = (const char *const *)prompts;
    o.nprompts = nprompts;
    char *tax_owned = NULL;
    o.ntax = args_split_list(tax, o.tax_files, PPO_MAX_TAX_SETS, &tax_owned);
    for (int i = 0; i < o.ntax; i++) {
        if (!rlhf_file_exists(o.tax_files[i])) {   /* fail before any judge is trained */
            fprintf(stderr, "rlhf ppo: --tax: %s: no such file\n", o.tax_files[i]);
            ppo_free_prompts(prompts, nprompts);
            free(tax_owned);
            return 1;
        }
        const char *slash = strrchr(o.tax_files[i], '/');
        o.tax_names[i] = slash ? slash + 1 : o.tax_files[i];
    }

    Judge jh = {0}, jr = {0}, th = {0}, tr = {0};
    Fence f = {0};
    RewardModel train_rm = {.dials = dials}, test_rm = {.dials = dials};
    int have_test = 0;
    rc = 1;
    char *help_owned = NULL, *harm_owned = NULL;
    if (fence) {
        FenceOpts fo = {.base = fence_base, .out_dir = fence_dir};
        const char *hf[MAX_FILES], *rf[MAX_FILES];
        fo.nhelp = args_split_list(fence_help, hf, MAX_FILES, &help_owned);
        fo.nharm = args_split_list(fence_harm, rf, MAX_FILES, &harm_owned);
        fo.help_files = hf;
        fo.harm_files = rf;
        judge_train_defaults(&fo.jt);
        fo.jt.epochs = fence_epochs;
        fo.jt.device = o.ppo.device;   /* the fence's judges train and score there too */
        if (fence_train(&f, &fo, dials, &e)) goto out;
        train_rm = f.train_rm;
        test_rm = f.test_rm;
        have_test = 1;
    } else {
        if (judge && judge_load(&jh, judge, &e)) goto out;
        if (judge_harm && judge_load(&jr, judge_harm, &e)) goto out;
        train_rm.help = judge ? &jh : NULL;
        train_rm.harm = judge_harm ? &jr : NULL;
        if (test_judge && judge_load(&th, test_judge, &e)) goto out;
        if (test_judge_harm && judge_load(&tr, test_judge_harm, &e)) goto out;
        test_rm.help = test_judge ? &th : NULL;
        test_rm.harm = test_judge_harm ? &tr : NULL;
        Judge *all[4] = {train_rm.help, train_rm.harm, test_rm.help, test_rm.harm};
        for (int i = 0; i < 4; i++)
            if (all[i] && judge_use_device(all[i], o.ppo.device, &e)) goto out;
        have_test = test_judge || test_judge_harm;
    }
    o.train_rm = &train_rm;
    o.test_rm = have_test ? &test_rm : NULL;
    PpoRunResult res;
    if (ppo_run(&o, &res, &e)) { ppo_run_result_free(&res); goto out; }
    if (!dist_is_root()) { ppo_run_result_free(&res); rc = 0; goto out; }
    printf("ppo: %ld steps in %.0fs; train reward %.3f -> %.3f", res.steps, res.seconds, res.train0,
           res.hist.n ? res.hist.st[res.hist.n - 1].reward : 0.0f);
    if (have_test)
        printf("; test reward %.3f -> %.3f; over-optimisation %s", res.test0, res.hist.test_reward[res.hist.n - 1],
               res.overopt ? "FLAGGED" : "not flagged");
    printf("\nppo: reward ≈ %.3f·sqrt(KL) + %.3f (R² %.2f) for the train judge", res.fit_train_a, res.fit_train_b,
           res.fit_train_r2);
    if (have_test) printf(", %.3f·sqrt(KL) + %.3f (R² %.2f) for the test judge", res.fit_test_a, res.fit_test_b, res.fit_test_r2);
    printf("\nppo: kept step %ld (best %s score %.3f) in %s\n", res.best_step, have_test ? "test-judge" : "judge",
           res.best_score, o.out);
    for (int i = 0; i < o.ntax; i++)
        printf("ppo: alignment tax on %s: LM loss %.4f -> %.4f\n", o.tax_names[i], res.tax_before[i], res.tax_after[i]);
    ppo_run_result_free(&res);
    rc = 0;
out:
    if (rc && dist_size() > 1) {
        /* a failure only this rank had would leave the others waiting in their next collective */
        fprintf(stderr, "rlhf ppo: rank %d: %s\n", dist_rank(), e.msg);
        dist_abort(1);
    }
    if (rc) fprintf(stderr, "rlhf ppo: %s\n", e.msg);
    if (fence) fence_free(&f);
    judge_free(&jh); judge_free(&jr); judge_free(&th); judge_free(&tr);
    ppo_free_prompts(prompts, nprompts);
    free(tax_owned); free(help_owned); free(harm_owned);
    return rc;
}
