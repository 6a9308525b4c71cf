/* common.h — the error convention and small helpers every module uses.
 *
 * Library functions never exit(): they return 0 on success and -1 on failure,
 * having written a message that names the file, line or field at fault into a
 * caller-owned RlhfErr. The CLI prints it and picks the exit code. */
#ifndef RLHF_COMMON_H
#define RLHF_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct RlhfErr {
    char msg[1024];
} RlhfErr;

/* Sets e->msg (when e is not NULL) and returns -1, so `return rlhf_err(e, ...)` works. */
int rlhf_err(RlhfErr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes an existing message: "ctx: old message". Returns -1. */
int rlhf_err_wrap(RlhfErr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Allocation that returns NULL and sets e on failure (no abort in library code). */
void *rlhf_malloc(size_t n, RlhfErr *e);
void *rlhf_calloc(size_t n, size_t size, RlhfErr *e);
/* Frees n strings and the array that holds them (NULL-safe). */
void rlhf_free_strs(char **s, int n);

/* Monotonic wall clock in seconds. */
double rlhf_now(void);

/* Whole-file read into a NUL-terminated buffer (gz files are inflated). */
int rlhf_read_file(const char *path, char **out, size_t *len, RlhfErr *e);
/* Atomic write: temp file in the same directory, fsync, rename, fsync dir. */
int rlhf_write_file_atomic(const char *path, const void *data, size_t len, RlhfErr *e);
/* mkdir -p */
int rlhf_mkdirs(const char *path, RlhfErr *e);
int rlhf_file_exists(const char *path);
/* fopen(path, "rb") of a regular file (not a directory or a FIFO), and its size;
 * NULL with e naming the path otherwise. The checkpoint readers start here. */
FILE *rlhf_open_regular(const char *path, uint64_t *size, RlhfErr *e);

#define RLHF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RLHF_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RLHF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
