/* clinic_domain.c — the generated clinic (see clinic_domain.h). */
#include "clinic/clinic_domain.h"

#include <stdio.h>
#include <string.h>

#include "util/rng.h"

static const char *visit_names[CLINIC_NVISIT] = {"new-patient visit", "follow-up visit", "telehealth visit",
                                                 "urgent visit"};
static const char *visit_keys[CLINIC_NVISIT] = {"new_patient", "follow_up", "telehealth", "urgent"};
static const char *day_names[10] = {"Monday",      "Tuesday",      "Wednesday",      "Thursday",      "Friday",
                                    "next Monday", "next Tuesday", "next Wednesday", "next Thursday", "next Friday"};

static const ClinicProvider providers[] = {
    {"Dr. Patel", "family medicine"}, {"Dr. Nguyen", "family medicine"}, {"Dr. Okafor", "internal medicine"},
    {"Dr. Garcia", "women's health"}, {"NP Kim", "nurse practitioner"},   {"Dr. Rossi", "behavioral health"},
};

const char *clinic_visit_name(ClinicVisitType t) { return (unsigned)t < CLINIC_NVISIT ? visit_names[t] : "visit"; }
const char *clinic_visit_key(ClinicVisitType t) { return (unsigned)t < CLINIC_NVISIT ? visit_keys[t] : "unknown"; }
const char *clinic_day_name(int day) { return day >= 0 && day < 10 ? day_names[day] : "another day"; }

void clinic_format_time(int minute, char *out, size_t cap) {
    int h = minute / 60, m = minute % 60;
    const char *ampm = h >= 12 ? "PM" : "AM";
    int h12 = h % 12 == 0 ? 12 : h % 12;
    if (m) snprintf(out, cap, "%d:%02d %s", h12, m, ampm);
    else snprintf(out, cap, "%d %s", h12, ampm);
}

void clinic_format_slot(const Clinic *c, const ClinicSlot *s, char *out, size_t cap) {
    char t[16];
    clinic_format_time(s->minute, t, sizeof t);
    snprintf(out, cap, "%s at %s with %s", clinic_day_name(s->day), t, c->providers[s->provider].name);
}

static int slot_cmp(const ClinicSlot *a, const ClinicSlot *b) {
    if (a->day != b->day) return a->day - b->day;
    return a->minute - b->minute;
}

void clinic_init(Clinic *c, uint64_t seed) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "Riverside Family Clinic");
    snprintf(c->phone, sizeof c->phone, "555-0100");
    snprintf(c->nurse_line, sizeof c->nurse_line, "555-0142");
    c->cancel_hours = 24;
    c->cancel_fee = 40;
    c->nproviders = (int)(sizeof providers / sizeof providers[0]);
    memcpy(c->providers, providers, sizeof providers);
    Rng r;
    rng_seed(&r, seed ^ 0xC11A1C5EEDULL);
    /* Every type gets slots on most days so a request can always be met;
     * urgent slots sit early in the week (today and tomorrow). */
    int n = 0;
    for (int day = 0; day < 10 && n < CLINIC_MAX_SLOTS; day++) {
        int per_day = 8 + rng_int(&r, 4);
        for (int k = 0; k < per_day && n < CLINIC_MAX_SLOTS; k++) {
            ClinicSlot s;
            s.day = day;
            s.minute = 480 + 30 * rng_int(&r, 17);       /* 8:00 AM .. 4:00 PM */
            s.provider = rng_int(&r, c->nproviders);
            s.type = (ClinicVisitType)(k % CLINIC_NVISIT);
            if (s.type == CLINIC_VISIT_URGENT && day > 1) s.type = CLINIC_VISIT_FOLLOWUP;
            c->slots[n++] = s;
        }
    }
    /* insertion sort by time: n is small and order must not depend on qsort's stability */
    for (int i = 1; i < n; i++) {
        ClinicSlot s = c->slots[i];
        int j = i - 1;
        while (j >= 0 && slot_cmp(&c->slots[j], &s) > 0) { c->slots[j + 1] = c->slots[j]; j--; }
        c->slots[j + 1] = s;
    }
    c->nslots = n;
}

int clinic_find_slot(const Clinic *c, ClinicVisitType t, int provider, int k) {
    int count = 0;
    for (int i = 0; i < c->nslots; i++)
        if (c->slots[i].type == t && (provider < 0 || c->slots[i].provider == provider)) count++;
    if (count == 0) return provider >= 0 ? clinic_find_slot(c, t, -1, k) : -1;
    int want = ((k % count) + count) % count;
    for (int i = 0; i < c->nslots; i++)
        if (c->slots[i].type == t && (provider < 0 || c->slots[i].provider == provider))
            if (want-- == 0) return i;
    return -1;
}

void clinic_policy_text(const Clinic *c, ClinicPolicy p, char *out, size_t cap) {
    switch (p) {
    case CLINIC_POLICY_CANCEL_FEE:
        snprintf(out, cap, "Visits cancelled with less than %d hours notice have a $%d fee.", c->cancel_hours,
                 c->cancel_fee);
        break;
    case CLINIC_POLICY_NEW_PATIENT_FORMS:
        snprintf(out, cap, "New patients fill out intake forms before the first visit.");
        break;
    case CLINIC_POLICY_NURSE_LINE:
        snprintf(out, cap, "Medication and symptom questions go to the nurse line at %s.", c->nurse_line);
        break;
    case CLINIC_POLICY_EMERGENCY:
        snprintf(out, cap, "For chest pain, trouble breathing or other emergencies, call 911.");
        break;
    case CLINIC_POLICY_TELEHEALTH:
        snprintf(out, cap, "New-patient visits are in person; follow-ups can be telehealth.");
        break;
    case CLINIC_POLICY_CONFIDENTIAL:
        snprintf(out, cap, "All visits, including sexual and mental health visits, are confidential.");
        break;
    default: snprintf(out, cap, "(unknown policy)");
    }
}
