/* test_bench_e2e.c — runs the headless-Chromium end-to-end test of the bench
 * (tests/e2e/bench.e2e.mjs) when node, playwright-core and chromium are there;
 * skips with the setup command otherwise. */
#include "testlib.h"

#include <sys/wait.h>
#include <unistd.h>

TEST(browser_signs_in_answers_and_exports) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) bin = "./rlhf";
    if (access(bin, X_OK)) SKIP("%s not built", bin);
    if (access("/usr/bin/chromium", X_OK)) SKIP("Debian chromium not installed (apt-get install chromium)");
    if (system("command -v node >/dev/null 2>&1")) SKIP("node not installed");
    if (access("tests/e2e/node_modules/playwright-core/package.json", R_OK))
        SKIP("playwright-core not installed: (cd tests/e2e && npm install)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "RLHF_BIN='%s' timeout 120 node tests/e2e/bench.e2e.mjs", bin);
    int st = system(cmd);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        /* A cold first Chromium start (fresh profile, empty font cache) can blow the
         * script's timeouts; one retry tells that apart from a real failure. */
        fprintf(stderr, "  e2e: first attempt failed (status %d); retrying once\n", st);
        st = system(cmd);
    }
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "e2e script failed (status %d)", st);
}

int main(void) {
    RUN(browser_signs_in_answers_and_exports);
    return test_summary();
}
