/* test_util.c — JSON reader/writer, RNG, atomic file writes. */
#include "testlib.h"
#include "util/common.h"
#include "util/json.h"
#include "util/rng.h"

TEST(json_parses_nested_values) {
    const char *t = "{\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\", \"o\": {}}";
    RlhfErr e;
    JsonDoc *d = json_parse(t, strlen(t), &e);
    REQUIRE(d);
    JsonValue *r = json_root(d);
    JsonValue *a = json_get(r, "a");
    REQUIRE(a && a->type == JSON_ARRAY && a->len == 5);
    CHECK(a->items[0]->number == 1);
    CHECK(a->items[1]->number == -2500);
    CHECK(a->items[2]->type == JSON_BOOL && a->items[2]->boolean);
    CHECK(a->items[4]->type == JSON_NULL);
    CHECK_STR(json_get_str(r, "s"), "x\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK(json_get(r, "o")->type == JSON_OBJECT);
    CHECK(json_get(r, "missing") == NULL);
    json_doc_free(d);
}

TEST(json_errors_name_line_and_column) {
    const char *bad[] = {"{\"a\": }", "[1, 2", "{\"a\" 1}", "\"abc", "01", "[1,]", "{} x", "\"\x01\"", "-", "nul"};
    for (size_t i = 0; i < RLHF_ARRAY_LEN(bad); i++) {
        RlhfErr e = {{0}};
        JsonDoc *d = json_parse(bad[i], strlen(bad[i]), &e);
        CHECK_MSG(d == NULL, "accepted bad JSON '%s'", bad[i]);
        CHECK(strstr(e.msg, "line 1, column") != NULL);
        json_doc_free(d);
    }
    RlhfErr e;
    CHECK(json_parse("{\n\n  \"a\": x}", 12, &e) == NULL);
    CHECK(strstr(e.msg, "line 3") != NULL);
}

TEST(json_writer_round_trips_any_bytes) {
    char raw[256];
    for (int i = 0; i < 256; i++) raw[i] = (char)(i == 0 ? 1 : i);
    JsonBuf b; jb_init(&b);
    jb_obj_begin(&b); jb_kv_int(&b, "n", 3); jb_key(&b, "s"); jb_strn(&b, raw, 256); jb_kv_num(&b, "x", 0.5); jb_obj_end(&b);
    RlhfErr e;
    JsonDoc *d = json_parse(b.data, b.len, &e);
    REQUIRE(d);
    JsonValue *s = json_get(json_root(d), "s");
    REQUIRE(s && s->type == JSON_STRING);
    /* ASCII survives exactly; invalid bytes map to their Latin-1 code point */
    CHECK(memcmp(s->str, raw, 127) == 0);
    double x; CHECK(json_get_num(json_root(d), "x", &x) == 0 && x == 0.5);
    json_doc_free(d);
    jb_free(&b);
}

TEST(rng_is_deterministic_and_uniform) {
    Rng a, b;
    rng_seed(&a, 42); rng_seed(&b, 42);
    for (int i = 0; i < 100; i++) CHECK(rng_u64(&a) == rng_u64(&b));
    double sum = 0, sq = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) { double z = rng_normal(&a); sum += z; sq += z * z; }
    CHECK_NEAR(sum / n, 0.0, 0.01);
    CHECK_NEAR(sq / n, 1.0, 0.02);
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++) counts[rng_int(&a, 10)]++;
    for (int i = 0; i < 10; i++) CHECK(counts[i] > 9500 && counts[i] < 10500);
}

TEST(atomic_write_replaces_whole_file) {
    RlhfErr e;
    const char *p = "build/test_util_atomic.txt";
    REQUIRE(rlhf_write_file_atomic(p, "first", 5, &e) == 0);
    REQUIRE(rlhf_write_file_atomic(p, "second!", 7, &e) == 0);
    char *s; size_t n;
    REQUIRE(rlhf_read_file(p, &s, &n, &e) == 0);
    CHECK(n == 7 && !strcmp(s, "second!"));
    free(s);
    CHECK(rlhf_write_file_atomic("/nonexistent-dir/x", "a", 1, &e) == -1);
    CHECK(strstr(e.msg, "/nonexistent-dir/x") != NULL);
    CHECK(rlhf_read_file("/nonexistent-file", &s, &n, &e) == -1);
    CHECK(strstr(e.msg, "/nonexistent-file") != NULL);
}

int main(void) {
    RUN(json_parses_nested_values);
    RUN(json_errors_name_line_and_column);
    RUN(json_writer_round_trips_any_bytes);
    RUN(rng_is_deterministic_and_uniform);
    RUN(atomic_write_replaces_whole_file);
    return test_summary();
}
