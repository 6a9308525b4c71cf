/* metrics.c — see metrics.h. */
#include "util/metrics.h"

#include <errno.h>
#include <string.h>

int metrics_open(MetricsLog *m, const char *path, int append, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    jb_init(&m->buf);
    m->t0 = rlhf_now();
    if (!path) return 0;
    m->f = fopen(path, append ? "a" : "w");
    if (!m->f) return rlhf_err(e, "%s: cannot open metrics log: %s", path, strerror(errno));
    return 0;
}

JsonBuf *metrics_begin(MetricsLog *m, const char *event) {
    jb_reset(&m->buf);
    jb_obj_begin(&m->buf);
    jb_kv_str(&m->buf, "event", event);
    jb_kv_num(&m->buf, "t", rlhf_now() - m->t0);
    return &m->buf;
}

void metrics_end(MetricsLog *m) {
    jb_obj_end(&m->buf);
    if (m->f) {
        fwrite(m->buf.data, 1, m->buf.len, m->f);
        fputc('\n', m->f);
        fflush(m->f);
    }
}

void metrics_close(MetricsLog *m) {
    if (m->f) fclose(m->f);
    jb_free(&m->buf);
    m->f = NULL;
}
