/* bpe_io.c — tokenizer files: our own versioned format and OpenAI's GPT-2 files.
 *
 * Our format is line-oriented text, so a vocabulary can be read and diffed:
 *
 *   rlhf-bpe-tokenizer 1
 *   pattern gpt2
 *   vocab N
 *   merges M
 *   specials S
 *   tokens                        then N lines "id hex-bytes", ids 0..N-1 in order
 *   merges                        then M lines "a b c" (rank order: a b -> c)
 *   specials                      then S lines "id"
 *   end <fnv1a64 hex>             checksum of every byte before this line
 *
 * A truncated file lacks the end line; a corrupted one fails the checksum or
 * the structural checks in tok_build. Errors name the file and line. */
#include "tokenizer/bpe.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static uint64_t fnv1a64(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- saving ---- */

int tok_save(const Tokenizer *tok, const char *path, RlhfErr *e) {
    JsonBuf b;
    jb_init(&b);
    int n = tok_vocab_size(tok), m = tok_n_merges(tok), ns = 0;
    for (int i = 0; i < n; i++) ns += tok_is_special(tok, i);
    jb_printf(&b, "%s %d\npattern gpt2\nvocab %d\nmerges %d\nspecials %d\ntokens\n", TOK_FILE_MAGIC,
              TOK_FILE_VERSION, n, m, ns);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        size_t len;
        const unsigned char *p = (const unsigned char *)tok_token_bytes(tok, i, &len);
        jb_printf(&b, "%d ", i);
        for (size_t k = 0; k < len; k++) {
            char h2[2] = {hex[p[k] >> 4], hex[p[k] & 15]};
            jb_rawn(&b, h2, 2);
        }
        jb_rawn(&b, "\n", 1);
    }
    jb_raw(&b, "merges\n");
    for (int r = 0; r < m; r++) {
        int a, bb, c;
        tok_merge(tok, r, &a, &bb, &c);
        jb_printf(&b, "%d %d %d\n", a, bb, c);
    }
    jb_raw(&b, "specials\n");
    for (int i = 0; i < n; i++)
        if (tok_is_special(tok, i)) jb_printf(&b, "%d\n", i);
    if (b.oom) { jb_free(&b); return rlhf_err(e, "%s: out of memory serialising the tokenizer", path); }
    uint64_t h = fnv1a64(b.data, b.len);
    jb_printf(&b, "end %016" PRIx64 "\n", h);
    int rc = b.oom ? rlhf_err(e, "%s: out of memory serialising the tokenizer", path)
                   : rlhf_write_file_atomic(path, b.data, b.len, e);
    jb_free(&b);
    return rc;
}

/* ---- loading our format ---- */

typedef struct LineReader {
    const char *s, *end, *path;
    int line;
} LineReader;

/* Next line (without '\n') into [*b, *n); returns 0, or -1 at end of data. */
static int next_line(LineReader *r, const char **b, size_t *n) {
    if (r->s >= r->end) return -1;
    const char *nl = memchr(r->s, '\n', (size_t)(r->end - r->s));
    const char *le = nl ? nl : r->end;
    *b = r->s;
    *n = (size_t)(le - r->s);
    r->s = nl ? nl + 1 : r->end;
    r->line++;
    return 0;
}

/* Parses "keyword N" into *v (N >= 0). */
static int header_int(LineReader *r, const char *kw, int *v, RlhfErr *e) {
    const char *b;
    size_t n;
    if (next_line(r, &b, &n)) return rlhf_err(e, "%s:%d: truncated: expected '%s N'", r->path, r->line + 1, kw);
    size_t kl = strlen(kw);
    char buf[64];
    if (n <= kl + 1 || n >= sizeof buf || memcmp(b, kw, kl) || b[kl] != ' ')
        return rlhf_err(e, "%s:%d: expected '%s N'", r->path, r->line, kw);
    memcpy(buf, b + kl + 1, n - kl - 1);
    buf[n - kl - 1] = 0;
    char *endp;
    long x = strtol(buf, &endp, 10);
    if (*endp || x < 0 || x > 100000000) return rlhf_err(e, "%s:%d: bad count '%s' for %s", r->path, r->line, buf, kw);
    *v = (int)x;
    return 0;
}

static int expect_line(LineReader *r, const char *want, RlhfErr *e) {
    const char *b;
    size_t n;
    if (next_line(r, &b, &n)) return rlhf_err(e, "%s:%d: truncated: expected '%s'", r->path, r->line + 1, want);
    if (n != strlen(want) || memcmp(b, want, n)) return rlhf_err(e, "%s:%d: expected '%s'", r->path, r->line, want);
    return 0;
}

/* Parses up to k space-separated non-negative ints from a line; returns how many. */
static int parse_ints(const char *b, size_t n, long *out, int k) {
    int got = 0;
    size_t i = 0;
    while (i < n && got < k) {
        if (b[i] < '0' || b[i] > '9') return -1;
        long x = 0;
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            x = x * 10 + (b[i] - '0');
            if (x > 2000000000L) return -1;
            i++;
        }
        out[got++] = x;
        if (i < n) {
            if (b[i] != ' ') return -1;
            i++;
        }
    }
    return i == n ? got : -1;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Tokenizer *tok_load(const char *path, RlhfErr *e) {
    char *data = NULL;
    size_t len = 0;
    if (rlhf_read_file(path, &data, &len, e)) return NULL;
    Tokenizer *tok = NULL;
    char **tb = NULL;
    size_t *tl = NULL;
    int (*merges)[3] = NULL;
    int *specials = NULL;
    char *arena = NULL;
    LineReader r = {data, data + len, path, 0};
    const char *b;
    size_t n;
    int version, nv, nm, ns;

    /* magic + version first, so a foreign file says so */
    if (next_line(&r, &b, &n) || n < strlen(TOK_FILE_MAGIC) + 2 || memcmp(b, TOK_FILE_MAGIC, strlen(TOK_FILE_MAGIC)) ||
        b[strlen(TOK_FILE_MAGIC)] != ' ') {
        rlhf_err(e, "%s:1: not an rlhf tokenizer file (expected '%s %d')", path, TOK_FILE_MAGIC, TOK_FILE_VERSION);
        goto done;
    }
    version = atoi(b + strlen(TOK_FILE_MAGIC) + 1);
    if (version != TOK_FILE_VERSION) {
        rlhf_err(e, "%s:1: tokenizer file version %d, this build reads version %d", path, version, TOK_FILE_VERSION);
        goto done;
    }
    /* checksum: the last line must be "end <hex>" over everything before it */
    {
        size_t body = len;
        if (body && data[body - 1] == '\n') body--; /* the end line's own newline */
        const char *ls = body ? memrchr(data, '\n', body) : NULL;
        const char *endl = ls ? ls + 1 : NULL;
        if (!endl || (size_t)(data + len - endl) < 5 || memcmp(endl, "end ", 4)) {
            rlhf_err(e, "%s: truncated: the final 'end <checksum>' line is missing", path);
            goto done;
        }
        uint64_t want = strtoull(endl + 4, NULL, 16), got = fnv1a64(data, (size_t)(endl - data));
        if (want != got) {
            rlhf_err(e, "%s: checksum mismatch (file says %016" PRIx64 ", content hashes to %016" PRIx64
                        "): the file is corrupt", path, want, got);
            goto done;
        }
        r.end = endl;
    }
    if (expect_line(&r, "pattern gpt2", e) || header_int(&r, "vocab", &nv, e) || header_int(&r, "merges", &nm, e) ||
        header_int(&r, "specials", &ns, e) || expect_line(&r, "tokens", e))
        goto done;
    tb = calloc((size_t)nv + 1, sizeof *tb);
    tl = calloc((size_t)nv + 1, sizeof *tl);
    merges = malloc(((size_t)nm + 1) * sizeof *merges);
    specials = malloc(((size_t)ns + 1) * sizeof *specials);
    arena = malloc(len + 1);
    if (!tb || !tl || !merges || !specials || !arena) { rlhf_err(e, "%s: out of memory", path); goto done; }
    size_t ao = 0;
    for (int i = 0; i < nv; i++) {
        if (next_line(&r, &b, &n)) { rlhf_err(e, "%s:%d: truncated: expected token %d", path, r.line + 1, i); goto done; }
        const char *sp = memchr(b, ' ', n);
        long id;
        if (!sp || parse_ints(b, (size_t)(sp - b), &id, 1) != 1 || id != i) {
            rlhf_err(e, "%s:%d: expected 'id hex' for token %d", path, r.line, i);
            goto done;
        }
        size_t hl = n - (size_t)(sp + 1 - b);
        if (hl == 0 || hl % 2) { rlhf_err(e, "%s:%d: token %d: bad hex length", path, r.line, i); goto done; }
        tb[i] = arena + ao;
        tl[i] = hl / 2;
        for (size_t k = 0; k < hl; k += 2) {
            int hi = hexval(sp[1 + k]), lo = hexval(sp[2 + k]);
            if (hi < 0 || lo < 0) { rlhf_err(e, "%s:%d: token %d: bad hex digit", path, r.line, i); goto done; }
            arena[ao++] = (char)(hi * 16 + lo);
        }
    }
    if (expect_line(&r, "merges", e)) goto done;
    for (int i = 0; i < nm; i++) {
        long v[3];
        if (next_line(&r, &b, &n)) { rlhf_err(e, "%s:%d: truncated: expected merge %d", path, r.line + 1, i); goto done; }
        if (parse_ints(b, n, v, 3) != 3) { rlhf_err(e, "%s:%d: expected 'a b c' for merge %d", path, r.line, i); goto done; }
        for (int k = 0; k < 3; k++) merges[i][k] = (int)v[k];
    }
    if (expect_line(&r, "specials", e)) goto done;
    for (int i = 0; i < ns; i++) {
        long v;
        if (next_line(&r, &b, &n)) { rlhf_err(e, "%s:%d: truncated: expected special %d", path, r.line + 1, i); goto done; }
        if (parse_ints(b, n, &v, 1) != 1) { rlhf_err(e, "%s:%d: expected a special token id", path, r.line); goto done; }
        specials[i] = (int)v;
    }
    if (r.s != r.end) { rlhf_err(e, "%s:%d: unexpected data before the end line", path, r.line + 1); goto done; }
    tok = tok_build(nv, (const char *const *)tb, tl, nm, (const int(*)[3])merges, ns, specials, path, e);
done:
    free(tb);
    free(tl);
    free(merges);
    free(specials);
    free(arena);
    free(data);
    return tok;
}

/* ---- GPT-2's encoder.json + vocab.bpe ---- */

/* Decodes a GPT-2 token string (UTF-8 of the byte-standing code points) into
 * raw bytes at out (capacity >= n). Returns the byte count, or -1. */
static long gpt2_str_to_bytes(const char *s, size_t n, char *out) {
    long o = 0;
    size_t i = 0;
    while (i < n) {
        unsigned c = (unsigned char)s[i];
        int cp;
        if (c < 0x80) { cp = (int)c; i += 1; }
        else if ((c & 0xE0) == 0xC0 && i + 1 < n) { cp = (int)(((c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F)); i += 2; }
        else return -1;  /* GPT-2's table only uses code points below 0x800 */
        int byte = tok_gpt2_cp_to_byte(cp);
        if (byte < 0) return -1;
        out[o++] = (char)byte;
    }
    return o;
}

/* bytes -> id map for resolving vocab.bpe's strings */
typedef struct StrMap {
    const char **key;
    size_t *klen;
    int *val;
    size_t mask;
} StrMap;

static uint64_t strmap_hash(const char *s, size_t n) { return fnv1a64(s, n) * 0x9E3779B97F4A7C15ULL; }

static int strmap_find(const StrMap *m, const char *s, size_t n) {
    for (size_t i = (strmap_hash(s, n) >> 20) & m->mask;; i = (i + 1) & m->mask) {
        if (!m->key[i]) return -1;
        if (m->klen[i] == n && !memcmp(m->key[i], s, n)) return m->val[i];
    }
}

static void strmap_put(StrMap *m, const char *s, size_t n, int v) {
    size_t i = (strmap_hash(s, n) >> 20) & m->mask;
    while (m->key[i]) i = (i + 1) & m->mask;
    m->key[i] = s;
    m->klen[i] = n;
    m->val[i] = v;
}

Tokenizer *tok_load_gpt2(const char *encoder_json, const char *vocab_bpe, RlhfErr *e) {
    char *ej = NULL, *vb = NULL, *arena = NULL;
    size_t ejl = 0, vbl = 0;
    JsonDoc *doc = NULL;
    Tokenizer *tok = NULL;
    char **tb = NULL;
    size_t *tl = NULL;
    int (*merges)[3] = NULL;
    StrMap m = {0};
    int nv = 0, nm = 0, eot = -1;
    if (rlhf_read_file(encoder_json, &ej, &ejl, e) || rlhf_read_file(vocab_bpe, &vb, &vbl, e)) goto done;
    doc = json_parse(ej, ejl, e);
    if (!doc) { rlhf_err_wrap(e, "%s", encoder_json); goto done; }
    JsonValue *root = json_root(doc);
    if (root->type != JSON_OBJECT || root->len == 0) {
        rlhf_err(e, "%s: expected a JSON object mapping token strings to ids", encoder_json);
        goto done;
    }
    nv = (int)root->len;
    tb = calloc((size_t)nv, sizeof *tb);
    tl = calloc((size_t)nv, sizeof *tl);
    arena = malloc(ejl + 1);
    size_t cap = 16;
    while (cap < (size_t)nv * 2) cap *= 2;
    m.key = calloc(cap, sizeof *m.key);
    m.klen = calloc(cap, sizeof *m.klen);
    m.val = calloc(cap, sizeof *m.val);
    m.mask = cap - 1;
    if (!tb || !tl || !arena || !m.key || !m.klen || !m.val) { rlhf_err(e, "%s: out of memory", encoder_json); goto done; }
    size_t ao = 0;
    for (int i = 0; i < nv; i++) {
        const char *k = root->keys[i];
        JsonValue *v = root->items[i];
        double d = v->type == JSON_NUMBER ? v->number : -1;
        if (v->type != JSON_NUMBER || d < 0 || d >= nv || d != (double)(int)d) {
            rlhf_err(e, "%s: key '%.60s': expected an integer id in [0, %d)", encoder_json, k, nv);
            goto done;
        }
        int id = (int)d;
        if (tb[id]) { rlhf_err(e, "%s: id %d is used by two keys (second: '%.60s')", encoder_json, id, k); goto done; }
        size_t kn = strlen(k);
        if (!strcmp(k, TOK_EOT_STRING)) eot = id;
        long bn = gpt2_str_to_bytes(k, kn, arena + ao);
        if (bn <= 0) {
            rlhf_err(e, "%s: key '%.60s': not a GPT-2 byte-level token string", encoder_json, k);
            goto done;
        }
        tb[id] = arena + ao;
        tl[id] = (size_t)bn;
        ao += (size_t)bn;
        if (strmap_find(&m, tb[id], tl[id]) >= 0) {
            rlhf_err(e, "%s: key '%.60s': two ids for the same bytes", encoder_json, k);
            goto done;
        }
        strmap_put(&m, tb[id], tl[id], id);
    }
    for (int i = 0; i < nv; i++)
        if (!tb[i]) { rlhf_err(e, "%s: ids are not contiguous: %d is missing", encoder_json, i); goto done; }

    /* vocab.bpe: "#version: 0.2" then one "a b" merge per line */
    size_t lines = 1;
    for (size_t i = 0; i < vbl; i++) lines += vb[i] == '\n';
    merges = malloc(lines * sizeof *merges);
    if (!merges) { rlhf_err(e, "%s: out of memory", vocab_bpe); goto done; }
    LineReader r = {vb, vb + vbl, vocab_bpe, 0};
    const char *b;
    size_t n;
    char buf[1024];
    while (!next_line(&r, &b, &n)) {
        if (n && b[n - 1] == '\r') n--;
        if (n == 0 || (r.line == 1 && b[0] == '#')) continue;
        const char *sp = memchr(b, ' ', n);
        if (!sp || sp == b || sp == b + n - 1 || memchr(sp + 1, ' ', (size_t)(b + n - sp - 1)) || n >= sizeof buf) {
            rlhf_err(e, "%s:%d: expected two token strings separated by one space", vocab_bpe, r.line);
            goto done;
        }
        long la = gpt2_str_to_bytes(b, (size_t)(sp - b), buf);
        long lb = la > 0 ? gpt2_str_to_bytes(sp + 1, (size_t)(b + n - sp - 1), buf + la) : -1;
        if (la <= 0 || lb <= 0) {
            rlhf_err(e, "%s:%d: not GPT-2 byte-level token strings", vocab_bpe, r.line);
            goto done;
        }
        int a = strmap_find(&m, buf, (size_t)la), bb = strmap_find(&m, buf + la, (size_t)lb);
        int c = strmap_find(&m, buf, (size_t)(la + lb));
        if (a < 0 || bb < 0 || c < 0) {
            rlhf_err(e, "%s:%d: merge '%.*s' refers to a token missing from %s", vocab_bpe, r.line, (int)n, b,
                     encoder_json);
            goto done;
        }
        merges[nm][0] = a;
        merges[nm][1] = bb;
        merges[nm][2] = c;
        nm++;
    }
    tok = tok_build(nv, (const char *const *)tb, tl, nm, (const int(*)[3])merges, eot >= 0 ? 1 : 0, &eot,
                    vocab_bpe, e);
done:
    free(m.key);
    free(m.klen);
    free(m.val);
    free(tb);
    free(tl);
    free(merges);
    free(arena);
    json_doc_free(doc);
    free(ej);
    free(vb);
    return tok;
}

Tokenizer *tok_load_gpt2_dir(const char *dir, RlhfErr *e) {
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/encoder.json", dir);
    snprintf(b, sizeof b, "%s/vocab.bpe", dir);
    return tok_load_gpt2(a, b, e);
}
