/* svg_plot.c — see svg_plot.h.
 *
 * Every chart shares one layout: a Frame holds the viewBox size, the margins
 * around the plot area and the data range; fx/fy map data to pixels. Data are
 * drawn inside a nested <svg> viewport, which clips without needing an id
 * (ids would have to be unique across all the plots of one HTML page). */
#include "report/svg_plot.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FONT "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
#define INK "#222"
#define MUTED "#666"
#define GRID "#e6e6e6"
#define MAX_TICKS 64

/* ---------------------------------------------------------------- text --- */

static const char *const PALETTE[] = {
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#666666",
};

const char *svg_color(int i) {
    int n = (int)RLHF_ARRAY_LEN(PALETTE);
    return PALETTE[((i % n) + n) % n];
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

void svg_escapen(JsonBuf *b, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;     /* bytes of plain text pending, written in one call */
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        const char *rep = NULL;
        size_t adv = 1;
        if (c == '&') rep = "&amp;";
        else if (c == '<') rep = "&lt;";
        else if (c == '>') rep = "&gt;";
        else if (c == '"') rep = "&quot;";
        else if (c == '\'') rep = "&#39;";
        else if (c < 0x20 && c != '\n' && c != '\t') rep = " ";   /* not allowed in XML */
        else if (c == 0x7F) rep = " ";
        else if (c >= 0x80) {
            adv = utf8_len(p + i, n - i);
            if (!adv) { rep = "\xEF\xBF\xBD"; adv = 1; }
        }
        if (rep) {
            if (run) jb_rawn(b, s + i - run, run);
            run = 0;
            jb_raw(b, rep);
        } else {
            run += adv;
        }
        i += adv;
    }
    if (run) jb_rawn(b, s + n - run, run);
}

void svg_escape(JsonBuf *b, const char *s) { if (s) svg_escapen(b, s, strlen(s)); }

/* Approximate rendered width of s at font size `size` (code points × 0.58 em). */
static double text_w(const char *s, double size) {
    if (!s) return 0;
    size_t cps = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) cps++;
    return (double)cps * size * 0.58;
}

/* Coordinates with one decimal; never "-0.0" so output is byte-stable. */
static void num(JsonBuf *b, double v) {
    if (fabs(v) < 0.05) v = 0;
    jb_printf(b, "%.1f", v);
}

static void text(JsonBuf *b, double x, double y, const char *anchor, double size, const char *fill,
                 const char *extra, const char *s) {
    jb_raw(b, "<text x=\""); num(b, x); jb_raw(b, "\" y=\""); num(b, y); jb_raw(b, "\"");
    if (anchor && strcmp(anchor, "start") != 0) jb_printf(b, " text-anchor=\"%s\"", anchor);
    if (size != 12) jb_printf(b, " font-size=\"%g\"", size);
    if (fill && strcmp(fill, INK) != 0) jb_printf(b, " fill=\"%s\"", fill);
    if (extra) { jb_raw(b, " "); jb_raw(b, extra); }
    jb_raw(b, ">");
    svg_escape(b, s);
    jb_raw(b, "</text>\n");
}

/* --------------------------------------------------------- number format --- */

void svg_format_tick(char *buf, size_t n, double v, double step, int percent) {
    if (!isfinite(v)) { snprintf(buf, n, "–"); return; }
    if (percent) { v *= 100; step *= 100; }
    if (fabs(v) < fabs(step) * 1e-9) v = 0;
    double av = fabs(v);
    if (av >= 1e6 || (av > 0 && av < 1e-4)) {
        snprintf(buf, n, "%.3g%s", v, percent ? "%" : "");
        return;
    }
    /* decimals: the fewest that show the step exactly (0.2 → 1, 0.25 → 2, 2.5 → 1) */
    int dec = 0;
    if (step > 0)
        while (dec < 8) {
            double scaled = step * pow(10, dec);
            if (fabs(scaled - floor(scaled + 0.5)) <= 1e-6 * scaled) break;
            dec++;
        }
    snprintf(buf, n, "%.*f%s", dec, v, percent ? "%" : "");
    if (strcmp(buf, "-0") == 0 || strncmp(buf, "-0.", 3) == 0) {
        /* rounding made a negative zero: drop the sign if all digits are 0 */
        int allzero = 1;
        for (const char *p = buf + 1; *p; p++) if (*p >= '1' && *p <= '9') allzero = 0;
        if (allzero) memmove(buf, buf + 1, strlen(buf));
    }
}

void svg_format_value(char *buf, size_t n, double v, int percent) {
    if (!isfinite(v)) { snprintf(buf, n, "–"); return; }
    if (percent) {
        double p = v * 100;
        if (fabs(p) >= 10 || p == 0) snprintf(buf, n, "%.0f%%", p);
        else snprintf(buf, n, "%.1f%%", p);
        return;
    }
    double av = fabs(v);
    if (av == 0) snprintf(buf, n, "0");
    else if (av >= 1e5 || av < 1e-5) snprintf(buf, n, "%.2e", v);
    else if (av < 1e-3) snprintf(buf, n, "%.3g", v);      /* 0.0006, 1.23e-05 */
    else if (av >= 100) snprintf(buf, n, "%.0f", v);
    else if (av >= 10) snprintf(buf, n, "%.1f", v);
    else if (av >= 1) snprintf(buf, n, "%.2f", v);
    else snprintf(buf, n, "%.3f", v);
}

static double nice_num(double x, int round_it) {
    double ex = floor(log10(x));
    double f = x / pow(10, ex), nf;
    if (round_it) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * pow(10, ex);
}

int svg_nice_ticks(double lo, double hi, int target, double *out, int max_out, double *step) {
    if (!isfinite(lo) || !isfinite(hi) || max_out < 2) { if (step) *step = 1; return 0; }
    if (hi < lo) { double t = lo; lo = hi; hi = t; }
    if (hi - lo < 1e-12 * (fabs(lo) + fabs(hi)) || hi == lo) {
        double d = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= d; hi += d;
    }
    if (target < 2) target = 2;
    double st = nice_num(nice_num(hi - lo, 0) / (target - 1), 1);
    double start = floor(lo / st + 1e-9) * st, end = ceil(hi / st - 1e-9) * st;
    int count = (int)floor((end - start) / st + 0.5) + 1;
    while (count > max_out) {       /* too many for the caller's array: coarser steps */
        st = nice_num(st * 1.5, 1);
        start = floor(lo / st + 1e-9) * st; end = ceil(hi / st - 1e-9) * st;
        count = (int)floor((end - start) / st + 0.5) + 1;
    }
    for (int i = 0; i < count; i++) {
        double v = start + i * st;
        if (fabs(v) < st * 1e-9) v = 0;
        out[i] = v;
    }
    if (step) *step = st;
    return count;
}

/* Decade ticks in log10 space covering [lo10, hi10]; 2 and 5 added for short ranges. */
static int log_ticks(double lo10, double hi10, double *out, int max_out) {
    int a = (int)floor(lo10 + 1e-9), z = (int)ceil(hi10 - 1e-9);
    if (z <= a) z = a + 1;
    int every = 1;
    while ((z - a) / every + 1 > 8) every++;
    int n = 0;
    if (z - a <= 2) {
        static const double mult[] = {1, 2, 5};
        for (int k = a; k <= z && n < max_out; k++)
            for (int m = 0; m < 3 && n < max_out; m++) {
                double v = k + log10(mult[m]);
                if (v > z + 1e-9) break;
                out[n++] = v;
            }
    } else {
        for (int k = a - ((a % every) + every) % every; k <= z + every - 1 && n < max_out; k += every) {
            out[n++] = k;
            if (k >= z) break;
        }
    }
    return n;
}

int svg_linear_fit(const double *x, const double *y, int n, int through_origin,
                   double *a, double *bslope, double *r2) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i]; m++;
    }
    double ia = 0, ib = 0;
    if (m > 0) {
        if (through_origin) ib = sxx > 0 ? sxy / sxx : 0;
        else {
            double den = m * sxx - sx * sx;
            ib = den != 0 ? (m * sxy - sx * sy) / den : 0;
            ia = (sy - ib * sx) / m;
        }
    }
    double mean = m ? sy / m : 0, ssr = 0, sst = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double r = y[i] - (ia + ib * x[i]), d = y[i] - mean;
        ssr += r * r; sst += d * d;
    }
    if (a) *a = ia;
    if (bslope) *bslope = ib;
    if (r2) *r2 = sst > 0 ? 1 - ssr / sst : (m > 0 ? 1 : NAN);
    return m;
}

/* ----------------------------------------------------------------- frame --- */

typedef struct Frame {
    double W, H;
    double l, r, t, bt;        /* margins */
    double x0, x1, y0, y1;     /* axis range; y in log10 space when logy */
    int logy, xpct, ypct;
    double xt[MAX_TICKS], yt[MAX_TICKS], xstep, ystep;
    int nxt, nyt;
    double legend_y;           /* baseline of the first legend row */
} Frame;

static double fx(const Frame *f, double x) { return f->l + (x - f->x0) / (f->x1 - f->x0) * (f->W - f->l - f->r); }
static double fy(const Frame *f, double y) {
    if (f->logy) y = log10(y);
    return f->H - f->bt - (y - f->y0) / (f->y1 - f->y0) * (f->H - f->t - f->bt);
}
static int ok_y(const Frame *f, double y) { return isfinite(y) && (!f->logy || y > 0); }

/* Range of the finite values in v[0..n) into [*lo, *hi] (widened, not reset). */
static void widen(const double *v, int n, int logy, double *lo, double *hi) {
    for (int i = 0; i < n; i++) {
        double t = v ? v[i] : i;
        if (!isfinite(t) || (logy && t <= 0)) continue;
        if (logy) t = log10(t);
        if (t < *lo) *lo = t;
        if (t > *hi) *hi = t;
    }
}

/* Sets the x ticks over [lo, hi]. tight: the axis is the data range and ticks
 * outside it are dropped (line plots over steps); else the axis grows to ticks. */
static void set_x(Frame *f, double lo, double hi, int tight, int integer) {
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi)) { lo = 0; hi = 1; }
    if (hi == lo) { double d = lo == 0 ? 1 : fabs(lo) * 0.1; lo -= d; hi += d; }
    double t[MAX_TICKS] = {0};
    int n = svg_nice_ticks(lo, hi, 7, t, MAX_TICKS, &f->xstep);
    f->nxt = 0;
    if (tight) {
        f->x0 = lo; f->x1 = hi;
        double eps = (hi - lo) * 1e-9;
        for (int i = 0; i < n; i++) if (t[i] >= lo - eps && t[i] <= hi + eps) f->xt[f->nxt++] = t[i];
    } else {
        f->x0 = t[0]; f->x1 = t[n - 1];
        for (int i = 0; i < n; i++) f->xt[f->nxt++] = t[i];
    }
    /* whole-number data (rounds, epochs): no 0.5 ticks */
    if (integer && f->xstep < 1 && floor(f->x1) - ceil(f->x0) <= 12) {
        f->nxt = 0;
        f->xstep = 1;
        for (double v = ceil(f->x0); v <= f->x1 && f->nxt < MAX_TICKS; v += 1) f->xt[f->nxt++] = v;
    }
}

static void set_y(Frame *f, double lo, double hi) {
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi)) { lo = f->logy ? -1 : 0; hi = f->logy ? 0 : 1; }
    if (f->logy) {
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        f->nyt = log_ticks(lo, hi, f->yt, MAX_TICKS);
        f->y0 = fmin(lo, f->yt[0]); f->y1 = fmax(hi, f->yt[f->nyt - 1]);
        f->ystep = 1;
        return;
    }
    f->nyt = svg_nice_ticks(lo, hi, 6, f->yt, MAX_TICKS, &f->ystep);
    f->y0 = f->yt[0]; f->y1 = f->yt[f->nyt - 1];
}

static void ytick_label(const Frame *f, double t, char *buf, size_t n) {
    if (f->logy) {
        double v = pow(10, t);
        if (fabs(t - floor(t + 0.5)) < 1e-9) v = pow(10, floor(t + 0.5));
        if (v >= 1e5 || v < 1e-3) snprintf(buf, n, "1e%d", (int)floor(t + 0.5));
        else snprintf(buf, n, "%g", v);
        if (f->ypct) { v *= 100; snprintf(buf, n, "%g%%", v); }
        return;
    }
    svg_format_tick(buf, n, t, f->ystep, f->ypct);
}

/* Legend entries: marker + text, flowed in rows across the plot width.
 * Returns the height the legend needs (0 when there is one unnamed series). */
static double legend_height(const Frame *f, const char *const *names, int n) {
    double w = f->W - f->l - f->r, x = 0;
    int rows = 0, any = 0;
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0]) continue;
        double iw = 24 + text_w(names[i], 12) + 16;
        if (!any || x + iw > w) { rows++; x = 0; }
        x += iw; any = 1;
    }
    return rows * 18;
}

static void marker(JsonBuf *b, int kind, double cx, double cy, double r, const char *col, int filled) {
    char style[96];
    if (filled) snprintf(style, sizeof style, "fill=\"%s\"", col);
    else snprintf(style, sizeof style, "fill=\"#fff\" stroke=\"%s\" stroke-width=\"1.5\"", col);
    switch (((kind % 4) + 4) % 4) {
    case 0:
        jb_raw(b, "<circle cx=\""); num(b, cx); jb_raw(b, "\" cy=\""); num(b, cy);
        jb_raw(b, "\" r=\""); num(b, r); jb_printf(b, "\" %s/>", style);
        break;
    case 1:
        jb_raw(b, "<rect x=\""); num(b, cx - r * 0.9); jb_raw(b, "\" y=\""); num(b, cy - r * 0.9);
        jb_raw(b, "\" width=\""); num(b, r * 1.8); jb_raw(b, "\" height=\""); num(b, r * 1.8);
        jb_printf(b, "\" %s/>", style);
        break;
    case 2:
        jb_raw(b, "<path d=\"M"); num(b, cx); jb_raw(b, " "); num(b, cy - r * 1.2);
        jb_raw(b, "L"); num(b, cx + r * 1.1); jb_raw(b, " "); num(b, cy + r * 0.8);
        jb_raw(b, "L"); num(b, cx - r * 1.1); jb_raw(b, " "); num(b, cy + r * 0.8);
        jb_printf(b, "Z\" %s/>", style);
        break;
    default:
        jb_raw(b, "<path d=\"M"); num(b, cx); jb_raw(b, " "); num(b, cy - r * 1.25);
        jb_raw(b, "L"); num(b, cx + r * 1.25); jb_raw(b, " "); num(b, cy);
        jb_raw(b, "L"); num(b, cx); jb_raw(b, " "); num(b, cy + r * 1.25);
        jb_raw(b, "L"); num(b, cx - r * 1.25); jb_raw(b, " "); num(b, cy);
        jb_printf(b, "Z\" %s/>", style);
        break;
    }
}

/* style: 0 line + marker, 1 marker only, 2 bar swatch, 3 dashed line, 4 grey bar swatch */
static void draw_legend(JsonBuf *b, const Frame *f, const char *const *names, const int *style, int n) {
    double w = f->W - f->l - f->r, x = 0, y = f->legend_y;
    int any = 0;
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0]) continue;
        double iw = 24 + text_w(names[i], 12) + 16;
        if (any && x + iw > w) { x = 0; y += 18; }
        double x0 = f->l + x;
        const char *col = svg_color(i);
        int st = style ? style[i] : 0;
        if (st == 2 || st == 4) {
            jb_raw(b, "<rect x=\""); num(b, x0 + 2); jb_raw(b, "\" y=\""); num(b, y - 9);
            jb_printf(b, "\" width=\"14\" height=\"10\" fill=\"%s\"/>", st == 4 ? "#d4d4d4" : col);
        } else {
            if (st != 1) {
                jb_raw(b, "<line x1=\""); num(b, x0); jb_raw(b, "\" y1=\""); num(b, y - 4);
                jb_raw(b, "\" x2=\""); num(b, x0 + 18); jb_raw(b, "\" y2=\""); num(b, y - 4);
                jb_printf(b, "\" stroke=\"%s\" stroke-width=\"2\"%s/>", col, st == 3 ? " stroke-dasharray=\"4 3\"" : "");
            }
            marker(b, i, x0 + 9, y - 4, 3.5, col, 1);
        }
        text(b, x0 + 24, y, "start", 12, INK, NULL, names[i]);
        x += iw; any = 1;
    }
}

/* Opens the <svg>, title, grid, axes and tick labels. Margins must be set. */
static void open_svg(JsonBuf *b, const Frame *f, const SvgPlotOpts *o) {
    jb_raw(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    num(b, f->W); jb_raw(b, " "); num(b, f->H); jb_raw(b, "\" width=\""); num(b, f->W);
    jb_raw(b, "\" height=\""); num(b, f->H);
    jb_raw(b, "\" class=\"plot\" role=\"img\" font-family=\"" FONT "\" font-size=\"12\" fill=\"" INK "\"");
    if (o->title) { jb_raw(b, " aria-label=\""); svg_escape(b, o->title); jb_raw(b, "\""); }
    jb_raw(b, ">\n");
    if (o->title) { jb_raw(b, "<title>"); svg_escape(b, o->title); jb_raw(b, "</title>\n"); }
    jb_raw(b, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    if (o->title) text(b, 8, 21, "start", 15, INK, "font-weight=\"600\"", o->title);
}

static void draw_axes(JsonBuf *b, const Frame *f, const SvgPlotOpts *o, int xgrid) {
    double L = f->l, R = f->W - f->r, T = f->t, B = f->H - f->bt;
    char lab[64];
    jb_raw(b, "<g stroke=\"" GRID "\" stroke-width=\"1\">");
    for (int i = 0; i < f->nyt; i++) {
        double y = f->logy ? f->H - f->bt - (f->yt[i] - f->y0) / (f->y1 - f->y0) * (f->H - f->t - f->bt) : fy(f, f->yt[i]);
        jb_raw(b, "<line x1=\""); num(b, L); jb_raw(b, "\" y1=\""); num(b, y);
        jb_raw(b, "\" x2=\""); num(b, R); jb_raw(b, "\" y2=\""); num(b, y); jb_raw(b, "\"/>");
    }
    if (xgrid)
        for (int i = 0; i < f->nxt; i++) {
            double x = fx(f, f->xt[i]);
            jb_raw(b, "<line x1=\""); num(b, x); jb_raw(b, "\" y1=\""); num(b, T);
            jb_raw(b, "\" x2=\""); num(b, x); jb_raw(b, "\" y2=\""); num(b, B); jb_raw(b, "\"/>");
        }
    jb_raw(b, "</g>\n");
    /* axis lines: left and bottom only */
    jb_raw(b, "<path d=\"M"); num(b, L); jb_raw(b, " "); num(b, T); jb_raw(b, "V"); num(b, B);
    jb_raw(b, "H"); num(b, R); jb_raw(b, "\" fill=\"none\" stroke=\"#888\"/>\n");
    for (int i = 0; i < f->nyt; i++) {
        double y = f->logy ? f->H - f->bt - (f->yt[i] - f->y0) / (f->y1 - f->y0) * (f->H - f->t - f->bt) : fy(f, f->yt[i]);
        ytick_label(f, f->yt[i], lab, sizeof lab);
        text(b, L - 6, y + 4, "end", 12, MUTED, NULL, lab);
    }
    for (int i = 0; i < f->nxt; i++) {
        svg_format_tick(lab, sizeof lab, f->xt[i], f->xstep, f->xpct);
        text(b, fx(f, f->xt[i]), B + 17, "middle", 12, MUTED, NULL, lab);
    }
    if (o->xlabel) text(b, (L + R) / 2, f->H - 8, "middle", 13, INK, NULL, o->xlabel);
    if (o->ylabel) {
        char tr[96];
        double cy = (T + B) / 2;
        snprintf(tr, sizeof tr, "transform=\"rotate(-90 14 %.1f)\"", cy);
        text(b, 14, cy, "middle", 13, INK, tr, o->ylabel);
    }
}

/* Nested viewport over the plot area (plus a small pad for markers): clips
 * lines that leave a fixed axis range. */
static void open_clip(JsonBuf *b, const Frame *f) {
    double pad = 6, x = f->l - pad, y = f->t - pad, w = f->W - f->l - f->r + 2 * pad, h = f->H - f->t - f->bt + 2 * pad;
    jb_raw(b, "<svg x=\""); num(b, x); jb_raw(b, "\" y=\""); num(b, y); jb_raw(b, "\" width=\""); num(b, w);
    jb_raw(b, "\" height=\""); num(b, h); jb_raw(b, "\" viewBox=\""); num(b, x); jb_raw(b, " "); num(b, y);
    jb_raw(b, " "); num(b, w); jb_raw(b, " "); num(b, h); jb_raw(b, "\" overflow=\"hidden\">\n");
}

static void no_data(JsonBuf *b, const Frame *f) {
    text(b, (f->l + f->W - f->r) / 2, (f->t + f->H - f->bt) / 2, "middle", 13, MUTED, NULL, "no data");
}

/* Margins for a standard x/y chart; legend rows go under the title. */
static void layout(Frame *f, const SvgPlotOpts *o, const char *const *names, int n, int defw, int defh) {
    f->W = o->width > 0 ? o->width : defw;
    f->H = o->height > 0 ? o->height : defh;
    f->logy = o->log_y; f->xpct = o->x_percent; f->ypct = o->y_percent;
    double ylab_w = 0;
    char lab[64];
    for (int i = 0; i < f->nyt; i++) {
        ytick_label(f, f->yt[i], lab, sizeof lab);
        ylab_w = fmax(ylab_w, text_w(lab, 12));
    }
    f->l = (o->ylabel ? 26 : 6) + ylab_w + 10;
    f->r = 18;
    double top = o->title ? 34 : 10;
    f->legend_y = top + 10;
    double lh = legend_height(f, names, n);
    f->t = top + lh + (lh > 0 ? 10 : 0);
    f->bt = 24 + (o->xlabel ? 20 : 0);
}

/* ------------------------------------------------------------- line plot --- */

static double sx_at(const SvgSeries *s, int i) { return s->x ? s->x[i] : i; }

static int all_int(const SvgSeries *s, int ns) {
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k].n; i++) {
            double x = sx_at(&s[k], i);
            if (isfinite(x) && x != floor(x)) return 0;
        }
    return 1;
}

/* One series as a path; NaN and out-of-domain points break it. Long series are
 * thinned to the min and max of each pixel column so the shape survives. */
static void draw_path(JsonBuf *b, const Frame *f, const SvgSeries *s, const double *y, const char *col,
                      double width, double opacity) {
    int pen = 0;
    double pw = f->W - f->l - f->r;
    int thin = s->n > 4 * (int)pw;
    int cur_col = INT_MIN, mn = -1, mx = -1, first = -1, last = -1;
    jb_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" stroke-linejoin=\"round\"", col, width);
    if (opacity < 1) jb_printf(b, " stroke-opacity=\"%g\"", opacity);
    jb_raw(b, " d=\"");
#define EMIT(i) do { jb_raw(b, pen ? "L" : "M"); num(b, fx(f, sx_at(s, i))); jb_raw(b, " "); \
                     num(b, fy(f, y[i])); pen = 1; } while (0)
#define FLUSH() do { if (first >= 0) { int ord[4] = {first, mn < mx ? mn : mx, mn < mx ? mx : mn, last}; \
        int prev = -1; for (int k = 0; k < 4; k++) if (ord[k] != prev) { EMIT(ord[k]); prev = ord[k]; } } \
        first = mn = mx = last = -1; } while (0)
    for (int i = 0; i < s->n; i++) {
        double x = sx_at(s, i);
        if (!isfinite(x) || !ok_y(f, y[i])) { if (thin) FLUSH(); pen = 0; continue; }
        if (!thin) { EMIT(i); continue; }
        int c = (int)floor(fx(f, x));
        if (c != cur_col) { FLUSH(); cur_col = c; }
        if (first < 0) first = i;
        if (mn < 0 || y[i] < y[mn]) mn = i;
        if (mx < 0 || y[i] > y[mx]) mx = i;
        last = i;
    }
    if (thin) FLUSH();
#undef FLUSH
#undef EMIT
    jb_raw(b, "\"/>\n");
}

void svg_line_plot(JsonBuf *b, const SvgPlotOpts *o, const SvgSeries *s, int ns) {
    Frame f = {0};
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    f.logy = o->log_y; f.ypct = o->y_percent; f.xpct = o->x_percent;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    int npts = 0;
    for (int k = 0; k < ns; k++) {
        for (int i = 0; i < s[k].n; i++) {
            double x = sx_at(&s[k], i), y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y) || (f.logy && y <= 0)) continue;
            if (x < xlo) xlo = x;
            if (x > xhi) xhi = x;
            npts++;
        }
        widen(s[k].y, s[k].n, f.logy, &ylo, &yhi);
    }
    if (o->fix_x) { xlo = o->x_lo; xhi = o->x_hi; }
    if (o->fix_y) { ylo = f.logy ? log10(o->y_lo) : o->y_lo; yhi = f.logy ? log10(o->y_hi) : o->y_hi; }
    set_x(&f, xlo, xhi, !o->fix_x, all_int(s, ns));
    set_y(&f, ylo, yhi);
    const char *names[64] = {0};
    int nn = ns < 64 ? ns : 64;
    for (int k = 0; k < nn; k++) names[k] = s[k].name;
    layout(&f, o, names, nn, 560, 340);
    open_svg(b, &f, o);
    draw_axes(b, &f, o, 0);
    if (!npts) no_data(b, &f);
    open_clip(b, &f);
    double *sm = NULL;
    for (int k = 0; k < ns; k++) {
        const char *col = svg_color(k);
        const double *y = s[k].y;
        if (o->smooth > 1 && s[k].n > 1) {
            /* prefix sums of the finite values and of their count; each point
             * averages the finite values within ±smooth/2 (fewer at the ends) */
            int n = s[k].n, h = o->smooth / 2;
            double *nb = realloc(sm, sizeof(double) * (size_t)(3 * n + 2));
            if (!nb) { b->oom = 1; break; }
            sm = nb;
            double *avg = sm, *cs = sm + n, *cc = sm + 2 * n + 1;   /* [n], [n+1], [n+1] */
            cs[0] = 0; cc[0] = 0;
            for (int i = 0; i < n; i++) {
                int fin = isfinite(y[i]);
                cs[i + 1] = cs[i] + (fin ? y[i] : 0);
                cc[i + 1] = cc[i] + fin;
            }
            for (int i = 0; i < n; i++) {
                int lo = i - h < 0 ? 0 : i - h, hi = i + h + 1 > n ? n : i + h + 1;
                double c = cc[hi] - cc[lo];
                avg[i] = isfinite(y[i]) && c > 0 ? (cs[hi] - cs[lo]) / c : NAN;
            }
            draw_path(b, &f, &s[k], y, col, 1, 0.3);
            draw_path(b, &f, &s[k], sm, col, 2, 1);
        } else {
            draw_path(b, &f, &s[k], y, col, 2, 1);
        }
        int finite = 0;
        for (int i = 0; i < s[k].n; i++) finite += isfinite(sx_at(&s[k], i)) && ok_y(&f, y[i]);
        if (finite <= 40) {     /* few points: show them, with a tooltip each */
            char vx[48], vy[48];
            for (int i = 0; i < s[k].n; i++) {
                double x = sx_at(&s[k], i);
                if (!isfinite(x) || !ok_y(&f, y[i])) continue;
                jb_raw(b, "<g>");
                marker(b, k, fx(&f, x), fy(&f, y[i]), 3.5, col, 1);
                svg_format_value(vx, sizeof vx, x, f.xpct);
                svg_format_value(vy, sizeof vy, y[i], f.ypct);
                jb_raw(b, "<title>");
                if (s[k].name) { svg_escape(b, s[k].name); jb_raw(b, ": "); }
                jb_printf(b, "%s, %s</title></g>", vx, vy);
            }
            jb_raw(b, "\n");
        }
    }
    free(sm);
    jb_raw(b, "</svg>\n");
    draw_legend(b, &f, names, NULL, nn);
    jb_raw(b, "</svg>\n");
}

/* ---------------------------------------------------------- scatter plot --- */

void svg_scatter_plot(JsonBuf *b, const SvgPlotOpts *o, const SvgSeries *s, int ns, int fit) {
    Frame f = {0};
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    f.logy = o->log_y; f.ypct = o->y_percent; f.xpct = o->x_percent;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    int npts = 0;
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k].n; i++) {
            double x = sx_at(&s[k], i), y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y) || (f.logy && y <= 0)) continue;
            xlo = fmin(xlo, x); xhi = fmax(xhi, x);
            double ty = f.logy ? log10(y) : y;
            ylo = fmin(ylo, ty); yhi = fmax(yhi, ty);
            npts++;
        }
    if (fit == 2 && npts) { xlo = fmin(xlo, 0); ylo = f.logy ? ylo : fmin(ylo, 0); yhi = f.logy ? yhi : fmax(yhi, 0); }
    if (o->fix_x) { xlo = o->x_lo; xhi = o->x_hi; }
    if (o->fix_y) { ylo = f.logy ? log10(o->y_lo) : o->y_lo; yhi = f.logy ? log10(o->y_hi) : o->y_hi; }
    set_x(&f, xlo, xhi, 0, all_int(s, ns));
    set_y(&f, ylo, yhi);

    /* legend names carry the fit: "train judge — slope 1.23, R² 0.97" */
    enum { MAXS = 32 };
    int nn = ns < MAXS ? ns : MAXS;
    char namebuf[MAXS][192];
    const char *names[MAXS] = {0};
    double fa[MAXS], fb[MAXS], fr2[MAXS];
    int fm[MAXS];
    int styles[MAXS];
    for (int k = 0; k < nn; k++) {
        const double *x = s[k].x;
        double *tmpx = NULL;
        if (!x) {               /* x = index: materialise for the fit */
            tmpx = malloc(sizeof(double) * (size_t)(s[k].n > 0 ? s[k].n : 1));
            if (!tmpx) { b->oom = 1; fm[k] = 0; names[k] = s[k].name; styles[k] = 1; continue; }
            for (int i = 0; i < s[k].n; i++) tmpx[i] = i;
            x = tmpx;
        }
        fm[k] = fit ? svg_linear_fit(x, s[k].y, s[k].n, fit == 2, &fa[k], &fb[k], &fr2[k]) : 0;
        free(tmpx);
        styles[k] = fm[k] >= 2 ? 0 : 1;
        if (fm[k] >= 2) {
            char sl[48], r2[48];
            svg_format_value(sl, sizeof sl, fb[k], 0);
            svg_format_value(r2, sizeof r2, fr2[k], 0);
            snprintf(namebuf[k], sizeof namebuf[k], "%s%sslope %s, R² %s", s[k].name ? s[k].name : "",
                     s[k].name && s[k].name[0] ? " — " : "", sl, r2);
            names[k] = namebuf[k];
        } else names[k] = s[k].name;
    }
    layout(&f, o, names, nn, 600, 400);
    open_svg(b, &f, o);
    draw_axes(b, &f, o, 1);
    if (!npts) no_data(b, &f);
    open_clip(b, &f);
    char vx[48], vy[48];
    for (int k = 0; k < ns; k++) {
        const char *col = svg_color(k);
        jb_printf(b, "<g fill-opacity=\"0.75\">");
        for (int i = 0; i < s[k].n; i++) {
            double x = sx_at(&s[k], i), y = s[k].y[i];
            if (!isfinite(x) || !ok_y(&f, y)) continue;
            if (npts <= 500) jb_raw(b, "<g>");
            marker(b, k, fx(&f, x), fy(&f, y), 3.5, col, 1);
            if (npts <= 500) {
                svg_format_value(vx, sizeof vx, x, f.xpct);
                svg_format_value(vy, sizeof vy, y, f.ypct);
                jb_raw(b, "<title>");
                if (s[k].name) { svg_escape(b, s[k].name); jb_raw(b, ": "); }
                jb_printf(b, "%s, %s</title></g>", vx, vy);
            }
        }
        jb_raw(b, "</g>\n");
    }
    for (int k = 0; k < nn; k++) {
        if (fm[k] < 2 || f.logy) continue;
        double mn = INFINITY, mx = -INFINITY;
        for (int i = 0; i < s[k].n; i++) {
            double x = sx_at(&s[k], i);
            if (isfinite(x) && isfinite(s[k].y[i])) { mn = fmin(mn, x); mx = fmax(mx, x); }
        }
        if (fit == 2) mn = fmin(mn, 0);
        jb_raw(b, "<line x1=\""); num(b, fx(&f, mn)); jb_raw(b, "\" y1=\""); num(b, fy(&f, fa[k] + fb[k] * mn));
        jb_raw(b, "\" x2=\""); num(b, fx(&f, mx)); jb_raw(b, "\" y2=\""); num(b, fy(&f, fa[k] + fb[k] * mx));
        jb_printf(b, "\" stroke=\"%s\" stroke-width=\"2\"/>\n", svg_color(k));
    }
    jb_raw(b, "</svg>\n");
    draw_legend(b, &f, names, styles, nn);
    jb_raw(b, "</svg>\n");
}

/* ------------------------------------------------------------ histogram --- */

void svg_histogram(JsonBuf *b, const SvgPlotOpts *o, const SvgSeries *s, int ns, int nbins) {
    Frame f = {0};
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    if (nbins <= 0) nbins = 20;
    if (nbins > 400) nbins = 400;
    f.xpct = o->x_percent; f.ypct = 1;
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < ns; k++) widen(s[k].y, s[k].n, 0, &lo, &hi);
    if (o->fix_x) { lo = o->x_lo; hi = o->x_hi; }
    int npts = lo <= hi;
    if (!npts) { lo = 0; hi = 1; }
    if (hi == lo) { lo -= 0.5; hi += 0.5; }
    double *frac = calloc((size_t)nbins * (size_t)(ns > 0 ? ns : 1), sizeof(double));
    if (!frac) { b->oom = 1; return; }
    double fmax_ = 0;
    for (int k = 0; k < ns; k++) {
        int tot = 0;
        for (int i = 0; i < s[k].n; i++) {
            double v = s[k].y[i];
            if (!isfinite(v) || v < lo || v > hi) continue;
            int j = (int)floor((v - lo) / (hi - lo) * nbins);
            if (j >= nbins) j = nbins - 1;
            frac[k * nbins + j] += 1;
            tot++;
        }
        for (int j = 0; j < nbins; j++) {
            if (tot) frac[k * nbins + j] /= tot;
            fmax_ = fmax(fmax_, frac[k * nbins + j]);
        }
    }
    set_x(&f, lo, hi, 1, 0);
    set_y(&f, 0, o->fix_y ? o->y_hi : (fmax_ > 0 ? fmax_ : 1));
    const char *names[64] = {0};
    int styles[64] = {0};
    int nn = ns < 64 ? ns : 64;
    for (int k = 0; k < nn; k++) { names[k] = s[k].name; styles[k] = 2; }
    SvgPlotOpts o2 = *o;
    o2.log_y = 0;
    o2.y_percent = 1;
    if (!o2.ylabel) o2.ylabel = "share";
    layout(&f, &o2, names, nn, 560, 320);
    open_svg(b, &f, &o2);
    draw_axes(b, &f, &o2, 0);
    if (!npts) no_data(b, &f);
    for (int k = 0; k < ns; k++) {
        const char *col = svg_color(k);
        double base = fy(&f, 0);
        jb_printf(b, "<path fill=\"%s\" fill-opacity=\"0.15\" stroke=\"%s\" stroke-width=\"2\" d=\"M", col, col);
        num(b, fx(&f, lo)); jb_raw(b, " "); num(b, base);
        for (int j = 0; j < nbins; j++) {
            double y = fy(&f, frac[k * nbins + j]);
            jb_raw(b, "V"); num(b, y);
            jb_raw(b, "H"); num(b, fx(&f, lo + (hi - lo) * (j + 1) / nbins));
        }
        jb_raw(b, "V"); num(b, base); jb_raw(b, "Z\"/>\n");
    }
    free(frac);
    draw_legend(b, &f, names, styles, nn);
    jb_raw(b, "</svg>\n");
}

/* ------------------------------------------------------------ bar chart --- */

/* Wraps s into at most 2 lines of width w (split at spaces; the rest elided). */
static void wrapped_label(JsonBuf *b, double cx, double y, double w, double size, const char *s) {
    if (!s) return;
    char line1[256], line2[256];
    size_t len = strlen(s);
    if (text_w(s, size) <= w || len >= sizeof line1) { text(b, cx, y, "middle", size, INK, NULL, s); return; }
    /* split at the last space that keeps line 1 within w */
    size_t cut = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] != ' ') continue;
        memcpy(line1, s, i); line1[i] = 0;
        if (text_w(line1, size) <= w || cut == 0) cut = i;
        if (text_w(line1, size) > w) break;
    }
    if (!cut) { text(b, cx, y, "middle", size, INK, NULL, s); return; }
    memcpy(line1, s, cut); line1[cut] = 0;
    snprintf(line2, sizeof line2, "%s", s + cut + 1);
    /* elide line 2 by code points until it fits */
    size_t l2 = strlen(line2);
    if (text_w(line2, size) > w) {
        while (l2 > 0 && text_w(line2, size) + size * 0.6 > w) {
            l2--;
            while (l2 > 0 && ((unsigned char)line2[l2] & 0xC0) == 0x80) l2--;
            line2[l2] = 0;
        }
        if (l2 + 4 < sizeof line2) strcat(line2, "…");
    }
    text(b, cx, y, "middle", size, INK, NULL, line1);
    text(b, cx, y + size + 2, "middle", size, INK, NULL, line2);
}

void svg_bar_chart(JsonBuf *b, const SvgPlotOpts *o, const char *const *groups, int ngroups,
                   const SvgSeries *s, int ns) {
    Frame f = {0};
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    f.ypct = o->y_percent;
    double ylo = 0, yhi = 0;
    int npts = 0;
    for (int k = 0; k < ns; k++)
        for (int g = 0; g < ngroups && g < s[k].n; g++)
            if (isfinite(s[k].y[g])) { ylo = fmin(ylo, s[k].y[g]); yhi = fmax(yhi, s[k].y[g]); npts++; }
    if (npts && ylo == 0 && yhi == 0) yhi = 1;
    if (o->fix_y) { ylo = o->y_lo; yhi = o->y_hi; }
    set_y(&f, ylo, yhi);
    f.x0 = 0; f.x1 = ngroups > 0 ? ngroups : 1; f.nxt = 0;
    const char *names[64] = {0};
    int styles[64] = {0};
    int nn = ns < 64 ? ns : 64;
    for (int k = 0; k < nn; k++) { names[k] = s[k].name; styles[k] = 2; }
    SvgPlotOpts o2 = *o;
    o2.log_y = 0;
    layout(&f, &o2, names, nn, 640, 360);
    f.bt += 16;     /* room for two-line category labels */
    open_svg(b, &f, o);
    draw_axes(b, &f, o, 0);
    if (!npts) no_data(b, &f);
    double gw = (f.W - f.l - f.r) / (ngroups > 0 ? ngroups : 1);
    double bw = ns > 0 ? gw * 0.8 / ns : 0;
    int labels = ns * ngroups <= 40 && bw >= 16;
    double base = fy(&f, fmax(f.y0, fmin(0, f.y1)));
    char vb[48];
    for (int g = 0; g < ngroups; g++) {
        double gx = f.l + g * gw;
        for (int k = 0; k < ns; k++) {
            if (g >= s[k].n || !isfinite(s[k].y[g])) continue;
            double v = s[k].y[g], y = fy(&f, v);
            double top = fmin(y, base), h = fabs(base - y);
            double x = gx + gw * 0.1 + k * bw;
            jb_raw(b, "<g><rect x=\""); num(b, x + 1); jb_raw(b, "\" y=\""); num(b, top);
            jb_raw(b, "\" width=\""); num(b, fmax(bw - 2, 1)); jb_raw(b, "\" height=\""); num(b, h);
            jb_printf(b, "\" fill=\"%s\"/>", svg_color(k));
            svg_format_value(vb, sizeof vb, v, f.ypct);
            jb_raw(b, "<title>");
            if (s[k].name) { svg_escape(b, s[k].name); jb_raw(b, ", "); }
            if (groups && groups[g]) { svg_escape(b, groups[g]); jb_raw(b, ": "); }
            jb_printf(b, "%s</title></g>", vb);
            if (labels) text(b, x + bw / 2, v >= 0 ? top - 3 : top + h + 11, "middle", 10, MUTED, NULL, vb);
        }
        jb_raw(b, "\n");
        if (groups && groups[g]) wrapped_label(b, gx + gw / 2, f.H - f.bt + 16, gw - 4, 11, groups[g]);
    }
    /* zero line over the bars */
    jb_raw(b, "<line x1=\""); num(b, f.l); jb_raw(b, "\" y1=\""); num(b, base);
    jb_raw(b, "\" x2=\""); num(b, f.W - f.r); jb_raw(b, "\" y2=\""); num(b, base); jb_raw(b, "\" stroke=\"#888\"/>\n");
    draw_legend(b, &f, names, styles, nn);
    jb_raw(b, "</svg>\n");
}

/* ---------------------------------------------------- reliability diagram --- */

double svg_reliability_bins(const double *p, const int *outcome, int n, int nbins,
                            double *pred, double *obs, int *count) {
    for (int j = 0; j < nbins; j++) { pred[j] = 0; obs[j] = 0; count[j] = 0; }
    int tot = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(p[i])) continue;
        int j = (int)floor(p[i] * nbins);
        if (j < 0) j = 0;
        if (j >= nbins) j = nbins - 1;
        pred[j] += p[i]; obs[j] += outcome[i] ? 1 : 0; count[j]++; tot++;
    }
    double ece = 0;
    for (int j = 0; j < nbins; j++) {
        if (!count[j]) { pred[j] = NAN; obs[j] = NAN; continue; }
        pred[j] /= count[j]; obs[j] /= count[j];
        ece += (double)count[j] / tot * fabs(pred[j] - obs[j]);
    }
    return tot ? ece : NAN;
}

void svg_reliability_plot(JsonBuf *b, const SvgPlotOpts *o, const SvgReliability *c, int nc) {
    Frame f = {0};
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    SvgPlotOpts o2 = *o;
    if (!o2.xlabel) o2.xlabel = "predicted probability";
    if (!o2.ylabel) o2.ylabel = "observed frequency";
    o2.log_y = 0;
    set_x(&f, 0, 1, 0, 0);
    set_y(&f, 0, 1);
    enum { MAXC = 16 };
    int nn = nc < MAXC ? nc : MAXC;
    char namebuf[MAXC][192];
    const char *names[MAXC + 1] = {0};
    int styles[MAXC + 1] = {0};
    int npts = 0, maxcount = 0;
    for (int k = 0; k < nn; k++) {
        double ece = 0;
        int tot = 0;
        for (int j = 0; j < c[k].nbins; j++) {
            if (c[k].count[j] <= 0 || !isfinite(c[k].pred[j]) || !isfinite(c[k].obs[j])) continue;
            tot += c[k].count[j];
            ece += c[k].count[j] * fabs(c[k].pred[j] - c[k].obs[j]);
            npts++;
            if (c[k].count[j] > maxcount) maxcount = c[k].count[j];
        }
        char eb[48];
        svg_format_value(eb, sizeof eb, tot ? ece / tot : NAN, 0);
        snprintf(namebuf[k], sizeof namebuf[k], "%s%sECE %s, n = %d", c[k].name ? c[k].name : "",
                 c[k].name && c[k].name[0] ? " — " : "", eb, tot);
        names[k] = namebuf[k];
    }
    int nleg = nn;
    if (nn > 0 && maxcount > 0) { names[nleg] = "comparisons per bin"; styles[nleg] = 4; nleg++; }
    layout(&f, &o2, names, nleg, 440, 460);
    /* make the plot area square so the diagonal is at 45 degrees */
    double pw = f.W - f.l - f.r, ph = f.H - f.t - f.bt;
    if (pw > ph) f.r += pw - ph; else f.bt += ph - pw;
    open_svg(b, &f, &o2);
    draw_axes(b, &f, &o2, 1);
    if (!npts) no_data(b, &f);
    /* count histogram of the first curve along the bottom (equal-width bins) */
    if (nc > 0 && maxcount > 0) {
        double hmax = (f.H - f.t - f.bt) * 0.18;
        jb_raw(b, "<g fill=\"#d4d4d4\">");
        for (int j = 0; j < c[0].nbins; j++) {
            if (c[0].count[j] <= 0) continue;
            double x0 = fx(&f, (double)j / c[0].nbins), x1 = fx(&f, (double)(j + 1) / c[0].nbins);
            double h = hmax * c[0].count[j] / maxcount;
            jb_raw(b, "<rect x=\""); num(b, x0 + 1); jb_raw(b, "\" y=\""); num(b, f.H - f.bt - h);
            jb_raw(b, "\" width=\""); num(b, x1 - x0 - 2); jb_raw(b, "\" height=\""); num(b, h);
            jb_raw(b, "\"/>");
        }
        jb_raw(b, "</g>\n");
    }
    jb_raw(b, "<line x1=\""); num(b, fx(&f, 0)); jb_raw(b, "\" y1=\""); num(b, fy(&f, 0));
    jb_raw(b, "\" x2=\""); num(b, fx(&f, 1)); jb_raw(b, "\" y2=\""); num(b, fy(&f, 1));
    jb_raw(b, "\" stroke=\"#999\" stroke-dasharray=\"5 4\"/>\n");
    {   /* label along the diagonal, below it, where calibrated curves are sparse */
        char tr[96];
        double tx = fx(&f, 0.75), ty = fy(&f, 0.75) + 22;
        snprintf(tr, sizeof tr, "transform=\"rotate(-45 %.1f %.1f)\"", tx, ty);
        text(b, tx, ty, "middle", 11, "#999", tr, "perfectly calibrated");
    }
    char t1[48], t2[48];
    for (int k = 0; k < nc; k++) {
        const char *col = svg_color(k);
        int pen = 0;
        jb_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", col);
        for (int j = 0; j < c[k].nbins; j++) {
            if (c[k].count[j] <= 0 || !isfinite(c[k].pred[j]) || !isfinite(c[k].obs[j])) continue;
            jb_raw(b, pen ? "L" : "M"); num(b, fx(&f, c[k].pred[j])); jb_raw(b, " "); num(b, fy(&f, c[k].obs[j]));
            pen = 1;
        }
        jb_raw(b, "\"/>\n");
        for (int j = 0; j < c[k].nbins; j++) {
            if (c[k].count[j] <= 0 || !isfinite(c[k].pred[j]) || !isfinite(c[k].obs[j])) continue;
            double r = 2.5 + 5.5 * sqrt((double)c[k].count[j] / (maxcount ? maxcount : 1));
            jb_raw(b, "<g>");
            marker(b, k, fx(&f, c[k].pred[j]), fy(&f, c[k].obs[j]), r, col, 1);
            svg_format_value(t1, sizeof t1, c[k].pred[j], 0);
            svg_format_value(t2, sizeof t2, c[k].obs[j], 0);
            jb_raw(b, "<title>");
            if (c[k].name) { svg_escape(b, c[k].name); jb_raw(b, ": "); }
            jb_printf(b, "predicted %s, observed %s, n = %d</title></g>", t1, t2, c[k].count[j]);
        }
        jb_raw(b, "\n");
    }
    draw_legend(b, &f, names, styles, nleg);
    jb_raw(b, "</svg>\n");
}

/* --------------------------------------------------------------- heatmap --- */

/* Light→dark blue (ColorBrewer "Blues"), t in [0, 1]. */
static void blues(double t, char out[8], int *dark) {
    static const unsigned char st[5][3] = {{247, 251, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    double u = t * 4;
    int i = (int)floor(u);
    if (i >= 4) i = 3;
    double w = u - i;
    int rgb[3];
    for (int k = 0; k < 3; k++) rgb[k] = (int)floor(st[i][k] * (1 - w) + st[i + 1][k] * w + 0.5);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    *dark = t > 0.55;
}

void svg_heatmap(JsonBuf *b, const SvgPlotOpts *o, const char *const *rows, int nrows,
                 const char *const *cols, int ncols, const double *v, double vmin, double vmax) {
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < nrows * ncols; i++) if (isfinite(v[i])) { lo = fmin(lo, v[i]); hi = fmax(hi, v[i]); }
    if (isfinite(vmin)) lo = vmin;
    if (isfinite(vmax)) hi = vmax;
    if (!(lo < hi)) { hi = lo + 1; if (!isfinite(lo)) { lo = 0; hi = 1; } }
    double W = o->width > 0 ? o->width : 560;
    double rowlab = 0;
    for (int r = 0; r < nrows; r++) if (rows && rows[r]) rowlab = fmax(rowlab, text_w(rows[r], 13));
    double top = (o->title ? 34 : 8) + (o->xlabel ? 20 : 0) + 38;
    double left = 12 + (o->ylabel ? 22 : 0) + rowlab + 8, bar = 64;
    double cw = ncols > 0 ? (W - left - bar - 8) / ncols : 0;
    double ch = 40;
    double H = o->height > 0 ? o->height : top + (nrows > 0 ? nrows : 1) * ch + 14;
    if (o->height > 0 && nrows > 0) ch = (H - top - 14) / nrows;
    Frame f = {0};
    f.W = W; f.H = H;
    open_svg(b, &f, o);
    if (o->xlabel) text(b, left + cw * ncols / 2, (o->title ? 34 : 8) + 14, "middle", 12, INK, "font-weight=\"600\"", o->xlabel);
    if (o->ylabel) {
        char tr[96];
        double cy = top + ch * nrows / 2;
        snprintf(tr, sizeof tr, "transform=\"rotate(-90 16 %.1f)\" font-weight=\"600\"", cy);
        text(b, 16, cy, "middle", 12, INK, tr, o->ylabel);
    }
    for (int c = 0; c < ncols; c++)
        if (cols && cols[c]) wrapped_label(b, left + (c + 0.5) * cw, top - 22, cw - 4, 12, cols[c]);
    char col[8], vb[48];
    int dark;
    for (int r = 0; r < nrows; r++) {
        double y = top + r * ch;
        if (rows && rows[r]) text(b, left - 8, y + ch / 2 + 4, "end", 13, INK, NULL, rows[r]);
        for (int c = 0; c < ncols; c++) {
            double x = left + c * cw, val = v[r * ncols + c];
            int fin = isfinite(val);
            if (fin) blues((val - lo) / (hi - lo), col, &dark);
            else { snprintf(col, sizeof col, "#eeeeee"); dark = 0; }
            jb_raw(b, "<g><rect x=\""); num(b, x + 1); jb_raw(b, "\" y=\""); num(b, y + 1);
            jb_raw(b, "\" width=\""); num(b, cw - 2); jb_raw(b, "\" height=\""); num(b, ch - 2);
            jb_printf(b, "\" rx=\"2\" fill=\"%s\"/>", col);
            svg_format_value(vb, sizeof vb, val, o->y_percent);
            jb_raw(b, "<title>");
            if (rows && rows[r]) svg_escape(b, rows[r]);
            jb_raw(b, " × ");
            if (cols && cols[c]) svg_escape(b, cols[c]);
            jb_printf(b, ": %s</title>", vb);
            text(b, x + cw / 2, y + ch / 2 + 5, "middle", 13, dark ? "#fff" : INK,
                 fin ? NULL : "fill-opacity=\"0.6\"", vb);
            jb_raw(b, "</g>");
        }
        jb_raw(b, "\n");
    }
    /* colour key: stacked steps, no gradient (gradients need page-unique ids) */
    double kx = W - bar + 14, ky = top, kh = ch * (nrows > 0 ? nrows : 1);
    int steps = 24;
    for (int i = 0; i < steps; i++) {
        blues(1 - (i + 0.5) / steps, col, &dark);
        jb_raw(b, "<rect x=\""); num(b, kx); jb_raw(b, "\" y=\""); num(b, ky + kh * i / steps);
        jb_raw(b, "\" width=\"12\" height=\""); num(b, kh / steps + 0.6); jb_printf(b, "\" fill=\"%s\"/>", col);
    }
    svg_format_value(vb, sizeof vb, hi, o->y_percent);
    text(b, kx + 16, ky + 10, "start", 11, MUTED, NULL, vb);
    svg_format_value(vb, sizeof vb, lo, o->y_percent);
    text(b, kx + 16, ky + kh, "start", 11, MUTED, NULL, vb);
    jb_raw(b, "</svg>\n");
}

/* -------------------------------------------------------------- frontier --- */

typedef struct Box { double x0, y0, x1, y1; } Box;

static int overlaps(const Box *a, const Box *bx) {
    return a->x0 < bx->x1 && bx->x0 < a->x1 && a->y0 < bx->y1 && bx->y0 < a->y1;
}

void svg_frontier_plot(JsonBuf *b, const SvgPlotOpts *o, const double *x, const double *y,
                       const char *const *labels, int n, int better_x, int better_y) {
    Frame f = {0};
    SvgPlotOpts dflt = {0};
    if (!o) o = &dflt;
    SvgPlotOpts o2 = *o;
    o2.log_y = 0;
    f.xpct = o->x_percent; f.ypct = o->y_percent;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    int npts = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        xlo = fmin(xlo, x[i]); xhi = fmax(xhi, x[i]); ylo = fmin(ylo, y[i]); yhi = fmax(yhi, y[i]);
        npts++;
    }
    if (npts) {     /* room for labels: 12% on the right */
        double dx = xhi - xlo > 0 ? xhi - xlo : fabs(xhi) * 0.2 + 0.1;
        xhi += dx * 0.12;
        if (xlo >= 0 && xlo - dx * 0.05 < 0) xlo = 0; else xlo -= dx * 0.05;
        double dy = yhi - ylo > 0 ? yhi - ylo : fabs(yhi) * 0.2 + 0.1;
        yhi += dy * 0.05;
        if (ylo >= 0 && ylo - dy * 0.05 < 0) ylo = 0; else ylo -= dy * 0.05;
    }
    if (o->fix_x) { xlo = o->x_lo; xhi = o->x_hi; }
    if (o->fix_y) { ylo = o->y_lo; yhi = o->y_hi; }
    set_x(&f, xlo, xhi, 0, 0);
    set_y(&f, ylo, yhi);
    static const char *const names[2] = {"on the frontier (no other point is better on both)", "dominated"};
    layout(&f, &o2, names, 2, 600, 420);
    open_svg(b, &f, &o2);
    draw_axes(b, &f, &o2, 1);
    if (!npts) no_data(b, &f);
    /* arrow hint: which corner is better */
    {
        const char *hx = better_x < 0 ? "←" : "→", *hy = better_y < 0 ? "↓" : "↑";
        char hint[64];
        snprintf(hint, sizeof hint, "better %s%s", hx, hy);
        double hxp = better_x < 0 ? f.l + 8 : f.W - f.r - 8, hyp = better_y < 0 ? f.H - f.bt - 8 : f.t + 14;
        text(b, hxp, hyp, better_x < 0 ? "start" : "end", 12, MUTED, "font-style=\"italic\"", hint);
    }
    /* Pareto set: i is dominated if some j is at least as good on both and better on one */
    int *opt = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    int *ord = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    Box *placed = calloc((size_t)(2 * n + 1), sizeof(Box));
    if (!opt || !ord || !placed) { b->oom = 1; free(opt); free(ord); free(placed); jb_raw(b, "</svg>\n"); return; }
    int nopt = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        int dom = 0;
        for (int j = 0; j < n && !dom; j++) {
            if (j == i || !isfinite(x[j]) || !isfinite(y[j])) continue;
            double gx = (x[j] - x[i]) * better_x, gy = (y[j] - y[i]) * better_y;   /* > 0: j better */
            if (gx >= 0 && gy >= 0 && (gx > 0 || gy > 0)) dom = 1;
        }
        opt[i] = !dom;
        if (!dom) ord[nopt++] = i;
    }
    for (int a = 1; a < nopt; a++)      /* insertion sort by x, stable for ties */
        for (int c = a; c > 0 && (x[ord[c]] < x[ord[c - 1]] || (x[ord[c]] == x[ord[c - 1]] && y[ord[c]] < y[ord[c - 1]])); c--) {
            int t = ord[c]; ord[c] = ord[c - 1]; ord[c - 1] = t;
        }
    const char *c0 = svg_color(0), *c1 = svg_color(1);
    if (nopt > 1) {
        jb_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-opacity=\"0.7\" d=\"", c0);
        for (int a = 0; a < nopt; a++) {
            jb_raw(b, a ? "L" : "M"); num(b, fx(&f, x[ord[a]])); jb_raw(b, " "); num(b, fy(&f, y[ord[a]]));
        }
        jb_raw(b, "\"/>\n");
    }
    int np = 0;
    for (int i = 0; i < n; i++) {   /* points first, so labels avoid them */
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double px = fx(&f, x[i]), py = fy(&f, y[i]);
        placed[np++] = (Box){px - 5, py - 5, px + 5, py + 5};
    }
    char vx[48], vy[48];
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double px = fx(&f, x[i]), py = fy(&f, y[i]);
        jb_raw(b, "<g>");
        if (opt[i]) marker(b, 0, px, py, 5, c0, 1);
        else marker(b, 1, px, py, 4.5, c1, 0);
        svg_format_value(vx, sizeof vx, x[i], f.xpct);
        svg_format_value(vy, sizeof vy, y[i], f.ypct);
        jb_raw(b, "<title>");
        if (labels && labels[i]) { svg_escape(b, labels[i]); jb_raw(b, ": "); }
        jb_printf(b, "%s, %s</title></g>\n", vx, vy);
        if (!labels || !labels[i] || !labels[i][0]) continue;
        double tw = text_w(labels[i], 12), th = 13;
        /* candidate spots: right, left, above, below, further right-up/down */
        double cand[6][2] = {{px + 8, py + 4}, {px - 8 - tw, py + 4}, {px - tw / 2, py - 9},
                             {px - tw / 2, py + 17}, {px + 8, py - 10}, {px + 8, py + 18}};
        int pick = 0;
        for (int c = 0; c < 6; c++) {
            Box bx = {cand[c][0], cand[c][1] - th + 2, cand[c][0] + tw, cand[c][1] + 2};
            if (bx.x0 < f.l || bx.x1 > f.W - 2 || bx.y0 < f.t - 4 || bx.y1 > f.H - f.bt) continue;
            int hit = 0;
            for (int p = 0; p < np && !hit; p++) hit = overlaps(&bx, &placed[p]);
            if (!hit) { pick = c; break; }
        }
        Box bx = {cand[pick][0], cand[pick][1] - th + 2, cand[pick][0] + tw, cand[pick][1] + 2};
        placed[np++] = bx;
        text(b, cand[pick][0], cand[pick][1], "start", 12, INK, NULL, labels[i]);
    }
    free(opt); free(ord); free(placed);
    /* legend: solid circle = frontier, hollow square = dominated (drawn by hand) */
    double lx = f.l, ly = f.legend_y;
    marker(b, 0, lx + 6, ly - 4, 4.5, c0, 1);
    text(b, lx + 16, ly, "start", 12, INK, NULL, names[0]);
    double lx2 = lx + 16 + text_w(names[0], 12) + 20;
    if (lx2 + 90 > f.W - f.r) { lx2 = lx; ly += 18; }
    marker(b, 1, lx2 + 6, ly - 4, 4, c1, 0);
    text(b, lx2 + 16, ly, "start", 12, INK, NULL, names[1]);
    jb_raw(b, "</svg>\n");
}
