/* main.c — the `rlhf` program: dispatches to one command per file (commands.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "dist/dist.h"

/* Commands not built yet link to this weak stand-in, so the table below can
 * list the whole pipeline while it is being written. */
#define PENDING(fn) \
    __attribute__((weak)) int fn(int argc, char **argv) { \
        (void)argc; fprintf(stderr, "rlhf %s: not implemented yet\n", argv[0]); return 1; }
PENDING(cmd_tokenizer) PENDING(cmd_pretrain) PENDING(cmd_sample) PENDING(cmd_speed)
PENDING(cmd_convert) PENDING(cmd_data) PENDING(cmd_sft) PENDING(cmd_judge)
PENDING(cmd_clinic) PENDING(cmd_audit) PENDING(cmd_ppo) PENDING(cmd_bench)
PENDING(cmd_loop) PENDING(cmd_demo) PENDING(cmd_report)

static const struct {
    const char *name;
    CommandFn fn;
    const char *summary;
} commands[] = {
    {"demo", cmd_demo, "the whole story on built-in data, to report.html"},
    {"tokenizer", cmd_tokenizer, "train | encode | decode byte-level BPE"},
    {"pretrain", cmd_pretrain, "language-model training on text, Topical-Chat, HH transcripts"},
    {"sample", cmd_sample, "generate replies (KV cache; --best-of N with a judge)"},
    {"speed", cmd_speed, "tokens/s of train | sample | judge at a fixed config"},
    {"convert", cmd_convert, "import/export llm.c .bin and Hugging Face safetensors"},
    {"data", cmd_data, "comparison data: stats | split | baselines | pmp-topical"},
    {"sft", cmd_sft, "supervised fine-tuning on assistant turns"},
    {"judge", cmd_judge, "preference models: train | eval | score"},
    {"clinic", cmd_clinic, "the worked example: generate clinic conversations and comparisons"},
    {"audit", cmd_audit, "behaviour audit of a model or a file of replies"},
    {"ppo", cmd_ppo, "PPO against the judge with a KL risk budget and fence"},
    {"bench", cmd_bench, "the comparison bench web app: serve | import | export | user"},
    {"loop", cmd_loop, "rounds of deploy, compare, retrain, optimise"},
    {"report", cmd_report, "turn a run's metrics JSONL into a self-contained HTML report"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: rlhf <command> [options]   (rlhf <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success, 1 failure, 2 bad usage\n");
}

/* OpenMP threads that spin while waiting collapse throughput when the cores
 * are shared with anything else: training a small model ran at 608 tokens/s
 * with libgomp's default spinning and 6,000 with OMP_WAIT_POLICY=passive on
 * this 2-core machine under load. libgomp reads the variable once at load
 * time, so when the user chose nothing we set it and re-execute ourselves. */
static void prefer_passive_openmp(char **argv) {
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") || getenv("RLHF_NO_REEXEC")) return;
    setenv("OMP_WAIT_POLICY", "passive", 1);
    setenv("RLHF_NO_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);   /* only returns on failure: then run as we are */
}

int main(int argc, char **argv) {
    prefer_passive_openmp(argv);
    RlhfErr derr;
    if (dist_init(&argc, &argv, &derr)) { fprintf(stderr, "rlhf: %s\n", derr.msg); return 1; }
    int dp_ok = argc > 1 && (!strcmp(argv[1], "pretrain") || !strcmp(argv[1], "sft") || !strcmp(argv[1], "ppo") ||
                             (!strcmp(argv[1], "judge") && argc > 2 && !strcmp(argv[2], "train")));
    if (dist_size() > 1 && !dp_ok) {
        fprintf(stderr, "rlhf %s: does not run on several MPI ranks yet (pretrain, sft, judge train and ppo do)\n",
                argc > 1 ? argv[1] : "");
        return 2;
    }
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rlhf: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
