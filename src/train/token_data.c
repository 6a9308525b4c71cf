/* token_data.c — see token_data.h. */
#include "train/token_data.h"

#include <stdlib.h>
#include <string.h>

void token_data_init(TokenData *d) { memset(d, 0, sizeof *d); }

void token_data_free(TokenData *d) {
    free(d->tokens);
    free(d->train);
    memset(d, 0, sizeof *d);
}

int token_data_append(TokenData *d, const int *ids, size_t n, int train_flag, RlhfErr *e) {
    if (d->n + n > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->n + n) cap *= 2;
        int *nt = realloc(d->tokens, cap * sizeof *nt);
        if (!nt) return rlhf_err(e, "out of memory growing token stream to %zu tokens", cap);
        d->tokens = nt;
        uint8_t *nm = realloc(d->train, cap);
        if (!nm) return rlhf_err(e, "out of memory growing token stream to %zu tokens", cap);
        d->train = nm;
        d->cap = cap;
    }
    memcpy(d->tokens + d->n, ids, n * sizeof *ids);
    memset(d->train + d->n, train_flag ? 1 : 0, n);
    d->n += n;
    return 0;
}

long token_data_batch(const TokenData *d, size_t *cursor, int B, int T, float scale, int *inputs, int *targets,
                      float *weights) {
    long trained = 0;
    for (int b = 0; b < B; b++) {
        if (*cursor + (size_t)T + 1 > d->n) *cursor = 0;
        const int *src = d->tokens + *cursor;
        const uint8_t *tr = d->train + *cursor;
        for (int t = 0; t < T; t++) {
            inputs[b * T + t] = src[t];
            targets[b * T + t] = src[t + 1];
            int on = tr[t + 1];
            weights[b * T + t] = on ? scale : 0.0f;
            trained += on;
        }
        *cursor += (size_t)T;
    }
    return trained;
}
