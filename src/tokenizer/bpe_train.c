/* bpe_train.c — BPE merge learning with incremental pair counts (see bpe_train.h). */
#include "tokenizer/bpe_train.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/pretok.h"
#include "util/hash.h"

/* ---- word counting ---- */

typedef struct WordSlot {
    uint64_t hash;
    size_t off;       /* into keys */
    uint32_t len;     /* 0: empty slot */
    int64_t count;
} WordSlot;

struct BpeTrainer {
    Pretok *pretok;
    PretokCursor cur;
    WordSlot *slots;
    size_t mask, n_words;
    char *keys;
    size_t keys_len, keys_cap;
    BpeTrainStats st;
};

BpeTrainer *bpe_trainer_new(RlhfErr *e) {
    BpeTrainer *t = rlhf_calloc(1, sizeof *t, e);
    if (!t) return NULL;
    t->mask = (1u << 16) - 1;
    t->slots = rlhf_calloc(t->mask + 1, sizeof *t->slots, e);
    t->keys_cap = 1u << 20;
    t->keys = rlhf_malloc(t->keys_cap, e);
    if (!t->slots || !t->keys || !(t->pretok = pretok_new(e)) || pretok_cursor_init(&t->cur, t->pretok, e)) {
        bpe_trainer_free(t);
        return NULL;
    }
    return t;
}

void bpe_trainer_free(BpeTrainer *t) {
    if (!t) return;
    if (t->pretok) pretok_cursor_free(&t->cur);
    pretok_free(t->pretok);
    free(t->slots);
    free(t->keys);
    free(t);
}

static int words_grow(BpeTrainer *t, RlhfErr *e) {
    size_t cap = (t->mask + 1) * 2;
    WordSlot *s = rlhf_calloc(cap, sizeof *s, e);
    if (!s) return -1;
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->slots[i].len) continue;
        size_t j = t->slots[i].hash & (cap - 1);
        while (s[j].len) j = (j + 1) & (cap - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->mask = cap - 1;
    return 0;
}

static int word_add(BpeTrainer *t, const char *w, size_t n, RlhfErr *e) {
    if (n > UINT32_MAX) return rlhf_err(e, "a single %zu-byte pre-token is too long to train on", n);
    uint64_t h = hash_bytes(w, n);
    size_t i = h & t->mask;
    for (;; i = (i + 1) & t->mask) {
        WordSlot *s = &t->slots[i];
        if (!s->len) break;
        if (s->hash == h && s->len == n && !memcmp(t->keys + s->off, w, n)) { s->count++; return 0; }
    }
    if (t->keys_len + n > t->keys_cap) {
        size_t cap = t->keys_cap;
        while (cap < t->keys_len + n) cap *= 2;
        char *k = realloc(t->keys, cap);
        if (!k) return rlhf_err(e, "out of memory counting words (%zu bytes of keys)", cap);
        t->keys = k;
        t->keys_cap = cap;
    }
    memcpy(t->keys + t->keys_len, w, n);
    t->slots[i] = (WordSlot){h, t->keys_len, (uint32_t)n, 1};
    t->keys_len += n;
    if (++t->n_words * 2 > t->mask + 1) return words_grow(t, e);
    return 0;
}

int bpe_trainer_add(BpeTrainer *t, const char *text, size_t len, RlhfErr *e) {
    double t0 = rlhf_now();
    pretok_cursor_reset(&t->cur, text, len);
    size_t b, en;
    int rc;
    while ((rc = pretok_next(&t->cur, &b, &en, e)) == 1) {
        if (word_add(t, text + b, en - b, e)) return -1;
        t->st.pieces++;
    }
    t->st.bytes += len;
    t->st.count_s += rlhf_now() - t0;
    return rc < 0 ? -1 : 0;
}

/* ---- merge learning ---- */

typedef struct Pairs {
    /* open-addressing index: key (a << 32 | b) -> pair number */
    uint64_t *key;
    int *idx;          /* -1: empty */
    size_t mask;
    /* per pair */
    int *a, *b;
    int64_t *count;
    int *head;         /* first occurrence node, -1 none */
    int *stamp;        /* last merge step that increased it (to push once) */
    size_t n, cap;
    /* occurrence nodes: (word, next) linked lists, one per pair; may hold stale
     * or repeated words, which the merge step skips */
    int *occ_word, *occ_next;
    size_t n_occ, cap_occ;
} Pairs;

static void pairs_free(Pairs *p) {
    free(p->key); free(p->idx); free(p->a); free(p->b); free(p->count);
    free(p->head); free(p->stamp); free(p->occ_word); free(p->occ_next);
}

static int pairs_rehash(Pairs *p, size_t cap, RlhfErr *e) {
    uint64_t *key = malloc(cap * sizeof *key);
    int *idx = malloc(cap * sizeof *idx);
    if (!key || !idx) { free(key); free(idx); return rlhf_err(e, "out of memory for the pair table"); }
    for (size_t i = 0; i < cap; i++) idx[i] = -1;
    for (size_t k = 0; k < p->n; k++) {
        uint64_t kk = ((uint64_t)(uint32_t)p->a[k] << 32) | (uint32_t)p->b[k];
        size_t i = mix64(kk) & (cap - 1);
        while (idx[i] >= 0) i = (i + 1) & (cap - 1);
        key[i] = kk;
        idx[i] = (int)k;
    }
    free(p->key);
    free(p->idx);
    p->key = key;
    p->idx = idx;
    p->mask = cap - 1;
    return 0;
}

#define GROW(ptr, cap_new) do { \
        void *q_ = realloc((ptr), (cap_new) * sizeof *(ptr)); \
        if (!q_) return rlhf_err(e, "out of memory growing pair arrays"); \
        (ptr) = q_; \
    } while (0)

/* Pair number of (a, b), created with count 0 when absent; -1 on OOM. */
static int pair_get(Pairs *p, int a, int b, RlhfErr *e) {
    uint64_t kk = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    size_t i = mix64(kk) & p->mask;
    for (; p->idx[i] >= 0; i = (i + 1) & p->mask)
        if (p->key[i] == kk) return p->idx[i];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1 << 16;
        GROW(p->a, cap); GROW(p->b, cap); GROW(p->count, cap); GROW(p->head, cap); GROW(p->stamp, cap);
        p->cap = cap;
    }
    int k = (int)p->n++;
    p->a[k] = a;
    p->b[k] = b;
    p->count[k] = 0;
    p->head[k] = -1;
    p->stamp[k] = -1;
    p->key[i] = kk;
    p->idx[i] = k;
    if (p->n * 2 > p->mask + 1 && pairs_rehash(p, (p->mask + 1) * 2, e)) return -1;
    return k;
}

static int occ_add(Pairs *p, int pair, int word, RlhfErr *e) {
    if (p->n_occ == p->cap_occ) {
        size_t cap = p->cap_occ ? p->cap_occ * 2 : 1 << 20;
        GROW(p->occ_word, cap); GROW(p->occ_next, cap);
        p->cap_occ = cap;
    }
    p->occ_word[p->n_occ] = word;
    p->occ_next[p->n_occ] = p->head[pair];
    p->head[pair] = (int)p->n_occ++;
    return 0;
}

/* Max-heap of pair numbers by (count desc, a asc, b asc); entries carry the
 * count they were pushed with, and one whose count no longer matches is stale. */
typedef struct HeapEnt {
    int64_t count;
    int pair;
} HeapEnt;

typedef struct Heap {
    HeapEnt *h;
    size_t n, cap;
} Heap;

static inline int heap_before(const Pairs *p, HeapEnt x, HeapEnt y) {
    if (x.count != y.count) return x.count > y.count;
    if (p->a[x.pair] != p->a[y.pair]) return p->a[x.pair] < p->a[y.pair];
    return p->b[x.pair] < p->b[y.pair];
}

static int heap_push(Heap *hp, const Pairs *p, HeapEnt x, RlhfErr *e) {
    if (hp->n == hp->cap) {
        size_t cap = hp->cap ? hp->cap * 2 : 1 << 16;
        HeapEnt *h = realloc(hp->h, cap * sizeof *h);
        if (!h) return rlhf_err(e, "out of memory growing the pair heap");
        hp->h = h;
        hp->cap = cap;
    }
    size_t i = hp->n++;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (!heap_before(p, x, hp->h[par])) break;
        hp->h[i] = hp->h[par];
        i = par;
    }
    hp->h[i] = x;
    return 0;
}

static HeapEnt heap_pop(Heap *hp, const Pairs *p) {
    HeapEnt top = hp->h[0], x = hp->h[--hp->n];
    size_t i = 0, m = hp->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && heap_before(p, hp->h[c + 1], hp->h[c])) c++;
        if (!heap_before(p, hp->h[c], x)) break;
        hp->h[i] = hp->h[c];
        i = c;
    }
    if (m) hp->h[i] = x;
    return top;
}

Tokenizer *bpe_trainer_finish(BpeTrainer *t, int n_merges, int min_count, const char *const *specials,
                              int n_specials, BpeTrainStats *stats, RlhfErr *e) {
    double t0 = rlhf_now();
    if (n_merges < 0) n_merges = 0;
    if (min_count < 1) min_count = 1;
    Tokenizer *tok = NULL;
    size_t nw = t->n_words;
    Pairs P = {0};
    Heap H = {0};
    int *wsym = NULL, *wlen = NULL, *wstamp = NULL, *changed = NULL, (*merges)[3] = NULL;
    size_t *woff = NULL;
    int64_t *wcount = NULL;
    unsigned char *covered = NULL;
    char **tb = NULL;
    size_t *tl = NULL, *toff = NULL; /* token i = tarena[toff[i] .. + tl[i]) while tarena may move */
    char *tarena = NULL;
    int *sids = NULL;
    size_t total = 0, maxlen = 0;

    /* words as symbol arrays (initially their bytes, which are ids 0..255) */
    woff = malloc((nw + 1) * sizeof *woff);
    wlen = malloc((nw + 1) * sizeof *wlen);
    wcount = malloc((nw + 1) * sizeof *wcount);
    wstamp = malloc((nw + 1) * sizeof *wstamp);
    for (size_t i = 0; i <= t->mask; i++) total += t->slots[i].len;
    wsym = malloc((total + 1) * sizeof *wsym);
    if (!woff || !wlen || !wcount || !wstamp || !wsym) { rlhf_err(e, "out of memory for %zu words", nw); goto done; }
    {
        size_t w = 0, o = 0;
        for (size_t i = 0; i <= t->mask; i++) {
            const WordSlot *s = &t->slots[i];
            if (!s->len) continue;
            woff[w] = o;
            wlen[w] = (int)s->len;
            wcount[w] = s->count;
            wstamp[w] = -1;
            for (uint32_t k = 0; k < s->len; k++) wsym[o++] = (unsigned char)t->keys[s->off + k];
            if (s->len > maxlen) maxlen = s->len;
            w++;
        }
    }
    covered = malloc(maxlen + 1);
    merges = malloc(((size_t)n_merges + 1) * sizeof *merges);
    if (!covered || !merges || pairs_rehash(&P, 1 << 18, e)) { rlhf_err(e, "out of memory"); goto done; }
    size_t n_changed = 0, cap_changed = 0;

    /* initial pair counts */
    for (size_t w = 0; w < nw; w++) {
        const int *s = wsym + woff[w];
        for (int k = 0; k + 1 < wlen[w]; k++) {
            int p = pair_get(&P, s[k], s[k + 1], e);
            if (p < 0 || occ_add(&P, p, (int)w, e)) goto done;
            P.count[p] += wcount[w];
        }
    }
    for (size_t p = 0; p < P.n; p++)
        if (heap_push(&H, &P, (HeapEnt){P.count[p], (int)p}, e)) goto done;

    /* token bytes: 0..255 then one per merge */
    tb = calloc((size_t)256 + n_merges + n_specials, sizeof *tb);
    tl = calloc((size_t)256 + n_merges + n_specials, sizeof *tl);
    if (!tb || !tl) { rlhf_err(e, "out of memory"); goto done; }
    size_t tcap = 1 << 16, tused = 0;
    tarena = malloc(tcap);
    if (!tarena) { rlhf_err(e, "out of memory"); goto done; }
    toff = calloc((size_t)256 + n_merges + n_specials, sizeof *toff);
    if (!toff) { rlhf_err(e, "out of memory"); goto done; }
    for (int b = 0; b < 256; b++) { tarena[tused] = (char)b; toff[b] = tused++; tl[b] = 1; }

    int m = 0;
    for (; m < n_merges; m++) {
        int best = -1;
        while (H.n) {
            HeapEnt x = heap_pop(&H, &P);
            int64_t cur = P.count[x.pair];
            if (x.count == cur && cur > 0) { best = x.pair; break; }
            /* Stale. Counts only get pushed when they grow, so a pair whose
             * count shrank keeps just this too-high entry: re-queue it. */
            if (x.count > cur && cur > 0 && heap_push(&H, &P, (HeapEnt){cur, x.pair}, e)) goto done;
        }
        if (best < 0 || P.count[best] < min_count) break;
        int a = P.a[best], b = P.b[best], c = 256 + m;
        merges[m][0] = a;
        merges[m][1] = b;
        merges[m][2] = c;
        size_t need = tl[a] + tl[b];
        if (tused + need > tcap) {
            while (tused + need > tcap) tcap *= 2;
            char *q = realloc(tarena, tcap);
            if (!q) { rlhf_err(e, "out of memory"); goto done; }
            tarena = q;
        }
        memcpy(tarena + tused, tarena + toff[a], tl[a]);
        memcpy(tarena + tused + tl[a], tarena + toff[b], tl[b]);
        toff[c] = tused;
        tl[c] = need;
        tused += need;

        n_changed = 0;
        for (int o = P.head[best]; o >= 0; o = P.occ_next[o]) {
            int w = P.occ_word[o];
            if (wstamp[w] == m) continue;
            wstamp[w] = m;
            int *s = wsym + woff[w], n = wlen[w];
            int64_t cnt = wcount[w];
            int any = 0;
            memset(covered, 0, (size_t)n);
            for (int k = 0; k + 1 < n; k++)
                if (s[k] == a && s[k + 1] == b) { covered[k] = covered[k + 1] = 1; k++; any = 1; }
            if (!any) continue; /* stale occurrence */
            /* old pairs that touch a merged position disappear */
            for (int k = 0; k + 1 < n; k++) {
                if (!covered[k] && !covered[k + 1]) continue;
                int p = pair_get(&P, s[k], s[k + 1], e);
                if (p < 0) { goto done; }
                P.count[p] -= cnt;
            }
            /* rewrite in place */
            int nn = 0;
            for (int k = 0; k < n; k++) {
                if (covered[k] && s[k] == a && k + 1 < n && covered[k + 1] && s[k + 1] == b) { s[nn++] = c; k++; }
                else s[nn++] = s[k];
            }
            wlen[w] = nn;
            /* new pairs that touch a merged symbol appear */
            for (int k = 0; k + 1 < nn; k++) {
                if (s[k] != c && s[k + 1] != c) continue;
                int p = pair_get(&P, s[k], s[k + 1], e);
                if (p < 0 || occ_add(&P, p, w, e)) { goto done; }
                P.count[p] += cnt;
                if (P.stamp[p] != m) {
                    P.stamp[p] = m;
                    if (n_changed == cap_changed) {
                        cap_changed = cap_changed ? cap_changed * 2 : 4096;
                        int *q = realloc(changed, cap_changed * sizeof *q);
                        if (!q) { rlhf_err(e, "out of memory"); goto done; }
                        changed = q;
                    }
                    changed[n_changed++] = p;
                }
            }
        }
        P.head[best] = -1;
        for (size_t k = 0; k < n_changed; k++)
            if (heap_push(&H, &P, (HeapEnt){P.count[changed[k]], changed[k]}, e)) { goto done; }
    }

    /* specials after the merges */
    int nv = 256 + m;
    sids = malloc(((size_t)n_specials + 1) * sizeof *sids);
    if (!sids) { rlhf_err(e, "out of memory"); goto done; }
    for (int i = 0; i < n_specials; i++) {
        size_t sl = strlen(specials[i]);
        if (tused + sl > tcap) {
            while (tused + sl > tcap) tcap *= 2;
            char *q = realloc(tarena, tcap);
            if (!q) { rlhf_err(e, "out of memory"); goto done; }
            tarena = q;
        }
        memcpy(tarena + tused, specials[i], sl);
        toff[nv] = tused;
        tl[nv] = sl;
        tused += sl;
        sids[i] = nv++;
    }
    for (int i = 0; i < nv; i++) tb[i] = tarena + toff[i];
    tok = tok_build(nv, (const char *const *)tb, tl, m, (const int(*)[3])merges, n_specials, sids, "trained tokenizer", e);
    t->st.unique_words = nw;
    t->st.merges = m;
    t->st.merge_s = rlhf_now() - t0;
    if (stats) *stats = t->st;
done:
    pairs_free(&P);
    free(H.h);
    free(wsym); free(wlen); free(wstamp); free(woff); free(wcount); free(covered); free(changed); free(merges);
    free(tb); free(tl); free(toff); free(tarena); free(sids);
    return tok;
}
