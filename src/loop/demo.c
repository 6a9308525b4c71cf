/* demo.c — see demo.h. Every stage is an ordinary library call (the same code
 * behind rlhf pretrain / sft / judge / ppo / loop / audit), so the demo is also
 * an end-to-end check of the whole pipeline. */
#include "loop/demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic_audit.h"
#include "clinic/clinic_audit_compare.h"
#include "clinic/clinic_export.h"
#include "data/split.h"
#include "judge/judge_eval.h"
#include "loop/collect.h"
#include "loop/loop.h"
#include "loop/policy_gen.h"
#include "ppo/fence.h"
#include "ppo/frontier.h"
#include "ppo/ppo_run.h"
#include "report/report.h"
#include "report/svg_plot.h"
#include "train/lm_run.h"

void demo_defaults(DemoOpts *o) {
    memset(o, 0, sizeof *o);
    o->out_dir = "demo-run";
    o->rounds = 2;
    o->seed = 1;
    o->bench_tasks = -1;
}

typedef struct Stage { int k, n; double start; int quiet; } Stage;

static void stage(Stage *s, const char *what) {
    s->k++;
    fprintf(stderr, "\n[%d/%d] %s   (%.0f s so far)\n", s->k, s->n, what, rlhf_now() - s->start);
}

static double rate(int a, int n) { return n > 0 ? (double)a / n : NAN; }

/* ---- audits ------------------------------------------------------------------ */

typedef struct Audited {
    char name[64];
    ClinicAuditReport rep;
    ClinicAuditItems items;   /* outcomes per message, for paired comparisons */
    char **replies;           /* suite.n replies */
    double words;             /* mean words per reply */
} Audited;

static void audited_free(Audited *a, int n) {
    if (a->replies)
        for (int i = 0; i < n; i++) free(a->replies[i]);
    free(a->replies);
    a->replies = NULL;
    clinic_audit_items_free(&a->items);
}

static void count_outcomes(Audited *a, const ClinicAuditSuite *s, ClinicClassifier *k, char **replies, int stride) {
    for (int i = 0; i < s->n; i++)
        for (int q = 0; q < stride; q++)
            clinic_audit_items_add(&a->items, i, clinic_audit_outcome(&s->items[i], clinic_classify(k, replies[i * stride + q])));
}

static double mean_words(char **r, int n) {
    double w = 0;
    for (int i = 0; i < n; i++) w += clinic_word_count(r[i]);
    return n ? w / n : 0;
}

/* Every audit pools `samples` replies per message at temperature 1: with one
 * reply a rate near 2% rests on five replies, with eight (1,920) the standard
 * error of a 2% rate is 0.3 points. The first sample's replies are kept for the
 * report's side-by-side panels. */
static int audit_policy(const char *ckpt, const char *name, const ClinicAuditSuite *s, ClinicClassifier *k, int max_new,
                        int samples, Audited *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    PolicyGen g;
    if (policy_gen_open(&g, ckpt, 32, 160, max_new, e)) return -1;
    g.temperature = 1.0f;   /* the policy's own distribution: what PPO optimises and users get */
    g.seed = 99;
    int rc = clinic_audit_items_init(&out->items, s->n, e) ? -1 : policy_gen_audit(&g, s, k, &out->rep, &out->replies, e);
    double words = rc ? 0 : mean_words(out->replies, s->n);
    if (rc == 0) count_outcomes(out, s, k, out->replies, 1);
    for (int j = 1; j < samples && rc == 0; j++) {
        ClinicAuditReport more;
        char **r2 = NULL;
        rc = policy_gen_audit(&g, s, k, &more, &r2, e);
        if (rc) break;
        clinic_audit_merge(&out->rep, &more);
        count_outcomes(out, s, k, r2, 1);
        words += mean_words(r2, s->n);
        for (int i = 0; i < s->n; i++) free(r2[i]);
        free(r2);
    }
    out->words = samples > 0 ? words / samples : 0;
    policy_gen_close(&g);
    return rc;
}

/* Best-of-N on the audit suite (policy_gen_audit_best_of_n); the first pick's
 * replies are kept for the report's panels, every draw's reward and outcome in
 * *draws for the frontier. */
static int audit_best_of_n(const char *ckpt, RewardModel *rm, int N, int picks, const ClinicAuditSuite *s,
                           ClinicClassifier *k, int max_new, Audited *out, PolicyDraws *draws, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "best-of-%d", N);
    PolicyGen g;
    if (policy_gen_open(&g, ckpt, 32, 160, max_new, e)) return -1;
    g.temperature = 1.0f;   /* best-of-N draws from the policy itself */
    g.seed = 123;
    char **kept = NULL;
    int rc = clinic_audit_items_init(&out->items, s->n, e) ? -1
           : policy_gen_audit_best_of_n(&g, rm, N, picks, s, k, &out->rep, &kept, &out->words, draws, e);
    policy_gen_close(&g);
    if (rc) return -1;
    count_outcomes(out, s, k, kept, picks);
    out->replies = rlhf_calloc((size_t)s->n, sizeof *out->replies, e);
    for (int i = 0; i < s->n; i++)
        for (int q = 0; q < picks; q++) {
            char **r = &kept[i * picks + q];
            if (q == 0 && out->replies) { out->replies[i] = *r; *r = NULL; }
            free(*r);
        }
    free(kept);
    return out->replies ? 0 : -1;
}

/* ---- the frontier: what any KL-penalised optimiser could get from these judges --- */

/* PPO's kept policy: the KL of the rollouts it sampled (step best_step). */
static double ppo_kept_kl(const PpoRunResult *r) {
    for (int i = 0; i < r->hist.n; i++)
        if (r->hist.st[i].step == r->best_step) return r->hist.st[i].kl;
    return NAN;
}

/* Best-of-N and the optimum π*_β ∝ π_SFT·exp(r/β) of PPO's own objective, both
 * estimated from best-of-N's draws (src/ppo/frontier.h), against KL, with PPO's
 * kept policy as a point. Fills the summary's optimum-at-PPO's-KL row. */
static int frontier_section(Report *rep, const PolicyDraws *d, const PpoRunResult *ppo, const Audited *au_ppo,
                            DemoSummary *sum, RlhfErr *e) {
    enum { MAXR = 8, NCURVE = 13 };
    Frontier f;
    FrontierPoint bon[MAXR], opt[MAXR], curve[NCURVE], at_ppo;
    if (frontier_init(&f, d->reward, d->outcome, d->n, d->per, CLINIC_NOUT, e)) return -1;
    int rows = frontier_ladder(&f, bon, opt, MAXR, e);
    if (rows < 0) { frontier_free(&f); return -1; }
    double top = bon[rows - 1].kl, ppo_kl = ppo_kept_kl(ppo);
    int nc = 0;
    for (int i = 0; i < NCURVE; i++)
        if (frontier_optimum_at_kl(&f, top * i / (NCURVE - 1) * 0.999, &curve[nc], e) == 0) nc++;
    int have_opt = isfinite(ppo_kl) && frontier_optimum_at_kl(&f, ppo_kl, &at_ppo, e) == 0;
    sum->ppo_kl = ppo_kl;
    sum->opt_success = have_opt ? at_ppo.rate[CLINIC_OUTB_SUCCESS] : NAN;
    sum->opt_harmful = have_opt ? at_ppo.rate[CLINIC_OUTB_HARMFUL] : NAN;
    sum->opt_over = have_opt ? at_ppo.rate[CLINIC_OUTB_OVER_REFUSAL] : NAN;
    sum->opt_missed = have_opt ? at_ppo.rate[CLINIC_OUTB_MISSED_ESCALATION] : NAN;

    report_section(rep, "Best-of-N, PPO, and the most any KL-penalised optimiser could get");
    {
        char t[1200];
        snprintf(t, sizeof t,
                 "PPO maximises judge reward minus β·KL from the SFT policy. The maximiser of that objective is known in "
                 "closed form, π* ∝ π_SFT·exp(r/β), and it has the most judge reward of any policy at its KL. Both it "
                 "and best-of-N can be estimated from the %d draws a message best-of-N already made (each draw "
                 "reweighted; nothing is trained), so the curves below are the frontier PPO is climbing toward, with "
                 "best-of-N beside it. Where the optimum's audit rates are no better than best-of-N's at the same KL, "
                 "no optimiser of this reward can beat best-of-N at equal KL: the judges, not PPO, set the limit. PPO's "
                 "kept policy (KL %.3f nats, measured on its own rollouts) is the single point.",
                 d->per, ppo_kl);
        report_paragraph(rep, t);
    }
    double bx[MAXR], bs[MAXR], bh[MAXR], cx[NCURVE], cs[NCURVE], ch[NCURVE];
    double px[1] = {ppo_kl}, ps[1] = {rate(au_ppo->rep.all.success, au_ppo->rep.all.n)},
           ph[1] = {rate(au_ppo->rep.all.harmful, au_ppo->rep.all.n)};
    for (int i = 0; i < rows; i++) { bx[i] = bon[i].kl; bs[i] = bon[i].rate[CLINIC_OUTB_SUCCESS]; bh[i] = bon[i].rate[CLINIC_OUTB_HARMFUL]; }
    for (int i = 0; i < nc; i++) { cx[i] = curve[i].kl; cs[i] = curve[i].rate[CLINIC_OUTB_SUCCESS]; ch[i] = curve[i].rate[CLINIC_OUTB_HARMFUL]; }
    report_grid_begin(rep);
    for (int which = 0; which < 2; which++) {
        SvgSeries ser[3] = {{"best-of-N (N = 1, 2, 4, …)", bx, which ? bh : bs, rows},
                            {"optimum π* of PPO's objective", cx, which ? ch : cs, nc},
                            {"PPO (kept policy)", px, which ? ph : ps, 1}};
        SvgPlotOpts o = {.title = which ? "Harmful compliance against KL" : "Task success against KL",
                         .xlabel = "KL from the SFT policy (nats)", .y_percent = 1};
        JsonBuf *svg = report_figure_begin(rep);
        svg_line_plot(svg, &o, ser, 3);
        report_figure_end(rep, which ? "Lower is better." : "Higher is better.");
    }
    report_grid_end(rep);
    const char *hdr[] = {"KL (nats)", "best-of-N", "success", "harmful", "over-refusal", "optimum: success", "harmful",
                         "over-refusal", "judge reward: best-of-N / optimum"};
    report_table_begin(rep, "At each best-of-N's KL: best-of-N and the optimum of PPO's objective", hdr, 9);
    for (int i = 0; i < rows; i++) {
        char c[9][48];
        snprintf(c[0], 48, "%.3f", bon[i].kl);
        snprintf(c[1], 48, "N = %d", (int)bon[i].param);
        snprintf(c[2], 48, "%.1f%%", 100 * bon[i].rate[CLINIC_OUTB_SUCCESS]);
        snprintf(c[3], 48, "%.2f%%", 100 * bon[i].rate[CLINIC_OUTB_HARMFUL]);
        snprintf(c[4], 48, "%.1f%%", 100 * bon[i].rate[CLINIC_OUTB_OVER_REFUSAL]);
        snprintf(c[5], 48, "%.1f%%", 100 * opt[i].rate[CLINIC_OUTB_SUCCESS]);
        snprintf(c[6], 48, "%.2f%%", 100 * opt[i].rate[CLINIC_OUTB_HARMFUL]);
        snprintf(c[7], 48, "%.1f%%", 100 * opt[i].rate[CLINIC_OUTB_OVER_REFUSAL]);
        snprintf(c[8], 48, "%.3f / %.3f", bon[i].reward, opt[i].reward);
        const char *row[9] = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]};
        report_table_row(rep, row);
    }
    report_table_end(rep);
    report_note(rep, "KL is measured the same way for both curves, as the KL of the weights over the draws; for "
                     "best-of-N that is a little above log N − (N−1)/N when the draws are few, which draws both curves "
                     "slightly to the right of PPO's point: the estimate flatters PPO, not best-of-N. Rates are "
                     "expectations over the weighted draws (the audit classifier's labels).");
    frontier_free(&f);
    return 0;
}

/* ---- the real HH-RLHF data (--with-hh) ---------------------------------------- */

/* The first `max_rows` good comparisons of DIR/NAME/{train,test}.jsonl.gz, written
 * as HH JSONL to `out` (the demo's judges then train on them beside the clinic's). */
static int hh_subsample(const char *hh_dir, const char *name, int max_rows, const char *out, long *kept, RlhfErr *e) {
    char src[1024];
    snprintf(src, sizeof src, "%s/%s/train.jsonl.gz", hh_dir, name);
    if (!rlhf_file_exists(src)) snprintf(src, sizeof src, "%s/%s/test.jsonl.gz", hh_dir, name);
    if (!rlhf_file_exists(src))
        return rlhf_err(e, "--with-hh: %s/%s has neither train.jsonl.gz nor test.jsonl.gz (point --hh-dir at the "
                           "HH-RLHF folder)", hh_dir, name);
    ComparisonOpts o = {.skip_bad = 1};
    ComparisonReader *r = comparison_reader_open(src, &o, e);
    if (!r) return -1;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "wb");
    if (!f) { comparison_reader_close(r); return rlhf_err(e, "%s: cannot write", tmp); }
    JsonBuf scratch;
    jb_init(&scratch);
    Comparison c;
    int rc = 0, got = 0;
    *kept = 0;
    while (*kept < max_rows && (got = comparison_reader_next(r, &c, e)) == 1) {
        if (comparison_write_hh(f, &c, &scratch, e)) { rc = -1; break; }
        (*kept)++;
    }
    if (rc == 0 && got < 0) rc = -1;
    jb_free(&scratch);
    comparison_reader_close(r);
    if (fclose(f) != 0 && rc == 0) rc = rlhf_err(e, "%s: write failed", tmp);
    if (rc == 0 && rename(tmp, out) != 0) rc = rlhf_err(e, "%s: cannot rename to %s", tmp, out);
    if (rc) remove(tmp);
    return rc;
}

/* ---- judge evaluation: each fence train judge on the other half of each distribution ---- */

typedef struct JudgeTable {
    JudgeEvalResult r[2][2];     /* [judge help/harm][data help/harm] */
    Accuracy longer[2];
    int have[2];
} JudgeTable;

static int eval_judges(Fence *f, const char *help_file, const char *harm_file, JudgeTable *t, RlhfErr *e) {
    memset(t, 0, sizeof *t);
    const char *files[2] = {help_file, harm_file};
    Judge *judges[2] = {f->have_help ? &f->help[0] : NULL, f->have_harm ? &f->harm[0] : NULL};
    double halves[2] = {0.5, 0.5};
    for (int d = 0; d < 2; d++) {
        ComparisonOpts o = {0};
        comparison_opts_split(&o, SPLIT_SALT_FENCE, halves, 2, 1);   /* the half the train judges never saw */
        o.skip_bad = 1;
        ComparisonSet s = {0};
        if (comparisons_load_all(&files[d], 1, &o, &s, e)) { comparison_set_free(&s); return -1; }
        t->longer[d] = baseline_longer_wins(&s);
        for (int j = 0; j < 2; j++) {
            if (!judges[j]) continue;
            if (judge_eval_set(judges[j], &s, &t->r[j][d], NULL, e)) { comparison_set_free(&s); return -1; }
            t->have[j] = 1;
        }
        comparison_set_free(&s);
    }
    return 0;
}

/* ---- the report ------------------------------------------------------------------ */

static void judge_cross_table(Report *rep, const char *caption, const char *col0, const char *col1,
                              const JudgeTable *t) {
    const char *hdr[] = {"judge", col0, col1, "ECE (own data)"};
    report_table_begin(rep, caption, hdr, 4);
    const char *jn[2] = {"helpfulness judge", "harmlessness judge"};
    for (int j = 0; j < 2; j++) {
        if (!t->have[j]) continue;
        char c[3][64];
        for (int d = 0; d < 2; d++) {
            const Accuracy *acc = &t->r[j][d].acc;
            snprintf(c[d], 64, "%.1f%% [%.1f, %.1f]", 100 * acc->acc, 100 * acc->lo, 100 * acc->hi);
        }
        snprintf(c[2], 64, "%.3f", t->r[j][j].cal.ece);
        const char *row[4] = {jn[j], c[0], c[1], c[2]};
        report_table_row(rep, row);
    }
    char c0[64], c1[64];
    snprintf(c0, 64, "%.1f%%", 100 * t->longer[0].acc);
    snprintf(c1, 64, "%.1f%%", 100 * t->longer[1].acc);
    const char *row[4] = {"baseline: the longer reply wins", c0, c1, "–"};
    report_table_row(rep, row);
    report_table_end(rep);
}

static void audit_table(Report *rep, const char *caption, Audited *const *a, int n) {
    const char *hdr[] = {"policy", "task success", "harmful compliance", "over-refusal", "helpful refusal",
                         "missed escalation", "words/reply"};
    report_table_begin(rep, caption, hdr, 7);
    for (int i = 0; i < n; i++) {
        const ClinicAuditRow *r = &a[i]->rep.all;
        char c[6][32];
        snprintf(c[0], 32, "%.0f%%", 100 * rate(r->success, r->n));
        snprintf(c[1], 32, "%.1f%%", 100 * rate(r->harmful, r->n));
        snprintf(c[2], 32, "%.1f%%", 100 * rate(r->over_refusal, r->n));
        snprintf(c[3], 32, "%.0f%%", 100 * rate(r->helpful_refusal, r->n));
        snprintf(c[4], 32, "%.0f%%", 100 * rate(r->missed_escalation, r->n));
        snprintf(c[5], 32, "%.1f", a[i]->words);
        const char *row[7] = {a[i]->name, c[0], c[1], c[2], c[3], c[4], c[5]};
        report_table_row(rep, row);
    }
    report_table_end(rep);
}

/* Each policy's change from the first row, message by message, with a 95%
 * interval (clinic_audit_compare.h): whether a rise of a few points is the
 * policy or the sampling. */
static int audit_change_table(Report *rep, const ClinicAuditSuite *s, Audited *const *a, int n, RlhfErr *e) {
    static const int outs[4] = {CLINIC_OUTB_SUCCESS, CLINIC_OUTB_HARMFUL, CLINIC_OUTB_OVER_REFUSAL,
                                CLINIC_OUTB_MISSED_ESCALATION};
    const char *hdr[] = {"change from the SFT policy", "task success", "harmful compliance", "over-refusal",
                         "missed escalation"};
    report_table_begin(rep, "Did each policy move the audit's rates? Points, new − SFT, with a 95% interval from a "
                            "paired bootstrap over the 240 messages", hdr, 5);
    for (int i = 1; i < n; i++) {
        ClinicAuditCompare c;
        if (clinic_audit_compare(s, &a[0]->items, &a[i]->items, 2000, 1, &c, e)) return -1;
        char cell[4][96];
        const char *row[5] = {a[i]->name, cell[0], cell[1], cell[2], cell[3]};
        for (int q = 0; q < 4; q++) {
            const ClinicAuditDelta *d = &c.all[outs[q]];
            snprintf(cell[q], sizeof cell[q], "%+.1f [%+.1f, %+.1f] %s", 100 * d->diff, 100 * d->lo, 100 * d->hi,
                     clinic_audit_delta_verdict(d));
        }
        report_table_row(rep, row);
    }
    report_table_end(rep);
    return 0;
}

static void audit_bars(Report *rep, const char *title, Audited *const *a, int n, int which) {
    const char *groups[CLINIC_NCAT];
    double vals[8][CLINIC_NCAT];
    SvgSeries ser[8];
    for (int c = 0; c < CLINIC_NCAT; c++) groups[c] = clinic_category_name((ClinicCategory)c);
    for (int i = 0; i < n && i < 8; i++) {
        for (int c = 0; c < CLINIC_NCAT; c++) {
            const ClinicAuditRow *r = &a[i]->rep.cat[c];
            int v = which == 0 ? r->success : which == 1 ? r->harmful : r->over_refusal;
            vals[i][c] = rate(v, r->n);
        }
        ser[i] = (SvgSeries){.name = a[i]->name, .x = NULL, .y = vals[i], .n = CLINIC_NCAT};
    }
    JsonBuf *svg = report_figure_begin(rep);
    /* rare outcomes (harmful compliance, a few percent) get an axis they are visible on */
    double top = 0;
    for (int i = 0; i < n && i < 8; i++)
        for (int c = 0; c < CLINIC_NCAT; c++) top = vals[i][c] > top ? vals[i][c] : top;
    double y_hi = top < 0.2 ? 0.2 : 1.0;
    SvgPlotOpts o = {.title = title, .ylabel = "rate", .y_percent = 1, .fix_y = 1, .y_lo = 0, .y_hi = y_hi, .width = 900};
    svg_bar_chart(svg, &o, groups, CLINIC_NCAT, ser, n < 8 ? n : 8);
    report_figure_end(rep, "Per category of the fixed audit suite (30 patient messages each).");
}

static void sample_panels(Report *rep, const ClinicAuditSuite *s, const Audited *before, const Audited *after,
                          ClinicClassifier *k) {
    /* one message per interesting category: where behaviour should differ */
    const int cats[] = {CLINIC_CAT_MEDICATION, CLINIC_CAT_SYMPTOMS, CLINIC_CAT_MANIPULATION, CLINIC_CAT_BENIGN_SENSITIVE};
    for (size_t q = 0; q < sizeof cats / sizeof cats[0]; q++) {
        int i = cats[q] * CLINIC_AUDIT_PER_CAT;   /* the suite is category-major */
        if (i >= s->n) break;
        const ClinicMessage *m = &s->items[i];
        ReportTurn tb[CLINIC_MAX_TURNS + 1], ta[CLINIC_MAX_TURNS + 1];
        int nt = 0;
        for (int t = 0; t < m->nturns && t < CLINIC_MAX_TURNS; t++) {
            tb[nt] = ta[nt] = (ReportTurn){.role = t % 2 ? "Assistant" : "Human", .text = m->turns[t]};
            nt++;
        }
        tb[nt] = (ReportTurn){.role = "Assistant", .text = before->replies[i]};
        ta[nt] = (ReportTurn){.role = "Assistant", .text = after->replies[i]};
        char nb[160], na[160], vb[120], va[120];
        int lb = clinic_classify(k, before->replies[i]), la = clinic_classify(k, after->replies[i]);
        /* outcomes are flags: only SUCCESS means the task was done safely */
        int ob = clinic_audit_outcome(m, lb), oa = clinic_audit_outcome(m, la);
        snprintf(nb, sizeof nb, "audit: %s", clinic_audit_verdict(ob, vb, sizeof vb));
        snprintf(na, sizeof na, "audit: %s", clinic_audit_verdict(oa, va, sizeof va));
        ReportPanel p[2] = {{.label = before->name, .note = nb, .turns = tb, .nturns = nt + 1,
                             .tone = (ob & CLINIC_OUT_SUCCESS) ? REPORT_GOOD : REPORT_BAD},
                            {.label = after->name, .note = na, .turns = ta, .nturns = nt + 1,
                             .tone = (oa & CLINIC_OUT_SUCCESS) ? REPORT_GOOD : REPORT_BAD}};
        char head[96];
        snprintf(head, sizeof head, "A %s message", clinic_category_name((ClinicCategory)cats[q]));
        report_panels(rep, head, p, 2);
    }
}

/* ---- the run ------------------------------------------------------------------ */

int demo_run(const DemoOpts *o, DemoSummary *sum, RlhfErr *e) {
    memset(sum, 0, sizeof *sum);
    Stage st = {.n = 12, .start = rlhf_now()};
    const int quick = o->quick;
    const int AS = quick ? 2 : 8;   /* audit samples per message */
    char dir[512], data[600], data_sc[600], p[20][700];
    snprintf(dir, sizeof dir, "%s", o->out_dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(data_sc, sizeof data_sc, "%s/data-shortcut", dir);
#define PATH(i, fmt, ...) (snprintf(p[i], sizeof p[i], fmt, __VA_ARGS__), p[i])
    if (rlhf_mkdirs(dir, e)) return -1;
    ClinicClassifier *k = clinic_classifier_new(e);
    if (!k) return -1;
    ClinicAuditSuite suite = {0};
    Fence fence = {0};
    Judge sc_help = {0}, sc_harm = {0};
    Audited au_sft, au_bon, au_ppo, au_final, au_dial[3], au_sc;
    PolicyDraws bon_draws = {0};
    PpoRunResult ppo_res, dial_res[3];
    memset(&au_sft, 0, sizeof au_sft); memset(&au_bon, 0, sizeof au_bon); memset(&au_ppo, 0, sizeof au_ppo);
    memset(&au_final, 0, sizeof au_final); memset(au_dial, 0, sizeof au_dial); memset(&au_sc, 0, sizeof au_sc);
    memset(&ppo_res, 0, sizeof ppo_res); memset(dial_res, 0, sizeof dial_res);
    LoopResult *loop = calloc(1, sizeof *loop);
    JudgeTable jt_tab, jt_hh;
    memset(&jt_tab, 0, sizeof jt_tab);
    memset(&jt_hh, 0, sizeof jt_hh);
    Report *rep = NULL;
    int rc = -1;
    char **prompts = NULL;
    int nprompts = 0;
    if (!loop) { rlhf_err(e, "out of memory"); goto done; }
    if (clinic_audit_suite_build(&suite, CLINIC_AUDIT_PER_CAT, e)) goto done;
    Clinic clinic;
    clinic_init(&clinic, o->seed);

    /* 1. the worked example */
    stage(&st, "the clinic example: patient messages, replies in seven styles, simulated reviewers");
    ClinicGenConfig gc;
    clinic_gen_config_default(&gc);
    gc.seed = o->seed;
    gc.n = quick ? 400 : 1500;
    gc.sft_noise = 0.4;   /* the SFT policy imitates a mixture: some reckless, some avoidant */
    ClinicGenStats gs;
    if (clinic_generate_dataset(&gc, data, &gs, e)) goto done;
    ClinicGenConfig gsc = gc;   /* the same, with reviewers who take shortcuts */
    gsc.helpful.prefer_short = gsc.harmless.prefer_short = 2.0;
    gsc.helpful.prefer_confident = gsc.harmless.prefer_confident = 2.0;
    ClinicGenStats gss;
    if (clinic_generate_dataset(&gsc, data_sc, &gss, e)) goto done;
    fprintf(stderr, "  %d SFT transcripts, %d helpfulness and %d red-team comparisons (simulated reviewers)\n", gs.sft,
            gs.helpful, gs.harmless);
    char hh_help[700] = "", hh_harm[700] = "";
    if (o->with_hh) {
        const char *hh_dir = o->hh_dir ? o->hh_dir : "../shared/data/hh-rlhf";
        int max_rows = quick ? 150 : 1000;
        long nh = 0, nr = 0;
        snprintf(hh_help, sizeof hh_help, "%s/hh-helpful.jsonl", data);
        snprintf(hh_harm, sizeof hh_harm, "%s/hh-harmless.jsonl", data);
        if (hh_subsample(hh_dir, "helpful-base", max_rows, hh_help, &nh, e) ||
            hh_subsample(hh_dir, "harmless-base", max_rows, hh_harm, &nr, e))
            goto done;
        fprintf(stderr, "  --with-hh: %ld helpful-base and %ld harmless-base comparisons from %s\n", nh, nr, hh_dir);
    }

    /* 2. tokenizer + base model */
    stage(&st, "tokenizer and base model: byte-level BPE, GPT-2 pretraining on the transcripts");
    const char *pre_in[8];
    int npre = 0;
    pre_in[npre++] = PATH(0, "%s/sft.jsonl", data);
    pre_in[npre++] = PATH(1, "%s/comparisons-helpful.jsonl", data);
    pre_in[npre++] = PATH(2, "%s/comparisons-harmless.jsonl", data);
    if (o->with_hh) { pre_in[npre++] = hh_help; pre_in[npre++] = hh_harm; }
    LmRunOpts lo;
    lm_run_defaults(&lo);
    lo.inputs = pre_in;
    lo.ninputs = npre;
    lo.out = PATH(3, "%s/base.ckpt", dir);
    lo.vocab_size = 1024;
    lo.cfg = (GPT2Config){.max_seq_len = 256, .n_layer = o->layers ? o->layers : (quick ? 2 : 4), .n_head = 4,
                          .n_embd = o->width ? o->width : (quick ? 64 : 128)};
    lo.train.B = 8;
    lo.train.T = 128;
    lo.train.steps = quick ? 40 : 500;
    lo.train.lr = 2e-3f;
    lo.train.lr_min = 2e-4f;
    lo.train.warmup = quick ? 5 : 30;
    lo.train.eval_every = quick ? 20 : 100;
    lo.train.ckpt_every = quick ? 40 : 250;
    lo.resume = 1;
    lo.seed = o->seed;
    if (lm_run(&lo, e)) goto done;

    /* 3. SFT */
    stage(&st, "supervised fine-tuning on the clinic demonstrations (a mixture of reply styles)");
    LmRunOpts so;
    lm_run_defaults(&so);
    const char *sft_in[1] = {p[0]};
    so.inputs = sft_in;
    so.ninputs = 1;
    so.init = p[3];
    so.out = PATH(4, "%s/sft.ckpt", dir);
    so.sft = 1;
    so.label = "sft";
    so.train.B = 8;
    so.train.T = 128;
    so.train.steps = quick ? 20 : 250;
    so.train.lr = 1e-3f;
    so.train.lr_min = 1e-4f;
    so.train.warmup = 10;
    so.train.eval_every = quick ? 10 : 50;
    so.train.ckpt_every = so.train.steps;
    so.resume = 1;
    if (lm_run(&so, e)) goto done;
    const char *sft_ckpt = p[4];
    if (audit_policy(sft_ckpt, "SFT policy", &suite, k, 64, AS, &au_sft, e)) goto done;

    /* 4. the bench, round 0: comparisons of the SFT policy's own replies */
    const char *hf[3] = {p[1]}, *rf[3] = {p[2]};
    int nhf = 1, nrf = 1;
    if (o->with_hh) { hf[nhf++] = hh_help; rf[nrf++] = hh_harm; }
    int tasks = o->bench_tasks < 0 ? (quick ? 160 : 1600) : o->bench_tasks;
    stage(&st, "the bench, round 0: the SFT policy answers patient messages twice, simulated reviewers compare");
    if (tasks > 0) {
        CollectOpts co;
        collect_defaults(&co, o->seed);
        co.policy = sft_ckpt;
        co.clinic = &clinic;
        co.k = k;
        co.n = tasks;
        CollectResult cr;
        if (collect_comparisons(&co, &cr, e)) goto done;
        int wrc = rlhf_write_file_atomic(PATH(17, "%s/bench0-help.jsonl", data), cr.help.data ? cr.help.data : "",
                                         cr.help.len, e) ||
                  rlhf_write_file_atomic(PATH(18, "%s/bench0-harm.jsonl", data), cr.harm.data ? cr.harm.data : "",
                                         cr.harm.len, e);
        fprintf(stderr, "  %d tasks: %d helpfulness and %d red-team comparisons kept (%d of them differ in harm), "
                        "%d skipped as equally good, %d identical reply pairs\n", tasks, cr.n_help, cr.n_harm,
                cr.n_harm_differs, cr.n_skipped, cr.n_same);
        sum->bench0_help = cr.n_help;
        sum->bench0_harm = cr.n_harm;
        sum->bench0_harm_differs = cr.n_harm_differs;
        collect_result_free(&cr);
        if (wrc) goto done;
        hf[nhf++] = p[17];
        rf[nrf++] = p[18];
    }

    /* 5. judges behind the fence */
    stage(&st, "the judges: helpfulness and harmlessness, train and test halves (the robustness fence)");
    FenceOpts fo = {.base = p[3], .help_files = hf, .nhelp = nhf, .harm_files = rf, .nharm = nrf,
                    .max_len = 128, .out_dir = PATH(5, "%s/judges", dir)};
    judge_train_defaults(&fo.jt);
    fo.jt.epochs = quick ? 1 : 2;
    fo.jt.lr = 3e-4f;
    fo.jt.quiet = 0;
    /* The main run's harm dial is a floor, not a ladder (capped at 0): the red team cannot tell a
     * canned refusal from a good answer (both are harmless), so an uncapped harmlessness judge
     * pays for refusing benign requests. Capped, it only penalises replies it finds worse than
     * average; the dials experiment below shows the uncapped trade-off. Its weight is 0.25: at 0.5,
     * PPO's over-refusal rose beyond sampling noise in 2 of 8 runs (two demo seeds x four PPO seeds);
     * at 0.25 in none, with the same gains in success and harm (docs/PPO.md, "Session 15"). */
    const Dials main_dials = {.w_help = 1.0f, .w_harm = 0.25f, .harm_capped = 1, .harm_cap = 0.0f};
    if (rlhf_mkdirs(p[5], e) || fence_train(&fence, &fo, main_dials, e)) goto done;
    if (eval_judges(&fence, p[1], p[2], &jt_tab, e)) goto done;
    fprintf(stderr, "  held-out accuracy: helpfulness judge %.1f%% on helpful data, harmlessness judge %.1f%% on "
                    "red-team data\n", 100 * jt_tab.r[0][0].acc.acc, 100 * jt_tab.r[1][1].acc.acc);
    if (o->with_hh) {
        if (eval_judges(&fence, hh_help, hh_harm, &jt_hh, e)) goto done;
        fprintf(stderr, "  on held-out HH-RLHF: helpfulness judge %.1f%% on helpful-base, harmlessness judge %.1f%% on "
                        "harmless-base\n", 100 * jt_hh.r[0][0].acc.acc, 100 * jt_hh.r[1][1].acc.acc);
    }

    /* 6. best-of-N */
    int N = quick ? 4 : 8;
    char bon_name[64];
    snprintf(bon_name, sizeof bon_name, "best-of-%d on the train judge", N);
    stage(&st, bon_name);
    if (audit_best_of_n(sft_ckpt, &fence.train_rm, N, quick ? 1 : 4, &suite, k, 64, &au_bon, &bon_draws, e)) goto done;
    double bon_kl = log((double)N) - (double)(N - 1) / N;

    /* 7. PPO with the fence, at the KL best-of-N spends */
    stage(&st, "PPO against the train judge, watched by the test judge, within best-of-N's KL budget");
    if (ppo_load_prompts(PATH(6, "%s/prompts.jsonl", data), &prompts, &nprompts, e)) goto done;
    PpoRunOpts po;
    ppo_run_defaults(&po);
    po.policy = sft_ckpt;
    po.out = PATH(7, "%s/ppo.ckpt", dir);
    po.train_rm = &fence.train_rm;
    po.test_rm = &fence.test_rm;
    po.prompts = (const char *const *)prompts;
    po.nprompts = nprompts;
    po.ppo.steps = quick ? 3 : 60;   /* an upper bound: the KL budget usually stops it first */
    po.ppo.rollout_batch = quick ? 8 : 64;   /* big batches: each step is a careful one */
    po.ppo.minibatch = 16;
    po.ppo.max_new = 64;
    po.ppo.max_prompt = 160;
    po.ppo.epochs = 4;        /* four passes over each batch: more reward per unit of KL here */
    /* β 0.3: PPO climbs toward π_ref·exp(r/β), an optimum inside the budget, and
     * gets more held-out judge reward per nat than with a tiny β that leaves the
     * budget alone to stop it. 4 replies a prompt with a leave-one-out baseline,
     * so what a reply adds is not drowned by how the prompt scores; λ = 1, so the
     * first tokens of a reply (where it decides to route or refuse) get the whole
     * reward, not 0.95^length of it through a value head that barely knows it;
     * lr 1e-5, smaller careful steps (docs/PPO.md, "Session 6" and "Session 7") */
    po.ppo.kl_coef = 0.3f;
    po.ppo.group = 4;
    po.ppo.lam = 1.0f;
    po.ppo.lr = 1e-5f;
    po.kl_budget = (float)sqrt(bon_kl);
    po.resume = 1;
    const char *tax_files[2];
    int ntax = 0;
    if (o->shared_dir) {
        PATH(8, "%s/topical-chat/test_rare.json", o->shared_dir);
        PATH(9, "%s/tinyshakespeare/input.txt", o->shared_dir);
        if (rlhf_file_exists(p[8])) { po.tax_files[ntax] = tax_files[ntax] = p[8]; po.tax_names[ntax++] = "Topical-Chat"; }
        if (rlhf_file_exists(p[9])) { po.tax_files[ntax] = tax_files[ntax] = p[9]; po.tax_names[ntax++] = "Tiny Shakespeare"; }
    }
    po.ntax = ntax;
    if (ppo_run(&po, &ppo_res, e)) goto done;
    if (audit_policy(po.out, "PPO (fence, KL budget)", &suite, k, 64, AS, &au_ppo, e)) goto done;

    /* 8. the steering loop */
    stage(&st, "the steering loop: deploy, collect comparisons, retrain the judges, optimise");
    LoopOpts lp;
    loop_defaults(&lp);
    lp.run_dir = PATH(10, "%s/loop", dir);
    lp.rounds = quick ? 1 : o->rounds;
    lp.base = p[3];
    lp.policy = po.out;
    lp.prior_policy = sft_ckpt;   /* round 1 pairs PPO's replies with the SFT policy's */
    for (int i = 0; i < nhf; i++) lp.help_files[lp.nhelp++] = hf[i];
    for (int i = 0; i < nrf; i++) lp.harm_files[lp.nharm++] = rf[i];
    lp.new_prompts = quick ? 48 : 240;
    lp.ppo = po.ppo;
    lp.ppo.steps = quick ? 2 : 20;
    lp.kl_budget = po.kl_budget;
    lp.jt = fo.jt;
    lp.jt.epochs = 1;
    lp.judge_max_len = 128;
    lp.elo_prompts = quick ? 16 : 64;
    lp.seed = o->seed;
    lp.dials = main_dials;
    for (int i = 0; i < ntax; i++) { lp.tax_files[i] = po.tax_files[i]; lp.tax_names[i] = po.tax_names[i]; }
    lp.ntax = ntax;
    if (loop_run(&lp, loop, e)) goto done;
    const char *final_ckpt = loop->policy[loop->nrounds - 1];
    if (audit_policy(final_ckpt, "final policy (after the loop)", &suite, k, 64, AS, &au_final, e)) goto done;

    /* 9. dials */
    stage(&st, "the dials: the same PPO run weighting harmlessness, helpfulness, or both");
    const char *dial_names[3] = {"harmless-heavy (0.25, 1)", "helpful-heavy (1, 0.25)", "balanced (1, 1)"};
    Dials dial_vals[3] = {{.w_help = 0.25f, .w_harm = 1.0f}, {.w_help = 1.0f, .w_harm = 0.25f}, {.w_help = 1.0f, .w_harm = 1.0f}};
    for (int d = 0; d < 3; d++) {
        RewardModel tr = fence.train_rm, te = fence.test_rm;
        tr.dials = te.dials = dial_vals[d];
        PpoRunOpts dp = po;
        dp.train_rm = &tr;
        dp.test_rm = &te;
        dp.out = PATH(11 + d, "%s/dial-%d.ckpt", dir, d);
        dp.kl_budget = 0;   /* same steps for all three: the dial is the only difference */
        dp.ppo.steps = quick ? 2 : 15;
        dp.ntax = 0;
        fprintf(stderr, "  dial %s\n", dial_names[d]);
        if (ppo_run(&dp, &dial_res[d], e)) goto done;
        if (audit_policy(dp.out, dial_names[d], &suite, k, 64, AS, &au_dial[d], e)) goto done;
    }

    /* 10. reviewer shortcuts */
    stage(&st, "reviewer shortcuts: judges learned from reviewers who prefer short, confident replies");
    {
        const char *sh[1] = {PATH(14, "%s/comparisons-helpful.jsonl", data_sc)};
        const char *sr[1] = {PATH(15, "%s/comparisons-harmless.jsonl", data_sc)};
        JudgeTrainOpts sjt = fo.jt;
        if (judge_fit_files(p[3], "helpful-shortcut", sh, 1, NULL, &sjt, 128, NULL, &sc_help, NULL, e)) goto done;
        if (judge_fit_files(p[3], "harmless-shortcut", sr, 1, NULL, &sjt, 128, NULL, &sc_harm, NULL, e)) goto done;
        RewardModel srm = {.help = &sc_help, .harm = &sc_harm, .dials = {1, 1}};
        PpoRunOpts sp = po;
        sp.train_rm = &srm;
        sp.test_rm = &fence.test_rm;   /* still watched by the honest test judges */
        sp.out = PATH(16, "%s/shortcut.ckpt", dir);
        sp.ntax = 0;
        PpoRunResult sres;
        int r = ppo_run(&sp, &sres, e);
        ppo_run_result_free(&sres);
        if (r) goto done;
        if (audit_policy(sp.out, "PPO on shortcut reviewers' judges", &suite, k, 64, AS, &au_sc, e)) goto done;
    }

    /* 11. the report */
    stage(&st, "the report");
    rep = report_new("rlhf.c demo: a clinic scheduling assistant, steered by human feedback", e);
    if (!rep) goto done;
    report_subtitle(rep, "Every number below was produced by this run, on built-in data, with simulated reviewers.");
    report_section(rep, "What happened");
    report_paragraph(rep,
        "A small GPT-2 was pretrained on clinic conversations and fine-tuned (SFT) to imitate a mixture of reply "
        "styles: mostly ideal replies, but also reckless ones (dose advice, diagnoses), avoidant ones (\"please "
        "contact a professional\"), unhelpful ones, overcautious ones (a medical disclaimer on every reply) and "
        "task-only ones (the booking, with the medication question or the changed symptoms ignored). Simulated reviewers compared pairs of replies for helpfulness "
        "and, as a red team, for harm. Preference models (the judges) learned from those comparisons; PPO then "
        "steered the policy toward what the judges prefer, within a KL budget from the SFT policy, and the steering "
        "loop repeated collect → retrain → optimise on the policy's own replies. The audit classifies every reply "
        "to a fixed suite of patient messages with documented rules.");
    report_cards_begin(rep);
    const ClinicAuditRow *a0 = &au_sft.rep.all, *a1 = &au_final.rep.all;
    report_card_change(rep, "task success", rate(a0->success, a0->n), rate(a1->success, a1->n), REPORT_PERCENT, +1);
    report_card_change(rep, "harmful compliance", rate(a0->harmful, a0->n), rate(a1->harmful, a1->n), REPORT_PERCENT, -1);
    report_card_change(rep, "over-refusal", rate(a0->over_refusal, a0->n), rate(a1->over_refusal, a1->n), REPORT_PERCENT, -1);
    report_card_change(rep, "missed escalation", rate(a0->missed_escalation, a0->n),
                       rate(a1->missed_escalation, a1->n), REPORT_PERCENT, -1);
    report_cards_end(rep);
    Audited *rows[] = {&au_sft, &au_bon, &au_ppo, &au_final};
    audit_table(rep, "The audit: SFT, best-of-N, PPO, and the policy after the loop", rows, 4);
    if (audit_change_table(rep, &suite, rows, 4, e)) goto done;
    report_grid_begin(rep);
    audit_bars(rep, "Task success by category", rows, 4, 0);
    audit_bars(rep, "Harmful compliance by category", rows, 4, 1);
    audit_bars(rep, "Over-refusal by category", rows, 4, 2);
    report_grid_end(rep);
    {
        char t[512];
        snprintf(t, sizeof t, "Best-of-%d spends KL = log N − (N−1)/N = %.3f nats (sqrt %.3f); PPO was given the same "
                 "budget (it stops when sqrt(KL) reaches it), so it never spends more than best-of-N, but the step it "
                 "keeps may spend less (the PPO section below plots KL by step).", N, bon_kl, sqrt(bon_kl));
        report_note(rep, t);
    }

    report_section(rep, "The judges");
    report_paragraph(rep, "Each judge is a copy of the base model with a scalar head, trained with the Bradley–Terry "
                          "loss on one half of the comparisons (split by a hash of the conversation). Below, the train "
                          "judges are scored on the half they never saw, on both distributions: the cross matrix. The "
                          "HH paper found a judge trained on one distribution below chance on the other.");
    if (sum->bench0_help + sum->bench0_harm > 0) {
        char t[640];
        snprintf(t, sizeof t, "Bench round 0: before the judges were trained, the SFT policy answered %d patient "
                 "messages twice and the simulated reviewers compared its own replies: %d helpfulness and %d red-team "
                 "comparisons were kept (red-team pairs that differ in harm: %d); the rest were skipped as equally "
                 "good. The judges learned from these beside the example's template comparisons, as the HH paper's "
                 "judges learned from comparisons of model samples.", tasks, sum->bench0_help, sum->bench0_harm,
                 sum->bench0_harm_differs);
        report_paragraph(rep, t);
    }
    {
        judge_cross_table(rep, "Held-out accuracy (95% interval) — the cross matrix", "on helpfulness data",
                          "on red-team data", &jt_tab);
        if (o->with_hh) {
            report_paragraph(rep, "With --with-hh the judges also trained on real HH-RLHF comparisons (helpful-base and "
                                  "harmless-base, the first rows of each file); here they are scored on the half of "
                                  "those they never saw. Only the final replies differ, so this is the paper's own task "
                                  "at a tiny scale.");
            judge_cross_table(rep, "Held-out accuracy on real HH-RLHF data", "on helpful-base", "on harmless-base", &jt_hh);
        }
        report_grid_begin(rep);
        JsonBuf *svg = report_figure_begin(rep);
        SvgReliability rel[2];
        int cnt[2][CALIB_MAX_BINS];
        int nr = 0;
        const char *rn[2] = {"helpfulness judge", "harmlessness judge"};
        for (int j = 0; j < 2; j++) {
            if (!jt_tab.have[j]) continue;
            const Calibration *cal = &jt_tab.r[j][j].cal;
            for (int b = 0; b < cal->nbins; b++) cnt[j][b] = (int)cal->count[b];
            rel[nr++] = (SvgReliability){.name = rn[j], .pred = cal->pred, .obs = cal->obs, .count = cnt[j],
                                         .nbins = cal->nbins};
        }
        SvgPlotOpts ro = {.title = "Reliability diagram (own distribution, held-out half)",
                          .xlabel = "predicted P(chosen preferred) = σ(Δr)", .ylabel = "observed frequency"};
        svg_reliability_plot(svg, &ro, rel, nr);
        report_figure_end(rep, "A calibrated judge lies on the diagonal.");
        svg = report_figure_begin(rep);
        const char *hr[2] = {"helpfulness judge", "harmlessness judge"}, *hc[2] = {"helpfulness data", "red-team data"};
        double v[4] = {jt_tab.r[0][0].acc.acc, jt_tab.r[0][1].acc.acc, jt_tab.r[1][0].acc.acc, jt_tab.r[1][1].acc.acc};
        SvgPlotOpts ho = {.title = "Cross matrix: accuracy", .x_percent = 1, .y_percent = 1};
        svg_heatmap(svg, &ho, hr, 2, hc, 2, v, 0.0, 1.0);
        report_figure_end(rep, "Each judge on each distribution (held-out half).");
        report_grid_end(rep);
    }

    ppo_report_section(rep, "PPO behind the robustness fence", &ppo_res, 1);
    if (ntax > 0) {
        const char *hdr[] = {"general text", "LM loss, SFT policy", "LM loss, after PPO", "change"};
        report_table_begin(rep, "Alignment tax: held-out language-model loss on general text", hdr, 4);
        for (int i = 0; i < ntax; i++) {
            char a[32], b[32], c[32];
            snprintf(a, 32, "%.4f", ppo_res.tax_before[i]);
            snprintf(b, 32, "%.4f", ppo_res.tax_after[i]);
            snprintf(c, 32, "%+.4f", ppo_res.tax_after[i] - ppo_res.tax_before[i]);
            const char *row[4] = {po.tax_names[i], a, b, c};
            report_table_row(rep, row);
        }
        report_table_end(rep);
        report_note(rep, "The model never saw general text in pretraining (it is a clinic-only model), so these losses "
                         "are high; what matters is the change PPO causes.");
    }
    if (frontier_section(rep, &bon_draws, &ppo_res, &au_ppo, sum, e)) goto done;
    loop_report_section(rep, loop, "The steering loop");

    report_section(rep, "The dials: helpfulness against harmlessness");
    report_paragraph(rep, "The same PPO run from the same SFT policy, changing only the weights of the two judges in "
                          "the reward. Weighting harmlessness pushes toward refusing; weighting helpfulness pushes "
                          "toward answering everything, including what a clinic assistant must not answer.");
    {
        Audited *dr[4] = {&au_sft, &au_dial[0], &au_dial[1], &au_dial[2]};
        audit_table(rep, "The dials", dr, 4);
        double fx[4], fy[4];
        const char *fl[4];
        for (int i = 0; i < 4; i++) {
            fx[i] = rate(dr[i]->rep.all.over_refusal, dr[i]->rep.all.n);
            fy[i] = rate(dr[i]->rep.all.harmful, dr[i]->rep.all.n);
            fl[i] = dr[i]->name;
        }
        JsonBuf *svg = report_figure_begin(rep);
        SvgPlotOpts fo2 = {.title = "The frontier: over-refusal against harmful compliance", .xlabel = "over-refusal",
                           .ylabel = "harmful compliance", .x_percent = 1, .y_percent = 1};
        svg_frontier_plot(svg, &fo2, fx, fy, fl, 4, -1, -1);
        report_figure_end(rep, "Lower-left is better on both; the dials move the policy along the trade-off.");
    }

    report_section(rep, "Reviewer shortcuts");
    report_paragraph(rep, "Real reviewers take shortcuts. Here the simulated reviewers were told to prefer short and "
                          "confident replies (docs/reviewer-guidelines.md says neither matters). Judges trained on their "
                          "comparisons reward the shortcut, and PPO learns it: compare reply length and harmful "
                          "compliance with the honest reviewers' run.");
    {
        Audited *sr2[3] = {&au_sft, &au_ppo, &au_sc};
        audit_table(rep, "Honest reviewers vs reviewers who prefer short, confident replies", sr2, 3);
    }

    report_section(rep, "Before and after");
    report_paragraph(rep, "The same patient messages answered by the SFT policy and by the final policy.");
    sample_panels(rep, &suite, &au_sft, &au_final, k);
    report_note(rep, "Simulated reviewers are labelled as such everywhere: no person judged these replies. The audit "
                     "classifier's measured precision and recall are in docs/CLINIC.md.");
    snprintf(sum->report, sizeof sum->report, "%s/report.html", dir);
    if (report_write(rep, sum->report, e)) goto done;

    sum->sft_success = rate(a0->success, a0->n);
    sum->sft_harmful = rate(a0->harmful, a0->n);
    sum->sft_over = rate(a0->over_refusal, a0->n);
    sum->sft_missed = rate(a0->missed_escalation, a0->n);
    sum->bon_missed = rate(au_bon.rep.all.missed_escalation, au_bon.rep.all.n);
    sum->ppo_missed = rate(au_ppo.rep.all.missed_escalation, au_ppo.rep.all.n);
    sum->final_missed = rate(a1->missed_escalation, a1->n);
    sum->bon_success = rate(au_bon.rep.all.success, au_bon.rep.all.n);
    sum->bon_harmful = rate(au_bon.rep.all.harmful, au_bon.rep.all.n);
    sum->bon_over = rate(au_bon.rep.all.over_refusal, au_bon.rep.all.n);
    sum->ppo_success = rate(au_ppo.rep.all.success, au_ppo.rep.all.n);
    sum->ppo_harmful = rate(au_ppo.rep.all.harmful, au_ppo.rep.all.n);
    sum->ppo_over = rate(au_ppo.rep.all.over_refusal, au_ppo.rep.all.n);
    sum->final_success = rate(a1->success, a1->n);
    sum->final_harmful = rate(a1->harmful, a1->n);
    sum->final_over = rate(a1->over_refusal, a1->n);
    sum->seconds = rlhf_now() - st.start;
    stage(&st, "done");
    rc = 0;
done:
    if (rep) report_free(rep);
    audited_free(&au_sft, suite.n); audited_free(&au_bon, suite.n); audited_free(&au_ppo, suite.n);
    audited_free(&au_final, suite.n); audited_free(&au_sc, suite.n);
    for (int d = 0; d < 3; d++) { audited_free(&au_dial[d], suite.n); ppo_run_result_free(&dial_res[d]); }
    ppo_run_result_free(&ppo_res);
    policy_draws_free(&bon_draws);
    judge_free(&sc_help); judge_free(&sc_harm);
    fence_free(&fence);
    if (prompts) ppo_free_prompts(prompts, nprompts);
    clinic_audit_suite_free(&suite);
    clinic_classifier_free(k);
    free(loop);
    (void)tax_files;
    return rc;
#undef PATH
}
