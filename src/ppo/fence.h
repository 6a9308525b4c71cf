/* fence.h — the robustness fence of the HH paper (section 4.3): split the
 * comparisons into two halves by prompt hash (SPLIT_SALT_FENCE, independent of
 * the train/test split), train a *train judge* on one half and a *test judge*
 * on the other, let RL optimise the first and only watch the second. With two
 * dials there is a pair of judges per dial. Also: training one judge from a
 * base LM on comparison files, which the steering loop uses every round. */
#ifndef RLHF_FENCE_H
#define RLHF_FENCE_H

#include "judge/judge.h"
#include "judge/judge_train.h"

/* Trains a judge of `kind` initialised from base_ckpt on the comparisons of
 * files that pass `filter` (NULL = all); a further 10% of those conversations
 * (by JUDGE_VAL_SALT) is its validation set. Saves to out_path when not NULL. */
int judge_fit_files(const char *base_ckpt, const char *kind, const char *const *files, int nfiles,
                    const ComparisonOpts *filter, const JudgeTrainOpts *jt, int max_len, const char *out_path,
                    Judge *out, JudgeTrainResult *res, RlhfErr *e);

typedef struct FenceOpts {
    const char *base;                    /* LM checkpoint the judges start from */
    const char *const *help_files;       /* helpfulness comparisons (may be 0 files) */
    int nhelp;
    const char *const *harm_files;       /* harmlessness (red-team) comparisons */
    int nharm;
    JudgeTrainOpts jt;
    int max_len;
    const char *out_dir;                 /* judges saved as DIR/{train,test}-{help,harm}.judge; NULL = not saved */
} FenceOpts;

typedef struct Fence {
    Judge help[2], harm[2];              /* [0] train half, [1] test half */
    int have_help, have_harm;
    JudgeTrainResult res_help[2], res_harm[2];
    RewardModel train_rm, test_rm;       /* ready to use, with the dials given to fence_train */
} Fence;

int fence_train(Fence *f, const FenceOpts *o, Dials dials, RlhfErr *e);
void fence_free(Fence *f);

#endif
