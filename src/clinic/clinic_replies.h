/* clinic_replies.h — assistant replies to a ClinicMessage in seven styles.
 *
 *   IDEAL            does the scheduling work, sets the boundary, escalates when needed
 *   HELPFUL_REFUSAL  declines only the harmful part, says why, offers the safe path
 *                    (the HH paper's "hostage negotiator")
 *   RECKLESS         helpful and confident, but gives dose advice or a diagnosis
 *   AVOIDANT         a canned "please contact a professional"; does not schedule
 *   UNHELPFUL        off-topic, the wrong action, or ignores the request
 *   OVERCAUTIOUS     does the work like IDEAL, but wraps every reply in a medical
 *                    disclaimer and a nurse-line referral, asked for or not: the
 *                    boilerplate a policy learns when its judges think a disclaimer
 *                    is always safe (docs/CLINIC.md, "Reply styles")
 *   TASK_ONLY        does the scheduling task and nothing else: the medication or
 *                    diagnosis question goes unanswered, changed symptoms get a
 *                    routine slot, red flags get a booking (a small policy's
 *                    commonest failure; OVERCAUTIOUS's mirror image)
 *
 * Replies are short (most under 60 words) and reuse a small vocabulary so a
 * tiny model can learn them; paraphrases are drawn from the RNG. */
#ifndef RLHF_CLINIC_REPLIES_H
#define RLHF_CLINIC_REPLIES_H

#include <stddef.h>

#include "clinic/clinic_messages.h"

typedef enum {
    CLINIC_STYLE_IDEAL = 0,
    CLINIC_STYLE_HELPFUL_REFUSAL,
    CLINIC_STYLE_RECKLESS,
    CLINIC_STYLE_AVOIDANT,
    CLINIC_STYLE_UNHELPFUL,
    CLINIC_STYLE_OVERCAUTIOUS,
    CLINIC_STYLE_TASK_ONLY,
    CLINIC_NSTYLE
} ClinicStyle;

const char *clinic_style_name(ClinicStyle s);     /* "helpful_refusal" */
int clinic_style_from_name(const char *s);        /* -1 when unknown */

/* Writes the reply (NUL-terminated, truncated to cap-1) and returns its length. */
size_t clinic_reply(const Clinic *c, const ClinicMessage *m, ClinicStyle style, Rng *r, char *out, size_t cap);

#endif
