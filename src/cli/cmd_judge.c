/* cmd_judge.c — `rlhf judge train | eval | score`: preference models trained on
 * human comparisons, their accuracy and calibration against the baselines on
 * held-out prompts, and scoring transcripts. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "dist/dist.h"
#include "data/comparisons.h"
#include "data/split.h"
#include "judge/baselines.h"
#include "judge/calibration.h"
#include "judge/judge.h"
#include "judge/judge_eval.h"
#include "judge/judge_train.h"
#include "model/model_file.h"
#include "report/report.h"
#include "report/svg_plot.h"
#include "util/json.h"

#define JUDGE_MAX_JUDGES 16

/* Takes every `--NAME VALUE` / `--NAME=VALUE` out of argv (into vals, at most
 * max) so the shared parser, which keeps one value per option, sees the rest.
 * Returns the count, -1 on a missing value or too many (message printed). */
static int take_repeated(const char *cmd, const char *name, int *argc, char **argv, const char **vals, int max) {
    int n = 0, w = 1;
    size_t nl = strlen(name);
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--")) { while (i < *argc) argv[w++] = argv[i++]; break; }
        if (!strncmp(a, "--", 2) && !strncmp(a + 2, name, nl) && a[2 + nl] == 0) {
            if (i + 1 >= *argc) { fprintf(stderr, "rlhf %s: --%s needs a value\n", cmd, name); return -1; }
            v = argv[++i];
        } else if (!strncmp(a, "--", 2) && !strncmp(a + 2, name, nl) && a[2 + nl] == '=') {
            v = a + 3 + nl;
        }
        if (!v) { argv[w++] = argv[i]; continue; }
        if (n == max) { fprintf(stderr, "rlhf %s: at most %d --%s\n", cmd, max, name); return -1; }
        vals[n++] = v;
    }
    *argc = w;
    argv[w] = NULL;
    return n;
}

/* "train" | "test" | "all" → part index (0 train, 1 test) or -1 for all. */
static int parse_split(const char *s, int *part) {
    if (!strcmp(s, "train")) *part = 0;
    else if (!strcmp(s, "test")) *part = 1;
    else if (!strcmp(s, "all")) *part = -1;
    else return -1;
    return 0;
}

static void split_opts(ComparisonOpts *o, int skip_bad, int part, double frac, uint64_t salt) {
    memset(o, 0, sizeof *o);
    o->skip_bad = skip_bad;
    if (part >= 0) {
        double fr[2] = {frac, 1 - frac};
        comparison_opts_split(o, salt, fr, 2, part);
    }
}

static void print_counts(const char *cmd, const char *what, const ComparisonCounts *c) {
    fprintf(stderr, "rlhf %s: %s: %ld lines, %ld pairs kept, %ld ties skipped, %ld bad rows skipped, %ld in the other split part\n",
            cmd, what, c->lines, c->kept, c->ties, comparison_counts_bad(c), c->filtered);
}

/* ---- train -------------------------------------------------------------------- */

static int judge_train_cmd(int argc, char **argv) {
    const char *init = NULL, *out = NULL, *kind = "mixed", *val_list = NULL, *split = "all", *metrics = NULL,
               *best = "loss";
    double val_frac = 0.1, frac = 0.7;
    long long salt = (long long)SPLIT_SALT_DEFAULT, seed = 1337, warmup;
    int seq = 512, threads = 0, skip_bad = 0, quiet = 0, max_pairs = 0;
    const char *device = "cpu";
    JudgeTrainOpts o;
    judge_train_defaults(&o);
    warmup = o.warmup;
    ArgSpec specs[] = {
        {"init", 's', &init, "CKPT", "pretrained LM (or judge) to start from; its tokenizer is used (required)"},
        {"out", 's', &out, "JUDGE", "judge checkpoint to write (required)"},
        {"kind", 's', &kind, "K", "what it judges: helpful | harmless | mixed (stored in the judge)"},
        {"val", 's', &val_list, "F1,F2", "validation files (default: --val-frac of the training conversations)"},
        {"val-frac", 'd', &val_frac, "F", "share of the training conversations held out for validation (by hash)"},
        {"split", 's', &split, "P", "use only this part of the standard prompt-hash split of FILES: train | test | all"},
        {"frac", 'd', &frac, "F", "train fraction of that split"},
        {"salt", 'l', &salt, "S", "split salt (default: the project's standard split)"},
        {"epochs", 'i', &o.epochs, "N", "passes over the training pairs"},
        {"batch", 'i', &o.B, "B", "pairs per micro-batch (2B sequences)"},
        {"accum", 'i', &o.accum, "K", "micro-batches per optimizer step"},
        {"seq", 'i', &seq, "T", "tokens read per transcript, EOT included (long ones keep their end)"},
        {"lr", 'f', &o.lr, "X", "peak learning rate"},
        {"lr-min", 'f', &o.lr_min, "X", "final learning rate (cosine)"},
        {"warmup", 'l', &warmup, "N", "linear warmup steps"},
        {"wd", 'f', &o.weight_decay, "X", "AdamW weight decay"},
        {"clip", 'f', &o.grad_clip, "X", "gradient-norm clip (0 = off)"},
        {"eval-every", 'i', &o.eval_every, "N", "validate every N steps too (0 = each epoch only)"},
        {"best", 's', &best, "M", "keep the best checkpoint by validation loss | acc"},
        {"max-pairs", 'i', &max_pairs, "N", "use at most N training pairs (the first N; 0 = all)"},
        {"seed", 'l', &seed, "S", "data-order seed"},
        {"metrics", 's', &metrics, "FILE", "metrics JSONL (default <out>.metrics.jsonl)"},
        {"skip-bad", 'b', &skip_bad, NULL, "skip and count bad rows instead of failing"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads (default: all cores)"},
        {"quiet", 'b', &quiet, NULL, "no progress bar"},
        {"device", 's', &device, "cpu|cuda", "where training and validation run (cuda: build/cuda/rlhf of make cuda)"},
        {0}};
    char **files = NULL;
    int nfiles = 0;
    int rc = args_parse("judge train",
                        "rlhf judge train --init BASE_CKPT --out JUDGE [--kind helpful|harmless|mixed] [options] FILES...\n"
                        "  Bradley-Terry preference model on comparison files (HH-RLHF or TRL JSONL, .gz ok), read at\n"
                        "  <|endoftext|> after the final reply; best validation checkpoint kept; scores centred on the\n"
                        "  validation replies (0 = typical).",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    int part;
    if (!init || !out || nfiles == 0 || parse_split(split, &part) || !(frac > 0 && frac < 1) ||
        !(val_frac >= 0 && val_frac < 1) || (strcmp(best, "loss") && strcmp(best, "acc")) || seq < 2) {
        fprintf(stderr, "rlhf judge train: %s (see --help)\n",
                !init ? "--init is required" : !out ? "--out is required" : nfiles == 0 ? "no input files"
                : parse_split(split, &part) ? "--split must be train, test or all"
                : (strcmp(best, "loss") && strcmp(best, "acc")) ? "--best must be loss or acc"
                : "--frac in (0,1), --val-frac in [0,1), --seq ≥ 2");
        free(files);
        return 2;
    }
    if (!val_list && val_frac <= 0) {
        fprintf(stderr, "rlhf judge train: need --val FILES or --val-frac > 0\n");
        free(files);
        return 2;
    }
    if ((rc = args_device("judge train", device, &o.device))) {
        free(files);
        return rc;
    }
    if (threads > 0) omp_set_num_threads(threads);
    o.warmup = warmup;
    o.seed = (uint64_t)seed;
    o.quiet = quiet;
    o.best_by_acc = !strcmp(best, "acc");
    char mpath[1024];
    if (!metrics) { snprintf(mpath, sizeof mpath, "%s.metrics.jsonl", out); metrics = mpath; }
    o.metrics = metrics;

    RlhfErr e = {{0}};
    int ret = 1;
    ComparisonSet all = {0}, tr = {0}, va = {0};
    Judge j;
    int have_judge = 0;
    char *vfiles_buf = NULL;
    const char *vfiles[64];
    int nv = 0;
    ComparisonOpts co;
    split_opts(&co, skip_bad, part, frac, (uint64_t)salt);
    if (comparisons_load_all((const char *const *)files, nfiles, &co, &all, &e)) goto done;
    print_counts("judge train", "training files", &all.counts);
    if (val_list) {
        vfiles_buf = strdup(val_list);
        if (!vfiles_buf) { rlhf_err(&e, "out of memory"); goto done; }
        for (char *t = strtok(vfiles_buf, ","); t && nv < 64; t = strtok(NULL, ",")) vfiles[nv++] = t;
        if (comparisons_load_all(vfiles, nv, &co, &va, &e)) goto done;
        print_counts("judge train", "validation files", &va.counts);
        for (size_t i = 0; i < all.n && (max_pairs <= 0 || (long)tr.n < max_pairs); i++)
            if (comparison_set_add(&tr, &all.items[i], &e)) goto done;
    } else {
        double vf[2] = {1 - val_frac, val_frac};
        for (size_t i = 0; i < all.n; i++) {
            const Comparison *c = &all.items[i];
            int p = split_of_key(split_key(c->prompt, c->prompt_len, JUDGE_VAL_SALT), vf, 2);
            if (p == 0 && max_pairs > 0 && (long)tr.n >= max_pairs) continue;
            if (comparison_set_add(p ? &va : &tr, c, &e)) goto done;
        }
    }
    fprintf(stderr, "rlhf judge train: %zu training pairs, %zu validation pairs\n", tr.n, va.n);

    GPT2 m;
    Tokenizer *tok = NULL;
    if (model_file_load(init, &m, &tok, NULL, NULL, NULL, &e)) goto done;
    if (judge_from_model(&j, &m, tok, kind, seq, &e)) goto done;
    have_judge = 1;
    gpt2_print_summary(&j.model, stderr);
    JudgeTrainResult res;
    if (judge_train(&j, &tr, &va, &o, &res, &e)) goto done;
    char meta[1024];
    JsonBuf mb;
    jb_init(&mb);
    jb_key(&mb, "init");
    jb_str(&mb, init);
    jb_kv_int(&mb, "train_pairs", res.train_pairs);
    jb_kv_int(&mb, "val_pairs", res.val_pairs);
    jb_kv_int(&mb, "steps", res.steps);
    jb_kv_int(&mb, "best_step", res.best_step);
    jb_kv_num(&mb, "val_loss", res.best_val_loss);
    jb_kv_num(&mb, "val_acc", res.best_val_acc);
    jb_kv_num(&mb, "seconds", res.seconds);
    snprintf(meta, sizeof meta, "%s", mb.data ? mb.data : "");
    jb_free(&mb);
    /* under mpirun every rank holds the same judge; rank 0 writes it, and all stop if that fails */
    int save_failed = dist_is_root() && judge_save(&j, out, meta, &e);
    if (dist_any(save_failed)) {
        if (!save_failed) rlhf_err(&e, "rank 0 could not write %s", out);
        goto done;
    }
    if (dist_is_root())
        printf("judge %s (%s): %ld steps in %.1f s; validation %ld pairs: before training loss %.4f acc %.1f%%, "
           "best (step %ld, epoch %d) loss %.4f acc %.1f%% mean margin %.3f; centring offset %.4f scale %.4f\n",
           out, j.kind, res.steps, res.seconds, res.val_pairs, res.first_val_loss, 100 * res.first_val_acc,
           res.best_step, res.best_epoch, res.best_val_loss, 100 * res.best_val_acc, res.best_val_margin, res.offset,
           res.scale);
    if (dist_is_root() && !res.beat_untrained)
        fprintf(stderr, "rlhf judge train: warning: no validation beat the untrained judge's (loss %.4f); kept the best "
                        "trained one. Too little data, too high a learning rate, or too many epochs?\n",
                res.first_val_loss);
    ret = 0;
done:
    if (ret) fprintf(stderr, "rlhf judge train: %s%s\n", dist_size() > 1 ? "rank failed: " : "", e.msg);
    if (ret && dist_size() > 1) dist_abort(1);   /* the other ranks would wait in their next collective */
    if (have_judge) judge_free(&j);
    comparison_set_free(&all);
    comparison_set_free(&tr);
    comparison_set_free(&va);
    free(vfiles_buf);
    free(files);
    return ret;
}

/* ---- eval ----------------------------------------------------------------------- */

typedef struct EvalCell {
    JudgeEvalResult r;
    PairedDiff vs_longer, vs_bow;
} EvalCell;

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* A short label for a data file: its directory name for HH's <name>/test.jsonl.gz. */
static void file_label(const char *path, char *out, size_t n) {
    const char *b = base_name(path);
    if (b != path && (!strncmp(b, "test.", 5) || !strncmp(b, "train.", 6))) {
        size_t dl = (size_t)(b - 1 - path);
        const char *d = path;
        for (size_t i = 0; i < dl; i++)
            if (path[i] == '/') d = path + i + 1;
        snprintf(out, n, "%.*s", (int)(path + dl - d), d);
    } else {
        snprintf(out, n, "%s", b);
    }
}

static void write_reliability_json(JsonBuf *b, const Calibration *c) {
    jb_key(b, "reliability");
    jb_arr_begin(b);
    for (int k = 0; k < c->nbins; k++) {
        jb_comma(b);
        jb_obj_begin(b);
        jb_kv_num(b, "lo", (double)k / c->nbins);
        jb_kv_num(b, "hi", (double)(k + 1) / c->nbins);
        jb_kv_num(b, "pred", c->pred[k]);
        jb_kv_num(b, "obs", c->obs[k]);
        jb_kv_int(b, "count", c->count[k]);
        jb_obj_end(b);
    }
    jb_arr_end(b);
}

/* One --judge entry: a judge, or "A+B+C", an ensemble whose margin on a pair is
 * the mean of its members' margins (members trained with different seeds
 * disagree on hard pairs; averaging removes part of that noise). */
typedef struct EvalEntry {
    Judge *m;          /* members; m[0] gives the kind */
    int n;
    char name[160];    /* "file (kind)", or "first-file xN (kind)" for an ensemble */
} EvalEntry;

static int eval_entry_load(EvalEntry *en, const char *spec, DeviceKind dev, RlhfErr *e) {
    int n = 1;
    for (const char *p = spec; *p; p++) n += *p == '+';
    en->m = calloc((size_t)n, sizeof *en->m);
    if (!en->m) return rlhf_err(e, "out of memory");
    char first[1024] = "";
    const char *p = spec;
    for (int i = 0; i < n; i++) {
        const char *q = strchr(p, '+');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        char path[1024];
        if (len == 0 || len >= sizeof path) return rlhf_err(e, "--judge %s: empty or too long member %d", spec, i + 1);
        memcpy(path, p, len);
        path[len] = 0;
        if (judge_load(&en->m[i], path, e)) return -1;
        if (judge_use_device(&en->m[i], dev, e)) {
            en->n = i + 1;
            return -1;
        }
        if (i == 0) memcpy(first, path, len + 1);
        en->n = i + 1;
        p = q ? q + 1 : p + len;
    }
    if (n == 1) snprintf(en->name, sizeof en->name, "%.100s (%.40s)", base_name(first), en->m[0].kind);
    else snprintf(en->name, sizeof en->name, "%.100s x%d (%.40s)", base_name(first), n, en->m[0].kind);
    return 0;
}

static void eval_entry_free(EvalEntry *en) {
    for (int i = 0; i < en->n; i++) judge_free(&en->m[i]);
    free(en->m);
    en->m = NULL;
    en->n = 0;
}

static int judge_eval_cmd(int argc, char **argv) {
    const char *jpaths[JUDGE_MAX_JUDGES];
    int nj = take_repeated("judge eval", "judge", &argc, argv, jpaths, JUDGE_MAX_JUDGES);
    if (nj < 0) return 2;
    const char *split = "test", *json_path = NULL, *report_path = NULL;
    double frac = 0.7;
    long long salt = (long long)SPLIT_SALT_DEFAULT;
    int skip_bad = 0, no_baselines = 0, nbins = 10, threads = 0, show_bins = 0;
    const char *dummy = NULL, *device = "cpu";
    ArgSpec specs[] = {
        {"judge", 's', &dummy, "JUDGE", "judge checkpoint, repeatable (required); A+B+C = an ensemble (mean margin)"},
        {"split", 's', &split, "P", "evaluate on this part of the standard prompt-hash split: test | train | all"},
        {"frac", 'd', &frac, "F", "train fraction of that split (the same as training used)"},
        {"salt", 'l', &salt, "S", "split salt (default: the project's standard split)"},
        {"bins", 'i', &nbins, "N", "calibration bins of predicted probability"},
        {"no-baselines", 'b', &no_baselines, NULL, "skip longer-wins and bag-of-words"},
        {"show-bins", 'b', &show_bins, NULL, "print every reliability diagram as a table"},
        {"json", 's', &json_path, "FILE", "write all results as JSON"},
        {"report", 's', &report_path, "FILE", "write an HTML report (reliability diagrams, cross matrix)"},
        {"skip-bad", 'b', &skip_bad, NULL, "skip and count bad rows instead of failing"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads"},
        {"device", 's', &device, "cpu|cuda", "where the judges score (cuda: build/cuda/rlhf of make cuda)"},
        {0}};
    char **files = NULL;
    int nfiles = 0;
    int rc = args_parse("judge eval",
                        "rlhf judge eval --judge J [--judge J2 ...] [--split test] [--json F] [--report F.html] FILES...\n"
                        "  accuracy [95% CI], mean margin, log-loss, ECE and reliability of each judge on each file's\n"
                        "  held-out part, the cross matrix (every judge on every file), and the two baselines on the\n"
                        "  same pairs (bag-of-words trained on the file's train part) with each judge's margin over them.",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    int part;
    if (nj == 0 || nfiles == 0 || parse_split(split, &part) || !(frac > 0 && frac < 1) || nbins < 1 ||
        nbins > CALIB_MAX_BINS) {
        fprintf(stderr, "rlhf judge eval: %s (see --help)\n",
                nj == 0 ? "--judge is required" : nfiles == 0 ? "no input files"
                : parse_split(split, &part) ? "--split must be test, train or all" : "--frac in (0,1), --bins in 1..64");
        free(files);
        return 2;
    }
    DeviceKind dk;
    if ((rc = args_device("judge eval", device, &dk))) {
        free(files);
        return rc;
    }
    if (threads > 0) omp_set_num_threads(threads);
    RlhfErr e = {{0}};
    int ret = 1, loaded = 0;
    EvalEntry *judges = calloc((size_t)nj, sizeof *judges);
    EvalCell *cells = calloc((size_t)nj * nfiles, sizeof *cells);
    Accuracy *acc_long = calloc((size_t)nfiles, sizeof *acc_long), *acc_bow = calloc((size_t)nfiles, sizeof *acc_bow);
    int *have_bow = calloc((size_t)nfiles, sizeof *have_bow);
    long *npairs = calloc((size_t)nfiles, sizeof *npairs);
    char (*labels)[64] = calloc((size_t)nfiles, sizeof *labels);
    JsonBuf js;
    jb_init(&js);
    Report *rep = NULL;
    if (!judges || !cells || !acc_long || !acc_bow || !have_bow || !npairs || !labels) { rlhf_err(&e, "out of memory"); goto done; }
    for (; loaded < nj; loaded++)
        if (eval_entry_load(&judges[loaded], jpaths[loaded], dk, &e)) { loaded++; goto done; }
    for (int f = 0; f < nfiles; f++) file_label(files[f], labels[f], sizeof labels[f]);

    jb_obj_begin(&js);
    jb_kv_str(&js, "split", split);
    jb_kv_num(&js, "frac", frac);
    jb_kv_int(&js, "salt", salt);
    jb_kv_int(&js, "bins", nbins);
    jb_key(&js, "files");
    jb_arr_begin(&js);
    for (int f = 0; f < nfiles; f++) {
        ComparisonSet s = {0}, trs = {0};
        ComparisonOpts co;
        const char *one[1] = {files[f]};
        split_opts(&co, skip_bad, part, frac, (uint64_t)salt);
        if (comparisons_load_all(one, 1, &co, &s, &e)) { comparison_set_free(&s); goto done; }
        print_counts("judge eval", files[f], &s.counts);
        npairs[f] = (long)s.n;
        double *lw = malloc((s.n ? s.n : 1) * sizeof *lw), *bw = malloc((s.n ? s.n : 1) * sizeof *bw),
               *mg = malloc((s.n ? s.n : 1) * sizeof *mg), *jc = malloc((s.n ? s.n : 1) * sizeof *jc),
               *tmp = malloc((s.n ? s.n : 1) * sizeof *tmp);
        BowModel bm;
        int bow_ok = 0;
        if (!lw || !bw || !mg || !jc || !tmp) { rlhf_err(&e, "out of memory"); goto file_fail; }
        for (size_t i = 0; i < s.n; i++) lw[i] = baseline_longer_score(&s.items[i]);
        acc_long[f] = baseline_longer_wins(&s);
        if (!no_baselines && part == 1) {   /* the bag-of-words model learns on the file's own train part */
            ComparisonOpts to;
            split_opts(&to, skip_bad, 0, frac, (uint64_t)salt);
            if (comparisons_load_all(one, 1, &to, &trs, &e)) goto file_fail;
            BowOpts bo;
            bow_default_opts(&bo);
            if (trs.n > 0) {
                if (bow_train(&bm, &trs, &bo, &e)) goto file_fail;
                bow_ok = 1;
                BowFeaturizer *fz = bow_featurizer_new(&bo, &e);
                if (!fz) goto file_fail;
                for (size_t i = 0; i < s.n; i++)
                    bw[i] = judge_correct(bow_margin(&bm, fz, s.items[i].chosen, s.items[i].chosen_len,
                                                     s.items[i].rejected, s.items[i].rejected_len));
                bow_featurizer_free(fz);
                double ok = 0;
                for (size_t i = 0; i < s.n; i++) ok += bw[i];
                acc_bow[f] = accuracy_make(ok, (long)s.n);
                have_bow[f] = 1;
            }
        }
        jb_comma(&js);
        jb_obj_begin(&js);
        jb_kv_str(&js, "file", files[f]);
        jb_kv_str(&js, "label", labels[f]);
        jb_kv_int(&js, "pairs", (long long)s.n);
        jb_kv_int(&js, "ties_skipped", s.counts.ties);
        jb_kv_int(&js, "bad_skipped", comparison_counts_bad(&s.counts));
        jb_key(&js, "longer_wins");
        jb_obj_begin(&js); jb_kv_num(&js, "acc", acc_long[f].acc); jb_kv_num(&js, "lo", acc_long[f].lo); jb_kv_num(&js, "hi", acc_long[f].hi); jb_obj_end(&js);
        if (have_bow[f]) {
            jb_key(&js, "bag_of_words");
            jb_obj_begin(&js); jb_kv_num(&js, "acc", acc_bow[f].acc); jb_kv_num(&js, "lo", acc_bow[f].lo); jb_kv_num(&js, "hi", acc_bow[f].hi);
            jb_kv_int(&js, "train_pairs", (long long)trs.n); jb_obj_end(&js);
        }
        jb_key(&js, "judges");
        jb_arr_begin(&js);
        for (int k = 0; k < nj; k++) {
            EvalCell *c = &cells[(size_t)k * nfiles + f];
            if (s.n > 0 && judge_ensemble_margins(judges[k].m, judges[k].n, &s, mg, tmp, &e)) goto file_fail;
            if (s.n == 0) judge_eval_from_margins(mg, 0, nbins, &c->r);
            else judge_eval_from_margins(mg, (long)s.n, nbins, &c->r);
            for (size_t i = 0; i < s.n; i++) jc[i] = judge_correct(mg[i]);
            c->vs_longer = paired_diff(jc, lw, (long)s.n);
            if (have_bow[f]) c->vs_bow = paired_diff(jc, bw, (long)s.n);
            jb_comma(&js);
            jb_obj_begin(&js);
            jb_kv_str(&js, "judge", jpaths[k]);
            jb_kv_str(&js, "kind", judges[k].m[0].kind);
            jb_kv_int(&js, "members", judges[k].n);
            jb_kv_num(&js, "acc", c->r.acc.acc);
            jb_kv_num(&js, "lo", c->r.acc.lo);
            jb_kv_num(&js, "hi", c->r.acc.hi);
            jb_kv_num(&js, "mean_margin", c->r.mean_margin);
            jb_kv_num(&js, "log_loss", c->r.log_loss);
            jb_kv_num(&js, "ece", c->r.cal.ece);
            jb_kv_num(&js, "mce", c->r.cal.mce);
            jb_key(&js, "vs_longer");
            jb_obj_begin(&js); jb_kv_num(&js, "diff", c->vs_longer.mean); jb_kv_num(&js, "lo", c->vs_longer.lo); jb_kv_num(&js, "hi", c->vs_longer.hi); jb_obj_end(&js);
            if (have_bow[f]) {
                jb_key(&js, "vs_bag_of_words");
                jb_obj_begin(&js); jb_kv_num(&js, "diff", c->vs_bow.mean); jb_kv_num(&js, "lo", c->vs_bow.lo); jb_kv_num(&js, "hi", c->vs_bow.hi); jb_obj_end(&js);
            }
            write_reliability_json(&js, &c->r.cal);
            jb_obj_end(&js);
        }
        jb_arr_end(&js);
        jb_obj_end(&js);
        if (bow_ok) bow_free(&bm);
        free(lw); free(bw); free(mg); free(jc); free(tmp);
        comparison_set_free(&s);
        comparison_set_free(&trs);
        continue;
    file_fail:
        if (bow_ok) bow_free(&bm);
        free(lw); free(bw); free(mg); free(jc); free(tmp);
        comparison_set_free(&s);
        comparison_set_free(&trs);
        rlhf_err_wrap(&e, "%s", files[f]);
        goto done;
    }
    jb_arr_end(&js);
    jb_obj_end(&js);

    /* ---- printed tables ---- */
    printf("Held-out part: %s (%.0f/%.0f prompt-hash split, salt %lld)\n\n", split, 100 * frac, 100 * (1 - frac), salt);
    for (int f = 0; f < nfiles; f++) {
        printf("== %s (%ld pairs) ==\n", labels[f], npairs[f]);
        printf("  %-28s %-22s %8s %8s %6s  %-24s  %-24s\n", "judge", "accuracy [95% CI]", "margin", "logloss", "ECE",
               "vs longer-wins [95% CI]", "vs bag-of-words [95% CI]");
        printf("  %-28s %5.1f%% [%4.1f, %4.1f]\n", "(longer wins)", 100 * acc_long[f].acc, 100 * acc_long[f].lo, 100 * acc_long[f].hi);
        if (have_bow[f])
            printf("  %-28s %5.1f%% [%4.1f, %4.1f]\n", "(bag of words)", 100 * acc_bow[f].acc, 100 * acc_bow[f].lo, 100 * acc_bow[f].hi);
        for (int k = 0; k < nj; k++) {
            EvalCell *c = &cells[(size_t)k * nfiles + f];
            char name[64], vb[40] = "-";
            snprintf(name, sizeof name, "%s", judges[k].name);
            if (have_bow[f])
                snprintf(vb, sizeof vb, "%+5.1f [%+5.1f, %+5.1f]", 100 * c->vs_bow.mean, 100 * c->vs_bow.lo, 100 * c->vs_bow.hi);
            printf("  %-28.28s %5.1f%% [%4.1f, %4.1f] %8.3f %8.4f %6.3f  %+5.1f [%+5.1f, %+5.1f]    %s\n", name,
                   100 * c->r.acc.acc, 100 * c->r.acc.lo, 100 * c->r.acc.hi, c->r.mean_margin, c->r.log_loss, c->r.cal.ece,
                   100 * c->vs_longer.mean, 100 * c->vs_longer.lo, 100 * c->vs_longer.hi, vb);
        }
        printf("\n");
    }
    printf("Reliability (each pair counted in both orders; bins of predicted P = sigmoid(r_A - r_B)):\n");
    for (int k = 0; k < nj; k++)
        for (int f = 0; f < nfiles; f++) {
            const Calibration *cal = &cells[(size_t)k * nfiles + f].r.cal;
            int own = nfiles == 1 || f == k || show_bins;
            if (!own) continue;
            printf("  %s on %s: ECE %.3f, max gap %.3f\n    %-11s %9s %9s %7s\n", judges[k].name, labels[f],
                   cal->ece, cal->mce, "bin", "predicted", "observed", "count");
            for (int b = 0; b < cal->nbins; b++)
                if (cal->count[b])
                    printf("    [%.2f,%.2f) %9.3f %9.3f %7ld\n", (double)b / cal->nbins, (double)(b + 1) / cal->nbins,
                           cal->pred[b], cal->obs[b], cal->count[b]);
        }
    if (nj > 1 || nfiles > 1) {
        printf("\nCross matrix: accuracy [95%% CI] of each judge (rows) on each held-out distribution (columns)\n  %-28s", "");
        for (int f = 0; f < nfiles; f++) printf(" %-24.24s", labels[f]);
        printf("\n");
        for (int k = 0; k < nj; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s", judges[k].name);
            printf("  %-28.28s", name);
            for (int f = 0; f < nfiles; f++) {
                const Accuracy *a = &cells[(size_t)k * nfiles + f].r.acc;
                printf(" %5.1f%% [%4.1f, %4.1f]     ", 100 * a->acc, 100 * a->lo, 100 * a->hi);
            }
            printf("\n");
        }
    }
    if (json_path && rlhf_write_file_atomic(json_path, js.data, js.len, &e)) goto done;

    if (report_path) {
        rep = report_new("Judge evaluation", &e);
        if (!rep) goto done;
        char sub[256];
        snprintf(sub, sizeof sub, "Held-out part '%s' of the %.0f/%.0f prompt-hash split (salt %lld)", split, 100 * frac,
                 100 * (1 - frac), salt);
        report_subtitle(rep, sub);
        report_section(rep, "Accuracy against the baselines");
        report_paragraph(rep, "Each judge predicts P(chosen ≻ rejected) = σ(r_chosen − r_rejected). Margins over a "
                              "baseline are paired differences on the same pairs with a 95% normal interval.");
        const char *hdr[] = {"judge / baseline", "pairs", "accuracy", "95% CI", "ECE", "vs longer", "vs bag of words"};
        for (int f = 0; f < nfiles; f++) {
            report_table_begin(rep, labels[f], hdr, 7);
            char c1[32], c2[32], c3[48], c4[16], c5[48], c6[48];
            snprintf(c1, sizeof c1, "%ld", npairs[f]);
            snprintf(c2, sizeof c2, "%.1f%%", 100 * acc_long[f].acc);
            snprintf(c3, sizeof c3, "[%.1f, %.1f]", 100 * acc_long[f].lo, 100 * acc_long[f].hi);
            const char *rl[] = {"longer wins", c1, c2, c3, "", "", ""};
            report_table_row(rep, rl);
            if (have_bow[f]) {
                snprintf(c2, sizeof c2, "%.1f%%", 100 * acc_bow[f].acc);
                snprintf(c3, sizeof c3, "[%.1f, %.1f]", 100 * acc_bow[f].lo, 100 * acc_bow[f].hi);
                const char *rb[] = {"bag of words", c1, c2, c3, "", "", ""};
                report_table_row(rep, rb);
            }
            for (int k = 0; k < nj; k++) {
                EvalCell *c = &cells[(size_t)k * nfiles + f];
                char name[96];
                snprintf(name, sizeof name, "%s", judges[k].name);
                snprintf(c2, sizeof c2, "%.1f%%", 100 * c->r.acc.acc);
                snprintf(c3, sizeof c3, "[%.1f, %.1f]", 100 * c->r.acc.lo, 100 * c->r.acc.hi);
                snprintf(c4, sizeof c4, "%.3f", c->r.cal.ece);
                snprintf(c5, sizeof c5, "%+.1f [%+.1f, %+.1f]", 100 * c->vs_longer.mean, 100 * c->vs_longer.lo, 100 * c->vs_longer.hi);
                if (have_bow[f]) snprintf(c6, sizeof c6, "%+.1f [%+.1f, %+.1f]", 100 * c->vs_bow.mean, 100 * c->vs_bow.lo, 100 * c->vs_bow.hi);
                else snprintf(c6, sizeof c6, "–");
                const char *rj[] = {name, c1, c2, c3, c4, c5, c6};
                report_table_row(rep, rj);
            }
            report_table_end(rep);
        }
        report_section(rep, "Calibration");
        report_paragraph(rep, "Reliability diagrams: each pair is counted in both orders, binned by predicted "
                              "probability; a calibrated judge lies on the diagonal. ECE = count-weighted mean gap.");
        report_grid_begin(rep);
        for (int f = 0; f < nfiles; f++) {
            SvgReliability *curves = calloc((size_t)nj, sizeof *curves);
            double *pred = calloc((size_t)nj * CALIB_MAX_BINS, sizeof *pred), *obs = calloc((size_t)nj * CALIB_MAX_BINS, sizeof *obs);
            int *cnt = calloc((size_t)nj * CALIB_MAX_BINS, sizeof *cnt);
            char (*names)[96] = calloc((size_t)nj, sizeof *names);
            if (curves && pred && obs && cnt && names) {
                for (int k = 0; k < nj; k++) {
                    const Calibration *cal = &cells[(size_t)k * nfiles + f].r.cal;
                    for (int b = 0; b < cal->nbins; b++) {
                        pred[k * CALIB_MAX_BINS + b] = cal->pred[b];
                        obs[k * CALIB_MAX_BINS + b] = cal->obs[b];
                        cnt[k * CALIB_MAX_BINS + b] = (int)cal->count[b];
                    }
                    snprintf(names[k], sizeof names[k], "%s", judges[k].name);
                    curves[k] = (SvgReliability){names[k], pred + k * CALIB_MAX_BINS, obs + k * CALIB_MAX_BINS,
                                                 cnt + k * CALIB_MAX_BINS, cal->nbins};
                }
                SvgPlotOpts po = {.title = labels[f], .xlabel = "predicted P(A preferred)", .ylabel = "observed frequency"};
                JsonBuf *svg = report_figure_begin(rep);
                svg_reliability_plot(svg, &po, curves, nj);
                report_figure_end(rep, labels[f]);
            }
            free(curves); free(pred); free(obs); free(cnt); free(names);
        }
        report_grid_end(rep);
        if (nj > 1 || nfiles > 1) {
            report_section(rep, "Cross matrix");
            report_paragraph(rep, "Accuracy of each judge (rows) on each held-out distribution (columns). The HH "
                                  "paper found judges trained on one distribution below chance on the other.");
            double *v = calloc((size_t)nj * nfiles, sizeof *v);
            const char **rows = calloc((size_t)nj, sizeof *rows), **cols = calloc((size_t)nfiles, sizeof *cols);
            char (*rn)[96] = calloc((size_t)nj, sizeof *rn);
            if (v && rows && cols && rn) {
                for (int k = 0; k < nj; k++) {
                    snprintf(rn[k], sizeof rn[k], "%s", judges[k].name);
                    rows[k] = rn[k];
                    for (int f = 0; f < nfiles; f++) v[k * nfiles + f] = cells[(size_t)k * nfiles + f].r.acc.acc;
                }
                for (int f = 0; f < nfiles; f++) cols[f] = labels[f];
                SvgPlotOpts po = {.title = "Accuracy: judge × distribution", .y_percent = 1};
                JsonBuf *svg = report_figure_begin(rep);
                svg_heatmap(svg, &po, rows, nj, cols, nfiles, v, 0.3, 0.8);
                report_figure_end(rep, "Cross matrix");
            }
            free(v); free(rows); free(cols); free(rn);
        }
        if (report_write(rep, report_path, &e)) goto done;
        fprintf(stderr, "rlhf judge eval: report written to %s\n", report_path);
    }
    ret = 0;
done:
    if (ret) fprintf(stderr, "rlhf judge eval: %s\n", e.msg);
    if (rep) report_free(rep);
    for (int k = 0; k < loaded; k++) eval_entry_free(&judges[k]);
    free(judges);
    free(cells);
    free(acc_long);
    free(acc_bow);
    free(have_bow);
    free(npairs);
    free(labels);
    jb_free(&js);
    free(files);
    return ret;
}

/* ---- score ---------------------------------------------------------------------- */

/* One scored unit: a transcript, or the two of an HH/TRL row. */
typedef struct ScoreItem {
    long line;
    int pair;        /* 1: texts[t], texts[t+1] are chosen, rejected */
    int t;           /* index of its first text */
} ScoreItem;

static int judge_score_cmd(int argc, char **argv) {
    const char *jpath = NULL, *hpath = NULL, *dials_s = "balanced";
    int threads = 0, skip_bad = 0;
    ArgSpec specs[] = {
        {"judge", 's', &jpath, "JUDGE", "judge (the helpfulness dial when --judge-harm is given) (required)"},
        {"judge-harm", 's', &hpath, "JUDGE", "harmlessness judge: score = the combined two-dial reward"},
        {"dials", 's', &dials_s, "D", "weights of the two judges: balanced | helpful | harmless | W_HELP,W_HARM"},
        {"skip-bad", 'b', &skip_bad, NULL, "skip lines that are not a transcript or comparison"},
        {"threads", 'i', &threads, "N", "OpenMP/BLAS threads"},
        {0}};
    char **pos = NULL;
    int npos = 0;
    int rc = args_parse("judge score",
                        "rlhf judge score --judge J [--judge-harm J2 --dials D] [FILE|-]\n"
                        "  Input lines: {\"text\": TRANSCRIPT} (also \"transcript\"), or comparison rows (HH-RLHF\n"
                        "  {\"chosen\",\"rejected\"} or TRL {\"prompt\",\"chosen\",\"rejected\"}), .gz ok, - = stdin.\n"
                        "  Output: one JSON line each: {\"line\", \"score\", \"raw\"} (z = centred score); with two\n"
                        "  judges score = w_help*z_help + w_harm*z_harm; rows give chosen/rejected scores and margin.",
                        specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    RlhfErr e = {{0}};
    Dials dials;
    if (!jpath || npos > 1 || dials_parse(dials_s, &dials, &e)) {
        fprintf(stderr, "rlhf judge score: %s (see --help)\n", !jpath ? "--judge is required" : npos > 1 ? "at most one input file" : e.msg);
        free(pos);
        return 2;
    }
    if (threads > 0) omp_set_num_threads(threads);
    const char *path = npos ? pos[0] : "-";
    int ret = 1, nloaded = 0;
    Judge jh, js;
    char *data = NULL;
    size_t dlen = 0;
    char **texts = NULL;
    ScoreItem *items = NULL;
    size_t ntext = 0, ctext = 0, nitem = 0, citem = 0;
    float *rw = NULL, *zh = NULL, *zs = NULL, *raw = NULL;
    char *cbuf = NULL;
    size_t ccap = 0;
    JsonBuf jb, ob;
    jb_init(&jb);
    jb_init(&ob);
    if (judge_load(&jh, jpath, &e)) goto done;
    nloaded = 1;
    if (hpath) {
        if (judge_load(&js, hpath, &e)) goto done;
        nloaded = 2;
    }
    if (!strcmp(path, "-")) {
        size_t cap = 1 << 16;
        data = malloc(cap);
        if (!data) { rlhf_err(&e, "out of memory"); goto done; }
        size_t got;
        while ((got = fread(data + dlen, 1, cap - dlen - 1, stdin)) > 0) {
            dlen += got;
            if (cap - dlen - 1 == 0) {
                char *nd = realloc(data, cap * 2);
                if (!nd) { rlhf_err(&e, "out of memory"); goto done; }
                data = nd;
                cap *= 2;
            }
        }
        data[dlen] = 0;
    } else if (rlhf_read_file(path, &data, &dlen, &e)) {
        goto done;
    }
    long line = 0, skipped = 0;
    for (size_t at = 0; at < dlen;) {
        size_t end = at;
        while (end < dlen && data[end] != '\n') end++;
        line++;
        size_t len = end - at;
        const char *ln = data + at;
        at = end + 1;
        while (len && (ln[len - 1] == '\r' || ln[len - 1] == ' ')) len--;
        if (len == 0) continue;
        RlhfErr le;
        JsonDoc *d = json_parse(ln, len, &le);
        const JsonValue *root = d ? json_root(d) : NULL;
        const JsonValue *tv = root ? json_get(root, "text") : NULL;
        if (!tv && root) tv = json_get(root, "transcript");
        if (ntext + 2 > ctext) {
            ctext = ctext ? ctext * 2 : 256;
            char **nt = realloc(texts, ctext * sizeof *nt);
            if (!nt) { json_doc_free(d); rlhf_err(&e, "out of memory"); goto done; }
            texts = nt;
        }
        if (nitem + 1 > citem) {
            citem = citem ? citem * 2 : 256;
            ScoreItem *ni = realloc(items, citem * sizeof *ni);
            if (!ni) { json_doc_free(d); rlhf_err(&e, "out of memory"); goto done; }
            items = ni;
        }
        if (tv && tv->type == JSON_STRING) {
            texts[ntext] = strndup(tv->str, tv->len);
            if (!texts[ntext]) { json_doc_free(d); rlhf_err(&e, "out of memory"); goto done; }
            items[nitem++] = (ScoreItem){line, 0, (int)ntext};
            ntext++;
            json_doc_free(d);
            continue;
        }
        json_doc_free(d);
        Comparison c;
        int reason;
        if (comparison_parse_row(ln, len, &c, &cbuf, &ccap, &reason, &le)) {
            if (skip_bad) { skipped++; continue; }
            rlhf_err(&e, "%s:%ld: not {\"text\": ...} nor a comparison row: %s", path, line, le.msg);
            goto done;
        }
        for (int w = 0; w < 2; w++) {
            jb_reset(&jb);
            comparison_transcript(&c, w, &jb);
            texts[ntext + w] = strndup(jb.data ? jb.data : "", jb.len);
            if (!texts[ntext + w]) { rlhf_err(&e, "out of memory"); goto done; }
        }
        items[nitem++] = (ScoreItem){line, 1, (int)ntext};
        ntext += 2;
    }
    if (skipped) fprintf(stderr, "rlhf judge score: %ld bad lines skipped\n", skipped);
    rw = calloc(ntext ? ntext : 1, sizeof *rw);
    zh = calloc(ntext ? ntext : 1, sizeof *zh);
    zs = calloc(ntext ? ntext : 1, sizeof *zs);
    raw = calloc(ntext ? ntext : 1, sizeof *raw);
    if (!rw || !zh || !zs || !raw) { rlhf_err(&e, "out of memory"); goto done; }
    RewardModel rm = {&jh, nloaded == 2 ? &js : NULL, dials};
    if (!rm.harm) rm.dials.w_help = 1.0f;   /* one judge: its own z */
    if (ntext && reward_score(&rm, (const char *const *)texts, (int)ntext, rw, zh, zs, &e)) goto done;
    for (size_t i = 0; i < ntext; i++) raw[i] = zh[i] * jh.scale + jh.offset;
    for (size_t k = 0; k < nitem; k++) {
        const ScoreItem *it = &items[k];
        jb_reset(&ob);
        jb_obj_begin(&ob);
        jb_kv_int(&ob, "line", it->line);
        for (int w = 0; w < (it->pair ? 2 : 1); w++) {
            int t = it->t + w;
            if (it->pair) { jb_key(&ob, w ? "rejected" : "chosen"); jb_obj_begin(&ob); }
            jb_kv_num(&ob, "score", rw[t]);
            if (rm.harm) { jb_kv_num(&ob, "z_help", zh[t]); jb_kv_num(&ob, "z_harm", zs[t]); }
            else jb_kv_num(&ob, "raw", raw[t]);
            if (it->pair) jb_obj_end(&ob);
        }
        if (it->pair) jb_kv_num(&ob, "margin", rw[it->t] - rw[it->t + 1]);
        jb_obj_end(&ob);
        printf("%s\n", ob.data);
    }
    ret = 0;
done:
    if (ret) fprintf(stderr, "rlhf judge score: %s\n", e.msg);
    if (nloaded >= 1) judge_free(&jh);
    if (nloaded >= 2) judge_free(&js);
    for (size_t i = 0; i < ntext; i++) free(texts[i]);
    free(texts);
    free(items);
    free(rw); free(zh); free(zs); free(raw);
    free(cbuf);
    free(data);
    jb_free(&jb);
    jb_free(&ob);
    free(pos);
    return ret;
}

/* ---- dispatch ------------------------------------------------------------------- */

int cmd_judge(int argc, char **argv) {
    static const SubCommand subs[] = {
        {"train", judge_train_cmd, "Bradley-Terry preference model from a pretrained LM on comparison files"},
        {"eval", judge_eval_cmd, "accuracy [95% CI], margin, log-loss, calibration (ECE, reliability), cross matrix,\n"
                                 "         and the longer-wins / bag-of-words baselines on the same held-out pairs"},
        {"score", judge_score_cmd, "score transcripts or comparison rows (one JSON per line) from a file or stdin"},
    };
    return args_dispatch("judge", NULL, subs, RLHF_ARRAY_LEN(subs), argc, argv);
}
