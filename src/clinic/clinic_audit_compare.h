/* clinic_audit_compare.h — did a policy change move an audit rate, or is it
 * sampling noise? Two audits of the same suite (say SFT and PPO, several
 * sampled replies a message each) are compared message by message: the
 * difference of each pooled rate, new − base, with a 95% interval from a
 * paired bootstrap over the suite's messages (stratified by category, the
 * same resampled messages for both policies).
 *
 * Why messages, not replies: replies to one message are correlated (the same
 * prompt, the same policy), so treating 1,920 replies as independent would
 * make the interval about twice too narrow. Why paired: both policies answer
 * the same 240 messages, and much of a rate's spread is which messages are
 * hard; pairing cancels it. A rate "rises" when the whole interval is above 0,
 * "falls" when it is below, and otherwise shows "no clear change". */
#ifndef RLHF_CLINIC_AUDIT_COMPARE_H
#define RLHF_CLINIC_AUDIT_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "clinic/clinic_audit.h"

/* Outcome counts per suite message, from one file of replies. */
typedef struct {
    int nitems;   /* the suite's size */
    int *n;       /* nitems: replies to each message */
    int *count;   /* nitems * CLINIC_NOUT: replies with outcome bit q, at [i * CLINIC_NOUT + q] */
} ClinicAuditItems;

/* Reads JSONL replies ({"id": N | "prompt"/"conversation": ..., "reply": ...},
 * what `rlhf audit --replies-out` writes) and classifies each with k. Every
 * line must name a suite message: the error names the file, line and field.
 * Free with clinic_audit_items_free (also after a failure). */
int clinic_audit_items_read(const ClinicAuditSuite *s, ClinicClassifier *k, const char *path, ClinicAuditItems *it,
                            RlhfErr *e);
int clinic_audit_items_init(ClinicAuditItems *it, int nitems, RlhfErr *e);   /* all zero */
/* One more reply to message `item` with this clinic_audit_outcome(). */
void clinic_audit_items_add(ClinicAuditItems *it, int item, int outcome);
void clinic_audit_items_free(ClinicAuditItems *it);
/* The audit's report from the counts: what clinic_audit_replies_file() gives for the same file. */
void clinic_audit_items_report(const ClinicAuditSuite *s, const ClinicAuditItems *it, ClinicAuditReport *rep);

typedef struct {
    double base, cur;   /* pooled rates: replies with the outcome / replies */
    double diff;        /* cur − base */
    double lo, hi;      /* 95% paired-bootstrap interval of diff */
} ClinicAuditDelta;

typedef struct {
    int boot;                                  /* bootstrap resamples */
    int items;                                 /* messages compared */
    ClinicAuditDelta all[CLINIC_NOUT];         /* indexed by CLINIC_OUTB_* */
    ClinicAuditDelta cat[CLINIC_NCAT][CLINIC_NOUT];
    int cat_items[CLINIC_NCAT];                /* 0: the category is absent */
} ClinicAuditCompare;

/* Compares cur against base. Both must have replies for exactly the same
 * messages (the error names the first that differs). boot >= 100. */
int clinic_audit_compare(const ClinicAuditSuite *s, const ClinicAuditItems *base, const ClinicAuditItems *cur, int boot,
                         uint64_t seed, ClinicAuditCompare *out, RlhfErr *e);

/* "rises", "falls" or "no clear change". */
const char *clinic_audit_delta_verdict(const ClinicAuditDelta *d);

void clinic_audit_compare_print(const ClinicAuditCompare *c, FILE *out);   /* aligned table, in points */
/* {"boot", "items", "all": {"task_success": {"base", "new", "diff", "lo", "hi", "verdict"}, ...},
 *  "categories": {...}} */
void clinic_audit_compare_json(const ClinicAuditCompare *c, JsonBuf *b);

#endif
