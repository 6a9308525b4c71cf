/* split.c — see split.h. */
#include "data/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/transcript.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); } while (0)

static uint64_t load_le64(const unsigned char *p) {
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = (x << 8) | p[i];
    return x;
}

uint64_t split_siphash(const void *data, size_t len, uint64_t k0, uint64_t k1) {
    const unsigned char *in = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v3 ^= m;
        SIPROUND; SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++) b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND; SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The second key half is fixed ("rlhf.c!!") so a salt alone names a split. */
#define SPLIT_K1 0x726c68662e632121ULL

uint64_t split_key(const char *prompt, size_t len, uint64_t salt) {
    const char *t;
    size_t n;
    transcript_first_human(prompt, len, &t, &n);
    return split_siphash(t, n, salt, SPLIT_K1);
}

int split_of_key(uint64_t key, const double *fractions, int nparts) {
    double total = 0;
    for (int i = 0; i < nparts; i++) total += fractions[i];
    double u = (double)(key >> 11) * 0x1p-53 * total, acc = 0;
    for (int i = 0; i < nparts - 1; i++) {
        acc += fractions[i];
        if (u < acc) return i;
    }
    return nparts - 1;
}

int split_of(const char *prompt, uint64_t salt, const double *fractions, int nparts) {
    return split_of_key(split_key(prompt, strlen(prompt), salt), fractions, nparts);
}

int split_parse_fractions(const char *s, double *fractions, int max_parts, RlhfErr *e) {
    int n = 0;
    double sum = 0;
    const char *p = s;
    while (*p) {
        char *end;
        double f = strtod(p, &end);
        if (end == p || !(f > 0 && f < 1))
            return rlhf_err(e, "--frac '%s': each fraction must be a number in (0, 1)", s);
        if (n >= max_parts) return rlhf_err(e, "--frac '%s': at most %d parts", s, max_parts);
        fractions[n++] = f;
        sum += f;
        p = end;
        if (*p == ',') p++;
        else if (*p) return rlhf_err(e, "--frac '%s': expected numbers separated by commas", s);
    }
    if (n == 0) return rlhf_err(e, "--frac is empty");
    if (n == 1) { fractions[1] = 1 - fractions[0]; return 2; }
    if (fabs(sum - 1) > 1e-6) return rlhf_err(e, "--frac '%s': fractions sum to %g, not 1", s, sum);
    return n;
}

const char *split_part_name(int part, int nparts, char *buf, size_t n) {
    static const char *two[] = {"train", "test"}, *three[] = {"train", "val", "test"};
    if (nparts == 2 && part >= 0 && part < 2) snprintf(buf, n, "%s", two[part]);
    else if (nparts == 3 && part >= 0 && part < 3) snprintf(buf, n, "%s", three[part]);
    else snprintf(buf, n, "part%d", part);
    return buf;
}
