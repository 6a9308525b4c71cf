/* test_dist.c — data parallelism: the dist API without mpirun (one rank of
 * one, every collective a no-op), the batch sharding against one global
 * batch, and the equivalence test: `mpirun -np 2 rlhf pretrain --batch 2`
 * gives the loss trajectory and parameters of `rlhf pretrain --batch 4`. */
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "judge/judge.h"
#include "dist/dist.h"
#include "dist/dist_batch.h"
#include "model/checkpoint.h"
#include "train/trainer.h"

static const char *DIR = "build/test_dist";

TEST(without_mpirun_one_rank_and_no_ops) {
    /* this test program itself is not launched by mpirun */
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK"))
        SKIP("running under an MPI launcher");
    RlhfErr e;
    REQUIRE(dist_init(NULL, NULL, &e) == 0);
    CHECK(dist_rank() == 0 && dist_size() == 1 && dist_is_root());
    float g[3] = {1.5f, -2.0f, 3.25f};
    dist_allreduce_mean(g, 3);
    CHECK(g[0] == 1.5f && g[1] == -2.0f && g[2] == 3.25f);
    double s[2] = {7.0, -1.0};
    dist_allreduce_sum_double(s, 2);
    CHECK(s[0] == 7.0 && s[1] == -1.0);
    int x = 42;
    dist_bcast(&x, sizeof x);
    CHECK(x == 42);
    CHECK(dist_any(0) == 0 && dist_any(3) == 1);
    dist_barrier();
    dist_abort(1);   /* one rank: returns */
    dist_finalize();
    CHECK(dist_rank() == 0 && dist_size() == 1);
}

TEST(refuses_mpi_launch_when_built_without_mpi) {
    if (dist_compiled()) SKIP("built with MPI (this checks the build without it)");
    setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
    RlhfErr e;
    int rc = dist_init(NULL, NULL, &e);
    unsetenv("OMPI_COMM_WORLD_SIZE");
    CHECK(rc == -1);
    CHECK(rc == -1 && strstr(e.msg, "without MPI") && strstr(e.msg, "4"));
    CHECK(dist_size() == 1);
}

TEST(shards_cover_items_evenly) {
    long b, end, next = 0;
    int sizes[] = {4, 3, 3};   /* earlier ranks take the remainder */
    for (int r = 0; r < 3; r++) {
        dist_shard(10, r, 3, &b, &end);
        CHECK(b == next && end - b == sizes[r]);
        next = end;
    }
    CHECK(next == 10);
    dist_shard(2, 3, 4, &b, &end);   /* more ranks than items: empty share */
    CHECK(b == 2 && end == 2);
    dist_shard(5, 0, 1, &b, &end);
    CHECK(b == 0 && end == 5);
}

/* Rank r's rows of every global batch are rows [r·B, (r+1)·B) of what one
 * rank reading B·size windows gets, including across the wrap at the end of
 * the stream, and every rank's cursor follows the 1-rank cursor. */
TEST(sharded_rows_equal_the_global_batch) {
    TokenData d;
    token_data_init(&d);
    RlhfErr e;
    enum { N = 211, T = 5, B = 3, MAXR = 4 };
    for (int i = 0; i < N; i++) {
        int id = i * 7 % 50;
        REQUIRE(token_data_append(&d, &id, 1, i % 3 != 0, &e) == 0);   /* some untrained targets */
    }
    int gin[MAXR * B * T], gtg[MAXR * B * T], in[B * T], tg[B * T];
    float gw[MAXR * B * T], w[B * T];
    for (int size = 1; size <= MAXR; size++) {
        size_t gcur = 0, cur[MAXR] = {0};
        for (int step = 0; step < 40; step++) {   /* 40·B·size·T tokens: wraps several times */
            long gk = token_data_batch(&d, &gcur, B * size, T, 0.5f, gin, gtg, gw);
            long sum_mine = 0;
            for (int r = 0; r < size; r++) {
                long all = -1;
                long k = dist_lm_batch(&d, &cur[r], B, T, r, size, 0.5f, in, tg, w, &all);
                sum_mine += k;
                CHECK_MSG(memcmp(in, gin + r * B * T, sizeof in) == 0 && memcmp(tg, gtg + r * B * T, sizeof tg) == 0 &&
                              memcmp(w, gw + r * B * T, sizeof w) == 0,
                          "size %d step %d rank %d: rows differ from the global batch", size, step, r);
                CHECK_MSG(cur[r] == gcur, "size %d step %d rank %d: cursor %zu, global %zu", size, step, r, cur[r],
                          gcur);
                CHECK(all == gk);
            }
            CHECK(sum_mine == gk);
        }
    }
    token_data_free(&d);
}

static void write_corpus(const char *path, int n) {
    FILE *f = fopen(path, "w");
    const char *who[] = {"Ana", "Ben", "Cleo", "Dev"}, *day[] = {"Monday", "Tuesday", "Friday"};
    for (int i = 0; i < n; i++)
        fprintf(f, "Note %d: %s has a visit on %s at %d am. The clinic is open.\n", i, who[(i * 7) % 4],
                day[(i * 5 / 4) % 3], 8 + (i * 3) % 4);
    fclose(f);
}

/* Reads `key` from each line of a metrics JSONL that has it; returns the count. */
static int read_series(const char *path, const char *key, double *out, int max) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096], pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    int n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        char *p = strstr(line, pat);
        if (p) out[n++] = strtod(p + strlen(pat), NULL);
    }
    fclose(f);
    return n;
}

/* Per-step "loss" of two metrics logs: same count, relative difference ≤ 1e-5. */
static void compare_losses(const char *m1, const char *m2, int steps, const char *what) {
    double l1[64], l2[64];
    int n1 = read_series(m1, "loss", l1, 64), n2 = read_series(m2, "loss", l2, 64);
    CHECK_MSG(n1 == steps && n2 == steps, "%s: %d and %d loss lines, expected %d", what, n1, n2, steps);
    double worst = 0;
    for (int i = 0; i < n1 && i < n2; i++) {
        double rel = fabs(l1[i] - l2[i]) / fabs(l1[i]);
        if (rel > worst) worst = rel;
        CHECK_MSG(rel <= 1e-5, "%s: step %d: loss %.9g (1 rank) vs %.9g (2 ranks), relative %.2g", what, i + 1, l1[i],
                  l2[i], rel);
    }
    fprintf(stderr, "  %s, 2 ranks vs 1: worst relative loss difference %.2g over %d steps\n", what, worst, n1);
}

static int have_mpirun(void) { return system("command -v mpirun >/dev/null 2>&1") == 0; }

/* The rlhf binary for an MPI equivalence test; skips the test when it cannot run here. */
static const char *mpi_test_bin(void) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    if (!have_mpirun()) SKIP("mpirun not found (install openmpi-bin to run the MPI equivalence test)");
    if (!dist_compiled()) SKIP("this build has no MPI support (the Makefile found no `pkg-config ompi-c`)");
    return bin;
}

/* `mpirun -np 2 BIN ARGS > LOG 2>&1`; on failure the log's tail goes to stderr. */
static int run_two_ranks(const char *bin, const char *args, const char *log) {
    char cmd[2048];
    /* ASAN_OPTIONS: Open MPI's own allocations look like leaks to an ASan build */
    snprintf(cmd, sizeof cmd,
             "ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe --allow-run-as-root -np 2 %s %s >%s 2>&1", bin, args,
             log);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "tail -20 %s >&2", log);
        (void)system(cmd);
    }
    return rc;
}

TEST(two_ranks_match_one_rank_with_the_global_batch) {
    const char *bin = mpi_test_bin();
    mkdir("build", 0755); mkdir(DIR, 0755);
    char corpus[256], one[256], two[256], cmd[2048];
    snprintf(corpus, sizeof corpus, "%s/corpus.txt", DIR);
    snprintf(one, sizeof one, "%s/one.ckpt", DIR);
    snprintf(two, sizeof two, "%s/two.ckpt", DIR);
    write_corpus(corpus, 300);
    unlink(one); unlink(two);
    const char *common = "--vocab-size 300 --layers 2 --heads 2 --width 32 --context 32 --seq 32 --steps 30 "
                         "--warmup 3 --lr 3e-3 --accum 2 --eval-every 10 --eval-batches 3 --ckpt-every 15 "
                         "--chunk-bytes 256 --threads 1";
    snprintf(cmd, sizeof cmd, "%s pretrain --out %s --batch 4 %s %s 2>%s/one.err", bin, one, common, corpus, DIR);
    REQUIRE(system(cmd) == 0);
    char args[1024], log[300];
    snprintf(args, sizeof args, "pretrain --out %s --batch 2 %s %s", two, common, corpus);
    snprintf(log, sizeof log, "%s/two.err", DIR);
    REQUIRE(run_two_ranks(bin, args, log) == 0);

    /* per-step training loss and held-out loss: the same to fp32 tolerance */
    char m1[300], m2[300];
    snprintf(m1, sizeof m1, "%s.metrics.jsonl", one);
    snprintf(m2, sizeof m2, "%s.metrics.jsonl", two);
    double l2[64], v1[8], v2[8], t1[64], t2[64];
    compare_losses(m1, m2, 30, "pretrain");
    int n2 = read_series(m2, "loss", l2, 64);
    REQUIRE(n2 == 30);
    CHECK(l2[n2 - 1] < l2[0] - 0.5);   /* and it did learn */
    int k1 = read_series(m1, "val_loss", v1, 8), k2 = read_series(m2, "val_loss", v2, 8);
    CHECK(k1 == 3 && k2 == 3);
    for (int i = 0; i < k1 && i < k2; i++) CHECK_NEAR(v1[i], v2[i], 1e-5 * fabs(v1[i]));
    /* the 2-rank run counts the trained tokens of both shards */
    CHECK(read_series(m1, "trained_tokens", t1, 64) == 30 && read_series(m2, "trained_tokens", t2, 64) == 30);
    CHECK(t1[0] == t2[0] && t1[29] == t2[29]);
    CHECK(read_series(m2, "ranks", t2, 64) == 30 && t2[0] == 2);

    /* final parameters: close (AdamW amplifies rounding differences a little) */
    RlhfErr e;
    GPT2 a, b;
    char *ja = NULL, *jb = NULL;
    REQUIRE(ckpt_load(one, &a, NULL, &ja, NULL, &e) == 0);
    REQUIRE(ckpt_load(two, &b, NULL, &jb, NULL, &e) == 0);
    REQUIRE(a.num_params == b.num_params);
    double maxd = 0, maxp = 0;
    for (size_t i = 0; i < a.num_params; i++) {
        double dd = fabs((double)a.param_mem[i] - b.param_mem[i]);
        if (dd > maxd) maxd = dd;
        if (fabs(a.param_mem[i]) > maxp) maxp = fabs(a.param_mem[i]);
    }
    fprintf(stderr, "  final parameters: max |difference| %.2g (max |parameter| %.2g)\n", maxd, maxp);
    CHECK_MSG(maxd <= 1e-4, "parameters differ by up to %.3g", maxd);
    TrainState sa, sb;
    REQUIRE(train_state_from_json(ja, &sa, &e) == 0 && train_state_from_json(jb, &sb, &e) == 0);
    CHECK(sa.step == 30 && sb.step == 30);
    CHECK_MSG(sa.cursor == sb.cursor, "data position %zu (1 rank) vs %zu (2 ranks)", sa.cursor, sb.cursor);
    free(ja); free(jb);
    gpt2_free(&a); gpt2_free(&b);
}

/* SFT trains only on Assistant tokens, so the ranks' shares hold different
 * numbers of trained targets: the loss must be normalised by the global count
 * (a per-rank mean would weight the tokens of a sparse share more). */
TEST(two_ranks_match_one_rank_in_sft) {
    const char *bin = mpi_test_bin();
    char init[256], data[256], one[256], two[256], cmd[2048];
    snprintf(init, sizeof init, "%s/one.ckpt", DIR);
    REQUIRE(rlhf_file_exists(init));   /* from the pretraining test */
    snprintf(data, sizeof data, "%s/dialogues.jsonl", DIR);
    snprintf(one, sizeof one, "%s/sft1.ckpt", DIR);
    snprintf(two, sizeof two, "%s/sft2.ckpt", DIR);
    unlink(one); unlink(two);
    FILE *f = fopen(data, "w");
    REQUIRE(f);
    const char *who[] = {"Ana", "Ben", "Cleo"}, *day[] = {"Monday", "Friday"};
    for (int i = 0; i < 60; i++) {   /* replies of very different lengths */
        fprintf(f, "{\"chosen\": \"\\n\\nHuman: Can %s book visit %d on %s?\\n\\nAssistant: ", who[i % 3], i, day[i % 2]);
        for (int r = 0; r <= (i * 7) % 9; r++) fprintf(f, "Yes, at %d am. ", 8 + (i + r) % 4);
        fprintf(f, "\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: No.\"}\n");
    }
    fclose(f);
    const char *common = "--seq 32 --steps 12 --warmup 2 --lr 1e-3 --eval-every 6 --eval-batches 2 --val-frac 0.1 "
                         "--threads 1";
    snprintf(cmd, sizeof cmd, "%s sft --init %s --out %s --batch 4 %s %s 2>%s/sft1.err", bin, init, one, common, data,
             DIR);
    REQUIRE(system(cmd) == 0);
    char args[1024], log[300];
    snprintf(args, sizeof args, "sft --init %s --out %s --batch 2 %s %s", init, two, common, data);
    snprintf(log, sizeof log, "%s/sft2.err", DIR);
    REQUIRE(run_two_ranks(bin, args, log) == 0);
    char m1[300], m2[300];
    snprintf(m1, sizeof m1, "%s.metrics.jsonl", one);
    snprintf(m2, sizeof m2, "%s.metrics.jsonl", two);
    compare_losses(m1, m2, 12, "sft");
    double v1[4], v2[4], t1[16], t2[16];
    CHECK(read_series(m1, "val_loss", v1, 4) == 2 && read_series(m2, "val_loss", v2, 4) == 2);
    CHECK_NEAR(v1[1], v2[1], 1e-5 * fabs(v1[1]));
    /* the masks really do differ between steps (else this is the pretraining test again) */
    REQUIRE(read_series(m1, "trained_tokens", t1, 16) == 12 && read_series(m2, "trained_tokens", t2, 16) == 12);
    int varied = 0;
    for (int i = 0; i < 12; i++) {
        CHECK(t1[i] == t2[i]);
        varied |= t1[i] != t1[0];
    }
    CHECK(varied && t1[0] < 4 * 32);
}

/* The judge: pairs of a micro-batch are split across ranks (--batch per rank, as in
 * pretraining), so 2 ranks with --batch 3 train like 1 rank with --batch 6; the pairs
 * have different lengths, so the ranks' shares pad to different widths. */
TEST(two_ranks_match_one_rank_in_judge_training) {
    const char *bin = mpi_test_bin();
    char init[256], data[256], one[256], two[256], cmd[2048];
    snprintf(init, sizeof init, "%s/one.ckpt", DIR);
    REQUIRE(rlhf_file_exists(init));   /* from the pretraining test */
    snprintf(data, sizeof data, "%s/pairs.jsonl", DIR);
    snprintf(one, sizeof one, "%s/judge1.judge", DIR);
    snprintf(two, sizeof two, "%s/judge2.judge", DIR);
    unlink(one); unlink(two);
    FILE *f = fopen(data, "w");
    REQUIRE(f);
    const char *day[] = {"Monday", "Tuesday", "Friday"};
    for (int i = 0; i < 90; i++) {   /* planted preference: a booked visit beats a refusal */
        fprintf(f, "{\"chosen\": \"\\n\\nHuman: Visit %d on %s?\\n\\nAssistant: Booked, %s at %d am.", i, day[i % 3],
                day[i % 3], 8 + i % 4);
        for (int r = 0; r < i % 5; r++) fprintf(f, " See you then.");
        fprintf(f, "\", \"rejected\": \"\\n\\nHuman: Visit %d on %s?\\n\\nAssistant: No.\"}\n", i, day[i % 3]);
    }
    fclose(f);
    const char *common = "--epochs 2 --lr 1e-3 --seq 32 --val-frac 0.2 --eval-every 4 --threads 1 --quiet";
    snprintf(cmd, sizeof cmd, "%s judge train --init %s --out %s --batch 6 %s %s 2>%s/judge1.err >/dev/null", bin, init,
             one, common, data, DIR);
    REQUIRE(system(cmd) == 0);
    char args[1024], log[300];
    snprintf(args, sizeof args, "judge train --init %s --out %s --batch 3 %s %s", init, two, common, data);
    snprintf(log, sizeof log, "%s/judge2.err", DIR);
    REQUIRE(run_two_ranks(bin, args, log) == 0);
    char m1[300], m2[300];
    snprintf(m1, sizeof m1, "%s.metrics.jsonl", one);
    snprintf(m2, sizeof m2, "%s.metrics.jsonl", two);
    double a1[64], a2[64];
    int n1 = read_series(m1, "loss", a1, 64);
    REQUIRE(n1 >= 20);   /* train steps and validations */
    compare_losses(m1, m2, n1, "judge train");
    int k1 = read_series(m1, "acc", a1, 64), k2 = read_series(m2, "acc", a2, 64);
    CHECK(k1 == k2 && k1 > 0);
    for (int i = 0; i < k1 && i < k2; i++) CHECK_NEAR(a1[i], a2[i], 1e-9);
    /* the saved judges: the same weights to fp32 tolerance, and only one file each */
    RlhfErr e;
    Judge ja, jb;
    REQUIRE(judge_load(&ja, one, &e) == 0);
    REQUIRE(judge_load(&jb, two, &e) == 0);
    REQUIRE(ja.model.num_params == jb.model.num_params);
    double maxd = 0;
    for (size_t i = 0; i < ja.model.num_params; i++) {
        double dd = fabs((double)ja.model.param_mem[i] - jb.model.param_mem[i]);
        if (dd > maxd) maxd = dd;
    }
    fprintf(stderr, "  judge: final parameters differ by at most %.2g; offsets %.6f / %.6f\n", maxd, ja.offset, jb.offset);
    /* Adam divides by sqrt(v): a parameter whose gradient is ~0 moves by ±lr on rounding noise
     * alone, so a few weights can differ by a few lr (1e-3) while every loss and validation
     * score above agrees to 1e-6; the check is that no weight drifts further than that */
    CHECK_MSG(maxd <= 5e-3, "judge parameters differ by up to %.3g", maxd);
    CHECK_NEAR(ja.offset, jb.offset, 5e-3 * (1 + fabs(ja.offset)));
    judge_free(&ja);
    judge_free(&jb);
}

/* The PPO settings of both PPO tests: 10 rows over 2 ranks, minibatches of 4
 * (2 + 2 rows) and a last one of 2 (1 + 1). */
#define PPO_TEST_FLAGS "--batch 10 --minibatch 4 --epochs 2 --max-prompt 14 --max-new 12 --lr 3e-4 " \
                       "--kl-coef 0.02 --ckpt-every 2 --threads 1"

/* PPO: --batch and --minibatch are global, so `mpirun -np 2 rlhf ppo` runs the
 * 1-process algorithm with each rank sampling, scoring and training on half of
 * every batch. Row b samples from the same seed on whichever rank holds it, so
 * the replies, rewards, KL and losses match the 1-process run step by step. */
TEST(two_ranks_match_one_rank_in_ppo) {
    const char *bin = mpi_test_bin();
    char init[256], judge[256], prompts[256], one[256], two[256], cmd[4096];
    snprintf(init, sizeof init, "%s/one.ckpt", DIR);
    snprintf(judge, sizeof judge, "%s/judge1.judge", DIR);
    REQUIRE(rlhf_file_exists(init) && rlhf_file_exists(judge));   /* from the tests above */
    snprintf(prompts, sizeof prompts, "%s/prompts.txt", DIR);
    snprintf(one, sizeof one, "%s/ppo1.ckpt", DIR);
    snprintf(two, sizeof two, "%s/ppo2.ckpt", DIR);
    FILE *f = fopen(prompts, "w");
    REQUIRE(f);
    const char *day[] = {"Monday", "Tuesday", "Friday"};
    for (int i = 0; i < 24; i++) fprintf(f, "Note %d: Visit on %s?\n", i, day[i % 3]);
    fclose(f);
    char m1[300], m2[300];
    snprintf(m1, sizeof m1, "%s.metrics.jsonl", one);
    snprintf(m2, sizeof m2, "%s.metrics.jsonl", two);
    unlink(one); unlink(two); unlink(m1); unlink(m2);
    enum { STEPS = 4 };
    const char *common = PPO_TEST_FLAGS " --steps 4";
    snprintf(cmd, sizeof cmd, "%s ppo --policy %s --judge %s --prompts %s --out %s %s >/dev/null 2>%s/ppo1.err", bin,
             init, judge, prompts, one, common, DIR);
    REQUIRE(system(cmd) == 0);
    char args[2048], log[300];
    snprintf(args, sizeof args, "ppo --policy %s --judge %s --prompts %s --out %s %s", init, judge, prompts, two,
             common);
    snprintf(log, sizeof log, "%s/ppo2.err", DIR);
    REQUIRE(run_two_ranks(bin, args, log) == 0);
    const char *keys[] = {"reward", "kl", "entropy", "length", "policy_loss", "value_loss", "clip_frac", "approx_kl"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        double a[16], b[16];
        int na = read_series(m1, keys[k], a, 16), nb = read_series(m2, keys[k], b, 16);
        CHECK_MSG(na == STEPS && nb == STEPS, "%s: %d and %d values, expected %d", keys[k], na, nb, STEPS);
        double worst = 0;
        for (int i = 0; i < na && i < nb; i++) {
            double d = fabs(a[i] - b[i]), tol = 1e-4 * fabs(a[i]) + 1e-6;
            if (d > worst) worst = d;
            CHECK_MSG(d <= tol, "ppo step %d: %s %.9g (1 rank) vs %.9g (2 ranks)", i + 1, keys[k], a[i], b[i]);
        }
        fprintf(stderr, "  ppo %-11s 2 ranks vs 1: worst |difference| %.2g (last %.4g)\n", keys[k], worst,
                na > 0 ? a[na - 1] : 0.0);
    }
    /* it did move, and rank 0 alone wrote the kept and the resumable policy */
    double kl[16];
    REQUIRE(read_series(m2, "kl", kl, 16) == STEPS);
    CHECK(kl[STEPS - 1] > 0);
    char last[300];
    snprintf(last, sizeof last, "%s.last", two);
    CHECK(rlhf_file_exists(two) && rlhf_file_exists(last));
    /* the kept policies (the best step's, possibly the start) and the last trained ones */
    for (int which = 0; which < 2; which++) {
        char pa[300], pb[300];
        snprintf(pa, sizeof pa, "%s%s", one, which ? ".last" : "");
        snprintf(pb, sizeof pb, "%s%s", two, which ? ".last" : "");
        RlhfErr e;
        GPT2 a, b;
        REQUIRE(ckpt_load(pa, &a, NULL, NULL, NULL, &e) == 0);
        REQUIRE(ckpt_load(pb, &b, NULL, NULL, NULL, &e) == 0);
        REQUIRE(a.num_params == b.num_params);
        double maxd = 0;
        for (size_t i = 0; i < a.num_params; i++) maxd = fmax(maxd, fabs((double)a.param_mem[i] - b.param_mem[i]));
        fprintf(stderr, "  ppo: %s policies differ by at most %.2g\n", which ? "last" : "kept", maxd);
        CHECK_MSG(maxd <= 5e-3, "ppo %s parameters differ by up to %.3g", which ? "last" : "kept", maxd);
        gpt2_free(&a);
        gpt2_free(&b);
    }
}

/* Resuming a 2-rank PPO run from <out>.last reproduces the uninterrupted 2-rank run
 * bit for bit (rank 0's state is broadcast at start; the seeds derive from the step). */
TEST(two_rank_ppo_resumes_exactly) {
    const char *bin = mpi_test_bin();
    char init[256], judge[256], prompts[256], full[300], part[256], args[2048], log[300];
    snprintf(init, sizeof init, "%s/one.ckpt", DIR);
    snprintf(judge, sizeof judge, "%s/judge1.judge", DIR);
    snprintf(prompts, sizeof prompts, "%s/prompts.txt", DIR);
    snprintf(full, sizeof full, "%s/ppo2.ckpt.last", DIR);   /* 4 steps, from the test above */
    REQUIRE(rlhf_file_exists(full));
    snprintf(part, sizeof part, "%s/ppo3.ckpt", DIR);
    char last[300], metrics[300];
    snprintf(last, sizeof last, "%s.last", part);
    snprintf(metrics, sizeof metrics, "%s.metrics.jsonl", part);
    unlink(part); unlink(last); unlink(metrics);
    const char *common = PPO_TEST_FLAGS;
    snprintf(log, sizeof log, "%s/ppo3.err", DIR);
    snprintf(args, sizeof args, "ppo --policy %s --judge %s --prompts %s --out %s %s --steps 2", init, judge, prompts,
             part, common);
    REQUIRE(run_two_ranks(bin, args, log) == 0);
    snprintf(args, sizeof args, "ppo --policy %s --judge %s --prompts %s --out %s %s --steps 4 --resume", init, judge,
             prompts, part, common);
    REQUIRE(run_two_ranks(bin, args, log) == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", full, last);
    CHECK_MSG(system(cmd) == 0, "%s and %s differ", full, last);
    double kl[16];
    CHECK(read_series(metrics, "kl", kl, 16) == 4);   /* steps 1-2, then 3-4 appended */
}

int main(void) {
    RUN(without_mpirun_one_rank_and_no_ops);
    RUN(refuses_mpi_launch_when_built_without_mpi);
    RUN(shards_cover_items_evenly);
    RUN(sharded_rows_equal_the_global_batch);
    RUN(two_ranks_match_one_rank_with_the_global_batch);
    RUN(two_ranks_match_one_rank_in_sft);
    RUN(two_ranks_match_one_rank_in_judge_training);
    RUN(two_ranks_match_one_rank_in_ppo);
    RUN(two_rank_ppo_resumes_exactly);
    return test_summary();
}
