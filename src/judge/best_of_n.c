/* best_of_n.c — sample N, score, keep the best; reward statistics; the
 * analytic KL of best-of-N. */
#include "judge/best_of_n.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double best_of_n_kl(int n) { return n < 1 ? NAN : log((double)n) - (double)(n - 1) / n; }

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static double quantile_sorted(const float *s, int n, double q) {
    double at = q * (n - 1);
    int lo = (int)floor(at), hi = lo + 1 < n ? lo + 1 : lo;
    return s[lo] + (at - lo) * (s[hi] - s[lo]);
}

void reward_stats(const float *r, int n, RewardStats *out) {
    memset(out, 0, sizeof *out);
    out->n = n;
    if (n <= 0) {
        out->mean = out->std = out->min = out->max = NAN;
        out->q10 = out->q25 = out->q50 = out->q75 = out->q90 = NAN;
        return;
    }
    float *s = malloc((size_t)n * sizeof *s);
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) sum += r[i];
    out->mean = sum / n;
    for (int i = 0; i < n; i++) sq += (r[i] - out->mean) * (r[i] - out->mean);
    out->std = n > 1 ? sqrt(sq / (n - 1)) : 0.0;
    out->min = out->max = r[0];
    for (int i = 1; i < n; i++) {
        if (r[i] < out->min) out->min = r[i];
        if (r[i] > out->max) out->max = r[i];
    }
    if (!s) {   /* quantiles need a sorted copy; without memory report NaN rather than fail */
        out->q10 = out->q25 = out->q50 = out->q75 = out->q90 = NAN;
        return;
    }
    memcpy(s, r, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_float);
    out->q10 = quantile_sorted(s, n, 0.10);
    out->q25 = quantile_sorted(s, n, 0.25);
    out->q50 = quantile_sorted(s, n, 0.50);
    out->q75 = quantile_sorted(s, n, 0.75);
    out->q90 = quantile_sorted(s, n, 0.90);
    free(s);
}

void best_of_n_free(BestOfN *r) {
    if (r->replies)
        for (int i = 0; i < r->n; i++) free(r->replies[i]);
    free(r->replies);
    free(r->rewards);
    free(r->finish);
    memset(r, 0, sizeof *r);
}


int best_of_n_with(Sampler *s, Tokenizer *tok, RewardFn reward, void *reward_ctx, const char *prompt, int N,
                   const SamplerOpts *o, BestOfN *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    if (N < 1 || N > s->B) return rlhf_err(e, "best_of_n: N = %d, the sampler holds 1..%d rows", N, s->B);
    TokIds ids = {0};
    TokBytes text = {0};
    int rc = -1;
    const int **rows = NULL;
    int *lens = NULL;
    char **transcripts = NULL;
    size_t plen = strlen(prompt);
    if (tok_encode(tok, prompt, plen, 1, &ids, e)) goto done;
    if (ids.n < 1) { rlhf_err(e, "best_of_n: empty prompt (no tokens)"); goto done; }
    if ((int)ids.n > s->max_prompt) {
        rlhf_err(e, "best_of_n: prompt has %zu tokens, the sampler takes %d", ids.n, s->max_prompt);
        goto done;
    }
    rows = rlhf_malloc((size_t)N * sizeof *rows, e);
    lens = rlhf_malloc((size_t)N * sizeof *lens, e);
    out->rewards = rlhf_calloc((size_t)N, sizeof *out->rewards, e);
    out->replies = rlhf_calloc((size_t)N, sizeof *out->replies, e);
    out->finish = rlhf_calloc((size_t)N, sizeof *out->finish, e);
    transcripts = rlhf_calloc((size_t)N, sizeof *transcripts, e);
    if (!rows || !lens || !out->rewards || !out->replies || !out->finish || !transcripts) goto done;
    out->n = N;
    for (int b = 0; b < N; b++) { rows[b] = ids.ids; lens[b] = (int)ids.n; }
    SamplerOpts so = *o;
    if (so.n_stop > 0 && !so.decode) { so.decode = tok_decode_cb; so.decode_ctx = tok; }
    if (sampler_generate_ragged(s, (const int *const *)rows, lens, N, &so, e)) goto done;
    for (int b = 0; b < N; b++) {
        const SampleRow *r = sampler_row(s, b);
        text.len = 0;
        if (tok_decode(tok, r->ids, (size_t)r->n_reply, &text, e)) goto done;
        out->finish[b] = r->finish;
        out->replies[b] = rlhf_malloc(text.len + 1, e);
        transcripts[b] = rlhf_malloc(plen + text.len + 1, e);
        if (!out->replies[b] || !transcripts[b]) goto done;
        memcpy(out->replies[b], text.data ? text.data : "", text.len);
        out->replies[b][text.len] = 0;
        memcpy(transcripts[b], prompt, plen);
        memcpy(transcripts[b] + plen, text.data ? text.data : "", text.len);
        transcripts[b][plen + text.len] = 0;
    }
    if (reward(reward_ctx, (const char *const *)transcripts, N, out->rewards, e)) goto done;
    out->best = 0;
    for (int b = 1; b < N; b++)
        if (out->rewards[b] > out->rewards[out->best]) out->best = b;
    reward_stats(out->rewards, N, &out->stats);
    rc = 0;
done:
    if (rc) best_of_n_free(out);
    if (transcripts)
        for (int b = 0; b < N; b++) free(transcripts[b]);
    free(transcripts);
    free(rows);
    free(lens);
    tok_ids_free(&ids);
    tok_bytes_free(&text);
    return rc;
}

int best_of_n(const GPT2 *policy, Tokenizer *tok, RewardFn reward, void *reward_ctx, const char *prompt, int N,
              const SamplerOpts *o, BestOfN *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    if (o->max_new < 1) return rlhf_err(e, "best_of_n: max_new must be ≥ 1");
    TokIds ids = {0};
    if (tok_encode(tok, prompt, strlen(prompt), 1, &ids, e)) return -1;
    int np = (int)ids.n;
    tok_ids_free(&ids);
    if (np < 1) return rlhf_err(e, "best_of_n: empty prompt (no tokens)");
    if (np > policy->cfg.max_seq_len)
        return rlhf_err(e, "best_of_n: prompt has %d tokens, the model's context is %d", np, policy->cfg.max_seq_len);
    Sampler s;
    if (sampler_create(&s, policy, N, np, o->max_new, e)) return -1;
    int rc = best_of_n_with(&s, tok, reward, reward_ctx, prompt, N, o, out, e);
    sampler_free(&s);
    return rc;
}
