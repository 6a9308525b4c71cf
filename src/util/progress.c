/* progress.c — see progress.h. */
#include "util/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/common.h"

void progress_begin(Progress *p, const char *label, long total, const char *unit) {
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "it");
    p->total = total;
    p->t0 = p->last_draw = rlhf_now();
    p->tty = isatty(2);
    p->quiet = getenv("RLHF_QUIET") != NULL;
}

static void fmt_time(char *out, size_t n, double s) {
    if (s < 0 || s > 1e7) { snprintf(out, n, "--:--"); return; }
    int t = (int)(s + 0.5);
    if (t >= 3600) snprintf(out, n, "%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(out, n, "%02d:%02d", t / 60, t % 60);
}

static void draw(Progress *p, long done, double work, const char *extra, int final) {
    double now = rlhf_now(), el = now - p->t0;
    double rate = el > 0 ? work / el : 0;
    double eta = (p->total > 0 && done > 0) ? el * (double)(p->total - done) / (double)done : -1;
    char ebuf[16], tbuf[16];
    fmt_time(ebuf, sizeof ebuf, final ? el : eta);
    fmt_time(tbuf, sizeof tbuf, el);
    if (p->tty) {
        char bar[31];
        int filled = p->total > 0 ? (int)(30.0 * (double)done / (double)p->total) : 0;
        for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r\033[K%-14s [%s] %ld/%ld %.0f %s/s %s %s %s", p->label, bar, done, p->total, rate,
                p->unit, final ? "took" : "eta", ebuf, extra ? extra : "");
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s: %ld/%ld  %.0f %s/s  elapsed %s  %s %s  %s\n", p->label, done, p->total, rate, p->unit,
                tbuf, final ? "done" : "eta", final ? "" : ebuf, extra ? extra : "");
    }
    fflush(stderr);
}

void progress_update(Progress *p, long done, double work, const char *extra) {
    if (p->quiet) return;
    double now = rlhf_now();
    double every = p->tty ? 0.2 : 5.0;
    if (now - p->last_draw < every) return;
    p->last_draw = now;
    draw(p, done, work, extra, 0);
}

void progress_end(Progress *p, long done, double work, const char *extra) {
    if (p->quiet) return;
    draw(p, done, work, extra, 1);
}
