/* dist.h — data-parallel training over MPI: N processes ("ranks") each run
 * the same loop on a shard of every batch and average their gradients.
 *
 *   dist_init(&argc, &argv, &e);          // MPI only when launched by mpirun
 *   ... each rank takes rows [r·B, (r+1)·B) of the global batch of B·size ...
 *   gpt2_backward(m);
 *   dist_allreduce_mean(m->grad_mem, m->num_params);   // before clipping
 *   if (dist_is_root()) save checkpoint / write metrics / draw progress;
 *   dist_finalize();
 *
 * A plain `./rlhf` never touches MPI: dist_init only calls MPI_Init when the
 * launcher's environment says so (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_SIZE),
 * and every other call is then a no-op for one rank of size 1. MPI support is
 * compiled in when RLHF_MPI is defined (the Makefile does that when
 * `pkg-config ompi-c` succeeds); without it, a launch by mpirun with more than
 * one process is refused by dist_init rather than run N independent copies.
 *
 * Collectives abort the whole job on an MPI error (MPI's default handler):
 * a failed collective leaves the other ranks blocked, so there is nothing a
 * caller could do with an error code. See docs/DISTRIBUTED.md. */
#ifndef RLHF_DIST_H
#define RLHF_DIST_H

#include <stddef.h>

#include "util/common.h"

/* 1 when built with MPI support. */
int dist_compiled(void);
/* Initialises MPI when launched by mpirun/srun (idempotent). argc/argv may be
 * NULL. Registers dist_finalize with atexit, so a process that returns from
 * main on any path still leaves MPI cleanly. Returns 0 or -1 with e set. */
int dist_init(int *argc, char ***argv, RlhfErr *e);
/* This process's rank in [0, size) and the number of ranks (0 and 1 without MPI). */
int dist_rank(void);
int dist_size(void);
int dist_is_root(void);
/* buf[i] = mean over ranks of buf[i], in place; bucketed into chunks of a few MB. */
void dist_allreduce_mean(float *buf, size_t n);
/* buf[i] = sum over ranks of buf[i], in place (losses, token counts, stats). */
void dist_allreduce_sum_double(double *buf, size_t n);
/* buf holds n items of item_bytes each; rank r has filled its dist_shard share
 * [begin, end) of them. Afterwards every rank holds all n (MPI_Allgatherv in
 * place). For per-row results that each rank computed for its own rows. */
void dist_allgather_shards(void *buf, size_t item_bytes, long n);
/* Copies rank 0's bytes to every rank. */
void dist_bcast(void *buf, size_t bytes);
void dist_barrier(void);
/* 1 on every rank when flag is nonzero on any rank: after an action only some
 * ranks did (rank 0 writing a checkpoint), so all stop together, not hang. */
int dist_any(int flag);
/* Ends every rank of the job with this exit code (MPI_Abort) when there is
 * more than one; returns without doing anything otherwise. For a failure one
 * rank may have alone: the others would otherwise wait forever in the next
 * collective. */
void dist_abort(int code);
/* Leaves MPI (idempotent; later collectives are no-ops, rank/size keep their values). */
void dist_finalize(void);

/* The contiguous share [*begin, *end) of n items that rank `rank` of `size`
 * takes: sizes differ by at most one, earlier ranks take the extra items. */
void dist_shard(long n, int rank, int size, long *begin, long *end);

#endif
