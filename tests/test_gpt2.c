/* test_gpt2.c — the transformer's correctness: PyTorch reference (logits,
 * loss, every parameter gradient, ten AdamW steps), finite-difference
 * gradient checks of every tensor through every head, padding invariance,
 * and bit-identical determinism. */
#include "testlib.h"

#include <stdint.h>

#include "model/adamw.h"
#include "model/flops.h"
#include "model/gpt2.h"
#include "util/rng.h"

/* ---- helpers -------------------------------------------------------------- */

/* ||a − b|| / ||b|| */
static double rel_norm_err(const float *a, const float *b, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

static double max_abs_diff(const float *a, const float *b, size_t n, double *max_ref) {
    double mx = 0, mr = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > mx) mx = d;
        if (fabs(b[i]) > mr) mr = fabs(b[i]);
    }
    if (max_ref) *max_ref = mr;
    return mx;
}

static void random_init(GPT2 *m, uint64_t seed, float std) {
    Rng r;
    rng_seed(&r, seed);
    for (int k = 0; k < m->n_tensors; k++) {
        const GPT2Tensor *t = &m->tensors[k];
        float *p = m->param_mem + t->offset;
        int gain = !strcmp(t->name, "ln1w") || !strcmp(t->name, "ln2w") || !strcmp(t->name, "lnfw");
        for (size_t i = 0; i < t->numel; i++)
            p[i] = gain ? 1.0f + 0.1f * (float)rng_normal(&r) : std * (float)rng_normal(&r);
    }
}

/* ---- PyTorch reference fixture (format: tests/fixtures/gen_gpt2_ref.py) ---- */

typedef struct RefFixture {
    int L, NH, C, V, maxT, B, T, steps, nparams;
    float *params, *weights, *logits, loss, *grads, *losses;
    int *tokens, *targets;
    uint8_t *mask;
    char *buf;
} RefFixture;

static int load_ref(RefFixture *f) {
    memset(f, 0, sizeof *f);
    FILE *fp = fopen("tests/fixtures/gpt2_ref.bin", "rb");
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->buf = malloc((size_t)n);
    if (fread(f->buf, 1, (size_t)n, fp) != (size_t)n) { fclose(fp); return -1; }
    fclose(fp);
    const char *p = f->buf, *end = f->buf + n;
    int32_t hdr[11];
    if (n < (long)sizeof hdr) return -1;
    memcpy(hdr, p, sizeof hdr);
    p += sizeof hdr;
    if (hdr[0] != 0x52325047 || hdr[1] != 1) return -1;
    f->L = hdr[2]; f->NH = hdr[3]; f->C = hdr[4]; f->V = hdr[5]; f->maxT = hdr[6];
    f->B = hdr[7]; f->T = hdr[8]; f->steps = hdr[9]; f->nparams = hdr[10];
    size_t N = (size_t)f->B * f->T;
    size_t need = 4 * ((size_t)f->nparams * 2 + N * 4 + N * f->V + 1 + f->steps);
    if ((size_t)(end - p) != need) return -1;
#define GRAB(dst, type, cnt) do { dst = (type *)(void *)p; p += 4 * (size_t)(cnt); } while (0)
    GRAB(f->params, float, f->nparams);
    GRAB(f->tokens, int, N);
    GRAB(f->targets, int, N);
    int *mask32;
    GRAB(mask32, int, N);
    GRAB(f->weights, float, N);
    GRAB(f->logits, float, N * f->V);
    memcpy(&f->loss, p, 4);
    p += 4;
    GRAB(f->grads, float, f->nparams);
    GRAB(f->losses, float, f->steps);
#undef GRAB
    f->mask = malloc(N);
    for (size_t i = 0; i < N; i++) f->mask[i] = (uint8_t)mask32[i];
    return 0;
}

static void free_ref(RefFixture *f) {
    free(f->buf);
    free(f->mask);
}

static int ref_model(GPT2 *m, const RefFixture *f) {
    GPT2Config cfg = {.max_seq_len = f->maxT, .vocab_size = f->V, .n_layer = f->L, .n_head = f->NH, .n_embd = f->C};
    RlhfErr e;
    if (gpt2_create(m, &cfg, 0, &e) || (size_t)f->nparams != m->num_params) return -1;
    memcpy(m->param_mem, f->params, m->num_params * sizeof(float));
    return gpt2_reserve(m, f->B, f->T, 1, &e);
}

TEST(pytorch_reference_logits_loss_grads) {
    RefFixture f;
    if (load_ref(&f)) SKIP("tests/fixtures/gpt2_ref.bin missing or malformed (run tests/fixtures/gen_gpt2_ref.py)");
    GPT2 m;
    REQUIRE(ref_model(&m, &f) == 0);
    int N = f.B * f.T;
    gpt2_zero_grad(&m);
    gpt2_forward(&m, f.tokens, f.mask, f.B, f.T);
    const float *logits = gpt2_lm_logits(&m);
    double mr, md = max_abs_diff(logits, f.logits, (size_t)N * f.V, &mr);
    double re = rel_norm_err(logits, f.logits, (size_t)N * f.V);
    CHECK_MSG(re <= 1e-4 && md <= 1e-4 * mr, "logits: rel %.3g, max abs %.3g (max |ref| %.3g)", re, md, mr);
    float *logp = malloc(sizeof(float) * N), *dlogp = malloc(sizeof(float) * N);
    float loss = gpt2_lm_loss_and_grad(&m, f.targets, f.weights, logp, dlogp);
    CHECK_NEAR(loss, f.loss, 1e-4 * fabs(f.loss));
    gpt2_backward(&m);
    double worst = 0;
    const char *worst_name = "";
    for (int k = 0; k < m.n_tensors; k++) {
        const GPT2Tensor *t = &m.tensors[k];
        const float *g = m.grad_mem + t->offset, *r = f.grads + t->offset;
        double tr = rel_norm_err(g, r, t->numel), tmr, tmd = max_abs_diff(g, r, t->numel, &tmr);
        CHECK_MSG(tr <= 1e-4 && tmd <= 1e-4 * tmr + 1e-7, "grad %s: rel %.3g, max abs %.3g (max |ref| %.3g)",
                  t->name, tr, tmd, tmr);
        CHECK_MSG(tmr > 0, "grad %s: reference is all zero", t->name);
        if (tr > worst) worst = tr, worst_name = t->name;
    }
    fprintf(stderr, "  vs PyTorch: logits rel %.2g, loss rel %.2g, worst grad rel %.2g (%s)\n", re,
            fabs(loss - f.loss) / fabs(f.loss), worst, worst_name);
    free(logp);
    free(dlogp);
    gpt2_free(&m);
    free_ref(&f);
}

TEST(pytorch_reference_adamw_steps) {
    RefFixture f;
    if (load_ref(&f)) SKIP("tests/fixtures/gpt2_ref.bin missing or malformed (run tests/fixtures/gen_gpt2_ref.py)");
    GPT2 m;
    REQUIRE(ref_model(&m, &f) == 0);
    AdamW opt;
    RlhfErr e;
    REQUIRE(adamw_init(&opt, &m, 0.9f, 0.95f, 1e-8f, 0.1f, &e) == 0);
    int N = f.B * f.T;
    float *logp = malloc(sizeof(float) * N), *dlogp = malloc(sizeof(float) * N);
    double worst = 0;
    for (int s = 0; s < f.steps; s++) {
        gpt2_zero_grad(&m);
        gpt2_forward(&m, f.tokens, f.mask, f.B, f.T);
        float loss = gpt2_lm_loss_and_grad(&m, f.targets, f.weights, logp, dlogp);
        gpt2_backward(&m);
        gpt2_clip_grad_norm(&m, 1.0f);
        adamw_step(&opt, &m, 1e-3f);
        CHECK_MSG(fabs(loss - f.losses[s]) <= 1e-4 * fabs(f.losses[s]), "step %d: loss %.7f, PyTorch %.7f", s, loss,
                  f.losses[s]);
        worst = fmax(worst, fabs(loss - f.losses[s]) / fabs(f.losses[s]));
    }
    fprintf(stderr, "  AdamW: %d step losses, worst rel diff %.2g\n", f.steps, worst);
    free(logp);
    free(dlogp);
    adamw_free(&opt);
    gpt2_free(&m);
    free_ref(&f);
}

/* ---- finite differences --------------------------------------------------- */

enum { OBJ_LM, OBJ_ENTROPY, OBJ_SCALAR, OBJ_VALUE, OBJ_ALL, OBJ_COUNT };
static const char *obj_names[OBJ_COUNT] = {"lm loss", "entropy", "scalar head", "value head", "all heads"};

#define FD_B 2
#define FD_T 5
typedef struct FdCase {
    int tokens[FD_B * FD_T], targets[FD_B * FD_T], pos[FD_B];
    uint8_t mask[FD_B * FD_T];
    float w[FD_B * FD_T], c_ent[FD_B * FD_T], r_scalar[FD_B], r_value[FD_B * FD_T];
} FdCase;

/* The objective J(params) for one head, and (when grads) its gradient via the API. */
static double objective(GPT2 *m, const FdCase *k, int obj, int grads) {
    int N = FD_B * FD_T;
    float logp[FD_B * FD_T], ent[FD_B * FD_T], dlogp[FD_B * FD_T], sc[FD_B], val[FD_B * FD_T];
    double J = 0;
    if (grads) gpt2_zero_grad(m);
    gpt2_forward(m, k->tokens, k->mask, FD_B, FD_T);
    if (obj == OBJ_LM) {
        if (grads) return gpt2_lm_loss_and_grad(m, k->targets, k->w, logp, dlogp), gpt2_backward(m), 0;
        gpt2_lm_forward(m, k->targets, logp, NULL);
        for (int i = 0; i < N; i++) J -= (double)k->w[i] * (k->targets[i] >= 0 ? logp[i] : 0);
        return J;
    }
    if (obj == OBJ_ENTROPY || obj == OBJ_ALL) {
        gpt2_lm_forward(m, k->targets, logp, ent);
        for (int i = 0; i < N; i++) {
            J += (double)k->c_ent[i] * ent[i];
            if (obj == OBJ_ALL) J -= (double)k->w[i] * logp[i];
            dlogp[i] = -k->w[i];
        }
        if (grads) gpt2_lm_backward(m, k->targets, obj == OBJ_ALL ? dlogp : NULL, k->c_ent);
    }
    if (obj == OBJ_SCALAR || obj == OBJ_ALL) {
        gpt2_scalar_forward(m, k->pos, sc);
        for (int b = 0; b < FD_B; b++) J += (double)k->r_scalar[b] * sc[b];
        if (grads) gpt2_scalar_backward(m, k->pos, k->r_scalar);
    }
    if (obj == OBJ_VALUE || obj == OBJ_ALL) {
        gpt2_value_forward(m, val);
        for (int i = 0; i < N; i++) J += (double)k->r_value[i] * val[i];
        if (grads) gpt2_value_backward(m, k->r_value);
    }
    if (grads) gpt2_backward(m);
    return J;
}

TEST(finite_difference_every_tensor_every_head) {
    GPT2Config cfg = {.max_seq_len = 7, .vocab_size = 11, .n_layer = 2, .n_head = 2, .n_embd = 8};
    GPT2 m;
    RlhfErr e;
    REQUIRE(gpt2_create(&m, &cfg, GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE, &e) == 0);
    random_init(&m, 7, 0.3f);
    REQUIRE(gpt2_reserve(&m, FD_B, FD_T, 1, &e) == 0);
    FdCase k;
    Rng r;
    rng_seed(&r, 99);
    /* row 0 unpadded; row 1: one pad left, one pad right */
    uint8_t mask[FD_B * FD_T] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 0};
    memcpy(k.mask, mask, sizeof mask);
    for (int i = 0; i < FD_B * FD_T; i++) {
        k.tokens[i] = rng_int(&r, cfg.vocab_size);
        int last_real = (i % FD_T == FD_T - 1) || !mask[i] || (i + 1 < FD_B * FD_T && !mask[i + 1]);
        k.targets[i] = last_real ? -1 : rng_int(&r, cfg.vocab_size);
        k.w[i] = k.targets[i] >= 0 ? 0.2f + rng_float(&r) : 0.0f;
        k.c_ent[i] = mask[i] ? rng_float(&r) - 0.3f : 0.0f;
        k.r_value[i] = rng_float(&r) - 0.5f;
    }
    k.pos[0] = FD_T - 1;
    k.pos[1] = 3; /* last real token of row 1 */
    k.r_scalar[0] = 0.7f;
    k.r_scalar[1] = -1.3f;
    /* heads start at zero in real use; random here so every path carries gradient */
    float *ana = malloc(m.num_params * sizeof(float));
    int checked = 0, bad = 0;
    double worst_ratio = 0;
    for (int obj = 0; obj < OBJ_COUNT; obj++) {
        objective(&m, &k, obj, 1);
        memcpy(ana, m.grad_mem, m.num_params * sizeof(float));
        for (int ti = 0; ti < m.n_tensors; ti++) {
            const GPT2Tensor *t = &m.tensors[ti];
            int samples = t->numel < 8 ? (int)t->numel : 8;
            for (int s = 0; s < samples; s++) {
                size_t idx = t->offset + (t->numel <= 8 ? (size_t)s : (size_t)rng_int(&r, (int)t->numel));
                float *p = &m.param_mem[idx], p0 = *p, h = 1e-2f;
                double f[4];
                const float steps[4] = {-2, -1, 1, 2};
                for (int j = 0; j < 4; j++) {
                    *p = p0 + steps[j] * h;
                    f[j] = objective(&m, &k, obj, 0);
                }
                *p = p0;
                double hh = (double)(p0 + h) - p0; /* the step as actually represented */
                double num = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * hh), a = ana[idx];
                double err = fabs(num - a), tol = 2e-3 * (fabs(num) + fabs(a)) + 2e-4;
                checked++;
                worst_ratio = fmax(worst_ratio, err / tol);
                if (!(err <= tol)) {
                    bad++;
                    fprintf(stderr, "  %s: %s[%zu] analytic %.7g numeric %.7g\n", obj_names[obj], t->name,
                            idx - t->offset, a, num);
                }
            }
        }
    }
    CHECK_MSG(bad == 0, "%d of %d finite-difference checks failed", bad, checked);
    fprintf(stderr, "  %d finite-difference checks, worst |err|/tol %.2g\n", checked, worst_ratio);
    /* every tensor must carry gradient in the all-heads objective, or the checks above prove nothing */
    objective(&m, &k, OBJ_ALL, 1);
    for (int ti = 0; ti < m.n_tensors; ti++) {
        const GPT2Tensor *t = &m.tensors[ti];
        double mx = 0;
        for (size_t i = 0; i < t->numel; i++) mx = fmax(mx, fabs(m.grad_mem[t->offset + i]));
        CHECK_MSG(mx > 1e-4, "tensor %s has no gradient", t->name);
    }
    free(ana);
    gpt2_free(&m);
}

/* ---- padding -------------------------------------------------------------- */

TEST(padding_invariance_logits_and_grads) {
    GPT2Config cfg = {.max_seq_len = 16, .vocab_size = 37, .n_layer = 2, .n_head = 4, .n_embd = 32};
    GPT2 solo, pad;
    RlhfErr e;
    REQUIRE(gpt2_create(&solo, &cfg, 0, &e) == 0);
    REQUIRE(gpt2_create(&pad, &cfg, 0, &e) == 0);
    random_init(&solo, 3, 0.2f);
    gpt2_copy_params(&pad, &solo, &e);
    enum { n = 6, T = 10, B = 3 };
    int x[n] = {5, 17, 2, 33, 9, 21};
    int tgt_x[n] = {17, 2, 33, 9, 21, -1};
    /* row 0 right-padded, row 1 left-padded, row 2 pads scattered */
    uint8_t mask[B * T] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
                           0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
                           0, 1, 1, 0, 1, 0, 0, 1, 1, 1};
    int tokens[B * T], targets[B * T], where[B][n];
    float w[B * T], wsolo[n];
    for (int b = 0; b < B; b++)
        for (int t = 0, j = 0; t < T; t++) {
            int i = b * T + t;
            tokens[i] = mask[i] ? x[j] : 36; /* pad id: anything */
            targets[i] = mask[i] ? tgt_x[j] : -1;
            w[i] = mask[i] && tgt_x[j] >= 0 ? 1.0f / (B * (n - 1)) : 0.0f;
            if (mask[i]) where[b][j++] = t;
        }
    for (int j = 0; j < n; j++) wsolo[j] = tgt_x[j] >= 0 ? 1.0f / (n - 1) : 0.0f;
    REQUIRE(gpt2_reserve(&solo, 1, n, 1, &e) == 0);
    REQUIRE(gpt2_reserve(&pad, B, T, 1, &e) == 0);
    float logp[B * T], dlogp[B * T];
    gpt2_zero_grad(&solo);
    gpt2_forward(&solo, x, NULL, 1, n);
    float ref[n * 37];
    memcpy(ref, gpt2_lm_logits(&solo), sizeof ref);
    float l_solo = gpt2_lm_loss_and_grad(&solo, tgt_x, wsolo, logp, dlogp);
    gpt2_backward(&solo);
    gpt2_zero_grad(&pad);
    gpt2_forward(&pad, tokens, mask, B, T);
    const float *lg = gpt2_lm_logits(&pad);
    double worst = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < n; j++)
            for (int v = 0; v < cfg.vocab_size; v++)
                worst = fmax(worst, fabs(lg[((size_t)b * T + where[b][j]) * 37 + v] - ref[j * 37 + v]));
    CHECK_MSG(worst <= 1e-5, "padded logits differ from the unpadded row by %.3g", worst);
    for (int i = 0; i < B * T; i++) CHECK(isfinite(lg[i]));
    /* same loss, same parameter gradients: pads contribute nothing */
    float l_pad = gpt2_lm_loss_and_grad(&pad, targets, w, logp, dlogp);
    gpt2_backward(&pad);
    CHECK_NEAR(l_pad, l_solo, 1e-5);
    double gr = rel_norm_err(pad.grad_mem, solo.grad_mem, solo.num_params);
    CHECK_MSG(gr <= 1e-5, "padded-batch grads differ from the unpadded row's: rel %.3g", gr);
    gpt2_free(&solo);
    gpt2_free(&pad);
}

/* ---- determinism ---------------------------------------------------------- */

static void train_grads(GPT2 *m, const int *tok, const int *tgt, const uint8_t *mask, const float *w, int B, int T,
                        float *out) {
    float logp[4 * 64], dlogp[4 * 64];
    gpt2_zero_grad(m);
    gpt2_forward(m, tok, mask, B, T);
    gpt2_lm_loss_and_grad(m, tgt, w, logp, dlogp);
    gpt2_backward(m);
    memcpy(out, m->grad_mem, m->num_params * sizeof(float));
}

TEST(determinism_bit_identical_grads) {
    GPT2Config cfg = {.max_seq_len = 64, .vocab_size = 300, .n_layer = 2, .n_head = 4, .n_embd = 64};
    enum { B = 4, T = 64 };
    GPT2 a, b;
    RlhfErr e;
    REQUIRE(gpt2_create(&a, &cfg, 0, &e) == 0);
    REQUIRE(gpt2_create(&b, &cfg, 0, &e) == 0);
    gpt2_init_weights(&a, 5);
    gpt2_init_weights(&b, 5);
    REQUIRE(memcmp(a.param_mem, b.param_mem, a.num_params * sizeof(float)) == 0);
    REQUIRE(gpt2_reserve(&a, B, T, 1, &e) == 0);
    REQUIRE(gpt2_reserve(&b, B, T, 1, &e) == 0);
    int tok[B * T], tgt[B * T];
    uint8_t mask[B * T];
    float w[B * T];
    Rng r;
    rng_seed(&r, 11);
    for (int i = 0; i < B * T; i++) {
        tok[i] = rng_int(&r, cfg.vocab_size);
        tgt[i] = rng_int(&r, cfg.vocab_size);
        mask[i] = (i % T) >= (i / T) * 5; /* rows left-padded by 0, 5, 10, 15 */
        w[i] = mask[i] ? 1.0f / (B * T) : 0.0f;
    }
    float *g1 = malloc(a.num_params * sizeof(float)), *g2 = malloc(a.num_params * sizeof(float)),
          *g3 = malloc(a.num_params * sizeof(float));
    train_grads(&a, tok, tgt, mask, w, B, T, g1);
    train_grads(&a, tok, tgt, mask, w, B, T, g2);
    train_grads(&b, tok, tgt, mask, w, B, T, g3);
    CHECK(memcmp(g1, g2, a.num_params * sizeof(float)) == 0);
    CHECK(memcmp(g1, g3, a.num_params * sizeof(float)) == 0);
    double n2 = 0;
    for (size_t i = 0; i < a.num_params; i++) n2 += (double)g1[i] * g1[i];
    CHECK(n2 > 0 && isfinite(n2));
    free(g1);
    free(g2);
    free(g3);
    gpt2_free(&a);
    gpt2_free(&b);
}

TEST(gradient_accumulation_equals_full_batch) {
    GPT2Config cfg = {.max_seq_len = 16, .vocab_size = 50, .n_layer = 2, .n_head = 2, .n_embd = 16};
    enum { B = 4, T = 12 };
    GPT2 m;
    RlhfErr e;
    REQUIRE(gpt2_create(&m, &cfg, 0, &e) == 0);
    random_init(&m, 21, 0.2f);
    REQUIRE(gpt2_reserve(&m, B, T, 1, &e) == 0);
    int tok[B * T], tgt[B * T];
    uint8_t mask[B * T];
    float w[B * T], logp[B * T], dlogp[B * T];
    Rng r;
    rng_seed(&r, 4);
    for (int i = 0; i < B * T; i++) {
        tok[i] = rng_int(&r, cfg.vocab_size);
        mask[i] = (i % T) < T - (i / T); /* right padding 0..3 */
        tgt[i] = mask[i] ? rng_int(&r, cfg.vocab_size) : -1;
        w[i] = mask[i] ? 1.0f / (B * T) : 0.0f;
    }
    float *full = malloc(m.num_params * sizeof(float));
    gpt2_zero_grad(&m);
    gpt2_forward(&m, tok, mask, B, T);
    float lfull = gpt2_lm_loss_and_grad(&m, tgt, w, logp, dlogp);
    gpt2_backward(&m);
    memcpy(full, m.grad_mem, m.num_params * sizeof(float));
    /* two micro-batches of 2 rows, grads accumulating */
    gpt2_zero_grad(&m);
    float lsum = 0;
    for (int half = 0; half < 2; half++) {
        int o = half * 2 * T;
        gpt2_forward(&m, tok + o, mask + o, 2, T);
        lsum += gpt2_lm_loss_and_grad(&m, tgt + o, w + o, logp, dlogp);
        gpt2_backward(&m);
    }
    CHECK_NEAR(lsum, lfull, 1e-5);
    double rel = rel_norm_err(m.grad_mem, full, m.num_params);
    CHECK_MSG(rel <= 1e-5, "accumulated grads differ from the full batch's: rel %.3g", rel);
    free(full);
    gpt2_free(&m);
}

TEST(inference_buffers_match_training_buffers) {
    /* without grads all blocks share one activation slot; logits must not change */
    GPT2Config cfg = {.max_seq_len = 32, .vocab_size = 40, .n_layer = 3, .n_head = 2, .n_embd = 16};
    enum { B = 2, T = 20 };
    GPT2 a, b;
    RlhfErr e;
    REQUIRE(gpt2_create(&a, &cfg, 0, &e) == 0);
    REQUIRE(gpt2_create(&b, &cfg, 0, &e) == 0);
    random_init(&a, 8, 0.2f);
    gpt2_copy_params(&b, &a, &e);
    REQUIRE(gpt2_reserve(&a, B, T, 0, &e) == 0);
    REQUIRE(gpt2_reserve(&b, B, T, 1, &e) == 0);
    int tok[B * T];
    uint8_t mask[B * T];
    for (int i = 0; i < B * T; i++) tok[i] = (i * 7) % cfg.vocab_size, mask[i] = i % 5 != 3;
    gpt2_forward(&a, tok, mask, B, T);
    gpt2_forward(&b, tok, mask, B, T);
    size_t n = (size_t)B * T * cfg.vocab_size;
    float *la = malloc(n * sizeof(float));
    memcpy(la, gpt2_lm_logits(&a), n * sizeof(float));
    CHECK(memcmp(la, gpt2_lm_logits(&b), n * sizeof(float)) == 0);
    free(la);
    gpt2_free(&a);
    gpt2_free(&b);
}

/* ---- API edges ------------------------------------------------------------ */

TEST(reserve_grows_and_rejects_long_context) {
    GPT2Config cfg = {.max_seq_len = 8, .vocab_size = 10, .n_layer = 1, .n_head = 2, .n_embd = 4};
    GPT2 m;
    RlhfErr e;
    REQUIRE(gpt2_create(&m, &cfg, 0, &e) == 0);
    CHECK(gpt2_reserve(&m, 1, 9, 0, &e) == -1);
    CHECK(strstr(e.msg, "max_seq_len") != NULL);
    CHECK(gpt2_reserve(&m, 2, 4, 0, &e) == 0);
    CHECK(m.grad_mem == NULL);
    CHECK(gpt2_reserve(&m, 1, 8, 1, &e) == 0);
    CHECK(m.act_B == 2 && m.act_T == 8 && m.grad_mem != NULL);
    gpt2_free(&m);
}

TEST(flops_per_token_s_config) {
    GPT2Config s = {.max_seq_len = 256, .vocab_size = 8192, .n_layer = 6, .n_head = 6, .n_embd = 384};
    /* 6·(24·384² + 4·256·384) + 2·384·8192 = 29,884,416 forward FLOPs per token */
    CHECK_NEAR(gpt2_forward_flops_per_token(&s, 256), 29884416.0, 0.5);
    CHECK_NEAR(gpt2_flops_per_token(&s, 256), 3 * 29884416.0, 0.5);
}

int main(void) {
    RUN(pytorch_reference_logits_loss_grads);
    RUN(pytorch_reference_adamw_steps);
    RUN(finite_difference_every_tensor_every_head);
    RUN(padding_invariance_logits_and_grads);
    RUN(determinism_bit_identical_grads);
    RUN(gradient_accumulation_equals_full_batch);
    RUN(inference_buffers_match_training_buffers);
    RUN(reserve_grows_and_rejects_long_context);
    RUN(flops_per_token_s_config);
    return test_summary();
}
