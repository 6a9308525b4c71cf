/* test_audit_compare.c — the paired comparison of two audits
 * (src/clinic/clinic_audit_compare.h): exact differences on replies whose
 * outcomes are known, the interval's false-alarm rate and power on simulated
 * audits with a known truth, and errors that name the file, line or message. */
#include <sys/wait.h>

#include "testlib.h"
#include "clinic/clinic_audit_compare.h"
#include "util/rng.h"

static ClinicAuditSuite S;
static ClinicClassifier *K;

/* Writes `per` replies a message in `style`, except that in category `cat`
 * the first `swap` replies of each message come in style `other`. */
static void write_replies(const char *path, int per, ClinicStyle style, int cat, int swap, ClinicStyle other) {
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    Rng r;
    rng_seed(&r, 5);
    char reply[CLINIC_REPLY_MAX];
    JsonBuf b;
    jb_init(&b);
    for (int j = 0; j < per; j++)
        for (int i = 0; i < S.n; i++) {
            ClinicStyle st = (int)S.items[i].cat == cat && j < swap ? other : style;
            clinic_reply(&S.clinic, &S.items[i], st, &r, reply, sizeof reply);
            jb_reset(&b);
            clinic_audit_reply_json(&S, i, j, reply, clinic_classify(K, reply), &b);
            fprintf(f, "%.*s\n", (int)b.len, b.data);
        }
    jb_free(&b);
    fclose(f);
}

/* Ideal replies against the same with half of the benign-sensitive replies
 * avoidant: the over-refusal rate there rises by the known amount, and every
 * category with the same replies shows exactly no change. */
TEST(known_difference_is_found_exactly) {
    write_replies("build/cmp_base.jsonl", 4, CLINIC_STYLE_IDEAL, -1, 0, CLINIC_STYLE_IDEAL);
    write_replies("build/cmp_new.jsonl", 4, CLINIC_STYLE_IDEAL, CLINIC_CAT_BENIGN_SENSITIVE, 2, CLINIC_STYLE_AVOIDANT);
    RlhfErr e;
    ClinicAuditItems a, b;
    ClinicAuditCompare c;
    REQUIRE(clinic_audit_items_read(&S, K, "build/cmp_base.jsonl", &a, &e) == 0);
    REQUIRE(clinic_audit_items_read(&S, K, "build/cmp_new.jsonl", &b, &e) == 0);
    REQUIRE(clinic_audit_compare(&S, &a, &b, 1000, 1, &c, &e) == 0);
    CHECK(c.items == S.n && c.boot == 1000);
    /* the same rates `rlhf audit --replies` prints for each file */
    ClinicAuditReport ra, rb;
    REQUIRE(clinic_audit_replies_file(&S, K, "build/cmp_base.jsonl", &ra, &e) == 0);
    REQUIRE(clinic_audit_replies_file(&S, K, "build/cmp_new.jsonl", &rb, &e) == 0);
    CHECK_NEAR(c.all[CLINIC_OUTB_OVER_REFUSAL].base, clinic_audit_rate(ra.all.over_refusal, ra.all.n), 1e-12);
    CHECK_NEAR(c.all[CLINIC_OUTB_OVER_REFUSAL].cur, clinic_audit_rate(rb.all.over_refusal, rb.all.n), 1e-12);
    CHECK_NEAR(c.all[CLINIC_OUTB_SUCCESS].cur, clinic_audit_rate(rb.all.success, rb.all.n), 1e-12);
    ClinicAuditReport fa, fb;   /* the report from the counts is the file's report */
    clinic_audit_items_report(&S, &a, &fa);
    clinic_audit_items_report(&S, &b, &fb);
    CHECK(memcmp(&fa, &ra, sizeof fa) == 0 && memcmp(&fb, &rb, sizeof fb) == 0);
    /* ideal replies never over-refuse; avoidant ones to benign requests always do */
    const ClinicAuditDelta *bs = &c.cat[CLINIC_CAT_BENIGN_SENSITIVE][CLINIC_OUTB_OVER_REFUSAL];
    CHECK_NEAR(bs->base, 0.0, 1e-12);
    CHECK_NEAR(bs->cur, 0.5, 1e-12);
    CHECK_NEAR(c.all[CLINIC_OUTB_OVER_REFUSAL].diff, 60.0 / 960.0, 1e-12);   /* 30 messages x 2 of 4 replies */
    CHECK_STR(clinic_audit_delta_verdict(bs), "rises");
    CHECK_STR(clinic_audit_delta_verdict(&c.all[CLINIC_OUTB_OVER_REFUSAL]), "rises");
    CHECK_STR(clinic_audit_delta_verdict(&c.cat[CLINIC_CAT_BENIGN_SENSITIVE][CLINIC_OUTB_SUCCESS]), "falls");
    /* every message of the category moved by the same amount: no spread to resample */
    CHECK_NEAR(bs->lo, 0.5, 1e-12);
    CHECK_NEAR(bs->hi, 0.5, 1e-12);
    for (int k = 0; k < CLINIC_NCAT; k++) {
        if (k == CLINIC_CAT_BENIGN_SENSITIVE) continue;
        CHECK(c.cat_items[k] == 30);
        for (int q = 0; q < CLINIC_NOUT; q++) {
            const ClinicAuditDelta *d = &c.cat[k][q];
            CHECK(d->diff == 0 && d->lo == 0 && d->hi == 0);
            CHECK_STR(clinic_audit_delta_verdict(d), "no clear change");
        }
    }
    /* deterministic for a seed */
    ClinicAuditCompare c2;
    REQUIRE(clinic_audit_compare(&S, &a, &b, 1000, 1, &c2, &e) == 0);
    CHECK(memcmp(&c, &c2, sizeof c) == 0);
    JsonBuf j;
    jb_init(&j);
    clinic_audit_compare_json(&c, &j);
    CHECK(j.data && strstr(j.data, "\"benign_sensitive\":{") && strstr(j.data, "\"verdict\":\"rises\""));
    jb_free(&j);
    clinic_audit_items_free(&a);
    clinic_audit_items_free(&b);
}

/* Simulated audits: each message has its own true rate (some messages are
 * hard), both policies draw 8 replies a message from it (or the new one from
 * the rate + shift). With no shift the interval should exclude 0 about 5% of
 * the time; a shift of 5 points should almost always be found. Treating the
 * 1,920 replies as independent would make false alarms far more common,
 * which is what the resampling by message is for. */
static void simulate(Rng *r, const double *p, double shift, ClinicAuditItems *a, ClinicAuditItems *b) {
    for (int i = 0; i < S.n; i++) {
        a->n[i] = b->n[i] = 8;
        int x = 0, y = 0;
        for (int t = 0; t < 8; t++) x += rng_double(r) < p[i], y += rng_double(r) < p[i] + shift;
        a->count[(size_t)i * CLINIC_NOUT + CLINIC_OUTB_OVER_REFUSAL] = x;
        b->count[(size_t)i * CLINIC_NOUT + CLINIC_OUTB_OVER_REFUSAL] = y;
    }
}

TEST(interval_false_alarms_and_power) {
    RlhfErr e;
    ClinicAuditItems a, b;
    REQUIRE(clinic_audit_items_init(&a, S.n, &e) == 0 && clinic_audit_items_init(&b, S.n, &e) == 0);
    Rng r;
    rng_seed(&r, 11);
    double p[1024];
    REQUIRE(S.n <= 1024);
    int sims = 300, alarms = 0, found = 0, covered = 0;
    for (int t = 0; t < sims; t++) {
        /* a fresh set of message difficulties each time: the policy pair differs, the truth does not */
        for (int i = 0; i < S.n; i++) p[i] = 0.4 * rng_double(&r) * rng_double(&r) * 2.0;   /* mean 0.2, skewed */
        ClinicAuditCompare c;
        simulate(&r, p, 0.0, &a, &b);
        REQUIRE(clinic_audit_compare(&S, &a, &b, 400, (uint64_t)t + 1, &c, &e) == 0);
        alarms += strcmp(clinic_audit_delta_verdict(&c.all[CLINIC_OUTB_OVER_REFUSAL]), "no clear change") != 0;
        simulate(&r, p, 0.05, &a, &b);
        REQUIRE(clinic_audit_compare(&S, &a, &b, 400, (uint64_t)t + 1, &c, &e) == 0);
        const ClinicAuditDelta *d = &c.all[CLINIC_OUTB_OVER_REFUSAL];
        found += strcmp(clinic_audit_delta_verdict(d), "rises") == 0;
        covered += d->lo <= 0.05 && 0.05 <= d->hi;
    }
    fprintf(stderr, "  no shift: %d of %d flagged; +5 points: found %d of %d, interval covers the shift %d of %d\n",
            alarms, sims, found, sims, covered, sims);
    CHECK(alarms >= 3 && alarms <= 30);     /* nominal 5% = 15 of 300 */
    CHECK(found >= 270);                     /* the paired SE of the difference is about 1.2 points */
    CHECK(covered >= 270 && covered <= 298); /* nominal 95% = 285 */
    clinic_audit_items_free(&a);
    clinic_audit_items_free(&b);
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

TEST(errors_name_the_file_line_and_message) {
    RlhfErr e;
    ClinicAuditItems a, b;
    ClinicAuditCompare c;
    REQUIRE(write_file("build/cmp_bad.jsonl", "{\"id\": 0, \"reply\": \"ok\"}\n{\"reply\": \"no id\"}\n") == 0);
    CHECK(clinic_audit_items_read(&S, K, "build/cmp_bad.jsonl", &a, &e) != 0);
    CHECK(strstr(e.msg, "build/cmp_bad.jsonl:2") && strstr(e.msg, "'id'"));
    clinic_audit_items_free(&a);
    REQUIRE(write_file("build/cmp_bad.jsonl", "{\"id\": 999999, \"reply\": \"x\"}\n") == 0);
    CHECK(clinic_audit_items_read(&S, K, "build/cmp_bad.jsonl", &a, &e) != 0 && strstr(e.msg, ":1: field 'id'"));
    clinic_audit_items_free(&a);
    REQUIRE(write_file("build/cmp_bad.jsonl", "{\"prompt\": \"not in the suite\", \"reply\": \"x\"}\n") == 0);
    CHECK(clinic_audit_items_read(&S, K, "build/cmp_bad.jsonl", &a, &e) != 0 && strstr(e.msg, "field 'prompt'"));
    clinic_audit_items_free(&a);
    /* messages answered by one audit only */
    REQUIRE(write_file("build/cmp_a.jsonl", "{\"id\": 0, \"reply\": \"x\"}\n{\"id\": 1, \"reply\": \"y\"}\n") == 0);
    REQUIRE(write_file("build/cmp_b.jsonl", "{\"id\": 0, \"reply\": \"x\"}\n") == 0);
    REQUIRE(clinic_audit_items_read(&S, K, "build/cmp_a.jsonl", &a, &e) == 0);
    REQUIRE(clinic_audit_items_read(&S, K, "build/cmp_b.jsonl", &b, &e) == 0);
    CHECK(clinic_audit_compare(&S, &a, &b, 200, 1, &c, &e) != 0 && strstr(e.msg, "message 1 ") &&
          strstr(e.msg, "base audit only"));
    CHECK(clinic_audit_compare(&S, &a, &a, 10, 1, &c, &e) != 0 && strstr(e.msg, "100"));
    clinic_audit_items_free(&a);
    clinic_audit_items_free(&b);
}

/* The command: --baseline with --replies prints the table; elsewhere it is bad usage. */
TEST(cli_baseline) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s audit --replies build/cmp_new.jsonl --baseline build/cmp_base.jsonl --boot 500 "
                              "--json build/cmp.json > build/cmp.out 2>&1", bin);
    int st = system(cmd);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *out = NULL, *js = NULL;
    RlhfErr e;
    CHECK(rlhf_read_file("build/cmp.out", &out, NULL, &e) == 0);
    CHECK(rlhf_read_file("build/cmp.json", &js, NULL, &e) == 0);
    CHECK(out && strstr(out, "paired comparison over 240 messages") &&
          strstr(out, "benign_sensitive  over_refusal          0.0   50.0   +50.0"));
    CHECK(js && strstr(js, "\"compare\":{\"boot\":500"));
    free(out);
    free(js);
    const char *bad[] = {"--style ideal --baseline build/cmp_base.jsonl",
                         "--replies build/cmp_new.jsonl --baseline build/cmp_base.jsonl --boot 5"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s audit %s > build/cmp.out 2>&1", bin, bad[i]);
        st = system(cmd);
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 2, "rlhf audit %s: not bad usage", bad[i]);
    }
}

int main(void) {
    RlhfErr e;
    K = clinic_classifier_new(&e);
    if (!K || clinic_audit_suite_build(&S, CLINIC_AUDIT_PER_CAT, &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return 1;
    }
    RUN(known_difference_is_found_exactly);
    RUN(interval_false_alarms_and_power);
    RUN(errors_name_the_file_line_and_message);
    RUN(cli_baseline);
    clinic_audit_suite_free(&S);
    clinic_classifier_free(K);
    return test_summary();
}
