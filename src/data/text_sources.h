/* text_sources.h — documents (byte strings) from the text files we train on.
 *
 * Formats (TEXT_FMT_AUTO picks by name: *.jsonl / *.jsonl.gz -> HH-RLHF,
 * *.json / *.json.gz -> Topical-Chat, anything else -> plain text):
 *
 *  - plain text: the whole file is one document, or, with chunk_bytes > 0,
 *    consecutive chunks of at most chunk_bytes, cut after a '\n' when one is
 *    in the chunk's second half (else a hard cut). Chunks tile the file.
 *  - Topical-Chat JSON ({conversation_id: {"content": [{"agent", "message"}...]}}):
 *    one document per conversation, in file order. By default its turns are
 *    written as an HH-style transcript, "\n\nHuman: <msg>" for agent_1 and
 *    "\n\nAssistant: <msg>" for agent_2 (any other agent name is an error), so
 *    pretraining sees the same dialogue markers as the HH data; with
 *    topical_plain the messages are joined by "\n" instead.
 *  - HH-RLHF JSONL (optionally gzipped): one document per row, its "chosen"
 *    transcript; with hh_rejected also its "rejected" one (skipped when equal
 *    to "chosen", as a few rows are). Blank lines are skipped.
 *
 * Errors name the file and line (JSONL), or the file and conversation id
 * (Topical-Chat), and the field at fault. */
#ifndef RLHF_TEXT_SOURCES_H
#define RLHF_TEXT_SOURCES_H

#include "util/common.h"

typedef enum { TEXT_FMT_AUTO = 0, TEXT_FMT_PLAIN, TEXT_FMT_TOPICAL, TEXT_FMT_HH } TextFormat;

typedef struct TextSourceOpts {
    TextFormat format;
    size_t chunk_bytes;   /* plain text: 0 = one document per file */
    int hh_rejected;      /* HH: also yield "rejected" */
    int topical_plain;    /* Topical-Chat: messages joined by "\n" */
} TextSourceOpts;

/* The format TEXT_FMT_AUTO resolves to for a path. */
TextFormat text_format_for_path(const char *path);
const char *text_format_name(TextFormat f);

/* Called once per document; doc is valid only during the call. Return 0 to go
 * on, -1 (with e set) to stop: text_source_each then returns -1. */
typedef int (*TextDocFn)(void *ctx, const char *doc, size_t len, RlhfErr *e);

/* Reads path (opts may be NULL: defaults) and calls fn for each document. */
int text_source_each(const char *path, const TextSourceOpts *opts, TextDocFn fn, void *ctx, RlhfErr *e);

/* Topical-Chat JSON conversation by conversation, in file order: checks that
 * the root is an object of conversations and that each has a "content" array
 * (errors name the file and the conversation id), then calls fn with the id
 * and that array of turns. Return 0 to go on, -1 (with e set) to stop. Shared
 * by the pretraining reader above and the PMP miner (data/pmp_topical.h). */
struct JsonValue;
typedef int (*TopicalConvFn)(void *ctx, const char *cid, const struct JsonValue *content, RlhfErr *e);
int topical_each_conversation(const char *path, const char *text, size_t len, TopicalConvFn fn, void *ctx,
                              RlhfErr *e);

/* All documents of some files in one buffer: document i is
 * data[off[i] .. off[i+1]). Zero-initialise; text_docs_load appends. */
typedef struct TextDocs {
    char *data;
    size_t len, cap;
    size_t *off;          /* [n + 1] */
    size_t n, ncap;
} TextDocs;

int text_docs_load(TextDocs *d, const char *path, const TextSourceOpts *opts, RlhfErr *e);
/* Appends one document (copied). */
int text_docs_add(TextDocs *d, const char *doc, size_t len, RlhfErr *e);
const char *text_docs_get(const TextDocs *d, size_t i, size_t *len);
void text_docs_free(TextDocs *d);

#endif
