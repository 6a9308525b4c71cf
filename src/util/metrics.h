/* metrics.h — every run writes its metrics as JSON Lines: one object per event,
 * flushed as written so a killed run keeps what it measured.
 *
 *   MetricsLog m; metrics_open(&m, "run/metrics.jsonl", 1, &e);
 *   JsonBuf *b = metrics_begin(&m, "train");   // {"event":"train","t":12.3,
 *   jb_kv_int(b, "step", step); jb_kv_num(b, "loss", loss);
 *   metrics_end(&m);                           // ...}\n written + flushed */
#ifndef RLHF_METRICS_H
#define RLHF_METRICS_H

#include <stdio.h>

#include "util/common.h"
#include "util/json.h"

typedef struct MetricsLog {
    FILE *f;
    JsonBuf buf;
    double t0;
} MetricsLog;

/* append = 1 keeps earlier lines (resume); path NULL makes a log that discards. */
int metrics_open(MetricsLog *m, const char *path, int append, RlhfErr *e);
JsonBuf *metrics_begin(MetricsLog *m, const char *event);
void metrics_end(MetricsLog *m);
void metrics_close(MetricsLog *m);

#endif
