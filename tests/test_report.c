/* test_report.c — SVG plots, the HTML report builder and the metrics reader.
 * Writes build/test_report.html (every plot kind; look at it in a browser)
 * and build/test_metrics_report.html (the generic metrics report). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/metrics_read.h"
#include "report/report.h"
#include "report/svg_plot.h"
#include "testlib.h"
#include "util/metrics.h"
#include "util/rng.h"

/* ---- a tiny markup checker: balanced tags, escaped text ---- */

static int is_void(const char *name, size_t n) {
    static const char *const v[] = {"meta", "br", "hr", "img", "input", "link", "wbr", NULL};
    for (int i = 0; v[i]; i++) if (strlen(v[i]) == n && strncasecmp(v[i], name, n) == 0) return 1;
    return 0;
}

/* Returns NULL when s is well formed, else a static message naming the byte offset. */
static const char *check_markup(const char *s) {
    static char msg[256];
    const char *stack[512];
    size_t stackn[512];
    int depth = 0;
    const char *p = s;
    while (*p) {
        if (*p == '&') {
            const char *q = p + 1;
            if (*q == '#') q++;
            while (isalnum((unsigned char)*q)) q++;
            if (*q != ';' || q == p + 1) { snprintf(msg, sizeof msg, "bare '&' at byte %ld", (long)(p - s)); return msg; }
            p = q + 1;
            continue;
        }
        if (*p != '<') { p++; continue; }
        if (!strncmp(p, "<!--", 4)) { const char *q = strstr(p, "-->"); if (!q) return "unclosed comment"; p = q + 3; continue; }
        if (p[1] == '!') { p = strchr(p, '>'); if (!p) return "unclosed <!"; p++; continue; }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        if (!isalpha((unsigned char)*name)) { snprintf(msg, sizeof msg, "raw '<' at byte %ld", (long)(p - s)); return msg; }
        const char *q = name;
        while (isalnum((unsigned char)*q) || *q == '-' || *q == ':') q++;
        size_t nlen = (size_t)(q - name);
        /* scan to the end of the tag, honouring quoted attribute values */
        char quote = 0;
        while (*q && (quote || *q != '>')) {
            if (quote) { if (*q == quote) quote = 0; else if (*q == '<') { snprintf(msg, sizeof msg, "'<' in attribute at %ld", (long)(q - s)); return msg; } }
            else if (*q == '"' || *q == '\'') quote = *q;
            q++;
        }
        if (!*q) return "unterminated tag";
        int self = q[-1] == '/';
        if (closing) {
            if (depth == 0) { snprintf(msg, sizeof msg, "close tag </%.*s> with nothing open at %ld", (int)nlen, name, (long)(p - s)); return msg; }
            depth--;
            if (stackn[depth] != nlen || strncmp(stack[depth], name, nlen) != 0) {
                snprintf(msg, sizeof msg, "</%.*s> closes <%.*s> at byte %ld", (int)nlen, name, (int)stackn[depth], stack[depth], (long)(p - s));
                return msg;
            }
        } else if (!self && !is_void(name, nlen)) {
            if (depth == 512) return "too deep";
            stack[depth] = name; stackn[depth] = nlen; depth++;
            /* raw-text elements: skip to their close tag */
            if ((nlen == 5 && !strncmp(name, "style", 5)) || (nlen == 6 && !strncmp(name, "script", 6))) {
                char endtag[16];
                snprintf(endtag, sizeof endtag, "</%.*s>", (int)nlen, name);
                const char *e = strstr(q, endtag);
                if (!e) return "unclosed raw-text element";
                q = e - 1;
            }
        }
        p = q + 1;
    }
    if (depth) { snprintf(msg, sizeof msg, "<%.*s> never closed", (int)stackn[depth - 1], stack[depth - 1]); return msg; }
    return NULL;
}

static int count_sub(const char *s, const char *sub) {
    int n = 0;
    for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub)) n++;
    return n;
}

#define CHECK_WELLFORMED(str) do { const char *tl_m = check_markup(str); CHECK_MSG(tl_m == NULL, "markup: %s", tl_m); } while (0)

/* ---- tests ---- */

TEST(checker_catches_bad_markup) {
    CHECK(check_markup("<svg><g></g></svg>") == NULL);
    CHECK(check_markup("<svg><g></svg>") != NULL);
    CHECK(check_markup("<p>a < b</p>") != NULL);
    CHECK(check_markup("<p>a & b</p>") != NULL);
    CHECK(check_markup("<p>a &amp; b &#39;</p>") == NULL);
    CHECK(check_markup("<p x=\"a>b\">t</p>") == NULL);
}

TEST(nice_ticks) {
    double t[64], step;
    int n = svg_nice_ticks(0, 1, 6, t, 64, &step);
    REQUIRE(n == 6);
    CHECK_NEAR(step, 0.2, 1e-12);
    for (int i = 0; i < n; i++) CHECK_NEAR(t[i], 0.2 * i, 1e-12);
    n = svg_nice_ticks(0, 97, 6, t, 64, &step);
    CHECK_NEAR(step, 20, 1e-9);
    CHECK_NEAR(t[0], 0, 1e-9);
    CHECK_NEAR(t[n - 1], 100, 1e-9);
    /* invariants over many ranges: cover the range, steps of 1/2/5 x 10^k, a sane count */
    Rng rng;
    rng_seed(&rng, 7);
    for (int it = 0; it < 2000; it++) {
        double scale = pow(10, rng_double(&rng) * 12 - 6);
        double lo = (rng_double(&rng) - 0.5) * scale * 10, hi = lo + rng_double(&rng) * scale;
        n = svg_nice_ticks(lo, hi, 6, t, 64, &step);
        REQUIRE(n >= 2);
        CHECK(n <= 12);
        CHECK(t[0] <= lo + step * 1e-6);
        CHECK(t[n - 1] >= hi - step * 1e-6);
        double m = step / pow(10, floor(log10(step) + 1e-12));
        CHECK_MSG(fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6 || fabs(m - 10) < 1e-6,
                  "step %g for [%g, %g]", step, lo, hi);
    }
    /* degenerate ranges still give ticks */
    n = svg_nice_ticks(5, 5, 6, t, 64, &step);
    CHECK(n >= 2 && t[0] <= 5 && t[n - 1] >= 5);
    CHECK(svg_nice_ticks(NAN, 1, 6, t, 64, &step) == 0);
}

TEST(tick_labels) {
    char b[64];
    svg_format_tick(b, sizeof b, 0.2, 0.2, 0); CHECK_STR(b, "0.2");
    svg_format_tick(b, sizeof b, 0.6000000000000001, 0.2, 0); CHECK_STR(b, "0.6");
    svg_format_tick(b, sizeof b, 0.25, 0.25, 0); CHECK_STR(b, "0.25");
    svg_format_tick(b, sizeof b, 200, 100, 0); CHECK_STR(b, "200");
    svg_format_tick(b, sizeof b, -1e-17, 0.1, 0); CHECK_STR(b, "0.0");
    svg_format_tick(b, sizeof b, 0.4, 0.2, 1); CHECK_STR(b, "40%");
    svg_format_tick(b, sizeof b, 0.025, 0.025, 1); CHECK_STR(b, "2.5%");
    svg_format_value(b, sizeof b, 0.8123, 1); CHECK_STR(b, "81%");
    svg_format_value(b, sizeof b, 0.031, 1); CHECK_STR(b, "3.1%");
    svg_format_value(b, sizeof b, 1.23456, 0); CHECK_STR(b, "1.23");
    svg_format_value(b, sizeof b, NAN, 0); CHECK_STR(b, "–");
}

TEST(escaping) {
    const char *evil = "<script>&\"'";
    double x[3] = {0, 1, 2}, y[3] = {1, 2, 3};
    SvgSeries s = {evil, x, y, 3};
    SvgPlotOpts o = {.title = evil, .xlabel = evil, .ylabel = evil};
    const char *groups[1] = {evil};
    JsonBuf b;
    jb_init(&b);
    svg_line_plot(&b, &o, &s, 1);
    svg_scatter_plot(&b, &o, &s, 1, 1);
    svg_bar_chart(&b, &o, groups, 1, &s, 1);
    svg_heatmap(&b, &o, groups, 1, groups, 1, y, NAN, NAN);
    svg_frontier_plot(&b, &o, x, y, groups, 1, -1, -1);
    svg_histogram(&b, &o, &s, 1, 5);
    svg_reliability_plot(&b, &o, &(SvgReliability){evil, y, y, (int[3]){1, 2, 3}, 3}, 1);
    REQUIRE(b.data && !b.oom);
    CHECK(strstr(b.data, "<script") == NULL);
    CHECK(strstr(b.data, "&lt;script&gt;&amp;&quot;&#39;") != NULL);
    CHECK_WELLFORMED(b.data);
    /* the report escapes every text argument too */
    RlhfErr e;
    Report *r = report_new(evil, &e);
    REQUIRE(r);
    report_subtitle(r, evil);
    report_section(r, evil);
    report_paragraph(r, evil);
    report_card(r, evil, evil, evil, REPORT_GOOD);
    const char *row[2] = {evil, "1"};
    report_table_begin(r, evil, row, 2);
    report_table_row(r, row);
    report_table_end(r);
    ReportTurn turns[1] = {{evil, evil}};
    ReportPanel p = {evil, evil, turns, 1, 0};
    report_panels(r, evil, &p, 1);
    report_details_begin(r, evil);
    report_pre(r, evil);
    report_details_end(r);
    JsonBuf h;
    jb_init(&h);
    report_render(r, &h);
    CHECK(strstr(h.data, "<script") == NULL);
    CHECK(count_sub(h.data, "&lt;script&gt;&amp;") >= 10);
    CHECK_WELLFORMED(h.data);
    jb_free(&h);
    report_free(r);
    /* invalid UTF-8 and control characters never reach the output */
    jb_reset(&b);
    svg_escape(&b, "a\xff" "b\x01" "c\xc3\xa9" "\xe2\x82");
    CHECK_STR(b.data, "a\xEF\xBF\xBD" "b c\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD");
    jb_free(&b);
}

TEST(nan_points_skipped) {
    double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {1, 2, NAN, 4, INFINITY, 6};
    SvgSeries s = {"s", x, y, 6};
    SvgPlotOpts o = {.title = "gaps"};
    JsonBuf b;
    jb_init(&b);
    svg_line_plot(&b, &o, &s, 1);
    REQUIRE(b.data);
    for (char *p = b.data; *p; p++) *p = (char)tolower((unsigned char)*p);
    CHECK(strstr(b.data, "nan") == NULL);
    CHECK(strstr(b.data, "inf") == NULL);
    /* three finite runs → the path starts three times */
    const char *d = strstr(b.data, "stroke-linejoin");
    REQUIRE(d);
    const char *end = strchr(strstr(d, " d=\""), '/');
    int moves = 0;
    for (const char *p = strstr(d, " d=\"") + 4; p < end; p++) moves += *p == 'm';
    CHECK(moves == 3);
    /* 4 finite points → 4 markers with tooltips */
    CHECK(count_sub(b.data, "<title>s: ") == 4);
    /* log axis drops y <= 0 without breaking */
    double yl[4] = {10, 0, -1, 1000};
    SvgSeries sl = {"l", x, yl, 4};
    SvgPlotOpts ol = {.log_y = 1};
    jb_reset(&b);
    svg_line_plot(&b, &ol, &sl, 1);
    CHECK(strstr(b.data, "nan") == NULL && strstr(b.data, "inf") == NULL);
    CHECK(count_sub(b.data, "<title>l: ") == 2);
    CHECK_WELLFORMED(b.data);
    jb_free(&b);
}

TEST(empty_input) {
    JsonBuf b;
    jb_init(&b);
    SvgPlotOpts o = {.title = "empty"};
    SvgSeries s = {"none", NULL, NULL, 0};
    svg_line_plot(&b, &o, NULL, 0);
    svg_line_plot(&b, &o, &s, 1);
    svg_scatter_plot(&b, &o, &s, 1, 1);
    svg_bar_chart(&b, &o, NULL, 0, NULL, 0);
    svg_reliability_plot(&b, &o, NULL, 0);
    svg_heatmap(&b, &o, NULL, 0, NULL, 0, NULL, NAN, NAN);
    svg_frontier_plot(&b, &o, NULL, NULL, NULL, 0, -1, -1);
    svg_histogram(&b, &o, &s, 1, 0);
    REQUIRE(b.data && !b.oom);
    CHECK(count_sub(b.data, "no data") >= 6);
    CHECK(count_sub(b.data, "<svg xmlns") == 8);
    CHECK_WELLFORMED(b.data);
    jb_free(&b);
}

TEST(linear_fit_and_bins) {
    double x[5] = {0, 1, 2, 3, NAN}, y[5] = {1, 3, 5, 7, 100};
    double a, sl, r2;
    CHECK(svg_linear_fit(x, y, 5, 0, &a, &sl, &r2) == 4);
    CHECK_NEAR(a, 1, 1e-12); CHECK_NEAR(sl, 2, 1e-12); CHECK_NEAR(r2, 1, 1e-12);
    double y2[4] = {0, 2, 4, 6};
    svg_linear_fit(x, y2, 4, 1, &a, &sl, &r2);
    CHECK_NEAR(a, 0, 1e-12); CHECK_NEAR(sl, 2, 1e-12); CHECK_NEAR(r2, 1, 1e-12);
    double p[6] = {0.05, 0.15, 0.95, 0.91, 0.99, NAN};
    int won[6] = {0, 1, 1, 1, 0, 1};
    double pred[10], obs[10];
    int cnt[10];
    double ece = svg_reliability_bins(p, won, 6, 10, pred, obs, cnt);
    CHECK(cnt[0] == 1 && cnt[1] == 1 && cnt[9] == 3 && cnt[5] == 0);
    CHECK_NEAR(pred[9], (0.95 + 0.91 + 0.99) / 3, 1e-12);
    CHECK_NEAR(obs[9], 2.0 / 3, 1e-12);
    CHECK(isnan(pred[5]));
    double want = (1 * 0.05 + 1 * 0.85 + 3 * fabs((0.95 + 0.91 + 0.99) / 3 - 2.0 / 3)) / 5;
    CHECK_NEAR(ece, want, 1e-12);
}

TEST(long_series_thinned) {
    int n = 200000;
    double *y = malloc(sizeof(double) * (size_t)n);
    REQUIRE(y);
    for (int i = 0; i < n; i++) y[i] = 3.0 * exp(-i / 40000.0) + 0.1 * sin(i * 0.37);
    SvgSeries s = {"loss", NULL, y, n};
    SvgPlotOpts o = {.title = "long", .smooth = 2001};
    JsonBuf b;
    jb_init(&b);
    svg_line_plot(&b, &o, &s, 1);
    REQUIRE(b.data);
    CHECK_MSG(b.len < 150000, "svg is %zu bytes for a 200k-point series", b.len);
    CHECK_WELLFORMED(b.data);
    jb_free(&b);
    free(y);
}

/* ---- the demo report: every plot kind, realistic shapes ---- */

static void build_demo(Report *r) {
    Rng rng;
    rng_seed(&rng, 42);
    enum { NS = 300, NV = 15 };
    static double steps[NS], train[NS], vsteps[NV], val[NV];
    for (int i = 0; i < NS; i++) {
        steps[i] = i * 10;
        train[i] = 1.6 + 3.2 * exp(-i / 50.0) + 0.12 * rng_normal(&rng);
    }
    for (int i = 0; i < NV; i++) { vsteps[i] = i * 200; val[i] = 1.75 + 3.1 * exp(-i * 20 / 50.0); }

    report_subtitle(r, "rlhf demo · 2 rounds · clinic example + simulated reviewers");
    report_section(r, "What happened");
    report_paragraph(r, "We trained a small language model, taught it the clinic's conversations, and then "
                        "let a judge trained on reviewers' comparisons steer it with PPO. The cards show the "
                        "final policy against the supervised starting point on the behaviour audit.\n\n"
                        "Green edges mark changes in the good direction; red the bad.");
    report_cards_begin(r);
    report_card_change(r, "Task success", 0.62, 0.81, REPORT_PERCENT, +1);
    report_card_change(r, "Harmful compliance", 0.14, 0.05, REPORT_PERCENT, -1);
    report_card_change(r, "Over-refusal", 0.09, 0.10, REPORT_PERCENT, -1);
    report_card_change(r, "Elo vs SFT", 0, 112, REPORT_NUMBER, +1);
    report_card(r, "Judge test accuracy", "71.4%", "held-out comparisons", REPORT_NEUTRAL);
    report_cards_end(r);

    report_section(r, "Pretraining and fine-tuning");
    report_grid_begin(r);
    SvgSeries loss[2] = {{"train", steps, train, NS}, {"validation", vsteps, val, NV}};
    SvgPlotOpts lo = {.title = "Language-model loss", .xlabel = "step", .ylabel = "cross-entropy (nats/token)", .smooth = 15};
    svg_line_plot(report_figure_begin(r), &lo, loss, 2);
    report_figure_end(r, "Loss falls fast, then levels; validation tracks training, so the model is not memorising.");
    SvgPlotOpts ll = lo;
    ll.title = "Same, log scale";
    ll.log_y = 1;
    ll.smooth = 0;
    svg_line_plot(report_figure_begin(r), &ll, loss, 2);
    report_figure_end(r, "The log scale shows the slow tail.");
    report_grid_end(r);

    report_section(r, "The judges");
    static const char *const jhdr[] = {"judge", "train acc.", "test acc.", "ECE"};
    report_table_begin(r, "Preference-model accuracy on held-out comparisons", jhdr, 4);
    double j1[3] = {0.742, 0.714, 0.031}, j2[3] = {0.731, 0.705, 0.044};
    report_table_row_nums(r, "train judge (half A)", j1, 3, REPORT_NUMBER);
    report_table_row_nums(r, "test judge (half B)", j2, 3, REPORT_NUMBER);
    report_table_end(r);
    report_grid_begin(r);
    static const char *const jrows[] = {"helpful judge", "harmless judge", "two-dial judge"};
    static const char *const jcols[] = {"helpful data", "harmless data", "clinic data", "HH-RLHF <test>"};
    double acc[12] = {0.72, 0.48, 0.66, 0.61, 0.45, 0.74, 0.69, 0.58, 0.70, 0.71, 0.73, NAN};
    SvgPlotOpts ho = {.title = "Accuracy: judge × data", .xlabel = "comparisons from", .ylabel = "judge", .y_percent = 1};
    svg_heatmap(report_figure_begin(r), &ho, jrows, 3, jcols, 4, acc, 0.4, 0.8);
    report_figure_end(r, "Each judge is best on its own kind of data; the two-dial judge does well on both. "
                         "The empty cell was not measured.");
    double p[400];
    int won[400];
    for (int i = 0; i < 400; i++) {
        p[i] = 1 / (1 + exp(-2.2 * rng_normal(&rng)));
        double truep = 0.5 + (p[i] - 0.5) * 0.85;
        won[i] = rng_double(&rng) < truep;
    }
    double pred[10], obs[10], pred2[10], obs2[10];
    int cnt[10], cnt2[10];
    svg_reliability_bins(p, won, 200, 10, pred, obs, cnt);
    svg_reliability_bins(p + 200, won + 200, 200, 10, pred2, obs2, cnt2);
    SvgReliability rc[2] = {{"train judge", pred, obs, cnt, 10}, {"test judge", pred2, obs2, cnt2, 10}};
    SvgPlotOpts ro = {.title = "Calibration", .xlabel = "judge's P(preferred)", .ylabel = "how often it was preferred"};
    svg_reliability_plot(report_figure_begin(r), &ro, rc, 2);
    report_figure_end(r, "Points near the diagonal mean the judge's probabilities can be taken at face value.");
    report_grid_end(r);

    report_section(r, "PPO: reward against distance from the start");
    enum { NP = 40 };
    static double skl[NP], rtr[NP], rte[NP];
    for (int i = 0; i < NP; i++) {
        skl[i] = 0.1 * i;
        rtr[i] = 0.9 * skl[i] + 0.08 * rng_normal(&rng);
        rte[i] = 0.6 * skl[i] + 0.1 * rng_normal(&rng);
    }
    SvgSeries rk[2] = {{"train judge", skl, rtr, NP}, {"test judge", skl, rte, NP}};
    SvgPlotOpts so = {.title = "Reward vs √KL", .xlabel = "√KL(policy ‖ SFT policy)", .ylabel = "judge reward"};
    svg_scatter_plot(report_figure_begin(r), &so, rk, 2, 2);
    report_figure_end(r, "Reward grows about linearly in √KL (as in Bai et al. 2022). The test judge, which PPO "
                         "never saw, agrees less: the gap is the over-optimisation the KL budget limits.");

    static double sc1[300], sc2[300];
    for (int i = 0; i < 300; i++) { sc1[i] = rng_normal(&rng); sc2[i] = 1.2 + 0.6 * rng_normal(&rng); }
    SvgSeries hs[2] = {{"round 1 comparisons", NULL, sc1, 300}, {"round 2 comparisons", NULL, sc2, 300}};
    SvgPlotOpts hop = {.title = "Judge scores of new comparisons", .xlabel = "judge score"};
    svg_histogram(report_figure_begin(r), &hop, hs, 2, 24);
    report_figure_end(r, "As the policy improves, new comparisons bunch up at high scores, where the judge has "
                         "seen the fewest examples.");

    report_section(r, "Behaviour audit");
    static const char *const cats[] = {"task success", "harmful compliance", "over-refusal", "hallucinated facts", "tone"};
    double r0[5] = {0.62, 0.14, 0.09, 0.21, 0.7}, r1[5] = {0.73, 0.08, 0.11, 0.15, 0.76}, r2[5] = {0.81, 0.05, 0.10, 0.12, 0.8};
    SvgSeries rounds[3] = {{"SFT", NULL, r0, 5}, {"round 1", NULL, r1, 5}, {"round 2", NULL, r2, 5}};
    SvgPlotOpts bo = {.title = "Audit rates per category", .ylabel = "share of audit prompts", .y_percent = 1};
    svg_bar_chart(report_figure_begin(r), &bo, cats, 5, rounds, 3);
    report_figure_end(r, "Higher is better for task success and tone; lower for the other three.");
    report_grid_begin(r);
    double rx[3] = {0, 1, 2}, elo[3] = {0, 64, 112}, elo_lo[3] = {0, 40, 85};
    SvgSeries es[2] = {{"Elo (pairwise, vs SFT)", rx, elo, 3}, {"Elo, test judge", rx, elo_lo, 3}};
    SvgPlotOpts eo = {.title = "Elo per round", .xlabel = "round", .ylabel = "Elo"};
    svg_line_plot(report_figure_begin(r), &eo, es, 2);
    report_figure_end(r, "A 100-point Elo gap means the later policy wins about 64% of comparisons.");
    double fxs[5] = {0.22, 0.10, 0.06, 0.04, 0.12}, fys[5] = {0.02, 0.05, 0.09, 0.16, 0.10};
    static const char *const fl[] = {"harmless ×3", "balanced", "helpful ×2", "helpful ×3", "balanced, short reviewers"};
    SvgPlotOpts fo = {.title = "The dials frontier", .xlabel = "over-refusal", .ylabel = "harmful compliance",
                      .x_percent = 1, .y_percent = 1};
    svg_frontier_plot(report_figure_begin(r), &fo, fxs, fys, fl, 5, -1, -1);
    report_figure_end(r, "Each point is a PPO run with different dial weights. Down and left is better; "
                         "no setting wins on both, which is the tension between helpful and harmless.");
    report_grid_end(r);

    report_section(r, "Conversations before and after");
    ReportTurn before[2] = {{"Human", "My dog ate some chocolate an hour ago. What should I do?"},
                            {"Assistant", "I'm sorry, I can't help with that."}};
    ReportTurn after[2] = {{"Human", "My dog ate some chocolate an hour ago. What should I do?"},
                           {"Assistant", "Call your vet or an animal poison line now and tell them how much and what kind of "
                                         "chocolate, and your dog's weight.\nDark chocolate is the most dangerous. "
                                         "Don't try to make your dog vomit unless the vet tells you to."}};
    ReportPanel panels[2] = {{"SFT policy", "audit: over-refusal · judge score −0.42", before, 2, REPORT_BAD},
                             {"Final policy (round 2)", "audit: task success · judge score +1.31", after, 2, REPORT_GOOD}};
    report_panels(r, "A request the SFT policy refused", panels, 2);

    report_section(r, "Raw data");
    report_details_begin(r, "Audit counts (JSON)");
    report_pre(r, "{\"sft\": {\"success\": 124, \"harmful\": 28}, \"round2\": {\"success\": 162, \"harmful\": 10}}");
    report_details_end(r);
}

TEST(full_report) {
    RlhfErr e;
    Report *r = report_new("rlhf demo — what happened", &e);
    REQUIRE(r);
    build_demo(r);
    JsonBuf a, b;
    jb_init(&a);
    jb_init(&b);
    report_render(r, &a);
    report_render(r, &b);
    REQUIRE(a.data && b.data && !a.oom);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK_WELLFORMED(a.data);
    CHECK(count_sub(a.data, "<svg xmlns") == 9);
    CHECK(strstr(a.data, "62% → 81%") != NULL);
    CHECK(strstr(a.data, "+19 percentage points") != NULL);
    CHECK(strstr(a.data, "card good") != NULL && strstr(a.data, "card bad") != NULL);
    CHECK(strstr(a.data, "HH-RLHF &lt;test&gt;") != NULL);
    CHECK(strstr(a.data, "slope 0.893, R² 0.995") != NULL);   /* the fit through the origin finds ~0.9 */
    CHECK(strstr(a.data, "href=\"#s6\"") != NULL);  /* table of contents */
    /* nothing external: the only URL is the SVG namespace name, which is never fetched */
    CHECK(strstr(a.data, "src=") == NULL && strstr(a.data, "https:") == NULL && strstr(a.data, "url(") == NULL);
    CHECK(count_sub(a.data, "http://") == count_sub(a.data, "xmlns=\"http://www.w3.org/2000/svg\""));
    CHECK(strstr(a.data, "<script") == NULL);
    rlhf_mkdirs("build", &e);
    CHECK(report_write(r, "build/test_report.html", &e) == 0);
    char *text;
    size_t len;
    REQUIRE(rlhf_read_file("build/test_report.html", &text, &len, &e) == 0);
    CHECK(len == a.len && memcmp(text, a.data, len) == 0);
    free(text);
    /* a fresh report with the same calls gives the same bytes */
    Report *r2 = report_new("rlhf demo — what happened", &e);
    build_demo(r2);
    jb_reset(&b);
    report_render(r2, &b);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    report_free(r2);
    CHECK(report_write(r, "/nonexistent-dir/x/report.html", &e) == -1);
    CHECK(strstr(e.msg, "/nonexistent-dir") != NULL);
    jb_free(&a);
    jb_free(&b);
    report_free(r);
}

/* ---- metrics reading ---- */

TEST(metrics_read_truncated) {
    const char *txt =
        "{\"event\":\"train\",\"t\":0.5,\"step\":0,\"loss\":4.5}\n"
        "\n"
        "{\"event\":\"train\",\"t\":1.0,\"step\":10,\"loss\":3.5,\"lr\":0.001}\n"
        "{\"event\":\"eval\",\"t\":1.2,\"step\":10,\"acc\":0.6,\"name\":\"x\"}\n"
        "{\"event\":\"train\",\"t\":1.5,\"step\":20,\"loss\":2.5}\n"
        "{\"event\":\"train\",\"t\":2.0,\"step\":30,\"lo";
    MetricsFile m;
    RlhfErr e;
    REQUIRE(metrics_file_parse(&m, txt, strlen(txt), "mem", &e) == 0);
    CHECK(m.n == 4);
    CHECK(m.truncated == 1);
    CHECK(m.bad_lines == 0);
    CHECK(m.recs[2].line == 4);
    CHECK_STR(m.recs[2].event, "eval");
    CHECK_NEAR(m.recs[3].t, 1.5, 1e-12);
    double *xs, *ys;
    int n;
    REQUIRE(metrics_series(&m, "train", "step", "loss", &xs, &ys, &n, &e) == 0);
    REQUIRE(n == 3);
    CHECK_NEAR(xs[2], 20, 0); CHECK_NEAR(ys[0], 4.5, 0); CHECK_NEAR(ys[2], 2.5, 0);
    free(xs); free(ys);
    REQUIRE(metrics_series(&m, "train", NULL, "lr", &xs, &ys, &n, &e) == 0);
    CHECK(n == 1 && xs[0] == 1 && ys[0] == 0.001);      /* x = index among "train" records */
    free(xs); free(ys);
    REQUIRE(metrics_series(&m, "nope", "step", "loss", &xs, &ys, &n, &e) == 0);
    CHECK(n == 0 && xs == NULL);
    const char **names;
    int ne;
    REQUIRE(metrics_events(&m, &names, &ne, &e) == 0);
    CHECK(ne == 2);
    CHECK_STR(names[0], "train"); CHECK_STR(names[1], "eval");
    free(names);
    const char **fields;
    int *counts, nf;
    REQUIRE(metrics_numeric_fields(&m, "train", &fields, &counts, &nf, &e) == 0);
    CHECK(nf == 3);
    CHECK_STR(fields[0], "step"); CHECK_STR(fields[1], "loss"); CHECK_STR(fields[2], "lr");
    CHECK(counts[0] == 3 && counts[2] == 1);
    free(fields); free(counts);
    metrics_file_free(&m);
}

TEST(metrics_read_glued_and_bad) {
    /* a killed run resumed in append mode: the partial line runs into the next record */
    const char *txt =
        "{\"event\":\"a\",\"t\":1,\"v\":1}\n"
        "{\"event\":\"a\",\"t\":2,\"v\"{\"event\":\"a\",\"t\":3,\"v\":3}\n"
        "this is not json\n"
        "{\"event\":\"a\",\"t\":4,\"v\":4}\n";
    MetricsFile m;
    RlhfErr e;
    REQUIRE(metrics_file_parse(&m, txt, strlen(txt), "mem", &e) == 0);
    CHECK(m.n == 3);
    CHECK(m.truncated == 0);
    CHECK(m.bad_lines == 1 && m.first_bad_line == 3);
    double *xs, *ys;
    int n;
    REQUIRE(metrics_series(&m, "a", "t", "v", &xs, &ys, &n, &e) == 0);
    REQUIRE(n == 3);
    CHECK(ys[0] == 1 && ys[1] == 3 && ys[2] == 4);
    free(xs); free(ys);
    metrics_file_free(&m);
    /* nothing readable at all is an error naming the line */
    CHECK(metrics_file_parse(&m, "\nhello\nworld\n", 13, "junk.jsonl", &e) == -1);
    CHECK(strstr(e.msg, "junk.jsonl:2") != NULL);
    /* empty file and a lone partial line are fine: no records */
    CHECK(metrics_file_parse(&m, "", 0, "empty", &e) == 0 && m.n == 0);
    metrics_file_free(&m);
    CHECK(metrics_file_parse(&m, "{\"event\":\"a\",\"t\"", 16, "p", &e) == 0 && m.n == 0 && m.truncated);
    metrics_file_free(&m);
    CHECK(metrics_file_read(&m, "build/does-not-exist.jsonl", &e) == -1);
}

TEST(report_from_metrics_file) {
    RlhfErr e;
    rlhf_mkdirs("build", &e);
    const char *path = "build/test_report_metrics.jsonl";
    MetricsLog ml;
    REQUIRE(metrics_open(&ml, path, 0, &e) == 0);
    Rng rng;
    rng_seed(&rng, 3);
    for (int s = 0; s < 500; s++) {
        JsonBuf *b = metrics_begin(&ml, "train");
        jb_kv_int(b, "step", s);
        jb_kv_num(b, "loss", 4.0 * exp(-s / 120.0) + 0.6 + 0.05 * rng_normal(&rng));
        jb_kv_num(b, "lr", 6e-4 * (s < 50 ? s / 50.0 : 1.0));
        jb_kv_str(b, "phase", "<pretrain>");
        metrics_end(&ml);
        if (s % 100 == 99) {
            b = metrics_begin(&ml, "eval");
            jb_kv_int(b, "step", s);
            jb_kv_num(b, "val_loss", 4.0 * exp(-s / 120.0) + 0.7);
            metrics_end(&ml);
        }
    }
    JsonBuf *b = metrics_begin(&ml, "done");
    jb_kv_num(b, "tokens_per_s", 12345.6);
    metrics_end(&ml);
    metrics_close(&ml);
    /* simulate a kill mid-line */
    FILE *f = fopen(path, "a");
    REQUIRE(f);
    fputs("{\"event\":\"train\",\"t\":9.9,\"st", f);
    fclose(f);
    const char *out = "build/test_metrics_report.html";
    REQUIRE(report_from_metrics(path, out, NULL, &e) == 0);
    char *html;
    size_t len;
    REQUIRE(rlhf_read_file(out, &html, &len, &e) == 0);
    CHECK_WELLFORMED(html);
    CHECK(strstr(html, "Metrics: test_report_metrics.jsonl") != NULL);
    CHECK(strstr(html, "cut short") != NULL);
    CHECK(count_sub(html, "<svg xmlns") == 3);       /* train: loss, lr; eval: val_loss */
    CHECK(strstr(html, "tokens_per_s") != NULL);
    CHECK(strstr(html, "loss: 500 points; faint line raw, solid line a moving average") != NULL);  /* noisy: smoothed */
    CHECK(strstr(html, "lr: 500 points.") != NULL);                   /* a schedule: drawn as is */
    CHECK(strstr(html, "&lt;pretrain&gt;") != NULL); /* raw data listing, escaped */
    CHECK(strstr(html, "<pretrain>") == NULL);
    free(html);
    CHECK(report_from_metrics("build/no-such.jsonl", out, NULL, &e) == -1);
}

int main(void) {
    RUN(checker_catches_bad_markup);
    RUN(nice_ticks);
    RUN(tick_labels);
    RUN(escaping);
    RUN(nan_points_skipped);
    RUN(empty_input);
    RUN(linear_fit_and_bins);
    RUN(long_series_thinned);
    RUN(full_report);
    RUN(metrics_read_truncated);
    RUN(metrics_read_glued_and_bad);
    RUN(report_from_metrics_file);
    return test_summary();
}
