/* sampler.c — see sampler.h. */
#include "model/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"

/* Bytes of reply tail kept per row for stop-string matching: room for the
 * longest stop string plus the longest token one step can add. */
#define SAMPLER_TOK_BYTES 512
#define SAMPLER_WIN (2 * SAMPLER_MAX_STOP + SAMPLER_TOK_BYTES)

const char *sample_finish_name(int finish) {
    switch (finish) {
    case SAMPLE_LENGTH: return "length";
    case SAMPLE_EOT: return "eot";
    case SAMPLE_STOP: return "stop";
    case SAMPLE_STOP_IDS: return "stop_ids";
    case SAMPLE_CONTEXT: return "context";
    default: return "running";
    }
}

void sampler_opts_default(SamplerOpts *o) {
    memset(o, 0, sizeof *o);
    o->temperature = 1.0f;
    o->top_p = 1.0f;
    o->eot_id = -1;
}

/* The cache calls, on whichever device holds it. */
static int cache_prefill(Sampler *s, const int *tokens, const uint8_t *mask, int B, int Tp, RlhfErr *e) {
    int rc = s->gkv ? cuda_kv_prefill(s->gkv, tokens, mask, B, Tp, e) : kv_prefill(&s->kv, tokens, mask, B, Tp, e);
    if (rc == 0) s->nb = B;   /* only a batch the cache accepted has rows to read */
    return rc;
}
static int cache_step(Sampler *s, RlhfErr *e) {
    return s->gkv ? cuda_kv_step(s->gkv, s->next, s->active, e) : kv_step(&s->kv, s->next, s->active, e);
}
static const float *cache_logits(const Sampler *s, int b) {
    return s->gkv ? cuda_kv_logits(s->gkv, b) : kv_logits(&s->kv, b);
}
static int cache_pos(const Sampler *s, int b) { return s->gkv ? cuda_kv_pos(s->gkv, b) : s->kv.pos[b]; }

static int sampler_alloc(Sampler *s, const GPT2 *m, int B, int max_prompt, int max_new, RlhfErr *e);

int sampler_create(Sampler *s, const GPT2 *m, int B, int max_prompt, int max_new, RlhfErr *e) {
    memset(s, 0, sizeof *s);
    if (max_new < 1) return rlhf_err(e, "sampler: max_new %d, need ≥ 1", max_new);
    if (kv_create(&s->kv, m, B, max_prompt, max_new, e)) return -1;
    return sampler_alloc(s, m, B, max_prompt, max_new, e);
}

int sampler_create_dev(Sampler *s, DevModel *d, int B, int max_prompt, int max_new, RlhfErr *e) {
    if (!d->g) return sampler_create(s, d->m, B, max_prompt, max_new, e);
    memset(s, 0, sizeof *s);
    if (max_new < 1) return rlhf_err(e, "sampler: max_new %d, need ≥ 1", max_new);
    if (!(s->gkv = cuda_kv_create(d->g, B, max_prompt, max_new, e))) return -1;
    return sampler_alloc(s, d->m, B, max_prompt, max_new, e);
}

static int sampler_alloc(Sampler *s, const GPT2 *m, int B, int max_prompt, int max_new, RlhfErr *e) {
    s->max_seq = m->cfg.max_seq_len;
    s->B = B;
    s->max_prompt = max_prompt;
    s->max_new = max_new;
    s->V = m->cfg.vocab_size;
    size_t BN = (size_t)B * max_new;
    int fail = !(s->ids = rlhf_calloc(BN, sizeof(int), e)) || !(s->logp = rlhf_calloc(BN, sizeof(float), e)) ||
               !(s->logq = rlhf_calloc(BN, sizeof(float), e)) ||
               !(s->rows = rlhf_calloc((size_t)B, sizeof(SampleRow), e)) ||
               !(s->rng = rlhf_calloc((size_t)B, sizeof(Rng), e)) ||
               !(s->next = rlhf_calloc((size_t)B, sizeof(int), e)) ||
               !(s->active = rlhf_calloc((size_t)B, 1, e)) ||
               !(s->cand = rlhf_malloc((size_t)B * s->V * sizeof(SamplerCand), e)) ||
               !(s->tok_start = rlhf_calloc(BN + B, sizeof(int), e)) ||
               !(s->win = rlhf_malloc((size_t)B * SAMPLER_WIN, e)) ||
               !(s->win_len = rlhf_calloc((size_t)B, sizeof(int), e)) ||
               !(s->win_base = rlhf_calloc((size_t)B, sizeof(long), e)) ||
               !(s->pack_tokens = rlhf_calloc((size_t)B * max_prompt, sizeof(int), e)) ||
               !(s->pack_mask = rlhf_calloc((size_t)B * max_prompt, 1, e));
    if (fail) {
        sampler_free(s);
        return rlhf_err_wrap(e, "sampler (B %d, max_new %d)", B, max_new);
    }
    return 0;
}

void sampler_free(Sampler *s) {
    if (s->gkv) cuda_kv_free(s->gkv);
    else kv_free(&s->kv);
    free(s->ids); free(s->logp); free(s->logq); free(s->rows); free(s->rng); free(s->next);
    free(s->active); free(s->cand); free(s->tok_start); free(s->win); free(s->win_len);
    free(s->win_base); free(s->pack_tokens); free(s->pack_mask);
    memset(s, 0, sizeof *s);
}

const SampleRow *sampler_row(const Sampler *s, int b) {
    return (b >= 0 && b < s->nb) ? &s->rows[b] : NULL;
}

/* ---- choosing one token ---------------------------------------------------- */

/* Descending weight, ties to the lower id: a total order, so results never depend
 * on the sort algorithm. */
static inline int cand_before(const SamplerCand *a, const SamplerCand *b) {
    return a->w > b->w || (a->w == b->w && a->id < b->id);
}

static int cand_cmp(const void *pa, const void *pb) {
    const SamplerCand *a = pa, *b = pb;
    return cand_before(a, b) ? -1 : cand_before(b, a) ? 1 : 0;
}

/* Reorders c[0..n) so its first k entries are the k first in cand_before order
 * (Hoare quickselect, median-of-three pivot; expected O(n)). */
static void select_top(SamplerCand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        SamplerCand a = c[lo], b = c[mid], d = c[hi], piv;
        if (cand_before(&a, &b)) piv = cand_before(&b, &d) ? b : (cand_before(&a, &d) ? d : a);
        else piv = cand_before(&a, &d) ? a : (cand_before(&b, &d) ? d : b);
        int i = lo, j = hi;
        while (i <= j) {
            while (cand_before(&c[i], &piv)) i++;
            while (cand_before(&piv, &c[j])) j--;
            if (i <= j) { SamplerCand t = c[i]; c[i] = c[j]; c[j] = t; i++; j--; }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

int sampler_pick(const float *logits, int V, const SamplerOpts *o, Rng *rng, SamplerCand *cand, float *logp,
                 float *logq) {
    int am = 0;
    float mx = logits[0];
    for (int i = 1; i < V; i++)
        if (logits[i] > mx) { mx = logits[i]; am = i; }
    double z = 0.0;   /* Σ exp(logit − max): the model's normaliser */
    if (o->temperature <= 0.0f) {
        for (int i = 0; i < V; i++) z += expf(logits[i] - mx);
        *logp = (float)((double)(logits[am] - mx) - log(z));
        *logq = 0.0f;
        return am;
    }
    const float inv_t = 1.0f / o->temperature;
    int n = V;
    if (o->top_k > 0 && o->top_k < V) {
        for (int i = 0; i < V; i++) cand[i] = (SamplerCand){logits[i], i};
        select_top(cand, V, o->top_k);
        n = o->top_k;
        if (inv_t != 1.0f)
            for (int i = 0; i < V; i++) z += expf(logits[i] - mx);
        for (int i = 0; i < n; i++) cand[i].w = expf((cand[i].w - mx) * inv_t);
        if (inv_t == 1.0f)
            for (int i = 0; i < V; i++) z += expf(logits[i] - mx);
    } else {
        /* one exp pass serves both distributions at temperature 1 */
        for (int i = 0; i < V; i++) cand[i] = (SamplerCand){expf((logits[i] - mx) * inv_t), i};
        if (inv_t == 1.0f) for (int i = 0; i < V; i++) z += cand[i].w;
        else for (int i = 0; i < V; i++) z += expf(logits[i] - mx);
    }
    double mass = 0.0;
    for (int i = 0; i < n; i++) mass += cand[i].w;
    if (o->top_p > 0.0f && o->top_p < 1.0f) {
        /* The nucleus is a prefix of the candidates sorted by weight. Rather than sort
         * all V, move those above a threshold to the front, lowering it until they
         * hold enough mass, and sort only them. */
        double want = (double)o->top_p * mass, got = 0.0;
        int m = 0;
        float theta = 1e-3f;   /* weights are ≤ 1 (the max has weight exactly 1) */
        for (;;) {
            for (int i = m; i < n; i++)
                if (cand[i].w >= theta) {
                    got += cand[i].w;
                    SamplerCand t = cand[m]; cand[m] = cand[i]; cand[i] = t;
                    m++;
                }
            if (got >= want || m == n || theta == 0.0f) break;
            theta = theta > 1e-30f ? theta * (1.0f / 64.0f) : 0.0f;
        }
        qsort(cand, (size_t)m, sizeof *cand, cand_cmp);
        double cum = 0.0;
        int keep = 0;
        while (keep < m) {
            cum += cand[keep++].w;
            if (cum >= want) break;
        }
        n = keep;
        mass = cum;
    }
    double u = rng_double(rng) * mass, acc = 0.0;
    int pick = n - 1;
    for (int i = 0; i < n; i++) {
        acc += cand[i].w;
        if (u < acc) { pick = i; break; }
    }
    int tok = cand[pick].id;
    *logp = (float)((double)(logits[tok] - mx) - log(z));
    *logq = (float)(log((double)cand[pick].w) - log(mass));
    return tok;
}

/* ---- stop conditions --------------------------------------------------------- */

/* Appends the decoded bytes of the newest token of row b and returns the stop
 * string that now appears (its index), else -1; sets *at to its reply offset. */
static int check_stop_strings(Sampler *s, int b, int tok, const SamplerOpts *o, long *at, RlhfErr *e) {
    char buf[SAMPLER_TOK_BYTES];
    int d = o->decode(o->decode_ctx, &tok, 1, buf, (int)sizeof buf);
    if (d < 0) return rlhf_err(e, "sampler: row %d: decode callback failed on token %d", b, tok), -2;
    if (d > (int)sizeof buf) d = (int)sizeof buf;
    char *w = s->win + (size_t)b * SAMPLER_WIN;
    int len = s->win_len[b];
    if (len + d > SAMPLER_WIN) {   /* keep the last SAMPLER_MAX_STOP bytes */
        int drop = len - SAMPLER_MAX_STOP;
        memmove(w, w + drop, (size_t)(len - drop));
        len -= drop;
        s->win_base[b] += drop;
    }
    int old = len;
    memcpy(w + len, buf, (size_t)d);
    len += d;
    s->win_len[b] = len;
    int n = s->rows[b].n;
    s->tok_start[(size_t)b * (s->max_new + 1) + n + 1] = (int)(s->win_base[b] + len);
    int best = -1;
    long best_at = 0;
    for (int k = 0; k < o->n_stop; k++) {
        int sl = (int)strlen(o->stop[k]);
        if (sl == 0 || sl > len) continue;
        int from = RLHF_MAX(0, old - sl + 1);   /* the match must end in the new bytes */
        const char *hit = memmem(w + from, (size_t)(len - from), o->stop[k], (size_t)sl);
        if (hit && (best < 0 || s->win_base[b] + (hit - w) < best_at)) {
            best = k;
            best_at = s->win_base[b] + (long)(hit - w);
        }
    }
    *at = best_at;
    return best;
}

static int check_stop_ids(const int *ids, int n, const SamplerOpts *o, int *len) {
    for (int k = 0; k < o->n_stop_ids; k++) {
        int sl = o->stop_ids_len[k];
        if (sl > 0 && sl <= n && !memcmp(ids + n - sl, o->stop_ids[k], (size_t)sl * sizeof(int))) {
            *len = sl;
            return k;
        }
    }
    return -1;
}

/* ---- the generation loop ----------------------------------------------------- */

int sampler_generate(Sampler *s, const int *tokens, const uint8_t *mask, int B, int Tp, const SamplerOpts *o,
                     RlhfErr *e) {
    int max_new = o->max_new > 0 ? RLHF_MIN(o->max_new, s->max_new) : s->max_new;
    if (o->n_stop > 0 && !o->decode) return rlhf_err(e, "sampler: %d stop strings but no decode callback", o->n_stop);
    for (int k = 0; k < o->n_stop; k++)
        if (strlen(o->stop[k]) > SAMPLER_MAX_STOP)
            return rlhf_err(e, "sampler: stop string %d is %zu bytes, at most %d", k, strlen(o->stop[k]),
                            SAMPLER_MAX_STOP);
    if (o->top_k < 0) return rlhf_err(e, "sampler: top_k %d < 0", o->top_k);
    if (!(o->temperature >= 0.0f) || !(o->top_p >= 0.0f))
        return rlhf_err(e, "sampler: temperature %g and top_p %g must be ≥ 0", (double)o->temperature,
                        (double)o->top_p);
    if (cache_prefill(s, tokens, mask, B, Tp, e)) return -1;
    const int max_seq = s->max_seq;
    for (int b = 0; b < B; b++) {
        SampleRow *r = &s->rows[b];
        memset(r, 0, sizeof *r);
        r->stop_index = -1;
        r->stop_byte = -1;
        r->ids = s->ids + (size_t)b * s->max_new;
        r->logp = s->logp + (size_t)b * s->max_new;
        r->logp_sample = s->logq + (size_t)b * s->max_new;
        rng_seed(&s->rng[b], o->seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(b + o->row_offset + 1)));
        s->active[b] = 1;
        s->win_len[b] = 0;
        s->win_base[b] = 0;
        s->tok_start[(size_t)b * (s->max_new + 1)] = 0;
    }
    int n_active = B;
    while (n_active > 0) {
        /* pick a token for every active row, rows in parallel */
#pragma omp parallel for schedule(static) if (B > 1)
        for (int b = 0; b < B; b++) {
            if (!s->active[b]) continue;
            SampleRow *r = &s->rows[b];
            float lp, lq;
            int tok = sampler_pick(cache_logits(s, b), s->V, o, &s->rng[b], s->cand + (size_t)b * s->V, &lp, &lq);
            s->ids[(size_t)b * s->max_new + r->n] = tok;
            s->logp[(size_t)b * s->max_new + r->n] = lp;
            s->logq[(size_t)b * s->max_new + r->n] = lq;
            s->next[b] = tok;
        }
        /* stop conditions, in order of precedence */
        for (int b = 0; b < B; b++) {
            if (!s->active[b]) continue;
            SampleRow *r = &s->rows[b];
            int tok = s->next[b];
            int *ids = s->ids + (size_t)b * s->max_new;
            long at = -1;
            int k = o->n_stop > 0 ? check_stop_strings(s, b, tok, o, &at, e) : -1;
            if (k == -2) return -1;
            r->n++;
            int sl = 0, kid = -1;
            if (tok == o->eot_id) {
                r->finish = SAMPLE_EOT;
                r->n_reply = r->n - 1;
            } else if (k >= 0) {
                r->finish = SAMPLE_STOP;
                r->stop_index = k;
                r->stop_byte = at;
                const int *st = s->tok_start + (size_t)b * (s->max_new + 1);
                int keep = 0;   /* tokens that end at or before the stop string's first byte */
                while (keep < r->n && st[keep + 1] <= at) keep++;
                r->n_reply = keep;
            } else if ((kid = check_stop_ids(ids, r->n, o, &sl)) >= 0) {
                r->finish = SAMPLE_STOP_IDS;
                r->stop_index = kid;
                r->n_reply = r->n - sl;
            } else if (r->n >= max_new) {
                r->finish = SAMPLE_LENGTH;
                r->n_reply = r->n;
            } else if (cache_pos(s, b) >= max_seq) {
                r->finish = SAMPLE_CONTEXT;
                r->n_reply = r->n;
            }
            if (r->finish != SAMPLE_RUNNING) {
                s->active[b] = 0;
                n_active--;
            }
        }
        if (n_active > 0 && cache_step(s, e)) return -1;
    }
    return 0;
}

int sampler_generate_ragged(Sampler *s, const int *const *prompts, const int *lens, int B, const SamplerOpts *o,
                            RlhfErr *e) {
    if (B < 1 || B > s->B) return rlhf_err(e, "sampler: batch %d, sampler holds 1..%d rows", B, s->B);
    int Tp = 0;
    for (int b = 0; b < B; b++) {
        if (lens[b] < 1 || lens[b] > s->max_prompt)
            return rlhf_err(e, "sampler: prompt %d has %d tokens, need 1..%d", b, lens[b], s->max_prompt);
        Tp = RLHF_MAX(Tp, lens[b]);
    }
    for (int b = 0; b < B; b++) {
        int pad = Tp - lens[b];
        int *t = s->pack_tokens + (size_t)b * Tp;
        uint8_t *mk = s->pack_mask + (size_t)b * Tp;
        memset(t, 0, (size_t)pad * sizeof(int));
        memset(mk, 0, (size_t)pad);
        memcpy(t + pad, prompts[b], (size_t)lens[b] * sizeof(int));
        memset(mk + pad, 1, (size_t)lens[b]);
    }
    return sampler_generate(s, s->pack_tokens, s->pack_mask, B, Tp, o, e);
}
