/* interop_llmc.c — see interop_llmc.h. The header and parameter sizes are
 * validated against the file size before anything is allocated, so a
 * truncated or absurd file gives an error, never a huge allocation. */
#include "model/interop_llmc.h"

#include <errno.h>
#include <string.h>

#include "model/checkpoint.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "interop_llmc.c reads llm.c's little-endian files in host order"
#endif

static const char *HEADER_FIELDS[8] = {"magic", "version", "max_seq_len", "vocab_size",
                                       "num_layers", "num_heads", "channels", "padded_vocab_size"};

int llmc_padded_vocab(int vocab_size) { return (vocab_size + 127) / 128 * 128; }

typedef struct LlmcHeader {
    int version;
    GPT2Config cfg;
    int padded_vocab;
    uint64_t expect_bytes;  /* header + every float */
    uint64_t file_bytes;
} LlmcHeader;

static FILE *read_header(const char *path, LlmcHeader *h, RlhfErr *e) {
    memset(h, 0, sizeof *h);
    FILE *f = rlhf_open_regular(path, &h->file_bytes, e);
    if (!f) return NULL;
    int32_t hd[LLMC_HEADER_INTS];
    if (h->file_bytes < sizeof hd || fread(hd, sizeof hd, 1, f) != 1) {
        rlhf_err(e, "%s: truncated: %llu bytes, an llm.c header alone is %zu", path, (unsigned long long)h->file_bytes,
                 sizeof hd);
        goto fail;
    }
    if (hd[0] != LLMC_MAGIC) {
        rlhf_err(e, "%s: field 'magic': %d, llm.c checkpoints start with %d", path, hd[0], LLMC_MAGIC);
        goto fail;
    }
    h->version = hd[1];
    if (h->version != 3 && h->version != 1) {
        rlhf_err(e, "%s: field 'version': %d; supported are 3 (fp32, padded vocab) and 1 (fp32)%s", path, hd[1],
                 hd[1] == 5 ? " — version 5 is bf16, export fp32 from llm.c" : "");
        goto fail;
    }
    for (int i = 2; i <= (h->version == 3 ? 7 : 6); i++)
        if (hd[i] <= 0) {
            rlhf_err(e, "%s: field '%s': %d", path, HEADER_FIELDS[i], hd[i]);
            goto fail;
        }
    h->cfg.max_seq_len = hd[2];
    h->cfg.vocab_size = hd[3];
    h->cfg.n_layer = hd[4];
    h->cfg.n_head = hd[5];
    h->cfg.n_embd = hd[6];
    h->padded_vocab = h->version == 3 ? hd[7] : hd[3];
    if (gpt2_config_validate(&h->cfg, e)) { rlhf_err_wrap(e, "%s: header", path); goto fail; }
    if (h->padded_vocab < h->cfg.vocab_size) {
        rlhf_err(e, "%s: field 'padded_vocab_size': %d is smaller than vocab_size %d", path, h->padded_vocab,
                 h->cfg.vocab_size);
        goto fail;
    }
    uint64_t C = (uint64_t)h->cfg.n_embd, L = (uint64_t)h->cfg.n_layer;
    uint64_t floats = (uint64_t)h->padded_vocab * C + (uint64_t)h->cfg.max_seq_len * C + L * (12 * C * C + 13 * C) + 2 * C;
    h->expect_bytes = sizeof hd + 4 * floats;
    if (h->file_bytes != h->expect_bytes) {
        if (h->file_bytes < h->expect_bytes)
            rlhf_err(e, "%s: truncated: %llu bytes, the header's config needs %llu", path,
                     (unsigned long long)h->file_bytes, (unsigned long long)h->expect_bytes);
        else
            rlhf_err(e, "%s: %llu bytes, the header's config needs %llu (trailing data or a wrong header)", path,
                     (unsigned long long)h->file_bytes, (unsigned long long)h->expect_bytes);
        goto fail;
    }
    return f;
fail:
    fclose(f);
    return NULL;
}

static int read_floats(FILE *f, const char *path, const char *what, float *dst, size_t n, RlhfErr *e) {
    if (fread(dst, sizeof(float), n, f) != n) return rlhf_err(e, "%s: tensor '%s': short read", path, what);
    return 0;
}

int llmc_import(const char *path, GPT2 *m, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    LlmcHeader h;
    FILE *f = read_header(path, &h, e);
    if (!f) return -1;
    if (gpt2_create(m, &h.cfg, 0, e)) { fclose(f); return rlhf_err_wrap(e, "%s", path); }
    const GPT2Tensor *wte = &m->tensors[0], *first = &m->tensors[1], *last = &m->tensors[GPT2_NUM_BASE_TENSORS - 1];
    size_t pad = (size_t)(h.padded_vocab - h.cfg.vocab_size) * (size_t)h.cfg.n_embd;
    int rc = read_floats(f, path, "wte", m->param_mem + wte->offset, wte->numel, e);
    if (!rc && pad && fseeko(f, (off_t)(pad * sizeof(float)), SEEK_CUR) != 0)
        rc = rlhf_err(e, "%s: seek past the wte padding failed: %s", path, strerror(errno));
    /* wpe .. lnfb are contiguous in both layouts */
    if (!rc) rc = read_floats(f, path, "wpe..lnfb", m->param_mem + first->offset, last->offset + last->numel - first->offset, e);
    fclose(f);
    if (rc) gpt2_free(m);
    return rc;
}

int llmc_export(const char *path, const GPT2 *m, RlhfErr *e) {
    const GPT2Config *c = &m->cfg;
    if (m->decode_layout) return rlhf_err(e, "%s: llmc_export: the model's matrices are in kv_pack_model's decode layout", path);
    int32_t hd[LLMC_HEADER_INTS];
    memset(hd, 0, sizeof hd);
    hd[0] = LLMC_MAGIC;
    hd[1] = 3;
    hd[2] = c->max_seq_len;
    hd[3] = c->vocab_size;
    hd[4] = c->n_layer;
    hd[5] = c->n_head;
    hd[6] = c->n_embd;
    hd[7] = llmc_padded_vocab(c->vocab_size);
    const GPT2Tensor *wte = &m->tensors[0], *first = &m->tensors[1], *last = &m->tensors[GPT2_NUM_BASE_TENSORS - 1];
    CkptFile w;
    if (ckpt_file_open(&w, path, e)) return -1;
    int rc = ckpt_file_write(&w, hd, sizeof hd);
    if (!rc) rc = ckpt_file_write(&w, m->param_mem + wte->offset, wte->numel * sizeof(float));
    if (!rc) rc = ckpt_file_zeros(&w, (size_t)(hd[7] - c->vocab_size) * (size_t)c->n_embd * sizeof(float));
    if (!rc) rc = ckpt_file_write(&w, m->param_mem + first->offset, (last->offset + last->numel - first->offset) * sizeof(float));
    if (rc) { ckpt_file_abort(&w); return -1; }
    return ckpt_file_commit(&w);
}

int llmc_print_info(const char *path, FILE *out, RlhfErr *e) {
    LlmcHeader h;
    FILE *f = read_header(path, &h, e);
    if (!f) return -1;
    fclose(f);
    GPT2 m;   /* only for the tensor table: shapes and counts */
    const GPT2Config *c = &h.cfg;
    fprintf(out, "format: llm.c GPT-2 checkpoint, version %d (fp32), %llu bytes\n", h.version,
            (unsigned long long)h.file_bytes);
    fprintf(out, "config: n_layer %d, n_head %d, n_embd %d, max_seq_len %d, vocab_size %d, padded_vocab_size %d\n",
            c->n_layer, c->n_head, c->n_embd, c->max_seq_len, c->vocab_size, h.padded_vocab);
    if (gpt2_create(&m, c, 0, e)) return rlhf_err_wrap(e, "%s", path);
    fprintf(out, "parameters: %zu (%.2fM) + %d padding rows\n", m.num_params, (double)m.num_params / 1e6,
            h.padded_vocab - c->vocab_size);
    for (int i = 0; i < m.n_tensors; i++) {
        const GPT2Tensor *t = &m.tensors[i];
        int rows = i == 0 ? h.padded_vocab : t->shape[0];
        fprintf(out, "  %-10s (%d", t->name, rows);
        for (int d = 1; d < t->ndim; d++) fprintf(out, ", %d", t->shape[d]);
        fprintf(out, ")\n");
    }
    gpt2_free(&m);
    return 0;
}

int llmc_is_checkpoint(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int32_t magic = 0;
    int ok = fread(&magic, 4, 1, f) == 1 && magic == LLMC_MAGIC;
    fclose(f);
    return ok;
}
