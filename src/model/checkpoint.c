/* checkpoint.c — see checkpoint.h; the byte layout is specified in
 * docs/CHECKPOINTS.md. All integers are little-endian; float data is written
 * as the host's IEEE-754 binary32, so big-endian hosts are refused at build time. */
#include "model/checkpoint.h"

#include "model/interop_llmc.h"
#include "model/interop_safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint.c writes float data in host order and assumes a little-endian host"
#endif

static const char CKPT_MAGIC[8] = {'R', 'L', 'H', 'F', 'C', 'K', 'P', 'T'};

enum { HDR_BYTES = 64, ENTRY_BYTES = 96, DATA_ALIGN = 64, OPT_HDR_BYTES = 32 };
enum { KIND_PARAM = 1, KIND_OPT = 2, KIND_TRAINER = 3, KIND_BLOB = 4 };
enum { DT_F32 = 1, DT_U8 = 2 };

#define NAME_ADAMW "rlhf.adamw"
#define NAME_ADAMW_M "rlhf.adamw.m"
#define NAME_ADAMW_V "rlhf.adamw.v"
#define NAME_TRAINER "rlhf.trainer"

/* One row of the table (decoded). */
typedef struct Entry {
    char name[CKPT_NAME_MAX];
    uint32_t kind, dtype, ndim;
    int32_t shape[4];
    uint32_t crc;
    uint64_t offset, nbytes;
    const void *src;   /* save: where the bytes come from */
    void *dst;         /* load: where they go (NULL = skip) */
} Entry;

typedef struct Header {
    uint32_t version, n_entries;
    uint64_t header_bytes, file_bytes, data_start;
    GPT2Config cfg;
    uint32_t heads;
    Entry *entries;
} Header;

/* ---- little-endian encoding ---- */

static void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static void put_f32(uint8_t *p, float f) { uint32_t u; memcpy(&u, &f, 4); put_u32(p, u); }
static float get_f32(const uint8_t *p) { uint32_t u = get_u32(p); float f; memcpy(&f, &u, 4); return f; }

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

static uint32_t crc_update(uint32_t crc, const void *data, size_t n) {
    const unsigned char *p = data;
    while (n > 0) {   /* zlib takes uInt lengths */
        size_t k = n > (1u << 30) ? (1u << 30) : n;
        crc = (uint32_t)crc32(crc, p, (uInt)k);
        p += k; n -= k;
    }
    return crc;
}

static const char *kind_name(uint32_t k) {
    switch (k) {
    case KIND_PARAM: return "param";
    case KIND_OPT: return "optimizer";
    case KIND_TRAINER: return "trainer";
    case KIND_BLOB: return "blob";
    default: return "?";
    }
}

/* ---- atomic streaming writer ---- */

int ckpt_file_open(CkptFile *w, const char *path, RlhfErr *e) {
    memset(w, 0, sizeof *w);
    w->e = e;
    size_t pl = strlen(path);
    w->path = rlhf_malloc(pl + 1, e);
    w->tmp = rlhf_malloc(pl + 32, e);
    if (!w->path || !w->tmp) { free(w->path); free(w->tmp); w->path = w->tmp = NULL; return -1; }
    memcpy(w->path, path, pl + 1);
    snprintf(w->tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    w->f = fopen(w->tmp, "wb");
    if (!w->f) {
        rlhf_err(e, "%s: cannot create: %s", w->tmp, strerror(errno));
        free(w->path); free(w->tmp); w->path = w->tmp = NULL;
        return -1;
    }
    return 0;
}

int ckpt_file_write(CkptFile *w, const void *data, size_t n) {
    if (w->failed) return -1;
    if (n && fwrite(data, 1, n, w->f) != n) {
        w->failed = 1;
        return rlhf_err(w->e, "%s: write failed: %s", w->tmp, strerror(errno));
    }
    return 0;
}

int ckpt_file_zeros(CkptFile *w, size_t n) {
    static const char zeros[4096];
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        if (ckpt_file_write(w, zeros, k)) return -1;
        n -= k;
    }
    return 0;
}

int ckpt_file_seek(CkptFile *w, long long offset) {
    if (w->failed) return -1;
    if (fseeko(w->f, (off_t)offset, SEEK_SET) != 0) {
        w->failed = 1;
        return rlhf_err(w->e, "%s: seek failed: %s", w->tmp, strerror(errno));
    }
    return 0;
}

static void file_release(CkptFile *w, int remove_tmp) {
    if (w->f) fclose(w->f);
    if (remove_tmp && w->tmp) unlink(w->tmp);
    free(w->path); free(w->tmp);
    w->f = NULL; w->path = w->tmp = NULL;
}

void ckpt_file_abort(CkptFile *w) { file_release(w, 1); }

int ckpt_file_commit(CkptFile *w) {
    if (w->failed) { ckpt_file_abort(w); return -1; }
    if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) {
        rlhf_err(w->e, "%s: write/fsync failed: %s", w->tmp, strerror(errno));
        ckpt_file_abort(w);
        return -1;
    }
    int rc = fclose(w->f);
    w->f = NULL;
    if (rc != 0) {
        rlhf_err(w->e, "%s: close failed: %s", w->tmp, strerror(errno));
        ckpt_file_abort(w);
        return -1;
    }
    if (rename(w->tmp, w->path) != 0) {
        rlhf_err(w->e, "%s: rename to %s failed: %s", w->tmp, w->path, strerror(errno));
        ckpt_file_abort(w);
        return -1;
    }
    /* fsync the directory so the rename itself survives a crash */
    char *slash = strrchr(w->path, '/');
    const char *dir = ".";
    if (slash) { *slash = 0; dir = slash == w->path ? "/" : w->path; }
    int dfd = open(dir, O_RDONLY);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    file_release(w, 0);
    return 0;
}

/* ---- blobs ---- */

CkptBlob ckpt_blob_bytes(const char *name, const void *data, size_t nbytes) {
    CkptBlob b;
    memset(&b, 0, sizeof b);
    snprintf(b.name, sizeof b.name, "%s", name);
    b.data = data;
    b.nbytes = nbytes;
    return b;
}

CkptBlob ckpt_blob_floats(const char *name, const float *data, size_t count) {
    CkptBlob b = ckpt_blob_bytes(name, data, count * sizeof(float));
    b.is_float = 1;
    return b;
}

const CkptBlob *ckpt_blobs_find(const CkptBlobs *b, const char *name) {
    for (int i = 0; b && i < b->n; i++)
        if (!strcmp(b->items[i].name, name)) return &b->items[i];
    return NULL;
}

void ckpt_blobs_free(CkptBlobs *b) {
    if (!b) return;
    for (int i = 0; i < b->n; i++) free((void *)b->items[i].data);
    free(b->items);
    b->items = NULL;
    b->n = 0;
}

/* ---- save ---- */

static void encode_header(uint8_t *buf, const Header *h) {
    memset(buf, 0, h->data_start);
    memcpy(buf, CKPT_MAGIC, 8);
    put_u32(buf + 8, h->version);
    put_u32(buf + 12, h->n_entries);
    put_u64(buf + 16, h->header_bytes);
    put_u64(buf + 24, h->file_bytes);
    put_u32(buf + 32, (uint32_t)h->cfg.max_seq_len);
    put_u32(buf + 36, (uint32_t)h->cfg.vocab_size);
    put_u32(buf + 40, (uint32_t)h->cfg.n_layer);
    put_u32(buf + 44, (uint32_t)h->cfg.n_head);
    put_u32(buf + 48, (uint32_t)h->cfg.n_embd);
    put_u32(buf + 52, h->heads);
    for (uint32_t i = 0; i < h->n_entries; i++) {
        const Entry *en = &h->entries[i];
        uint8_t *p = buf + HDR_BYTES + (size_t)i * ENTRY_BYTES;
        memcpy(p, en->name, CKPT_NAME_MAX);
        put_u32(p + 48, en->kind);
        put_u32(p + 52, en->dtype);
        put_u32(p + 56, en->ndim);
        for (int d = 0; d < 4; d++) put_u32(p + 60 + 4 * d, (uint32_t)en->shape[d]);
        put_u32(p + 76, en->crc);
        put_u64(p + 80, en->offset);
        put_u64(p + 88, en->nbytes);
    }
    put_u32(buf + h->header_bytes, crc_update(0, buf, h->header_bytes));
}

static Entry *add_entry(Entry *tab, int *n, const char *name, uint32_t kind, uint32_t dtype, const void *src,
                        uint64_t nbytes) {
    Entry *en = &tab[(*n)++];
    memset(en, 0, sizeof *en);
    snprintf(en->name, sizeof en->name, "%s", name);
    en->kind = kind;
    en->dtype = dtype;
    en->src = src;
    en->nbytes = nbytes;
    return en;
}

int ckpt_save(const char *path, const GPT2 *m, const AdamW *opt, const char *trainer_json, const CkptBlob *blobs,
              int nblobs, RlhfErr *e) {
    if (!m || !m->param_mem) return rlhf_err(e, "%s: ckpt_save: model has no parameters", path);
    if (m->decode_layout) return rlhf_err(e, "%s: ckpt_save: the model's matrices are in kv_pack_model's decode layout", path);
    if (nblobs < 0 || nblobs > CKPT_MAX_ENTRIES - 64) return rlhf_err(e, "%s: ckpt_save: %d blobs", path, nblobs);
    if (opt && (!opt->m || !opt->v || opt->n != m->num_params))
        return rlhf_err(e, "%s: ckpt_save: optimizer holds %zu floats, model has %zu parameters", path,
                        opt->n, m->num_params);
    for (int i = 0; i < nblobs; i++) {
        const CkptBlob *b = &blobs[i];
        size_t len = strnlen(b->name, CKPT_NAME_MAX);
        if (len == 0 || len >= CKPT_NAME_MAX)
            return rlhf_err(e, "%s: blob %d: name empty or longer than %d bytes", path, i, CKPT_NAME_MAX - 1);
        if (!strncmp(b->name, "rlhf.", 5)) return rlhf_err(e, "%s: blob '%s': names starting 'rlhf.' are reserved", path, b->name);
        if (b->nbytes && !b->data) return rlhf_err(e, "%s: blob '%s': NULL data", path, b->name);
        if (b->is_float && b->nbytes % 4) return rlhf_err(e, "%s: blob '%s': float blob of %zu bytes", path, b->name, b->nbytes);
        for (int j = 0; j < i; j++)
            if (!strcmp(blobs[j].name, b->name)) return rlhf_err(e, "%s: blob '%s': duplicate name", path, b->name);
    }

    int cap = m->n_tensors + 4 + nblobs, n = 0;
    Entry *tab = rlhf_calloc((size_t)cap, sizeof(Entry), e);
    if (!tab) return -1;
    for (int i = 0; i < m->n_tensors; i++) {
        const GPT2Tensor *t = &m->tensors[i];
        Entry *en = add_entry(tab, &n, t->name, KIND_PARAM, DT_F32, m->param_mem + t->offset, t->numel * 4);
        en->ndim = (uint32_t)t->ndim;
        for (int d = 0; d < t->ndim; d++) en->shape[d] = t->shape[d];
    }
    uint8_t opt_hdr[OPT_HDR_BYTES] = {0};
    if (opt) {
        put_f32(opt_hdr, opt->beta1);
        put_f32(opt_hdr + 4, opt->beta2);
        put_f32(opt_hdr + 8, opt->eps);
        put_f32(opt_hdr + 12, opt->weight_decay);
        put_u64(opt_hdr + 16, (uint64_t)(int64_t)opt->step);
        put_u64(opt_hdr + 24, (uint64_t)opt->n);
        add_entry(tab, &n, NAME_ADAMW, KIND_OPT, DT_U8, opt_hdr, OPT_HDR_BYTES);
        add_entry(tab, &n, NAME_ADAMW_M, KIND_OPT, DT_F32, opt->m, opt->n * 4);
        add_entry(tab, &n, NAME_ADAMW_V, KIND_OPT, DT_F32, opt->v, opt->n * 4);
    }
    if (trainer_json) add_entry(tab, &n, NAME_TRAINER, KIND_TRAINER, DT_U8, trainer_json, strlen(trainer_json));
    for (int i = 0; i < nblobs; i++) {
        Entry *en = add_entry(tab, &n, blobs[i].name, KIND_BLOB, blobs[i].is_float ? DT_F32 : DT_U8, blobs[i].data,
                              blobs[i].nbytes);
        if (blobs[i].is_float && blobs[i].nbytes / 4 <= INT32_MAX) { en->ndim = 1; en->shape[0] = (int32_t)(blobs[i].nbytes / 4); }
    }

    Header h;
    memset(&h, 0, sizeof h);
    h.version = CKPT_VERSION;
    h.n_entries = (uint32_t)n;
    h.header_bytes = HDR_BYTES + (uint64_t)n * ENTRY_BYTES;
    h.data_start = align_up(h.header_bytes + 4, DATA_ALIGN);
    h.cfg = m->cfg;
    h.heads = (uint32_t)m->heads;
    h.entries = tab;
    uint64_t off = h.data_start;
    for (int i = 0; i < n; i++) {
        tab[i].offset = off;
        off = align_up(off + tab[i].nbytes, DATA_ALIGN);
    }
    h.file_bytes = n ? tab[n - 1].offset + tab[n - 1].nbytes : h.data_start;

    uint8_t *hbuf = rlhf_malloc(h.data_start, e);
    if (!hbuf) { free(tab); return -1; }
    CkptFile w;
    if (ckpt_file_open(&w, path, e)) { free(hbuf); free(tab); return -1; }
    /* The header goes first with zero CRCs and is rewritten once the data's CRCs are known. */
    encode_header(hbuf, &h);
    int rc = ckpt_file_write(&w, hbuf, h.data_start);
    uint64_t pos = h.data_start;
    for (int i = 0; i < n && !rc; i++) {
        Entry *en = &tab[i];
        rc = ckpt_file_zeros(&w, en->offset - pos);
        en->crc = crc_update(0, en->src, en->nbytes);
        if (!rc) rc = ckpt_file_write(&w, en->src, en->nbytes);
        pos = en->offset + en->nbytes;
    }
    if (!rc) {
        encode_header(hbuf, &h);
        rc = ckpt_file_seek(&w, 0);
        if (!rc) rc = ckpt_file_write(&w, hbuf, h.header_bytes + 4);
    }
    free(hbuf);
    free(tab);
    if (rc) { ckpt_file_abort(&w); return -1; }
    return ckpt_file_commit(&w);
}

/* ---- load ---- */

static void header_free(Header *h) { free(h->entries); h->entries = NULL; }

/* Reads and validates the header and table: everything but the data's CRCs.
 * Returns the open file positioned anywhere, or NULL with e set. */
static FILE *open_header(const char *path, Header *h, RlhfErr *e) {
    memset(h, 0, sizeof *h);
    uint64_t size;
    FILE *f = rlhf_open_regular(path, &size, e);
    if (!f) return NULL;
    uint8_t fixed[HDR_BYTES];
    uint8_t *buf = NULL;
    if (size < 8 || fread(fixed, 1, 8, f) != 8) {
        rlhf_err(e, "%s: truncated: %llu bytes is too short for a checkpoint header", path, (unsigned long long)size);
        goto fail;
    }
    if (memcmp(fixed, CKPT_MAGIC, 8) != 0) {
        int32_t first; memcpy(&first, fixed, 4);
        if (first == 20240326) rlhf_err(e, "%s: field 'magic': this is an llm.c .bin checkpoint, not an rlhf checkpoint (use rlhf convert --from llmc)", path);
        else if (get_u64(fixed) < size && size > 9) rlhf_err(e, "%s: field 'magic': not an rlhf checkpoint (a safetensors file? use rlhf convert --from safetensors)", path);
        else rlhf_err(e, "%s: field 'magic': not an rlhf checkpoint (bad magic)", path);
        goto fail;
    }
    if (size < HDR_BYTES || fread(fixed + 8, 1, HDR_BYTES - 8, f) != HDR_BYTES - 8) {
        rlhf_err(e, "%s: truncated: %llu bytes is too short for a checkpoint header (%d)", path, (unsigned long long)size, HDR_BYTES);
        goto fail;
    }
    h->version = get_u32(fixed + 8);
    if (h->version != CKPT_VERSION) {
        rlhf_err(e, "%s: field 'version': format version %u, this build reads version %d", path, h->version, CKPT_VERSION);
        goto fail;
    }
    h->n_entries = get_u32(fixed + 12);
    h->header_bytes = get_u64(fixed + 16);
    h->file_bytes = get_u64(fixed + 24);
    if (h->n_entries > CKPT_MAX_ENTRIES) {
        rlhf_err(e, "%s: field 'n_entries': %u entries (at most %d)", path, h->n_entries, CKPT_MAX_ENTRIES);
        goto fail;
    }
    if (h->header_bytes != HDR_BYTES + (uint64_t)h->n_entries * ENTRY_BYTES) {
        rlhf_err(e, "%s: field 'header_bytes': %llu, expected %llu for %u entries", path,
                 (unsigned long long)h->header_bytes, (unsigned long long)(HDR_BYTES + (uint64_t)h->n_entries * ENTRY_BYTES), h->n_entries);
        goto fail;
    }
    if (h->file_bytes != size) {
        if (size < h->file_bytes)
            rlhf_err(e, "%s: truncated: %llu bytes, the header says %llu", path, (unsigned long long)size, (unsigned long long)h->file_bytes);
        else
            rlhf_err(e, "%s: field 'file_bytes': header says %llu bytes but the file has %llu (trailing data)", path,
                     (unsigned long long)h->file_bytes, (unsigned long long)size);
        goto fail;
    }
    h->data_start = align_up(h->header_bytes + 4, DATA_ALIGN);
    if (h->header_bytes + 4 > size) {
        rlhf_err(e, "%s: truncated: the tensor table needs %llu bytes, the file has %llu", path,
                 (unsigned long long)(h->header_bytes + 4), (unsigned long long)size);
        goto fail;
    }
    buf = rlhf_malloc(h->header_bytes + 4, e);
    if (!buf) goto fail;
    memcpy(buf, fixed, HDR_BYTES);
    if (fread(buf + HDR_BYTES, 1, h->header_bytes + 4 - HDR_BYTES, f) != h->header_bytes + 4 - HDR_BYTES) {
        rlhf_err(e, "%s: read error in the tensor table", path);
        goto fail;
    }
    uint32_t want = get_u32(buf + h->header_bytes), got = crc_update(0, buf, h->header_bytes);
    if (want != got) {
        rlhf_err(e, "%s: field 'header_crc': checksum mismatch in the header (stored %08x, computed %08x): file is corrupt",
                 path, want, got);
        goto fail;
    }
    h->cfg.max_seq_len = (int32_t)get_u32(buf + 32);
    h->cfg.vocab_size = (int32_t)get_u32(buf + 36);
    h->cfg.n_layer = (int32_t)get_u32(buf + 40);
    h->cfg.n_head = (int32_t)get_u32(buf + 44);
    h->cfg.n_embd = (int32_t)get_u32(buf + 48);
    h->heads = get_u32(buf + 52);
    if (gpt2_config_validate(&h->cfg, e)) { rlhf_err_wrap(e, "%s", path); goto fail; }
    if (h->heads & ~(uint32_t)(GPT2_HEAD_SCALAR | GPT2_HEAD_VALUE)) {
        rlhf_err(e, "%s: field 'heads': unknown head flags 0x%x", path, h->heads);
        goto fail;
    }
    h->entries = rlhf_calloc(h->n_entries ? h->n_entries : 1, sizeof(Entry), e);
    if (!h->entries) goto fail;
    for (uint32_t i = 0; i < h->n_entries; i++) {
        Entry *en = &h->entries[i];
        const uint8_t *p = buf + HDR_BYTES + (size_t)i * ENTRY_BYTES;
        memcpy(en->name, p, CKPT_NAME_MAX);
        if (memchr(en->name, 0, CKPT_NAME_MAX) == NULL || en->name[0] == 0) {
            rlhf_err(e, "%s: entry %u: field 'name': empty or not NUL-terminated", path, i);
            goto fail;
        }
        en->kind = get_u32(p + 48);
        en->dtype = get_u32(p + 52);
        en->ndim = get_u32(p + 56);
        for (int d = 0; d < 4; d++) en->shape[d] = (int32_t)get_u32(p + 60 + 4 * d);
        en->crc = get_u32(p + 76);
        en->offset = get_u64(p + 80);
        en->nbytes = get_u64(p + 88);
        if (en->kind < KIND_PARAM || en->kind > KIND_BLOB) {
            rlhf_err(e, "%s: entry '%s': field 'kind': unknown kind %u", path, en->name, en->kind);
            goto fail;
        }
        if (en->dtype != DT_F32 && en->dtype != DT_U8) {
            rlhf_err(e, "%s: entry '%s': field 'dtype': unknown dtype %u (1 = f32, 2 = bytes)", path, en->name, en->dtype);
            goto fail;
        }
        if (en->ndim > 4) {
            rlhf_err(e, "%s: entry '%s': field 'ndim': %u dimensions", path, en->name, en->ndim);
            goto fail;
        }
        if (en->dtype == DT_F32 && en->nbytes % 4) {
            rlhf_err(e, "%s: entry '%s': field 'nbytes': %llu is not a whole number of floats", path, en->name,
                     (unsigned long long)en->nbytes);
            goto fail;
        }
        if (en->offset < h->data_start || en->offset > size || en->nbytes > size - en->offset) {
            rlhf_err(e, "%s: entry '%s': field 'offset': bytes [%llu, +%llu) lie outside the data area [%llu, %llu)", path,
                     en->name, (unsigned long long)en->offset, (unsigned long long)en->nbytes,
                     (unsigned long long)h->data_start, (unsigned long long)size);
            goto fail;
        }
        for (uint32_t j = 0; j < i; j++) {
            const Entry *o = &h->entries[j];
            if (!strcmp(o->name, en->name)) {
                rlhf_err(e, "%s: entry '%s': duplicate name", path, en->name);
                goto fail;
            }
            if (en->nbytes && o->nbytes && en->offset < o->offset + o->nbytes && o->offset < en->offset + en->nbytes) {
                rlhf_err(e, "%s: entry '%s': field 'offset': overlaps entry '%s'", path, en->name, o->name);
                goto fail;
            }
        }
    }
    free(buf);
    return f;
fail:
    free(buf);
    header_free(h);
    fclose(f);
    return NULL;
}

/* Reads one entry into dst (or only checks it when dst is NULL) and verifies its CRC. */
static int read_entry(FILE *f, const char *path, const Entry *en, void *dst, RlhfErr *e) {
    if (fseeko(f, (off_t)en->offset, SEEK_SET) != 0)
        return rlhf_err(e, "%s: entry '%s': seek to %llu failed: %s", path, en->name, (unsigned long long)en->offset,
                        strerror(errno));
    enum { CHUNK = 1 << 20 };
    unsigned char *scratch = NULL;
    if (!dst) {
        scratch = rlhf_malloc(CHUNK, e);
        if (!scratch) return -1;
    }
    uint32_t crc = 0;
    uint64_t done = 0;
    while (done < en->nbytes) {
        size_t k = (size_t)((en->nbytes - done) < CHUNK ? (en->nbytes - done) : CHUNK);
        unsigned char *p = dst ? (unsigned char *)dst + done : scratch;
        if (fread(p, 1, k, f) != k) {
            free(scratch);
            return rlhf_err(e, "%s: entry '%s': truncated or unreadable at byte %llu", path, en->name,
                            (unsigned long long)(en->offset + done));
        }
        crc = crc_update(crc, p, k);
        done += k;
    }
    free(scratch);
    if (crc != en->crc)
        return rlhf_err(e, "%s: entry '%s': checksum mismatch (stored %08x, computed %08x): file is corrupt", path, en->name,
                        en->crc, crc);
    return 0;
}

static const Entry *find_entry(const Header *h, const char *name) {
    for (uint32_t i = 0; i < h->n_entries; i++)
        if (!strcmp(h->entries[i].name, name)) return &h->entries[i];
    return NULL;
}

static void fmt_shape(char *out, size_t cap, int ndim, const int *shape) {
    size_t n = 0;
    n += (size_t)snprintf(out + n, cap - n, "(");
    for (int d = 0; d < ndim && n < cap; d++) n += (size_t)snprintf(out + n, cap - n, "%s%d", d ? ", " : "", shape[d]);
    if (n < cap) snprintf(out + n, cap - n, ")");
}

int ckpt_load(const char *path, GPT2 *m, AdamW *opt, char **trainer_json, CkptBlobs *blobs, RlhfErr *e) {
    memset(m, 0, sizeof *m);
    if (opt) memset(opt, 0, sizeof *opt);
    if (trainer_json) *trainer_json = NULL;
    if (blobs) memset(blobs, 0, sizeof *blobs);
    Header h;
    FILE *f = open_header(path, &h, e);
    if (!f) return -1;
    if (gpt2_create(m, &h.cfg, (int)h.heads, e)) { rlhf_err_wrap(e, "%s", path); goto fail; }

    /* Every model tensor must be in the file with the shape the config implies,
     * and every parameter in the file must belong to the model. */
    for (int i = 0; i < m->n_tensors; i++) {
        const GPT2Tensor *t = &m->tensors[i];
        const Entry *en = find_entry(&h, t->name);
        if (!en || en->kind != KIND_PARAM) {
            rlhf_err(e, "%s: tensor '%s': missing (the config and heads flags need it)", path, t->name);
            goto fail;
        }
        int same = en->dtype == DT_F32 && (int)en->ndim == t->ndim && en->nbytes == t->numel * 4;
        for (int d = 0; same && d < t->ndim; d++) same = en->shape[d] == t->shape[d];
        if (!same) {
            char want[64], got[64];
            fmt_shape(want, sizeof want, t->ndim, t->shape);
            fmt_shape(got, sizeof got, (int)en->ndim, en->shape);
            rlhf_err(e, "%s: tensor '%s': field 'shape': file has %s %s of %llu bytes, the config needs f32 %s", path,
                     t->name, en->dtype == DT_F32 ? "f32" : "bytes", got, (unsigned long long)en->nbytes, want);
            goto fail;
        }
        if (read_entry(f, path, en, m->param_mem + t->offset, e)) goto fail;
    }
    for (uint32_t i = 0; i < h.n_entries; i++)
        if (h.entries[i].kind == KIND_PARAM && !gpt2_find_tensor(m, h.entries[i].name)) {
            rlhf_err(e, "%s: tensor '%s': not part of a model with heads flags 0x%x", path, h.entries[i].name, h.heads);
            goto fail;
        }

    if (opt) {
        const Entry *eh = find_entry(&h, NAME_ADAMW), *em = find_entry(&h, NAME_ADAMW_M), *ev = find_entry(&h, NAME_ADAMW_V);
        if (eh || em || ev) {
            if (!eh || !em || !ev) {
                rlhf_err(e, "%s: optimizer state incomplete: needs entries '%s', '%s' and '%s'", path, NAME_ADAMW,
                         NAME_ADAMW_M, NAME_ADAMW_V);
                goto fail;
            }
            if (eh->nbytes != OPT_HDR_BYTES) {
                rlhf_err(e, "%s: entry '%s': field 'nbytes': %llu, expected %d", path, NAME_ADAMW, (unsigned long long)eh->nbytes, OPT_HDR_BYTES);
                goto fail;
            }
            uint8_t hb[OPT_HDR_BYTES];
            if (read_entry(f, path, eh, hb, e)) goto fail;
            uint64_t n = get_u64(hb + 24);
            if (n != m->num_params || em->nbytes != n * 4 || ev->nbytes != n * 4 || em->dtype != DT_F32 || ev->dtype != DT_F32) {
                rlhf_err(e, "%s: optimizer state: field 'n': %llu floats (m %llu bytes, v %llu bytes), the model has %zu parameters",
                         path, (unsigned long long)n, (unsigned long long)em->nbytes, (unsigned long long)ev->nbytes, m->num_params);
                goto fail;
            }
            opt->beta1 = get_f32(hb);
            opt->beta2 = get_f32(hb + 4);
            opt->eps = get_f32(hb + 8);
            opt->weight_decay = get_f32(hb + 12);
            opt->step = (long)(int64_t)get_u64(hb + 16);
            opt->n = (size_t)n;
            opt->m = rlhf_malloc(n * 4, e);
            opt->v = rlhf_malloc(n * 4, e);
            if (!opt->m || !opt->v) goto fail;
            if (read_entry(f, path, em, opt->m, e) || read_entry(f, path, ev, opt->v, e)) goto fail;
        }
    }

    if (trainer_json) {
        const Entry *en = find_entry(&h, NAME_TRAINER);
        if (en) {
            char *s = rlhf_malloc(en->nbytes + 1, e);
            if (!s) goto fail;
            s[en->nbytes] = 0;
            *trainer_json = s;
            if (read_entry(f, path, en, s, e)) goto fail;
            if (strlen(s) != en->nbytes) {
                rlhf_err(e, "%s: entry '%s': contains a NUL byte", path, NAME_TRAINER);
                goto fail;
            }
        }
    }

    if (blobs) {
        int nb = 0;
        for (uint32_t i = 0; i < h.n_entries; i++) nb += h.entries[i].kind == KIND_BLOB;
        blobs->items = rlhf_calloc((size_t)(nb ? nb : 1), sizeof(CkptBlob), e);
        if (!blobs->items) goto fail;
        for (uint32_t i = 0; i < h.n_entries; i++) {
            const Entry *en = &h.entries[i];
            if (en->kind != KIND_BLOB) continue;
            CkptBlob *b = &blobs->items[blobs->n++];
            memcpy(b->name, en->name, CKPT_NAME_MAX);
            b->is_float = en->dtype == DT_F32;
            b->nbytes = (size_t)en->nbytes;
            char *d = rlhf_malloc(en->nbytes + 1, e);
            if (!d) goto fail;
            d[en->nbytes] = 0;
            b->data = d;
            if (read_entry(f, path, en, d, e)) goto fail;
        }
    }
    fclose(f);
    header_free(&h);
    return 0;
fail:
    fclose(f);
    header_free(&h);
    if (m->param_mem) gpt2_free(m);
    if (opt) { adamw_free(opt); memset(opt, 0, sizeof *opt); }
    if (trainer_json) { free(*trainer_json); *trainer_json = NULL; }
    if (blobs) ckpt_blobs_free(blobs);
    return -1;
}

int ckpt_load_model(const char *path, int n_head, GPT2 *m, RlhfErr *e) {
    if (llmc_is_checkpoint(path)) return llmc_import(path, m, e);
    if (safetensors_is_file(path)) return safetensors_import(path, n_head, m, e);
    return ckpt_load(path, m, NULL, NULL, NULL, e);   /* also gives the errors for unknown files */
}

int ckpt_read_config(const char *path, GPT2Config *cfg, int *heads, RlhfErr *e) {
    Header h;
    FILE *f = open_header(path, &h, e);
    if (!f) return -1;
    if (cfg) *cfg = h.cfg;
    if (heads) *heads = (int)h.heads;
    fclose(f);
    header_free(&h);
    return 0;
}

static int cmp_offset(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The alignment padding between regions is not covered by a CRC; it must be zero. */
static int check_zeros(FILE *f, const char *path, uint64_t from, uint64_t to, RlhfErr *e) {
    if (from >= to) return 0;
    if (fseeko(f, (off_t)from, SEEK_SET) != 0) return rlhf_err(e, "%s: seek to %llu failed", path, (unsigned long long)from);
    for (uint64_t p = from; p < to; p++) {
        int c = fgetc(f);
        if (c != 0) return rlhf_err(e, "%s: padding byte %llu is %s: file is corrupt", path, (unsigned long long)p, c == EOF ? "missing" : "not zero");
    }
    return 0;
}

int ckpt_verify(const char *path, RlhfErr *e) {
    Header h;
    FILE *f = open_header(path, &h, e);
    if (!f) return -1;
    int rc = 0;
    qsort(h.entries, h.n_entries, sizeof(Entry), cmp_offset);
    uint64_t pos = h.header_bytes + 4;
    for (uint32_t i = 0; i < h.n_entries && !rc; i++) {
        rc = check_zeros(f, path, pos, h.entries[i].offset, e);
        if (!rc) rc = read_entry(f, path, &h.entries[i], NULL, e);
        pos = h.entries[i].offset + h.entries[i].nbytes;
    }
    if (!rc) rc = check_zeros(f, path, pos, h.file_bytes, e);
    fclose(f);
    header_free(&h);
    return rc;
}

int ckpt_print_info(const char *path, FILE *out, RlhfErr *e) {
    Header h;
    FILE *f = open_header(path, &h, e);
    if (!f) return -1;
    fclose(f);
    const GPT2Config *c = &h.cfg;
    uint64_t nparams = 0;
    for (uint32_t i = 0; i < h.n_entries; i++)
        if (h.entries[i].kind == KIND_PARAM) nparams += h.entries[i].nbytes / 4;
    fprintf(out, "format: rlhf checkpoint, version %u, %llu bytes\n", h.version, (unsigned long long)h.file_bytes);
    fprintf(out, "config: n_layer %d, n_head %d, n_embd %d, max_seq_len %d, vocab_size %d\n", c->n_layer, c->n_head,
            c->n_embd, c->max_seq_len, c->vocab_size);
    fprintf(out, "heads: %s%s%s\n", h.heads & GPT2_HEAD_SCALAR ? "scalar " : "", h.heads & GPT2_HEAD_VALUE ? "value " : "",
            h.heads ? "" : "none");
    fprintf(out, "parameters: %llu (%.2fM)\n", (unsigned long long)nparams, (double)nparams / 1e6);
    fprintf(out, "%-24s %-9s %-5s %-22s %12s %12s %8s\n", "name", "kind", "dtype", "shape", "offset", "bytes", "crc32");
    for (uint32_t i = 0; i < h.n_entries; i++) {
        const Entry *en = &h.entries[i];
        char shape[64] = "-";
        int sh[4] = {en->shape[0], en->shape[1], en->shape[2], en->shape[3]};
        if (en->ndim) fmt_shape(shape, sizeof shape, (int)en->ndim, sh);
        fprintf(out, "%-24s %-9s %-5s %-22s %12llu %12llu %08x\n", en->name, kind_name(en->kind),
                en->dtype == DT_F32 ? "f32" : "bytes", shape, (unsigned long long)en->offset,
                (unsigned long long)en->nbytes, en->crc);
    }
    header_free(&h);
    if (ckpt_verify(path, e)) return -1;
    fprintf(out, "checksums: ok\n");
    return 0;
}

int ckpt_is_checkpoint(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char magic[8];
    int ok = fread(magic, 1, 8, f) == 8 && !memcmp(magic, CKPT_MAGIC, 8);
    fclose(f);
    return ok;
}
