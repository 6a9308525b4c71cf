/* clinic_features.c — hashed n-gram features of a reply (see the header). */
#include "clinic/clinic_features.h"

#include <stdlib.h>
#include <string.h>

#define TOK_MAX 48   /* longer words are cut; nothing in a reply needs more */

typedef struct {
    uint32_t *out;
    int n, cap;
    unsigned kinds;
    int negated;   /* inside a negation's scope: features take the upper-case tags */
    char prev[TOK_MAX];
    size_t prev_len;
} Sink;

static uint32_t fnv(uint32_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void emit(Sink *k, uint32_t h) {
    if (k->n < k->cap) k->out[k->n++] = (h >> (32 - CLINIC_FEAT_BITS)) ^ (h & ((1u << CLINIC_FEAT_BITS) - 1));
}

/* The family tag starts the hash, so "doub" the 4-gram and "doub" the word differ. */
static uint32_t tagged(char tag) { return fnv(2166136261u, &tag, 1); }

/* Words that open a negation's scope (apostrophes already dropped) and words
 * that close one besides punctuation. */
static int in_list(const char *t, size_t n, const char *const *list) {
    for (; *list; list++)
        if (strlen(*list) == n && !memcmp(*list, t, n)) return 1;
    return 0;
}
static const char *const negators[] = {"not", "no", "never", "cant", "cannot", "wont", "dont", "doesnt", "didnt",
                                       "isnt", "arent", "shouldnt", "unable", "whether", "without", NULL};
static const char *const closers[] = {"but", "however", "though", "although", NULL};

static void token(Sink *k, const char *t, size_t n, int word) {
    if (word && (k->kinds & CLINIC_FEAT_NEGATION) && in_list(t, n, closers)) k->negated = 0;
    int neg = k->negated;
    if (k->kinds & CLINIC_FEAT_WORDS) emit(k, fnv(tagged(neg ? 'U' : 'u'), t, n));
    if (k->kinds & CLINIC_FEAT_BIGRAMS)
        emit(k, fnv(fnv(fnv(tagged(neg ? 'B' : 'b'), k->prev, k->prev_len), " ", 1), t, n));
    if (word && (k->kinds & CLINIC_FEAT_CHAR4)) {
        char pad[TOK_MAX + 2];
        pad[0] = '<';
        memcpy(pad + 1, t, n);
        pad[n + 1] = '>';
        size_t L = n + 2;
        uint32_t tag = tagged(neg ? 'C' : 'c');
        if (L <= 4) emit(k, fnv(tag, pad, L));
        for (size_t i = 0; i + 4 <= L; i++) emit(k, fnv(tag, pad + i, 4));
    }
    if (word && (k->kinds & CLINIC_FEAT_NEGATION) && in_list(t, n, negators)) k->negated = 1;
    memcpy(k->prev, t, n);
    k->prev_len = n;
}

static int is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Length of an apostrophe at s (ASCII ' or U+2018/U+2019), 0 when none. */
static size_t apostrophe(const unsigned char *s) {
    if (s[0] == '\'') return 1;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x98 || s[2] == 0x99)) return 3;
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int clinic_features(const char *reply, unsigned kinds, uint32_t *out, int cap) {
    Sink k = {out, 0, cap, kinds, 0, "^", 1};
    const unsigned char *p = (const unsigned char *)(reply ? reply : "");
    while (*p) {
        if (is_alnum(*p)) {
            char t[TOK_MAX];
            size_t n = 0;
            int digits = 0;   /* inside a digit run, already written as one '0' */
            for (;;) {
                size_t a;
                if (is_digit(*p)) {
                    if (!digits && n < TOK_MAX) t[n++] = '0';
                    digits = 1;
                    p++;
                } else if (is_alnum(*p)) {
                    if (n < TOK_MAX) t[n++] = (char)(*p | 32);
                    digits = 0;
                    p++;
                } else if (*p == ':' && digits && is_digit(p[1])) {
                    if (n < TOK_MAX) t[n++] = ':';
                    digits = 0;
                    p++;
                } else if ((a = apostrophe(p)) && is_alnum(p[a]) && !is_digit(p[a])) {
                    p += a;   /* "can't" -> "cant" */
                } else {
                    break;
                }
            }
            token(&k, t, n, 1);
        } else if (*p == '?') {
            token(&k, "?", 1, 0);
            k.negated = 0;
            p++;
        } else if (*p == '.' || *p == '!' || *p == ';') {
            if (!(k.prev_len == 1 && k.prev[0] == '.')) token(&k, ".", 1, 0);
            k.negated = 0;
            p++;
        } else {
            /* a comma, colon, dash or em dash also ends a negation's scope */
            if (*p == ',' || *p == ':' || *p == '(' || *p == ')' || (*p == '-' && (p[1] == ' ' || p[1] == '-')) ||
                (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)))
                k.negated = 0;
            p++;
        }
    }
    qsort(out, (size_t)k.n, sizeof *out, cmp_u32);
    int m = 0;
    for (int i = 0; i < k.n; i++)
        if (!m || out[m - 1] != out[i]) out[m++] = out[i];
    return m;
}
