/* svg_plot.h — small, deterministic SVG charts for run reports.
 *
 * Every function appends one complete <svg> element to a JsonBuf (used here as
 * a plain growable string). Input is plain C arrays; NaN/inf points are
 * skipped, empty input draws an empty frame that says "no data", and all text
 * is escaped, so labels may hold <, & and quotes. The same input always gives
 * the same bytes (no clocks, no randomness, fixed number formats), which keeps
 * reports diffable and testable.
 *
 *   SvgPlotOpts o = {.title = "Loss", .xlabel = "step", .ylabel = "nats"};
 *   SvgSeries s[2] = {{"train", steps, train_loss, n}, {"val", vsteps, val_loss, nv}};
 *   svg_line_plot(&buf, &o, s, 2);
 *
 * Colours are the Okabe–Ito palette (distinguishable with the common forms of
 * colour blindness); series also differ by marker shape. */
#ifndef RLHF_SVG_PLOT_H
#define RLHF_SVG_PLOT_H

#include "util/json.h"

typedef struct SvgPlotOpts {
    const char *title;
    const char *xlabel, *ylabel;
    int width, height;          /* pixels of the viewBox; 0 → 640 × 360 */
    int log_y;                  /* log10 y axis; y <= 0 points are skipped */
    int x_percent, y_percent;   /* tick and value labels as percentages (0.25 → "25%") */
    int fix_x, fix_y;           /* use [x_lo, x_hi] / [y_lo, y_hi] instead of the data range */
    double x_lo, x_hi, y_lo, y_hi;
    int smooth;                 /* line plots: > 1: centred moving average over this many points drawn
                                   solid, the raw series faintly (no lag, unlike an EMA) */
} SvgPlotOpts;

/* One named series. x may be NULL (then x = 0, 1, ..., n-1). */
typedef struct SvgSeries {
    const char *name;
    const double *x;
    const double *y;
    int n;
} SvgSeries;

/* Line plot; points of each series are joined in array order. */
void svg_line_plot(JsonBuf *b, const SvgPlotOpts *o, const SvgSeries *s, int ns);

/* Scatter plot. fit = 1: least-squares line y = a + b·x per series, drawn over
 * the series' x range, slope and R² written in the legend; fit = 2: the same
 * through the origin (y = b·x), as for reward against sqrt(KL). */
void svg_scatter_plot(JsonBuf *b, const SvgPlotOpts *o, const SvgSeries *s, int ns, int fit);

/* Histograms of each series' y values (x ignored) over shared equal-width
 * bins spanning all series (nbins <= 0 → 20), drawn as overlaid outlines
 * with a light fill, y = share of the series' finite values per bin — e.g.
 * judge scores of the new comparisons in each round. */
void svg_histogram(JsonBuf *b, const SvgPlotOpts *o, const SvgSeries *s, int ns, int nbins);

/* Grouped bars: groups[g] names a category on the x axis; series i draws one
 * bar per category with height s[i].y[g] (s[i].x is ignored; s[i].n must be
 * >= ngroups, missing/NaN values leave a gap). */
void svg_bar_chart(JsonBuf *b, const SvgPlotOpts *o, const char *const *groups, int ngroups,
                   const SvgSeries *s, int ns);

/* Reliability (calibration) diagram. Each curve gives, per bin, the mean
 * predicted probability, the observed frequency and the bin's count (bins with
 * count 0 are skipped). Axes are fixed to [0, 1]; the diagonal is perfect
 * calibration; marker area grows with the count; the legend gives each curve's
 * expected calibration error (count-weighted mean |predicted − observed|). */
typedef struct SvgReliability {
    const char *name;
    const double *pred;     /* [nbins] mean predicted probability in the bin */
    const double *obs;      /* [nbins] observed frequency in the bin */
    const int *count;       /* [nbins] */
    int nbins;
} SvgReliability;
void svg_reliability_plot(JsonBuf *b, const SvgPlotOpts *o, const SvgReliability *c, int nc);

/* Bins raw (p[i], outcome[i] ∈ {0,1}) pairs into nbins equal-width bins of
 * [0, 1]; fills pred/obs/count [nbins]. NaN p are skipped. Returns the ECE. */
double svg_reliability_bins(const double *p, const int *outcome, int n, int nbins,
                            double *pred, double *obs, int *count);

/* Heat-map table: v[r*ncols + c] coloured on a light→dark blue scale over
 * [vmin, vmax] (NaN bounds → the data range), value printed in each cell
 * (NaN cells grey with "–"). Uses y_percent for the cell text. */
void svg_heatmap(JsonBuf *b, const SvgPlotOpts *o, const char *const *rows, int nrows,
                 const char *const *cols, int ncols, const double *v, double vmin, double vmax);

/* Labelled points (e.g. dial settings at x = over-refusal, y = harmful
 * compliance). better_x/better_y: -1 when lower is better, +1 when higher is
 * better. The Pareto-optimal points are joined by a line and drawn solid; the
 * dominated ones are drawn hollow. */
void svg_frontier_plot(JsonBuf *b, const SvgPlotOpts *o, const double *x, const double *y,
                       const char *const *labels, int n, int better_x, int better_y);

/* ---- helpers, public for tests and for report.c ---- */

/* "Nice" ticks (1, 2, 5 × 10^k steps) covering [lo, hi] with about `target`
 * ticks: out[0] <= lo, out[count-1] >= hi. Returns count (<= max_out); *step
 * receives the spacing. */
int svg_nice_ticks(double lo, double hi, int target, double *out, int max_out, double *step);
/* Tick label for v given the tick spacing (decimals follow the step; no "-0"). */
void svg_format_tick(char *buf, size_t n, double v, double step, int percent);
/* A value label with about 3 significant digits (percent → "12.5%"). */
void svg_format_value(char *buf, size_t n, double v, int percent);
/* Least squares y = a + b·x over the finite pairs (through_origin: a = 0).
 * Returns the number of pairs used; r2 is the coefficient of determination. */
int svg_linear_fit(const double *x, const double *y, int n, int through_origin,
                   double *a, double *bslope, double *r2);
/* Appends s HTML/XML-escaped (& < > " '), control characters as spaces and
 * invalid UTF-8 bytes as U+FFFD, so the output is always valid UTF-8 text. */
void svg_escape(JsonBuf *b, const char *s);
void svg_escapen(JsonBuf *b, const char *s, size_t n);
/* Palette colour i (wraps), e.g. "#0072B2". */
const char *svg_color(int i);

#endif
