/* test_demo.c — `rlhf demo --quick` end to end: every stage runs, the report
 * and the per-stage metrics exist, and the audit table is printed. The full
 * demo's numbers are recorded in docs/DEMO.md (it takes minutes, not seconds). */
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "util/common.h"

TEST(quick_demo_runs_end_to_end) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf build/test_demo && %s demo --quick --no-shared --out-dir build/test_demo "
             "> build/test_demo.out 2> build/test_demo.err", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    const char *must[] = {"build/test_demo/report.html", "build/test_demo/base.ckpt", "build/test_demo/sft.ckpt",
                          "build/test_demo/ppo.ckpt", "build/test_demo/ppo.ckpt.metrics.jsonl",
                          "build/test_demo/judges/train-help.judge", "build/test_demo/judges/test-harm.judge",
                          "build/test_demo/loop/manifest.json", "build/test_demo/loop/round-1/policy.ckpt",
                          "build/test_demo/dial-0.ckpt", "build/test_demo/shortcut.ckpt"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) CHECK_MSG(rlhf_file_exists(must[i]), "missing %s", must[i]);
    char *html, *out;
    size_t n;
    RlhfErr e;
    REQUIRE(rlhf_read_file("build/test_demo/report.html", &html, &n, &e) == 0);
    const char *sections[] = {"The judges", "PPO behind the robustness fence", "The steering loop", "The dials",
                              "Reviewer shortcuts", "Before and after", "Reliability diagram", "<svg"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        CHECK_MSG(strstr(html, sections[i]) != NULL, "report lacks '%s'", sections[i]);
    CHECK(strstr(html, "http://") == NULL || strstr(html, "<script src") == NULL);   /* self-contained */
    free(html);
    REQUIRE(rlhf_read_file("build/test_demo.out", &out, &n, &e) == 0);
    CHECK(strstr(out, "SFT policy") && strstr(out, "final policy") && strstr(out, "report: "));
    free(out);
}

TEST(loop_resumes_without_redoing_finished_rounds) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    if (!rlhf_file_exists("build/test_demo/loop/manifest.json")) SKIP("needs the quick demo's run");
    /* running the loop again on the finished run directory redoes nothing */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s loop --rounds 1 --run-dir build/test_demo/loop --base build/test_demo/base.ckpt "
             "--policy build/test_demo/ppo.ckpt > build/test_loop.out 2> build/test_loop.err", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *err;
    size_t n;
    RlhfErr e;
    REQUIRE(rlhf_read_file("build/test_loop.err", &err, &n, &e) == 0);
    CHECK(strstr(err, "round 1 already done") != NULL);
    CHECK(strstr(err, "round 1: collect") == NULL);
    free(err);
}

int main(void) {
    RUN(quick_demo_runs_end_to_end);
    RUN(loop_resumes_without_redoing_finished_rounds);
    return test_summary();
}
