/* test_judge.c — the preference-model machinery on small generated data: a
 * planted preference a tiny judge must learn, the Bradley–Terry gradient
 * against finite differences, centring, save/load, calibration error with
 * known answers, the dials, ties and bad rows, best-of-N. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/comparisons.h"
#include "judge/baselines.h"
#include "judge/best_of_n.h"
#include "judge/calibration.h"
#include "judge/judge.h"
#include "judge/judge_eval.h"
#include "judge/judge_train.h"
#include "model/sampler.h"
#include "testlib.h"
#include "tokenizer/bpe_train.h"
#include "util/json.h"
#include "util/rng.h"

/* ---- generated comparisons with a planted preference ------------------------ */

static const char *WORDS[] = {"apple", "river", "stone", "light", "house", "green", "table", "cloud", "music",
                              "paper", "water", "chair", "bread", "plant", "glass", "smile", "horse", "night",
                              "ocean", "train", "bring", "carry", "think", "small", "quick", "sound", "world"};
#define NWORDS ((int)(sizeof WORDS / sizeof WORDS[0]))

static void add_words(Rng *r, JsonBuf *b, int n) {
    for (int i = 0; i < n; i++) {
        if (i) jb_raw(b, " ");
        jb_raw(b, WORDS[rng_int(r, NWORDS)]);
    }
}

/* Chosen replies contain "zebra" at a random place; the rejected reply has an
 * ordinary five-letter word there instead, so lengths match exactly and only
 * the planted word tells them apart. */
static void make_set(ComparisonSet *s, int n, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    JsonBuf p, c, j;
    jb_init(&p);
    jb_init(&c);
    jb_init(&j);
    for (int i = 0; i < n; i++) {
        jb_reset(&p);
        jb_reset(&c);
        jb_reset(&j);
        jb_raw(&p, "\n\nHuman: ");
        add_words(&r, &p, 2 + rng_int(&r, 3));
        jb_raw(&p, "?");
        int len = 3 + rng_int(&r, 4), at = rng_int(&r, len);
        for (int k = 0; k < len; k++) {
            if (k) { jb_raw(&c, " "); jb_raw(&j, " "); }
            if (k == at) {
                jb_raw(&c, "zebra");
                jb_raw(&j, WORDS[rng_int(&r, NWORDS)]);
            } else {
                const char *w = WORDS[rng_int(&r, NWORDS)];
                jb_raw(&c, w);
                jb_raw(&j, w);
            }
        }
        Comparison cmp = {.prompt = p.data, .prompt_len = p.len, .chosen = c.data, .chosen_len = c.len,
                          .rejected = j.data, .rejected_len = j.len, .n_turns = 2, .line = i + 1};
        comparison_set_add(s, &cmp, NULL);
    }
    jb_free(&p);
    jb_free(&c);
    jb_free(&j);
}

static Tokenizer *gen_tokenizer(void) {
    RlhfErr e;
    BpeTrainer *t = bpe_trainer_new(&e);
    Rng r;
    rng_seed(&r, 5);
    JsonBuf b;
    jb_init(&b);
    for (int i = 0; i < 50; i++) {
        jb_reset(&b);
        jb_raw(&b, "\n\nHuman: ");
        add_words(&r, &b, 6);
        jb_raw(&b, "?\n\nAssistant: zebra ");
        add_words(&r, &b, 6);
        bpe_trainer_add(t, b.data, b.len, &e);
    }
    jb_free(&b);
    const char *specials[] = {TOK_EOT_STRING};
    Tokenizer *tok = bpe_trainer_finish(t, 120, 2, specials, 1, NULL, &e);
    bpe_trainer_free(t);
    return tok;
}

/* A tiny random-init judge: 2 layers, width 32. */
static int tiny_judge(Judge *j, int max_len, uint64_t seed) {
    RlhfErr e;
    Tokenizer *tok = gen_tokenizer();
    if (!tok) return -1;
    GPT2Config cfg = {.max_seq_len = max_len, .vocab_size = tok_vocab_size(tok), .n_layer = 2, .n_head = 2, .n_embd = 32};
    GPT2 m;
    if (gpt2_create(&m, &cfg, 0, &e)) { tok_free(tok); return -1; }
    gpt2_init_weights(&m, seed);
    if (judge_from_model(j, &m, tok, "planted", 0, &e)) { fprintf(stderr, "%s\n", e.msg); return -1; }
    return 0;
}

TEST(planted_preference_is_learned) {
    Judge j;
    REQUIRE(tiny_judge(&j, 64, 7) == 0);
    ComparisonSet tr = {0}, va = {0}, te = {0};
    make_set(&tr, 400, 1);
    make_set(&va, 100, 2);
    make_set(&te, 300, 3);
    JudgeTrainOpts o;
    judge_train_defaults(&o);
    o.epochs = 3;
    o.B = 16;
    o.lr = 3e-3f;
    o.lr_min = 3e-4f;
    o.warmup = 10;
    o.weight_decay = 0.0f;
    o.quiet = 1;
    JudgeTrainResult res;
    RlhfErr e = {{0}};
    double t0 = rlhf_now();
    int rc = judge_train(&j, &tr, &va, &o, &res, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    JudgeEvalResult ev;
    REQUIRE(judge_eval_set(&j, &te, &ev, NULL, &e) == 0);
    fprintf(stderr, "  planted: %ld steps in %.1f s, val %.1f%% (before %.1f%%), held-out test %.1f%% [%.1f, %.1f], "
                    "ECE %.3f, offset %.3f scale %.3f\n",
            res.steps, rlhf_now() - t0, 100 * res.best_val_acc, 100 * res.first_val_acc, 100 * ev.acc.acc,
            100 * ev.acc.lo, 100 * ev.acc.hi, ev.cal.ece, res.offset, res.scale);
    CHECK(ev.acc.acc >= 0.95);
    CHECK(ev.acc.n == 300);
    CHECK(ev.mean_margin > 0);
    CHECK(res.best_val_acc >= 0.95);
    /* the longer-wins baseline is at chance here: lengths are equal */
    CHECK_NEAR(baseline_longer_wins(&te).acc, 0.5, 1e-9);
    /* centring: z of the validation replies has mean 0 and sd 1 */
    {
        int nv = (int)va.n * 2;
        char **texts = calloc((size_t)nv, sizeof *texts);
        float *z = calloc((size_t)nv, sizeof *z), *z1 = calloc((size_t)nv, sizeof *z1);
        JsonBuf t;
        jb_init(&t);
        for (int i = 0; i < nv; i++) {
            jb_reset(&t);
            comparison_transcript(&va.items[i / 2], i % 2, &t);
            texts[i] = strdup(t.data);
        }
        jb_free(&t);
        REQUIRE(judge_score_texts(&j, (const char *const *)texts, nv, z, &e) == 0);
        double mz = 0, sz = 0;
        for (int i = 0; i < nv; i++) mz += z[i];
        mz /= nv;
        for (int i = 0; i < nv; i++) sz += (z[i] - mz) * (z[i] - mz);
        sz = sqrt(sz / (nv - 1));
        CHECK_NEAR(mz, 0.0, 1e-3);
        CHECK_NEAR(sz, 1.0, 1e-3);
        /* batching and padding do not change a score: one at a time gives the same */
        for (int i = 0; i < 5; i++) REQUIRE(judge_score_texts(&j, (const char *const *)&texts[i], 1, &z1[i], &e) == 0);
        for (int i = 0; i < 5; i++) CHECK_NEAR(z1[i], z[i], 1e-4);
        /* save / load keeps model, tokenizer, centring and kind */
        char path[] = "/tmp/test_judge_XXXXXX";
        int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        close(fd);
        CHECK(judge_save(&j, path, "\"note\":\"test\"", &e) == 0);
        Judge k;
        int lrc = judge_load(&k, path, &e);
        CHECK_MSG(lrc == 0, "%s", e.msg);
        if (lrc == 0) {
            CHECK_STR(k.kind, "planted");
            CHECK(k.offset == j.offset && k.scale == j.scale && k.max_len == j.max_len);
            REQUIRE(judge_score_texts(&k, (const char *const *)texts, 5, z1, &e) == 0);
            for (int i = 0; i < 5; i++) CHECK_NEAR(z1[i], z[i], 1e-5);
            judge_free(&k);
        }
        unlink(path);
        for (int i = 0; i < nv; i++) free(texts[i]);
        free(texts);
        free(z);
        free(z1);
    }
    comparison_set_free(&tr);
    comparison_set_free(&va);
    comparison_set_free(&te);
    judge_free(&j);
}


/* Bradley–Terry gradient of the whole model against central differences. */
TEST(bt_gradient_matches_finite_differences) {
    RlhfErr e;
    GPT2Config cfg = {.max_seq_len = 8, .vocab_size = 20, .n_layer = 1, .n_head = 2, .n_embd = 16};
    GPT2 m;
    REQUIRE(gpt2_create(&m, &cfg, GPT2_HEAD_SCALAR, &e) == 0);
    gpt2_init_weights(&m, 3);
    Rng r;
    rng_seed(&r, 9);
    for (int i = 0; i < 16; i++) m.params.scalar_w[i] = (float)(0.5 * rng_normal(&r));
    for (size_t i = 0; i < m.num_params; i++) m.param_mem[i] += (float)(0.05 * rng_normal(&r));
    enum { P = 2, T = 6 };
    int tokens[2 * P * T], pos[2 * P] = {5, 3, 4, 5};
    uint8_t mask[2 * P * T];
    for (int i = 0; i < 2 * P * T; i++) {
        tokens[i] = rng_int(&r, 20);
        mask[i] = (uint8_t)(i % T <= pos[i / T]);   /* right padding after each row's EOT */
    }
    float scratch[4 * P];
    REQUIRE(gpt2_reserve(&m, 2 * P, T, 1, &e) == 0);
    gpt2_zero_grad(&m);
    float loss = judge_bt_batch(&m, tokens, mask, pos, P, T, 1, 1.0f, scratch, NULL);
    CHECK(isfinite(loss) && loss > 0);
    const char *names[] = {"scalar_w", "scalar_b", "wte", "wpe", "qkvw", "fcw", "ln1w", "lnfb"};
    int checked = 0, bad = 0;
    for (size_t k = 0; k < RLHF_ARRAY_LEN(names); k++) {
        const GPT2Tensor *t = gpt2_find_tensor(&m, names[k]);
        REQUIRE(t);
        for (int s = 0; s < 3; s++) {
            size_t i = t->offset + (size_t)rng_int(&r, (int)t->numel);
            if (!strcmp(names[k], "wte")) i = t->offset + (size_t)tokens[s] * 16 + (size_t)s;   /* a used row */
            float keep = m.param_mem[i], h = 1e-2f;
            m.param_mem[i] = keep + h;
            double lp = judge_bt_batch(&m, tokens, mask, pos, P, T, 0, 1.0f, scratch, NULL);
            m.param_mem[i] = keep - h;
            double lm = judge_bt_batch(&m, tokens, mask, pos, P, T, 0, 1.0f, scratch, NULL);
            m.param_mem[i] = keep;
            double fd = (lp - lm) / (2 * h), an = m.grad_mem[i];
            checked++;
            if (fabs(fd - an) > 2e-3 + 0.05 * fabs(an)) {
                bad++;
                fprintf(stderr, "  %s[%zu]: analytic %.6g, finite difference %.6g\n", names[k], i - t->offset, an, fd);
            }
        }
    }
    CHECK(checked == 24 && bad == 0);
    /* a pure padding row change does not move the loss (the mask hides pads) */
    int t2[2 * P * T];
    memcpy(t2, tokens, sizeof t2);
    t2[T + 5] = (t2[T + 5] + 1) % 20;   /* row 1 is real up to position 3 */
    double l0 = judge_bt_batch(&m, tokens, mask, pos, P, T, 0, 1.0f, scratch, NULL);
    double l1 = judge_bt_batch(&m, t2, mask, pos, P, T, 0, 1.0f, scratch, NULL);
    CHECK_NEAR(l0, l1, 1e-6);
    gpt2_free(&m);
}

TEST(calibration_known_answers) {
    Rng r;
    rng_seed(&r, 11);
    enum { N = 200000 };
    double *p = malloc(N * sizeof *p), *q = malloc(N * sizeof *q);
    int *y = malloc(N * sizeof *y);
    REQUIRE(p && q && y);
    for (int i = 0; i < N; i++) {
        p[i] = rng_double(&r);
        y[i] = rng_double(&r) < p[i];
        /* overconfident: the same outcomes, logits tripled */
        double lg = log(p[i] / (1 - p[i] + 1e-300));
        q[i] = calib_sigmoid(3 * lg);
    }
    Calibration c;
    calib_compute(p, y, N, 10, &c);
    CHECK(c.n == N && c.nbins == 10);
    CHECK(c.ece < 0.01);
    for (int b = 0; b < 10; b++) CHECK_NEAR(c.pred[b], (b + 0.5) / 10, 0.01);
    calib_compute(q, y, N, 10, &c);
    CHECK(c.ece > 0.1);
    /* a hand-made case: bin [0.8, 0.9) holds 0.8, 0.8 with outcomes 1, 0 → gap 0.3; bin [0.2,0.3) holds 0.2 with outcome 0 → 0.2 */
    double hp[3] = {0.8, 0.8, 0.2};
    int hy[3] = {1, 0, 0};
    calib_compute(hp, hy, 3, 10, &c);
    CHECK_NEAR(c.ece, (2 * 0.3 + 0.2) / 3, 1e-12);
    CHECK_NEAR(c.mce, 0.3, 1e-12);
    CHECK(c.count[8] == 2 && c.count[2] == 1 && isnan(c.pred[0]));
    /* pair margins: a judge that is right with the confidence it claims.
     * Pairs with true P(chosen) = σ(m): the chosen side is the preferred one with
     * probability σ(m), so a calibrated judge's margins are ±m at those rates. */
    double *mg = malloc(N * sizeof *mg);
    REQUIRE(mg);
    for (int i = 0; i < N; i++) {
        double m = 4 * rng_double(&r) - 2;
        mg[i] = rng_double(&r) < calib_sigmoid(m) ? m : -m;
    }
    calib_from_margins(mg, N, 10, &c);
    CHECK(c.n == 2L * N);
    CHECK(c.ece < 0.01);
    for (int i = 0; i < N; i++) mg[i] *= 4;   /* the same judge, 4× too sure */
    calib_from_margins(mg, N, 10, &c);
    CHECK(c.ece > 0.1);
    /* symmetric diagram: bin b and bin 9-b mirror each other */
    CHECK(c.count[1] == c.count[8]);
    CHECK_NEAR(c.obs[1], 1 - c.obs[8], 1e-12);
    free(p); free(q); free(y); free(mg);
}

TEST(eval_summary_and_paired_margin) {
    double m[4] = {1.0, -0.5, 2.0, 0.0};
    JudgeEvalResult r;
    judge_eval_from_margins(m, 4, 10, &r);
    CHECK_NEAR(r.acc.acc, 2.5 / 4, 1e-12);   /* margin 0 counts ½ */
    CHECK_NEAR(r.mean_margin, 2.5 / 4, 1e-12);
    double ll = (log1p(exp(-1.0)) + log1p(exp(0.5)) + log1p(exp(-2.0)) + log(2.0)) / 4;
    CHECK_NEAR(r.log_loss, ll, 1e-12);
    double a[4] = {1, 1, 0, 1}, b[4] = {0, 1, 0, 0};
    PairedDiff d = paired_diff(a, b, 4);
    CHECK_NEAR(d.mean, 0.5, 1e-12);
    double sd = sqrt(((0.5 * 0.5) * 2 + (0.5 * 0.5) * 2) / 3.0);
    CHECK_NEAR(d.hi - d.mean, 1.96 * sd / 2, 1e-12);
}

TEST(dials_parse_presets_and_numbers) {
    Dials d;
    RlhfErr e;
    REQUIRE(dials_parse("balanced", &d, &e) == 0);
    CHECK(d.w_help == 1.0f && d.w_harm == 1.0f);
    REQUIRE(dials_parse("helpful", &d, &e) == 0);
    CHECK(d.w_help == 1.0f && d.w_harm == 0.25f);
    REQUIRE(dials_parse("harmless", &d, &e) == 0);
    CHECK(d.w_help == 0.25f && d.w_harm == 1.0f);
    REQUIRE(dials_parse("1,0.5", &d, &e) == 0);
    CHECK(d.w_help == 1.0f && d.w_harm == 0.5f);
    CHECK(dials_parse("1;2", &d, &e) == -1 && strstr(e.msg, "1;2"));
    CHECK(dials_parse("1,", &d, &e) == -1);
    CHECK(d.harm_capped == 0);
    REQUIRE(dials_parse("1,0.5,0.25", &d, &e) == 0);
    CHECK(d.w_help == 1.0f && d.w_harm == 0.5f && d.harm_capped && d.harm_cap == 0.25f);
    REQUIRE(dials_parse("guarded", &d, &e) == 0);
    CHECK(d.w_help == 1.0f && d.w_harm == 1.0f && d.harm_capped && d.harm_cap == 0.0f);
    REQUIRE(dials_parse("balanced", &d, &e) == 0);
    CHECK(!d.harm_capped);   /* a preset resets the cap */
    CHECK(dials_parse("1,2,", &d, &e) == -1);
    CHECK(dials_parse("1,2,3,4", &d, &e) == -1);
    CHECK(dials_parse("1,2,x", &d, &e) == -1);
    CHECK(dials_parse("cheerful", &d, &e) == -1 && strstr(e.msg, "balanced"));
}

/* The reader's counts for ties and bad rows, and the judge on what is kept. */
TEST(ties_and_bad_rows) {
    char path[] = "/tmp/test_judge_rows_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: zebra apple\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: river apple\"}\n");
    fprintf(f, "{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: same\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: same\"}\n");
    fprintf(f, "{\"chosen\": 3, \"rejected\": \"x\"}\n");
    fprintf(f, "not json\n");
    fclose(f);
    ComparisonSet s = {0};
    ComparisonOpts o = {0};
    RlhfErr e;
    const char *files[1] = {path};
    CHECK(comparisons_load_all(files, 1, &o, &s, &e) == -1);
    char want[128];
    snprintf(want, sizeof want, "%s:3:", path);
    CHECK_MSG(strstr(e.msg, want) != NULL, "error '%s' should name %s", e.msg, want);
    comparison_set_free(&s);
    memset(&s, 0, sizeof s);
    o.skip_bad = 1;
    REQUIRE(comparisons_load_all(files, 1, &o, &s, &e) == 0);
    CHECK(s.n == 1 && s.counts.ties == 1 && comparison_counts_bad(&s.counts) == 2);
    /* a judge scores what is kept */
    Judge j;
    REQUIRE(tiny_judge(&j, 32, 1) == 0);
    JudgeEvalResult r;
    CHECK(judge_eval_set(&j, &s, &r, NULL, &e) == 0);
    CHECK(r.n == 1 && r.cal.n == 2);
    judge_free(&j);
    comparison_set_free(&s);
    unlink(path);
}

/* Long transcripts keep their end (the reply and the EOT). */
TEST(left_truncation_keeps_the_reply) {
    Judge j;
    REQUIRE(tiny_judge(&j, 16, 1) == 0);
    RlhfErr e;
    const char *text = "\n\nHuman: apple river stone light house green table cloud music paper water chair?"
                       "\n\nAssistant: zebra night ocean";
    TokIds full = {0}, cut = {0};
    REQUIRE(tok_encode(j.tok, text, strlen(text), 0, &full, &e) == 0);
    REQUIRE(full.n + 1 > 16);
    REQUIRE(judge_encode(&j, text, strlen(text), &cut, &e) == 0);
    CHECK(cut.n == 16);
    CHECK(cut.ids[15] == j.eot);
    CHECK(memcmp(cut.ids, full.ids + (full.n - 15), 15 * sizeof(int)) == 0);
    float z;
    CHECK(judge_score_texts(&j, &text, 1, &z, &e) == 0 && isfinite(z));
    tok_ids_free(&full);
    tok_ids_free(&cut);
    judge_free(&j);
}

/* Two stub "judges" through the combined reward: reward = w_help z_help + w_harm z_harm. */
TEST(reward_combines_two_judges) {
    Judge a, b;
    REQUIRE(tiny_judge(&a, 32, 1) == 0);
    REQUIRE(tiny_judge(&b, 32, 2) == 0);
    /* give the heads something to say */
    Rng r;
    rng_seed(&r, 4);
    for (int i = 0; i < 32; i++) {
        a.model.params.scalar_w[i] = (float)rng_normal(&r);
        b.model.params.scalar_w[i] = (float)rng_normal(&r);
    }
    a.offset = 0.3f; a.scale = 2.0f;
    b.offset = -0.1f; b.scale = 0.5f;
    const char *texts[3] = {"\n\nHuman: hi\n\nAssistant: zebra", "\n\nHuman: hi\n\nAssistant: apple", "\n\nHuman: x\n\nAssistant: y"};
    float ra[3], rb[3], rw[3], zh[3], zs[3];
    RlhfErr e;
    REQUIRE(judge_score_raw(&a, texts, NULL, 3, ra, &e) == 0);
    REQUIRE(judge_score_raw(&b, texts, NULL, 3, rb, &e) == 0);
    RewardModel rm = {&a, &b, {.w_help = 1.0f, .w_harm = 0.5f}};
    REQUIRE(reward_score(&rm, texts, 3, rw, zh, zs, &e) == 0);
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(zh[i], (ra[i] - 0.3) / 2.0, 1e-5);
        CHECK_NEAR(zs[i], (rb[i] + 0.1) / 0.5, 1e-5);
        CHECK_NEAR(rw[i], zh[i] + 0.5 * zs[i], 1e-5);
    }
    RewardModel only = {NULL, &b, {.w_help = 1.0f, .w_harm = 2.0f}};
    REQUIRE(reward_score(&only, texts, 3, rw, NULL, NULL, &e) == 0);
    for (int i = 0; i < 3; i++) CHECK_NEAR(rw[i], 2.0 * zs[i], 1e-5);
    /* a harm cap between the scores: the ones above it count as the cap */
    float lo = zs[0], hi = zs[0];
    for (int i = 1; i < 3; i++) { lo = zs[i] < lo ? zs[i] : lo; hi = zs[i] > hi ? zs[i] : hi; }
    REQUIRE(hi > lo);
    float cap = 0.5f * (lo + hi);
    RewardModel capped = {&a, &b, {.w_help = 1.0f, .w_harm = 0.5f, .harm_capped = 1, .harm_cap = cap}};
    REQUIRE(reward_score(&capped, texts, 3, rw, NULL, NULL, &e) == 0);
    for (int i = 0; i < 3; i++) CHECK_NEAR(rw[i], zh[i] + 0.5 * (zs[i] < cap ? zs[i] : cap), 1e-5);
    judge_free(&a);
    judge_free(&b);
}

/* A stub reward: how many times 'z' occurs in the transcript. */
static int count_z(void *ctx, const char *const *texts, int n, float *reward, RlhfErr *e) {
    int *calls = ctx;
    (*calls)++;
    for (int i = 0; i < n; i++) {
        int k = 0;
        for (const char *p = texts[i]; *p; p++) k += *p == 'z';
        reward[i] = (float)k;
    }
    return 0;
}

TEST(best_of_n_picks_the_max_and_kl_formula) {
    Judge j;   /* only for its model and tokenizer: a random policy that babbles */
    REQUIRE(tiny_judge(&j, 64, 5) == 0);
    SamplerOpts o;
    sampler_opts_default(&o);
    o.max_new = 12;
    o.seed = 7;
    BestOfN r;
    RlhfErr e;
    int calls = 0;
    const char *prompt = "\n\nHuman: zebra?\n\nAssistant:";
    int rc = best_of_n(&j.model, j.tok, count_z, &calls, prompt, 16, &o, &r, &e);
    REQUIRE(rc == 0);
    CHECK(calls == 1 && r.n == 16);
    int zp = 1;   /* the prompt's own z */
    for (int i = 0; i < 16; i++) {
        int k = 0;
        for (const char *p = r.replies[i]; *p; p++) k += *p == 'z';
        CHECK(r.rewards[i] == (float)(k + zp));
        CHECK(r.rewards[i] <= r.rewards[r.best]);
    }
    for (int i = 0; i < r.best; i++) CHECK(r.rewards[i] < r.rewards[r.best]);   /* first of the maxima */
    CHECK(r.stats.max == r.rewards[r.best] && r.stats.min <= r.stats.q10 && r.stats.q10 <= r.stats.q50 &&
          r.stats.q50 <= r.stats.q90 && r.stats.q90 <= r.stats.max);
    best_of_n_free(&r);
    /* stats on a known list */
    float v[5] = {4, 1, 3, 2, 5};
    RewardStats st;
    reward_stats(v, 5, &st);
    CHECK_NEAR(st.mean, 3, 1e-12);
    CHECK_NEAR(st.std, sqrt(2.5), 1e-9);
    CHECK_NEAR(st.q50, 3, 1e-12);
    CHECK_NEAR(st.q25, 2, 1e-12);
    CHECK_NEAR(st.q10, 1.4, 1e-6);
    /* KL of best-of-N: log N − (N−1)/N */
    CHECK_NEAR(best_of_n_kl(1), 0.0, 1e-15);
    CHECK_NEAR(best_of_n_kl(2), log(2.0) - 0.5, 1e-15);
    CHECK_NEAR(best_of_n_kl(64), log(64.0) - 63.0 / 64, 1e-15);
    for (int n = 1; n < 100; n++) CHECK(best_of_n_kl(n + 1) > best_of_n_kl(n));
    judge_free(&j);
}

/* An ensemble's margin is the mean of its members' margins; an ensemble of one
 * judge with itself is that judge. */
TEST(ensemble_margins_are_the_mean) {
    Judge js[3];
    REQUIRE(tiny_judge(&js[0], 64, 7) == 0);
    REQUIRE(tiny_judge(&js[1], 64, 7) == 0);   /* the same judge as js[0] */
    REQUIRE(tiny_judge(&js[2], 64, 8) == 0);
    for (int k = 0; k < 3; k++) {   /* untrained heads are zero: give each a fixed direction */
        const GPT2Tensor *w = gpt2_find_tensor(&js[k].model, "scalar_w");
        REQUIRE(w);
        for (size_t i = 0; i < w->numel; i++) js[k].model.param_mem[w->offset + i] = (float)((i * 37 + 11) % 17) / 17.0f - 0.5f;
    }
    ComparisonSet te = {0};
    make_set(&te, 40, 3);
    RlhfErr e = {{0}};
    double a[40], b[40], ens[40], tmp[40];
    JudgeEvalResult r;
    REQUIRE(judge_eval_set(&js[0], &te, &r, a, &e) == 0);
    REQUIRE(judge_eval_set(&js[2], &te, &r, b, &e) == 0);
    REQUIRE(judge_ensemble_margins(js + 1, 2, &te, ens, tmp, &e) == 0);
    int differ = 0;
    for (int i = 0; i < 40; i++) {
        CHECK_NEAR(ens[i], 0.5 * (a[i] + b[i]), 1e-12);
        differ += fabs(a[i] - b[i]) > 1e-6;
    }
    CHECK(differ > 30);   /* the two members really are different judges */
    REQUIRE(judge_ensemble_margins(js, 2, &te, ens, tmp, &e) == 0);   /* a judge with itself */
    for (int i = 0; i < 40; i++) CHECK_NEAR(ens[i], a[i], 1e-12);
    CHECK(judge_ensemble_margins(js, 0, &te, ens, tmp, &e) == -1);
    comparison_set_free(&te);
    for (int k = 0; k < 3; k++) judge_free(&js[k]);
}

/* The untrained judge is the baseline, never the kept one: validation pairs whose
 * preference is the reverse of training's get worse with every step, and the
 * trainer still keeps a trained judge, saying that none beat the start. */
TEST(untrained_judge_is_never_kept) {
    Judge j;
    REQUIRE(tiny_judge(&j, 64, 7) == 0);
    ComparisonSet tr = {0}, va = {0};
    make_set(&tr, 200, 1);
    make_set(&va, 60, 2);
    for (size_t i = 0; i < va.n; i++) {   /* reverse the planted preference */
        Comparison *c = &va.items[i];
        const char *t = c->chosen;
        size_t tl = c->chosen_len;
        c->chosen = c->rejected; c->chosen_len = c->rejected_len;
        c->rejected = t; c->rejected_len = tl;
    }
    JudgeTrainOpts o;
    judge_train_defaults(&o);
    o.epochs = 2;
    o.B = 16;
    o.lr = 3e-3f;
    o.warmup = 5;
    o.weight_decay = 0.0f;
    o.quiet = 1;
    JudgeTrainResult res;
    RlhfErr e = {{0}};
    REQUIRE(judge_train(&j, &tr, &va, &o, &res, &e) == 0);
    fprintf(stderr, "  reversed validation: before loss %.4f, kept step %ld loss %.4f acc %.1f%%\n", res.first_val_loss,
            res.best_step, res.best_val_loss, 100 * res.best_val_acc);
    CHECK(res.best_step > 0);
    CHECK(res.beat_untrained == 0);
    CHECK(res.best_val_loss > res.first_val_loss);
    comparison_set_free(&tr);
    comparison_set_free(&va);
    judge_free(&j);
}

int main(void) {
    RUN(planted_preference_is_learned);
    RUN(bt_gradient_matches_finite_differences);
    RUN(calibration_known_answers);
    RUN(eval_summary_and_paired_margin);
    RUN(dials_parse_presets_and_numbers);
    RUN(ties_and_bad_rows);
    RUN(left_truncation_keeps_the_reply);
    RUN(reward_combines_two_judges);
    RUN(best_of_n_picks_the_max_and_kl_formula);
    RUN(ensemble_margins_are_the_mean);
    RUN(untrained_judge_is_never_kept);
    return test_summary();
}
