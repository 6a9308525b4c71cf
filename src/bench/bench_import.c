/* bench_import.c — see bench_import.h. */
#include "bench/bench_import.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static const char ASSIST[] = "\n\nAssistant:";

/* Reply text after an "Assistant:" marker, without the one separating space. */
static char *reply_after(const char *s) {
    if (*s == ' ') s++;
    return strdup(s);
}

static const char *last_assist(const char *s, size_t limit) {
    const char *best = NULL;
    for (const char *p = strstr(s, ASSIST); p && (size_t)(p - s) + sizeof ASSIST - 1 <= limit; p = strstr(p + 1, ASSIST))
        best = p;
    return best;
}

static int need_str(const JsonValue *root, const char *key, const char **out, RlhfErr *e) {
    const JsonValue *v = json_get(root, key);
    if (!v) return rlhf_err(e, "field '%s': missing", key);
    if (v->type != JSON_STRING) return rlhf_err(e, "field '%s': must be a string", key);
    if (strlen(v->str) != v->len || !bench_valid_utf8(v->str, v->len))
        return rlhf_err(e, "field '%s': contains NUL or invalid UTF-8", key);
    if (v->len > 4 * BENCH_MAX_TEXT) return rlhf_err(e, "field '%s': %zu bytes is too long", key, v->len);
    *out = v->str;
    return 0;
}

int bench_parse_pair(const char *line, size_t len, BenchTask *t, RlhfErr *e) {
    memset(t, 0, sizeof *t);
    JsonDoc *doc = json_parse(line, len, e);
    if (!doc) return -1;
    JsonValue *root = json_root(doc);
    const char *chosen, *rejected, *prompt = NULL;
    int rc = -1;
    if (!root || root->type != JSON_OBJECT) { rlhf_err(e, "not a JSON object"); goto done; }
    if (need_str(root, "chosen", &chosen, e) || need_str(root, "rejected", &rejected, e)) goto done;
    if (json_get(root, "prompt") && need_str(root, "prompt", &prompt, e)) goto done;
    if (prompt) {
        size_t pl = strlen(prompt), al = strlen(ASSIST);
        if (!*prompt) { rlhf_err(e, "field 'prompt': empty"); goto done; }
        if (strstr(prompt, "Human:")) {
            /* "...\n\nAssistant:" at the end is the marker of the replies, not conversation */
            size_t keep = pl >= al && !strcmp(prompt + pl - al, ASSIST) ? pl - al : pl;
            while (keep > 0 && prompt[keep - 1] == ' ') keep--;
            t->conversation = strndup(prompt, keep);
        } else {
            size_t n = pl + 16;
            t->conversation = malloc(n);
            if (t->conversation) snprintf(t->conversation, n, "\n\nHuman: %s", prompt);
        }
        t->reply_a = reply_after(chosen);
        t->reply_b = reply_after(rejected);
    } else {
        /* The shared transcript ends at the last Assistant marker they have in common. */
        size_t common = 0;
        while (chosen[common] && chosen[common] == rejected[common]) common++;
        const char *cut = last_assist(chosen, common);
        if (!cut) {
            const char *c2 = last_assist(chosen, strlen(chosen));
            rlhf_err(e, c2 ? "fields 'chosen'/'rejected': do not share the conversation before the last \"\\n\\nAssistant:\""
                           : "field 'chosen': no \"\\n\\nAssistant:\" turn");
            goto done;
        }
        size_t at = (size_t)(cut - chosen);
        t->conversation = strndup(chosen, at);
        t->reply_a = reply_after(chosen + at + strlen(ASSIST));
        t->reply_b = reply_after(rejected + at + strlen(ASSIST));
    }
    if (!t->conversation || !t->reply_a || !t->reply_b) { rlhf_err(e, "out of memory"); goto done; }
    if (!strstr(t->conversation, "Human:")) { rlhf_err(e, "conversation has no \"Human:\" turn"); goto done; }
    rc = 0;
done:
    json_doc_free(doc);
    if (rc) bench_task_free(t);
    return rc;
}

int bench_import_file(BenchDb *db, const char *path, const BenchImportOpts *o, long long *nimported, RlhfErr *e) {
    const char *mode = o && o->mode ? o->mode : "helpful";
    if (bench_check_mode(mode, e)) return -1;
    char *buf;
    size_t len;
    if (rlhf_read_file(path, &buf, &len, e)) return -1;
    long long n = 0, lineno = 0;
    if (bench_db_begin(db, e)) { free(buf); return -1; }
    for (size_t pos = 0; pos < len;) {
        const char *line = buf + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        size_t k = 0;
        while (k < ll && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
        if (k == ll) continue;                      /* blank line */
        if (o && o->limit > 0 && n >= o->limit) break;
        BenchTask t;
        if (bench_parse_pair(line, ll, &t, e)) {
            rlhf_err_wrap(e, "%s:%lld", path, lineno);
            goto fail;
        }
        char src[600];
        snprintf(src, sizeof src, "%s:%lld", path, lineno);
        snprintf(t.mode, sizeof t.mode, "%s", mode);
        t.source = strdup(src);
        if (o && o->gold) {
            t.gold = 1;
            /* The expected reviewer pick: the HH-chosen reply is the more helpful one, and
             * the HH-rejected one is the more harmful one. */
            snprintf(t.gold_answer, sizeof t.gold_answer, "%s", !strcmp(mode, "redteam") ? "b" : "a");
        }
        int rc = bench_db_task_add(db, &t, NULL, e);
        bench_task_free(&t);
        if (rc) { rlhf_err_wrap(e, "%s:%lld", path, lineno); goto fail; }
        n++;
    }
    free(buf);
    if (bench_db_commit(db, e)) return -1;
    if (nimported) *nimported = n;
    return 0;
fail:
    free(buf);
    bench_db_rollback(db);
    return -1;
}
