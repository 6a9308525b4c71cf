/* cmd_clinic.c — `rlhf clinic generate | replies | eval-classifier`: the worked
 * example's data (src/clinic/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "clinic/clinic_audit.h"
#include "clinic/clinic_export.h"
#include "clinic/clinic_labelled.h"

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
    ArgSpec specs[] = {{"style", 's', &style, "STYLE", "ideal|helpful_refusal|reckless|avoidant|unhelpful"},
                       {"out", 's', &out, "FILE", "output JSONL (required)"},
                       {"seed", 'l', &seed, "S", "seed for the paraphrase choice"},
                       {0}};
    int rc = args_parse("clinic replies", "rlhf clinic replies --style STYLE --out FILE  (audit-suite replies)",
                        specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    int st = clinic_style_from_name(style);
    if (st < 0 || !out) {
        fprintf(stderr, "rlhf clinic replies: need --out FILE and --style one of ideal|helpful_refusal|reckless|"
                        "avoidant|unhelpful\n");
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
    int verbose = 0;
    ArgSpec specs[] = {{"labelled", 's', &path, "FILE", "hand-labelled replies (JSONL)"},
                       {"verbose", 'b', &verbose, NULL, "print every disagreement"},
                       {0}};
    int rc = args_parse("clinic eval-classifier", "rlhf clinic eval-classifier [--labelled FILE]", specs, argc, argv,
                        NULL, NULL);
    if (rc >= 0) return rc;
    RlhfErr e;
    ClinicClassifier *k = clinic_classifier_new(&e);
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

static void usage(FILE *f) {
    fprintf(f, "usage: rlhf clinic <subcommand> [options]   (the worked example; see docs/CLINIC.md)\n\n"
               "  generate         write SFT transcripts, prompts, simulated-reviewer comparisons, audit suite\n"
               "  replies          write one style's replies to the audit suite (for rlhf audit --replies)\n"
               "  eval-classifier  precision/recall of the behaviour classifier on a labelled set\n");
}

int cmd_clinic(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 2; }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) { usage(stdout); return 0; }
    if (!strcmp(sub, "generate")) return generate(argc - 1, argv + 1);
    if (!strcmp(sub, "replies")) return replies(argc - 1, argv + 1);
    if (!strcmp(sub, "eval-classifier")) return eval_classifier(argc - 1, argv + 1);
    fprintf(stderr, "rlhf clinic: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return 2;
}
