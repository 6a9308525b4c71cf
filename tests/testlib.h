/* testlib.h — a tiny test harness. Each tests/test_*.c is one program:
 *
 *   TEST(adds_up) { CHECK(1 + 1 == 2); CHECK_NEAR(0.1 + 0.2, 0.3, 1e-12); }
 *   int main(void) { RUN(adds_up); return test_summary(); }
 *
 * A failed CHECK prints file:line and marks the current test failed but keeps
 * going. SKIP("why") ends the current test as skipped (e.g. shared data absent).
 * The program's last line is "RESULT <passed> <failed> <skipped>", which
 * tests/run.sh adds up into the suite's closing "N passed, N failed" line. */
#ifndef RLHF_TESTLIB_H
#define RLHF_TESTLIB_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

static int tl_passed, tl_failed, tl_skipped, tl_cur_failed;
static jmp_buf tl_skip_jmp;
static const char *tl_cur_name;

#define TEST(name) static void name(void)

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "  FAIL %s:%d: %s: CHECK(%s)\n", __FILE__, __LINE__, tl_cur_name, #cond); \
    tl_cur_failed = 1; } } while (0)

#define CHECK_MSG(cond, ...) do { if (!(cond)) { \
    fprintf(stderr, "  FAIL %s:%d: %s: ", __FILE__, __LINE__, tl_cur_name); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); tl_cur_failed = 1; } } while (0)

#define CHECK_NEAR(a, b, tol) do { double tl_a = (a), tl_b = (b); \
    if (!(fabs(tl_a - tl_b) <= (tol))) { \
    fprintf(stderr, "  FAIL %s:%d: %s: %s = %.9g, %s = %.9g, |diff| %.3g > %.3g\n", __FILE__, __LINE__, \
            tl_cur_name, #a, tl_a, #b, tl_b, fabs(tl_a - tl_b), (double)(tol)); tl_cur_failed = 1; } } while (0)

#define CHECK_STR(a, b) do { const char *tl_a = (a), *tl_b = (b); \
    if (!tl_a || !tl_b || strcmp(tl_a, tl_b) != 0) { \
    fprintf(stderr, "  FAIL %s:%d: %s: %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
            tl_cur_name, #a, tl_a ? tl_a : "(null)", tl_b ? tl_b : "(null)"); tl_cur_failed = 1; } } while (0)

/* Stops the test when a check fails, for checks later code depends on. */
#define REQUIRE(cond) do { if (!(cond)) { \
    fprintf(stderr, "  FAIL %s:%d: %s: REQUIRE(%s)\n", __FILE__, __LINE__, tl_cur_name, #cond); \
    tl_cur_failed = 1; longjmp(tl_skip_jmp, 2); } } while (0)

#define SKIP(...) do { fprintf(stderr, "  SKIP %s: ", tl_cur_name); fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr); longjmp(tl_skip_jmp, 1); } while (0)

#define RUN(fn) do { tl_cur_name = #fn; tl_cur_failed = 0; \
    int tl_j = setjmp(tl_skip_jmp); \
    if (tl_j == 0) fn(); \
    if (tl_j == 1) { tl_skipped++; fprintf(stderr, "skip %s\n", #fn); } \
    else if (tl_cur_failed) { tl_failed++; fprintf(stderr, "FAIL %s\n", #fn); } \
    else { tl_passed++; fprintf(stderr, "ok   %s\n", #fn); } } while (0)

static inline int test_summary(void) {
    fflush(stderr);
    printf("RESULT %d %d %d\n", tl_passed, tl_failed, tl_skipped);
    return tl_failed ? 1 : 0;
}

/* Path of the shared data folder (../shared/data from the project root) or NULL. */
static inline const char *test_shared_data(void) {
    static const char *cands[] = {"../shared/data", "../../shared/data", NULL};
    const char *env = getenv("RLHF_SHARED_DATA");
    if (env) return env;
    for (int i = 0; cands[i]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/README.md", cands[i]);
        FILE *f = fopen(p, "r");
        if (f) { fclose(f); return cands[i]; }
    }
    return NULL;
}

static inline int test_long(void) { return getenv("RLHF_LONG") != NULL; }

#endif
