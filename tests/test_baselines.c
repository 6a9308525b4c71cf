/* test_baselines.c — the non-neural judge baselines: Wilson intervals, "longer
 * wins", the bag-of-words logistic regression on a planted preference, and both
 * on the real HH-RLHF splits. */
#include "testlib.h"

#include "data/comparisons.h"
#include "data/split.h"
#include "judge/baselines.h"
#include "util/rng.h"

static void add(ComparisonSet *s, const char *prompt, const char *chosen, const char *rejected) {
    Comparison c = {prompt, chosen, rejected, strlen(prompt), strlen(chosen), strlen(rejected), 2, 0, 0};
    RlhfErr e;
    if (comparison_set_add(s, &c, &e) != 0) { fprintf(stderr, "%s\n", e.msg); exit(1); }
}

TEST(wilson_interval_matches_hand_computation) {
    Accuracy a = accuracy_make(50, 100);
    CHECK_NEAR(a.acc, 0.5, 1e-12);
    CHECK_NEAR(a.lo, 0.40383, 1e-4);
    CHECK_NEAR(a.hi, 0.59617, 1e-4);
    a = accuracy_make(10, 10);   /* Wilson stays inside [0,1] where the normal interval would not */
    CHECK(a.acc == 1 && a.hi <= 1 + 1e-12 && a.lo > 0.69 && a.lo < 0.73);
    a = accuracy_make(0, 0);
    CHECK(a.n == 0 && a.acc == 0);
}

TEST(longer_wins_counts_code_points_and_half_ties) {
    ComparisonSet s = {0};
    add(&s, "\n\nHuman: a", "long reply", "short");        /* 1 */
    add(&s, "\n\nHuman: b", "tiny", "a longer one");       /* 0 */
    add(&s, "\n\nHuman: c", "\xc3\xa9\xc3\xa9", "ab");     /* "éé" vs "ab": equal in code points -> 0.5 */
    add(&s, "\n\nHuman: d", "abc", "\xc3\xa9\xc3\xa9");    /* 3 vs 2 code points (4 bytes) -> 1 */
    CHECK(baseline_utf8_len("\xc3\xa9\xe2\x80\x99x", 6) == 3);
    Accuracy a = baseline_longer_wins(&s);
    CHECK(a.n == 4);
    CHECK_NEAR(a.correct, 2.5, 1e-12);
    comparison_set_free(&s);
}

/* Replies of random filler words and random length; the chosen one carries a
 * "polite" word and the rejected one a "rude" word, at random positions. The
 * preference is purely lexical: length says nothing. */
static void planted(ComparisonSet *s, int n, uint64_t seed) {
    static const char *filler[] = {"the", "a", "river", "stone", "blue", "walk", "seven", "paper", "under", "light",
                                   "quiet", "market", "window", "train", "green", "over", "cloud", "table", "north",
                                   "silver", "garden", "plain", "round", "early"};
    static const char *good[] = {"please", "glad", "certainly", "happy"};
    static const char *bad[] = {"whatever", "dunno", "nope", "meh"};
    Rng r;
    rng_seed(&r, seed);
    char p[128], rep[2][1024];
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "\n\nHuman: question %d %llu", i, (unsigned long long)seed);
        for (int side = 0; side < 2; side++) {
            int len = 3 + rng_int(&r, 25), at = rng_int(&r, len), k = 0;
            rep[side][0] = 0;
            for (int w = 0; w < len; w++) {
                const char *word = w == at ? (side == 0 ? good : bad)[rng_int(&r, 4)] : filler[rng_int(&r, 24)];
                k += snprintf(rep[side] + k, sizeof rep[side] - (size_t)k, "%s%s", w ? " " : "", word);
            }
        }
        add(s, p, rep[0], rep[1]);
    }
}

TEST(bag_of_words_learns_a_planted_preference) {
    ComparisonSet train = {0}, test = {0};
    planted(&train, 1500, 1);
    planted(&test, 1000, 2);
    BowOpts o;
    bow_default_opts(&o);
    o.dim_log2 = 16;
    BowModel m;
    RlhfErr e;
    REQUIRE(bow_train(&m, &train, &o, &e) == 0);
    Accuracy a;
    REQUIRE(bow_eval(&m, &test, &a, &e) == 0);
    CHECK_MSG(a.acc >= 0.95, "planted preference learned to only %.3f", a.acc);
    CHECK(a.n == 1000);
    CHECK(m.o.l2 > 0);   /* chosen on the holdout */
    Accuracy lw = baseline_longer_wins(&test);
    CHECK_NEAR(lw.acc, 0.5, 0.06);   /* length carries no signal here */
    /* antisymmetric: swapping the pair negates the margin; the words decide */
    BowFeaturizer *f = bow_featurizer_new(&m.o, &e);
    REQUIRE(f);
    double ab = bow_margin(&m, f, "river please stone", 18, "river nope stone", 16);
    double ba = bow_margin(&m, f, "river nope stone", 16, "river please stone", 18);
    CHECK(ab > 0);
    CHECK_NEAR(ab, -ba, 1e-9);
    CHECK(bow_margin(&m, f, "same words", 10, "words same", 10) == 0);
    CHECK(bow_margin(&m, f, "PLEASE", 6, "please", 6) == 0);   /* lower-cased */
    bow_featurizer_free(f);
    bow_free(&m);
    /* a fixed L2 strength skips the search and still learns it */
    o.l2 = 1e-3;
    o.bigrams = 1;
    REQUIRE(bow_train(&m, &train, &o, &e) == 0);
    REQUIRE(bow_eval(&m, &test, &a, &e) == 0);
    CHECK(a.acc >= 0.95);
    CHECK(m.o.l2 == 1e-3);
    bow_free(&m);
    comparison_set_free(&train);
    comparison_set_free(&test);
}

TEST(bag_of_words_rejects_bad_options) {
    ComparisonSet empty = {0};
    BowOpts o;
    bow_default_opts(&o);
    BowModel m;
    RlhfErr e;
    CHECK(bow_train(&m, &empty, &o, &e) == -1 && strstr(e.msg, "no training pairs"));
    o.dim_log2 = 40;
    CHECK(bow_train(&m, &empty, &o, &e) == -1 && strstr(e.msg, "dim_log2"));
}

/* The project's standard 70/30 split of each real file; ranges around the
 * numbers in docs/JUDGE.md (and the prior PyTorch study's 44/61/59, 59/63/57). */
TEST(real_data_baselines_land_near_the_expected_numbers) {
    const char *dir = test_shared_data();
    if (!dir) SKIP("../shared/data absent");
    struct { const char *name; double lw_lo, lw_hi, bow_lo, bow_hi; } want[] = {
        {"harmless-base", 0.40, 0.50, 0.54, 0.64},
        {"helpful-base", 0.55, 0.66, 0.56, 0.68},
        {"helpful-rejection-sampled", 0.53, 0.64, 0.52, 0.63},
    };
    double fr[2] = {0.7, 0.3};
    for (size_t i = 0; i < RLHF_ARRAY_LEN(want); i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/hh-rlhf/%s/test.jsonl.gz", dir, want[i].name);
        if (!rlhf_file_exists(path)) SKIP("%s absent", path);
        const char *files[] = {path};
        ComparisonSet part[2] = {{0}};
        RlhfErr e;
        for (int p = 0; p < 2; p++) {
            ComparisonOpts o = {0};
            comparison_opts_split(&o, SPLIT_SALT_DEFAULT, fr, 2, p);
            REQUIRE(comparisons_load_all(files, 1, &o, &part[p], &e) == 0);
        }
        double frac = part[0].n / (double)(part[0].n + part[1].n);
        CHECK_NEAR(frac, 0.7, 0.03);
        Accuracy lw = baseline_longer_wins(&part[1]);
        BowOpts bo;
        bow_default_opts(&bo);
        bo.dim_log2 = 16;   /* 4x faster than the default 2^18 and the same accuracy on these files */
        BowModel m;
        REQUIRE(bow_train(&m, &part[0], &bo, &e) == 0);
        Accuracy bw;
        REQUIRE(bow_eval(&m, &part[1], &bw, &e) == 0);
        fprintf(stderr, "  %-26s test %4ld  longer wins %.3f [%.3f, %.3f]  bag of words %.3f [%.3f, %.3f] (l2 %g)\n",
                want[i].name, lw.n, lw.acc, lw.lo, lw.hi, bw.acc, bw.lo, bw.hi, m.o.l2);
        CHECK_MSG(lw.acc > want[i].lw_lo && lw.acc < want[i].lw_hi, "%s longer wins %.3f", want[i].name, lw.acc);
        CHECK_MSG(bw.acc > want[i].bow_lo && bw.acc < want[i].bow_hi, "%s bag of words %.3f", want[i].name, bw.acc);
        bow_free(&m);
        comparison_set_free(&part[0]);
        comparison_set_free(&part[1]);
    }
}

int main(void) {
    RUN(wilson_interval_matches_hand_computation);
    RUN(longer_wins_counts_code_points_and_half_ties);
    RUN(bag_of_words_learns_a_planted_preference);
    RUN(bag_of_words_rejects_bad_options);
    RUN(real_data_baselines_land_near_the_expected_numbers);
    return test_summary();
}
