/* bpe_train.h — learning byte-level BPE merges from text.
 *
 * Feed documents with bpe_trainer_add: each is pre-tokenized with GPT-2's
 * regex and every piece ("word") is counted once in a hash map. bpe_trainer_finish
 * then learns merges over the unique words only: pair counts are kept up to date
 * incrementally (pair -> count, pair -> the words containing it, a max-heap
 * with lazy deletion), so each merge touches just the words that contain its
 * pair instead of recounting the corpus.
 *
 * Each step merges the most frequent adjacent pair; ties go to the pair with
 * the smallest (left id, right id), so results are deterministic. Vocabulary:
 * ids 0..255 are the bytes, 256 + r is merge r, then the special tokens. */
#ifndef RLHF_BPE_TRAIN_H
#define RLHF_BPE_TRAIN_H

#include "tokenizer/bpe.h"

typedef struct BpeTrainer BpeTrainer;

typedef struct BpeTrainStats {
    uint64_t bytes, pieces;   /* text seen, pre-tokenized pieces */
    size_t unique_words;
    int merges;               /* merges learned (fewer than asked when pairs run out) */
    double count_s, merge_s;  /* seconds spent counting words / learning merges */
} BpeTrainStats;

BpeTrainer *bpe_trainer_new(RlhfErr *e);
void bpe_trainer_free(BpeTrainer *t);
/* Pre-tokenizes text[0..len) and counts its pieces. */
int bpe_trainer_add(BpeTrainer *t, const char *text, size_t len, RlhfErr *e);
/* Learns up to n_merges merges (stops early when the best pair occurs fewer
 * than min_count times) and returns the tokenizer; specials get the last ids.
 * The trainer's word counts are consumed: call it once. stats may be NULL. */
Tokenizer *bpe_trainer_finish(BpeTrainer *t, int n_merges, int min_count, const char *const *specials,
                              int n_specials, BpeTrainStats *stats, RlhfErr *e);

#endif
