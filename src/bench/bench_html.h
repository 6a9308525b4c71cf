/* bench_html.h — safe HTML output for the bench pages: escaping of all
 * untrusted text (model output, reviewer text, names) and a deliberately small
 * Markdown subset for the reviewer guidelines (headings, lists, tables,
 * paragraphs, code blocks, **bold**, *emphasis*, `code`; all text is escaped,
 * so no HTML or links pass through). */
#ifndef RLHF_BENCH_HTML_H
#define RLHF_BENCH_HTML_H

#include "util/json.h"

/* Appends s with & < > " ' escaped. */
void html_esc(JsonBuf *b, const char *s);
void html_escn(JsonBuf *b, const char *s, size_t n);
void html_markdown(JsonBuf *b, const char *md);
/* Renders an HH transcript ("\n\nHuman: ...\n\nAssistant: ...") as turn blocks. */
void html_conversation(JsonBuf *b, const char *conv);

#endif
