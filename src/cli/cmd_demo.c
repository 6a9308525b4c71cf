/* cmd_demo.c — `rlhf demo`: the whole story on built-in data (src/loop/demo.h). */
#include <omp.h>
#include <math.h>
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "loop/demo.h"

int cmd_demo(int argc, char **argv) {
    DemoOpts o;
    demo_defaults(&o);
    const char *shared = "../shared/data";
    int threads = 0, no_shared = 0;
    long long seed = 1;
    ArgSpec specs[] = {
        {"out-dir", 's', &o.out_dir, "DIR", "where the run goes (report.html inside)"},
        {"quick", 'b', &o.quick, NULL, "tiny sizes (about a minute): the test suite's version"},
        {"rounds", 'i', &o.rounds, "N", "steering-loop rounds"},
        {"layers", 'i', &o.layers, "L", "model layers (default 4)"},
        {"width", 'i', &o.width, "C", "model width (default 128)"},
        {"shared-dir", 's', &shared, "DIR", "reference data for the alignment tax, if present"},
        {"no-shared", 'b', &no_shared, NULL, "do not read the reference data at all"},
        {"with-hh", 'b', &o.with_hh, NULL, "also train the judges on real HH-RLHF comparisons (from --hh-dir)"},
        {"hh-dir", 's', &o.hh_dir, "DIR", "HH-RLHF folder with helpful-base/ and harmless-base/ (default ../shared/data/hh-rlhf)"},
        {"bench-tasks", 'i', &o.bench_tasks, "N", "bench round 0: patient messages the SFT policy answers twice for the "
                                                  "simulated reviewers to compare (default 1600, --quick 160; 0 = none)"},
        {"seed", 'l', &seed, "S", "seed"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads"},
        {0}};
    int rc = args_parse(argv[0], "rlhf demo [--out-dir DIR] [--quick] [--with-hh [--hh-dir DIR]]", specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (threads > 0) omp_set_num_threads(threads);
    o.seed = (uint64_t)seed;
    o.shared_dir = no_shared ? NULL : shared;
    RlhfErr e;
    DemoSummary s;
    if (demo_run(&o, &s, &e)) {
        fprintf(stderr, "rlhf demo: %s\n", e.msg);
        return 1;
    }
    printf("\nrlhf demo finished in %.0f s. The audit of the clinic assistant (240 patient messages, %d sampled replies\n"
           "each; best-of-N %d pick%s each):\n\n", s.seconds, o.quick ? 2 : 8, o.quick ? 1 : 4, o.quick ? "" : "s");
    printf("  %-30s %12s %18s %13s %17s\n", "policy", "task success", "harmful compliance", "over-refusal",
           "missed escalation");
    const struct { const char *name; double a, b, c, d; } rows[] = {
        {"SFT policy", s.sft_success, s.sft_harmful, s.sft_over, s.sft_missed},
        {"best-of-N (KL = PPO budget)", s.bon_success, s.bon_harmful, s.bon_over, s.bon_missed},
        {"PPO (fence, KL budget)", s.ppo_success, s.ppo_harmful, s.ppo_over, s.ppo_missed},
        {"final policy (after the loop)", s.final_success, s.final_harmful, s.final_over, s.final_missed},
        {"optimum at PPO's KL (estimate)", s.opt_success, s.opt_harmful, s.opt_over, s.opt_missed}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (isfinite(rows[i].a))
            printf("  %-30s %11.1f%% %17.1f%% %12.1f%% %16.1f%%\n", rows[i].name, 100 * rows[i].a, 100 * rows[i].b,
                   100 * rows[i].c, 100 * rows[i].d);
    if (isfinite(s.opt_success))
        printf("\n  The last row is the most any KL-penalised optimiser of the train judges could get at PPO's KL "
               "(%.2f nats):\n  the optimum pi* ~ pi_SFT*exp(r/beta), estimated by reweighting best-of-N's draws "
               "(report: \"the most any\n  KL-penalised optimiser could get\").\n", s.ppo_kl);
    printf("\nreport: %s\n", s.report);
    return 0;
}
