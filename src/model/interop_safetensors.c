/* interop_safetensors.c — see interop_safetensors.h. Import runs in two
 * passes: plan() maps every header entry to one of our tensors (layer,
 * transpose) and infers the config without touching the data; then each entry
 * is read once, converted to fp32 and transposed into place. */
#include "model/interop_safetensors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "util/json.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "interop_safetensors.c reads little-endian data in host order"
#endif

#define ST_MAX_HEADER (256u << 20)

enum { ST_F32, ST_F16, ST_BF16, ST_F64, ST_OTHER };
static const char *ST_DTYPE_NAMES[] = {"F32", "F16", "BF16", "F64"};
static const int ST_DTYPE_SIZE[] = {4, 2, 2, 8};

/* What an entry is for. */
enum { ROLE_PARAM, ROLE_IGNORE, ROLE_LM_HEAD };

typedef struct StEntry {
    const char *name;        /* full name as in the file (owned by the JSON doc) */
    int dtype;               /* ST_* */
    const char *dtype_name;
    int ndim;
    long long shape[8];
    uint64_t begin, end;     /* relative to the data area */
    int role, tensor, layer, transpose;
} StEntry;

typedef struct StFile {
    const char *path;
    FILE *f;
    uint64_t file_bytes, data_start, data_len;
    JsonDoc *doc;
    char *json;
    StEntry *ents;
    int n;
} StFile;

/* Layer tensors: HF suffix → our tensor index; Conv1D weights are transposed. */
static const struct { const char *suffix; int tensor, transpose; } LAYER_MAP[12] = {
    {"ln_1.weight", 2, 0},        {"ln_1.bias", 3, 0},      {"attn.c_attn.weight", 4, 1}, {"attn.c_attn.bias", 5, 0},
    {"attn.c_proj.weight", 6, 1}, {"attn.c_proj.bias", 7, 0}, {"ln_2.weight", 8, 0},      {"ln_2.bias", 9, 0},
    {"mlp.c_fc.weight", 10, 1},   {"mlp.c_fc.bias", 11, 0}, {"mlp.c_proj.weight", 12, 1}, {"mlp.c_proj.bias", 13, 0}};
static const struct { const char *name; int tensor; } GLOBAL_MAP[4] = {
    {"wte.weight", 0}, {"wpe.weight", 1}, {"ln_f.weight", 14}, {"ln_f.bias", 15}};

static void st_close(StFile *s) {
    if (s->f) fclose(s->f);
    json_doc_free(s->doc);
    free(s->json);
    free(s->ents);
    memset(s, 0, sizeof *s);
}

static int as_u64(const JsonValue *v, uint64_t *out) {
    if (!v || v->type != JSON_NUMBER || v->number < 0 || v->number > 9007199254740992.0 || v->number != floor(v->number))
        return -1;
    *out = (uint64_t)v->number;
    return 0;
}

static int st_open(const char *path, StFile *s, RlhfErr *e) {
    memset(s, 0, sizeof *s);
    s->path = path;
    s->f = rlhf_open_regular(path, &s->file_bytes, e);
    if (!s->f) return -1;
    uint8_t lenb[8];
    if (s->file_bytes < 8 || fread(lenb, 1, 8, s->f) != 8) {
        rlhf_err(e, "%s: truncated: %llu bytes, too short for a safetensors header", path, (unsigned long long)s->file_bytes);
        st_close(s);
        return -1;
    }
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)lenb[i] << (8 * i);
    if (hlen > ST_MAX_HEADER || hlen > s->file_bytes - 8) {
        unsigned long long fb = (unsigned long long)s->file_bytes;
        rlhf_err(e, "%s: field 'header_size': %llu bytes, the file has %llu (truncated or not safetensors)", path,
                 (unsigned long long)hlen, fb);
        st_close(s);
        return -1;
    }
    s->data_start = 8 + hlen;
    s->data_len = s->file_bytes - s->data_start;
    s->json = rlhf_malloc(hlen + 1, e);
    if (!s->json) { st_close(s); return -1; }
    if (fread(s->json, 1, hlen, s->f) != hlen) { rlhf_err(e, "%s: read error in the header", path); st_close(s); return -1; }
    s->json[hlen] = 0;
    s->doc = json_parse(s->json, hlen, e);
    if (!s->doc) { rlhf_err_wrap(e, "%s: JSON header", path); st_close(s); return -1; }
    const JsonValue *root = json_root(s->doc);
    if (!root || root->type != JSON_OBJECT) { rlhf_err(e, "%s: JSON header is not an object", path); st_close(s); return -1; }
    s->ents = rlhf_calloc(root->len ? root->len : 1, sizeof(StEntry), e);
    if (!s->ents) { st_close(s); return -1; }
    for (size_t i = 0; i < root->len; i++) {
        const char *name = root->keys[i];
        const JsonValue *v = root->items[i];
        if (!strcmp(name, "__metadata__")) continue;
        StEntry *en = &s->ents[s->n++];
        en->name = name;
        if (v->type != JSON_OBJECT) { rlhf_err(e, "%s: tensor '%s': not an object", path, name); st_close(s); return -1; }
        const char *dt = json_get_str(v, "dtype");
        const JsonValue *shape = json_get(v, "shape"), *offs = json_get(v, "data_offsets");
        if (!dt) { rlhf_err(e, "%s: tensor '%s': field 'dtype' missing", path, name); st_close(s); return -1; }
        en->dtype_name = dt;
        en->dtype = ST_OTHER;
        for (int d = 0; d < ST_OTHER; d++)
            if (!strcmp(dt, ST_DTYPE_NAMES[d])) en->dtype = d;
        if (!shape || shape->type != JSON_ARRAY || shape->len > 8) {
            rlhf_err(e, "%s: tensor '%s': field 'shape' missing or not an array of at most 8 dims", path, name);
            st_close(s);
            return -1;
        }
        en->ndim = (int)shape->len;
        for (int d = 0; d < en->ndim; d++) {
            uint64_t x;
            if (as_u64(shape->items[d], &x) || x > (1ull << 40)) {
                rlhf_err(e, "%s: tensor '%s': field 'shape': dim %d is not a sane non-negative integer", path, name, d);
                st_close(s);
                return -1;
            }
            en->shape[d] = (long long)x;
        }
        if (!offs || offs->type != JSON_ARRAY || offs->len != 2 || as_u64(offs->items[0], &en->begin) ||
            as_u64(offs->items[1], &en->end) || en->begin > en->end) {
            rlhf_err(e, "%s: tensor '%s': field 'data_offsets' is not [begin, end]", path, name);
            st_close(s);
            return -1;
        }
        if (en->end > s->data_len) {
            rlhf_err(e, "%s: tensor '%s': field 'data_offsets': [%llu, %llu) past the end of the data (%llu bytes): truncated?",
                     path, name, (unsigned long long)en->begin, (unsigned long long)en->end,
                     (unsigned long long)s->data_len);
            st_close(s);
            return -1;
        }
        if (en->dtype != ST_OTHER) {
            uint64_t numel = 1;
            int absurd = 0;
            for (int d = 0; d < en->ndim; d++) {
                uint64_t x = (uint64_t)en->shape[d];
                if (x && numel > (UINT64_MAX / 8) / x) absurd = 1;
                else numel *= x;
            }
            if (absurd || numel * (uint64_t)ST_DTYPE_SIZE[en->dtype] != en->end - en->begin) {
                rlhf_err(e, "%s: tensor '%s': %llu elements of %s need %llu bytes, data_offsets give %llu", path, name,
                         (unsigned long long)numel, dt, (unsigned long long)(numel * (uint64_t)ST_DTYPE_SIZE[en->dtype]),
                         (unsigned long long)(en->end - en->begin));
                st_close(s);
                return -1;
            }
        }
    }
    return 0;
}

/* Reads n_head from a config.json beside path: 0 if absent, -1 on error. */
static int n_head_from_config_json(const char *path, int *n_head, RlhfErr *e) {
    *n_head = 0;
    size_t pl = strlen(path);
    char *cj = rlhf_malloc(pl + 16, e);
    if (!cj) return -1;
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    memcpy(cj, path, dl);
    strcpy(cj + dl, "config.json");
    if (!rlhf_file_exists(cj)) { free(cj); return 0; }
    char *text;
    size_t len;
    if (rlhf_read_file(cj, &text, &len, e)) { free(cj); return -1; }
    JsonDoc *doc = json_parse(text, len, e);
    int rc = 0;
    if (!doc) rc = rlhf_err_wrap(e, "%s", cj);
    else {
        double x;
        if (json_get_num(json_root(doc), "n_head", &x) && json_get_num(json_root(doc), "num_attention_heads", &x)) x = 0;
        if (x != 0 && (x < 1 || x > 4096 || x != floor(x))) rc = rlhf_err(e, "%s: field 'n_head': %g", cj, x);
        else *n_head = (int)x;
    }
    json_doc_free(doc);
    free(text);
    free(cj);
    return rc;
}

/* Maps every entry to a role / tensor / layer and infers the config. */
static int plan(StFile *s, int n_head, GPT2Config *cfg, RlhfErr *e) {
    const char *path = s->path;
    int max_layer = -1;
    const StEntry *wte = NULL, *wpe = NULL;
    for (int i = 0; i < s->n; i++) {
        StEntry *en = &s->ents[i];
        const char *nm = en->name;
        if (!strncmp(nm, "transformer.", 12)) nm += 12;
        en->role = -1;
        en->layer = -1;
        for (int g = 0; g < 4; g++)
            if (!strcmp(nm, GLOBAL_MAP[g].name)) { en->role = ROLE_PARAM; en->tensor = GLOBAL_MAP[g].tensor; }
        if (!strcmp(nm, "lm_head.weight")) en->role = ROLE_LM_HEAD;
        if (!strncmp(nm, "h.", 2)) {
            char *end;
            long l = strtol(nm + 2, &end, 10);
            if (end != nm + 2 && *end == '.' && l >= 0 && l < 256) {
                const char *suf = end + 1;
                if (!strcmp(suf, "attn.bias") || !strcmp(suf, "attn.masked_bias")) en->role = ROLE_IGNORE;
                for (int k = 0; k < 12; k++)
                    if (!strcmp(suf, LAYER_MAP[k].suffix)) {
                        en->role = ROLE_PARAM;
                        en->tensor = LAYER_MAP[k].tensor;
                        en->transpose = LAYER_MAP[k].transpose;
                        en->layer = (int)l;
                        if (l > max_layer) max_layer = (int)l;
                    }
            }
        }
        if (en->role < 0)
            return rlhf_err(e, "%s: tensor '%s': not a GPT-2 tensor (expected wte/wpe/h.N.*/ln_f/lm_head names)", path, en->name);
        if (en->role != ROLE_IGNORE && en->dtype == ST_OTHER)
            return rlhf_err(e, "%s: tensor '%s': field 'dtype': %s not supported (F32, F16, BF16, F64)", path, en->name,
                            en->dtype_name);
        if (en->role == ROLE_PARAM && en->tensor == 0) wte = en;
        if (en->role == ROLE_PARAM && en->tensor == 1) wpe = en;
    }
    if (!wte || wte->ndim != 2) return rlhf_err(e, "%s: tensor 'wte.weight': %s", path, wte ? "not 2-D (V, C)" : "missing");
    if (!wpe || wpe->ndim != 2) return rlhf_err(e, "%s: tensor 'wpe.weight': %s", path, wpe ? "not 2-D (T, C)" : "missing");
    if (max_layer < 0) return rlhf_err(e, "%s: no transformer blocks (h.0.*) found", path);
    if (wte->shape[0] > 1000000 || wte->shape[1] > 16384 || wpe->shape[0] > 65536)
        return rlhf_err(e, "%s: tensor 'wte.weight'/'wpe.weight': absurd shape", path);
    memset(cfg, 0, sizeof *cfg);
    cfg->vocab_size = (int)wte->shape[0];
    cfg->n_embd = (int)wte->shape[1];
    cfg->max_seq_len = (int)wpe->shape[0];
    cfg->n_layer = max_layer + 1;
    if (wpe->shape[1] != cfg->n_embd)
        return rlhf_err(e, "%s: tensor 'wpe.weight': width %lld, wte.weight has %d", path, wpe->shape[1], cfg->n_embd);
    if (n_head <= 0 && n_head_from_config_json(path, &n_head, e)) return -1;
    if (n_head <= 0) {
        if (cfg->n_embd % 64)
            return rlhf_err(e, "%s: cannot infer n_head for width %d (not a multiple of 64): give --n-head or a config.json",
                            path, cfg->n_embd);
        n_head = cfg->n_embd / 64;
    }
    cfg->n_head = n_head;
    if (gpt2_config_validate(cfg, e)) return rlhf_err_wrap(e, "%s: inferred config", path);
    return 0;
}

/* Per-layer shape of our tensor t and the shape HF stores it in. */
static int expected_shape(const GPT2Tensor *t, int per_layer, int transpose, long long *hf) {
    int off = per_layer ? 1 : 0, nd = t->ndim - off;
    for (int d = 0; d < nd; d++) hf[d] = t->shape[off + d];
    if (transpose) { long long x = hf[0]; hf[0] = hf[1]; hf[1] = x; }
    return nd;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, ex = (h >> 10) & 0x1fu, man = h & 0x3ffu, u;
    if (ex == 0) {
        float f = (float)man * (1.0f / 16777216.0f);   /* subnormal: man · 2^-24 */
        memcpy(&u, &f, 4);
        u |= sign;
    } else if (ex == 31) {
        u = sign | 0x7f800000u | (man << 13);
    } else {
        u = sign | ((ex + 112u) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void to_f32(const void *raw, int dtype, float *out, size_t n) {
    const uint8_t *p = raw;
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case ST_F32: memcpy(&out[i], p + 4 * i, 4); break;
        case ST_F16: { uint16_t h; memcpy(&h, p + 2 * i, 2); out[i] = half_to_float(h); break; }
        case ST_BF16: { uint16_t h; memcpy(&h, p + 2 * i, 2); uint32_t u = (uint32_t)h << 16; memcpy(&out[i], &u, 4); break; }
        case ST_F64: { double d; memcpy(&d, p + 8 * i, 8); out[i] = (float)d; break; }
        }
    }
}

/* dst (rows, cols) = src (cols, rows)^T */
static void transpose(float *dst, const float *src, size_t rows, size_t cols) {
    enum { BS = 32 };
    for (size_t r0 = 0; r0 < rows; r0 += BS)
        for (size_t c0 = 0; c0 < cols; c0 += BS)
            for (size_t r = r0; r < r0 + BS && r < rows; r++)
                for (size_t c = c0; c < c0 + BS && c < cols; c++) dst[r * cols + c] = src[c * rows + r];
}

static int read_raw(StFile *s, const StEntry *en, void *dst, RlhfErr *e) {
    size_t n = (size_t)(en->end - en->begin);
    if (fseeko(s->f, (off_t)(s->data_start + en->begin), SEEK_SET) != 0 || fread(dst, 1, n, s->f) != n)
        return rlhf_err(e, "%s: tensor '%s': read failed at byte %llu", s->path, en->name,
                        (unsigned long long)(s->data_start + en->begin));
    return 0;
}

int safetensors_import(const char *path, int n_head, GPT2 *m, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    StFile s;
    if (st_open(path, &s, e)) return -1;
    GPT2Config cfg;
    unsigned char *seen = NULL;
    void *raw = NULL;
    float *tmp = NULL;
    if (plan(&s, n_head, &cfg, e)) goto fail;
    if (gpt2_create(m, &cfg, 0, e)) { rlhf_err_wrap(e, "%s", path); goto fail; }
    int L = cfg.n_layer;
    seen = rlhf_calloc((size_t)GPT2_NUM_BASE_TENSORS * (size_t)L, 1, e);
    if (!seen) goto fail;

    /* Validate every shape first and size the scratch buffers once. */
    size_t raw_cap = 0, tmp_cap = 0;
    for (int i = 0; i < s.n; i++) {
        StEntry *en = &s.ents[i];
        if (en->role == ROLE_IGNORE) continue;
        const GPT2Tensor *t = &m->tensors[en->role == ROLE_LM_HEAD ? 0 : en->tensor];
        int per_layer = en->role == ROLE_PARAM && en->layer >= 0;
        long long hf[3] = {0, 0, 0};
        int nd = expected_shape(t, per_layer, en->transpose, hf);
        int same = nd == en->ndim;
        for (int d = 0; same && d < nd; d++) same = hf[d] == en->shape[d];
        if (!same) {
            char want[64], got[96];
            size_t a = 0, b = 0;
            for (int d = 0; d < nd; d++) a += (size_t)snprintf(want + a, sizeof want - a, "%s%lld", d ? ", " : "", hf[d]);
            for (int d = 0; d < en->ndim && b < sizeof got; d++) b += (size_t)snprintf(got + b, sizeof got - b, "%s%lld", d ? ", " : "", en->shape[d]);
            rlhf_err(e, "%s: tensor '%s': field 'shape': (%s), the inferred config (n_layer %d, n_embd %d, vocab %d, context %d) needs (%s)",
                     path, en->name, got, L, cfg.n_embd, cfg.vocab_size, cfg.max_seq_len, want);
            goto fail;
        }
        if (en->role == ROLE_PARAM) {
            if (en->layer >= L) continue;   /* unreachable: L = max layer + 1 */
            unsigned char *sn = &seen[(size_t)en->tensor * (size_t)L + (size_t)(en->layer < 0 ? 0 : en->layer)];
            if (*sn) { rlhf_err(e, "%s: tensor '%s': appears twice (with and without the 'transformer.' prefix?)", path, en->name); goto fail; }
            *sn = 1;
        }
        size_t nb = (size_t)(en->end - en->begin), numel = nb / (size_t)ST_DTYPE_SIZE[en->dtype];
        if (en->dtype != ST_F32 || en->transpose || en->role == ROLE_LM_HEAD) raw_cap = RLHF_MAX(raw_cap, nb);
        if (en->transpose || en->role == ROLE_LM_HEAD) tmp_cap = RLHF_MAX(tmp_cap, numel);
    }
    for (int t = 0; t < GPT2_NUM_BASE_TENSORS; t++) {
        int per_layer = t >= 2 && t <= 13;
        for (int l = 0; l < (per_layer ? L : 1); l++)
            if (!seen[(size_t)t * (size_t)L + (size_t)l]) {
                char nm[64];
                if (per_layer) {
                    for (int k = 0; k < 12; k++)
                        if (LAYER_MAP[k].tensor == t) snprintf(nm, sizeof nm, "h.%d.%s", l, LAYER_MAP[k].suffix);
                } else {
                    for (int g = 0; g < 4; g++)
                        if (GLOBAL_MAP[g].tensor == t) snprintf(nm, sizeof nm, "%s", GLOBAL_MAP[g].name);
                }
                rlhf_err(e, "%s: tensor '%s': missing", path, nm);
                goto fail;
            }
    }
    raw = rlhf_malloc(raw_cap, e);
    tmp = rlhf_malloc(tmp_cap * sizeof(float), e);
    if (!raw || !tmp) goto fail;

    const StEntry *lm_head = NULL;
    for (int i = 0; i < s.n; i++) {
        const StEntry *en = &s.ents[i];
        if (en->role == ROLE_LM_HEAD) lm_head = en;
        if (en->role != ROLE_PARAM) continue;
        const GPT2Tensor *t = &m->tensors[en->tensor];
        size_t per = en->layer >= 0 ? t->numel / (size_t)L : t->numel;
        float *dst = m->param_mem + t->offset + (en->layer >= 0 ? (size_t)en->layer * per : 0);
        if (en->dtype == ST_F32 && !en->transpose) {
            if (read_raw(&s, en, dst, e)) goto fail;
            continue;
        }
        if (read_raw(&s, en, raw, e)) goto fail;
        if (!en->transpose) { to_f32(raw, en->dtype, dst, per); continue; }
        to_f32(raw, en->dtype, tmp, per);
        transpose(dst, tmp, (size_t)en->shape[1], (size_t)en->shape[0]);
    }
    if (lm_head) {   /* tied: must equal wte */
        if (read_raw(&s, lm_head, raw, e)) goto fail;
        const GPT2Tensor *t = &m->tensors[0];
        to_f32(raw, lm_head->dtype, tmp, t->numel);
        if (memcmp(tmp, m->param_mem + t->offset, t->numel * sizeof(float)) != 0) {
            rlhf_err(e, "%s: tensor '%s': differs from wte.weight; only tied LM heads are supported", path, lm_head->name);
            goto fail;
        }
    }
    free(raw); free(tmp); free(seen);
    st_close(&s);
    return 0;
fail:
    free(raw); free(tmp); free(seen);
    st_close(&s);
    if (m->param_mem) gpt2_free(m);
    return -1;
}

int safetensors_export(const char *path, const GPT2 *m, RlhfErr *e) {
    const GPT2Config *c = &m->cfg;
    int L = c->n_layer;
    JsonBuf jb;
    jb_init(&jb);
    jb_obj_begin(&jb);
    jb_key(&jb, "__metadata__");
    jb_obj_begin(&jb);
    jb_kv_str(&jb, "format", "pt");
    jb_obj_end(&jb);
    /* Order: wte, wpe, h.0.* .. h.{L-1}.*, ln_f. Offsets run in that order. */
    uint64_t off = 0;
    size_t max_t = 0;
    int nitems = 4 + 12 * L;
    for (int it = 0; it < nitems; it++) {
        char nm[64];
        const GPT2Tensor *t;
        int per_layer = 0, tr = 0;
        if (it < 2) { t = &m->tensors[GLOBAL_MAP[it].tensor]; snprintf(nm, sizeof nm, "%s", GLOBAL_MAP[it].name); }
        else if (it >= nitems - 2) { int g = it - nitems + 4; t = &m->tensors[GLOBAL_MAP[g].tensor]; snprintf(nm, sizeof nm, "%s", GLOBAL_MAP[g].name); }
        else {
            int l = (it - 2) / 12, k = (it - 2) % 12;
            t = &m->tensors[LAYER_MAP[k].tensor];
            tr = LAYER_MAP[k].transpose;
            per_layer = 1;
            snprintf(nm, sizeof nm, "h.%d.%s", l, LAYER_MAP[k].suffix);
        }
        long long hf[3] = {0, 0, 0};
        int nd = expected_shape(t, per_layer, tr, hf);
        uint64_t nb = (per_layer ? t->numel / (size_t)L : t->numel) * 4;
        if (tr) max_t = RLHF_MAX(max_t, (size_t)(nb / 4));
        jb_key(&jb, nm);
        jb_obj_begin(&jb);
        jb_kv_str(&jb, "dtype", "F32");
        jb_key(&jb, "shape");
        jb_arr_begin(&jb);
        for (int d = 0; d < nd; d++) { jb_comma(&jb); jb_printf(&jb, "%lld", hf[d]); }
        jb_arr_end(&jb);
        jb_key(&jb, "data_offsets");
        jb_arr_begin(&jb);
        jb_comma(&jb);
        jb_printf(&jb, "%llu", (unsigned long long)off);
        jb_comma(&jb);
        jb_printf(&jb, "%llu", (unsigned long long)(off + nb));
        jb_arr_end(&jb);
        jb_obj_end(&jb);
        off += nb;
    }
    jb_obj_end(&jb);
    while ((8 + jb.len) % 8) jb_raw(&jb, " ");   /* keeps the data 8-byte aligned, as HF's writer does */
    if (jb.oom) { jb_free(&jb); return rlhf_err(e, "%s: out of memory building the header", path); }
    float *scratch = rlhf_malloc(max_t * sizeof(float), e);
    if (!scratch) { jb_free(&jb); return -1; }
    CkptFile w;
    if (ckpt_file_open(&w, path, e)) { jb_free(&jb); free(scratch); return -1; }
    uint8_t lenb[8];
    for (int i = 0; i < 8; i++) lenb[i] = (uint8_t)((uint64_t)jb.len >> (8 * i));
    int rc = ckpt_file_write(&w, lenb, 8);
    if (!rc) rc = ckpt_file_write(&w, jb.data, jb.len);
    for (int it = 0; it < nitems && !rc; it++) {
        if (it < 2 || it >= nitems - 2) {
            const GPT2Tensor *t = &m->tensors[GLOBAL_MAP[it < 2 ? it : it - nitems + 4].tensor];
            rc = ckpt_file_write(&w, m->param_mem + t->offset, t->numel * 4);
            continue;
        }
        int l = (it - 2) / 12, k = (it - 2) % 12;
        const GPT2Tensor *t = &m->tensors[LAYER_MAP[k].tensor];
        size_t per = t->numel / (size_t)L;
        const float *src = m->param_mem + t->offset + (size_t)l * per;
        if (LAYER_MAP[k].transpose) {
            /* ours (out, in) → HF (in, out) */
            transpose(scratch, src, (size_t)t->shape[2], (size_t)t->shape[1]);
            src = scratch;
        }
        rc = ckpt_file_write(&w, src, per * 4);
    }
    jb_free(&jb);
    free(scratch);
    if (rc) { ckpt_file_abort(&w); return -1; }
    return ckpt_file_commit(&w);
}

int safetensors_print_info(const char *path, FILE *out, RlhfErr *e) {
    StFile s;
    if (st_open(path, &s, e)) return -1;
    fprintf(out, "format: safetensors, %llu bytes, header %llu bytes, %d tensors\n", (unsigned long long)s.file_bytes,
            (unsigned long long)(s.data_start - 8), s.n);
    uint64_t total = 0;
    for (int i = 0; i < s.n; i++) {
        const StEntry *en = &s.ents[i];
        uint64_t numel = 1;
        fprintf(out, "  %-32s %-5s (", en->name, en->dtype_name);
        for (int d = 0; d < en->ndim; d++) {
            fprintf(out, "%s%lld", d ? ", " : "", en->shape[d]);
            numel *= (uint64_t)en->shape[d];
        }
        fprintf(out, ")\n");
        total += numel;
    }
    fprintf(out, "elements: %llu\n", (unsigned long long)total);
    GPT2Config cfg;
    int rc = plan(&s, 0, &cfg, e);
    if (!rc)
        fprintf(out, "as GPT-2: n_layer %d, n_head %d (config.json or n_embd/64), n_embd %d, max_seq_len %d, vocab_size %d\n",
                cfg.n_layer, cfg.n_head, cfg.n_embd, cfg.max_seq_len, cfg.vocab_size);
    st_close(&s);
    return rc;
}

int safetensors_is_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    uint8_t b[9];
    int ok = fread(b, 1, 9, f) == 9;
    fclose(f);
    if (!ok) return 0;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)b[i] << (8 * i);
    return n >= 2 && n <= ST_MAX_HEADER && b[8] == '{';
}
