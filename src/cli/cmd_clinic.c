/* cmd_clinic.c — `rlhf clinic generate | collect | replies | eval-classifier |
 * fit-classifier | label-diff`: the worked example's data, the simulated bench
 * on a policy's own replies, and the behaviour classifier (src/clinic/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "clinic/clinic_audit.h"
#include "clinic/clinic_export.h"
#include "clinic/clinic_label_diff.h"
#include "clinic/clinic_labelled.h"
#include "clinic/clinic_learned_fit.h"
#include "loop/collect.h"

/* "short,confident" → weights; 2 on an unknown name. */
static int parse_shortcuts(const char *list, double w, ClinicReviewer *rv) {
    if (!list) return 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "short")) rv->prefer_short = w;
        else if (!strcmp(tok, "confident")) rv->prefer_confident = w;
        else if (!strcmp(tok, "refusal")) rv->reward_refusal = w;
        else if (!strcmp(tok, "none")) continue;
        else {
            fprintf(stderr, "rlhf clinic generate: --shortcut: unknown shortcut '%s' (short|confident|refusal)\n", tok);
            return 2;
        }
    }
    return 0;
}

static int generate(int argc, char **argv) {
    const char *out = NULL, *shortcut = NULL, *shortcut_helpful = NULL, *shortcut_harmless = NULL;
    long long seed = 1;
    int n = 2000;
    double noise = 0.1, weight = 2.0, multi = 0.3, sft_noise = 0.0;
    ArgSpec specs[] = {
        {"out-dir", 's', &out, "DIR", "output directory (required)"},
        {"seed", 'l', &seed, "S", "random seed"},
        {"n", 'i', &n, "N", "messages per file (SFT, prompts, each comparison file)"},
        {"multi-turn", 'd', &multi, "P", "probability of a multi-turn conversation"},
        {"sft-noise", 'd', &sft_noise, "P", "fraction of SFT replies from non-ideal styles"},
        {"reviewer-noise", 'd', &noise, "P", "probability a simulated reviewer answers at random"},
        {"shortcut", 's', &shortcut, "LIST", "shortcuts for both reviewer pools: short,confident,refusal"},
        {"shortcut-helpful", 's', &shortcut_helpful, "LIST", "shortcuts for the helpfulness pool only"},
        {"shortcut-harmless", 's', &shortcut_harmless, "LIST", "shortcuts for the red-team pool only"},
        {"shortcut-weight", 'd', &weight, "W", "strength of each shortcut"},
        {0}};
    int rc = args_parse("clinic generate", "rlhf clinic generate --out-dir DIR [options]", specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (!out) { fprintf(stderr, "rlhf clinic generate: --out-dir is required\n"); return 2; }
    if (n <= 0 || noise < 0 || noise > 1 || multi < 0 || multi > 1 || sft_noise < 0 || sft_noise > 1) {
        fprintf(stderr, "rlhf clinic generate: --n must be > 0 and probabilities in [0, 1]\n");
        return 2;
    }
    ClinicGenConfig cfg;
    clinic_gen_config_default(&cfg);
    cfg.seed = (uint64_t)seed;
    cfg.n = n;
    cfg.multi_turn = multi;
    cfg.sft_noise = sft_noise;
    cfg.helpful.noise = cfg.harmless.noise = noise;
    if (parse_shortcuts(shortcut, weight, &cfg.helpful) || parse_shortcuts(shortcut, weight, &cfg.harmless) ||
        parse_shortcuts(shortcut_helpful, weight, &cfg.helpful) ||
        parse_shortcuts(shortcut_harmless, weight, &cfg.harmless))
        return 2;
    ClinicGenStats st;
    RlhfErr e;
    if (clinic_generate_dataset(&cfg, out, &st, &e)) {
        fprintf(stderr, "rlhf clinic generate: %s\n", e.msg);
        return 1;
    }
    printf("wrote %s: sft.jsonl %d, prompts.jsonl %d, comparisons-helpful.jsonl %d, comparisons-harmless.jsonl %d, "
           "audit-suite.jsonl %d\n",
           out, st.sft, st.prompts, st.helpful, st.harmless, st.audit);
    printf("chosen style counts (simulated reviewers):\n  %-16s %8s %8s\n", "style", "helpful", "harmless");
    for (int s = 0; s < CLINIC_NSTYLE; s++)
        printf("  %-16s %8d %8d\n", clinic_style_name((ClinicStyle)s), st.helpful_chose[s], st.harmless_chose[s]);
    return 0;
}

static int replies(int argc, char **argv) {
    const char *out = NULL, *style = "ideal";
    long long seed = 1;
    ArgSpec specs[] = {{"style", 's', &style, "STYLE", "ideal|helpful_refusal|reckless|avoidant|unhelpful|overcautious|task_only"},
                       {"out", 's', &out, "FILE", "output JSONL (required)"},
                       {"seed", 'l', &seed, "S", "seed for the paraphrase choice"},
                       {0}};
    int rc = args_parse("clinic replies", "rlhf clinic replies --style STYLE --out FILE  (audit-suite replies)",
                        specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    int st = clinic_style_from_name(style);
    if (st < 0 || !out) {
        fprintf(stderr, "rlhf clinic replies: need --out FILE and --style one of ideal|helpful_refusal|reckless|"
                        "avoidant|unhelpful|overcautious|task_only\n");
        return 2;
    }
    RlhfErr e;
    ClinicAuditSuite s;
    if (clinic_audit_suite_build(&s, CLINIC_AUDIT_PER_CAT, &e)) { fprintf(stderr, "rlhf clinic replies: %s\n", e.msg); return 1; }
    JsonBuf b, line;
    jb_init(&b);
    jb_init(&line);
    Rng r;
    rng_seed(&r, (uint64_t)seed);
    char reply[CLINIC_REPLY_MAX], prompt[CLINIC_CONV_MAX];
    for (int i = 0; i < s.n; i++) {
        clinic_reply(&s.clinic, &s.items[i], (ClinicStyle)st, &r, reply, sizeof reply);
        clinic_prompt(&s.items[i], prompt, sizeof prompt);
        jb_obj_begin(&line);
        jb_kv_int(&line, "id", i);
        jb_kv_str(&line, "category", clinic_category_name(s.items[i].cat));
        jb_kv_str(&line, "prompt", prompt);
        jb_kv_str(&line, "reply", reply);
        jb_kv_str(&line, "style", style);
        jb_obj_end(&line);
        clinic_jsonl_emit(&b, &line);
    }
    clinic_audit_suite_free(&s);
    rc = b.oom ? rlhf_err(&e, "out of memory") : rlhf_write_file_atomic(out, b.data, b.len, &e);
    jb_free(&b);
    jb_free(&line);
    if (rc) { fprintf(stderr, "rlhf clinic replies: %s\n", e.msg); return 1; }
    printf("wrote %s (%s replies to the %d audit-suite prompts)\n", out, style, CLINIC_AUDIT_PER_CAT * CLINIC_NCAT);
    return 0;
}

static int eval_classifier(int argc, char **argv) {
    const char *path = "tests/fixtures/clinic_labelled.jsonl";
    int verbose = 0, rules_only = 0;
    ArgSpec specs[] = {{"labelled", 's', &path, "FILE", "hand-labelled replies (JSONL)"},
                       {"verbose", 'b', &verbose, NULL, "print every disagreement"},
                       {"rules-only", 'b', &rules_only, NULL, "the rules without the learned layer"},
                       {0}};
    int rc = args_parse("clinic eval-classifier", "rlhf clinic eval-classifier [--labelled FILE]", specs, argc, argv,
                        NULL, NULL);
    if (rc >= 0) return rc;
    RlhfErr e;
    ClinicClassifier *k = clinic_classifier_new(&e);
    if (k && rules_only) clinic_classifier_set_learned(k, NULL);
    ClinicLabelEval ev;
    if (!k || clinic_labelled_eval(k, path, &ev, verbose ? stdout : NULL, &e)) {
        fprintf(stderr, "rlhf clinic eval-classifier: %s\n", e.msg);
        clinic_classifier_free(k);
        return 1;
    }
    clinic_eval_print(&ev, stdout);
    clinic_classifier_free(k);
    return 0;
}

/* "a,b" of names → bits via name_of; -1 on an unknown name. */
static int parse_bits(const char *cmd, const char *opt, const char *list, int (*bit_of)(const char *)) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    int bits = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int b = bit_of(tok);
        if (!b) { fprintf(stderr, "rlhf %s: --%s: unknown name '%s'\n", cmd, opt, tok); return -1; }
        bits |= b;
    }
    return bits;
}

/* "LABEL=P,LABEL=P" into per-label precision targets; 0 on success. */
static int parse_precision_for(const char *list, double *target) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '='), *end = NULL;
        if (eq) *eq = 0;
        int b = clinic_label_from_name(tok), l = 0;
        double p = eq ? strtod(eq + 1, &end) : -1;
        if (!b || !eq || end == eq + 1 || *end || p <= 0 || p > 1) {
            fprintf(stderr, "rlhf clinic fit-classifier: --min-precision-for: want LABEL=P with P in (0, 1], got '%s%s%s'\n",
                    tok, eq ? "=" : "", eq ? eq + 1 : "");
            return -1;
        }
        while (!(b >> l & 1)) l++;
        target[l] = p;
    }
    return 0;
}

static int feature_bit(const char *s) {
    return !strcmp(s, "words") ? CLINIC_FEAT_WORDS : !strcmp(s, "bigrams") ? CLINIC_FEAT_BIGRAMS
         : !strcmp(s, "char4") ? CLINIC_FEAT_CHAR4 : !strcmp(s, "negation") ? CLINIC_FEAT_NEGATION : 0;
}

/* Rules alone vs rules + the model on one labelled file. */
static int eval_pair(ClinicClassifier *k, const ClinicLearnedModel *m, const char *path, ClinicLabelEval *rules,
                     ClinicLabelEval *both, RlhfErr *e) {
    clinic_classifier_set_learned(k, NULL);
    if (clinic_labelled_eval(k, path, rules, NULL, e)) return -1;
    clinic_classifier_set_learned(k, m);
    return clinic_labelled_eval(k, path, both, NULL, e);
}

static void eval_add(ClinicLabelEval *sum, const ClinicLabelEval *ev) {
    sum->n += ev->n;
    sum->weighted |= ev->weighted;
    for (int l = 0; l < CLINIC_NLABEL; l++) {
        sum->tp[l] += ev->tp[l], sum->fp[l] += ev->fp[l], sum->fn[l] += ev->fn[l], sum->pos[l] += ev->pos[l];
        sum->wtp[l] += ev->wtp[l], sum->wfp[l] += ev->wfp[l], sum->wfn[l] += ev->wfn[l];
    }
}

/* Each file held out in turn: fitted on the others, scored on it. */
static int leave_one_file_out(char **files, int nfiles, const ClinicFitConfig *cfg, ClinicClassifier *k, RlhfErr *e) {
    ClinicLabelEval sum_rules = {0}, sum_both = {0};
    const char *rest[64];
    for (int i = 0; i < nfiles; i++) {
        int n = 0;
        for (int j = 0; j < nfiles; j++)
            if (j != i) rest[n++] = files[j];
        ClinicLearnedFit *f = clinic_learned_fit_files(rest, n, cfg, NULL, e);
        ClinicLabelEval rules, both;
        int rc = !f || eval_pair(k, &f->model, files[i], &rules, &both, e);
        clinic_classifier_set_learned(k, NULL);
        clinic_learned_fit_free(f);
        if (rc) return -1;
        printf("\nheld out: %s (fitted on the other %d files; the rules were tuned on some of them)\n", files[i], n);
        clinic_eval_print_pair(&rules, "rules", &both, "rules+learned", stdout);
        eval_add(&sum_rules, &rules);
        eval_add(&sum_both, &both);
    }
    printf("\nall held-out files pooled\n");
    clinic_eval_print_pair(&sum_rules, "rules", &sum_both, "rules+learned", stdout);
    return 0;
}

static int fit_classifier(int argc, char **argv) {
    ClinicFitConfig cfg;
    clinic_fit_config_default(&cfg);
    const char *out = NULL, *eval = NULL, *labels = NULL, *features = NULL, *prec_for = NULL;
    long long gen_seed = (long long)cfg.gen_seed;
    int loso = 0;
    ArgSpec specs[] = {
        {"out", 's', &out, "FILE.c", "write the model as C source (src/clinic/clinic_learned_weights.c)"},
        {"eval", 's', &eval, "LIST", "held-out labelled files to score: rules alone vs rules + the new model"},
        {"leave-one-out", 'b', &loso, NULL, "also fit without each input file in turn and score it"},
        {"labels", 's', &labels, "LIST", "labels that get a head (default med_advice,diagnosis)"},
        {"features", 's', &features, "LIST", "feature families: words,bigrams,char4,negation (default all)"},
        {"gen-n", 'i', &cfg.gen_n, "N", "generated messages whose five replies are extra rows (0: none)"},
        {"gen-seed", 'l', &gen_seed, "S", "seed of the generated rows"},
        {"gen-weight", 'd', &cfg.gen_weight, "W", "weight of a generated row (a labelled row weighs 1)"},
        {"l1", 'd', &cfg.l1, "X", "L1 penalty"},
        {"l2", 'd', &cfg.l2, "X", "L2 penalty"},
        {"steps", 'i', &cfg.steps, "N", "FISTA steps per fit"},
        {"prune", 'd', &cfg.prune, "X", "drop weights with |w| below this"},
        {"min-precision", 'd', &cfg.min_precision, "P",
         "threshold: held-out precision of the layer alone (0: best F1), for labels without a --min-precision-for target"},
        {"min-precision-for", 's', &prec_for, "LIST", "per-label targets LABEL=P,... (default: scheduling, escalation, refusal 0.99)"},
        {0}};
    char **files = NULL;
    int nfiles = 0;
    int rc = args_parse("clinic fit-classifier",
                        "rlhf clinic fit-classifier [options] [LABELLED.jsonl...]  (default: the 16 sets the shipped model is fitted on)",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    cfg.gen_seed = (uint64_t)gen_seed;
    int bits = labels ? parse_bits("clinic fit-classifier", "labels", labels, clinic_label_from_name) : cfg.labels;
    int kinds = features ? parse_bits("clinic fit-classifier", "features", features, feature_bit) : (int)cfg.kinds;
    if (bits < 0 || kinds < 0 || (prec_for && parse_precision_for(prec_for, cfg.min_precision_for))) rc = 2;
    else if (nfiles == 1 || nfiles > 64 || cfg.steps < 1 || cfg.gen_n < 0 || cfg.gen_weight < 0 || cfg.l1 < 0 ||
             cfg.l2 < 0 || cfg.prune < 0 || cfg.min_precision < 0 || cfg.min_precision > 1) {
        fprintf(stderr, "rlhf clinic fit-classifier: need 2 to 64 labelled files (none: the default 16), --steps >= 1, "
                        "--min-precision in [0, 1] and no negative --gen-n, --gen-weight, --l1, --l2, --prune\n");
        rc = 2;
    }
    if (rc >= 0) { free(files); return rc; }
    cfg.labels = bits, cfg.kinds = (unsigned)kinds;
    if (nfiles == 0) {
        free(files);
        if (!(files = calloc(CLINIC_LEARNED_NFILES, sizeof *files))) return 1;
        for (int i = 0; i < CLINIC_LEARNED_NFILES; i++) files[i] = (char *)clinic_learned_files[i];
        nfiles = CLINIC_LEARNED_NFILES;
    }
    RlhfErr e;
    ClinicFitReport rep;
    double t0 = rlhf_now();
    ClinicLearnedFit *f = clinic_learned_fit_files((const char *const *)files, nfiles, &cfg, &rep, &e);
    ClinicClassifier *k = f ? clinic_classifier_new(&e) : NULL;
    rc = k ? 0 : 1;
    if (!rc) {
        printf("fitted in %.1f s; model checksum 0x%016llx\n", rlhf_now() - t0,
               (unsigned long long)clinic_learned_checksum(&f->model));
        clinic_fit_report_print(&rep, &cfg, stdout);
    }
    const char *ev[16];
    char *owned = NULL;
    int nev = rc ? 0 : args_split_list(eval, ev, 16, &owned);
    for (int i = 0; i < nev && !rc; i++) {
        ClinicLabelEval rules, both;
        if (eval_pair(k, &f->model, ev[i], &rules, &both, &e)) { rc = 1; break; }
        printf("\nheld out: %s\n", ev[i]);
        clinic_eval_print_pair(&rules, "rules", &both, "rules+learned", stdout);
    }
    free(owned);
    if (!rc && loso && leave_one_file_out(files, nfiles, &cfg, k, &e)) rc = 1;
    if (!rc && out) {
        /* the command line goes into the file's header; it must not end the comment */
        JsonBuf how, src;
        jb_init(&how);
        jb_init(&src);
        jb_raw(&how, "rlhf clinic");
        for (int i = 0; i < argc; i++) {
            jb_raw(&how, " ");
            jb_raw(&how, strstr(argv[i], "*/") ? "?" : argv[i]);
        }
        clinic_learned_write_c(&f->model, how.data, (const char *const *)files, nfiles, &src);
        if (src.oom || how.oom) rc = 1, rlhf_err(&e, "out of memory");
        else if (rlhf_write_file_atomic(out, src.data, src.len, &e)) rc = 1;
        else printf("wrote %s (%zu bytes)\n", out, src.len);
        jb_free(&how);
        jb_free(&src);
    }
    if (rc) fprintf(stderr, "rlhf clinic fit-classifier: %s\n", e.msg);
    clinic_classifier_free(k);
    clinic_learned_fit_free(f);
    free(files);
    return rc;
}

static int label_diff(int argc, char **argv) {
    int quiet = 0;
    ArgSpec specs[] = {{"quiet", 'b', &quiet, NULL, "print only the counts"}, {0}};
    char **files = NULL;
    int nfiles = 0;
    int rc = args_parse("clinic label-diff", "rlhf clinic label-diff [--quiet] FILE.jsonl...  (generate/replies output)",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    if (nfiles < 1) {
        fprintf(stderr, "rlhf clinic label-diff: give at least one JSONL file\n");
        free(files);
        return 2;
    }
    RlhfErr e;
    ClinicLabelDiff d;
    ClinicClassifier *k = clinic_classifier_new(&e);
    rc = !k || clinic_label_diff_files(k, (const char *const *)files, nfiles, &d, quiet ? NULL : stdout, &e);
    if (rc) fprintf(stderr, "rlhf clinic label-diff: %s\n", e.msg);
    else printf("%d distinct replies, %d labelled differently by rules + learned layer than by the rules alone\n",
                d.distinct, d.changed);
    clinic_classifier_free(k);
    free(files);
    return rc ? 1 : 0;
}

/* The simulated bench on a checkpoint's own replies (src/loop/collect.h), as the
 * demo's bench round 0 and the steering loop's collect step run it. */
static int collect(int argc, char **argv) {
    const char *policy = NULL, *prefix = NULL, *shortcut = NULL;
    long long seed = 1;
    int tasks = 1600, keep_ties = 0, max_new = 64;
    double noise = 0.1, weight = 2.0;
    ArgSpec specs[] = {
        {"policy", 's', &policy, "CKPT", "the policy that answers (required)"},
        {"out-prefix", 's', &prefix, "P", "writes P-help.jsonl and P-harm.jsonl (HH-RLHF JSONL) (required)"},
        {"tasks", 'i', &tasks, "N", "patient messages, each answered twice (helpfulness and red team alternate)"},
        {"seed", 'l', &seed, "S", "which messages, the sampling and the reviewers' coin flips"},
        {"max-new", 'i', &max_new, "N", "reply length limit in tokens"},
        {"reviewer-noise", 'd', &noise, "P", "probability a simulated reviewer answers at random"},
        {"shortcut", 's', &shortcut, "LIST", "shortcuts for both reviewer pools: short,confident,refusal"},
        {"shortcut-weight", 'd', &weight, "W", "strength of each shortcut"},
        {"keep-ties", 'b', &keep_ties, NULL, "force a choice between equally good replies instead of skipping"},
        {0}};
    int rc = args_parse("clinic collect", "rlhf clinic collect --policy CKPT --out-prefix P [--tasks N] [options]", specs,
                        argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    if (!policy || !prefix) { fprintf(stderr, "rlhf clinic collect: --policy and --out-prefix are required\n"); return 2; }
    if (tasks < 0 || noise < 0 || noise > 1 || max_new < 1) {
        fprintf(stderr, "rlhf clinic collect: need --tasks >= 0, --max-new >= 1, --reviewer-noise in [0, 1]\n");
        return 2;
    }
    CollectOpts o;
    collect_defaults(&o, (uint64_t)seed);
    o.policy = policy;
    o.n = tasks;
    o.max_new = max_new;
    o.help_rv.noise = o.harm_rv.noise = noise;
    o.help_rv.skip_ties = o.harm_rv.skip_ties = !keep_ties;
    if (parse_shortcuts(shortcut, weight, &o.help_rv) || parse_shortcuts(shortcut, weight, &o.harm_rv)) return 2;
    RlhfErr e;
    Clinic clinic;
    clinic_init(&clinic, (uint64_t)seed);
    o.clinic = &clinic;
    if (!(o.k = clinic_classifier_new(&e))) { fprintf(stderr, "rlhf clinic collect: %s\n", e.msg); return 1; }
    CollectResult cr;
    char ph[1024], pr[1024];
    snprintf(ph, sizeof ph, "%s-help.jsonl", prefix);
    snprintf(pr, sizeof pr, "%s-harm.jsonl", prefix);
    rc = collect_comparisons(&o, &cr, &e);
    if (rc == 0) {
        rc = rlhf_write_file_atomic(ph, cr.help.data ? cr.help.data : "", cr.help.len, &e) ||
             rlhf_write_file_atomic(pr, cr.harm.data ? cr.harm.data : "", cr.harm.len, &e);
        if (rc == 0)
            printf("%d tasks: %s %d helpfulness comparisons, %s %d red-team (%d differ in harm); %d skipped as equally "
                   "good, %d identical reply pairs; reviewer-gold agreement %.1f%% / %.1f%%\n", tasks, ph, cr.n_help,
                   pr, cr.n_harm, cr.n_harm_differs, cr.n_skipped, cr.n_same, 100 * cr.agree_help, 100 * cr.agree_harm);
        collect_result_free(&cr);
    }
    if (rc) fprintf(stderr, "rlhf clinic collect: %s\n", e.msg);
    clinic_classifier_free(o.k);
    return rc ? 1 : 0;
}

int cmd_clinic(int argc, char **argv) {
    static const SubCommand subs[] = {
        {"generate", generate, "write SFT transcripts, prompts, simulated-reviewer comparisons, audit suite"},
        {"collect", collect, "a checkpoint answers patient messages twice; simulated reviewers compare its replies"},
        {"replies", replies, "write one style's replies to the audit suite (for rlhf audit --replies)"},
        {"eval-classifier", eval_classifier, "precision/recall of the behaviour classifier on a labelled set"},
        {"fit-classifier", fit_classifier, "fit the classifier's learned layer on labelled sets (writes its C source)"},
        {"label-diff", label_diff, "replies the learned layer labels differently from the rules alone"},
    };
    return args_dispatch("clinic", "The worked example: see docs/CLINIC.md.", subs, RLHF_ARRAY_LEN(subs), argc, argv);
}
