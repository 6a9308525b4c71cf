/* baselines.h — the two non-neural judges a learned judge must beat.
 *
 *  1. Longer wins: predict that the longer reply (in Unicode code points, as
 *     Python's len() counts) is the chosen one; equal lengths score 1/2.
 *  2. Bag-of-words logistic regression on the reply pair:
 *       P(chosen ≻ rejected) = σ(w · (φ(chosen) − φ(rejected)))
 *     φ = hashed counts of lower-cased words (and word bigrams) in 2^dim_log2
 *     buckets, optionally log1p- or binary-transformed. No bias term: the model
 *     is antisymmetric (swapping the pair flips the probability), so training on
 *     (chosen − rejected) with label 1 is ordinary logistic regression. Trained
 *     by L-BFGS on the mean log-loss + (l2/2)·|w|²; with l2 <= 0 the L2 strength
 *     is picked from a grid by log-loss on a 20% prompt-hash holdout of the
 *     training set, then the model is refit on all of it.
 *
 * Accuracies come with a 95% Wilson score interval. */
#ifndef RLHF_BASELINES_H
#define RLHF_BASELINES_H

#include "data/comparisons.h"
#include "util/common.h"

typedef struct Accuracy {
    long n;           /* pairs scored */
    double correct;   /* ties count 1/2 */
    double acc;       /* correct / n */
    double lo, hi;    /* 95% Wilson interval */
} Accuracy;

Accuracy accuracy_make(double correct, long n);

/* Unicode code points in UTF-8 text (bytes that are not continuation bytes). */
size_t baseline_utf8_len(const char *s, size_t n);
/* 1 when chosen is longer, 0 when shorter, 0.5 when equal. */
double baseline_longer_score(const Comparison *c);
Accuracy baseline_longer_wins(const ComparisonSet *s);

enum { BOW_TF_COUNT = 0, BOW_TF_LOG1P = 1, BOW_TF_BINARY = 2 };

typedef struct BowOpts {
    int dim_log2;     /* hashed feature space 2^dim_log2 (default 18) */
    int bigrams;      /* also hash word bigrams (default 0: no better on HH, see docs/JUDGE.md) */
    int tf;           /* BOW_TF_* transform of per-reply counts (default log1p) */
    double l2;        /* L2 strength; <= 0: choose by holdout (default) */
    int max_iter;     /* L-BFGS iterations (default 300) */
} BowOpts;

void bow_default_opts(BowOpts *o);

typedef struct BowModel {
    BowOpts o;        /* o.l2 is the strength actually used */
    int dim;
    double *w;        /* [dim] */
    double train_loss;
    int iters;
} BowModel;

/* Featurises pairs; holds dense scratch so scoring allocates nothing per pair. */
typedef struct BowFeaturizer BowFeaturizer;
BowFeaturizer *bow_featurizer_new(const BowOpts *o, RlhfErr *e);
void bow_featurizer_free(BowFeaturizer *f);

int bow_train(BowModel *m, const ComparisonSet *train, const BowOpts *o, RlhfErr *e);
/* w · (φ(a) − φ(b)): > 0 means a is predicted preferred. */
double bow_margin(const BowModel *m, BowFeaturizer *f, const char *a, size_t an, const char *b, size_t bn);
int bow_eval(const BowModel *m, const ComparisonSet *test, Accuracy *out, RlhfErr *e);
void bow_free(BowModel *m);

#endif
