/* clinic_learned.c — scoring with the learned layer (see the header). */
#include "clinic/clinic_learned.h"

#include <math.h>

double clinic_learned_score(const ClinicLearnedHead *h, const uint32_t *feat, int n) {
    /* both lists ascending: one merge pass, the sum exact in integers */
    int64_t sum = 0;
    int i = 0, j = 0;
    while (i < n && j < h->n) {
        if (feat[i] < h->feat[j]) i++;
        else if (feat[i] > h->feat[j]) j++;
        else sum += h->w[j], i++, j++;
    }
    return (double)h->bias + (n > 0 ? (double)sum / sqrt((double)n) : 0.0);
}

int clinic_learned_labels(const ClinicLearnedModel *m, const char *reply) {
    if (!m || !m->labels) return 0;
    uint32_t feat[CLINIC_FEAT_MAX];
    int n = clinic_features(reply, m->kinds, feat, CLINIC_FEAT_MAX), L = 0;
    for (int l = 0; l < CLINIC_NLABEL; l++)
        if ((m->labels >> l & 1) && clinic_learned_score(&m->head[l], feat, n) >= m->head[l].threshold) L |= 1 << l;
    return L;
}

double clinic_learned_prob(double s) { return 1.0 / (1.0 + exp(-s / CLINIC_LEARNED_SCALE)); }

static uint64_t mix(uint64_t h, uint64_t v) {
    for (int b = 0; b < 8; b++) {
        h ^= (v >> (8 * b)) & 0xff;
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t clinic_learned_checksum(const ClinicLearnedModel *m) {
    uint64_t h = mix(mix(14695981039346656037ULL, m->kinds), (uint64_t)m->labels);
    for (int l = 0; l < CLINIC_NLABEL; l++) {
        const ClinicLearnedHead *d = &m->head[l];
        h = mix(mix(mix(h, (uint64_t)d->n), (uint64_t)(uint32_t)d->bias), (uint64_t)(uint32_t)d->threshold);
        for (int i = 0; i < d->n; i++) h = mix(mix(h, d->feat[i]), (uint64_t)(uint32_t)d->w[i]);
    }
    return h;
}
