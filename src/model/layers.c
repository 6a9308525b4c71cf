/* layers.c — see layers.h. */
#include "model/layers.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "model/fastmath.h"

static inline int imin(int a, int b) { return a < b ? a : b; }

/* This thread's share [*lo, *hi) of n columns, in multiples of 16 floats so
 * threads never share a cache line. Used for sums over rows, which then run
 * in row order whatever the thread count. */
static void thread_cols(int n, int *lo, int *hi) {
    int nt = omp_get_num_threads(), id = omp_get_thread_num();
    int blocks = (n + 15) / 16;
    int b0 = (int)((long)blocks * id / nt), b1 = (int)((long)blocks * (id + 1) / nt);
    *lo = imin(b0 * 16, n);
    *hi = imin(b1 * 16, n);
}

/* ---- encoder -------------------------------------------------------------- */

void encoder_forward(float *out, const int *tok, const int *pos, const float *wte, const float *wpe, int N, int C) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        float *o = out + (size_t)i * C;
        const float *a = wte + (size_t)tok[i] * C, *p = wpe + (size_t)pos[i] * C;
        for (int c = 0; c < C; c++) o[c] = a[c] + p[c];
    }
}

void encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tok, const int *pos, int N, int C) {
#pragma omp parallel
    {
        int lo, hi;
        thread_cols(C, &lo, &hi);
        for (int i = 0; i < N; i++) {
            const float *d = dout + (size_t)i * C;
            float *a = dwte + (size_t)tok[i] * C, *p = dwpe + (size_t)pos[i] * C;
            for (int c = lo; c < hi; c++) { a[c] += d[c]; p[c] += d[c]; }
        }
    }
}

/* ---- layernorm ------------------------------------------------------------ */

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                       int N, int C) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        float *o = out + (size_t)i * C;
        float s = 0.0f;
#pragma omp simd reduction(+ : s)
        for (int c = 0; c < C; c++) s += x[c];
        float m = s / (float)C, v = 0.0f;
#pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        float r = 1.0f / sqrtf(v / (float)C + 1e-5f);
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * r * w[c] + b[c];
        mean[i] = m;
        rstd[i] = r;
    }
}

void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                        const float *mean, const float *rstd, int N, int C) {
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int i = 0; i < N; i++) {
            const float *x = inp + (size_t)i * C, *d = dout + (size_t)i * C;
            float *di = dinp + (size_t)i * C;
            float m = mean[i], r = rstd[i], dm = 0.0f, dnm = 0.0f;
#pragma omp simd reduction(+ : dm, dnm)
            for (int c = 0; c < C; c++) {
                float dn = w[c] * d[c];
                dm += dn;
                dnm += dn * (x[c] - m) * r;
            }
            dm /= (float)C;
            dnm /= (float)C;
            for (int c = 0; c < C; c++) di[c] += (w[c] * d[c] - dm - (x[c] - m) * r * dnm) * r;
        }
        /* parameter grads: sums over rows, each column owned by one thread */
        int lo, hi;
        thread_cols(C, &lo, &hi);
        for (int i = 0; i < N; i++) {
            const float *x = inp + (size_t)i * C, *d = dout + (size_t)i * C;
            float m = mean[i], r = rstd[i];
            for (int c = lo; c < hi; c++) {
                dw[c] += d[c] * (x[c] - m) * r;
                db[c] += d[c];
            }
        }
    }
}

/* ---- matmul --------------------------------------------------------------- */

void matmul_forward(float *out, const float *inp, const float *w, const float *bias, const float *residual, int N,
                    int IC, int OC) {
    /* seed out with residual + bias, then let sgemm accumulate (beta 1): one pass fewer */
    float beta = (bias || residual) ? 1.0f : 0.0f;
    if (beta != 0.0f) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++) {
            float *o = out + (size_t)i * OC;
            const float *r = residual ? residual + (size_t)i * OC : NULL;
            if (r && bias) for (int c = 0; c < OC; c++) o[c] = r[c] + bias[c];
            else if (r) { if (r != o) memcpy(o, r, (size_t)OC * sizeof *o); }
            else for (int c = 0; c < OC; c++) o[c] = bias[c];
        }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, IC, w, IC, beta, out, OC);
}

static void bias_backward(float *db, const float *dout, int N, int OC) {
#pragma omp parallel
    {
        int lo, hi;
        thread_cols(OC, &lo, &hi);
        for (int i = 0; i < N; i++) {
            const float *d = dout + (size_t)i * OC;
            for (int c = lo; c < hi; c++) db[c] += d[c];
        }
    }
}

void matmul_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w, int N,
                     int IC, int OC, int accumulate) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, IC, OC, 1.0f, dout, OC, w, IC,
                accumulate ? 1.0f : 0.0f, dinp, IC);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, N, 1.0f, dout, OC, inp, IC, 1.0f, dw, IC);
    if (db) bias_backward(db, dout, N, OC);
}

/* ---- gelu ----------------------------------------------------------------- */

/* Elementwise loops run in chunks: OpenMP over chunks, SIMD within one. */
#define EW_CHUNK 4096

void gelu_forward(float *out, const float *inp, long n) {
    long chunks = (n + EW_CHUNK - 1) / EW_CHUNK;
#pragma omp parallel for schedule(static)
    for (long ch = 0; ch < chunks; ch++) {
        const float *x = inp + ch * EW_CHUNK;
        float *o = out + ch * EW_CHUNK;
        int len = (int)(n - ch * EW_CHUNK < EW_CHUNK ? n - ch * EW_CHUNK : EW_CHUNK);
#pragma omp simd
        for (int i = 0; i < len; i++) {
            float v = x[i];
            o[i] = 0.5f * v * (1.0f + fast_tanhf(GELU_K * (v + 0.044715f * v * v * v)));
        }
    }
}

void gelu_backward(float *dinp, const float *inp, const float *dout, long n) {
    long chunks = (n + EW_CHUNK - 1) / EW_CHUNK;
#pragma omp parallel for schedule(static)
    for (long ch = 0; ch < chunks; ch++) {
        const float *x = inp + ch * EW_CHUNK, *d = dout + ch * EW_CHUNK;
        float *di = dinp + ch * EW_CHUNK;
        int len = (int)(n - ch * EW_CHUNK < EW_CHUNK ? n - ch * EW_CHUNK : EW_CHUNK);
#pragma omp simd
        for (int i = 0; i < len; i++) {
            float v = x[i];
            float th = fast_tanhf(GELU_K * (v + 0.044715f * v * v * v));
            float sech2 = 1.0f - th * th;
            float g = 0.5f * (1.0f + th) + 0.5f * v * sech2 * GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
            di[i] = g * d[i];
        }
    }
}

/* ---- attention ------------------------------------------------------------ */

/* Rows are processed in blocks of ATT_BLOCK so the score matmuls only cover
 * columns up to the block's last row (causality): ~5/8 of the full T×T work at T=256. */
#define ATT_BLOCK 64

void attention_forward(float *out, float *att, const float *qkv, const uint8_t *mask, int B, int T, int C, int NH) {
    int hs = C / NH, ld = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for schedule(static)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = qkv + (size_t)b * T * ld + (size_t)h * hs, *k = q + C, *v = q + 2 * C;
        const uint8_t *mk = mask ? mask + (size_t)b * T : NULL;
        float *A = att + (size_t)bh * T * T;
        float *y = out + (size_t)b * T * C + (size_t)h * hs;
        for (int r0 = 0; r0 < T; r0 += ATT_BLOCK) {
            int r1 = imin(T, r0 + ATT_BLOCK), M = r1 - r0, n = r1;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, n, hs, scale, q + (size_t)r0 * ld, ld, k, ld,
                        0.0f, A + (size_t)r0 * T, T);
            for (int t = r0; t < r1; t++) {
                float *row = A + (size_t)t * T;
                if (mk && !mk[t]) { /* a pad attends to itself only */
                    for (int s = 0; s < n; s++) row[s] = 0.0f;
                    row[t] = 1.0f;
                    continue;
                }
                float mx = -INFINITY, sum = 0.0f;
                for (int s = 0; s <= t; s++)
                    if ((!mk || mk[s]) && row[s] > mx) mx = row[s];
                if (mk) {
#pragma omp simd reduction(+ : sum)
                    for (int s = 0; s <= t; s++) {
                        float e = mk[s] ? fast_expf(row[s] - mx) : 0.0f;
                        row[s] = e;
                        sum += e;
                    }
                } else {
#pragma omp simd reduction(+ : sum)
                    for (int s = 0; s <= t; s++) {
                        float e = fast_expf(row[s] - mx);
                        row[s] = e;
                        sum += e;
                    }
                }
                float inv = 1.0f / sum;
                for (int s = 0; s <= t; s++) row[s] *= inv;
                for (int s = t + 1; s < n; s++) row[s] = 0.0f;
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, hs, n, 1.0f, A + (size_t)r0 * T, T, v, ld,
                        0.0f, y + (size_t)r0 * C, C);
        }
    }
}

void attention_backward(float *dqkv, float *datt, const float *dout, const float *qkv, const float *att, int B, int T,
                        int C, int NH) {
    int hs = C / NH, ld = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for schedule(static)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = qkv + (size_t)b * T * ld + (size_t)h * hs, *k = q + C, *v = q + 2 * C;
        float *dq = dqkv + (size_t)b * T * ld + (size_t)h * hs, *dk = dq + C, *dv = dq + 2 * C;
        const float *A = att + (size_t)bh * T * T;
        float *dA = datt + (size_t)bh * T * T;
        const float *dy = dout + (size_t)b * T * C + (size_t)h * hs;
        for (int t = 0; t < T; t++) { /* dk, dv accumulate over row blocks */
            memset(dk + (size_t)t * ld, 0, (size_t)hs * sizeof(float));
            memset(dv + (size_t)t * ld, 0, (size_t)hs * sizeof(float));
        }
        for (int r0 = 0; r0 < T; r0 += ATT_BLOCK) {
            int r1 = imin(T, r0 + ATT_BLOCK), M = r1 - r0, n = r1;
            const float *Ab = A + (size_t)r0 * T;
            float *dAb = dA + (size_t)r0 * T;
            /* dP = dY Vᵀ; dV += Pᵀ dY */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, n, hs, 1.0f, dy + (size_t)r0 * C, C, v, ld, 0.0f,
                        dAb, T);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, M, 1.0f, Ab, T, dy + (size_t)r0 * C, C, 1.0f,
                        dv, ld);
            /* softmax backward: dS = P ⊙ (dP − Σ P·dP) */
            for (int i = 0; i < M; i++) {
                const float *p = Ab + (size_t)i * T;
                float *dp = dAb + (size_t)i * T, dot = 0.0f;
#pragma omp simd reduction(+ : dot)
                for (int s = 0; s < n; s++) dot += p[s] * dp[s];
#pragma omp simd
                for (int s = 0; s < n; s++) dp[s] = p[s] * (dp[s] - dot);
            }
            /* dQ = scale·dS K; dK += scale·dSᵀ Q */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, hs, n, scale, dAb, T, k, ld, 0.0f,
                        dq + (size_t)r0 * ld, ld);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, M, scale, dAb, T, q + (size_t)r0 * ld, ld,
                        1.0f, dk, ld);
        }
    }
}

/* ---- LM softmax ----------------------------------------------------------- */

void logsoftmax_forward(float *logits, float *ent, float *logp_t, const int *targets, int N, int V) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        float *x = logits + (size_t)i * V;
        float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
        for (int j = 0; j < V; j++) mx = x[j] > mx ? x[j] : mx;
        /* one pass gives Σe and Σe·(x−max): H = log Σe − Σe·(x−max)/Σe */
        float sum = 0.0f, sxe = 0.0f;
#pragma omp simd reduction(+ : sum, sxe)
        for (int j = 0; j < V; j++) {
            float d = x[j] - mx, e = fast_expf(d);
            sum += e;
            sxe += e * d;
        }
        float lse = logf(sum);
        ent[i] = lse - sxe / sum;
        float off = mx + lse;
#pragma omp simd
        for (int j = 0; j < V; j++) x[j] -= off;
        if (logp_t) logp_t[i] = targets && targets[i] >= 0 ? x[targets[i]] : 0.0f;
    }
}

void logsoftmax_backward(float *logp, const float *ent, const int *targets, const float *dlogp, const float *dent,
                         int N, int V) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        float *x = logp + (size_t)i * V;
        int tgt = targets ? targets[i] : -1;
        float a = (dlogp && tgt >= 0) ? dlogp[i] : 0.0f, g = dent ? dent[i] : 0.0f, H = ent[i];
        if (a == 0.0f && g == 0.0f) {
            memset(x, 0, (size_t)V * sizeof *x);
            continue;
        }
#pragma omp simd
        for (int j = 0; j < V; j++) {
            float lp = x[j], p = fast_expf(lp);
            x[j] = -a * p - g * p * (lp + H);
        }
        if (tgt >= 0) x[tgt] += a;
    }
}
