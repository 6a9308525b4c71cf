/* bpe.c — byte-level BPE: the vocabulary, encoding and decoding (see bpe.h).
 *
 * Encoding one pre-tokenized piece ("word"): start from one symbol per byte,
 * keep the symbols in a linked list and every adjacent pair that has a merge
 * rank in a min-heap keyed by (rank, position). Popping the heap applies the
 * lowest-rank merge at its leftmost position; entries made stale by earlier
 * merges are detected on pop (the pair now at that position has a different
 * rank) and dropped. Because a merge's result only takes part in later-ranked
 * merges, this applies each rank's occurrences left to right exactly like
 * GPT-2's "merge every occurrence of the best bigram" loop, in O(n log n)
 * instead of O(n^2). Words seen before come from a per-encoder cache. */
#include "tokenizer/bpe.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/pretok.h"
#include "util/hash.h"

#define EMPTY_KEY UINT64_MAX

typedef struct MergeSlot {
    uint64_t key;   /* (a << 32) | b, or EMPTY_KEY */
    int rank, id;
} MergeSlot;

struct Tokenizer {
    int n_vocab, n_merges, n_special;
    char *bytes;            /* all token bytes, concatenated by id */
    size_t *off;            /* [n_vocab + 1]: token i is bytes[off[i] .. off[i+1]) */
    int byte_id[256];       /* token of each single byte */
    int (*merges)[3];       /* [n_merges]: a, b -> c, by rank */
    MergeSlot *mt;          /* open-addressing merge table */
    uint64_t mt_mask;
    int *special_ids;       /* [n_special], longest text first (so longer specials win) */
    unsigned char *is_special; /* [n_vocab] */
    int eot;
    Pretok *pretok;
    TokEncoder *enc;        /* tok_encode's encoder, created on first use */
};

/* ---- small helpers ---- */

void tok_ids_free(TokIds *v) {
    free(v->ids);
    memset(v, 0, sizeof *v);
}

void tok_bytes_free(TokBytes *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int ids_reserve(TokIds *v, size_t extra, RlhfErr *e) {
    if (v->n + extra <= v->cap) return 0;
    size_t cap = v->cap ? v->cap : 256;
    while (cap < v->n + extra) cap *= 2;
    int *p = realloc(v->ids, cap * sizeof *p);
    if (!p) return rlhf_err(e, "out of memory growing the id buffer to %zu ids", cap);
    v->ids = p;
    v->cap = cap;
    return 0;
}

static int bytes_reserve(TokBytes *b, size_t extra, RlhfErr *e) {
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return rlhf_err(e, "out of memory growing the byte buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

/* ---- merge table ---- */

static inline int merge_lookup(const Tokenizer *t, int a, int b, int *id) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    for (uint64_t i = mix64(key) & t->mt_mask;; i = (i + 1) & t->mt_mask) {
        const MergeSlot *s = &t->mt[i];
        if (s->key == key) { *id = s->id; return s->rank; }
        if (s->key == EMPTY_KEY) return -1;
    }
}

/* ---- building ---- */

void tok_free(Tokenizer *t) {
    if (!t) return;
    tok_encoder_free(t->enc);
    pretok_free(t->pretok);
    free(t->bytes);
    free(t->off);
    free(t->merges);
    free(t->mt);
    free(t->special_ids);
    free(t->is_special);
    free(t);
}

static size_t tlen(const Tokenizer *t, int id) { return t->off[id + 1] - t->off[id]; }
static const char *tptr(const Tokenizer *t, int id) { return t->bytes + t->off[id]; }

static int cmp_special_len_desc(const Tokenizer *t, int a, int b) {
    size_t la = tlen(t, a), lb = tlen(t, b);
    return la != lb ? (la > lb ? -1 : 1) : (a < b ? -1 : 1);
}

Tokenizer *tok_build(int n_vocab, const char *const *tok_bytes, const size_t *tok_lens, int n_merges,
                     const int (*merges)[3], int n_special, const int *special_ids, const char *what,
                     RlhfErr *e) {
    if (!what) what = "tokenizer";
    if (n_vocab < 256 || n_merges < 0 || n_special < 0)
        return rlhf_err(e, "%s: vocabulary of %d tokens, %d merges, %d specials is invalid", what, n_vocab,
                        n_merges, n_special), NULL;
    Tokenizer *t = rlhf_calloc(1, sizeof *t, e);
    if (!t) return NULL;
    t->n_vocab = n_vocab;
    t->n_merges = n_merges;
    t->n_special = n_special;
    t->eot = -1;
    size_t total = 0;
    for (int i = 0; i < n_vocab; i++) total += tok_lens[i];
    t->off = rlhf_malloc((size_t)(n_vocab + 1) * sizeof *t->off, e);
    t->bytes = rlhf_malloc(total, e);
    t->is_special = rlhf_calloc((size_t)n_vocab, 1, e);
    t->merges = rlhf_malloc((size_t)n_merges * sizeof *t->merges, e);
    t->special_ids = rlhf_malloc((size_t)n_special * sizeof *t->special_ids, e);
    uint64_t cap = 16;
    while (cap < (uint64_t)n_merges * 2 + 16) cap *= 2;
    t->mt = rlhf_malloc(cap * sizeof *t->mt, e);
    t->mt_mask = cap - 1;
    unsigned char *avail = rlhf_calloc((size_t)n_vocab, 1, e); /* token exists before the current rank */
    if (!t->off || !t->bytes || !t->is_special || !t->merges || !t->special_ids || !t->mt || !avail) goto fail;
    for (uint64_t i = 0; i < cap; i++) t->mt[i].key = EMPTY_KEY;
    size_t o = 0;
    for (int i = 0; i < n_vocab; i++) {
        if (tok_lens[i] == 0) { rlhf_err(e, "%s: token %d is empty", what, i); goto fail; }
        t->off[i] = o;
        memcpy(t->bytes + o, tok_bytes[i], tok_lens[i]);
        o += tok_lens[i];
    }
    t->off[n_vocab] = o;

    for (int i = 0; i < n_special; i++) {
        int id = special_ids[i];
        if (id < 0 || id >= n_vocab) { rlhf_err(e, "%s: special token id %d out of range", what, id); goto fail; }
        if (t->is_special[id]) { rlhf_err(e, "%s: special token id %d listed twice", what, id); goto fail; }
        t->is_special[id] = 1;
        t->special_ids[i] = id;
        if (tlen(t, id) == strlen(TOK_EOT_STRING) && !memcmp(tptr(t, id), TOK_EOT_STRING, tlen(t, id))) t->eot = id;
    }
    /* insertion sort, longest first: a special that contains another must win */
    for (int i = 1; i < n_special; i++)
        for (int j = i; j > 0 && cmp_special_len_desc(t, t->special_ids[j], t->special_ids[j - 1]) < 0; j--) {
            int tmp = t->special_ids[j];
            t->special_ids[j] = t->special_ids[j - 1];
            t->special_ids[j - 1] = tmp;
        }

    for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
    for (int i = 0; i < n_vocab; i++) {
        if (t->is_special[i] || tlen(t, i) != 1) continue;
        int b = (unsigned char)tptr(t, i)[0];
        if (t->byte_id[b] >= 0) {
            rlhf_err(e, "%s: tokens %d and %d are both the byte 0x%02x", what, t->byte_id[b], i, b);
            goto fail;
        }
        t->byte_id[b] = i;
        avail[i] = 1;
    }
    for (int b = 0; b < 256; b++)
        if (t->byte_id[b] < 0) { rlhf_err(e, "%s: no token for the byte 0x%02x", what, b); goto fail; }

    for (int r = 0; r < n_merges; r++) {
        int a = merges[r][0], b = merges[r][1], c = merges[r][2];
        if (a < 0 || a >= n_vocab || b < 0 || b >= n_vocab || c < 0 || c >= n_vocab) {
            rlhf_err(e, "%s: merge %d (%d %d -> %d): id out of range [0, %d)", what, r, a, b, c, n_vocab);
            goto fail;
        }
        if (!avail[a] || !avail[b]) {
            rlhf_err(e, "%s: merge %d uses token %d before any earlier merge creates it", what, r, avail[a] ? b : a);
            goto fail;
        }
        if (t->is_special[c] || tlen(t, c) != tlen(t, a) + tlen(t, b) ||
            memcmp(tptr(t, c), tptr(t, a), tlen(t, a)) || memcmp(tptr(t, c) + tlen(t, a), tptr(t, b), tlen(t, b))) {
            rlhf_err(e, "%s: merge %d: token %d is not the concatenation of tokens %d and %d", what, r, c, a, b);
            goto fail;
        }
        avail[c] = 1;
        int dummy;
        if (merge_lookup(t, a, b, &dummy) >= 0) {
            rlhf_err(e, "%s: merge %d repeats the pair (%d, %d)", what, r, a, b);
            goto fail;
        }
        uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        uint64_t i = mix64(key) & t->mt_mask;
        while (t->mt[i].key != EMPTY_KEY) i = (i + 1) & t->mt_mask;
        t->mt[i].key = key;
        t->mt[i].rank = r;
        t->mt[i].id = c;
        t->merges[r][0] = a;
        t->merges[r][1] = b;
        t->merges[r][2] = c;
    }
    free(avail);
    avail = NULL;
    t->pretok = pretok_new(e);
    if (!t->pretok) goto fail;
    return t;
fail:
    free(avail);
    tok_free(t);
    return NULL;
}

int tok_vocab_size(const Tokenizer *t) { return t->n_vocab; }
int tok_n_merges(const Tokenizer *t) { return t->n_merges; }
int tok_eot(const Tokenizer *t) { return t->eot; }
int tok_is_special(const Tokenizer *t, int id) { return id >= 0 && id < t->n_vocab && t->is_special[id]; }

int tok_special_id(const Tokenizer *t, const char *text) {
    size_t n = strlen(text);
    for (int i = 0; i < t->n_special; i++) {
        int id = t->special_ids[i];
        if (tlen(t, id) == n && !memcmp(tptr(t, id), text, n)) return id;
    }
    return -1;
}

const char *tok_token_bytes(const Tokenizer *t, int id, size_t *len) {
    if (id < 0 || id >= t->n_vocab) return NULL;
    if (len) *len = tlen(t, id);
    return tptr(t, id);
}

int tok_decode_cb(void *ctx, const int *ids, int n, char *out, int cap) {
    const Tokenizer *t = ctx;
    int len = 0;
    for (int i = 0; i < n; i++) {
        size_t tl = 0;
        const char *tb = tok_token_bytes(t, ids[i], &tl);
        if (!tb) return -1;
        if (tl > (size_t)(cap - len)) tl = (size_t)(cap - len);
        memcpy(out + len, tb, tl);
        len += (int)tl;
    }
    return len;
}

int tok_merge(const Tokenizer *t, int r, int *a, int *b, int *c) {
    if (r < 0 || r >= t->n_merges) return -1;
    *a = t->merges[r][0];
    *b = t->merges[r][1];
    *c = t->merges[r][2];
    return 0;
}

/* ---- decoding ---- */

int tok_decode(const Tokenizer *t, const int *ids, size_t n, TokBytes *out, RlhfErr *e) {
    for (size_t i = 0; i < n; i++) {
        int id = ids[i];
        if (id < 0 || id >= t->n_vocab)
            return rlhf_err(e, "decode: id %d at position %zu is outside the vocabulary [0, %d)", id, i, t->n_vocab);
        size_t l = tlen(t, id);
        if (bytes_reserve(out, l, e)) return -1;
        memcpy(out->data + out->len, tptr(t, id), l);
        out->len += l;
    }
    if (bytes_reserve(out, 0, e)) return -1;
    out->data[out->len] = 0;
    return 0;
}

/* ---- encoding ---- */

/* Word cache: fixed-size arenas allocated once; when one fills up the whole
 * cache is dropped (cheap, and keeps memory bounded on endless streams). */
#define CACHE_SLOTS (1u << 17)
#define CACHE_MAX_ENTRIES (1u << 16)
#define CACHE_KEY_BYTES (4u << 20)
#define CACHE_VAL_IDS (1u << 20)
#define CACHE_MAX_WORD 128

typedef struct CacheSlot {
    uint64_t hash;
    uint32_t key_off, key_len, val_off, val_len; /* key_len == 0: empty */
} CacheSlot;

struct TokEncoder {
    const Tokenizer *tok;
    PretokCursor cur;
    /* per-word scratch, grown to the longest word seen */
    int *sym, *prv, *nxt;
    uint64_t *heap;
    size_t cap;
    /* word -> ids cache */
    CacheSlot *slots;
    char *keys;
    int *vals;
    uint32_t n_entries, keys_len, vals_len;
};

TokEncoder *tok_encoder_new(const Tokenizer *tok, RlhfErr *e) {
    TokEncoder *enc = rlhf_calloc(1, sizeof *enc, e);
    if (!enc) return NULL;
    enc->tok = tok;
    enc->slots = rlhf_calloc(CACHE_SLOTS, sizeof *enc->slots, e);
    enc->keys = rlhf_malloc(CACHE_KEY_BYTES, e);
    enc->vals = rlhf_malloc(CACHE_VAL_IDS * sizeof *enc->vals, e);
    if (!enc->slots || !enc->keys || !enc->vals || pretok_cursor_init(&enc->cur, tok->pretok, e)) {
        tok_encoder_free(enc);
        return NULL;
    }
    return enc;
}

void tok_encoder_free(TokEncoder *enc) {
    if (!enc) return;
    pretok_cursor_free(&enc->cur);
    free(enc->sym);
    free(enc->prv);
    free(enc->nxt);
    free(enc->heap);
    free(enc->slots);
    free(enc->keys);
    free(enc->vals);
    free(enc);
}

static int scratch_reserve(TokEncoder *enc, size_t n, RlhfErr *e) {
    if (n <= enc->cap) return 0;
    size_t cap = enc->cap ? enc->cap : 64;
    while (cap < n) cap *= 2;
    int *sym = realloc(enc->sym, cap * sizeof *sym);
    if (sym) enc->sym = sym;
    int *prv = realloc(enc->prv, cap * sizeof *prv);
    if (prv) enc->prv = prv;
    int *nxt = realloc(enc->nxt, cap * sizeof *nxt);
    if (nxt) enc->nxt = nxt;
    uint64_t *heap = realloc(enc->heap, 3 * cap * sizeof *heap);
    if (heap) enc->heap = heap;
    if (!sym || !prv || !nxt || !heap) return rlhf_err(e, "out of memory for a %zu-byte word", n);
    enc->cap = cap;
    return 0;
}

static inline void heap_push(uint64_t *h, size_t *n, uint64_t x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p] <= x) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static inline uint64_t heap_pop(uint64_t *h, size_t *n) {
    uint64_t top = h[0], x = h[--(*n)];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && h[c + 1] < h[c]) c++;
        if (h[c] >= x) break;
        h[i] = h[c];
        i = c;
    }
    if (m) h[i] = x;
    return top;
}

static inline void push_pair(const Tokenizer *t, TokEncoder *enc, size_t *nh, int i) {
    int j = enc->nxt[i];
    if (j < 0) return;
    int id;
    int r = merge_lookup(t, enc->sym[i], enc->sym[j], &id);
    if (r >= 0) heap_push(enc->heap, nh, ((uint64_t)r << 32) | (uint32_t)i);
}

/* BPE on one word; appends its ids to out. */
static int bpe_word(TokEncoder *enc, const char *w, size_t n, TokIds *out, RlhfErr *e) {
    const Tokenizer *t = enc->tok;
    if (n == 1) {
        if (ids_reserve(out, 1, e)) return -1;
        out->ids[out->n++] = t->byte_id[(unsigned char)w[0]];
        return 0;
    }
    uint64_t h = 0;
    int cacheable = n <= CACHE_MAX_WORD;
    size_t slot = 0;
    if (cacheable) {
        h = hash_bytes(w, n);
        for (slot = h & (CACHE_SLOTS - 1);; slot = (slot + 1) & (CACHE_SLOTS - 1)) {
            const CacheSlot *s = &enc->slots[slot];
            if (!s->key_len) break;
            if (s->hash == h && s->key_len == n && !memcmp(enc->keys + s->key_off, w, n)) {
                if (ids_reserve(out, s->val_len, e)) return -1;
                memcpy(out->ids + out->n, enc->vals + s->val_off, s->val_len * sizeof(int));
                out->n += s->val_len;
                return 0;
            }
        }
    }
    if (n > (size_t)INT32_MAX) return rlhf_err(e, "encode: a single %zu-byte piece is too long", n);
    if (scratch_reserve(enc, n, e)) return -1;
    int *sym = enc->sym, *prv = enc->prv, *nxt = enc->nxt;
    for (size_t i = 0; i < n; i++) {
        sym[i] = t->byte_id[(unsigned char)w[i]];
        prv[i] = (int)i - 1;
        nxt[i] = i + 1 < n ? (int)i + 1 : -1;
    }
    size_t nh = 0;
    for (size_t i = 0; i + 1 < n; i++) push_pair(t, enc, &nh, (int)i);
    while (nh) {
        uint64_t top = heap_pop(enc->heap, &nh);
        int i = (int)(uint32_t)top, r = (int)(top >> 32);
        int j = nxt[i];
        if (sym[i] < 0 || j < 0) continue;
        int id = -1;
        if (merge_lookup(t, sym[i], sym[j], &id) != r) continue; /* stale entry */
        sym[i] = id;
        sym[j] = -1;
        nxt[i] = nxt[j];
        if (nxt[j] >= 0) prv[nxt[j]] = i;
        if (prv[i] >= 0) push_pair(t, enc, &nh, prv[i]);
        push_pair(t, enc, &nh, i);
    }
    size_t start = out->n;
    size_t cnt = 0;
    for (int i = 0; i >= 0; i = nxt[i]) cnt++;
    if (ids_reserve(out, cnt, e)) return -1;
    for (int i = 0; i >= 0; i = nxt[i]) out->ids[out->n++] = sym[i];

    if (cacheable) {
        if (enc->n_entries >= CACHE_MAX_ENTRIES || enc->keys_len + n > CACHE_KEY_BYTES ||
            enc->vals_len + cnt > CACHE_VAL_IDS) {
            memset(enc->slots, 0, CACHE_SLOTS * sizeof *enc->slots);
            enc->n_entries = enc->keys_len = enc->vals_len = 0;
            slot = h & (CACHE_SLOTS - 1);
        }
        CacheSlot *s = &enc->slots[slot];
        s->hash = h;
        s->key_off = enc->keys_len;
        s->key_len = (uint32_t)n;
        s->val_off = enc->vals_len;
        s->val_len = (uint32_t)cnt;
        memcpy(enc->keys + enc->keys_len, w, n);
        memcpy(enc->vals + enc->vals_len, out->ids + start, cnt * sizeof(int));
        enc->keys_len += (uint32_t)n;
        enc->vals_len += (uint32_t)cnt;
        enc->n_entries++;
    }
    return 0;
}

/* Encodes ordinary text (no special-token recognition). */
static int encode_plain(TokEncoder *enc, const char *s, size_t len, TokIds *out, RlhfErr *e) {
    pretok_cursor_reset(&enc->cur, s, len);
    size_t b, en;
    int rc;
    while ((rc = pretok_next(&enc->cur, &b, &en, e)) == 1)
        if (bpe_word(enc, s + b, en - b, out, e)) return -1;
    return rc < 0 ? -1 : 0;
}

int tok_encoder_encode(TokEncoder *enc, const char *s, size_t len, int allow_special, TokIds *out, RlhfErr *e) {
    const Tokenizer *t = enc->tok;
    if (!allow_special || t->n_special == 0) return encode_plain(enc, s, len, out, e);
    size_t pos = 0;
    while (pos < len) {
        /* earliest special occurrence; at equal positions the longest (sorted first) wins */
        size_t best = len;
        int best_id = -1;
        for (int k = 0; k < t->n_special; k++) {
            int id = t->special_ids[k];
            const char *m = memmem(s + pos, len - pos, tptr(t, id), tlen(t, id));
            if (m && (size_t)(m - s) < best) {
                best = (size_t)(m - s);
                best_id = id;
            }
        }
        if (encode_plain(enc, s + pos, best - pos, out, e)) return -1;
        if (best_id < 0) break;
        if (ids_reserve(out, 1, e)) return -1;
        out->ids[out->n++] = best_id;
        pos = best + tlen(t, best_id);
    }
    return 0;
}

int tok_encode(Tokenizer *t, const char *s, size_t len, int allow_special, TokIds *out, RlhfErr *e) {
    if (!t->enc && !(t->enc = tok_encoder_new(t, e))) return -1;
    return tok_encoder_encode(t->enc, s, len, allow_special, out, e);
}

/* ---- GPT-2's byte <-> unicode table ---- */

/* Bytes that are printable Latin-1 stand for themselves; the other 68 take the
 * code points 256, 257, ... in byte order (bytes_to_unicode in GPT-2's encoder.py). */
int tok_gpt2_byte_to_cp(int b) {
    if (b < 0 || b > 255) return -1;
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return b;
    int n = 0;
    for (int x = 0; x < b; x++)
        if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) n++;
    return 256 + n;
}

int tok_gpt2_cp_to_byte(int cp) {
    if (cp < 0 || cp >= 256 + 68) return -1;
    if (cp < 256) return tok_gpt2_byte_to_cp(cp) == cp ? cp : -1;
    for (int b = 0; b < 256; b++)
        if (tok_gpt2_byte_to_cp(b) == cp) return b;
    return -1;
}
