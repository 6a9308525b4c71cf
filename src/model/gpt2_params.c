/* gpt2_params.c — the parameter arena: its tensor table, allocation,
 * initialisation and copying. Forward/backward live in gpt2.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/gpt2.h"
#include "util/rng.h"

int gpt2_config_validate(const GPT2Config *c, RlhfErr *e) {
    if (c->n_layer < 1 || c->n_layer > 256) return rlhf_err(e, "config: n_layer %d out of range [1, 256]", c->n_layer);
    if (c->n_head < 1 || c->n_head > 256) return rlhf_err(e, "config: n_head %d out of range [1, 256]", c->n_head);
    if (c->n_embd < 1 || c->n_embd > 16384) return rlhf_err(e, "config: n_embd %d out of range", c->n_embd);
    if (c->n_embd % c->n_head) return rlhf_err(e, "config: n_embd %d not divisible by n_head %d", c->n_embd, c->n_head);
    if (c->vocab_size < 2 || c->vocab_size > 1000000) return rlhf_err(e, "config: vocab_size %d out of range", c->vocab_size);
    if (c->max_seq_len < 1 || c->max_seq_len > 65536) return rlhf_err(e, "config: max_seq_len %d out of range", c->max_seq_len);
    return 0;
}

static void add_tensor(GPT2 *m, const char *name, int ndim, int d0, int d1, int d2, int decay) {
    GPT2Tensor *t = &m->tensors[m->n_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->shape[0] = d0; t->shape[1] = d1; t->shape[2] = d2;
    t->numel = (size_t)d0 * (size_t)(ndim > 1 ? d1 : 1) * (size_t)(ndim > 2 ? d2 : 1);
    t->offset = m->num_params;
    t->decay = decay;
    m->num_params += t->numel;
}

static void build_table(GPT2 *m) {
    const GPT2Config *c = &m->cfg;
    int V = c->vocab_size, C = c->n_embd, L = c->n_layer, T = c->max_seq_len;
    m->n_tensors = 0;
    m->num_params = 0;
    add_tensor(m, "wte", 2, V, C, 0, 1);
    add_tensor(m, "wpe", 2, T, C, 0, 1);
    add_tensor(m, "ln1w", 2, L, C, 0, 0);
    add_tensor(m, "ln1b", 2, L, C, 0, 0);
    add_tensor(m, "qkvw", 3, L, 3 * C, C, 1);
    add_tensor(m, "qkvb", 2, L, 3 * C, 0, 0);
    add_tensor(m, "attprojw", 3, L, C, C, 1);
    add_tensor(m, "attprojb", 2, L, C, 0, 0);
    add_tensor(m, "ln2w", 2, L, C, 0, 0);
    add_tensor(m, "ln2b", 2, L, C, 0, 0);
    add_tensor(m, "fcw", 3, L, 4 * C, C, 1);
    add_tensor(m, "fcb", 2, L, 4 * C, 0, 0);
    add_tensor(m, "fcprojw", 3, L, C, 4 * C, 1);
    add_tensor(m, "fcprojb", 2, L, C, 0, 0);
    add_tensor(m, "lnfw", 1, C, 0, 0, 0);
    add_tensor(m, "lnfb", 1, C, 0, 0, 0);
    if (m->heads & GPT2_HEAD_SCALAR) {
        add_tensor(m, "scalar_w", 1, C, 0, 0, 0);
        add_tensor(m, "scalar_b", 1, 1, 0, 0, 0);
    }
    if (m->heads & GPT2_HEAD_VALUE) {
        add_tensor(m, "value_w", 1, C, 0, 0, 0);
        add_tensor(m, "value_b", 1, 1, 0, 0, 0);
    }
}

/* Points a GPT2Params at an arena laid out by the tensor table. */
static void point_params(const GPT2 *m, float *mem, GPT2Params *p) {
    memset(p, 0, sizeof *p);
    if (!mem) return;
    float **slots[GPT2_MAX_TENSORS] = {&p->wte, &p->wpe, &p->ln1w, &p->ln1b, &p->qkvw, &p->qkvb, &p->attprojw,
                                       &p->attprojb, &p->ln2w, &p->ln2b, &p->fcw, &p->fcb, &p->fcprojw,
                                       &p->fcprojb, &p->lnfw, &p->lnfb};
    for (int i = 0; i < GPT2_NUM_BASE_TENSORS; i++) *slots[i] = mem + m->tensors[i].offset;
    for (int i = GPT2_NUM_BASE_TENSORS; i < m->n_tensors; i++) {
        const GPT2Tensor *t = &m->tensors[i];
        if (!strcmp(t->name, "scalar_w")) p->scalar_w = mem + t->offset;
        else if (!strcmp(t->name, "scalar_b")) p->scalar_b = mem + t->offset;
        else if (!strcmp(t->name, "value_w")) p->value_w = mem + t->offset;
        else if (!strcmp(t->name, "value_b")) p->value_b = mem + t->offset;
    }
}

int gpt2_create(GPT2 *m, const GPT2Config *cfg, int heads, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    if (gpt2_config_validate(cfg, e)) return -1;
    m->cfg = *cfg;
    m->heads = heads & (GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE);
    build_table(m);
    m->param_mem = rlhf_calloc(m->num_params, sizeof(float), e);
    if (!m->param_mem) return -1;
    point_params(m, m->param_mem, &m->params);
    return 0;
}

void gpt2_init_weights(GPT2 *m, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    float resid_std = 0.02f / sqrtf(2.0f * (float)m->cfg.n_layer);
    for (int i = 0; i < m->n_tensors; i++) {
        const GPT2Tensor *t = &m->tensors[i];
        float *p = m->param_mem + t->offset;
        const char *n = t->name;
        if (!strcmp(n, "ln1w") || !strcmp(n, "ln2w") || !strcmp(n, "lnfw")) {
            for (size_t k = 0; k < t->numel; k++) p[k] = 1.0f;
        } else if (t->decay) {
            float std = (!strcmp(n, "attprojw") || !strcmp(n, "fcprojw")) ? resid_std : 0.02f;
            for (size_t k = 0; k < t->numel; k++) p[k] = std * (float)rng_normal(&r);
        } else {
            memset(p, 0, t->numel * sizeof(float));
        }
    }
}

/* The activation/gradient buffers depend on the layout, so adding heads drops them. */
void gpt2_release_buffers(GPT2 *m);

int gpt2_add_heads(GPT2 *m, int heads, RlhfErr *e) {
    int want = (m->heads | heads) & (GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE);
    if (want == m->heads) return 0;
    GPT2 n;
    if (gpt2_create(&n, &m->cfg, want, e)) return -1;
    for (int i = 0; i < m->n_tensors; i++) {
        const GPT2Tensor *src = &m->tensors[i];
        const GPT2Tensor *dst = gpt2_find_tensor(&n, src->name);
        memcpy(n.param_mem + dst->offset, m->param_mem + src->offset, src->numel * sizeof(float));
    }
    gpt2_free(m);
    *m = n;
    point_params(m, m->param_mem, &m->params);
    return 0;
}

void gpt2_free(GPT2 *m) {
    gpt2_release_buffers(m);
    free(m->param_mem);
    memset(m, 0, sizeof *m);
}

int gpt2_copy_params(GPT2 *dst, const GPT2 *src, RlhfErr *e) {
    if (memcmp(&dst->cfg, &src->cfg, sizeof src->cfg) || dst->heads != src->heads)
        return rlhf_err(e, "copy_params: models differ in config or heads");
    if (src->decode_layout || dst->decode_layout)
        return rlhf_err(e, "copy_params: a model's matrices are in kv_pack_model's decode layout");
    memcpy(dst->param_mem, src->param_mem, src->num_params * sizeof(float));
    return 0;
}

const GPT2Tensor *gpt2_find_tensor(const GPT2 *m, const char *name) {
    for (int i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return &m->tensors[i];
    return NULL;
}

void gpt2_print_summary(const GPT2 *m, FILE *out) {
    const GPT2Config *c = &m->cfg;
    fprintf(out, "GPT-2: %d layers, %d heads, width %d, context %d, vocab %d, %.2fM parameters%s%s\n", c->n_layer,
            c->n_head, c->n_embd, c->max_seq_len, c->vocab_size, (double)m->num_params / 1e6,
            (m->heads & GPT2_HEAD_SCALAR) ? ", scalar head" : "", (m->heads & GPT2_HEAD_VALUE) ? ", value head" : "");
}

/* Used by gpt2.c once it allocates grads. */
void gpt2_point_grads(GPT2 *m);
void gpt2_point_grads(GPT2 *m) { point_params(m, m->grad_mem, &m->grads); }
