/* ppo_run.c — see ppo_run.h. */
#include "ppo/ppo_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"
#include "model/model_file.h"
#include "report/svg_plot.h"
#include "train/lm_data.h"
#include "train/trainer.h"
#include "util/json.h"
#include "util/progress.h"
#include "util/rng.h"

void ppo_run_defaults(PpoRunOpts *o) {
    memset(o, 0, sizeof *o);
    ppo_config_default(&o->ppo);
    o->overopt_gap = 0.5f;
    o->keep_smooth = 3;
    o->budget_smooth = 3;
    o->ckpt_every = 5;
}

void ppo_run_result_free(PpoRunResult *r) {
    free(r->hist.st);
    free(r->hist.test_reward);
    memset(&r->hist, 0, sizeof r->hist);
}

static int hist_push(PpoHistory *h, const PpoStats *s, float test, RlhfErr *e) {
    if (h->n == h->cap) {
        int cap = h->cap ? h->cap * 2 : 64;
        PpoStats *ns = realloc(h->st, (size_t)cap * sizeof *ns);
        if (!ns) return rlhf_err(e, "out of memory");
        h->st = ns;
        float *nt = realloc(h->test_reward, (size_t)cap * sizeof *nt);
        if (!nt) return rlhf_err(e, "out of memory");
        h->test_reward = nt;
        h->cap = cap;
    }
    h->st[h->n] = *s;
    h->test_reward[h->n] = test;
    h->n++;
    return 0;
}

int ppo_load_prompts(const char *path, char ***prompts, int *n, RlhfErr *e) {
    char *text;
    size_t len;
    *prompts = NULL;
    *n = 0;
    if (rlhf_read_file(path, &text, &len, e)) return -1;
    int cap = 256, cnt = 0, lineno = 0;
    char **out = rlhf_malloc((size_t)cap * sizeof *out, e);
    if (!out) { free(text); return -1; }
    char *p = text;
    while (p < text + len) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        lineno++;
        char *item = NULL;
        if (l > 0 && p[0] == '{') {
            JsonDoc *d = json_parse(p, l, e);
            if (!d) { rlhf_err_wrap(e, "%s:%d", path, lineno); goto fail; }
            const char *s = json_get_str(json_root(d), "prompt");
            if (!s) { json_doc_free(d); rlhf_err(e, "%s:%d: field 'prompt' missing or not a string", path, lineno); goto fail; }
            item = strdup(s);
            json_doc_free(d);
        } else if (l > 0) {
            item = strndup(p, l);
        }
        if (item) {
            if (cnt == cap) {
                char **no = realloc(out, (size_t)(cap *= 2) * sizeof *no);
                if (!no) { free(item); rlhf_err(e, "out of memory"); goto fail; }
                out = no;
            }
            out[cnt++] = item;
        }
        p += l + 1;
    }
    free(text);
    if (cnt == 0) { free(out); return rlhf_err(e, "%s: no prompts", path); }
    *prompts = out;
    *n = cnt;
    return 0;
fail:
    for (int i = 0; i < cnt; i++) free(out[i]);
    free(out);
    free(text);
    return -1;
}

void ppo_free_prompts(char **prompts, int n) {
    for (int i = 0; i < n; i++) free(prompts[i]);
    free(prompts);
}

/* PPO's reward callback over a RewardModel: scores prompt + reply transcripts. */
typedef struct RewardCtx {
    RewardModel *rm;
    RewardFn fn;          /* used instead of rm when set */
    void *fn_ctx;
    char **texts;
    int cap;
} RewardCtx;

static int join_texts(RewardCtx *c, const char *const *prompts, const char *const *replies, int n, RlhfErr *e) {
    if (n > c->cap) {
        char **nt = realloc(c->texts, (size_t)n * sizeof *nt);
        if (!nt) return rlhf_err(e, "out of memory");
        for (int i = c->cap; i < n; i++) nt[i] = NULL;
        c->texts = nt;
        c->cap = n;
    }
    for (int i = 0; i < n; i++) {
        size_t a = strlen(prompts[i]), b = strlen(replies[i]);
        char *t = realloc(c->texts[i], a + b + 1);
        if (!t) return rlhf_err(e, "out of memory");
        memcpy(t, prompts[i], a);
        memcpy(t + a, replies[i], b + 1);
        c->texts[i] = t;
    }
    return 0;
}

static int reward_cb(void *ctx, const char *const *prompts, const char *const *replies, int n, float *rewards,
                     RlhfErr *e) {
    RewardCtx *c = ctx;
    if (join_texts(c, prompts, replies, n, e)) return -1;
    if (c->fn) return c->fn(c->fn_ctx, (const char *const *)c->texts, n, rewards, e);
    return reward_score(c->rm, (const char *const *)c->texts, n, rewards, NULL, NULL, e);
}

static void reward_ctx_free(RewardCtx *c) {
    for (int i = 0; i < c->cap; i++) free(c->texts[i]);
    free(c->texts);
}

static float tax_loss(GPT2 *m, const TokenData *d) {
    int T = RLHF_MIN(64, m->cfg.max_seq_len);
    return eval_lm_loss(m, d, 4, T, 16, NULL);
}

/* The trainer state saved with a checkpoint: the algorithm's (ppo_state_json)
 * plus the run's own marks, so a resumed run keeps the same kept checkpoint
 * and fence baselines as an uninterrupted one. */
static char *run_state_json(Ppo *p, const PpoRunResult *res) {
    char *js = ppo_state_json(p);
    char *end = js ? strrchr(js, '}') : NULL;
    if (!end) { free(js); return NULL; }
    *end = '\0';
    JsonBuf b;
    jb_init(&b);
    jb_raw(&b, js);   /* the object so far; jb_key adds the commas */
    jb_kv_int(&b, "run_best_step", res->best_step);
    jb_key(&b, "run_best_score"); jb_printf(&b, "%.9g", isfinite(res->best_score) ? res->best_score : -1e30);
    jb_key(&b, "run_train0"); jb_printf(&b, "%.9g", res->train0);
    jb_key(&b, "run_test0"); jb_printf(&b, "%.9g", isfinite(res->test0) ? res->test0 : 0.0);
    jb_key(&b, "run_recent");
    jb_arr_begin(&b);
    for (int i = 0; i < res->nrecent; i++)   /* JSON has no NaN: null stands for it */
        if (isfinite(res->recent[i])) jb_printf(&b, i ? ",%.9g" : "%.9g", res->recent[i]);
        else jb_raw(&b, i ? ",null" : "null");
    jb_arr_end(&b);
    jb_key(&b, "run_recent_kl");
    jb_arr_begin(&b);
    for (int i = 0; i < res->nrecent_kl; i++)
        jb_printf(&b, i ? ",%.9g" : "%.9g", isfinite(res->recent_kl[i]) ? res->recent_kl[i] : 0.0f);
    jb_arr_end(&b);
    jb_printf(&b, "}");
    free(js);
    return b.data;
}

/* Appends v to a sliding window of the last k values (1..PPO_MAX_KEEP_SMOOTH; the
 * window is saved with the checkpoint) and returns the window's mean. */
static float window_mean(float *w, int *n, int k, float v) {
    k = RLHF_MAX(1, RLHF_MIN(k, PPO_MAX_KEEP_SMOOTH));
    while (*n >= k) {
        memmove(w, w + 1, (size_t)(*n - 1) * sizeof *w);
        (*n)--;
    }
    w[(*n)++] = v;
    float sum = 0;
    for (int i = 0; i < *n; i++) sum += w[i];
    return sum / (float)*n;
}

/* Restores run_state_json's marks (absent in older checkpoints: then none). */
static void run_state_restore(const char *json, PpoRunResult *res) {
    RlhfErr ignore;
    JsonDoc *d = json_parse(json, strlen(json), &ignore);
    if (!d) return;
    JsonValue *r = json_root(d);
    double step, score, train0, test0;
    if (!json_get_num(r, "run_best_step", &step) && !json_get_num(r, "run_best_score", &score) &&
        !json_get_num(r, "run_train0", &train0) && !json_get_num(r, "run_test0", &test0)) {
        res->best_step = (long)step;
        res->best_score = score <= -1e29 ? -INFINITY : (float)score;
        res->train0 = (float)train0;
        res->test0 = (float)test0;
        res->resumed_marks = 1;
        JsonValue *rec = json_get(r, "run_recent");
        if (rec && rec->type == JSON_ARRAY)
            for (size_t i = 0; i < rec->len && i < PPO_MAX_KEEP_SMOOTH; i++)
                res->recent[res->nrecent++] = rec->items[i]->type == JSON_NUMBER ? (float)rec->items[i]->number : NAN;
        JsonValue *rk = json_get(r, "run_recent_kl");
        if (rk && rk->type == JSON_ARRAY)
            for (size_t i = 0; i < rk->len && i < PPO_MAX_KEEP_SMOOTH; i++)
                if (rk->items[i]->type == JSON_NUMBER) res->recent_kl[res->nrecent_kl++] = (float)rk->items[i]->number;
    }
    json_doc_free(d);
}

/* Rank 0 writes; every rank learns whether that worked, so all stop together. */
static int save_policy(const char *path, const GPT2 *m, Tokenizer *tok, Ppo *p, const PpoRunResult *res,
                       int with_opt, RlhfErr *e) {
    int rc = 0;
    if (dist_is_root()) {
        char *js = run_state_json(p, res);
        if (!js) rc = rlhf_err(e, "out of memory");
        else if (with_opt && ppo_sync_host(p, e)) rc = -1;   /* the moments may live on the GPU */
        else rc = model_file_save(path, m, tok, with_opt ? ppo_optimizer(p) : NULL, js, NULL, 0, e);
        free(js);
    }
    if (dist_any(rc != 0)) return rc ? rc : rlhf_err(e, "rank 0 could not write %s", path);
    return 0;
}

int ppo_run(const PpoRunOpts *o, PpoRunResult *res, RlhfErr *e) {
    memset(res, 0, sizeof *res);
    double t_start = rlhf_now();
    GPT2 pol = {0}, ref = {0}, rolled = {0};   /* rolled: the policy that sampled the current step */
    Tokenizer *tok = NULL, *ref_tok = NULL;
    Ppo *p = NULL;
    MetricsLog log = {0};
    RewardCtx train_ctx = {.rm = o->train_rm, .fn = o->train_fn, .fn_ctx = o->train_fn_ctx};
    RewardCtx test_ctx = {.rm = o->test_rm, .fn = o->test_fn, .fn_ctx = o->test_fn_ctx};
    const int have_test = o->test_rm || o->test_fn;
    TokenData tax[PPO_MAX_TAX_SETS];
    for (int i = 0; i < PPO_MAX_TAX_SETS; i++) token_data_init(&tax[i]);
    char last_path[1024], mpath[1024];
    const char **batch = NULL;
    char *json = NULL;
    float *test_r = NULL;
    int rc = -1;
    const int root = dist_is_root();
    const int quiet = o->quiet || !root;
    if (!o->policy || !o->out || (!o->train_rm && !o->train_fn) || o->nprompts < 1)
        return rlhf_err(e, "ppo: need a policy, an output path, a train judge and prompts");
    snprintf(last_path, sizeof last_path, "%s.last", o->out);
    snprintf(mpath, sizeof mpath, "%s.metrics.jsonl", o->out);

    if (model_file_load(o->policy, &ref, &ref_tok, NULL, NULL, NULL, e)) goto done;
    int resuming = o->resume && rlhf_file_exists(last_path);
    if (resuming) {
        AdamW tmp = {0};
        if (model_file_load(last_path, &pol, &tok, &tmp, &json, NULL, e)) goto done;
        p = ppo_create(&pol, &ref, tok, &o->ppo, e);
        if (!p) { adamw_free(&tmp); goto done; }
        AdamW *opt = ppo_optimizer(p);
        if (!tmp.m || tmp.n != opt->n) {
            adamw_free(&tmp);
            rlhf_err(e, "%s: cannot resume: no matching optimizer state", last_path);
            goto done;
        }
        adamw_free(opt);
        *opt = tmp;
        if (!json || ppo_state_from_json(p, json, e)) { rlhf_err_wrap(e, "%s", last_path); goto done; }
        if (!quiet) fprintf(stderr, "ppo: resuming %s at step %ld\n", last_path, ppo_steps_done(p));
    } else {
        if (model_file_load(o->policy, &pol, &tok, NULL, NULL, NULL, e)) goto done;
        p = ppo_create(&pol, &ref, tok, &o->ppo, e);
        if (!p) goto done;
    }
    /* the reference has no use for heads; dropping nothing, just checking shape */
    if (memcmp(&pol.cfg, &ref.cfg, sizeof pol.cfg)) { rlhf_err(e, "ppo: policy and reference differ"); goto done; }
    /* under mpirun every rank read the same files; rank 0's copy wins anyway,
     * so a stale file on one node cannot make the ranks drift apart */
    ppo_sync_from_root(p);

    for (int i = 0; i < o->ntax; i++) {
        if (lm_data_load(&o->tax_files[i], 1, tok, 0, 0.0, 4096, &tax[i], NULL, e)) goto done;
        res->tax_before[i] = tax_loss(&ref, &tax[i]);
    }
    if (metrics_open(&log, root ? (o->metrics ? o->metrics : mpath) : NULL, resuming, e)) goto done;

    int B = o->ppo.rollout_batch;
    batch = rlhf_malloc((size_t)B * sizeof *batch, e);
    test_r = rlhf_malloc((size_t)B * sizeof *test_r, e);
    int *perm = rlhf_malloc((size_t)o->nprompts * sizeof *perm, e);
    if (!batch || !test_r || !perm) { free(perm); goto done; }
    for (int i = 0; i < o->nprompts; i++) perm[i] = i;
    Rng prng;
    rng_seed(&prng, o->ppo.seed ^ 0x9E3779B9ULL);
    rng_shuffle_int(&prng, perm, o->nprompts);

    Progress pg;
    progress_begin(&pg, "ppo", o->ppo.steps, "reply");
    pg.quiet |= quiet;
    res->best_score = -INFINITY;
    if (resuming) run_state_restore(json, res);
    /* step k's rollouts (and so its KL and test score) come from the policy
     * before step k's update; that copy is what a best step keeps */
    if (gpt2_create(&rolled, &pol.cfg, pol.heads, e)) { free(perm); goto done; }
    long start = ppo_steps_done(p);
    char status[128] = "";
    while (ppo_steps_done(p) < o->ppo.steps) {
        long s = ppo_steps_done(p);
        /* rows g·G .. g·G+G−1 share a prompt (G = 1: one reply per prompt) */
        int G = o->ppo.group > 0 ? o->ppo.group : 1, P = B / G;
        for (int b = 0; b < B; b++) batch[b] = o->prompts[perm[(size_t)(s * P + b / G) % (size_t)o->nprompts]];
        PpoStats st;
        if (gpt2_copy_params(&rolled, &pol, e)) { free(perm); goto done; }
        if (ppo_step(p, batch, reward_cb, &train_ctx, &st, e)) {
            rlhf_err_wrap(e, "ppo stopped (last good checkpoint %s kept)", last_path);
            free(perm);
            goto done;
        }
        float test = NAN;
        if (have_test) {
            /* each rank scores the replies it sampled; the mean is over all ranks' */
            const char *replies[1024];
            int lb, le;
            ppo_local_rows(p, &lb, &le);
            for (int b = lb; b < le && b < 1024; b++) replies[b] = ppo_reply(p, b);
            int failed = reward_cb(&test_ctx, batch + lb, replies + lb, le - lb, test_r + lb, e) != 0;
            if (dist_any(failed)) {
                if (!failed) rlhf_err(e, "ppo: the test judge failed on another rank");
                free(perm);
                goto done;
            }
            double t = 0;
            for (int b = lb; b < le; b++) t += test_r[b];
            dist_allreduce_sum_double(&t, 1);
            test = (float)(t / B);
        }
        if (hist_push(&res->hist, &st, test, e)) { free(perm); goto done; }
        if (res->hist.n == 1 && !res->resumed_marks) { res->train0 = st.reward; res->test0 = test; }
        ppo_log_stats(&log, &st);
        /* the keeping score: this step's test score averaged with the steps just before */
        float score = window_mean(res->recent, &res->nrecent, o->keep_smooth, have_test ? test : st.reward);
        /* the fence: both judges against the risk budget */
        float gap = have_test ? (st.reward - res->train0) - (test - res->test0) : NAN;
        JsonBuf *j = metrics_begin(&log, "fence");
        jb_kv_int(j, "step", st.step);
        jb_kv_num(j, "sqrt_kl", st.sqrt_kl);
        jb_kv_num(j, "train_reward", st.reward);
        jb_kv_num(j, "test_reward", test);
        jb_kv_num(j, "gap", gap);
        jb_kv_num(j, "keep_score", score);
        metrics_end(&log);
        if (have_test && !res->overopt && res->hist.n >= 3) {
            /* smoothed over three steps so one noisy batch does not raise the flag */
            double g = 0;
            for (int k = res->hist.n - 3; k < res->hist.n; k++)
                g += (res->hist.st[k].reward - res->train0) - (res->hist.test_reward[k] - res->test0);
            if (g / 3 > o->overopt_gap) { res->overopt = 1; res->overopt_step = st.step; }
        }
        /* the budget reads sqrt(KL) averaged over the last budget_smooth steps, so one noisy
         * batch does not stop the run; a step whose own estimate is past it is never kept */
        float kl_avg = window_mean(res->recent_kl, &res->nrecent_kl, o->budget_smooth, st.sqrt_kl);
        int stop_budget = o->kl_budget > 0 && kl_avg >= o->kl_budget;
        int past_budget = o->kl_budget > 0 && (stop_budget || st.sqrt_kl >= o->kl_budget);
        if (score > res->best_score && !past_budget) {
            res->best_score = score;
            res->best_step = st.step;
            if (save_policy(o->out, &rolled, tok, p, res, 0, e)) { free(perm); goto done; }
        }
        if ((o->ckpt_every > 0 && st.step % o->ckpt_every == 0) || st.step == o->ppo.steps || stop_budget)
            if (save_policy(last_path, &pol, tok, p, res, 1, e)) { free(perm); goto done; }
        snprintf(status, sizeof status, "reward %.3f%s%.3f sqrtKL %.3f len %.1f", st.reward,
                 have_test ? " test " : "", have_test ? test : 0.0f, st.sqrt_kl, st.length);
        progress_update(&pg, st.step, (double)(st.step - start) * B, status);
        if (stop_budget) {
            res->stopped_by_budget = 1;
            if (!quiet)
                fprintf(stderr, "ppo: sqrt(KL) %.3f (mean of the last %d steps) reached the budget %.3f at step %ld\n",
                        kl_avg, res->nrecent_kl, o->kl_budget, st.step);
            break;
        }
    }
    progress_end(&pg, ppo_steps_done(p), (double)(ppo_steps_done(p) - start) * B, status);
    free(perm);
    res->steps = ppo_steps_done(p);

    /* fits of reward against sqrt(KL) */
    int n = res->hist.n;
    if (n >= 2) {
        double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y), *z = malloc((size_t)n * sizeof *z);
        if (x && y && z) {
            for (int i = 0; i < n; i++) {
                x[i] = res->hist.st[i].sqrt_kl;
                y[i] = res->hist.st[i].reward;
                z[i] = res->hist.test_reward[i];
            }
            double a, b, r2;
            if (svg_linear_fit(x, y, n, 0, &a, &b, &r2) >= 2) {
                res->fit_train_a = (float)b; res->fit_train_b = (float)a; res->fit_train_r2 = (float)r2;
            }
            if (have_test && svg_linear_fit(x, z, n, 0, &a, &b, &r2) >= 2) {
                res->fit_test_a = (float)b; res->fit_test_b = (float)a; res->fit_test_r2 = (float)r2;
            }
        }
        free(x); free(y); free(z);
    }
    /* alignment tax on the kept policy (rank 0 wrote it; only rank 0 reports) */
    if (o->ntax > 0 && root) {
        GPT2 best = {0};
        if (model_file_load(o->out, &best, NULL, NULL, NULL, NULL, e)) goto done;
        for (int i = 0; i < o->ntax; i++) res->tax_after[i] = tax_loss(&best, &tax[i]);
        gpt2_free(&best);
    }
    res->seconds = rlhf_now() - t_start;
    {
        JsonBuf *j = metrics_begin(&log, "ppo_summary");
        jb_kv_int(j, "steps", res->steps);
        jb_kv_int(j, "best_step", res->best_step);
        jb_kv_num(j, "best_score", res->best_score);
        jb_kv_num(j, "fit_train_slope", res->fit_train_a);
        jb_kv_num(j, "fit_train_r2", res->fit_train_r2);
        jb_kv_num(j, "fit_test_slope", res->fit_test_a);
        jb_kv_num(j, "fit_test_r2", res->fit_test_r2);
        jb_kv_bool(j, "overoptimised", res->overopt);
        jb_kv_int(j, "overopt_step", res->overopt_step);
        jb_kv_bool(j, "stopped_by_budget", res->stopped_by_budget);
        for (int i = 0; i < o->ntax; i++) {
            char k[96];
            snprintf(k, sizeof k, "tax_%s_before", o->tax_names[i] ? o->tax_names[i] : "set");
            jb_kv_num(j, k, res->tax_before[i]);
            snprintf(k, sizeof k, "tax_%s_after", o->tax_names[i] ? o->tax_names[i] : "set");
            jb_kv_num(j, k, res->tax_after[i]);
        }
        jb_kv_num(j, "seconds", res->seconds);
        metrics_end(&log);
    }
    if (o->report && root) {
        Report *rep = report_new("PPO run", e);
        if (!rep) goto done;
        report_subtitle(rep, o->out);
        ppo_report_section(rep, "PPO against the judge", res, have_test);
        if (o->ntax > 0) {
            const char *hdr[] = {"general text", "LM loss before", "LM loss after", "change"};
            report_table_begin(rep, "Alignment tax: held-out language-model loss", hdr, 4);
            for (int i = 0; i < o->ntax; i++) {
                char a[32], b[32], c[32];
                snprintf(a, sizeof a, "%.4f", res->tax_before[i]);
                snprintf(b, sizeof b, "%.4f", res->tax_after[i]);
                snprintf(c, sizeof c, "%+.4f", res->tax_after[i] - res->tax_before[i]);
                const char *row[] = {o->tax_names[i] ? o->tax_names[i] : o->tax_files[i], a, b, c};
                report_table_row(rep, row);
            }
            report_table_end(rep);
        }
        int wr = report_write(rep, o->report, e);
        report_free(rep);
        if (wr) goto done;
    }
    rc = 0;
done:
    metrics_close(&log);
    free(json);
    free(batch);
    free(test_r);
    reward_ctx_free(&train_ctx);
    reward_ctx_free(&test_ctx);
    for (int i = 0; i < PPO_MAX_TAX_SETS; i++) token_data_free(&tax[i]);
    ppo_free(p);
    gpt2_free(&pol);
    gpt2_free(&rolled);
    gpt2_free(&ref);
    if (tok) tok_free(tok);
    if (ref_tok) tok_free(ref_tok);
    return rc;
}

void ppo_report_section(Report *rep, const char *heading, const PpoRunResult *r, int have_test) {
    int n = r->hist.n;
    report_section(rep, heading);
    if (n == 0) { report_paragraph(rep, "No PPO steps were run."); return; }
    double *step = malloc((size_t)n * sizeof *step), *skl = malloc((size_t)n * sizeof *skl);
    double *tr = malloc((size_t)n * sizeof *tr), *te = malloc((size_t)n * sizeof *te);
    double *kl = malloc((size_t)n * sizeof *kl), *len = malloc((size_t)n * sizeof *len);
    double *ent = malloc((size_t)n * sizeof *ent);
    if (!step || !skl || !tr || !te || !kl || !len || !ent) goto out;
    for (int i = 0; i < n; i++) {
        const PpoStats *s = &r->hist.st[i];
        step[i] = (double)s->step; skl[i] = s->sqrt_kl; tr[i] = s->reward; te[i] = r->hist.test_reward[i];
        kl[i] = s->kl; len[i] = s->length; ent[i] = s->entropy;
    }
    report_paragraph(rep, have_test
        ? "The policy is optimised against the train judge only. The test judge was trained on the other half of "
          "the comparisons and never drives the policy: where its score stops rising while the train judge's keeps "
          "climbing, the policy is exploiting the train judge rather than getting better (over-optimisation). The "
          "x axis is sqrt(KL) from the starting policy, the risk budget."
        : "The policy is optimised against the judge; the x axis is sqrt(KL) from the starting policy.");
    report_cards_begin(rep);
    report_card_change(rep, "train-judge reward", r->train0, tr[n - 1], REPORT_NUMBER, +1);
    if (have_test) report_card_change(rep, "test-judge reward", r->test0, te[n - 1], REPORT_NUMBER, +1);
    char v[64], d[96];
    snprintf(v, sizeof v, "%.3f", skl[n - 1]);
    snprintf(d, sizeof d, "after %d steps%s", n, r->stopped_by_budget ? " (budget reached)" : "");
    report_card(rep, "sqrt(KL)", v, d, REPORT_NEUTRAL);
    snprintf(v, sizeof v, "step %ld", r->best_step);
    snprintf(d, sizeof d, "best %s score %.3f", have_test ? "test-judge" : "judge", r->best_score);
    report_card(rep, "kept checkpoint", v, d, REPORT_NEUTRAL);
    if (have_test) {
        snprintf(v, sizeof v, "%s", r->overopt ? "yes" : "no");
        snprintf(d, sizeof d, r->overopt ? "train–test gap crossed the threshold at step %ld" : "gap stayed below the threshold",
                 r->overopt_step);
        report_card(rep, "over-optimisation flagged", v, d, r->overopt ? REPORT_BAD : REPORT_GOOD);
    }
    report_cards_end(rep);
    report_grid_begin(rep);
    JsonBuf *svg = report_figure_begin(rep);
    SvgPlotOpts po = {.title = "Reward against the risk budget", .xlabel = "sqrt(KL)", .ylabel = "mean reward (z)"};
    SvgSeries ss[2] = {{.name = "train judge", .x = skl, .y = tr, .n = n}, {.name = "test judge", .x = skl, .y = te, .n = n}};
    svg_scatter_plot(svg, &po, ss, have_test ? 2 : 1, 1);
    snprintf(d, sizeof d, "Fit reward ≈ a·sqrt(KL) + b: train a = %.3f (R² %.2f)", r->fit_train_a, r->fit_train_r2);
    if (have_test) {
        size_t l = strlen(d);
        snprintf(d + l, sizeof d - l, ", test a = %.3f (R² %.2f)", r->fit_test_a, r->fit_test_r2);
    }
    report_figure_end(rep, d);
    svg = report_figure_begin(rep);
    SvgPlotOpts pk = {.title = "KL from the starting policy", .xlabel = "PPO step", .ylabel = "KL (nats per reply)"};
    SvgSeries sk = {.name = "KL", .x = step, .y = kl, .n = n};
    svg_line_plot(svg, &pk, &sk, 1);
    report_figure_end(rep, "KL is estimated with k3 = (r − 1) − log r, r = π_ref/π: unbiased and never negative.");
    svg = report_figure_begin(rep);
    SvgPlotOpts pl = {.title = "Reply length", .xlabel = "PPO step", .ylabel = "tokens"};
    SvgSeries sl = {.name = "mean reply tokens", .x = step, .y = len, .n = n};
    svg_line_plot(svg, &pl, &sl, 1);
    report_figure_end(rep, "Length drift is a classic sign of a judge being gamed.");
    svg = report_figure_begin(rep);
    SvgPlotOpts pe = {.title = "Policy entropy", .xlabel = "PPO step", .ylabel = "nats per token"};
    SvgSeries se = {.name = "entropy", .x = step, .y = ent, .n = n};
    svg_line_plot(svg, &pe, &se, 1);
    report_figure_end(rep, "Collapsing entropy means the policy is settling on a few replies.");
    report_grid_end(rep);
out:
    free(step); free(skl); free(tr); free(te); free(kl); free(len); free(ent);
}
