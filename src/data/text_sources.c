/* text_sources.c — plain text, Topical-Chat JSON and HH-RLHF JSONL readers (see text_sources.h). */
#include "data/text_sources.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

TextFormat text_format_for_path(const char *path) {
    if (ends_with(path, ".jsonl") || ends_with(path, ".jsonl.gz")) return TEXT_FMT_HH;
    if (ends_with(path, ".json") || ends_with(path, ".json.gz")) return TEXT_FMT_TOPICAL;
    return TEXT_FMT_PLAIN;
}

const char *text_format_name(TextFormat f) {
    switch (f) {
    case TEXT_FMT_PLAIN: return "text";
    case TEXT_FMT_TOPICAL: return "topical-chat";
    case TEXT_FMT_HH: return "hh-rlhf";
    default: return "auto";
    }
}

/* ---- plain text ---- */

static int each_plain(const char *path, const char *s, size_t len, size_t chunk, TextDocFn fn, void *ctx,
                      RlhfErr *e) {
    if (chunk == 0) return len ? fn(ctx, s, len, e) : 0;
    size_t pos = 0;
    while (pos < len) {
        size_t n = RLHF_MIN(chunk, len - pos);
        if (pos + n < len) {
            const char *nl = NULL;
            for (size_t i = n; i > n / 2; i--)
                if (s[pos + i - 1] == '\n') { nl = s + pos + i - 1; break; }
            if (nl) n = (size_t)(nl - (s + pos)) + 1;
        }
        if (fn(ctx, s + pos, n, e)) return -1;
        pos += n;
    }
    return 0;
}

/* ---- Topical-Chat ---- */

typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n, RlhfErr *e) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return rlhf_err(e, "out of memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

int topical_each_conversation(const char *path, const char *text, size_t len, TopicalConvFn fn, void *ctx,
                              RlhfErr *e) {
    JsonDoc *doc = json_parse(text, len, e);
    if (!doc) return rlhf_err_wrap(e, "%s", path);
    int rc = 0;
    JsonValue *root = json_root(doc);
    if (root->type != JSON_OBJECT)
        rc = rlhf_err(e, "%s: expected a Topical-Chat object {conversation_id: {\"content\": [...]}}", path);
    for (size_t c = 0; !rc && root->type == JSON_OBJECT && c < root->len; c++) {
        const char *cid = root->keys[c];
        JsonValue *content = json_get(root->items[c], "content");
        if (!content || content->type != JSON_ARRAY)
            rc = rlhf_err(e, "%s: conversation '%s': field 'content' is missing or not an array", path, cid);
        else
            rc = fn(ctx, cid, content, e);
    }
    json_doc_free(doc);
    return rc;
}

/* One conversation as one document (see text_sources.h). */
typedef struct TopicalDocCtx {
    const char *path;
    int plain;
    Buf b;
    TextDocFn fn;
    void *ctx;
} TopicalDocCtx;

static int topical_doc(void *vctx, const char *cid, const JsonValue *content, RlhfErr *e) {
    TopicalDocCtx *c = vctx;
    c->b.n = 0;
    for (size_t t = 0; t < content->len; t++) {
        JsonValue *turn = content->items[t];
        JsonValue *msg = json_get(turn, "message");
        const char *agent = json_get_str(turn, "agent");
        if (!msg || msg->type != JSON_STRING)
            return rlhf_err(e, "%s: conversation '%s' turn %zu: field 'message' is missing or not a string", c->path,
                            cid, t);
        if (c->plain) {
            if ((t && buf_add(&c->b, "\n", 1, e)) || buf_add(&c->b, msg->str, msg->len, e)) return -1;
            continue;
        }
        const char *marker;
        if (agent && !strcmp(agent, "agent_1")) marker = "\n\nHuman: ";
        else if (agent && !strcmp(agent, "agent_2")) marker = "\n\nAssistant: ";
        else
            return rlhf_err(e, "%s: conversation '%s' turn %zu: field 'agent' must be \"agent_1\" or \"agent_2\"",
                            c->path, cid, t);
        if (buf_add(&c->b, marker, strlen(marker), e) || buf_add(&c->b, msg->str, msg->len, e)) return -1;
    }
    return c->b.n ? c->fn(c->ctx, c->b.p, c->b.n, e) : 0;
}

static int each_topical(const char *path, const char *s, size_t len, int plain, TextDocFn fn, void *ctx,
                        RlhfErr *e) {
    TopicalDocCtx c = {.path = path, .plain = plain, .fn = fn, .ctx = ctx};
    int rc = topical_each_conversation(path, s, len, topical_doc, &c, e);
    free(c.b.p);
    return rc;
}

/* ---- HH-RLHF JSONL ---- */

static int each_hh(const char *path, const char *s, size_t len, int rejected, TextDocFn fn, void *ctx, RlhfErr *e) {
    size_t pos = 0;
    int line = 0;
    while (pos < len) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (s + pos)) : len - pos;
        const char *l = s + pos;
        pos += n + (nl ? 1 : 0);
        line++;
        size_t k = 0;
        while (k < n && (l[k] == ' ' || l[k] == '\t' || l[k] == '\r')) k++;
        if (k == n) continue;
        JsonDoc *doc = json_parse(l, n, e);
        if (!doc) return rlhf_err_wrap(e, "%s:%d", path, line);
        JsonValue *root = json_root(doc);
        JsonValue *ch = json_get(root, "chosen"), *rj = json_get(root, "rejected");
        JsonValue *tx = json_get(root, "text");   /* SFT transcripts: {"text": "\n\nHuman: ..."} */
        int rc = 0;
        if (!ch && tx && tx->type == JSON_STRING) {
            ch = tx;
            rj = NULL;
            if (rejected) { json_doc_free(doc); if (fn(ctx, tx->str, tx->len, e)) return -1; continue; }
        }
        if (!ch || ch->type != JSON_STRING)
            rc = rlhf_err(e, "%s:%d: field 'chosen' (or 'text') is missing or not a string", path, line);
        else if (rejected && (!rj || rj->type != JSON_STRING))
            rc = rlhf_err(e, "%s:%d: field 'rejected' is missing or not a string", path, line);
        else {
            rc = fn(ctx, ch->str, ch->len, e);
            if (!rc && rejected && !(rj->len == ch->len && !memcmp(rj->str, ch->str, ch->len)))
                rc = fn(ctx, rj->str, rj->len, e);
        }
        json_doc_free(doc);
        if (rc) return -1;
    }
    return 0;
}

int text_source_each(const char *path, const TextSourceOpts *opts, TextDocFn fn, void *ctx, RlhfErr *e) {
    TextSourceOpts o = opts ? *opts : (TextSourceOpts){0};
    TextFormat f = o.format == TEXT_FMT_AUTO ? text_format_for_path(path) : o.format;
    char *s = NULL;
    size_t len = 0;
    if (rlhf_read_file(path, &s, &len, e)) return -1;
    int rc;
    if (f == TEXT_FMT_HH) rc = each_hh(path, s, len, o.hh_rejected, fn, ctx, e);
    else if (f == TEXT_FMT_TOPICAL) rc = each_topical(path, s, len, o.topical_plain, fn, ctx, e);
    else rc = each_plain(path, s, len, o.chunk_bytes, fn, ctx, e);
    free(s);
    return rc;
}

/* ---- TextDocs ---- */

int text_docs_add(TextDocs *d, const char *doc, size_t len, RlhfErr *e) {
    if (d->n + 2 > d->ncap) {
        size_t cap = d->ncap ? d->ncap * 2 : 1024;
        size_t *p = realloc(d->off, cap * sizeof *p);
        if (!p) return rlhf_err(e, "out of memory for %zu documents", cap);
        d->off = p;
        d->ncap = cap;
        if (d->n == 0) d->off[0] = 0;
    }
    if (d->len + len + 1 > d->cap) {
        size_t cap = d->cap ? d->cap : 1 << 16;
        while (cap < d->len + len + 1) cap *= 2;
        char *p = realloc(d->data, cap);
        if (!p) return rlhf_err(e, "out of memory for %zu bytes of documents", cap);
        d->data = p;
        d->cap = cap;
    }
    memcpy(d->data + d->len, doc, len);
    d->len += len;
    d->data[d->len] = 0;
    d->off[++d->n] = d->len;
    return 0;
}

static int docs_cb(void *ctx, const char *doc, size_t len, RlhfErr *e) { return text_docs_add(ctx, doc, len, e); }

int text_docs_load(TextDocs *d, const char *path, const TextSourceOpts *opts, RlhfErr *e) {
    return text_source_each(path, opts, docs_cb, d, e);
}

const char *text_docs_get(const TextDocs *d, size_t i, size_t *len) {
    if (i >= d->n) return NULL;
    if (len) *len = d->off[i + 1] - d->off[i];
    return d->data + d->off[i];
}

void text_docs_free(TextDocs *d) {
    free(d->data);
    free(d->off);
    memset(d, 0, sizeof *d);
}
