/* checkpoint.h — rlhf.c's own checkpoint format (spec: docs/CHECKPOINTS.md).
 *
 * One file holds a model (config, heads, every parameter tensor) and, when
 * given, the AdamW state, the trainer's state as a JSON string, and any number
 * of named float or byte blobs (a judge's score offset, the tokenizer file the
 * model was trained with, ...). Every region carries a CRC32 and the header
 * has its own, so corruption anywhere is caught; files are written to a temp
 * file, fsynced and renamed, so a crash never leaves a half-written checkpoint
 * under the final name.
 *
 *   ckpt_save("run/ckpt.bin", &model, &opt, json, blobs, 2, &e);
 *
 *   GPT2 m; AdamW opt; char *json; CkptBlobs blobs;
 *   if (ckpt_load("run/ckpt.bin", &m, &opt, &json, &blobs, &e)) { ...e.msg... }
 *   const CkptBlob *tok = ckpt_blobs_find(&blobs, CKPT_BLOB_TOKENIZER);
 *   ... gpt2_free(&m); adamw_free(&opt); free(json); ckpt_blobs_free(&blobs);
 *
 * Loading verifies the checksums of everything it reads; parts the caller did
 * not ask for (opt / trainer_json / blobs == NULL) are skipped, not read.
 * ckpt_verify() checks every byte. */
#ifndef RLHF_CHECKPOINT_H
#define RLHF_CHECKPOINT_H

#include <stdio.h>

#include "model/adamw.h"
#include "model/gpt2.h"

#define CKPT_VERSION 1
#define CKPT_NAME_MAX 48           /* bytes in a name, including the NUL */
#define CKPT_MAX_ENTRIES 4096

/* Conventional blob names. */
#define CKPT_BLOB_TOKENIZER "tokenizer"        /* bytes: the tokenizer file, so a checkpoint is self-contained */
#define CKPT_BLOB_JUDGE_OFFSET "judge_offset"  /* floats: a judge's score centring / scale */

typedef struct CkptBlob {
    char name[CKPT_NAME_MAX];
    int is_float;          /* 1: float32 array (nbytes = 4 × count), 0: raw bytes */
    const void *data;
    size_t nbytes;
} CkptBlob;

typedef struct CkptBlobs {
    CkptBlob *items;       /* loaded blobs own their data (NUL-terminated past nbytes) */
    int n;
} CkptBlobs;

CkptBlob ckpt_blob_bytes(const char *name, const void *data, size_t nbytes);
CkptBlob ckpt_blob_floats(const char *name, const float *data, size_t count);
const CkptBlob *ckpt_blobs_find(const CkptBlobs *b, const char *name);
void ckpt_blobs_free(CkptBlobs *b);

/* Writes path atomically. opt, trainer_json and blobs may be NULL / 0.
 * Blob names must be unique, non-empty, shorter than CKPT_NAME_MAX and not
 * start with "rlhf." (reserved). */
int ckpt_save(const char *path, const GPT2 *m, const AdamW *opt, const char *trainer_json, const CkptBlob *blobs,
              int nblobs, RlhfErr *e);

/* Creates *m from the file (the caller gpt2_free()s it). When opt is not NULL
 * it is filled from the file's AdamW state, or zeroed (opt->m == NULL) when the
 * file has none. *trainer_json (when not NULL) gets a malloc'd string or NULL.
 * *blobs (when not NULL) gets every blob. On error nothing is left allocated. */
int ckpt_load(const char *path, GPT2 *m, AdamW *opt, char **trainer_json, CkptBlobs *blobs, RlhfErr *e);

/* Model only, from any supported format, told apart by the first bytes: our
 * checkpoint, an llm.c .bin or a safetensors file (n_head: see
 * safetensors_import; 0 = config.json beside it, else n_embd / 64). */
int ckpt_load_model(const char *path, int n_head, GPT2 *m, RlhfErr *e);

/* Reads only the header: config and heads (either out pointer may be NULL). */
int ckpt_read_config(const char *path, GPT2Config *cfg, int *heads, RlhfErr *e);

/* Checks every checksum in the file without building a model. */
int ckpt_verify(const char *path, RlhfErr *e);

/* Prints the header, the tensor table and the sections; verifies checksums. */
int ckpt_print_info(const char *path, FILE *out, RlhfErr *e);

/* 1 when the file starts with the rlhf checkpoint magic. */
int ckpt_is_checkpoint(const char *path);

/* An atomic streaming writer, shared with the interop exporters: bytes go to
 * "<path>.tmp.<pid>"; commit fsyncs, renames over path and fsyncs the
 * directory; abort (or any failed write) removes the temp file. */
typedef struct CkptFile {
    FILE *f;
    char *path, *tmp;
    int failed;
    RlhfErr *e;
} CkptFile;

int ckpt_file_open(CkptFile *w, const char *path, RlhfErr *e);
int ckpt_file_write(CkptFile *w, const void *data, size_t n);
int ckpt_file_zeros(CkptFile *w, size_t n);
int ckpt_file_seek(CkptFile *w, long long offset);
int ckpt_file_commit(CkptFile *w);
void ckpt_file_abort(CkptFile *w);

#endif
