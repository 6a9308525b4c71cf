/* bench_html.c — see bench_html.h. */
#include "bench/bench_html.h"

#include <string.h>

void html_escn(JsonBuf *b, const char *s, size_t n) {
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        }
        if (!rep) continue;
        jb_rawn(b, s + run, i - run);
        jb_raw(b, rep);
        run = i + 1;
    }
    jb_rawn(b, s + run, n - run);
}

void html_esc(JsonBuf *b, const char *s) { if (s) html_escn(b, s, strlen(s)); }

/* Inline spans on one line: escaped text with **bold** and `code`. Unclosed markers stay literal. */
static void inline_md(JsonBuf *b, const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (s[i] == '`') {
            const char *end = memchr(s + i + 1, '`', n - i - 1);
            if (end) {
                jb_raw(b, "<code>"); html_escn(b, s + i + 1, (size_t)(end - s - i - 1)); jb_raw(b, "</code>");
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        if (i + 1 < n && s[i] == '*' && s[i + 1] == '*') {
            const char *end = NULL;
            for (size_t k = i + 2; k + 1 < n; k++) if (s[k] == '*' && s[k + 1] == '*') { end = s + k; break; }
            if (end) {
                jb_raw(b, "<strong>"); html_escn(b, s + i + 2, (size_t)(end - s - i - 2)); jb_raw(b, "</strong>");
                i = (size_t)(end - s) + 2;
                continue;
            }
        }
        size_t j = i + 1;
        while (j < n && s[j] != '`' && s[j] != '*') j++;
        html_escn(b, s + i, j - i);
        i = j;
    }
}

void html_markdown(JsonBuf *b, const char *md) {
    enum { NONE, PARA, LIST, CODE } state = NONE;
    const char *p = md;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = p;
        p += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r') n--;
        if (n >= 3 && !strncmp(line, "```", 3)) {
            if (state == CODE) { jb_raw(b, "</pre>\n"); state = NONE; continue; }
            if (state == PARA) jb_raw(b, "</p>\n");
            if (state == LIST) jb_raw(b, "</ul>\n");
            jb_raw(b, "<pre>"); state = CODE;
            continue;
        }
        if (state == CODE) { html_escn(b, line, n); jb_raw(b, "\n"); continue; }
        size_t k = 0;
        while (k < n && line[k] == ' ') k++;
        int blank = k == n;
        int heading = 0;
        while ((size_t)heading < n && line[heading] == '#' && heading < 6) heading++;
        int is_heading = heading > 0 && heading < (int)n && line[heading] == ' ';
        int is_item = n - k >= 2 && (line[k] == '-' || line[k] == '*') && line[k + 1] == ' ';
        if ((blank || is_heading || !is_item) && state == LIST) { jb_raw(b, "</ul>\n"); state = NONE; }
        if ((blank || is_heading || is_item) && state == PARA) { jb_raw(b, "</p>\n"); state = NONE; }
        if (blank) continue;
        if (is_heading) {
            int lvl = heading > 4 ? 4 : heading + 1;   /* h1 is the page title */
            jb_printf(b, "<h%d>", lvl); inline_md(b, line + heading + 1, n - (size_t)heading - 1); jb_printf(b, "</h%d>\n", lvl);
        } else if (is_item) {
            if (state != LIST) { jb_raw(b, "<ul>\n"); state = LIST; }
            jb_raw(b, "<li>"); inline_md(b, line + k + 2, n - k - 2); jb_raw(b, "</li>\n");
        } else {
            if (state != PARA) { jb_raw(b, "<p>"); state = PARA; } else jb_raw(b, "\n");
            inline_md(b, line + k, n - k);
        }
    }
    if (state == PARA) jb_raw(b, "</p>\n");
    if (state == LIST) jb_raw(b, "</ul>\n");
    if (state == CODE) jb_raw(b, "</pre>\n");
}

void html_conversation(JsonBuf *b, const char *conv) {
    static const char H[] = "\n\nHuman:", A[] = "\n\nAssistant:";
    const char *p = conv;
    while (*p) {
        int human;
        if (!strncmp(p, H, sizeof H - 1)) { human = 1; p += sizeof H - 1; }
        else if (!strncmp(p, A, sizeof A - 1)) { human = 0; p += sizeof A - 1; }
        else human = 1;              /* text before any marker: show as the human's */
        const char *nh = strstr(p, H), *na = strstr(p, A), *end = p + strlen(p);
        if (nh && nh < end) end = nh;
        if (na && na < end) end = na;
        while (p < end && *p == ' ') p++;
        jb_printf(b, "<div class=\"turn %s\"><div class=\"who\">%s</div><div class=\"text\">",
                  human ? "human" : "assistant", human ? "Human" : "Assistant");
        html_escn(b, p, (size_t)(end - p));
        jb_raw(b, "</div></div>\n");
        p = end;
    }
}
