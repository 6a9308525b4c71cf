/* judge.c — loading, saving and batched scoring of a preference model, and the
 * two-dial combined reward. */
#include "judge/judge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "model/model_file.h"
#include "util/json.h"

static void judge_zero(Judge *j) {
    memset(j, 0, sizeof *j);
    j->scale = 1.0f;
    j->batch = JUDGE_DEFAULT_BATCH;
}

int judge_from_model(Judge *j, GPT2 *lm, Tokenizer *tok, const char *kind, int max_len, RlhfErr *e) {
    judge_zero(j);
    j->model = *lm;
    memset(lm, 0, sizeof *lm);
    j->tok = tok;
    if (!(j->model.heads & GPT2_HEAD_SCALAR) && gpt2_add_heads(&j->model, GPT2_HEAD_SCALAR, e)) {
        judge_free(j);
        return -1;
    }
    j->eot = tok_eot(tok);
    if (j->eot < 0 || j->eot >= j->model.cfg.vocab_size) {
        judge_free(j);
        return rlhf_err(e, "judge: the tokenizer has no <|endoftext|> token inside the model's vocabulary");
    }
    if (tok_vocab_size(tok) > j->model.cfg.vocab_size) {
        int tv = tok_vocab_size(tok), mv = j->model.cfg.vocab_size;
        judge_free(j);
        return rlhf_err(e, "judge: tokenizer has %d tokens, the model only %d", tv, mv);
    }
    j->max_len = max_len > 0 && max_len < j->model.cfg.max_seq_len ? max_len : j->model.cfg.max_seq_len;
    snprintf(j->kind, sizeof j->kind, "%s", kind && *kind ? kind : "judge");
    return 0;
}

int judge_load(Judge *j, const char *path, RlhfErr *e) {
    GPT2 m;
    Tokenizer *tok = NULL;
    CkptBlobs blobs = {0};
    judge_zero(j);
    if (model_file_load(path, &m, &tok, NULL, NULL, &blobs, e)) return -1;
    if (!(m.heads & GPT2_HEAD_SCALAR)) {
        gpt2_free(&m);
        tok_free(tok);
        ckpt_blobs_free(&blobs);
        return rlhf_err(e, "%s: not a judge (the model has no scalar head; train one with rlhf judge train)", path);
    }
    const CkptBlob *off = ckpt_blobs_find(&blobs, CKPT_BLOB_JUDGE_OFFSET);
    const CkptBlob *meta = ckpt_blobs_find(&blobs, CKPT_BLOB_JUDGE_META);
    char kind[JUDGE_KIND_MAX] = "judge";
    int max_len = 0;
    if (meta && !meta->is_float) {
        RlhfErr je;
        JsonDoc *d = json_parse(meta->data, meta->nbytes, &je);
        if (!d) {
            gpt2_free(&m);
            tok_free(tok);
            ckpt_blobs_free(&blobs);
            return rlhf_err(e, "%s: blob '%s': %s", path, CKPT_BLOB_JUDGE_META, je.msg);
        }
        const char *k = json_get_str(json_root(d), "kind");
        double ml;
        if (k) snprintf(kind, sizeof kind, "%s", k);
        if (json_get_num(json_root(d), "max_len", &ml) == 0) max_len = (int)ml;
        json_doc_free(d);
    }
    float offset = 0.0f, scale = 1.0f;
    if (off) {
        if (!off->is_float || off->nbytes < 2 * sizeof(float)) {
            gpt2_free(&m);
            tok_free(tok);
            ckpt_blobs_free(&blobs);
            return rlhf_err(e, "%s: blob '%s': expected 2 floats {offset, scale}", path, CKPT_BLOB_JUDGE_OFFSET);
        }
        const float *f = off->data;
        offset = f[0];
        scale = f[1];
        if (!(scale > 0.0f) || !isfinite(offset)) {
            gpt2_free(&m);
            tok_free(tok);
            ckpt_blobs_free(&blobs);
            return rlhf_err(e, "%s: blob '%s': offset %g, scale %g (scale must be > 0)", path,
                            CKPT_BLOB_JUDGE_OFFSET, offset, scale);
        }
    }
    ckpt_blobs_free(&blobs);
    if (judge_from_model(j, &m, tok, kind, max_len, e)) return rlhf_err_wrap(e, "%s", path);
    j->offset = offset;
    j->scale = scale;
    return 0;
}

int judge_save(const Judge *j, const char *path, const char *extra_meta_json, RlhfErr *e) {
    float off[2] = {j->offset, j->scale};
    JsonBuf meta;
    jb_init(&meta);
    jb_obj_begin(&meta);
    jb_kv_str(&meta, "kind", j->kind);
    jb_kv_int(&meta, "max_len", j->max_len);
    jb_kv_num(&meta, "offset", j->offset);
    jb_kv_num(&meta, "scale", j->scale);
    if (extra_meta_json && *extra_meta_json) {
        jb_raw(&meta, ",");
        jb_raw(&meta, extra_meta_json);
    }
    jb_obj_end(&meta);
    if (meta.oom) {
        jb_free(&meta);
        return rlhf_err(e, "%s: out of memory", path);
    }
    CkptBlob blobs[2] = {ckpt_blob_floats(CKPT_BLOB_JUDGE_OFFSET, off, 2),
                         ckpt_blob_bytes(CKPT_BLOB_JUDGE_META, meta.data, meta.len)};
    int rc = model_file_save(path, &j->model, j->tok, NULL, NULL, blobs, 2, e);
    jb_free(&meta);
    return rc;
}

DevModel *judge_dev(Judge *j) {
    j->dev.m = &j->model;   /* a Judge may have been moved since dev_open */
    return &j->dev;
}

int judge_use_device(Judge *j, DeviceKind k, RlhfErr *e) {
    if (j->dev.kind == k && (k == DEVICE_CPU || j->dev.g)) return 0;
    dev_close(&j->dev);
    j->reserved_B = j->reserved_T = 0;   /* activations are reserved again on the new device */
    return dev_open(&j->dev, &j->model, k, e);
}

void judge_free(Judge *j) {
    dev_close(&j->dev);
    if (j->model.param_mem) gpt2_free(&j->model);
    if (j->tok) tok_free(j->tok);
    free(j->tokens);
    free(j->mask);
    free(j->pos);
    free(j->out);
    judge_zero(j);
}

int judge_encode(Judge *j, const char *text, size_t len, TokIds *out, RlhfErr *e) {
    out->n = 0;
    if (tok_encode(j->tok, text, len, 0, out, e)) return -1;
    /* room for the EOT: tok_encode grew the buffer, one more may not fit */
    if (out->n + 1 > out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        int *p = realloc(out->ids, cap * sizeof *p);
        if (!p) return rlhf_err(e, "judge_encode: out of memory");
        out->ids = p;
        out->cap = cap;
    }
    out->ids[out->n++] = j->eot;
    if (out->n > (size_t)j->max_len) {   /* keep the end: the reply and its EOT */
        size_t drop = out->n - (size_t)j->max_len;
        memmove(out->ids, out->ids + drop, (size_t)j->max_len * sizeof *out->ids);
        out->n = (size_t)j->max_len;
    }
    return 0;
}

/* Grows the scoring scratch and the model's activations for batch × max_len. */
static int judge_reserve(Judge *j, RlhfErr *e) {
    if (j->reserved_B >= j->batch && j->reserved_T >= j->max_len) return 0;
    int B = j->batch, T = j->max_len;
    free(j->tokens);
    free(j->mask);
    free(j->pos);
    free(j->out);
    j->tokens = rlhf_malloc((size_t)B * T * sizeof *j->tokens, e);
    j->mask = rlhf_malloc((size_t)B * T, e);
    j->pos = rlhf_malloc((size_t)B * sizeof *j->pos, e);
    j->out = rlhf_malloc((size_t)B * sizeof *j->out, e);
    j->reserved_B = j->reserved_T = 0;
    if (!j->tokens || !j->mask || !j->pos || !j->out) return -1;
    if (dev_reserve(judge_dev(j), B, T, 0, e)) return -1;
    j->reserved_B = B;
    j->reserved_T = T;
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Indices 0..n-1 ordered longest first (ties by index): each key packs
 * (INT32_MAX − length, index) so a plain qsort needs no context. */
static int sort_by_len(int *order, const int *lens, int n, RlhfErr *e) {
    uint64_t *keys = rlhf_malloc((size_t)n * sizeof *keys, e);
    if (!keys) return -1;
    for (int i = 0; i < n; i++) keys[i] = ((uint64_t)(uint32_t)(INT32_MAX - lens[i]) << 32) | (uint32_t)i;
    qsort(keys, (size_t)n, sizeof *keys, cmp_u64);
    for (int i = 0; i < n; i++) order[i] = (int)(keys[i] & 0xffffffffu);
    free(keys);
    return 0;
}

int judge_score_ids(Judge *j, const int *const *ids, const int *lens, int n, float *raw_out, RlhfErr *e) {
    if (n <= 0) return 0;
    if (judge_reserve(j, e)) return -1;
    int *order = rlhf_malloc((size_t)n * sizeof *order, e);
    if (!order) return -1;
    for (int i = 0; i < n; i++)
        if (lens[i] < 1 || lens[i] > j->max_len) {
            free(order);
            return rlhf_err(e, "judge_score_ids: row %d has %d tokens (need 1..%d)", i, lens[i], j->max_len);
        }
    if (sort_by_len(order, lens, n, e)) {
        free(order);
        return -1;
    }
    for (int s = 0; s < n; s += j->batch) {
        int B = RLHF_MIN(j->batch, n - s);
        int T = lens[order[s]];   /* longest of this batch */
        for (int b = 0; b < B; b++) {
            int i = order[s + b], L = lens[i];
            memcpy(j->tokens + (size_t)b * T, ids[i], (size_t)L * sizeof(int));
            memset(j->mask + (size_t)b * T, 1, (size_t)L);
            for (int t = L; t < T; t++) {   /* right padding */
                j->tokens[(size_t)b * T + t] = j->eot;
                j->mask[(size_t)b * T + t] = 0;
            }
            j->pos[b] = L - 1;
        }
        dev_forward(judge_dev(j), j->tokens, j->mask, B, T);
        dev_scalar_forward(judge_dev(j), j->pos, j->out);
        for (int b = 0; b < B; b++) raw_out[order[s + b]] = j->out[b];
    }
    free(order);
    return dev_status(judge_dev(j), e);
}

int judge_score_raw(Judge *j, const char *const *texts, const size_t *lens, int n, float *raw_out, RlhfErr *e) {
    if (n <= 0) return 0;
    int rc = -1;
    TokIds *enc = rlhf_calloc((size_t)n, sizeof *enc, e);
    const int **ids = rlhf_calloc((size_t)n, sizeof *ids, e);
    int *ilens = rlhf_calloc((size_t)n, sizeof *ilens, e);
    if (!enc || !ids || !ilens) goto done;
    for (int i = 0; i < n; i++) {
        size_t len = lens ? lens[i] : strlen(texts[i]);
        if (judge_encode(j, texts[i], len, &enc[i], e)) { rlhf_err_wrap(e, "transcript %d", i); goto done; }
        ids[i] = enc[i].ids;
        ilens[i] = (int)enc[i].n;
    }
    rc = judge_score_ids(j, ids, ilens, n, raw_out, e);
done:
    if (enc)
        for (int i = 0; i < n; i++) tok_ids_free(&enc[i]);
    free(enc);
    free(ids);
    free(ilens);
    return rc;
}

int judge_score_texts(Judge *j, const char *const *texts, int n, float *z_out, RlhfErr *e) {
    if (judge_score_raw(j, texts, NULL, n, z_out, e)) return -1;
    for (int i = 0; i < n; i++) z_out[i] = judge_z(j, z_out[i]);
    return 0;
}

/* ---- dials ---------------------------------------------------------------- */

static const struct { const char *name; float help, harm; int capped; } DIAL_PRESETS[] = {
    {"balanced", 1.0f, 1.0f, 0},  {"helpful", 1.0f, 0.25f, 0},  {"harmless", 0.25f, 1.0f, 0},
    {"help-only", 1.0f, 0.0f, 0}, {"harm-only", 0.0f, 1.0f, 0}, {"guarded", 1.0f, 1.0f, 1},
};

const char *dials_presets_help(void) {
    return "balanced=1,1 helpful=1,0.25 harmless=0.25,1 help-only=1,0 harm-only=0,1 guarded=1,1,0, or "
           "W_HELP,W_HARM[,HARM_CAP]";
}

int dials_parse(const char *s, Dials *d, RlhfErr *e) {
    if (!s || !*s) return rlhf_err(e, "dials: empty setting (%s)", dials_presets_help());
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < RLHF_ARRAY_LEN(DIAL_PRESETS); i++)
        if (!strcmp(s, DIAL_PRESETS[i].name)) {
            d->w_help = DIAL_PRESETS[i].help;
            d->w_harm = DIAL_PRESETS[i].harm;
            d->harm_capped = DIAL_PRESETS[i].capped;
            return 0;
        }
    double v[3];
    int nv = 0;
    const char *p = s;
    int bad = 0;
    for (;;) {   /* numbers separated by single commas, nothing after the last */
        char *end;
        v[nv] = strtod(p, &end);
        if (end == p) { bad = 1; break; }
        nv++;
        p = end;
        if (*p != ',' || nv == 3) break;
        p++;
    }
    if (bad || nv < 2 || *p) return rlhf_err(e, "dials '%s': not a preset or W_HELP,W_HARM[,HARM_CAP] (%s)", s, dials_presets_help());
    for (int i = 0; i < nv; i++)
        if (!isfinite(v[i])) return rlhf_err(e, "dials '%s': weights must be finite", s);
    d->w_help = (float)v[0];
    d->w_harm = (float)v[1];
    if (nv == 3) { d->harm_capped = 1; d->harm_cap = (float)v[2]; }
    return 0;
}

int reward_score(RewardModel *rm, const char *const *texts, int n, float *reward, float *z_help, float *z_harm,
                 RlhfErr *e) {
    if (n <= 0) return 0;
    float *zh = rlhf_malloc((size_t)n * sizeof *zh, e), *zs = rlhf_malloc((size_t)n * sizeof *zs, e);
    int rc = -1;
    if (!zh || !zs) goto done;
    for (int i = 0; i < n; i++) zh[i] = zs[i] = 0.0f;
    if (rm->help && judge_score_texts(rm->help, texts, n, zh, e)) { rlhf_err_wrap(e, "helpfulness judge"); goto done; }
    if (rm->harm && judge_score_texts(rm->harm, texts, n, zs, e)) { rlhf_err_wrap(e, "harmlessness judge"); goto done; }
    for (int i = 0; i < n; i++) {
        float harm = rm->dials.harm_capped && zs[i] > rm->dials.harm_cap ? rm->dials.harm_cap : zs[i];
        reward[i] = (rm->help ? rm->dials.w_help * zh[i] : 0.0f) + (rm->harm ? rm->dials.w_harm * harm : 0.0f);
        if (z_help) z_help[i] = zh[i];
        if (z_harm) z_harm[i] = zs[i];
    }
    rc = 0;
done:
    free(zh);
    free(zs);
    return rc;
}

int reward_fn_model(void *ctx, const char *const *texts, int n, float *reward, RlhfErr *e) {
    return reward_score(ctx, texts, n, reward, NULL, NULL, e);
}
