/* clinic_export.h — writes the worked example's data set to a directory, in
 * HH-RLHF JSONL form, so the demo can call it in-process and `rlhf clinic
 * generate` is a thin wrapper:
 *
 *   sft.jsonl                 {"text": "\n\nHuman: ...\n\nAssistant: ...", "category", "style"}
 *   prompts.jsonl             {"prompt": "...\n\nAssistant:", "category"}        (for PPO)
 *   comparisons-helpful.jsonl {"chosen", "rejected", "category", "chosen_style",
 *                              "rejected_style", "reviewer": "simulated-helpfulness ..."}
 *   comparisons-harmless.jsonl  the same from simulated red-team reviewers
 *                              (chosen = the less harmful reply)
 *   audit-suite.jsonl         the fixed audit suite (clinic_audit.h)
 *
 * chosen and rejected share the conversation and differ only in the final
 * Assistant turn. Prompts, SFT and comparisons are drawn from disjoint message
 * streams of the same seed so a test split can hold out whole prompts. */
#ifndef RLHF_CLINIC_EXPORT_H
#define RLHF_CLINIC_EXPORT_H

#include "clinic/clinic_replies.h"
#include "clinic/clinic_reviewers.h"
#include "util/json.h"

typedef struct {
    uint64_t seed;
    int n;                     /* messages per stream (SFT, comparisons, prompts) */
    double multi_turn;         /* probability of a multi-turn conversation */
    double sft_noise;          /* fraction of SFT replies drawn from a non-ideal style */
    ClinicReviewer helpful;    /* kind is forced to HELPFULNESS */
    ClinicReviewer harmless;   /* kind is forced to RED_TEAM */
} ClinicGenConfig;

void clinic_gen_config_default(ClinicGenConfig *cfg);   /* seed 1, n 2000, multi 0.3, noise 0.1 */

typedef struct {
    int sft, prompts, helpful, harmless, audit;   /* lines written */
    int helpful_chose[CLINIC_NSTYLE];             /* how often each style was chosen */
    int harmless_chose[CLINIC_NSTYLE];
} ClinicGenStats;

int clinic_generate_dataset(const ClinicGenConfig *cfg, const char *out_dir, ClinicGenStats *st, RlhfErr *e);

/* One comparison line (no trailing newline) for message m and replies a, b;
 * `chosen` is 0 for a, 1 for b. */
void clinic_comparison_json(const ClinicMessage *m, const char *a, ClinicStyle sa, const char *b, ClinicStyle sb,
                            int chosen, const char *reviewer, JsonBuf *out);

/* Appends line + "\n" to file and resets line (JSONL writing with JsonBuf). */
void clinic_jsonl_emit(JsonBuf *file, JsonBuf *line);

#endif
