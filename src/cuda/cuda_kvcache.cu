/* cuda_kvcache.cu — generation with a KV cache on the device, with the
 * semantics of model/kvcache.c: the prompt block (any padding) runs through
 * the fused attention kernel of training, then each step appends one token per
 * active row and attends over that row's valid slots. The next-token logits of
 * the rows computed come back to the host, where the sampler picks tokens
 * (sampler.c's filters then apply unchanged). */
#include "cuda/cuda_internal.cuh"

#include <stdlib.h>
#include <string.h>

struct CudaKv {
    CudaGPT2 *g;
    int B, Tc, max_prompt, nb, len, n_act;
    float *k, *v;         /* device (L, B, NH, Tc, hs) */
    uint8_t *valid;       /* device (B, Tc) */
    uint8_t *h_valid;     /* host mirror */
    int *pos, *last;      /* host (B) */
    int *act, *row_of;    /* host (B) */
    int *h_tok, *h_pos;   /* host (B·max_prompt) */
    uint8_t *h_mask;      /* host (B·max_prompt) */
    int *d_tok, *d_pos, *d_act; /* device (B·max_prompt), (B·max_prompt), (B) */
    uint8_t *d_mask;      /* device (B·max_prompt) */
    float *x, *xn, *qkv, *atty, *fch, *lse; /* device scratch for N = B·max_prompt rows */
    float *d_logits;      /* device (B, V) */
    float *logits;        /* host (B, V) compact; page-locked when logits_pinned */
    int logits_pinned;
};

void cuda_kv_free(CudaKv *kv) {
    if (!kv) return;
    cudaFree(kv->k);
    cudaFree(kv->v);
    cudaFree(kv->valid);
    cudaFree(kv->d_tok);
    cudaFree(kv->x);
    cudaFree(kv->d_logits);
    free(kv->h_valid);
    free(kv->pos);
    free(kv->h_tok);
    if (kv->logits_pinned) cudaFreeHost(kv->logits);
    else free(kv->logits);
    free(kv);
}

CudaKv *cuda_kv_create(CudaGPT2 *g, int B, int max_prompt, int max_new, RlhfErr *e) {
    const GPT2Config *c = &g->cfg;
    if (B < 1 || max_prompt < 1 || max_new < 0) {
        rlhf_err(e, "cuda kvcache: batch %d, max prompt %d, max new %d: need B ≥ 1, prompt ≥ 1, new ≥ 0", B,
                 max_prompt, max_new);
        return NULL;
    }
    const int C = c->n_embd, V = c->vocab_size, L = c->n_layer, hs = C / c->n_head, Tc = max_prompt + max_new;
    if ((size_t)(Tc + hs) * sizeof(float) > 48 * 1024) {
        rlhf_err(e, "cuda kvcache: %d slots exceed the decode kernel's shared memory (about 12000)", Tc);
        return NULL;
    }
    CudaKv *kv = (CudaKv *)calloc(1, sizeof *kv);
    if (!kv) {
        rlhf_err(e, "cuda kvcache: out of host memory");
        return NULL;
    }
    kv->g = g;
    kv->B = B;
    kv->max_prompt = max_prompt;
    kv->Tc = Tc;
    size_t N = (size_t)B * max_prompt, cache = (size_t)L * B * Tc * C;
    size_t NHT = (size_t)B * c->n_head * max_prompt;
    kv->h_valid = (uint8_t *)calloc((size_t)B * Tc, 1);
    kv->pos = (int *)calloc((size_t)B * 4, sizeof(int));
    kv->h_tok = (int *)malloc(N * (2 * sizeof(int) + 1));
    /* Every decode step copies (rows, V) logits to the host: page-locked memory
     * takes that copy straight, without the driver's staging through a bounce
     * buffer (12.9 MB a step for 64 rows of GPT-2's vocabulary). Plain memory
     * when the system will not lock that much. */
    if (cudaMallocHost((void **)&kv->logits, (size_t)B * V * sizeof(float)) == cudaSuccess) kv->logits_pinned = 1;
    else {
        cudaGetLastError(); /* not sticky: fall back */
        kv->logits = (float *)malloc((size_t)B * V * sizeof(float));
    }
    if (!kv->h_valid || !kv->pos || !kv->h_tok || !kv->logits) {
        cuda_kv_free(kv);
        rlhf_err(e, "cuda kvcache: out of host memory");
        return NULL;
    }
    kv->last = kv->pos + B;
    kv->act = kv->last + B;
    kv->row_of = kv->act + B;
    kv->h_pos = kv->h_tok + N;
    kv->h_mask = (uint8_t *)(kv->h_pos + N);
    for (int b = 0; b < B; b++) kv->row_of[b] = -1;
    /* scratch: x, xn, atty (N,C), qkv (N,3C), fch (N,4C), lse (B,NH,Tp) */
    size_t scratch = N * C * 3 + N * 3 * C + N * 4 * C + NHT;
    if (CK(g, cudaMalloc(&kv->k, cache * sizeof(float))) || CK(g, cudaMalloc(&kv->v, cache * sizeof(float))) ||
        CK(g, cudaMalloc(&kv->valid, (size_t)B * Tc)) ||
        CK(g, cudaMalloc(&kv->d_tok, (2 * N + B) * sizeof(int) + N)) ||
        CK(g, cudaMalloc(&kv->x, scratch * sizeof(float))) ||
        CK(g, cudaMalloc(&kv->d_logits, (size_t)B * V * sizeof(float)))) {
        rlhf_err(e, "cuda kvcache (B %d, T %d): %s", B, Tc, g->err);
        cuda_kv_free(kv);
        return NULL;
    }
    kv->d_pos = kv->d_tok + N;
    kv->d_act = kv->d_pos + N;
    kv->d_mask = (uint8_t *)(kv->d_act + B);
    kv->xn = kv->x + N * C;
    kv->atty = kv->xn + N * C;
    kv->qkv = kv->atty + N * C;
    kv->fch = kv->qkv + N * 3 * C;
    kv->lse = kv->fch + N * 4 * C;
    return kv;
}

const float *cuda_kv_logits(const CudaKv *kv, int b) {
    if (b < 0 || b >= kv->nb || kv->row_of[b] < 0) return NULL;
    return kv->logits + (size_t)kv->row_of[b] * kv->g->cfg.vocab_size;
}

int cuda_kv_pos(const CudaKv *kv, int b) { return b >= 0 && b < kv->B ? kv->pos[b] : 0; }

static void h2d(CudaGPT2 *g, void *dst, const void *src, size_t n) {
    if (!g->failed) CK(g, cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, g->st));
}

/* x += atty·Wpᵀ + bp; x += GELU(LN2(x)·Wfcᵀ + bfc)·Wprojᵀ + bproj (kvcache.c's block_tail). */
static void block_tail(CudaKv *kv, int l, int N) {
    CudaGPT2 *g = kv->g;
    const GPT2Params *p = &g->p;
    const int C = g->cfg.n_embd;
    const size_t lC = (size_t)l * C;
    cuda_linear_fwd(g, kv->x, kv->atty, p->attprojw + lC * C, p->attprojb + lC, kv->x, N, C, C);
    k_layernorm_forward(kv->xn, NULL, NULL, kv->x, p->ln2w + lC, p->ln2b + lC, N, C, g->st);
    cuda_linear_fwd(g, kv->fch, kv->xn, p->fcw + lC * 4 * C, p->fcb + lC * 4, NULL, N, C, 4 * C);
    k_gelu_forward(kv->fch, kv->fch, (long)N * 4 * C, g->st);
    cuda_linear_fwd(g, kv->x, kv->fch, p->fcprojw + lC * 4 * C, p->fcprojb + lC, kv->x, N, 4 * C, C);
}

/* Final LayerNorm of n rows src (N,C) into xn and logits (n,V) → host. */
static int lm_head(CudaKv *kv, const float *src, int n) {
    CudaGPT2 *g = kv->g;
    const int C = g->cfg.n_embd, V = g->cfg.vocab_size;
    k_layernorm_forward(kv->xn, NULL, NULL, src, g->p.lnfw, g->p.lnfb, n, C, g->st);
    cuda_linear_fwd(g, kv->d_logits, kv->xn, g->p.wte, NULL, NULL, n, C, V);
    if (!g->failed) CK(g, cudaGetLastError());
    if (!g->failed)
        CK(g, cudaMemcpyAsync(kv->logits, kv->d_logits, (size_t)n * V * sizeof(float), cudaMemcpyDeviceToHost,
                              g->st));
    if (!g->failed) CK(g, cudaStreamSynchronize(g->st));
    return g->failed ? -1 : 0;
}

static float *layer_base(const CudaKv *kv, float *base, int l) {
    return base + (size_t)l * kv->B * kv->Tc * kv->g->cfg.n_embd;
}

int cuda_kv_prefill(CudaKv *kv, const int *tokens, const uint8_t *mask, int B, int Tp, RlhfErr *e) {
    CudaGPT2 *g = kv->g;
    const GPT2Config *c = &g->cfg;
    const GPT2Params *p = &g->p;
    const int C = c->n_embd, NH = c->n_head, L = c->n_layer, V = c->vocab_size, N = B * Tp;
    if (g->failed) return rlhf_err(e, "cuda: %s", g->err);
    if (B < 1 || B > kv->B) return rlhf_err(e, "cuda_kv_prefill: batch %d, cache holds 1..%d rows", B, kv->B);
    if (Tp < 1 || Tp > kv->max_prompt)
        return rlhf_err(e, "cuda_kv_prefill: prompt block of %d slots, cache takes 1..%d", Tp, kv->max_prompt);
    kv->nb = B;
    kv->len = 0;
    memset(kv->h_valid, 0, (size_t)kv->B * kv->Tc);
    for (int b = 0; b < B; b++) {
        int n = 0;
        kv->last[b] = -1;
        for (int t = 0; t < Tp; t++) {
            int i = b * Tp + t, real = !mask || mask[i];
            if (real && (tokens[i] < 0 || tokens[i] >= V))
                return rlhf_err(e, "cuda_kv_prefill: row %d slot %d: token id %d outside the vocabulary [0, %d)", b,
                                t, tokens[i], V);
            if (real && n >= c->max_seq_len)
                return rlhf_err(e, "cuda_kv_prefill: row %d: more than max_seq_len %d real tokens", b,
                                c->max_seq_len);
            kv->h_valid[(size_t)b * kv->Tc + t] = (uint8_t)real;
            kv->h_mask[i] = (uint8_t)real;
            /* a pad embeds token 0 at its row's current position: finite, never attended */
            kv->h_tok[i] = real ? tokens[i] : 0;
            kv->h_pos[i] = RLHF_MIN(n, c->max_seq_len - 1);
            if (real) {
                kv->last[b] = t;
                n++;
            }
        }
        if (kv->last[b] < 0) return rlhf_err(e, "cuda_kv_prefill: row %d has no real token", b);
        kv->pos[b] = n;
    }
    h2d(g, kv->d_tok, kv->h_tok, (size_t)N * sizeof(int));
    h2d(g, kv->d_pos, kv->h_pos, (size_t)N * sizeof(int));
    h2d(g, kv->d_mask, kv->h_mask, (size_t)N);
    h2d(g, kv->valid, kv->h_valid, (size_t)kv->B * kv->Tc);
    k_encoder_forward(kv->x, kv->d_tok, kv->d_pos, p->wte, p->wpe, N, C, g->st);
    for (int l = 0; l < L; l++) {
        const size_t lC = (size_t)l * C;
        k_layernorm_forward(kv->xn, NULL, NULL, kv->x, p->ln1w + lC, p->ln1b + lC, N, C, g->st);
        cuda_linear_fwd(g, kv->qkv, kv->xn, p->qkvw + lC * 3 * C, p->qkvb + lC * 3, NULL, N, C, 3 * C);
        k_kv_store(layer_base(kv, kv->k, l), layer_base(kv, kv->v, l), kv->qkv, NULL, Tp, B, 0,
                   (size_t)kv->Tc * C, kv->Tc, C, NH, g->st);
        /* the prompt block attends within itself: exactly the training forward's masked attention */
        k_attention_forward(kv->atty, kv->lse, kv->qkv, mask ? kv->d_mask : NULL, B, Tp, C, NH, g->st);
        block_tail(kv, l, N);
    }
    kv->len = Tp;
    kv->n_act = B;
    for (int b = 0; b < B; b++) {
        kv->act[b] = b * Tp + kv->last[b]; /* source row in x */
        kv->row_of[b] = b;
    }
    for (int b = B; b < kv->B; b++) kv->row_of[b] = -1;
    h2d(g, kv->d_act, kv->act, (size_t)B * sizeof(int));
    k_gather_rows(kv->atty, kv->x, kv->d_act, B, C, g->st);
    if (lm_head(kv, kv->atty, B)) return rlhf_err(e, "cuda: %s", g->err);
    for (int b = 0; b < B; b++) kv->act[b] = b;
    return 0;
}

int cuda_kv_step(CudaKv *kv, const int *tokens, const uint8_t *active, RlhfErr *e) {
    CudaGPT2 *g = kv->g;
    const GPT2Config *c = &g->cfg;
    const GPT2Params *p = &g->p;
    const int C = c->n_embd, NH = c->n_head, L = c->n_layer, V = c->vocab_size;
    if (g->failed) return rlhf_err(e, "cuda: %s", g->err);
    if (kv->nb < 1) return rlhf_err(e, "cuda_kv_step: no prompt (call cuda_kv_prefill first)");
    if (kv->len >= kv->Tc) return rlhf_err(e, "cuda_kv_step: cache full (%d slots)", kv->Tc);
    int n = 0;
    for (int b = 0; b < kv->nb; b++) {
        kv->row_of[b] = -1;
        if (active && !active[b]) continue;
        if (tokens[b] < 0 || tokens[b] >= V)
            return rlhf_err(e, "cuda_kv_step: row %d: token id %d outside the vocabulary [0, %d)", b, tokens[b], V);
        if (kv->pos[b] >= c->max_seq_len)
            return rlhf_err(e, "cuda_kv_step: row %d has used all %d positions", b, c->max_seq_len);
        kv->row_of[b] = n;
        kv->act[n++] = b;
    }
    kv->n_act = n;
    if (n == 0) return 0;
    const int slot = kv->len, nslots = slot + 1;
    for (int i = 0; i < n; i++) {
        int b = kv->act[i];
        kv->h_tok[i] = tokens[b];
        kv->h_pos[i] = kv->pos[b];
        kv->h_valid[(size_t)b * kv->Tc + slot] = 1;
    }
    h2d(g, kv->d_tok, kv->h_tok, (size_t)n * sizeof(int));
    h2d(g, kv->d_pos, kv->h_pos, (size_t)n * sizeof(int));
    h2d(g, kv->d_act, kv->act, (size_t)n * sizeof(int));
    h2d(g, kv->valid, kv->h_valid, (size_t)kv->B * kv->Tc);
    k_encoder_forward(kv->x, kv->d_tok, kv->d_pos, p->wte, p->wpe, n, C, g->st);
    for (int l = 0; l < L; l++) {
        const size_t lC = (size_t)l * C;
        float *kb = layer_base(kv, kv->k, l), *vb = layer_base(kv, kv->v, l);
        k_layernorm_forward(kv->xn, NULL, NULL, kv->x, p->ln1w + lC, p->ln1b + lC, n, C, g->st);
        cuda_linear_fwd(g, kv->qkv, kv->xn, p->qkvw + lC * 3 * C, p->qkvb + lC * 3, NULL, n, C, 3 * C);
        k_kv_store(kb, vb, kv->qkv, kv->d_act, 1, n, slot, (size_t)kv->Tc * C, kv->Tc, C, NH, g->st);
        k_kv_attention(kv->atty, kv->qkv, kb, vb, kv->valid, kv->d_act, n, nslots, kv->Tc, C, NH,
                       (size_t)kv->Tc * C, g->st);
        block_tail(kv, l, n);
    }
    for (int i = 0; i < n; i++) kv->pos[kv->act[i]]++;
    kv->len = nslots;
    if (lm_head(kv, kv->x, n)) return rlhf_err(e, "cuda: %s", g->err);
    return 0;
}
