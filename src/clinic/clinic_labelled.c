/* clinic_labelled.c — precision/recall of the classifier on a labelled set. */
#include "clinic/clinic_labelled.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

int clinic_labelled_eval(ClinicClassifier *k, const char *path, ClinicLabelEval *ev, FILE *errors, RlhfErr *e) {
    memset(ev, 0, sizeof *ev);
    char *text;
    size_t len;
    if (rlhf_read_file(path, &text, &len, e)) return -1;
    int lineno = 0, rc = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (!line[0]) continue;
        JsonDoc *doc = json_parse(line, strlen(line), e);
        if (!doc) { rc = rlhf_err_wrap(e, "%s:%d", path, lineno); break; }
        JsonValue *root = json_root(doc);
        const char *reply = json_get_str(root, "reply");
        JsonValue *labels = json_get(root, "labels");
        if (!reply || !labels || labels->type != JSON_ARRAY) {
            json_doc_free(doc);
            rc = rlhf_err(e, "%s:%d: field 'reply' (string) and 'labels' (array) are required", path, lineno);
            break;
        }
        int want = 0;
        for (size_t i = 0; i < labels->len; i++) {
            int b = labels->items[i]->type == JSON_STRING ? clinic_label_from_name(labels->items[i]->str) : 0;
            if (!b) {
                json_doc_free(doc);
                free(text);
                return rlhf_err(e, "%s:%d: field 'labels': unknown label at index %zu", path, lineno, i);
            }
            want |= b;
        }
        int got = clinic_classify(k, reply);
        ev->n++;
        for (int l = 0; l < CLINIC_NLABEL; l++) {
            int w = want >> l & 1, g = got >> l & 1;
            ev->pos[l] += w;
            ev->tp[l] += w && g;
            ev->fp[l] += !w && g;
            ev->fn[l] += w && !g;
            if (errors && w != g)
                fprintf(errors, "%s:%d: %s %s: %s\n", path, lineno, clinic_label_name(l),
                        g ? "false positive" : "missed", reply);
        }
        json_doc_free(doc);
    }
    free(text);
    return rc;
}

double clinic_eval_precision(const ClinicLabelEval *ev, int l) {
    int d = ev->tp[l] + ev->fp[l];
    return d ? (double)ev->tp[l] / d : 1.0;
}
double clinic_eval_recall(const ClinicLabelEval *ev, int l) {
    int d = ev->tp[l] + ev->fn[l];
    return d ? (double)ev->tp[l] / d : 1.0;
}

void clinic_eval_print(const ClinicLabelEval *ev, FILE *out) {
    fprintf(out, "| label | positives | precision | recall |\n|---|---:|---:|---:|\n");
    for (int l = 0; l < CLINIC_NLABEL; l++)
        fprintf(out, "| %s | %d | %.3f | %.3f |\n", clinic_label_name(l), ev->pos[l], clinic_eval_precision(ev, l),
                clinic_eval_recall(ev, l));
    fprintf(out, "(%d replies)\n", ev->n);
}
