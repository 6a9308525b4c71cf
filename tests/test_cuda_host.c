/* test_cuda_host.c — the CPU-checkable half of the CUDA backend, no GPU needed:
 * src/cuda/cuda_plan.h is the arithmetic the kernels are built from (it is
 * compiled into them by nvcc), so this checks it against the CPU backend:
 *   - the row-major → column-major cuBLAS GEMM descriptors, through a
 *     reference column-major GEMM with cuBLAS's argument semantics;
 *   - the online-softmax state (max, Σe, Σe·x) pushed in strided shares and
 *     merged in tree order, against layers.c's log-softmax and entropy;
 *   - the fused attention's tile walk (visibility rule, key-tile ranges,
 *     running max / rescaling, saved log-sum-exp) and its backward recurrences,
 *     emulated tile by tile in the kernels' order, against layers.c's
 *     attention_forward / attention_backward with pads anywhere;
 *   - GELU, the LM-head d logits, the AdamW element update, and the shared
 *     memory geometry (odd pitch: no bank conflicts; sizes within limits). */
#include "testlib.h"

#include <stdint.h>

#include "cuda/cuda_plan.h"
#include "model/adamw.h"
#include "model/layers.h"
#include "util/rng.h"

static void fill(float *x, size_t n, Rng *r, float s) {
    for (size_t i = 0; i < n; i++) x[i] = s * (float)rng_normal(r);
}

static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}

/* ---- GEMM plans ------------------------------------------------------------ */

/* C (m,n) = alpha·op(A)·op(B) + beta·C, all column-major as cublasSgemm reads them. */
static void ref_colmajor_gemm(CudaGemm p, const float *A, const float *B, float *C, float beta) {
    for (int j = 0; j < p.n; j++)
        for (int i = 0; i < p.m; i++) {
            double s = 0;
            for (int l = 0; l < p.k; l++) {
                float a = p.transa ? A[l + (size_t)i * p.lda] : A[i + (size_t)l * p.lda];
                float b = p.transb ? B[j + (size_t)l * p.ldb] : B[l + (size_t)j * p.ldb];
                s += (double)a * b;
            }
            float *c = &C[i + (size_t)j * p.ldc];
            *c = (float)(s + beta * *c);
        }
}

TEST(gemm_plans_match_row_major_products) {
    Rng r;
    rng_seed(&r, 1);
    const int shapes[][3] = {{7, 5, 3}, {1, 13, 9}, {33, 17, 64}, {4, 1, 1}};
    for (size_t s = 0; s < RLHF_ARRAY_LEN(shapes); s++) {
        int N = shapes[s][0], IC = shapes[s][1], OC = shapes[s][2];
        float *inp = malloc(sizeof(float) * N * IC), *w = malloc(sizeof(float) * OC * IC);
        float *dout = malloc(sizeof(float) * N * OC), *out = malloc(sizeof(float) * N * OC);
        float *dinp = malloc(sizeof(float) * N * IC), *dw = malloc(sizeof(float) * OC * IC);
        float *ref = malloc(sizeof(float) * (N * OC + N * IC + OC * IC));
        fill(inp, (size_t)N * IC, &r, 1);
        fill(w, (size_t)OC * IC, &r, 1);
        fill(dout, (size_t)N * OC, &r, 1);
        /* forward: out[i,o] = Σ_k inp[i,k] w[o,k] */
        for (int i = 0; i < N * OC; i++) out[i] = 0.5f; /* beta 1 accumulates onto a seed */
        ref_colmajor_gemm(cuda_plan_linear_fwd(N, IC, OC), w, inp, out, 1.0f);
        double e1 = 0;
        for (int i = 0; i < N; i++)
            for (int o = 0; o < OC; o++) {
                double t = 0.5;
                for (int k = 0; k < IC; k++) t += (double)inp[i * IC + k] * w[o * IC + k];
                e1 = fmax(e1, fabs(t - out[i * OC + o]));
            }
        /* dinp[i,k] = Σ_o dout[i,o] w[o,k] */
        ref_colmajor_gemm(cuda_plan_linear_dinp(N, IC, OC), w, dout, dinp, 0.0f);
        double e2 = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < IC; k++) {
                double t = 0;
                for (int o = 0; o < OC; o++) t += (double)dout[i * OC + o] * w[o * IC + k];
                e2 = fmax(e2, fabs(t - dinp[i * IC + k]));
            }
        /* dw[o,k] += Σ_i dout[i,o] inp[i,k] */
        for (int i = 0; i < OC * IC; i++) dw[i] = 1.0f;
        ref_colmajor_gemm(cuda_plan_linear_dw(N, IC, OC), inp, dout, dw, 1.0f);
        double e3 = 0;
        for (int o = 0; o < OC; o++)
            for (int k = 0; k < IC; k++) {
                double t = 1.0;
                for (int i = 0; i < N; i++) t += (double)dout[i * OC + o] * inp[i * IC + k];
                e3 = fmax(e3, fabs(t - dw[o * IC + k]));
            }
        CHECK_MSG(e1 < 1e-4 && e2 < 1e-4 && e3 < 1e-4, "shape (%d,%d,%d): fwd %.3g dinp %.3g dw %.3g", N, IC, OC,
                  e1, e2, e3);
        free(inp); free(w); free(dout); free(out); free(dinp); free(dw); free(ref);
    }
}

/* ---- online softmax ----------------------------------------------------------- */

TEST(online_softmax_matches_logsoftmax_and_entropy) {
    Rng r;
    rng_seed(&r, 2);
    const int N = 6, V = 1009, THREADS = 64;
    float *x = malloc(sizeof(float) * N * V), *lp = malloc(sizeof(float) * N * V), ent[6], logp_t[6];
    int tgt[6];
    for (int i = 0; i < N; i++) {
        float s = i == 0 ? 0.01f : (i == 1 ? 30.0f : 3.0f); /* near-uniform, very peaked, typical */
        fill(x + (size_t)i * V, V, &r, s);
        tgt[i] = i == 3 ? -1 : rng_int(&r, V);
    }
    x[5 * V + 17] = 80.0f; /* one dominant logit */
    memcpy(lp, x, sizeof(float) * N * V);
    logsoftmax_forward(lp, ent, logp_t, tgt, N, V);
    for (int i = 0; i < N; i++) {
        const float *row = x + (size_t)i * V;
        OnlineSoftmax part[64];
        for (int t = 0; t < THREADS; t++) { /* thread t folds j = t, t+THREADS, ... */
            part[t] = osm_empty();
            for (int j = t; j < V; j += THREADS) part[t] = osm_push(part[t], row[j]);
        }
        for (int h = THREADS / 2; h > 0; h /= 2) /* tree merge, as the warp shuffles do */
            for (int t = 0; t < h; t++) part[t] = osm_merge(part[t], part[t + h]);
        float lse = osm_lse(part[0]), H = osm_entropy(part[0]);
        CHECK_NEAR(H, ent[i], 2e-4 * (1 + fabs(ent[i])));
        if (tgt[i] >= 0) CHECK_NEAR(row[tgt[i]] - lse, logp_t[i], 2e-4 * (1 + fabs(logp_t[i])));
        double e = 0;
        for (int j = 0; j < V; j++) e = fmax(e, fabs((row[j] - lse) - lp[(size_t)i * V + j]));
        CHECK_MSG(e < 1e-3, "row %d: log-probabilities differ by %.3g", i, e);
    }
    /* merging with an empty state is the identity */
    OnlineSoftmax a = osm_push(osm_push(osm_empty(), 1.0f), 2.0f);
    OnlineSoftmax b = osm_merge(osm_empty(), a), c = osm_merge(a, osm_empty());
    CHECK(b.m == a.m && b.l == a.l && c.sx == a.sx);
    free(x); free(lp);
}

TEST(lm_dlogit_matches_logsoftmax_backward) {
    Rng r;
    rng_seed(&r, 3);
    const int N = 3, V = 257;
    float *lp = malloc(sizeof(float) * N * V), *ref = malloc(sizeof(float) * N * V), ent[3], dlogp[3] = {-0.3f, 0.7f, 0.2f};
    float dent[3] = {0.05f, 0.0f, -0.1f};
    int tgt[3] = {5, -1, 200};
    fill(lp, (size_t)N * V, &r, 2);
    logsoftmax_forward(lp, ent, NULL, NULL, N, V);
    memcpy(ref, lp, sizeof(float) * N * V);
    logsoftmax_backward(ref, ent, tgt, dlogp, dent, N, V);
    double e = 0;
    for (int i = 0; i < N; i++) {
        float a = tgt[i] >= 0 ? dlogp[i] : 0.0f;
        for (int j = 0; j < V; j++)
            e = fmax(e, fabs(lm_dlogit(lp[i * V + j], a, dent[i], ent[i], j == tgt[i]) - ref[i * V + j]));
    }
    CHECK_MSG(e < 1e-6, "d logits differ by %.3g", e);
    free(lp); free(ref);
}

/* ---- fused attention, emulated in the kernels' tile order ----------------------- */

/* Forward of one (batch row, head): q, k, v rows of stride ld; y rows stride C. */
static void emu_att_forward(float *y, float *lse, const float *q, const float *k, const float *v, const uint8_t *mk,
                            int T, int hs, int ld, int C) {
    float scale = 1.0f / sqrtf((float)hs), p[ATT_TILE], sc[ATT_TILE], acc[ATT_MAX_HS];
    for (int q0 = 0; q0 < T; q0 += ATT_TILE)
        for (int t = q0; t < q0 + ATT_TILE && t < T; t++) {
            float m = -INFINITY, l = 0;
            for (int d = 0; d < hs; d++) acc[d] = 0;
            for (int kt = 0; kt < cuda_att_key_tiles(q0, T); kt++) {
                float mt = -INFINITY;
                for (int j = 0; j < ATT_TILE; j++) { /* lane j */
                    int s = kt * ATT_TILE + j;
                    sc[j] = -INFINITY;
                    if (s < T && cuda_att_visible(mk, t, s)) {
                        float dot = 0;
                        for (int d = 0; d < hs; d++) dot += q[(size_t)t * ld + d] * k[(size_t)s * ld + d];
                        sc[j] = dot * scale;
                    }
                    mt = fmaxf(mt, sc[j]);
                }
                if (mt == -INFINITY) continue;
                float mnew = fmaxf(m, mt), corr = expf(m - mnew), sum = 0;
                for (int j = 0; j < ATT_TILE; j++) sum += p[j] = sc[j] == -INFINITY ? 0 : expf(sc[j] - mnew);
                l = l * corr + sum;
                m = mnew;
                for (int d = 0; d < hs; d++) {
                    acc[d] *= corr;
                    for (int j = 0; j < ATT_TILE; j++)
                        if (p[j] != 0) acc[d] += p[j] * v[(size_t)(kt * ATT_TILE + j) * ld + d];
                }
            }
            for (int d = 0; d < hs; d++) y[(size_t)t * C + d] = acc[d] / l;
            lse[t] = m + logf(l);
        }
}

/* Backward of one (batch row, head) by recomputation, with the kernels' loop ranges:
 * dK/dV walk query tiles from the key tile on, dQ walks the key tiles its tile sees. */
static void emu_att_backward(float *dq, float *dk, float *dv, const float *dy, const float *y, const float *q,
                             const float *k, const float *v, const float *lse, const uint8_t *mk, int T, int hs,
                             int ld, int C) {
    float scale = 1.0f / sqrtf((float)hs), *D = malloc(sizeof(float) * T);
    for (int t = 0; t < T; t++) {
        D[t] = 0;
        for (int d = 0; d < hs; d++) D[t] += dy[(size_t)t * C + d] * y[(size_t)t * C + d];
    }
#define PDS(t, s, P, DS)                                                                      \
    do {                                                                                      \
        float qk = 0, dp = 0;                                                                 \
        for (int d = 0; d < hs; d++) {                                                        \
            qk += q[(size_t)(t) * ld + d] * k[(size_t)(s) * ld + d];                          \
            dp += dy[(size_t)(t) * C + d] * v[(size_t)(s) * ld + d];                          \
        }                                                                                     \
        P = expf(qk * scale - lse[t]);                                                        \
        DS = P * (dp - D[t]);                                                                 \
    } while (0)
    int nq = cuda_ceil_div(T, ATT_TILE);
    for (int kt = 0; kt < nq; kt++) /* key-tile blocks */
        for (int s = kt * ATT_TILE; s < kt * ATT_TILE + ATT_TILE && s < T; s++) {
            for (int d = 0; d < hs; d++) dk[(size_t)s * ld + d] = dv[(size_t)s * ld + d] = 0;
            for (int qt = kt; qt < nq; qt++)
                for (int t = qt * ATT_TILE; t < qt * ATT_TILE + ATT_TILE && t < T; t++) {
                    if (!cuda_att_visible(mk, t, s)) continue;
                    float p, ds;
                    PDS(t, s, p, ds);
                    for (int d = 0; d < hs; d++) {
                        dv[(size_t)s * ld + d] += p * dy[(size_t)t * C + d];
                        dk[(size_t)s * ld + d] += scale * ds * q[(size_t)t * ld + d];
                    }
                }
        }
    for (int q0 = 0; q0 < T; q0 += ATT_TILE) /* query-tile blocks */
        for (int t = q0; t < q0 + ATT_TILE && t < T; t++) {
            for (int d = 0; d < hs; d++) dq[(size_t)t * ld + d] = 0;
            for (int kt = 0; kt < cuda_att_key_tiles(q0, T); kt++)
                for (int s = kt * ATT_TILE; s < kt * ATT_TILE + ATT_TILE && s < T; s++) {
                    if (!cuda_att_visible(mk, t, s)) continue;
                    float p, ds;
                    PDS(t, s, p, ds);
                    for (int d = 0; d < hs; d++) dq[(size_t)t * ld + d] += scale * ds * k[(size_t)s * ld + d];
                }
        }
#undef PDS
    free(D);
}

/* One attention problem and layers.c's answer to it: qkv (B,T,3C) and dy (B,T,C)
 * random, row 0 all real, row 1 left-padded up to `left`, rows ≥ 2 padded in
 * [mid0, mid1) and from `end` on; yr, dqkv_r the CPU backend's output and
 * gradient. y, dqkv: room for the emulation being checked. */
typedef struct AttCase {
    int B, T, NH, hs, C, ld;
    float *qkv, *dy, *yr, *dqkv_r, *y, *dqkv;
    uint8_t *mask;
} AttCase;

static void att_case_make(AttCase *a, int B, int T, int NH, int hs, int left, int mid0, int mid1, int end,
                          uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    *a = (AttCase){B, T, NH, hs, NH * hs, 3 * NH * hs, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    const size_t N = (size_t)B * T, C = (size_t)a->C;
    a->qkv = malloc(sizeof(float) * N * a->ld);
    a->dy = malloc(sizeof(float) * N * C);
    a->yr = malloc(sizeof(float) * N * C);
    a->y = malloc(sizeof(float) * N * C);
    a->dqkv_r = malloc(sizeof(float) * N * a->ld);
    a->dqkv = malloc(sizeof(float) * N * a->ld);
    a->mask = malloc(N);
    for (size_t i = 0; i < N; i++) {
        int b = (int)(i / T), t = (int)(i % T);
        a->mask[i] = (uint8_t)(b == 0 ? 1 : b == 1 ? t >= left : !(t >= mid0 && t < mid1) && t < end);
    }
    fill(a->qkv, N * a->ld, &r, 1.5f);
    fill(a->dy, N * C, &r, 1);
    float *att = malloc(sizeof(float) * B * NH * T * T), *datt = malloc(sizeof(float) * B * NH * T * T);
    attention_forward(a->yr, att, a->qkv, a->mask, B, T, a->C, NH);
    attention_backward(a->dqkv_r, datt, a->dy, a->qkv, att, B, T, a->C, NH);
    free(att);
    free(datt);
}

/* Checks the emulation's y and dqkv against layers.c's. */
static void att_case_check(const AttCase *a, const char *what) {
    const size_t N = (size_t)a->B * a->T;
    double ey = max_diff(a->y, a->yr, N * a->C), eg = max_diff(a->dqkv, a->dqkv_r, N * a->ld);
    fprintf(stderr, "  %s vs layers.c: out max diff %.2e, dqkv max diff %.2e\n", what, ey, eg);
    CHECK(ey < 1e-4);
    CHECK(eg < 1e-3);
}

static void att_case_free(AttCase *a) {
    free(a->qkv); free(a->dy); free(a->yr); free(a->y); free(a->dqkv_r); free(a->dqkv); free(a->mask);
}

TEST(fused_attention_tile_walk_matches_cpu_attention) {
    AttCase a;
    att_case_make(&a, 3, 70, 2, 24, 33, 20, 40, 65, 4);
    const int T = a.T, hs = a.hs, C = a.C, ld = a.ld;
    float *lse = malloc(sizeof(float) * T);
    for (int b = 0; b < a.B; b++)
        for (int h = 0; h < a.NH; h++) {
            const float *q = a.qkv + (size_t)b * T * ld + h * hs;
            const uint8_t *mk = a.mask + b * T;
            float *y = a.y + (size_t)b * T * C + h * hs, *dq = a.dqkv + (size_t)b * T * ld + h * hs;
            emu_att_forward(y, lse, q, q + C, q + 2 * C, mk, T, hs, ld, C);
            emu_att_backward(dq, dq + C, dq + 2 * C, a.dy + (size_t)b * T * C + h * hs, y, q, q + C, q + 2 * C, lse,
                             mk, T, hs, ld, C);
        }
    att_case_check(&a, "attention emulation");
    free(lse);
    att_case_free(&a);
}

/* ---- attention through batched GEMMs, emulated ------------------------------------ */

/* Row-major C (M,N) = alpha·op(A)·op(B) through cuda_plan_rowmajor and the
 * column-major reference: cuBLAS's A is B (a_is_first 0). */
static void rm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
                    float *C, int ldc) {
    CudaGemm p = cuda_plan_rowmajor(ta, tb, M, N, K, lda, ldb, ldc);
    CHECK(p.a_is_first == 0);
    ref_colmajor_gemm(p, B, A, C, 0.0f);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] *= alpha;
}

TEST(gemm_attention_composition_matches_cpu_attention) {
    AttCase a;
    att_case_make(&a, 3, 45, 2, 16, 11, 7, 19, 40, 6);
    const int B = a.B, T = a.T, NH = a.NH, hs = a.hs, C = a.C, ld = a.ld;
    const float scale = 1.0f / sqrtf((float)hs);
    const float *qkv = a.qkv, *dy = a.dy;
    float *y = a.y, *dqkv = a.dqkv;
    /* one (row, head) at a time, in the head layout (T, hs) the kernels produce */
    float *q = malloc(sizeof(float) * T * hs), *k = malloc(sizeof(float) * T * hs), *v = malloc(sizeof(float) * T * hs);
    float *yh = malloc(sizeof(float) * T * hs), *dyh = malloc(sizeof(float) * T * hs);
    float *dq = malloc(sizeof(float) * T * hs), *dk = malloc(sizeof(float) * T * hs), *dv = malloc(sizeof(float) * T * hs);
    float *S = malloc(sizeof(float) * T * T), *dS = malloc(sizeof(float) * T * T), *lse = malloc(sizeof(float) * T);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const uint8_t *mk = a.mask + b * T;
            for (int t = 0; t < T; t++)
                for (int d = 0; d < hs; d++) {
                    const float *row = qkv + ((size_t)b * T + t) * ld + h * hs + d;
                    q[t * hs + d] = row[0];
                    k[t * hs + d] = row[C];
                    v[t * hs + d] = row[2 * C];
                    dyh[t * hs + d] = dy[((size_t)b * T + t) * C + h * hs + d];
                }
            /* forward: S = scale·Q·Kᵀ, the masked softmax with its lse, Y = P·V */
            rm_gemm(0, 1, T, T, hs, scale, q, hs, k, hs, S, T);
            for (int t = 0; t < T; t++) {
                float mx = -INFINITY, sum = 0;
                for (int s2 = 0; s2 <= t; s2++) if (cuda_att_visible(mk, t, s2)) mx = fmaxf(mx, S[t * T + s2]);
                for (int s2 = 0; s2 <= t; s2++) if (cuda_att_visible(mk, t, s2)) sum += expf(S[t * T + s2] - mx);
                lse[t] = mx + logf(sum);
            }
            for (int t = 0; t < T; t++) /* P recomputed from the scores and lse, as the backward does */
                for (int s2 = 0; s2 < T; s2++)
                    S[t * T + s2] = s2 <= t && cuda_att_visible(mk, t, s2) ? expf(S[t * T + s2] - lse[t]) : 0.0f;
            rm_gemm(0, 0, T, hs, T, 1.0f, S, T, v, hs, yh, hs);
            /* backward: dV = Pᵀ·dY, dP = dY·Vᵀ, dS = P·(dP − D), dQ = scale·dS·K, dK = scale·dSᵀ·Q */
            rm_gemm(1, 0, T, hs, T, 1.0f, S, T, dyh, hs, dv, hs);
            rm_gemm(0, 1, T, T, hs, 1.0f, dyh, hs, v, hs, dS, T);
            for (int t = 0; t < T; t++) {
                float D = 0;
                for (int d = 0; d < hs; d++) D += dyh[t * hs + d] * yh[t * hs + d];
                for (int s2 = 0; s2 < T; s2++) dS[t * T + s2] = S[t * T + s2] * (dS[t * T + s2] - D);
            }
            rm_gemm(0, 0, T, hs, T, scale, dS, T, k, hs, dq, hs);
            rm_gemm(1, 0, T, hs, T, scale, dS, T, q, hs, dk, hs);
            for (int t = 0; t < T; t++)
                for (int d = 0; d < hs; d++) {
                    y[((size_t)b * T + t) * C + h * hs + d] = yh[t * hs + d];
                    float *g = dqkv + ((size_t)b * T + t) * ld + h * hs + d;
                    g[0] = dq[t * hs + d];
                    g[C] = dk[t * hs + d];
                    g[2 * C] = dv[t * hs + d];
                }
        }
    att_case_check(&a, "gemm attention emulation");
    att_case_free(&a);
    free(q); free(k); free(v); free(yh); free(dyh); free(dq); free(dk); free(dv); free(S); free(dS); free(lse);
}

TEST(attention_visibility_and_tile_ranges) {
    uint8_t mk[5] = {0, 1, 1, 0, 1};
    CHECK(cuda_att_visible(NULL, 3, 3) && cuda_att_visible(NULL, 3, 0) && !cuda_att_visible(NULL, 2, 3));
    CHECK(cuda_att_visible(mk, 0, 0));                            /* a pad sees itself */
    CHECK(!cuda_att_visible(mk, 3, 1) && cuda_att_visible(mk, 3, 3)); /* ... only itself */
    CHECK(cuda_att_visible(mk, 4, 1) && !cuda_att_visible(mk, 4, 0) && !cuda_att_visible(mk, 4, 3));
    CHECK(cuda_att_key_tiles(0, 1) == 1);
    CHECK(cuda_att_key_tiles(0, 70) == 1);
    CHECK(cuda_att_key_tiles(32, 70) == 2);
    CHECK(cuda_att_key_tiles(64, 70) == 3);
    CHECK(cuda_att_nd(16) == 1 && cuda_att_nd(64) == 2 && cuda_att_nd(96) == 3 && cuda_att_nd(128) == 4);
}

TEST(shared_memory_geometry) {
    for (int hs = 1; hs <= ATT_MAX_HS; hs++) {
        int P = cuda_att_pitch(hs), seen = 0;
        CHECK(P >= hs && P % 2 == 1);
        for (int d = 0; d < 3; d++) {
            unsigned banks = 0;
            for (int j = 0; j < 32; j++) banks |= 1u << ((j * P + d) % 32);
            seen |= banks != 0xffffffffu;
        }
        CHECK_MSG(!seen, "hs %d: lanes share a bank", hs);
    }
    CHECK(cuda_att_smem_bytes(64, 4) <= 48 * 1024);      /* GPT-2 heads: no opt-in needed */
    CHECK(cuda_att_smem_bytes(ATT_MAX_HS, 4) <= 99 * 1024); /* within sm_80+ opt-in limits */
}

/* ---- elementwise math ------------------------------------------------------------ */

TEST(gelu_matches_layers) {
    float x[512], y[512], g[512], ones[512];
    for (int i = 0; i < 512; i++) {
        x[i] = -8.0f + 16.0f * (float)i / 511.0f;
        ones[i] = 1.0f;
    }
    gelu_forward(y, x, 512);
    gelu_backward(g, x, ones, 512);
    double ef = 0, eb = 0;
    for (int i = 0; i < 512; i++) {
        ef = fmax(ef, fabs(gelu_fwd(x[i]) - y[i]));
        eb = fmax(eb, fabs(gelu_grad(x[i]) - g[i]));
    }
    CHECK_MSG(ef < 1e-5 && eb < 1e-5, "gelu %.3g, gelu' %.3g", ef, eb);
}

TEST(adamw_element_matches_adamw_step) {
    GPT2 m;
    RlhfErr e;
    GPT2Config cfg = {8, 11, 1, 2, 8};
    REQUIRE(gpt2_create(&m, &cfg, GPT2_HEAD_VALUE, &e) == 0);
    gpt2_init_weights(&m, 5);
    REQUIRE(gpt2_reserve(&m, 1, 4, 1, &e) == 0);
    Rng r;
    rng_seed(&r, 6);
    AdamW opt;
    REQUIRE(adamw_init(&opt, &m, 0.9f, 0.95f, 1e-8f, 0.1f, &e) == 0);
    size_t n = m.num_params;
    float *p = malloc(sizeof(float) * n), *mm = calloc(n, sizeof(float)), *vv = calloc(n, sizeof(float));
    memcpy(p, m.param_mem, sizeof(float) * n);
    for (int step = 1; step <= 3; step++) {
        fill(m.grad_mem, n, &r, 0.1f);
        float bc1 = 1.0f - powf(0.9f, (float)step), bc2 = 1.0f - powf(0.95f, (float)step);
        for (int t = 0; t < m.n_tensors; t++) {
            const GPT2Tensor *ten = &m.tensors[t];
            for (size_t i = ten->offset; i < ten->offset + ten->numel; i++)
                adamw_elem(&p[i], &mm[i], &vv[i], m.grad_mem[i], 1e-2f, 0.9f, 0.95f, bc1, bc2, 1e-8f,
                           ten->decay ? 0.1f : 0.0f);
        }
        adamw_step(&opt, &m, 1e-2f);
    }
    CHECK(max_diff(p, m.param_mem, n) < 1e-6);
    CHECK(max_diff(mm, opt.m, n) < 1e-7);
    free(p); free(mm); free(vv);
    adamw_free(&opt);
    gpt2_free(&m);
}

int main(void) {
    RUN(gemm_plans_match_row_major_products);
    RUN(online_softmax_matches_logsoftmax_and_entropy);
    RUN(lm_dlogit_matches_logsoftmax_backward);
    RUN(fused_attention_tile_walk_matches_cpu_attention);
    RUN(gemm_attention_composition_matches_cpu_attention);
    RUN(attention_visibility_and_tile_ranges);
    RUN(shared_memory_geometry);
    RUN(gelu_matches_layers);
    RUN(adamw_element_matches_adamw_step);
    return test_summary();
}
