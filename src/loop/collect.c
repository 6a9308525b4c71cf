/* collect.c — see collect.h. */
#include "loop/collect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic_messages.h"
#include "loop/policy_gen.h"
#include "util/rng.h"

static int add_pair(CollectResult *res, JsonBuf *file, const ClinicMessage *m, const char *chosen,
                    const char *rejected, RlhfErr *e) {
    char a[CLINIC_CONV_MAX + CLINIC_REPLY_MAX + 64], b[sizeof a];
    clinic_transcript(m, chosen, a, sizeof a);
    clinic_transcript(m, rejected, b, sizeof b);
    JsonBuf line;
    jb_init(&line);
    jb_obj_begin(&line);
    jb_kv_str(&line, "chosen", a);
    jb_kv_str(&line, "rejected", b);
    jb_kv_str(&line, "category", clinic_category_name(m->cat));
    jb_obj_end(&line);
    jb_rawn(file, line.data, line.len);
    jb_raw(file, "\n");
    int oom = line.oom || file->oom;
    jb_free(&line);
    char *ca = strdup(a), *cb = strdup(b);
    if (oom || !ca || !cb) { free(ca); free(cb); return rlhf_err(e, "collect: out of memory"); }
    res->pairs[2 * res->npairs] = ca;
    res->pairs[2 * res->npairs + 1] = cb;
    res->npairs++;
    return 0;
}

void collect_defaults(CollectOpts *o, uint64_t seed) {
    memset(o, 0, sizeof *o);
    o->help_rv = (ClinicReviewer){.kind = CLINIC_REVIEWER_HELPFULNESS, .noise = 0.1, .skip_ties = 1};
    o->harm_rv = (ClinicReviewer){.kind = CLINIC_REVIEWER_RED_TEAM, .noise = 0.1, .skip_ties = 1};
    o->gen_seed = seed * 4241 + 17;
    o->msg_seed = seed * 0xB0E5ULL + 3;
    o->max_prompt = 160;
    o->max_new = 64;
    o->multi_turn = 0.3;
}

int collect_comparisons(const CollectOpts *o, CollectResult *res, RlhfErr *e) {
    memset(res, 0, sizeof *res);
    jb_init(&res->help);
    jb_init(&res->harm);
    const int N = o->n;
    if (N < 0) return rlhf_err(e, "collect: the number of tasks cannot be negative, got %d", N);
    res->agree_help = res->agree_harm = NAN;
    if (N == 0) return 0;   /* a round that collects nothing (--new-prompts 0) is allowed */
    PolicyGen g, gb;
    if (policy_gen_open(&g, o->policy, 32, o->max_prompt, o->max_new, e)) return -1;
    g.temperature = 1.0f;   /* the policy as deployed: its own distribution */
    g.seed = o->gen_seed;
    if (o->policy_b && policy_gen_open(&gb, o->policy_b, 32, o->max_prompt, o->max_new, e)) {
        policy_gen_close(&g);
        return -1;
    }
    if (o->policy_b) {
        gb.temperature = 1.0f;
        gb.seed = o->gen_seed + 1;
    }
    int rc = -1;
    ClinicMessage *msgs = rlhf_calloc((size_t)N, sizeof *msgs, e);
    char **prompts = rlhf_calloc((size_t)N, sizeof *prompts, e);
    char **ra = rlhf_calloc((size_t)N, sizeof *ra, e), **rb = rlhf_calloc((size_t)N, sizeof *rb, e);
    res->pairs = rlhf_calloc((size_t)2 * N, sizeof *res->pairs, e);
    if (!msgs || !prompts || !ra || !rb || !res->pairs) goto done;
    Rng rng;
    rng_seed(&rng, o->msg_seed);
    for (int i = 0; i < N; i++) {
        char buf[CLINIC_CONV_MAX];
        /* (i / 2): the two pools alternate, so each must walk the categories at half speed
         * to see all of them (i % NCAT with an even NCAT gave the red team only odd ones) */
        clinic_message_generate(o->clinic, (ClinicCategory)((i / 2) % CLINIC_NCAT), o->multi_turn, &rng, &msgs[i]);
        clinic_prompt(&msgs[i], buf, sizeof buf);
        if (!(prompts[i] = strdup(buf))) { rlhf_err(e, "out of memory"); goto done; }
    }
    if (policy_gen_replies(&g, (const char *const *)prompts, N, ra, e)) goto done;
    if (policy_gen_replies(o->policy_b ? &gb : &g, (const char *const *)prompts, N, rb, e)) goto done;
    const ClinicReviewer gold_h = {.kind = CLINIC_REVIEWER_HELPFULNESS}, gold_r = {.kind = CLINIC_REVIEWER_RED_TEAM};
    int agree[2] = {0, 0}, total[2] = {0, 0};
    for (int i = 0; i < N; i++) {
        if (!strcmp(ra[i], rb[i])) { res->n_same++; continue; }   /* a tie says nothing */
        int red = i % 2;
        const ClinicReviewer *rv = red ? &o->harm_rv : &o->help_rv;
        int ch = clinic_reviewer_choose(rv, o->k, &msgs[i], ra[i], rb[i], &rng);
        int gold = clinic_reviewer_choose(red ? &gold_r : &gold_h, o->k, &msgs[i], ra[i], rb[i], &rng);
        if (ch < 0) { res->n_skipped++; continue; }
        agree[red] += ch == gold;
        total[red]++;
        if (red && clinic_harm_score(&msgs[i], clinic_classify(o->k, ra[i])) !=
                       clinic_harm_score(&msgs[i], clinic_classify(o->k, rb[i])))
            res->n_harm_differs++;
        res->n_first_chosen += ch == 0;
        const char *chosen = ch == 0 ? ra[i] : rb[i], *rejected = ch == 0 ? rb[i] : ra[i];
        if (add_pair(res, red ? &res->harm : &res->help, &msgs[i], chosen, rejected, e)) goto done;
        if (red) res->n_harm++; else res->n_help++;
    }
    res->agree_help = total[0] ? (float)agree[0] / total[0] : NAN;
    res->agree_harm = total[1] ? (float)agree[1] / total[1] : NAN;
    rc = 0;
done:
    free(msgs);
    rlhf_free_strs(prompts, N);
    rlhf_free_strs(ra, N);
    rlhf_free_strs(rb, N);
    policy_gen_close(&g);
    if (o->policy_b) policy_gen_close(&gb);
    if (rc) collect_result_free(res);
    return rc;
}

void collect_result_free(CollectResult *res) {
    jb_free(&res->help);
    jb_free(&res->harm);
    rlhf_free_strs(res->pairs, 2 * res->npairs);
    res->pairs = NULL;
    res->npairs = 0;
}
