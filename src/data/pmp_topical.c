/* pmp_topical.c — PMP comparison pairs from Topical-Chat turn ratings (see pmp_topical.h). */
#include "data/pmp_topical.h"

#include <stdlib.h>
#include <string.h>

#include "data/text_sources.h"
#include "util/rng.h"

static const char *const RATING_NAMES[PMP_RATING_N] = {"", "Poor", "Not Good", "Passable", "Good", "Excellent"};

int pmp_rating_parse(const char *s) {
    for (int r = 0; r < PMP_RATING_N; r++)
        if (!strcmp(s, RATING_NAMES[r])) return r;
    return -1;
}

const char *pmp_rating_name(int r) { return r >= 0 && r < PMP_RATING_N ? RATING_NAMES[r] : "?"; }

void pmp_default_opts(PmpOpts *o) {
    memset(o, 0, sizeof *o);
    o->seed = 1337;
    o->max_turns = 4;
}

static int is_low(int r) { return r == PMP_RATING_PASSABLE || r == PMP_RATING_POOR || r == PMP_RATING_NOT_GOOD; }
static int is_high(int r) { return r == PMP_RATING_GOOD || r == PMP_RATING_EXCELLENT; }

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return 0;
    return 1;
}

/* ---- corpus ---------------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t first, RlhfErr *e) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : first;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return rlhf_err(e, "out of memory");
    *p = q;
    *cap = nc;
    return 0;
}

/* One conversation's turns into the corpus (a callback of topical_each_conversation). */
typedef struct AddCtx {
    PmpCorpus *c;
    const char *path;
} AddCtx;

static int add_conversation(void *vctx, const char *cid, const JsonValue *content, RlhfErr *e) {
    PmpCorpus *c = ((AddCtx *)vctx)->c;
    const char *path = ((AddCtx *)vctx)->path;
    int rc = 0;
    size_t first = c->n;
    for (size_t t = 0; t < content->len; t++) {
        JsonValue *turn = content->items[t];
        JsonValue *msg = json_get(turn, "message");
        JsonValue *rating = json_get(turn, "turn_rating");
        const char *agent = json_get_str(turn, "agent");
        int ag = 0, r;
        if (agent && !strcmp(agent, "agent_1")) ag = 1;
        else if (agent && !strcmp(agent, "agent_2")) ag = 2;
        if (!msg || msg->type != JSON_STRING) {
            rc = rlhf_err(e, "%s: conversation '%s' turn %zu: field 'message' is missing or not a string", path, cid, t);
            break;
        }
        if (!ag) {
            rc = rlhf_err(e, "%s: conversation '%s' turn %zu: field 'agent' must be \"agent_1\" or \"agent_2\"", path,
                          cid, t);
            break;
        }
        if (!rating || rating->type != JSON_STRING) {
            rc = rlhf_err(e, "%s: conversation '%s' turn %zu: field 'turn_rating' is missing or not a string", path,
                          cid, t);
            break;
        }
        if ((r = pmp_rating_parse(rating->str)) < 0) {
            rc = rlhf_err(e,
                          "%s: conversation '%s' turn %zu: field 'turn_rating' is \"%.64s\"; expected Excellent, Good, "
                          "Passable, Poor, Not Good or \"\"",
                          path, cid, t, rating->str);
            break;
        }
        if (grow((void **)&c->turns, &c->cap, c->n + 1, sizeof *c->turns, 1024, e) ||
            grow((void **)&c->text, &c->text_cap, c->text_len + msg->len + 1, 1, 1 << 16, e)) {
            rc = -1;
            break;
        }
        memcpy(c->text + c->text_len, msg->str, msg->len);
        c->text[c->text_len + msg->len] = 0;
        c->turns[c->n++] = (PmpTurn){.off = c->text_len, .len = msg->len, .conv = (int)c->nconv, .agent = ag, .rating = r};
        c->text_len += msg->len + 1;
    }
    if (rc) { c->n = first; return rc; }
    if (c->n == first) return 0;   /* an empty conversation adds nothing */
    if (grow((void **)&c->conv_start, &c->conv_cap, c->nconv + 2, sizeof *c->conv_start, 256, e)) return -1;
    c->conv_start[c->nconv] = first;
    c->conv_start[++c->nconv] = c->n;
    return 0;
}

int pmp_corpus_add_json(PmpCorpus *c, const char *path, const char *text, size_t len, RlhfErr *e) {
    AddCtx a = {.c = c, .path = path};
    return topical_each_conversation(path, text, len, add_conversation, &a, e);
}

int pmp_corpus_load(PmpCorpus *c, const char *path, RlhfErr *e) {
    char *s = NULL;
    size_t len = 0;
    if (rlhf_read_file(path, &s, &len, e)) return -1;
    int rc = pmp_corpus_add_json(c, path, s, len, e);
    free(s);
    return rc;
}

void pmp_corpus_free(PmpCorpus *c) {
    free(c->turns);
    free(c->conv_start);
    free(c->text);
    memset(c, 0, sizeof *c);
}

/* ---- mining ---------------------------------------------------------------- */

typedef struct Pair {
    size_t chosen, rejected, ctx_start;
} Pair;

static int same_text(const PmpCorpus *c, size_t a, size_t b) {
    return c->turns[a].len == c->turns[b].len && !memcmp(c->text + c->turns[a].off, c->text + c->turns[b].off, c->turns[a].len);
}

/* Draws a turn of pool[0..n) from a conversation other than turn t's, whose text differs
 * from t's: up to 16 random tries, then a scan from a random start. Returns 0 or -1. */
static int draw_other(const PmpCorpus *c, const size_t *pool, size_t n, size_t t, Rng *rng, size_t *out) {
    if (n == 0) return -1;
    for (int k = 0; k < 16; k++) {
        size_t j = pool[(size_t)(rng_double(rng) * (double)n)];
        if (c->turns[j].conv != c->turns[t].conv && !same_text(c, j, t)) { *out = j; return 0; }
    }
    size_t s = (size_t)(rng_double(rng) * (double)n);
    for (size_t i = 0; i < n; i++) {
        size_t j = pool[(s + i) % n];
        if (c->turns[j].conv != c->turns[t].conv && !same_text(c, j, t)) { *out = j; return 0; }
    }
    return -1;
}

static void append_turn(const PmpCorpus *c, JsonBuf *b, size_t i, int assistant) {
    jb_raw(b, assistant ? "\n\nAssistant: " : "\n\nHuman: ");
    jb_rawn(b, c->text + c->turns[i].off, c->turns[i].len);
}

int pmp_mine(const PmpCorpus *c, const PmpOpts *o, JsonBuf *out, PmpCounts *counts, RlhfErr *e) {
    PmpCounts cnt = {0};
    if (o->max_turns < 1) return rlhf_err(e, "max_turns must be >= 1 (got %d)", o->max_turns);
    if (o->max_pairs < 0) return rlhf_err(e, "max_pairs must be >= 0 (got %ld)", o->max_pairs);
    size_t *low = NULL, *any = NULL, nlow = 0, nany = 0;
    Pair *pairs = NULL;
    size_t np = 0;
    int rc = 0;
    JsonBuf tr[2];
    jb_init(&tr[0]);
    jb_init(&tr[1]);
    low = malloc((c->n + 1) * sizeof *low);
    any = malloc((c->n + 1) * sizeof *any);
    pairs = malloc((c->n + 1) * sizeof *pairs);
    if (!low || !any || !pairs) { rc = rlhf_err(e, "out of memory for %zu turns", c->n); goto done; }
    cnt.conversations = (long)c->nconv;
    cnt.turns = (long)c->n;
    for (size_t i = 0; i < c->n; i++) {
        const PmpTurn *t = &c->turns[i];
        cnt.by_rating[t->rating]++;
        if (is_blank(c->text + t->off, t->len)) continue;
        any[nany++] = i;
        if (is_low(t->rating)) low[nlow++] = i;
    }
    Rng rng;
    rng_seed(&rng, o->seed);
    for (size_t cv = 0; cv < c->nconv; cv++) {
        size_t s = c->conv_start[cv], end = c->conv_start[cv + 1];
        for (size_t t = s; t < end; t++) {
            const PmpTurn *tt = &c->turns[t];
            if (!is_high(tt->rating)) { cnt.skip_rating++; continue; }
            if (t == s) { cnt.skip_first++; continue; }
            if (c->turns[t - 1].agent == tt->agent) { cnt.skip_same_speaker++; continue; }
            if (is_blank(c->text + tt->off, tt->len)) { cnt.skip_blank++; continue; }
            cnt.candidates++;
            size_t cs = t - s > (size_t)o->max_turns ? t - (size_t)o->max_turns : s;
            if (c->turns[cs].agent == tt->agent) cs++;   /* start with a Human turn; t-1 is one */
            size_t r;
            if (draw_other(c, low, nlow, t, &rng, &r) == 0) cnt.rejected_low++;
            else if (draw_other(c, any, nany, t, &rng, &r) == 0) cnt.rejected_fallback++;
            else { cnt.skip_no_negative++; continue; }
            pairs[np++] = (Pair){.chosen = t, .rejected = r, .ctx_start = cs};
        }
    }
    /* shuffle (second RNG, so the draws above do not depend on it), then cap */
    Rng sh;
    rng_seed(&sh, o->seed ^ 0x9e3779b97f4a7c15ULL);
    for (size_t i = np; i > 1; i--) {
        size_t j = (size_t)(rng_double(&sh) * (double)i);
        Pair tmp = pairs[i - 1];
        pairs[i - 1] = pairs[j];
        pairs[j] = tmp;
    }
    if (o->max_pairs > 0 && (size_t)o->max_pairs < np) np = (size_t)o->max_pairs;
    for (size_t k = 0; k < np; k++) {
        const Pair *p = &pairs[k];
        int who = c->turns[p->chosen].agent;
        for (int w = 0; w < 2; w++) {
            jb_reset(&tr[w]);
            for (size_t i = p->ctx_start; i < p->chosen; i++) append_turn(c, &tr[w], i, c->turns[i].agent == who);
            append_turn(c, &tr[w], w == 0 ? p->chosen : p->rejected, 1);
        }
        jb_obj_begin(out);
        jb_key(out, "chosen");
        jb_strn(out, tr[0].data, tr[0].len);
        jb_key(out, "rejected");
        jb_strn(out, tr[1].data, tr[1].len);
        jb_obj_end(out);
        jb_raw(out, "\n");
        if (out->oom || tr[0].oom || tr[1].oom) { rc = rlhf_err(e, "out of memory writing %zu pairs", np); goto done; }
    }
    cnt.pairs = (long)np;
done:
    jb_free(&tr[0]);
    jb_free(&tr[1]);
    free(low);
    free(any);
    free(pairs);
    if (counts) *counts = cnt;
    return rc;
}

int pmp_topical_write(const char *const *files, int nfiles, const PmpOpts *o, const char *out_path, PmpCounts *counts,
                      RlhfErr *e) {
    PmpCorpus c = {0};
    JsonBuf b;
    jb_init(&b);
    int rc = 0;
    for (int f = 0; f < nfiles && !rc; f++) rc = pmp_corpus_load(&c, files[f], e);
    if (!rc) rc = pmp_mine(&c, o, &b, counts, e);
    if (!rc) rc = rlhf_write_file_atomic(out_path, b.data ? b.data : "", b.len, e);
    jb_free(&b);
    pmp_corpus_free(&c);
    return rc;
}
