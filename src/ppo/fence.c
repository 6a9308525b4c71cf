/* fence.c — see fence.h. */
#include "ppo/fence.h"

#include <string.h>

#include "data/split.h"
#include "dist/dist.h"
#include "model/model_file.h"

int judge_fit_files(const char *base_ckpt, const char *kind, const char *const *files, int nfiles,
                    const ComparisonOpts *filter, const JudgeTrainOpts *jt, int max_len, const char *out_path,
                    Judge *out, JudgeTrainResult *res, RlhfErr *e) {
    ComparisonSet all = {0}, train = {0}, val = {0};
    ComparisonOpts o = {0};
    if (filter) o = *filter;
    o.skip_bad = 1;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (comparisons_load_all(files, nfiles, &o, &all, e)) goto done;
    double fr[2] = {0.9, 0.1};
    for (size_t i = 0; i < all.n; i++) {
        const Comparison *c = &all.items[i];
        int part = split_of(c->prompt, JUDGE_VAL_SALT, fr, 2);
        if (comparison_set_add(part ? &val : &train, c, e)) goto done;
    }
    if (train.n == 0 || val.n == 0) {
        rlhf_err(e, "judge '%s': %zu training and %zu validation pairs: need both", kind, train.n, val.n);
        goto done;
    }
    GPT2 lm;
    Tokenizer *tok;
    if (model_file_load(base_ckpt, &lm, &tok, NULL, NULL, NULL, e)) goto done;
    if (judge_from_model(out, &lm, tok, kind, max_len, e)) { gpt2_free(&lm); tok_free(tok); goto done; }
    if (judge_train(out, &train, &val, jt, res, e)) { judge_free(out); goto done; }
    /* judge_train is data-parallel under mpirun: every rank holds the same judge, rank 0 writes it */
    {
        int failed = out_path && dist_is_root() && judge_save(out, out_path, NULL, e);
        if (dist_any(failed)) {
            if (!failed) rlhf_err(e, "rank 0 could not write %s", out_path);
            judge_free(out);
            goto done;
        }
    }
    rc = 0;
done:
    comparison_set_free(&all);
    comparison_set_free(&train);
    comparison_set_free(&val);
    return rc;
}

int fence_train(Fence *f, const FenceOpts *o, Dials dials, RlhfErr *e) {
    memset(f, 0, sizeof *f);
    double halves[2] = {0.5, 0.5};
    const char *names[2] = {"train", "test"};
    for (int dial = 0; dial < 2; dial++) {
        const char *const *files = dial == 0 ? o->help_files : o->harm_files;
        int nfiles = dial == 0 ? o->nhelp : o->nharm;
        if (nfiles == 0) continue;
        for (int half = 0; half < 2; half++) {
            ComparisonOpts filt = {0};
            comparison_opts_split(&filt, SPLIT_SALT_FENCE, halves, 2, half);
            char path[1024], kind[32];
            snprintf(kind, sizeof kind, "%s-%s", dial == 0 ? "helpful" : "harmless", names[half]);
            if (o->out_dir) snprintf(path, sizeof path, "%s/%s-%s.judge", o->out_dir, names[half], dial == 0 ? "help" : "harm");
            Judge *j = dial == 0 ? &f->help[half] : &f->harm[half];
            JudgeTrainResult *r = dial == 0 ? &f->res_help[half] : &f->res_harm[half];
            JudgeTrainOpts jt = o->jt;
            jt.seed = o->jt.seed + (uint64_t)(2 * dial + half);
            if (judge_fit_files(o->base, kind, files, nfiles, &filt, &jt, o->max_len, o->out_dir ? path : NULL, j, r, e)) {
                fence_free(f);
                return rlhf_err_wrap(e, "fence: %s judge", kind);
            }
        }
        if (dial == 0) f->have_help = 1; else f->have_harm = 1;
    }
    if (!f->have_help && !f->have_harm) return rlhf_err(e, "fence: no comparison files given");
    f->train_rm = (RewardModel){.help = f->have_help ? &f->help[0] : NULL, .harm = f->have_harm ? &f->harm[0] : NULL,
                                .dials = dials};
    f->test_rm = (RewardModel){.help = f->have_help ? &f->help[1] : NULL, .harm = f->have_harm ? &f->harm[1] : NULL,
                               .dials = dials};
    return 0;
}

void fence_free(Fence *f) {
    for (int h = 0; h < 2; h++) {   /* judge_free is safe on a zeroed judge */
        judge_free(&f->help[h]);
        judge_free(&f->harm[h]);
    }
    memset(f, 0, sizeof *f);
}
