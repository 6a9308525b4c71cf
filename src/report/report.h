/* report.h — builds one self-contained HTML page that a person opens after a
 * run: headings, explanatory text, key-number cards, tables, inline SVG plots,
 * side-by-side conversations and raw data behind <details>. No external
 * assets and no JavaScript; inline CSS that also prints cleanly.
 *
 *   Report *r = report_new("PPO run 3", &e);
 *   report_section(r, "What happened");
 *   report_paragraph(r, "The policy was optimised against the judge ...");
 *   report_cards_begin(r);
 *   report_card_change(r, "Task success", 0.62, 0.81, REPORT_PERCENT, +1);
 *   report_cards_end(r);
 *   JsonBuf *svg = report_figure_begin(r);
 *   svg_line_plot(svg, &opts, series, 2);
 *   report_figure_end(r, "Judge loss falls as ...");
 *   report_write(r, "run/report.html", &e);
 *   report_free(r);
 *
 * All text arguments are plain text and are escaped (labels may hold <, &,
 * quotes; invalid UTF-8 becomes U+FFFD). Output is deterministic: the report
 * contains no clock; pass dates in via report_subtitle if wanted. A table of
 * contents of the sections is put at the top when the page is written. */
#ifndef RLHF_REPORT_H
#define RLHF_REPORT_H

#include "util/common.h"
#include "util/json.h"

typedef struct Report Report;

Report *report_new(const char *title, RlhfErr *e);
void report_free(Report *r);

/* A line under the title (e.g. the command and date of the run). */
void report_subtitle(Report *r, const char *text);
/* <h2> starting a section (listed in the table of contents) / <h3>. */
void report_section(Report *r, const char *heading);
void report_subsection(Report *r, const char *heading);
/* A paragraph; blank lines ("\n\n") start a new paragraph. */
void report_paragraph(Report *r, const char *text);
/* A muted, smaller note (caveats, how a number was computed). */
void report_note(Report *r, const char *text);
/* A bulleted list. */
void report_list(Report *r, const char *const *items, int n);

/* Key-number cards, laid out in a row. tone: +1 good (green edge), -1 bad
 * (red edge), 0 neutral. detail may be NULL. */
enum { REPORT_NEUTRAL = 0, REPORT_GOOD = 1, REPORT_BAD = -1 };
void report_cards_begin(Report *r);
void report_card(Report *r, const char *label, const char *value, const char *detail, int tone);
/* "62% → 81%" with the tone from the direction: better = +1 when higher is
 * better, -1 when lower is better (0: neutral). The change is the detail. */
typedef enum { REPORT_NUMBER = 0, REPORT_PERCENT = 1 } ReportFormat;
void report_card_change(Report *r, const char *label, double before, double after, ReportFormat fmt,
                        int better);
void report_cards_end(Report *r);

/* Tables: header of ncols, then rows of ncols cells. Cells that read as
 * numbers ("0.53", "-2", "81%", "1.2e-3") are right-aligned. */
void report_table_begin(Report *r, const char *caption, const char *const *header, int ncols);
void report_table_row(Report *r, const char *const *cells);
/* A row with a text label and n numbers formatted as in the cards. */
void report_table_row_nums(Report *r, const char *label, const double *vals, int n, ReportFormat fmt);
void report_table_end(Report *r);

/* Figures: write one SVG (svg_plot.h) into the returned buffer, then close
 * with a caption (may be NULL). Consecutive figures inside a
 * report_grid_begin/end pair sit side by side when the page is wide enough. */
JsonBuf *report_figure_begin(Report *r);
void report_figure_end(Report *r, const char *caption);
void report_grid_begin(Report *r);
void report_grid_end(Report *r);

/* Conversations side by side (e.g. the SFT policy and the final policy on the
 * same prompt). role "Human"/"User" is drawn as the person, anything else as
 * the assistant; text keeps its line breaks. */
typedef struct ReportTurn { const char *role; const char *text; } ReportTurn;
typedef struct ReportPanel {
    const char *label;          /* "SFT policy" */
    const char *note;           /* "judge score −0.4 · audit: over-refusal" (may be NULL) */
    const ReportTurn *turns;
    int nturns;
    int tone;                   /* REPORT_GOOD / REPORT_BAD / REPORT_NEUTRAL: colours the note */
} ReportPanel;
void report_panels(Report *r, const char *heading, const ReportPanel *panels, int n);

/* Raw data folded away: <details><summary>summary</summary> ... </details>.
 * Anything may go in between; report_pre writes preformatted text. */
void report_details_begin(Report *r, const char *summary);
void report_details_end(Report *r);
void report_pre(Report *r, const char *text);

/* Trusted HTML, written as is (for callers composing their own markup). */
void report_raw_html(Report *r, const char *html);

/* The whole page into out (appended). */
void report_render(const Report *r, JsonBuf *out);
/* Renders and writes atomically (temp file + rename). */
int report_write(const Report *r, const char *path, RlhfErr *e);

/* A generic report of a metrics JSONL file (util/metrics.h): per event, a
 * table of the numeric fields (first, last, min, max) and one line plot per
 * numeric field against "step" when the event has one, else against "t".
 * Events seen once are shown as a table only. title NULL → the file name. */
int report_from_metrics(const char *metrics_path, const char *out_html, const char *title, RlhfErr *e);

#endif
