/* json.h — a small JSON reader (DOM) and writer.
 *
 * Reader: json_parse() builds a tree of JsonValue nodes allocated from one
 * JsonDoc; free everything with json_doc_free(). Strings are decoded to UTF-8
 * (\uXXXX and surrogate pairs handled) and NUL-terminated; len gives the byte
 * length (strings may contain NUL via \u0000). Errors name the byte offset,
 * line and column.
 *
 * Writer: JsonBuf is a growable buffer with helpers that escape strings
 * correctly (control chars, quotes, backslash; invalid UTF-8 bytes are written
 * as \u00XX of the Latin-1 code point so the output is always valid JSON). */
#ifndef RLHF_JSON_H
#define RLHF_JSON_H

#include "util/common.h"

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
    JsonType type;
    int boolean;
    double number;
    char *str;          /* JSON_STRING: decoded UTF-8, NUL-terminated */
    size_t len;         /* string byte length, or number of children */
    char **keys;        /* JSON_OBJECT: keys[i] names items[i] */
    JsonValue **items;  /* JSON_ARRAY / JSON_OBJECT children */
};

typedef struct JsonDoc JsonDoc;

/* Parses text[0..len). On error returns NULL and writes "line L, column C: what" into e. */
JsonDoc *json_parse(const char *text, size_t len, RlhfErr *e);
JsonValue *json_root(JsonDoc *doc);
/* Reads a JSONL file and calls fn on each non-blank line's root value (line =
 * 1-based line number). Stops at the first error: a line that does not parse
 * ("PATH:LINE: ..."), or fn returning nonzero (fn sets e itself). */
typedef int (*JsonlLineFn)(void *ctx, JsonValue *root, const char *path, int line, RlhfErr *e);
int jsonl_for_each(const char *path, JsonlLineFn fn, void *ctx, RlhfErr *e);
void json_doc_free(JsonDoc *doc);

/* Lookups; return NULL when absent or of the wrong type. */
JsonValue *json_get(const JsonValue *obj, const char *key);
const char *json_get_str(const JsonValue *obj, const char *key);          /* string member */
int json_get_num(const JsonValue *obj, const char *key, double *out);     /* 0 ok, -1 absent/not number */

/* Writer */
typedef struct JsonBuf {
    char *data;
    size_t len, cap;
    int oom;            /* set when an allocation failed; data stays valid */
} JsonBuf;

void jb_init(JsonBuf *b);
void jb_free(JsonBuf *b);
void jb_reset(JsonBuf *b);
void jb_raw(JsonBuf *b, const char *s);
void jb_rawn(JsonBuf *b, const char *s, size_t n);
void jb_printf(JsonBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_str(JsonBuf *b, const char *s);                 /* quoted + escaped */
void jb_strn(JsonBuf *b, const char *s, size_t n);
void jb_num(JsonBuf *b, double x);                      /* NaN/inf written as null */
/* Object-building helpers: jb_obj_begin, then jb_key*(...), jb_obj_end.
 * They insert commas automatically. */
void jb_obj_begin(JsonBuf *b);
void jb_obj_end(JsonBuf *b);
void jb_arr_begin(JsonBuf *b);
void jb_arr_end(JsonBuf *b);
void jb_key(JsonBuf *b, const char *key);               /* writes "key": (comma first if needed) */
void jb_kv_str(JsonBuf *b, const char *key, const char *val);
void jb_kv_num(JsonBuf *b, const char *key, double val);
void jb_kv_int(JsonBuf *b, const char *key, long long val);
void jb_kv_bool(JsonBuf *b, const char *key, int val);
void jb_comma(JsonBuf *b);                              /* comma before an array element if needed */

#endif
