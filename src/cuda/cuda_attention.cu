/* cuda_attention.cu — fused causal attention with the padding mask (flash-
 * attention style: scores never reach global memory), its backward by
 * recomputation from the saved log-sum-exp, and the decode-step attention over
 * the KV cache.
 *
 * Geometry (cuda_plan.h): a block owns ATT_TILE rows of one (batch row, head);
 * ATT_WARPS warps own ATT_ROWS_PER_WARP rows each. For each tile of the other
 * side, lane j computes the score of column j by a dot product over shared
 * memory, the warp reduces max / sum by shuffles, and lane j then owns head
 * dimensions d = lane + 32·i (i < ND) of the row's accumulators. fp32 CUDA-core
 * math throughout: the TF32 tensor cores serve the GEMMs only.
 *
 * Backward (FlashAttention-2's recurrences, split so nothing is atomic):
 *   P = exp(scale·q·k − lse), D_t = Σ_d dO·O, dS = P·(dO·v − D_t)
 *   dV_s = Σ_t P dO_t, dK_s = scale·Σ_t dS q_t   (kernel over key tiles)
 *   dQ_t = scale·Σ_s dS k_s                      (kernel over query tiles) */
#include "cuda/cuda_kernels.cuh"
#include "cuda/cuda_plan.h"

#define FULL 0xffffffffu
#define ROWS ATT_ROWS_PER_WARP

__device__ __forceinline__ float att_warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL, v, o));
    return v;
}
__device__ __forceinline__ float att_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL, v, o);
    return v;
}

/* Loads tile rows [r0, r0+ATT_TILE) of one head's q, k or v (offset `part`·C in a
 * qkv row) or of a (B,T,C) tensor (ld C) into dst with pitch P; zeros past T. */
__device__ __forceinline__ void load_tile(float *dst, const float *src, long ld, int r0, int T, int hs, int P) {
    for (int idx = threadIdx.x; idx < ATT_TILE * hs; idx += blockDim.x) {
        int r = idx / hs, d = idx - r * hs, t = r0 + r;
        dst[r * P + d] = t < T ? src[(long)t * ld + d] : 0.0f;
    }
}

/* ---- forward ------------------------------------------------------------------ */

template <int ND>
__global__ void __launch_bounds__(ATT_WARPS * 32)
att_fwd_kernel(float *out, float *lse, const float *qkv, const uint8_t *mask, int T, int C, int NH, float scale) {
    extern __shared__ float smem[];
    const int hs = C / NH, P = cuda_att_pitch(hs), bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const int q0 = blockIdx.x * ATT_TILE, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const long ld = 3L * C;
    const float *qb = qkv + (long)b * T * ld + h * hs;
    const uint8_t *mk = mask ? mask + (long)b * T : nullptr;
    float *Qs = smem, *Ks = Qs + ATT_TILE * P, *Vs = Ks + ATT_TILE * P;
    load_tile(Qs, qb, ld, q0, T, hs, P);

    float acc[ROWS][ND], m[ROWS], l[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        m[r] = -INFINITY;
        l[r] = 0.0f;
#pragma unroll
        for (int i = 0; i < ND; i++) acc[r][i] = 0.0f;
    }
    const int ntiles = cuda_att_key_tiles(q0, T);
    for (int kt = 0; kt < ntiles; kt++) {
        const int k0 = kt * ATT_TILE;
        __syncthreads(); /* the previous tile is consumed */
        load_tile(Ks, qb + C, ld, k0, T, hs, P);
        load_tile(Vs, qb + 2 * C, ld, k0, T, hs, P);
        __syncthreads();
#pragma unroll
        for (int r = 0; r < ROWS; r++) {
            const int qr = warp * ROWS + r, t = q0 + qr, s = k0 + lane;
            if (t >= T) continue; /* warp-uniform */
            float score = -INFINITY;
            if (s < T && cuda_att_visible(mk, t, s)) {
                float dot = 0.0f;
                for (int d = 0; d < hs; d++) dot += Qs[qr * P + d] * Ks[lane * P + d];
                score = dot * scale;
            }
            const float mt = att_warp_max(score);
            if (mt == -INFINITY) continue; /* nothing visible in this tile: warp-uniform */
            const float mnew = fmaxf(m[r], mt), corr = expf(m[r] - mnew); /* exp(−inf) = 0 on the first tile */
            const float p = score == -INFINITY ? 0.0f : expf(score - mnew);
            l[r] = l[r] * corr + att_warp_sum(p);
            m[r] = mnew;
#pragma unroll
            for (int i = 0; i < ND; i++) acc[r][i] *= corr;
#pragma unroll 4
            for (int j = 0; j < ATT_TILE; j++) {
                const float pj = __shfl_sync(FULL, p, j);
                if (pj == 0.0f) continue; /* warp-uniform: pj is broadcast */
#pragma unroll
                for (int i = 0; i < ND; i++) {
                    const int d = lane + 32 * i;
                    if (d < hs) acc[r][i] += pj * Vs[j * P + d];
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int t = q0 + warp * ROWS + r;
        if (t >= T) continue;
        float *o = out + ((long)b * T + t) * C + h * hs;
        const float inv = 1.0f / l[r]; /* l ≥ 1: every query sees itself */
#pragma unroll
        for (int i = 0; i < ND; i++) {
            const int d = lane + 32 * i;
            if (d < hs) o[d] = acc[r][i] * inv;
        }
        if (lane == 0) lse[(long)bh * T + t] = m[r] + logf(l[r]);
    }
}

/* ---- backward ------------------------------------------------------------------ */

/* delta (B,NH,T) = Σ_d dout·out per (row, head): one warp each. */
__global__ void att_delta_kernel(float *delta, const float *dout, const float *out, int B, int T, int C, int NH) {
    const long w = blockIdx.x * (long)(blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x % 32, hs = C / NH;
    if (w >= (long)B * NH * T) return;
    const int t = (int)(w % T);
    const long bh = w / T;
    const int b = (int)(bh / NH), h = (int)(bh % NH);
    const long off = ((long)b * T + t) * C + h * hs;
    float s = 0.0f;
    for (int d = lane; d < hs; d += 32) s += dout[off + d] * out[off + d];
    s = att_warp_sum(s);
    if (lane == 0) delta[w] = s;
}

/* One block per key tile: dK, dV of its ATT_TILE key rows, walking every query tile at or after it. */
template <int ND>
__global__ void __launch_bounds__(ATT_WARPS * 32)
att_bwd_kv_kernel(float *dqkv, const float *dout, const float *qkv, const float *lse, const float *delta,
                  const uint8_t *mask, int T, int C, int NH, float scale) {
    extern __shared__ float smem[];
    const int hs = C / NH, P = cuda_att_pitch(hs), bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const int k0 = blockIdx.x * ATT_TILE, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const long ld = 3L * C;
    const float *qb = qkv + (long)b * T * ld + h * hs, *dob = dout + (long)b * T * C + h * hs;
    const uint8_t *mk = mask ? mask + (long)b * T : nullptr;
    float *Ks = smem, *Vs = Ks + ATT_TILE * P, *Qs = Vs + ATT_TILE * P, *dOs = Qs + ATT_TILE * P;
    float *lse_s = dOs + ATT_TILE * P, *D_s = lse_s + ATT_TILE;
    load_tile(Ks, qb + C, ld, k0, T, hs, P);
    load_tile(Vs, qb + 2 * C, ld, k0, T, hs, P);

    float dk[ROWS][ND], dv[ROWS][ND];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
#pragma unroll
        for (int i = 0; i < ND; i++) dk[r][i] = dv[r][i] = 0.0f;

    const int nq = cuda_ceil_div(T, ATT_TILE);
    for (int qt = blockIdx.x; qt < nq; qt++) { /* causality: queries before k0 see none of these keys */
        const int q0 = qt * ATT_TILE;
        __syncthreads();
        load_tile(Qs, qb, ld, q0, T, hs, P);
        load_tile(dOs, dob, C, q0, T, hs, P);
        if (threadIdx.x < ATT_TILE) {
            const int t = q0 + threadIdx.x;
            lse_s[threadIdx.x] = t < T ? lse[(long)bh * T + t] : 0.0f;
            D_s[threadIdx.x] = t < T ? delta[(long)bh * T + t] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int r = 0; r < ROWS; r++) {
            const int kr = warp * ROWS + r, s = k0 + kr, t = q0 + lane;
            if (s >= T) continue; /* warp-uniform */
            float p = 0.0f, ds = 0.0f;
            if (t < T && cuda_att_visible(mk, t, s)) {
                float qk = 0.0f, dp = 0.0f;
                for (int d = 0; d < hs; d++) {
                    qk += Qs[lane * P + d] * Ks[kr * P + d];
                    dp += dOs[lane * P + d] * Vs[kr * P + d];
                }
                p = expf(qk * scale - lse_s[lane]);
                ds = p * (dp - D_s[lane]);
            }
#pragma unroll 4
            for (int j = 0; j < ATT_TILE; j++) {
                const float pj = __shfl_sync(FULL, p, j), dsj = __shfl_sync(FULL, ds, j);
                if (pj == 0.0f && dsj == 0.0f) continue; /* warp-uniform */
#pragma unroll
                for (int i = 0; i < ND; i++) {
                    const int d = lane + 32 * i;
                    if (d < hs) {
                        dv[r][i] += pj * dOs[j * P + d];
                        dk[r][i] += dsj * Qs[j * P + d];
                    }
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int s = k0 + warp * ROWS + r;
        if (s >= T) continue;
        float *g = dqkv + ((long)b * T + s) * ld + h * hs;
#pragma unroll
        for (int i = 0; i < ND; i++) {
            const int d = lane + 32 * i;
            if (d < hs) {
                g[C + d] = dk[r][i] * scale;
                g[2 * C + d] = dv[r][i];
            }
        }
    }
}

/* One block per query tile: dQ of its ATT_TILE query rows over the key tiles it sees. */
template <int ND>
__global__ void __launch_bounds__(ATT_WARPS * 32)
att_bwd_q_kernel(float *dqkv, const float *dout, const float *qkv, const float *lse, const float *delta,
                 const uint8_t *mask, int T, int C, int NH, float scale) {
    extern __shared__ float smem[];
    const int hs = C / NH, P = cuda_att_pitch(hs), bh = blockIdx.y, b = bh / NH, h = bh % NH;
    const int q0 = blockIdx.x * ATT_TILE, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const long ld = 3L * C;
    const float *qb = qkv + (long)b * T * ld + h * hs, *dob = dout + (long)b * T * C + h * hs;
    const uint8_t *mk = mask ? mask + (long)b * T : nullptr;
    float *Qs = smem, *dOs = Qs + ATT_TILE * P, *Ks = dOs + ATT_TILE * P, *Vs = Ks + ATT_TILE * P;
    float *lse_s = Vs + ATT_TILE * P, *D_s = lse_s + ATT_TILE;
    load_tile(Qs, qb, ld, q0, T, hs, P);
    load_tile(dOs, dob, C, q0, T, hs, P);
    if (threadIdx.x < ATT_TILE) {
        const int t = q0 + threadIdx.x;
        lse_s[threadIdx.x] = t < T ? lse[(long)bh * T + t] : 0.0f;
        D_s[threadIdx.x] = t < T ? delta[(long)bh * T + t] : 0.0f;
    }
    float dq[ROWS][ND];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
#pragma unroll
        for (int i = 0; i < ND; i++) dq[r][i] = 0.0f;

    const int ntiles = cuda_att_key_tiles(q0, T);
    for (int kt = 0; kt < ntiles; kt++) {
        const int k0 = kt * ATT_TILE;
        __syncthreads();
        load_tile(Ks, qb + C, ld, k0, T, hs, P);
        load_tile(Vs, qb + 2 * C, ld, k0, T, hs, P);
        __syncthreads();
#pragma unroll
        for (int r = 0; r < ROWS; r++) {
            const int qr = warp * ROWS + r, t = q0 + qr, s = k0 + lane;
            if (t >= T) continue;
            float ds = 0.0f;
            if (s < T && cuda_att_visible(mk, t, s)) {
                float qk = 0.0f, dp = 0.0f;
                for (int d = 0; d < hs; d++) {
                    qk += Qs[qr * P + d] * Ks[lane * P + d];
                    dp += dOs[qr * P + d] * Vs[lane * P + d];
                }
                const float p = expf(qk * scale - lse_s[qr]);
                ds = p * (dp - D_s[qr]);
            }
#pragma unroll 4
            for (int j = 0; j < ATT_TILE; j++) {
                const float dsj = __shfl_sync(FULL, ds, j);
                if (dsj == 0.0f) continue;
#pragma unroll
                for (int i = 0; i < ND; i++) {
                    const int d = lane + 32 * i;
                    if (d < hs) dq[r][i] += dsj * Ks[j * P + d];
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int t = q0 + warp * ROWS + r;
        if (t >= T) continue;
        float *g = dqkv + ((long)b * T + t) * ld + h * hs;
#pragma unroll
        for (int i = 0; i < ND; i++) {
            const int d = lane + 32 * i;
            if (d < hs) g[d] = dq[r][i] * scale;
        }
    }
}

/* ---- launchers ------------------------------------------------------------------ */

#define FWD_TILES 3
#define BWD_TILES 4

template <int ND>
static cudaError_t setup_nd(int hs) {
    /* above 48 KiB a kernel must opt in to more dynamic shared memory */
    cudaError_t e = cudaFuncSetAttribute(att_fwd_kernel<ND>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         cuda_att_smem_bytes(hs, FWD_TILES));
    if (e == cudaSuccess)
        e = cudaFuncSetAttribute(att_bwd_kv_kernel<ND>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 cuda_att_smem_bytes(hs, BWD_TILES));
    if (e == cudaSuccess)
        e = cudaFuncSetAttribute(att_bwd_q_kernel<ND>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 cuda_att_smem_bytes(hs, BWD_TILES));
    return e;
}

int k_attention_setup(int hs) {
    cudaError_t e;
    switch (cuda_att_nd(hs)) {
    case 1: e = setup_nd<1>(hs); break;
    case 2: e = setup_nd<2>(hs); break;
    case 3: e = setup_nd<3>(hs); break;
    case 4: e = setup_nd<4>(hs); break;
    default: return -1;
    }
    return e == cudaSuccess ? 0 : -1;
}

void k_attention_forward(float *out, float *lse, const float *qkv, const uint8_t *mask, int B, int T, int C, int NH,
                         cudaStream_t st) {
    const int hs = C / NH;
    const float scale = 1.0f / sqrtf((float)hs);
    const dim3 grid(cuda_ceil_div(T, ATT_TILE), B * NH);
    const int smem = cuda_att_smem_bytes(hs, FWD_TILES), th = ATT_WARPS * 32;
    switch (cuda_att_nd(hs)) {
    case 1: att_fwd_kernel<1><<<grid, th, smem, st>>>(out, lse, qkv, mask, T, C, NH, scale); break;
    case 2: att_fwd_kernel<2><<<grid, th, smem, st>>>(out, lse, qkv, mask, T, C, NH, scale); break;
    case 3: att_fwd_kernel<3><<<grid, th, smem, st>>>(out, lse, qkv, mask, T, C, NH, scale); break;
    case 4: att_fwd_kernel<4><<<grid, th, smem, st>>>(out, lse, qkv, mask, T, C, NH, scale); break;
    default: break; /* rejected by k_attention_setup at create */
    }
}

void k_attention_backward(float *dqkv, float *delta, const float *dout, const float *out, const float *qkv,
                          const float *lse, const uint8_t *mask, int B, int T, int C, int NH, cudaStream_t st) {
    const int hs = C / NH;
    const float scale = 1.0f / sqrtf((float)hs);
    const long rows = (long)B * NH * T;
    att_delta_kernel<<<cuda_ceil_div(rows, 8), 256, 0, st>>>(delta, dout, out, B, T, C, NH);
    const dim3 grid(cuda_ceil_div(T, ATT_TILE), B * NH);
    const int smem = cuda_att_smem_bytes(hs, BWD_TILES), th = ATT_WARPS * 32;
#define ATT_BWD(ND)                                                                                            \
    do {                                                                                                       \
        att_bwd_kv_kernel<ND><<<grid, th, smem, st>>>(dqkv, dout, qkv, lse, delta, mask, T, C, NH, scale);     \
        att_bwd_q_kernel<ND><<<grid, th, smem, st>>>(dqkv, dout, qkv, lse, delta, mask, T, C, NH, scale);      \
    } while (0)
    switch (cuda_att_nd(hs)) {
    case 1: ATT_BWD(1); break;
    case 2: ATT_BWD(2); break;
    case 3: ATT_BWD(3); break;
    case 4: ATT_BWD(4); break;
    default: break;
    }
#undef ATT_BWD
}

/* ---- decode step over the KV cache -----------------------------------------------
 * One warp per (compact row, head): scores of every valid slot into shared
 * memory (lane s handles slots s, s+32, ...), warp max / sum, then lane d owns
 * output dimensions d, d+32, ... */
__global__ void kv_attention_kernel(float *y, const float *qkv, const float *kcache, const float *vcache,
                                    const uint8_t *valid, const int *act, int nslots, int Tc, int C, int NH,
                                    size_t row_stride, float scale) {
    extern __shared__ float sc[]; /* nslots scores, then hs query values */
    const int hs = C / NH, i = blockIdx.x / NH, h = blockIdx.x % NH, lane = threadIdx.x, b = act[i];
    float *qs = sc + nslots;
    const float *q = qkv + (long)i * 3 * C + h * hs;
    const float *K = kcache + (size_t)b * row_stride + (size_t)h * Tc * hs;
    const float *V = vcache + (size_t)b * row_stride + (size_t)h * Tc * hs;
    const uint8_t *ok = valid + (size_t)b * Tc;
    for (int d = lane; d < hs; d += 32) qs[d] = q[d];
    __syncwarp();
    float mx = -INFINITY;
    for (int s = lane; s < nslots; s += 32) {
        float v = -INFINITY;
        if (ok[s]) {
            float dot = 0.0f;
            for (int d = 0; d < hs; d++) dot += qs[d] * K[(size_t)s * hs + d];
            v = dot * scale;
        }
        sc[s] = v;
        mx = fmaxf(mx, v);
    }
    mx = att_warp_max(mx);
    float sum = 0.0f;
    for (int s = lane; s < nslots; s += 32) {
        const float e = sc[s] == -INFINITY ? 0.0f : expf(sc[s] - mx);
        sc[s] = e;
        sum += e;
    }
    sum = att_warp_sum(sum); /* ≥ 1: the row's new token is valid */
    __syncwarp();
    const float inv = 1.0f / sum;
    for (int d = lane; d < hs; d += 32) {
        float a = 0.0f;
        for (int s = 0; s < nslots; s++) a += sc[s] * V[(size_t)s * hs + d];
        y[(long)i * C + h * hs + d] = a * inv;
    }
}

void k_kv_attention(float *y, const float *qkv, const float *kcache, const float *vcache, const uint8_t *valid,
                    const int *act, int n, int nslots, int Tc, int C, int NH, size_t row_stride, cudaStream_t st) {
    const int hs = C / NH;
    const size_t smem = (size_t)(nslots + hs) * sizeof(float);
    kv_attention_kernel<<<n * NH, 32, smem, st>>>(y, qkv, kcache, vcache, valid, act, nslots, Tc, C, NH, row_stride,
                                                  1.0f / sqrtf((float)hs));
}

/* ---- attention through batched GEMMs ------------------------------------------------
 * The other way to the same function: the scores of one layer are materialised,
 * (B,NH,T,T), and the four products run on the tensor cores (TF32) as strided
 * batched GEMMs (cuda_gpt2.cu). These kernels do what is left: heads out of and
 * back into the (B,T,·) rows, the masked softmax and its backward. Nothing of it
 * is kept between forward and backward beyond the log-sum-exp the fused kernels
 * keep too: the backward recomputes the scores. */

/* Head layout (B,NH,T,hs) index of element c of row bt = b·T + t of a (B,T,C) tensor. */
__device__ __forceinline__ long att_head_index(long bt, int c, int T, int NH, int hs) {
    const long b = bt / T;
    const int t = (int)(bt - b * T), h = c / hs, d = c - h * hs;
    return ((b * NH + h) * T + t) * hs + d;
}

/* to_heads = 1: dst (B,NH,T,hs) ← src rows of width ld at column offset col0; 0: back. */
__global__ void att_heads_kernel(float *heads, float *rows, int to_heads, long n, int T, int C, int NH, long ld,
                                 int col0) {
    const long idx = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (idx >= n) return;
    const long bt = idx / C;
    const int c = (int)(idx - bt * C);
    const long o = att_head_index(bt, c, T, NH, C / NH);
    float *r = rows + bt * ld + col0 + c;
    if (to_heads) heads[o] = *r;
    else *r = heads[o];
}

void k_att_to_heads(float *heads, const float *rows, long ld, int col0, int B, int T, int C, int NH, cudaStream_t st) {
    const long n = (long)B * T * C;
    att_heads_kernel<<<cuda_ceil_div(n, 256), 256, 0, st>>>(heads, (float *)rows, 1, n, T, C, NH, ld, col0);
}

void k_att_from_heads(float *rows, long ld, int col0, const float *heads, int B, int T, int C, int NH,
                      cudaStream_t st) {
    const long n = (long)B * T * C;
    att_heads_kernel<<<cuda_ceil_div(n, 256), 256, 0, st>>>((float *)heads, rows, 0, n, T, C, NH, ld, col0);
}

/* Scores (B,NH,T,T) → probabilities in place, one warp per query row; lse (B,NH,T).
 * Invisible entries (later keys, pads) become 0 so the P·V product can run over
 * whole rows. */
__global__ void att_softmax_kernel(float *att, float *lse, const uint8_t *mask, long rows, int T, int NH) {
    const long w = blockIdx.x * (long)(blockDim.x / 32) + threadIdx.x / 32;
    if (w >= rows) return;
    const int lane = threadIdx.x % 32, t = (int)(w % T);
    const uint8_t *mk = mask ? mask + (w / T / NH) * T : nullptr;
    float *row = att + w * T;
    float mx = -INFINITY;
    for (int s = lane; s <= t; s += 32)
        if (cuda_att_visible(mk, t, s)) mx = fmaxf(mx, row[s]);
    mx = att_warp_max(mx); /* finite: every query sees itself */
    float sum = 0.0f;
    for (int s = lane; s <= t; s += 32)
        if (cuda_att_visible(mk, t, s)) sum += expf(row[s] - mx);
    sum = att_warp_sum(sum);
    const float inv = 1.0f / sum;
    for (int s = lane; s < T; s += 32) row[s] = s <= t && cuda_att_visible(mk, t, s) ? expf(row[s] - mx) * inv : 0.0f;
    if (lane == 0) lse[w] = mx + logf(sum);
}

void k_att_softmax(float *att, float *lse, const uint8_t *mask, int B, int T, int NH, cudaStream_t st) {
    const long rows = (long)B * NH * T;
    att_softmax_kernel<<<cuda_ceil_div(rows, 8), 256, 0, st>>>(att, lse, mask, rows, T, NH);
}

/* Backward, element-wise over (B,NH,T,T): prob = 1 recomputes P = exp(S − lse)
 * from the scores in att (in place); prob = 0 turns dP in att into
 * dS = P·(dP − D) with P from p and D = delta (B,NH,T). */
__global__ void att_bwd_elem_kernel(float *att, const float *p, const float *lse_or_delta, const uint8_t *mask,
                                    long n, int T, int NH, int prob) {
    const long idx = blockIdx.x * (long)blockDim.x + threadIdx.x;
    if (idx >= n) return;
    const long w = idx / T;
    const int s = (int)(idx - w * T), t = (int)(w % T);
    if (prob) {
        const uint8_t *mk = mask ? mask + (w / T / NH) * T : nullptr;
        att[idx] = s <= t && cuda_att_visible(mk, t, s) ? expf(att[idx] - lse_or_delta[w]) : 0.0f;
    } else {
        att[idx] = p[idx] * (att[idx] - lse_or_delta[w]); /* p is 0 where nothing is visible */
    }
}

void k_att_probs(float *att, const float *lse, const uint8_t *mask, int B, int T, int NH, cudaStream_t st) {
    const long n = (long)B * NH * T * T;
    att_bwd_elem_kernel<<<cuda_ceil_div(n, 256), 256, 0, st>>>(att, nullptr, lse, mask, n, T, NH, 1);
}

void k_att_dscores(float *datt, const float *p, const float *delta, int B, int T, int NH, cudaStream_t st) {
    const long n = (long)B * NH * T * T;
    att_bwd_elem_kernel<<<cuda_ceil_div(n, 256), 256, 0, st>>>(datt, p, delta, nullptr, n, T, NH, 0);
}

void k_att_delta(float *delta, const float *dout, const float *out, int B, int T, int C, int NH, cudaStream_t st) {
    const long rows = (long)B * NH * T;
    att_delta_kernel<<<cuda_ceil_div(rows, 8), 256, 0, st>>>(delta, dout, out, B, T, C, NH);
}
