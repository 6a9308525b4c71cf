/* test_cuda_vs_cpu.cu — the CUDA backend against the CPU backend (model/gpt2.c,
 * kvcache.c, adamw.c) on small models: logits, log-probabilities, entropies,
 * head outputs, hidden states, the loss and EVERY parameter gradient, a few
 * AdamW steps, the gradient norm, and KV-cache decoding. Shapes exercise the
 * kernels' edges: T not a multiple of the 32-row attention tile, several tiles,
 * head sizes 16 / 64 / 96 (1, 2, 3 lanes' worth of dimensions), an odd vocabulary,
 * left / middle / right padding.
 *
 * Each comparison runs twice: with TF32 off (pure fp32: tight tolerances, the
 * differences are summation order only) and with TF32 tensor cores on (the
 * production setting: inputs rounded to 10-bit mantissas, so ~1e-3 relative
 * per product, looser tolerances).
 *
 * Built by `make cuda` (scripts/build-cuda.sh). Without a usable GPU it prints
 * why and exits 77 ("skipped"), the automake convention. */
#include "testlib.h"

#include "cuda/cuda_gpt2.h"

extern "C" {
#include "model/adamw.h"
#include "model/kvcache.h"
#include "util/rng.h"
}

/* ---- helpers -------------------------------------------------------------- */

static double rel_err(const float *a, const float *b, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

static double max_abs(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN wins */
    }
    return m;
}

typedef struct Case {
    const char *name;
    int L, NH, C, V, maxT, B, T;
} Case;

static const Case CASES[] = {
    {"hs16", 2, 4, 64, 67, 80, 3, 37},
    {"hs64", 2, 2, 128, 101, 72, 2, 70},
    {"hs96", 1, 1, 96, 53, 40, 2, 33},
    {"hs64-T300", 1, 2, 128, 61, 320, 2, 300},
};

typedef struct Tol {
    double logits, logp, grad, head;
} Tol;
static const Tol TOL_FP32 = {2e-4, 2e-4, 2e-4, 2e-4};
static const Tol TOL_TF32 = {2e-2, 2e-2, 3e-2, 2e-2};

static void random_model(GPT2 *m, const Case *k, uint64_t seed) {
    GPT2Config cfg = {k->maxT, k->V, k->L, k->NH, k->C};
    RlhfErr e;
    if (gpt2_create(m, &cfg, GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE, &e)) {
        fprintf(stderr, "gpt2_create: %s\n", e.msg);
        exit(1);
    }
    Rng r;
    rng_seed(&r, seed);
    for (int t = 0; t < m->n_tensors; t++) {
        const GPT2Tensor *ten = &m->tensors[t];
        float *p = m->param_mem + ten->offset;
        int gain = !strcmp(ten->name, "ln1w") || !strcmp(ten->name, "ln2w") || !strcmp(ten->name, "lnfw");
        for (size_t i = 0; i < ten->numel; i++)
            p[i] = gain ? 1.0f + 0.1f * (float)rng_normal(&r) : 0.08f * (float)rng_normal(&r);
    }
}

/* Batch with row 0 all real, row 1 left-padded, row ≥ 2 padded in the middle and at the end. */
typedef struct Batch {
    int *tok, *tgt, *pos;
    uint8_t *mask;
    float *w, *dent, *dvalue, *dscalar;
} Batch;

static void make_batch(Batch *bt, const Case *k, uint64_t seed) {
    int N = k->B * k->T;
    Rng r;
    rng_seed(&r, seed);
    bt->tok = (int *)malloc(sizeof(int) * N);
    bt->tgt = (int *)malloc(sizeof(int) * N);
    bt->pos = (int *)malloc(sizeof(int) * k->B);
    bt->mask = (uint8_t *)malloc(N);
    bt->w = (float *)malloc(sizeof(float) * N);
    bt->dent = (float *)malloc(sizeof(float) * N);
    bt->dvalue = (float *)malloc(sizeof(float) * N);
    bt->dscalar = (float *)malloc(sizeof(float) * k->B);
    int n_real = 0;
    for (int b = 0; b < k->B; b++) {
        for (int t = 0; t < k->T; t++) {
            int i = b * k->T + t, real = 1;
            if (b == 1) real = t >= 5;
            if (b >= 2) real = !(t >= 7 && t < 12) && t < k->T - 4;
            bt->mask[i] = (uint8_t)real;
            bt->tok[i] = rng_int(&r, k->V);
            n_real += real;
        }
        int last = k->T - 1;
        while (!bt->mask[b * k->T + last]) last--;
        bt->pos[b] = last;
        bt->dscalar[b] = 0.5f * (float)rng_normal(&r);
    }
    for (int i = 0; i < N; i++) {
        /* next real token as the target; pads and the last real token get none */
        int b = i / k->T, t = i % k->T, nx = -1;
        for (int u = t + 1; u < k->T; u++)
            if (bt->mask[b * k->T + u]) { nx = bt->tok[b * k->T + u]; break; }
        bt->tgt[i] = bt->mask[i] ? nx : -1;
        bt->w[i] = 1.0f / (float)n_real;
        bt->dent[i] = bt->mask[i] ? 0.01f * (float)rng_normal(&r) : 0.0f;
        bt->dvalue[i] = bt->mask[i] ? 0.1f * (float)rng_normal(&r) : 0.0f;
    }
}

static void free_batch(Batch *bt) {
    free(bt->tok); free(bt->tgt); free(bt->pos); free(bt->mask);
    free(bt->w); free(bt->dent); free(bt->dvalue); free(bt->dscalar);
}

/* ---- tests ------------------------------------------------------------------ */

/* Forward, every output and every gradient through the LM (logp + entropy),
 * scalar and value heads, CPU vs GPU, for one case and one math mode. */
static void compare_case(const Case *k, int tf32, CudaAttention att) {
    const Tol tol = tf32 ? TOL_TF32 : TOL_FP32;
    RlhfErr e;
    GPT2 m;
    random_model(&m, k, 1234 + k->C);
    Batch bt;
    make_batch(&bt, k, 99 + k->T);
    const int B = k->B, T = k->T, N = B * T, V = k->V, C = k->C;
    REQUIRE(gpt2_reserve(&m, B, T, 1, &e) == 0);
    CudaGPT2 *g = cuda_gpt2_create_from(&m, &e);
    REQUIRE(g != NULL);
    cuda_gpt2_set_tf32(g, tf32);
    cuda_gpt2_set_attention(g, att);
    REQUIRE(cuda_gpt2_reserve(g, B, T, 1, &e) == 0);

    float *logp_c = (float *)malloc(sizeof(float) * N), *logp_g = (float *)malloc(sizeof(float) * N);
    float *ent_c = (float *)malloc(sizeof(float) * N), *ent_g = (float *)malloc(sizeof(float) * N);
    float *dlogp = (float *)malloc(sizeof(float) * N);
    float *val_c = (float *)malloc(sizeof(float) * N), *val_g = (float *)malloc(sizeof(float) * N);
    float sc_c[8], sc_g[8];
    float *lg_g = (float *)malloc(sizeof(float) * N * V), *hid_g = (float *)malloc(sizeof(float) * N * C);
    float *grads_c = (float *)malloc(sizeof(float) * m.num_params);

    /* CPU */
    gpt2_zero_grad(&m);
    gpt2_forward(&m, bt.tok, bt.mask, B, T);
    float *lg_c = (float *)malloc(sizeof(float) * N * V);
    memcpy(lg_c, gpt2_lm_logits(&m), sizeof(float) * N * V);
    gpt2_lm_forward(&m, bt.tgt, logp_c, ent_c);
    double loss_c = 0;
    for (int i = 0; i < N; i++) {
        dlogp[i] = bt.tgt[i] >= 0 ? -bt.w[i] : 0.0f;
        loss_c -= bt.tgt[i] >= 0 ? bt.w[i] * logp_c[i] : 0.0;
    }
    gpt2_lm_backward(&m, bt.tgt, dlogp, bt.dent);
    gpt2_scalar_forward(&m, bt.pos, sc_c);
    gpt2_scalar_backward(&m, bt.pos, bt.dscalar);
    gpt2_value_forward(&m, val_c);
    gpt2_value_backward(&m, bt.dvalue);
    gpt2_backward(&m);
    memcpy(grads_c, m.grad_mem, sizeof(float) * m.num_params);

    /* GPU, same calls */
    cuda_gpt2_zero_grad(g);
    cuda_gpt2_forward(g, bt.tok, bt.mask, B, T);
    REQUIRE(cuda_gpt2_download_hidden(g, hid_g) == 0);
    REQUIRE(cuda_gpt2_lm_logits(g, lg_g) == 0);
    cuda_gpt2_lm_forward(g, bt.tgt, logp_g, ent_g);
    double loss_g = 0;
    for (int i = 0; i < N; i++) loss_g -= bt.tgt[i] >= 0 ? bt.w[i] * logp_g[i] : 0.0;
    cuda_gpt2_lm_backward(g, bt.tgt, dlogp, bt.dent);
    cuda_gpt2_scalar_forward(g, bt.pos, sc_g);
    cuda_gpt2_scalar_backward(g, bt.pos, bt.dscalar);
    cuda_gpt2_value_forward(g, val_g);
    cuda_gpt2_value_backward(g, bt.dvalue);
    cuda_gpt2_backward(g);
    memset(m.grad_mem, 0, sizeof(float) * m.num_params);
    REQUIRE(cuda_gpt2_download_grads(g, &m, &e) == 0);
    CHECK_MSG(cuda_gpt2_error(g) == NULL, "cuda error: %s", cuda_gpt2_error(g));

    const char *mode = att == CUDA_ATT_GEMM ? (tf32 ? "tf32 gemm-attention" : "fp32 gemm-attention")
                                            : (tf32 ? "tf32 fused-attention" : "fp32 fused-attention");
    double el = rel_err(lg_g, lg_c, (size_t)N * V), eh = rel_err(hid_g, gpt2_hidden(&m), (size_t)N * C);
    double ep = max_abs(logp_g, logp_c, N), ee = max_abs(ent_g, ent_c, N);
    double es = max_abs(sc_g, sc_c, B), ev = max_abs(val_g, val_c, N);
    fprintf(stderr, "  %s %s: logits rel %.2e, hidden rel %.2e, logp max %.2e, entropy max %.2e, scalar %.2e, "
            "value %.2e, loss %.6f vs %.6f\n", k->name, mode, el, eh, ep, ee, es, ev, loss_g, loss_c);
    CHECK_MSG(el < tol.logits, "%s %s logits rel err %.3g", k->name, mode, el);
    CHECK_MSG(eh < tol.logits, "%s %s hidden rel err %.3g", k->name, mode, eh);
    CHECK_MSG(ep < tol.logp * 10, "%s %s logp max err %.3g", k->name, mode, ep);
    CHECK_MSG(ee < tol.logp * 10, "%s %s entropy max err %.3g", k->name, mode, ee);
    CHECK_MSG(es < tol.head * 10 && ev < tol.head * 10, "%s %s heads %.3g %.3g", k->name, mode, es, ev);
    CHECK_NEAR(loss_g, loss_c, tol.logp * fabs(loss_c) + 1e-6);
    double worst = 0;
    for (int t = 0; t < m.n_tensors; t++) {
        const GPT2Tensor *ten = &m.tensors[t];
        double r = rel_err(m.grad_mem + ten->offset, grads_c + ten->offset, ten->numel);
        if (r > worst) worst = r;
        CHECK_MSG(r < tol.grad, "%s %s grad %s rel err %.3g (tolerance %.1g)", k->name, mode, ten->name, r, tol.grad);
    }
    fprintf(stderr, "  %s %s: worst parameter-gradient rel err %.2e over %d tensors\n", k->name, mode, worst,
            m.n_tensors);

    cuda_gpt2_free(g);
    free(logp_c); free(logp_g); free(ent_c); free(ent_g); free(dlogp); free(val_c); free(val_g);
    free(lg_g); free(lg_c); free(hid_g); free(grads_c);
    free_batch(&bt);
    gpt2_free(&m);
}

/* Both attention paths, each against the CPU. */
TEST(outputs_and_every_gradient_fp32) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        compare_case(&CASES[i], 0, CUDA_ATT_FUSED);
        compare_case(&CASES[i], 0, CUDA_ATT_GEMM);
    }
}

TEST(outputs_and_every_gradient_tf32) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        compare_case(&CASES[i], 1, CUDA_ATT_FUSED);
        compare_case(&CASES[i], 1, CUDA_ATT_GEMM);
    }
}

/* Three steps of the training loop (LM loss, clipping, AdamW) on both sides. */
TEST(adamw_steps_and_grad_norm_match) {
    const Case *k = &CASES[0];
    RlhfErr e;
    GPT2 m;
    random_model(&m, k, 7);
    Batch bt;
    make_batch(&bt, k, 8);
    const int B = k->B, T = k->T, N = B * T;
    REQUIRE(gpt2_reserve(&m, B, T, 1, &e) == 0);
    CudaGPT2 *g = cuda_gpt2_create_from(&m, &e);
    REQUIRE(g != NULL);
    cuda_gpt2_set_tf32(g, 0);
    REQUIRE(cuda_gpt2_reserve(g, B, T, 1, &e) == 0);
    AdamW opt;
    REQUIRE(adamw_init(&opt, &m, 0.9f, 0.95f, 1e-8f, 0.1f, &e) == 0);
    REQUIRE(cuda_adamw_init(g, 0.9f, 0.95f, 1e-8f, 0.1f, &e) == 0);
    float *s1 = (float *)malloc(sizeof(float) * N), *s2 = (float *)malloc(sizeof(float) * N);
    float *p0 = (float *)malloc(sizeof(float) * m.num_params);
    memcpy(p0, m.param_mem, sizeof(float) * m.num_params);
    for (int step = 0; step < 3; step++) {
        gpt2_zero_grad(&m);
        gpt2_forward(&m, bt.tok, bt.mask, B, T);
        float lc = gpt2_lm_loss_and_grad(&m, bt.tgt, bt.w, s1, s2);
        gpt2_backward(&m);
        float nc = gpt2_clip_grad_norm(&m, 0.5f);
        adamw_step(&opt, &m, 1e-3f);

        cuda_gpt2_zero_grad(g);
        cuda_gpt2_forward(g, bt.tok, bt.mask, B, T);
        float lg = cuda_gpt2_lm_loss_and_grad(g, bt.tgt, bt.w, s1, s2);
        cuda_gpt2_backward(g);
        float ng = cuda_gpt2_clip_grad_norm(g, 0.5f);
        cuda_adamw_step(g, 1e-3f);
        fprintf(stderr, "  step %d: loss %.6f vs %.6f, grad norm %.6f vs %.6f\n", step, lg, lc, ng, nc);
        CHECK_NEAR(lg, lc, 1e-4 * fabs(lc));
        CHECK_NEAR(ng, nc, 1e-3 * fabs(nc));
    }
    float *pc = (float *)malloc(sizeof(float) * m.num_params);
    memcpy(pc, m.param_mem, sizeof(float) * m.num_params);
    REQUIRE(cuda_gpt2_download_params(g, &m, &e) == 0);
    /* AdamW's first steps move every weight by about lr·sign(g), whatever |g|:
     * where a gradient is at rounding level its sign can differ between the
     * backends, so the parameter error is judged against the size of the
     * update (first GPU run, H200: 1.15e-5 of the parameters' norm). */
    double r = rel_err(m.param_mem, pc, m.num_params);
    double num = 0, den = 0;
    for (size_t i = 0; i < m.num_params; i++) {
        double d = (double)m.param_mem[i] - pc[i], u = (double)pc[i] - p0[i];
        num += d * d;
        den += u * u;
    }
    double ru = sqrt(num / den);
    fprintf(stderr, "  parameters after 3 AdamW steps: rel err %.2e of the parameters, %.2e of the update\n", r, ru);
    CHECK(r < 1e-4);
    CHECK(ru < 5e-3);
    free(p0);
    /* the moments round-trip and agree with the CPU optimizer's */
    float *mm = (float *)malloc(sizeof(float) * m.num_params), *vv = (float *)malloc(sizeof(float) * m.num_params);
    long st = 0;
    REQUIRE(cuda_adamw_download(g, mm, vv, &st, &e) == 0);
    CHECK(st == 3 && st == opt.step);
    CHECK(rel_err(mm, opt.m, m.num_params) < 1e-4 && rel_err(vv, opt.v, m.num_params) < 1e-4);
    REQUIRE(cuda_adamw_upload(g, opt.m, opt.v, opt.step, &e) == 0);
    free(mm); free(vv);
    CHECK(cuda_gpt2_error(g) == NULL);
    free(pc); free(s1); free(s2);
    adamw_free(&opt);
    cuda_gpt2_free(g);
    free_batch(&bt);
    gpt2_free(&m);
}

/* KV-cache decoding: ragged prompts, a prefill and four steps with one row
 * inactive in the middle; next-token logits against kvcache.c. */
TEST(kv_cache_decode_matches_cpu) {
    for (int tf32 = 0; tf32 < 2; tf32++) {
        const Case *k = &CASES[1];
        RlhfErr e;
        GPT2 m;
        random_model(&m, k, 11);
        CudaGPT2 *g = cuda_gpt2_create_from(&m, &e);
        REQUIRE(g != NULL);
        cuda_gpt2_set_tf32(g, tf32);
        const int B = 3, Tp = 41, steps = 4, V = k->V;
        KvCache kc;
        REQUIRE(kv_create(&kc, &m, B, Tp, steps, &e) == 0);
        CudaKv *kg = cuda_kv_create(g, B, Tp, steps, &e);
        REQUIRE(kg != NULL);
        int tok[B * Tp];
        uint8_t mask[B * Tp];
        Rng r;
        rng_seed(&r, 5);
        for (int i = 0; i < B * Tp; i++) {
            int b = i / Tp, t = i % Tp;
            tok[i] = rng_int(&r, V);
            mask[i] = (uint8_t)(b == 0 ? 1 : b == 1 ? t >= 9 : (t % 5 != 2));
        }
        REQUIRE(kv_prefill(&kc, tok, mask, B, Tp, &e) == 0);
        REQUIRE(cuda_kv_prefill(kg, tok, mask, B, Tp, &e) == 0);
        double tol = tf32 ? 2e-2 : 2e-4, worst = 0;
        for (int s = 0; s <= steps; s++) {
            for (int b = 0; b < B; b++) {
                const float *lc = kv_logits(&kc, b), *lg = cuda_kv_logits(kg, b);
                CHECK((lc == NULL) == (lg == NULL));
                if (!lc || !lg) continue;
                double er = rel_err(lg, lc, V);
                if (er > worst) worst = er;
                CHECK_MSG(er < tol, "step %d row %d: logits rel err %.3g (%s)", s, b, er, tf32 ? "tf32" : "fp32");
            }
            if (s == steps) break;
            int next[B];
            uint8_t active[B] = {1, (uint8_t)(s != 1), 1};
            for (int b = 0; b < B; b++) next[b] = rng_int(&r, V);
            REQUIRE(kv_step(&kc, next, active, &e) == 0);
            REQUIRE(cuda_kv_step(kg, next, active, &e) == 0);
        }
        fprintf(stderr, "  kv cache %s: worst logits rel err %.2e\n", tf32 ? "tf32" : "fp32", worst);
        cuda_kv_free(kg);
        kv_free(&kc);
        cuda_gpt2_free(g);
        gpt2_free(&m);
    }
}

int main(void) {
    char name[256];
    if (!cuda_device_available(name, sizeof name)) {
        fprintf(stderr, "SKIP test_cuda_vs_cpu: no CUDA device (cudaGetDeviceCount found none); "
                        "run it on a machine with an NVIDIA GPU\n");
        printf("RESULT 0 0 1\n");
        return 77;
    }
    fprintf(stderr, "device: %s\n", name);
    RUN(outputs_and_every_gradient_fp32);
    RUN(outputs_and_every_gradient_tf32);
    RUN(adamw_steps_and_grad_norm_match);
    RUN(kv_cache_decode_matches_cpu);
    return test_summary();
}
