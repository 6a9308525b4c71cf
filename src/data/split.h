/* split.h — deterministic data splits by a keyed hash of the conversation.
 *
 * Every comparison is assigned to a part (train / val / test, or a fence half)
 * by SipHash-2-4 of its conversation's FIRST Human turn, keyed by a salt. Why
 * the first Human turn and not the whole prompt: HH-RLHF holds several rows per
 * conversation — other replies to the same context, and longer continuations of
 * the same dialogue (the prompt of one row is a prefix of another's). Hashing
 * the whole prompt would put "turn 3 of conversation X" in train and "turn 5 of
 * X" in test, leaking the conversation. Everything that shares an opening
 * request lands on one side. (Two unrelated conversations that open with the
 * same words also land together; that only makes the split more conservative.)
 *
 * Why SipHash with a salt: the salt is a key, so splits made with different
 * salts are independent (the fence halves are uncorrelated with train/test),
 * and the assignment is stable across runs, machines and file orders. */
#ifndef RLHF_SPLIT_H
#define RLHF_SPLIT_H

#include "util/common.h"

#define SPLIT_MAX_PARTS 16
/* The project's standard salts: every command that makes the 70/30 split of the
 * HH-RLHF pool uses SPLIT_SALT_DEFAULT, so pretraining, judge training and the
 * baselines agree on which conversations are held out. */
#define SPLIT_SALT_DEFAULT 20220412ULL   /* the HH paper's arXiv date */
#define SPLIT_SALT_FENCE   0xFE9CEULL    /* robustness-fence halves */

/* SipHash-2-4 (Aumasson & Bernstein) of data under the 128-bit key (k0, k1). */
uint64_t split_siphash(const void *data, size_t len, uint64_t k0, uint64_t k1);

/* The split key of a prompt (an HH transcript prefix, or plain text): the hash
 * of its first Human turn, whitespace-trimmed, under the salt. */
uint64_t split_key(const char *prompt, size_t len, uint64_t salt);

/* Maps a key to a part: u = top 53 bits / 2^53 in [0,1), then the first part
 * whose cumulative fraction exceeds u. fractions need not sum to 1 (they are
 * normalised); nparts in 1..SPLIT_MAX_PARTS. */
int split_of_key(uint64_t key, const double *fractions, int nparts);

/* split_of_key(split_key(prompt, strlen(prompt), salt), ...). */
int split_of(const char *prompt, uint64_t salt, const double *fractions, int nparts);

/* Parses "0.7" (-> {0.7, 0.3}) or "0.8,0.1,0.1" (used as given; must sum to 1
 * within 1e-6). All fractions must be in (0, 1). Returns nparts or -1. */
int split_parse_fractions(const char *s, double *fractions, int max_parts, RlhfErr *e);

/* Conventional part names: 2 parts train/test, 3 parts train/val/test,
 * otherwise "part<i>". Writes into buf and returns it. */
const char *split_part_name(int part, int nparts, char *buf, size_t n);

#endif
