/* progress.h — progress for long work: a redrawn bar with rate and ETA on a
 * terminal, plain lines (at most every few seconds) otherwise. Writes to stderr. */
#ifndef RLHF_PROGRESS_H
#define RLHF_PROGRESS_H

typedef struct Progress {
    char label[64];
    char unit[16];        /* what the rate counts, e.g. "tok" */
    long total;           /* steps in all (0 = unknown) */
    double t0, last_draw;
    int tty;
    int quiet;
} Progress;

void progress_begin(Progress *p, const char *label, long total, const char *unit);
/* done = steps finished; work = units processed so far (for the rate);
 * extra = a short status like "loss 2.31" (may be NULL). */
void progress_update(Progress *p, long done, double work, const char *extra);
void progress_end(Progress *p, long done, double work, const char *extra);

#endif
