/* lm_data.c — see lm_data.h. */
#include "train/lm_data.h"

#include <string.h>

#include "data/split.h"
#include "data/text_sources.h"
#include "data/transcript.h"

static int add_segment(TokenData *d, Tokenizer *tok, const char *s, size_t n, int train, TokIds *ids, RlhfErr *e) {
    ids->n = 0;
    if (n == 0) return 0;
    if (tok_encode(tok, s, n, 0, ids, e)) return -1;
    return token_data_append(d, ids->ids, ids->n, train, e);
}

int lm_data_add_doc(TokenData *d, Tokenizer *tok, const char *doc, size_t len, int sft, TokIds *scratch,
                    RlhfErr *e) {
    int eot = tok_eot(tok);
    if (eot < 0) return rlhf_err(e, "tokenizer has no %s token", TOK_EOT_STRING);
    if (!sft) {
        if (add_segment(d, tok, doc, len, 1, scratch, e)) return -1;
    } else {
        Transcript t = {0};
        if (transcript_parse(doc, len, &t, e)) { transcript_free(&t); return -1; }
        for (int i = 0; i < t.n; i++) {
            const Turn *u = &t.turns[i];
            int asst = u->role == ROLE_ASSISTANT;
            const char *marker = asst ? TRANSCRIPT_ASSISTANT : TRANSCRIPT_HUMAN;
            size_t mlen = asst ? TRANSCRIPT_ASSISTANT_LEN : TRANSCRIPT_HUMAN_LEN;
            /* a Human marker right after a reply is how the reply ends: train it */
            int train_marker = !asst && i > 0 && t.turns[i - 1].role == ROLE_ASSISTANT;
            if (add_segment(d, tok, marker, mlen, train_marker, scratch, e)) { transcript_free(&t); return -1; }
            /* the turn text as it appears in the transcript: one space after the colon */
            if (u->len > 0) {
                const char *s = u->text - 1;   /* include the space before the text when present */
                size_t n = u->len + 1;
                if (u->text[-1] != ' ') { s = u->text; n = u->len; }
                if (add_segment(d, tok, s, n, asst, scratch, e)) { transcript_free(&t); return -1; }
            }
        }
        int last_asst = t.n > 0 && t.turns[t.n - 1].role == ROLE_ASSISTANT;
        transcript_free(&t);
        if (token_data_append(d, &eot, 1, last_asst, e)) return -1;
        d->n_docs++;
        return 0;
    }
    if (token_data_append(d, &eot, 1, 1, e)) return -1;
    d->n_docs++;
    return 0;
}

typedef struct LoadCtx {
    Tokenizer *tok;
    int sft;
    double val_frac;
    TokenData *train, *val;
    TokIds ids;
    const char *path;
    long doc_index;
} LoadCtx;

static int on_doc(void *vctx, const char *doc, size_t len, RlhfErr *e) {
    LoadCtx *c = vctx;
    c->doc_index++;
    const char *key;
    size_t klen;
    transcript_first_human(doc, len, &key, &klen);
    double fr[2] = {1.0 - c->val_frac, c->val_frac};
    int part = c->val && c->val_frac > 0 ? split_of_key(split_key(key, klen, SPLIT_SALT_DEFAULT), fr, 2) : 0;
    if (lm_data_add_doc(part ? c->val : c->train, c->tok, doc, len, c->sft, &c->ids, e))
        return rlhf_err_wrap(e, "%s: document %ld", c->path, c->doc_index);
    return 0;
}

int lm_data_load(const char *const *paths, int npaths, Tokenizer *tok, int sft, double val_frac, size_t chunk_bytes,
                 TokenData *train, TokenData *val, RlhfErr *e) {
    LoadCtx c = {.tok = tok, .sft = sft, .val_frac = val_frac, .train = train, .val = val};
    TextSourceOpts o = {.format = TEXT_FMT_AUTO, .chunk_bytes = chunk_bytes};
    for (int i = 0; i < npaths; i++) {
        c.path = paths[i];
        c.doc_index = 0;
        if (text_source_each(paths[i], &o, on_doc, &c, e)) { tok_ids_free(&c.ids); return -1; }
    }
    tok_ids_free(&c.ids);
    return 0;
}
