/* kvcache.c — see kvcache.h. */
#include "model/kvcache.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"

/* ---- layer kernels over N rows ------------------------------------------ */

/* out (N,C) = LayerNorm(in) · w + b, eps 1e-5 (GPT-2). */
static void layernorm(float *out, const float *in, const float *w, const float *b, int N, int C) {
#pragma omp parallel for if (N > 16) schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = in + (size_t)i * C;
        float *y = out + (size_t)i * C;
        float mean = 0.0f;
        for (int c = 0; c < C; c++) mean += x[c];
        mean /= (float)C;
        float var = 0.0f;
        for (int c = 0; c < C; c++) { float d = x[c] - mean; var += d * d; }
        var /= (float)C;
        float rstd = 1.0f / sqrtf(var + 1e-5f);
        for (int c = 0; c < C; c++) y[c] = (x[c] - mean) * rstd * w[c] + b[c];
    }
}

/* Rows at or below which a product uses the small-batch kernel instead of sgemm. */
#define KV_SMALL_N 16

#ifdef __AVX512F__
#include <immintrin.h>
#ifndef KV_PF
#define KV_PF 1024
#endif
/* 16 weights from fp32, or from bf16 widened exactly to fp32 (a shift). */
static inline __attribute__((always_inline)) __m512 load_w(const float *w, const uint16_t *w16, size_t k) {
    if (w16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w16 + k))), 16));
    return _mm512_loadu_ps(w + k);
}
static inline __attribute__((always_inline)) __m512 load_w_tail(__mmask16 m, const float *w, const uint16_t *w16,
                                                                size_t k) {
    if (w16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, w16 + k)), 16));
    return _mm512_maskz_loadu_ps(m, w + k);
}

/* y[i, o] (+)= x[i] · W[o] for i < n ≤ 8, o in [o0, o1): a decode step's product.
 * It is bound by reading W once, so W rows stream through two at a time while
 * the n rows of x stay in L1, with 2n independent FMA chains; OpenBLAS's sgemm
 * instead repacks W on every call, which costs more than the product at n ≤ 16.
 * W is fp32 (W16 NULL) or its bf16 copy W16. */
static inline __attribute__((always_inline)) void small_rows_any(float *y, const float *x, const float *W,
                                                                 const uint16_t *W16, int n, int o0, int o1, int IC,
                                                                 int OC, int accumulate) {
    const int full = IC & ~15;
    const __mmask16 tail = (__mmask16)((1u << (IC - full)) - 1u);
    int o = o0;
    for (; o + 1 < o1; o += 2) {
        const float *w0 = W16 ? NULL : W + (size_t)o * IC, *w1 = W16 ? NULL : w0 + IC;
        const uint16_t *h0 = W16 ? W16 + (size_t)o * IC : NULL, *h1 = W16 ? h0 + IC : NULL;
        __m512 a0[8], a1[8];
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) a0[i] = a1[i] = _mm512_setzero_ps();
        for (int k = 0; k < full; k += 16) {
            /* the pair of rows is 2·IC contiguous weights, consumed 32 per step:
             * prefetch KV_PF bytes ahead (the hardware prefetcher alone leaves
             * the loop waiting on DRAM) */
            if (W16) {
                _mm_prefetch((const char *)(h0 + 2 * k) + KV_PF, _MM_HINT_T0);
            } else {
                _mm_prefetch((const char *)(w0 + 2 * k) + KV_PF, _MM_HINT_T0);
                _mm_prefetch((const char *)(w0 + 2 * k) + KV_PF + 64, _MM_HINT_T0);
            }
            __m512 v0 = load_w(w0, h0, (size_t)k), v1 = load_w(w1, h1, (size_t)k);
#pragma GCC unroll 8
            for (int i = 0; i < n; i++) {
                __m512 xv = _mm512_loadu_ps(x + (size_t)i * IC + k);
                a0[i] = _mm512_fmadd_ps(xv, v0, a0[i]);
                a1[i] = _mm512_fmadd_ps(xv, v1, a1[i]);
            }
        }
        if (tail) {
            __m512 v0 = load_w_tail(tail, w0, h0, (size_t)full), v1 = load_w_tail(tail, w1, h1, (size_t)full);
#pragma GCC unroll 8
            for (int i = 0; i < n; i++) {
                __m512 xv = _mm512_maskz_loadu_ps(tail, x + (size_t)i * IC + full);
                a0[i] = _mm512_fmadd_ps(xv, v0, a0[i]);
                a1[i] = _mm512_fmadd_ps(xv, v1, a1[i]);
            }
        }
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) {
            float *yr = y + (size_t)i * OC + o;
            float s0 = _mm512_reduce_add_ps(a0[i]), s1 = _mm512_reduce_add_ps(a1[i]);
            yr[0] = accumulate ? yr[0] + s0 : s0;
            yr[1] = accumulate ? yr[1] + s1 : s1;
        }
    }
    for (; o < o1; o++) {
        const float *w0 = W16 ? NULL : W + (size_t)o * IC;
        const uint16_t *h0 = W16 ? W16 + (size_t)o * IC : NULL;
        __m512 a0[8];
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) a0[i] = _mm512_setzero_ps();
        for (int k = 0; k < full; k += 16) {
            __m512 v0 = load_w(w0, h0, (size_t)k);
#pragma GCC unroll 8
            for (int i = 0; i < n; i++) a0[i] = _mm512_fmadd_ps(_mm512_loadu_ps(x + (size_t)i * IC + k), v0, a0[i]);
        }
        if (tail) {
            __m512 v0 = load_w_tail(tail, w0, h0, (size_t)full);
            for (int i = 0; i < n; i++)
                a0[i] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, x + (size_t)i * IC + full), v0, a0[i]);
        }
        for (int i = 0; i < n; i++) {
            float s0 = _mm512_reduce_add_ps(a0[i]);
            float *yr = y + (size_t)i * OC + o;
            *yr = accumulate ? *yr + s0 : s0;
        }
    }
}
/* n and the weight type as compile-time constants, so the accumulators are
 * registers (with a runtime n they are indexed arrays, spilled to the stack). */
#define SMALL_ROWS_CASE(N) \
    case N: \
        if (W16) small_rows_any(y, x, NULL, W16, N, o0, o1, IC, OC, accumulate); \
        else small_rows_any(y, x, W, NULL, N, o0, o1, IC, OC, accumulate); \
        break;
static void small_rows(float *y, const float *x, const float *W, const uint16_t *W16, int n, int o0, int o1, int IC,
                       int OC, int accumulate) {
    switch (n) {
        SMALL_ROWS_CASE(1) SMALL_ROWS_CASE(2) SMALL_ROWS_CASE(3) SMALL_ROWS_CASE(4)
        SMALL_ROWS_CASE(5) SMALL_ROWS_CASE(6) SMALL_ROWS_CASE(7) SMALL_ROWS_CASE(8)
    }
}
#else
static inline float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
/* Portable version of the small-batch product (see above). */
static void small_rows(float *y, const float *x, const float *W, const uint16_t *W16, int n, int o0, int o1, int IC,
                       int OC, int accumulate) {
    for (int o = o0; o < o1; o++) {
        const float *w = W + (size_t)o * IC;
        for (int i = 0; i < n; i++) {
            const float *xr = x + (size_t)i * IC;
            float s = 0.0f;
            if (W16) {
                const uint16_t *h = W16 + (size_t)o * IC;
                for (int k = 0; k < IC; k++) s += xr[k] * bf16_to_f32(h[k]);
            } else {
#pragma omp simd reduction(+ : s)
                for (int k = 0; k < IC; k++) s += xr[k] * w[k];
            }
            float *yr = y + (size_t)i * OC + o;
            *yr = accumulate ? *yr + s : s;
        }
    }
}
#endif

/* y (N,OC) = x (N,IC) · W^T with W (OC,IC) row-major; beta 1 accumulates into y. */
static void matmul_wt(float *y, const float *x, const float *W, const uint16_t *W16, int N, int OC, int IC,
                      float beta) {
    if (N > KV_SMALL_N) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, x, IC, W, IC, beta, y, OC);
        return;
    }
    const int acc = beta != 0.0f;
    /* output columns split in blocks of 64 (even, so pairs stay together) */
    const int nblk = (OC + 63) / 64;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblk; blk++) {
        int o0 = blk * 64, o1 = RLHF_MIN(OC, o0 + 64);
        for (int i0 = 0; i0 < N; i0 += 8)
            small_rows(y + (size_t)i0 * OC, x + (size_t)i0 * IC, W, W16, RLHF_MIN(8, N - i0), o0, o1, IC, OC, acc);
    }
}

static void add_bias(float *y, const float *bias, int N, int OC) {
#pragma omp parallel for if ((size_t)N * OC > 65536) schedule(static)
    for (int i = 0; i < N; i++) {
        float *r = y + (size_t)i * OC;
        for (int c = 0; c < OC; c++) r[c] += bias[c];
    }
}

/* exp for the GELU: Cody–Waite range reduction and a degree-6 polynomial, ~1 ulp,
 * written as plain arithmetic so the loop vectorises (libm's tanhf does not). */
static inline float fast_expf(float x) {
    x = fminf(fmaxf(x, -87.0f), 88.0f);
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* h = GELU_tanh(h + bias) in place; tanh(u) = 1 − 2 / (e^{2u} + 1). */
static void bias_gelu(float *h, const float *bias, int N, int OC) {
    const float s = 0.7978845608028654f;   /* sqrt(2/pi) */
#pragma omp parallel for if ((size_t)N * OC > 65536) schedule(static)
    for (int i = 0; i < N; i++) {
        float *r = h + (size_t)i * OC;
#pragma omp simd
        for (int c = 0; c < OC; c++) {
            float x = r[c] + bias[c];
            float u = s * (x + 0.044715f * x * x * x);
            float t = 1.0f - 2.0f / (fast_expf(2.0f * u) + 1.0f);
            r[c] = 0.5f * x * (1.0f + t);
        }
    }
}

/* ---- lifecycle ------------------------------------------------------------ */

/* The bf16 copy of a matrix at a float offset, or NULL when running in fp32. */
#define W16(kv, name, off) ((kv)->w16 ? (kv)->w16_##name + (off) : NULL)

static uint16_t f32_to_bf16(float f) {   /* round to nearest even; NaN stays NaN */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

int kv_use_bf16(KvCache *kv, RlhfErr *e) {
    const GPT2Config *c = &kv->m->cfg;
    size_t C = (size_t)c->n_embd, L = (size_t)c->n_layer;
    size_t n_qkv = L * 3 * C * C, n_proj = L * C * C, n_fc = L * 4 * C * C, n_wte = (size_t)c->vocab_size * C;
    if (!kv->w16) {
        kv->w16 = rlhf_malloc((n_qkv + n_proj + 2 * n_fc + n_wte) * sizeof(uint16_t), e);
        if (!kv->w16) return rlhf_err_wrap(e, "kvcache: bf16 weights");
        kv->w16_qkvw = kv->w16;
        kv->w16_attprojw = kv->w16_qkvw + n_qkv;
        kv->w16_fcw = kv->w16_attprojw + n_proj;
        kv->w16_fcprojw = kv->w16_fcw + n_fc;
        kv->w16_wte = kv->w16_fcprojw + n_fc;
    }
    const GPT2Params *p = &kv->m->params;
    struct { uint16_t *dst; const float *src; size_t n; } parts[] = {
        {kv->w16_qkvw, p->qkvw, n_qkv}, {kv->w16_attprojw, p->attprojw, n_proj}, {kv->w16_fcw, p->fcw, n_fc},
        {kv->w16_fcprojw, p->fcprojw, n_fc}, {kv->w16_wte, p->wte, n_wte}};
    for (size_t k = 0; k < RLHF_ARRAY_LEN(parts); k++) {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < parts[k].n; i++) parts[k].dst[i] = f32_to_bf16(parts[k].src[i]);
    }
    return 0;
}

int kv_create(KvCache *kv, const GPT2 *m, int B, int max_prompt, int max_new, RlhfErr *e) {
    memset(kv, 0, sizeof *kv);
    const GPT2Config *c = &m->cfg;
    if (B < 1 || max_prompt < 1 || max_new < 0)
        return rlhf_err(e, "kvcache: batch %d, max prompt %d, max new %d: need B ≥ 1, prompt ≥ 1, new ≥ 0",
                        B, max_prompt, max_new);
    if (!m->params.wte) return rlhf_err(e, "kvcache: model has no parameters");
    int C = c->n_embd, V = c->vocab_size, L = c->n_layer;
    kv->m = m;
    kv->B = B;
    kv->max_prompt = max_prompt;
    kv->T = max_prompt + max_new;
    kv->n_threads = omp_get_max_threads();
    size_t N = (size_t)B * max_prompt, T = (size_t)kv->T;
    size_t cache = (size_t)L * B * T * C;
    int fail = !(kv->k = rlhf_malloc(cache * sizeof(float), e)) ||
               !(kv->v = rlhf_malloc(cache * sizeof(float), e)) ||
               !(kv->valid = rlhf_calloc((size_t)B * T, 1, e)) ||
               !(kv->pos = rlhf_calloc((size_t)B, sizeof(int), e)) ||
               !(kv->act = rlhf_calloc((size_t)B, sizeof(int), e)) ||
               !(kv->row_of = rlhf_calloc((size_t)B, sizeof(int), e)) ||
               !(kv->last = rlhf_calloc((size_t)B, sizeof(int), e)) ||
               !(kv->logits = rlhf_malloc((size_t)B * V * sizeof(float), e)) ||
               !(kv->x = rlhf_malloc(N * C * sizeof(float), e)) ||
               !(kv->xn = rlhf_malloc(N * C * sizeof(float), e)) ||
               !(kv->qkv = rlhf_malloc(N * 3 * C * sizeof(float), e)) ||
               !(kv->atty = rlhf_malloc(N * C * sizeof(float), e)) ||
               !(kv->fch = rlhf_malloc(N * 4 * C * sizeof(float), e)) ||
               !(kv->scores = rlhf_malloc((size_t)kv->n_threads * max_prompt * T * sizeof(float), e));
    if (fail) {
        kv_free(kv);
        return rlhf_err_wrap(e, "kvcache (B %d, T %d)", B, kv->T);
    }
    for (int b = 0; b < B; b++) kv->row_of[b] = -1;
    return 0;
}

void kv_free(KvCache *kv) {
    free(kv->k); free(kv->v); free(kv->valid); free(kv->pos); free(kv->act); free(kv->row_of);
    free(kv->last); free(kv->logits); free(kv->x); free(kv->xn); free(kv->qkv); free(kv->atty);
    free(kv->fch); free(kv->scores); free(kv->w16);
    memset(kv, 0, sizeof *kv);
}

const float *kv_logits(const KvCache *kv, int b) {
    if (b < 0 || b >= kv->nb || kv->row_of[b] < 0) return NULL;
    return kv->logits + (size_t)kv->row_of[b] * kv->m->cfg.vocab_size;
}

/* Head h of row b in layer l: (T, hs) keys or values. */
static inline float *cache_at(const KvCache *kv, float *base, int l, int b, int h) {
    const GPT2Config *c = &kv->m->cfg;
    int hs = c->n_embd / c->n_head;
    return base + ((((size_t)l * kv->B + b) * c->n_head + h) * kv->T) * hs;
}

/* Copies k and v of n consecutive slots from qkv rows (3C each) into the cache. */
static void store_kv(KvCache *kv, int l, int b, int slot0, const float *qkv, int n) {
    const GPT2Config *c = &kv->m->cfg;
    int C = c->n_embd, NH = c->n_head, hs = C / NH;
    for (int h = 0; h < NH; h++) {
        float *kd = cache_at(kv, kv->k, l, b, h) + (size_t)slot0 * hs;
        float *vd = cache_at(kv, kv->v, l, b, h) + (size_t)slot0 * hs;
        for (int t = 0; t < n; t++) {
            const float *r = qkv + (size_t)t * 3 * C;
            memcpy(kd + (size_t)t * hs, r + C + h * hs, (size_t)hs * sizeof(float));
            memcpy(vd + (size_t)t * hs, r + 2 * C + h * hs, (size_t)hs * sizeof(float));
        }
    }
}

/* The MLP half of a block and the attention projection, shared by prefill and step:
 * x += atty Wp^T + bp; x += GELU(LN2(x) Wfc^T + bfc) Wproj^T + bproj. */
static void block_tail(KvCache *kv, int l, int N) {
    const GPT2Params *p = &kv->m->params;
    int C = kv->m->cfg.n_embd;
    matmul_wt(kv->x, kv->atty, p->attprojw + (size_t)l * C * C, W16(kv, attprojw, (size_t)l * C * C), N, C, C, 1.0f);
    add_bias(kv->x, p->attprojb + (size_t)l * C, N, C);
    layernorm(kv->xn, kv->x, p->ln2w + (size_t)l * C, p->ln2b + (size_t)l * C, N, C);
    matmul_wt(kv->fch, kv->xn, p->fcw + (size_t)l * 4 * C * C, W16(kv, fcw, (size_t)l * 4 * C * C), N, 4 * C, C, 0.0f);
    bias_gelu(kv->fch, p->fcb + (size_t)l * 4 * C, N, 4 * C);
    matmul_wt(kv->x, kv->fch, p->fcprojw + (size_t)l * C * 4 * C, W16(kv, fcprojw, (size_t)l * C * 4 * C), N, C, 4 * C, 1.0f);
    add_bias(kv->x, p->fcprojb + (size_t)l * C, N, C);
}

/* Final LayerNorm of the n rows src[i] of x (src NULL: rows 0..n-1) into xn rows
 * 0..n-1, and logits (n, V) = xn · wte^T (tied head). */
static void lm_head(KvCache *kv, const int *src, int n) {
    const GPT2Params *p = &kv->m->params;
    int C = kv->m->cfg.n_embd, V = kv->m->cfg.vocab_size;
    for (int i = 0; i < n; i++)
        layernorm(kv->xn + (size_t)i * C, kv->x + (size_t)(src ? src[i] : i) * C, p->lnfw, p->lnfb, 1, C);
    matmul_wt(kv->logits, kv->xn, p->wte, W16(kv, wte, 0), n, V, C, 0.0f);
}

/* x[i] = wte[token] + wpe[pos]. */
static void embed(float *x, const GPT2Params *p, int C, int token, int pos) {
    const float *te = p->wte + (size_t)token * C, *pe = p->wpe + (size_t)pos * C;
    for (int c = 0; c < C; c++) x[c] = te[c] + pe[c];
}

/* ---- prefill -------------------------------------------------------------- */

int kv_prefill(KvCache *kv, const int *tokens, const uint8_t *mask, int B, int Tp, RlhfErr *e) {
    const GPT2Config *c = &kv->m->cfg;
    const GPT2Params *p = &kv->m->params;
    int C = c->n_embd, NH = c->n_head, hs = C / NH, L = c->n_layer, V = c->vocab_size;
    if (B < 1 || B > kv->B) return rlhf_err(e, "kv_prefill: batch %d, cache holds 1..%d rows", B, kv->B);
    if (Tp < 1 || Tp > kv->max_prompt)
        return rlhf_err(e, "kv_prefill: prompt block of %d slots, cache takes 1..%d", Tp, kv->max_prompt);
    int N = B * Tp;
    kv->nb = B;
    kv->len = 0;
    memset(kv->valid, 0, (size_t)kv->B * kv->T);
    for (int b = 0; b < B; b++) {
        int n = 0;
        kv->last[b] = -1;
        for (int t = 0; t < Tp; t++) {
            int i = b * Tp + t, real = !mask || mask[i];
            if (real && (tokens[i] < 0 || tokens[i] >= V))
                return rlhf_err(e, "kv_prefill: row %d slot %d: token id %d outside the vocabulary [0, %d)", b, t,
                                tokens[i], V);
            if (real && n >= c->max_seq_len)
                return rlhf_err(e, "kv_prefill: row %d: more than max_seq_len %d real tokens", b, c->max_seq_len);
            kv->valid[(size_t)b * kv->T + t] = (uint8_t)real;
            /* a pad embeds token 0 at its row's current position: finite, never attended */
            embed(kv->x + (size_t)i * C, p, C, real ? tokens[i] : 0, RLHF_MIN(n, c->max_seq_len - 1));
            if (real) { kv->last[b] = t; n++; }
        }
        if (kv->last[b] < 0) return rlhf_err(e, "kv_prefill: row %d has no real token", b);
        kv->pos[b] = n;
    }
    const float scale = 1.0f / sqrtf((float)hs);
    for (int l = 0; l < L; l++) {
        layernorm(kv->xn, kv->x, p->ln1w + (size_t)l * C, p->ln1b + (size_t)l * C, N, C);
        matmul_wt(kv->qkv, kv->xn, p->qkvw + (size_t)l * 3 * C * C, W16(kv, qkvw, (size_t)l * 3 * C * C), N, 3 * C, C, 0.0f);
        add_bias(kv->qkv, p->qkvb + (size_t)l * 3 * C, N, 3 * C);
        for (int b = 0; b < B; b++) store_kv(kv, l, b, 0, kv->qkv + (size_t)b * Tp * 3 * C, Tp);
        /* per (row, head): S = Q K^T (Tp,Tp) by sgemm (single-threaded inside the
         * parallel region), causal + padding mask, softmax, Y = P V. */
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(kv->n_threads)
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < NH; h++) {
                float *S = kv->scores + (size_t)omp_get_thread_num() * kv->max_prompt * kv->T;
                const float *Q = kv->qkv + (size_t)b * Tp * 3 * C + h * hs;
                const float *K = cache_at(kv, kv->k, l, b, h), *Vh = cache_at(kv, kv->v, l, b, h);
                const uint8_t *ok = kv->valid + (size_t)b * kv->T;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Tp, Tp, hs, scale, Q, 3 * C, K, hs, 0.0f, S,
                            Tp);
                for (int t = 0; t < Tp; t++) {
                    float *s = S + (size_t)t * Tp;
                    if (!ok[t]) {   /* a pad attends only to itself */
                        memset(s, 0, (size_t)Tp * sizeof(float));
                        s[t] = 1.0f;
                        continue;
                    }
                    float mx = -INFINITY;
                    for (int u = 0; u <= t; u++)
                        if (ok[u] && s[u] > mx) mx = s[u];
                    float sum = 0.0f;
                    for (int u = 0; u < Tp; u++) {
                        float w = (u <= t && ok[u]) ? expf(s[u] - mx) : 0.0f;
                        s[u] = w;
                        sum += w;
                    }
                    float inv = 1.0f / sum;
                    for (int u = 0; u <= t; u++) s[u] *= inv;
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Tp, hs, Tp, 1.0f, S, Tp, Vh, hs, 0.0f,
                            kv->atty + (size_t)b * Tp * C + h * hs, C);
            }
        }
        block_tail(kv, l, N);
    }
    kv->len = Tp;
    kv->n_act = B;
    for (int b = 0; b < B; b++) {
        kv->act[b] = b * Tp + kv->last[b];   /* source row in x */
        kv->row_of[b] = b;
    }
    for (int b = B; b < kv->B; b++) kv->row_of[b] = -1;
    lm_head(kv, kv->act, B);
    for (int b = 0; b < B; b++) kv->act[b] = b;
    return 0;
}

/* ---- one decode step ------------------------------------------------------ */

/* y (hs) = softmax over the attendable slots t < n of (q · K[t] · scale) applied to
 * V (n, hs); s (n) is scratch. */
static void attend_one(float *y, const float *q, const float *K, const float *V, const uint8_t *ok, int n, int hs,
                       float scale, float *s) {
    float mx = -INFINITY;
#ifdef __AVX512F__
    if (hs == 64) {   /* every GPT-2 size: q and one row of y fit in 4 registers each */
        __m512 q0 = _mm512_loadu_ps(q), q1 = _mm512_loadu_ps(q + 16), q2 = _mm512_loadu_ps(q + 32),
               q3 = _mm512_loadu_ps(q + 48);
        for (int t = 0; t < n; t++) {
            if (!ok[t]) continue;
            const float *k = K + (size_t)t * 64;
            __m512 a = _mm512_mul_ps(q0, _mm512_loadu_ps(k));
            __m512 c = _mm512_mul_ps(q1, _mm512_loadu_ps(k + 16));
            a = _mm512_fmadd_ps(q2, _mm512_loadu_ps(k + 32), a);
            c = _mm512_fmadd_ps(q3, _mm512_loadu_ps(k + 48), c);
            s[t] = _mm512_reduce_add_ps(_mm512_add_ps(a, c)) * scale;
            mx = fmaxf(mx, s[t]);
        }
        float sum = 0.0f;
        for (int t = 0; t < n; t++) {
            if (!ok[t]) continue;
            s[t] = expf(s[t] - mx);
            sum += s[t];
        }
        float inv = 1.0f / sum;
        __m512 y0 = _mm512_setzero_ps(), y1 = y0, y2 = y0, y3 = y0;
        for (int t = 0; t < n; t++) {
            if (!ok[t]) continue;
            __m512 w = _mm512_set1_ps(s[t] * inv);
            const float *v = V + (size_t)t * 64;
            y0 = _mm512_fmadd_ps(w, _mm512_loadu_ps(v), y0);
            y1 = _mm512_fmadd_ps(w, _mm512_loadu_ps(v + 16), y1);
            y2 = _mm512_fmadd_ps(w, _mm512_loadu_ps(v + 32), y2);
            y3 = _mm512_fmadd_ps(w, _mm512_loadu_ps(v + 48), y3);
        }
        _mm512_storeu_ps(y, y0);
        _mm512_storeu_ps(y + 16, y1);
        _mm512_storeu_ps(y + 32, y2);
        _mm512_storeu_ps(y + 48, y3);
        return;
    }
#endif
    for (int t = 0; t < n; t++) {
        if (!ok[t]) continue;
        const float *k = K + (size_t)t * hs;
        float d = 0.0f;
#pragma omp simd reduction(+ : d)
        for (int j = 0; j < hs; j++) d += q[j] * k[j];
        s[t] = d * scale;
        mx = fmaxf(mx, s[t]);
    }
    float sum = 0.0f;
    for (int t = 0; t < n; t++) {
        if (!ok[t]) continue;
        s[t] = expf(s[t] - mx);
        sum += s[t];
    }
    float inv = 1.0f / sum;
    for (int j = 0; j < hs; j++) y[j] = 0.0f;
    for (int t = 0; t < n; t++) {
        if (!ok[t]) continue;
        float w = s[t] * inv;
        const float *v = V + (size_t)t * hs;
#pragma omp simd
        for (int j = 0; j < hs; j++) y[j] += w * v[j];
    }
}

int kv_step(KvCache *kv, const int *tokens, const uint8_t *active, RlhfErr *e) {
    const GPT2Config *c = &kv->m->cfg;
    const GPT2Params *p = &kv->m->params;
    int C = c->n_embd, NH = c->n_head, hs = C / NH, L = c->n_layer, V = c->vocab_size;
    if (kv->nb < 1) return rlhf_err(e, "kv_step: no prompt (call kv_prefill first)");
    if (kv->len >= kv->T) return rlhf_err(e, "kv_step: cache full (%d slots)", kv->T);
    int n = 0;
    for (int b = 0; b < kv->nb; b++) {
        kv->row_of[b] = -1;
        if (active && !active[b]) continue;
        if (tokens[b] < 0 || tokens[b] >= V)
            return rlhf_err(e, "kv_step: row %d: token id %d outside the vocabulary [0, %d)", b, tokens[b], V);
        if (kv->pos[b] >= c->max_seq_len)
            return rlhf_err(e, "kv_step: row %d has used all %d positions", b, c->max_seq_len);
        kv->row_of[b] = n;
        kv->act[n++] = b;
    }
    kv->n_act = n;
    if (n == 0) return 0;
    int slot = kv->len;
    for (int i = 0; i < n; i++) {
        int b = kv->act[i];
        embed(kv->x + (size_t)i * C, p, C, tokens[b], kv->pos[b]);
        kv->valid[(size_t)b * kv->T + slot] = 1;
    }
    const float scale = 1.0f / sqrtf((float)hs);
    int nslots = slot + 1;
    for (int l = 0; l < L; l++) {
        layernorm(kv->xn, kv->x, p->ln1w + (size_t)l * C, p->ln1b + (size_t)l * C, n, C);
        matmul_wt(kv->qkv, kv->xn, p->qkvw + (size_t)l * 3 * C * C, W16(kv, qkvw, (size_t)l * 3 * C * C), n, 3 * C, C, 0.0f);
        add_bias(kv->qkv, p->qkvb + (size_t)l * 3 * C, n, 3 * C);
        for (int i = 0; i < n; i++) store_kv(kv, l, kv->act[i], slot, kv->qkv + (size_t)i * 3 * C, 1);
#pragma omp parallel for collapse(2) schedule(static) num_threads(kv->n_threads)
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < NH; h++) {
                int b = kv->act[i];
                float *s = kv->scores + (size_t)omp_get_thread_num() * kv->max_prompt * kv->T;
                const float *q = kv->qkv + (size_t)i * 3 * C + h * hs;
                const float *K = cache_at(kv, kv->k, l, b, h), *Vh = cache_at(kv, kv->v, l, b, h);
                attend_one(kv->atty + (size_t)i * C + h * hs, q, K, Vh, kv->valid + (size_t)b * kv->T, nslots, hs,
                           scale, s);
            }
        }
        block_tail(kv, l, n);
    }
    for (int i = 0; i < n; i++) kv->pos[kv->act[i]]++;
    kv->len = nslots;
    lm_head(kv, NULL, n);
    return 0;
}
