/* cmd_audit.c — `rlhf audit`: the behaviour audit (src/clinic/clinic_audit.h)
 * of a file of replies or of a built-in reply style. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "clinic/clinic_audit.h"
#include "clinic/clinic_audit_compare.h"
#include "loop/policy_gen.h"

int cmd_audit(int argc, char **argv) {
    const char *replies = NULL, *style = NULL, *model = NULL, *json = NULL, *replies_out = NULL;
    float temperature = 0.0f;
    int max_new = 64, samples = 1;
    long long seed = 1;
    int best_of = 0, frontier = 0;
    const char *judge_path = NULL, *harm_path = NULL, *dials_s = "balanced", *frontier_at = NULL;
    const char *baseline = NULL;
    int boot = 2000;
    long long boot_seed = 1;
    ArgSpec specs[] = {
        {"replies", 's', &replies, "FILE", "JSONL of {id|prompt|conversation, reply, category}"},
        {"style", 's', &style, "STYLE", "audit a built-in style: ideal|helpful_refusal|reckless|avoidant|unhelpful|overcautious|task_only"},
        {"model", 's', &model, "CKPT", "audit a model: it answers every suite prompt"},
        {"temperature", 'f', &temperature, "T", "--model: sampling temperature (0 = greedy)"},
        {"max-new", 'i', &max_new, "N", "--model: reply length limit in tokens"},
        {"samples", 'i', &samples, "K", "--model: replies per message, pooled (with --temperature > 0 they differ)"},
        {"seed", 'l', &seed, "S", "--model: sampling seed"},
        {"best-of", 'i', &best_of, "N", "--model: each reply is the best of N samples by the judges' reward "
                                          "(--samples K: K such picks a message; needs --temperature > 0)"},
        {"judge", 's', &judge_path, "JUDGE", "--best-of: helpfulness judge"},
        {"judge-harm", 's', &harm_path, "JUDGE", "--best-of: harmlessness judge"},
        {"dials", 's', &dials_s, "D", "--best-of: balanced | helpful | harmless | W_HELP,W_HARM[,HARM_CAP]"},
        {"frontier", 'b', &frontier, NULL, "--best-of: also estimate, from the same N·K draws a message, best-of-n for "
                                              "n = 1, 2, 4, … and the KL-regularised optimum at each one's KL"},
        {"frontier-at", 's', &frontier_at, "KLS", "--frontier, and the optimum at these KLs too (nats, comma-separated; "
                                                  "e.g. a PPO run's kept KL, to see how far below the frontier it is)"},
        {"json", 's', &json, "OUT", "also write the report as JSON"},
        {"replies-out", 's', &replies_out, "FILE", "--model: write every reply with its labels and outcome (JSONL; "
                                                   "sample-major, with --best-of message-major)"},
        {"baseline", 's', &baseline, "FILE", "--replies: also compare them with another policy's replies to the same "
                                             "messages (a --replies-out file): each rate's change with a 95% interval "
                                             "from a paired bootstrap over messages"},
        {"boot", 'i', &boot, "N", "--baseline: bootstrap resamples"},
        {"boot-seed", 'l', &boot_seed, "S", "--baseline: bootstrap seed"},
        {0}};
    int rc = args_parse("audit", "rlhf audit (--replies FILE [--baseline FILE] | --style STYLE | --model CKPT) [--json OUT]", specs, argc,
                        argv, NULL, NULL);
    if (rc >= 0) return rc;
    if ((replies != NULL) + (style != NULL) + (model != NULL) != 1) {
        fprintf(stderr, "rlhf audit: give exactly one of --replies, --style, --model\n");
        return 2;
    }
    if (baseline && !replies) {
        fprintf(stderr, "rlhf audit: --baseline compares two files of replies: give the new ones with --replies "
                        "(rlhf audit --model ... --replies-out FILE writes them)\n");
        return 2;
    }
    if (boot < 100 || boot > 100000) { fprintf(stderr, "rlhf audit: --boot must be in 100..100000, got %d\n", boot); return 2; }
    if (samples < 1 || samples > 1000) { fprintf(stderr, "rlhf audit: --samples must be in 1..1000, got %d\n", samples); return 2; }
    Dials dials = {0};
    double at_kl[16];
    int nat = 0;
    if (frontier_at) {
        const char *items[17];
        char *owned = NULL;
        nat = args_split_list(frontier_at, items, 17, &owned);
        size_t len = strlen(frontier_at);
        const char *bad = nat < 1 || nat > 16 ? "give 1 to 16 comma-separated KLs"
                        : strstr(frontier_at, ",,") || frontier_at[0] == ',' || frontier_at[len - 1] == ','
                            ? "an empty item in the list" : NULL;
        for (int i = 0; i < nat && !bad; i++) {
            char *end;
            at_kl[i] = strtod(items[i], &end);
            if (end == items[i] || *end || !(at_kl[i] >= 0) || !isfinite(at_kl[i])) bad = "each KL must be a number >= 0 (nats)";
        }
        if (bad) fprintf(stderr, "rlhf audit: --frontier-at '%s': %s\n", frontier_at, bad);
        free(owned);
        if (bad) return 2;
        frontier = 1;
    }
    if (!best_of && (judge_path || harm_path || frontier)) {
        fprintf(stderr, "rlhf audit: --judge/--judge-harm/--frontier/--frontier-at are for --best-of N\n");
        return 2;
    }
    if (frontier && best_of * samples < 2) {
        fprintf(stderr, "rlhf audit: --frontier needs at least 2 draws a message (--best-of N --samples K, N·K >= 2)\n");
        return 2;
    }
    /* the draws can show a KL below log(N·K) at most (less when rewards tie):
     * refuse what they cannot before sampling any of them */
    for (int i = 0; i < nat; i++)
        if (at_kl[i] >= log((double)best_of * samples)) {
            fprintf(stderr, "rlhf audit: --frontier-at %g: %d draws a message show KLs below log(%d) = %.3f nats at "
                            "most (more draws: --best-of N --samples K)\n", at_kl[i], best_of * samples,
                    best_of * samples, log((double)best_of * samples));
            return 2;
        }
    if (best_of) {
        RlhfErr de;
        const char *why = !model ? "--best-of needs --model"
                        : best_of < 1 || best_of > 1024 ? "--best-of N: need 1..1024"
                        : (long)best_of * samples > 4096 ? "--best-of N with --samples K: at most 4096 samples a message"
                        : !(temperature > 0.0f) ? "--best-of needs --temperature > 0 (greedy samples are all the same)"
                        : !judge_path && !harm_path ? "--best-of needs --judge (and/or --judge-harm)"
                        : dials_parse(dials_s, &dials, &de) ? de.msg : NULL;
        if (why) { fprintf(stderr, "rlhf audit: %s\n", why); return 2; }
        if (!harm_path) dials.w_help = 1.0f;   /* one judge alone: its own z */
        if (!judge_path) dials.w_harm = 1.0f;
    }
    int st = style ? clinic_style_from_name(style) : 0;
    if (st < 0) { fprintf(stderr, "rlhf audit: --style: unknown style '%s'\n", style); return 2; }
    RlhfErr e;
    ClinicAuditSuite s;
    ClinicClassifier *k = clinic_classifier_new(&e);
    if (!k) { fprintf(stderr, "rlhf audit: %s\n", e.msg); return 1; }
    if (clinic_audit_suite_build(&s, CLINIC_AUDIT_PER_CAT, &e)) {
        fprintf(stderr, "rlhf audit: %s\n", e.msg);
        clinic_classifier_free(k);
        return 1;
    }
    ClinicAuditReport rep;
    PolicyDraws draws = {0};
    rc = 0;
    ClinicAuditCompare cmp;
    ClinicAuditItems base_items = {0}, cur_items = {0};
    if (replies && baseline) {   /* both files message by message; the report from the new one's counts */
        rc = clinic_audit_items_read(&s, k, baseline, &base_items, &e) ||
                     clinic_audit_items_read(&s, k, replies, &cur_items, &e) ||
                     clinic_audit_compare(&s, &base_items, &cur_items, boot, (uint64_t)boot_seed, &cmp, &e)
                 ? -1 : 0;
        if (rc == 0) clinic_audit_items_report(&s, &cur_items, &rep);
    } else if (replies) {
        rc = clinic_audit_replies_file(&s, k, replies, &rep, &e);
    } else if (model) {
        PolicyGen g;
        rc = policy_gen_open(&g, model, 32, 192, max_new, &e);
        if (rc == 0) {
            g.temperature = temperature;
            g.seed = (uint64_t)seed;
            JsonBuf out, line;
            jb_init(&out);
            jb_init(&line);
            memset(&rep, 0, sizeof rep);
            if (best_of) {
                Judge jh = {0}, jr = {0};
                char **kept = NULL;
                rc = (judge_path && judge_load(&jh, judge_path, &e)) || (harm_path && judge_load(&jr, harm_path, &e));
                RewardModel rm = {judge_path ? &jh : NULL, harm_path ? &jr : NULL, dials};
                if (rc == 0)
                    rc = policy_gen_audit_best_of_n(&g, &rm, best_of, samples, &s, k, &rep, replies_out ? &kept : NULL,
                                                    NULL, frontier ? &draws : NULL, &e);
                for (int i = 0; kept && i < s.n * samples; i++) {
                    jb_reset(&line);
                    clinic_audit_reply_json(&s, i / samples, i % samples, kept[i], clinic_classify(k, kept[i]), &line);
                    jb_rawn(&out, line.data, line.len);
                    jb_raw(&out, "\n");
                    free(kept[i]);
                }
                free(kept);
                if (judge_path) judge_free(&jh);
                if (harm_path) judge_free(&jr);
            }
            for (int j = 0; j < samples && rc == 0 && !best_of; j++) {   /* the generator's call counter varies the seed */
                ClinicAuditReport one;
                char **texts = NULL;
                rc = policy_gen_audit(&g, &s, k, &one, replies_out ? &texts : NULL, &e);
                if (rc) break;
                clinic_audit_merge(&rep, &one);
                for (int i = 0; texts && i < s.n; i++) {
                    jb_reset(&line);
                    clinic_audit_reply_json(&s, i, j, texts[i], clinic_classify(k, texts[i]), &line);
                    jb_rawn(&out, line.data, line.len);
                    jb_raw(&out, "\n");
                    free(texts[i]);
                }
                free(texts);
            }
            if (rc == 0 && replies_out)
                rc = out.oom || line.oom ? rlhf_err(&e, "%s: out of memory", replies_out)
                                         : rlhf_write_file_atomic(replies_out, out.data ? out.data : "", out.len, &e);
            jb_free(&out);
            jb_free(&line);
            policy_gen_close(&g);
        }
    } else clinic_audit_style(&s, k, (ClinicStyle)st, 1, &rep);
    if (rc == 0) {
        printf("audit of %s%s (%d replies; rates per category)\n", replies ? replies : model ? model : style,
               best_of ? " with best-of-N" : "", rep.all.n);
        clinic_audit_print(&rep, stdout);
        JsonBuf fj;
        jb_init(&fj);
        if (frontier) {
            printf("\n");
            rc = policy_draws_frontier(&draws, at_kl, nat, stdout, json ? &fj : NULL, &e);
        }
        if (baseline) {
            printf("\ncompared with %s\n", baseline);
            clinic_audit_compare_print(&cmp, stdout);
        }
        if (json && rc == 0) {
            JsonBuf b;
            jb_init(&b);
            jb_obj_begin(&b);   /* {"categories", "all"[, "frontier"][, "compare"]} */
            clinic_audit_json_fields(&rep, &b);
            if (frontier) {
                jb_key(&b, "frontier");
                jb_rawn(&b, fj.data, fj.len);
            }
            if (baseline) {
                jb_key(&b, "compare");
                clinic_audit_compare_json(&cmp, &b);
            }
            jb_obj_end(&b);
            jb_raw(&b, "\n");
            rc = b.oom || fj.oom ? rlhf_err(&e, "%s: out of memory", json)
                                 : rlhf_write_file_atomic(json, b.data, b.len, &e);
            jb_free(&b);
        }
        jb_free(&fj);
    }
    if (rc) fprintf(stderr, "rlhf audit: %s\n", e.msg);
    clinic_audit_items_free(&base_items);
    clinic_audit_items_free(&cur_items);
    policy_draws_free(&draws);
    clinic_audit_suite_free(&s);
    clinic_classifier_free(k);
    return rc ? 1 : 0;
}
