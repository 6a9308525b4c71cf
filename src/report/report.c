/* report.c — see report.h. The body is built into one buffer as calls come;
 * report_render wraps it in the page (head, CSS, title, table of contents). */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/metrics_read.h"
#include "report/svg_plot.h"

struct Report {
    char *title;
    JsonBuf sub;        /* subtitle lines (escaped HTML) */
    JsonBuf body;
    JsonBuf toc;        /* <li> entries */
    int nsections;
    int table_cols;
};

static const char CSS[] =
    ":root{--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--soft:#f6f8fa;--good:#1a7f37;--bad:#cf222e;--accent:#0072B2}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-text-size-adjust:100%}\n"
    "body{margin:0;background:#fff;color:var(--ink);font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'Helvetica Neue',Arial,sans-serif}\n"
    "main{max-width:1120px;margin:0 auto;padding:36px 32px 64px}\n"
    "h1{font-size:30px;line-height:1.2;margin:0 0 6px;letter-spacing:-.01em}\n"
    ".subtitle{color:var(--muted);margin:0 0 4px}\n"
    "h2{font-size:22px;line-height:1.3;margin:44px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}\n"
    "h3{font-size:17px;margin:26px 0 8px}\n"
    "p{margin:0 0 12px;max-width:78ch}\n"
    "ul{margin:0 0 12px;padding-left:22px;max-width:78ch}\n"
    ".note{color:var(--muted);font-size:14px}\n"
    "nav.toc{margin:22px 0 8px;padding:12px 18px;background:var(--soft);border-radius:8px;font-size:15px}\n"
    "nav.toc b{display:block;margin-bottom:4px}\n"
    "nav.toc ol{margin:0;padding-left:22px;columns:2 260px}\n"
    "a{color:var(--accent)}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:12px;margin:16px 0 22px}\n"
    ".card{border:1px solid var(--line);border-left:5px solid #8c959f;border-radius:6px;padding:10px 14px}\n"
    ".card.good{border-left-color:var(--good)}\n"
    ".card.bad{border-left-color:var(--bad)}\n"
    ".card .label{font-size:13px;color:var(--muted)}\n"
    ".card .value{font-size:24px;font-weight:650;line-height:1.3;font-variant-numeric:tabular-nums}\n"
    ".card .detail{font-size:13px;color:var(--muted)}\n"
    ".card.good .detail{color:var(--good)}\n"
    ".card.bad .detail{color:var(--bad)}\n"
    ".tablewrap{overflow-x:auto;margin:8px 0 22px}\n"
    "table{border-collapse:collapse;font-size:14px;font-variant-numeric:tabular-nums}\n"
    "caption{text-align:left;font-weight:600;padding:4px 0 6px}\n"
    "th,td{padding:6px 14px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "th{background:var(--soft);font-weight:600;border-bottom-color:#afb8c1}\n"
    "td.num,th.num{text-align:right}\n"
    "tbody tr:hover{background:#fafbfc}\n"
    "figure{margin:14px 0 26px}\n"
    "figure svg{display:block;max-width:100%;height:auto}\n"
    "figcaption{font-size:14px;color:var(--muted);margin-top:6px;max-width:78ch}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:4px 28px}\n"
    ".grid figure{margin:10px 0 18px}\n"
    ".panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px;margin:10px 0 24px}\n"
    ".panel{border:1px solid var(--line);border-radius:8px;overflow:hidden}\n"
    ".panel h4{margin:0;padding:8px 14px;background:var(--soft);font-size:15px;border-bottom:1px solid var(--line)}\n"
    ".pnote{padding:6px 14px;font-size:13px;color:var(--muted);border-bottom:1px solid var(--line)}\n"
    ".pnote.good{color:var(--good)}\n"
    ".pnote.bad{color:var(--bad)}\n"
    ".turn{padding:9px 14px;border-bottom:1px solid #eef1f4}\n"
    ".turn:last-child{border-bottom:0}\n"
    ".turn .role{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}\n"
    ".turn .text{white-space:pre-wrap;overflow-wrap:anywhere}\n"
    ".turn.human{background:#f2f6fb}\n"
    ".turn.assistant .role{color:var(--accent)}\n"
    "details{margin:12px 0 20px;border:1px solid var(--line);border-radius:6px;padding:6px 14px}\n"
    "summary{cursor:pointer;font-weight:600}\n"
    "pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:10px 12px;"
    "border-radius:6px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "footer{margin-top:48px;padding-top:10px;border-top:1px solid var(--line);font-size:13px;color:var(--muted)}\n"
    "@media (max-width:640px){main{padding:20px 14px}.grid{grid-template-columns:1fr}}\n"
    "@media print{main{max-width:none;padding:0}nav.toc{display:none}h2,h3{break-after:avoid}"
    "figure,.card,.panel,tr{break-inside:avoid}a{color:inherit}tbody tr:hover{background:none}}\n";

Report *report_new(const char *title, RlhfErr *e) {
    Report *r = rlhf_calloc(1, sizeof *r, e);
    if (!r) return NULL;
    r->title = strdup(title ? title : "Run report");
    if (!r->title) { free(r); rlhf_err(e, "out of memory"); return NULL; }
    jb_init(&r->sub);
    jb_init(&r->body);
    jb_init(&r->toc);
    return r;
}

void report_free(Report *r) {
    if (!r) return;
    free(r->title);
    jb_free(&r->sub);
    jb_free(&r->body);
    jb_free(&r->toc);
    free(r);
}

#define B (&r->body)

void report_subtitle(Report *r, const char *text) {
    jb_raw(&r->sub, "<p class=\"subtitle\">");
    svg_escape(&r->sub, text);
    jb_raw(&r->sub, "</p>\n");
}

void report_section(Report *r, const char *heading) {
    r->nsections++;
    jb_printf(B, "<h2 id=\"s%d\">", r->nsections);
    svg_escape(B, heading);
    jb_raw(B, "</h2>\n");
    jb_printf(&r->toc, "<li><a href=\"#s%d\">", r->nsections);
    svg_escape(&r->toc, heading);
    jb_raw(&r->toc, "</a></li>\n");
}

void report_subsection(Report *r, const char *heading) {
    jb_raw(B, "<h3>");
    svg_escape(B, heading);
    jb_raw(B, "</h3>\n");
}

static void paragraphs(Report *r, const char *cls, const char *text) {
    if (!text) return;
    const char *p = text;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0) {
            jb_raw(B, cls ? "<p class=\"note\">" : "<p>");
            svg_escapen(B, p, n);
            jb_raw(B, "</p>\n");
        }
        if (!end) break;
        p = end + 2;
        while (*p == '\n') p++;
    }
}

void report_paragraph(Report *r, const char *text) { paragraphs(r, NULL, text); }
void report_note(Report *r, const char *text) { paragraphs(r, "note", text); }

void report_list(Report *r, const char *const *items, int n) {
    jb_raw(B, "<ul>\n");
    for (int i = 0; i < n; i++) {
        jb_raw(B, "<li>");
        svg_escape(B, items[i]);
        jb_raw(B, "</li>\n");
    }
    jb_raw(B, "</ul>\n");
}

void report_cards_begin(Report *r) { jb_raw(B, "<div class=\"cards\">\n"); }
void report_cards_end(Report *r) { jb_raw(B, "</div>\n"); }

void report_card(Report *r, const char *label, const char *value, const char *detail, int tone) {
    jb_printf(B, "<div class=\"card%s\"><div class=\"label\">", tone > 0 ? " good" : tone < 0 ? " bad" : "");
    svg_escape(B, label);
    jb_raw(B, "</div><div class=\"value\">");
    svg_escape(B, value);
    jb_raw(B, "</div>");
    if (detail) {
        jb_raw(B, "<div class=\"detail\">");
        svg_escape(B, detail);
        jb_raw(B, "</div>");
    }
    jb_raw(B, "</div>\n");
}

/* Integers print whole (steps, counts); the rest with about 3 significant digits. */
static void fmt_num(char *buf, size_t n, double v, ReportFormat fmt) {
    if (fmt == REPORT_PERCENT) { svg_format_value(buf, n, v, 1); return; }
    if (isfinite(v) && v == floor(v) && fabs(v) < 1e12) { snprintf(buf, n, "%.0f", v); return; }
    svg_format_value(buf, n, v, 0);
}

void report_card_change(Report *r, const char *label, double before, double after, ReportFormat fmt,
                        int better) {
    char a[48], b[48], value[128], detail[128];
    if (fmt == REPORT_PERCENT) {    /* same decimals on both sides: "9.0% → 10.0%", "62% → 81%" */
        int dec = fabs(before) < 0.1 || fabs(after) < 0.1 ? 1 : 0;
        snprintf(a, sizeof a, "%.*f%%", dec, before * 100);
        snprintf(b, sizeof b, "%.*f%%", dec, after * 100);
    } else {
        fmt_num(a, sizeof a, before, fmt);
        fmt_num(b, sizeof b, after, fmt);
    }
    snprintf(value, sizeof value, "%s → %s", a, b);
    double d = after - before;
    int tone = REPORT_NEUTRAL;
    if (isfinite(d) && d != 0 && better) tone = (d > 0) == (better > 0) ? REPORT_GOOD : REPORT_BAD;
    if (!isfinite(d)) snprintf(detail, sizeof detail, "no change measured");
    else if (fmt == REPORT_PERCENT) {
        double pts = d * 100;
        snprintf(detail, sizeof detail, "%s%.*f percentage points", pts > 0 ? "+" : pts < 0 ? "−" : "±",
                 fabs(pts) < 10 ? 1 : 0, fabs(pts));
    } else {
        char dv[48];
        fmt_num(dv, sizeof dv, fabs(d), fmt);
        if (before != 0 && isfinite(before))
            snprintf(detail, sizeof detail, "%s%s (%s%.0f%%)", d > 0 ? "+" : d < 0 ? "−" : "±", dv,
                     d >= 0 ? "+" : "−", fabs(d / before) * 100);
        else snprintf(detail, sizeof detail, "%s%s", d > 0 ? "+" : d < 0 ? "−" : "±", dv);
    }
    report_card(r, label, value, detail, tone);
}

/* "0.53", "-2", "+1.5e-3", "81%", " 7 " read as numbers; "62% → 81%" does not. */
static int looks_numeric(const char *s) {
    if (!s) return 0;
    while (*s == ' ') s++;
    if (!*s) return 0;
    char *end;
    strtod(s, &end);
    if (end == s) return 0;
    if (*end == '%') end++;
    while (*end == ' ') end++;
    return *end == 0;
}

void report_table_begin(Report *r, const char *caption, const char *const *header, int ncols) {
    r->table_cols = ncols;
    jb_raw(B, "<div class=\"tablewrap\"><table>\n");
    if (caption) { jb_raw(B, "<caption>"); svg_escape(B, caption); jb_raw(B, "</caption>\n"); }
    if (header) {
        jb_raw(B, "<thead><tr>");
        for (int c = 0; c < ncols; c++) {
            jb_raw(B, c > 0 ? "<th class=\"num\">" : "<th>");
            svg_escape(B, header[c]);
            jb_raw(B, "</th>");
        }
        jb_raw(B, "</tr></thead>\n");
    }
    jb_raw(B, "<tbody>\n");
}

void report_table_row(Report *r, const char *const *cells) {
    jb_raw(B, "<tr>");
    for (int c = 0; c < r->table_cols; c++) {
        jb_raw(B, looks_numeric(cells[c]) ? "<td class=\"num\">" : "<td>");
        svg_escape(B, cells[c]);
        jb_raw(B, "</td>");
    }
    jb_raw(B, "</tr>\n");
}

void report_table_row_nums(Report *r, const char *label, const double *vals, int n, ReportFormat fmt) {
    char buf[48];
    jb_raw(B, "<tr><td>");
    svg_escape(B, label);
    jb_raw(B, "</td>");
    for (int i = 0; i < n; i++) {
        fmt_num(buf, sizeof buf, vals[i], fmt);
        jb_printf(B, "<td class=\"num\">%s</td>", buf);
    }
    jb_raw(B, "</tr>\n");
}

void report_table_end(Report *r) { jb_raw(B, "</tbody></table></div>\n"); }

JsonBuf *report_figure_begin(Report *r) {
    jb_raw(B, "<figure>\n");
    return B;
}

void report_figure_end(Report *r, const char *caption) {
    if (caption) { jb_raw(B, "<figcaption>"); svg_escape(B, caption); jb_raw(B, "</figcaption>\n"); }
    jb_raw(B, "</figure>\n");
}

void report_grid_begin(Report *r) { jb_raw(B, "<div class=\"grid\">\n"); }
void report_grid_end(Report *r) { jb_raw(B, "</div>\n"); }

static int is_human(const char *role) {
    return role && (strcasecmp(role, "human") == 0 || strcasecmp(role, "user") == 0 ||
                    strcasecmp(role, "person") == 0);
}

void report_panels(Report *r, const char *heading, const ReportPanel *panels, int n) {
    if (heading) report_subsection(r, heading);
    jb_raw(B, "<div class=\"panels\">\n");
    for (int i = 0; i < n; i++) {
        const ReportPanel *p = &panels[i];
        jb_raw(B, "<div class=\"panel\"><h4>");
        svg_escape(B, p->label);
        jb_raw(B, "</h4>\n");
        if (p->note) {
            jb_printf(B, "<div class=\"pnote%s\">", p->tone > 0 ? " good" : p->tone < 0 ? " bad" : "");
            svg_escape(B, p->note);
            jb_raw(B, "</div>\n");
        }
        for (int t = 0; t < p->nturns; t++) {
            int h = is_human(p->turns[t].role);
            jb_printf(B, "<div class=\"turn %s\"><div class=\"role\">", h ? "human" : "assistant");
            svg_escape(B, p->turns[t].role ? p->turns[t].role : "Assistant");
            jb_raw(B, "</div><div class=\"text\">");
            svg_escape(B, p->turns[t].text);
            jb_raw(B, "</div></div>\n");
        }
        jb_raw(B, "</div>\n");
    }
    jb_raw(B, "</div>\n");
}

void report_details_begin(Report *r, const char *summary) {
    jb_raw(B, "<details><summary>");
    svg_escape(B, summary);
    jb_raw(B, "</summary>\n");
}

void report_details_end(Report *r) { jb_raw(B, "</details>\n"); }

void report_pre(Report *r, const char *text) {
    jb_raw(B, "<pre>");
    svg_escape(B, text);
    jb_raw(B, "</pre>\n");
}

void report_raw_html(Report *r, const char *html) { jb_raw(B, html); }

#undef B

void report_render(const Report *r, JsonBuf *out) {
    jb_raw(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    svg_escape(out, r->title);
    jb_raw(out, "</title>\n<style>\n");
    jb_raw(out, CSS);
    jb_raw(out, "</style>\n</head>\n<body>\n<main>\n<h1>");
    svg_escape(out, r->title);
    jb_raw(out, "</h1>\n");
    if (r->sub.len) jb_rawn(out, r->sub.data, r->sub.len);
    if (r->nsections >= 2) {
        jb_raw(out, "<nav class=\"toc\"><b>Contents</b><ol>\n");
        jb_rawn(out, r->toc.data, r->toc.len);
        jb_raw(out, "</ol></nav>\n");
    }
    if (r->body.len) jb_rawn(out, r->body.data, r->body.len);
    jb_raw(out, "<footer>Written by rlhf.c. One self-contained file: plots are inline SVG; "
                "hover a point for its value.</footer>\n</main>\n</body>\n</html>\n");
}

int report_write(const Report *r, const char *path, RlhfErr *e) {
    if (r->body.oom || r->sub.oom || r->toc.oom) return rlhf_err(e, "%s: out of memory building the report", path);
    JsonBuf out;
    jb_init(&out);
    report_render(r, &out);
    if (out.oom) { jb_free(&out); return rlhf_err(e, "%s: out of memory rendering the report", path); }
    int rc = rlhf_write_file_atomic(path, out.data, out.len, e);
    jb_free(&out);
    return rc;
}

/* ------------------------------------------------------ metrics report --- */

/* Compact JSON of v (for the raw-data listing). */
static void json_write(JsonBuf *b, const JsonValue *v) {
    switch (v->type) {
    case JSON_NULL: jb_raw(b, "null"); break;
    case JSON_BOOL: jb_raw(b, v->boolean ? "true" : "false"); break;
    case JSON_NUMBER: jb_num(b, v->number); break;
    case JSON_STRING: jb_strn(b, v->str, v->len); break;
    case JSON_ARRAY:
        jb_raw(b, "[");
        for (size_t i = 0; i < v->len; i++) { if (i) jb_raw(b, ", "); json_write(b, v->items[i]); }
        jb_raw(b, "]");
        break;
    case JSON_OBJECT:
        jb_raw(b, "{");
        for (size_t i = 0; i < v->len; i++) {
            if (i) jb_raw(b, ", ");
            jb_str(b, v->keys[i]);
            jb_raw(b, ": ");
            json_write(b, v->items[i]);
        }
        jb_raw(b, "}");
        break;
    }
}

static void fmt_duration(char *buf, size_t n, double s) {
    if (!isfinite(s)) snprintf(buf, n, "–");
    else if (s < 120) snprintf(buf, n, "%.1f s", s);
    else if (s < 7200) snprintf(buf, n, "%.1f min", s / 60);
    else snprintf(buf, n, "%.1f h", s / 3600);
}

/* One event: a summary table, then a grid of plots of each field. */
static int event_section(Report *r, const MetricsFile *m, const char *ev, RlhfErr *e) {
    const char **fields;
    int *counts, nf;
    if (metrics_numeric_fields(m, ev, &fields, &counts, &nf, e)) return -1;
    int nrec = metrics_count(m, ev);
    char head[256], buf[256];
    snprintf(head, sizeof head, "%s", ev[0] ? ev : "(no event name)");
    report_section(r, head);
    const char *xkey = "t";
    for (int i = 0; i < nf; i++)
        if (strcmp(fields[i], "step") == 0 && counts[i] * 2 >= nrec) xkey = "step";
    snprintf(buf, sizeof buf, "%d record%s with event \"%s\"%s%s.", nrec, nrec == 1 ? "" : "s", ev,
             nrec > 1 ? "; plots are against " : "", nrec > 1 ? (strcmp(xkey, "step") == 0 ? "step" : "time since the run started (t, seconds)") : "");
    report_note(r, buf);
    if (nf == 0) { free(fields); free(counts); return 0; }

    static const char *const hdr[] = {"field", "records", "first", "last", "min", "max"};
    report_table_begin(r, NULL, hdr, 6);
    for (int i = 0; i < nf; i++) {
        double *xs, *ys;
        int n;
        if (metrics_series(m, ev, NULL, fields[i], &xs, &ys, &n, e)) { free(fields); free(counts); return -1; }
        double mn = INFINITY, mx = -INFINITY;
        for (int k = 0; k < n; k++) if (isfinite(ys[k])) { mn = fmin(mn, ys[k]); mx = fmax(mx, ys[k]); }
        char c1[48], c2[48], c3[48], c4[48], c0[32];
        snprintf(c0, sizeof c0, "%d", n);
        fmt_num(c1, sizeof c1, n ? ys[0] : NAN, REPORT_NUMBER);
        fmt_num(c2, sizeof c2, n ? ys[n - 1] : NAN, REPORT_NUMBER);
        fmt_num(c3, sizeof c3, isfinite(mn) ? mn : NAN, REPORT_NUMBER);
        fmt_num(c4, sizeof c4, isfinite(mx) ? mx : NAN, REPORT_NUMBER);
        const char *row[6] = {fields[i], c0, c1, c2, c3, c4};
        report_table_row(r, row);
        free(xs); free(ys);
    }
    report_table_end(r);

    if (nrec > 1) {
        enum { MAX_PLOTS = 32 };
        int plotted = 0;
        report_grid_begin(r);
        for (int i = 0; i < nf && plotted < MAX_PLOTS; i++) {
            if (strcmp(fields[i], xkey) == 0 || counts[i] < 2) continue;
            double *xs, *ys;
            int n;
            if (metrics_series(m, ev, xkey, fields[i], &xs, &ys, &n, e)) { free(fields); free(counts); return -1; }
            if (n < 2) { free(xs); free(ys); continue; }
            double mn = INFINITY, mx = -INFINITY;
            for (int k = 0; k < n; k++) if (isfinite(ys[k])) { mn = fmin(mn, ys[k]); mx = fmax(mx, ys[k]); }
            SvgPlotOpts o = {0};
            o.title = fields[i];
            o.xlabel = strcmp(xkey, "step") == 0 ? "step" : "seconds";
            o.width = 560; o.height = 320;
            o.log_y = mn > 0 && mx / mn >= 100;   /* losses spanning decades */
            /* smooth only noisy series: the path length is far above the range
             * (a schedule like lr would only be distorted by smoothing) */
            double tv = 0;
            for (int k = 1; k < n; k++) if (isfinite(ys[k]) && isfinite(ys[k - 1])) tv += fabs(ys[k] - ys[k - 1]);
            int noisy = mx > mn && tv > 4 * (mx - mn);
            /* average over about 1/60 of the series (at least 5 points), so
             * the smoothed line looks alike however long the run was */
            o.smooth = noisy && n > 30 ? (n / 60 > 5 ? n / 60 : 5) : 0;
            SvgSeries s = {NULL, xs, ys, n};
            svg_line_plot(report_figure_begin(r), &o, &s, 1);
            snprintf(buf, sizeof buf, "%s: %d points%s%s.", fields[i], n, o.log_y ? ", log scale" : "",
                     o.smooth > 0 ? "; faint line raw, solid line a moving average" : "");
            report_figure_end(r, buf);
            free(xs); free(ys);
            plotted++;
        }
        report_grid_end(r);
        if (plotted == MAX_PLOTS) report_note(r, "More fields than plots shown; see the table above for the rest.");
    }
    free(fields);
    free(counts);
    return 0;
}

int report_from_metrics(const char *metrics_path, const char *out_html, const char *title, RlhfErr *e) {
    MetricsFile m;
    if (metrics_file_read(&m, metrics_path, e)) return -1;
    const char *base = strrchr(metrics_path, '/');
    base = base ? base + 1 : metrics_path;
    char tbuf[512], buf[512];
    snprintf(tbuf, sizeof tbuf, "Metrics: %s", base);
    Report *r = report_new(title ? title : tbuf, e);
    if (!r) { metrics_file_free(&m); return -1; }
    const char **events;
    int nev;
    if (metrics_events(&m, &events, &nev, e)) { report_free(r); metrics_file_free(&m); return -1; }
    report_subtitle(r, metrics_path);

    report_section(r, "Overview");
    report_paragraph(r, "Every run writes one JSON object per event to its metrics file (one line each). "
                        "This page shows, for each kind of event, its numeric fields as a table and as a "
                        "plot over the run.");
    double tmax = NAN;
    for (int i = 0; i < m.n; i++) if (isfinite(m.recs[i].t) && !(m.recs[i].t <= tmax)) tmax = m.recs[i].t;
    report_cards_begin(r);
    snprintf(buf, sizeof buf, "%d", m.n);
    report_card(r, "records", buf, NULL, REPORT_NEUTRAL);
    snprintf(buf, sizeof buf, "%d", nev);
    report_card(r, "kinds of event", buf, NULL, REPORT_NEUTRAL);
    fmt_duration(buf, sizeof buf, tmax);
    report_card(r, "last record at", buf, "time since the run started", REPORT_NEUTRAL);
    report_cards_end(r);
    if (m.truncated)
        report_note(r, "The last line was cut short (the run was probably stopped while writing it) and is left out.");
    if (m.bad_lines) {
        snprintf(buf, sizeof buf, "%d line%s could not be read and %s left out (first at line %d).", m.bad_lines,
                 m.bad_lines == 1 ? "" : "s", m.bad_lines == 1 ? "is" : "are", m.first_bad_line);
        report_note(r, buf);
    }
    if (m.n == 0) report_paragraph(r, "The file holds no records yet.");

    int rc = 0;
    for (int i = 0; i < nev && rc == 0; i++) rc = event_section(r, &m, events[i], e);

    if (rc == 0 && m.n > 0) {
        report_section(r, "Raw data");
        int show = m.n < 40 ? m.n : 40;
        snprintf(buf, sizeof buf, "The first %d of %d records", show, m.n);
        report_details_begin(r, buf);
        JsonBuf raw;
        jb_init(&raw);
        for (int i = 0; i < show; i++) {
            jb_printf(&raw, "%d: ", m.recs[i].line);
            json_write(&raw, m.recs[i].obj);
            jb_raw(&raw, "\n");
        }
        if (raw.data) report_pre(r, raw.data);
        jb_free(&raw);
        report_details_end(r);
    }
    free(events);
    if (rc == 0) rc = report_write(r, out_html, e);
    report_free(r);
    metrics_file_free(&m);
    return rc;
}
