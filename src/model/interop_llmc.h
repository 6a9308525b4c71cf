/* interop_llmc.h — llm.c's GPT-2 checkpoint (.bin), as written by llm.c's
 * train_gpt2.py and read by train_gpt2.c's gpt2_build_from_checkpoint.
 *
 * Layout (little-endian): a header of 256 int32
 *   [0] magic 20240326, [1] version, [2] max_seq_len, [3] vocab_size,
 *   [4] num_layers, [5] num_heads, [6] channels, [7] padded_vocab_size (v3)
 * then the 16 parameter tensors as fp32 in the order of GPT2Params
 * (wte ... lnfb; our first 16 tensors). Version 3 stores wte as
 * (padded_vocab_size, C), the rows past vocab_size being padding; version 1
 * (older llm.c) stores (vocab_size, C) and has no [7]. Version 5 (bf16) is
 * not supported. */
#ifndef RLHF_INTEROP_LLMC_H
#define RLHF_INTEROP_LLMC_H

#include <stdio.h>

#include "model/gpt2.h"

#define LLMC_MAGIC 20240326
#define LLMC_HEADER_INTS 256

/* Creates *m (no heads) from an llm.c .bin, version 3 or 1; the padding rows of wte are dropped. */
int llmc_import(const char *path, GPT2 *m, RlhfErr *e);
/* Writes a version-3 .bin atomically; wte is padded with zero rows to a
 * multiple of 128. Heads (scalar/value) are not part of llm.c's format and are left out. */
int llmc_export(const char *path, const GPT2 *m, RlhfErr *e);
/* padded_vocab_size as llm.c computes it: vocab_size rounded up to a multiple of 128. */
int llmc_padded_vocab(int vocab_size);
int llmc_print_info(const char *path, FILE *out, RlhfErr *e);
int llmc_is_checkpoint(const char *path);

#endif
