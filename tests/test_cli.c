/* test_cli.c — the program's contract: every command and subcommand answers
 * --help with exit 0, bad usage exits 2 naming the option, failures exit 1
 * naming the file. */
#include <sys/wait.h>

#include "testlib.h"
#include "util/common.h"

static int run(const char *args, char *out, size_t cap) {
    const char *bin = getenv("RLHF_BIN");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s > build/test_cli.out 2>&1", bin, args);
    int st = system(cmd);
    FILE *f = fopen("build/test_cli.out", "r");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    out[n] = 0;
    if (f) fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(every_command_has_help) {
    if (!getenv("RLHF_BIN")) SKIP("RLHF_BIN not set (run through make test)");
    const char *cmds[] = {"--help", "demo --help", "tokenizer --help", "tokenizer train --help", "tokenizer encode --help",
                          "tokenizer decode --help", "pretrain --help", "sft --help", "sample --help", "speed --help",
                          "convert --help", "data --help", "data stats --help", "data split --help", "sft --help",
                          "judge --help", "judge train --help", "judge eval --help", "judge score --help",
                          "clinic --help", "clinic generate --help", "audit --help", "ppo --help", "loop --help",
                          "bench --help", "bench serve --help", "bench import --help", "bench export --help",
                          "report --help", "tokenizer speed --help", "data baselines --help",
                          "data pmp-topical --help", "clinic collect --help", "clinic replies --help",
                          "clinic eval-classifier --help", "clinic fit-classifier --help", "clinic label-diff --help",
                          "bench user --help", "judge help", "clinic -h"};
    static char out[65536];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        int rc = run(cmds[i], out, sizeof out);
        CHECK_MSG(rc == 0, "rlhf %s exited %d", cmds[i], rc);
        CHECK_MSG(strstr(out, "usage") != NULL || strstr(out, "Usage") != NULL, "rlhf %s: no usage text", cmds[i]);
    }
}

TEST(bad_usage_exits_2_and_failures_exit_1) {
    if (!getenv("RLHF_BIN")) SKIP("RLHF_BIN not set (run through make test)");
    static char out[65536];
    CHECK(run("no-such-command", out, sizeof out) == 2);
    /* commands with subcommands: none or an unknown one is bad usage, and the list is shown */
    const char *parents[] = {"tokenizer", "data", "judge", "clinic", "bench"};
    for (size_t i = 0; i < sizeof parents / sizeof parents[0]; i++) {
        char args[128];
        CHECK_MSG(run(parents[i], out, sizeof out) == 2 && strstr(out, "<subcommand>"), "rlhf %s: %s", parents[i], out);
        snprintf(args, sizeof args, "%s no-such-sub", parents[i]);
        CHECK_MSG(run(args, out, sizeof out) == 2 && strstr(out, "unknown subcommand 'no-such-sub'") && strstr(out, "<subcommand>"),
                  "rlhf %s: %s", args, out);
    }
    CHECK(run("pretrain --no-such-option", out, sizeof out) == 2 && strstr(out, "--no-such-option"));
    CHECK(run("speed --steps notanumber", out, sizeof out) == 2 && strstr(out, "notanumber"));
    CHECK(run("ppo --policy x", out, sizeof out) == 2);
    CHECK(run("audit --model /nonexistent.ckpt", out, sizeof out) == 1 && strstr(out, "/nonexistent.ckpt"));
    CHECK(run("sample --model /nonexistent.ckpt --prompt hi", out, sizeof out) == 1 && strstr(out, "/nonexistent.ckpt"));
    CHECK(run("report --metrics /nonexistent.jsonl --out build/x.html", out, sizeof out) == 1 &&
          strstr(out, "/nonexistent.jsonl"));
}

/* --device on every command that has it: a bad name is bad usage (2); cuda in
 * a build without the CUDA backend (./rlhf) is a failure (1) that says how to
 * get one, before any file is read; build/cuda/rlhf (make cuda) on a machine
 * without a GPU says that instead. */
TEST(device_option_is_checked_before_any_work) {
    if (!getenv("RLHF_BIN")) SKIP("RLHF_BIN not set (run through make test)");
    static char out[65536];
    const char *cmds[] = {"pretrain --out build/x.ckpt --vocab-size 300 README.md",
                          "sft --init /nonexistent.ckpt --out build/x.ckpt README.md",
                          "judge train --init /nonexistent.ckpt --out build/x.judge README.md",
                          "judge eval --judge /nonexistent.judge README.md",
                          "sample --model /nonexistent.ckpt --prompt hi",
                          "ppo --policy /nonexistent.ckpt --out build/x.ckpt --prompts /nonexistent.jsonl --judge /no.judge"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "%s --device tpu", cmds[i]);
        CHECK_MSG(run(args, out, sizeof out) == 2 && strstr(out, "expected cpu or cuda"), "%s: %s", args, out);
        snprintf(args, sizeof args, "%s --device cuda", cmds[i]);
        int rc = run(args, out, sizeof out);
        CHECK_MSG(rc == 1 && (strstr(out, "built without CUDA") || strstr(out, "no CUDA device")) &&
                      !strstr(out, "/nonexistent"),
                  "%s: exit %d: %s", args, rc, out);
    }
}

int main(void) {
    RUN(every_command_has_help);
    RUN(bad_usage_exits_2_and_failures_exit_1);
    RUN(device_option_is_checked_before_any_work);
    return test_summary();
}
