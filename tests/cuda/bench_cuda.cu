/* bench_cuda.cu — GPU throughput of the CUDA backend on a GPT-2 (124M by
 * default, random weights: speed does not depend on them):
 *   training: tokens/s of forward + LM loss + backward + AdamW at B×T, and the
 *             model FLOP utilisation against the card's dense TF32 peak;
 *   sampling: prefill + decode tokens/s with the KV cache (greedy argmax on the host).
 * Prints one JSON object on stdout. Run by bench/cuda_bench.sh.
 *
 *   bench_cuda [--layers 12 --heads 12 --embd 768 --vocab 50257 --ctx 1024]
 *              [--B 8 --T 1024 --steps 10 --warmup 2]
 *              [--sample-B 16 --prompt 64 --new 128] [--peak-tflops X] [--no-tf32]
 *              [--attention auto|fused|gemm] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cuda_gpt2.h"

extern "C" {
#include "model/flops.h"
#include "util/rng.h"
}

static double peak_for(const char *name) {
    /* dense TF32 tensor-core peaks (NVIDIA datasheets, no sparsity) */
    if (strstr(name, "H200") || strstr(name, "H100 80GB HBM3") || strstr(name, "H100 SXM")) return 494.7e12;
    if (strstr(name, "H100")) return 378e12; /* PCIe / NVL-class parts: check the datasheet, pass --peak-tflops */
    if (strstr(name, "A100")) return 156e12;
    if (strstr(name, "L40S")) return 183e12;
    if (strstr(name, "A10")) return 62.5e12;
    return 0;
}

int main(int argc, char **argv) {
    int L = 12, NH = 12, C = 768, V = 50257, ctx = 1024, B = 8, T = 1024, steps = 10, warmup = 2;
    int sB = 16, prompt = 64, nnew = 128, tf32 = 1;
    const char *att = "auto";
    double peak = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
#define OPT(flag, var, conv) else if (!strcmp(a, flag) && more) var = conv(argv[++i])
        if (!strcmp(a, "--no-tf32")) tf32 = 0;
        OPT("--layers", L, atoi); OPT("--heads", NH, atoi); OPT("--embd", C, atoi); OPT("--vocab", V, atoi);
        OPT("--ctx", ctx, atoi); OPT("--B", B, atoi); OPT("--T", T, atoi); OPT("--steps", steps, atoi);
        OPT("--warmup", warmup, atoi); OPT("--sample-B", sB, atoi); OPT("--prompt", prompt, atoi);
        OPT("--new", nnew, atoi); OPT("--attention", att, (const char *)); OPT("--peak-tflops", peak, 1e12 * atof);
        else {
            fprintf(stderr, "bench_cuda: unknown or incomplete option %s\n", a);
            return 2;
        }
#undef OPT
    }
    char name[256];
    if (!cuda_device_available(name, sizeof name)) {
        fprintf(stderr, "bench_cuda: no CUDA device\n");
        return 77;
    }
    if (peak <= 0) peak = peak_for(name);
    RlhfErr e;
    GPT2 m;
    GPT2Config cfg = {ctx, V, L, NH, C};
    if (gpt2_create(&m, &cfg, 0, &e)) { fprintf(stderr, "bench_cuda: %s\n", e.msg); return 1; }
    gpt2_init_weights(&m, 1);
    CudaGPT2 *g = cuda_gpt2_create_from(&m, &e);
    if (!g || cuda_gpt2_reserve(g, B, T, 1, &e) || cuda_adamw_init(g, 0.9f, 0.95f, 1e-8f, 0.1f, &e)) {
        fprintf(stderr, "bench_cuda: %s\n", e.msg);
        return 1;
    }
    cuda_gpt2_set_tf32(g, tf32);
    cuda_gpt2_set_attention(g, !strcmp(att, "gemm") ? CUDA_ATT_GEMM : !strcmp(att, "fused") ? CUDA_ATT_FUSED : CUDA_ATT_AUTO);
    int N = B * T;
    int *tok = (int *)malloc(sizeof(int) * N), *tgt = (int *)malloc(sizeof(int) * N);
    float *w = (float *)malloc(sizeof(float) * N), *s1 = (float *)malloc(sizeof(float) * N);
    float *s2 = (float *)malloc(sizeof(float) * N);
    Rng r;
    rng_seed(&r, 3);
    for (int i = 0; i < N; i++) {
        tok[i] = rng_int(&r, V);
        w[i] = 1.0f / N;
    }
    for (int i = 0; i < N; i++) tgt[i] = (i + 1) % T ? tok[i + 1] : -1;
    double t0 = 0, loss = 0;
    for (int s = 0; s < warmup + steps; s++) {
        if (s == warmup) {
            cuda_gpt2_sync(g);
            t0 = rlhf_now();
        }
        cuda_gpt2_zero_grad(g);
        cuda_gpt2_forward(g, tok, NULL, B, T);
        loss = cuda_gpt2_lm_loss_and_grad(g, tgt, w, s1, s2);
        cuda_gpt2_backward(g);
        cuda_gpt2_clip_grad_norm(g, 1.0f);
        cuda_adamw_step(g, 1e-4f);
    }
    cuda_gpt2_sync(g);
    double train_s = (rlhf_now() - t0) / steps;
    if (cuda_gpt2_error(g)) { fprintf(stderr, "bench_cuda: %s\n", cuda_gpt2_error(g)); return 1; }
    double tps = N / train_s, flops = gpt2_flops_per_token(&cfg, T) * tps;

    /* sampling: prefill a (sB, prompt) block then nnew greedy steps */
    CudaKv *kv = cuda_kv_create(g, sB, prompt, nnew, &e);
    if (!kv) { fprintf(stderr, "bench_cuda: %s\n", e.msg); return 1; }
    int *ptok = (int *)malloc(sizeof(int) * sB * prompt), *next = (int *)malloc(sizeof(int) * sB);
    for (int i = 0; i < sB * prompt; i++) ptok[i] = rng_int(&r, V);
    cuda_gpt2_sync(g);
    double ts = rlhf_now();
    if (cuda_kv_prefill(kv, ptok, NULL, sB, prompt, &e)) { fprintf(stderr, "bench_cuda: %s\n", e.msg); return 1; }
    double tp = rlhf_now();
    for (int s = 0; s < nnew; s++) {
        for (int b = 0; b < sB; b++) {
            const float *lg = cuda_kv_logits(kv, b);
            int best = 0;
            for (int j = 1; j < V; j++) if (lg[j] > lg[best]) best = j;
            next[b] = best;
        }
        if (s + 1 < nnew && cuda_kv_step(kv, next, NULL, &e)) { fprintf(stderr, "bench_cuda: %s\n", e.msg); return 1; }
    }
    double te = rlhf_now();
    printf("{\"device\": \"%s\", \"model\": {\"layers\": %d, \"heads\": %d, \"embd\": %d, \"vocab\": %d, "
           "\"params\": %zu}, \"tf32\": %s, \"attention\": \"%s\", \"train\": {\"B\": %d, \"T\": %d, \"steps\": %d, \"step_s\": %.5f, "
           "\"tokens_per_s\": %.1f, \"model_tflops\": %.2f, \"peak_tflops\": %.1f, \"mfu\": %.4f, \"loss\": %.4f}, "
           "\"sample\": {\"B\": %d, \"prompt\": %d, \"new\": %d, \"prefill_s\": %.5f, \"decode_s\": %.5f, "
           "\"decode_tokens_per_s\": %.1f}}\n",
           name, L, NH, C, V, cuda_gpt2_num_params(g), tf32 ? "true" : "false", att, B, T, steps, train_s, tps,
           flops / 1e12, peak / 1e12, peak > 0 ? flops / peak : 0.0, loss, sB, prompt, nnew, tp - ts, te - tp,
           (double)sB * nnew / (te - tp));
    cuda_kv_free(kv);
    cuda_gpt2_free(g);
    gpt2_free(&m);
    free(tok); free(tgt); free(w); free(s1); free(s2); free(ptok); free(next);
    return 0;
}
