/* dist_batch.c — see dist_batch.h. */
#include "dist/dist_batch.h"

/* Advances *cursor past nwin windows with token_data_batch's wrap rule and
 * returns the trained targets in them. tests/test_dist.c checks that the rows
 * read this way equal those of one token_data_batch over the global batch, so
 * a change to that rule shows up there. */
static long skip_windows(const TokenData *d, size_t *cursor, long nwin, int T) {
    long trained = 0;
    for (long w = 0; w < nwin; w++) {
        if (*cursor + (size_t)T + 1 > d->n) *cursor = 0;
        const uint8_t *tr = d->train + *cursor + 1;
        for (int t = 0; t < T; t++) trained += tr[t];
        *cursor += (size_t)T;
    }
    return trained;
}

long dist_lm_batch(const TokenData *d, size_t *cursor, int B, int T, int rank, int size, float scale, int *inputs,
                   int *targets, float *weights, long *trained_all) {
    long before = skip_windows(d, cursor, (long)rank * B, T);
    long mine = token_data_batch(d, cursor, B, T, scale, inputs, targets, weights);
    long after = skip_windows(d, cursor, (long)(size - 1 - rank) * B, T);
    if (trained_all) *trained_all = before + mine + after;
    return mine;
}
