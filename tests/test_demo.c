/* test_demo.c — `rlhf demo --quick` end to end: every stage runs, the report
 * and the per-stage metrics exist, and the audit table is printed. The full
 * demo's numbers are recorded in docs/DEMO.md (it takes minutes, not seconds). */
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>

#include "testlib.h"
#include "clinic/clinic_messages.h"
#include "loop/collect.h"
#include "loop/policy_gen.h"
#include "ppo/frontier.h"
#include "util/common.h"
#include "util/json.h"

TEST(quick_demo_runs_end_to_end) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf build/test_demo && %s demo --quick --no-shared --out-dir build/test_demo "
             "> build/test_demo.out 2> build/test_demo.err", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    const char *must[] = {"build/test_demo/report.html", "build/test_demo/base.ckpt", "build/test_demo/sft.ckpt",
                          "build/test_demo/ppo.ckpt", "build/test_demo/ppo.ckpt.metrics.jsonl",
                          "build/test_demo/judges/train-help.judge", "build/test_demo/judges/test-harm.judge",
                          "build/test_demo/loop/manifest.json", "build/test_demo/loop/round-1/policy.ckpt",
                          "build/test_demo/dial-0.ckpt", "build/test_demo/shortcut.ckpt"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) CHECK_MSG(rlhf_file_exists(must[i]), "missing %s", must[i]);
    char *html, *out;
    size_t n;
    RlhfErr e;
    REQUIRE(rlhf_read_file("build/test_demo/report.html", &html, &n, &e) == 0);
    const char *sections[] = {"The judges", "PPO behind the robustness fence", "The steering loop", "The dials",
                              "Reviewer shortcuts", "Before and after", "Reliability diagram", "Bench round 0: ",
                              "the most any KL-penalised optimiser could get", "Task success against KL",
                              "Did each policy move the audit", "<svg"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        CHECK_MSG(strstr(html, sections[i]) != NULL, "report lacks '%s'", sections[i]);
    CHECK(strstr(html, "http://") == NULL || strstr(html, "<script src") == NULL);   /* self-contained */
    free(html);
    REQUIRE(rlhf_read_file("build/test_demo.out", &out, &n, &e) == 0);
    CHECK(strstr(out, "SFT policy") && strstr(out, "final policy") && strstr(out, "report: "));
    free(out);
}

TEST(loop_resumes_without_redoing_finished_rounds) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    if (!rlhf_file_exists("build/test_demo/loop/manifest.json")) SKIP("needs the quick demo's run");
    /* running the loop again on the finished run directory redoes nothing */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s loop --rounds 1 --run-dir build/test_demo/loop --base build/test_demo/base.ckpt "
             "--policy build/test_demo/ppo.ckpt > build/test_loop.out 2> build/test_loop.err", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *err;
    size_t n;
    RlhfErr e;
    REQUIRE(rlhf_read_file("build/test_loop.err", &err, &n, &e) == 0);
    CHECK(strstr(err, "round 1 already done") != NULL);
    CHECK(strstr(err, "round 1: collect") == NULL);
    free(err);
}

/* `rlhf audit --model --samples K --replies-out`: K·240 replies, one line each,
 * and the rates in the JSON are exactly the counts of the lines' outcomes. */
TEST(audit_model_samples_and_replies_out) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    if (!rlhf_file_exists("build/test_demo/sft.ckpt")) SKIP("needs the quick demo's run");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s audit --model build/test_demo/sft.ckpt --temperature 1 --samples 2 --seed 5 "
             "--replies-out build/test_audit_replies.jsonl --json build/test_audit.json > /dev/null 2>&1", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *txt, *js;
    size_t n, nj;
    RlhfErr e;
    REQUIRE(rlhf_read_file("build/test_audit_replies.jsonl", &txt, &n, &e) == 0);
    int lines = 0, harmful = 0, success = 0, sample1 = 0;
    for (char *p = txt; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        lines++;
        harmful += strstr(p, "\"outcome\":[") && strstr(strstr(p, "\"outcome\":["), "\"harmful\"") != NULL;
        success += strstr(p, "\"outcome\":[") && strstr(strstr(p, "\"outcome\":["), "\"success\"") != NULL;
        sample1 += strstr(p, "\"sample\":1,") != NULL;
        CHECK(strstr(p, "\"labels\":[") && strstr(p, "\"category\":"));
        p = nl ? nl + 1 : NULL;
    }
    CHECK(lines == 480);
    CHECK(sample1 == 240);
    REQUIRE(rlhf_read_file("build/test_audit.json", &js, &nj, &e) == 0);
    JsonDoc *d = json_parse(js, nj, &e);
    REQUIRE(d);
    JsonValue *all = json_get(json_root(d), "all");
    double nn = 0, hc = -1, ts = -1;
    CHECK(all && json_get_num(all, "n", &nn) == 0 && nn == 480);
    CHECK(json_get_num(all, "harmful_compliance", &hc) == 0 && fabs(hc * 480 - harmful) < 1e-6);
    CHECK(json_get_num(all, "task_success", &ts) == 0 && fabs(ts * 480 - success) < 1e-6);
    json_doc_free(d);
    free(js);
    free(txt);
}

/* The bench on a policy's own replies (collect.c): helpfulness and red-team tasks
 * alternate and *each* pool sees every category (with i % 8 the red team saw only
 * the odd ones, never a manipulation or symptoms message); every task is
 * accounted for; a pair's two transcripts share the conversation and differ in
 * the reply; the same seeds give the same bytes; a red team with no noise keeps
 * only pairs whose replies differ in harm (test_clinic checks which one it picks). */
static int count_categories(const char *jsonl, int *seen) {
    int lines = 0;
    for (const char *p = jsonl; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        lines++;
        for (int c = 0; c < CLINIC_NCAT; c++) {
            char key[96];
            snprintf(key, sizeof key, "\"category\":\"%s\"", clinic_category_name((ClinicCategory)c));
            const char *hit = strstr(p, key), *nl = strchr(p, '\n');
            if (hit && (!nl || hit < nl)) seen[c]++;
        }
    }
    return lines;
}

TEST(bench_collect_covers_every_category_in_both_pools) {
    if (!rlhf_file_exists("build/test_demo/sft.ckpt")) SKIP("needs the quick demo's run");
    Clinic clinic;
    clinic_init(&clinic, 1);
    RlhfErr e;
    ClinicClassifier *k = clinic_classifier_new(&e);
    REQUIRE(k);
    CollectOpts o = {.policy = "build/test_demo/sft.ckpt", .clinic = &clinic, .k = k, .n = 64,
                     .help_rv = {.kind = CLINIC_REVIEWER_HELPFULNESS, .noise = 1.0},   /* always answers */
                     .harm_rv = {.kind = CLINIC_REVIEWER_RED_TEAM, .noise = 1.0},
                     .gen_seed = 5, .msg_seed = 6, .max_prompt = 160, .max_new = 24, .multi_turn = 0.3};
    CollectResult a, b;
    REQUIRE(collect_comparisons(&o, &a, &e) == 0);
    CHECK(a.n_skipped == 0);
    CHECK(a.n_harm_differs <= a.n_harm);   /* a random reviewer keeps equally harmful pairs too */
    CHECK(a.n_help + a.n_harm + a.n_same == 64);
    CHECK(a.n_help >= 28 && a.n_harm >= 28);
    int seen_h[CLINIC_NCAT] = {0}, seen_r[CLINIC_NCAT] = {0};
    CHECK(count_categories(a.help.data, seen_h) == a.n_help);
    CHECK(count_categories(a.harm.data, seen_r) == a.n_harm);
    for (int c = 0; c < CLINIC_NCAT; c++)
        CHECK_MSG(seen_h[c] >= 2 && seen_r[c] >= 2, "category %s: %d helpfulness, %d red-team pairs",
                  clinic_category_name((ClinicCategory)c), seen_h[c], seen_r[c]);
    REQUIRE(a.npairs == a.n_help + a.n_harm);
    for (int i = 0; i < a.npairs; i++) {
        const char *ch = a.pairs[2 * i], *rj = a.pairs[2 * i + 1];
        const char *la = strstr(ch, "\n\nAssistant:"), *lb = strstr(rj, "\n\nAssistant:");
        REQUIRE(la && lb);
        for (const char *q; (q = strstr(la + 1, "\n\nAssistant:"));) la = q;   /* the final reply */
        for (const char *q; (q = strstr(lb + 1, "\n\nAssistant:"));) lb = q;
        CHECK(la - ch == lb - rj && memcmp(ch, rj, (size_t)(la - ch)) == 0);
        CHECK(strcmp(la, lb) != 0);
    }
    REQUIRE(collect_comparisons(&o, &b, &e) == 0);
    CHECK(a.help.len == b.help.len && memcmp(a.help.data, b.help.data, a.help.len) == 0);
    CHECK(a.harm.len == b.harm.len && memcmp(a.harm.data, b.harm.data, a.harm.len) == 0);
    collect_result_free(&b);
    collect_result_free(&a);

    /* snapshot pairs: the second reply from another checkpoint (here the pretrained base model; the
     * quick models are too small for a reliable preference between them, about 55:45 for SFT) */
    CollectOpts so = o;
    so.policy_b = "build/test_demo/base.ckpt";
    so.n = 160;
    so.help_rv.noise = so.harm_rv.noise = 0;   /* no skipping: ties are coin flips, differences decide */
    REQUIRE(collect_comparisons(&so, &a, &e) == 0);
    int kept = a.n_help + a.n_harm;
    fprintf(stderr, "  SFT against the base model: %d of %d kept pairs chose SFT's reply\n", a.n_first_chosen, kept);
    CHECK(kept + a.n_same == 160 && a.n_skipped == 0);
    CHECK(a.n_first_chosen > 0 && a.n_first_chosen < kept);   /* each side wins some */
    collect_result_free(&a);
    so.policy_b = "build/no-such.ckpt";
    CHECK(collect_comparisons(&so, &a, &e) != 0);
    CHECK(strstr(e.msg, "no-such.ckpt") != NULL);

    /* a careful red team (no noise) skips pairs equally harmful to it, so every
     * red-team pair it keeps differs in harm; the quick model is rarely harmful,
     * so few pairs survive */
    o.n = 400;
    o.harm_rv = (ClinicReviewer){.kind = CLINIC_REVIEWER_RED_TEAM, .skip_ties = 1};
    REQUIRE(collect_comparisons(&o, &a, &e) == 0);
    CHECK(a.n_harm + a.n_help + a.n_skipped + a.n_same == 400);
    CHECK(a.n_skipped > 0);
    CHECK(a.n_harm_differs == a.n_harm);
    collect_result_free(&a);
    /* zero tasks: nothing collected, no error (the loop's --new-prompts 0) */
    o.n = 0;
    REQUIRE(collect_comparisons(&o, &a, &e) == 0);
    CHECK(a.npairs == 0 && a.help.len == 0 && a.harm.len == 0);
    collect_result_free(&a);
    clinic_classifier_free(k);
}

/* Best-of-N on the audit suite keeps, per message, the reply the reward ranks
 * first: its mean reward must beat single samples' by a wide margin, and
 * `rlhf audit --best-of` writes one line per pick and refuses greedy sampling. */
/* Per-message mean reward of the kept replies (the transcript is exactly the
 * prompt + reply that best-of-N scored: clinic_transcript keeps one separator). */
static int message_rewards(RewardModel *rm, const ClinicAuditSuite *s, char **replies, int picks, double *per_msg) {
    int n = s->n * picks;
    char **texts = calloc((size_t)n, sizeof *texts);
    float *r = calloc((size_t)n, sizeof *r);
    RlhfErr e;
    for (int i = 0; i < n; i++) {
        char buf[CLINIC_CONV_MAX + CLINIC_REPLY_MAX + 64];
        clinic_transcript(&s->items[i / picks], replies[i], buf, sizeof buf);
        texts[i] = strdup(buf);
    }
    int rc = reward_score(rm, (const char *const *)texts, n, r, NULL, NULL, &e);
    for (int i = 0; i < s->n; i++) {
        per_msg[i] = 0;
        for (int q = 0; q < picks; q++) per_msg[i] += r[i * picks + q] / picks;
    }
    for (int i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(r);
    return rc;
}

TEST(best_of_n_audit_keeps_the_reward_maximum) {
    if (!rlhf_file_exists("build/test_demo/judges/train-help.judge")) SKIP("needs the quick demo's run");
    RlhfErr e;
    Judge jh = {0}, jr = {0};
    REQUIRE(judge_load(&jh, "build/test_demo/judges/train-help.judge", &e) == 0);
    REQUIRE(judge_load(&jr, "build/test_demo/judges/train-harm.judge", &e) == 0);
    RewardModel rm = {&jh, &jr, {.w_help = 1, .w_harm = 1}};
    ClinicClassifier *k = clinic_classifier_new(&e);
    ClinicAuditSuite s;
    REQUIRE(k && clinic_audit_suite_build(&s, CLINIC_AUDIT_PER_CAT, &e) == 0);
    double *m[2] = {calloc((size_t)s.n, sizeof(double)), calloc((size_t)s.n, sizeof(double))};
    for (int v = 0; v < 2; v++) {
        PolicyGen g;
        REQUIRE(policy_gen_open(&g, "build/test_demo/sft.ckpt", 32, 160, 32, &e) == 0);
        g.temperature = 1.0f;
        g.seed = 11;
        ClinicAuditReport rep;
        char **kept = NULL;
        double words = 0;
        int N = v ? 4 : 1;
        PolicyDraws d;
        REQUIRE(policy_gen_audit_best_of_n(&g, &rm, N, 2, &s, k, &rep, &kept, &words, &d, &e) == 0);
        CHECK(rep.all.n == 2 * s.n && words > 0);
        /* every draw came back, and the kept draw of each group of N is its reward maximum: its
         * outcome flags add up to the audit's counts */
        REQUIRE(d.n == s.n && d.per == 2 * N);
        int succ = 0, harm = 0;
        for (int i = 0; i < s.n * 2; i++) {
            int best = i * N;
            for (int j = i * N + 1; j < (i + 1) * N; j++)
                if (d.reward[j] > d.reward[best]) best = j;
            succ += (d.outcome[best] & CLINIC_OUT_SUCCESS) != 0;
            harm += (d.outcome[best] & CLINIC_OUT_HARMFUL) != 0;
        }
        CHECK(succ == rep.all.success && harm == rep.all.harmful);
        if (v) {   /* the frontier of these draws: best-of-1 is the draws' own rate, the optimum at best-of-4's
                    * KL has at least its reward */
            Frontier f;
            FrontierPoint b1, b4, o4;
            REQUIRE(frontier_init(&f, d.reward, d.outcome, d.n, d.per, CLINIC_NOUT, &e) == 0);
            REQUIRE(frontier_best_of_n(&f, 1, &b1, &e) == 0 && frontier_best_of_n(&f, 4, &b4, &e) == 0);
            REQUIRE(frontier_optimum_at_kl(&f, b4.kl, &o4, &e) == 0);
            int all_succ = 0;
            for (int i = 0; i < d.n * d.per; i++) all_succ += (d.outcome[i] & CLINIC_OUT_SUCCESS) != 0;
            CHECK_NEAR(b1.rate[CLINIC_OUTB_SUCCESS], (double)all_succ / (d.n * d.per), 1e-9);
            CHECK(b4.reward > b1.reward && o4.reward >= b4.reward);
            frontier_free(&f);
        }
        policy_draws_free(&d);
        CHECK(message_rewards(&rm, &s, kept, 2, m[v]) == 0);
        for (int i = 0; i < 2 * s.n; i++) free(kept[i]);
        free(kept);
        policy_gen_close(&g);
    }
    /* the gain per message, paired: best-of-4 must beat a single sample clearly */
    double g = 0, g2 = 0;
    for (int i = 0; i < s.n; i++) {
        double d = m[1][i] - m[0][i];
        g += d;
        g2 += d * d;
    }
    g /= s.n;
    double se = sqrt((g2 / s.n - g * g) / (s.n - 1));
    fprintf(stderr, "  reward gain of best-of-4 over one sample: %.3f (paired SE %.3f, %d messages)\n", g, se, s.n);
    CHECK(g > 5 * se && g > 0.2);
    free(m[0]);
    free(m[1]);
    clinic_audit_suite_free(&s);
    clinic_classifier_free(k);
    judge_free(&jh);
    judge_free(&jr);

    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s audit --model build/test_demo/sft.ckpt --best-of 3 --samples 2 --temperature 1 "
             "--judge build/test_demo/judges/train-help.judge --judge-harm build/test_demo/judges/train-harm.judge "
             "--dials 1,0.5,0 --max-new 24 --replies-out build/test_audit_bon.jsonl > build/test_audit_bon.out 2>&1", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *txt;
    size_t n;
    REQUIRE(rlhf_read_file("build/test_audit_bon.jsonl", &txt, &n, &e) == 0);
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += txt[i] == '\n';
    CHECK(lines == 480);
    free(txt);
    snprintf(cmd, sizeof cmd, "%s audit --model build/test_demo/sft.ckpt --best-of 3 --judge "
             "build/test_demo/judges/train-help.judge > /dev/null 2> build/test_audit_bon.err", bin);
    st = system(cmd);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    REQUIRE(rlhf_read_file("build/test_audit_bon.err", &txt, &n, &e) == 0);
    CHECK(strstr(txt, "--temperature > 0") != NULL);
    free(txt);
    /* --frontier: the table and the JSON's "frontier" member */
    snprintf(cmd, sizeof cmd, "%s audit --model build/test_demo/sft.ckpt --best-of 2 --samples 2 --temperature 1 "
             "--judge build/test_demo/judges/train-help.judge --max-new 24 --frontier --json build/test_audit_fr.json "
             "> build/test_audit_fr.out 2>&1", bin);
    st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    REQUIRE(rlhf_read_file("build/test_audit_fr.out", &txt, &n, &e) == 0);
    CHECK(strstr(txt, "reward–KL frontier from 4 draws a message") && strstr(txt, "best-of-2 "));
    free(txt);
    REQUIRE(rlhf_read_file("build/test_audit_fr.json", &txt, &n, &e) == 0);
    CHECK(strstr(txt, "\"all\":{") && strstr(txt, "\"frontier\":{\"draws_per_prompt\":4") &&
          strstr(txt, "\"optimum\":{") && strstr(txt, "\"missed_escalation\":"));
    CHECK(!strstr(txt, "\"at_kl\""));
    free(txt);
    /* --frontier-at: the optimum at a KL asked for (it implies --frontier); the
     * same draws and seed, so the ladder is the run's above, and the point sits
     * at the asked KL with a reward between the ladder's neighbours */
    snprintf(cmd, sizeof cmd, "%s audit --model build/test_demo/sft.ckpt --best-of 2 --samples 2 --temperature 1 "
             "--judge build/test_demo/judges/train-help.judge --max-new 24 --frontier-at 0.1,0 --json "
             "build/test_audit_fa.json > build/test_audit_fa.out 2>&1", bin);
    st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    REQUIRE(rlhf_read_file("build/test_audit_fa.out", &txt, &n, &e) == 0);
    CHECK(strstr(txt, "reward–KL frontier from 4 draws") && strstr(txt, "the optimum at the KLs asked for"));
    free(txt);
    REQUIRE(rlhf_read_file("build/test_audit_fa.json", &txt, &n, &e) == 0);
    const char *at = strstr(txt, "\"at_kl\":[{\"kl\":");
    REQUIRE(at != NULL);
    double kl0 = strtod(at + strlen("\"at_kl\":[{\"kl\":"), NULL);
    CHECK_NEAR(kl0, 0.1, 1e-3);
    const char *second = strstr(at, "},{\"kl\":");
    REQUIRE(second != NULL);
    CHECK_NEAR(strtod(second + strlen("},{\"kl\":"), NULL), 0.0, 1e-3);
    /* the KL-0 optimum is the policy itself: its reward is best-of-1's; the one at
     * 0.1 lies between that and the optimum at best-of-2's larger KL */
    const char *rows = strstr(txt, "\"rows\":[");
    REQUIRE(rows != NULL);
    const char *r1 = strstr(rows, "\"n\":1,"), *r2 = strstr(rows, "\"n\":2,");
    REQUIRE(r1 && r2);
    const char *o2 = strstr(r2, "\"optimum\":{");
    const char *rw1 = strstr(r1, "\"reward\":"), *rw2 = o2 ? strstr(o2, "\"reward\":") : NULL;
    const char *rw0 = strstr(second, "\"reward\":"), *rwa = strstr(at, "\"reward\":");
    REQUIRE(rw1 && rw2 && rw0 && rwa);
    double bo1 = strtod(rw1 + 9, NULL), opt2 = strtod(rw2 + 9, NULL), at01 = strtod(rwa + 9, NULL);
    CHECK_NEAR(strtod(rw0 + 9, NULL), bo1, 1e-3);
    const char *k2 = strstr(o2, "\"kl\":");
    REQUIRE(k2 != NULL);
    if (strtod(k2 + 5, NULL) > 0.1) CHECK_MSG(bo1 <= at01 + 1e-9 && at01 <= opt2 + 1e-9, "%g %g %g", bo1, at01, opt2);
    free(txt);
    /* bad usage, refused before any sampling: a KL N·K draws cannot show (at most
     * log(N·K)), a negative or non-numeric KL, an empty item, too many, no --best-of */
    const struct { const char *args, *says; } bad[] = {
        {"--best-of 2 --samples 2 --frontier-at 9", "show KLs below log(4)"},
        {"--best-of 2 --samples 2 --frontier-at 0.1,-1", "each KL must be"},
        {"--best-of 2 --samples 2 --frontier-at nan", "each KL must be"},
        {"--best-of 2 --samples 2 --frontier-at 0.1,,0.2", "an empty item"},
        {"--best-of 2 --samples 2 --frontier-at 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0", "give 1 to 16"},
        {"--frontier-at 0.1", "are for --best-of N"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s audit --model /nonexistent.ckpt --temperature 1 --judge /nonexistent.judge %s "
                 "> build/test_audit_fa.out 2>&1", bin, bad[i].args);
        st = system(cmd);
        REQUIRE(rlhf_read_file("build/test_audit_fa.out", &txt, &n, &e) == 0);
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 2 && strstr(txt, bad[i].says) && !strstr(txt, "/nonexistent"),
                  "%s: %s", bad[i].args, txt);
        free(txt);
    }
}

/* `rlhf clinic collect` runs the demo's bench round 0 on any checkpoint: with the
 * demo's seed and size it writes the same bytes the quick demo wrote. */
TEST(clinic_collect_reproduces_bench_round_0) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    if (!rlhf_file_exists("build/test_demo/data/bench0-harm.jsonl")) SKIP("needs the quick demo's run");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s clinic collect --policy build/test_demo/sft.ckpt --tasks 160 --seed 1 "
             "--out-prefix build/test_collect > build/test_collect.out 2>&1", bin);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    const char *pairs[2][2] = {{"build/test_collect-help.jsonl", "build/test_demo/data/bench0-help.jsonl"},
                               {"build/test_collect-harm.jsonl", "build/test_demo/data/bench0-harm.jsonl"}};
    for (int i = 0; i < 2; i++) {
        char *a, *b;
        size_t na, nb;
        RlhfErr e;
        REQUIRE(rlhf_read_file(pairs[i][0], &a, &na, &e) == 0);
        REQUIRE(rlhf_read_file(pairs[i][1], &b, &nb, &e) == 0);
        CHECK_MSG(na == nb && memcmp(a, b, na) == 0, "%s differs from %s", pairs[i][0], pairs[i][1]);
        free(a);
        free(b);
    }
    snprintf(cmd, sizeof cmd, "%s clinic collect --policy build/test_demo/sft.ckpt --out-prefix build/x --tasks -1 "
             "> /dev/null 2>&1", bin);
    st = system(cmd);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

/* --with-hh: the judges also train on real HH-RLHF comparisons and the report
 * scores them on the half they never saw. Skips without the shared data. */
TEST(quick_demo_with_hh) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    const char *hh = "../shared/data/hh-rlhf";
    if (!rlhf_file_exists("../shared/data/hh-rlhf/helpful-base/test.jsonl.gz") ||
        !rlhf_file_exists("../shared/data/hh-rlhf/harmless-base/test.jsonl.gz"))
        SKIP("../shared/data/hh-rlhf absent (see ../shared/data/README.md)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf build/test_demo_hh && %s demo --quick --no-shared --with-hh --hh-dir %s "
             "--out-dir build/test_demo_hh > build/test_demo_hh.out 2> build/test_demo_hh.err", bin, hh);
    int st = system(cmd);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* the subsample: 150 good rows of each file, in HH form */
    const char *files[2] = {"build/test_demo_hh/data/hh-helpful.jsonl", "build/test_demo_hh/data/hh-harmless.jsonl"};
    for (int f = 0; f < 2; f++) {
        char *txt;
        size_t n;
        RlhfErr e;
        REQUIRE(rlhf_read_file(files[f], &txt, &n, &e) == 0);
        int lines = 0;
        for (size_t i = 0; i < n; i++) lines += txt[i] == '\n';
        CHECK_MSG(lines == 150, "%s: %d lines", files[f], lines);
        CHECK(strstr(txt, "\"chosen\"") && strstr(txt, "\\n\\nHuman:"));
        free(txt);
    }
    char *html, *err;
    size_t n;
    RlhfErr e;
    REQUIRE(rlhf_read_file("build/test_demo_hh/report.html", &html, &n, &e) == 0);
    CHECK(strstr(html, "Held-out accuracy on real HH-RLHF data") != NULL);
    CHECK(strstr(html, "on harmless-base") != NULL);
    free(html);
    REQUIRE(rlhf_read_file("build/test_demo_hh.err", &err, &n, &e) == 0);
    CHECK(strstr(err, "--with-hh: 150 helpful-base and 150 harmless-base") != NULL);
    CHECK(strstr(err, "on held-out HH-RLHF") != NULL);
    free(err);
    /* a wrong folder is a clear error naming it */
    snprintf(cmd, sizeof cmd, "%s demo --quick --no-shared --with-hh --hh-dir build/no-such-hh --out-dir build/test_demo_hh2 "
             "> /dev/null 2> build/test_demo_hh2.err", bin);
    st = system(cmd);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    REQUIRE(rlhf_read_file("build/test_demo_hh2.err", &err, &n, &e) == 0);
    CHECK(strstr(err, "build/no-such-hh/helpful-base") != NULL);
    free(err);
}

int main(void) {
    RUN(quick_demo_runs_end_to_end);
    RUN(loop_resumes_without_redoing_finished_rounds);
    RUN(audit_model_samples_and_replies_out);
    RUN(bench_collect_covers_every_category_in_both_pools);
    RUN(best_of_n_audit_keeps_the_reward_maximum);
    RUN(clinic_collect_reproduces_bench_round_0);
    RUN(quick_demo_with_hh);
    return test_summary();
}
