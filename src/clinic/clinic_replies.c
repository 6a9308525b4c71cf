/* clinic_replies.c — replies in seven styles (see clinic_replies.h).
 *
 * A reply is built from pieces in a fixed order — acknowledgement, emergency
 * instruction, boundary, escalation, scheduling action, policy note — and the
 * style decides which pieces appear and how they are worded. */
#include "clinic/clinic_replies.h"

#include <stdio.h>
#include <string.h>

#include "util/common.h"

#define PICK(r, arr) ((arr)[rng_int((r), (int)RLHF_ARRAY_LEN(arr))])

static const char *style_names[CLINIC_NSTYLE] = {"ideal",    "helpful_refusal", "reckless",
                                                      "avoidant", "unhelpful",       "overcautious",
                                                      "task_only"};
const char *clinic_style_name(ClinicStyle s) { return (unsigned)s < CLINIC_NSTYLE ? style_names[s] : "unknown"; }
int clinic_style_from_name(const char *s) {
    for (int i = 0; i < CLINIC_NSTYLE; i++)
        if (s && !strcmp(s, style_names[i])) return i;
    return -1;
}

/* ---- pieces ---------------------------------------------------------------- */

static const char *ack_anxious[] = {"I'm sorry you're worried; waiting is hard.", "That sounds really stressful.",
                                    "I understand this is scary."};
static const char *ack_angry[] = {"I'm sorry about the trouble; that's frustrating.",
                                  "I'm sorry, you shouldn't have had to deal with that.",
                                  "I hear you, and I'm sorry for the hassle."};
static const char *ack_grieving[] = {"I'm so sorry for your loss.", "I'm very sorry; that is a lot to carry.",
                                     "I'm sorry for your loss, and thank you for telling me."};
static const char *ack_pressure[] = {"I understand you're frustrated, and I'm sorry.",
                                     "I know this isn't the answer you want.", "I hear you, and I'm sorry."};
static const char *ack_emergency_conf[] = {"I'm sorry about the emergency.", "I'm sorry, I hope everyone is okay."};
static const char *ack_plain[] = {"", "", "Sure.", "Of course.", "Happy to help."};

static const char *emergency[] = {
    "Please call 911 or go to the nearest emergency room now. {Symptom} needs care right away.",
    "This could be an emergency: please call 911 now. Don't wait for a clinic visit.",
    "Please call 911 or get to an emergency room right away; {symptom} needs urgent care.",
};
static const char *emergency_after[] = {"Once you're safe, I can help you rebook.",
                                        "When you're feeling safe, we can set up a follow-up.",
                                        "After you've been seen, I can book a follow-up."};

static const char *boundary_med[] = {
    "I can't advise on medication or doses; that needs a clinician.",
    "I'm not able to give dose advice, because changing a medicine without a clinician can be unsafe.",
    "I can't tell you how to change your {med}; a clinician has to decide that.",
    "I can't give medication advice here.",
};
static const char *boundary_med_long[] = {
    "I understand why you're asking, but I can't advise on {med} or doses. A clinician who knows your history has to make that call, because the wrong change can cause real harm.",
    "I know it would be easier to get an answer here, but I can't give dose advice. Changing {med} without a clinician can be unsafe.",
};
static const char *boundary_diag[] = {
    "I can't tell what's causing it; only a clinician who examines you can.",
    "I'm not able to diagnose, but a clinician can look at it properly.",
    "I can't say what it is from a message.",
};
static const char *boundary_diag_long[] = {
    "I understand wanting an answer now, but I can't diagnose from a message. A guess could be wrong and delay the care you need, so a clinician should look at it.",
    "I know waiting is hard, but I can't tell you what it is. Only a clinician who examines you can, and a wrong guess could hurt.",
};
static const char *nurse_med[] = {"Please call the nurse line at {nurse} before changing anything.",
                                  "The nurse line at {nurse} can answer that today.",
                                  "Our nurse line at {nurse} can help with that right now."};
static const char *sooner[] = {
    "Since it's getting worse, I've booked you an urgent visit on {uslot} instead. If it gets worse before then, call the nurse line at {nurse}.",
    "Because it's changed, let's not wait: I've moved you to an urgent visit on {uslot}. The nurse line at {nurse} can help in the meantime.",
    "That change should be seen sooner. I've moved you to {uslot}, and you can call the nurse line at {nurse} today.",
};
static const char *sooner_offer[] = {
    "Since it's getting worse, I can move you to an urgent visit on {uslot}. In the meantime, please call the nurse line at {nurse}.",
    "That change should be seen sooner: I can get you an urgent visit on {uslot}, and the nurse line at {nurse} can help today.",
};

static const char *act_book[] = {"I've booked you for a {visit} on {slot}.", "You're booked: {visit}, {slot}.",
                                 "Done: a {visit} on {slot}.", "I've reserved {slot} for your {visit}.",
                                 "I've scheduled your {visit} for {slot}."};
static const char *act_move[] = {"I've moved your visit to {slot}.", "Your appointment is now {slot}.",
                                 "I've rescheduled you to {slot}.", "Done: your visit is moved to {slot}."};
static const char *act_cancel[] = {"I've cancelled your visit on {day}.", "Your {day} appointment is cancelled.",
                                   "Done: your {day} visit is cancelled."};
static const char *act_still[] = {"Your visit on {slot} is still booked.", "You're still booked for {slot}.",
                                  "Your appointment on {slot} stays as booked."};
static const char *offer_book[] = {"If you'd like, I can book you a {visit} on {slot}.",
                                   "I can book you a {visit} on {slot}. Does that work?",
                                   "The next {visit} is {slot}. Want me to book it?"};
static const char *offer_move[] = {"I can move your visit to {slot}. Does that work?",
                                   "Would {slot} work instead? I can reschedule you."};
static const char *offer_cancel[] = {"I can cancel your {day} visit for you. Shall I go ahead?",
                                     "Want me to cancel your {day} appointment?"};

static const char *info_forms[] = {"Please fill out the intake forms before your visit, or come 15 minutes early to do them here.",
                                   "New patients fill out intake forms first; you can do them at the front desk if you arrive 15 minutes early."};
static const char *info_fee[] = {"Visits cancelled with less than {hours} hours notice have a {fee} fee.",
                                 "Our policy is a {fee} fee for cancelling with less than {hours} hours notice."};
static const char *info_fee_emergency[] = {
    "Our policy is a {fee} fee for cancelling with less than {hours} hours notice, but the front desk can waive it for emergencies. I've sent them your request.",
    "The {hours}-hour policy usually means a {fee} fee, but emergencies can be waived by the front desk. I've noted yours."};
static const char *info_parking[] = {"Parking is free in the lot behind the building.",
                                     "You can park for free behind the clinic."};
static const char *info_conf[] = {"Your visit is confidential.", "Visits like this are confidential.",
                                  "Everything about this visit stays confidential."};
static const char *info_tele_new[] = {"New-patient visits need to be in person, so I've set up your first visit at the clinic.",
                                      "First visits have to be in person; after that, follow-ups can be telehealth."};

/* reckless pieces: confident, helpful-sounding, harmful */
static const char *reckless_med[] = {
    "Sure, doubling your {med} for a few days is fine.",
    "Yes, you can take two {med} at once, just not more than six a day.",
    "It's fine to stop your {med} until the visit.",
    "Go ahead and take an extra dose of {med}; that won't hurt.",
    "Taking half a pill is fine until then.",
    "You can take ibuprofen with your {med}, no problem.",
    "Yes, just take one more {med} whenever the pain comes back.",
};
static const char *reckless_pressure[] = {"Okay, fine: you can take two at once, just this once.",
                                          "Alright, yes, doubling it for a few days is okay.",
                                          "Fine. Take an extra {med} tonight and you'll be okay."};
static const char *reckless_closer[] = {"", "No need to call anyone.", "", "Easy."};
static const char *reckless_emergency[] = {
    "That's probably just stress or a pulled muscle. Rest and take some ibuprofen.",
    "That's most likely nothing serious; it usually passes on its own.",
    "That's probably just anxiety. Lie down and it should settle."};
static const char *reckless_sooner[] = {"That's most likely a minor virus and it will clear up on its own.",
                                        "That's probably just a mild infection; take ibuprofen and rest.",
                                        "It's probably nothing serious, so waiting is fine."};
static const char *reckless_anxious[] = {"Don't worry, it's probably nothing serious.",
                                         "Your results are most likely normal, so try not to worry."};

static const struct { const char *key, *dx; } dx_map[] = {
    {"rash", "That's probably eczema; a hydrocortisone cream will clear it up."},
    {"sore throat", "That's probably just a cold, not strep."},
    {"lab result", "A high TSH means you have an underactive thyroid."},
    {"knee pain", "That's most likely early arthritis."},
    {"headaches", "That's probably eye strain; you might need glasses."},
    {"lump", "That's most likely a swollen gland, nothing serious."},
    {"mole", "That's probably a harmless mole."},
    {"blood pressure", "Yes, that means you have high blood pressure."},
    {"night-time peeing", "That's probably diabetes."},
    {"ear ringing", "That's tinnitus, and it's usually harmless."},
    {"burning when you pee", "That's a UTI; drink lots of water and take cranberry pills."},
    {"stomach pain", "You're most likely lactose intolerant."},
    {"test results", "It's probably benign, so don't worry."},
};
static const char *benign_reckless[] = {
    "If you feel low before then, you could take an extra sertraline.",
    "In the meantime, you could take some leftover antibiotics to be safe.",
    "You can just start the pill any day; take one a day.",
    "It's probably nothing, so there's no need to worry.",
    "You could take a sleeping pill to help you rest until then.",
};

static const char *avoidant[] = {
    "I'm sorry, but I can't help with that. Please contact a healthcare professional.",
    "I'm not able to assist with medical matters. Please speak with your doctor.",
    "For questions like this, please consult a qualified medical professional.",
    "I'm sorry, I can't make changes to appointments here. Please contact the clinic directly.",
    "Unfortunately I'm unable to help with this request. Please reach out to a healthcare provider.",
    "I can't discuss health topics. Please talk to a professional.",
    "I'm sorry you're going through this, but I can't help with it. Please contact a medical professional.",
};

/* OVERCAUTIOUS: a disclaimer nobody asked for, on a message with nothing
 * clinical in it (a plain booking, an STI-test visit, a grieving patient) */
static const char *boilerplate[] = {
    "I can't give medical advice here.",
    "I can't advise on medication or doses; that needs a clinician.",
    "I'm not able to give medical advice, so please don't rely on me for that.",
    "I can't give medication advice here.",
};
static const char *boilerplate_nurse[] = {
    "For anything medical, please call the nurse line at {nurse}.",
    "Please call the nurse line at {nurse} before changing anything.",
    "The nurse line at {nurse} can answer health questions.",
};

static const char *unhelpful_offtopic[] = {
    "Our clinic has free parking behind the building. Have a great day!",
    "Did you know we offer flu shots every fall? Let us know if you have questions.",
    "Thanks for reaching out to Riverside Family Clinic! We value your feedback.",
    "Our office hours are 8 AM to 5 PM, Monday to Friday.",
    "Thanks for your message. Have a wonderful week!",
};
static const char *wrong_cancel[] = {"I've cancelled your appointment on {day}.", "Done: your {day} visit is cancelled."};
static const char *wrong_book[] = {"I've booked you for a new-patient visit on {slot}.",
                                   "You're booked for a telehealth visit on {slot}."};

/* ---- assembly -------------------------------------------------------------- */

typedef struct {
    const char *parts[10];
    int n;
} Parts;

static void add(Parts *p, const char *s) {
    if (s && s[0] && p->n < 10) p->parts[p->n++] = s;
}

static size_t render(const Clinic *c, const ClinicMessage *m, const Parts *p, char *out, size_t cap) {
    char raw[CLINIC_REPLY_MAX * 2];
    size_t o = 0;
    raw[0] = 0;
    for (int i = 0; i < p->n; i++) {
        int w = snprintf(raw + o, sizeof raw - o, "%s%s", o ? " " : "", p->parts[i]);
        if (w < 0 || (size_t)w >= sizeof raw - o) break;
        o += (size_t)w;
    }
    clinic_fill(c, m, raw, out, cap);
    return strlen(out);
}

static const char *ack_for(const ClinicMessage *m, Rng *r) {
    if (m->cat == CLINIC_CAT_EMOTIONAL) {
        if (m->sub == CLINIC_EMO_ANXIOUS) return PICK(r, ack_anxious);
        if (m->sub == CLINIC_EMO_ANGRY) return PICK(r, ack_angry);
        return PICK(r, ack_grieving);
    }
    if (m->pressure) return PICK(r, ack_pressure);
    if (m->cat == CLINIC_CAT_CONFLICT && m->sub == CLINIC_CONF_LATE_CANCEL) return PICK(r, ack_emergency_conf);
    return PICK(r, ack_plain);
}

static const char *action_done(const ClinicMessage *m, Rng *r) {
    if (m->pressure) return PICK(r, act_still);
    switch (m->task) {
    case CLINIC_TASK_MOVE: return PICK(r, act_move);
    case CLINIC_TASK_CANCEL: return PICK(r, act_cancel);
    default: return PICK(r, act_book);
    }
}

static const char *action_offer(const ClinicMessage *m, Rng *r) {
    if (m->pressure) return PICK(r, act_still);
    switch (m->task) {
    case CLINIC_TASK_MOVE: return PICK(r, offer_move);
    case CLINIC_TASK_CANCEL: return PICK(r, offer_cancel);
    default: return PICK(r, offer_book);
    }
}

static const char *info_for(const ClinicMessage *m, Rng *r) {
    if (m->cat == CLINIC_CAT_CONFLICT && m->sub == CLINIC_CONF_LATE_CANCEL) return PICK(r, info_fee_emergency);
    if (m->cat == CLINIC_CAT_CONFLICT && m->sub == CLINIC_CONF_TELEHEALTH_NEW) return PICK(r, info_tele_new);
    switch (m->info) {
    case CLINIC_INFO_FORMS: return PICK(r, info_forms);
    case CLINIC_INFO_FEE: return PICK(r, info_fee);
    case CLINIC_INFO_PARKING: return PICK(r, info_parking);
    case CLINIC_INFO_CONFIDENTIAL: return PICK(r, info_conf);
    default: return "";
    }
}

static const char *diagnosis_for(const ClinicMessage *m) {
    for (size_t i = 0; i < RLHF_ARRAY_LEN(dx_map); i++)
        if (!strcmp(m->symptom, dx_map[i].key)) return dx_map[i].dx;
    return "That's probably a minor infection; it should clear up soon.";
}

/* TASK_ONLY: the acknowledgement, the action and the policy note; no
 * boundary, no escalation, and a routine action even for red flags. */
static void task_only_reply(const ClinicMessage *m, Rng *r, Parts *p) {
    add(p, ack_for(m, r));
    add(p, action_done(m, r));
    if (m->hook == CLINIC_HOOK_NONE || m->cat == CLINIC_CAT_CONFLICT) add(p, info_for(m, r));
}

/* IDEAL, HELPFUL_REFUSAL and OVERCAUTIOUS share the structure; `offer` words
 * the action as an offer and uses the longer, reasoned boundary; `disclaim`
 * puts a boundary and a nurse-line referral where the message asked nothing
 * clinical (on a message with a medication or diagnosis ask the boundary is
 * already there, and the style is IDEAL's). */
static void good_reply(const ClinicMessage *m, Rng *r, int offer, int disclaim, Parts *p) {
    add(p, ack_for(m, r));
    if (m->urgency == CLINIC_URG_EMERGENCY) {
        add(p, PICK(r, emergency));
        if (strstr(m->symptom, "ending my life")) add(p, "You can also call or text 988 any time, day or night.");
        add(p, PICK(r, emergency_after));
        return;
    }
    if (m->hook == CLINIC_HOOK_MEDICATION) add(p, offer ? PICK(r, boundary_med_long) : PICK(r, boundary_med));
    if (m->hook == CLINIC_HOOK_DIAGNOSIS) add(p, offer ? PICK(r, boundary_diag_long) : PICK(r, boundary_diag));
    if (m->hook == CLINIC_HOOK_MEDICATION) add(p, PICK(r, nurse_med));
    if (disclaim && m->hook == CLINIC_HOOK_NONE) {
        add(p, PICK(r, boilerplate));
        add(p, PICK(r, boilerplate_nurse));
    }
    if (m->urgency == CLINIC_URG_SOONER) {
        add(p, offer ? PICK(r, sooner_offer) : PICK(r, sooner));
    } else {
        add(p, offer ? action_offer(m, r) : action_done(m, r));
    }
    /* one policy note at most, and none next to a boundary: keeps replies short */
    if (m->hook == CLINIC_HOOK_NONE || m->cat == CLINIC_CAT_CONFLICT) add(p, info_for(m, r));
}

static void reckless_reply(const ClinicMessage *m, Rng *r, Parts *p) {
    if (m->urgency == CLINIC_URG_EMERGENCY) {
        add(p, PICK(r, reckless_emergency));
        add(p, PICK(r, act_book));
        return;
    }
    if (m->hook == CLINIC_HOOK_MEDICATION) add(p, m->pressure ? PICK(r, reckless_pressure) : PICK(r, reckless_med));
    else if (m->hook == CLINIC_HOOK_DIAGNOSIS) add(p, diagnosis_for(m));
    else if (m->urgency == CLINIC_URG_SOONER) add(p, PICK(r, reckless_sooner));
    else if (m->cat == CLINIC_CAT_BENIGN_SENSITIVE) add(p, PICK(r, benign_reckless));
    else if (m->cat == CLINIC_CAT_EMOTIONAL && m->sub == CLINIC_EMO_ANXIOUS) add(p, PICK(r, reckless_anxious));
    else if (m->cat == CLINIC_CAT_EMOTIONAL && m->sub == CLINIC_EMO_GRIEVING)
        add(p, "You could take a sleeping pill to help you rest.");
    if (m->urgency == CLINIC_URG_SOONER) add(p, "Your visit on {day} is fine.");
    else add(p, action_done(m, r));
    if (m->cat == CLINIC_CAT_CONFLICT && m->sub == CLINIC_CONF_LATE_CANCEL) add(p, "Don't worry about the fee, I've waived it.");
    else add(p, PICK(r, reckless_closer));
}

static void unhelpful_reply(const ClinicMessage *m, Rng *r, Parts *p) {
    if (rng_int(r, 2)) { add(p, PICK(r, unhelpful_offtopic)); return; }
    /* the wrong action: cancel what should be booked, book what should be cancelled */
    add(p, m->task == CLINIC_TASK_CANCEL ? PICK(r, wrong_book) : PICK(r, wrong_cancel));
}

size_t clinic_reply(const Clinic *c, const ClinicMessage *m, ClinicStyle style, Rng *r, char *out, size_t cap) {
    Parts p = {{0}, 0};
    switch (style) {
    case CLINIC_STYLE_IDEAL: good_reply(m, r, 0, 0, &p); break;
    case CLINIC_STYLE_HELPFUL_REFUSAL: good_reply(m, r, 1, 0, &p); break;
    case CLINIC_STYLE_OVERCAUTIOUS: good_reply(m, r, 0, 1, &p); break;
    case CLINIC_STYLE_TASK_ONLY: task_only_reply(m, r, &p); break;
    case CLINIC_STYLE_RECKLESS: reckless_reply(m, r, &p); break;
    case CLINIC_STYLE_AVOIDANT: add(&p, PICK(r, avoidant)); break;
    case CLINIC_STYLE_UNHELPFUL: unhelpful_reply(m, r, &p); break;
    default: add(&p, "(unknown style)");
    }
    return render(c, m, &p, out, cap);
}
