/* comparisons.c — see comparisons.h. */
#include "data/comparisons.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/transcript.h"

static const char *bad_names[CMP_BAD_NREASONS] = {"json", "missing_field", "wrong_type", "transcript",
                                                  "prompt_mismatch"};

const char *cmp_bad_reason_name(int reason) {
    return reason >= 0 && reason < CMP_BAD_NREASONS ? bad_names[reason] : "unknown";
}

long comparison_counts_bad(const ComparisonCounts *c) {
    long n = 0;
    for (int i = 0; i < CMP_BAD_NREASONS; i++) n += c->bad[i];
    return n;
}

void comparison_counts_add(ComparisonCounts *dst, const ComparisonCounts *src) {
    dst->lines += src->lines;
    dst->kept += src->kept;
    dst->ties += src->ties;
    dst->filtered += src->filtered;
    for (int i = 0; i < CMP_BAD_NREASONS; i++) dst->bad[i] += src->bad[i];
}

void comparison_opts_split(ComparisonOpts *o, uint64_t salt, const double *fractions, int nparts, int part) {
    o->split_salt = salt;
    o->split_nparts = nparts;
    o->split_part = part;
    for (int i = 0; i < nparts && i < SPLIT_MAX_PARTS; i++) o->split_fractions[i] = fractions[i];
}

/* ---- row parsing ---------------------------------------------------------- */

static int is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static const char *type_name(JsonType t) {
    static const char *n[] = {"null", "bool", "number", "string", "array", "object"};
    return (int)t >= 0 && (int)t < 6 ? n[t] : "?";
}

static int bad(int *reason, int r, RlhfErr *e, const char *fmt, const char *field, const char *extra) {
    *reason = r;
    return rlhf_err(e, fmt, field, extra);
}

/* A field's text: a string as is, or an array of {"role","content"} messages
 * rendered as an HH transcript into tmp. */
static int field_text(const JsonValue *v, const char *field, JsonBuf *tmp, const char **s, size_t *n, int *reason,
                      RlhfErr *e) {
    if (v->type == JSON_STRING) { *s = v->str; *n = v->len; return 0; }
    if (v->type != JSON_ARRAY)
        return bad(reason, CMP_BAD_TYPE, e, "field '%s': expected a string or an array of messages, got %s", field,
                   type_name(v->type));
    jb_reset(tmp);
    for (size_t i = 0; i < v->len; i++) {
        const JsonValue *m = v->items[i];
        const char *role = m->type == JSON_OBJECT ? json_get_str(m, "role") : NULL;
        const JsonValue *content = m->type == JSON_OBJECT ? json_get(m, "content") : NULL;
        if (!role || !content || content->type != JSON_STRING)
            return bad(reason, CMP_BAD_TYPE, e, "field '%s': messages must be {\"role\": string, \"content\": string}%s",
                       field, "");
        if (!strcmp(role, "user") || !strcmp(role, "human")) jb_raw(tmp, TRANSCRIPT_HUMAN " ");
        else if (!strcmp(role, "assistant") || !strcmp(role, "gpt") || !strcmp(role, "bot")) jb_raw(tmp, TRANSCRIPT_ASSISTANT " ");
        else return bad(reason, CMP_BAD_TYPE, e, "field '%s': unsupported message role '%s'", field, role);
        jb_rawn(tmp, content->str, content->len);
    }
    if (tmp->oom) return bad(reason, CMP_BAD_TYPE, e, "field '%s': out of memory%s", field, "");
    *s = tmp->data ? tmp->data : "";
    *n = tmp->len;
    return 0;
}

/* Lays out prompt\0chosen\0rejected\0 in *buf and points out at it. */
static int store(Comparison *out, char **buf, size_t *cap, const char *pre, size_t pre_len, const char *p, size_t pn,
                 const char *c, size_t cn, const char *r, size_t rn, RlhfErr *e) {
    size_t need = pre_len + pn + cn + rn + 3;
    if (need > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < need) nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb) return rlhf_err(e, "out of memory (%zu bytes)", need);
        *buf = nb;
        *cap = nc;
    }
    char *b = *buf;
    memcpy(b, pre, pre_len);
    memcpy(b + pre_len, p, pn);
    b[pre_len + pn] = 0;
    char *bc = b + pre_len + pn + 1;
    memcpy(bc, c, cn);
    bc[cn] = 0;
    char *br = bc + cn + 1;
    memcpy(br, r, rn);
    br[rn] = 0;
    out->prompt = b;
    out->prompt_len = pre_len + pn;
    out->chosen = bc;
    out->chosen_len = cn;
    out->rejected = br;
    out->rejected_len = rn;
    return 0;
}

/* HH row: two whole transcripts. */
static int parse_hh(const char *c, size_t cn, const char *r, size_t rn, Comparison *out, char **buf, size_t *cap,
                    int *reason, RlhfErr *e) {
    size_t p;
    int mismatch;
    if (transcript_split_pair(c, cn, r, rn, &p, &mismatch, e) != 0) {
        *reason = mismatch ? CMP_BAD_MISMATCH : CMP_BAD_TRANSCRIPT;
        return -1;
    }
    size_t a = p + TRANSCRIPT_ASSISTANT_LEN, ca = a, ra = a;
    if (ca < cn && c[ca] == ' ') ca++;
    if (ra < rn && r[ra] == ' ') ra++;
    out->n_turns = transcript_count_turns(c, p) + 1;
    return store(out, buf, cap, "", 0, c, p, c + ca, cn - ca, r + ra, rn - ra, e);
}

/* A TRL reply: strip a copy of the raw prompt, then a leading "Assistant:"
 * marker, then one space. */
static int norm_reply(const char *raw_prompt, size_t rpn, const char *field, const char **s, size_t *n, int *reason,
                      RlhfErr *e) {
    const char *p = *s;
    size_t len = *n;
    if (rpn && len >= rpn && !memcmp(p, raw_prompt, rpn)) { p += rpn; len -= rpn; }
    size_t i = 0;
    while (i < len && is_ws(p[i])) i++;
    if (len - i >= 10 && !memcmp(p + i, "Assistant:", 10)) { p += i + 10; len -= i + 10; }
    if (len && *p == ' ') { p++; len--; }
    long h = transcript_find(p, len, TRANSCRIPT_HUMAN, TRANSCRIPT_HUMAN_LEN);
    if (h >= 0) {
        *reason = CMP_BAD_TRANSCRIPT;
        return rlhf_err(e, "field '%s': the reply contains a later Human turn (byte %ld); it should be the final "
                           "Assistant reply only", field, h);
    }
    *s = p;
    *n = len;
    return 0;
}

/* TRL / OpenRLHF row: a prompt plus two replies. */
static int parse_trl(const char *pr, size_t pn, const char *c, size_t cn, const char *r, size_t rn, Comparison *out,
                     char **buf, size_t *cap, int *reason, RlhfErr *e) {
    if (norm_reply(pr, pn, "chosen", &c, &cn, reason, e) != 0) return -1;
    if (norm_reply(pr, pn, "rejected", &r, &rn, reason, e) != 0) return -1;
    /* canonical prompt: "\n\n" + transcript, or "\n\nHuman: " + plain text,
     * without a trailing "\n\nAssistant:" */
    const char *q = pr;
    size_t qn = pn;
    while (qn && is_ws(*q)) { q++; qn--; }
    const char *pre = "\n\nHuman: ";
    size_t pre_len = 9;
    if ((qn >= 6 && !memcmp(q, "Human:", 6)) || (qn >= 10 && !memcmp(q, "Assistant:", 10))) {
        pre = "\n\n";
        pre_len = 2;
    }
    size_t t = qn;
    while (t && is_ws(q[t - 1])) t--;
    if (t >= TRANSCRIPT_ASSISTANT_LEN && !memcmp(q + t - TRANSCRIPT_ASSISTANT_LEN, TRANSCRIPT_ASSISTANT,
                                                 TRANSCRIPT_ASSISTANT_LEN))
        qn = t - TRANSCRIPT_ASSISTANT_LEN;
    else if (t == 10 && !memcmp(q, "Assistant:", 10))
        qn = 0;
    if (qn == 0) {
        *reason = CMP_BAD_TRANSCRIPT;
        return rlhf_err(e, "field 'prompt': empty (no Human turn before the reply)");
    }
    if (store(out, buf, cap, pre, pre_len, q, qn, c, cn, r, rn, e) != 0) return -1;
    out->n_turns = transcript_count_turns(out->prompt, out->prompt_len) + 1;
    if (out->n_turns < 2) {
        *reason = CMP_BAD_TRANSCRIPT;
        return rlhf_err(e, "field 'prompt': does not parse as a transcript");
    }
    return 0;
}

int comparison_parse_row(const char *line, size_t len, Comparison *out, char **buf, size_t *cap, int *reason,
                         RlhfErr *e) {
    RlhfErr je;
    memset(out, 0, sizeof *out);
    JsonDoc *doc = json_parse(line, len, &je);
    if (!doc) {
        *reason = CMP_BAD_JSON;
        return rlhf_err(e, "invalid JSON: %s", je.msg);
    }
    JsonBuf tc, tr, tp;
    jb_init(&tc);
    jb_init(&tr);
    jb_init(&tp);
    int rc = -1;
    JsonValue *root = json_root(doc);
    if (root->type != JSON_OBJECT) {
        bad(reason, CMP_BAD_JSON, e, "row is a JSON %s, not an object%s", type_name(root->type), "");
        goto done;
    }
    const JsonValue *vc = json_get(root, "chosen"), *vr = json_get(root, "rejected"), *vp = json_get(root, "prompt");
    if (!vc || !vr) {
        bad(reason, CMP_BAD_MISSING, e, "field '%s' missing%s", !vc ? "chosen" : "rejected", "");
        goto done;
    }
    const char *c, *r, *p;
    size_t cn, rn, pn;
    if (field_text(vc, "chosen", &tc, &c, &cn, reason, e) != 0) goto done;
    if (field_text(vr, "rejected", &tr, &r, &rn, reason, e) != 0) goto done;
    if (!vp) {
        rc = parse_hh(c, cn, r, rn, out, buf, cap, reason, e);
    } else {
        if (field_text(vp, "prompt", &tp, &p, &pn, reason, e) != 0) goto done;
        rc = parse_trl(p, pn, c, cn, r, rn, out, buf, cap, reason, e);
    }
done:
    jb_free(&tc);
    jb_free(&tr);
    jb_free(&tp);
    json_doc_free(doc);
    return rc;
}

/* ---- streaming reader ----------------------------------------------------- */

#define READ_CHUNK (256 * 1024)

struct ComparisonReader {
    gzFile gz;
    char *path;
    ComparisonOpts o;
    char *chunk;            /* raw bytes from gzread */
    size_t chunk_len, chunk_pos;
    int eof;
    char *line;             /* the current line, grown to fit any length */
    size_t line_len, line_cap;
    long lineno;
    char *row;              /* the current comparison's strings */
    size_t row_cap;
    ComparisonCounts counts;
};

ComparisonReader *comparison_reader_open(const char *path, const ComparisonOpts *o, RlhfErr *e) {
    ComparisonReader *r = rlhf_calloc(1, sizeof *r, e);
    if (!r) return NULL;
    if (o) r->o = *o;
    r->path = strdup(path);
    r->chunk = malloc(READ_CHUNK);
    if (!r->path || !r->chunk) {
        rlhf_err(e, "%s: out of memory", path);
        goto fail;
    }
    /* gzread reads plain files transparently, so one path serves both. */
    r->gz = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(dup(0), "rb");
    if (!r->gz) {
        rlhf_err(e, "%s: cannot open: %s", path, errno ? strerror(errno) : "gzopen failed");
        goto fail;
    }
    gzbuffer(r->gz, 128 * 1024);
    return r;
fail:
    free(r->path);
    free(r->chunk);
    free(r);
    return NULL;
}

/* Next line into r->line (without "\n" / "\r\n"). 1: a line; 0: EOF; -1: error. */
static int read_line(ComparisonReader *r, RlhfErr *e) {
    r->line_len = 0;
    int got = 0;
    for (;;) {
        if (r->chunk_pos == r->chunk_len) {
            if (r->eof) break;
            int n = gzread(r->gz, r->chunk, READ_CHUNK);
            if (n < 0) {
                int err;
                const char *msg = gzerror(r->gz, &err);
                return rlhf_err(e, "%s:%ld: read error: %s", r->path, r->lineno + 1, msg);
            }
            if (n == 0) { r->eof = 1; break; }
            r->chunk_len = (size_t)n;
            r->chunk_pos = 0;
        }
        const char *s = r->chunk + r->chunk_pos;
        size_t avail = r->chunk_len - r->chunk_pos;
        const char *nl = memchr(s, '\n', avail);
        size_t take = nl ? (size_t)(nl - s) : avail;
        if (r->line_len + take + 1 > r->line_cap) {
            size_t nc = r->line_cap ? r->line_cap : 65536;
            while (nc < r->line_len + take + 1) nc *= 2;
            char *nb = realloc(r->line, nc);
            if (!nb) return rlhf_err(e, "%s:%ld: out of memory (line of %zu bytes)", r->path, r->lineno + 1, nc);
            r->line = nb;
            r->line_cap = nc;
        }
        memcpy(r->line + r->line_len, s, take);
        r->line_len += take;
        r->chunk_pos += take + (nl ? 1 : 0);
        got = 1;
        if (nl) break;
    }
    if (!got) return 0;
    if (r->line_len && r->line[r->line_len - 1] == '\r') r->line_len--;
    r->line[r->line_len] = 0;
    r->lineno++;
    return 1;
}

int comparison_reader_next(ComparisonReader *r, Comparison *out, RlhfErr *e) {
    for (;;) {
        int got = read_line(r, e);
        if (got <= 0) return got;
        size_t i = 0;
        while (i < r->line_len && is_ws(r->line[i])) i++;
        if (i == r->line_len) continue;   /* blank lines are not rows */
        r->counts.lines++;
        int reason = 0;
        RlhfErr re;
        if (comparison_parse_row(r->line, r->line_len, out, &r->row, &r->row_cap, &reason, &re) != 0) {
            if (r->o.skip_bad) {
                r->counts.bad[reason]++;
                continue;
            }
            return rlhf_err(e, "%s:%ld: %s", r->path, r->lineno, re.msg);
        }
        out->line = r->lineno;
        out->source = 0;
        if (out->chosen_len == out->rejected_len && !memcmp(out->chosen, out->rejected, out->chosen_len)) {
            r->counts.ties++;
            if (!r->o.keep_ties) continue;
        }
        if (r->o.split_nparts > 0) {
            uint64_t k = split_key(out->prompt, out->prompt_len, r->o.split_salt);
            if (split_of_key(k, r->o.split_fractions, r->o.split_nparts) != r->o.split_part) {
                r->counts.filtered++;
                continue;
            }
        }
        r->counts.kept++;
        return 1;
    }
}

const ComparisonCounts *comparison_reader_counts(const ComparisonReader *r) { return &r->counts; }

void comparison_reader_close(ComparisonReader *r) {
    if (!r) return;
    if (r->gz) gzclose(r->gz);
    free(r->path);
    free(r->chunk);
    free(r->line);
    free(r->row);
    free(r);
}

/* ---- in-memory sets ------------------------------------------------------- */

int comparison_set_add(ComparisonSet *s, const Comparison *c, RlhfErr *e) {
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 1024;
        Comparison *ni = realloc(s->items, nc * sizeof *ni);
        if (!ni) return rlhf_err(e, "out of memory (%zu comparisons)", nc);
        s->items = ni;
        s->cap = nc;
    }
    Comparison *d = &s->items[s->n];
    *d = *c;
    char *buf = NULL;
    size_t cap = 0;
    if (store(d, &buf, &cap, "", 0, c->prompt, c->prompt_len, c->chosen, c->chosen_len, c->rejected, c->rejected_len,
              e) != 0)
        return -1;
    s->n++;
    return 0;
}

void comparison_set_free(ComparisonSet *s) {
    for (size_t i = 0; i < s->n; i++) free((char *)s->items[i].prompt);
    free(s->items);
    memset(s, 0, sizeof *s);
}

int comparisons_load_all(const char *const *files, int nfiles, const ComparisonOpts *o, ComparisonSet *out,
                         RlhfErr *e) {
    for (int f = 0; f < nfiles; f++) {
        ComparisonReader *r = comparison_reader_open(files[f], o, e);
        if (!r) return -1;
        Comparison c;
        int got;
        while ((got = comparison_reader_next(r, &c, e)) == 1) {
            c.source = f;
            if (comparison_set_add(out, &c, e) != 0) { got = -1; break; }
        }
        comparison_counts_add(&out->counts, comparison_reader_counts(r));
        comparison_reader_close(r);
        if (got < 0) return -1;
    }
    return 0;
}

/* ---- writing -------------------------------------------------------------- */

void comparison_transcript(const Comparison *c, int which, JsonBuf *out) {
    const char *reply = which ? c->rejected : c->chosen;
    size_t n = which ? c->rejected_len : c->chosen_len;
    jb_rawn(out, c->prompt, c->prompt_len);
    jb_raw(out, TRANSCRIPT_ASSISTANT " ");   /* HH writes the space even before an empty reply */
    jb_rawn(out, reply, n);
}

int comparison_write_hh(FILE *f, const Comparison *c, JsonBuf *scratch, RlhfErr *e) {
    JsonBuf t;
    jb_init(&t);
    jb_reset(scratch);
    jb_raw(scratch, "{\"chosen\": ");
    comparison_transcript(c, 0, &t);
    jb_strn(scratch, t.data ? t.data : "", t.len);
    jb_reset(&t);
    jb_raw(scratch, ", \"rejected\": ");
    comparison_transcript(c, 1, &t);
    jb_strn(scratch, t.data ? t.data : "", t.len);
    jb_raw(scratch, "}\n");
    int oom = scratch->oom || t.oom;
    jb_free(&t);
    if (oom) return rlhf_err(e, "out of memory writing a comparison");
    if (fwrite(scratch->data, 1, scratch->len, f) != scratch->len) return rlhf_err(e, "write failed: %s", strerror(errno));
    return 0;
}
