/* dist.c — see dist.h. */
#include "dist/dist.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RLHF_MPI
#include <mpi.h>
#endif

/* MPI itself is process-global state (one MPI_Init per process, one
 * MPI_COMM_WORLD), so whether this process has joined it is too: these three
 * values mirror MPI's own state and are written only by dist_init and
 * dist_finalize. Nothing else in the library keeps global mutable state. */
enum { DIST_OFF, DIST_ON, DIST_DONE };
static int dist_state = DIST_OFF;
static int dist_rank_v = 0, dist_size_v = 1;

/* Gradient buffers are cut into chunks of this many floats (4 MB): MPI counts
 * are int, and bounded chunks keep MPI's internal scratch buffers small. */
#define DIST_BUCKET ((size_t)1 << 20)
/* Gathers keep their per-rank counts on the stack up to this many ranks. */
#define DIST_MAX_RANKS_GATHER 64

int dist_compiled(void) {
#ifdef RLHF_MPI
    return 1;
#else
    return 0;
#endif
}

/* The world size an MPI launcher announced in the environment; 0 when the
 * process was not started by one (a plain ./rlhf). */
static long launched_size(void) {
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            long n = strtol(v, NULL, 10);
            return n > 0 ? n : 1;
        }
    }
    if (getenv("PMIX_RANK") || getenv("PMI_RANK")) return 1;   /* launched, size unknown here */
    return 0;
}

int dist_init(int *argc, char ***argv, RlhfErr *e) {
    if (dist_state != DIST_OFF) return 0;
    long n = launched_size();
    if (n == 0) return 0;
#ifdef RLHF_MPI
    int provided = 0;
    /* FUNNELED: OpenMP threads compute, only the main thread talks to MPI. */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return rlhf_err(e, "dist: MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &dist_rank_v);
    MPI_Comm_size(MPI_COMM_WORLD, &dist_size_v);
    dist_state = DIST_ON;
    atexit(dist_finalize);
    return 0;
#else
    (void)argc; (void)argv;
    if (n > 1)
        return rlhf_err(e, "dist: launched as one of %ld MPI processes, but this rlhf was built without MPI "
                           "(install libopenmpi-dev and rebuild); refusing to run %ld independent copies", n, n);
    return 0;
#endif
}

int dist_rank(void) { return dist_rank_v; }
int dist_size(void) { return dist_size_v; }
int dist_is_root(void) { return dist_rank_v == 0; }

void dist_allreduce_mean(float *buf, size_t n) {
#ifdef RLHF_MPI
    if (dist_state != DIST_ON || dist_size_v == 1) return;
    for (size_t off = 0; off < n; off += DIST_BUCKET) {
        size_t k = n - off < DIST_BUCKET ? n - off : DIST_BUCKET;
        MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    /* divide rather than multiply by 1/size: exact for powers of two, and the
     * correctly rounded quotient otherwise */
    float s = (float)dist_size_v;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) buf[i] /= s;
#else
    (void)buf; (void)n;
#endif
}

void dist_allreduce_sum_double(double *buf, size_t n) {
#ifdef RLHF_MPI
    if (dist_state != DIST_ON || dist_size_v == 1) return;
    for (size_t off = 0; off < n; off += DIST_BUCKET) {
        size_t k = n - off < DIST_BUCKET ? n - off : DIST_BUCKET;
        MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
#else
    (void)buf; (void)n;
#endif
}

void dist_allgather_shards(void *buf, size_t item_bytes, long n) {
#ifdef RLHF_MPI
    if (dist_state != DIST_ON || dist_size_v == 1 || n <= 0) return;
    int counts[DIST_MAX_RANKS_GATHER], displs[DIST_MAX_RANKS_GATHER];
    int *cnt = counts, *dsp = displs;
    if (dist_size_v > DIST_MAX_RANKS_GATHER) {
        cnt = malloc((size_t)dist_size_v * sizeof *cnt);
        dsp = malloc((size_t)dist_size_v * sizeof *dsp);
        if (!cnt || !dsp) MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if ((size_t)n * item_bytes > (size_t)INT_MAX) {
        fprintf(stderr, "dist: allgather of %zu bytes exceeds MPI's int counts\n", (size_t)n * item_bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int r = 0; r < dist_size_v; r++) {
        long b, e;
        dist_shard(n, r, dist_size_v, &b, &e);
        cnt[r] = (int)((size_t)(e - b) * item_bytes);
        dsp[r] = (int)((size_t)b * item_bytes);
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, cnt, dsp, MPI_BYTE, MPI_COMM_WORLD);
    if (cnt != counts) { free(cnt); free(dsp); }
#else
    (void)buf; (void)item_bytes; (void)n;
#endif
}

void dist_bcast(void *buf, size_t bytes) {
#ifdef RLHF_MPI
    if (dist_state != DIST_ON || dist_size_v == 1) return;
    size_t chunk = DIST_BUCKET * sizeof(float);
    for (size_t off = 0; off < bytes; off += chunk) {
        size_t k = bytes - off < chunk ? bytes - off : chunk;
        MPI_Bcast((char *)buf + off, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
#else
    (void)buf; (void)bytes;
#endif
}

int dist_any(int flag) {
#ifdef RLHF_MPI
    if (dist_state != DIST_ON || dist_size_v == 1) return flag != 0;
    int f = flag != 0;
    MPI_Allreduce(MPI_IN_PLACE, &f, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return f;
#else
    return flag != 0;
#endif
}

void dist_abort(int code) {
#ifdef RLHF_MPI
    if (dist_state == DIST_ON && dist_size_v > 1) MPI_Abort(MPI_COMM_WORLD, code);
#else
    (void)code;
#endif
}

void dist_barrier(void) {
#ifdef RLHF_MPI
    if (dist_state == DIST_ON && dist_size_v > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void dist_finalize(void) {
#ifdef RLHF_MPI
    if (dist_state != DIST_ON) return;
    int done = 0;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
#endif
    if (dist_state == DIST_ON) dist_state = DIST_DONE;
}

void dist_shard(long n, int rank, int size, long *begin, long *end) {
    if (size < 1) size = 1;
    long q = n / size, r = n % size;
    *begin = (long)rank * q + (rank < r ? rank : r);
    *end = *begin + q + (rank < r ? 1 : 0);
}
