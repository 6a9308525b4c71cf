/* clinic_export.c — the worked example's files (see clinic_export.h). */
#include "clinic/clinic_export.h"

#include <stdio.h>
#include <string.h>

#include "clinic/clinic_audit.h"

void clinic_gen_config_default(ClinicGenConfig *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->n = 2000;
    cfg->multi_turn = 0.3;
    cfg->sft_noise = 0.0;
    cfg->helpful.kind = CLINIC_REVIEWER_HELPFULNESS;
    cfg->helpful.noise = 0.1;
    cfg->harmless.kind = CLINIC_REVIEWER_RED_TEAM;
    cfg->harmless.noise = 0.1;
}

void clinic_comparison_json(const ClinicMessage *m, const char *a, ClinicStyle sa, const char *b, ClinicStyle sb,
                            int chosen, const char *reviewer, JsonBuf *out) {
    char ta[CLINIC_CONV_MAX + CLINIC_REPLY_MAX], tb[CLINIC_CONV_MAX + CLINIC_REPLY_MAX];
    clinic_transcript(m, a, ta, sizeof ta);
    clinic_transcript(m, b, tb, sizeof tb);
    jb_obj_begin(out);
    jb_kv_str(out, "chosen", chosen ? tb : ta);
    jb_kv_str(out, "rejected", chosen ? ta : tb);
    jb_kv_str(out, "category", clinic_category_name(m->cat));
    jb_kv_str(out, "chosen_style", clinic_style_name(chosen ? sb : sa));
    jb_kv_str(out, "rejected_style", clinic_style_name(chosen ? sa : sb));
    jb_kv_str(out, "reviewer", reviewer);
    jb_obj_end(out);
}

/* JsonBuf puts a comma before an object unless the previous byte opens a
 * container, so each JSONL line is built in its own buffer and then appended. */
void clinic_jsonl_emit(JsonBuf *file, JsonBuf *line) {
    jb_rawn(file, line->data ? line->data : "", line->len);
    jb_rawn(file, "\n", 1);
    if (line->oom) file->oom = 1;
    jb_reset(line);
}

static int write_buf(const char *dir, const char *name, JsonBuf *b, RlhfErr *e) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (b->oom) return rlhf_err(e, "%s: out of memory while building it", path);
    return rlhf_write_file_atomic(path, b->data ? b->data : "", b->len, e);
}

/* Comparisons from one reviewer: each message gets a random pair of distinct styles. */
static void comparisons(const Clinic *c, const ClinicGenConfig *cfg, const ClinicReviewer *rv, uint64_t stream,
                        ClinicClassifier *k, JsonBuf *b, JsonBuf *line, int *chose) {
    Rng r;
    rng_seed(&r, cfg->seed * 0x9E3779B97F4A7C15ULL + stream);
    char a[CLINIC_REPLY_MAX], bb[CLINIC_REPLY_MAX], who[128];
    clinic_reviewer_describe(rv, who, sizeof who);
    ClinicMessage m;
    for (int i = 0; i < cfg->n; i++) {
        clinic_message_generate(c, (ClinicCategory)(i % CLINIC_NCAT), cfg->multi_turn, &r, &m);
        int sa = rng_int(&r, CLINIC_NSTYLE), sb = rng_int(&r, CLINIC_NSTYLE - 1);
        if (sb >= sa) sb++;
        clinic_reply(c, &m, (ClinicStyle)sa, &r, a, sizeof a);
        clinic_reply(c, &m, (ClinicStyle)sb, &r, bb, sizeof bb);
        int ch = clinic_reviewer_choose(rv, k, &m, a, bb, &r);
        chose[ch ? sb : sa]++;
        clinic_comparison_json(&m, a, (ClinicStyle)sa, bb, (ClinicStyle)sb, ch, who, line);
        clinic_jsonl_emit(b, line);
    }
}

int clinic_generate_dataset(const ClinicGenConfig *cfg, const char *out_dir, ClinicGenStats *st, RlhfErr *e) {
    memset(st, 0, sizeof *st);
    if (cfg->n <= 0) return rlhf_err(e, "clinic generate: n must be positive, got %d", cfg->n);
    if (rlhf_mkdirs(out_dir, e)) return -1;
    Clinic c;
    clinic_init(&c, cfg->seed);
    ClinicClassifier *k = clinic_classifier_new(e);
    if (!k) return -1;
    JsonBuf b, line;
    jb_init(&b);
    jb_init(&line);
    int rc = 0;
    ClinicMessage m;
    char reply[CLINIC_REPLY_MAX], text[CLINIC_CONV_MAX + CLINIC_REPLY_MAX];

    /* SFT: ideal replies (a fraction from other styles when sft_noise > 0) */
    Rng r;
    rng_seed(&r, cfg->seed * 0x9E3779B97F4A7C15ULL + 1);
    for (int i = 0; i < cfg->n; i++) {
        clinic_message_generate(&c, (ClinicCategory)(i % CLINIC_NCAT), cfg->multi_turn, &r, &m);
        ClinicStyle s = CLINIC_STYLE_IDEAL;
        if (rng_double(&r) < cfg->sft_noise) s = (ClinicStyle)(1 + rng_int(&r, CLINIC_NSTYLE - 1));
        clinic_reply(&c, &m, s, &r, reply, sizeof reply);
        clinic_transcript(&m, reply, text, sizeof text);
        jb_obj_begin(&line);
        jb_kv_str(&line, "text", text);
        jb_kv_str(&line, "category", clinic_category_name(m.cat));
        jb_kv_str(&line, "style", clinic_style_name(s));
        jb_obj_end(&line);
        clinic_jsonl_emit(&b, &line);
        st->sft++;
    }
    if ((rc = write_buf(out_dir, "sft.jsonl", &b, e))) goto done;

    jb_reset(&b);
    rng_seed(&r, cfg->seed * 0x9E3779B97F4A7C15ULL + 2);
    for (int i = 0; i < cfg->n; i++) {
        clinic_message_generate(&c, (ClinicCategory)(i % CLINIC_NCAT), cfg->multi_turn, &r, &m);
        clinic_prompt(&m, text, sizeof text);
        jb_obj_begin(&line);
        jb_kv_str(&line, "prompt", text);
        jb_kv_str(&line, "category", clinic_category_name(m.cat));
        jb_obj_end(&line);
        clinic_jsonl_emit(&b, &line);
        st->prompts++;
    }
    if ((rc = write_buf(out_dir, "prompts.jsonl", &b, e))) goto done;

    ClinicReviewer rv = cfg->helpful;
    rv.kind = CLINIC_REVIEWER_HELPFULNESS;
    jb_reset(&b);
    comparisons(&c, cfg, &rv, 3, k, &b, &line, st->helpful_chose);
    st->helpful = cfg->n;
    if ((rc = write_buf(out_dir, "comparisons-helpful.jsonl", &b, e))) goto done;

    rv = cfg->harmless;
    rv.kind = CLINIC_REVIEWER_RED_TEAM;
    jb_reset(&b);
    comparisons(&c, cfg, &rv, 4, k, &b, &line, st->harmless_chose);
    st->harmless = cfg->n;
    if ((rc = write_buf(out_dir, "comparisons-harmless.jsonl", &b, e))) goto done;

    ClinicAuditSuite suite;
    if ((rc = clinic_audit_suite_build(&suite, CLINIC_AUDIT_PER_CAT, e))) goto done;
    jb_reset(&b);
    for (int i = 0; i < suite.n; i++) {
        clinic_audit_item_json(&suite, i, &line);
        clinic_jsonl_emit(&b, &line);
    }
    st->audit = suite.n;
    clinic_audit_suite_free(&suite);
    rc = write_buf(out_dir, "audit-suite.jsonl", &b, e);
done:
    jb_free(&b);
    jb_free(&line);
    clinic_classifier_free(k);
    return rc;
}
