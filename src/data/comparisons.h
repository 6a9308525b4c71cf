/* comparisons.h — human comparison data: streaming reader, splits, in-memory sets.
 *
 * Row formats (one JSON object per line; .jsonl or .jsonl.gz, or "-" for stdin):
 *   HH-RLHF   {"chosen": T1, "rejected": T2}: whole transcripts that differ only
 *             in the final Assistant reply.
 *   TRL/OpenRLHF  {"prompt": P, "chosen": R1, "rejected": R2}: P is a transcript
 *             prefix (with or without a trailing "\n\nAssistant:") or plain text
 *             (taken as one Human turn); R1/R2 are the replies, with or without a
 *             leading "\n\nAssistant:" / " ", or whole transcripts starting with P.
 *             Conversational rows, where P/R are arrays of {"role", "content"}
 *             messages, are accepted too (roles user/human, assistant).
 *
 * Every row becomes a Comparison in one canonical form:
 *   prompt   "\n\nHuman: ...[\n\nAssistant: ...\n\nHuman: ...]" — everything
 *            before the final "\n\nAssistant:" marker (byte-identical to the
 *            HH prefix for HH rows);
 *   chosen, rejected  the final reply texts, without the marker and its space.
 * So the whole transcript is prompt + "\n\nAssistant: " + reply
 * (comparison_transcript writes it).
 *
 * Bad rows (malformed JSON, missing fields, wrong types, transcripts that do not
 * parse, chosen/rejected that differ before the final reply) fail the read with
 * "FILE:LINE: what" — or, with skip_bad, are skipped and counted by reason.
 * Ties (identical replies) are always counted and skipped unless keep_ties.
 *
 * Ownership: a reader's Comparison points into the reader's buffers and is valid
 * until the next comparison_reader_next/close. A ComparisonSet owns copies: one
 * allocation per comparison (prompt, chosen, rejected stored back to back). */
#ifndef RLHF_COMPARISONS_H
#define RLHF_COMPARISONS_H

#include <stdio.h>

#include "data/split.h"
#include "util/common.h"
#include "util/json.h"

typedef enum {
    CMP_BAD_JSON = 0,     /* not valid JSON, or not an object */
    CMP_BAD_MISSING,      /* "chosen" or "rejected" absent */
    CMP_BAD_TYPE,         /* a field of the wrong type */
    CMP_BAD_TRANSCRIPT,   /* no turns, text before the first turn, ends on a Human turn */
    CMP_BAD_MISMATCH,     /* chosen and rejected differ before the final reply */
    CMP_BAD_NREASONS
} CmpBadReason;

const char *cmp_bad_reason_name(int reason);   /* "json", "missing_field", ... */

typedef struct ComparisonCounts {
    long lines;                   /* non-blank lines read */
    long kept;                    /* comparisons returned */
    long ties;                    /* identical replies (skipped unless keep_ties) */
    long bad[CMP_BAD_NREASONS];   /* skipped bad rows, by reason (skip_bad) */
    long filtered;                /* valid, but in another split part */
} ComparisonCounts;

long comparison_counts_bad(const ComparisonCounts *c);
void comparison_counts_add(ComparisonCounts *dst, const ComparisonCounts *src);

typedef struct Comparison {
    const char *prompt, *chosen, *rejected;   /* NUL-terminated (may hold \0 from \u0000) */
    size_t prompt_len, chosen_len, rejected_len;
    int n_turns;     /* turns in the whole transcript, the final reply included */
    long line;       /* 1-based line in its file */
    int source;      /* index of its file in comparisons_load_all's list (0 for a reader) */
} Comparison;

typedef struct ComparisonOpts {
    int skip_bad;           /* skip and count bad rows instead of failing */
    int keep_ties;          /* return pairs with identical replies (still counted) */
    /* Split filter: when split_nparts > 0, only comparisons whose part
     * (split_of_key of the prompt under split_salt) equals split_part are kept. */
    int split_nparts;
    int split_part;
    uint64_t split_salt;
    double split_fractions[SPLIT_MAX_PARTS];
} ComparisonOpts;

/* Convenience: opts that keep part `part` of a split made by fractions. */
void comparison_opts_split(ComparisonOpts *o, uint64_t salt, const double *fractions, int nparts, int part);

typedef struct ComparisonReader ComparisonReader;

/* path "-" reads stdin. Returns NULL and sets e when the file cannot be opened. */
ComparisonReader *comparison_reader_open(const char *path, const ComparisonOpts *o, RlhfErr *e);
/* 1: *out filled; 0: end of file; -1: error (e = "FILE:LINE: ..."). */
int comparison_reader_next(ComparisonReader *r, Comparison *out, RlhfErr *e);
const ComparisonCounts *comparison_reader_counts(const ComparisonReader *r);
void comparison_reader_close(ComparisonReader *r);

/* Parses one row (the reader's work, exposed for the bench's imports and for
 * tests). On success returns 0 and fills *out pointing into *buf (grown as
 * needed; caller frees). On a bad row returns -1 with *reason set and e saying
 * why (no file/line prefix). Ties are not judged here. */
int comparison_parse_row(const char *line, size_t len, Comparison *out, char **buf, size_t *cap,
                         int *reason, RlhfErr *e);

typedef struct ComparisonSet {
    Comparison *items;
    size_t n, cap;
    ComparisonCounts counts;   /* summed over the files read */
} ComparisonSet;

/* Reads every file (streaming) and appends the comparisons that pass o's
 * filters, each copied, to *out (zero-initialise it first). On error out keeps
 * what it had; free it with comparison_set_free either way. */
int comparisons_load_all(const char *const *files, int nfiles, const ComparisonOpts *o, ComparisonSet *out,
                         RlhfErr *e);
int comparison_set_add(ComparisonSet *s, const Comparison *c, RlhfErr *e);   /* copies c */
void comparison_set_free(ComparisonSet *s);

/* Appends the whole transcript: prompt + "\n\nAssistant: " + reply
 * (which: 0 chosen, 1 rejected). Every HH-RLHF row round-trips byte for byte. */
void comparison_transcript(const Comparison *c, int which, JsonBuf *out);
/* Writes c as one HH-RLHF JSONL row {"chosen": ..., "rejected": ...}\n. */
int comparison_write_hh(FILE *f, const Comparison *c, JsonBuf *scratch, RlhfErr *e);

#endif
