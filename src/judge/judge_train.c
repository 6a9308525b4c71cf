/* judge_train.c — Bradley–Terry training of a preference model. */
#include "judge/judge_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"
#include "judge/calibration.h"
#include "model/adamw.h"
#include "util/json.h"
#include "util/metrics.h"
#include "util/progress.h"
#include "util/rng.h"

void judge_train_defaults(JudgeTrainOpts *o) {
    memset(o, 0, sizeof *o);
    o->epochs = 2;
    o->B = 8;
    o->accum = 1;
    o->lr = 1e-4f;
    o->lr_min = 1e-5f;
    o->warmup = 20;
    o->weight_decay = 0.01f;
    o->grad_clip = 1.0f;
    o->seed = 1337;
}

/* ---- encoded pairs -------------------------------------------------------- */

void judge_pairs_free(JudgePairs *p) {
    free(p->tok);
    free(p->off);
    free(p->len);
    memset(p, 0, sizeof *p);
}

int judge_pairs_build(Judge *j, const ComparisonSet *s, JudgePairs *out, RlhfErr *e) {
    memset(out, 0, sizeof *out);
    long n = (long)s->n;
    size_t cap = (size_t)(n > 0 ? n : 1) * 2 * 64, used = 0;
    out->tok = rlhf_malloc(cap * sizeof(int), e);
    out->off = rlhf_malloc((size_t)(2 * n + 1) * sizeof(size_t), e);
    out->len = rlhf_malloc((size_t)(2 * n + 1) * sizeof(int), e);
    if (!out->tok || !out->off || !out->len) { judge_pairs_free(out); return -1; }
    JsonBuf text;
    jb_init(&text);
    TokIds ids = {0};
    for (long i = 0; i < n; i++) {
        for (int w = 0; w < 2; w++) {
            jb_reset(&text);
            comparison_transcript(&s->items[i], w, &text);
            if (text.oom) { rlhf_err(e, "judge: out of memory"); goto fail; }
            if (judge_encode(j, text.data, text.len, &ids, e)) {
                rlhf_err_wrap(e, "comparison %ld (line %ld)", i, s->items[i].line);
                goto fail;
            }
            if (used + ids.n > cap) {
                size_t ncap = RLHF_MAX(cap * 2, used + ids.n);
                int *t = realloc(out->tok, ncap * sizeof(int));
                if (!t) { rlhf_err(e, "judge: out of memory for %zu tokens", ncap); goto fail; }
                out->tok = t;
                cap = ncap;
            }
            memcpy(out->tok + used, ids.ids, ids.n * sizeof(int));
            out->off[2 * i + w] = used;
            out->len[2 * i + w] = (int)ids.n;
            used += ids.n;
        }
    }
    out->n = n;
    jb_free(&text);
    tok_ids_free(&ids);
    return 0;
fail:
    jb_free(&text);
    tok_ids_free(&ids);
    judge_pairs_free(out);
    return -1;
}

int judge_pairs_margins(Judge *j, const JudgePairs *p, double *margin, float *rc, float *rr, RlhfErr *e) {
    if (p->n == 0) return 0;
    const int **ids = rlhf_malloc((size_t)(2 * p->n) * sizeof *ids, e);
    float *raw = rlhf_malloc((size_t)(2 * p->n) * sizeof *raw, e);
    int rc_ = -1;
    if (!ids || !raw) goto done;
    for (long i = 0; i < 2 * p->n; i++) ids[i] = p->tok + p->off[i];
    if (judge_score_ids(j, ids, p->len, (int)(2 * p->n), raw, e)) goto done;
    for (long i = 0; i < p->n; i++) {
        if (margin) margin[i] = (double)raw[2 * i] - (double)raw[2 * i + 1];
        if (rc) rc[i] = raw[2 * i];
        if (rr) rr[i] = raw[2 * i + 1];
    }
    rc_ = 0;
done:
    free(ids);
    free(raw);
    return rc_;
}

/* ---- the loss --------------------------------------------------------------- */

float judge_bt_batch_dev(DevModel *m, const int *tokens, const uint8_t *mask, const int *pos, int P, int T,
                         int backward, float grad_scale, float *scratch, double *correct) {
    float *r = scratch, *dr = scratch + 2 * P;
    dev_forward(m, tokens, mask, 2 * P, T);
    dev_scalar_forward(m, pos, r);
    double loss = 0.0, ok = 0.0;
    for (int i = 0; i < P; i++) {
        double d = (double)r[i] - (double)r[P + i];
        loss += calib_neg_log_sigmoid(d);
        ok += d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0;
        /* d/dd −log σ(d) = −σ(−d) */
        float g = (float)(-calib_sigmoid(-d)) * grad_scale / (float)P;
        dr[i] = g;
        dr[P + i] = -g;
    }
    if (correct) *correct = ok;
    if (backward) {
        dev_scalar_backward(m, pos, dr);
        dev_backward(m);
    }
    return (float)(loss / P);
}

float judge_bt_batch(GPT2 *m, const int *tokens, const uint8_t *mask, const int *pos, int P, int T, int backward,
                     float grad_scale, float *scratch, double *correct) {
    DevModel d;
    dev_open(&d, m, DEVICE_CPU, NULL);
    return judge_bt_batch_dev(&d, tokens, mask, pos, P, T, backward, grad_scale, scratch, correct);
}

/* ---- validation ------------------------------------------------------------- */

typedef struct ValResult {
    double loss, acc, margin;
} ValResult;

static int validate(Judge *j, const JudgePairs *val, double *margin, float *rc, float *rr, ValResult *out,
                    RlhfErr *e) {
    if (judge_pairs_margins(j, val, margin, rc, rr, e)) return -1;
    double loss = 0, ok = 0, mg = 0;
    for (long i = 0; i < val->n; i++) {
        loss += calib_neg_log_sigmoid(margin[i]);
        ok += margin[i] > 0 ? 1.0 : margin[i] == 0 ? 0.5 : 0.0;
        mg += margin[i];
    }
    out->loss = loss / val->n;
    out->acc = ok / val->n;
    out->margin = mg / val->n;
    return 0;
}

/* ---- epochs ----------------------------------------------------------------- */

/* Pair order of one epoch: shuffled, length-grouped in windows of 32 micro-
 * batches, micro-batches shuffled. order has n entries. */
static void epoch_order(long *order, const JudgePairs *p, int B, uint64_t seed, int epoch, int *scratch_idx) {
    long n = p->n;
    Rng r;
    rng_seed(&r, seed * 0x9E3779B97F4A7C15ULL + (uint64_t)epoch + 1);
    int *idx = scratch_idx;
    for (long i = 0; i < n; i++) idx[i] = (int)i;
    rng_shuffle_int(&r, idx, (int)n);
    long win = 32L * B;
    for (long s = 0; s < n; s += win) {   /* insertion sort by pair length inside each window */
        long e = RLHF_MIN(n, s + win);
        for (long i = s + 1; i < e; i++) {
            int v = idx[i];
            int lv = RLHF_MAX(p->len[2 * v], p->len[2 * v + 1]);
            long k = i - 1;
            while (k >= s && RLHF_MAX(p->len[2 * idx[k]], p->len[2 * idx[k] + 1]) > lv) {
                idx[k + 1] = idx[k];
                k--;
            }
            idx[k + 1] = v;
        }
    }
    int nb = (int)((n + B - 1) / B);
    int *bo = malloc((size_t)nb * sizeof *bo);
    if (!bo) {   /* out of memory: the shuffled, grouped order is still a valid order */
        for (long i = 0; i < n; i++) order[i] = idx[i];
        return;
    }
    for (int b = 0; b < nb; b++) bo[b] = b;
    rng_shuffle_int(&r, bo, nb);
    long w = 0;
    for (int b = 0; b < nb; b++)
        for (long i = (long)bo[b] * B; i < RLHF_MIN(n, (long)(bo[b] + 1) * B); i++) order[w++] = idx[i];
    free(bo);
}

int judge_train(Judge *j, const ComparisonSet *train, const ComparisonSet *val, const JudgeTrainOpts *o,
                JudgeTrainResult *res, RlhfErr *e) {
    JudgeTrainResult r0;
    if (!res) res = &r0;
    memset(res, 0, sizeof *res);
    if (train->n == 0) return rlhf_err(e, "judge train: no training pairs");
    if (val->n == 0) return rlhf_err(e, "judge train: no validation pairs");
    if (o->B < 1 || o->accum < 1 || o->epochs < 1) return rlhf_err(e, "judge train: need batch, accum, epochs ≥ 1");
    double t_start = rlhf_now();
    GPT2 *m = &j->model;
    JudgePairs tp = {0}, vp = {0};
    AdamW opt = {0};
    MetricsLog log = {0};
    int log_open = 0, opt_ok = 0, rc = -1;
    /* Data parallel (under mpirun): o->B pairs per rank, so one micro-batch is B·ranks pairs,
     * the same as one rank with that batch (as pretraining does). */
    const int rank = dist_rank(), nranks = dist_size(), root = dist_is_root();
    int P = o->B, T = j->max_len, Pg = o->B * nranks;
    int *tokens = NULL, *pos = NULL, *idx = NULL;
    uint8_t *mask = NULL;
    float *scratch = NULL, *best = NULL, *vrc = NULL, *vrr = NULL, *brc = NULL, *brr = NULL;
    double *vmargin = NULL;
    long *order = NULL;
    if (judge_pairs_build(j, train, &tp, e) || judge_pairs_build(j, val, &vp, e)) goto done;
    res->train_pairs = tp.n;
    res->val_pairs = vp.n;
    tokens = rlhf_malloc((size_t)2 * P * T * sizeof *tokens, e);
    mask = rlhf_malloc((size_t)2 * P * T, e);
    pos = rlhf_malloc((size_t)2 * P * sizeof *pos, e);
    scratch = rlhf_malloc((size_t)4 * P * sizeof *scratch, e);
    best = rlhf_malloc(m->num_params * sizeof *best, e);
    vmargin = rlhf_malloc((size_t)vp.n * sizeof *vmargin, e);
    vrc = rlhf_malloc((size_t)vp.n * sizeof *vrc, e);
    vrr = rlhf_malloc((size_t)vp.n * sizeof *vrr, e);
    brc = rlhf_malloc((size_t)vp.n * sizeof *brc, e);
    brr = rlhf_malloc((size_t)vp.n * sizeof *brr, e);
    order = rlhf_malloc((size_t)tp.n * sizeof *order, e);
    idx = rlhf_malloc((size_t)tp.n * sizeof *idx, e);
    if (!tokens || !mask || !pos || !scratch || !best || !vmargin || !vrc || !vrr || !brc || !brr || !order || !idx)
        goto done;
    if (o->device != DEVICE_CPU && nranks > 1) {
        rlhf_err(e, "judge train: --device %s with %d MPI ranks is not supported yet", device_name(o->device), nranks);
        goto done;
    }
    /* rank 0's weights first: the device copy is made from them */
    if (nranks > 1) dist_bcast(m->param_mem, m->num_params * sizeof(float));
    if (judge_use_device(j, o->device, e)) goto done;
    DevModel *dm = judge_dev(j);
    if (dev_reserve(dm, 2 * P, T, 1, e)) goto done;
    if (adamw_init(&opt, m, 0.9f, 0.95f, 1e-8f, o->weight_decay, e)) goto done;
    opt_ok = 1;
    /* Every rank takes its share of each micro-batch's pairs, gradients are averaged, every rank
     * steps the same optimizer; only rank 0 writes. The ranks start from rank 0's weights so a
     * head initialised differently cannot split them. */
    if (metrics_open(&log, root ? o->metrics : NULL, 0, e)) goto done;
    log_open = 1;

    long micro_per_epoch = (tp.n + Pg - 1) / Pg;
    long steps_per_epoch = (micro_per_epoch + o->accum - 1) / o->accum;
    long total = steps_per_epoch * o->epochs;
    ValResult v;
    if (validate(j, &vp, vmargin, vrc, vrr, &v, e)) goto done;
    res->first_val_loss = v.loss;
    res->first_val_acc = v.acc;
    /* The untrained judge is the baseline, not a candidate: it scores every reply
     * alike (loss log 2), so a trained judge that is overconfident on the small
     * validation set (loss above log 2, accuracy above chance) would otherwise
     * lose to a judge that knows nothing. The first trained validation always
     * becomes the best; res->beat_untrained says whether any beat the start. */
    double best_key = INFINITY, start_key = o->best_by_acc ? -v.acc : v.loss;
    res->beat_untrained = 0;
    res->best_val_loss = v.loss;
    res->best_val_acc = v.acc;
    res->best_val_margin = v.margin;
    memcpy(best, m->param_mem, m->num_params * sizeof *best);
    memcpy(brc, vrc, (size_t)vp.n * sizeof *brc);
    memcpy(brr, vrr, (size_t)vp.n * sizeof *brr);
    JsonBuf *mb = metrics_begin(&log, "val");
    jb_kv_int(mb, "step", 0);
    jb_kv_int(mb, "epoch", 0);
    jb_kv_num(mb, "loss", v.loss);
    jb_kv_num(mb, "acc", v.acc);
    jb_kv_num(mb, "margin", v.margin);
    metrics_end(&log);

    Progress prog;
    progress_begin(&prog, "judge train", total, "pair");
    prog.quiet |= o->quiet || !root;
    long step = 0, pairs_done = 0;
    double loss_ema = NAN, acc_ema = NAN;
    for (int ep = 0; ep < o->epochs; ep++) {
        epoch_order(order, &tp, Pg, o->seed, ep, idx);
        long cur = 0;
        for (long s = 0; s < steps_per_epoch; s++) {
            dev_zero_grad(dm);
            double sloss = 0, sok = 0;
            long spairs = 0;
            for (int a = 0; a < o->accum && cur < tp.n; a++) {
                int np = (int)RLHF_MIN((long)Pg, tp.n - cur);
                long b0, b1;   /* this rank's pairs of the micro-batch: [cur + b0, cur + b1) */
                dist_shard(np, rank, nranks, &b0, &b1);
                int nl = (int)(b1 - b0);
                int Tb = 1;
                for (int i = 0; i < nl; i++) {
                    long pi = order[cur + b0 + i];
                    Tb = RLHF_MAX(Tb, RLHF_MAX(tp.len[2 * pi], tp.len[2 * pi + 1]));
                }
                for (int w = 0; w < 2; w++)
                    for (int i = 0; i < nl; i++) {
                        long q = 2 * order[cur + b0 + i] + w;
                        int row = w * nl + i, L = tp.len[q];
                        int *dst = tokens + (size_t)row * Tb;
                        uint8_t *mk = mask + (size_t)row * Tb;
                        memcpy(dst, tp.tok + tp.off[q], (size_t)L * sizeof *dst);
                        memset(mk, 1, (size_t)L);
                        for (int t = L; t < Tb; t++) { dst[t] = j->eot; mk[t] = 0; }
                        pos[row] = L - 1;
                        res->train_tokens += L;
                    }
                /* the step's loss is the mean over its pairs: weight each micro-batch by its share
                 * (exact except for a short last step of an epoch); the all-reduce below
                 * averages the ranks' gradients, hence P (per rank), not Pg, here */
                if (nl > 0) {
                    double ok = 0;
                    float l = judge_bt_batch_dev(dm, tokens, mask, pos, nl, Tb, 1,
                                             (float)nl / (float)(P * o->accum), scratch, &ok);
                    sloss += (double)l * nl;
                    sok += ok;
                }
                spairs += np;
                cur += np;
            }
            if (spairs == 0) break;
            if (nranks > 1) {
                double st[2] = {sloss, sok};
                dist_allreduce_mean(m->grad_mem, m->num_params);
                dist_allreduce_sum_double(st, 2);
                sloss = st[0];
                sok = st[1];
            }
            float gn = dev_clip_grad_norm(dm, o->grad_clip);
            if (dev_status(dm, e)) goto done;
            if (!isfinite(gn)) {
                rlhf_err(e, "judge train: gradient norm is %g at step %ld (lower --lr?)", gn, step);
                goto done;
            }
            float lr = lr_cosine(step, o->warmup, total, o->lr, o->lr_min);
            if (dev_adamw_step(dm, &opt, lr, e)) goto done;
            step++;
            pairs_done += spairs;
            double ml = sloss / spairs, ma = sok / spairs;
            loss_ema = isnan(loss_ema) ? ml : 0.95 * loss_ema + 0.05 * ml;
            acc_ema = isnan(acc_ema) ? ma : 0.95 * acc_ema + 0.05 * ma;
            mb = metrics_begin(&log, "train");
            jb_kv_int(mb, "step", step);
            jb_kv_int(mb, "epoch", ep + 1);
            jb_kv_num(mb, "loss", ml);
            jb_kv_num(mb, "acc", ma);
            jb_kv_num(mb, "lr", lr);
            jb_kv_num(mb, "grad_norm", gn);
            metrics_end(&log);
            char extra[96];
            snprintf(extra, sizeof extra, "loss %.3f acc %.1f%% val %.1f%%", loss_ema, 100 * acc_ema,
                     100 * res->best_val_acc);
            progress_update(&prog, step, (double)pairs_done, extra);
            int end_of_epoch = s == steps_per_epoch - 1 || cur >= tp.n;
            if (end_of_epoch || (o->eval_every > 0 && step % o->eval_every == 0)) {
                if (validate(j, &vp, vmargin, vrc, vrr, &v, e)) goto done;
                double key = o->best_by_acc ? -v.acc : v.loss;
                int improved = key < best_key;
                if (key < start_key) res->beat_untrained = 1;
                mb = metrics_begin(&log, "val");
                jb_kv_int(mb, "step", step);
                jb_kv_int(mb, "epoch", ep + 1);
                jb_kv_num(mb, "loss", v.loss);
                jb_kv_num(mb, "acc", v.acc);
                jb_kv_num(mb, "margin", v.margin);
                jb_kv_bool(mb, "best", improved);
                metrics_end(&log);
                if (improved) {
                    best_key = key;
                    res->best_val_loss = v.loss;
                    res->best_val_acc = v.acc;
                    res->best_val_margin = v.margin;
                    res->best_step = step;
                    res->best_epoch = ep + 1;
                    if (dev_pull(dm, NULL, e)) goto done;   /* the host copy is the one kept */
                    memcpy(best, m->param_mem, m->num_params * sizeof *best);
                    memcpy(brc, vrc, (size_t)vp.n * sizeof *brc);
                    memcpy(brr, vrr, (size_t)vp.n * sizeof *brr);
                }
            }
            if (end_of_epoch) break;
        }
    }
    char extra[96];
    snprintf(extra, sizeof extra, "best val loss %.4f acc %.1f%% (step %ld)", res->best_val_loss,
             100 * res->best_val_acc, res->best_step);
    progress_end(&prog, step, (double)pairs_done, extra);
    res->steps = step;
    if (nranks > 1) {
        double tt = (double)res->train_tokens;
        dist_allreduce_sum_double(&tt, 1);
        res->train_tokens = (long)tt;
    }
    memcpy(m->param_mem, best, m->num_params * sizeof *best);
    /* later scoring on the device reads the kept judge, from a fresh device copy:
     * training's gradients, moments and (2P, T) activations are given back */
    if (o->device != DEVICE_CPU && (judge_use_device(j, DEVICE_CPU, e) || judge_use_device(j, o->device, e))) goto done;

    /* centring on the best model's raw scores of the validation replies */
    double sum = 0, sq = 0;
    long nref = 2 * vp.n;
    for (long i = 0; i < vp.n; i++) sum += (double)brc[i] + brr[i];
    double mean = sum / nref;
    for (long i = 0; i < vp.n; i++) sq += ((double)brc[i] - mean) * (brc[i] - mean) + ((double)brr[i] - mean) * (brr[i] - mean);
    double sd = nref > 1 ? sqrt(sq / (nref - 1)) : 1.0;
    if (!(sd > 1e-6)) sd = 1.0;   /* an untrained head scores everything alike: keep z = r − offset */
    j->offset = (float)mean;
    j->scale = (float)sd;
    res->offset = mean;
    res->scale = sd;
    res->seconds = rlhf_now() - t_start;
    mb = metrics_begin(&log, "done");
    jb_kv_int(mb, "steps", step);
    jb_kv_int(mb, "best_step", res->best_step);
    jb_kv_num(mb, "best_val_loss", res->best_val_loss);
    jb_kv_num(mb, "best_val_acc", res->best_val_acc);
    jb_kv_num(mb, "offset", mean);
    jb_kv_num(mb, "scale", sd);
    jb_kv_num(mb, "seconds", res->seconds);
    metrics_end(&log);
    rc = 0;
done:
    if (log_open) metrics_close(&log);
    if (opt_ok) adamw_free(&opt);
    judge_pairs_free(&tp);
    judge_pairs_free(&vp);
    free(tokens);
    free(mask);
    free(pos);
    free(scratch);
    free(best);
    free(vmargin);
    free(vrc);
    free(vrr);
    free(brc);
    free(brr);
    free(order);
    free(idx);
    return rc;
}
