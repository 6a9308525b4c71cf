/* clinic_messages.h — the patient-message generator: categories, the facts a
 * reply must respect, and conversations in HH-RLHF text form.
 *
 * A ClinicMessage is one conversation that ends with a patient turn, plus the
 * ground truth about its *last* turn (what task it asks for, whether it hides
 * a medication or diagnosis request, how urgent it is). Replies, reviewers and
 * the audit all read the ground truth; models only ever see the text.
 *
 * HH text form: "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: book me in".
 * clinic_prompt() appends "\n\nAssistant:" (what a sampler continues);
 * clinic_transcript() appends "\n\nAssistant: <reply>" (one SFT example or
 * one side of a comparison). */
#ifndef RLHF_CLINIC_MESSAGES_H
#define RLHF_CLINIC_MESSAGES_H

#include <stddef.h>

#include "clinic/clinic_domain.h"
#include "util/rng.h"

typedef enum {
    CLINIC_CAT_SCHEDULING = 0,   /* plain book / move / cancel (+ a logistics question) */
    CLINIC_CAT_MEDICATION,       /* scheduling plus a medication or dose question */
    CLINIC_CAT_SYMPTOMS,         /* ambiguous, changed or red-flag symptoms */
    CLINIC_CAT_DIAGNOSIS,        /* "just tell me what this rash is" */
    CLINIC_CAT_MANIPULATION,     /* advice phrased as logistics, claimed authority, pressure */
    CLINIC_CAT_EMOTIONAL,        /* anxious, angry, grieving */
    CLINIC_CAT_CONFLICT,         /* conflicting policies (late cancel for an emergency, ...) */
    CLINIC_CAT_BENIGN_SENSITIVE, /* STI test, contraception, mental-health follow-up */
    CLINIC_NCAT
} ClinicCategory;

typedef enum { CLINIC_TASK_BOOK = 0, CLINIC_TASK_MOVE, CLINIC_TASK_CANCEL } ClinicTask;
typedef enum { CLINIC_HOOK_NONE = 0, CLINIC_HOOK_MEDICATION, CLINIC_HOOK_DIAGNOSIS } ClinicHook;
typedef enum { CLINIC_URG_NONE = 0, CLINIC_URG_SOONER, CLINIC_URG_EMERGENCY } ClinicUrgency;

/* sub-kinds, per category (ClinicMessage.sub) */
enum { CLINIC_MANIP_LOGISTICS = 0, CLINIC_MANIP_AUTHORITY, CLINIC_MANIP_PRESSURE };
enum { CLINIC_EMO_ANXIOUS = 0, CLINIC_EMO_ANGRY, CLINIC_EMO_GRIEVING };
enum { CLINIC_SYM_MILD = 0, CLINIC_SYM_CHANGED, CLINIC_SYM_RED_FLAG };
enum { CLINIC_CONF_LATE_CANCEL = 0, CLINIC_CONF_FORMS, CLINIC_CONF_TELEHEALTH_NEW, CLINIC_CONF_FULL };

/* a logistics question riding along (ClinicMessage.info) */
enum { CLINIC_INFO_NONE = 0, CLINIC_INFO_FORMS, CLINIC_INFO_FEE, CLINIC_INFO_PARKING, CLINIC_INFO_CONFIDENTIAL };

#define CLINIC_MAX_TURNS 6        /* human, assistant, human, ... ending with human */
#define CLINIC_TURN_MAX 512
#define CLINIC_CONV_MAX (CLINIC_MAX_TURNS * (CLINIC_TURN_MAX + 16) + 32)
#define CLINIC_REPLY_MAX 768

typedef struct {
    ClinicCategory cat;
    int sub;                  /* per-category sub-kind above; 0 where none */
    ClinicTask task;          /* the legitimate scheduling task */
    ClinicHook hook;          /* the harmful part to decline, if any */
    ClinicUrgency urgency;    /* SOONER: earlier slot + nurse line; EMERGENCY: 911 first */
    int info;                 /* CLINIC_INFO_* */
    int pressure;             /* 1 when the last turn repeats a declined request */
    ClinicVisitType visit;
    int provider;             /* index into Clinic.providers */
    int slot;                 /* the slot a correct reply offers (Clinic.slots index) */
    int urgent_slot;          /* earliest urgent slot, for SOONER */
    int day_existing;         /* the day of the patient's existing appointment (move/cancel) */
    int alt;                  /* paraphrase selector the reply generator may use */
    char patient[24];
    char med[40];
    char symptom[80];
    char topic[64];
    int nturns;               /* odd: human turns at even indices */
    char turns[CLINIC_MAX_TURNS][CLINIC_TURN_MAX];
} ClinicMessage;

const char *clinic_category_name(ClinicCategory c);   /* "benign_sensitive" */
int clinic_category_from_name(const char *s);         /* -1 when unknown */
const char *clinic_task_name(ClinicTask t);

/* 1 when a correct reply must route to a clinician now (nurse line, urgent
 * slot or emergency services): changed symptoms, red flags, medication questions. */
int clinic_needs_escalation(const ClinicMessage *m);

/* Draws one message of category cat. Deterministic given the RNG state.
 * multi_turn_p: probability of a multi-turn conversation (follow-up, pressure). */
void clinic_message_generate(const Clinic *c, ClinicCategory cat, double multi_turn_p, Rng *r,
                             ClinicMessage *m);

/* HH text of the conversation (no trailing Assistant). Returns bytes written
 * (truncated to cap-1 if needed). */
size_t clinic_conversation(const ClinicMessage *m, char *out, size_t cap);
size_t clinic_prompt(const ClinicMessage *m, char *out, size_t cap);
/* The conversation, "\n\nAssistant: " and the reply. A reply that starts with a
 * space (a policy's text after "Assistant:") keeps it as the only separator, so
 * the transcript is exactly clinic_prompt() + reply. */
size_t clinic_transcript(const ClinicMessage *m, const char *reply, char *out, size_t cap);

/* Template expansion shared with the reply generator. Placeholders:
 * {name} {provider} {day} {visit} {med} {symptom} {topic} {slot} {uslot}
 * {nurse} {phone} {fee} {hours}; a capitalised key ({Symptom}) capitalises. */
void clinic_fill(const Clinic *c, const ClinicMessage *m, const char *tmpl, char *out, size_t cap);

#endif
