/* test_interop.c — llm.c .bin and Hugging Face safetensors import/export.
 * The test writes small files in those formats itself, from the formats'
 * specs (byte layouts written out here independently of the importers), with
 * known values, and checks every imported element — in particular that HF's
 * Conv1D weights, stored (in, out), arrive transposed as our (out, in). */
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/checkpoint.h"
#include "model/interop_llmc.h"
#include "model/interop_safetensors.h"
#include "testlib.h"

static char g_dir[256];

static const char *tmp_path(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_dir, name);
    return buf[k];
}

static unsigned char *slurp(const char *path, size_t *n) {
    char *d;
    RlhfErr e;
    if (rlhf_read_file(path, &d, n, &e)) return NULL;
    return (unsigned char *)d;
}

static int spit(const char *path, const void *d, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(d, 1, n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

/* Known values: element i of tensor k. Exact in fp32. */
static float val(int k, size_t i) { return (float)(k + 1) + (float)(i % 512) / 1024.0f; }

/* ---------------- llm.c ---------------- */

enum { LT = 5, LV = 11, LL = 2, LNH = 2, LC = 8, LVP = 128 };

/* llm.c's parameter sizes in file order (train_gpt2.c fill_in_parameter_sizes). */
static void llmc_sizes(size_t *s, int rows_wte) {
    size_t C = LC, L = LL;
    size_t v[16] = {(size_t)rows_wte * C, LT * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C,
                    L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C, C, C};
    memcpy(s, v, sizeof v);
}

/* Writes an llm.c file: version 3 (padded wte, padding rows set to pad_val) or 1. */
static size_t write_llmc(const char *path, int version, float pad_val, unsigned char **out) {
    int32_t hd[256] = {0};
    hd[0] = 20240326; hd[1] = version; hd[2] = LT; hd[3] = LV; hd[4] = LL; hd[5] = LNH; hd[6] = LC;
    if (version == 3) hd[7] = LVP;
    size_t s[16], total = 0;
    llmc_sizes(s, version == 3 ? LVP : LV);
    for (int k = 0; k < 16; k++) total += s[k];
    size_t n = sizeof hd + total * 4;
    unsigned char *d = malloc(n);
    memcpy(d, hd, sizeof hd);
    float *p = (float *)(d + sizeof hd);
    for (int k = 0; k < 16; k++)
        for (size_t i = 0; i < s[k]; i++) *p++ = (k == 0 && i >= (size_t)LV * LC) ? pad_val : val(k, i);
    if (spit(path, d, n)) n = 0;
    if (out) *out = d; else free(d);
    return n;
}

static void check_llmc_values(const GPT2 *m) {
    CHECK(m->cfg.max_seq_len == LT && m->cfg.vocab_size == LV && m->cfg.n_layer == LL && m->cfg.n_head == LNH &&
          m->cfg.n_embd == LC && m->heads == 0);
    size_t s[16];
    llmc_sizes(s, LV);
    int bad = 0;
    for (int k = 0; k < 16; k++) {
        const GPT2Tensor *t = &m->tensors[k];
        CHECK_MSG(t->numel == s[k], "tensor %s: %zu elements, llm.c has %zu", t->name, t->numel, s[k]);
        for (size_t i = 0; i < t->numel && i < s[k]; i++) bad += m->param_mem[t->offset + i] != val(k, i);
    }
    CHECK_MSG(bad == 0, "%d imported values differ", bad);
    /* spot checks through the named pointers */
    CHECK(m->params.wte[LV * LC - 1] == val(0, LV * LC - 1));
    CHECK(m->params.fcprojw[LC * 4 * LC + 3] == val(12, LC * 4 * LC + 3));   /* layer 1 */
    CHECK(m->params.lnfb[LC - 1] == val(15, LC - 1));
}

TEST(llmc_v3_import_export) {
    const char *in = tmp_path("model.bin"), *out = tmp_path("exported.bin");
    unsigned char *orig;
    size_t n = write_llmc(in, 3, 7.0f, &orig);
    REQUIRE(n > 0);
    GPT2 m;
    RlhfErr e = {{0}};
    int rc = llmc_import(in, &m, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    check_llmc_values(&m);
    CHECK(llmc_padded_vocab(50257) == 50304 && llmc_padded_vocab(128) == 128 && llmc_padded_vocab(11) == 128);
    REQUIRE(llmc_export(out, &m, &e) == 0);
    size_t n2;
    unsigned char *got = slurp(out, &n2);
    /* llm.c pads wte with zero rows: the export equals the input with the padding zeroed */
    float *wte = (float *)(orig + 1024);
    for (size_t i = (size_t)LV * LC; i < (size_t)LVP * LC; i++) wte[i] = 0.0f;
    CHECK(got && n2 == n && !memcmp(got, orig, n));
    CHECK(llmc_is_checkpoint(out) && !ckpt_is_checkpoint(out));
    GPT2 any;
    REQUIRE(ckpt_load_model(out, 0, &any, &e) == 0);   /* format sniffed */
    CHECK(any.num_params == m.num_params && !memcmp(any.param_mem, m.param_mem, m.num_params * 4));
    gpt2_free(&any);
    free(got); free(orig);

    /* through our format and back: bytes unchanged */
    const char *ck = tmp_path("model.ckpt"), *back = tmp_path("back.bin");
    GPT2 m2;
    REQUIRE(ckpt_save(ck, &m, NULL, NULL, NULL, 0, &e) == 0);
    REQUIRE(ckpt_load(ck, &m2, NULL, NULL, NULL, &e) == 0);
    REQUIRE(llmc_export(back, &m2, &e) == 0);
    unsigned char *a = slurp(out, &n), *b = slurp(back, &n2);
    CHECK(a && b && n == n2 && !memcmp(a, b, n));
    free(a); free(b);
    gpt2_free(&m); gpt2_free(&m2);
}

TEST(llmc_v1_import) {
    const char *in = tmp_path("model_v1.bin");
    REQUIRE(write_llmc(in, 1, 0, NULL) > 0);
    GPT2 m;
    RlhfErr e = {{0}};
    int rc = llmc_import(in, &m, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    check_llmc_values(&m);
    gpt2_free(&m);
}

TEST(llmc_damaged_files) {
    const char *in = tmp_path("good.bin"), *bad = tmp_path("bad.bin");
    unsigned char *d;
    size_t n = write_llmc(in, 3, 0, &d);
    REQUIRE(n > 0);
    struct { size_t len; int field; int32_t value; const char *want; } cases[] = {
        {n - 4, -1, 0, "truncated"},
        {100, -1, 0, "truncated"},
        {n, 0, 1234, "magic"},
        {n, 1, 5, "bf16"},
        {n, 1, 2, "version"},
        {n, 7, 8, "padded_vocab_size"},
        {n, 6, 0, "channels"},
        {n, 4, 3, "truncated"},      /* one more layer than the data holds */
        {n, 4, 1, "trailing"},
        {n, 5, 3, "not divisible"},
    };
    for (size_t c = 0; c < RLHF_ARRAY_LEN(cases); c++) {
        int32_t saved = 0;
        if (cases[c].field >= 0) { memcpy(&saved, d + 4 * cases[c].field, 4); memcpy(d + 4 * cases[c].field, &cases[c].value, 4); }
        REQUIRE(spit(bad, d, cases[c].len) == 0);
        if (cases[c].field >= 0) memcpy(d + 4 * cases[c].field, &saved, 4);
        GPT2 m;
        RlhfErr e = {{0}};
        int rc = llmc_import(bad, &m, &e);
        CHECK_MSG(rc != 0, "case %zu loaded", c);
        if (rc == 0) { gpt2_free(&m); continue; }
        CHECK_MSG(strstr(e.msg, cases[c].want) && strstr(e.msg, bad), "case %zu: expected '%s' and the path in: %s", c,
                  cases[c].want, e.msg);
        fprintf(stderr, "    %s\n", e.msg);
    }
    free(d);
}

/* ---------------- safetensors ---------------- */

/* A tiny safetensors writer, from the format spec. */
typedef struct StW {
    char json[1 << 16];
    size_t jl;
    unsigned char data[1 << 18];
    size_t dl;
} StW;

static void stw_add(StW *w, const char *name, const char *dtype, int ndim, const long *shape, const void *bytes, size_t nbytes) {
    w->jl += (size_t)snprintf(w->json + w->jl, sizeof w->json - w->jl, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[",
                              w->jl > 1 ? "," : "", name, dtype);
    for (int d = 0; d < ndim; d++) w->jl += (size_t)snprintf(w->json + w->jl, sizeof w->json - w->jl, "%s%ld", d ? "," : "", shape[d]);
    w->jl += (size_t)snprintf(w->json + w->jl, sizeof w->json - w->jl, "],\"data_offsets\":[%zu,%zu]}", w->dl, w->dl + nbytes);
    memcpy(w->data + w->dl, bytes, nbytes);
    w->dl += nbytes;
}

static int stw_write(StW *w, const char *path) {
    w->jl += (size_t)snprintf(w->json + w->jl, sizeof w->json - w->jl, "}");
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    uint64_t hl = w->jl;
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)(hl >> (8 * i));
    int ok = fwrite(lenb, 1, 8, f) == 8 && fwrite(w->json, 1, w->jl, f) == w->jl && fwrite(w->data, 1, w->dl, f) == w->dl;
    fclose(f);
    return ok ? 0 : -1;
}

enum { SC = 8, SL = 2, SV = 11, ST = 5 };

/* HF tensors per layer: suffix, shape (as HF stores it), our tensor index, transposed. */
static const struct { const char *suffix; int d0, d1; int ours, transposed; } HF_LAYER[12] = {
    {"ln_1.weight", SC, 0, 2, 0},           {"ln_1.bias", SC, 0, 3, 0},
    {"attn.c_attn.weight", SC, 3 * SC, 4, 1}, {"attn.c_attn.bias", 3 * SC, 0, 5, 0},
    {"attn.c_proj.weight", SC, SC, 6, 1},   {"attn.c_proj.bias", SC, 0, 7, 0},
    {"ln_2.weight", SC, 0, 8, 0},           {"ln_2.bias", SC, 0, 9, 0},
    {"mlp.c_fc.weight", SC, 4 * SC, 10, 1}, {"mlp.c_fc.bias", 4 * SC, 0, 11, 0},
    {"mlp.c_proj.weight", 4 * SC, SC, 12, 1}, {"mlp.c_proj.bias", SC, 0, 13, 0},
};
static const uint16_t LNF_BIAS_F16[SC] = {0x3C00, 0xC000, 0x3555, 0x0001, 0x8000, 0x7BFF, 0x0400, 0x3800};
static const float LNF_BIAS_F32[SC] = {1.0f, -2.0f, 0.333251953125f, 5.9604644775390625e-08f, -0.0f, 65504.0f,
                                       6.103515625e-05f, 0.5f};

enum { OPT_PREFIX = 1, OPT_DROP = 2, OPT_UNTRANSPOSED = 4, OPT_BAD_LM_HEAD = 8, OPT_UNKNOWN = 16, OPT_INT_DTYPE = 32 };

static void write_hf(const char *path, int opts) {
    static StW w;
    memset(&w, 0, sizeof w);
    w.jl = (size_t)snprintf(w.json, sizeof w.json, "{\"__metadata__\":{\"format\":\"pt\"}");
    const char *pre = (opts & OPT_PREFIX) ? "transformer." : "";
    char nm[128];
    static float buf[4 * SC * SC];
    long sh[4];
    /* wte, wpe: id 0, 1 */
    for (size_t i = 0; i < SV * SC; i++) buf[i] = val(0, i);
    sh[0] = SV; sh[1] = SC;
    snprintf(nm, sizeof nm, "%swte.weight", pre);
    stw_add(&w, nm, "F32", 2, sh, buf, SV * SC * 4);
    if (opts & OPT_BAD_LM_HEAD) buf[5] += 1.0f;
    stw_add(&w, "lm_head.weight", "F32", 2, sh, buf, SV * SC * 4);
    for (size_t i = 0; i < ST * SC; i++) buf[i] = val(1, i);
    sh[0] = ST;
    snprintf(nm, sizeof nm, "%swpe.weight", pre);
    stw_add(&w, nm, "F32", 2, sh, buf, ST * SC * 4);
    for (int l = 0; l < SL; l++) {
        for (int k = 0; k < 12; k++) {
            if ((opts & OPT_DROP) && l == 1 && k == 9) continue;
            int nd = HF_LAYER[k].d1 ? 2 : 1;
            size_t n = (size_t)HF_LAYER[k].d0 * (size_t)(nd == 2 ? HF_LAYER[k].d1 : 1);
            for (size_t i = 0; i < n; i++) buf[i] = val(100 + 12 * l + k, i);
            sh[0] = HF_LAYER[k].d0; sh[1] = HF_LAYER[k].d1;
            if ((opts & OPT_UNTRANSPOSED) && k == 2) { sh[0] = HF_LAYER[k].d1; sh[1] = HF_LAYER[k].d0; }
            snprintf(nm, sizeof nm, "%sh.%d.%s", pre, l, HF_LAYER[k].suffix);
            stw_add(&w, nm, (opts & OPT_INT_DTYPE) && k == 0 ? "I32" : "F32", nd, sh, buf, n * 4);
        }
        /* the causal-mask buffers HF keeps in old files: ignored */
        static float mask[ST * ST];
        sh[0] = 1; sh[1] = 1; sh[2] = ST; sh[3] = ST;
        snprintf(nm, sizeof nm, "%sh.%d.attn.bias", pre, l);
        stw_add(&w, nm, "F32", 4, sh, mask, sizeof mask);
        float mb = -10000.0f;
        snprintf(nm, sizeof nm, "%sh.%d.attn.masked_bias", pre, l);
        stw_add(&w, nm, "F32", 0, sh, &mb, 4);
    }
    /* ln_f.weight as BF16 of k/4 - 1 (exact), ln_f.bias as F16 including a subnormal and -0 */
    uint16_t bf[SC];
    for (int i = 0; i < SC; i++) {
        float f = (float)i / 4.0f - 1.0f;
        uint32_t u;
        memcpy(&u, &f, 4);
        bf[i] = (uint16_t)(u >> 16);
    }
    sh[0] = SC;
    snprintf(nm, sizeof nm, "%sln_f.weight", pre);
    stw_add(&w, nm, "BF16", 1, sh, bf, sizeof bf);
    snprintf(nm, sizeof nm, "%sln_f.bias", pre);
    stw_add(&w, nm, "F16", 1, sh, LNF_BIAS_F16, sizeof LNF_BIAS_F16);
    if (opts & OPT_UNKNOWN) stw_add(&w, "score.weight", "F32", 1, sh, buf, SC * 4);
    REQUIRE(stw_write(&w, path) == 0);
}

static void check_hf_values(const GPT2 *m) {
    CHECK(m->cfg.vocab_size == SV && m->cfg.n_embd == SC && m->cfg.max_seq_len == ST && m->cfg.n_layer == SL);
    int bad = 0;
    for (size_t i = 0; i < SV * SC; i++) bad += m->params.wte[i] != val(0, i);
    for (size_t i = 0; i < ST * SC; i++) bad += m->params.wpe[i] != val(1, i);
    for (int l = 0; l < SL; l++)
        for (int k = 0; k < 12; k++) {
            const GPT2Tensor *t = &m->tensors[HF_LAYER[k].ours];
            size_t per = t->numel / SL;
            const float *ours = m->param_mem + t->offset + (size_t)l * per;
            int id = 100 + 12 * l + k;
            if (!HF_LAYER[k].transposed) {
                for (size_t i = 0; i < per; i++) bad += ours[i] != val(id, i);
            } else {
                /* HF W (in, out) at [i][o]; ours (out, in) at [o][i] */
                size_t in = (size_t)HF_LAYER[k].d0, out = (size_t)HF_LAYER[k].d1;
                CHECK((size_t)t->shape[1] == out && (size_t)t->shape[2] == in);
                for (size_t o = 0; o < out; o++)
                    for (size_t i = 0; i < in; i++) bad += ours[o * in + i] != val(id, i * out + o);
            }
        }
    for (int i = 0; i < SC; i++) {
        bad += m->params.lnfw[i] != (float)i / 4.0f - 1.0f;
        bad += memcmp(&m->params.lnfb[i], &LNF_BIAS_F32[i], 4) != 0;   /* bitwise: -0 stays -0 */
    }
    CHECK_MSG(bad == 0, "%d imported values differ", bad);
    /* one transposed element spelled out: layer 1 c_fc W[in=2][out=5] → fcw[1][5][2] */
    CHECK(m->params.fcw[1 * 4 * SC * SC + 5 * SC + 2] == val(100 + 12 + 8, 2 * 4 * SC + 5));
}

TEST(safetensors_import_transposes_conv1d) {
    const char *p = tmp_path("model.safetensors"), *pp = tmp_path("prefixed.safetensors");
    write_hf(p, 0);
    write_hf(pp, OPT_PREFIX);
    CHECK(safetensors_is_file(p) && !llmc_is_checkpoint(p) && !ckpt_is_checkpoint(p));
    GPT2 a, b;
    RlhfErr e = {{0}};
    /* n_head is not in the shapes and width 8 is no multiple of 64: it must be given */
    int rc = safetensors_import(p, 0, &a, &e);
    CHECK(rc != 0 && strstr(e.msg, "n-head"));
    if (rc == 0) gpt2_free(&a);
    rc = safetensors_import(p, 2, &a, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    CHECK(a.cfg.n_head == 2);
    check_hf_values(&a);
    GPT2 any;
    REQUIRE(ckpt_load_model(p, 2, &any, &e) == 0);   /* format sniffed */
    CHECK(!memcmp(any.param_mem, a.param_mem, a.num_params * 4));
    gpt2_free(&any);
    rc = safetensors_import(pp, 2, &b, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    CHECK(a.num_params == b.num_params && !memcmp(a.param_mem, b.param_mem, a.num_params * 4));
    gpt2_free(&a); gpt2_free(&b);
}

TEST(safetensors_config_json_gives_n_head) {
    char sub[600];
    snprintf(sub, sizeof sub, "%s/hf", g_dir);
    mkdir(sub, 0755);
    char model[700], cfg[700];
    snprintf(model, sizeof model, "%s/model.safetensors", sub);
    snprintf(cfg, sizeof cfg, "%s/config.json", sub);
    write_hf(model, OPT_PREFIX);
    const char *cj = "{\"model_type\": \"gpt2\", \"n_embd\": 8, \"n_head\": 4, \"n_layer\": 2}";
    REQUIRE(spit(cfg, cj, strlen(cj)) == 0);
    GPT2 m;
    RlhfErr e = {{0}};
    int rc = safetensors_import(model, 0, &m, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    CHECK(m.cfg.n_head == 4);
    check_hf_values(&m);
    gpt2_free(&m);
    /* an explicit n_head wins */
    REQUIRE(safetensors_import(model, 8, &m, &e) == 0);
    CHECK(m.cfg.n_head == 8);
    gpt2_free(&m);
}

TEST(safetensors_export_round_trip) {
    const char *p = tmp_path("src.safetensors"), *out = tmp_path("out.safetensors");
    write_hf(p, OPT_PREFIX);
    GPT2 a, b;
    RlhfErr e = {{0}};
    REQUIRE(safetensors_import(p, 2, &a, &e) == 0);
    REQUIRE(safetensors_export(out, &a, &e) == 0);
    int rc = safetensors_import(out, 2, &b, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    CHECK(!memcmp(a.param_mem, b.param_mem, a.num_params * 4));
    size_t n;
    unsigned char *d = slurp(out, &n);
    REQUIRE(d && n > 8);
    uint64_t hl;
    memcpy(&hl, d, 8);
    CHECK((8 + hl) % 8 == 0);
    CHECK(strstr((char *)d + 8, "\"h.0.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[8,24]") != NULL);
    CHECK(strstr((char *)d + 8, "\"h.1.mlp.c_proj.weight\":{\"dtype\":\"F32\",\"shape\":[32,8]") != NULL);
    free(d);
    gpt2_free(&a); gpt2_free(&b);
}

TEST(safetensors_damaged_files) {
    struct { int opts; const char *want; } cases[] = {
        {OPT_DROP, "'h.1.mlp.c_fc.bias': missing"},
        {OPT_UNTRANSPOSED, "h.0.attn.c_attn.weight': field 'shape': (24, 8)"},
        {OPT_BAD_LM_HEAD, "tied"},
        {OPT_UNKNOWN, "'score.weight': not a GPT-2 tensor"},
        {OPT_INT_DTYPE, "I32 not supported"},
    };
    const char *bad = tmp_path("bad.safetensors");
    for (size_t c = 0; c < RLHF_ARRAY_LEN(cases); c++) {
        write_hf(bad, cases[c].opts);
        GPT2 m;
        RlhfErr e = {{0}};
        int rc = safetensors_import(bad, 2, &m, &e);
        CHECK_MSG(rc != 0, "case %zu loaded", c);
        if (rc == 0) { gpt2_free(&m); continue; }
        CHECK_MSG(strstr(e.msg, cases[c].want) && strstr(e.msg, bad), "expected '%s' in: %s", cases[c].want, e.msg);
        fprintf(stderr, "    %s\n", e.msg);
    }
    /* truncation anywhere: header length, JSON, data */
    write_hf(bad, 0);
    size_t n;
    unsigned char *d = slurp(bad, &n);
    REQUIRE(d);
    const char *cut = tmp_path("cut.safetensors");
    int fails = 0, tries = 0;
    for (size_t at = 0; at < n; at += at < 64 ? 1 : 113) {
        REQUIRE(spit(cut, d, at) == 0);
        GPT2 m;
        RlhfErr e = {{0}};
        if (safetensors_import(cut, 2, &m, &e) == 0) gpt2_free(&m);
        else fails += strstr(e.msg, cut) != NULL;
        tries++;
    }
    CHECK_MSG(fails == tries, "%d of %d truncations rejected with the path named", fails, tries);
    /* flipped bytes in the length and JSON header: an error or a load, never a crash (run under make asan) */
    uint64_t hl;
    memcpy(&hl, d, 8);
    int loaded = 0, rejected = 0;
    for (size_t at = 0; at < 8 + hl; at++) {
        for (int bit = 0; bit < 8; bit += 3) {
            d[at] ^= (unsigned char)(1 << bit);
            REQUIRE(spit(cut, d, n) == 0);
            d[at] ^= (unsigned char)(1 << bit);
            GPT2 m;
            RlhfErr e = {{0}};
            if (safetensors_import(cut, 2, &m, &e) == 0) { loaded++; gpt2_free(&m); }
            else { rejected++; CHECK_MSG(strstr(e.msg, cut) != NULL, "flip at %zu: %s", at, e.msg); }
        }
    }
    fprintf(stderr, "  header flips: %d rejected, %d still loadable (e.g. digits of equal-length names)\n", rejected, loaded);
    /* a garbage header length */
    memset(d, 0xff, 8);
    REQUIRE(spit(cut, d, n) == 0);
    GPT2 m;
    RlhfErr e = {{0}};
    CHECK(safetensors_import(cut, 2, &m, &e) != 0 && strstr(e.msg, "header_size"));
    free(d);
}

/* ---------------- semantic cross-check against PyTorch ---------------- */

/* tests/fixtures/gen_hf_gpt2_fixture.py computes logits the way HF's GPT-2 does
 * (Conv1D x·W + b, q/k/v thirds of c_attn, tied head) on a file it writes in
 * HF's layout; after import our forward must reproduce them. */
TEST(hf_fixture_logits_match_torch) {
    const char *st = "tests/fixtures/hf_gpt2_tiny.safetensors", *ref = "tests/fixtures/hf_gpt2_tiny_logits.bin";
    if (!rlhf_file_exists(st) || !rlhf_file_exists(ref)) SKIP("fixture absent: run tests/fixtures/gen_hf_gpt2_fixture.py");
    size_t n;
    unsigned char *d = slurp(ref, &n);
    REQUIRE(d && n >= 28);
    int32_t h[7];
    memcpy(h, d, sizeof h);
    int L = h[0], NH = h[1], C = h[2], V = h[3], maxT = h[4], B = h[5], T = h[6];
    REQUIRE(n == 28 + (size_t)B * T * 4 + (size_t)B * T * V * 4);
    int *tokens = malloc((size_t)B * T * sizeof(int));
    memcpy(tokens, d + 28, (size_t)B * T * 4);
    const float *want = (const float *)(d + 28 + (size_t)B * T * 4);
    GPT2 m;
    RlhfErr e = {{0}};
    int rc = safetensors_import(st, NH, &m, &e);
    CHECK_MSG(rc == 0, "%s", e.msg);
    REQUIRE(rc == 0);
    CHECK(m.cfg.n_layer == L && m.cfg.n_embd == C && m.cfg.vocab_size == V && m.cfg.max_seq_len == maxT);
    REQUIRE(gpt2_reserve(&m, B, T, 0, &e) == 0);
    gpt2_forward(&m, tokens, NULL, B, T);
    const float *got = gpt2_lm_logits(&m);
    double worst = 0;
    for (size_t i = 0; i < (size_t)B * T * V; i++) {
        double err = fabs((double)got[i] - want[i]) / (1.0 + fabs(want[i]));
        if (err > worst) worst = err;
    }
    fprintf(stderr, "  max |ours - torch| / (1 + |torch|) = %.2e over %d logits\n", worst, B * T * V);
    CHECK(worst < 1e-4);
    gpt2_free(&m);
    free(tokens);
    free(d);
}

/* ---------------- the CLI, when the binary is available ---------------- */

TEST(cli_convert) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin || access(bin, X_OK) != 0) SKIP("RLHF_BIN not set (run through make test)");
    const char *in = tmp_path("cli.bin");
    unsigned char *orig;
    size_t n = write_llmc(in, 3, 0.0f, &orig);
    REQUIRE(n > 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' convert --from llmc --to rlhf '%s' '%s/cli.ckpt' >/dev/null && "
             "'%s' convert '%s/cli.ckpt' '%s/cli_back.bin' >/dev/null && "
             "'%s' convert --info '%s/cli.ckpt' > '%s/info.txt'",
             bin, in, g_dir, bin, g_dir, g_dir, bin, g_dir, g_dir);
    int rc = system(cmd);
    CHECK_MSG(rc == 0, "convert pipeline exited %d", rc);
    size_t n2;
    unsigned char *back = slurp(tmp_path("cli_back.bin"), &n2);
    CHECK(back && n2 == n && !memcmp(back, orig, n));
    unsigned char *info = slurp(tmp_path("info.txt"), &n2);
    CHECK(info && strstr((char *)info, "n_layer 2") && strstr((char *)info, "checksums: ok"));
    free(back); free(info); free(orig);
    snprintf(cmd, sizeof cmd, "'%s' convert --from llmc --to rlhf '%s/missing.bin' '%s/x.ckpt' 2>/dev/null", bin, g_dir, g_dir);
    rc = system(cmd);
    CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
    snprintf(cmd, sizeof cmd, "'%s' convert --to nonsense a b 2>/dev/null", bin);
    rc = system(cmd);
    CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/rlhf_test_interop_XXXXXX");
    if (!mkdtemp(g_dir)) { perror("mkdtemp"); return 1; }
    RUN(llmc_v3_import_export);
    RUN(llmc_v1_import);
    RUN(llmc_damaged_files);
    RUN(safetensors_import_transposes_conv1d);
    RUN(safetensors_config_json_gives_n_head);
    RUN(safetensors_export_round_trip);
    RUN(safetensors_damaged_files);
    RUN(hf_fixture_logits_match_torch);
    RUN(cli_convert);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    return test_summary();
}
