/* lm_data.h — documents → a TokenData stream for pretraining or supervised
 * fine-tuning.
 *
 * Pretraining trains on every token. SFT parses each document as an HH
 * transcript and trains only on what the assistant says: each Assistant reply's
 * text, plus what ends it — the "\n\nHuman:" marker that follows a reply, or
 * <|endoftext|> after the last one — so the model learns to stop. Human turns
 * and the "\n\nAssistant:" markers are context only. Segments are encoded one
 * at a time; every segment boundary is also a pre-tokenizer boundary, so the
 * ids equal those of encoding the whole transcript at once. */
#ifndef RLHF_LM_DATA_H
#define RLHF_LM_DATA_H

#include "tokenizer/bpe.h"
#include "train/token_data.h"

/* Appends one document and its <|endoftext|>. sft: train on assistant text only. */
int lm_data_add_doc(TokenData *d, Tokenizer *tok, const char *doc, size_t len, int sft, TokIds *scratch,
                    RlhfErr *e);

/* Reads every input (text_sources formats) and fills train and val: a
 * document goes to val when the prompt-hash split puts it in the val fraction
 * (transcripts hash their first Human turn, so one conversation never
 * straddles). Returns -1 with the file named on error. */
int lm_data_load(const char *const *paths, int npaths, Tokenizer *tok, int sft, double val_frac, size_t chunk_bytes,
                 TokenData *train, TokenData *val, RlhfErr *e);

#endif
