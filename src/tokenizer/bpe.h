/* bpe.h — byte-level BPE tokenizer (GPT-2 style): encode, decode, load, save.
 *
 * A vocabulary is a table of token byte strings (id -> bytes), one token per
 * byte value, an ordered list of merges (rank r: ids a, b -> id c with
 * bytes(c) = bytes(a) bytes(b)) and special tokens (e.g. <|endoftext|>) that
 * BPE never produces and that are recognised in text only when the caller
 * allows it. Encoding pre-tokenizes with GPT-2's regex (pretok.h), then merges
 * each piece lowest rank first, which reproduces GPT-2's ids exactly when the
 * GPT-2 files are loaded. Any byte string round-trips: decode(encode(x)) == x.
 *
 * Vocabularies we train (bpe_train.h) use ids 0..255 for the bytes 0..255,
 * then one id per merge, then the special tokens.
 *
 * Threads: a Tokenizer is read-only once loaded except for the encoder behind
 * tok_encode (word cache and scratch). For encoding from several threads give
 * each thread its own TokEncoder (tok_encoder_new) and use tok_encoder_encode. */
#ifndef RLHF_BPE_H
#define RLHF_BPE_H

#include "util/common.h"

#define TOK_EOT_STRING "<|endoftext|>"
#define TOK_FILE_MAGIC "rlhf-bpe-tokenizer"
#define TOK_FILE_VERSION 1

typedef struct Tokenizer Tokenizer;
typedef struct TokEncoder TokEncoder;

/* Growable id buffer the encoder appends to (zero-initialise; tok_ids_free). */
typedef struct TokIds {
    int *ids;
    size_t n, cap;
} TokIds;
void tok_ids_free(TokIds *v);

/* Growable byte buffer the decoder appends to (zero-initialise; tok_bytes_free).
 * data is kept NUL-terminated for convenience; len excludes the NUL. */
typedef struct TokBytes {
    char *data;
    size_t len, cap;
} TokBytes;
void tok_bytes_free(TokBytes *b);

/* Our own format (see docs/TOKENIZER.md), written by tok_save. */
Tokenizer *tok_load(const char *path, RlhfErr *e);
int tok_save(const Tokenizer *tok, const char *path, RlhfErr *e);
/* OpenAI's GPT-2 files: encoder.json (token string -> id) and vocab.bpe (merges). */
Tokenizer *tok_load_gpt2(const char *encoder_json, const char *vocab_bpe, RlhfErr *e);
/* Convenience: dir/encoder.json + dir/vocab.bpe. */
Tokenizer *tok_load_gpt2_dir(const char *dir, RlhfErr *e);
void tok_free(Tokenizer *tok);

/* Builds a tokenizer from parts (used by the trainer and the loaders; copies
 * everything). tokens: n_vocab byte strings by id; merges: n_merges triples
 * (a, b, c) in rank order; specials: ids whose bytes are matched as specials.
 * Validates: every byte value has exactly one single-byte non-special token,
 * bytes(c) = bytes(a) bytes(b), ids in range; what names errors. */
Tokenizer *tok_build(int n_vocab, const char *const *tok_bytes, const size_t *tok_lens, int n_merges,
                     const int (*merges)[3], int n_special, const int *special_ids, const char *what,
                     RlhfErr *e);

int tok_vocab_size(const Tokenizer *tok);
int tok_n_merges(const Tokenizer *tok);
/* Id of <|endoftext|>, or -1 when the vocabulary has none. */
int tok_eot(const Tokenizer *tok);
/* Id of a special token by its text, or -1. */
int tok_special_id(const Tokenizer *tok, const char *text);
int tok_is_special(const Tokenizer *tok, int id);
/* The bytes of one token (not NUL-terminated), or NULL when id is out of range. */
const char *tok_token_bytes(const Tokenizer *tok, int id, size_t *len);
/* The sampler's decode callback (ctx = const Tokenizer *): the bytes of ids
 * concatenated into out, truncated at cap; returns the length, -1 on a bad id. */
int tok_decode_cb(void *ctx, const int *ids, int n, char *out, int cap);
/* Merge rank r as (a, b, c); returns -1 when r is out of range. */
int tok_merge(const Tokenizer *tok, int r, int *a, int *b, int *c);

/* Appends the ids of bytes[0..len) to out. allow_special: occurrences of the
 * special tokens' text become their ids; otherwise they are encoded as plain
 * text (as GPT-2's encoder does). Uses the tokenizer's own encoder: not for
 * concurrent use on one Tokenizer. */
int tok_encode(Tokenizer *tok, const char *bytes, size_t len, int allow_special, TokIds *out, RlhfErr *e);
/* Appends the bytes of ids[0..n) to out; fails on an id out of range. */
int tok_decode(const Tokenizer *tok, const int *ids, size_t n, TokBytes *out, RlhfErr *e);

/* A per-thread encoder: PCRE2 match data, a word -> ids cache and scratch. */
TokEncoder *tok_encoder_new(const Tokenizer *tok, RlhfErr *e);
void tok_encoder_free(TokEncoder *enc);
int tok_encoder_encode(TokEncoder *enc, const char *bytes, size_t len, int allow_special, TokIds *out,
                       RlhfErr *e);

/* GPT-2's byte <-> printable-unicode mapping (bytes_to_unicode in encoder.py):
 * the code point that stands for byte b in encoder.json / vocab.bpe, and the
 * inverse (-1 when cp stands for no byte). */
int tok_gpt2_byte_to_cp(int b);
int tok_gpt2_cp_to_byte(int cp);

#endif
