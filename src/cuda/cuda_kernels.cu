/* cuda_kernels.cu — the non-GEMM kernels of the CUDA backend except attention
 * (cuda_attention.cu). Reductions over a row use one warp (LayerNorm, heads) or
 * one block (LM softmax); reductions across rows (parameter gradients) use a
 * fixed per-column order, so they are deterministic; only the embedding
 * gradient uses atomics (a token may repeat in a batch). */
#include "cuda/cuda_kernels.cuh"
#include "cuda/cuda_plan.h"

#include <float.h>

#define WARP 32

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

static int grid_for(long n, int threads) {
    long g = (n + threads - 1) / threads;
    return (int)(g < 1 ? 1 : (g > 1048576 ? 1048576 : g)); /* kernels below stride over the rest */
}

/* ---- encoder ---------------------------------------------------------------- */

__global__ void encoder_forward_kernel(float *out, const int *tok, const int *pos, const float *wte,
                                       const float *wpe, int N, int C) {
    long n = (long)N * C;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        long r = i / C;
        int c = (int)(i - r * C);
        out[i] = wte[(long)tok[r] * C + c] + wpe[(long)pos[r] * C + c];
    }
}

void k_encoder_forward(float *out, const int *tok, const int *pos, const float *wte, const float *wpe, int N, int C,
                       cudaStream_t st) {
    encoder_forward_kernel<<<grid_for((long)N * C, 256), 256, 0, st>>>(out, tok, pos, wte, wpe, N, C);
}

__global__ void encoder_backward_kernel(float *dwte, float *dwpe, const float *dout, const int *tok, const int *pos,
                                        int N, int C) {
    long n = (long)N * C;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        long r = i / C;
        int c = (int)(i - r * C);
        float d = dout[i];
        atomicAdd(&dwte[(long)tok[r] * C + c], d);
        atomicAdd(&dwpe[(long)pos[r] * C + c], d);
    }
}

void k_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tok, const int *pos, int N, int C,
                        cudaStream_t st) {
    encoder_backward_kernel<<<grid_for((long)N * C, 256), 256, 0, st>>>(dwte, dwpe, dout, tok, pos, N, C);
}

/* ---- deterministic column sums ------------------------------------------------
 * dst[c] += Σ_i f(i, c) over N rows: a (32, 32) block owns 32 columns; thread
 * (x, y) sums rows y, y+32, ... of column x, then row y = 0 adds the 32 partials
 * in order. Reads are coalesced along x. */
template <class F>
__global__ void colsum_kernel(float *dst, int N, int OC, F f) {
    __shared__ float part[32][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    float s = 0.0f;
    if (c < OC)
        for (int i = threadIdx.y; i < N; i += 32) s += f(i, c);
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < OC) {
        float t = 0.0f;
        for (int y = 0; y < 32; y++) t += part[y][threadIdx.x];
        dst[c] += t;
    }
}

template <class F>
static void colsum(float *dst, int N, int OC, F f, cudaStream_t st) {
    colsum_kernel<<<cuda_ceil_div(OC, 32), dim3(32, 32), 0, st>>>(dst, N, OC, f);
}

struct RowsOf {
    const float *x;
    int ld;
    __device__ float operator()(int i, int c) const { return x[(long)i * ld + c]; }
};

struct LnWeightGrad {
    const float *dout, *inp, *mean, *rstd;
    int C;
    __device__ float operator()(int i, int c) const {
        long k = (long)i * C + c;
        return dout[k] * (inp[k] - mean[i]) * rstd[i];
    }
};

struct WeightedRows {
    const float *x, *d;
    int C;
    __device__ float operator()(int i, int c) const { return d[i] * x[(long)i * C + c]; }
};

void k_bias_backward(float *db, const float *dout, int N, int OC, cudaStream_t st) {
    colsum(db, N, OC, RowsOf{dout, OC}, st);
}

/* ---- layernorm ---------------------------------------------------------------- */

/* One warp per row; two passes over the row (it stays in L1) for a stable variance. */
__global__ void layernorm_forward_kernel(float *out, float *mean, float *rstd, const float *inp, const float *w,
                                         const float *b, int N, int C) {
    int row = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP, lane = threadIdx.x % WARP;
    if (row >= N) return;
    const float *x = inp + (long)row * C;
    float s = 0.0f;
    for (int c = lane; c < C; c += WARP) s += x[c];
    float m = warp_sum(s) / (float)C;
    float v = 0.0f;
    for (int c = lane; c < C; c += WARP) v += (x[c] - m) * (x[c] - m);
    float r = rsqrtf(warp_sum(v) / (float)C + 1e-5f);
    float *o = out + (long)row * C;
    for (int c = lane; c < C; c += WARP) o[c] = (x[c] - m) * r * w[c] + b[c];
    if (lane == 0) {
        if (mean) mean[row] = m;
        if (rstd) rstd[row] = r;
    }
}

void k_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                         int N, int C, cudaStream_t st) {
    layernorm_forward_kernel<<<cuda_ceil_div(N, 8), 256, 0, st>>>(out, mean, rstd, inp, w, b, N, C);
}

__global__ void layernorm_backward_kernel(float *dinp, const float *dout, const float *inp, const float *w,
                                          const float *mean, const float *rstd, int N, int C) {
    int row = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP, lane = threadIdx.x % WARP;
    if (row >= N) return;
    const float *x = inp + (long)row * C, *d = dout + (long)row * C;
    float m = mean[row], r = rstd[row], dm = 0.0f, dnm = 0.0f;
    for (int c = lane; c < C; c += WARP) {
        float dn = w[c] * d[c];
        dm += dn;
        dnm += dn * (x[c] - m) * r;
    }
    dm = warp_sum(dm) / (float)C;
    dnm = warp_sum(dnm) / (float)C;
    float *di = dinp + (long)row * C;
    for (int c = lane; c < C; c += WARP) di[c] += (w[c] * d[c] - dm - (x[c] - m) * r * dnm) * r;
}

void k_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
                          const float *mean, const float *rstd, int N, int C, cudaStream_t st) {
    layernorm_backward_kernel<<<cuda_ceil_div(N, 8), 256, 0, st>>>(dinp, dout, inp, w, mean, rstd, N, C);
    colsum(dw, N, C, LnWeightGrad{dout, inp, mean, rstd, C}, st);
    colsum(db, N, C, RowsOf{dout, C}, st);
}

/* ---- bias / residual seed, GELU -------------------------------------------------- */

__global__ void seed_kernel(float *out, const float *bias, const float *residual, int N, int OC) {
    long n = (long)N * OC;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        float v = residual ? residual[i] : 0.0f;
        if (bias) v += bias[i % OC];
        out[i] = v;
    }
}

void k_seed_bias_residual(float *out, const float *bias, const float *residual, int N, int OC, cudaStream_t st) {
    if (!bias && residual == out) return;
    seed_kernel<<<grid_for((long)N * OC, 256), 256, 0, st>>>(out, bias, residual, N, OC);
}

__global__ void gelu_forward_kernel(float *out, const float *inp, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
        out[i] = gelu_fwd(inp[i]);
}

__global__ void gelu_backward_kernel(float *dinp, const float *inp, const float *dout, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
        dinp[i] = gelu_grad(inp[i]) * dout[i];
}

void k_gelu_forward(float *out, const float *inp, long n, cudaStream_t st) {
    gelu_forward_kernel<<<grid_for(n, 256), 256, 0, st>>>(out, inp, n);
}

void k_gelu_backward(float *dinp, const float *inp, const float *dout, long n, cudaStream_t st) {
    gelu_backward_kernel<<<grid_for(n, 256), 256, 0, st>>>(dinp, inp, dout, n);
}

/* ---- LM softmax ----------------------------------------------------------------
 * One block per row. Each thread folds its strided share of the row into an
 * OnlineSoftmax (max, Σe, Σe·x), the warps merge by shuffles, the block through
 * shared memory; one read of the logits gives max, log Σ and the entropy. */
#define LM_THREADS 512

__device__ OnlineSoftmax osm_shfl(OnlineSoftmax s, int o) {
    OnlineSoftmax t;
    t.m = __shfl_xor_sync(0xffffffffu, s.m, o);
    t.l = __shfl_xor_sync(0xffffffffu, s.l, o);
    t.sx = __shfl_xor_sync(0xffffffffu, s.sx, o);
    return t;
}

__device__ OnlineSoftmax block_osm(OnlineSoftmax s) {
    __shared__ OnlineSoftmax part[LM_THREADS / WARP];
    __shared__ OnlineSoftmax total;
    for (int o = WARP / 2; o > 0; o >>= 1) s = osm_merge(s, osm_shfl(s, o));
    int wid = threadIdx.x / WARP, lane = threadIdx.x % WARP, nw = blockDim.x / WARP;
    if (lane == 0) part[wid] = s;
    __syncthreads();
    if (threadIdx.x == 0) {
        OnlineSoftmax t = part[0];
        for (int i = 1; i < nw; i++) t = osm_merge(t, part[i]);
        total = t;
    }
    __syncthreads();
    return total;
}

__global__ void logsoftmax_forward_kernel(float *logits, float *ent, float *logp_t, const int *targets, int V) {
    long row = blockIdx.x;
    float *x = logits + row * V;
    OnlineSoftmax s = osm_empty();
    for (int j = threadIdx.x; j < V; j += blockDim.x) s = osm_push(s, x[j]);
    s = block_osm(s);
    float lse = osm_lse(s);
    if (threadIdx.x == 0) {
        ent[row] = osm_entropy(s);
        if (logp_t) {
            int t = targets ? targets[row] : -1;
            logp_t[row] = t >= 0 ? x[t] - lse : 0.0f;
        }
    }
    __syncthreads(); /* thread 0 read x[t] before anyone overwrites it */
    for (int j = threadIdx.x; j < V; j += blockDim.x) x[j] -= lse;
}

void k_logsoftmax_forward(float *logits, float *ent, float *logp_t, const int *targets, int N, int V,
                          cudaStream_t st) {
    logsoftmax_forward_kernel<<<N, LM_THREADS, 0, st>>>(logits, ent, logp_t, targets, V);
}

__global__ void logsoftmax_backward_kernel(float *logp, const float *ent, const int *targets, const float *dlogp,
                                           const float *dent, int V) {
    long row = blockIdx.x;
    float *x = logp + row * V;
    int tgt = targets ? targets[row] : -1;
    float a = (dlogp && tgt >= 0) ? dlogp[row] : 0.0f, g = dent ? dent[row] : 0.0f, H = ent[row];
    if (a == 0.0f && g == 0.0f) {
        for (int j = threadIdx.x; j < V; j += blockDim.x) x[j] = 0.0f;
        return;
    }
    for (int j = threadIdx.x; j < V; j += blockDim.x) x[j] = lm_dlogit(x[j], a, g, H, j == tgt);
}

void k_logsoftmax_backward(float *logp, const float *ent, const int *targets, const float *dlogp, const float *dent,
                           int N, int V, cudaStream_t st) {
    logsoftmax_backward_kernel<<<N, LM_THREADS, 0, st>>>(logp, ent, targets, dlogp, dent, V);
}

/* ---- scalar and value heads ------------------------------------------------------ */

__global__ void scalar_forward_kernel(float *out, const float *hidden, const int *pos, const float *w,
                                      const float *bias, int B, int T, int C) {
    int b = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP, lane = threadIdx.x % WARP;
    if (b >= B) return;
    const float *h = hidden + ((long)b * T + pos[b]) * C;
    float s = 0.0f;
    for (int c = lane; c < C; c += WARP) s += h[c] * w[c];
    s = warp_sum(s);
    if (lane == 0) out[b] = s + bias[0];
}

void k_scalar_forward(float *out, const float *hidden, const int *pos, const float *w, const float *bias, int B,
                      int T, int C, cudaStream_t st) {
    scalar_forward_kernel<<<cuda_ceil_div(B, 8), 256, 0, st>>>(out, hidden, pos, w, bias, B, T, C);
}

/* Thread c owns column c: dw[c] sums over rows in order; dh rows differ per b. */
__global__ void scalar_backward_kernel(float *dhidden, float *dw, float *db, const float *hidden, const int *pos,
                                       const float *w, const float *dout, int B, int T, int C) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float s = 0.0f, sb = 0.0f;
    for (int b = 0; b < B; b++) {
        long off = ((long)b * T + pos[b]) * C + c;
        float d = dout[b];
        s += d * hidden[off];
        dhidden[off] += d * w[c];
        sb += d;
    }
    dw[c] += s;
    if (c == 0) db[0] += sb;
}

void k_scalar_backward(float *dhidden, float *dw, float *db, const float *hidden, const int *pos, const float *w,
                       const float *dout, int B, int T, int C, cudaStream_t st) {
    scalar_backward_kernel<<<cuda_ceil_div(C, 256), 256, 0, st>>>(dhidden, dw, db, hidden, pos, w, dout, B, T, C);
}

__global__ void value_forward_kernel(float *out, const float *hidden, const float *w, const float *bias, int N,
                                     int C) {
    int i = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP, lane = threadIdx.x % WARP;
    if (i >= N) return;
    const float *h = hidden + (long)i * C;
    float s = 0.0f;
    for (int c = lane; c < C; c += WARP) s += h[c] * w[c];
    s = warp_sum(s);
    if (lane == 0) out[i] = s + bias[0];
}

void k_value_forward(float *out, const float *hidden, const float *w, const float *bias, int N, int C,
                     cudaStream_t st) {
    value_forward_kernel<<<cuda_ceil_div(N, 8), 256, 0, st>>>(out, hidden, w, bias, N, C);
}

__global__ void value_dhidden_kernel(float *dhidden, const float *w, const float *dout, int N, int C) {
    long n = (long)N * C;
    for (long k = blockIdx.x * (long)blockDim.x + threadIdx.x; k < n; k += (long)gridDim.x * blockDim.x)
        dhidden[k] += dout[k / C] * w[k % C];
}

/* db[0] += Σ dout in row order: one block, strided partials, fixed-order tree. */
__global__ void sum_into_kernel(float *db, const float *x, int n) {
    __shared__ float part[256];
    float s = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
    part[threadIdx.x] = s;
    __syncthreads();
    for (int h = blockDim.x / 2; h > 0; h >>= 1) {
        if (threadIdx.x < h) part[threadIdx.x] += part[threadIdx.x + h];
        __syncthreads();
    }
    if (threadIdx.x == 0) db[0] += part[0];
}

void k_value_backward(float *dhidden, float *dw, float *db, const float *hidden, const float *w, const float *dout,
                      int N, int C, cudaStream_t st) {
    value_dhidden_kernel<<<grid_for((long)N * C, 256), 256, 0, st>>>(dhidden, w, dout, N, C);
    colsum(dw, N, C, WeightedRows{hidden, dout, C}, st);
    sum_into_kernel<<<1, 256, 0, st>>>(db, dout, N);
}

/* ---- optimizer -------------------------------------------------------------------- */

__global__ void adamw_kernel(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2,
                             float bc1, float bc2, float eps, float wd) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        adamw_elem(&p[i], &m[i], &v[i], g[i], lr, b1, b2, bc1, bc2, eps, wd);
}

void k_adamw(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2, float bc1,
             float bc2, float eps, float wd, cudaStream_t st) {
    adamw_kernel<<<grid_for((long)n, 256), 256, 0, st>>>(p, g, m, v, n, lr, b1, b2, bc1, bc2, eps, wd);
}

/* Fixed grid and fixed per-block tree: the same sum for the same input. */
__global__ void sumsq_partial_kernel(double *partial, const float *g, size_t n) {
    __shared__ double part[256];
    double s = 0.0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        s += (double)g[i] * (double)g[i];
    part[threadIdx.x] = s;
    __syncthreads();
    for (int h = blockDim.x / 2; h > 0; h >>= 1) {
        if (threadIdx.x < h) part[threadIdx.x] += part[threadIdx.x + h];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = part[0];
}

__global__ void sum_partials_kernel(double *out, const double *partial, int n) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        double s = 0.0;
        for (int i = 0; i < n; i++) s += partial[i];
        out[0] = s;
    }
}

void k_sumsq(double *out, double *partial, const float *g, size_t n, cudaStream_t st) {
    sumsq_partial_kernel<<<K_NORM_BLOCKS, 256, 0, st>>>(partial, g, n);
    sum_partials_kernel<<<1, 32, 0, st>>>(out, partial, K_NORM_BLOCKS);
}

__global__ void scale_kernel(float *x, float s, size_t n) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        x[i] *= s;
}

void k_scale(float *x, float s, size_t n, cudaStream_t st) {
    scale_kernel<<<grid_for((long)n, 256), 256, 0, st>>>(x, s, n);
}

/* ---- KV cache helpers --------------------------------------------------------------- */

__global__ void kv_store_kernel(float *kbase, float *vbase, const float *qkv, const int *rows_b, int rows_per_b,
                                int n_b, int slot0, size_t row_stride, int Tc, int C, int NH) {
    int hs = C / NH;
    long n = (long)n_b * rows_per_b * C;
    for (long k = blockIdx.x * (long)blockDim.x + threadIdx.x; k < n; k += (long)gridDim.x * blockDim.x) {
        long r = k / C;            /* qkv row */
        int c = (int)(k - r * C);  /* channel within k (or v) */
        int ib = (int)(r / rows_per_b), t = (int)(r - (long)ib * rows_per_b);
        int b = rows_b ? rows_b[ib] : ib, h = c / hs, d = c - h * hs;
        size_t dst = (size_t)b * row_stride + ((size_t)h * Tc + slot0 + t) * hs + d;
        kbase[dst] = qkv[r * 3 * C + C + c];
        vbase[dst] = qkv[r * 3 * C + 2 * C + c];
    }
}

void k_kv_store(float *kbase, float *vbase, const float *qkv, const int *rows_b, int rows_per_b, int n_b,
                int slot0, size_t row_stride, int Tc, int C, int NH, cudaStream_t st) {
    kv_store_kernel<<<grid_for((long)n_b * rows_per_b * C, 256), 256, 0, st>>>(
        kbase, vbase, qkv, rows_b, rows_per_b, n_b, slot0, row_stride, Tc, C, NH);
}

__global__ void gather_rows_kernel(float *dst, const float *src, const int *rows, int n, int C) {
    long total = (long)n * C;
    for (long k = blockIdx.x * (long)blockDim.x + threadIdx.x; k < total; k += (long)gridDim.x * blockDim.x) {
        long i = k / C;
        dst[k] = src[(long)rows[i] * C + (k - i * C)];
    }
}

void k_gather_rows(float *dst, const float *src, const int *rows, int n, int C, cudaStream_t st) {
    gather_rows_kernel<<<grid_for((long)n * C, 256), 256, 0, st>>>(dst, src, rows, n, C);
}
