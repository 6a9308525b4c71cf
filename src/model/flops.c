/* flops.c — see flops.h. */
#include "model/flops.h"

double gpt2_forward_flops_per_token(const GPT2Config *cfg, int T) {
    double C = cfg->n_embd, L = cfg->n_layer, V = cfg->vocab_size;
    return L * (24.0 * C * C + 4.0 * (double)T * C) + 2.0 * C * V;
}

double gpt2_flops_per_token(const GPT2Config *cfg, int T) { return 3.0 * gpt2_forward_flops_per_token(cfg, T); }
