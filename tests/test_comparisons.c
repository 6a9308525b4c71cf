/* test_comparisons.c — comparison rows (HH and TRL formats), transcripts, bad
 * rows, ties, gz streaming, splits; counts on the real HH-RLHF files. */
#include "testlib.h"

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "data/comparisons.h"
#include "data/split.h"
#include "data/transcript.h"

static char tmpdir[256];

static const char *tmp_path(const char *name) {
    static char p[4][512];
    static int k;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/rlhf_test_cmp_XXXXXX");
        if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(1); }
    }
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    fputs(text, f);
    fclose(f);
}

/* Parses one row; returns 0 / -1 like comparison_parse_row. */
static char *rowbuf;
static size_t rowcap;
static int parse(const char *json, Comparison *c, int *reason, RlhfErr *e) {
    return comparison_parse_row(json, strlen(json), c, &rowbuf, &rowcap, reason, e);
}

TEST(transcript_splits_into_turns) {
    const char *s = "\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: Say \"Human: x\" inline\n\nAssistant:";
    Transcript t = {0};
    RlhfErr e;
    REQUIRE(transcript_parse(s, strlen(s), &t, &e) == 0);
    REQUIRE(t.n == 4);
    CHECK(t.turns[0].role == ROLE_HUMAN && t.turns[0].len == 8 && !memcmp(t.turns[0].text, "Hi there", 8));
    CHECK(t.turns[1].role == ROLE_ASSISTANT && t.turns[1].len == 6 && !memcmp(t.turns[1].text, "Hello!", 6));
    CHECK(t.turns[2].role == ROLE_HUMAN && t.turns[2].len == strlen("Say \"Human: x\" inline"));
    CHECK(t.turns[3].role == ROLE_ASSISTANT && t.turns[3].len == 0);
    CHECK(transcript_count_turns(s, strlen(s)) == 4);
    /* leading "Human:" without the blank line, and \n\n\n before a marker */
    const char *s2 = "Human: a\n\n\nAssistant: b";
    REQUIRE(transcript_parse(s2, strlen(s2), &t, &e) == 0);
    CHECK(t.n == 2 && t.turns[0].len == 2 && t.turns[1].len == 1 && t.turns[1].text[0] == 'b');
    CHECK(transcript_parse("hello\n\nHuman: x", 15, &t, &e) == -1);
    CHECK(strstr(e.msg, "does not start") != NULL);
    const char *txt;
    size_t n;
    CHECK(transcript_first_human(s, strlen(s), &txt, &n) == 0 && n == 8 && !memcmp(txt, "Hi there", 8));
    CHECK(transcript_first_human("  plain  ", 9, &txt, &n) == -1 && n == 5);
    transcript_free(&t);
}

TEST(hh_row_parses_into_prompt_and_replies) {
    Comparison c;
    int reason;
    RlhfErr e;
    const char *row = "{\"chosen\": \"\\n\\nHuman: What is 2+2?\\n\\nAssistant: 4.\", "
                      "\"rejected\": \"\\n\\nHuman: What is 2+2?\\n\\nAssistant: Five, probably.\"}";
    REQUIRE(parse(row, &c, &reason, &e) == 0);
    CHECK_STR(c.prompt, "\n\nHuman: What is 2+2?");
    CHECK_STR(c.chosen, "4.");
    CHECK_STR(c.rejected, "Five, probably.");
    CHECK(c.n_turns == 2);
    CHECK(c.prompt_len == strlen(c.prompt) && c.chosen_len == 2);
}

TEST(multi_turn_and_replies_with_extra_markers) {
    Comparison c;
    int reason;
    RlhfErr e;
    /* 3 turns of context; the chosen reply continues with a second
     * "\n\nAssistant:" paragraph, as some real rows do (helpful-base line 1167) */
    const char *row =
        "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: Umm.\\n\\nAssistant: $50.\", "
        "\"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: Visit the web site.\"}";
    REQUIRE(parse(row, &c, &reason, &e) == 0);
    CHECK_STR(c.prompt, "\n\nHuman: a\n\nAssistant: b\n\nHuman: c");
    CHECK_STR(c.chosen, "Umm.\n\nAssistant: $50.");
    CHECK_STR(c.rejected, "Visit the web site.");
    CHECK(c.n_turns == 4);
    /* replies that start alike: the split is still at the final marker */
    const char *row2 = "{\"chosen\": \"\\n\\nHuman: q\\n\\nAssistant: I think yes\", "
                       "\"rejected\": \"\\n\\nHuman: q\\n\\nAssistant: I think no\"}";
    REQUIRE(parse(row2, &c, &reason, &e) == 0);
    CHECK_STR(c.prompt, "\n\nHuman: q");
    CHECK_STR(c.chosen, "I think yes");
}

TEST(trl_rows_in_every_variant_give_the_same_comparison) {
    const char *rows[] = {
        "{\"prompt\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant:\", \"chosen\": \" Yes.\", \"rejected\": \" No.\"}",
        "{\"prompt\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\", \"chosen\": \"\\n\\nAssistant: Yes.\", \"rejected\": \"\\n\\nAssistant: No.\"}",
        "{\"prompt\": \"Human: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant: \", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}",
        "{\"prompt\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant:\", "
        "\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant: Yes.\", "
        "\"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant: No.\"}",
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hey\"}, "
        "{\"role\": \"user\", \"content\": \"Tea?\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"Yes.\"}], "
        "\"rejected\": [{\"role\": \"assistant\", \"content\": \"No.\"}]}",
        "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant: Yes.\", "
        "\"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Tea?\\n\\nAssistant: No.\"}",
    };
    for (size_t i = 0; i < RLHF_ARRAY_LEN(rows); i++) {
        Comparison c;
        int reason;
        RlhfErr e = {{0}};
        int rc = parse(rows[i], &c, &reason, &e);
        CHECK_MSG(rc == 0, "row %zu: %s", i, e.msg);
        if (rc) continue;
        CHECK_MSG(!strcmp(c.prompt, "\n\nHuman: Hi\n\nAssistant: Hey\n\nHuman: Tea?"), "row %zu prompt '%s'", i, c.prompt);
        CHECK_MSG(!strcmp(c.chosen, "Yes.") && !strcmp(c.rejected, "No."), "row %zu: '%s' / '%s'", i, c.chosen,
                  c.rejected);
        CHECK(c.n_turns == 4);
    }
    /* a plain-text prompt is one Human turn */
    Comparison c;
    int reason;
    RlhfErr e;
    REQUIRE(parse("{\"prompt\": \"Name a colour.\", \"chosen\": \"Red.\", \"rejected\": \"Seven.\"}", &c, &reason, &e) == 0);
    CHECK_STR(c.prompt, "\n\nHuman: Name a colour.");
    CHECK(c.n_turns == 2);
}

TEST(bad_rows_are_classified) {
    struct { const char *row; int reason; const char *says; } cases[] = {
        {"{\"chosen\": \"x\"", CMP_BAD_JSON, "invalid JSON"},
        {"[1, 2]", CMP_BAD_JSON, "not an object"},
        {"{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\"}", CMP_BAD_MISSING, "'rejected' missing"},
        {"{\"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\"}", CMP_BAD_MISSING, "'chosen' missing"},
        {"{\"chosen\": 3, \"rejected\": \"x\"}", CMP_BAD_TYPE, "'chosen'"},
        {"{\"prompt\": {}, \"chosen\": \"a\", \"rejected\": \"b\"}", CMP_BAD_TYPE, "'prompt'"},
        {"{\"prompt\": [{\"role\": \"system\", \"content\": \"s\"}], \"chosen\": \"a\", \"rejected\": \"b\"}", CMP_BAD_TYPE,
         "role 'system'"},
        {"{\"chosen\": \"no turns at all\", \"rejected\": \"no turns at all\"}", CMP_BAD_TRANSCRIPT, "no 'Human:'"},
        {"{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\"}",
         CMP_BAD_TRANSCRIPT, "ends with a Human turn"},
        {"{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: z\\n\\nAssistant: b\"}",
         CMP_BAD_MISMATCH, "share no Assistant turn"},
        {"{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: d\", "
         "\"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: C\\n\\nAssistant: d\"}",
         CMP_BAD_MISMATCH, "differ before their final"},
        {"{\"prompt\": \"\\n\\nHuman: a\\n\\nAssistant:\", \"chosen\": \"b\\n\\nHuman: more\", \"rejected\": \"c\"}",
         CMP_BAD_TRANSCRIPT, "later Human turn"},
        {"{\"prompt\": \"  \", \"chosen\": \"b\", \"rejected\": \"c\"}", CMP_BAD_TRANSCRIPT, "empty"},
    };
    for (size_t i = 0; i < RLHF_ARRAY_LEN(cases); i++) {
        Comparison c;
        int reason = -1;
        RlhfErr e = {{0}};
        CHECK_MSG(parse(cases[i].row, &c, &reason, &e) == -1, "case %zu accepted", i);
        CHECK_MSG(reason == cases[i].reason, "case %zu: reason %d, expected %d (%s)", i, reason, cases[i].reason, e.msg);
        CHECK_MSG(strstr(e.msg, cases[i].says) != NULL, "case %zu: message '%s' lacks '%s'", i, e.msg, cases[i].says);
    }
}

#define GOOD(h, a, b) "{\"chosen\": \"\\n\\nHuman: " h "\\n\\nAssistant: " a "\", \"rejected\": \"\\n\\nHuman: " h \
                      "\\n\\nAssistant: " b "\"}\n"

TEST(reader_names_file_and_line_of_a_bad_row) {
    const char *path = tmp_path("bad.jsonl");
    write_text(path, GOOD("q1", "a", "b") "\n" GOOD("q2", "a", "b") "{\"chosen\": 1, \"rejected\": \"x\"}\n"
                     GOOD("q3", "a", "b"));
    ComparisonOpts o = {0};
    RlhfErr e = {{0}};
    ComparisonReader *r = comparison_reader_open(path, &o, &e);
    REQUIRE(r);
    Comparison c;
    CHECK(comparison_reader_next(r, &c, &e) == 1 && c.line == 1);
    CHECK(comparison_reader_next(r, &c, &e) == 1 && c.line == 3);   /* line 2 is blank */
    CHECK(comparison_reader_next(r, &c, &e) == -1);
    char want[600];
    snprintf(want, sizeof want, "%s:4: field 'chosen'", path);
    CHECK_MSG(strstr(e.msg, want) != NULL, "message '%s'", e.msg);
    comparison_reader_close(r);
    /* a missing file */
    CHECK(comparison_reader_open(tmp_path("nope.jsonl"), &o, &e) == NULL);
    CHECK(strstr(e.msg, "nope.jsonl") != NULL);
}

TEST(skip_bad_counts_by_reason_and_ties) {
    const char *path = tmp_path("mixed.jsonl");
    write_text(path, GOOD("q1", "a", "b") "not json\n{\"chosen\": \"x\"}\n{\"chosen\": 1, \"rejected\": 2}\n"
                     GOOD("q2", "same", "same") GOOD("q3", "same", "same")
                     "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: z\\n\\nAssistant: b\"}\r\n"
                     "{\"chosen\": \"words\", \"rejected\": \"words\"}\n" GOOD("q4", "c", "d"));
    ComparisonOpts o = {.skip_bad = 1};
    ComparisonSet s = {0};
    RlhfErr e;
    const char *files[] = {path};
    REQUIRE(comparisons_load_all(files, 1, &o, &s, &e) == 0);
    CHECK(s.n == 2);
    CHECK(s.counts.lines == 9);
    CHECK(s.counts.kept == 2);
    CHECK(s.counts.ties == 2);
    CHECK(s.counts.bad[CMP_BAD_JSON] == 1);
    CHECK(s.counts.bad[CMP_BAD_MISSING] == 1);
    CHECK(s.counts.bad[CMP_BAD_TYPE] == 1);
    CHECK(s.counts.bad[CMP_BAD_MISMATCH] == 1);
    CHECK(s.counts.bad[CMP_BAD_TRANSCRIPT] == 1);
    CHECK(comparison_counts_bad(&s.counts) == 5);
    CHECK(s.n == 2 && s.items[1].line == 9 && !strcmp(s.items[1].chosen, "c"));
    comparison_set_free(&s);
    /* keep_ties returns them, still counted */
    o.keep_ties = 1;
    REQUIRE(comparisons_load_all(files, 1, &o, &s, &e) == 0);
    CHECK(s.n == 4 && s.counts.ties == 2);
    comparison_set_free(&s);
    CHECK_STR(cmp_bad_reason_name(CMP_BAD_MISMATCH), "prompt_mismatch");
}

TEST(gz_files_and_lines_longer_than_any_buffer) {
    /* one reply of 3 MB (> the 256 KB read chunk and the 64 KB first line buffer) */
    size_t big = 3 << 20;
    char *reply = malloc(big + 1);
    REQUIRE(reply);
    for (size_t i = 0; i < big; i++) reply[i] = "abcdefgh "[i % 9];
    reply[big] = 0;
    const char *path = tmp_path("big.jsonl.gz");
    gzFile g = gzopen(path, "wb");
    REQUIRE(g);
    gzputs(g, GOOD("first", "x", "y"));
    gzprintf(g, "{\"chosen\": \"\\n\\nHuman: long\\n\\nAssistant: ");
    gzwrite(g, reply, (unsigned)big);
    gzputs(g, "\", \"rejected\": \"\\n\\nHuman: long\\n\\nAssistant: short\"}\n");
    gzputs(g, GOOD("last", "p", "q"));   /* no trailing newline needed */
    gzclose(g);
    ComparisonOpts o = {0};
    RlhfErr e;
    ComparisonReader *r = comparison_reader_open(path, &o, &e);
    REQUIRE(r);
    Comparison c;
    REQUIRE(comparison_reader_next(r, &c, &e) == 1);
    CHECK_STR(c.chosen, "x");
    REQUIRE(comparison_reader_next(r, &c, &e) == 1);
    CHECK(c.chosen_len == big && !memcmp(c.chosen, reply, big));
    CHECK_STR(c.rejected, "short");
    CHECK(c.line == 2);
    REQUIRE(comparison_reader_next(r, &c, &e) == 1);
    CHECK_STR(c.prompt, "\n\nHuman: last");
    CHECK(comparison_reader_next(r, &c, &e) == 0);
    comparison_reader_close(r);
    free(reply);
}

TEST(written_hh_rows_read_back_identically) {
    Comparison c;
    int reason;
    RlhfErr e;
    REQUIRE(parse("{\"prompt\": \"Hi \\u00e9\\ttab\", \"chosen\": \"\\\"q\\\" \\\\ ok\", \"rejected\": \"\"}", &c, &reason, &e) == 0);
    ComparisonSet s = {0};
    REQUIRE(comparison_set_add(&s, &c, &e) == 0);
    const char *path = tmp_path("rt.jsonl");
    FILE *f = fopen(path, "wb");
    JsonBuf b;
    jb_init(&b);
    REQUIRE(comparison_write_hh(f, &s.items[0], &b, &e) == 0);
    fclose(f);
    jb_free(&b);
    ComparisonOpts o = {0};
    ComparisonSet t = {0};
    const char *files[] = {path};
    REQUIRE(comparisons_load_all(files, 1, &o, &t, &e) == 0);
    REQUIRE(t.n == 1);
    CHECK_STR(t.items[0].prompt, s.items[0].prompt);
    CHECK_STR(t.items[0].chosen, "\"q\" \\ ok");
    CHECK_STR(t.items[0].rejected, "");
    comparison_set_free(&s);
    comparison_set_free(&t);
}

TEST(siphash_matches_the_reference_vectors) {
    unsigned char key[16], msg[64];
    for (int i = 0; i < 16; i++) key[i] = (unsigned char)i;
    for (int i = 0; i < 64; i++) msg[i] = (unsigned char)i;
    uint64_t k0 = 0, k1 = 0;
    for (int i = 7; i >= 0; i--) { k0 = (k0 << 8) | key[i]; k1 = (k1 << 8) | key[8 + i]; }
    CHECK(split_siphash(msg, 0, k0, k1) == 0x726fdb47dd0e0e31ULL);
    CHECK(split_siphash(msg, 15, k0, k1) == 0xa129ca6149be45e5ULL);   /* the paper's example */
}

static void synth_prompt(char *buf, size_t n, int conv, int depth) {
    int k = snprintf(buf, n, "\n\nHuman: conversation %d opens with question %d?", conv, conv * 7919 % 1000);
    for (int d = 0; d < depth; d++)
        k += snprintf(buf + k, n - (size_t)k, "\n\nAssistant: answer %d\n\nHuman: follow-up %d", d, d);
}

TEST(splits_are_stable_balanced_and_keep_conversations_whole) {
    double fr[2] = {0.7, 0.3};
    char p[512], q[512];
    int n = 10000, train = 0, straddle = 0, fence[2][2] = {{0}};
    for (int i = 0; i < n; i++) {
        synth_prompt(p, sizeof p, i, 0);
        int part = split_of(p, SPLIT_SALT_DEFAULT, fr, 2);
        train += part == 0;
        /* every continuation of conversation i, and the same text as TRL plain
         * prompt, lands on the same side */
        for (int d = 1; d <= 3; d++) {
            synth_prompt(q, sizeof q, i, d);
            straddle += split_of(q, SPLIT_SALT_DEFAULT, fr, 2) != part;
        }
        straddle += split_of(p + strlen("\n\nHuman: "), SPLIT_SALT_DEFAULT, fr, 2) != part;
        double half[2] = {0.5, 0.5};
        fence[part][split_of(p, SPLIT_SALT_FENCE, half, 2)]++;
    }
    CHECK(straddle == 0);
    CHECK_NEAR(train / (double)n, 0.7, 0.015);
    /* fence halves are independent of train/test: ~50/50 inside each part */
    CHECK_NEAR(fence[0][0] / (double)(fence[0][0] + fence[0][1]), 0.5, 0.025);
    CHECK_NEAR(fence[1][0] / (double)(fence[1][0] + fence[1][1]), 0.5, 0.025);
    /* stable across runs and builds: a pinned key */
    CHECK(split_key("\n\nHuman: hello", 14, 0) == split_siphash("hello", 5, 0, 0x726c68662e632121ULL));
    CHECK(split_of("\n\nHuman: hello", SPLIT_SALT_DEFAULT, fr, 2) == split_of("Human:   hello  ", SPLIT_SALT_DEFAULT, fr, 2));
    /* three parts */
    double f3[3] = {0.8, 0.1, 0.1};
    int c3[3] = {0};
    for (int i = 0; i < n; i++) {
        synth_prompt(p, sizeof p, i, 0);
        c3[split_of(p, 42, f3, 3)]++;
    }
    CHECK_NEAR(c3[0] / (double)n, 0.8, 0.015);
    CHECK_NEAR(c3[2] / (double)n, 0.1, 0.01);
}

TEST(split_fractions_parse) {
    double f[SPLIT_MAX_PARTS];
    RlhfErr e;
    CHECK(split_parse_fractions("0.7", f, SPLIT_MAX_PARTS, &e) == 2 && fabs(f[1] - 0.3) < 1e-12);
    CHECK(split_parse_fractions("0.8,0.1,0.1", f, SPLIT_MAX_PARTS, &e) == 3 && f[2] == 0.1);
    CHECK(split_parse_fractions("0.8,0.3", f, SPLIT_MAX_PARTS, &e) == -1 && strstr(e.msg, "sum"));
    CHECK(split_parse_fractions("1.5", f, SPLIT_MAX_PARTS, &e) == -1);
    CHECK(split_parse_fractions("x", f, SPLIT_MAX_PARTS, &e) == -1);
    char b[16];
    CHECK_STR(split_part_name(1, 3, b, sizeof b), "val");
    CHECK_STR(split_part_name(1, 2, b, sizeof b), "test");
}

TEST(split_filter_partitions_the_file) {
    const char *path = tmp_path("split.jsonl");
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 400; i++)
        fprintf(f, "{\"chosen\": \"\\n\\nHuman: q%d\\n\\nAssistant: a\", \"rejected\": \"\\n\\nHuman: q%d\\n\\nAssistant: b\"}\n",
                i % 150, i % 150);
    fclose(f);
    double fr[2] = {0.7, 0.3};
    const char *files[] = {path};
    ComparisonSet part[2] = {{0}};
    for (int k = 0; k < 2; k++) {
        ComparisonOpts o = {0};
        comparison_opts_split(&o, 7, fr, 2, k);
        RlhfErr e;
        REQUIRE(comparisons_load_all(files, 1, &o, &part[k], &e) == 0);
        CHECK(part[k].counts.filtered == (long)(400 - part[k].n));
    }
    CHECK(part[0].n + part[1].n == 400);
    CHECK(part[0].n > 200 && part[1].n > 60);
    for (size_t i = 0; i < part[0].n; i++)
        for (size_t j = 0; j < part[1].n; j++) CHECK(strcmp(part[0].items[i].prompt, part[1].items[j].prompt) != 0);
    comparison_set_free(&part[0]);
    comparison_set_free(&part[1]);
}

TEST(real_hh_rlhf_counts) {
    const char *dir = test_shared_data();
    if (!dir) SKIP("../shared/data absent");
    struct { const char *name; long rows, ties; } want[] = {
        {"harmless-base", 2312, 0}, {"helpful-base", 2354, 2}, {"helpful-rejection-sampled", 2749, 32}};
    for (size_t i = 0; i < 3; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/hh-rlhf/%s/test.jsonl.gz", dir, want[i].name);
        if (!rlhf_file_exists(path)) SKIP("%s absent", path);
        const char *files[] = {path};
        ComparisonOpts o = {0};   /* strict: any bad row fails the load */
        ComparisonSet s = {0};
        RlhfErr e = {{0}};
        int rc = comparisons_load_all(files, 1, &o, &s, &e);
        CHECK_MSG(rc == 0, "%s", e.msg);
        CHECK_MSG(s.counts.lines == want[i].rows, "%s: %ld rows", want[i].name, s.counts.lines);
        CHECK_MSG(s.counts.ties == want[i].ties, "%s: %ld ties", want[i].name, s.counts.ties);
        CHECK((long)s.n == want[i].rows - want[i].ties);
        CHECK(comparison_counts_bad(&s.counts) == 0);
        /* every prompt is a transcript ending on a turn boundary; no reply holds a Human turn */
        long human_in_reply = 0, multi = 0;
        for (size_t k = 0; k < s.n; k++) {
            const Comparison *c = &s.items[k];
            human_in_reply += strstr(c->chosen, "\n\nHuman:") || strstr(c->rejected, "\n\nHuman:");
            multi += c->n_turns > 2;
            CHECK(!strncmp(c->prompt, "\n\nHuman:", 8));
        }
        CHECK(human_in_reply == 0);
        CHECK(multi > (long)s.n / 4);
        /* prompt + "\n\nAssistant: " + reply rebuilds each original transcript byte for byte */
        char *raw;
        size_t rawlen;
        REQUIRE(rlhf_read_file(path, &raw, &rawlen, &e) == 0);
        long lineno = 0, mismatched = 0;
        size_t k = 0;
        JsonBuf t;
        jb_init(&t);
        for (char *ln = raw, *nl; ln < raw + rawlen && k < s.n; ln = nl + 1) {
            nl = memchr(ln, '\n', (size_t)(raw + rawlen - ln));
            if (!nl) nl = raw + rawlen;
            if (++lineno != s.items[k].line) continue;
            JsonDoc *d = json_parse(ln, (size_t)(nl - ln), &e);
            REQUIRE(d);
            for (int w = 0; w < 2; w++) {
                const JsonValue *v = json_get(json_root(d), w ? "rejected" : "chosen");
                jb_reset(&t);
                comparison_transcript(&s.items[k], w, &t);
                mismatched += !v || v->len != t.len || memcmp(v->str, t.data, t.len);
            }
            json_doc_free(d);
            k++;
        }
        CHECK(k == s.n);
        CHECK_MSG(mismatched == 0, "%s: %ld transcripts not rebuilt exactly", want[i].name, mismatched);
        jb_free(&t);
        free(raw);
        comparison_set_free(&s);
    }
}

/* The CLI on a small file: runs only under `make test` (RLHF_BIN set). */
TEST(cli_data_stats_and_split) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    const char *path = tmp_path("cli.jsonl");
    write_text(path, GOOD("q1", "a b c", "d") GOOD("q2", "same", "same") "oops\n" GOOD("q3", "x", "y z"));
    char cmd[1400], out[4096];
    snprintf(cmd, sizeof cmd, "%s data stats --json --skip-bad %s 2>&1", bin, path);
    FILE *p = popen(cmd, "r");
    REQUIRE(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    CHECK(pclose(p) == 0);
    CHECK_MSG(strstr(out, "\"pairs\":2") && strstr(out, "\"ties\":1") && strstr(out, "\"json\":1"), "output: %s", out);
    snprintf(cmd, sizeof cmd, "%s data stats %s >/dev/null 2>&1", bin, path);
    CHECK(WEXITSTATUS(system(cmd)) == 1);   /* strict mode: the bad row fails */
    snprintf(cmd, sizeof cmd, "%s data split --skip-bad --frac 0.5 --out-prefix %s/cli %s >/dev/null 2>&1", bin, tmpdir, path);
    CHECK(WEXITSTATUS(system(cmd)) == 0);
    const char *tr = tmp_path("cli.train.jsonl"), *te = tmp_path("cli.test.jsonl");
    CHECK(rlhf_file_exists(tr) && rlhf_file_exists(te));
    const char *files[] = {tr, te};
    ComparisonOpts o = {0};
    ComparisonSet s = {0};
    RlhfErr e;
    CHECK(comparisons_load_all(files, 2, &o, &s, &e) == 0 && s.n == 2);
    comparison_set_free(&s);
    snprintf(cmd, sizeof cmd, "%s data split %s >/dev/null 2>&1", bin, path);
    CHECK(WEXITSTATUS(system(cmd)) == 2);   /* --out-prefix missing */
}

int main(void) {
    RUN(transcript_splits_into_turns);
    RUN(hh_row_parses_into_prompt_and_replies);
    RUN(multi_turn_and_replies_with_extra_markers);
    RUN(trl_rows_in_every_variant_give_the_same_comparison);
    RUN(bad_rows_are_classified);
    RUN(reader_names_file_and_line_of_a_bad_row);
    RUN(skip_bad_counts_by_reason_and_ties);
    RUN(gz_files_and_lines_longer_than_any_buffer);
    RUN(written_hh_rows_read_back_identically);
    RUN(siphash_matches_the_reference_vectors);
    RUN(splits_are_stable_balanced_and_keep_conversations_whole);
    RUN(split_fractions_parse);
    RUN(split_filter_partitions_the_file);
    RUN(real_hh_rlhf_counts);
    RUN(cli_data_stats_and_split);
    free(rowbuf);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (tmpdir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary();
}
