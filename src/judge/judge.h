/* judge.h — a preference model ("judge"): a GPT-2 with a scalar head, its
 * tokenizer, and the centring that makes its scores comparable across judges.
 *
 * Scoring a transcript (prompt + final reply, HH format): tokenize it, append
 * <|endoftext|>, keep the LAST max_len tokens (the reply is at the end; long
 * conversations lose their beginning), and read the scalar head at the EOT
 * position. Rows are scored in batches, sorted by length and right-padded
 * (mask), so padding costs little. Raw scores r are centred on a reference set
 * when the judge is trained: z = (r − offset) / scale, so z = 0 is "typical"
 * and z = 1 is one standard deviation better.
 *
 *   Judge j;
 *   if (judge_load(&j, "help.judge", &e)) ...;
 *   judge_score_texts(&j, texts, n, z, &e);     // z[i] for texts[i]
 *   judge_free(&j);
 *
 * Two dials: a combined reward over a helpfulness and a harmlessness judge,
 *   reward = w_help · z_help + w_harm · z_harm,
 * with named presets (dials_parse). Either judge may be absent (its term is 0).
 * Everything that needs a reward (best-of-N, PPO, the demo) calls reward_score.
 *
 * A Judge is not thread-safe (it owns its tokenizer's encoder and scratch). */
#ifndef RLHF_JUDGE_H
#define RLHF_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "model/device.h"
#include "model/gpt2.h"
#include "tokenizer/bpe.h"
#include "util/common.h"

/* Small JSON blob beside CKPT_BLOB_JUDGE_OFFSET: {"kind", "max_len", ...}. */
#define CKPT_BLOB_JUDGE_META "judge_meta"
#define JUDGE_KIND_MAX 32
#define JUDGE_DEFAULT_BATCH 16

typedef struct Judge {
    GPT2 model;            /* heads include GPT2_HEAD_SCALAR */
    Tokenizer *tok;
    int eot;               /* <|endoftext|> id */
    float offset, scale;   /* z = (r - offset) / scale; 0 / 1 until centred */
    char kind[JUDGE_KIND_MAX];   /* "helpful", "harmless", "mixed", ... */
    int max_len;           /* tokens read per transcript, EOT included (≤ max_seq_len) */
    int batch;             /* rows per forward pass when scoring */
    int reserved_B, reserved_T;
    DevModel dev;          /* where scoring (and judge training) runs: CPU unless judge_use_device */
    /* scoring scratch, grown on demand */
    int *tokens;           /* (batch, max_len) */
    uint8_t *mask;         /* (batch, max_len) */
    int *pos;              /* (batch) */
    float *out;            /* (batch) */
} Judge;

/* Wraps an LM (moved into the judge: *lm must not be freed by the caller
 * afterwards) and a tokenizer (owned by the judge from now on); adds the
 * scalar head when missing. max_len 0 = the model's context. */
int judge_from_model(Judge *j, GPT2 *lm, Tokenizer *tok, const char *kind, int max_len, RlhfErr *e);
int judge_load(Judge *j, const char *path, RlhfErr *e);
/* Writes model + tokenizer + offset/scale + meta (extra_meta_json: more
 * members for the meta object, e.g. "\"val_acc\":0.61", or NULL). */
int judge_save(const Judge *j, const char *path, const char *extra_meta_json, RlhfErr *e);
void judge_free(Judge *j);
/* Runs the judge's forward passes on device k from now on (CUDA: uploads the
 * weights). The host model stays the one saved. */
int judge_use_device(Judge *j, DeviceKind k, RlhfErr *e);
/* The judge's device model (its m always points at j->model). */
DevModel *judge_dev(Judge *j);

/* Token ids judge_score_* reads for one transcript: encoded (specials as plain
 * text), EOT appended, left-truncated to max_len. out is reset first. */
int judge_encode(Judge *j, const char *text, size_t len, TokIds *out, RlhfErr *e);

/* Raw scalar scores r of n pre-encoded rows (ids[i], lens[i] ≤ max_len, the last
 * id being the EOT to read at), batched internally. */
int judge_score_ids(Judge *j, const int *const *ids, const int *lens, int n, float *raw_out, RlhfErr *e);
/* Raw scores of n transcripts (lens NULL = strlen). */
int judge_score_raw(Judge *j, const char *const *texts, const size_t *lens, int n, float *raw_out, RlhfErr *e);
/* Centred scores z = (r − offset) / scale. */
int judge_score_texts(Judge *j, const char *const *texts, int n, float *z_out, RlhfErr *e);
static inline float judge_z(const Judge *j, float raw) { return (raw - j->offset) / j->scale; }

/* ---- two dials ------------------------------------------------------------ */

typedef struct Dials {
    float w_help, w_harm;
    /* When harm_capped, the harmlessness score counts only up to harm_cap:
     * min(z_harm, harm_cap). With a cap of 0 the harm dial penalises replies
     * the harmlessness judge finds worse than average but pays nothing for
     * being "safer than safe" — so a refusal of a harmless request earns
     * nothing from it, and only the helpfulness judge decides there. */
    int harm_capped;
    float harm_cap;
} Dials;

/* "balanced" (1, 1), "helpful" (1, 0.25), "harmless" (0.25, 1), "help-only"
 * (1, 0), "harm-only" (0, 1), "guarded" (1, 1, harm capped at 0), or
 * "W_HELP,W_HARM" such as "1,0.5", or "W_HELP,W_HARM,CAP" (harm capped). */
int dials_parse(const char *s, Dials *d, RlhfErr *e);
/* The preset names and values, for --help texts: "balanced=1,1 helpful=1,0.25 ...". */
const char *dials_presets_help(void);

/* The combined reward of two judges. Either pointer may be NULL (term 0). */
typedef struct RewardModel {
    Judge *help, *harm;
    Dials dials;
} RewardModel;

/* reward[i] = w_help · z_help(texts[i]) + w_harm · z_harm(texts[i]); the
 * separate z's go to z_help / z_harm when not NULL. */
int reward_score(RewardModel *rm, const char *const *texts, int n, float *reward, float *z_help, float *z_harm,
                 RlhfErr *e);

/* A reward as a callback, so best-of-N and PPO can take a stub in tests.
 * reward_fn_model is the RewardModel implementation (ctx = RewardModel*). */
typedef int (*RewardFn)(void *ctx, const char *const *texts, int n, float *reward, RlhfErr *e);
int reward_fn_model(void *ctx, const char *const *texts, int n, float *reward, RlhfErr *e);

#endif
