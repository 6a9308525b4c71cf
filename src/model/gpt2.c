/* gpt2.c — GPT-2 forward and backward: composes the kernels of layers.c over
 * the parameter arena of gpt2_params.c and one activation arena sized by
 * gpt2_reserve. Nothing here allocates after gpt2_reserve. */
#include "model/gpt2.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "model/layers.h"

void gpt2_point_grads(GPT2 *m); /* gpt2_params.c: points m->grads into grad_mem */
void gpt2_release_buffers(GPT2 *m);

/* What the logits buffer holds: gpt2_lm_backward needs log-probabilities. */
enum { LOGITS_NONE, LOGITS_RAW, LOGITS_LOGP, LOGITS_GRAD };

/* One block's saved activations; N = act_B·act_T rows reserved. */
typedef struct LayerActs {
    float *ln1, *ln1_mean, *ln1_rstd; /* (N,C), (N), (N) */
    float *qkv;                       /* (N,3C) */
    float *att;                       /* (B,NH,T,T) attention probabilities */
    float *atty;                      /* (N,C) attention output before the projection */
    float *res2;                      /* (N,C) residual after attention */
    float *ln2, *ln2_mean, *ln2_rstd; /* (N,C), (N), (N) */
    float *fch, *fch_gelu;            /* (N,4C) pre- and post-GELU */
    float *res3;                      /* (N,C) residual after the MLP = block output */
} LayerActs;

struct GPT2Acts {
    float *mem;          /* the one float arena everything below points into */
    int *tok;            /* (N) token ids used for the embedding (pads → 0) */
    int *pos;            /* (N) position ids: real tokens before, in the row */
    uint8_t *mask;       /* (N) copy of the forward's mask */
    float *encoded;      /* (N,C) embeddings = block 0 input */
    LayerActs *layers;   /* L slots with grads; 1 shared slot for inference */
    int n_slots;
    float *lnf_mean, *lnf_rstd; /* (N) */
    float *hidden;       /* (N,C) after the final LayerNorm */
    float *logits;       /* (N,V) raw logits, log-probabilities, or d logits */
    float *lm_ent;       /* (N) entropy of each row (lm backward needs it) */
    int logits_state;
    /* backward only */
    float *d_hidden;     /* (N,C) heads accumulate here */
    float *d_res;        /* (N,C) gradient of the residual stream */
    float *d_a;          /* (N,4C) d fch / d qkv */
    float *d_b;          /* (N,C) d ln / d atty */
    float *d_att;        /* (B,NH,T,T) attention scratch */
};

/* Contract violations (shapes beyond gpt2_reserve, a missing head) are
 * programming errors with no error channel in this API: fail loudly. */
static void contract_fail(const char *what) {
    fprintf(stderr, "gpt2: contract violation: %s\n", what);
    abort();
}

/* ---- buffers -------------------------------------------------------------- */

static void free_acts(GPT2Acts *a) {
    if (!a) return;
    free(a->mem);
    free(a->tok);
    free(a->layers);
    free(a);
}

void gpt2_release_buffers(GPT2 *m) {
    free_acts(m->acts);
    free(m->grad_mem);
    m->acts = NULL;
    m->grad_mem = NULL;
    memset(&m->grads, 0, sizeof m->grads);
    m->act_B = m->act_T = m->act_grads = 0;
    m->B = m->T = 0;
}

/* Points a's buffers into base (or, with base NULL, just counts the floats). */
static size_t layout_acts(GPT2Acts *a, float *base, const GPT2Config *c, int B, int T, int grads) {
    size_t N = (size_t)B * T, C = (size_t)c->n_embd, V = (size_t)c->vocab_size;
    size_t att = (size_t)B * c->n_head * T * T, off = 0;
#define TAKE(ptr, n)                           \
    do {                                       \
        if (base) (ptr) = base + off;          \
        off += ((size_t)(n) + 15) & ~(size_t)15; \
    } while (0)
    TAKE(a->encoded, N * C);
    for (int l = 0; l < a->n_slots; l++) {
        LayerActs *la = &a->layers[l];
        TAKE(la->ln1, N * C);
        TAKE(la->ln1_mean, N);
        TAKE(la->ln1_rstd, N);
        TAKE(la->qkv, N * 3 * C);
        TAKE(la->att, att);
        TAKE(la->atty, N * C);
        TAKE(la->res2, N * C);
        TAKE(la->ln2, N * C);
        TAKE(la->ln2_mean, N);
        TAKE(la->ln2_rstd, N);
        TAKE(la->fch, N * 4 * C);
        TAKE(la->fch_gelu, N * 4 * C);
        TAKE(la->res3, N * C);
    }
    TAKE(a->lnf_mean, N);
    TAKE(a->lnf_rstd, N);
    TAKE(a->hidden, N * C);
    TAKE(a->logits, N * V);
    TAKE(a->lm_ent, N);
    if (grads) {
        TAKE(a->d_hidden, N * C);
        TAKE(a->d_res, N * C);
        TAKE(a->d_a, N * 4 * C);
        TAKE(a->d_b, N * C);
        TAKE(a->d_att, att);
    }
#undef TAKE
    return off;
}

int gpt2_reserve(GPT2 *m, int B, int T, int need_grads, RlhfErr *e) {
    const GPT2Config *c = &m->cfg;
    if (B < 1 || T < 1) return rlhf_err(e, "gpt2_reserve: B=%d, T=%d must be positive", B, T);
    if (T > c->max_seq_len)
        return rlhf_err(e, "gpt2_reserve: T=%d exceeds the model's max_seq_len %d", T, c->max_seq_len);
    need_grads = need_grads ? 1 : 0;
    if (need_grads && !m->grad_mem) {
        m->grad_mem = rlhf_calloc(m->num_params, sizeof(float), e);
        if (!m->grad_mem) return -1;
        gpt2_point_grads(m);
    }
    if (m->acts && B <= m->act_B && T <= m->act_T && need_grads <= m->act_grads) return 0;
    /* grow: never shrink what an earlier caller reserved */
    int nB = RLHF_MAX(B, m->act_B), nT = RLHF_MAX(T, m->act_T), ng = RLHF_MAX(need_grads, m->act_grads);
    GPT2Acts *a = rlhf_calloc(1, sizeof *a, e);
    if (!a) return -1;
    a->n_slots = ng ? c->n_layer : 1;
    a->layers = rlhf_calloc((size_t)a->n_slots, sizeof *a->layers, e);
    size_t N = (size_t)nB * nT;
    a->tok = rlhf_malloc(N * (2 * sizeof(int) + 1), e);
    size_t nf = a->layers ? layout_acts(a, NULL, c, nB, nT, ng) : 0;
    a->mem = a->layers && a->tok ? rlhf_calloc(nf, sizeof(float), e) : NULL;
    if (!a->mem) {
        free_acts(a);
        return rlhf_err_wrap(e, "gpt2_reserve: activations for B=%d, T=%d (%.0f MB)", nB, nT, nf * 4.0 / 1e6);
    }
    a->pos = a->tok + N;
    a->mask = (uint8_t *)(a->pos + N);
    layout_acts(a, a->mem, c, nB, nT, ng);
    free_acts(m->acts);
    m->acts = a;
    m->act_B = nB;
    m->act_T = nT;
    m->act_grads = ng;
    m->B = m->T = 0;
    return 0;
}

void gpt2_zero_grad(GPT2 *m) {
    if (m->grad_mem) memset(m->grad_mem, 0, m->num_params * sizeof(float));
}

/* ---- forward -------------------------------------------------------------- */

static LayerActs *slot(GPT2Acts *a, int l) { return &a->layers[a->n_slots > 1 ? l : 0]; }

void gpt2_forward(GPT2 *m, const int *tokens, const uint8_t *mask, int B, int T) {
    GPT2Acts *a = m->acts;
    const GPT2Config *c = &m->cfg;
    if (m->decode_layout) contract_fail("gpt2_forward: the matrices are in kv_pack_model's decode layout");
    if (!a || B < 1 || T < 1 || B > m->act_B || T > m->act_T) contract_fail("gpt2_forward: B×T beyond gpt2_reserve");
    int C = c->n_embd, NH = c->n_head, N = B * T, V = c->vocab_size;
    const GPT2Params *p = &m->params;
    m->B = B;
    m->T = T;
    /* positions count real tokens; pads embed token 0 at their row's count */
    for (int b = 0; b < B; b++) {
        int real = 0;
        for (int t = 0; t < T; t++) {
            int i = b * T + t, is_real = mask ? mask[i] != 0 : 1;
            a->mask[i] = (uint8_t)is_real;
            a->pos[i] = real;
            a->tok[i] = is_real ? tokens[i] : 0;
            if (a->tok[i] < 0 || a->tok[i] >= V) contract_fail("gpt2_forward: token id outside [0, vocab_size)");
            real += is_real;
        }
    }
    const uint8_t *mk = mask ? a->mask : NULL;
    encoder_forward(a->encoded, a->tok, a->pos, p->wte, p->wpe, N, C);
    const float *res = a->encoded;
    for (int l = 0; l < c->n_layer; l++) {
        LayerActs *la = slot(a, l);
        size_t lC = (size_t)l * C;
        layernorm_forward(la->ln1, la->ln1_mean, la->ln1_rstd, res, p->ln1w + lC, p->ln1b + lC, N, C);
        matmul_forward(la->qkv, la->ln1, p->qkvw + lC * 3 * C, p->qkvb + lC * 3, NULL, N, C, 3 * C);
        attention_forward(la->atty, la->att, la->qkv, mk, B, T, C, NH);
        matmul_forward(la->res2, la->atty, p->attprojw + lC * C, p->attprojb + lC, res, N, C, C);
        layernorm_forward(la->ln2, la->ln2_mean, la->ln2_rstd, la->res2, p->ln2w + lC, p->ln2b + lC, N, C);
        matmul_forward(la->fch, la->ln2, p->fcw + lC * 4 * C, p->fcb + lC * 4, NULL, N, C, 4 * C);
        gelu_forward(la->fch_gelu, la->fch, (long)N * 4 * C);
        matmul_forward(la->res3, la->fch_gelu, p->fcprojw + lC * 4 * C, p->fcprojb + lC, la->res2, N, 4 * C, C);
        res = la->res3;
    }
    layernorm_forward(a->hidden, a->lnf_mean, a->lnf_rstd, res, p->lnfw, p->lnfb, N, C);
    if (a->d_hidden) memset(a->d_hidden, 0, (size_t)N * C * sizeof(float));
    a->logits_state = LOGITS_NONE;
}

const float *gpt2_hidden(const GPT2 *m) { return m->acts ? m->acts->hidden : NULL; }

/* ---- LM head -------------------------------------------------------------- */

static void lm_logits(GPT2 *m) {
    GPT2Acts *a = m->acts;
    int N = m->B * m->T, C = m->cfg.n_embd, V = m->cfg.vocab_size;
    if (N < 1) contract_fail("gpt2 LM head: no forward pass yet");
    /* (N,V) = hidden (N,C) · wteᵀ */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, V, C, 1.0f, a->hidden, C, m->params.wte, C, 0.0f,
                a->logits, V);
    a->logits_state = LOGITS_RAW;
}

const float *gpt2_lm_logits(GPT2 *m) {
    lm_logits(m);
    return m->acts->logits;
}

void gpt2_lm_forward(GPT2 *m, const int *targets, float *logp, float *entropy) {
    GPT2Acts *a = m->acts;
    int N = m->B * m->T;
    lm_logits(m);
    logsoftmax_forward(a->logits, a->lm_ent, logp, targets, N, m->cfg.vocab_size);
    if (entropy) memcpy(entropy, a->lm_ent, (size_t)N * sizeof(float));
    a->logits_state = LOGITS_LOGP;
}

void gpt2_lm_backward(GPT2 *m, const int *targets, const float *dlogp, const float *dentropy) {
    GPT2Acts *a = m->acts;
    if (!a || !a->d_hidden) contract_fail("gpt2_lm_backward: gpt2_reserve without need_grads");
    int N = m->B * m->T, C = m->cfg.n_embd, V = m->cfg.vocab_size;
    /* the buffer may have been turned into raw logits (or grads) since gpt2_lm_forward */
    if (a->logits_state != LOGITS_LOGP) gpt2_lm_forward(m, targets, NULL, NULL);
    logsoftmax_backward(a->logits, a->lm_ent, targets, dlogp, dentropy, N, V);
    a->logits_state = LOGITS_GRAD;
    /* d wte (V,C) += dlogitsᵀ · hidden; d hidden (N,C) += dlogits · wte */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, V, C, N, 1.0f, a->logits, V, a->hidden, C, 1.0f,
                m->grads.wte, C);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, V, 1.0f, a->logits, V, m->params.wte, C, 1.0f,
                a->d_hidden, C);
}

float gpt2_lm_loss_and_grad(GPT2 *m, const int *targets, const float *weights, float *logp_scratch,
                            float *dlogp_scratch) {
    int N = m->B * m->T;
    gpt2_lm_forward(m, targets, logp_scratch, NULL);
    double loss = 0.0;
    for (int i = 0; i < N; i++) {
        float w = (targets[i] >= 0 && weights) ? weights[i] : 0.0f;
        loss -= (double)w * logp_scratch[i];
        dlogp_scratch[i] = -w;
    }
    gpt2_lm_backward(m, targets, dlogp_scratch, NULL);
    return (float)loss;
}

/* ---- scalar and value heads ----------------------------------------------- */

void gpt2_scalar_forward(GPT2 *m, const int *pos, float *out) {
    if (!m->params.scalar_w) contract_fail("gpt2_scalar_forward: model has no scalar head");
    int C = m->cfg.n_embd;
    for (int b = 0; b < m->B; b++) {
        if (pos[b] < 0 || pos[b] >= m->T) contract_fail("gpt2_scalar_forward: pos outside [0, T)");
        const float *h = m->acts->hidden + ((size_t)b * m->T + pos[b]) * C;
        float s = 0.0f;
        for (int i = 0; i < C; i++) s += h[i] * m->params.scalar_w[i];
        out[b] = s + m->params.scalar_b[0];
    }
}

void gpt2_scalar_backward(GPT2 *m, const int *pos, const float *dout) {
    if (!m->params.scalar_w || !m->acts->d_hidden) contract_fail("gpt2_scalar_backward: no scalar head or grads");
    int C = m->cfg.n_embd;
    const float *w = m->params.scalar_w;
    for (int b = 0; b < m->B; b++) {
        if (pos[b] < 0 || pos[b] >= m->T) contract_fail("gpt2_scalar_backward: pos outside [0, T)");
        size_t off = ((size_t)b * m->T + pos[b]) * C;
        const float *h = m->acts->hidden + off;
        float *dh = m->acts->d_hidden + off, d = dout[b];
        for (int i = 0; i < C; i++) {
            m->grads.scalar_w[i] += d * h[i];
            dh[i] += d * w[i];
        }
        m->grads.scalar_b[0] += d;
    }
}

void gpt2_value_forward(GPT2 *m, float *out) {
    if (!m->params.value_w) contract_fail("gpt2_value_forward: model has no value head");
    int C = m->cfg.n_embd, N = m->B * m->T;
    /* out (N) = hidden (N,C) · w + b */
    for (int i = 0; i < N; i++) out[i] = m->params.value_b[0];
    cblas_sgemv(CblasRowMajor, CblasNoTrans, N, C, 1.0f, m->acts->hidden, C, m->params.value_w, 1, 1.0f, out, 1);
}

void gpt2_value_backward(GPT2 *m, const float *dout) {
    if (!m->params.value_w || !m->acts->d_hidden) contract_fail("gpt2_value_backward: no value head or grads");
    int C = m->cfg.n_embd, N = m->B * m->T;
    const float *w = m->params.value_w, *hid = m->acts->hidden;
    float *dw = m->grads.value_w, *dh = m->acts->d_hidden;
    double db = 0.0;
    for (int i = 0; i < N; i++) { /* row order: deterministic */
        float d = dout[i];
        if (d == 0.0f) continue;
        const float *h = hid + (size_t)i * C;
        float *g = dh + (size_t)i * C;
        for (int k = 0; k < C; k++) {
            dw[k] += d * h[k];
            g[k] += d * w[k];
        }
        db += d;
    }
    m->grads.value_b[0] += (float)db;
}

/* ---- backward ------------------------------------------------------------- */

void gpt2_backward(GPT2 *m) {
    GPT2Acts *a = m->acts;
    const GPT2Config *c = &m->cfg;
    if (!a || !a->d_hidden || m->B < 1) contract_fail("gpt2_backward: needs a forward with gradients reserved");
    int B = m->B, T = m->T, C = c->n_embd, NH = c->n_head, N = B * T, L = c->n_layer;
    const GPT2Params *p = &m->params;
    GPT2Params *g = &m->grads;
    float *dres = a->d_res;
    memset(dres, 0, (size_t)N * C * sizeof(float));
    const float *last = a->layers[L - 1].res3;
    layernorm_backward(dres, g->lnfw, g->lnfb, a->d_hidden, last, p->lnfw, a->lnf_mean, a->lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        LayerActs *la = &a->layers[l];
        const float *res = l ? a->layers[l - 1].res3 : a->encoded;
        size_t lC = (size_t)l * C;
        /* res3 = res2 + gelu(fch) · fcprojwᵀ + b: dres flows through unchanged */
        matmul_backward(a->d_a, g->fcprojw + lC * 4 * C, g->fcprojb + lC, dres, la->fch_gelu,
                        p->fcprojw + lC * 4 * C, N, 4 * C, C, 0);
        gelu_backward(a->d_a, la->fch, a->d_a, (long)N * 4 * C);
        matmul_backward(a->d_b, g->fcw + lC * 4 * C, g->fcb + lC * 4, a->d_a, la->ln2, p->fcw + lC * 4 * C, N, C,
                        4 * C, 0);
        layernorm_backward(dres, g->ln2w + lC, g->ln2b + lC, a->d_b, la->res2, p->ln2w + lC, la->ln2_mean,
                           la->ln2_rstd, N, C);
        /* res2 = res + atty · attprojwᵀ + b */
        matmul_backward(a->d_b, g->attprojw + lC * C, g->attprojb + lC, dres, la->atty, p->attprojw + lC * C, N, C,
                        C, 0);
        attention_backward(a->d_a, a->d_att, a->d_b, la->qkv, la->att, B, T, C, NH);
        matmul_backward(a->d_b, g->qkvw + lC * 3 * C, g->qkvb + lC * 3, a->d_a, la->ln1, p->qkvw + lC * 3 * C, N, C,
                        3 * C, 0);
        layernorm_backward(dres, g->ln1w + lC, g->ln1b + lC, a->d_b, res, p->ln1w + lC, la->ln1_mean, la->ln1_rstd,
                           N, C);
    }
    encoder_backward(g->wte, g->wpe, dres, a->tok, a->pos, N, C);
}
