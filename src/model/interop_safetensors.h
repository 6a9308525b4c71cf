/* interop_safetensors.h — Hugging Face GPT-2 weights in safetensors format.
 *
 * File: u64 little-endian header length N, N bytes of JSON
 *   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *    "__metadata__": {...}}
 * then the data; offsets are relative to the byte after the header.
 *
 * GPT-2 names (optionally prefixed "transformer."): wte.weight (V,C),
 * wpe.weight (T,C), h.{i}.ln_1.{weight,bias}, h.{i}.attn.c_attn.{weight (C,3C),
 * bias}, h.{i}.attn.c_proj.{weight (C,C), bias}, h.{i}.ln_2.*, h.{i}.mlp.c_fc.
 * {weight (C,4C), bias}, h.{i}.mlp.c_proj.{weight (4C,C), bias}, ln_f.*.
 * HF's Conv1D computes x·W + b with W stored (in, out); ours is (out, in), so
 * every Conv1D weight is transposed on the way in and out. The causal-mask
 * buffers attn.bias / attn.masked_bias are ignored; lm_head.weight, if present,
 * must equal wte.weight (tied). F32, F16, BF16 and F64 are read (as fp32). */
#ifndef RLHF_INTEROP_SAFETENSORS_H
#define RLHF_INTEROP_SAFETENSORS_H

#include <stdio.h>

#include "model/gpt2.h"

/* Creates *m (no heads). n_head: > 0 to set it; 0 to read "n_head" from a
 * config.json beside the file, else n_embd / 64 (n_head is not derivable from
 * the shapes). */
int safetensors_import(const char *path, int n_head, GPT2 *m, RlhfErr *e);
/* Writes the 16 GPT-2 tensors as F32 under HF's names (no prefix), atomically.
 * Heads are left out. */
int safetensors_export(const char *path, const GPT2 *m, RlhfErr *e);
int safetensors_print_info(const char *path, FILE *out, RlhfErr *e);
/* 1 when the file looks like safetensors: a plausible header length and '{'. */
int safetensors_is_file(const char *path);

#endif
