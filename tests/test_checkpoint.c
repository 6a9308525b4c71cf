/* test_checkpoint.c — our checkpoint format: bit-exact round trips of model,
 * optimizer, trainer JSON and blobs; every kind of damage (truncation, flipped
 * bytes, bad magic, wrong version, wrong shapes, missing tensors, absurd sizes)
 * gives an error naming the file, never a crash or a silent load; a failed
 * write leaves the old file intact and no temp file behind. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "model/checkpoint.h"
#include "model/interop_llmc.h"
#include "model/interop_safetensors.h"
#include "testlib.h"
#include "util/rng.h"

static char g_dir[256];

static const char *tmp_path(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_dir, name);
    return buf[k];
}

static GPT2Config tiny_cfg(void) {
    GPT2Config c = {.max_seq_len = 16, .vocab_size = 50, .n_layer = 2, .n_head = 2, .n_embd = 32};
    return c;
}

/* Random bits, plus values that only a bit-exact path preserves. */
static void fill_random(float *p, size_t n, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        uint32_t u = rng_u32(&r);
        if ((u & 0x7f800000u) == 0x7f800000u) u &= ~0x00800000u;   /* keep it finite */
        memcpy(&p[i], &u, 4);
    }
    if (n > 3) {
        p[0] = -0.0f;
        uint32_t denorm = 1;
        memcpy(&p[1], &denorm, 4);
        p[2] = 1.0f / 3.0f;
    }
}

static void make_model(GPT2 *m, int heads, uint64_t seed) {
    GPT2Config c = tiny_cfg();
    RlhfErr e = {{0}};
    REQUIRE(gpt2_create(m, &c, heads, &e) == 0);
    fill_random(m->param_mem, m->num_params, seed);
}

static void make_opt(AdamW *o, const GPT2 *m) {
    RlhfErr e = {{0}};
    REQUIRE(adamw_init(o, m, 0.9f, 0.95f, 1e-8f, 0.1f, &e) == 0);
    fill_random(o->m, o->n, 11);
    fill_random(o->v, o->n, 12);
    o->step = 123456789012L;
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

static const char TOK[] = "tok\0enizer bytes\xff\x01 with NULs";
static const float OFFSET[2] = {1.5f, -2.25f};
static const char *TRAINER = "{\"step\": 42, \"data_pos\": 123456789, \"rng\": [1, 2, 3], \"lr\": 0.0003}";

/* Saves the reference checkpoint: both heads, optimizer, trainer JSON, three blobs. */
static void save_full(const char *path, GPT2 *m, AdamW *o) {
    make_model(m, GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE, 7);
    make_opt(o, m);
    CkptBlob blobs[3] = {ckpt_blob_bytes(CKPT_BLOB_TOKENIZER, TOK, sizeof TOK),
                         ckpt_blob_floats(CKPT_BLOB_JUDGE_OFFSET, OFFSET, 2), ckpt_blob_bytes("empty", NULL, 0)};
    RlhfErr e = {{0}};
    int rc = ckpt_save(path, m, o, TRAINER, blobs, 3, &e);
    CHECK_MSG(rc == 0, "save: %s", e.msg);
    REQUIRE(rc == 0);
}

TEST(round_trip_bit_exact) {
    GPT2 m, m2;
    AdamW o, o2;
    const char *path = tmp_path("full.ckpt");
    save_full(path, &m, &o);
    char *json = NULL;
    CkptBlobs blobs;
    RlhfErr e = {{0}};
    int rc = ckpt_load(path, &m2, &o2, &json, &blobs, &e);
    CHECK_MSG(rc == 0, "load: %s", e.msg);
    REQUIRE(rc == 0);
    CHECK(!memcmp(&m2.cfg, &m.cfg, sizeof m.cfg));
    CHECK(m2.heads == (GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE));
    CHECK(m2.num_params == m.num_params);
    CHECK(m2.params.scalar_w && m2.params.value_b);
    CHECK(!memcmp(m2.param_mem, m.param_mem, m.num_params * 4));
    CHECK(o2.n == o.n && o2.step == 123456789012L);
    CHECK(o2.beta1 == 0.9f && o2.beta2 == 0.95f && o2.eps == 1e-8f && o2.weight_decay == 0.1f);
    CHECK(o2.m && !memcmp(o2.m, o.m, o.n * 4));
    CHECK(o2.v && !memcmp(o2.v, o.v, o.n * 4));
    CHECK_STR(json, TRAINER);
    CHECK(blobs.n == 3);
    const CkptBlob *tok = ckpt_blobs_find(&blobs, CKPT_BLOB_TOKENIZER);
    CHECK(tok && !tok->is_float && tok->nbytes == sizeof TOK && !memcmp(tok->data, TOK, sizeof TOK));
    const CkptBlob *off = ckpt_blobs_find(&blobs, CKPT_BLOB_JUDGE_OFFSET);
    CHECK(off && off->is_float && off->nbytes == 8 && ((const float *)off->data)[1] == -2.25f);
    const CkptBlob *empty = ckpt_blobs_find(&blobs, "empty");
    CHECK(empty && empty->nbytes == 0);
    CHECK(ckpt_blobs_find(&blobs, "nope") == NULL);

    GPT2Config c;
    int heads = 0;
    CHECK(ckpt_read_config(path, &c, &heads, &e) == 0);
    CHECK(c.n_embd == 32 && c.n_layer == 2 && c.vocab_size == 50 && heads == 3);
    CHECK_MSG(ckpt_verify(path, &e) == 0, "%s", e.msg);
    CHECK(ckpt_is_checkpoint(path));

    /* saving the loaded state again gives the identical file */
    const char *path2 = tmp_path("full2.ckpt");
    CHECK(ckpt_save(path2, &m2, &o2, json, blobs.items, blobs.n, &e) == 0);
    size_t n1, n2;
    unsigned char *a = slurp(path, &n1), *b = slurp(path2, &n2);
    CHECK(a && b && n1 == n2 && !memcmp(a, b, n1));
    free(a); free(b);

    gpt2_free(&m); gpt2_free(&m2); adamw_free(&o); adamw_free(&o2);
    free(json);
    ckpt_blobs_free(&blobs);
}

TEST(optional_parts) {
    GPT2 m, m2;
    RlhfErr e = {{0}};
    make_model(&m, 0, 3);
    const char *path = tmp_path("bare.ckpt");
    REQUIRE(ckpt_save(path, &m, NULL, NULL, NULL, 0, &e) == 0);
    AdamW o;
    char *json = (char *)1;
    CkptBlobs blobs;
    REQUIRE(ckpt_load(path, &m2, &o, &json, &blobs, &e) == 0);
    CHECK(m2.heads == 0 && m2.params.scalar_w == NULL);
    CHECK(!memcmp(m2.param_mem, m.param_mem, m.num_params * 4));
    CHECK(o.m == NULL && o.v == NULL && o.n == 0);
    CHECK(json == NULL);
    CHECK(blobs.n == 0);
    gpt2_free(&m2);
    ckpt_blobs_free(&blobs);

    /* a full checkpoint loads with every optional output NULL */
    AdamW o1;
    save_full(path, &m2, &o1);
    GPT2 m3;
    REQUIRE(ckpt_load(path, &m3, NULL, NULL, NULL, &e) == 0);
    CHECK(!memcmp(m3.param_mem, m2.param_mem, m2.num_params * 4));
    GPT2 m4;
    REQUIRE(ckpt_load_model(path, 0, &m4, &e) == 0);
    CHECK(m4.heads == m2.heads && !memcmp(m4.param_mem, m2.param_mem, m2.num_params * 4));
    gpt2_free(&m4);
    CHECK(ckpt_load_model(tmp_path("nothing-here"), 0, &m4, &e) != 0 && strstr(e.msg, "nothing-here"));
    /* a directory opens with fopen on Linux; every reader must refuse it by name */
    CHECK(ckpt_load_model(g_dir, 0, &m4, &e) != 0 && strstr(e.msg, g_dir) && strstr(e.msg, "not a regular file"));
    CHECK(llmc_import(g_dir, &m4, &e) != 0 && strstr(e.msg, g_dir) && strstr(e.msg, "not a regular file"));
    CHECK(safetensors_import(g_dir, 2, &m4, &e) != 0 && strstr(e.msg, g_dir) && strstr(e.msg, "not a regular file"));
    gpt2_free(&m); gpt2_free(&m2); gpt2_free(&m3); adamw_free(&o1);
}

TEST(save_rejects_bad_arguments) {
    GPT2 m;
    make_model(&m, 0, 3);
    RlhfErr e = {{0}};
    const char *path = tmp_path("bad_args.ckpt");
    CkptBlob dup[2] = {ckpt_blob_bytes("a", "x", 1), ckpt_blob_bytes("a", "y", 1)};
    CHECK(ckpt_save(path, &m, NULL, NULL, dup, 2, &e) != 0 && strstr(e.msg, "duplicate"));
    CkptBlob reserved = ckpt_blob_bytes("rlhf.adamw", "x", 1);
    CHECK(ckpt_save(path, &m, NULL, NULL, &reserved, 1, &e) != 0 && strstr(e.msg, "reserved"));
    CkptBlob unnamed = ckpt_blob_bytes("", "x", 1);
    CHECK(ckpt_save(path, &m, NULL, NULL, &unnamed, 1, &e) != 0 && strstr(e.msg, "name"));
    AdamW o = {0};
    o.n = 5;
    o.m = o.v = (float *)OFFSET;
    CHECK(ckpt_save(path, &m, &o, NULL, NULL, 0, &e) != 0 && strstr(e.msg, "optimizer"));
    CHECK(!rlhf_file_exists(path));
    CHECK(ckpt_save("/nonexistent-dir/x.ckpt", &m, NULL, NULL, NULL, 0, &e) != 0 && strstr(e.msg, "/nonexistent-dir/x.ckpt"));
    gpt2_free(&m);
}

/* Loads path with everything requested; returns 0 on success, and checks an error names the file. */
static int try_load(const char *path, GPT2 *out, RlhfErr *e) {
    AdamW o;
    char *json;
    CkptBlobs blobs;
    GPT2 m;
    memset(e, 0, sizeof *e);
    int rc = ckpt_load(path, &m, &o, &json, &blobs, e);
    if (rc == 0) {
        if (out) *out = m; else gpt2_free(&m);
        adamw_free(&o);
        free(json);
        ckpt_blobs_free(&blobs);
    } else {
        CHECK_MSG(strstr(e->msg, path) != NULL, "error does not name the file: %s", e->msg);
        CHECK(m.param_mem == NULL);
    }
    return rc;
}

TEST(truncated_files_fail_cleanly) {
    GPT2 m;
    AdamW o;
    const char *path = tmp_path("trunc_src.ckpt"), *bad = tmp_path("trunc.ckpt");
    save_full(path, &m, &o);
    size_t n;
    unsigned char *d = slurp(path, &n);
    REQUIRE(d);
    int tried = 0, named = 0;
    for (size_t cut = 0; cut < n; cut += cut < 2816 ? 1 : 331) {
        REQUIRE(spit(bad, d, cut) == 0);
        RlhfErr e;
        CHECK_MSG(try_load(bad, NULL, &e) != 0, "truncated at %zu loaded", cut);
        named += strstr(e.msg, "truncated") != NULL;
        tried++;
    }
    CHECK(named == tried);   /* the file size check catches every cut before any CRC */
    RlhfErr e;
    unsigned char *longer = malloc(n + 1);
    memcpy(longer, d, n);
    longer[n] = 0;
    REQUIRE(spit(bad, longer, n + 1) == 0);
    CHECK(try_load(bad, NULL, &e) != 0 && strstr(e.msg, "trailing"));
    free(longer);
    fprintf(stderr, "  %d truncations of a %zu-byte file rejected\n", tried, n);
    free(d);
    gpt2_free(&m); adamw_free(&o);
}

TEST(flipped_bytes_never_load_silently) {
    GPT2 m;
    AdamW o;
    const char *path = tmp_path("flip_src.ckpt"), *bad = tmp_path("flip.ckpt");
    save_full(path, &m, &o);
    size_t n;
    unsigned char *d = slurp(path, &n);
    REQUIRE(d);
    int flips = 0, crc_errors = 0, padding = 0;
    for (size_t at = 0; at < n; at += at < 2816 ? 1 : 499) {
        d[at] ^= 0x20;
        REQUIRE(spit(bad, d, n) == 0);
        d[at] ^= 0x20;
        RlhfErr e;
        GPT2 got;
        if (try_load(bad, &got, &e) == 0) {
            /* only alignment padding is outside the CRCs: the load must be intact and verify must object */
            CHECK_MSG(!memcmp(got.param_mem, m.param_mem, m.num_params * 4), "flip at %zu changed the parameters", at);
            gpt2_free(&got);
            CHECK_MSG(ckpt_verify(bad, &e) != 0 && strstr(e.msg, "padding"), "flip at %zu: verify passed", at);
            padding++;
        } else {
            crc_errors += strstr(e.msg, "checksum") != NULL;
        }
        flips++;
    }
    CHECK(crc_errors > flips / 2);
    fprintf(stderr, "  %d flips: %d checksum errors, %d in padding (caught by verify), rest field errors\n", flips,
            crc_errors, padding);
    free(d);
    gpt2_free(&m); adamw_free(&o);
}

/* Header layout facts the tests patch (docs/CHECKPOINTS.md): u32 version at 8,
 * u64 header_bytes at 16, config int32s at 32.., heads at 52, entries of 96
 * bytes from 64 (name[48], kind, dtype, ndim, shape[4], crc, u64 offset, u64
 * nbytes), then the u32 CRC32 of the header. */
static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static void fix_header_crc(unsigned char *d) {
    uint64_t hb = rd64(d + 16);
    wr32(d + hb, (uint32_t)crc32(0, d, (uInt)hb));
}
static unsigned char *entry_named(unsigned char *d, const char *name) {
    uint32_t n;
    memcpy(&n, d + 12, 4);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp((char *)d + 64 + 96 * i, name)) return d + 64 + 96 * i;
    return NULL;
}

/* Applies patch to a copy of the reference file, fixes the header CRC when asked,
 * and expects a load error mentioning want. */
static void expect_error(const unsigned char *orig, size_t n, void (*patch)(unsigned char *), int fix_crc, const char *want) {
    unsigned char *d = malloc(n);
    memcpy(d, orig, n);
    patch(d);
    if (fix_crc) fix_header_crc(d);
    const char *bad = tmp_path("patched.ckpt");
    REQUIRE(spit(bad, d, n) == 0);
    RlhfErr e;
    CHECK_MSG(try_load(bad, NULL, &e) != 0, "patch expecting '%s' loaded", want);
    CHECK_MSG(strstr(e.msg, want) != NULL, "expected '%s' in: %s", want, e.msg);
    fprintf(stderr, "    %s\n", e.msg);
    free(d);
}

static void p_magic(unsigned char *d) { memcpy(d, "NOTACKPT", 8); }
static void p_llmc(unsigned char *d) { int32_t x = 20240326; memcpy(d, &x, 4); }
static void p_version(unsigned char *d) { wr32(d + 8, 2); }
static void p_header_bit(unsigned char *d) { d[40] ^= 1; }
static void p_config_embd(unsigned char *d) { wr32(d + 48, 16); }
static void p_config_invalid(unsigned char *d) { wr32(d + 44, 3); }  /* 32 heads not divisible */
static void p_shape(unsigned char *d) { wr32(entry_named(d, "qkvw") + 64, 32); }  /* (2, 96, 32) → (2, 32, 32) */
static void p_missing(unsigned char *d) { entry_named(d, "lnfb")[3] = 'x'; }
static void p_heads(unsigned char *d) { wr32(d + 52, 1); }   /* value head tensors now unexpected */
static void p_absurd(unsigned char *d) { wr64(entry_named(d, "wte") + 88, 1ull << 62); }
static void p_overlap(unsigned char *d) { wr64(entry_named(d, "wpe") + 80, rd64(entry_named(d, "wte") + 80)); }
static void p_entries(unsigned char *d) { wr32(d + 12, 1u << 30); }
static void p_kind(unsigned char *d) { wr32(entry_named(d, "wte") + 48, 99); }
static void p_opt_n(unsigned char *d) { wr64(entry_named(d, "rlhf.adamw.m") + 88, 8); }

TEST(damaged_headers_name_the_problem) {
    GPT2 m;
    AdamW o;
    const char *path = tmp_path("hdr_src.ckpt");
    save_full(path, &m, &o);
    size_t n;
    unsigned char *d = slurp(path, &n);
    REQUIRE(d && entry_named(d, "qkvw") && entry_named(d, "rlhf.adamw.m"));
    expect_error(d, n, p_magic, 0, "magic");
    expect_error(d, n, p_llmc, 0, "llm.c");
    expect_error(d, n, p_version, 0, "version");
    expect_error(d, n, p_header_bit, 0, "header_crc");
    expect_error(d, n, p_config_embd, 1, "tensor 'wte': field 'shape'");
    expect_error(d, n, p_config_invalid, 1, "n_embd 32 not divisible by n_head 3");
    expect_error(d, n, p_shape, 1, "tensor 'qkvw': field 'shape'");
    expect_error(d, n, p_missing, 1, "tensor 'lnfb': missing");
    expect_error(d, n, p_heads, 1, "not part of a model");
    expect_error(d, n, p_absurd, 1, "outside the data area");
    expect_error(d, n, p_overlap, 1, "overlaps");
    expect_error(d, n, p_entries, 0, "n_entries");
    expect_error(d, n, p_kind, 1, "field 'kind'");
    expect_error(d, n, p_opt_n, 1, "optimizer state");
    free(d);
    RlhfErr e;
    CHECK(try_load(tmp_path("does-not-exist.ckpt"), NULL, &e) != 0 && strstr(e.msg, "cannot open"));
    gpt2_free(&m); adamw_free(&o);
}

static int tmp_files_left(void) {
    DIR *dir = opendir(g_dir);
    int n = 0;
    struct dirent *de;
    while (dir && (de = readdir(dir)))
        n += strstr(de->d_name, ".tmp.") != NULL;
    if (dir) closedir(dir);
    return n;
}

TEST(failed_write_keeps_old_file) {
    GPT2 m, big;
    RlhfErr e = {{0}};
    const char *path = tmp_path("atomic.ckpt");
    make_model(&m, 0, 5);
    REQUIRE(ckpt_save(path, &m, NULL, "{\"v\":1}", NULL, 0, &e) == 0);
    size_t n0;
    unsigned char *before = slurp(path, &n0);
    REQUIRE(before);

    /* A file-size limit makes the write fail half-way, as a full disk would. */
    GPT2Config c = tiny_cfg();
    c.n_embd = 64;
    REQUIRE(gpt2_create(&big, &c, 0, &e) == 0);
    fill_random(big.param_mem, big.num_params, 9);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 100000;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = ckpt_save(path, &big, NULL, NULL, NULL, 0, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK(rc != 0);
    fprintf(stderr, "    %s\n", e.msg);
    CHECK(strstr(e.msg, "atomic.ckpt") != NULL);
    size_t n1;
    unsigned char *after = slurp(path, &n1);
    CHECK(after && n1 == n0 && !memcmp(before, after, n0));
    CHECK(tmp_files_left() == 0);
    GPT2 got;
    CHECK(try_load(path, &got, &e) == 0);
    if (got.param_mem) {
        CHECK(!memcmp(got.param_mem, m.param_mem, m.num_params * 4));
        gpt2_free(&got);
    }
    /* and without the limit the same save succeeds and replaces it */
    CHECK(ckpt_save(path, &big, NULL, NULL, NULL, 0, &e) == 0);
    GPT2Config rc_cfg;
    CHECK(ckpt_read_config(path, &rc_cfg, NULL, &e) == 0 && rc_cfg.n_embd == 64);
    CHECK(tmp_files_left() == 0);
    free(before); free(after);
    gpt2_free(&m); gpt2_free(&big);
}

TEST(print_info) {
    GPT2 m;
    AdamW o;
    const char *path = tmp_path("info.ckpt");
    save_full(path, &m, &o);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    RlhfErr e;
    CHECK(ckpt_print_info(path, f, &e) == 0);
    fclose(f);
    CHECK(buf && strstr(buf, "n_layer 2") && strstr(buf, "qkvw") && strstr(buf, "(2, 96, 32)") &&
          strstr(buf, "rlhf.adamw.m") && strstr(buf, "tokenizer") && strstr(buf, "checksums: ok"));
    free(buf);
    gpt2_free(&m); adamw_free(&o);
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/rlhf_test_ckpt_XXXXXX");
    if (!mkdtemp(g_dir)) { perror("mkdtemp"); return 1; }
    RUN(round_trip_bit_exact);
    RUN(optional_parts);
    RUN(save_rejects_bad_arguments);
    RUN(truncated_files_fail_cleanly);
    RUN(flipped_bytes_never_load_silently);
    RUN(damaged_headers_name_the_problem);
    RUN(failed_write_keeps_old_file);
    RUN(print_info);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    return test_summary();
}
