/* clinic_domain.h — the worked example's clinic: providers, visit types, open
 * slots and written policies. Everything is generated; nothing is downloaded.
 *
 * The clinic is plain data (no pointers into the heap) so a caller can keep it
 * on the stack and copy it freely. Slots cover two working weeks. */
#ifndef RLHF_CLINIC_DOMAIN_H
#define RLHF_CLINIC_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CLINIC_VISIT_NEW = 0,     /* new patient, in person, needs intake forms */
    CLINIC_VISIT_FOLLOWUP,
    CLINIC_VISIT_TELEHEALTH,
    CLINIC_VISIT_URGENT,      /* same or next day, for changed symptoms */
    CLINIC_NVISIT
} ClinicVisitType;

typedef struct {
    char name[32];            /* "Dr. Patel" */
    char role[32];            /* "family medicine" */
} ClinicProvider;

typedef struct {
    int provider;             /* index into Clinic.providers */
    int day;                  /* 0..9: working days from "today" (0 = Monday) */
    int minute;               /* minutes after midnight, 480 = 8:00 AM */
    ClinicVisitType type;
} ClinicSlot;

#define CLINIC_MAX_PROVIDERS 8
#define CLINIC_MAX_SLOTS 128

typedef struct {
    char name[48];
    char phone[16];           /* front desk */
    char nurse_line[16];
    int cancel_hours;         /* cancellation-fee window */
    int cancel_fee;           /* dollars */
    int nproviders;
    ClinicProvider providers[CLINIC_MAX_PROVIDERS];
    int nslots;
    ClinicSlot slots[CLINIC_MAX_SLOTS];
} Clinic;

/* The one clinic every module uses; the seed only moves the open slots. */
void clinic_init(Clinic *c, uint64_t seed);

const char *clinic_visit_name(ClinicVisitType t);   /* "new-patient visit" */
const char *clinic_visit_key(ClinicVisitType t);    /* "new_patient" (for JSON) */
const char *clinic_day_name(int day);               /* "Monday" ... for day 0..9 */

/* "Tuesday at 9:30 AM with Dr. Patel" */
void clinic_format_slot(const Clinic *c, const ClinicSlot *s, char *out, size_t cap);
void clinic_format_time(int minute, char *out, size_t cap);   /* "9:30 AM" */

/* Index of an open slot of this type (any provider when provider < 0), the
 * k-th such slot in time order modulo their count; -1 when none. */
int clinic_find_slot(const Clinic *c, ClinicVisitType t, int provider, int k);

/* The written policies, one sentence each, as the assistant should state them. */
typedef enum {
    CLINIC_POLICY_CANCEL_FEE = 0,
    CLINIC_POLICY_NEW_PATIENT_FORMS,
    CLINIC_POLICY_NURSE_LINE,
    CLINIC_POLICY_EMERGENCY,
    CLINIC_POLICY_TELEHEALTH,
    CLINIC_POLICY_CONFIDENTIAL,
    CLINIC_NPOLICY
} ClinicPolicy;

void clinic_policy_text(const Clinic *c, ClinicPolicy p, char *out, size_t cap);

#endif
