/* policy_gen.c — see policy_gen.h. */
#include "loop/policy_gen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_file.h"
#include "ppo/frontier.h"

int policy_gen_open(PolicyGen *g, const char *ckpt, int B, int max_prompt, int max_new, RlhfErr *e) {
    memset(g, 0, sizeof *g);
    if (model_file_load(ckpt, &g->model, &g->tok, NULL, NULL, NULL, e)) return -1;
    int ctx = g->model.cfg.max_seq_len;
    if (max_new >= ctx) max_new = ctx / 2;
    if (max_prompt + max_new > ctx) max_prompt = ctx - max_new;
    g->B = B;
    g->max_prompt = max_prompt;
    g->max_new = max_new;
    g->temperature = 0.7f;
    g->top_p = 1.0f;
    g->seed = 7;
    if (sampler_create(&g->sampler, &g->model, B, max_prompt, max_new, e)) {
        policy_gen_close(g);
        return rlhf_err_wrap(e, "%s", ckpt);
    }
    return 0;
}

void policy_gen_close(PolicyGen *g) {
    sampler_free(&g->sampler);
    gpt2_free(&g->model);
    if (g->tok) tok_free(g->tok);
    tok_ids_free(&g->enc);
    tok_bytes_free(&g->dec);
    memset(g, 0, sizeof *g);
}


int policy_gen_replies(PolicyGen *g, const char *const *prompts, int n, char **replies, RlhfErr *e) {
    int *ids = rlhf_malloc((size_t)g->B * g->max_prompt * sizeof *ids, e);
    int *lens = rlhf_malloc((size_t)g->B * sizeof *lens, e);
    const int **ptrs = rlhf_malloc((size_t)g->B * sizeof *ptrs, e);
    int rc = -1;
    for (int i = 0; i < n; i++) replies[i] = NULL;
    if (!ids || !lens || !ptrs) goto done;
    SamplerOpts so;
    sampler_opts_default(&so);
    so.temperature = g->temperature;
    so.top_p = g->top_p;
    so.max_new = g->max_new;
    so.eot_id = tok_eot(g->tok);
    const char *stops[] = {"\n\nHuman:"};
    so.stop = stops;
    so.n_stop = 1;
    so.decode = tok_decode_cb;
    so.decode_ctx = g->tok;
    for (int s = 0; s < n; s += g->B) {
        int B = RLHF_MIN(g->B, n - s);
        for (int b = 0; b < B; b++) {
            g->enc.n = 0;
            const char *p = prompts[s + b];
            if (tok_encode(g->tok, p, strlen(p), 0, &g->enc, e)) goto done;
            if (g->enc.n == 0) { rlhf_err(e, "prompt %d is empty", s + b); goto done; }
            int L = (int)RLHF_MIN(g->enc.n, (size_t)g->max_prompt);   /* keep the end */
            memcpy(ids + (size_t)b * g->max_prompt, g->enc.ids + (g->enc.n - (size_t)L), (size_t)L * sizeof(int));
            lens[b] = L;
            ptrs[b] = ids + (size_t)b * g->max_prompt;
        }
        so.seed = g->seed * 1000003ULL + (uint64_t)(g->calls++);
        if (sampler_generate_ragged(&g->sampler, ptrs, lens, B, &so, e)) goto done;
        for (int b = 0; b < B; b++) {
            const SampleRow *r = sampler_row(&g->sampler, b);
            g->dec.len = 0;
            if (tok_decode(g->tok, r->ids, (size_t)r->n_reply, &g->dec, e)) goto done;
            replies[s + b] = strndup(g->dec.data ? g->dec.data : "", g->dec.len);
            if (!replies[s + b]) { rlhf_err(e, "out of memory"); goto done; }
        }
    }
    rc = 0;
done:
    if (rc)
        for (int i = 0; i < n; i++) { free(replies[i]); replies[i] = NULL; }
    free(ids); free(lens); free(ptrs);
    return rc;
}

typedef struct AuditCursor { char **replies; int i; } AuditCursor;
static const char *next_reply(void *ctx, const char *prompt) {
    (void)prompt;
    AuditCursor *c = ctx;
    return c->replies[c->i++];
}

int policy_gen_audit(PolicyGen *g, const ClinicAuditSuite *s, ClinicClassifier *k, ClinicAuditReport *rep,
                     char ***replies_out, RlhfErr *e) {
    char **prompts = rlhf_calloc((size_t)s->n, sizeof *prompts, e);
    char **replies = rlhf_calloc((size_t)s->n, sizeof *replies, e);
    int rc = -1;
    if (!prompts || !replies) goto done;
    for (int i = 0; i < s->n; i++) {
        char buf[CLINIC_CONV_MAX];
        clinic_prompt(&s->items[i], buf, sizeof buf);
        prompts[i] = strdup(buf);
        if (!prompts[i]) { rlhf_err(e, "out of memory"); goto done; }
    }
    if (policy_gen_replies(g, (const char *const *)prompts, s->n, replies, e)) goto done;
    AuditCursor c = {replies, 0};
    if (clinic_audit_run(s, k, next_reply, &c, rep, e)) goto done;
    rc = 0;
done:
    if (prompts) for (int i = 0; i < s->n; i++) free(prompts[i]);
    free(prompts);
    if (rc == 0 && replies_out) *replies_out = replies;
    else if (replies) { for (int i = 0; i < s->n; i++) free(replies[i]); free(replies); }
    return rc;
}

void policy_draws_free(PolicyDraws *d) {
    free(d->reward);
    free(d->outcome);
    memset(d, 0, sizeof *d);
}

/* One row of the --frontier-at table: KL, reward and the four audit rates of p. */
static void frontier_row(FILE *out, const FrontierPoint *p) {
    fprintf(out, "%6.3f %7.3f | %6.1f%% %6.2f%% %6.1f%% %6.1f%%", p->kl, p->reward, 100 * p->rate[CLINIC_OUTB_SUCCESS],
            100 * p->rate[CLINIC_OUTB_HARMFUL], 100 * p->rate[CLINIC_OUTB_OVER_REFUSAL],
            100 * p->rate[CLINIC_OUTB_MISSED_ESCALATION]);
}

int policy_draws_frontier(const PolicyDraws *d, const double *at_kl, int nat, FILE *out, JsonBuf *json, RlhfErr *e) {
    enum { MAX_AT = 16 };
    Frontier f;
    FrontierPoint bon[16], opt[16], at[MAX_AT];
    if (nat < 0 || nat > MAX_AT) return rlhf_err(e, "frontier: %d KLs asked for, at most %d", nat, MAX_AT);
    if (frontier_init(&f, d->reward, d->outcome, d->n, d->per, CLINIC_NOUT, e)) return -1;
    int rows = frontier_ladder(&f, bon, opt, 16, e);
    for (int i = 0; i < nat && rows >= 0; i++)
        if (frontier_optimum_at_kl(&f, at_kl[i], &at[i], e)) {
            rlhf_err(e, "frontier at KL %g: the %d draws a message show KLs up to %.3f nats (more draws: --best-of N "
                        "--samples K)", at_kl[i], d->per, f.kl_max);
            rows = -1;
        }
    if (rows < 0) { frontier_free(&f); return -1; }
    if (out) {
        fprintf(out, "reward–KL frontier from %d draws a message (%d messages): best-of-N, and the KL-regularised "
                     "optimum pi* ~ pi_ref·exp(r/beta) at the same KL (both reweight the same draws)\n",
                d->per, d->n);
        fprintf(out, "  %-10s %6s %6s %7s | %7s %7s %7s %7s | %6s %7s %7s %7s %7s %7s\n", "policy", "KL", "KL(an)",
                "reward", "success", "harmful", "overref", "missesc", "beta", "reward", "success", "harmful", "overref",
                "missesc");
        for (int r = 0; r < rows; r++) {
            int N = (int)bon[r].param;
            char name[32];
            snprintf(name, sizeof name, "best-of-%d", N);
            fprintf(out, "  %-10s %6.3f %6.3f %7.3f | %6.1f%% %6.2f%% %6.1f%% %6.1f%% | %6.3g %7.3f %6.1f%% %6.2f%% "
                         "%6.1f%% %6.1f%%\n",
                    name, bon[r].kl, log((double)N) - (N - 1.0) / N, bon[r].reward, 100 * bon[r].rate[CLINIC_OUTB_SUCCESS],
                    100 * bon[r].rate[CLINIC_OUTB_HARMFUL], 100 * bon[r].rate[CLINIC_OUTB_OVER_REFUSAL], 100 * bon[r].rate[CLINIC_OUTB_MISSED_ESCALATION], opt[r].param, opt[r].reward,
                    100 * opt[r].rate[CLINIC_OUTB_SUCCESS], 100 * opt[r].rate[CLINIC_OUTB_HARMFUL], 100 * opt[r].rate[CLINIC_OUTB_OVER_REFUSAL], 100 * opt[r].rate[CLINIC_OUTB_MISSED_ESCALATION]);
        }
        fprintf(out, "  KL: measured on the draws, the same way for both (KL(an) = log N - (N-1)/N); rates: success, "
                     "harmful, over-refusal, missed escalation\n");
        if (nat > 0) {
            fprintf(out, "\nthe optimum at the KLs asked for (--frontier-at): the most any KL-penalised optimiser of these "
                         "judges could get there\n  %6s %6s %7s | %7s %7s %7s %7s\n", "beta", "KL", "reward", "success",
                    "harmful", "overref", "missesc");
            for (int i = 0; i < nat; i++) {
                fprintf(out, "  %6.3g ", at[i].param);
                frontier_row(out, &at[i]);
                fputc('\n', out);
            }
        }
    }
    if (json) {
        const char *names[CLINIC_NOUT];
        for (int b = 0; b < CLINIC_NOUT; b++) names[b] = clinic_outcome_name(b);
        frontier_ladder_json(&f, bon, opt, rows, at, nat, names, json);
    }
    frontier_free(&f);
    return 0;
}

int policy_gen_audit_best_of_n(PolicyGen *g, RewardModel *rm, int N, int picks, const ClinicAuditSuite *s,
                               ClinicClassifier *k, ClinicAuditReport *rep, char ***replies_out, double *words_out,
                               PolicyDraws *draws, RlhfErr *e) {
    memset(rep, 0, sizeof *rep);
    if (draws) memset(draws, 0, sizeof *draws);
    if (replies_out) *replies_out = NULL;
    if (N < 1 || picks < 1) return rlhf_err(e, "best-of-N audit: N and picks must be positive (got %d, %d)", N, picks);
    const int per = N * picks, total = s->n * per;
    int rc = -1;
    char **prompts = rlhf_calloc((size_t)total, sizeof *prompts, e);
    char **replies = rlhf_calloc((size_t)total, sizeof *replies, e);
    char **texts = rlhf_calloc((size_t)total, sizeof *texts, e);
    float *reward = rlhf_malloc((size_t)total * sizeof *reward, e);
    char **kept = replies_out ? rlhf_calloc((size_t)s->n * picks, sizeof *kept, e) : NULL;
    /* with draws every reply is classified once, here; without, only the kept ones below */
    int *labels = draws ? rlhf_malloc((size_t)total * sizeof *labels, e) : NULL;
    double words = 0;
    if (!prompts || !replies || !texts || !reward || (replies_out && !kept) || (draws && !labels)) goto done;
    for (int i = 0; i < s->n; i++) {
        char buf[CLINIC_CONV_MAX];
        clinic_prompt(&s->items[i], buf, sizeof buf);
        for (int j = 0; j < per; j++)
            if (!(prompts[i * per + j] = strdup(buf))) { rlhf_err(e, "out of memory"); goto done; }
    }
    if (policy_gen_replies(g, (const char *const *)prompts, total, replies, e)) goto done;
    for (int i = 0; i < total; i++) {
        size_t a = strlen(prompts[i]), b = strlen(replies[i]);
        if (!(texts[i] = malloc(a + b + 1))) { rlhf_err(e, "out of memory"); goto done; }
        memcpy(texts[i], prompts[i], a);
        memcpy(texts[i] + a, replies[i], b + 1);
    }
    if (reward_score(rm, (const char *const *)texts, total, reward, NULL, NULL, e)) goto done;
    for (int i = 0; labels && i < total; i++) labels[i] = clinic_classify(k, replies[i]);
    for (int i = 0; i < s->n; i++)
        for (int q = 0; q < picks; q++) {
            int base = i * per + q * N, best = base;
            for (int j = base + 1; j < base + N; j++)
                if (reward[j] > reward[best]) best = j;
            clinic_audit_add(rep, &s->items[i], labels ? labels[best] : clinic_classify(k, replies[best]));
            words += clinic_word_count(replies[best]);
            if (kept && !(kept[i * picks + q] = strdup(replies[best]))) { rlhf_err(e, "out of memory"); goto done; }
        }
    if (draws) {
        draws->n = s->n;
        draws->per = per;
        draws->reward = rlhf_malloc((size_t)total * sizeof *draws->reward, e);
        draws->outcome = rlhf_malloc((size_t)total * sizeof *draws->outcome, e);
        if (!draws->reward || !draws->outcome) { policy_draws_free(draws); goto done; }
        memcpy(draws->reward, reward, (size_t)total * sizeof *reward);
        for (int i = 0; i < total; i++)
            draws->outcome[i] = (unsigned)clinic_audit_outcome(&s->items[i / per], labels[i]);
    }
    if (words_out) *words_out = words / ((double)s->n * picks);
    if (replies_out) { *replies_out = kept; kept = NULL; }
    rc = 0;
done:
    for (int i = 0; i < total && prompts; i++) { free(prompts[i]); free(replies[i]); free(texts[i]); }
    for (int i = 0; kept && i < s->n * picks; i++) free(kept[i]);
    free(prompts); free(replies); free(texts); free(reward); free(kept); free(labels);
    return rc;
}
