/* test_pmp.c — PMP pairs mined from Topical-Chat turn ratings (src/data/pmp_topical.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/comparisons.h"
#include "data/pmp_topical.h"
#include "data/transcript.h"
#include "testlib.h"
#include "util/json.h"

/* Four tiny conversations. Message texts carry their conversation and turn (cXtY) and,
 * for low-rated turns, the word LOW, so the tests can tell where a reply came from.
 * Eligible chosen turns (Excellent/Good, not first, previous by the other agent):
 *   c1: t1 t2 t4 (t3 Passable, t5 Not Good)     -> 3
 *   c2: t1 t2 (t3 after the same speaker)        -> 2
 *   c3: t2 (t1 Poor, t3 unrated "")              -> 1
 *   c4: t1                                       -> 1      total 7 */
static const char *TINY =
    "{\n"
    " \"c1\": {\"article_url\": \"x\", \"content\": [\n"
    "   {\"message\": \"c1t0 hello\", \"agent\": \"agent_1\", \"sentiment\": \"Neutral\", \"knowledge_source\": [\"FS1\"], \"turn_rating\": \"Good\"},\n"
    "   {\"message\": \"c1t1 hi there\", \"agent\": \"agent_2\", \"sentiment\": \"Happy\", \"knowledge_source\": [\"FS1\"], \"turn_rating\": \"Excellent\"},\n"
    "   {\"message\": \"c1t2 do you like jazz?\", \"agent\": \"agent_1\", \"sentiment\": \"Curious\", \"knowledge_source\": [\"FS1\"], \"turn_rating\": \"Good\"},\n"
    "   {\"message\": \"c1t3 LOW meh\", \"agent\": \"agent_2\", \"sentiment\": \"Neutral\", \"knowledge_source\": [\"FS1\"], \"turn_rating\": \"Passable\"},\n"
    "   {\"message\": \"c1t4 jazz is great\", \"agent\": \"agent_1\", \"sentiment\": \"Happy\", \"knowledge_source\": [\"FS1\"], \"turn_rating\": \"Excellent\"},\n"
    "   {\"message\": \"c1t5 LOW whatever\", \"agent\": \"agent_2\", \"sentiment\": \"Neutral\", \"knowledge_source\": [\"FS1\"], \"turn_rating\": \"Not Good\"}]},\n"
    " \"c2\": {\"content\": [\n"
    "   {\"message\": \"c2t0 football?\", \"agent\": \"agent_2\", \"sentiment\": \"Curious\", \"knowledge_source\": [], \"turn_rating\": \"Excellent\"},\n"
    "   {\"message\": \"c2t1 yes I do\", \"agent\": \"agent_1\", \"sentiment\": \"Happy\", \"knowledge_source\": [], \"turn_rating\": \"Good\"},\n"
    "   {\"message\": \"c2t2 who is your team?\", \"agent\": \"agent_2\", \"sentiment\": \"Curious\", \"knowledge_source\": [], \"turn_rating\": \"Good\"},\n"
    "   {\"message\": \"c2t3 and also\", \"agent\": \"agent_2\", \"sentiment\": \"Curious\", \"knowledge_source\": [], \"turn_rating\": \"Excellent\"}]},\n"
    " \"c3\": {\"content\": [\n"
    "   {\"message\": \"c3t0 movies\", \"agent\": \"agent_1\", \"sentiment\": \"Neutral\", \"knowledge_source\": [], \"turn_rating\": \"Excellent\"},\n"
    "   {\"message\": \"c3t1 LOW no\", \"agent\": \"agent_2\", \"sentiment\": \"Sad\", \"knowledge_source\": [], \"turn_rating\": \"Poor\"},\n"
    "   {\"message\": \"c3t2 why not?\", \"agent\": \"agent_1\", \"sentiment\": \"Curious\", \"knowledge_source\": [], \"turn_rating\": \"Good\"},\n"
    "   {\"message\": \"c3t3 unrated\", \"agent\": \"agent_2\", \"sentiment\": \"Neutral\", \"knowledge_source\": [], \"turn_rating\": \"\"}]},\n"
    " \"c4\": {\"content\": [\n"
    "   {\"message\": \"c4t0 books\", \"agent\": \"agent_1\", \"sentiment\": \"Neutral\", \"knowledge_source\": [], \"turn_rating\": \"Good\"},\n"
    "   {\"message\": \"c4t1 I read a lot\", \"agent\": \"agent_2\", \"sentiment\": \"Happy\", \"knowledge_source\": [], \"turn_rating\": \"Excellent\"}]}\n"
    "}\n";

static int mine_text(const char *json, const PmpOpts *o, JsonBuf *out, PmpCounts *cnt, RlhfErr *e) {
    PmpCorpus c = {0};
    int rc = pmp_corpus_add_json(&c, "tiny.json", json, strlen(json), e);
    if (!rc) rc = pmp_mine(&c, o, out, cnt, e);
    pmp_corpus_free(&c);
    return rc;
}

/* Parses every row of a JSONL buffer into a ComparisonSet (the project's own HH reader). */
static int load_rows(const JsonBuf *b, ComparisonSet *set) {
    char *buf = NULL;
    size_t cap = 0;
    size_t pos = 0;
    int rc = 0;
    while (pos < b->len) {
        const char *nl = memchr(b->data + pos, '\n', b->len - pos);
        size_t n = nl ? (size_t)(nl - (b->data + pos)) : b->len - pos;
        Comparison c;
        int reason;
        RlhfErr e;
        if (comparison_parse_row(b->data + pos, n, &c, &buf, &cap, &reason, &e) != 0) {
            fprintf(stderr, "  row does not parse: %s\n", e.msg);
            rc = -1;
            break;
        }
        if (comparison_set_add(set, &c, &e) != 0) { rc = -1; break; }
        pos += n + 1;
    }
    free(buf);
    return rc;
}

TEST(pair_count_and_skips) {
    PmpOpts o;
    pmp_default_opts(&o);
    JsonBuf b;
    jb_init(&b);
    PmpCounts c;
    RlhfErr e;
    REQUIRE(mine_text(TINY, &o, &b, &c, &e) == 0);
    CHECK(c.conversations == 4);
    CHECK(c.turns == 16);
    CHECK(c.candidates == 7);
    CHECK(c.pairs == 7);
    CHECK(c.skip_same_speaker == 1);
    CHECK(c.by_rating[PMP_RATING_UNRATED] == 1);
    CHECK(c.by_rating[PMP_RATING_PASSABLE] == 1 && c.by_rating[PMP_RATING_POOR] == 1 && c.by_rating[PMP_RATING_NOT_GOOD] == 1);
    CHECK(c.rejected_low == 7 && c.rejected_fallback == 0);
    ComparisonSet s = {0};
    REQUIRE(load_rows(&b, &s) == 0);
    CHECK(s.n == 7);
    o.max_pairs = 3;
    JsonBuf b3;
    jb_init(&b3);
    REQUIRE(mine_text(TINY, &o, &b3, &c, &e) == 0);
    CHECK(c.pairs == 3);
    /* the capped output is the first rows of the uncapped one */
    CHECK(b3.len < b.len && memcmp(b3.data, b.data, b3.len) == 0);
    comparison_set_free(&s);
    jb_free(&b);
    jb_free(&b3);
}

/* Shared context, only the final Assistant turn differs; chosen never low-rated; rejected
 * from another conversation and low-rated; the speaker of the chosen turn is Assistant. */
TEST(pairs_share_context_and_map_speakers) {
    PmpOpts o;
    pmp_default_opts(&o);
    JsonBuf b;
    jb_init(&b);
    PmpCounts c;
    RlhfErr e;
    REQUIRE(mine_text(TINY, &o, &b, &c, &e) == 0);
    ComparisonSet s = {0};
    REQUIRE(load_rows(&b, &s) == 0);
    int saw_c2t2 = 0;
    Transcript t = {0};
    for (size_t i = 0; i < s.n; i++) {
        const Comparison *p = &s.items[i];
        /* the reader's canonical form: one prompt, two final replies */
        JsonBuf ch, rj;
        jb_init(&ch);
        jb_init(&rj);
        comparison_transcript(p, 0, &ch);
        comparison_transcript(p, 1, &rj);
        size_t plen;
        int mism;
        CHECK(transcript_split_pair(ch.data, ch.len, rj.data, rj.len, &plen, &mism, &e) == 0);
        CHECK(plen == p->prompt_len);
        CHECK(strstr(p->chosen, "LOW") == NULL);            /* low-rated turns are never chosen */
        CHECK(strstr(p->chosen, "unrated") == NULL);
        CHECK(strstr(p->rejected, "LOW") != NULL);           /* the low pool is preferred */
        CHECK(strncmp(p->chosen, p->rejected, 2) != 0);      /* cXtY: another conversation */
        CHECK(strncmp(p->prompt, "\n\nHuman: ", 9) == 0);     /* context starts with Human ... */
        REQUIRE(transcript_parse(ch.data, ch.len, &t, &e) == 0);
        CHECK(t.n >= 2 && t.n <= 1 + o.max_turns);
        CHECK(t.turns[t.n - 2].role == ROLE_HUMAN);          /* ... and ends with one */
        /* turns alternate, and each turn's marker matches its speaker: the chosen turn's
         * conversation prefix must equal the prompt's (same conversation) */
        for (int k = 0; k < t.n; k++) CHECK(strncmp(t.turns[k].text, p->chosen, 2) == 0);
        for (int k = 1; k < t.n; k++) CHECK(t.turns[k].role != t.turns[k - 1].role);
        if (!strncmp(p->chosen, "c2t2", 4)) {
            /* c2: agent_2 speaks t2, so agent_2 is the Assistant and agent_1 (t1) the Human;
             * max_turns 4 would reach t0 (agent_2), which is trimmed so the context starts with Human */
            saw_c2t2 = 1;
            CHECK(t.n == 2);
            CHECK(t.turns[0].role == ROLE_HUMAN && !strncmp(t.turns[0].text, "c2t1", 4));
        }
        if (!strncmp(p->chosen, "c1t4", 4)) {
            /* agent_1 speaks t4: agent_1 is the Assistant here, though agent_1 is Human elsewhere */
            CHECK(t.n == 4);
            CHECK(!strncmp(t.turns[0].text, "c1t1", 4) && t.turns[0].role == ROLE_HUMAN);
            CHECK(!strncmp(t.turns[1].text, "c1t2", 4) && t.turns[1].role == ROLE_ASSISTANT);
            CHECK(!strncmp(t.turns[2].text, "c1t3", 4) && t.turns[2].role == ROLE_HUMAN);
        }
        jb_free(&ch);
        jb_free(&rj);
    }
    CHECK(saw_c2t2);
    transcript_free(&t);
    comparison_set_free(&s);
    jb_free(&b);
}

TEST(max_turns_limits_context) {
    PmpOpts o;
    pmp_default_opts(&o);
    o.max_turns = 1;
    JsonBuf b;
    jb_init(&b);
    PmpCounts c;
    RlhfErr e;
    REQUIRE(mine_text(TINY, &o, &b, &c, &e) == 0);
    ComparisonSet s = {0};
    REQUIRE(load_rows(&b, &s) == 0);
    CHECK(s.n == 7);
    for (size_t i = 0; i < s.n; i++) CHECK(s.items[i].n_turns == 2);
    comparison_set_free(&s);
    jb_free(&b);
    o.max_turns = 0;
    jb_init(&b);
    CHECK(mine_text(TINY, &o, &b, &c, &e) != 0);
    CHECK(strstr(e.msg, "max_turns") != NULL);
    jb_free(&b);
}

TEST(deterministic_for_a_seed) {
    PmpOpts o;
    pmp_default_opts(&o);
    JsonBuf a, b;
    jb_init(&a);
    jb_init(&b);
    PmpCounts c;
    RlhfErr e;
    REQUIRE(mine_text(TINY, &o, &a, &c, &e) == 0);
    REQUIRE(mine_text(TINY, &o, &b, &c, &e) == 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    /* another seed gives another file (order and/or draws) with the same pairs' chosen sides */
    int differs = 0;
    for (uint64_t s = 1; s <= 8 && !differs; s++) {
        JsonBuf d;
        jb_init(&d);
        o.seed = s;
        REQUIRE(mine_text(TINY, &o, &d, &c, &e) == 0);
        CHECK(c.pairs == 7);
        differs = !(d.len == a.len && memcmp(d.data, a.data, a.len) == 0);
        jb_free(&d);
    }
    CHECK(differs);
    jb_free(&a);
    jb_free(&b);
}

/* With no low-rated turn in another conversation the draw falls back to any other turn. */
TEST(fallback_when_no_low_rated_turn) {
    const char *json =
        "{\"a\": {\"content\": [{\"message\": \"a0\", \"agent\": \"agent_1\", \"turn_rating\": \"Good\"},"
        "                      {\"message\": \"a1\", \"agent\": \"agent_2\", \"turn_rating\": \"Good\"},"
        "                      {\"message\": \"a2\", \"agent\": \"agent_1\", \"turn_rating\": \"Poor\"}]},"
        " \"b\": {\"content\": [{\"message\": \"b0\", \"agent\": \"agent_1\", \"turn_rating\": \"Excellent\"},"
        "                      {\"message\": \"b1\", \"agent\": \"agent_2\", \"turn_rating\": \"Good\"}]}}";
    PmpOpts o;
    pmp_default_opts(&o);
    JsonBuf b;
    jb_init(&b);
    PmpCounts c;
    RlhfErr e;
    REQUIRE(mine_text(json, &o, &b, &c, &e) == 0);
    CHECK(c.pairs == 2);               /* a1 and b1 */
    CHECK(c.rejected_low == 1);        /* b1 against a2, the only low-rated turn */
    CHECK(c.rejected_fallback == 1);   /* a1: a2 is its own conversation's, so b0 or b1 */
    CHECK(strstr(b.data, "\"rejected\":\"\\n\\nHuman: b0\\n\\nAssistant: a2\"") != NULL);
    CHECK(strstr(b.data, "\"rejected\":\"\\n\\nHuman: a0\\n\\nAssistant: b") != NULL);
    jb_free(&b);
    /* one conversation only: no negative can be drawn */
    const char *one = "{\"a\": {\"content\": [{\"message\": \"a0\", \"agent\": \"agent_1\", \"turn_rating\": \"Good\"},"
                      "{\"message\": \"a1\", \"agent\": \"agent_2\", \"turn_rating\": \"Good\"}]}}";
    jb_init(&b);
    REQUIRE(mine_text(one, &o, &b, &c, &e) == 0);
    CHECK(c.pairs == 0 && c.skip_no_negative == 1);
    jb_free(&b);
}

TEST(malformed_input_names_file_and_field) {
    PmpOpts o;
    pmp_default_opts(&o);
    PmpCorpus c = {0};
    RlhfErr e;
    const char *no_rating = "{\"conv9\": {\"content\": [{\"message\": \"x\", \"agent\": \"agent_1\"}]}}";
    CHECK(pmp_corpus_add_json(&c, "bad.json", no_rating, strlen(no_rating), &e) != 0);
    CHECK(strstr(e.msg, "bad.json") && strstr(e.msg, "conv9") && strstr(e.msg, "turn 0") && strstr(e.msg, "'turn_rating'"));
    const char *bad_rating = "{\"c\": {\"content\": [{\"message\": \"x\", \"agent\": \"agent_1\", \"turn_rating\": \"Great\"}]}}";
    CHECK(pmp_corpus_add_json(&c, "bad.json", bad_rating, strlen(bad_rating), &e) != 0);
    CHECK(strstr(e.msg, "'turn_rating'") && strstr(e.msg, "Great"));
    const char *bad_agent = "{\"c\": {\"content\": [{\"message\": \"x\", \"agent\": \"agent_3\", \"turn_rating\": \"Good\"}]}}";
    CHECK(pmp_corpus_add_json(&c, "bad.json", bad_agent, strlen(bad_agent), &e) != 0);
    CHECK(strstr(e.msg, "'agent'") != NULL);
    const char *bad_msg = "{\"c\": {\"content\": [{\"message\": 3, \"agent\": \"agent_1\", \"turn_rating\": \"Good\"}]}}";
    CHECK(pmp_corpus_add_json(&c, "bad.json", bad_msg, strlen(bad_msg), &e) != 0);
    CHECK(strstr(e.msg, "'message'") != NULL);
    const char *no_content = "{\"c7\": {\"turns\": []}}";
    CHECK(pmp_corpus_add_json(&c, "bad.json", no_content, strlen(no_content), &e) != 0);
    CHECK(strstr(e.msg, "c7") && strstr(e.msg, "'content'"));
    CHECK(pmp_corpus_add_json(&c, "bad.json", "[1, 2", 5, &e) != 0);
    CHECK(strstr(e.msg, "bad.json") != NULL);
    CHECK(c.n == 0 && c.nconv == 0);   /* nothing half-added */
    pmp_corpus_free(&c);
}

/* The file interface: atomic write, a readable HH file; a bad file fails naming it and
 * leaves no output behind. */
TEST(write_file_atomically) {
    char dir[] = "/tmp/rlhf_test_pmp_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char in[256], bad[256], out[256], out2[256];
    snprintf(in, sizeof in, "%s/tiny.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    snprintf(out, sizeof out, "%s/pairs.jsonl", dir);
    snprintf(out2, sizeof out2, "%s/none.jsonl", dir);
    FILE *f = fopen(in, "w");
    REQUIRE(f);
    fputs(TINY, f);
    fclose(f);
    f = fopen(bad, "w");
    REQUIRE(f);
    fputs("{\"c\": {\"content\": [{\"message\": \"x\", \"agent\": \"agent_1\", \"turn_rating\": 5}]}}", f);
    fclose(f);
    PmpOpts o;
    pmp_default_opts(&o);
    PmpCounts c;
    RlhfErr e;
    const char *files[1] = {in};
    REQUIRE(pmp_topical_write(files, 1, &o, out, &c, &e) == 0);
    CHECK(c.pairs == 7);
    ComparisonSet s = {0};
    const char *one[1] = {out};
    ComparisonOpts co = {0};
    CHECK(comparisons_load_all(one, 1, &co, &s, &e) == 0);
    CHECK(s.n == 7);
    comparison_set_free(&s);
    const char *files2[2] = {in, bad};
    CHECK(pmp_topical_write(files2, 2, &o, out2, &c, &e) != 0);
    CHECK(strstr(e.msg, "bad.json") && strstr(e.msg, "'turn_rating'"));
    CHECK(!rlhf_file_exists(out2));
    remove(in);
    remove(bad);
    remove(out);
    rmdir(dir);
}

/* The real files, when present: every Topical-Chat turn parses, and no rejected reply comes
 * from the chosen one's conversation (checked through the low-rated pool's share). */
TEST(real_topical_chat) {
    const char *sd = test_shared_data();
    if (!sd) SKIP("../shared/data absent");
    char p[512];
    snprintf(p, sizeof p, "%s/topical-chat/valid_rare.json", sd);
    if (!rlhf_file_exists(p)) SKIP("%s absent", p);
    PmpCorpus c = {0};
    RlhfErr e;
    REQUIRE(pmp_corpus_load(&c, p, &e) == 0);
    CHECK(c.nconv > 500);
    PmpOpts o;
    pmp_default_opts(&o);
    o.max_pairs = 2000;
    JsonBuf b;
    jb_init(&b);
    PmpCounts cnt;
    REQUIRE(pmp_mine(&c, &o, &b, &cnt, &e) == 0);
    CHECK(cnt.pairs == 2000);
    CHECK(cnt.candidates > 9000);
    CHECK(cnt.rejected_fallback == 0);
    ComparisonSet s = {0};
    CHECK(load_rows(&b, &s) == 0);
    CHECK(s.n == 2000);
    comparison_set_free(&s);
    jb_free(&b);
    pmp_corpus_free(&c);
}

int main(void) {
    RUN(pair_count_and_skips);
    RUN(pairs_share_context_and_map_speakers);
    RUN(max_turns_limits_context);
    RUN(deterministic_for_a_seed);
    RUN(fallback_when_no_low_rated_turn);
    RUN(malformed_input_names_file_and_field);
    RUN(write_file_atomically);
    RUN(real_topical_chat);
    return test_summary();
}
