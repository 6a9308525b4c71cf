/* lm_run.c — see lm_run.h. */
#include "train/lm_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/text_sources.h"
#include "dist/dist.h"
#include "model/model_file.h"
#include "tokenizer/bpe_train.h"
#include "train/lm_data.h"
#include "util/json.h"

void lm_run_defaults(LmRunOpts *o) {
    memset(o, 0, sizeof *o);
    o->cfg = (GPT2Config){.max_seq_len = 128, .vocab_size = 0, .n_layer = 4, .n_head = 4, .n_embd = 128};
    o->train = (TrainConfig){.B = 8, .T = 128, .accum = 1, .steps = 200, .lr = 1e-3f, .lr_min = 1e-4f,
                             .warmup = 20, .weight_decay = 0.1f, .grad_clip = 1.0f, .eval_every = 50,
                             .eval_batches = 8, .ckpt_every = 100};
    o->val_frac = 0.05;
    o->chunk_bytes = 4096;
    o->seed = 1337;
    o->label = "pretrain";
}

typedef struct SaveCtx {
    const char *path;
    const Tokenizer *tok;
    const TrainConfig *train;
    size_t n_train_tokens;
} SaveCtx;

static char *state_json(const TrainState *st, const TrainConfig *c, size_t n_train_tokens) {
    char *base = train_state_to_json(st, c);
    if (!base) return NULL;
    /* append the data fingerprint so a resume on different data is refused */
    size_t n = strlen(base);
    char *out = malloc(n + 64);
    if (!out) { free(base); return NULL; }
    memcpy(out, base, n - 1);
    snprintf(out + n - 1, 64, ",\"n_train_tokens\":%zu}", n_train_tokens);
    free(base);
    return out;
}

static int save_cb(void *vctx, const GPT2 *m, const AdamW *opt, const TrainState *st, RlhfErr *e) {
    SaveCtx *c = vctx;
    char *js = state_json(st, c->train, c->n_train_tokens);
    if (!js) return rlhf_err(e, "out of memory");
    int rc = model_file_save(c->path, m, c->tok, opt, js, NULL, 0, e);
    free(js);
    return rc;
}

typedef struct TokTrainCtx { BpeTrainer *t; } TokTrainCtx;
static int tok_doc(void *ctx, const char *doc, size_t len, RlhfErr *e) {
    return bpe_trainer_add(((TokTrainCtx *)ctx)->t, doc, len, e);
}

static Tokenizer *train_tokenizer(const LmRunOpts *o, RlhfErr *e) {
    BpeTrainer *t = bpe_trainer_new(e);
    if (!t) return NULL;
    TokTrainCtx c = {t};
    TextSourceOpts so = {.format = TEXT_FMT_AUTO, .chunk_bytes = o->chunk_bytes};
    for (int i = 0; i < o->ninputs; i++)
        if (text_source_each(o->inputs[i], &so, tok_doc, &c, e)) { bpe_trainer_free(t); return NULL; }
    const char *specials[] = {TOK_EOT_STRING};
    int merges = o->vocab_size - 256 - 1;
    if (merges < 0) merges = 0;
    Tokenizer *tok = bpe_trainer_finish(t, merges, 2, specials, 1, NULL, e);
    bpe_trainer_free(t);
    return tok;
}

int lm_run(const LmRunOpts *o, RlhfErr *e) {
    GPT2 m = {0};
    AdamW opt = {0};
    Tokenizer *tok = NULL;
    TokenData train, val;
    token_data_init(&train);
    token_data_init(&val);
    MetricsLog log = {0};
    TrainState st;
    train_state_init(&st);
    int rc = -1, have_model = 0;
    char *json = NULL;
    TrainConfig tc = o->train;
    /* under mpirun every rank runs all of this; only rank 0 talks and writes
     * (train_lm shards the batches and writes checkpoints from rank 0) */
    int root = dist_is_root(), quiet = o->quiet || !root;

    if (!o->out) return rlhf_err(e, "--out is required");
    if (o->ninputs < 1) return rlhf_err(e, "no input files given");

    /* 1. model + tokenizer: resume > init > new */
    if (o->resume && rlhf_file_exists(o->out)) {
        if (model_file_load(o->out, &m, &tok, &opt, &json, NULL, e)) goto done;
        if (!opt.m) { rlhf_err(e, "%s: cannot resume: checkpoint has no optimizer state", o->out); goto done; }
        if (!json || train_state_from_json(json, &st, e)) {
            rlhf_err_wrap(e, "%s: cannot resume", o->out);
            goto done;
        }
        have_model = 1;
        if (!quiet) fprintf(stderr, "%s: resuming %s at step %ld\n", o->label, o->out, st.step);
    } else if (o->init) {
        if (model_file_load(o->init, &m, &tok, NULL, NULL, NULL, e)) goto done;
        have_model = 1;
    } else if (o->tokenizer) {
        tok = tok_load(o->tokenizer, e);
    } else if (o->gpt2_bpe) {
        tok = tok_load_gpt2_dir(o->gpt2_bpe, e);
    } else if (o->vocab_size > 0) {
        if (!quiet) fprintf(stderr, "%s: training a %d-token BPE tokenizer on the inputs\n", o->label, o->vocab_size);
        tok = train_tokenizer(o, e);
    } else {
        rlhf_err(e, "give one of --init, --tokenizer, --gpt2-bpe or --vocab-size");
    }
    if (!tok) goto done;
    if (!have_model) {
        GPT2Config cfg = o->cfg;
        cfg.vocab_size = tok_vocab_size(tok);
        if (cfg.max_seq_len < tc.T) cfg.max_seq_len = tc.T;
        if (gpt2_create(&m, &cfg, 0, e)) goto done;
        gpt2_init_weights(&m, o->seed);
    }
    if (tc.T > m.cfg.max_seq_len) {
        rlhf_err(e, "--seq %d exceeds the model's context %d", tc.T, m.cfg.max_seq_len);
        goto done;
    }
    if (!opt.m && adamw_init(&opt, &m, 0.9f, 0.95f, 1e-8f, tc.weight_decay, e)) goto done;

    /* 2. data */
    double t0 = rlhf_now();
    if (lm_data_load(o->inputs, o->ninputs, tok, o->sft, o->val_frac, o->chunk_bytes, &train, &val, e)) goto done;
    if (!quiet) {
        gpt2_print_summary(&m, stderr);
        size_t trained = 0;
        for (size_t i = 0; i < train.n; i++) trained += train.train[i];
        fprintf(stderr, "%s: %zu training tokens (%zu are targets), %zu held-out, %ld documents, tokenized in %.1fs\n",
                o->label, train.n, trained, val.n, train.n_docs + val.n_docs, rlhf_now() - t0);
    }
    if (json) {
        JsonDoc *d = json_parse(json, strlen(json), NULL);
        double nt;
        if (d && !json_get_num(json_root(d), "n_train_tokens", &nt) && (size_t)nt != train.n) {
            json_doc_free(d);
            rlhf_err(e, "%s: cannot resume: the checkpoint was trained on %.0f tokens, these inputs give %zu",
                     o->out, nt, train.n);
            goto done;
        }
        json_doc_free(d);
    }

    /* 3. train */
    char mpath[1024];
    snprintf(mpath, sizeof mpath, "%s.metrics.jsonl", o->out);
    /* other ranks get a log that discards; all stop if rank 0 cannot open its own */
    int bad = metrics_open(&log, root ? (o->metrics ? o->metrics : mpath) : NULL, st.step > 0, e) != 0;
    if (dist_any(bad)) {
        if (!bad) rlhf_err(e, "rank 0 could not open the metrics log");
        goto done;
    }
    SaveCtx sc = {.path = o->out, .tok = tok, .train = &tc, .n_train_tokens = train.n};
    if (train_lm(&m, &opt, &st, &train, val.n ? &val : NULL, &tc, &log, save_cb, &sc, o->label, e)) goto done;
    if (!quiet)
        fprintf(stderr, "%s: done: step %ld, loss %.4f, held-out loss %.4f, saved %s\n", o->label, st.step,
                st.last_loss, st.last_val, o->out);
    rc = 0;
done:
    metrics_close(&log);
    free(json);
    token_data_free(&train);
    token_data_free(&val);
    if (tok) tok_free(tok);
    adamw_free(&opt);
    gpt2_free(&m);
    return rc;
}
