/* loop.c — see loop.h. */
#include "loop/loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic_messages.h"
#include "loop/collect.h"
#include "loop/elo.h"
#include "loop/policy_gen.h"
#include "model/model_file.h"
#include "ppo/fence.h"
#include "report/svg_plot.h"
#include "util/json.h"
#include "util/metrics.h"
#include "util/rng.h"

enum { STEP_NONE = 0, STEP_COLLECT, STEP_JUDGES, STEP_PPO, STEP_EVAL };
static const char *STEP_NAMES[] = {"none", "collect", "judges", "ppo", "eval"};

void loop_defaults(LoopOpts *o) {
    memset(o, 0, sizeof *o);
    o->rounds = 2;
    o->new_prompts = 200;
    o->snapshot_pairs = 1;
    /* Two replies of the same policy are often equally good; a forced choice between them is
     * a coin flip that the judges then learn as if it were a preference. Reviewers skip those. */
    o->help_rv = (ClinicReviewer){.kind = CLINIC_REVIEWER_HELPFULNESS, .noise = 0.1, .skip_ties = 1};
    o->harm_rv = (ClinicReviewer){.kind = CLINIC_REVIEWER_RED_TEAM, .noise = 0.1, .skip_ties = 1};
    o->dials = (Dials){.w_help = 1, .w_harm = 1};
    ppo_config_default(&o->ppo);
    judge_train_defaults(&o->jt);
    o->jt.epochs = 1;
    o->judge_max_len = 128;
    o->elo_prompts = 64;
    o->seed = 1;
}

/* ---- small file helpers ---------------------------------------------------- */

static void round_path(char *out, size_t n, const LoopOpts *o, int r, const char *name) {
    snprintf(out, n, "%s/round-%d/%s", o->run_dir, r, name);
}

static int write_manifest(const LoopOpts *o, const int *done, int nrounds, RlhfErr *e) {
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_int(&b, "rounds", o->rounds);
    jb_kv_str(&b, "first_policy", o->policy);
    jb_key(&b, "steps_done");
    jb_arr_begin(&b);
    for (int r = 0; r < nrounds; r++) { jb_comma(&b); jb_str(&b, STEP_NAMES[done[r]]); }
    jb_arr_end(&b);
    jb_obj_end(&b);
    jb_raw(&b, "\n");
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.json", o->run_dir);
    int rc = rlhf_write_file_atomic(path, b.data, b.len, e);
    jb_free(&b);
    return rc;
}

static int read_manifest(const LoopOpts *o, int *done, int nrounds, RlhfErr *e) {
    char path[1024], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/manifest.json", o->run_dir);
    for (int r = 0; r < nrounds; r++) done[r] = STEP_NONE;
    if (!rlhf_file_exists(path)) return 0;
    if (rlhf_read_file(path, &text, &len, e)) return -1;
    JsonDoc *d = json_parse(text, len, e);
    free(text);
    if (!d) return rlhf_err_wrap(e, "%s", path);
    JsonValue *arr = json_get(json_root(d), "steps_done");
    const char *first = json_get_str(json_root(d), "first_policy");
    if (first && strcmp(first, o->policy)) {
        json_doc_free(d);
        return rlhf_err(e, "%s: this run started from %s, not %s: use another --run-dir", path, first, o->policy);
    }
    for (size_t r = 0; arr && arr->type == JSON_ARRAY && r < arr->len && (int)r < nrounds; r++)
        for (int s = 0; s <= STEP_EVAL; s++)
            if (arr->items[r]->type == JSON_STRING && !strcmp(arr->items[r]->str, STEP_NAMES[s])) done[r] = s;
    json_doc_free(d);
    return 0;
}

static void audit_row_json(JsonBuf *b, const char *key, const ClinicAuditRow *a) {
    jb_key(b, key);
    jb_printf(b, "[%d,%d,%d,%d,%d,%d]", a->n, a->success, a->harmful, a->over_refusal, a->helpful_refusal,
              a->missed_escalation);
}

static int save_round(const LoopOpts *o, int r, const LoopRound *x, RlhfErr *e) {
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
#define F(name) jb_kv_num(&b, #name, x->name)
    F(train_reward0); F(train_reward); F(test_reward0); F(test_reward); F(sqrt_kl); F(drift_kl);
    F(gold_agree_help); F(gold_agree_harm); F(judge_val_acc_help); F(judge_val_acc_harm);
    F(new_margin_mean); F(new_margin_abs); F(score_p90); F(newer_chosen);
#undef F
    jb_kv_int(&b, "overopt", x->overopt);
    jb_kv_int(&b, "n_new", x->n_new);
    jb_kv_int(&b, "n_skipped", x->n_skipped);
    jb_key(&b, "tax");
    jb_arr_begin(&b);
    for (int i = 0; i < PPO_MAX_TAX_SETS; i++) { jb_comma(&b); jb_num(&b, x->tax[i]); }
    jb_arr_end(&b);
    audit_row_json(&b, "audit_all", &x->audit.all);
    for (int c = 0; c < CLINIC_NCAT; c++) audit_row_json(&b, clinic_category_name((ClinicCategory)c), &x->audit.cat[c]);
    jb_obj_end(&b);
    jb_raw(&b, "\n");
    char path[1024];
    round_path(path, sizeof path, o, r, "eval.json");
    int rc = rlhf_write_file_atomic(path, b.data, b.len, e);
    jb_free(&b);
    return rc;
}

static void read_audit_row(JsonValue *v, ClinicAuditRow *a) {
    if (!v || v->type != JSON_ARRAY || v->len != 6) return;
    int *f[6] = {&a->n, &a->success, &a->harmful, &a->over_refusal, &a->helpful_refusal, &a->missed_escalation};
    for (int i = 0; i < 6; i++) *f[i] = (int)v->items[i]->number;
}

static int load_round(const LoopOpts *o, int r, LoopRound *x, RlhfErr *e) {
    char path[1024], *text;
    size_t len;
    round_path(path, sizeof path, o, r, "eval.json");
    if (rlhf_read_file(path, &text, &len, e)) return -1;
    JsonDoc *d = json_parse(text, len, e);
    free(text);
    if (!d) return rlhf_err_wrap(e, "%s", path);
    JsonValue *root = json_root(d);
    double v;
    memset(x, 0, sizeof *x);
#define F(name) x->name = json_get_num(root, #name, &v) ? NAN : (float)v
    F(train_reward0); F(train_reward); F(test_reward0); F(test_reward); F(sqrt_kl); F(drift_kl);
    F(gold_agree_help); F(gold_agree_harm); F(judge_val_acc_help); F(judge_val_acc_harm);
    F(new_margin_mean); F(new_margin_abs); F(score_p90); F(newer_chosen);
#undef F
    if (!json_get_num(root, "overopt", &v)) x->overopt = (int)v;
    if (!json_get_num(root, "n_new", &v)) x->n_new = (int)v;
    if (!json_get_num(root, "n_skipped", &v)) x->n_skipped = (int)v;
    JsonValue *tax = json_get(root, "tax");
    for (size_t i = 0; tax && tax->type == JSON_ARRAY && i < tax->len && i < PPO_MAX_TAX_SETS; i++)
        x->tax[i] = tax->items[i]->type == JSON_NUMBER ? (float)tax->items[i]->number : NAN;
    read_audit_row(json_get(root, "audit_all"), &x->audit.all);
    for (int c = 0; c < CLINIC_NCAT; c++)
        read_audit_row(json_get(root, clinic_category_name((ClinicCategory)c)), &x->audit.cat[c]);
    json_doc_free(d);
    return 0;
}

/* ---- KL between two policies on sampled replies ---------------------------- */

float policy_kl(GPT2 *pi, GPT2 *ref, Tokenizer *tok, const char *const *prompts, const char *const *replies, int n,
                RlhfErr *e) {
    int T = pi->cfg.max_seq_len;
    if (gpt2_reserve(pi, 1, T, 0, e) || gpt2_reserve(ref, 1, T, 0, e)) return NAN;
    int *tgt = rlhf_malloc((size_t)T * sizeof *tgt, e);
    float *lp = rlhf_malloc((size_t)T * sizeof *lp, e), *lq = rlhf_malloc((size_t)T * sizeof *lq, e);
    TokIds a = {0}, b = {0};
    double sum = 0;
    int used = 0;
    if (!tgt || !lp || !lq) goto done;
    for (int i = 0; i < n; i++) {
        a.n = b.n = 0;
        if (tok_encode(tok, prompts[i], strlen(prompts[i]), 0, &a, e) ||
            tok_encode(tok, replies[i], strlen(replies[i]), 0, &b, e)) goto done;
        if (b.n == 0 || a.n == 0) continue;
        size_t keep_p = RLHF_MIN(a.n, (size_t)T - RLHF_MIN(b.n, (size_t)T / 2));
        size_t keep_r = RLHF_MIN(b.n, (size_t)T - keep_p);
        int L = (int)(keep_p + keep_r);
        int *row = rlhf_malloc((size_t)L * sizeof *row, e);   /* the end of the prompt, the start of the reply */
        if (!row) goto done;
        memcpy(row, a.ids + (a.n - keep_p), keep_p * sizeof(int));
        memcpy(row + keep_p, b.ids, keep_r * sizeof(int));
        for (int t = 0; t < L; t++) tgt[t] = (t >= (int)keep_p - 1 && t < L - 1) ? row[t + 1] : -1;
        gpt2_forward(pi, row, NULL, 1, L);
        gpt2_lm_forward(pi, tgt, lp, NULL);
        gpt2_forward(ref, row, NULL, 1, L);
        gpt2_lm_forward(ref, tgt, lq, NULL);
        double kl = 0;
        for (int t = (int)keep_p - 1; t < L - 1; t++) {
            double logr = (double)lq[t] - lp[t];   /* log π_ref/π on a token sampled from π */
            kl += exp(logr) - 1.0 - logr;
        }
        free(row);
        sum += kl;
        used++;
    }
done:
    tok_ids_free(&a);
    tok_ids_free(&b);
    free(tgt); free(lp); free(lq);
    return used ? (float)(sum / used) : NAN;
}

/* ---- the four steps -------------------------------------------------------- */

typedef struct Ctx {
    const LoopOpts *o;
    Clinic clinic;
    ClinicClassifier *k;
    ClinicAuditSuite suite;
    ClinicMessage *elo_msgs;
    char **elo_prompts;
    int done[LOOP_MAX_ROUNDS + 1];
} Ctx;

static const char *policy_of(const Ctx *c, int r, char *buf, size_t n) {
    if (r <= 0) return c->o->policy;
    round_path(buf, n, c->o, r, "policy.ckpt");
    return buf;
}

static int load_judges(const LoopOpts *o, int r, Fence *f, RlhfErr *e) {
    memset(f, 0, sizeof *f);
    char path[1024];
    const char *names[4] = {"train-help.judge", "test-help.judge", "train-harm.judge", "test-harm.judge"};
    Judge *slots[4] = {&f->help[0], &f->help[1], &f->harm[0], &f->harm[1]};
    for (int i = 0; i < 4; i++) {
        round_path(path, sizeof path, o, r, "judges/");
        strncat(path, names[i], sizeof path - strlen(path) - 1);
        if (!rlhf_file_exists(path)) continue;
        if (judge_load(slots[i], path, e)) { fence_free(f); return -1; }
        if (i < 2) f->have_help = 1; else f->have_harm = 1;
    }
    if (!f->have_help && !f->have_harm) return rlhf_err(e, "round %d: no judges in %s/round-%d/judges", r, o->run_dir, r);
    f->train_rm = (RewardModel){.help = f->have_help ? &f->help[0] : NULL, .harm = f->have_harm ? &f->harm[0] : NULL,
                                .dials = o->dials};
    f->test_rm = (RewardModel){.help = f->have_help ? &f->help[1] : NULL, .harm = f->have_harm ? &f->harm[1] : NULL,
                               .dials = o->dials};
    return 0;
}

static int step_collect(Ctx *c, int r, LoopRound *x, RlhfErr *e) {
    const LoopOpts *o = c->o;
    char pbuf[1024], pbuf_b[1024];
    CollectOpts co = {.policy = policy_of(c, r - 1, pbuf, sizeof pbuf),
                      .policy_b = !o->snapshot_pairs ? NULL
                                  : r >= 2 ? policy_of(c, r - 2, pbuf_b, sizeof pbuf_b) : o->prior_policy,
                      .clinic = &c->clinic, .k = c->k,
                      .n = o->new_prompts, .help_rv = o->help_rv, .harm_rv = o->harm_rv,
                      .gen_seed = o->seed * 7777 + (uint64_t)r, .msg_seed = o->seed * 1000003ULL + (uint64_t)r * 7919ULL,
                      .max_prompt = o->ppo.max_prompt, .max_new = o->ppo.max_new, .multi_turn = 0.3};
    CollectResult cr;
    if (collect_comparisons(&co, &cr, e)) return -1;
    x->n_new = cr.n_help + cr.n_harm;
    x->n_skipped = cr.n_skipped;
    x->gold_agree_help = cr.agree_help;
    x->gold_agree_harm = cr.agree_harm;
    x->newer_chosen = co.policy_b && cr.n_help + cr.n_harm > 0 ? (float)cr.n_first_chosen / (cr.n_help + cr.n_harm)
                                                              : NAN;
    x->new_margin_mean = x->new_margin_abs = x->score_p90 = NAN;
    int rc = -1, nt = 2 * cr.npairs;
    Fence prev = {0};
    float *scores = NULL;
    /* the train judge of the previous round scores the new replies: does it still see differences? */
    if (r > 1 && nt > 0 && !load_judges(o, r - 1, &prev, NULL)) {
        if (!(scores = rlhf_malloc((size_t)nt * sizeof *scores, e)) ||
            reward_score(&prev.train_rm, (const char *const *)cr.pairs, nt, scores, NULL, NULL, e)) {
            fence_free(&prev);
            goto done;
        }
        fence_free(&prev);
        double msum = 0, mabs = 0;
        for (int i = 0; i + 1 < nt; i += 2) {
            double m = scores[i] - scores[i + 1];
            msum += m;
            mabs += fabs(m);
        }
        x->new_margin_mean = (float)(msum / (nt / 2));
        x->new_margin_abs = (float)(mabs / (nt / 2));
        /* p90 of all new replies' scores (insertion sort: n is small) */
        for (int i = 1; i < nt; i++) {
            float v = scores[i];
            int j = i - 1;
            while (j >= 0 && scores[j] > v) { scores[j + 1] = scores[j]; j--; }
            scores[j + 1] = v;
        }
        x->score_p90 = scores[(int)(0.9 * (nt - 1))];
    }
    char path[1024];
    round_path(path, sizeof path, o, r, "comparisons-help.jsonl");
    if (rlhf_write_file_atomic(path, cr.help.data ? cr.help.data : "", cr.help.len, e)) goto done;
    round_path(path, sizeof path, o, r, "comparisons-harm.jsonl");
    if (rlhf_write_file_atomic(path, cr.harm.data ? cr.harm.data : "", cr.harm.len, e)) goto done;
    rc = 0;
done:
    free(scores);
    collect_result_free(&cr);
    return rc;
}

static int step_judges(Ctx *c, int r, LoopRound *x, RlhfErr *e) {
    const LoopOpts *o = c->o;
    const char *hf[LOOP_MAX_FILES + LOOP_MAX_ROUNDS], *rf[LOOP_MAX_FILES + LOOP_MAX_ROUNDS];
    char paths[2][LOOP_MAX_ROUNDS][1024];
    int nh = 0, nr = 0;
    for (int i = 0; i < o->nhelp; i++) hf[nh++] = o->help_files[i];
    for (int i = 0; i < o->nharm; i++) rf[nr++] = o->harm_files[i];
    for (int q = 1; q <= r; q++) {
        round_path(paths[0][q - 1], 1024, o, q, "comparisons-help.jsonl");
        round_path(paths[1][q - 1], 1024, o, q, "comparisons-harm.jsonl");
        hf[nh++] = paths[0][q - 1];
        rf[nr++] = paths[1][q - 1];
    }
    char dir[1024];
    round_path(dir, sizeof dir, o, r, "judges");
    if (rlhf_mkdirs(dir, e)) return -1;
    FenceOpts fo = {.base = o->base, .help_files = hf, .nhelp = nh, .harm_files = rf, .nharm = nr, .jt = o->jt,
                    .max_len = o->judge_max_len, .out_dir = dir};
    fo.jt.quiet = o->quiet;
    Fence f;
    if (fence_train(&f, &fo, o->dials, e)) return -1;
    x->judge_val_acc_help = f.have_help ? (float)f.res_help[0].best_val_acc : NAN;
    x->judge_val_acc_harm = f.have_harm ? (float)f.res_harm[0].best_val_acc : NAN;
    fence_free(&f);
    return 0;
}

static int step_ppo(Ctx *c, int r, LoopRound *x, RlhfErr *e) {
    const LoopOpts *o = c->o;
    Fence f;
    if (load_judges(o, r, &f, e)) return -1;
    PpoRunOpts po;
    ppo_run_defaults(&po);
    char pbuf[1024], out[1024], rep[1024];
    po.policy = policy_of(c, r - 1, pbuf, sizeof pbuf);
    round_path(out, sizeof out, o, r, "policy.ckpt");
    round_path(rep, sizeof rep, o, r, "ppo.html");
    po.out = out;
    po.report = rep;
    po.train_rm = &f.train_rm;
    po.test_rm = &f.test_rm;
    po.ppo = o->ppo;
    po.ppo.seed = o->ppo.seed + (uint64_t)r;
    po.kl_budget = o->kl_budget;
    po.resume = 1;
    po.quiet = o->quiet;
    for (int i = 0; i < o->ntax; i++) { po.tax_files[i] = o->tax_files[i]; po.tax_names[i] = o->tax_names[i]; }
    po.ntax = o->ntax;
    /* prompts: a fresh batch of clinic messages per round */
    int N = 512;
    char **prompts = rlhf_calloc((size_t)N, sizeof *prompts, e);
    if (!prompts) { fence_free(&f); return -1; }
    Rng rng;
    rng_seed(&rng, o->seed * 31337ULL + (uint64_t)r);
    for (int i = 0; i < N; i++) {
        ClinicMessage m;
        char buf[CLINIC_CONV_MAX];
        clinic_message_generate(&c->clinic, (ClinicCategory)(i % CLINIC_NCAT), 0.3, &rng, &m);
        clinic_prompt(&m, buf, sizeof buf);
        prompts[i] = strdup(buf);
    }
    po.prompts = (const char *const *)prompts;
    po.nprompts = N;
    PpoRunResult res;
    int rc = ppo_run(&po, &res, e);
    if (rc == 0 && res.hist.n > 0) {
        x->train_reward0 = res.train0;
        x->test_reward0 = res.test0;
        int best = (int)res.best_step - 1;
        if (best < 0) best = 0;
        x->train_reward = res.hist.st[best].reward;
        x->test_reward = res.hist.test_reward[best];
        x->sqrt_kl = res.hist.st[best].sqrt_kl;
        x->overopt = res.overopt;
        for (int i = 0; i < o->ntax; i++) x->tax[i] = res.tax_after[i];
    }
    ppo_run_result_free(&res);
    rlhf_free_strs(prompts, N);
    fence_free(&f);
    return rc;
}

/* Replies of round r's policy to the Elo prompts: generated once, kept on disk. */
static int elo_replies(Ctx *c, int r, char **out, RlhfErr *e) {
    const LoopOpts *o = c->o;
    char path[1024], pbuf[1024];
    round_path(path, sizeof path, o, r, "elo-replies.jsonl");
    int n = o->elo_prompts;
    if (rlhf_file_exists(path)) {
        char **tmp = NULL;
        int k = 0;
        if (ppo_load_prompts(path, &tmp, &k, e)) return -1;   /* lines {"prompt": reply} */
        if (k != n) { ppo_free_prompts(tmp, k); return rlhf_err(e, "%s: %d replies, expected %d", path, k, n); }
        for (int i = 0; i < n; i++) out[i] = tmp[i];
        free(tmp);
        return 0;
    }
    PolicyGen g;
    if (policy_gen_open(&g, policy_of(c, r, pbuf, sizeof pbuf), 32, o->ppo.max_prompt, o->ppo.max_new, e)) return -1;
    g.temperature = 0.7f;
    g.seed = 4242;
    int rc = policy_gen_replies(&g, (const char *const *)c->elo_prompts, n, out, e);
    policy_gen_close(&g);
    if (rc) return -1;
    JsonBuf b;
    jb_init(&b);
    for (int i = 0; i < n; i++) {
        jb_obj_begin(&b);
        jb_kv_str(&b, "prompt", out[i]);   /* the reply, in the key the prompt loader reads */
        jb_obj_end(&b);
        jb_raw(&b, "\n");
    }
    rc = rlhf_write_file_atomic(path, b.data, b.len, e);
    jb_free(&b);
    return rc;
}

static int step_eval(Ctx *c, int r, LoopRound *x, LoopResult *res, RlhfErr *e) {
    const LoopOpts *o = c->o;
    char pbuf[1024];
    const char *pol = policy_of(c, r, pbuf, sizeof pbuf);
    PolicyGen g;
    if (policy_gen_open(&g, pol, 32, o->ppo.max_prompt, o->ppo.max_new, e)) return -1;
    g.temperature = 1.0f;
    g.seed = 99;
    char **replies = NULL;
    if (policy_gen_audit(&g, &c->suite, c->k, &x->audit, &replies, e)) { policy_gen_close(&g); return -1; }
    rlhf_free_strs(replies, c->suite.n);
    /* drift: KL(π_r ‖ π_first) on replies sampled from π_r at temperature 1 */
    x->drift_kl = 0;
    if (r > 0) {
        int n = RLHF_MIN(64, c->suite.n);
        char **prompts = rlhf_calloc((size_t)n, sizeof *prompts, e), **rep = rlhf_calloc((size_t)n, sizeof *rep, e);
        GPT2 first = {0};
        int ok = prompts && rep;
        for (int i = 0; ok && i < n; i++) {
            char buf[CLINIC_CONV_MAX];
            clinic_prompt(&c->suite.items[(i * 7) % c->suite.n], buf, sizeof buf);
            prompts[i] = strdup(buf);
        }
        g.temperature = 1.0f;
        if (ok && !policy_gen_replies(&g, (const char *const *)prompts, n, rep, e) &&
            !model_file_load(o->policy, &first, NULL, NULL, NULL, NULL, e))
            x->drift_kl = policy_kl(&g.model, &first, g.tok, (const char *const *)prompts, (const char *const *)rep, n, e);
        gpt2_free(&first);
        rlhf_free_strs(prompts, n);
        rlhf_free_strs(rep, n);
    }
    policy_gen_close(&g);
    /* Elo of every policy so far, from noise-free simulated reviewers on fixed prompts */
    int n = o->elo_prompts, P = r + 1;
    char ***all = rlhf_calloc((size_t)P, sizeof *all, e);
    double *wh = rlhf_calloc((size_t)P * P, sizeof *wh, e), *wr = rlhf_calloc((size_t)P * P, sizeof *wr, e);
    double *eh = rlhf_calloc((size_t)P, sizeof *eh, e), *er = rlhf_calloc((size_t)P, sizeof *er, e);
    int rc = -1;
    if (!all || !wh || !wr || !eh || !er) goto done;
    for (int q = 0; q < P; q++) {
        all[q] = rlhf_calloc((size_t)n, sizeof **all, e);
        if (!all[q] || elo_replies(c, q, all[q], e)) goto done;
    }
    ClinicReviewer hv = {.kind = CLINIC_REVIEWER_HELPFULNESS}, rv = {.kind = CLINIC_REVIEWER_RED_TEAM};
    Rng rng;
    rng_seed(&rng, 2024);
    for (int a = 0; a < P; a++)
        for (int b = a + 1; b < P; b++)
            for (int i = 0; i < n; i++) {
                if (!strcmp(all[a][i], all[b][i])) {
                    wh[a * P + b] += 0.5; wh[b * P + a] += 0.5; wr[a * P + b] += 0.5; wr[b * P + a] += 0.5;
                    continue;
                }
                int h = clinic_reviewer_choose(&hv, c->k, &c->elo_msgs[i], all[a][i], all[b][i], &rng);
                int s = clinic_reviewer_choose(&rv, c->k, &c->elo_msgs[i], all[a][i], all[b][i], &rng);
                if (h == 0) wh[a * P + b] += 1; else wh[b * P + a] += 1;
                if (s == 0) wr[a * P + b] += 1; else wr[b * P + a] += 1;
            }
    elo_fit(wh, P, eh);
    elo_fit(wr, P, er);
    for (int q = 0; q < P; q++) {
        res->r[q].elo_help = (float)eh[q];
        res->r[q].elo_harm = (float)er[q];
    }
    x->elo_help = (float)eh[r];
    x->elo_harm = (float)er[r];
    rc = 0;
done:
    if (all)
        for (int q = 0; q < P; q++) rlhf_free_strs(all[q], all[q] ? n : 0);
    free(all); free(wh); free(wr); free(eh); free(er);
    return rc;
}

int loop_run(const LoopOpts *o, LoopResult *res, RlhfErr *e) {
    memset(res, 0, sizeof *res);
    if (o->rounds < 1 || o->rounds > LOOP_MAX_ROUNDS) return rlhf_err(e, "loop: --rounds must be in 1..%d", LOOP_MAX_ROUNDS);
    if (!o->run_dir || !o->policy || !o->base) return rlhf_err(e, "loop: need --run-dir, --policy and --base");
    Ctx c = {.o = o};
    int nr = o->rounds + 1, rc = -1;
    if (rlhf_mkdirs(o->run_dir, e) || read_manifest(o, c.done, nr, e)) return -1;
    clinic_init(&c.clinic, o->seed);
    c.k = clinic_classifier_new(e);
    if (!c.k) return -1;
    if (clinic_audit_suite_build(&c.suite, CLINIC_AUDIT_PER_CAT, e)) { clinic_classifier_free(c.k); return -1; }
    c.elo_msgs = rlhf_calloc((size_t)o->elo_prompts, sizeof *c.elo_msgs, e);
    c.elo_prompts = rlhf_calloc((size_t)o->elo_prompts, sizeof *c.elo_prompts, e);
    MetricsLog log = {0};
    char mpath[1024];
    snprintf(mpath, sizeof mpath, "%s/loop.metrics.jsonl", o->run_dir);
    if (!c.elo_msgs || !c.elo_prompts || metrics_open(&log, mpath, 1, e)) goto out;
    Rng er;
    rng_seed(&er, 0xE10);
    for (int i = 0; i < o->elo_prompts; i++) {
        char buf[CLINIC_CONV_MAX];
        clinic_message_generate(&c.clinic, (ClinicCategory)(i % CLINIC_NCAT), 0.0, &er, &c.elo_msgs[i]);
        clinic_prompt(&c.elo_msgs[i], buf, sizeof buf);
        if (!(c.elo_prompts[i] = strdup(buf))) { rlhf_err(e, "out of memory"); goto out; }
    }
    res->nrounds = nr;
    for (int r = 0; r < nr; r++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/round-%d", o->run_dir, r);
        if (rlhf_mkdirs(dir, e)) goto out;
        LoopRound *x = &res->r[r];
        policy_of(&c, r, res->policy[r], sizeof res->policy[r]);
        if (c.done[r] == STEP_EVAL) {
            if (load_round(o, r, x, e)) goto out;
            if (!o->quiet) fprintf(stderr, "loop: round %d already done\n", r);
            continue;
        }
        /* partial rounds keep their measurements in eval.json as they go */
        if (c.done[r] > STEP_NONE && load_round(o, r, x, NULL)) memset(x, 0, sizeof *x);
        int first = r == 0 ? STEP_EVAL : c.done[r] + 1;
        for (int s = first; s <= STEP_EVAL; s++) {
            if (!o->quiet) fprintf(stderr, "loop: round %d: %s\n", r, STEP_NAMES[s]);
            double t0 = rlhf_now();
            int src = s == STEP_COLLECT ? step_collect(&c, r, x, e)
                    : s == STEP_JUDGES  ? step_judges(&c, r, x, e)
                    : s == STEP_PPO     ? step_ppo(&c, r, x, e)
                                        : step_eval(&c, r, x, res, e);
            if (src) { rlhf_err_wrap(e, "loop round %d, step %s", r, STEP_NAMES[s]); goto out; }
            c.done[r] = s;
            if (save_round(o, r, x, e) || write_manifest(o, c.done, nr, e)) goto out;
            JsonBuf *j = metrics_begin(&log, "loop_step");
            jb_kv_int(j, "round", r);
            jb_kv_str(j, "step", STEP_NAMES[s]);
            jb_kv_num(j, "seconds", rlhf_now() - t0);
            metrics_end(&log);
        }
        JsonBuf *j = metrics_begin(&log, "round");
        jb_kv_int(j, "round", r);
        jb_kv_num(j, "task_success", clinic_audit_rate(x->audit.all.success, x->audit.all.n));
        jb_kv_num(j, "harmful", clinic_audit_rate(x->audit.all.harmful, x->audit.all.n));
        jb_kv_num(j, "over_refusal", clinic_audit_rate(x->audit.all.over_refusal, x->audit.all.n));
        jb_kv_num(j, "elo_help", x->elo_help);
        jb_kv_num(j, "elo_harm", x->elo_harm);
        jb_kv_num(j, "drift_kl", x->drift_kl);
        jb_kv_num(j, "test_reward", x->test_reward);
        jb_kv_num(j, "gold_agree_help", x->gold_agree_help);
        jb_kv_num(j, "gold_agree_harm", x->gold_agree_harm);
        jb_kv_num(j, "new_margin_abs", x->new_margin_abs);
        jb_kv_num(j, "newer_chosen", x->newer_chosen);
        metrics_end(&log);
    }
    /* Elo values of earlier rounds were refitted by the last eval: persist them */
    for (int r = 0; r < nr; r++) save_round(o, r, &res->r[r], NULL);
    rc = 0;
out:
    metrics_close(&log);
    free(c.elo_msgs);
    rlhf_free_strs(c.elo_prompts, o->elo_prompts);
    clinic_audit_suite_free(&c.suite);
    clinic_classifier_free(c.k);
    return rc;
}

/* ---- report ------------------------------------------------------------------ */

static double rate(int a, int n) { return n > 0 ? (double)a / n : NAN; }

void loop_report_section(Report *rep, const LoopResult *res, const char *heading) {
    int n = res->nrounds;
    report_section(rep, heading);
    report_paragraph(rep, "Each round deploys the current policy, collects new comparisons of its own replies from "
                          "the (simulated) reviewers, retrains the train and test judges on everything collected so "
                          "far, and runs PPO within the KL budget. Round 0 is the starting policy.");
    double x[LOOP_MAX_ROUNDS + 1], succ[LOOP_MAX_ROUNDS + 1], harm[LOOP_MAX_ROUNDS + 1], over[LOOP_MAX_ROUNDS + 1];
    double eh[LOOP_MAX_ROUNDS + 1], er[LOOP_MAX_ROUNDS + 1], drift[LOOP_MAX_ROUNDS + 1];
    double gah[LOOP_MAX_ROUNDS + 1], gar[LOOP_MAX_ROUNDS + 1], marg[LOOP_MAX_ROUNDS + 1];
    for (int r = 0; r < n; r++) {
        const LoopRound *q = &res->r[r];
        x[r] = r;
        succ[r] = rate(q->audit.all.success, q->audit.all.n);
        harm[r] = rate(q->audit.all.harmful, q->audit.all.n);
        over[r] = rate(q->audit.all.over_refusal, q->audit.all.n);
        eh[r] = q->elo_help; er[r] = q->elo_harm; drift[r] = q->drift_kl;
        gah[r] = r ? q->gold_agree_help : NAN; gar[r] = r ? q->gold_agree_harm : NAN;
        marg[r] = r ? q->new_margin_abs : NAN;
    }
    const char *hdr[] = {"round", "task success", "harmful", "over-refusal", "help Elo", "harm Elo", "KL to first",
                         "test judge", "reviewer–gold (help / red team)", "new pairs (skipped)",
                         "new pairs won by the deployed policy"};
    report_table_begin(rep, "The loop, round by round", hdr, 11);
    for (int r = 0; r < n; r++) {
        char c[11][48];
        snprintf(c[0], 48, "%d", r);
        snprintf(c[1], 48, "%.0f%%", 100 * succ[r]);
        snprintf(c[2], 48, "%.0f%%", 100 * harm[r]);
        snprintf(c[3], 48, "%.0f%%", 100 * over[r]);
        snprintf(c[4], 48, "%+.0f", eh[r]);
        snprintf(c[5], 48, "%+.0f", er[r]);
        snprintf(c[6], 48, "%.3f", drift[r]);
        snprintf(c[7], 48, r ? "%.3f" : "–", res->r[r].test_reward);
        if (r) snprintf(c[8], 48, "%.0f%% / %.0f%%", 100 * gah[r], 100 * gar[r]); else snprintf(c[8], 48, "–");
        if (r) snprintf(c[9], 48, "%d (%d)", res->r[r].n_new, res->r[r].n_skipped); else snprintf(c[9], 48, "–");
        /* snapshot pairs only: against the policy before it (NaN when both replies came from one policy) */
        if (r && isfinite(res->r[r].newer_chosen)) snprintf(c[10], 48, "%.0f%%", 100 * res->r[r].newer_chosen);
        else snprintf(c[10], 48, "–");
        const char *row[11] = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]};
        report_table_row(rep, row);
    }
    report_table_end(rep);
    report_grid_begin(rep);
    JsonBuf *svg = report_figure_begin(rep);
    SvgPlotOpts pa = {.title = "Audit rates per round", .xlabel = "round", .ylabel = "rate", .y_percent = 1,
                      .fix_y = 1, .y_lo = 0, .y_hi = 1};
    SvgSeries sa[3] = {{"task success", x, succ, n}, {"harmful compliance", x, harm, n}, {"over-refusal", x, over, n}};
    svg_line_plot(svg, &pa, sa, 3);
    report_figure_end(rep, "What the policy does on the fixed audit suite, by round.");
    svg = report_figure_begin(rep);
    SvgPlotOpts pe = {.title = "Elo per round", .xlabel = "round", .ylabel = "Elo (round 0 = 0)"};
    SvgSeries se[2] = {{"helpfulness", x, eh, n}, {"harmlessness", x, er, n}};
    svg_line_plot(svg, &pe, se, 2);
    report_figure_end(rep, "From pairwise comparisons of every round's replies; win fraction = 1/(1+10^(−ΔElo/400)).");
    svg = report_figure_begin(rep);
    SvgPlotOpts pd = {.title = "Behaviour drift", .xlabel = "round", .ylabel = "KL to the first policy"};
    SvgSeries sd = {"KL(π_round ‖ π_first)", x, drift, n};
    svg_line_plot(svg, &pd, &sd, 1);
    report_figure_end(rep, "How far each round's policy has moved from where the loop started.");
    svg = report_figure_begin(rep);
    SvgPlotOpts pg = {.title = "Reviewers and the judge's view of new data", .xlabel = "round", .ylabel = "value"};
    SvgSeries sg[3] = {{"helpfulness reviewers agree with gold", x, gah, n},
                       {"red team agrees with gold", x, gar, n},
                       {"|train-judge margin| of new pairs", x, marg, n}};
    svg_line_plot(svg, &pg, sg, 3);
    report_figure_end(rep, "Falling gold agreement means reviewer drift or shortcuts; a shrinking judge margin on new "
                           "pairs means the judge is running out of informative comparisons at the high end.");
    report_grid_end(rep);
}
