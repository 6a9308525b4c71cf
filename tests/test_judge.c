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
    comparison_set_free(&tr);
    comparison_set_free(&va);
    comparison_set_free(&te);
    judge_free(&j);
}

int main(void) {
    RUN(planted_preference_is_learned);
    return test_summary();
}
