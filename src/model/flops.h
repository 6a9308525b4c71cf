/* flops.h — model FLOPs per token, for throughput and MFU reports.
 *
 * Counts multiply-adds as 2 FLOPs in the matmuls only (PaLM appendix B
 * convention): per token and layer 24·C² for the q,k,v / projection / MLP
 * weights plus 4·T·C for attention scores and weighted values over a context
 * of T (full, not halved for causality), plus 2·C·V for the LM head. Training
 * (forward + backward) is three times the forward. */
#ifndef RLHF_FLOPS_H
#define RLHF_FLOPS_H

#include "model/gpt2.h"

double gpt2_forward_flops_per_token(const GPT2Config *cfg, int T);
double gpt2_flops_per_token(const GPT2Config *cfg, int T); /* training: 3 × forward */

#endif
