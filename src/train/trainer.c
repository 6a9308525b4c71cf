/* trainer.c — see trainer.h. */
#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"
#include "dist/dist_batch.h"
#include "model/device.h"
#include "util/json.h"
#include "util/progress.h"

void train_state_init(TrainState *st) {
    memset(st, 0, sizeof *st);
    st->last_loss = NAN;
    st->last_val = NAN;
}

typedef struct Buffers {
    int *inputs, *targets;
    float *weights, *logp, *dlogp;
} Buffers;

static void buffers_free(Buffers *b) {
    free(b->inputs); free(b->targets); free(b->weights); free(b->logp); free(b->dlogp);
}

static int buffers_alloc(Buffers *b, int B, int T, RlhfErr *e) {
    size_t n = (size_t)B * (size_t)T;
    memset(b, 0, sizeof *b);
    b->inputs = rlhf_malloc(n * sizeof(int), e);
    b->targets = rlhf_malloc(n * sizeof(int), e);
    b->weights = rlhf_malloc(n * sizeof(float), e);
    b->logp = rlhf_malloc(n * sizeof(float), e);
    b->dlogp = rlhf_malloc(n * sizeof(float), e);
    if (!b->inputs || !b->targets || !b->weights || !b->logp || !b->dlogp) { buffers_free(b); return -1; }
    return 0;
}

/* Sums -logp·weight and the trained targets over this rank's rows of the
 * first `batches` global batches of B·size windows of d. */
static void eval_sums(DevModel *m, const TokenData *d, Buffers *b, int B, int T, int batches, int rank, int size,
                      double *sum_out, double *count_out) {
    size_t cursor = 0;
    double sum = 0;
    long count = 0;
    for (int i = 0; i < batches; i++) {
        size_t before = cursor;
        long k = dist_lm_batch(d, &cursor, B, T, rank, size, 1.0f, b->inputs, b->targets, b->weights, NULL);
        dev_forward(m, b->inputs, NULL, B, T);
        dev_lm_forward(m, b->targets, b->logp, NULL);
        for (int j = 0; j < B * T; j++) sum -= (double)b->weights[j] * b->logp[j];
        count += k;
        if (cursor <= before) break;   /* wrapped: the whole set was seen */
    }
    *sum_out = sum;
    *count_out = (double)count;
}

/* The held-out loss of a data-parallel run: each rank evaluates its rows of
 * every global batch and the sums are added over ranks (a collective: every
 * rank must call it). For one rank this is eval_lm_loss. */
static float eval_lm_loss_dist(DevModel *m, const TokenData *d, int B, int T, int batches, RlhfErr *e) {
    if (!d || d->n < (size_t)T + 2) return NAN;
    if (dev_reserve(m, B, T, 0, e)) return NAN;
    Buffers b;
    int bad = buffers_alloc(&b, B, T, e) != 0;
    if (dist_any(bad)) {
        if (!bad) { rlhf_err(e, "held-out loss: another rank ran out of memory"); buffers_free(&b); }
        return NAN;
    }
    double s[2];
    eval_sums(m, d, &b, B, T, batches, dist_rank(), dist_size(), &s[0], &s[1]);
    dist_allreduce_sum_double(s, 2);
    buffers_free(&b);
    return s[1] > 0 ? (float)(s[0] / s[1]) : NAN;
}

static float eval_lm_loss_dev(DevModel *m, const TokenData *d, int B, int T, int batches, RlhfErr *e) {
    if (!d || d->n < (size_t)T + 2) return NAN;
    if (dev_reserve(m, B, T, 0, e)) return NAN;
    Buffers b;
    if (buffers_alloc(&b, B, T, e)) return NAN;
    double sum, count;
    eval_sums(m, d, &b, B, T, batches, 0, 1, &sum, &count);
    buffers_free(&b);
    if (dev_status(m, e)) return NAN;
    return count > 0 ? (float)(sum / count) : NAN;
}

float eval_lm_loss(GPT2 *m, const TokenData *d, int B, int T, int batches, RlhfErr *e) {
    DevModel dm;
    dev_open(&dm, m, DEVICE_CPU, e);
    return eval_lm_loss_dev(&dm, d, B, T, batches, e);
}

char *train_state_to_json(const TrainState *st, const TrainConfig *c) {
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_int(&b, "step", st->step);
    jb_kv_int(&b, "cursor", (long long)st->cursor);
    jb_kv_num(&b, "last_loss", st->last_loss);
    jb_kv_num(&b, "last_val", st->last_val);
    if (c) {
        jb_kv_int(&b, "B", c->B); jb_kv_int(&b, "T", c->T); jb_kv_int(&b, "accum", c->accum);
        jb_kv_int(&b, "steps", c->steps); jb_kv_num(&b, "lr", c->lr);
    }
    jb_obj_end(&b);
    return b.data;
}

int train_state_from_json(const char *json, TrainState *st, RlhfErr *e) {
    train_state_init(st);
    JsonDoc *d = json_parse(json, strlen(json), e);
    if (!d) return rlhf_err_wrap(e, "trainer state");
    JsonValue *r = json_root(d);
    double step, cursor, x;
    if (json_get_num(r, "step", &step) || json_get_num(r, "cursor", &cursor)) {
        json_doc_free(d);
        return rlhf_err(e, "trainer state: missing field 'step' or 'cursor'");
    }
    st->step = (long)step;
    st->cursor = (size_t)cursor;
    if (!json_get_num(r, "last_loss", &x)) st->last_loss = (float)x;
    if (!json_get_num(r, "last_val", &x)) st->last_val = (float)x;
    json_doc_free(d);
    return 0;
}

int train_lm(GPT2 *m, AdamW *opt, TrainState *st, const TokenData *train, const TokenData *val, const TrainConfig *c,
             MetricsLog *log, TrainSaveFn save, void *save_ctx, const char *label, RlhfErr *e) {
    if (train->n < (size_t)c->T + 2)
        return rlhf_err(e, "%s: training stream has %zu tokens, fewer than one window of T+1 = %d", label, train->n,
                        c->T + 1);
    /* Data parallel over `size` ranks (1 without mpirun): c->B is the
     * per-rank micro-batch, each optimizer step sees the same B·size·accum
     * windows as one rank with batch B·size would (dist/dist_batch.h). */
    int rank = dist_rank(), size = dist_size(), root = dist_is_root();
    if (c->device != DEVICE_CPU && size > 1)
        return rlhf_err(e, "%s: --device %s with %d MPI ranks is not supported yet (gradients are averaged on the "
                           "host); run one rank per GPU machine without mpirun, or --device cpu", label,
                        device_name(c->device), size);
    Buffers b;
    DevModel dm;
    int bad = dev_open(&dm, m, c->device, e) != 0;
    if (!bad && dev_reserve(&dm, c->B, c->T, 1, e)) bad = 1;
    if (!bad && buffers_alloc(&b, c->B, c->T, e)) { bad = 1; }
    if (dist_any(bad)) {
        if (!bad) { buffers_free(&b); rlhf_err(e, "%s: another rank failed to allocate its buffers", label); }
        dev_close(&dm);
        return -1;
    }
    /* every rank starts from rank 0's parameters, optimizer and data
     * position, whatever each loaded (e.g. a checkpoint only rank 0's node
     * had), provided its model has the same shape */
    size_t root_params = m->num_params;
    dist_bcast(&root_params, sizeof root_params);
    int differs = root_params != m->num_params;
    if (dist_any(differs)) {
        buffers_free(&b);
        dev_close(&dm);
        if (!differs)
            return rlhf_err(e, "%s: another rank built a model of a different size: are the checkpoint and inputs the "
                               "same on every node?", label);
        return rlhf_err(e, "%s: this rank built a model of %zu parameters, rank 0 one of %zu: are the checkpoint and "
                           "inputs the same on every node?", label, m->num_params, root_params);
    }
    dist_bcast(m->param_mem, m->num_params * sizeof(float));
    dist_bcast(opt->m, opt->n * sizeof(float));
    dist_bcast(opt->v, opt->n * sizeof(float));
    dist_bcast(&opt->step, sizeof opt->step);
    dist_bcast(st, sizeof *st);
    int accum = c->accum > 0 ? c->accum : 1;
    double tokens_per_step = (double)c->B * c->T * accum * size;
    Progress pg;
    progress_begin(&pg, label, c->steps, "tok");
    if (!root) pg.quiet = 1;
    long start_step = st->step;
    int rc = 0;
    char status[96] = "";
    while (st->step < c->steps) {
        double t0 = rlhf_now();
        dev_zero_grad(&dm);
        double loss_sum = 0;
        long trained_sum = 0;
        for (int a = 0; a < accum; a++) {
            long k;   /* trained targets of the global micro-batch, over all ranks */
            dist_lm_batch(train, &st->cursor, c->B, c->T, rank, size, 1.0f, b.inputs, b.targets, b.weights, &k);
            /* each micro-batch's mean over its trained tokens (of all ranks),
             * averaged over micro-batches; ×size because the gradients are
             * then averaged over ranks, so their mean is the 1-rank gradient */
            float scale = k > 0 ? (float)size / ((float)k * (float)accum) : 0.0f;
            for (int j = 0; j < c->B * c->T; j++) b.weights[j] *= scale;
            dev_forward(&dm, b.inputs, NULL, c->B, c->T);
            float l = dev_lm_loss_and_grad(&dm, b.targets, b.weights, b.logp, b.dlogp);
            dev_backward(&dm);
            loss_sum += l;
            trained_sum += k;
        }
        /* no overlap with backward: gpt2_backward is one call without
         * per-layer hooks; see docs/DISTRIBUTED.md */
        double t_ar = rlhf_now();
        if (size > 1) dist_allreduce_mean(m->grad_mem, m->num_params);
        dist_allreduce_sum_double(&loss_sum, 1);
        t_ar = rlhf_now() - t_ar;
        float loss = size > 1 ? (float)(loss_sum / size) : (float)loss_sum;   /* already averaged by the weights */
        float norm = dev_clip_grad_norm(&dm, c->grad_clip);
        if (dev_status(&dm, e)) {
            rc = rlhf_err_wrap(e, "%s: step %ld", label, st->step + 1);
            break;
        }
        if (!isfinite(loss) || !isfinite(norm)) {
            rc = rlhf_err(e, "%s: step %ld: loss %g, gradient norm %g is not finite; stopping (last checkpoint kept)",
                          label, st->step + 1, loss, norm);
            break;
        }
        float lr = lr_cosine(st->step, c->warmup, c->steps, c->lr, c->lr_min);
        if (dev_adamw_step(&dm, opt, lr, e)) {
            rc = -1;
            break;
        }
        st->step++;
        st->last_loss = loss;
        double dt = rlhf_now() - t0;
        int do_eval = val && ((c->eval_every > 0 && st->step % c->eval_every == 0) || st->step == c->steps);
        if (do_eval)
            st->last_val = size > 1 ? eval_lm_loss_dist(&dm, val, c->B, c->T, c->eval_batches, e)
                                    : eval_lm_loss_dev(&dm, val, c->B, c->T, c->eval_batches, e);
        if (log && root) {
            JsonBuf *j = metrics_begin(log, label);
            jb_kv_int(j, "step", st->step);
            jb_kv_num(j, "loss", loss);
            if (do_eval) jb_kv_num(j, "val_loss", st->last_val);
            jb_kv_num(j, "lr", lr);
            jb_kv_num(j, "grad_norm", norm);
            jb_kv_int(j, "trained_tokens", trained_sum);
            jb_kv_num(j, "tokens_per_s", tokens_per_step / dt);
            if (size > 1) {
                jb_kv_int(j, "ranks", size);
                jb_kv_num(j, "allreduce_s", t_ar);   /* includes waiting for the slowest rank */
            }
            metrics_end(log);
        }
        if (do_eval) snprintf(status, sizeof status, "loss %.3f val %.3f", loss, st->last_val);
        else snprintf(status, sizeof status, "loss %.3f", loss);
        progress_update(&pg, st->step, (double)(st->step - start_step) * tokens_per_step, status);
        int do_ckpt = save && ((c->ckpt_every > 0 && st->step % c->ckpt_every == 0) || st->step == c->steps);
        if (do_ckpt) {
            /* only rank 0 writes; all ranks learn whether it worked */
            int failed = root && (dev_pull(&dm, opt, e) || save(save_ctx, m, opt, st, e) != 0);
            if (dist_any(failed)) {
                if (!failed) rlhf_err(e, "%s: step %ld: rank 0 failed to write the checkpoint", label, st->step);
                rc = -1;
                break;
            }
        }
    }
    progress_end(&pg, st->step, (double)(st->step - start_step) * tokens_per_step, status);
    /* the caller's host model and optimizer end where the device did */
    if (dev_pull(&dm, opt, rc ? NULL : e) && !rc) rc = -1;
    dev_close(&dm);
    buffers_free(&b);
    return rc;
}
