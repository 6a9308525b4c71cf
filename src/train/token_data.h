/* token_data.h — a token stream for language-model training: documents
 * tokenized and concatenated, each followed by <|endoftext|>, with a per-token
 * loss weight (1 for every token in pretraining; 1 only on Assistant replies
 * and their end token in supervised fine-tuning).
 *
 * Batches are consecutive windows of T+1 tokens read at a cursor (as llm.c
 * does), so the whole data position is one number that a checkpoint stores. */
#ifndef RLHF_TOKEN_DATA_H
#define RLHF_TOKEN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "util/common.h"

typedef struct TokenData {
    int *tokens;         /* (n) */
    uint8_t *train;      /* (n) 1 = this token is a training target */
    size_t n, cap;
    long n_docs;
} TokenData;

void token_data_init(TokenData *d);
void token_data_free(TokenData *d);
/* Appends tokens; train_flag applies to all of them. */
int token_data_append(TokenData *d, const int *ids, size_t n, int train_flag, RlhfErr *e);

/* Fills inputs/targets (B,T) and weights (B,T) from the window at *cursor and
 * advances it by B·T (wrapping to 0 when the next window would run past the
 * end). weights[i] = scale when targets[i] is trained, else 0. Returns the
 * number of trained targets in the batch. Requires n > T + 1. */
long token_data_batch(const TokenData *d, size_t *cursor, int B, int T, float scale, int *inputs, int *targets,
                      float *weights);

#endif
