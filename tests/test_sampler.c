/* test_sampler.c — the KV-cache inference path against the training forward
 * (gpt2_forward + gpt2_lm_logits), and the sampling rules (greedy, top-k,
 * top-p, temperature, seeds, stop strings / ids / EOT, context limit). */
#include "testlib.h"

#include <stdint.h>

#include "model/checkpoint.h"
#include "model/gpt2.h"
#include "model/kvcache.h"
#include "model/sampler.h"
#include "util/rng.h"

/* A small model with every parameter random (biases and LN too), so a wrong
 * bias, gain or position shows up; std 0.3 keeps the next-token distributions
 * peaked enough that argmax ties are unlikely. */
static void make_model(GPT2 *m, int max_seq_len, uint64_t seed) {
    GPT2Config c = {.max_seq_len = max_seq_len, .vocab_size = 67, .n_layer = 2, .n_head = 4, .n_embd = 32};
    RlhfErr e;
    if (gpt2_create(m, &c, 0, &e)) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    Rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < m->n_tensors; i++) {
        const GPT2Tensor *t = &m->tensors[i];
        float *p = m->param_mem + t->offset;
        int gain = !strcmp(t->name, "ln1w") || !strcmp(t->name, "ln2w") || !strcmp(t->name, "lnfw");
        float std = !strcmp(t->name, "wte") || !strcmp(t->name, "wpe") ? 0.5f : 0.3f;
        for (size_t k = 0; k < t->numel; k++) p[k] = (gain ? 1.0f : 0.0f) + std * (float)rng_normal(&r);
    }
}

/* max |a − b| / max(1, max |b|) over n values */
static double rel_diff(const float *a, const float *b, int n) {
    double d = 0.0, s = 1.0;
    for (int i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        s = fmax(s, fabs((double)b[i]));
    }
    return d / s;
}

static double log_softmax_at(const float *lg, int V, int tok) {
    double mx = lg[0], z = 0.0;
    for (int i = 1; i < V; i++) mx = fmax(mx, lg[i]);
    for (int i = 0; i < V; i++) z += exp(lg[i] - mx);
    return lg[tok] - mx - log(z);
}

static int argmax(const float *lg, int V) {
    int a = 0;
    for (int i = 1; i < V; i++)
        if (lg[i] > lg[a]) a = i;
    return a;
}

/* Full forward of one row (n tokens, all real) into the model's logits; returns (n,V). */
static const float *full_row(GPT2 *m, const int *toks, int n) {
    RlhfErr e;
    if (gpt2_reserve(m, 1, n, 0, &e)) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    gpt2_forward(m, toks, NULL, 1, n);
    return gpt2_lm_logits(m);
}

/* THE test: logits after prefill and after every decode step equal the training
 * forward on the whole sequence, for left-padded, right-padded, holed and full
 * rows in one batch, and with a row sitting out a step. */
TEST(kv_cache_logits_equal_full_forward) {
    GPT2 m;
    make_model(&m, 32, 1);
    const int B = 4, Tp = 6, steps = 9, V = m.cfg.vocab_size, Tmax = Tp + steps;
    uint8_t pm[4][6] = {{1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1}, {1, 0, 1, 1, 0, 1}, {1, 1, 1, 0, 0, 0}};
    int toks[4 * 15], tok_block[4 * 6];
    uint8_t mask[4 * 15];
    Rng r;
    rng_seed(&r, 7);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < Tmax; t++) {
            toks[b * Tmax + t] = rng_int(&r, V);
            mask[b * Tmax + t] = t < Tp ? pm[b][t] : 1;
        }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < Tp; t++) tok_block[b * Tp + t] = toks[b * Tmax + t];
    RlhfErr e;
    KvCache kv;
    REQUIRE(kv_create(&kv, &m, B, Tp, steps, &e) == 0);
    uint8_t pmask[4 * 6];
    for (int b = 0; b < B; b++) memcpy(pmask + b * Tp, pm[b], Tp);
    REQUIRE(kv_prefill(&kv, tok_block, pmask, B, Tp, &e) == 0);
    REQUIRE(gpt2_reserve(&m, B, Tmax, 0, &e) == 0);
    double worst = 0.0;
    for (int k = 0; k <= steps; k++) {
        int T = Tp + k;
        int sub[4 * 15];
        uint8_t submask[4 * 15];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) { sub[b * T + t] = toks[b * Tmax + t]; submask[b * T + t] = mask[b * Tmax + t]; }
        gpt2_forward(&m, sub, submask, B, T);
        const float *ref = gpt2_lm_logits(&m);
        for (int b = 0; b < B; b++) {
            int last = T - 1;
            while (!submask[b * T + last]) last--;
            const float *got = kv_logits(&kv, b);
            if (k > 0 && !mask[b * Tmax + T - 1]) { CHECK(got == NULL); continue; }
            REQUIRE(got != NULL);
            double d = rel_diff(got, ref + ((size_t)b * T + last) * V, V);
            worst = fmax(worst, d);
            CHECK_MSG(d < 1e-4, "step %d row %d: relative logit difference %.3g", k, b, d);
        }
        if (k == steps) break;
        /* row 2 sits out step 4: its slot becomes a pad in the reference */
        uint8_t active[4] = {1, 1, 1, 1};
        if (k == 3) { active[2] = 0; mask[2 * Tmax + Tp + k] = 0; }
        int next[4];
        for (int b = 0; b < B; b++) next[b] = toks[b * Tmax + Tp + k];
        REQUIRE(kv_step(&kv, next, active, &e) == 0);
    }
    fprintf(stderr, "  worst relative logit difference over %d steps: %.3g\n", steps + 1, worst);
    kv_free(&kv);
    gpt2_free(&m);
}

/* Greedy generation: each token is the argmax of the full forward's logits, its
 * logp the full forward's log-softmax, and a rerun gives the same ids. */
TEST(greedy_equals_full_forward_argmax) {
    GPT2 m;
    make_model(&m, 32, 2);
    int V = m.cfg.vocab_size;
    int p0[] = {5, 9, 13, 2, 40}, p1[] = {60, 1}, p2[] = {33, 34, 35};
    const int *prompts[] = {p0, p1, p2};
    int lens[] = {5, 2, 3};
    Sampler s;
    RlhfErr e;
    REQUIRE(sampler_create(&s, &m, 3, 8, 12, &e) == 0);
    SamplerOpts o;
    sampler_opts_default(&o);
    o.temperature = 0.0f;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 3, &o, &e) == 0);
    int first[3][12];
    for (int b = 0; b < 3; b++) {
        const SampleRow *r = sampler_row(&s, b);
        CHECK(r->n == 12 && r->finish == SAMPLE_LENGTH && r->n_reply == 12);
        memcpy(first[b], r->ids, sizeof first[b]);
        int seq[32];
        memcpy(seq, prompts[b], (size_t)lens[b] * sizeof(int));
        memcpy(seq + lens[b], r->ids, (size_t)r->n * sizeof(int));
        const float *lg = full_row(&m, seq, lens[b] + r->n - 1);
        for (int t = 0; t < r->n; t++) {
            const float *row = lg + (size_t)(lens[b] - 1 + t) * V;
            CHECK_MSG(r->ids[t] == argmax(row, V), "row %d token %d: %d, argmax %d", b, t, r->ids[t], argmax(row, V));
            CHECK_NEAR(r->logp[t], log_softmax_at(row, V, r->ids[t]), 1e-4);
            CHECK(r->logp_sample[t] == 0.0f);
        }
    }
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 3, &o, &e) == 0);
    for (int b = 0; b < 3; b++) CHECK(!memcmp(sampler_row(&s, b)->ids, first[b], sizeof first[b]));
    /* top-k 1 at any temperature is greedy */
    o.temperature = 1.3f;
    o.top_k = 1;
    o.seed = 99;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 3, &o, &e) == 0);
    for (int b = 0; b < 3; b++) {
        CHECK(!memcmp(sampler_row(&s, b)->ids, first[b], sizeof first[b]));
        CHECK_NEAR(sampler_row(&s, b)->logp_sample[0], 0.0, 1e-6);
    }
    sampler_free(&s);
    gpt2_free(&m);
}

/* Reference q(tok) under temperature / top-k / top-p, by full sort. */
static double ref_logq(const float *lg, int V, const SamplerOpts *o, int tok) {
    double w[256];
    int idx[256];
    double mx = lg[0];
    for (int i = 1; i < V; i++) mx = fmax(mx, lg[i]);
    for (int i = 0; i < V; i++) { w[i] = exp((lg[i] - mx) / o->temperature); idx[i] = i; }
    for (int i = 0; i < V; i++)   /* insertion sort, descending, ties to lower id */
        for (int j = i; j > 0 && (w[idx[j]] > w[idx[j - 1]] || (w[idx[j]] == w[idx[j - 1]] && idx[j] < idx[j - 1])); j--) {
            int t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
        }
    int n = (o->top_k > 0 && o->top_k < V) ? o->top_k : V;
    double mass = 0.0;
    for (int i = 0; i < n; i++) mass += w[idx[i]];
    if (o->top_p < 1.0f) {
        double cum = 0.0;
        int keep = 0;
        while (keep < n) { cum += w[idx[keep++]]; if (cum >= o->top_p * mass) break; }
        n = keep;
        mass = cum;
    }
    for (int i = 0; i < n; i++)
        if (idx[i] == tok) return log(w[tok] / mass);
    return -INFINITY;
}

/* Sampled tokens' logp equal the full forward's log-softmax; logq equals the
 * filtered, tempered distribution; same seed → same ids; a row's samples do not
 * depend on the other rows. */
TEST(sampled_logprobs_match_full_forward) {
    GPT2 m;
    make_model(&m, 32, 3);
    int V = m.cfg.vocab_size;
    int p0[] = {5, 9, 13, 2}, p1[] = {60, 1, 7, 7, 7, 3};
    const int *prompts[] = {p0, p1};
    int lens[] = {4, 6};
    Sampler s;
    RlhfErr e;
    REQUIRE(sampler_create(&s, &m, 2, 8, 16, &e) == 0);
    SamplerOpts o;
    sampler_opts_default(&o);
    o.temperature = 0.8f;
    o.top_k = 20;
    o.top_p = 0.9f;
    o.seed = 1234;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 2, &o, &e) == 0);
    int first[2][16];
    for (int b = 0; b < 2; b++) {
        const SampleRow *r = sampler_row(&s, b);
        REQUIRE(r->n == 16);
        memcpy(first[b], r->ids, sizeof first[b]);
        int seq[32];
        memcpy(seq, prompts[b], (size_t)lens[b] * sizeof(int));
        memcpy(seq + lens[b], r->ids, (size_t)r->n * sizeof(int));
        const float *lg = full_row(&m, seq, lens[b] + r->n - 1);
        for (int t = 0; t < r->n; t++) {
            const float *row = lg + (size_t)(lens[b] - 1 + t) * V;
            CHECK_NEAR(r->logp[t], log_softmax_at(row, V, r->ids[t]), 1e-4);
            CHECK_NEAR(r->logp_sample[t], ref_logq(row, V, &o, r->ids[t]), 1e-3);
        }
    }
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 2, &o, &e) == 0);
    for (int b = 0; b < 2; b++) CHECK(!memcmp(sampler_row(&s, b)->ids, first[b], sizeof first[b]));
    /* row 0 alone gives the same sample as row 0 beside row 1 */
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 1, &o, &e) == 0);
    CHECK(!memcmp(sampler_row(&s, 0)->ids, first[0], sizeof first[0]));
    /* another seed gives another sample */
    o.seed = 1235;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 2, &o, &e) == 0);
    CHECK(memcmp(sampler_row(&s, 0)->ids, first[0], sizeof first[0]) || memcmp(sampler_row(&s, 1)->ids, first[1], sizeof first[1]));
    sampler_free(&s);
    gpt2_free(&m);
}

/* A planted distribution: empirical frequencies of sampler_pick match the
 * tempered / top-k / top-p distribution, and logp / logq are exact. */
TEST(planted_distribution_frequencies) {
    const int V = 6, N = 40000;
    const double p[6] = {0.40, 0.25, 0.15, 0.10, 0.07, 0.03};
    float lg[6];
    for (int i = 0; i < V; i++) lg[i] = (float)log(p[i]) + 3.0f;   /* a shift changes nothing */
    struct { float t; int k; float top_p; double q[6]; } cases[] = {
        {1.0f, 0, 1.0f, {0.40, 0.25, 0.15, 0.10, 0.07, 0.03}},
        {1.0f, 2, 1.0f, {0.40 / 0.65, 0.25 / 0.65, 0, 0, 0, 0}},
        {1.0f, 0, 0.75f, {0.40 / 0.80, 0.25 / 0.80, 0.15 / 0.80, 0, 0, 0}},
        {1.0f, 3, 0.6f, {0.40 / 0.65, 0.25 / 0.65, 0, 0, 0, 0}},   /* nucleus of the top-3, renormalised */
        {0.5f, 0, 1.0f, {0}},                                       /* p² normalised, filled below */
        {2.0f, 4, 1.0f, {0}},                                       /* √p over the top 4 */
    };
    double z = 0.0;
    for (int i = 0; i < V; i++) z += p[i] * p[i];
    for (int i = 0; i < V; i++) cases[4].q[i] = p[i] * p[i] / z;
    z = 0.0;
    for (int i = 0; i < 4; i++) z += sqrt(p[i]);
    for (int i = 0; i < 4; i++) cases[5].q[i] = sqrt(p[i]) / z;
    SamplerCand cand[6];
    for (size_t c = 0; c < RLHF_ARRAY_LEN(cases); c++) {
        SamplerOpts o;
        sampler_opts_default(&o);
        o.temperature = cases[c].t;
        o.top_k = cases[c].k;
        o.top_p = cases[c].top_p;
        Rng r;
        rng_seed(&r, 100 + c);
        int count[6] = {0};
        for (int i = 0; i < N; i++) {
            float lp, lq;
            int tok = sampler_pick(lg, V, &o, &r, cand, &lp, &lq);
            REQUIRE(tok >= 0 && tok < V);
            count[tok]++;
            CHECK_NEAR(lp, log(p[tok]), 1e-5);
            CHECK_NEAR(lq, log(cases[c].q[tok]), 1e-5);
        }
        for (int i = 0; i < V; i++) {
            double f = (double)count[i] / N, q = cases[c].q[i];
            double tol = 4.0 * sqrt(q * (1 - q) / N) + 1e-9;   /* 4 sigma */
            CHECK_MSG(fabs(f - q) <= tol, "case %zu token %d: frequency %.4f, expected %.4f", c, i, f, q);
        }
    }
}

/* Top-p over a large vocabulary (the threshold path) keeps exactly the
 * reference nucleus. */
TEST(top_p_large_vocab_matches_sort) {
    enum { V = 5000 };
    static float lg[V];
    static SamplerCand cand[V];
    Rng r;
    rng_seed(&r, 5);
    for (int i = 0; i < V; i++) lg[i] = (float)(2.0 * rng_normal(&r));
    /* reference nucleus size by full sort of the probabilities */
    static double w[V];
    double mx = lg[0], z = 0.0;
    for (int i = 0; i < V; i++) mx = fmax(mx, lg[i]);
    for (int i = 0; i < V; i++) { w[i] = exp(lg[i] - mx); z += w[i]; }
    static double sorted[V];
    memcpy(sorted, w, sizeof sorted);
    int gap = 1;
    while (gap < V / 3) gap = 3 * gap + 1;
    for (; gap > 0; gap /= 3)
        for (int i = gap; i < V; i++)
            for (int j = i; j >= gap && sorted[j] > sorted[j - gap]; j -= gap) {
                double t = sorted[j]; sorted[j] = sorted[j - gap]; sorted[j - gap] = t;
            }
    double cum = 0.0, thresh = 0.0;
    for (int i = 0; i < V; i++) {
        cum += sorted[i];
        if (cum >= 0.95 * z) { thresh = sorted[i]; break; }
    }
    SamplerOpts o;
    sampler_opts_default(&o);
    o.top_p = 0.95f;
    for (int i = 0; i < 3000; i++) {
        float lp, lq;
        int tok = sampler_pick(lg, V, &o, &r, cand, &lp, &lq);
        CHECK_MSG(w[tok] >= thresh * (1 - 1e-5), "token %d with weight %.3g outside the nucleus (min %.3g)", tok, w[tok], thresh);
        if (tl_cur_failed) break;
    }
}

/* Test vocabulary: token i decodes to a letter repeated 1..3 times. */
static int test_decode(void *ctx, const int *ids, int n, char *out, int cap) {
    (void)ctx;
    int len = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k <= ids[i] % 3 && len < cap; k++) out[len++] = (char)('a' + ids[i] % 7);
    return len;
}

/* Stop strings, stop id sequences and EOT end a row where they first occur and
 * are reported; the other row runs on. */
TEST(stop_sequences_stop_and_are_reported) {
    GPT2 m;
    make_model(&m, 64, 4);
    int p0[] = {5, 9, 13}, p1[] = {20, 21};
    const int *prompts[] = {p0, p1};
    int lens[] = {3, 2};
    Sampler s;
    RlhfErr e;
    REQUIRE(sampler_create(&s, &m, 2, 4, 30, &e) == 0);
    SamplerOpts o;
    sampler_opts_default(&o);
    o.seed = 77;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 2, &o, &e) == 0);
    int ids[30], ids1[30];
    memcpy(ids, sampler_row(&s, 0)->ids, sizeof ids);
    memcpy(ids1, sampler_row(&s, 1)->ids, sizeof ids1);
    char text[256];
    int tstart[31];
    tstart[0] = 0;
    for (int t = 0; t < 30; t++) tstart[t + 1] = tstart[t] + test_decode(NULL, &ids[t], 1, text + tstart[t], 8);
    text[tstart[30]] = 0;

    /* a stop string across a token boundary in the middle of row 0's reply */
    int a = 10;
    char stop[8];
    memcpy(stop, text + tstart[a] + (tstart[a + 1] - tstart[a]) - 1, 3);
    stop[3] = 0;
    const char *first = strstr(text, stop);
    REQUIRE(first != NULL);
    long at = first - text;
    int n_exp = 0;
    while (tstart[n_exp] < at + 3) n_exp++;   /* the token that completes the first match */
    int keep_exp = 0;
    while (keep_exp < n_exp && tstart[keep_exp + 1] <= at) keep_exp++;
    const char *stops[] = {"zzzz", stop};
    o.stop = stops;
    o.n_stop = 2;
    o.decode = test_decode;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 1, &o, &e) == 0);
    const SampleRow *r = sampler_row(&s, 0);
    CHECK(r->finish == SAMPLE_STOP);
    CHECK(r->stop_index == 1);
    CHECK(r->stop_byte == at);
    CHECK(r->n == n_exp);
    CHECK(r->n_reply == keep_exp);
    CHECK(!memcmp(r->ids, ids, (size_t)r->n * sizeof(int)));

    /* a stop id sequence: row 0 stops, row 1 (no match) runs to the length limit */
    o.n_stop = 0;
    int seq[3] = {ids[6], ids[7], ids[8]};
    const int *seqs[] = {seq};
    int seq_len[] = {3};
    o.stop_ids = seqs;
    o.stop_ids_len = seq_len;
    o.n_stop_ids = 1;
    int n_seq = 3;
    while (!(ids[n_seq - 3] == seq[0] && ids[n_seq - 2] == seq[1] && ids[n_seq - 1] == seq[2])) n_seq++;
    int n1 = 3;
    while (n1 <= 30 && !(ids1[n1 - 3] == seq[0] && ids1[n1 - 2] == seq[1] && ids1[n1 - 1] == seq[2])) n1++;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 2, &o, &e) == 0);
    r = sampler_row(&s, 0);
    CHECK(r->finish == SAMPLE_STOP_IDS && r->stop_index == 0);
    CHECK(r->n == n_seq && r->n_reply == n_seq - 3);
    const SampleRow *r1 = sampler_row(&s, 1);
    if (n1 > 30) CHECK(r1->finish == SAMPLE_LENGTH && r1->n == 30 && !memcmp(r1->ids, ids1, sizeof ids1));

    /* end of text */
    o.n_stop_ids = 0;
    o.eot_id = ids[12];
    int n_eot = 0;
    while (ids[n_eot] != o.eot_id) n_eot++;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 1, &o, &e) == 0);
    r = sampler_row(&s, 0);
    CHECK(r->finish == SAMPLE_EOT && r->n == n_eot + 1 && r->n_reply == n_eot);
    CHECK(r->ids[r->n - 1] == o.eot_id);
    CHECK_STR(sample_finish_name(r->finish), "eot");

    /* max_new below the sampler's */
    o.eot_id = -1;
    o.max_new = 5;
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 1, &o, &e) == 0);
    CHECK(sampler_row(&s, 0)->finish == SAMPLE_LENGTH && sampler_row(&s, 0)->n == 5);
    sampler_free(&s);
    gpt2_free(&m);
}

/* A row that uses every position stops with SAMPLE_CONTEXT; bad input fails cleanly. */
TEST(context_limit_and_errors) {
    GPT2 m;
    make_model(&m, 16, 5);
    int prompt[20];
    for (int i = 0; i < 20; i++) prompt[i] = i;
    const int *prompts[] = {prompt};
    int lens[] = {14};
    Sampler s;
    RlhfErr e;
    REQUIRE(sampler_create(&s, &m, 1, 20, 10, &e) == 0);
    SamplerOpts o;
    sampler_opts_default(&o);
    REQUIRE(sampler_generate_ragged(&s, prompts, lens, 1, &o, &e) == 0);
    /* positions 14 and 15 take the first two new tokens; the third cannot be fed */
    CHECK(sampler_row(&s, 0)->finish == SAMPLE_CONTEXT && sampler_row(&s, 0)->n == 3);

    int bad[] = {1, 2, 999};
    const int *bp[] = {bad};
    int bl[] = {3};
    e.msg[0] = 0;
    CHECK(sampler_generate_ragged(&s, bp, bl, 1, &o, &e) == -1);
    CHECK(strstr(e.msg, "999") != NULL);
    uint8_t none[3] = {0, 0, 0};
    CHECK(sampler_generate(&s, prompt, none, 1, 3, &o, &e) == -1);
    CHECK(strstr(e.msg, "no real token") != NULL);
    int big[] = {20};
    CHECK(sampler_generate_ragged(&s, prompts, big, 1, &o, &e) == -1);
    /* more rows than the sampler holds: refused, and no row past its one is readable */
    int two[2 * 3] = {1, 2, 3, 1, 2, 3};
    uint8_t real[2 * 3] = {1, 1, 1, 1, 1, 1};
    CHECK(sampler_generate(&s, two, real, 2, 3, &o, &e) == -1);
    CHECK(sampler_row(&s, 1) == NULL);
    sampler_free(&s);
    gpt2_free(&m);
}

/* The opt-in bf16 weight copy: logits close to the fp32 forward (not equal),
 * and a refresh after a parameter change picks the change up. */
TEST(bf16_weights_close_to_full_forward) {
    GPT2 m;
    make_model(&m, 32, 6);
    int V = m.cfg.vocab_size;
    int toks[12] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};
    RlhfErr e;
    KvCache kv;
    REQUIRE(kv_create(&kv, &m, 1, 4, 8, &e) == 0);
    REQUIRE(kv_use_bf16(&kv, &e) == 0);
    for (int round = 0; round < 2; round++) {
        REQUIRE(kv_prefill(&kv, toks, NULL, 1, 4, &e) == 0);
        for (int k = 0; k < 8; k++) {
            if (k > 0) REQUIRE(kv_step(&kv, &toks[3 + k], NULL, &e) == 0);
            const float *ref = full_row(&m, toks, 4 + k) + (size_t)(3 + k) * V;
            double d = rel_diff(kv_logits(&kv, 0), ref, V);
            CHECK_MSG(d < 3e-2, "round %d step %d: relative difference %.3g", round, k, d);
            if (round == 0 && k == 7) CHECK(d > 1e-7);   /* it really is the bf16 path */
        }
        /* change the weights: the refreshed copy follows */
        for (size_t i = 0; i < m.num_params; i++) m.param_mem[i] *= 0.9f;
        REQUIRE(kv_use_bf16(&kv, &e) == 0);
    }
    kv_free(&kv);
    gpt2_free(&m);
}

/* The panel layouts: a packed fp32 copy (kv_use_packed) and the model's own
 * weights packed in place (kv_pack_model, which also runs the prefill block
 * through the panel kernel) give the unpacked path's logits up to summation
 * order, for a batch with padding, a row sitting out, and a vocab (67) and
 * widths that leave partial panels. A refreshed copy follows a parameter
 * change; a model packed in place refuses to be saved or copied. */
TEST(packed_weights_equal_unpacked_path) {
    GPT2 m, m2;
    make_model(&m, 32, 8);
    make_model(&m2, 32, 8);
    int V = m.cfg.vocab_size;
    enum { B = 3, Tp = 8, steps = 7 };   /* B·Tp = 24 > 16: prefill is sgemm unpacked, panels in place */
    int toks[B * Tp];
    uint8_t mask[B * Tp];
    for (int i = 0; i < B * Tp; i++) {
        toks[i] = (i * 31 + 5) % V;
        mask[i] = !(i == 0 || i == 9 || i == 10 || i == 23);   /* left pad, holes, right pad */
    }
    RlhfErr e;
    KvCache a, b, c;
    REQUIRE(kv_create(&a, &m, B, Tp, steps, &e) == 0);
    REQUIRE(kv_create(&b, &m, B, Tp, steps, &e) == 0);
    REQUIRE(kv_create(&c, &m2, B, Tp, steps, &e) == 0);
    REQUIRE(kv_use_packed(&b, &e) == 0);
    CHECK(b.pk != NULL && b.pk16 == NULL);
    REQUIRE(kv_pack_model(&c, &m2, &e) == 0);
    CHECK(m2.decode_layout == 1 && c.pk == NULL);
    double worst_copy = 0.0, worst_in_place = 0.0;
    for (int round = 0; round < 2; round++) {
        KvCache *kvs[3] = {&a, &b, &c};
        for (int q = 0; q < (round ? 2 : 3); q++) REQUIRE(kv_prefill(kvs[q], toks, mask, B, Tp, &e) == 0);
        for (int k = 0; k <= steps; k++) {
            for (int r = 0; r < B; r++) {
                const float *la = kv_logits(&a, r), *lb = kv_logits(&b, r), *lc = round ? NULL : kv_logits(&c, r);
                REQUIRE((la == NULL) == (lb == NULL));
                if (!round) REQUIRE((la == NULL) == (lc == NULL));
                if (!la) continue;
                double d = rel_diff(lb, la, V);
                worst_copy = fmax(worst_copy, d);
                CHECK_MSG(d < 1e-5, "copy: round %d step %d row %d: relative difference %.3g", round, k, r, d);
                if (lc) {
                    d = rel_diff(lc, la, V);
                    worst_in_place = fmax(worst_in_place, d);
                    CHECK_MSG(d < 1e-5, "in place: step %d row %d: relative difference %.3g", k, r, d);
                }
            }
            if (k == steps) break;
            int next[B] = {(k * 7 + 1) % V, (k * 13 + 2) % V, (k * 5 + 66) % V};
            uint8_t active[B] = {1, (uint8_t)(k != 2), 1};
            REQUIRE(kv_step(&a, next, active, &e) == 0);
            REQUIRE(kv_step(&b, next, active, &e) == 0);
            if (!round) REQUIRE(kv_step(&c, next, active, &e) == 0);
        }
        for (size_t i = 0; i < m.num_params; i++) m.param_mem[i] *= 0.9f;
        REQUIRE(kv_use_packed(&b, &e) == 0);
    }
    fprintf(stderr, "  worst relative logit difference to the unpacked path: copy %.3g, in place %.3g\n", worst_copy,
            worst_in_place);
    /* switching to bf16 replaces the fp32 copy; the packed-in-place model is refused */
    REQUIRE(kv_use_bf16(&b, &e) == 0);
    CHECK(b.pk == NULL && b.pk16 != NULL);
    CHECK(kv_use_bf16(&c, &e) != 0);
    CHECK(gpt2_copy_params(&m, &m2, &e) != 0);
    CHECK(ckpt_save("build/test_sampler_packed.ckpt", &m2, NULL, NULL, NULL, 0, &e) != 0);
    CHECK_MSG(strstr(e.msg, "decode layout") != NULL, "message: %s", e.msg);
    kv_free(&a);
    kv_free(&b);
    kv_free(&c);
    gpt2_free(&m);
    gpt2_free(&m2);
}

int main(void) {
    RUN(kv_cache_logits_equal_full_forward);
    RUN(greedy_equals_full_forward_argmax);
    RUN(sampled_logprobs_match_full_forward);
    RUN(planted_distribution_frequencies);
    RUN(top_p_large_vocab_matches_sort);
    RUN(stop_sequences_stop_and_are_reported);
    RUN(context_limit_and_errors);
    RUN(bf16_weights_close_to_full_forward);
    RUN(packed_weights_equal_unpacked_path);
    return test_summary();
}
