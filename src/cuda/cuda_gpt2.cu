/* cuda_gpt2.cu — the device GPT-2: arenas, activations, forward, heads,
 * backward and AdamW, composed exactly as model/gpt2.c composes layers.c (same
 * order of operations, same buffers), with cuBLAS for the products and the
 * kernels of cuda_kernels.cu / cuda_attention.cu for the rest. */
#include "cuda/cuda_internal.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Contract violations abort, as in gpt2.c. */
static void contract_fail(const char *what) {
    fprintf(stderr, "cuda_gpt2: contract violation: %s\n", what);
    abort();
}

/* ---- errors -------------------------------------------------------------------- */

int cuda_fail(CudaGPT2 *g, const char *where, const char *what) {
    if (!g->failed) snprintf(g->err, sizeof g->err, "%s: %s", where, what);
    g->failed = 1;
    return -1;
}

int cuda_check(CudaGPT2 *g, cudaError_t rc, const char *where) {
    if (rc == cudaSuccess) return 0;
    return cuda_fail(g, where, cudaGetErrorString(rc));
}

int cuda_check_blas(CudaGPT2 *g, cublasStatus_t rc, const char *where) {
    if (rc == CUBLAS_STATUS_SUCCESS) return 0;
    char msg[64];
    snprintf(msg, sizeof msg, "cuBLAS status %d", (int)rc);
    return cuda_fail(g, where, msg);
}

const char *cuda_gpt2_error(const CudaGPT2 *g) { return g && g->failed ? g->err : NULL; }

static int report(CudaGPT2 *g, RlhfErr *e) { return g->failed ? rlhf_err(e, "cuda: %s", g->err) : 0; }

/* Host → device for state the kernels on g->st read (weights, moments): after
 * the queued work, on the stream, and finished before returning. A plain
 * cudaMemcpy from pageable memory may return before its DMA has landed, and
 * g->st (non-blocking) is not ordered after it. */
static void h2d_ordered(CudaGPT2 *g, void *dst, const void *src, size_t bytes) {
    if (!g->failed) CK(g, cudaStreamSynchronize(g->st));
    if (!g->failed) CK(g, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, g->st));
    if (!g->failed) CK(g, cudaStreamSynchronize(g->st));
}

int cuda_backend_built(void) { return 1; }

int cuda_device_available(char *name, size_t cap) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n < 1) {
        cudaGetLastError(); /* clear the sticky "no device" error */
        return 0;
    }
    if (name && cap) {
        cudaDeviceProp prop;
        if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) snprintf(name, cap, "%s", prop.name);
        else name[0] = 0;
    }
    return 1;
}

/* ---- GEMM ------------------------------------------------------------------------ */

void cuda_gemm(CudaGPT2 *g, CudaGemm pl, const float *A, const float *B, float *C, float beta) {
    if (g->failed) return;
    const float one = 1.0f;
    cublasStatus_t rc = cublasGemmEx(g->blas, pl.transa ? CUBLAS_OP_T : CUBLAS_OP_N,
                                     pl.transb ? CUBLAS_OP_T : CUBLAS_OP_N, pl.m, pl.n, pl.k, &one, A, CUDA_R_32F,
                                     pl.lda, B, CUDA_R_32F, pl.ldb, &beta, C, CUDA_R_32F, pl.ldc,
                                     g->tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F,
                                     CUBLAS_GEMM_DEFAULT);
    cuda_check_blas(g, rc, "cublasGemmEx");
}

void cuda_linear_fwd(CudaGPT2 *g, float *out, const float *inp, const float *w, const float *bias,
                     const float *residual, int N, int IC, int OC) {
    /* seed out with residual + bias, then accumulate the product (beta 1), as layers.c */
    int seeded = bias || residual;
    if (seeded) k_seed_bias_residual(out, bias, residual, N, OC, g->st);
    cuda_gemm(g, cuda_plan_linear_fwd(N, IC, OC), w, inp, out, seeded ? 1.0f : 0.0f);
}

/* dinp (N,IC) (+)= dout·w; dw += doutᵀ·inp; db += Σ dout. */
static void linear_bwd(CudaGPT2 *g, float *dinp, float *dw, float *db, const float *dout, const float *inp,
                       const float *w, int N, int IC, int OC, int accumulate) {
    cuda_gemm(g, cuda_plan_linear_dinp(N, IC, OC), w, dout, dinp, accumulate ? 1.0f : 0.0f);
    cuda_gemm(g, cuda_plan_linear_dw(N, IC, OC), inp, dout, dw, 1.0f);
    if (db) k_bias_backward(db, dout, N, OC, g->st);
}

/* ---- attention through batched GEMMs (CUDA_ATT_GEMM) --------------------------------- */

/* Row-major C_i (M,N) = alpha·op(A_i)·op(B_i) + beta·C_i for i < batch, each
 * operand at a fixed stride (cuda_plan_rowmajor; ld* = row strides as stored). */
static void gemm_batched(CudaGPT2 *g, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                         long long sa, const float *B, int ldb, long long sb, float beta, float *C, int ldc,
                         long long sc, int batch) {
    if (g->failed) return;
    const CudaGemm pl = cuda_plan_rowmajor(ta, tb, M, N, K, lda, ldb, ldc); /* cuBLAS's A is our B */
    cublasStatus_t rc = cublasGemmStridedBatchedEx(
        g->blas, pl.transa ? CUBLAS_OP_T : CUBLAS_OP_N, pl.transb ? CUBLAS_OP_T : CUBLAS_OP_N, pl.m, pl.n, pl.k, &alpha,
        B, CUDA_R_32F, pl.lda, sb, A, CUDA_R_32F, pl.ldb, sa, &beta, C, CUDA_R_32F, pl.ldc, sc, batch,
        g->tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    cuda_check_blas(g, rc, "cublasGemmStridedBatchedEx");
}

static int use_gemm_attention(const CudaGPT2 *g, int B, int T) {
    if (g->att_mode != CUDA_ATT_AUTO) return g->att_mode == CUDA_ATT_GEMM;
    return 2.0 * B * g->cfg.n_head * (double)T * T * sizeof(float) <= CUDA_ATT_GEMM_MAX_BYTES;
}

/* Scratch for one layer at (B,T): 4 head tensors and the scores; with grads 3
 * more head tensors and the scores' gradient. Grown, never shrunk. */
static int att_scratch(CudaGPT2 *g, int B, int T, int grads) {
    const size_t NC = (size_t)B * T * g->cfg.n_embd, TT = (size_t)B * g->cfg.n_head * T * T;
    const size_t need = (grads ? 7 : 4) * NC + (grads ? 2 : 1) * TT;
    if (need > g->att_cap) {
        CK(g, cudaStreamSynchronize(g->st));
        cudaFree(g->att_mem);
        g->att_mem = NULL;
        g->att_cap = 0;
        if (CK(g, cudaMalloc(&g->att_mem, need * sizeof(float)))) return -1;
        g->att_cap = need;
    }
    float *p = g->att_mem;
    g->ah_q = p; p += NC;
    g->ah_k = p; p += NC;
    g->ah_v = p; p += NC;
    g->ah_y = p; p += NC;
    g->ah_s = p; p += TT;
    g->ah_dq = grads ? p : NULL; p += grads ? NC : 0;
    g->ah_dk = grads ? p : NULL; p += grads ? NC : 0;
    g->ah_dv = grads ? p : NULL; p += grads ? NC : 0;
    g->ah_ds = grads ? p : NULL;
    return 0;
}

/* out (B,T,C), lse (B,NH,T) from qkv (B,T,3C): S = scale·Q·Kᵀ, P = masked softmax(S), Y = P·V. */
static void attention_gemm_forward(CudaGPT2 *g, float *out, float *lse, const float *qkv, const uint8_t *mask, int B,
                                   int T) {
    const int C = g->cfg.n_embd, NH = g->cfg.n_head, hs = C / NH, H = B * NH;
    const long long sh = (long long)T * hs, ss = (long long)T * T;
    if (att_scratch(g, B, T, 0)) return;
    cudaStream_t st = g->st;
    k_att_to_heads(g->ah_q, qkv, 3L * C, 0, B, T, C, NH, st);
    k_att_to_heads(g->ah_k, qkv, 3L * C, C, B, T, C, NH, st);
    k_att_to_heads(g->ah_v, qkv, 3L * C, 2 * C, B, T, C, NH, st);
    gemm_batched(g, 0, 1, T, T, hs, 1.0f / sqrtf((float)hs), g->ah_q, hs, sh, g->ah_k, hs, sh, 0.0f, g->ah_s, T, ss, H);
    k_att_softmax(g->ah_s, lse, mask, B, T, NH, st);
    gemm_batched(g, 0, 0, T, hs, T, 1.0f, g->ah_s, T, ss, g->ah_v, hs, sh, 0.0f, g->ah_y, hs, sh, H);
    k_att_from_heads(out, C, 0, g->ah_y, B, T, C, NH, st);
}

/* dqkv (B,T,3C) (overwritten) from dout = dY (B,T,C), recomputing P from the scores and lse:
 * dV = Pᵀ·dY, dP = dY·Vᵀ, dS = P·(dP − D), dQ = scale·dS·K, dK = scale·dSᵀ·Q. */
static void attention_gemm_backward(CudaGPT2 *g, float *dqkv, float *delta, const float *dout, const float *out,
                                    const float *qkv, const float *lse, const uint8_t *mask, int B, int T) {
    const int C = g->cfg.n_embd, NH = g->cfg.n_head, hs = C / NH, H = B * NH;
    const long long sh = (long long)T * hs, ss = (long long)T * T;
    const float scale = 1.0f / sqrtf((float)hs);
    if (att_scratch(g, B, T, 1)) return;
    cudaStream_t st = g->st;
    k_att_delta(delta, dout, out, B, T, C, NH, st);
    k_att_to_heads(g->ah_q, qkv, 3L * C, 0, B, T, C, NH, st);
    k_att_to_heads(g->ah_k, qkv, 3L * C, C, B, T, C, NH, st);
    k_att_to_heads(g->ah_v, qkv, 3L * C, 2 * C, B, T, C, NH, st);
    k_att_to_heads(g->ah_y, dout, C, 0, B, T, C, NH, st);
    gemm_batched(g, 0, 1, T, T, hs, scale, g->ah_q, hs, sh, g->ah_k, hs, sh, 0.0f, g->ah_s, T, ss, H);
    k_att_probs(g->ah_s, lse, mask, B, T, NH, st);
    gemm_batched(g, 1, 0, T, hs, T, 1.0f, g->ah_s, T, ss, g->ah_y, hs, sh, 0.0f, g->ah_dv, hs, sh, H);
    gemm_batched(g, 0, 1, T, T, hs, 1.0f, g->ah_y, hs, sh, g->ah_v, hs, sh, 0.0f, g->ah_ds, T, ss, H);
    k_att_dscores(g->ah_ds, g->ah_s, delta, B, T, NH, st);
    gemm_batched(g, 0, 0, T, hs, T, scale, g->ah_ds, T, ss, g->ah_k, hs, sh, 0.0f, g->ah_dq, hs, sh, H);
    gemm_batched(g, 1, 0, T, hs, T, scale, g->ah_ds, T, ss, g->ah_q, hs, sh, 0.0f, g->ah_dk, hs, sh, H);
    k_att_from_heads(dqkv, 3L * C, 0, g->ah_dq, B, T, C, NH, st);
    k_att_from_heads(dqkv, 3L * C, C, g->ah_dk, B, T, C, NH, st);
    k_att_from_heads(dqkv, 3L * C, 2 * C, g->ah_dv, B, T, C, NH, st);
}

/* ---- lifecycle ------------------------------------------------------------------- */

/* Device pointers for every tensor of the table (gpt2_params.c's point_params). */
static void point_params(const CudaGPT2 *g, float *mem, GPT2Params *p) {
    memset(p, 0, sizeof *p);
    if (!mem) return;
    float **slots[GPT2_NUM_BASE_TENSORS] = {&p->wte,  &p->wpe,      &p->ln1w, &p->ln1b,    &p->qkvw, &p->qkvb,
                                            &p->attprojw, &p->attprojb, &p->ln2w, &p->ln2b, &p->fcw,  &p->fcb,
                                            &p->fcprojw,  &p->fcprojb,  &p->lnfw, &p->lnfb};
    for (int i = 0; i < GPT2_NUM_BASE_TENSORS; i++) *slots[i] = mem + g->tensors[i].offset;
    for (int i = GPT2_NUM_BASE_TENSORS; i < g->n_tensors; i++) {
        const GPT2Tensor *t = &g->tensors[i];
        if (!strcmp(t->name, "scalar_w")) p->scalar_w = mem + t->offset;
        else if (!strcmp(t->name, "scalar_b")) p->scalar_b = mem + t->offset;
        else if (!strcmp(t->name, "value_w")) p->value_w = mem + t->offset;
        else if (!strcmp(t->name, "value_b")) p->value_b = mem + t->offset;
    }
}

static void free_acts(CudaGPT2 *g) {
    cudaFree(g->att_mem);
    g->att_mem = NULL;
    g->att_cap = 0;
    cudaFree(g->act_mem);
    cudaFree(g->d_tok);
    free(g->layers);
    free(g->h_tok);
    g->act_mem = NULL;
    g->d_tok = NULL;
    g->layers = NULL;
    g->h_tok = NULL;
    g->act_B = g->act_T = g->act_grads = g->B = g->T = 0;
}

void cuda_gpt2_free(CudaGPT2 *g) {
    if (!g) return;
    free_acts(g);
    cudaFree(g->param_mem);
    cudaFree(g->grad_mem);
    cudaFree(g->adam_m);
    cudaFree(g->adam_v);
    cudaFree(g->d_norm);
    if (g->blas) cublasDestroy(g->blas);
    if (g->st) cudaStreamDestroy(g->st);
    free(g);
}

CudaGPT2 *cuda_gpt2_create_from(const GPT2 *m, RlhfErr *e) {
    if (!m->param_mem) {
        rlhf_err(e, "cuda_gpt2_create_from: model has no parameters");
        return NULL;
    }
    const int hs = m->cfg.n_embd / m->cfg.n_head;
    if (hs > ATT_MAX_HS) {
        rlhf_err(e, "cuda_gpt2_create_from: head size %d (n_embd/n_head) above the fused attention's %d", hs,
                 ATT_MAX_HS);
        return NULL;
    }
    char name[256];
    if (!cuda_device_available(name, sizeof name)) {
        rlhf_err(e, "cuda: no CUDA device available");
        return NULL;
    }
    CudaGPT2 *g = (CudaGPT2 *)calloc(1, sizeof *g);
    if (!g) {
        rlhf_err(e, "cuda_gpt2_create_from: out of host memory");
        return NULL;
    }
    g->cfg = m->cfg;
    g->heads = m->heads;
    g->n_tensors = m->n_tensors;
    memcpy(g->tensors, m->tensors, sizeof g->tensors);
    g->num_params = m->num_params;
    g->tf32 = 1;
    if (!CK(g, cudaStreamCreateWithFlags(&g->st, cudaStreamNonBlocking)) &&
        !cuda_check_blas(g, cublasCreate(&g->blas), "cublasCreate") &&
        !cuda_check_blas(g, cublasSetStream(g->blas, g->st), "cublasSetStream") &&
        !CK(g, cudaMalloc(&g->param_mem, g->num_params * sizeof(float))) &&
        !CK(g, cudaMalloc(&g->d_norm, (1 + K_NORM_BLOCKS) * sizeof(double))) && k_attention_setup(hs) != 0)
        cuda_fail(g, CUDA_AT, "attention kernels: cannot reserve their shared memory");
    if (!g->failed) point_params(g, g->param_mem, &g->p);
    if (!g->failed) cuda_gpt2_upload_params(g, m, NULL);
    if (g->failed) {
        rlhf_err(e, "cuda: %s", g->err);
        cuda_gpt2_free(g);
        return NULL;
    }
    return g;
}

void cuda_gpt2_set_tf32(CudaGPT2 *g, int on) { g->tf32 = on ? 1 : 0; }
void cuda_gpt2_set_attention(CudaGPT2 *g, CudaAttention mode) { g->att_mode = (int)mode; }
size_t cuda_gpt2_num_params(const CudaGPT2 *g) { return g->num_params; }

static int same_layout(const CudaGPT2 *g, const GPT2 *m, RlhfErr *e) {
    if (memcmp(&g->cfg, &m->cfg, sizeof g->cfg) || g->heads != m->heads || g->num_params != m->num_params)
        return rlhf_err(e, "cuda: host and device models differ in config or heads");
    return 0;
}

int cuda_gpt2_upload_params(CudaGPT2 *g, const GPT2 *m, RlhfErr *e) {
    if (same_layout(g, m, e)) return -1;
    h2d_ordered(g, g->param_mem, m->param_mem, g->num_params * sizeof(float));
    return report(g, e);
}

int cuda_gpt2_download_params(CudaGPT2 *g, GPT2 *m, RlhfErr *e) {
    if (same_layout(g, m, e)) return -1;
    CK(g, cudaStreamSynchronize(g->st));
    if (!g->failed)
        CK(g, cudaMemcpy(m->param_mem, g->param_mem, g->num_params * sizeof(float), cudaMemcpyDeviceToHost));
    return report(g, e);
}

int cuda_gpt2_download_grads(CudaGPT2 *g, GPT2 *m, RlhfErr *e) {
    if (same_layout(g, m, e)) return -1;
    if (!m->grad_mem || !g->grad_mem) return rlhf_err(e, "cuda_gpt2_download_grads: no gradients reserved");
    CK(g, cudaStreamSynchronize(g->st));
    if (!g->failed)
        CK(g, cudaMemcpy(m->grad_mem, g->grad_mem, g->num_params * sizeof(float), cudaMemcpyDeviceToHost));
    return report(g, e);
}

void cuda_gpt2_sync(CudaGPT2 *g) { CK(g, cudaStreamSynchronize(g->st)); }

/* Points the activation buffers into base (or, with base NULL, counts floats). */
static size_t layout_acts(CudaGPT2 *g, float *base, int B, int T, int grads) {
    const GPT2Config *c = &g->cfg;
    size_t N = (size_t)B * T, C = (size_t)c->n_embd, V = (size_t)c->vocab_size, NHT = (size_t)B * c->n_head * T;
    size_t off = 0;
    /* 64-float (256-byte) alignment keeps every buffer aligned for vector loads and cuBLAS */
#define TAKE(ptr, n)                                 \
    do {                                             \
        if (base) (ptr) = base + off;                \
        off += ((size_t)(n) + 63) & ~(size_t)63;     \
    } while (0)
    TAKE(g->encoded, N * C);
    for (int l = 0; l < g->n_slots; l++) {
        CudaLayerActs *la = &g->layers[l];
        TAKE(la->ln1, N * C);
        TAKE(la->ln1_mean, N);
        TAKE(la->ln1_rstd, N);
        TAKE(la->qkv, N * 3 * C);
        TAKE(la->att_lse, NHT);
        TAKE(la->atty, N * C);
        TAKE(la->res2, N * C);
        TAKE(la->ln2, N * C);
        TAKE(la->ln2_mean, N);
        TAKE(la->ln2_rstd, N);
        TAKE(la->fch, N * 4 * C);
        TAKE(la->fch_gelu, N * 4 * C);
        TAKE(la->res3, N * C);
    }
    TAKE(g->lnf_mean, N);
    TAKE(g->lnf_rstd, N);
    TAKE(g->hidden, N * C);
    TAKE(g->logits, N * V);
    TAKE(g->lm_ent, N);
    TAKE(g->d_vec1, N);
    TAKE(g->d_vec2, N);
    TAKE(g->d_vec3, N);
    if (grads) {
        TAKE(g->d_hidden, N * C);
        TAKE(g->d_res, N * C);
        TAKE(g->d_a, N * 4 * C);
        TAKE(g->d_b, N * C);
        TAKE(g->att_delta, NHT);
    } else {
        if (base) g->d_hidden = g->d_res = g->d_a = g->d_b = g->att_delta = NULL;
    }
#undef TAKE
    return off;
}

int cuda_gpt2_reserve(CudaGPT2 *g, int B, int T, int need_grads, RlhfErr *e) {
    const GPT2Config *c = &g->cfg;
    if (g->failed) return report(g, e);
    if (B < 1 || T < 1) return rlhf_err(e, "cuda_gpt2_reserve: B=%d, T=%d must be positive", B, T);
    if (T > c->max_seq_len)
        return rlhf_err(e, "cuda_gpt2_reserve: T=%d exceeds the model's max_seq_len %d", T, c->max_seq_len);
    need_grads = need_grads ? 1 : 0;
    if (need_grads && !g->grad_mem) {
        if (CK(g, cudaMalloc(&g->grad_mem, g->num_params * sizeof(float))) ||
            CK(g, cudaMemset(g->grad_mem, 0, g->num_params * sizeof(float))))
            return report(g, e);
        point_params(g, g->grad_mem, &g->g);
    }
    if (g->act_mem && B <= g->act_B && T <= g->act_T && need_grads <= g->act_grads) return 0;
    int nB = RLHF_MAX(B, g->act_B), nT = RLHF_MAX(T, g->act_T), ng = RLHF_MAX(need_grads, g->act_grads);
    CK(g, cudaStreamSynchronize(g->st));
    free_acts(g);
    size_t N = (size_t)nB * nT;
    g->n_slots = ng ? c->n_layer : 1;
    g->layers = (CudaLayerActs *)calloc((size_t)g->n_slots, sizeof *g->layers);
    g->h_tok = (int *)malloc(N * (2 * sizeof(int) + 1));
    if (!g->layers || !g->h_tok) {
        free_acts(g);
        return rlhf_err(e, "cuda_gpt2_reserve: out of host memory");
    }
    g->h_pos = g->h_tok + N;
    g->h_mask = (uint8_t *)(g->h_pos + N);
    size_t nf = layout_acts(g, NULL, nB, nT, ng);
    /* int staging: tok, pos, targets, rows (N each), then the mask bytes */
    if (CK(g, cudaMalloc(&g->act_mem, nf * sizeof(float))) ||
        CK(g, cudaMalloc(&g->d_tok, N * (4 * sizeof(int) + 1)))) {
        free_acts(g);
        return rlhf_err(e, "cuda_gpt2_reserve: activations for B=%d, T=%d (%.0f MB): %s", nB, nT, nf * 4.0 / 1e6,
                        g->err);
    }
    g->d_pos = g->d_tok + N;
    g->d_targets = g->d_pos + N;
    g->d_rows = g->d_targets + N;
    g->d_mask = (uint8_t *)(g->d_rows + N);
    layout_acts(g, g->act_mem, nB, nT, ng);
    g->act_B = nB;
    g->act_T = nT;
    g->act_grads = ng;
    g->B = g->T = 0;
    return report(g, e);
}

void cuda_gpt2_zero_grad(CudaGPT2 *g) {
    if (g->grad_mem) CK(g, cudaMemsetAsync(g->grad_mem, 0, g->num_params * sizeof(float), g->st));
}

/* ---- forward ------------------------------------------------------------------------ */

static CudaLayerActs *slot(CudaGPT2 *g, int l) { return &g->layers[g->n_slots > 1 ? l : 0]; }

/* Host → device copy on the model's stream; the host buffer must stay valid until
 * the stream reaches it, so callers' arrays are copied synchronously. */
static void upload(CudaGPT2 *g, void *dst, const void *src, size_t bytes) {
    if (!g->failed) CK(g, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, g->st));
    if (!g->failed) CK(g, cudaStreamSynchronize(g->st));
}
static void download(CudaGPT2 *g, void *dst, const void *src, size_t bytes) {
    if (!g->failed) CK(g, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, g->st));
    if (!g->failed) CK(g, cudaStreamSynchronize(g->st));
}

void cuda_gpt2_forward(CudaGPT2 *g, const int *tokens, const uint8_t *mask, int B, int T) {
    const GPT2Config *c = &g->cfg;
    if (!g->act_mem || B < 1 || T < 1 || B > g->act_B || T > g->act_T)
        contract_fail("cuda_gpt2_forward: B×T beyond cuda_gpt2_reserve");
    if (g->failed) return;
    const int C = c->n_embd, NH = c->n_head, N = B * T, V = c->vocab_size;
    const GPT2Params *p = &g->p;
    g->B = B;
    g->T = T;
    /* positions count real tokens; pads embed token 0 at their row's count (gpt2.c) */
    for (int b = 0; b < B; b++) {
        int real = 0;
        for (int t = 0; t < T; t++) {
            int i = b * T + t, is_real = mask ? mask[i] != 0 : 1;
            g->h_mask[i] = (uint8_t)is_real;
            g->h_pos[i] = real;
            g->h_tok[i] = is_real ? tokens[i] : 0;
            if (g->h_tok[i] < 0 || g->h_tok[i] >= V) contract_fail("cuda_gpt2_forward: token id outside [0, V)");
            real += is_real;
        }
    }
    g->has_mask = mask != NULL;
    upload(g, g->d_tok, g->h_tok, (size_t)N * sizeof(int));
    upload(g, g->d_pos, g->h_pos, (size_t)N * sizeof(int));
    if (mask) upload(g, g->d_mask, g->h_mask, (size_t)N);
    const uint8_t *mk = mask ? g->d_mask : NULL;
    cudaStream_t st = g->st;
    k_encoder_forward(g->encoded, g->d_tok, g->d_pos, p->wte, p->wpe, N, C, st);
    const float *res = g->encoded;
    for (int l = 0; l < c->n_layer; l++) {
        CudaLayerActs *la = slot(g, l);
        size_t lC = (size_t)l * C;
        k_layernorm_forward(la->ln1, la->ln1_mean, la->ln1_rstd, res, p->ln1w + lC, p->ln1b + lC, N, C, st);
        cuda_linear_fwd(g, la->qkv, la->ln1, p->qkvw + lC * 3 * C, p->qkvb + lC * 3, NULL, N, C, 3 * C);
        if (use_gemm_attention(g, B, T)) attention_gemm_forward(g, la->atty, la->att_lse, la->qkv, mk, B, T);
        else k_attention_forward(la->atty, la->att_lse, la->qkv, mk, B, T, C, NH, st);
        cuda_linear_fwd(g, la->res2, la->atty, p->attprojw + lC * C, p->attprojb + lC, res, N, C, C);
        k_layernorm_forward(la->ln2, la->ln2_mean, la->ln2_rstd, la->res2, p->ln2w + lC, p->ln2b + lC, N, C, st);
        cuda_linear_fwd(g, la->fch, la->ln2, p->fcw + lC * 4 * C, p->fcb + lC * 4, NULL, N, C, 4 * C);
        k_gelu_forward(la->fch_gelu, la->fch, (long)N * 4 * C, st);
        cuda_linear_fwd(g, la->res3, la->fch_gelu, p->fcprojw + lC * 4 * C, p->fcprojb + lC, la->res2, N, 4 * C, C);
        res = la->res3;
    }
    k_layernorm_forward(g->hidden, g->lnf_mean, g->lnf_rstd, res, p->lnfw, p->lnfb, N, C, st);
    if (g->d_hidden) CK(g, cudaMemsetAsync(g->d_hidden, 0, (size_t)N * C * sizeof(float), st));
    g->logits_state = CL_NONE;
    CK(g, cudaGetLastError());
}

int cuda_gpt2_download_hidden(CudaGPT2 *g, float *out) {
    if (g->B < 1) contract_fail("cuda_gpt2_download_hidden: no forward yet");
    download(g, out, g->hidden, (size_t)g->B * g->T * g->cfg.n_embd * sizeof(float));
    return g->failed ? -1 : 0;
}

/* ---- LM head --------------------------------------------------------------------------- */

static void lm_logits(CudaGPT2 *g) {
    const int N = g->B * g->T, C = g->cfg.n_embd, V = g->cfg.vocab_size;
    if (N < 1) contract_fail("cuda LM head: no forward pass yet");
    /* (N,V) = hidden (N,C) · wteᵀ */
    cuda_linear_fwd(g, g->logits, g->hidden, g->p.wte, NULL, NULL, N, C, V);
    g->logits_state = CL_RAW;
}

int cuda_gpt2_lm_logits(CudaGPT2 *g, float *out) {
    lm_logits(g);
    download(g, out, g->logits, (size_t)g->B * g->T * g->cfg.vocab_size * sizeof(float));
    return g->failed ? -1 : 0;
}

/* Uploads targets (N) when given; returns the device copy or NULL. */
static const int *upload_targets(CudaGPT2 *g, const int *targets) {
    if (!targets) return NULL;
    upload(g, g->d_targets, targets, (size_t)g->B * g->T * sizeof(int));
    return g->d_targets;
}

void cuda_gpt2_lm_forward(CudaGPT2 *g, const int *targets, float *logp, float *entropy) {
    if (g->failed) return;
    const int N = g->B * g->T;
    lm_logits(g);
    const int *dt = upload_targets(g, targets);
    k_logsoftmax_forward(g->logits, g->lm_ent, logp ? g->d_vec1 : NULL, dt, N, g->cfg.vocab_size, g->st);
    CK(g, cudaGetLastError());
    if (logp) download(g, logp, g->d_vec1, (size_t)N * sizeof(float));
    if (entropy) download(g, entropy, g->lm_ent, (size_t)N * sizeof(float));
    g->logits_state = CL_LOGP;
}

void cuda_gpt2_lm_backward(CudaGPT2 *g, const int *targets, const float *dlogp, const float *dentropy) {
    if (!g->d_hidden) contract_fail("cuda_gpt2_lm_backward: reserve without need_grads");
    if (g->failed) return;
    const int N = g->B * g->T, C = g->cfg.n_embd, V = g->cfg.vocab_size;
    if (g->logits_state != CL_LOGP) cuda_gpt2_lm_forward(g, targets, NULL, NULL);
    const int *dt = upload_targets(g, targets);
    if (dlogp) upload(g, g->d_vec2, dlogp, (size_t)N * sizeof(float));
    if (dentropy) upload(g, g->d_vec3, dentropy, (size_t)N * sizeof(float));
    k_logsoftmax_backward(g->logits, g->lm_ent, dt, dlogp ? g->d_vec2 : NULL, dentropy ? g->d_vec3 : NULL, N, V,
                          g->st);
    g->logits_state = CL_GRAD;
    /* d wte (V,C) += dlogitsᵀ · hidden; d hidden (N,C) += dlogits · wte */
    cuda_gemm(g, cuda_plan_linear_dw(N, C, V), g->hidden, g->logits, g->g.wte, 1.0f);
    cuda_gemm(g, cuda_plan_linear_dinp(N, C, V), g->p.wte, g->logits, g->d_hidden, 1.0f);
    CK(g, cudaGetLastError());
}

float cuda_gpt2_lm_loss_and_grad(CudaGPT2 *g, const int *targets, const float *weights, float *logp_scratch,
                                 float *dlogp_scratch) {
    const int N = g->B * g->T;
    cuda_gpt2_lm_forward(g, targets, logp_scratch, NULL);
    if (g->failed) return NAN;
    double loss = 0.0;
    for (int i = 0; i < N; i++) {
        float w = (targets[i] >= 0 && weights) ? weights[i] : 0.0f;
        loss -= (double)w * logp_scratch[i];
        dlogp_scratch[i] = -w;
    }
    cuda_gpt2_lm_backward(g, targets, dlogp_scratch, NULL);
    return (float)loss;
}

/* ---- scalar and value heads -------------------------------------------------------------- */

static const int *upload_pos(CudaGPT2 *g, const int *pos) {
    for (int b = 0; b < g->B; b++)
        if (pos[b] < 0 || pos[b] >= g->T) contract_fail("cuda scalar head: pos outside [0, T)");
    upload(g, g->d_rows, pos, (size_t)g->B * sizeof(int));
    return g->d_rows;
}

void cuda_gpt2_scalar_forward(CudaGPT2 *g, const int *pos, float *out) {
    if (!g->p.scalar_w) contract_fail("cuda_gpt2_scalar_forward: model has no scalar head");
    if (g->failed) return;
    const int *dp = upload_pos(g, pos);
    k_scalar_forward(g->d_vec1, g->hidden, dp, g->p.scalar_w, g->p.scalar_b, g->B, g->T, g->cfg.n_embd, g->st);
    CK(g, cudaGetLastError());
    download(g, out, g->d_vec1, (size_t)g->B * sizeof(float));
}

void cuda_gpt2_scalar_backward(CudaGPT2 *g, const int *pos, const float *dout) {
    if (!g->p.scalar_w || !g->d_hidden) contract_fail("cuda_gpt2_scalar_backward: no scalar head or grads");
    if (g->failed) return;
    const int *dp = upload_pos(g, pos);
    upload(g, g->d_vec2, dout, (size_t)g->B * sizeof(float));
    k_scalar_backward(g->d_hidden, g->g.scalar_w, g->g.scalar_b, g->hidden, dp, g->p.scalar_w, g->d_vec2, g->B,
                      g->T, g->cfg.n_embd, g->st);
    CK(g, cudaGetLastError());
}

void cuda_gpt2_value_forward(CudaGPT2 *g, float *out) {
    if (!g->p.value_w) contract_fail("cuda_gpt2_value_forward: model has no value head");
    if (g->failed) return;
    const int N = g->B * g->T;
    k_value_forward(g->d_vec1, g->hidden, g->p.value_w, g->p.value_b, N, g->cfg.n_embd, g->st);
    CK(g, cudaGetLastError());
    download(g, out, g->d_vec1, (size_t)N * sizeof(float));
}

void cuda_gpt2_value_backward(CudaGPT2 *g, const float *dout) {
    if (!g->p.value_w || !g->d_hidden) contract_fail("cuda_gpt2_value_backward: no value head or grads");
    if (g->failed) return;
    const int N = g->B * g->T;
    upload(g, g->d_vec2, dout, (size_t)N * sizeof(float));
    k_value_backward(g->d_hidden, g->g.value_w, g->g.value_b, g->hidden, g->p.value_w, g->d_vec2, N,
                     g->cfg.n_embd, g->st);
    CK(g, cudaGetLastError());
}

/* ---- backward --------------------------------------------------------------------------------- */

void cuda_gpt2_backward(CudaGPT2 *g) {
    const GPT2Config *c = &g->cfg;
    if (!g->d_hidden || g->B < 1 || g->n_slots < c->n_layer)
        contract_fail("cuda_gpt2_backward: needs a forward with gradients reserved");
    if (g->failed) return;
    const int B = g->B, T = g->T, C = c->n_embd, NH = c->n_head, N = B * T, L = c->n_layer;
    const GPT2Params *p = &g->p;
    GPT2Params *gr = &g->g;
    cudaStream_t st = g->st;
    const uint8_t *mk = g->has_mask ? g->d_mask : NULL;
    float *dres = g->d_res;
    CK(g, cudaMemsetAsync(dres, 0, (size_t)N * C * sizeof(float), st));
    k_layernorm_backward(dres, gr->lnfw, gr->lnfb, g->d_hidden, g->layers[L - 1].res3, p->lnfw, g->lnf_mean,
                         g->lnf_rstd, N, C, st);
    for (int l = L - 1; l >= 0; l--) {
        CudaLayerActs *la = &g->layers[l];
        const float *res = l ? g->layers[l - 1].res3 : g->encoded;
        size_t lC = (size_t)l * C;
        /* res3 = res2 + gelu(fch)·fcprojwᵀ + b: dres flows through unchanged */
        linear_bwd(g, g->d_a, gr->fcprojw + lC * 4 * C, gr->fcprojb + lC, dres, la->fch_gelu,
                   p->fcprojw + lC * 4 * C, N, 4 * C, C, 0);
        k_gelu_backward(g->d_a, la->fch, g->d_a, (long)N * 4 * C, st);
        linear_bwd(g, g->d_b, gr->fcw + lC * 4 * C, gr->fcb + lC * 4, g->d_a, la->ln2, p->fcw + lC * 4 * C, N, C,
                   4 * C, 0);
        k_layernorm_backward(dres, gr->ln2w + lC, gr->ln2b + lC, g->d_b, la->res2, p->ln2w + lC, la->ln2_mean,
                             la->ln2_rstd, N, C, st);
        /* res2 = res + atty·attprojwᵀ + b */
        linear_bwd(g, g->d_b, gr->attprojw + lC * C, gr->attprojb + lC, dres, la->atty, p->attprojw + lC * C, N, C,
                   C, 0);
        if (use_gemm_attention(g, B, T))
            attention_gemm_backward(g, g->d_a, g->att_delta, g->d_b, la->atty, la->qkv, la->att_lse, mk, B, T);
        else k_attention_backward(g->d_a, g->att_delta, g->d_b, la->atty, la->qkv, la->att_lse, mk, B, T, C, NH, st);
        linear_bwd(g, g->d_b, gr->qkvw + lC * 3 * C, gr->qkvb + lC * 3, g->d_a, la->ln1, p->qkvw + lC * 3 * C, N, C,
                   3 * C, 0);
        k_layernorm_backward(dres, gr->ln1w + lC, gr->ln1b + lC, g->d_b, res, p->ln1w + lC, la->ln1_mean,
                             la->ln1_rstd, N, C, st);
    }
    k_encoder_backward(gr->wte, gr->wpe, dres, g->d_tok, g->d_pos, N, C, st);
    CK(g, cudaGetLastError());
}

/* ---- optimizer ------------------------------------------------------------------------------------ */

int cuda_adamw_init(CudaGPT2 *g, float beta1, float beta2, float eps, float weight_decay, RlhfErr *e) {
    g->beta1 = beta1;
    g->beta2 = beta2;
    g->eps = eps;
    g->weight_decay = weight_decay;
    g->adam_step = 0;
    size_t bytes = g->num_params * sizeof(float);
    if (!g->adam_m && !CK(g, cudaMalloc(&g->adam_m, bytes))) CK(g, cudaMalloc(&g->adam_v, bytes));
    if (!g->failed) CK(g, cudaMemsetAsync(g->adam_m, 0, bytes, g->st));
    if (!g->failed) CK(g, cudaMemsetAsync(g->adam_v, 0, bytes, g->st));
    return report(g, e);
}

void cuda_adamw_step(CudaGPT2 *g, float lr) {
    if (!g->adam_m || !g->grad_mem) contract_fail("cuda_adamw_step: cuda_adamw_init and grads first");
    if (g->failed) return;
    long t = ++g->adam_step;
    float b1 = g->beta1, b2 = g->beta2;
    float bc1 = 1.0f - powf(b1, (float)t), bc2 = 1.0f - powf(b2, (float)t);
    for (int k = 0; k < g->n_tensors; k++) {
        const GPT2Tensor *ten = &g->tensors[k];
        size_t o = ten->offset;
        k_adamw(g->param_mem + o, g->grad_mem + o, g->adam_m + o, g->adam_v + o, ten->numel, lr, b1, b2, bc1, bc2,
                g->eps, ten->decay ? g->weight_decay : 0.0f, g->st);
    }
    CK(g, cudaGetLastError());
}

int cuda_adamw_upload(CudaGPT2 *g, const float *m, const float *v, long step, RlhfErr *e) {
    if (!g->adam_m) return rlhf_err(e, "cuda_adamw_upload: cuda_adamw_init first");
    size_t bytes = g->num_params * sizeof(float);
    h2d_ordered(g, g->adam_m, m, bytes);
    h2d_ordered(g, g->adam_v, v, bytes);
    g->adam_step = step;
    return report(g, e);
}

int cuda_adamw_download(CudaGPT2 *g, float *m, float *v, long *step, RlhfErr *e) {
    if (!g->adam_m) return rlhf_err(e, "cuda_adamw_download: cuda_adamw_init first");
    size_t bytes = g->num_params * sizeof(float);
    if (!CK(g, cudaStreamSynchronize(g->st)) && !CK(g, cudaMemcpy(m, g->adam_m, bytes, cudaMemcpyDeviceToHost)))
        CK(g, cudaMemcpy(v, g->adam_v, bytes, cudaMemcpyDeviceToHost));
    if (step) *step = g->adam_step;
    return report(g, e);
}

float cuda_gpt2_clip_grad_norm(CudaGPT2 *g, float max_norm) {
    if (!g->grad_mem) contract_fail("cuda_gpt2_clip_grad_norm: no gradients");
    if (g->failed) return NAN;
    double ss = 0.0;
    k_sumsq(g->d_norm, g->d_norm + 1, g->grad_mem, g->num_params, g->st);
    download(g, &ss, g->d_norm, sizeof ss);
    if (g->failed) return NAN;
    float norm = (float)sqrt(ss);
    if (max_norm > 0 && norm > max_norm && isfinite(norm))
        k_scale(g->grad_mem, max_norm / (norm + 1e-6f), g->num_params, g->st);
    CK(g, cudaGetLastError());
    return norm;
}
