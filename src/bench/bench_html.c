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

/* Inline spans on one line: escaped text with **bold**, *emphasis* and `code`. Unclosed markers stay literal. */
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
        if (s[i] == '*' && i + 1 < n && s[i + 1] != '*' && s[i + 1] != ' ') {
            const char *end = memchr(s + i + 1, '*', n - i - 1);
            if (end && end[-1] != ' ') {
                jb_raw(b, "<em>"); html_escn(b, s + i + 1, (size_t)(end - s - i - 1)); jb_raw(b, "</em>");
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        size_t j = i + 1;
        while (j < n && s[j] != '`' && s[j] != '*') j++;
        html_escn(b, s + i, j - i);
        i = j;
    }
}

static int is_table_sep(const char *l, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!strchr("|-: \t", l[i])) return 0;
    return 1;
}

/* One table row "| a | b |" as <tr> of th (header row) or td cells. */
static void table_row(JsonBuf *b, const char *l, size_t n, int header) {
    const char *cell = header ? "th" : "td";
    size_t i = 0;
    if (i < n && l[i] == '|') i++;
    if (n > i && l[n - 1] == '|') n--;
    jb_raw(b, "<tr>");
    while (i <= n) {
        size_t j = i;
        while (j < n && l[j] != '|') j++;
        size_t a = i, z = j;
        while (a < z && l[a] == ' ') a++;
        while (z > a && l[z - 1] == ' ') z--;
        jb_printf(b, "<%s>", cell); inline_md(b, l + a, z - a); jb_printf(b, "</%s>", cell);
        i = j + 1;
    }
    jb_raw(b, "</tr>\n");
}

void html_markdown(JsonBuf *b, const char *md) {
    enum { NONE, PARA, UL, OL, TABLE, CODE } state = NONE;
    static const char *close[] = {"", "</p>\n", "</li></ul>\n", "</li></ol>\n", "</table>\n", "</pre>\n"};
    int table_rows = 0;
    const char *p = md;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = p;
        p += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r') n--;
        if (n >= 3 && !strncmp(line, "```", 3)) {
            int was_code = state == CODE;
            jb_raw(b, close[state]);
            state = NONE;
            if (!was_code) { jb_raw(b, "<pre>"); state = CODE; }
            continue;
        }
        if (state == CODE) { html_escn(b, line, n); jb_raw(b, "\n"); continue; }
        size_t k = 0;
        while (k < n && line[k] == ' ') k++;
        if (k == n) { jb_raw(b, close[state]); state = NONE; continue; }     /* blank line */
        size_t heading = 0;
        while (heading < n && line[heading] == '#' && heading < 6) heading++;
        int is_heading = heading > 0 && heading < n && line[heading] == ' ';
        int is_ul = n - k >= 2 && (line[k] == '-' || line[k] == '*') && line[k + 1] == ' ';
        size_t d = k;
        while (d < n && line[d] >= '0' && line[d] <= '9') d++;
        int is_ol = d > k && d + 1 < n && line[d] == '.' && line[d + 1] == ' ';
        int is_row = line[k] == '|';
        if (is_heading) {
            jb_raw(b, close[state]); state = NONE;
            int lvl = heading > 3 ? 4 : (int)heading + 1;   /* h1 is the page title */
            jb_printf(b, "<h%d>", lvl); inline_md(b, line + heading + 1, n - heading - 1); jb_printf(b, "</h%d>\n", lvl);
        } else if (is_ul || is_ol) {
            int want = is_ul ? UL : OL;
            if ((int)state == want) jb_raw(b, "</li>\n");
            else { jb_raw(b, close[state]); jb_raw(b, is_ul ? "<ul>\n" : "<ol>\n"); state = is_ul ? UL : OL; }
            jb_raw(b, "<li>");
            size_t from = is_ul ? k + 2 : d + 2;
            inline_md(b, line + from, n - from);
        } else if (is_row) {
            if (state != TABLE) { jb_raw(b, close[state]); jb_raw(b, "<table>\n"); state = TABLE; table_rows = 0; }
            if (is_table_sep(line, n)) continue;
            table_row(b, line + k, n - k, table_rows++ == 0);
        } else if ((state == UL || state == OL) && k > 0) {
            jb_raw(b, " "); inline_md(b, line + k, n - k);                 /* list item continues */
        } else {
            if (state != PARA) { jb_raw(b, close[state]); jb_raw(b, "<p>"); state = PARA; }
            else jb_raw(b, "\n");
            inline_md(b, line + k, n - k);
        }
    }
    jb_raw(b, close[state]);
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
