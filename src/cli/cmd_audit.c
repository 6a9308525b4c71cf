/* cmd_audit.c — `rlhf audit`: the behaviour audit (src/clinic/clinic_audit.h)
 * of a file of replies or of a built-in reply style. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "clinic/clinic_audit.h"

int cmd_audit(int argc, char **argv) {
    const char *replies = NULL, *style = NULL, *model = NULL, *json = NULL;
    ArgSpec specs[] = {
        {"replies", 's', &replies, "FILE", "JSONL of {id|prompt|conversation, reply, category}"},
        {"style", 's', &style, "STYLE", "audit a built-in style: ideal|helpful_refusal|reckless|avoidant|unhelpful"},
        {"model", 's', &model, "CKPT", "audit a model checkpoint (sampling hook: not wired yet)"},
        {"json", 's', &json, "OUT", "also write the report as JSON"},
        {0}};
    int rc = args_parse("audit", "rlhf audit (--replies FILE | --style STYLE | --model CKPT) [--json OUT]", specs, argc,
                        argv, NULL, NULL);
    if (rc >= 0) return rc;
    if ((replies != NULL) + (style != NULL) + (model != NULL) != 1) {
        fprintf(stderr, "rlhf audit: give exactly one of --replies, --style, --model\n");
        return 2;
    }
    int st = style ? clinic_style_from_name(style) : 0;
    if (st < 0) { fprintf(stderr, "rlhf audit: --style: unknown style '%s'\n", style); return 2; }
    if (model) {
        /* Hook: wrap the sampler in a ClinicReplyFn and call clinic_audit_run(). */
        fprintf(stderr, "rlhf audit: --model %s: model sampling is not wired into the audit yet "
                        "(use rlhf sample to write replies, then --replies)\n", model);
        return 1;
    }
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
    rc = 0;
    if (replies) rc = clinic_audit_replies_file(&s, k, replies, &rep, &e);
    else clinic_audit_style(&s, k, (ClinicStyle)st, 1, &rep);
    if (rc == 0) {
        printf("audit of %s (%d replies; rates per category)\n", replies ? replies : style, rep.all.n);
        clinic_audit_print(&rep, stdout);
        if (json) {
            JsonBuf b;
            jb_init(&b);
            clinic_audit_json(&rep, &b);
            jb_raw(&b, "\n");
            rc = b.oom ? rlhf_err(&e, "%s: out of memory", json) : rlhf_write_file_atomic(json, b.data, b.len, &e);
            jb_free(&b);
        }
    }
    if (rc) fprintf(stderr, "rlhf audit: %s\n", e.msg);
    clinic_audit_suite_free(&s);
    clinic_classifier_free(k);
    return rc ? 1 : 0;
}
