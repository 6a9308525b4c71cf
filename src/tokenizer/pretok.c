/* pretok.c — GPT-2's regex pre-tokenizer on PCRE2 (see pretok.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretok.h"

#include <pcre2.h>
#include <stdlib.h>

static const char GPT2_PATTERN[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

struct Pretok {
    pcre2_code *code;
    int jit;    /* JIT-compiled: call pcre2_jit_match directly (less per-call overhead) */
};

Pretok *pretok_new(RlhfErr *e) {
    Pretok *p = rlhf_calloc(1, sizeof *p, e);
    if (!p) return NULL;
    int errcode;
    PCRE2_SIZE erroff;
    p->code = pcre2_compile((PCRE2_SPTR)GPT2_PATTERN, PCRE2_ZERO_TERMINATED,
                            PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
    if (!p->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        rlhf_err(e, "pre-tokenizer pattern, offset %zu: %s", (size_t)erroff, (char *)msg);
        free(p);
        return NULL;
    }
    /* JIT is an optimisation: when unavailable (e.g. no executable memory),
     * pcre2_match falls back to the interpreter with identical results. */
    p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
    return p;
}

void pretok_free(Pretok *p) {
    if (!p) return;
    pcre2_code_free(p->code);
    free(p);
}

int pretok_cursor_init(PretokCursor *c, const Pretok *p, RlhfErr *e) {
    c->p = p;
    c->md = pcre2_match_data_create_from_pattern(p->code, NULL);
    if (!c->md) return rlhf_err(e, "out of memory creating PCRE2 match data");
    pretok_cursor_reset(c, "", 0);
    return 0;
}

void pretok_cursor_free(PretokCursor *c) {
    if (c->md) pcre2_match_data_free(c->md);
    c->md = NULL;
}

void pretok_cursor_reset(PretokCursor *c, const char *s, size_t len) {
    c->s = s;
    c->len = len;
    c->pos = 0;
    c->have_next = 0;
}

int pretok_next(PretokCursor *c, size_t *b, size_t *end, RlhfErr *e) {
    if (c->have_next) {
        c->have_next = 0;
        *b = c->next_b;
        *end = c->next_e;
        c->pos = c->next_e;
        return 1;
    }
    if (c->pos >= c->len) return 0;
    int rc = c->p->jit ? pcre2_jit_match(c->p->code, (PCRE2_SPTR)c->s, c->len, c->pos, 0, c->md, NULL)
                       : pcre2_match(c->p->code, (PCRE2_SPTR)c->s, c->len, c->pos, 0, c->md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) { /* only invalid UTF-8 is left */
        *b = c->pos;
        *end = c->len;
        c->pos = c->len;
        return 1;
    }
    if (rc < 0) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        return rlhf_err(e, "pre-tokenizer at byte %zu: %s", c->pos, (char *)msg);
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    size_t mb = ov[0], me = ov[1];
    if (me <= mb) return rlhf_err(e, "pre-tokenizer at byte %zu: empty match", c->pos); /* cannot happen */
    if (mb > c->pos) { /* invalid bytes before the match: a piece of their own */
        *b = c->pos;
        *end = mb;
        c->next_b = mb;
        c->next_e = me;
        c->have_next = 1;
        c->pos = mb;
        return 1;
    }
    *b = mb;
    *end = me;
    c->pos = me;
    return 1;
}
