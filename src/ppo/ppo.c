/* ppo.c — see ppo.h. Shapes: B = rollout_batch rows, R = max_new reply slots,
 * S = max_prompt + max_new sequence slots; a row's sequence is its prompt ids
 * then its reply ids, right-padded. Reply token i sits at sequence position
 * plen + i and is predicted from position plen + i − 1, which is where its
 * log-prob, its value ("the state before acting") and its target live. */
#include "ppo/ppo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"
#include "util/json.h"
#include "util/rng.h"

struct Ppo {
    GPT2 *pol, *ref;
    DevModel dpol, dref;      /* where their arithmetic runs (device.h) */
    Tokenizer *tok;
    PpoConfig c;
    AdamW opt;
    Sampler sampler;
    int B, R, S, mb;
    /* data parallelism (docs/DISTRIBUTED.md): this rank samples, scores and
     * trains on rows [lb, le) of every batch; the per-row results are then
     * gathered so every rank holds the whole batch */
    int rank, nranks, lb, le;
    /* rollout, (B, ·) */
    int *prompt_ids;          /* (B, max_prompt) */
    int *plen, *rlen, *finish;
    int *seq;                 /* (B, S) */
    float *old_logp, *ref_logp, *values, *rew_tok, *adv, *ret, *ent; /* (B, R) */
    float *score;             /* (B) judge reward (+ length penalty) */
    float *raw_reward;        /* (B) judge reward alone */
    char **replies;           /* (B) decoded replies (without stop text / EOT); this rank's rows only */
    const char **reply_ptrs;
    /* minibatch scratch, (mb, S) */
    int *mb_tok, *mb_tgt;
    uint8_t *mb_mask;
    float *mb_logp, *mb_ent, *mb_val, *mb_dlogp, *mb_dent, *mb_dval;
    int *rows;                /* (B) permutation */
    TokIds enc;
    TokBytes dec;
    /* state that a resume needs */
    long step;
    float beta;
    double rew_mean, rew_m2;
    long rew_n;
};

void ppo_config_default(PpoConfig *c) {
    memset(c, 0, sizeof *c);
    c->rollout_batch = 32;
    c->group = 1;
    c->minibatch = 8;
    c->epochs = 2;
    c->max_prompt = 96;
    c->max_new = 48;
    c->temperature = 1.0f;
    c->lr = 2e-5f;
    c->clip_ratio = 0.2f;
    c->clip_value = 0.2f;
    c->vf_coef = 0.1f;
    c->ent_coef = 0.0f;
    c->kl_coef = 0.05f;
    c->kl_target = 0.0f;
    c->kl_horizon = 10000.0f;
    c->gamma = 1.0f;
    c->lam = 0.95f;
    c->whiten_adv = 1;
    c->norm_reward = 0;
    c->reward_clip = 0.0f;
    c->length_penalty = -1.0f;
    c->grad_clip = 1.0f;
    c->steps = 20;
    c->seed = 1;
}

void ppo_free(Ppo *p) {
    if (!p) return;
    adamw_free(&p->opt);
    sampler_free(&p->sampler);
    dev_close(&p->dpol);
    dev_close(&p->dref);
    free(p->prompt_ids); free(p->plen); free(p->rlen); free(p->finish); free(p->seq);
    free(p->old_logp); free(p->ref_logp); free(p->values); free(p->rew_tok); free(p->adv); free(p->ret);
    free(p->ent); free(p->score); free(p->raw_reward);
    if (p->replies)
        for (int i = 0; i < p->B; i++) free(p->replies[i]);
    free(p->replies); free(p->reply_ptrs);
    free(p->mb_tok); free(p->mb_tgt); free(p->mb_mask); free(p->mb_logp); free(p->mb_ent); free(p->mb_val);
    free(p->mb_dlogp); free(p->mb_dent); free(p->mb_dval); free(p->rows);
    tok_ids_free(&p->enc);
    tok_bytes_free(&p->dec);
    free(p);
}

Ppo *ppo_create(GPT2 *policy, GPT2 *ref, Tokenizer *tok, const PpoConfig *c, RlhfErr *e) {
    if (memcmp(&policy->cfg, &ref->cfg, sizeof ref->cfg)) {
        rlhf_err(e, "ppo: the policy and the reference differ in config");
        return NULL;
    }
    if (c->rollout_batch < 1 || c->minibatch < 1 || c->epochs < 1 || c->max_new < 1 || c->max_prompt < 1) {
        rlhf_err(e, "ppo: rollout_batch, minibatch, epochs, max_prompt and max_new must be positive");
        return NULL;
    }
    if (c->group < 1 || c->rollout_batch % c->group) {
        rlhf_err(e, "ppo: group %d must be at least 1 and divide rollout_batch %d", c->group, c->rollout_batch);
        return NULL;
    }
    if (c->max_prompt + c->max_new > policy->cfg.max_seq_len) {
        rlhf_err(e, "ppo: max_prompt %d + max_new %d exceeds the model's context %d", c->max_prompt, c->max_new,
                 policy->cfg.max_seq_len);
        return NULL;
    }
    if (!(policy->heads & GPT2_HEAD_VALUE) && gpt2_add_heads(policy, GPT2_HEAD_VALUE, e)) return NULL;
    Ppo *p = rlhf_calloc(1, sizeof *p, e);
    if (!p) return NULL;
    p->pol = policy;
    p->ref = ref;
    p->tok = tok;
    p->c = *c;
    p->B = c->rollout_batch;
    p->R = c->max_new;
    p->S = c->max_prompt + c->max_new;
    p->mb = RLHF_MIN(c->minibatch, p->B);
    p->beta = c->kl_coef;
    p->rank = dist_rank();
    p->nranks = dist_size();
    if (c->device != DEVICE_CPU && p->nranks > 1) {
        rlhf_err(e, "ppo: --device %s with %d MPI ranks is not supported yet", device_name(c->device), p->nranks);
        free(p);
        return NULL;
    }
    if (p->B < p->nranks) {
        rlhf_err(e, "ppo: rollout_batch %d is smaller than the %d ranks", p->B, p->nranks);
        free(p);
        return NULL;
    }
    {
        long lb, le;
        dist_shard(p->B, p->rank, p->nranks, &lb, &le);
        p->lb = (int)lb;
        p->le = (int)le;
    }
    size_t B = (size_t)p->B, R = (size_t)p->R, S = (size_t)p->S, M = (size_t)p->mb;
#define ALLOC(ptr, n) do { (ptr) = rlhf_calloc((n), sizeof *(ptr), e); if (!(ptr)) goto fail; } while (0)
    ALLOC(p->prompt_ids, B * (size_t)c->max_prompt);
    ALLOC(p->plen, B); ALLOC(p->rlen, B); ALLOC(p->finish, B);
    ALLOC(p->seq, B * S);
    ALLOC(p->old_logp, B * R); ALLOC(p->ref_logp, B * R); ALLOC(p->values, B * R); ALLOC(p->rew_tok, B * R);
    ALLOC(p->adv, B * R); ALLOC(p->ret, B * R); ALLOC(p->ent, B * R);
    ALLOC(p->score, B); ALLOC(p->raw_reward, B);
    ALLOC(p->replies, B); ALLOC(p->reply_ptrs, B);
    ALLOC(p->mb_tok, M * S); ALLOC(p->mb_tgt, M * S); ALLOC(p->mb_mask, M * S);
    ALLOC(p->mb_logp, M * S); ALLOC(p->mb_ent, M * S); ALLOC(p->mb_val, M * S);
    ALLOC(p->mb_dlogp, M * S); ALLOC(p->mb_dent, M * S); ALLOC(p->mb_dval, M * S);
    ALLOC(p->rows, B);
#undef ALLOC
    if (dev_open(&p->dpol, policy, c->device, e) || dev_open(&p->dref, ref, c->device, e)) goto fail;
    if (sampler_create_dev(&p->sampler, &p->dpol, p->le - p->lb, c->max_prompt, c->max_new, e)) goto fail;
    if (dev_reserve(&p->dpol, p->mb, p->S, 1, e) || dev_reserve(&p->dref, p->mb, p->S, 0, e)) goto fail;
    if (adamw_init(&p->opt, policy, 0.9f, 0.95f, 1e-8f, 0.0f, e)) goto fail;
    return p;
fail:
    ppo_free(p);
    return NULL;
}

AdamW *ppo_optimizer(Ppo *p) { return &p->opt; }
int ppo_sync_host(Ppo *p, RlhfErr *e) { return dev_pull(&p->dpol, &p->opt, e); }
long ppo_steps_done(const Ppo *p) { return p->step; }
const char *ppo_reply(const Ppo *p, int i) { return i >= p->lb && i < p->le ? p->replies[i] : NULL; }
void ppo_local_rows(const Ppo *p, int *begin, int *end) { *begin = p->lb; *end = p->le; }

void ppo_sync_from_root(Ppo *p) {
    if (p->nranks == 1) return;
    dist_bcast(p->pol->param_mem, p->pol->num_params * sizeof(float));
    dist_bcast(p->opt.m, p->opt.n * sizeof(float));
    dist_bcast(p->opt.v, p->opt.n * sizeof(float));
    dist_bcast(&p->opt.step, sizeof p->opt.step);
    dist_bcast(&p->step, sizeof p->step);
    dist_bcast(&p->beta, sizeof p->beta);
    dist_bcast(&p->rew_mean, sizeof p->rew_mean);
    dist_bcast(&p->rew_m2, sizeof p->rew_m2);
    dist_bcast(&p->rew_n, sizeof p->rew_n);
}


/* Packs rows[0..n) into (n, T) minibatch buffers; T = the longest of them. */
static int pack(Ppo *p, const int *rows, int n) {
    int T = 1;
    for (int i = 0; i < n; i++) T = RLHF_MAX(T, p->plen[rows[i]] + p->rlen[rows[i]]);
    for (int i = 0; i < n; i++) {
        int b = rows[i], L = p->plen[b] + p->rlen[b];
        const int *src = p->seq + (size_t)b * p->S;
        for (int t = 0; t < T; t++) {
            int in = t < L;
            p->mb_tok[i * T + t] = in ? src[t] : 0;
            p->mb_mask[i * T + t] = (uint8_t)in;
            /* targets only where a reply token is predicted: positions plen-1 .. L-2 */
            p->mb_tgt[i * T + t] = (t >= p->plen[b] - 1 && t < L - 1) ? src[t + 1] : -1;
        }
    }
    return T;
}

void ppo_group_baseline(float *score, int n, int G) {
    if (G <= 1) return;
    for (int g = 0; g + G <= n; g += G) {
        double sum = 0;
        for (int i = 0; i < G; i++) sum += score[g + i];
        /* sum holds the originals, and row i's own value is unchanged when it is read */
        for (int i = 0; i < G; i++) score[g + i] -= (float)((sum - score[g + i]) / (G - 1));
    }
}

static float k3(float logr) { return expf(logr) - 1.0f - logr; }   /* ≥ 0, unbiased for KL */

/* Samples this rank's rows [lb, le) of the batch. */
static int rollout(Ppo *p, const char *const *prompts, PpoStats *st, RlhfErr *e) {
    const PpoConfig *c = &p->c;
    double t0 = rlhf_now();
    const int *pp[1024];
    const int **pptr = p->B <= 1024 ? pp : NULL;
    if (!pptr) return rlhf_err(e, "ppo: rollout_batch above 1024");
    const int nl = p->le - p->lb;
    for (int b = p->lb; b < p->le; b++) {
        p->enc.n = 0;
        if (tok_encode(p->tok, prompts[b], strlen(prompts[b]), 0, &p->enc, e))
            return rlhf_err_wrap(e, "ppo: prompt %d", b);
        if (p->enc.n == 0) return rlhf_err(e, "ppo: prompt %d is empty", b);
        int n = (int)RLHF_MIN(p->enc.n, (size_t)c->max_prompt);   /* keep the end */
        int *dst = p->prompt_ids + (size_t)b * c->max_prompt;
        memcpy(dst, p->enc.ids + (p->enc.n - (size_t)n), (size_t)n * sizeof(int));
        p->plen[b] = n;
        pptr[b - p->lb] = dst;
    }
    SamplerOpts so;
    sampler_opts_default(&so);
    so.temperature = c->temperature;
    so.max_new = c->max_new;
    so.eot_id = tok_eot(p->tok);
    so.seed = c->seed * 1000003ULL + (uint64_t)p->step;
    const char *stops[] = {"\n\nHuman:"};
    so.stop = stops;
    so.n_stop = 1;
    so.decode = tok_decode_cb;
    so.decode_ctx = p->tok;
    so.row_offset = p->lb;
    if (sampler_generate_ragged(&p->sampler, pptr, p->plen + p->lb, nl, &so, e)) return rlhf_err_wrap(e, "ppo: rollout");
    for (int b = p->lb; b < p->le; b++) {
        const SampleRow *r = sampler_row(&p->sampler, b - p->lb);
        p->rlen[b] = r->n;
        p->finish[b] = r->finish;
        int *s = p->seq + (size_t)b * p->S;
        memcpy(s, pptr[b - p->lb], (size_t)p->plen[b] * sizeof(int));
        memcpy(s + p->plen[b], r->ids, (size_t)r->n * sizeof(int));
        p->dec.len = 0;
        if (tok_decode(p->tok, r->ids, (size_t)r->n_reply, &p->dec, e)) return -1;
        free(p->replies[b]);
        p->replies[b] = strndup(p->dec.data ? p->dec.data : "", p->dec.len);
        if (!p->replies[b]) return rlhf_err(e, "out of memory");
        p->reply_ptrs[b] = p->replies[b];
    }
    st->t_rollout = rlhf_now() - t0;
    return 0;
}

/* Every rank gets every row's rollout, reward and token scores (a no-op on one rank). */
static void gather_rows(Ppo *p) {
    if (p->nranks == 1) return;
    dist_allgather_shards(p->plen, sizeof(int), p->B);
    dist_allgather_shards(p->rlen, sizeof(int), p->B);
    dist_allgather_shards(p->finish, sizeof(int), p->B);
    dist_allgather_shards(p->raw_reward, sizeof(float), p->B);
    dist_allgather_shards(p->seq, (size_t)p->S * sizeof(int), p->B);
    float *per_token[] = {p->old_logp, p->ref_logp, p->values, p->ent};
    for (size_t i = 0; i < sizeof per_token / sizeof per_token[0]; i++)
        dist_allgather_shards(per_token[i], (size_t)p->R * sizeof(float), p->B);
}

/* Old log-probs, values and entropies under the policy; log-probs under the reference. */
static void score_tokens(Ppo *p, PpoStats *st) {
    double t0 = rlhf_now();
    for (int b0 = p->lb; b0 < p->le; b0 += p->mb) {
        int n = RLHF_MIN(p->mb, p->le - b0);
        for (int i = 0; i < n; i++) p->rows[i] = b0 + i;
        int T = pack(p, p->rows, n);
        for (int pass = 0; pass < 2; pass++) {
            DevModel *m = pass == 0 ? &p->dpol : &p->dref;
            dev_forward(m, p->mb_tok, p->mb_mask, n, T);
            dev_lm_forward(m, p->mb_tgt, p->mb_logp, pass == 0 ? p->mb_ent : NULL);
            if (pass == 0) dev_value_forward(m, p->mb_val);
            for (int i = 0; i < n; i++) {
                int b = b0 + i, base = i * T + p->plen[b] - 1;
                for (int k = 0; k < p->rlen[b]; k++) {
                    size_t o = (size_t)b * p->R + k;
                    if (pass == 0) {
                        p->old_logp[o] = p->mb_logp[base + k];
                        p->values[o] = p->mb_val[base + k];
                        p->ent[o] = p->mb_ent[base + k];
                    } else {
                        p->ref_logp[o] = p->mb_logp[base + k];
                    }
                }
            }
        }
    }
    st->t_ref = rlhf_now() - t0;
}

static void advantages(Ppo *p, PpoStats *st) {
    const PpoConfig *c = &p->c;
    double kl_sum = 0, ent_sum = 0, score_sum = 0, ntok = 0;
    for (int b = 0; b < p->B; b++) {
        int n = p->rlen[b];
        float *r = p->rew_tok + (size_t)b * p->R, *v = p->values + (size_t)b * p->R;
        float *A = p->adv + (size_t)b * p->R, *G = p->ret + (size_t)b * p->R;
        const float *lo = p->old_logp + (size_t)b * p->R, *lr = p->ref_logp + (size_t)b * p->R;
        double kl_row = 0, tot = 0;
        for (int k = 0; k < n; k++) {
            r[k] = c->kl_in_loss ? 0.0f : -p->beta * (lo[k] - lr[k]);
            kl_row += k3(lr[k] - lo[k]);
            ent_sum += p->ent[(size_t)b * p->R + k];
        }
        if (n > 0) r[n - 1] += p->score[b];
        for (int k = 0; k < n; k++) tot += r[k];
        float gae = 0;
        for (int k = n - 1; k >= 0; k--) {
            float next_v = k + 1 < n ? v[k + 1] : 0.0f;
            float delta = r[k] + c->gamma * next_v - v[k];
            gae = delta + c->gamma * c->lam * gae;
            A[k] = gae;
            G[k] = gae + v[k];
        }
        kl_sum += kl_row;
        score_sum += tot;
        ntok += n;
    }
    st->kl = (float)(kl_sum / p->B);
    st->sqrt_kl = sqrtf(st->kl);
    st->entropy = ntok > 0 ? (float)(ent_sum / ntok) : 0.0f;
    st->score = (float)(score_sum / p->B);
    if (c->whiten_adv && ntok > 1) {
        double s = 0, s2 = 0;
        for (int b = 0; b < p->B; b++)
            for (int k = 0; k < p->rlen[b]; k++) s += p->adv[(size_t)b * p->R + k];
        double mean = s / ntok;
        for (int b = 0; b < p->B; b++)
            for (int k = 0; k < p->rlen[b]; k++) {
                double d = p->adv[(size_t)b * p->R + k] - mean;
                s2 += d * d;
            }
        double inv = 1.0 / (sqrt(s2 / ntok) + 1e-8);
        for (int b = 0; b < p->B; b++)
            for (int k = 0; k < p->rlen[b]; k++) {
                float *a = &p->adv[(size_t)b * p->R + k];
                *a = (float)((*a - mean) * inv);
            }
    }
}

static int update(Ppo *p, PpoStats *st, RlhfErr *e) {
    const PpoConfig *c = &p->c;
    double t0 = rlhf_now();
    Rng rng;
    rng_seed(&rng, c->seed * 7919ULL + (uint64_t)p->step);
    double clipped = 0, toks = 0, vloss = 0, ploss = 0, akl = 0;
    int *order = rlhf_malloc((size_t)p->B * sizeof(int), e);   /* once per step, not per token */
    if (!order) return -1;
    for (int ep = 0; ep < c->epochs; ep++) {
        for (int b = 0; b < p->B; b++) order[b] = b;
        rng_shuffle_int(&rng, order, p->B);
        for (int b0 = 0; b0 < p->B; b0 += p->mb) {
            int nall = RLHF_MIN(p->mb, p->B - b0);
            /* the loss is a mean over the whole minibatch's tokens; every rank
             * knows every row's length, so it needs no communication for it */
            int ntok = 0;
            for (int i = 0; i < nall; i++) ntok += p->rlen[order[b0 + i]];
            /* ×nranks: the gradients are averaged over ranks below, which then
             * sums the ranks' shares (×1 is exact on one rank) */
            float inv = ntok > 0 ? (float)p->nranks * (1.0f / (float)ntok) : 0.0f;
            long sh0, sh1;
            dist_shard(nall, p->rank, p->nranks, &sh0, &sh1);
            const int *rows = order + b0 + sh0;
            int n = (int)(sh1 - sh0);
            dev_zero_grad(&p->dpol);
            int T = 1;
            if (n > 0) {
                T = pack(p, rows, n);
                dev_forward(&p->dpol, p->mb_tok, p->mb_mask, n, T);
                dev_lm_forward(&p->dpol, p->mb_tgt, p->mb_logp, p->mb_ent);
                dev_value_forward(&p->dpol, p->mb_val);
                size_t NT = (size_t)n * T;
                memset(p->mb_dlogp, 0, NT * sizeof(float));
                memset(p->mb_dent, 0, NT * sizeof(float));
                memset(p->mb_dval, 0, NT * sizeof(float));
            }
            double pl = 0, vl = 0;
            for (int i = 0; i < n; i++) {
                int b = rows[i], base = i * T + p->plen[b] - 1;
                for (int k = 0; k < p->rlen[b]; k++) {
                    size_t o = (size_t)b * p->R + k;
                    int at = base + k;
                    float logp = p->mb_logp[at], A = p->adv[o];
                    float ratio = expf(logp - p->old_logp[o]);
                    float lo = 1.0f - c->clip_ratio, hi = 1.0f + c->clip_ratio;
                    float s1 = ratio * A, s2 = fminf(fmaxf(ratio, lo), hi) * A;
                    /* d(−min(s1, s2))/d logp: −A·ratio where the unclipped term is the min */
                    int is_clipped = s2 < s1;
                    pl += -fminf(s1, s2);
                    p->mb_dlogp[at] = is_clipped ? 0.0f : -A * ratio * inv;
                    clipped += (ratio < lo || ratio > hi);
                    akl += k3(p->old_logp[o] - logp);
                    float v = p->mb_val[at], vo = p->values[o], G = p->ret[o];
                    float vc = vo + fminf(fmaxf(v - vo, -c->clip_value), c->clip_value);
                    float l1 = (v - G) * (v - G), l2 = (vc - G) * (vc - G);
                    vl += 0.5f * fmaxf(l1, l2);
                    /* the clipped branch has zero gradient once v leaves the band */
                    float dv = (l1 >= l2) ? (v - G) : ((fabsf(v - vo) <= c->clip_value) ? (vc - G) : 0.0f);
                    p->mb_dval[at] = c->vf_coef * dv * inv;
                    if (c->ent_coef != 0.0f) p->mb_dent[at] = -c->ent_coef * inv;
                    if (c->kl_in_loss) {
                        /* β·k3(log π_ref − log π): d/d log π = β(1 − π_ref/π), zero at π = π_ref */
                        float d = p->ref_logp[o] - logp;
                        pl += p->beta * k3(d);
                        p->mb_dlogp[at] += p->beta * (1.0f - expf(d)) * inv;
                    }
                }
                toks += p->rlen[b];
            }
            if (dist_any(!isfinite(pl) || !isfinite(vl))) {
                free(order);
                return rlhf_err(e, "ppo: step %ld: policy loss %g / value loss %g is not finite%s", p->step + 1, pl, vl,
                                p->nranks > 1 ? " (on some rank)" : "");
            }
            ploss += pl;
            vloss += vl;
            if (n > 0) {
                dev_lm_backward(&p->dpol, p->mb_tgt, p->mb_dlogp, c->ent_coef != 0.0f ? p->mb_dent : NULL);
                dev_value_backward(&p->dpol, p->mb_dval);
                dev_backward(&p->dpol);
            }
            if (p->nranks > 1) dist_allreduce_mean(p->pol->grad_mem, p->pol->num_params);
            float norm = dev_clip_grad_norm(&p->dpol, c->grad_clip);
            if (dev_status(&p->dpol, e)) {
                free(order);
                return rlhf_err_wrap(e, "ppo: step %ld", p->step + 1);
            }
            if (!isfinite(norm)) {
                free(order);
                return rlhf_err(e, "ppo: step %ld: gradient norm is not finite", p->step + 1);
            }
            if (dev_adamw_step(&p->dpol, &p->opt, c->lr, e)) {
                free(order);
                return -1;
            }
        }
    }
    free(order);
    double sums[5] = {clipped, toks, vloss, ploss, akl};
    dist_allreduce_sum_double(sums, 5);
    clipped = sums[0]; toks = sums[1]; vloss = sums[2]; ploss = sums[3]; akl = sums[4];
    st->clip_frac = toks > 0 ? (float)(clipped / toks) : 0.0f;
    st->value_loss = toks > 0 ? (float)(vloss / toks) : 0.0f;
    st->policy_loss = toks > 0 ? (float)(ploss / toks) : 0.0f;
    st->approx_kl = toks > 0 ? (float)(akl / toks) : 0.0f;
    st->t_update = rlhf_now() - t0;
    return 0;
}

int ppo_step(Ppo *p, const char *const *prompts, PpoRewardFn reward, void *reward_ctx, PpoStats *st, RlhfErr *e) {
    const PpoConfig *c = &p->c;
    memset(st, 0, sizeof *st);
    int nl = p->le - p->lb;
    if (rollout(p, prompts, st, e)) return -1;
    double t0 = rlhf_now();
    if (reward(reward_ctx, prompts + p->lb, p->reply_ptrs + p->lb, nl, p->raw_reward + p->lb, e))
        return rlhf_err_wrap(e, "ppo: reward");
    st->t_score = rlhf_now() - t0;
    score_tokens(p, st);
    if (dev_status(&p->dpol, e) || dev_status(&p->dref, e)) return rlhf_err_wrap(e, "ppo: scoring tokens");
    gather_rows(p);
    double len = 0, trunc = 0;
    for (int b = 0; b < p->B; b++) {
        len += p->rlen[b];
        trunc += p->finish[b] == SAMPLE_LENGTH || p->finish[b] == SAMPLE_CONTEXT;
    }
    st->length = (float)(len / p->B);
    st->truncated = (float)(trunc / p->B);
    double s = 0, s2 = 0;
    for (int b = 0; b < p->B; b++) {
        float r = p->raw_reward[b];
        if (!isfinite(r)) return rlhf_err(e, "ppo: step %ld: reward of reply %d is not finite", p->step + 1, b);
        s += r;
        s2 += (double)r * r;
        /* running mean / variance (Welford) for optional normalisation */
        p->rew_n++;
        double d = r - p->rew_mean;
        p->rew_mean += d / (double)p->rew_n;
        p->rew_m2 += d * (r - p->rew_mean);
    }
    st->reward = (float)(s / p->B);
    st->reward_std = (float)sqrt(fmax(0.0, s2 / p->B - (s / p->B) * (s / p->B)));
    double sd = p->rew_n > 1 ? sqrt(p->rew_m2 / (double)(p->rew_n - 1)) : 1.0;
    for (int b = 0; b < p->B; b++) {
        float r = p->raw_reward[b];
        if (c->norm_reward) r = (float)((r - p->rew_mean) / (sd + 1e-8));
        if (c->reward_clip > 0) r = fminf(fmaxf(r, -c->reward_clip), c->reward_clip);
        if (p->finish[b] == SAMPLE_LENGTH || p->finish[b] == SAMPLE_CONTEXT) r += c->length_penalty;
        p->score[b] = r;
    }
    ppo_group_baseline(p->score, p->B, c->group);
    st->kl_coef = p->beta;
    advantages(p, st);
    if (update(p, st, e)) return -1;
    /* the host policy follows the device's after every step (ppo_run copies,
     * keeps and evaluates it there); the moments wait for ppo_sync_host */
    if (dev_pull(&p->dpol, NULL, e)) return rlhf_err_wrap(e, "ppo: step %ld", p->step + 1);
    if (c->kl_target > 0) {
        float err = fminf(fmaxf(st->kl / c->kl_target - 1.0f, -0.2f), 0.2f);
        p->beta *= 1.0f + err * (float)p->B / c->kl_horizon;
    }
    p->step++;
    st->step = p->step;
    return 0;
}

char *ppo_state_json(const Ppo *p) {
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_int(&b, "step", p->step);
    jb_key(&b, "beta"); jb_printf(&b, "%.9g", p->beta);
    jb_key(&b, "rew_mean"); jb_printf(&b, "%.17g", p->rew_mean);
    jb_key(&b, "rew_m2"); jb_printf(&b, "%.17g", p->rew_m2);
    jb_kv_int(&b, "rew_n", p->rew_n);
    jb_obj_end(&b);
    return b.data;
}

int ppo_state_from_json(Ppo *p, const char *json, RlhfErr *e) {
    JsonDoc *d = json_parse(json, strlen(json), e);
    if (!d) return rlhf_err_wrap(e, "ppo state");
    JsonValue *r = json_root(d);
    double step, beta, mean, m2, n;
    if (json_get_num(r, "step", &step) || json_get_num(r, "beta", &beta) || json_get_num(r, "rew_mean", &mean) ||
        json_get_num(r, "rew_m2", &m2) || json_get_num(r, "rew_n", &n)) {
        json_doc_free(d);
        return rlhf_err(e, "ppo state: missing one of step, beta, rew_mean, rew_m2, rew_n");
    }
    p->step = (long)step;
    p->beta = (float)beta;
    p->rew_mean = mean;
    p->rew_m2 = m2;
    p->rew_n = (long)n;
    json_doc_free(d);
    return 0;
}

void ppo_log_stats(MetricsLog *log, const PpoStats *s) {
    if (!log) return;
    JsonBuf *j = metrics_begin(log, "ppo");
    jb_kv_int(j, "step", s->step);
    jb_kv_num(j, "reward", s->reward);
    jb_kv_num(j, "reward_std", s->reward_std);
    jb_kv_num(j, "kl", s->kl);
    jb_kv_num(j, "sqrt_kl", s->sqrt_kl);
    jb_kv_num(j, "kl_coef", s->kl_coef);
    jb_kv_num(j, "entropy", s->entropy);
    jb_kv_num(j, "length", s->length);
    jb_kv_num(j, "truncated", s->truncated);
    jb_kv_num(j, "clip_frac", s->clip_frac);
    jb_kv_num(j, "value_loss", s->value_loss);
    jb_kv_num(j, "policy_loss", s->policy_loss);
    jb_kv_num(j, "approx_kl", s->approx_kl);
    jb_kv_num(j, "score", s->score);
    jb_kv_num(j, "t_rollout", s->t_rollout);
    jb_kv_num(j, "t_score", s->t_score);
    jb_kv_num(j, "t_ref", s->t_ref);
    jb_kv_num(j, "t_update", s->t_update);
    metrics_end(log);
}
