/* cmd_speed.c — `rlhf speed`: tokens/s of one task at a fixed config, one JSON
 * line, the figure `make bench` sets beside PyTorch's (bench/torch_peer.py runs
 * the same model and tasks). Random weights and tokens: speed does not depend
 * on what the model knows. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "model/adamw.h"
#include "model/gpt2.h"
#include "model/sampler.h"
#include "util/rng.h"

typedef struct SpeedConfig {
    const char *name;
    GPT2Config cfg;
    int B, T, sample_B;
} SpeedConfig;

static const SpeedConfig CONFIGS[] = {
    {"S", {.max_seq_len = 512, .vocab_size = 8192, .n_layer = 6, .n_head = 6, .n_embd = 384}, 8, 256, 8},
    {"M", {.max_seq_len = 1024, .vocab_size = 50257, .n_layer = 12, .n_head = 12, .n_embd = 768}, 4, 64, 4},
};

/* Forward+backward FLOPs per token (6·N for the matmuls, the attention scores
 * and mixing on top), the usual model-FLOP accounting for utilisation. */
static double train_flops_per_token(const GPT2Config *c, int T) {
    double C = c->n_embd, L = c->n_layer, V = c->vocab_size;
    double n_matmul = L * 12.0 * C * C + V * C;
    return 6.0 * n_matmul + 6.0 * L * C * T;   /* attention: 2 matmuls of T·C per token, ×3 for backward, causal half */
}

static double peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

int cmd_speed(int argc, char **argv) {
    const char *config = "S", *task = "train";
    int steps = 5, warmup = 1, threads = 0;
    double peak_gflops = 400.0;
    int bf16 = 0, no_pack = 0;
    ArgSpec specs[] = {
        {"config", 's', &config, "S|M", "S = 6/6/384 vocab 8192 T=256 B=8; M = GPT-2 124M shape T=64 B=4"},
        {"task", 's', &task, "train|sample|judge", "what to time"},
        {"steps", 'i', &steps, "N", "timed steps"},
        {"warmup", 'i', &warmup, "N", "untimed steps first"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads (default: all cores)"},
        {"peak-gflops", 'd', &peak_gflops, "X", "the CPU's peak, for model FLOP utilisation"},
        {"bf16", 'b', &bf16, NULL, "sample: decode with a bf16 copy of the weights (logits ~1e-2 relative off fp32)"},
        {"no-pack", 'b', &no_pack, NULL, "sample: decode from the model's own weights, as `rlhf sample --no-pack`"},
        {0}};
    int rc = args_parse(argv[0], "rlhf speed [--config S|M] [--task train|sample|judge]", specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    const SpeedConfig *sc = NULL;
    for (size_t i = 0; i < sizeof CONFIGS / sizeof CONFIGS[0]; i++)
        if (!strcmp(config, CONFIGS[i].name)) sc = &CONFIGS[i];
    if (!sc) { fprintf(stderr, "rlhf speed: --config: unknown config '%s' (S or M)\n", config); return 2; }
    int is_train = !strcmp(task, "train"), is_sample = !strcmp(task, "sample"), is_judge = !strcmp(task, "judge");
    if (!is_train && !is_sample && !is_judge) {
        fprintf(stderr, "rlhf speed: --task: unknown task '%s' (train, sample or judge)\n", task);
        return 2;
    }
    if (threads > 0) omp_set_num_threads(threads);

    RlhfErr e;
    GPT2 m;
    if (gpt2_create(&m, &sc->cfg, is_judge ? GPT2_HEAD_SCALAR : 0, &e)) {
        fprintf(stderr, "rlhf speed: %s\n", e.msg);
        return 1;
    }
    gpt2_init_weights(&m, 0);
    Rng rng;
    rng_seed(&rng, 1);
    int V = sc->cfg.vocab_size;
    double tokens = 0, flops_per_token = 0;
    double secs = 0;
    if (is_train || is_judge) {
        int B = is_train ? sc->B : 16, T = is_train ? sc->T : 256;
        size_t n = (size_t)B * T;
        int *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *pos = malloc((size_t)B * sizeof *pos);
        float *w = malloc(n * sizeof *w), *lp = malloc(n * sizeof *lp), *dlp = malloc(n * sizeof *dlp);
        float *r = malloc((size_t)B * sizeof *r), *dr = malloc((size_t)B * sizeof *dr);
        for (size_t i = 0; i < n; i++) { x[i] = rng_int(&rng, V); y[i] = rng_int(&rng, V); w[i] = 1.0f / (float)n; }
        for (int b = 0; b < B; b++) pos[b] = T - 1;
        AdamW opt;
        if (gpt2_reserve(&m, B, T, 1, &e) || adamw_init(&opt, &m, 0.9f, 0.95f, 1e-8f, 0.1f, &e)) {
            fprintf(stderr, "rlhf speed: %s\n", e.msg);
            return 1;
        }
        double t0 = 0;
        for (int s = 0; s < warmup + steps; s++) {
            if (s == warmup) t0 = rlhf_now();
            gpt2_zero_grad(&m);
            gpt2_forward(&m, x, NULL, B, T);
            if (is_train) {
                gpt2_lm_loss_and_grad(&m, y, w, lp, dlp);
            } else {
                /* Bradley–Terry on pairs (b, b + B/2): -log σ(r_c − r_r) */
                gpt2_scalar_forward(&m, pos, r);
                int P = B / 2;
                for (int p = 0; p < P; p++) {
                    float d = r[p] - r[p + P], sg = 1.0f / (1.0f + expf(-d));
                    dr[p] = -(1.0f - sg) / (float)P;
                    dr[p + P] = (1.0f - sg) / (float)P;
                }
                gpt2_scalar_backward(&m, pos, dr);
            }
            gpt2_backward(&m);
            gpt2_clip_grad_norm(&m, 1.0f);
            adamw_step(&opt, &m, 1e-4f);
        }
        secs = rlhf_now() - t0;
        tokens = (double)n * steps;
        /* the judge has no LM head: drop its V·C share */
        GPT2Config c = sc->cfg;
        flops_per_token = train_flops_per_token(&c, T) - (is_judge ? 6.0 * c.vocab_size * c.n_embd : 0);
        adamw_free(&opt);
        free(x); free(y); free(w); free(lp); free(dlp); free(pos); free(r); free(dr);
    } else {
        int B = sc->sample_B, P = 64, G = 128;
        Sampler s;
        if (sampler_create(&s, &m, B, P, G, &e) || (bf16 ? kv_use_bf16(&s.kv, &e) : !no_pack && kv_pack_model(&s.kv, &m, &e))) {
            fprintf(stderr, "rlhf speed: %s\n", e.msg);
            return 1;
        }
        int *prompt = malloc((size_t)B * P * sizeof *prompt);
        for (int i = 0; i < B * P; i++) prompt[i] = rng_int(&rng, V);
        SamplerOpts o;
        sampler_opts_default(&o);
        o.max_new = G;
        double t0 = 0;
        for (int st = 0; st < warmup + steps; st++) {
            if (st == warmup) t0 = rlhf_now();
            o.seed = (uint64_t)st;
            if (sampler_generate(&s, prompt, NULL, B, P, &o, &e)) { fprintf(stderr, "rlhf speed: %s\n", e.msg); return 1; }
        }
        secs = rlhf_now() - t0;
        tokens = (double)B * G * steps;
        GPT2Config c = sc->cfg;
        flops_per_token = 2.0 * (c.n_layer * 12.0 * c.n_embd * c.n_embd + (double)c.vocab_size * c.n_embd);
        free(prompt);
        sampler_free(&s);
    }
    double tps = tokens / secs;
    double mfu = tps * flops_per_token / (peak_gflops * 1e9);
    printf("{\"impl\": \"rlhf.c%s\", \"config\": \"%s\", \"task\": \"%s\", \"threads\": %d, \"steps\": %d, "
           "\"seconds\": %.3f, \"tokens_per_s\": %.1f, \"gflops\": %.1f, \"mfu\": %.4f, \"peak_rss_mb\": %.1f}\n",
           bf16 ? " bf16" : is_sample && no_pack ? " unpacked" : "", sc->name, task, omp_get_max_threads(), steps, secs, tps, tps * flops_per_token / 1e9, mfu, peak_rss_mb());
    gpt2_free(&m);
    return 0;
}
