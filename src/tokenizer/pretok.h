/* pretok.h — GPT-2's pre-tokenizer: splits bytes into the pieces BPE runs on.
 *
 * The pattern is GPT-2's, compiled once with PCRE2 (8-bit, UTF + Unicode
 * properties, JIT):
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * It is compiled with PCRE2_MATCH_INVALID_UTF, so any byte string is accepted:
 * invalid UTF-8 is never part of a match, and each maximal run of bytes between
 * matches becomes a piece of its own. The pieces tile the input exactly, so
 * concatenating them gives back the original bytes.
 *
 * A Pretok is read-only after creation and may be shared by threads; each
 * thread iterates with its own PretokCursor (which owns PCRE2 match data). */
#ifndef RLHF_PRETOK_H
#define RLHF_PRETOK_H

#include "util/common.h"

typedef struct Pretok Pretok;

Pretok *pretok_new(RlhfErr *e);
void pretok_free(Pretok *p);

typedef struct PretokCursor {
    const Pretok *p;
    void *md;               /* pcre2_match_data_8 * */
    const char *s;
    size_t len, pos;
    size_t next_b, next_e;  /* a match found after a gap, returned on the next call */
    int have_next;
} PretokCursor;

int pretok_cursor_init(PretokCursor *c, const Pretok *p, RlhfErr *e);
void pretok_cursor_free(PretokCursor *c);
/* Starts iterating over s[0..len) (s is not copied). */
void pretok_cursor_reset(PretokCursor *c, const char *s, size_t len);
/* Next piece s[*b..*e): returns 1, or 0 at the end, or -1 (with e set) when
 * the matcher fails (e.g. PCRE2 resource limits). */
int pretok_next(PretokCursor *c, size_t *b, size_t *end, RlhfErr *e);

#endif
