/* test_ppo.c — PPO on a task with a known optimum (reward = share of the
 * letter 'a' in the reply): the policy converges toward it; a large KL
 * coefficient holds it near the reference; reported KL is never negative;
 * GAE/advantage arithmetic; state round trip. */
#include "testlib.h"
#include "model/gpt2.h"
#include "ppo/ppo.h"
#include "ppo/ppo_run.h"
#include "model/model_file.h"
#include <sys/stat.h>
#include <unistd.h>
#include "tokenizer/bpe_train.h"

static Tokenizer *byte_tokenizer(void) {
    RlhfErr e;
    BpeTrainer *t = bpe_trainer_new(&e);
    const char *specials[] = {TOK_EOT_STRING};
    Tokenizer *tok = bpe_trainer_finish(t, 0, 2, specials, 1, NULL, &e);   /* 256 bytes + EOT */
    bpe_trainer_free(t);
    return tok;
}

static int count_a(void *ctx, const char *const *prompts, const char *const *replies, int n, float *rewards,
                   RlhfErr *e) {
    int max_new = *(int *)ctx;
    for (int i = 0; i < n; i++) {
        int a = 0;
        for (const char *s = replies[i]; *s; s++) a += *s == 'a';
        rewards[i] = (float)a / (float)max_new;
    }
    return 0;
}

enum { STEPS_COND = 30 };
static int g_kl_in_loss = 0;   /* run_ppo_on passes it on */

typedef struct Run {
    float first_reward, last_reward, last_kl, min_kl;
} Run;

/* A conditional task in which the prompt decides most of the reward: eight
 * prompts "Q0:" .. "Q7:", each with its own offset in [−2, 2] (some messages
 * simply score higher), plus the share of 'a' in the reply after an odd
 * prompt and of 'b' after an even one. The offset is what the group baseline
 * removes; a value head has to learn it per prompt first. */
static const char *const cond_prompts[8] = {"Q0:", "Q1:", "Q2:", "Q3:", "Q4:", "Q5:", "Q6:", "Q7:"};
static const float cond_offset[8] = {-2.0f, 1.5f, -0.5f, 2.0f, 0.25f, -1.25f, 1.0f, -1.75f};

static int conditional_ab(void *ctx, const char *const *prompts, const char *const *replies, int n, float *rewards,
                          RlhfErr *e) {
    int max_new = *(int *)ctx;
    for (int i = 0; i < n; i++) {
        int k = prompts[i][1] - '0', hit = 0;
        for (const char *s = replies[i]; *s; s++) hit += *s == (k % 2 ? 'a' : 'b');
        rewards[i] = cond_offset[k] + (float)hit / (float)max_new;
    }
    return 0;
}

/* row i's prompt is set[(i / group) % nset]: a group of rows shares its prompt */
static Run run_ppo_on(PpoRewardFn fn, const char *const *set, int nset, float kl_coef, int steps, int group) {
    Run out = {0};
    RlhfErr e;
    Tokenizer *tok = byte_tokenizer();
    GPT2Config cfg = {.max_seq_len = 32, .vocab_size = tok_vocab_size(tok), .n_layer = 1, .n_head = 2, .n_embd = 32};
    GPT2 pol, ref;
    gpt2_create(&pol, &cfg, 0, &e);
    gpt2_init_weights(&pol, 3);
    gpt2_create(&ref, &cfg, 0, &e);
    gpt2_copy_params(&ref, &pol, &e);
    PpoConfig c;
    ppo_config_default(&c);
    c.rollout_batch = 32; c.minibatch = 16; c.epochs = 2;
    c.max_prompt = 8; c.max_new = 8;
    c.lr = 3e-3f; c.kl_coef = kl_coef; c.vf_coef = 0.5f;
    c.length_penalty = 0.0f;
    c.seed = 5;
    c.group = group;
    c.kl_in_loss = g_kl_in_loss;
    Ppo *p = ppo_create(&pol, &ref, tok, &c, &e);
    if (!p) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    const char *prompts[32];
    for (int i = 0; i < 32; i++) prompts[i] = set[(i / group) % nset];
    out.min_kl = 1e9f;
    for (int s = 0; s < steps; s++) {
        PpoStats st;
        if (ppo_step(p, prompts, fn, &c.max_new, &st, &e)) { fprintf(stderr, "%s\n", e.msg); exit(1); }
        if (s == 0) out.first_reward = st.reward;
        out.last_reward = st.reward;
        out.last_kl = st.kl;
        if (st.kl < out.min_kl) out.min_kl = st.kl;
    }
    ppo_free(p);
    gpt2_free(&pol);
    gpt2_free(&ref);
    tok_free(tok);
    return out;
}

static Run run_ppo(float kl_coef, int steps) {
    static const char *const say_write[2] = {"Write:", "Say:"};
    return run_ppo_on(count_a, say_write, 2, kl_coef, steps, 1);
}

TEST(converges_to_the_known_optimum) {
    Run r = run_ppo(0.0f, 40);
    fprintf(stderr, "  reward %.3f -> %.3f, kl %.3f\n", r.first_reward, r.last_reward, r.last_kl);
    /* random policy: ~1/257 of tokens are 'a'; the optimum is 1.0 */
    CHECK(r.first_reward < 0.05f);
    CHECK_MSG(r.last_reward > 0.6f, "reward only reached %.3f", r.last_reward);
    CHECK(r.min_kl >= 0.0f);
}

TEST(large_kl_coefficient_holds_policy_near_reference) {
    Run free_run = run_ppo(0.0f, 25), held = run_ppo(2.0f, 25);
    fprintf(stderr, "  kl: beta=0 %.3f, beta=2 %.3f; reward %.3f vs %.3f\n", free_run.last_kl, held.last_kl,
            free_run.last_reward, held.last_reward);
    CHECK(held.min_kl >= 0.0f);
    CHECK_MSG(held.last_kl < 0.25f * free_run.last_kl, "KL with beta=2 (%.3f) not well below beta=0 (%.3f)",
              held.last_kl, free_run.last_kl);
    CHECK(held.last_reward < free_run.last_reward);
}

TEST(kl_in_the_loss_holds_policy_near_reference) {
    g_kl_in_loss = 1;
    Run free_run = run_ppo(0.0f, 25), held = run_ppo(2.0f, 25);
    g_kl_in_loss = 0;
    fprintf(stderr, "  kl in the loss: beta=0 %.3f, beta=2 %.3f; reward %.3f vs %.3f\n", free_run.last_kl, held.last_kl,
            free_run.last_reward, held.last_reward);
    CHECK(held.min_kl >= 0.0f);
    CHECK_MSG(held.last_kl < 0.25f * free_run.last_kl, "KL with beta=2 (%.3f) not well below beta=0 (%.3f)",
              held.last_kl, free_run.last_kl);
    CHECK(free_run.last_reward > 0.6f);   /* with β = 0 the mode changes nothing */
}

TEST(group_baseline_is_leave_one_out) {
    float s[6] = {1, 2, 3, 10, 10, 40};
    ppo_group_baseline(s, 6, 3);
    /* row 0: 1 − (2 + 3)/2; row 3: 10 − (10 + 40)/2; row 5: 40 − (10 + 10)/2 */
    CHECK_NEAR(s[0], -1.5f, 1e-6); CHECK_NEAR(s[1], 0.0f, 1e-6); CHECK_NEAR(s[2], 1.5f, 1e-6);
    CHECK_NEAR(s[3], -15.0f, 1e-6); CHECK_NEAR(s[4], -15.0f, 1e-6); CHECK_NEAR(s[5], 30.0f, 1e-6);
    float t[2] = {4, 5};
    ppo_group_baseline(t, 2, 1);   /* G = 1: plain PPO, untouched */
    CHECK(t[0] == 4.0f && t[1] == 5.0f);
    /* a reward the prompt alone decides leaves nothing to learn from */
    float u[4] = {7, 7, -3, -3};
    ppo_group_baseline(u, 4, 2);
    for (int i = 0; i < 4; i++) CHECK_NEAR(u[i], 0.0f, 1e-6);
}

TEST(group_baseline_learns_a_conditional_behaviour_faster) {
    Run plain = run_ppo_on(conditional_ab, cond_prompts, 8, 0.0f, STEPS_COND, 1);
    Run grouped = run_ppo_on(conditional_ab, cond_prompts, 8, 0.0f, STEPS_COND, 4);
    /* every batch holds each prompt equally often, so the offsets add the same
     * constant to both runs' mean reward: the gain is the learned share */
    float gain1 = plain.last_reward - plain.first_reward, gain4 = grouped.last_reward - grouped.first_reward;
    fprintf(stderr, "  share gained in %d steps: group 1 %.3f, group 4 %.3f\n", STEPS_COND, gain1, gain4);
    CHECK_MSG(gain4 > 0.25f, "group 4 gained only %.3f", gain4);
    CHECK_MSG(gain4 > gain1 + 0.2f, "group 4 (%.3f) not clearly above group 1 (%.3f)", gain4, gain1);
}

/* The planted fence: the train "judge" counts the letter 'a' (a proxy that can
 * be pushed forever); the test "judge" agrees while 'a' is rare and punishes
 * replies made mostly of it, as a held-out judge punishes a hacked reply. */
static double share_a(const char *t) {
    const char *r = strstr(t, "Say:");
    r = r ? r + 4 : t;
    int a = 0, n = 0;
    for (; *r; r++, n++) a += *r == 'a';
    return n ? (double)a / n : 0.0;
}
static int proxy_fn(void *ctx, const char *const *texts, int n, float *out, RlhfErr *e) {
    for (int i = 0; i < n; i++) out[i] = (float)share_a(texts[i]);
    return 0;
}
static int true_fn(void *ctx, const char *const *texts, int n, float *out, RlhfErr *e) {
    for (int i = 0; i < n; i++) {
        double f = share_a(texts[i]);
        out[i] = (float)(fmin(f, 0.1) - 3.0 * fmax(0.0, f - 0.1));
    }
    return 0;
}

/* A random 1-layer policy over bytes, saved where ppo_run can load it. */
static void save_start_ckpt(const char *path) {
    mkdir("build", 0755);
    mkdir("build/test_ppo", 0755);
    RlhfErr e;
    Tokenizer *tok = byte_tokenizer();
    GPT2Config cfg = {.max_seq_len = 32, .vocab_size = tok_vocab_size(tok), .n_layer = 1, .n_head = 2, .n_embd = 32};
    GPT2 pol;
    gpt2_create(&pol, &cfg, 0, &e);
    gpt2_init_weights(&pol, 3);
    REQUIRE(model_file_save(path, &pol, tok, NULL, NULL, NULL, 0, &e) == 0);
    gpt2_free(&pol);
    tok_free(tok);
}

/* The fence's toy task: start.ckpt, proxy train judge, true test judge; `steps`
 * PPO steps into `out` (resuming from out.last when resume is set). */
static int g_keep_smooth = 3;   /* ppo_run's default; fence_run_to passes it on */
static int g_budget_smooth = 3; /* likewise */

/* The keep_score logged for a step in a metrics JSONL (the last such line), or NaN. */
static double fence_keep_score(const char *path, int step) {
    char *txt;
    size_t n;
    RlhfErr e;
    if (rlhf_read_file(path, &txt, &n, &e)) return NAN;
    char want[64];
    snprintf(want, sizeof want, "\"step\":%d,", step);
    double v = NAN;
    for (char *p = txt; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        char *k = strstr(p, "\"keep_score\":");
        if (strstr(p, "\"event\":\"fence\"") && strstr(p, want) && k) v = strtod(k + 13, NULL);
        p = nl ? nl + 1 : NULL;
    }
    free(txt);
    return v;
}

/* The step ppo_run should keep: the best mean test score over the step and the
 * k − 1 before it (first maximum wins), among steps inside the budget. */
static long smoothed_best_step(const PpoRunResult *r, int k, float budget) {
    long best = 0;
    float best_s = -INFINITY;
    for (int i = 0; i < r->hist.n; i++) {
        int lo = i - k + 1 < 0 ? 0 : i - k + 1;
        float s = 0;
        for (int j = lo; j <= i; j++) s += r->hist.test_reward[j];
        s /= (float)(i - lo + 1);
        if (s > best_s && !(budget > 0 && r->hist.st[i].sqrt_kl >= budget)) { best_s = s; best = i + 1; }
    }
    return best;
}

static void fence_run_to(float kl_coef, float budget, long steps, const char *out, int resume, PpoRunResult *res) {
    RlhfErr e;
    save_start_ckpt("build/test_ppo/start.ckpt");
    const char *prompts[4] = {"Say:", "Say:", "Say:", "Say:"};
    char last[256], metrics[256];
    snprintf(last, sizeof last, "%s.last", out);
    snprintf(metrics, sizeof metrics, "%s.metrics.jsonl", out);
    if (!resume) { unlink(last); unlink(out); unlink(metrics); }
    PpoRunOpts o;
    ppo_run_defaults(&o);
    o.policy = "build/test_ppo/start.ckpt";
    o.out = out;
    o.resume = resume;
    o.train_fn = proxy_fn;
    o.test_fn = true_fn;
    o.prompts = prompts;
    o.nprompts = 4;
    o.ppo.rollout_batch = 32; o.ppo.minibatch = 16; o.ppo.epochs = 2;
    o.ppo.max_prompt = 8; o.ppo.max_new = 8;
    o.ppo.lr = 3e-3f; o.ppo.kl_coef = kl_coef; o.ppo.vf_coef = 0.5f; o.ppo.length_penalty = 0;
    o.ppo.steps = steps;
    o.kl_budget = budget;
    o.overopt_gap = 0.3f;
    o.keep_smooth = g_keep_smooth;
    o.budget_smooth = g_budget_smooth;
    o.quiet = 1;
    o.metrics = metrics;
    int rc = ppo_run(&o, res, &e);
    CHECK_MSG(rc == 0, "ppo_run: %s", e.msg);
    REQUIRE(rc == 0);
}
/* ppo_run with --group: a reward that checks each batch's layout */
typedef struct GroupSeen {
    int calls, mismatched, min_distinct;
} GroupSeen;
static int group_layout_fn(void *ctx, const char *const *texts, int n, float *out, RlhfErr *e) {
    GroupSeen *g = ctx;
    int seen[8] = {0}, distinct = 0;
    for (int i = 0; i < n; i++) {
        out[i] = (float)share_a(texts[i]);
        int k = texts[i][1] - '0';
        if (k < 0 || k > 7 || texts[i][0] != 'P') { g->mismatched++; continue; }
        distinct += !seen[k]++;
        if (strncmp(texts[i], texts[i - i % 4], 3)) g->mismatched++;   /* rows 4g..4g+3 share a prompt */
    }
    g->calls++;
    if (distinct < g->min_distinct) g->min_distinct = distinct;
    return 0;
}

TEST(ppo_run_gives_each_group_one_prompt) {
    RlhfErr e;
    save_start_ckpt("build/test_ppo/start-g.ckpt");
    const char *prompts[8] = {"P0:", "P1:", "P2:", "P3:", "P4:", "P5:", "P6:", "P7:"};
    GroupSeen seen = {0, 0, 1 << 30};
    PpoRunOpts o;
    ppo_run_defaults(&o);
    o.policy = "build/test_ppo/start-g.ckpt";
    o.out = "build/test_ppo/group.ckpt";
    unlink("build/test_ppo/group.ckpt.last");
    o.train_fn = group_layout_fn;
    o.train_fn_ctx = &seen;
    o.prompts = prompts;
    o.nprompts = 8;
    o.ppo.rollout_batch = 32; o.ppo.group = 4; o.ppo.minibatch = 16; o.ppo.epochs = 1;
    o.ppo.max_prompt = 8; o.ppo.max_new = 8; o.ppo.length_penalty = 0;
    o.ppo.steps = 3;
    o.quiet = 1;
    o.metrics = "build/test_ppo/group.metrics.jsonl";
    PpoRunResult res;
    int rc = ppo_run(&o, &res, &e);
    CHECK_MSG(rc == 0, "ppo_run: %s", e.msg);
    CHECK(seen.calls == 3);
    CHECK_MSG(seen.mismatched == 0, "%d rows outside their group's prompt", seen.mismatched);
    CHECK_MSG(seen.min_distinct == 8, "a batch held only %d distinct prompts (want 32 / 4 = 8)", seen.min_distinct);
    if (rc == 0) ppo_run_result_free(&res);
    /* a group that does not divide the batch is refused with a message */
    o.ppo.group = 5;
    unlink("build/test_ppo/group.ckpt.last");
    CHECK(ppo_run(&o, &res, &e) != 0);
    CHECK(strstr(e.msg, "group 5") != NULL);
}

static void fence_run(float kl_coef, float budget, PpoRunResult *res) {
    fence_run_to(kl_coef, budget, 40, "build/test_ppo/out.ckpt", 0, res);
}

/* 1 when two checkpoints hold the same parameters, bit for bit. */
static int same_params(const char *a, const char *b) {
    GPT2 ma = {0}, mb = {0};
    RlhfErr e;
    int same = !model_file_load(a, &ma, NULL, NULL, NULL, NULL, &e) && !model_file_load(b, &mb, NULL, NULL, NULL, NULL, &e) &&
               ma.num_params == mb.num_params && !memcmp(ma.param_mem, mb.param_mem, ma.num_params * sizeof(float));
    gpt2_free(&ma);
    gpt2_free(&mb);
    return same;
}

TEST(fence_catches_overoptimisation_with_a_tiny_kl_coefficient) {
    PpoRunResult r;
    fence_run(1e-4f, 0.0f, &r);
    int n = r.hist.n;
    REQUIRE(n == 40);
    float test_max = -1e9f;
    for (int i = 0; i < n; i++) test_max = fmaxf(test_max, r.hist.test_reward[i]);
    float train_last = r.hist.st[n - 1].reward, test_last = r.hist.test_reward[n - 1];
    fprintf(stderr, "  train %.3f -> %.3f, test %.3f -> peak %.3f -> %.3f, flagged at step %ld, kept step %ld\n",
            r.train0, train_last, r.test0, test_max, test_last, r.overopt_step, r.best_step);
    CHECK(train_last > r.train0 + 0.3f);                 /* the proxy keeps rising */
    CHECK(test_last < test_max - 0.2f);                  /* the held-out judge falls back */
    CHECK(r.overopt == 1 && r.overopt_step > 1);          /* the fence raises the flag */
    CHECK(r.best_step < n);                               /* kept: best test score, not the last step */
    CHECK_MSG(r.best_step == smoothed_best_step(&r, 3, 0), "kept step %ld, best 3-step mean at %ld", r.best_step,
              smoothed_best_step(&r, 3, 0));
    CHECK(r.fit_train_a > 0);                             /* train reward rises with sqrt(KL) */
    /* the kept checkpoint is the policy that sampled the best step's rollouts,
     * i.e. the policy after best_step − 1 updates (not one update later) */
    REQUIRE(r.best_step >= 1);
    if (r.best_step == 1) {
        CHECK(same_params("build/test_ppo/out.ckpt", "build/test_ppo/start.ckpt"));
    } else {
        PpoRunResult r2;
        fence_run_to(1e-4f, 0.0f, r.best_step - 1, "build/test_ppo/upto.ckpt", 0, &r2);
        CHECK_MSG(same_params("build/test_ppo/out.ckpt", "build/test_ppo/upto.ckpt.last"),
                  "kept checkpoint is not the policy after %ld updates", r.best_step - 1);
        ppo_run_result_free(&r2);
    }
    ppo_run_result_free(&r);
}

/* Stopped after 12 steps and resumed to 40, the run keeps the same checkpoint
 * (same step, same parameters) and the same fence baselines. */
TEST(resumed_fence_run_keeps_the_same_checkpoint) {
    PpoRunResult a, b1, b2;
    fence_run_to(1e-4f, 0.0f, 40, "build/test_ppo/whole.ckpt", 0, &a);
    fence_run_to(1e-4f, 0.0f, 12, "build/test_ppo/part.ckpt", 0, &b1);
    fence_run_to(1e-4f, 0.0f, 40, "build/test_ppo/part.ckpt", 1, &b2);
    fprintf(stderr, "  kept step %ld uninterrupted, %ld resumed\n", a.best_step, b2.best_step);
    CHECK(b2.resumed_marks == 1);
    CHECK(a.best_step == b2.best_step);
    CHECK(a.best_score == b2.best_score);
    CHECK(a.train0 == b2.train0 && a.test0 == b2.test0);
    /* the smoothing window crossed the resume: steps 13 and 14 average over steps
     * from before it, so their keeping scores match only if the window came back */
    for (int step = 13; step <= 14; step++) {
        double ka = fence_keep_score("build/test_ppo/whole.ckpt.metrics.jsonl", step);
        double kb = fence_keep_score("build/test_ppo/part.ckpt.metrics.jsonl", step);
        CHECK_MSG(isfinite(ka) && ka == kb, "step %d keep_score %.9g uninterrupted, %.9g resumed", step, ka, kb);
    }
    CHECK(same_params("build/test_ppo/whole.ckpt", "build/test_ppo/part.ckpt"));
    CHECK(same_params("build/test_ppo/whole.ckpt.last", "build/test_ppo/part.ckpt.last"));
    ppo_run_result_free(&a);
    ppo_run_result_free(&b1);
    ppo_run_result_free(&b2);
}

/* --keep-smooth 1 keeps the raw best test score; the default 3 the best mean of
 * three consecutive steps. On this planted task the two differ, and each run
 * keeps exactly the step its rule names. */
TEST(keep_smooth_picks_the_step_its_rule_names) {
    PpoRunResult raw, sm;
    g_keep_smooth = 1;
    fence_run_to(1e-4f, 0.0f, 40, "build/test_ppo/raw.ckpt", 0, &raw);
    g_keep_smooth = 3;
    fence_run_to(1e-4f, 0.0f, 40, "build/test_ppo/smooth.ckpt", 0, &sm);
    long want_raw = smoothed_best_step(&raw, 1, 0), want_sm = smoothed_best_step(&sm, 3, 0);
    fprintf(stderr, "  raw best step %ld (kept %ld), 3-step best %ld (kept %ld)\n", want_raw, raw.best_step, want_sm,
            sm.best_step);
    CHECK(want_raw != want_sm);   /* on this task the rules disagree, so the test tells them apart */
    CHECK(raw.best_step == want_raw);
    CHECK(sm.best_step == want_sm);
    /* the same rollouts (same seeds): only the choice differs */
    CHECK(raw.hist.n == sm.hist.n && raw.hist.test_reward[raw.hist.n - 1] == sm.hist.test_reward[sm.hist.n - 1]);
    ppo_run_result_free(&raw);
    ppo_run_result_free(&sm);
}

/* mean sqrt(KL) of steps lo..i (1-based hist rows i-k+1..i) */
static float mean_sqrt_kl(const PpoRunResult *r, int i, int k) {
    int lo = i - k + 1 < 0 ? 0 : i - k + 1;
    float s = 0;
    for (int j = lo; j <= i; j++) s += r->hist.st[j].sqrt_kl;
    return s / (float)(i - lo + 1);
}

TEST(kl_budget_stops_the_run) {
    for (int K = 3; K >= 1; K -= 2) {   /* the default (3-step mean), then each step's own estimate */
        PpoRunResult r;
        g_budget_smooth = K;
        fence_run(1e-4f, 0.5f, &r);
        g_budget_smooth = 3;
        CHECK(r.stopped_by_budget == 1);
        CHECK(r.hist.n < 40);
        /* it stops at the first step whose K-step mean reaches the budget, not before */
        CHECK(mean_sqrt_kl(&r, r.hist.n - 1, K) >= 0.5f);
        for (int i = 0; i + 1 < r.hist.n; i++) CHECK(mean_sqrt_kl(&r, i, K) < 0.5f);
        /* the kept policy is inside the budget by its own estimate too */
        REQUIRE(r.best_step >= 1 && r.best_step <= r.hist.n);
        CHECK(r.hist.st[r.best_step - 1].sqrt_kl < 0.5f);
        CHECK(r.best_step == smoothed_best_step(&r, 3, 0.5f));
        fprintf(stderr, "  budget over %d step(s): stopped at step %d, kept %ld\n", K, r.hist.n, r.best_step);
        if (K == 3 && r.hist.n >= 4) {
            /* stopped two steps before the budget and resumed: the window comes back with the
             * checkpoint, so the run stops at the same step and keeps the same one */
            PpoRunResult p1, p2;
            fence_run_to(1e-4f, 0.5f, r.hist.n - 2, "build/test_ppo/budget-part.ckpt", 0, &p1);
            fence_run_to(1e-4f, 0.5f, 40, "build/test_ppo/budget-part.ckpt", 1, &p2);
            CHECK(p1.stopped_by_budget == 0 && p2.stopped_by_budget == 1);
            REQUIRE(p2.hist.n >= 1);
            CHECK(p2.hist.st[p2.hist.n - 1].step == r.hist.n);
            CHECK(p2.best_step == r.best_step);
            /* the window the stop was decided on holds the step from before the resume */
            CHECK(p2.nrecent_kl == r.nrecent_kl &&
                  !memcmp(p2.recent_kl, r.recent_kl, (size_t)r.nrecent_kl * sizeof *r.recent_kl));
            ppo_run_result_free(&p1);
            ppo_run_result_free(&p2);
        }
        ppo_run_result_free(&r);
    }
}

int main(void) {
    RUN(converges_to_the_known_optimum);
    RUN(large_kl_coefficient_holds_policy_near_reference);
    RUN(kl_in_the_loss_holds_policy_near_reference);
    RUN(group_baseline_is_leave_one_out);
    RUN(group_baseline_learns_a_conditional_behaviour_faster);
    RUN(ppo_run_gives_each_group_one_prompt);
    RUN(keep_smooth_picks_the_step_its_rule_names);
    RUN(fence_catches_overoptimisation_with_a_tiny_kl_coefficient);
    RUN(kl_budget_stops_the_run);
    RUN(resumed_fence_run_keeps_the_same_checkpoint);
    return test_summary();
}
