/* kvcache.c — see kvcache.h. */
#include "model/kvcache.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "model/fastmath.h"
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

/* Rows at or below which a product uses a decode kernel instead of sgemm. */
#define KV_SMALL_N 16
/* Outputs per packed panel (two AVX-512 registers). */
#define KV_PANEL 32

static inline size_t panels_of(int OC) { return (size_t)(OC + KV_PANEL - 1) / KV_PANEL; }

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
static inline __attribute__((always_inline)) __m512 load_w_masked(__mmask16 m, const float *w, const uint16_t *w16,
                                                                  size_t k) {
    if (w16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, w16 + k)), 16));
    return _mm512_maskz_loadu_ps(m, w + k);
}

/* y[i, o] (+)= x[i] · W[o] for i < n ≤ 8, o in [o0, o1), W (OC, IC) row-major
 * fp32: a decode step's product when no packed copy exists. W rows stream
 * through two at a time while the n rows of x stay in L1; OpenBLAS's sgemm
 * instead repacks W on every call, which costs more than the product at n ≤ 16. */
static inline __attribute__((always_inline)) void small_rows_n(float *y, const float *x, const float *W, int n,
                                                               int o0, int o1, int IC, int OC, int accumulate) {
    const int full = IC & ~15;
    const __mmask16 tail = (__mmask16)((1u << (IC - full)) - 1u);
    int o = o0;
    for (; o < o1; o += 2) {
        const int two = o + 1 < o1;
        const float *w0 = W + (size_t)o * IC, *w1 = two ? w0 + IC : w0;
        __m512 a0[8], a1[8];
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) a0[i] = a1[i] = _mm512_setzero_ps();
        for (int k = 0; k < full; k += 16) {
            /* prefetch KV_PF bytes ahead (the hardware prefetcher alone leaves
             * the loop waiting on DRAM) */
            _mm_prefetch((const char *)(w0 + 2 * k) + KV_PF, _MM_HINT_T0);
            _mm_prefetch((const char *)(w0 + 2 * k) + KV_PF + 64, _MM_HINT_T0);
            __m512 v0 = _mm512_loadu_ps(w0 + k), v1 = _mm512_loadu_ps(w1 + k);
#pragma GCC unroll 8
            for (int i = 0; i < n; i++) {
                __m512 xv = _mm512_loadu_ps(x + (size_t)i * IC + k);
                a0[i] = _mm512_fmadd_ps(xv, v0, a0[i]);
                a1[i] = _mm512_fmadd_ps(xv, v1, a1[i]);
            }
        }
        if (tail) {
            __m512 v0 = _mm512_maskz_loadu_ps(tail, w0 + full), v1 = _mm512_maskz_loadu_ps(tail, w1 + full);
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
            float s0 = _mm512_reduce_add_ps(a0[i]);
            yr[0] = accumulate ? yr[0] + s0 : s0;
            if (two) {
                float s1 = _mm512_reduce_add_ps(a1[i]);
                yr[1] = accumulate ? yr[1] + s1 : s1;
            }
        }
    }
}

/* y[i, 32p + j] = epilogue(x[i] · W[32p + j]) for i < n ≤ 8 and panels p in
 * [p0, p1) of a packed copy (fp32 P or bf16 P16, see kv_use_packed). Each
 * weight is read once, in memory order, and each of the 8 × 32 sums has its
 * own register lane: no horizontal sums, and the stream is one sequential
 * read, which the row-major kernel above only reaches at ~60% of the speed.
 * The epilogue adds y (accumulate), then bias, then applies GELU, in the
 * order the unfused code did. */
static inline __attribute__((always_inline)) void panel_rows_n(float *y, const float *x, const float *P,
                                                               const uint16_t *P16, int n, int p0, int p1, int IC,
                                                               int OC, int accumulate, const float *bias, int gelu) {
    for (int p = p0; p < p1; p++) {
        const size_t base = (size_t)p * KV_PANEL * IC;
        const int o = p * KV_PANEL, left = OC - o, w = RLHF_MIN(left, KV_PANEL);
        const __mmask16 m0 = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
        const __mmask16 m1 = left >= 32 ? (__mmask16)0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1u);
        __m512 a0[8], a1[8];
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) a0[i] = a1[i] = _mm512_setzero_ps();
        if (w == KV_PANEL) {
            for (int k = 0; k < IC; k++) {
                const size_t at = base + (size_t)k * KV_PANEL;
                if (P16) {
                    _mm_prefetch((const char *)(P16 + at) + KV_PF, _MM_HINT_T0);
                } else {
                    _mm_prefetch((const char *)(P + at) + KV_PF, _MM_HINT_T0);
                    _mm_prefetch((const char *)(P + at) + KV_PF + 64, _MM_HINT_T0);
                }
                __m512 v0 = load_w(P, P16, at), v1 = load_w(P, P16, at + 16);
#pragma GCC unroll 8
                for (int i = 0; i < n; i++) {
                    __m512 xv = _mm512_set1_ps(x[(size_t)i * IC + k]);
                    a0[i] = _mm512_fmadd_ps(xv, v0, a0[i]);
                    a1[i] = _mm512_fmadd_ps(xv, v1, a1[i]);
                }
            }
        } else {   /* the last panel of a matrix whose OC is not a multiple of 32: (IC, w) */
            for (int k = 0; k < IC; k++) {
                const size_t at = base + (size_t)k * (size_t)w;
                __m512 v0 = load_w_masked(m0, P, P16, at), v1 = load_w_masked(m1, P, P16, at + 16);
#pragma GCC unroll 8
                for (int i = 0; i < n; i++) {
                    __m512 xv = _mm512_set1_ps(x[(size_t)i * IC + k]);
                    a0[i] = _mm512_fmadd_ps(xv, v0, a0[i]);
                    a1[i] = _mm512_fmadd_ps(xv, v1, a1[i]);
                }
            }
        }
        __m512 b0 = bias ? _mm512_maskz_loadu_ps(m0, bias + o) : _mm512_setzero_ps();
        __m512 b1 = bias ? _mm512_maskz_loadu_ps(m1, bias + o + 16) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) {
            float *yr = y + (size_t)i * OC + o;
            __m512 r0 = a0[i], r1 = a1[i];
            if (accumulate) {
                r0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, yr), r0);
                r1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, yr + 16), r1);
            }
            if (bias) { r0 = _mm512_add_ps(r0, b0); r1 = _mm512_add_ps(r1, b1); }
            _mm512_mask_storeu_ps(yr, m0, r0);
            _mm512_mask_storeu_ps(yr + 16, m1, r1);
            if (gelu) {
#pragma omp simd
                for (int j = 0; j < w; j++) yr[j] = gelu_tanh(yr[j]);
            }
        }
    }
}

/* n, the weight type and the epilogue's presence as compile-time constants, so
 * the accumulators are registers (with a runtime n they are indexed arrays,
 * spilled to the stack). */
#define PANEL_CASE(N) \
    case N: \
        if (P16) panel_rows_n(y, x, NULL, P16, N, p0, p1, IC, OC, accumulate, bias, gelu); \
        else panel_rows_n(y, x, P, NULL, N, p0, p1, IC, OC, accumulate, bias, gelu); \
        break;
static void panel_rows(float *y, const float *x, const float *P, const uint16_t *P16, int n, int p0, int p1, int IC,
                       int OC, int accumulate, const float *bias, int gelu) {
    switch (n) {
        PANEL_CASE(1) PANEL_CASE(2) PANEL_CASE(3) PANEL_CASE(4)
        PANEL_CASE(5) PANEL_CASE(6) PANEL_CASE(7) PANEL_CASE(8)
    }
}
#define SMALL_ROWS_CASE(N) \
    case N: small_rows_n(y, x, W, N, o0, o1, IC, OC, accumulate); break;
static void small_rows(float *y, const float *x, const float *W, int n, int o0, int o1, int IC, int OC,
                       int accumulate) {
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
/* Portable versions of the two decode kernels (see above). */
static void small_rows(float *y, const float *x, const float *W, int n, int o0, int o1, int IC, int OC,
                       int accumulate) {
    for (int o = o0; o < o1; o++) {
        const float *w = W + (size_t)o * IC;
        for (int i = 0; i < n; i++) {
            const float *xr = x + (size_t)i * IC;
            float s = 0.0f;
#pragma omp simd reduction(+ : s)
            for (int k = 0; k < IC; k++) s += xr[k] * w[k];
            float *yr = y + (size_t)i * OC + o;
            *yr = accumulate ? *yr + s : s;
        }
    }
}
static void panel_rows(float *y, const float *x, const float *P, const uint16_t *P16, int n, int p0, int p1, int IC,
                       int OC, int accumulate, const float *bias, int gelu) {
    float acc[8][KV_PANEL], w[KV_PANEL] = {0};
    for (int p = p0; p < p1; p++) {
        const size_t base = (size_t)p * KV_PANEL * IC;
        const int o = p * KV_PANEL, width = RLHF_MIN(OC - o, KV_PANEL);
        memset(acc, 0, sizeof acc);
        for (int k = 0; k < IC; k++) {
            const size_t at = base + (size_t)k * (size_t)width;
            for (int j = 0; j < width; j++) w[j] = P16 ? bf16_to_f32(P16[at + j]) : P[at + j];
            for (int i = 0; i < n; i++) {
                const float xv = x[(size_t)i * IC + k];
#pragma omp simd
                for (int j = 0; j < KV_PANEL; j++) acc[i][j] += xv * w[j];
            }
        }
        for (int i = 0; i < n; i++) {
            float *yr = y + (size_t)i * OC + o;
            for (int j = 0; j < width; j++) {
                float r = acc[i][j];
                if (accumulate) r = yr[j] + r;
                if (bias) r += bias[o + j];
                yr[j] = gelu ? gelu_tanh(r) : r;
            }
        }
    }
}
#endif

static void add_bias(float *y, const float *bias, int N, int OC) {
#pragma omp parallel for if ((size_t)N * OC > 65536) schedule(static)
    for (int i = 0; i < N; i++) {
        float *r = y + (size_t)i * OC;
#pragma omp simd
        for (int c = 0; c < OC; c++) r[c] += bias[c];
    }
}

/* h = GELU_tanh(h + bias) in place. */
static void bias_gelu(float *h, const float *bias, int N, int OC) {
#pragma omp parallel for if ((size_t)N * OC > 65536) schedule(static)
    for (int i = 0; i < N; i++) {
        float *r = h + (size_t)i * OC;
#pragma omp simd
        for (int c = 0; c < OC; c++) r[c] = gelu_tanh(r[c] + bias[c]);
    }
}

/* The five kinds of weight matrix, in the order of their packed copies. */
enum { MAT_QKV, MAT_ATTPROJ, MAT_FC, MAT_FCPROJ, MAT_WTE, MAT_KINDS };

/* Shape (OC, IC) and layer count of a matrix kind. */
static void mat_shape(const GPT2Config *c, int kind, int *OC, int *IC, int *layers) {
    int C = c->n_embd;
    static const int oc_mul[MAT_KINDS] = {3, 1, 4, 1, 0}, ic_mul[MAT_KINDS] = {1, 1, 1, 4, 1};
    *OC = kind == MAT_WTE ? c->vocab_size : oc_mul[kind] * C;
    *IC = ic_mul[kind] * C;
    *layers = kind == MAT_WTE ? 1 : c->n_layer;
}

static const float *mat_weights(const GPT2Params *p, int kind) {
    switch (kind) {
    case MAT_QKV: return p->qkvw;
    case MAT_ATTPROJ: return p->attprojw;
    case MAT_FC: return p->fcw;
    case MAT_FCPROJ: return p->fcprojw;
    default: return p->wte;
    }
}

/* y (N,OC) (+)= x (N,IC) · W^T (+ bias) (then GELU) for matrix `kind` of layer l,
 * W (OC,IC). accumulate adds into y (the residual stream). The model's own
 * row-major weights go to sgemm for prefill blocks and to the row-major kernel
 * for decode steps (N ≤ 16); a packed copy serves decode steps; weights packed
 * in place (kv_pack_model) serve every product. */
static void linear(KvCache *kv, float *y, const float *x, int kind, int l, int N, int accumulate, const float *bias,
                   int gelu) {
    int OC, IC, layers;
    mat_shape(&kv->m->cfg, kind, &OC, &IC, &layers);
    const float *W = mat_weights(&kv->m->params, kind) + (size_t)l * OC * IC;
    const int in_place = kv->m->decode_layout, copy = kv->pk || kv->pk16;
    if (!in_place && (N > KV_SMALL_N || !copy)) {
        if (N > KV_SMALL_N) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, x, IC, W, IC,
                        accumulate ? 1.0f : 0.0f, y, OC);
        } else {
            const int nblk = (OC + 63) / 64;   /* blocks of 64 outputs (even, so pairs stay together) */
#pragma omp parallel for schedule(static)
            for (int blk = 0; blk < nblk; blk++) {
                int o0 = blk * 64, o1 = RLHF_MIN(OC, o0 + 64);
                for (int i0 = 0; i0 < N; i0 += 8)
                    small_rows(y + (size_t)i0 * OC, x + (size_t)i0 * IC, W, RLHF_MIN(8, N - i0), o0, o1, IC, OC,
                               accumulate);
            }
        }
        if (gelu) bias_gelu(y, bias, N, OC);
        else if (bias) add_bias(y, bias, N, OC);
        return;
    }
    const size_t off = kv->pk_off[kind] + (size_t)l * OC * IC;
    const float *P = in_place ? W : kv->pk ? kv->pk + off : NULL;
    const uint16_t *P16 = in_place ? NULL : kv->pk16 ? kv->pk16 + off : NULL;
    const int np = (int)panels_of(OC);
    /* contiguous panel ranges per thread, each panel once through all row tiles
     * (so a prefill block reads it from cache after the first tile) */
#pragma omp parallel if (np > 1)
    {
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int p0 = (int)((long)np * id / nt), p1 = (int)((long)np * (id + 1) / nt);
        for (int p = p0; p < p1; p++)
            for (int i0 = 0; i0 < N; i0 += 8)
                panel_rows(y + (size_t)i0 * OC, x + (size_t)i0 * IC, P, P16, RLHF_MIN(8, N - i0), p, p + 1, IC, OC,
                           accumulate, bias, gelu);
    }
}

/* ---- lifecycle ------------------------------------------------------------ */

static uint16_t f32_to_bf16(float f) {   /* round to nearest even; NaN stays NaN */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* Writes matrix W (OC, IC) row-major as panels of KV_PANEL outputs: panel p
 * (outputs o = KV_PANEL·p ..) holds (IC, w) with D[k·w + j] = W[o + j, k], w =
 * min(KV_PANEL, OC − o), at D + o·IC — the same place its rows had, so the
 * layout is exactly as long as W and can be written over it: with D == W each
 * panel goes through scratch (KV_PANEL·IC floats per thread). fp32 into D, or
 * bf16 into D16. */
static void pack_matrix(float *D, uint16_t *D16, const float *W, int OC, int IC, float *scratch) {
    const long np = (long)panels_of(OC);
    const int in_place = D == W;
#pragma omp parallel for schedule(static)
    for (long p = 0; p < np; p++) {
        const int o = (int)p * KV_PANEL, w = RLHF_MIN(KV_PANEL, OC - o);
        const float *src = W + (size_t)o * IC;
        if (in_place) {
            float *buf = scratch + (size_t)omp_get_thread_num() * KV_PANEL * IC;
            memcpy(buf, src, (size_t)w * IC * sizeof(float));
            src = buf;
        }
        const size_t at = (size_t)o * IC;
        for (int k = 0; k < IC; k++)
            for (int j = 0; j < w; j++) {
                float v = src[(size_t)j * IC + k];
                if (D16) D16[at + (size_t)k * w + j] = f32_to_bf16(v);
                else D[at + (size_t)k * w + j] = v;
            }
    }
}

/* Where each matrix kind starts in a packed copy (all layers of a kind in a row). */
static size_t pack_offsets(const GPT2Config *c, size_t off[MAT_KINDS]) {
    size_t total = 0;
    for (int kind = 0; kind < MAT_KINDS; kind++) {
        int OC, IC, layers;
        mat_shape(c, kind, &OC, &IC, &layers);
        off[kind] = total;
        total += (size_t)layers * OC * IC;
    }
    return total;
}

/* A packed copy of every matrix, fp32 into kv->pk or bf16 into kv->pk16. */
static int pack_copy(KvCache *kv, int bf16, RlhfErr *e) {
    const GPT2Config *c = &kv->m->cfg;
    if (kv->m->decode_layout) return rlhf_err(e, "kvcache: the model is already packed in place (kv_pack_model)");
    size_t total = pack_offsets(c, kv->pk_off);
    if (bf16 ? !kv->pk16 : !kv->pk) {
        free(kv->pk); free(kv->pk16);
        kv->pk = NULL;
        kv->pk16 = NULL;
        void *mem = rlhf_malloc(total * (bf16 ? sizeof(uint16_t) : sizeof(float)), e);
        if (!mem) return rlhf_err_wrap(e, "kvcache: packed %s weights", bf16 ? "bf16" : "fp32");
        if (bf16) kv->pk16 = mem;
        else kv->pk = mem;
    }
    for (int kind = 0; kind < MAT_KINDS; kind++) {
        int OC, IC, layers;
        mat_shape(c, kind, &OC, &IC, &layers);
        const float *W = mat_weights(&kv->m->params, kind);
        for (int l = 0; l < layers; l++) {
            size_t at = kv->pk_off[kind] + (size_t)l * OC * IC;
            pack_matrix(kv->pk ? kv->pk + at : NULL, kv->pk16 ? kv->pk16 + at : NULL, W + (size_t)l * OC * IC, OC,
                        IC, NULL);
        }
    }
    return 0;
}

int kv_use_packed(KvCache *kv, RlhfErr *e) { return pack_copy(kv, 0, e); }
int kv_use_bf16(KvCache *kv, RlhfErr *e) { return pack_copy(kv, 1, e); }

int kv_pack_model(KvCache *kv, GPT2 *m, RlhfErr *e) {
    if (kv->m != m) return rlhf_err(e, "kv_pack_model: the cache was created for another model");
    if (m->decode_layout) return 0;
    const GPT2Config *c = &m->cfg;
    int C = c->n_embd;
    float *scratch = rlhf_malloc((size_t)omp_get_max_threads() * KV_PANEL * 4 * C * sizeof(float), e);
    if (!scratch) return rlhf_err_wrap(e, "kv_pack_model: scratch");
    free(kv->pk); free(kv->pk16);
    kv->pk = NULL;
    kv->pk16 = NULL;
    for (int kind = 0; kind < MAT_KINDS; kind++) {
        int OC, IC, layers;
        mat_shape(c, kind, &OC, &IC, &layers);
        float *W = (float *)mat_weights(&m->params, kind);
        for (int l = 0; l < layers; l++) {
            float *Wl = W + (size_t)l * OC * IC;
            pack_matrix(Wl, NULL, Wl, OC, IC, scratch);
        }
    }
    free(scratch);
    m->decode_layout = 1;
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
    free(kv->fch); free(kv->scores); free(kv->pk); free(kv->pk16);
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
    linear(kv, kv->x, kv->atty, MAT_ATTPROJ, l, N, 1, p->attprojb + (size_t)l * C, 0);
    layernorm(kv->xn, kv->x, p->ln2w + (size_t)l * C, p->ln2b + (size_t)l * C, N, C);
    linear(kv, kv->fch, kv->xn, MAT_FC, l, N, 0, p->fcb + (size_t)l * 4 * C, 1);
    linear(kv, kv->x, kv->fch, MAT_FCPROJ, l, N, 1, p->fcprojb + (size_t)l * C, 0);
}

/* Final LayerNorm of the n rows src[i] of x (src NULL: rows 0..n-1) into xn rows
 * 0..n-1, and logits (n, V) = xn · wte^T (tied head). */
static void lm_head(KvCache *kv, const int *src, int n) {
    const GPT2Params *p = &kv->m->params;
    int C = kv->m->cfg.n_embd;
    for (int i = 0; i < n; i++)
        layernorm(kv->xn + (size_t)i * C, kv->x + (size_t)(src ? src[i] : i) * C, p->lnfw, p->lnfb, 1, C);
    linear(kv, kv->logits, kv->xn, MAT_WTE, 0, n, 0, NULL, 0);
}

/* x[i] = wte[token] + wpe[pos]; wte row-major, or in panels after kv_pack_model. */
static void embed(float *x, const GPT2 *m, int token, int pos) {
    const GPT2Params *p = &m->params;
    int C = m->cfg.n_embd, V = m->cfg.vocab_size;
    const float *pe = p->wpe + (size_t)pos * C;
    if (m->decode_layout) {
        int o = token / KV_PANEL * KV_PANEL, w = RLHF_MIN(KV_PANEL, V - o);
        const float *te = p->wte + (size_t)o * C + (token - o);
        for (int c = 0; c < C; c++) x[c] = te[(size_t)c * w] + pe[c];
        return;
    }
    const float *te = p->wte + (size_t)token * C;
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
            embed(kv->x + (size_t)i * C, kv->m, real ? tokens[i] : 0, RLHF_MIN(n, c->max_seq_len - 1));
            if (real) { kv->last[b] = t; n++; }
        }
        if (kv->last[b] < 0) return rlhf_err(e, "kv_prefill: row %d has no real token", b);
        kv->pos[b] = n;
    }
    const float scale = 1.0f / sqrtf((float)hs);
    for (int l = 0; l < L; l++) {
        layernorm(kv->xn, kv->x, p->ln1w + (size_t)l * C, p->ln1b + (size_t)l * C, N, C);
        linear(kv, kv->qkv, kv->xn, MAT_QKV, l, N, 0, p->qkvb + (size_t)l * 3 * C, 0);
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
        /* skipped slots hold stale scores: computed anyway (vectorised), zeroed by ok */
#pragma omp simd reduction(+ : sum)
        for (int t = 0; t < n; t++) {
            s[t] = ok[t] ? fast_expf(s[t] - mx) : 0.0f;
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
        embed(kv->x + (size_t)i * C, kv->m, tokens[b], kv->pos[b]);
        kv->valid[(size_t)b * kv->T + slot] = 1;
    }
    const float scale = 1.0f / sqrtf((float)hs);
    int nslots = slot + 1;
    for (int l = 0; l < L; l++) {
        layernorm(kv->xn, kv->x, p->ln1w + (size_t)l * C, p->ln1b + (size_t)l * C, n, C);
        linear(kv, kv->qkv, kv->xn, MAT_QKV, l, n, 0, p->qkvb + (size_t)l * 3 * C, 0);
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
