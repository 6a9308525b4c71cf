/* cuda_plan.h — the pure arithmetic the CUDA backend shares with the host:
 * row-major → cuBLAS (column-major) GEMM descriptors, launch geometry, and the
 * per-element math of the kernels (GELU, the online-softmax merge used by the
 * fused attention and the LM softmax, the attention visibility rule, the
 * AdamW update). Header-only and plain C11 / C++: nvcc compiles it into the
 * kernels (CUDA_HD = __host__ __device__), the C compiler into
 * tests/test_cuda_host.c, which checks it against the CPU backend without a GPU.
 * No CUDA header is included here. */
#ifndef RLHF_CUDA_PLAN_H
#define RLHF_CUDA_PLAN_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define CUDA_HD __host__ __device__ __forceinline__
#else
#define CUDA_HD static inline
#endif

/* ---- GEMM descriptors ------------------------------------------------------
 * cuBLAS is column-major. A row-major (R,K) matrix is the column-major (K,R)
 * matrix with leading dimension K, so every row-major product Y = op(A)·op(B)
 * becomes Yᵀ = op(B)ᵀ·op(A)ᵀ with the operands swapped. The plans below give
 * the exact cublasSgemm / cublasGemmEx arguments for the four products of the
 * model; test_cuda_host.c runs them through a reference column-major GEMM. */
typedef struct CudaGemm {
    int transa, transb;   /* 1 = CUBLAS_OP_T */
    int m, n, k;
    int lda, ldb, ldc;
    int a_is_first;       /* 1: A = the first named operand of the plan function; 0: the second */
} CudaGemm;

/* out (N,OC) = inp (N,IC) · wᵀ, w (OC,IC): A = w, B = inp, C = out. */
CUDA_HD CudaGemm cuda_plan_linear_fwd(int N, int IC, int OC) {
    CudaGemm g = {1, 0, OC, N, IC, IC, IC, OC, 1};
    return g;
}
/* dinp (N,IC) = dout (N,OC) · w (OC,IC): A = w, B = dout, C = dinp. */
CUDA_HD CudaGemm cuda_plan_linear_dinp(int N, int IC, int OC) {
    CudaGemm g = {0, 0, IC, N, OC, IC, OC, IC, 1};
    return g;
}
/* dw (OC,IC) (+)= doutᵀ (OC,N) · inp (N,IC): A = inp, B = dout, C = dw. */
CUDA_HD CudaGemm cuda_plan_linear_dw(int N, int IC, int OC) {
    CudaGemm g = {0, 1, IC, OC, N, IC, OC, IC, 1};
    return g;
}

/* Any row-major product C (M,N) = op(A)·op(B), op = transpose when ta / tb, with
 * ld* the row strides as stored: the column-major call Cᵀ = op(B)ᵀ·op(A)ᵀ, so
 * cuBLAS's A is B here (a_is_first 0). The batched attention products use it. */
CUDA_HD CudaGemm cuda_plan_rowmajor(int ta, int tb, int M, int N, int K, int lda, int ldb, int ldc) {
    CudaGemm g = {tb, ta, N, M, K, ldb, lda, ldc, 0};
    return g;
}

/* ---- launch geometry ------------------------------------------------------ */

CUDA_HD int cuda_ceil_div(long a, long b) { return (int)((a + b - 1) / b); }

/* Fused attention tiles: a block takes ATT_TILE query rows (or key rows in the
 * backward) of one (batch row, head) and walks ATT_TILE-wide tiles of the other
 * side; ATT_WARPS warps each own ATT_TILE / ATT_WARPS rows; lane j of a warp owns
 * column j of a tile and head dimensions d = lane + 32·i, i < cuda_att_nd(hs). */
#define ATT_TILE 32
#define ATT_WARPS 4
#define ATT_ROWS_PER_WARP (ATT_TILE / ATT_WARPS)
#define ATT_MAX_HS 128

CUDA_HD int cuda_att_nd(int hs) { return (hs + 31) / 32; }
/* Dynamic shared memory of an attention kernel holding `tiles` tiles of ATT_TILE
 * rows plus two ATT_TILE vectors (log-sum-exp, delta). A row's pitch is odd
 * (hs | 1), so lane j reading row j at column d hits bank (j·pitch + d) % 32:
 * distinct across the 32 lanes, no bank conflicts. */
CUDA_HD int cuda_att_pitch(int hs) { return hs | 1; }
CUDA_HD int cuda_att_smem_bytes(int hs, int tiles) {
    return (tiles * ATT_TILE * cuda_att_pitch(hs) + 2 * ATT_TILE) * (int)sizeof(float);
}
/* Key tiles a query tile starting at q0 must visit under causality: keys ≤ its last row. */
CUDA_HD int cuda_att_key_tiles(int q0, int T) {
    int last = q0 + ATT_TILE - 1 < T - 1 ? q0 + ATT_TILE - 1 : T - 1;
    return last / ATT_TILE + 1;
}

/* Visibility (gpt2.h): a real query t sees real keys s ≤ t; a pad query sees
 * itself only. mask NULL = all real. Every query sees at least itself. */
CUDA_HD int cuda_att_visible(const uint8_t *mask_row, int t, int s) {
    if (s > t) return 0;
    if (!mask_row) return 1;
    return mask_row[t] ? mask_row[s] != 0 : s == t;
}

/* ---- online softmax --------------------------------------------------------
 * State over a stream of scores x: running max m, Σ e^{x−m} (l) and
 * Σ e^{x−m}·(x−m) (sx, for the entropy). Merging two states rescales both to the
 * larger max, so blocks of any size combine in any tree order. The LM softmax
 * kernel merges one per thread then across the block; attention keeps (m, l)
 * per query row while it walks key tiles. */
typedef struct OnlineSoftmax {
    float m, l, sx;
} OnlineSoftmax;

CUDA_HD OnlineSoftmax osm_empty(void) {
    OnlineSoftmax s = {-INFINITY, 0.0f, 0.0f};
    return s;
}
CUDA_HD OnlineSoftmax osm_push(OnlineSoftmax s, float x) {
    if (x <= s.m) {
        float d = x - s.m, e = expf(d);
        s.l += e;
        s.sx += e * d;
    } else { /* new max: old terms e^{y−m_old} become e^{y−m_old}·e^{m_old−x} */
        float d = s.m - x, r = s.l > 0.0f ? expf(d) : 0.0f;
        /* Σ e^{y−x}(y−x) = r·(sx + d·l) */
        s.sx = s.l > 0.0f ? r * (s.sx + d * s.l) : 0.0f;
        s.l = s.l * r + 1.0f;
        s.m = x;
    }
    return s;
}
CUDA_HD OnlineSoftmax osm_merge(OnlineSoftmax a, OnlineSoftmax b) {
    if (b.l == 0.0f) return a;
    if (a.l == 0.0f) return b;
    if (a.m < b.m) {
        OnlineSoftmax t = a;
        a = b;
        b = t;
    }
    float d = b.m - a.m, r = expf(d);
    OnlineSoftmax s = {a.m, a.l + r * b.l, a.sx + r * (b.sx + d * b.l)};
    return s;
}
/* log Σ e^x and the entropy −Σ p log p = lse − Σ e^{x−m}(x−m)/l − m + m. */
CUDA_HD float osm_lse(OnlineSoftmax s) { return s.m + logf(s.l); }
CUDA_HD float osm_entropy(OnlineSoftmax s) { return logf(s.l) - s.sx / s.l; }

/* d logit of one vocabulary entry (layers.h logsoftmax_backward): with lp = log p,
 * dlogp a (0 when no target), dentropy g, entropy H, is_target. */
CUDA_HD float lm_dlogit(float lp, float a, float g, float H, int is_target) {
    float p = expf(lp);
    return -a * p - g * p * (lp + H) + (is_target ? a : 0.0f);
}

/* ---- GELU (tanh approximation, GPT-2) --------------------------------------- */

#define CUDA_GELU_K 0.7978845608028654f /* sqrt(2/pi) */

CUDA_HD float gelu_fwd(float x) {
    float u = CUDA_GELU_K * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + tanhf(u));
}
CUDA_HD float gelu_grad(float x) {
    float th = tanhf(CUDA_GELU_K * (x + 0.044715f * x * x * x));
    float sech2 = 1.0f - th * th;
    return 0.5f * (1.0f + th) + 0.5f * x * sech2 * CUDA_GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
}

/* ---- AdamW (adamw.c: torch.optim.AdamW) ---------------------------------------
 * One element: updates *p, *m, *v from gradient g. bc1 = 1 − β1^t, bc2 = 1 − β2^t. */
CUDA_HD void adamw_elem(float *p, float *m, float *v, float g, float lr, float b1, float b2, float bc1, float bc2,
                        float eps, float wd) {
    float mi = b1 * *m + (1.0f - b1) * g;
    float vi = b2 * *v + (1.0f - b2) * g * g;
    *m = mi;
    *v = vi;
    float mhat = mi / bc1, vhat = vi / bc2;
    *p -= lr * (mhat / (sqrtf(vhat) + eps) + wd * *p);
}

#endif
