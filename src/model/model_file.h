/* model_file.h — a checkpoint together with the tokenizer it was trained with.
 * Every command that reads or writes a model goes through here, so a model
 * file is always self-contained: the tokenizer travels inside the checkpoint as
 * the CKPT_BLOB_TOKENIZER blob (the bytes of its tok_save file). */
#ifndef RLHF_MODEL_FILE_H
#define RLHF_MODEL_FILE_H

#include "model/adamw.h"
#include "model/checkpoint.h"
#include "model/gpt2.h"
#include "tokenizer/bpe.h"

/* Loads model (and, when not NULL: tokenizer, optimizer, trainer JSON, all blobs).
 * Fails with the path named when the file has no tokenizer and tok is asked for. */
int model_file_load(const char *path, GPT2 *m, Tokenizer **tok, AdamW *opt, char **trainer_json, CkptBlobs *blobs,
                    RlhfErr *e);
/* Saves atomically with the tokenizer embedded; extra blobs are added as given. */
int model_file_save(const char *path, const GPT2 *m, const Tokenizer *tok, const AdamW *opt,
                    const char *trainer_json, const CkptBlob *extra, int nextra, RlhfErr *e);
/* The tokenizer file's bytes (malloc'd), for embedding. */
int tokenizer_to_bytes(const Tokenizer *tok, char **data, size_t *len, RlhfErr *e);
Tokenizer *tokenizer_from_bytes(const char *data, size_t len, const char *what, RlhfErr *e);

#endif
