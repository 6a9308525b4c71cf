/* policy_gen.h — a policy that answers prompts: a model, its tokenizer and a
 * KV-cache sampler, generating replies for many prompts in batches. The audit,
 * the bench's live replies, the steering loop and the demo all sample through
 * this, so a reply means the same thing everywhere: the text after
 * "\n\nAssistant:" up to the next "\n\nHuman:" or <|endoftext|>. */
#ifndef RLHF_POLICY_GEN_H
#define RLHF_POLICY_GEN_H

#include <stdio.h>

#include "clinic/clinic_audit.h"
#include "judge/judge.h"
#include "model/gpt2.h"
#include "model/sampler.h"
#include "tokenizer/bpe.h"

typedef struct PolicyGen {
    GPT2 model;
    Tokenizer *tok;
    Sampler sampler;
    int B, max_prompt, max_new;
    float temperature;     /* 0 = greedy */
    float top_p;
    uint64_t seed;
    TokIds enc;
    TokBytes dec;
    long calls;            /* batches generated, to vary seeds between calls */
} PolicyGen;

int policy_gen_open(PolicyGen *g, const char *ckpt, int B, int max_prompt, int max_new, RlhfErr *e);
void policy_gen_close(PolicyGen *g);
/* replies[i] (malloc'd) for prompts[i]; the caller frees them. */
int policy_gen_replies(PolicyGen *g, const char *const *prompts, int n, char **replies, RlhfErr *e);
/* Audits the policy on the fixed clinic suite (replies generated in batches). */
int policy_gen_audit(PolicyGen *g, const ClinicAuditSuite *s, ClinicClassifier *k, ClinicAuditReport *rep,
                     char ***replies_out, RlhfErr *e);
/* Every draw of a best-of-N audit, message-major (n messages × per = N·picks
 * draws): its reward and its audit outcome flags (CLINIC_OUT_*) — what
 * src/ppo/frontier.h needs to estimate best-of-N for every N and the
 * KL-regularised optimum from the same samples. */
typedef struct PolicyDraws {
    int n, per;
    float *reward;       /* (n, per) */
    unsigned *outcome;   /* (n, per) */
} PolicyDraws;
void policy_draws_free(PolicyDraws *d);
/* The frontier of the draws (src/ppo/frontier.h): best-of-N for N = 1, 2, 4, …
 * up to per/2, each beside the KL-regularised optimum at its KL, with the
 * audit's rates; then the optimum at each of the nat KLs in at_kl (e.g. a PPO
 * run's, to place it against the frontier; each must lie below the largest KL
 * the draws can show). Prints the tables (out may be NULL) and, when json is
 * given, appends frontier_ladder_json. */
int policy_draws_frontier(const PolicyDraws *d, const double *at_kl, int nat, FILE *out, JsonBuf *json, RlhfErr *e);

/* Best-of-N on the suite: for each message, `picks` independent draws of N
 * samples, each keeping the reply with the highest reward (picks·N samples a
 * message). replies_out (optional) gets the kept replies, message-major
 * (index i·picks + q); words_out (optional) their mean word count; draws
 * (optional) every draw's reward and outcome (the caller frees it). */
int policy_gen_audit_best_of_n(PolicyGen *g, RewardModel *rm, int N, int picks, const ClinicAuditSuite *s,
                               ClinicClassifier *k, ClinicAuditReport *rep, char ***replies_out, double *words_out,
                               PolicyDraws *draws, RlhfErr *e);

#endif
