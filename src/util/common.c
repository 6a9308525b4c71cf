/* common.c — error messages, checked allocation, clock, whole-file and atomic I/O. */
#include "util/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

int rlhf_err(RlhfErr *e, const char *fmt, ...) {
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int rlhf_err_wrap(RlhfErr *e, const char *fmt, ...) {
    if (e) {
        char prefix[512], old[sizeof e->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, e->msg, sizeof old);
        snprintf(e->msg, sizeof e->msg, "%.500s: %.500s", prefix, old);
    }
    return -1;
}

void *rlhf_malloc(size_t n, RlhfErr *e) {
    void *p = malloc(n ? n : 1);
    if (!p) rlhf_err(e, "out of memory allocating %zu bytes", n);
    return p;
}

void *rlhf_calloc(size_t n, size_t size, RlhfErr *e) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) rlhf_err(e, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void rlhf_free_strs(char **s, int n) {
    if (!s) return;
    for (int i = 0; i < n; i++) free(s[i]);
    free(s);
}

double rlhf_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int rlhf_read_file(const char *path, char **out, size_t *len, RlhfErr *e) {
    *out = NULL;
    if (len) *len = 0;
    size_t cap = 1 << 16, n = 0;
    char *buf = rlhf_malloc(cap, e);
    if (!buf) return -1;
    if (ends_with(path, ".gz")) {
        gzFile gz = gzopen(path, "rb");
        if (!gz) { free(buf); return rlhf_err(e, "%s: cannot open: %s", path, strerror(errno)); }
        for (;;) {
            if (cap - n < 65536) {
                char *nb = realloc(buf, cap *= 2);
                if (!nb) { free(buf); gzclose(gz); return rlhf_err(e, "%s: out of memory", path); }
                buf = nb;
            }
            int r = gzread(gz, buf + n, (unsigned)(cap - n - 1));
            if (r < 0) {
                int zerr; const char *m = gzerror(gz, &zerr);
                free(buf); gzclose(gz);
                return rlhf_err(e, "%s: corrupt gzip data: %s", path, m);
            }
            if (r == 0) break;
            n += (size_t)r;
        }
        gzclose(gz);
    } else {
        FILE *f = fopen(path, "rb");
        if (!f) { free(buf); return rlhf_err(e, "%s: cannot open: %s", path, strerror(errno)); }
        for (;;) {
            if (cap - n < 65536) {
                char *nb = realloc(buf, cap *= 2);
                if (!nb) { free(buf); fclose(f); return rlhf_err(e, "%s: out of memory", path); }
                buf = nb;
            }
            size_t r = fread(buf + n, 1, cap - n - 1, f);
            n += r;
            if (r == 0) break;
        }
        int bad = ferror(f);
        fclose(f);
        if (bad) { free(buf); return rlhf_err(e, "%s: read error", path); }
    }
    buf[n] = 0;
    *out = buf;
    if (len) *len = n;
    return 0;
}

int rlhf_write_file_atomic(const char *path, const void *data, size_t len, RlhfErr *e) {
    size_t pl = strlen(path);
    char *tmp = rlhf_malloc(pl + 32, e);
    if (!tmp) return -1;
    snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { rlhf_err(e, "%s: cannot create: %s", tmp, strerror(errno)); free(tmp); return -1; }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            rlhf_err(e, "%s: write failed: %s", tmp, strerror(errno));
            close(fd); unlink(tmp); free(tmp); return -1;
        }
        p += w; left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        rlhf_err(e, "%s: fsync/close failed: %s", tmp, strerror(errno));
        unlink(tmp); free(tmp); return -1;
    }
    if (rename(tmp, path) != 0) {
        rlhf_err(e, "%s: rename to %s failed: %s", tmp, path, strerror(errno));
        unlink(tmp); free(tmp); return -1;
    }
    free(tmp);
    /* fsync the directory so the rename itself survives a crash */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash) { *slash = 0; d = slash == dir ? "/" : dir; }
        int dfd = open(d, O_RDONLY);
        if (dfd >= 0) { fsync(dfd); close(dfd); }
        free(dir);
    }
    return 0;
}

int rlhf_mkdirs(const char *path, RlhfErr *e) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return rlhf_err(e, "bad directory path '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return rlhf_err(e, "%s: cannot create directory: %s", buf, strerror(errno));
            buf[i] = c;
        }
    }
    return 0;
}

int rlhf_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

FILE *rlhf_open_regular(const char *path, uint64_t *size, RlhfErr *e) {
    FILE *f = fopen(path, "rb");
    if (!f) { rlhf_err(e, "%s: cannot open: %s", path, strerror(errno)); return NULL; }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rlhf_err(e, "%s: not a regular file", path);
        fclose(f);
        return NULL;
    }
    *size = (uint64_t)st.st_size;
    return f;
}
