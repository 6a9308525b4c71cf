/* cmd_demo.c — `rlhf demo`: the whole story on built-in data (src/loop/demo.h). */
#include <omp.h>
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
    printf("  %-34s %12s %18s %13s\n", "policy", "task success", "harmful compliance", "over-refusal");
    printf("  %-34s %11.1f%% %17.1f%% %12.1f%%\n", "SFT policy", 100 * s.sft_success, 100 * s.sft_harmful, 100 * s.sft_over);
    printf("  %-34s %11.1f%% %17.1f%% %12.1f%%\n", "best-of-N (same KL as PPO)", 100 * s.bon_success, 100 * s.bon_harmful,
           100 * s.bon_over);
    printf("  %-34s %11.1f%% %17.1f%% %12.1f%%\n", "PPO (fence, KL budget)", 100 * s.ppo_success, 100 * s.ppo_harmful,
           100 * s.ppo_over);
    printf("  %-34s %11.1f%% %17.1f%% %12.1f%%\n", "final policy (after the loop)", 100 * s.final_success,
           100 * s.final_harmful, 100 * s.final_over);
    printf("\nreport: %s\n", s.report);
    return 0;
}
