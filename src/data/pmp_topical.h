/* pmp_topical.h — preference-model pretraining (PMP) pairs mined from Topical-Chat's
 * per-turn human ratings.
 *
 * The HH-RLHF paper pretrains its preference models on comparisons mined from other
 * sources before fine-tuning on HH data. Topical-Chat rates every turn ("Excellent",
 * "Good", "Passable", "Poor", "Not Good"; a few are "" = unrated) but never compares two
 * replies to one context, so the pairs here need a negative-sampling design:
 *
 *  - Candidates: every turn t of a conversation whose rating is Excellent or Good, whose
 *    message is not blank, that is not the conversation's first turn, and whose previous
 *    turn is by the other agent (so the context ends with a Human turn).
 *  - Context: up to max_turns turns before t, from the same conversation, trimmed at the
 *    front so that it starts with a Human turn. The speaker of turn t becomes "Assistant",
 *    the other agent "Human" (whichever of agent_1/agent_2 that is).
 *  - chosen  = context + "\n\nAssistant: " + the real turn t.
 *  - rejected = context + "\n\nAssistant: " + a turn drawn from a DIFFERENT conversation by
 *    a seeded RNG: from the low-rated pool (Passable, Poor, Not Good) when that pool holds
 *    a turn of another conversation, otherwise from any non-blank turn of another
 *    conversation (counted as a fallback). A draw whose text equals the chosen text is
 *    redrawn. So the judge learns both contextual fit (a reply to another conversation)
 *    and the rating signal (low-rated replies lose).
 *  - Order and cap: the pairs are shuffled by a second seeded RNG and, with max_pairs > 0,
 *    the first max_pairs are kept. Each pair's rejected turn is drawn before the shuffle,
 *    so the output for N is exactly the first N rows of the uncapped output.
 *
 * Output: HH-RLHF JSONL rows {"chosen": T1, "rejected": T2}, written atomically. The two
 * transcripts differ only in their final Assistant turn. Same files + options + seed give
 * byte-identical output.
 *
 * Errors name the file, the conversation id, the turn and the field at fault
 * ("FILE: conversation 'ID' turn N: field 'turn_rating' ..."), like text_sources.c. */
#ifndef RLHF_PMP_TOPICAL_H
#define RLHF_PMP_TOPICAL_H

#include "util/common.h"
#include "util/json.h"

typedef enum {
    PMP_RATING_UNRATED = 0,   /* "" */
    PMP_RATING_POOR,          /* "Poor" */
    PMP_RATING_NOT_GOOD,      /* "Not Good" */
    PMP_RATING_PASSABLE,      /* "Passable" */
    PMP_RATING_GOOD,          /* "Good" */
    PMP_RATING_EXCELLENT,     /* "Excellent" */
    PMP_RATING_N
} PmpRating;

/* -1 for a string that is not one of Topical-Chat's ratings. */
int pmp_rating_parse(const char *s);
const char *pmp_rating_name(int r);

typedef struct PmpOpts {
    uint64_t seed;      /* default 1337 */
    int max_turns;      /* context turns before the chosen one (>= 1; default 4) */
    long max_pairs;     /* 0 = all */
} PmpOpts;

void pmp_default_opts(PmpOpts *o);

typedef struct PmpCounts {
    long conversations, turns;
    long by_rating[PMP_RATING_N];   /* turns per rating */
    long candidates;                /* turns eligible as chosen */
    long skip_rating;               /* not Excellent/Good (or unrated) */
    long skip_first;                /* first turn of a conversation */
    long skip_same_speaker;         /* previous turn by the same agent */
    long skip_blank;                /* blank message */
    long skip_no_negative;          /* no turn of another conversation to draw */
    long rejected_low;              /* rejected drawn from the low-rated pool */
    long rejected_fallback;         /* rejected drawn from any other turn */
    long pairs;                     /* written (after the cap) */
} PmpCounts;

/* The turns of some Topical-Chat files, copied (zero-initialise; pmp_corpus_free). */
typedef struct PmpTurn {
    size_t off, len;   /* message bytes in PmpCorpus.text */
    int conv;          /* conversation index */
    int agent;         /* 1 or 2 */
    int rating;        /* PmpRating */
} PmpTurn;

typedef struct PmpCorpus {
    PmpTurn *turns;
    size_t n, cap;
    size_t *conv_start;   /* [nconv + 1]: turns of conversation c are conv_start[c] .. conv_start[c+1] */
    size_t nconv, conv_cap;
    char *text;
    size_t text_len, text_cap;
} PmpCorpus;

/* Appends the conversations of one Topical-Chat JSON file (text[0..len), named path in errors). */
int pmp_corpus_add_json(PmpCorpus *c, const char *path, const char *text, size_t len, RlhfErr *e);
/* Reads path (.json or .json.gz) and appends its conversations. */
int pmp_corpus_load(PmpCorpus *c, const char *path, RlhfErr *e);
void pmp_corpus_free(PmpCorpus *c);

/* Mines the pairs of a corpus into out (HH JSONL rows, appended). counts may be NULL. */
int pmp_mine(const PmpCorpus *c, const PmpOpts *o, JsonBuf *out, PmpCounts *counts, RlhfErr *e);

/* Loads the files, mines, writes out_path atomically. counts may be NULL. */
int pmp_topical_write(const char *const *files, int nfiles, const PmpOpts *o, const char *out_path,
                      PmpCounts *counts, RlhfErr *e);

#endif
