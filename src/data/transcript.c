/* transcript.c — see transcript.h. */
#include "data/transcript.h"

#include <stdlib.h>
#include <string.h>

long transcript_find(const char *s, size_t len, const char *needle, size_t nlen) {
    const char *p = memmem(s, len, needle, nlen);
    return p ? (long)(p - s) : -1;
}

static int is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* The next "\n\nHuman:" / "\n\nAssistant:" at or after `from`; -1 when none. */
static long next_marker(const char *s, size_t len, size_t from, TurnRole *role, size_t *mlen) {
    while (from + 2 <= len) {
        const char *p = memmem(s + from, len - from, "\n\n", 2);
        if (!p) return -1;
        size_t at = (size_t)(p - s), rest = len - at;
        if (rest >= TRANSCRIPT_HUMAN_LEN && !memcmp(p, TRANSCRIPT_HUMAN, TRANSCRIPT_HUMAN_LEN)) {
            *role = ROLE_HUMAN; *mlen = TRANSCRIPT_HUMAN_LEN; return (long)at;
        }
        if (rest >= TRANSCRIPT_ASSISTANT_LEN && !memcmp(p, TRANSCRIPT_ASSISTANT, TRANSCRIPT_ASSISTANT_LEN)) {
            *role = ROLE_ASSISTANT; *mlen = TRANSCRIPT_ASSISTANT_LEN; return (long)at;
        }
        from = at + 1;   /* "\n\n\nHuman:" has its marker one byte later */
    }
    return -1;
}

/* The first marker, allowing any leading whitespace instead of "\n\n". */
static int first_marker(const char *s, size_t len, size_t *text_start, TurnRole *role) {
    size_t i = 0;
    while (i < len && is_ws(s[i])) i++;
    if (len - i >= 6 && !memcmp(s + i, "Human:", 6)) { *role = ROLE_HUMAN; i += 6; }
    else if (len - i >= 10 && !memcmp(s + i, "Assistant:", 10)) { *role = ROLE_ASSISTANT; i += 10; }
    else return -1;
    if (i < len && s[i] == ' ') i++;
    *text_start = i;
    return 0;
}

int transcript_parse(const char *s, size_t len, Transcript *t, RlhfErr *e) {
    t->n = 0;
    size_t start;
    TurnRole role;
    if (first_marker(s, len, &start, &role) != 0)
        return rlhf_err(e, "transcript does not start with a 'Human:' or 'Assistant:' turn (starts \"%.20s\")", s);
    for (;;) {
        TurnRole next_role;
        size_t mlen = 0;
        long m = next_marker(s, len, start, &next_role, &mlen);
        size_t end = m < 0 ? len : (size_t)m;
        if (t->n == t->cap) {
            int cap = t->cap ? 2 * t->cap : 16;
            Turn *nt = realloc(t->turns, (size_t)cap * sizeof *nt);
            if (!nt) return rlhf_err(e, "out of memory parsing a transcript");
            t->turns = nt;
            t->cap = cap;
        }
        t->turns[t->n++] = (Turn){role, s + start, end - start};
        if (m < 0) break;
        role = next_role;
        start = (size_t)m + mlen;
        if (start < len && s[start] == ' ') start++;
    }
    return 0;
}

void transcript_free(Transcript *t) {
    free(t->turns);
    t->turns = NULL;
    t->n = t->cap = 0;
}

int transcript_count_turns(const char *s, size_t len) {
    size_t start;
    TurnRole role;
    if (first_marker(s, len, &start, &role) != 0) return 0;
    int n = 1;
    for (;;) {
        size_t mlen;
        long m = next_marker(s, len, start, &role, &mlen);
        if (m < 0) return n;
        n++;
        start = (size_t)m + mlen;
    }
}

static void trim(const char **p, size_t *n) {
    while (*n && is_ws(**p)) { (*p)++; (*n)--; }
    while (*n && is_ws((*p)[*n - 1])) (*n)--;
}

int transcript_first_human(const char *s, size_t len, const char **text, size_t *tlen) {
    size_t start;
    TurnRole role;
    int found = -1;
    if (first_marker(s, len, &start, &role) == 0) {
        for (;;) {
            TurnRole nr;
            size_t mlen = 0;
            long m = next_marker(s, len, start, &nr, &mlen);
            if (role == ROLE_HUMAN) {
                *text = s + start;
                *tlen = (m < 0 ? len : (size_t)m) - start;
                found = 0;
                break;
            }
            if (m < 0) break;
            role = nr;
            start = (size_t)m + mlen;
        }
    }
    if (found != 0) { *text = s; *tlen = len; }
    trim(text, tlen);
    return found;
}

/* Role of the last marker in s (first_marker included); -1 when none. */
static int last_role(const char *s, size_t len) {
    size_t start;
    TurnRole role;
    if (first_marker(s, len, &start, &role) != 0) {
        /* no leading marker: still look for later ones */
        start = 0;
        role = (TurnRole)-1;
    }
    int last = (int)role;
    for (;;) {
        size_t mlen;
        TurnRole r;
        long m = next_marker(s, len, start, &r, &mlen);
        if (m < 0) return last;
        last = (int)r;
        start = (size_t)m + mlen;
    }
}

int transcript_split_pair(const char *chosen, size_t clen, const char *rejected, size_t rlen,
                          size_t *prompt_len, int *mismatch, RlhfErr *e) {
    *mismatch = 0;
    const char *which[2] = {"chosen", "rejected"};
    const char *str[2] = {chosen, rejected};
    size_t len[2] = {clen, rlen};
    for (int k = 0; k < 2; k++) {
        int r = last_role(str[k], len[k]);
        if (r < 0) return rlhf_err(e, "%s: no 'Human:'/'Assistant:' turns", which[k]);
        if (r == ROLE_HUMAN) return rlhf_err(e, "%s: transcript ends with a Human turn, not an Assistant reply", which[k]);
    }
    size_t common = 0, lim = RLHF_MIN(clen, rlen);
    while (common < lim && chosen[common] == rejected[common]) common++;
    /* last Assistant marker lying wholly inside the common prefix */
    long best = -1;
    size_t from = 0;
    for (;;) {
        TurnRole r;
        size_t mlen;
        long m = next_marker(chosen, common, from, &r, &mlen);
        if (m < 0) break;
        if (r == ROLE_ASSISTANT) best = m;
        from = (size_t)m + 1;
    }
    if (best < 0) {
        *mismatch = 1;
        return rlhf_err(e, "chosen and rejected share no Assistant turn (they differ from byte %zu)", common);
    }
    size_t p = (size_t)best + TRANSCRIPT_ASSISTANT_LEN;
    for (int k = 0; k < 2; k++) {
        long h = transcript_find(str[k] + p, len[k] - p, TRANSCRIPT_HUMAN, TRANSCRIPT_HUMAN_LEN);
        if (h >= 0) {
            *mismatch = 1;
            return rlhf_err(e, "chosen and rejected differ before their final Assistant reply "
                               "(they part at byte %zu; %s goes on to a Human turn at byte %zu)",
                            common, which[k], p + (size_t)h);
        }
    }
    /* the prompt itself must start with a turn */
    size_t ts;
    TurnRole fr;
    if (first_marker(chosen, (size_t)best, &ts, &fr) != 0)
        return rlhf_err(e, "chosen: text before the first turn, or no Human turn before the reply");
    *prompt_len = (size_t)best;
    return 0;
}
