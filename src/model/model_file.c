/* model_file.c — see model_file.h. The tokenizer has a file format of its own
 * (tok_save / tok_load); embedding it goes through a private temp file so the
 * one parser that validates tokenizer files is the one that reads it. */
#include "model/model_file.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int temp_path(char *buf, size_t n) {
    const char *dir = getenv("TMPDIR");
    snprintf(buf, n, "%s/rlhf-tok-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(buf);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

int tokenizer_to_bytes(const Tokenizer *tok, char **data, size_t *len, RlhfErr *e) {
    char p[512];
    if (temp_path(p, sizeof p)) return rlhf_err(e, "cannot create a temporary file in $TMPDIR or /tmp");
    int rc = tok_save(tok, p, e);
    if (!rc) rc = rlhf_read_file(p, data, len, e);
    unlink(p);
    return rc;
}

Tokenizer *tokenizer_from_bytes(const char *data, size_t len, const char *what, RlhfErr *e) {
    char p[512];
    if (temp_path(p, sizeof p)) { rlhf_err(e, "cannot create a temporary file in $TMPDIR or /tmp"); return NULL; }
    Tokenizer *tok = NULL;
    FILE *f = fopen(p, "wb");
    if (f && fwrite(data, 1, len, f) == len && fclose(f) == 0) {
        tok = tok_load(p, e);
        if (!tok) rlhf_err_wrap(e, "%s: embedded tokenizer", what);
    } else {
        if (f) fclose(f);
        rlhf_err(e, "%s: cannot write temporary file %s", what, p);
    }
    unlink(p);
    return tok;
}

int model_file_load(const char *path, GPT2 *m, Tokenizer **tok, AdamW *opt, char **trainer_json, CkptBlobs *blobs,
                    RlhfErr *e) {
    CkptBlobs local = {0};
    CkptBlobs *bl = blobs ? blobs : &local;
    if (ckpt_load(path, m, opt, trainer_json, bl, e)) return -1;
    if (tok) {
        *tok = NULL;
        const CkptBlob *b = ckpt_blobs_find(bl, CKPT_BLOB_TOKENIZER);
        if (!b) {
            rlhf_err(e, "%s: checkpoint has no embedded tokenizer (blob '%s')", path, CKPT_BLOB_TOKENIZER);
            goto fail;
        }
        *tok = tokenizer_from_bytes(b->data, b->nbytes, path, e);
        if (!*tok) goto fail;
        if (tok_vocab_size(*tok) > m->cfg.vocab_size) {
            rlhf_err(e, "%s: tokenizer has %d tokens but the model's vocab_size is %d", path, tok_vocab_size(*tok),
                     m->cfg.vocab_size);
            tok_free(*tok);
            *tok = NULL;
            goto fail;
        }
    }
    if (!blobs) ckpt_blobs_free(&local);
    return 0;
fail:
    ckpt_blobs_free(bl);
    gpt2_free(m);
    if (opt) adamw_free(opt);
    if (trainer_json) { free(*trainer_json); *trainer_json = NULL; }
    return -1;
}

int model_file_save(const char *path, const GPT2 *m, const Tokenizer *tok, const AdamW *opt,
                    const char *trainer_json, const CkptBlob *extra, int nextra, RlhfErr *e) {
    char *tb = NULL;
    size_t tl = 0;
    if (tok && tokenizer_to_bytes(tok, &tb, &tl, e)) return -1;
    CkptBlob *all = rlhf_calloc((size_t)nextra + 1, sizeof *all, e);
    if (!all) { free(tb); return -1; }
    int n = 0;
    if (tok) all[n++] = ckpt_blob_bytes(CKPT_BLOB_TOKENIZER, tb, tl);
    for (int i = 0; i < nextra; i++) all[n++] = extra[i];
    int rc = ckpt_save(path, m, opt, trainer_json, all, n, e);
    free(all);
    free(tb);
    return rc;
}
