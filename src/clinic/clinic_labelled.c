/* clinic_labelled.c — precision/recall of the classifier on a labelled set. */
#include "clinic/clinic_labelled.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

typedef struct { ClinicClassifier *k; ClinicLabelEval *ev; FILE *errors; } LabelledCtx;

int clinic_labelled_row(JsonValue *root, const char *path, int lineno, const char **reply, int *labels, RlhfErr *e) {
    *reply = json_get_str(root, "reply");
    JsonValue *arr = json_get(root, "labels");
    if (!*reply || !arr || arr->type != JSON_ARRAY)
        return rlhf_err(e, "%s:%d: field 'reply' (string) and 'labels' (array) are required", path, lineno);
    int want = 0;
    for (size_t i = 0; i < arr->len; i++) {
        int b = arr->items[i]->type == JSON_STRING ? clinic_label_from_name(arr->items[i]->str) : 0;
        if (!b) return rlhf_err(e, "%s:%d: field 'labels': unknown label at index %zu", path, lineno, i);
        want |= b;
    }
    *labels = want;
    return 0;
}

static int labelled_line(void *ctx, JsonValue *root, const char *path, int lineno, RlhfErr *e) {
    LabelledCtx *c = ctx;
    const char *reply;
    int want;
    if (clinic_labelled_row(root, path, lineno, &reply, &want, e)) return -1;
    double weight = 1;
    JsonValue *wv = json_get(root, "weight");
    if (wv && (wv->type != JSON_NUMBER || !(wv->number > 0) || !isfinite(wv->number)))
        return rlhf_err(e, "%s:%d: field 'weight': need a positive number", path, lineno);
    if (wv) weight = wv->number;
    int got = clinic_classify(c->k, reply);
    ClinicLabelEval *ev = c->ev;
    ev->n++;
    ev->weighted |= weight != 1;
    for (int l = 0; l < CLINIC_NLABEL; l++) {
        int w = want >> l & 1, g = got >> l & 1;
        ev->pos[l] += w;
        ev->tp[l] += w && g;
        ev->fp[l] += !w && g;
        ev->fn[l] += w && !g;
        ev->wtp[l] += w && g ? weight : 0;
        ev->wfp[l] += !w && g ? weight : 0;
        ev->wfn[l] += w && !g ? weight : 0;
        if (c->errors && w != g)
            fprintf(c->errors, "%s:%d: %s %s: %s\n", path, lineno, clinic_label_name(l), g ? "false positive" : "missed",
                    reply);
    }
    return 0;
}

int clinic_labelled_eval(ClinicClassifier *k, const char *path, ClinicLabelEval *ev, FILE *errors, RlhfErr *e) {
    memset(ev, 0, sizeof *ev);
    LabelledCtx c = {k, ev, errors};
    return jsonl_for_each(path, labelled_line, &c, e);
}

double clinic_eval_precision(const ClinicLabelEval *ev, int l) {
    double d = ev->wtp[l] + ev->wfp[l];
    return d > 0 ? ev->wtp[l] / d : 1.0;
}
double clinic_eval_recall(const ClinicLabelEval *ev, int l) {
    double d = ev->wtp[l] + ev->wfn[l];
    return d > 0 ? ev->wtp[l] / d : 1.0;
}

static void weight_note(const ClinicLabelEval *ev, FILE *out) {
    if (ev->weighted)
        fprintf(out, "(precision and recall weighted by each row's \"weight\": estimates for the pool the rows were "
                     "sampled from; the counts are rows)\n");
}

void clinic_eval_print(const ClinicLabelEval *ev, FILE *out) {
    fprintf(out, "| label | positives | precision | recall |\n|---|---:|---:|---:|\n");
    for (int l = 0; l < CLINIC_NLABEL; l++)
        fprintf(out, "| %s | %d | %.3f | %.3f |\n", clinic_label_name(l), ev->pos[l], clinic_eval_precision(ev, l),
                clinic_eval_recall(ev, l));
    fprintf(out, "(%d replies)\n", ev->n);
    weight_note(ev, out);
}

void clinic_eval_print_pair(const ClinicLabelEval *a, const char *name_a, const ClinicLabelEval *b, const char *name_b,
                            FILE *out) {
    fprintf(out, "| label | pos | %s P (tp/pred) | %s R (tp/pos) | %s P (tp/pred) | %s R (tp/pos) |\n"
                 "|---|---:|---:|---:|---:|---:|\n", name_a, name_a, name_b, name_b);
    for (int l = 0; l < CLINIC_NLABEL; l++) {
        fprintf(out, "| %s | %d", clinic_label_name(l), a->pos[l]);
        for (const ClinicLabelEval *ev = a; ev; ev = ev == a ? b : NULL)
            fprintf(out, " | %.3f (%d/%d) | %.3f (%d/%d)", clinic_eval_precision(ev, l), ev->tp[l], ev->tp[l] + ev->fp[l],
                    clinic_eval_recall(ev, l), ev->tp[l], ev->pos[l]);
        fprintf(out, " |\n");
    }
    fprintf(out, "(%d replies)\n", a->n);
    weight_note(a, out);
}
