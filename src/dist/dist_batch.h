/* dist_batch.h — which rows of a global language-model batch this rank reads.
 *
 * One rank with batch B·size reads B·size consecutive windows at the cursor
 * (token_data_batch). With `size` ranks, rank r reads rows [r·B, (r+1)·B) of
 * that same window sequence, and every rank advances the cursor past all
 * B·size windows, so the cursor (what a checkpoint stores) and the data each
 * optimizer step sees are the same whatever the number of ranks. */
#ifndef RLHF_DIST_BATCH_H
#define RLHF_DIST_BATCH_H

#include "train/token_data.h"

/* Fills inputs/targets/weights (B,T) with rank's rows of the global batch at
 * *cursor, weights = scale on trained targets, and advances *cursor past the
 * whole global batch. Returns the trained targets in this rank's rows; stores
 * those of the whole global batch (all ranks) in *trained_all, counted
 * locally, so normalising by it needs no communication. */
long dist_lm_batch(const TokenData *d, size_t *cursor, int B, int T, int rank, int size, float scale, int *inputs,
                   int *targets, float *weights, long *trained_all);

#endif
