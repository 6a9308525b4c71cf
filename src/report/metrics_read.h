/* metrics_read.h — reads back the JSON Lines that util/metrics.h writes
 * ({"event": "train", "t": 12.3, "step": 100, "loss": 2.31}, one per line) and
 * pulls out series for plots.
 *
 *   MetricsFile m; metrics_file_read(&m, "run/metrics.jsonl", &e);
 *   double *xs, *ys; int n;
 *   metrics_series(&m, "train", "step", "loss", &xs, &ys, &n, &e);
 *   ... free(xs); free(ys); metrics_file_free(&m);
 *
 * A killed run leaves a truncated last line: it is skipped (m.truncated = 1).
 * A run resumed in append mode after such a kill glues the partial line to the
 * next one; the last complete {"event": ...} object on such a line is kept.
 * Other unreadable lines are skipped and counted (m.bad_lines, first at
 * m.first_bad_line); a file where no line is a metrics object is an error. */
#ifndef RLHF_METRICS_READ_H
#define RLHF_METRICS_READ_H

#include "util/common.h"
#include "util/json.h"

typedef struct MetricsRecord {
    const char *event;      /* the "event" member ("" if absent) */
    double t;               /* the "t" member, NaN if absent */
    int line;               /* 1-based line in the file */
    JsonValue *obj;         /* the whole object */
} MetricsRecord;

typedef struct MetricsFile {
    MetricsRecord *recs;    /* [n] in file order */
    int n;
    JsonDoc *doc;           /* one document: an array of all the good lines */
    int truncated;          /* the last line was cut short and skipped */
    int bad_lines, first_bad_line;
} MetricsFile;

int metrics_file_read(MetricsFile *m, const char *path, RlhfErr *e);
/* Same on text already in memory; `name` is used in error messages. */
int metrics_file_parse(MetricsFile *m, const char *text, size_t len, const char *name, RlhfErr *e);
void metrics_file_free(MetricsFile *m);

/* Pairs (x, y) of the records with event `event` in which both xkey and ykey
 * are numbers (xkey NULL: x is the record's index among that event's
 * records). *xs and *ys are malloc'd [*n] (NULL when *n is 0); free them. */
int metrics_series(const MetricsFile *m, const char *event, const char *xkey, const char *ykey,
                   double **xs, double **ys, int *n, RlhfErr *e);

/* Distinct event names in order of first appearance; *names is malloc'd
 * [*n] and points into m (free only the array). */
int metrics_events(const MetricsFile *m, const char ***names, int *n, RlhfErr *e);

/* Numeric top-level fields of event `event` (excluding "t"), in order of
 * first appearance, with how many records hold each; arrays malloc'd [*n]. */
int metrics_numeric_fields(const MetricsFile *m, const char *event, const char ***fields, int **counts,
                           int *n, RlhfErr *e);

/* Number of records with event `event`. */
int metrics_count(const MetricsFile *m, const char *event);

#endif
