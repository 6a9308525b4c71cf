/* cmd_loop.c — `rlhf loop`: the steering loop (src/loop/loop.h). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "loop/loop.h"

static int parse_shortcuts(const char *s, ClinicReviewer *rv, double w) {
    if (!s) return 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (!strcmp(t, "short")) rv->prefer_short = w;
        else if (!strcmp(t, "confident")) rv->prefer_confident = w;
        else if (!strcmp(t, "refusal")) rv->reward_refusal = w;
        else return -1;
    }
    return 0;
}

int cmd_loop(int argc, char **argv) {
    LoopOpts o;
    loop_defaults(&o);
    const char *help = NULL, *harm = NULL, *reviewers = "simulated", *shortcut = NULL, *dials = "balanced", *tax = NULL;
    double noise = 0.1, weight = 2.0;
    long long steps = 20, seed = 1;
    int threads = 0, keep_ties = 0;
    ArgSpec specs[] = {
        {"run-dir", 's', &o.run_dir, "DIR", "where every round's data, judges, policies and metrics go (required)"},
        {"rounds", 'i', &o.rounds, "N", "rounds"},
        {"base", 's', &o.base, "CKPT", "LM the judges start from (required)"},
        {"policy", 's', &o.policy, "CKPT", "the first policy (required)"},
        {"help-data", 's', &help, "FILES", "helpfulness comparisons collected before the loop (comma-separated)"},
        {"harm-data", 's', &harm, "FILES", "red-team comparisons collected before the loop (comma-separated)"},
        {"reviewers", 's', &reviewers, "KIND", "simulated (people in the bench: see docs/LOOP.md)"},
        {"new-prompts", 'i', &o.new_prompts, "N", "comparisons collected per round"},
        {"snapshot-pairs", 'i', &o.snapshot_pairs, "0|1", "pair the current policy's reply with the previous "
                                                        "round's policy's (1, the default; round 1: --prior-policy) "
                                                        "or with its own"},
        {"prior-policy", 's', &o.prior_policy, "CKPT", "the policy --policy came from (e.g. SFT): round 1's snapshot "
                                                       "pairs"},
        {"reviewer-noise", 'd', &noise, "P", "simulated reviewers answer at random with this probability"},
        {"shortcut", 's', &shortcut, "LIST", "reviewer shortcuts: short,confident,refusal"},
        {"keep-ties", 'b', &keep_ties, NULL, "reviewers pick at random between equally good replies (default: skip them)"},
        {"shortcut-weight", 'd', &weight, "W", "strength of each shortcut"},
        {"dials", 's', &dials, "D", "w_help,w_harm[,harm_cap] or a preset (balanced, guarded, ...)"},
        {"kl-budget", 'f', &o.kl_budget, "X", "PPO stops when sqrt(KL) reaches X"},
        {"ppo-steps", 'l', &steps, "N", "PPO steps per round"},
        {"batch", 'i', &o.ppo.rollout_batch, "N", "PPO prompts per step"},
        {"kl-coef", 'f', &o.ppo.kl_coef, "B", "PPO KL penalty"},
        {"lr", 'f', &o.ppo.lr, "X", "PPO learning rate"},
        {"judge-epochs", 'i', &o.jt.epochs, "N", "judge training epochs per round"},
        {"tax", 's', &tax, "FILES", "general-text files for the alignment tax"},
        {"seed", 'l', &seed, "S", "seed"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads"},
        {0}};
    int rc = args_parse(argv[0], "rlhf loop --rounds N --run-dir DIR --base CKPT --policy CKPT [options]", specs, argc,
                        argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (!o.run_dir || !o.base || !o.policy) {
        fprintf(stderr, "rlhf loop: --run-dir, --base and --policy are required (see --help)\n");
        return 2;
    }
    if (strcmp(reviewers, "simulated")) {
        fprintf(stderr, "rlhf loop: --reviewers %s: only 'simulated' runs unattended; with people, export each round's "
                        "comparisons from the bench and pass them as --help-data / --harm-data (docs/LOOP.md)\n", reviewers);
        return 2;
    }
    o.help_rv.noise = o.harm_rv.noise = noise;
    o.help_rv.skip_ties = o.harm_rv.skip_ties = !keep_ties;
    if (parse_shortcuts(shortcut, &o.help_rv, weight) || parse_shortcuts(shortcut, &o.harm_rv, weight)) {
        fprintf(stderr, "rlhf loop: --shortcut: use short, confident, refusal (comma-separated)\n");
        return 2;
    }
    RlhfErr e;
    if (dials_parse(dials, &o.dials, &e)) { fprintf(stderr, "rlhf loop: --dials: %s\n", e.msg); return 2; }
    o.ppo.steps = steps;
    o.seed = (uint64_t)seed;
    if (threads > 0) omp_set_num_threads(threads);
    char *h1 = NULL, *h2 = NULL, *h3 = NULL;
    o.nhelp = args_split_list(help, o.help_files, LOOP_MAX_FILES, &h1);
    o.nharm = args_split_list(harm, o.harm_files, LOOP_MAX_FILES, &h2);
    o.ntax = args_split_list(tax, o.tax_files, PPO_MAX_TAX_SETS, &h3);
    for (int i = 0; i < o.ntax; i++) {
        const char *s = strrchr(o.tax_files[i], '/');
        o.tax_names[i] = s ? s + 1 : o.tax_files[i];
    }
    LoopResult *res = calloc(1, sizeof *res);
    rc = res ? loop_run(&o, res, &e) : -1;
    if (rc) fprintf(stderr, "rlhf loop: %s\n", res ? e.msg : "out of memory");
    else {
        printf("round  success  harmful  over-refusal  helpElo  harmElo  drift\n");
        for (int r = 0; r < res->nrounds; r++) {
            const LoopRound *q = &res->r[r];
            int n = q->audit.all.n ? q->audit.all.n : 1;
            printf("%5d  %6.0f%%  %6.0f%%  %11.0f%%  %+7.0f  %+7.0f  %.3f\n", r, 100.0 * q->audit.all.success / n,
                   100.0 * q->audit.all.harmful / n, 100.0 * q->audit.all.over_refusal / n, q->elo_help, q->elo_harm,
                   q->drift_kl);
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/loop.html", o.run_dir);
        Report *rep = report_new("Steering loop", &e);
        if (rep) {
            loop_report_section(rep, res, "Rounds of deploy, compare, retrain, optimise");
            if (report_write(rep, path, &e)) fprintf(stderr, "rlhf loop: %s\n", e.msg);
            else printf("report: %s\n", path);
            report_free(rep);
        }
    }
    free(res);
    free(h1); free(h2); free(h3);
    return rc ? 1 : 0;
}
