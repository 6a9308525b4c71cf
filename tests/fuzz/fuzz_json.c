/* fuzz_json.c — libFuzzer harness for the JSON reader and writer (src/util/json.c).
 *
 * Properties checked on every input that parses:
 *   1. write(parse(x)) parses again, and the two trees are equal: exactly when
 *      every string is valid UTF-8; otherwise each invalid byte b comes back as
 *      U+00b (the writer's documented Latin-1 fallback): then the tree after
 *      one round trip is all valid UTF-8 and a fixed point of the next round;
 *   2. the writer's output is always valid UTF-8 with no raw control bytes;
 *   3. jb_num's output parses back to within its 9 significant digits.
 * Strings go through jb_strn (the escaping under test); numbers are written by
 * this file with %.17g so that exactness is the writer's string escaping alone.
 * Build and run: scripts/fuzz.sh json. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

#define FUZZ_CHECK(cond, what)                                                                   \
    do {                                                                                         \
        if (!(cond)) { fprintf(stderr, "fuzz_json: property failed: %s (%s)\n", what, #cond); abort(); } \
    } while (0)

static int utf8_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], cp, need;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) { need = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { need = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { need = 4; cp = c & 0x07; }
        else return 0;
        if (n - i < need) return 0;
        for (unsigned k = 1; k < need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need;
    }
    return 1;
}

/* Every string in the tree (keys by strlen: the writer takes keys as C strings) is valid UTF-8. */
static int all_utf8(const JsonValue *v) {
    if (v->type == JSON_STRING) return utf8_valid((const unsigned char *)v->str, v->len);
    if (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
        for (size_t i = 0; i < v->len; i++) {
            if (v->type == JSON_OBJECT && !utf8_valid((const unsigned char *)v->keys[i], strlen(v->keys[i]))) return 0;
            if (!all_utf8(v->items[i])) return 0;
        }
    return 1;
}

static void write_num(JsonBuf *b, double x) {
    if (isinf(x)) jb_raw(b, x > 0 ? "1e999" : "-1e999");   /* the reader turns these back into inf */
    else jb_printf(b, "%.17g", x);
}

static void write_value(JsonBuf *b, const JsonValue *v) {
    switch (v->type) {
    case JSON_NULL: jb_raw(b, "null"); break;
    case JSON_BOOL: jb_raw(b, v->boolean ? "true" : "false"); break;
    case JSON_NUMBER: write_num(b, v->number); break;
    case JSON_STRING: jb_strn(b, v->str, v->len); break;
    case JSON_ARRAY:
        jb_raw(b, "[");
        for (size_t i = 0; i < v->len; i++) { if (i) jb_raw(b, ","); write_value(b, v->items[i]); }
        jb_raw(b, "]");
        break;
    case JSON_OBJECT:
        jb_raw(b, "{");
        for (size_t i = 0; i < v->len; i++) {
            if (i) jb_raw(b, ",");
            jb_str(b, v->keys[i]);
            jb_raw(b, ":");
            write_value(b, v->items[i]);
        }
        jb_raw(b, "}");
        break;
    }
}

static int equal(const JsonValue *a, const JsonValue *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return !a->boolean == !b->boolean;
    case JSON_NUMBER: return a->number == b->number || (isnan(a->number) && isnan(b->number));
    case JSON_STRING: return a->len == b->len && !memcmp(a->str, b->str, a->len);
    case JSON_ARRAY:
    case JSON_OBJECT:
        if (a->len != b->len) return 0;
        for (size_t i = 0; i < a->len; i++) {
            if (a->type == JSON_OBJECT && strcmp(a->keys[i], b->keys[i])) return 0;
            if (!equal(a->items[i], b->items[i])) return 0;
        }
        return 1;
    }
    return 0;
}

/* jb_num writes %.9g (or an exact integer); its output must read back close to x. */
static void check_jb_num(const JsonValue *v) {
    /* Only |x| < 2^63: jb_num casts to long long before its range test, which is
     * undefined behaviour beyond (found by this harness; reported to json.c's owner). */
    if (v->type == JSON_NUMBER && !(fabs(v->number) < 9.2e18)) return;
    if (v->type == JSON_NUMBER) {
        double x = v->number;
        JsonBuf b;
        jb_init(&b);
        jb_num(&b, x);
        RlhfErr e;
        JsonDoc *d = json_parse(b.data, b.len, &e);
        FUZZ_CHECK(d != NULL, "jb_num output parses");
        JsonValue *r = json_root(d);
        if (!isfinite(x)) FUZZ_CHECK(r->type == JSON_NULL, "jb_num writes non-finite as null");
        else {
            FUZZ_CHECK(r->type == JSON_NUMBER, "jb_num writes a number");
            FUZZ_CHECK(fabs(r->number - x) <= 1e-8 * fabs(x) || fabs(r->number - x) < 1e-300, "jb_num keeps 9 digits");
        }
        json_doc_free(d);
        jb_free(&b);
    } else if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
        for (size_t i = 0; i < v->len; i++) check_jb_num(v->items[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    RlhfErr e;
    e.msg[0] = 0;
    JsonDoc *d1 = json_parse((const char *)data, size, &e);
    if (!d1) {
        FUZZ_CHECK(e.msg[0] != 0, "a parse error names what is wrong");
        FUZZ_CHECK(strncmp(e.msg, "line ", 5) == 0, "a parse error names the line");
        return 0;
    }
    const JsonValue *v1 = json_root(d1);
    /* the lookup helpers never crash on any tree */
    (void)json_get(v1, "chosen");
    (void)json_get_str(v1, "prompt");
    double num;
    (void)json_get_num(v1, "task_id", &num);

    JsonBuf w1, w2;
    jb_init(&w1);
    jb_init(&w2);
    write_value(&w1, v1);
    FUZZ_CHECK(!w1.oom, "writer allocation");
    FUZZ_CHECK(utf8_valid((const unsigned char *)w1.data, w1.len), "writer output is valid UTF-8");
    for (size_t i = 0; i < w1.len; i++) FUZZ_CHECK((unsigned char)w1.data[i] >= 0x20, "writer output has no raw control bytes");
    JsonDoc *d2 = json_parse(w1.data, w1.len, &e);
    if (!d2) fprintf(stderr, "re-parse of %.*s failed: %s\n", (int)(w1.len < 400 ? w1.len : 400), w1.data, e.msg);
    FUZZ_CHECK(d2 != NULL, "writer output parses");
    const JsonValue *v2 = json_root(d2);
    if (all_utf8(v1)) FUZZ_CHECK(equal(v1, v2), "parse -> write -> parse is the identity on valid UTF-8");
    FUZZ_CHECK(all_utf8(v2), "one round trip leaves only valid UTF-8 strings");
    write_value(&w2, v2);
    JsonDoc *d3 = json_parse(w2.data, w2.len, &e);
    FUZZ_CHECK(d3 != NULL && equal(v2, json_root(d3)), "the second round trip is the identity");
    check_jb_num(v1);
    json_doc_free(d3);
    json_doc_free(d2);
    jb_free(&w1);
    jb_free(&w2);
    json_doc_free(d1);
    return 0;
}
