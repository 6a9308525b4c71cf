/* test_tokenizer.c — byte-level BPE: GPT-2 ids, round trips, training, files, text sources. */
#include "testlib.h"

#include <stdint.h>
#include <unistd.h>

#include "data/text_sources.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_train.h"
#include "tokenizer/pretok.h"
#include "util/json.h"
#include "util/rng.h"

static char tmpdir[256];

static const char *tmp_path(const char *name) {
    static char buf[8][512];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); exit(1); }
    fwrite(data, 1, len, f);
    fclose(f);
}

static Tokenizer *gpt2_or_skip(void) {
    const char *d = test_shared_data();
    if (!d) SKIP("../shared/data absent (GPT-2 vocabulary needed)");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/gpt2-bpe", d);
    RlhfErr e = {{0}};
    Tokenizer *t = tok_load_gpt2_dir(dir, &e);
    if (!t) fprintf(stderr, "  %s\n", e.msg);
    REQUIRE(t);
    return t;
}

static int encode_eq(Tokenizer *t, const char *s, int allow, const int *want, size_t n) {
    TokIds ids = {0};
    RlhfErr e = {{0}};
    int ok = !tok_encode(t, s, strlen(s), allow, &ids, &e) && ids.n == n && !memcmp(ids.ids, want, n * sizeof(int));
    if (!ok) {
        fprintf(stderr, "  encode(\"%s\") =", s);
        for (size_t i = 0; i < ids.n; i++) fprintf(stderr, " %d", ids.ids[i]);
        fprintf(stderr, "\n");
    }
    tok_ids_free(&ids);
    return ok;
}

/* encode then decode; 1 when the bytes come back exactly */
static int round_trips(Tokenizer *t, const char *s, size_t len, int allow) {
    TokIds ids = {0};
    TokBytes out = {0};
    RlhfErr e = {{0}};
    int ok = !tok_encode(t, s, len, allow, &ids, &e) && !tok_decode(t, ids.ids, ids.n, &out, &e) &&
             out.len == len && (len == 0 || !memcmp(out.data, s, len));
    for (size_t i = 0; ok && i < ids.n; i++) ok = ids.ids[i] >= 0 && ids.ids[i] < tok_vocab_size(t);
    tok_ids_free(&ids);
    tok_bytes_free(&out);
    return ok;
}

/* ---- a small trained tokenizer shared by several tests ---- */

static char *gen_corpus(uint64_t seed, size_t n, size_t *len) {
    static const char *words[] = {"the", "cat", "sat", "on", "mat", "hello", "world", "it's", "don't", "42",
                                  "2024", "über", "naïve", "日本語", "😀", "!!", "...", "\n", "\n\n", "  ",
                                  "Human:", "Assistant:", "token", "tokens", "tokenizer"};
    Rng r;
    rng_seed(&r, seed);
    char *s = malloc(n * 16 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int k = rng_int(&r, (int)RLHF_ARRAY_LEN(words));
        if (rng_int(&r, 4)) s[o++] = ' ';
        size_t l = strlen(words[k]);
        memcpy(s + o, words[k], l);
        o += l;
    }
    s[o] = 0;
    *len = o;
    return s;
}

static Tokenizer *train_small(int merges, int min_count) {
    size_t len;
    char *text = gen_corpus(7, 20000, &len);
    RlhfErr e = {{0}};
    BpeTrainer *tr = bpe_trainer_new(&e);
    REQUIRE(tr);
    REQUIRE(!bpe_trainer_add(tr, text, len, &e));
    const char *sp[] = {TOK_EOT_STRING};
    Tokenizer *t = bpe_trainer_finish(tr, merges, min_count, sp, 1, NULL, &e);
    if (!t) fprintf(stderr, "  %s\n", e.msg);
    bpe_trainer_free(tr);
    free(text);
    REQUIRE(t);
    return t;
}

/* ---- GPT-2 ---- */

TEST(gpt2_hello_world) {
    Tokenizer *t = gpt2_or_skip();
    CHECK(tok_vocab_size(t) == 50257);
    CHECK(tok_n_merges(t) == 50000);
    CHECK(tok_eot(t) == 50256);
    CHECK(encode_eq(t, "Hello world", 0, (int[]){15496, 995}, 2));
    CHECK(encode_eq(t, "<|endoftext|>", 1, (int[]){50256}, 1));
    CHECK(encode_eq(t, "<|endoftext|>", 0, (int[]){27, 91, 437, 1659, 5239, 91, 29}, 7));
    CHECK(encode_eq(t, " Hello world!\n\n", 0, (int[]){18435, 995, 0, 628}, 4));
    size_t l;
    const char *b = tok_token_bytes(t, 995, &l);
    CHECK(b && l == 6 && !memcmp(b, " world", 6));
    tok_free(t);
}

static uint64_t fnv1a64(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* The same string extraction as tests/fixtures/gen_gpt2_tok_fixture.sh. */
static int fixture_string(const char *chosen, size_t len, const char *field, const char **s, size_t *n) {
    static const char H[] = "\n\nHuman:", A[] = "\n\nAssistant:";
    if (!strcmp(field, "human1")) {
        const char *h = memmem(chosen, len, H, 8);
        if (!h) return -1;
        const char *st = h + 8;
        const char *a = memmem(st, len - (size_t)(st - chosen), A, 12);
        *s = st;
        *n = a ? (size_t)(a - st) : len - (size_t)(st - chosen);
        return 0;
    }
    const char *last = NULL;
    for (const char *p = chosen; (p = memmem(p, len - (size_t)(p - chosen), A, 12)); p++) last = p;
    if (!last) return -1;
    *s = last + 12;
    *n = len - (size_t)(*s - chosen);
    return 0;
}

TEST(gpt2_fixture_matches_reference_encoder) {
    const char *d = test_shared_data();
    if (!d) SKIP("../shared/data absent (HH-RLHF text needed)");
    Tokenizer *t = gpt2_or_skip();
    char *fx;
    size_t fxl;
    RlhfErr e = {{0}};
    REQUIRE(!rlhf_read_file("tests/fixtures/gpt2_tok_ids.txt", &fx, &fxl, &e));
    /* rows of the two HH files, parsed lazily */
    const char *names[2] = {"helpful-base", "harmless-base"};
    char *raw[2] = {0};
    size_t rawl[2];
    const char **rows[2] = {0};
    size_t *rowl[2] = {0}, nrows[2] = {0};
    JsonDoc **docs[2] = {0};
    for (int k = 0; k < 2; k++) {
        char p[512];
        snprintf(p, sizeof p, "%s/hh-rlhf/%s/test.jsonl.gz", d, names[k]);
        REQUIRE(!rlhf_read_file(p, &raw[k], &rawl[k], &e));
        rows[k] = calloc(4096, sizeof(char *));
        rowl[k] = calloc(4096, sizeof(size_t));
        docs[k] = calloc(4096, sizeof(JsonDoc *));
        char *s = raw[k];
        while (*s && nrows[k] < 4096) {
            char *nl = strchr(s, '\n');
            size_t l = nl ? (size_t)(nl - s) : strlen(s);
            if (l) {
                JsonDoc *doc = json_parse(s, l, &e);
                REQUIRE(doc);
                JsonValue *c = json_get(json_root(doc), "chosen");
                REQUIRE(c && c->type == JSON_STRING);
                docs[k][nrows[k]] = doc;
                rows[k][nrows[k]] = c->str;
                rowl[k][nrows[k]++] = c->len;
            }
            if (!nl) break;
            s = nl + 1;
        }
    }
    int checked = 0, mismatched = 0, hash_bad = 0, synthetic = 0;
    TokIds ids = {0};
    char *line = fx;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (line[0] != '#' && line[0]) {
            char file[64], field[16];
            int row;
            unsigned long long h;
            char *tab = strchr(line, '\t');
            REQUIRE(tab && sscanf(line, "%63s %d %15s %llx", file, &row, field, &h) == 4);
            const char *s;
            size_t n;
            char hexbuf[4096];
            if (!strcmp(file, "synthetic")) { /* not HH text: the string itself is in the file, as hex */
                char *hx = strchr(strchr(strchr(strchr(line, ' ') + 1, ' ') + 1, ' ') + 1, ' ');
                REQUIRE(hx && hx < tab);
                hx++;
                n = (size_t)(tab - hx) / 2;
                REQUIRE(n <= sizeof hexbuf);
                for (size_t i = 0; i < n; i++) {
                    unsigned x;
                    REQUIRE(sscanf(hx + 2 * i, "%2x", &x) == 1);
                    hexbuf[i] = (char)x;
                }
                s = hexbuf;
                synthetic++;
            } else {
                int k = !strcmp(file, "helpful-base") ? 0 : !strcmp(file, "harmless-base") ? 1 : -1;
                REQUIRE(k >= 0 && row >= 0 && (size_t)row < nrows[k]);
                REQUIRE(!fixture_string(rows[k][row], rowl[k][row], field, &s, &n));
            }
            if (fnv1a64(s, n) != h) {
                hash_bad++;
            } else {
                ids.n = 0;
                REQUIRE(!tok_encode(t, s, n, 0, &ids, &e));
                size_t j = 0;
                int same = 1;
                for (char *p = tab + 1; *p;) {
                    char *end;
                    long v = strtol(p, &end, 10);
                    if (end == p) break;
                    if (j >= ids.n || ids.ids[j] != v) same = 0;
                    j++;
                    p = end;
                }
                if (!same || j != ids.n) {
                    if (mismatched++ < 3) fprintf(stderr, "  mismatch: %s %d %s\n", file, row, field);
                }
                checked++;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    fprintf(stderr, "  %d fixture strings checked (%d synthetic), %d mismatched, %d with a different hash\n", checked,
            synthetic, mismatched, hash_bad);
    CHECK(checked - synthetic >= 1000);
    CHECK(synthetic >= 30);
    CHECK(mismatched == 0);
    CHECK(hash_bad == 0);
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < nrows[k]; i++) json_doc_free(docs[k][i]);
        free(docs[k]);
        free(rows[k]);
        free(rowl[k]);
        free(raw[k]);
    }
    tok_ids_free(&ids);
    free(fx);
    tok_free(t);
}

/* ---- round trips ---- */

static void random_strings_round_trip(Tokenizer *t, uint64_t seed, int n) {
    static const char *pieces[] = {"😀", "日本", "é", "\xff", "\xc3", "\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                   "\0", " ", "  ", "\n", "\r\n", "\t", "'s", "'ll", "<|endoftext|>", "<|endo",
                                   "a", "Z", "9", "!", "abc", " the", "\xe2\x80\xa8", "\xc2\xa0"};
    Rng r;
    rng_seed(&r, seed);
    char buf[4096];
    int bad = 0;
    for (int it = 0; it < n; it++) {
        size_t len = 0, target = (size_t)rng_int(&r, 400);
        while (len < target) {
            if (rng_int(&r, 3) == 0) buf[len++] = (char)rng_int(&r, 256);
            else {
                const char *p = pieces[rng_int(&r, (int)RLHF_ARRAY_LEN(pieces))];
                size_t l = p[0] ? strlen(p) : 1;
                memcpy(buf + len, p, l);
                len += l;
            }
        }
        if (!round_trips(t, buf, len, it & 1)) bad++;
    }
    CHECK_MSG(bad == 0, "%d of %d random strings did not round-trip", bad, n);
}

static void edge_strings_round_trip(Tokenizer *t) {
    size_t big = 200000;
    char *s = malloc(big);
    memset(s, ' ', big);
    CHECK(round_trips(t, s, big, 0));                      /* one long run of spaces */
    memset(s, '\n', big);
    CHECK(round_trips(t, s, big, 0));
    memset(s, 'a', big);
    CHECK(round_trips(t, s, big, 0));                      /* one 200 KB word */
    memset(s, 0, big);
    CHECK(round_trips(t, s, big, 0));                      /* NULs */
    for (size_t i = 0; i < big; i++) s[i] = (char)(0x80 + i % 64); /* continuation bytes only */
    CHECK(round_trips(t, s, big, 0));
    CHECK(round_trips(t, "", 0, 0));
    CHECK(round_trips(t, "\xff", 1, 0));
    free(s);
}

TEST(round_trip_gpt2) {
    Tokenizer *t = gpt2_or_skip();
    random_strings_round_trip(t, 1, 2000);
    edge_strings_round_trip(t);
    tok_free(t);
}

TEST(round_trip_trained) {
    Tokenizer *t = train_small(300, 2);
    random_strings_round_trip(t, 2, 2000);
    edge_strings_round_trip(t);
    /* a separate encoder gives the same ids as tok_encode */
    RlhfErr e = {{0}};
    TokEncoder *enc = tok_encoder_new(t, &e);
    REQUIRE(enc);
    const char *s = "hello world, the cat sat on the mat 😀 \xff\xfe";
    TokIds a = {0}, b = {0};
    CHECK(!tok_encode(t, s, strlen(s), 0, &a, &e));
    CHECK(!tok_encoder_encode(enc, s, strlen(s), 0, &b, &e));
    CHECK(a.n == b.n && !memcmp(a.ids, b.ids, a.n * sizeof(int)));
    CHECK(a.n < strlen(s)); /* merges did something */
    tok_ids_free(&a);
    tok_ids_free(&b);
    tok_encoder_free(enc);
    tok_free(t);
}

TEST(pretok_pieces_tile_input) {
    RlhfErr e = {{0}};
    Pretok *p = pretok_new(&e);
    REQUIRE(p);
    PretokCursor c;
    REQUIRE(!pretok_cursor_init(&c, p, &e));
    const char *s = "I'll say: it's 2024!  Héllo\xff\xfeworld \n\n  x";
    const char *want[] = {"I", "'ll", " say", ":", " it", "'s", " 2024", "!", " ", " Héllo", "\xff\xfe", "world",
                          " \n\n ", " x"};
    pretok_cursor_reset(&c, s, strlen(s));
    size_t b, en, k = 0, last = 0;
    int ok = 1;
    while (pretok_next(&c, &b, &en, &e) == 1) {
        if (b != last || k >= RLHF_ARRAY_LEN(want) || en - b != strlen(want[k]) || memcmp(s + b, want[k], en - b)) {
            fprintf(stderr, "  piece %zu: '%.*s'\n", k, (int)(en - b), s + b);
            ok = 0;
        }
        last = en;
        k++;
    }
    CHECK(ok);
    CHECK(k == RLHF_ARRAY_LEN(want));
    CHECK(last == strlen(s));
    pretok_cursor_free(&c);
    pretok_free(p);
}

/* ---- training ---- */

TEST(train_tiny_expected_merges) {
    RlhfErr e = {{0}};
    BpeTrainer *tr = bpe_trainer_new(&e);
    REQUIRE(tr);
    const char *text = "ab ab ab abc";
    REQUIRE(!bpe_trainer_add(tr, text, strlen(text), &e));
    BpeTrainStats st;
    Tokenizer *t = bpe_trainer_finish(tr, 10, 1, (const char *[]){TOK_EOT_STRING}, 1, &st, &e);
    bpe_trainer_free(tr);
    REQUIRE(t);
    /* pieces "ab", " ab" x2, " abc": (a,b) x4, then (' ',ab) x3, then (' ab',c), (ab... none left) */
    int want[][3] = {{'a', 'b', 256}, {' ', 256, 257}, {257, 'c', 258}};
    CHECK(st.merges == 3 && tok_n_merges(t) == 3);
    for (int r = 0; r < 3 && r < tok_n_merges(t); r++) {
        int a, b, c;
        tok_merge(t, r, &a, &b, &c);
        CHECK_MSG(a == want[r][0] && b == want[r][1] && c == want[r][2], "merge %d = (%d %d -> %d)", r, a, b, c);
    }
    CHECK(tok_vocab_size(t) == 256 + 3 + 1);
    CHECK(tok_eot(t) == 259);
    CHECK(encode_eq(t, " abc ab", 0, (int[]){258, 257}, 2));
    CHECK(st.pieces == 4 && st.unique_words == 3);
    tok_free(t);
}

/* Reference trainer: recounts every pair over the unique words at each step. */
static void naive_train(const char *text, size_t len, int n_merges, int (*out)[3], int *n_out) {
    RlhfErr e = {{0}};
    Pretok *p = pretok_new(&e);
    PretokCursor c;
    pretok_cursor_init(&c, p, &e);
    pretok_cursor_reset(&c, text, len);
    int maxw = 20000, nw = 0;
    int **w = calloc((size_t)maxw, sizeof *w), *wl = calloc((size_t)maxw, sizeof *wl), *wc = calloc((size_t)maxw, sizeof *wc);
    size_t b, en;
    while (pretok_next(&c, &b, &en, &e) == 1) {
        int k;
        for (k = 0; k < nw; k++) {
            if ((size_t)wl[k] != en - b) continue;
            int same = 1;
            for (size_t i = 0; i < en - b && same; i++) same = w[k][i] == (unsigned char)text[b + i];
            if (same) break;
        }
        if (k == nw) {
            w[k] = malloc((en - b) * sizeof(int));
            for (size_t i = 0; i < en - b; i++) w[k][i] = (unsigned char)text[b + i];
            wl[k] = (int)(en - b);
            nw++;
        }
        wc[k]++;
    }
    int V = 256 + n_merges;
    long long *cnt = malloc((size_t)V * V * sizeof *cnt);
    *n_out = 0;
    for (int m = 0; m < n_merges; m++) {
        memset(cnt, 0, (size_t)V * V * sizeof *cnt);
        for (int k = 0; k < nw; k++)
            for (int i = 0; i + 1 < wl[k]; i++) cnt[(size_t)w[k][i] * V + w[k][i + 1]] += wc[k];
        long long best = 0;
        size_t bi = 0;
        for (size_t i = 0; i < (size_t)V * V; i++)
            if (cnt[i] > best) { best = cnt[i]; bi = i; } /* first max = smallest (a, b) */
        if (best < 2) break;
        int a = (int)(bi / V), bb = (int)(bi % V), nid = 256 + m;
        out[m][0] = a; out[m][1] = bb; out[m][2] = nid;
        (*n_out)++;
        for (int k = 0; k < nw; k++) {
            int o = 0;
            for (int i = 0; i < wl[k]; i++) {
                if (i + 1 < wl[k] && w[k][i] == a && w[k][i + 1] == bb) { w[k][o++] = nid; i++; }
                else w[k][o++] = w[k][i];
            }
            wl[k] = o;
        }
    }
    for (int k = 0; k < nw; k++) free(w[k]);
    free(w); free(wl); free(wc); free(cnt);
    pretok_cursor_free(&c);
    pretok_free(p);
}

/* Random letters from a skewed alphabet: many ties and shrinking counts. */
static char *gen_letters(uint64_t seed, size_t n, size_t *len) {
    Rng r;
    rng_seed(&r, seed);
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        int k = rng_int(&r, 8);
        s[i] = k == 0 ? ' ' : (char)('a' + rng_int(&r, 1 + k));
    }
    s[n] = 0;
    *len = n;
    return s;
}

static void check_against_naive(char *text, size_t len) {
    enum { M = 250 };
    int ref[M][3], nref;
    naive_train(text, len, M, ref, &nref);
    RlhfErr e = {{0}};
    BpeTrainer *tr = bpe_trainer_new(&e);
    REQUIRE(tr);
    REQUIRE(!bpe_trainer_add(tr, text, len, &e));
    Tokenizer *t = bpe_trainer_finish(tr, M, 2, NULL, 0, NULL, &e);
    bpe_trainer_free(tr);
    REQUIRE(t);
    CHECK(nref > 40);
    CHECK_MSG(tok_n_merges(t) == nref, "%d merges vs reference %d", tok_n_merges(t), nref);
    int bad = 0;
    for (int r = 0; r < nref && r < tok_n_merges(t); r++) {
        int a, b, c;
        tok_merge(t, r, &a, &b, &c);
        if (a != ref[r][0] || b != ref[r][1] || c != ref[r][2]) {
            if (!bad) fprintf(stderr, "  merge %d: (%d %d) vs reference (%d %d)\n", r, a, b, ref[r][0], ref[r][1]);
            bad++;
        }
    }
    CHECK(bad == 0);
    CHECK(tok_eot(t) == -1);
    free(text);
    tok_free(t);
}

TEST(train_matches_naive_reference) {
    size_t len;
    char *a = gen_corpus(11, 3000, &len);
    check_against_naive(a, len);
    char *b = gen_letters(12, 30000, &len);
    check_against_naive(b, len);
}

TEST(train_is_deterministic) {
    Tokenizer *a = train_small(200, 2), *b = train_small(200, 2);
    RlhfErr e = {{0}};
    REQUIRE(!tok_save(a, tmp_path("a.tok"), &e));
    REQUIRE(!tok_save(b, tmp_path("b.tok"), &e));
    char *x, *y;
    size_t xl, yl;
    REQUIRE(!rlhf_read_file(tmp_path("a.tok"), &x, &xl, &e));
    REQUIRE(!rlhf_read_file(tmp_path("b.tok"), &y, &yl, &e));
    CHECK(xl == yl && !memcmp(x, y, xl));
    free(x);
    free(y);
    tok_free(a);
    tok_free(b);
}

/* ---- files ---- */

static int same_tokenizer(const Tokenizer *a, const Tokenizer *b) {
    if (tok_vocab_size(a) != tok_vocab_size(b) || tok_n_merges(a) != tok_n_merges(b) || tok_eot(a) != tok_eot(b))
        return 0;
    for (int i = 0; i < tok_vocab_size(a); i++) {
        size_t la, lb;
        const char *pa = tok_token_bytes(a, i, &la), *pb = tok_token_bytes(b, i, &lb);
        if (la != lb || memcmp(pa, pb, la) || tok_is_special(a, i) != tok_is_special(b, i)) return 0;
    }
    for (int r = 0; r < tok_n_merges(a); r++) {
        int x[3], y[3];
        tok_merge(a, r, &x[0], &x[1], &x[2]);
        tok_merge(b, r, &y[0], &y[1], &y[2]);
        if (memcmp(x, y, sizeof x)) return 0;
    }
    return 1;
}

TEST(save_load_identical) {
    Tokenizer *t = train_small(300, 2);
    RlhfErr e = {{0}};
    REQUIRE(!tok_save(t, tmp_path("t.tok"), &e));
    Tokenizer *u = tok_load(tmp_path("t.tok"), &e);
    if (!u) fprintf(stderr, "  %s\n", e.msg);
    REQUIRE(u);
    CHECK(same_tokenizer(t, u));
    REQUIRE(!tok_save(u, tmp_path("u.tok"), &e));
    char *x, *y;
    size_t xl, yl;
    REQUIRE(!rlhf_read_file(tmp_path("t.tok"), &x, &xl, &e));
    REQUIRE(!rlhf_read_file(tmp_path("u.tok"), &y, &yl, &e));
    CHECK(xl == yl && !memcmp(x, y, xl));
    const char *s = "the naïve tokenizer<|endoftext|> said 'hello world'\n";
    TokIds a = {0}, b = {0};
    CHECK(!tok_encode(t, s, strlen(s), 1, &a, &e) && !tok_encode(u, s, strlen(s), 1, &b, &e));
    CHECK(a.n == b.n && !memcmp(a.ids, b.ids, a.n * sizeof(int)));
    tok_ids_free(&a);
    tok_ids_free(&b);
    free(x);
    free(y);
    tok_free(t);
    tok_free(u);
}

TEST(gpt2_save_load_in_own_format) {
    Tokenizer *t = gpt2_or_skip();
    RlhfErr e = {{0}};
    REQUIRE(!tok_save(t, tmp_path("gpt2.tok"), &e));
    Tokenizer *u = tok_load(tmp_path("gpt2.tok"), &e);
    REQUIRE(u);
    CHECK(same_tokenizer(t, u));
    CHECK(encode_eq(u, "Hello world", 0, (int[]){15496, 995}, 2));
    CHECK(tok_eot(u) == 50256);
    tok_free(t);
    tok_free(u);
}

static void expect_load_error(const char *path, const char *needle) {
    RlhfErr e = {{0}};
    Tokenizer *t = tok_load(path, &e);
    CHECK(!t);
    CHECK_MSG(strstr(e.msg, path) && strstr(e.msg, needle), "error '%s' should name %s and say '%s'", e.msg, path,
              needle);
    tok_free(t);
}

TEST(bad_tokenizer_files) {
    Tokenizer *t = train_small(100, 2);
    RlhfErr e = {{0}};
    const char *good = tmp_path("good.tok");
    REQUIRE(!tok_save(t, good, &e));
    char *s;
    size_t len;
    REQUIRE(!rlhf_read_file(good, &s, &len, &e));
    const char *p = tmp_path("bad.tok");
    write_file(p, s, len / 2);                 /* truncated */
    expect_load_error(p, "truncated");
    write_file(p, s, 0);                       /* empty */
    expect_load_error(p, "not an rlhf tokenizer file");
    char *c = malloc(len);
    memcpy(c, s, len);
    char *digit = strstr(c, "\nmerges\n") + 10;
    *digit = *digit == '1' ? '2' : '1';        /* one flipped digit */
    write_file(p, c, len);
    expect_load_error(p, "checksum mismatch");
    memcpy(c, s, len);
    c[strlen(TOK_FILE_MAGIC) + 1] = '9';       /* future version */
    write_file(p, c, len);
    expect_load_error(p, "version 9");
    write_file(p, "{\"not\": \"a tokenizer\"}\n", 23);
    expect_load_error(p, "not an rlhf tokenizer file");
    /* structurally wrong but with a valid checksum: a merge whose result is not a+b */
    {
        JsonBuf b;
        jb_init(&b);
        jb_printf(&b, "%s %d\npattern gpt2\nvocab 257\nmerges 1\nspecials 0\ntokens\n", TOK_FILE_MAGIC, TOK_FILE_VERSION);
        for (int i = 0; i < 256; i++) jb_printf(&b, "%d %02x\n", i, i);
        jb_printf(&b, "256 6162\nmerges\n97 99 256\nspecials\n");
        uint64_t h = fnv1a64(b.data, b.len);
        jb_printf(&b, "end %016llx\n", (unsigned long long)h);
        write_file(p, b.data, b.len);
        expect_load_error(p, "not the concatenation");
        jb_free(&b);
    }
    RlhfErr e2 = {{0}};
    CHECK(!tok_load(tmp_path("missing.tok"), &e2));
    CHECK(strstr(e2.msg, "missing.tok") != NULL);
    free(c);
    free(s);
    tok_free(t);
}

TEST(bad_gpt2_files) {
    RlhfErr e = {{0}};
    const char *ej = tmp_path("encoder.json"), *vb = tmp_path("vocab.bpe");
    /* a minimal valid pair: 256 byte tokens + one merge */
    JsonBuf b;
    jb_init(&b);
    jb_raw(&b, "{");
    for (int i = 0; i < 256; i++) {
        char u[8];
        int cp = tok_gpt2_byte_to_cp(i);
        if (cp < 0x80) { u[0] = (char)cp; u[1] = 0; }
        else { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); u[2] = 0; }
        jb_key(&b, u);
        jb_printf(&b, "%d", i);
    }
    jb_raw(&b, ",\"ab\":256,\"<|endoftext|>\":257}");
    write_file(ej, b.data, b.len);
    write_file(vb, "#version: 0.2\na b\n", 18);
    Tokenizer *t = tok_load_gpt2(ej, vb, &e);
    if (!t) fprintf(stderr, "  %s\n", e.msg);
    REQUIRE(t);
    CHECK(tok_vocab_size(t) == 258 && tok_eot(t) == 257 && tok_n_merges(t) == 1);
    CHECK(encode_eq(t, "ab", 0, (int[]){256}, 1));
    tok_free(t);
    /* malformed JSON */
    write_file(ej, b.data, b.len / 2);
    CHECK(!tok_load_gpt2(ej, vb, &e));
    CHECK_MSG(strstr(e.msg, "encoder.json") != NULL, "%s", e.msg);
    /* ids as strings */
    write_file(ej, "{\"a\": \"1\"}", 10);
    CHECK(!tok_load_gpt2(ej, vb, &e));
    CHECK_MSG(strstr(e.msg, "encoder.json") && strstr(e.msg, "'a'"), "%s", e.msg);
    /* merge naming an unknown token */
    write_file(ej, b.data, b.len);
    write_file(vb, "#version: 0.2\na b\nx yz\n", 23);
    CHECK(!tok_load_gpt2(ej, vb, &e));
    CHECK_MSG(strstr(e.msg, "vocab.bpe:3"), "%s", e.msg);
    write_file(vb, "#version: 0.2\nab\n", 17);
    CHECK(!tok_load_gpt2(ej, vb, &e));
    CHECK_MSG(strstr(e.msg, "vocab.bpe:2"), "%s", e.msg);
    jb_free(&b);
}

/* ---- special tokens ---- */

TEST(special_tokens) {
    Tokenizer *t = train_small(200, 2);
    int eot = tok_eot(t);
    CHECK(eot == tok_vocab_size(t) - 1);
    CHECK(tok_special_id(t, TOK_EOT_STRING) == eot);
    CHECK(tok_is_special(t, eot) && !tok_is_special(t, 0));
    RlhfErr e = {{0}};
    const char *s = "a<|endoftext|><|endoftext|>b<|endoftext";
    TokIds ids = {0};
    REQUIRE(!tok_encode(t, s, strlen(s), 1, &ids, &e));
    int neot = 0;
    for (size_t i = 0; i < ids.n; i++) neot += ids.ids[i] == eot;
    CHECK(neot == 2);
    CHECK(ids.n >= 4 && ids.ids[1] == eot && ids.ids[2] == eot);
    ids.n = 0;
    REQUIRE(!tok_encode(t, s, strlen(s), 0, &ids, &e));
    neot = 0;
    for (size_t i = 0; i < ids.n; i++) neot += ids.ids[i] == eot;
    CHECK(neot == 0); /* not allowed: plain text */
    TokBytes out = {0};
    REQUIRE(!tok_decode(t, &eot, 1, &out, &e));
    CHECK(out.len == 13 && !strcmp(out.data, TOK_EOT_STRING));
    int bad = tok_vocab_size(t);
    CHECK(tok_decode(t, &bad, 1, &out, &e) == -1);
    CHECK(strstr(e.msg, "outside the vocabulary") != NULL);
    tok_bytes_free(&out);
    tok_ids_free(&ids);
    tok_free(t);
}

/* ---- text sources ---- */

static int collect(void *ctx, const char *doc, size_t len, RlhfErr *e) { return text_docs_add(ctx, doc, len, e); }

TEST(text_sources_formats) {
    RlhfErr e = {{0}};
    /* plain text, chunked: chunks tile the file and end at newlines when possible */
    const char *txt = "line one\nline two\nline three\nfour\n";
    write_file(tmp_path("a.txt"), txt, strlen(txt));
    TextDocs d = {0};
    TextSourceOpts o = {.chunk_bytes = 12};
    REQUIRE(!text_docs_load(&d, tmp_path("a.txt"), &o, &e));
    CHECK(d.n >= 3);
    CHECK(d.len == strlen(txt) && !memcmp(d.data, txt, d.len));
    size_t l;
    const char *first = text_docs_get(&d, 0, &l);
    CHECK(l == 9 && !memcmp(first, "line one\n", 9));
    text_docs_free(&d);
    REQUIRE(!text_docs_load(&d, tmp_path("a.txt"), NULL, &e));
    CHECK(d.n == 1);
    text_docs_free(&d);

    /* Topical-Chat */
    const char *tc = "{\"t_1\": {\"article_url\": \"x\", \"content\": ["
                     "{\"message\": \"Hi there\", \"agent\": \"agent_1\", \"sentiment\": \"Happy\"},"
                     "{\"message\": \"Hello!\", \"agent\": \"agent_2\"}]},"
                     "\"t_2\": {\"content\": [{\"message\": \"Yo\", \"agent\": \"agent_2\"}]}}";
    write_file(tmp_path("tc.json"), tc, strlen(tc));
    REQUIRE(!text_docs_load(&d, tmp_path("tc.json"), NULL, &e));
    CHECK(d.n == 2);
    const char *c0 = text_docs_get(&d, 0, &l);
    CHECK(l == strlen("\n\nHuman: Hi there\n\nAssistant: Hello!") &&
          !memcmp(c0, "\n\nHuman: Hi there\n\nAssistant: Hello!", l));
    text_docs_free(&d);
    o = (TextSourceOpts){.topical_plain = 1};
    REQUIRE(!text_docs_load(&d, tmp_path("tc.json"), &o, &e));
    c0 = text_docs_get(&d, 0, &l);
    CHECK(l == 15 && !memcmp(c0, "Hi there\nHello!", 15));
    text_docs_free(&d);
    const char *tcbad = "{\"t_9\": {\"content\": [{\"agent\": \"agent_1\"}]}}";
    write_file(tmp_path("bad.json"), tcbad, strlen(tcbad));
    CHECK(text_docs_load(&d, tmp_path("bad.json"), NULL, &e) == -1);
    CHECK_MSG(strstr(e.msg, "bad.json") && strstr(e.msg, "t_9") && strstr(e.msg, "message"), "%s", e.msg);
    text_docs_free(&d);

    /* HH-RLHF JSONL */
    const char *hh = "{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: a\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: b\"}\n"
                     "\n"
                     "{\"chosen\": \"same\", \"rejected\": \"same\"}\n";
    write_file(tmp_path("hh.jsonl"), hh, strlen(hh));
    REQUIRE(!text_docs_load(&d, tmp_path("hh.jsonl"), NULL, &e));
    CHECK(d.n == 2);
    c0 = text_docs_get(&d, 0, &l);
    CHECK(l == 25 && !memcmp(c0, "\n\nHuman: hi\n\nAssistant: a", l));
    text_docs_free(&d);
    o = (TextSourceOpts){.hh_rejected = 1};
    REQUIRE(!text_docs_load(&d, tmp_path("hh.jsonl"), &o, &e));
    CHECK(d.n == 3); /* the chosen == rejected row yields one document */
    text_docs_free(&d);
    const char *hhbad = "{\"chosen\": \"ok\"}\n{\"rejected\": \"x\"}\n";
    write_file(tmp_path("bad.jsonl"), hhbad, strlen(hhbad));
    CHECK(text_source_each(tmp_path("bad.jsonl"), NULL, collect, &d, &e) == -1);
    CHECK_MSG(strstr(e.msg, "bad.jsonl:2") && strstr(e.msg, "chosen"), "%s", e.msg);
    text_docs_free(&d);
    write_file(tmp_path("bad2.jsonl"), "{\"chosen\": \"ok\"}\n{\"chosen\": \n", 29);
    CHECK(text_source_each(tmp_path("bad2.jsonl"), NULL, collect, &d, &e) == -1);
    CHECK_MSG(strstr(e.msg, "bad2.jsonl:2") != NULL, "%s", e.msg);
    text_docs_free(&d);
}

TEST(text_sources_real_data) {
    const char *sd = test_shared_data();
    if (!sd) SKIP("../shared/data absent");
    char p[512];
    RlhfErr e = {{0}};
    TextDocs d = {0};
    snprintf(p, sizeof p, "%s/hh-rlhf/helpful-base/test.jsonl.gz", sd);
    REQUIRE(!text_docs_load(&d, p, NULL, &e));
    CHECK(d.n == 2354);
    size_t l;
    const char *s = text_docs_get(&d, 0, &l);
    CHECK(l > 9 && !memcmp(s, "\n\nHuman: ", 9));
    text_docs_free(&d);
    snprintf(p, sizeof p, "%s/topical-chat/valid_freq.json", sd);
    REQUIRE(!text_docs_load(&d, p, NULL, &e));
    CHECK(d.n > 500);
    text_docs_free(&d);
}

/* ---- the CLI ---- */

TEST(cli_round_trip) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin || access(bin, X_OK)) bin = "./rlhf";
    if (access(bin, X_OK)) SKIP("rlhf binary not built");
    Tokenizer *t = train_small(200, 2);
    RlhfErr e = {{0}};
    REQUIRE(!tok_save(t, tmp_path("cli.tok"), &e));
    tok_free(t);
    Rng r;
    rng_seed(&r, 5);
    char data[3000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = i % 3 ? (char)rng_int(&r, 256) : "ab \n<|endoftext|>"[i % 17];
    write_file(tmp_path("in.bin"), data, sizeof data);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s tokenizer encode --tokenizer %s --special < %s > %s && "
             "%s tokenizer decode --tokenizer %s < %s > %s", bin, tmp_path("cli.tok"), tmp_path("in.bin"),
             tmp_path("ids.txt"), bin, tmp_path("cli.tok"), tmp_path("ids.txt"), tmp_path("out.bin"));
    CHECK(system(cmd) == 0);
    char *o;
    size_t ol;
    REQUIRE(!rlhf_read_file(tmp_path("out.bin"), &o, &ol, &e));
    CHECK(ol == sizeof data && !memcmp(o, data, ol));
    free(o);
    write_file(tmp_path("badids.txt"), "1 2 x3\n", 7);
    snprintf(cmd, sizeof cmd, "%s tokenizer decode --tokenizer %s < %s > /dev/null 2>&1", bin, tmp_path("cli.tok"),
             tmp_path("badids.txt"));
    int rc = system(cmd);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
    snprintf(cmd, sizeof cmd, "%s tokenizer encode < /dev/null > /dev/null 2>&1", bin);
    rc = system(cmd);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
}

/* ---- long: the real 10 MB ---- */

static int add_doc(void *ctx, const char *doc, size_t len, RlhfErr *e) { return bpe_trainer_add(ctx, doc, len, e); }

TEST(long_train_real_data_under_a_minute) {
    if (!test_long()) SKIP("long test: make test-long");
    const char *sd = test_shared_data();
    if (!sd) SKIP("../shared/data absent");
    const char *files[] = {"tinyshakespeare/input.txt", "topical-chat/test_freq.json", "topical-chat/test_rare.json",
                           "topical-chat/valid_freq.json", "topical-chat/valid_rare.json",
                           "hh-rlhf/harmless-base/test.jsonl.gz", "hh-rlhf/helpful-base/test.jsonl.gz",
                           "hh-rlhf/helpful-rejection-sampled/test.jsonl.gz"};
    RlhfErr e = {{0}};
    double t0 = rlhf_now();
    BpeTrainer *tr = bpe_trainer_new(&e);
    REQUIRE(tr);
    for (size_t i = 0; i < RLHF_ARRAY_LEN(files); i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", sd, files[i]);
        REQUIRE(!text_source_each(p, NULL, add_doc, tr, &e));
    }
    BpeTrainStats st;
    Tokenizer *t = bpe_trainer_finish(tr, 8192, 2, (const char *[]){TOK_EOT_STRING}, 1, &st, &e);
    bpe_trainer_free(tr);
    double dt = rlhf_now() - t0;
    REQUIRE(t);
    fprintf(stderr, "  trained %d merges on %.1f MB (%zu unique words) in %.2f s\n", st.merges, st.bytes / 1e6,
            st.unique_words, dt);
    CHECK(st.merges == 8192);
    CHECK(tok_vocab_size(t) == 8449);
    CHECK(st.bytes > 9000000);
    CHECK(dt < 60.0);
    /* encoding speed and round trip on the HH test files */
    TextDocs d = {0};
    for (size_t i = 5; i < RLHF_ARRAY_LEN(files); i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", sd, files[i]);
        REQUIRE(!text_docs_load(&d, p, NULL, &e));
    }
    TokIds ids = {0};
    double t1 = rlhf_now();
    REQUIRE(!tok_encode(t, d.data, d.len, 0, &ids, &e));
    double et = rlhf_now() - t1;
    fprintf(stderr, "  encoded %.1f MB of HH transcripts into %zu tokens: %.0f tokens/s (%.1f bytes/token)\n",
            d.len / 1e6, ids.n, ids.n / et, (double)d.len / ids.n);
    TokBytes out = {0};
    REQUIRE(!tok_decode(t, ids.ids, ids.n, &out, &e));
    CHECK(out.len == d.len && !memcmp(out.data, d.data, d.len));
    tok_bytes_free(&out);
    tok_ids_free(&ids);
    text_docs_free(&d);
    tok_free(t);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rlhf_test_tok_XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    RUN(gpt2_hello_world);
    RUN(gpt2_fixture_matches_reference_encoder);
    RUN(pretok_pieces_tile_input);
    RUN(round_trip_gpt2);
    RUN(round_trip_trained);
    RUN(train_tiny_expected_merges);
    RUN(train_matches_naive_reference);
    RUN(train_is_deterministic);
    RUN(save_load_identical);
    RUN(gpt2_save_load_in_own_format);
    RUN(bad_tokenizer_files);
    RUN(bad_gpt2_files);
    RUN(special_tokens);
    RUN(text_sources_formats);
    RUN(text_sources_real_data);
    RUN(cli_round_trip);
    RUN(long_train_real_data_under_a_minute);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary();
}
