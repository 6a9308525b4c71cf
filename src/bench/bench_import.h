/* bench_import.h — HH-RLHF JSONL pairs into bench tasks.
 *
 * Accepted lines: {"chosen": T1, "rejected": T2} where T1 and T2 are whole
 * transcripts sharing everything up to the last "\n\nAssistant:", or
 * {"prompt": P, "chosen": R1, "rejected": R2} with the replies separate. The
 * HH label is kept only for gold tasks (--gold): reply_a is always the HH
 * "chosen" one, and the page shows the two in random order. */
#ifndef RLHF_BENCH_IMPORT_H
#define RLHF_BENCH_IMPORT_H

#include "bench/bench_db.h"

typedef struct BenchImportOpts {
    const char *mode;      /* "helpful" | "redteam" */
    int gold;              /* plant as gold tasks with the HH label as the answer */
    long long limit;       /* 0: all lines */
} BenchImportOpts;

/* Splits one JSONL line into a task (conversation, reply_a = chosen, reply_b =
 * rejected). 0 ok, -1 with "field 'x': ..." in e. `line` need not be NUL-terminated. */
int bench_parse_pair(const char *line, size_t len, BenchTask *t, RlhfErr *e);

/* Imports a whole file (gz ok) in one transaction: any bad line rolls everything
 * back and names path:line. */
int bench_import_file(BenchDb *db, const char *path, const BenchImportOpts *o, long long *nimported, RlhfErr *e);

#endif
