/* cmd_pretrain.c — `rlhf pretrain` and `rlhf sft`: one training loop, two
 * loss masks (every token / Assistant replies only). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "dist/dist.h"
#include "train/lm_run.h"

static int run(int argc, char **argv, int sft) {
    LmRunOpts o;
    lm_run_defaults(&o);
    o.sft = sft;
    o.label = sft ? "sft" : "pretrain";
    if (sft) { o.train.lr = 3e-4f; o.train.lr_min = 3e-5f; o.train.warmup = 10; }
    long long seed = 1337;
    int threads = 0, chunk = (int)o.chunk_bytes;
    double val = o.val_frac;
    const char *device = "cpu";
    long long steps = o.train.steps, warmup = o.train.warmup;
    ArgSpec specs[] = {
        {"out", 's', &o.out, "CKPT", "checkpoint to write (required)"},
        {"init", 's', &o.init, "CKPT", sft ? "model to fine-tune (required; its tokenizer is used)" : "start from this model"},
        {"tokenizer", 's', &o.tokenizer, "FILE", "tokenizer file (rlhf tokenizer train)"},
        {"gpt2-bpe", 's', &o.gpt2_bpe, "DIR", "use GPT-2's encoder.json + vocab.bpe"},
        {"vocab-size", 'i', &o.vocab_size, "N", "train an N-token BPE tokenizer on the inputs first"},
        {"layers", 'i', &o.cfg.n_layer, "L", "transformer blocks"},
        {"heads", 'i', &o.cfg.n_head, "H", "attention heads"},
        {"width", 'i', &o.cfg.n_embd, "C", "embedding width"},
        {"context", 'i', &o.cfg.max_seq_len, "T", "learned positions (≥ --seq)"},
        {"batch", 'i', &o.train.B, "B", "sequences per micro-batch (per rank under mpirun)"},
        {"seq", 'i', &o.train.T, "T", "tokens per sequence"},
        {"accum", 'i', &o.train.accum, "K", "micro-batches per optimizer step"},
        {"steps", 'l', &steps, "N", "optimizer steps"},
        {"lr", 'f', &o.train.lr, "X", "peak learning rate"},
        {"lr-min", 'f', &o.train.lr_min, "X", "final learning rate (cosine)"},
        {"warmup", 'l', &warmup, "N", "linear warmup steps"},
        {"wd", 'f', &o.train.weight_decay, "X", "AdamW weight decay (matrices and embeddings)"},
        {"clip", 'f', &o.train.grad_clip, "X", "gradient-norm clip (0 = off)"},
        {"val-frac", 'd', &val, "F", "documents held out for validation (by hash)"},
        {"eval-every", 'i', &o.train.eval_every, "N", "held-out loss every N steps"},
        {"eval-batches", 'i', &o.train.eval_batches, "N", "batches per held-out evaluation"},
        {"ckpt-every", 'i', &o.train.ckpt_every, "N", "checkpoint every N steps"},
        {"chunk-bytes", 'i', &chunk, "N", "cut plain-text files into documents of this size"},
        {"metrics", 's', &o.metrics, "FILE", "metrics JSONL (default <out>.metrics.jsonl)"},
        {"resume", 'b', &o.resume, NULL, "continue from --out if it exists (exactly)"},
        {"seed", 'l', &seed, "S", "initialisation seed"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads (default: all cores)"},
        {"device", 's', &device, "cpu|cuda", "where the training arithmetic runs (cuda: build/cuda/rlhf of make cuda)"},
        {0}};
    char **pos = NULL;
    int npos = 0;
    const char *usage = sft ? "rlhf sft --init CKPT --out CKPT [options] TRANSCRIPTS..."
                            : "rlhf pretrain --out CKPT (--vocab-size N | --tokenizer F | --gpt2-bpe D | --init C) [options] INPUTS...";
    int rc = args_parse(argv[0], usage, specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    o.train.steps = steps;
    o.train.warmup = warmup;
    o.seed = (uint64_t)seed;
    o.val_frac = val;
    o.chunk_bytes = chunk > 0 ? (size_t)chunk : 0;
    o.inputs = (const char *const *)pos;
    o.ninputs = npos;
    if (!o.out || npos == 0 || (sft && !o.init && !o.resume)) {
        fprintf(stderr, "rlhf %s: %s (see --help)\n", argv[0],
                !o.out ? "--out is required" : npos == 0 ? "no input files given" : "--init is required");
        free(pos);
        return 2;
    }
    if (threads > 0) omp_set_num_threads(threads);
    if ((rc = args_device(argv[0], device, &o.train.device))) {
        free(pos);
        return rc;
    }
    RlhfErr e;
    /* main() initialises MPI when launched by mpirun; this repeat is a no-op
     * then, and covers a main() that does not */
    if (dist_init(NULL, NULL, &e)) {
        fprintf(stderr, "rlhf %s: %s\n", argv[0], e.msg);
        free(pos);
        return 1;
    }
    rc = lm_run(&o, &e);
    if (rc && dist_size() > 1) {
        /* a failure only this rank had would leave the others waiting in
         * their next collective: end the whole job */
        fprintf(stderr, "rlhf %s: rank %d: %s\n", argv[0], dist_rank(), e.msg);
        dist_abort(1);
    }
    if (rc) fprintf(stderr, "rlhf %s: %s\n", argv[0], e.msg);
    free(pos);
    return rc ? 1 : 0;
}

int cmd_pretrain(int argc, char **argv) { return run(argc, argv, 0); }
int cmd_sft(int argc, char **argv) { return run(argc, argv, 1); }
