/* bench_crypto.c — SHA-256, HMAC, PBKDF2 and password hashing; see bench_crypto.h. */
#include "bench/bench_crypto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const uint8_t p[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void sha256_init(Sha256 *s) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->nbytes = 0;
    s->nbuf = 0;
}

void sha256_update(Sha256 *s, const void *data, size_t n) {
    const uint8_t *p = data;
    s->nbytes += n;
    if (s->nbuf) {
        size_t take = RLHF_MIN(n, 64 - s->nbuf);
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take; p += take; n -= take;
        if (s->nbuf < 64) return;
        compress(s->h, s->buf);
        s->nbuf = 0;
    }
    for (; n >= 64; p += 64, n -= 64) compress(s->h, p);
    memcpy(s->buf, p, n);
    s->nbuf = n;
}

void sha256_final(Sha256 *s, uint8_t out[32]) {
    uint64_t bits = s->nbytes * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
    for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24); out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8); out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

void sha256(const void *data, size_t n, uint8_t out[32]) {
    Sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final(&s, out);
}

/* Inner/outer states after absorbing the padded key, so PBKDF2's many HMACs
 * with one key cost two compressions each instead of four. */
typedef struct { Sha256 inner, outer; } HmacKey;

static void hmac_key(HmacKey *k, const void *key, size_t klen) {
    uint8_t kb[64] = {0}, ipad[64], opad[64];
    if (klen > 64) sha256(key, klen, kb);
    else memcpy(kb, key, klen);
    for (int i = 0; i < 64; i++) { ipad[i] = kb[i] ^ 0x36; opad[i] = kb[i] ^ 0x5c; }
    sha256_init(&k->inner); sha256_update(&k->inner, ipad, 64);
    sha256_init(&k->outer); sha256_update(&k->outer, opad, 64);
}

static void hmac_with(const HmacKey *k, const void *msg, size_t mlen, uint8_t out[32]) {
    Sha256 s = k->inner;
    uint8_t ih[32];
    sha256_update(&s, msg, mlen);
    sha256_final(&s, ih);
    s = k->outer;
    sha256_update(&s, ih, 32);
    sha256_final(&s, out);
}

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32]) {
    HmacKey k;
    hmac_key(&k, key, klen);
    hmac_with(&k, msg, mlen, out);
}

void pbkdf2_hmac_sha256(const void *pw, size_t pwlen, const void *salt, size_t slen,
                        uint32_t iterations, uint8_t *out, size_t dklen) {
    HmacKey k;
    hmac_key(&k, pw, pwlen);
    for (uint32_t block = 1; dklen > 0; block++) {
        uint8_t u[32], t[32], be[4] = {(uint8_t)(block >> 24), (uint8_t)(block >> 16),
                                       (uint8_t)(block >> 8), (uint8_t)block};
        Sha256 s = k.inner;           /* U1 = HMAC(pw, salt || INT(block)) */
        uint8_t ih[32];
        sha256_update(&s, salt, slen);
        sha256_update(&s, be, 4);
        sha256_final(&s, ih);
        s = k.outer;
        sha256_update(&s, ih, 32);
        sha256_final(&s, u);
        memcpy(t, u, 32);
        for (uint32_t i = 1; i < iterations; i++) {
            hmac_with(&k, u, 32, u);
            for (int j = 0; j < 32; j++) t[j] ^= u[j];
        }
        size_t take = RLHF_MIN(dklen, (size_t)32);
        memcpy(out, t, take);
        out += take; dklen -= take;
    }
}

int bench_random_bytes(void *buf, size_t n, RlhfErr *e) {
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return rlhf_err(e, "getrandom failed: %s", strerror(errno));
        }
        p += r; n -= (size_t)r;
    }
    return 0;
}

void bench_hex(const uint8_t *in, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) { out[2 * i] = d[in[i] >> 4]; out[2 * i + 1] = d[in[i] & 15]; }
    out[2 * n] = 0;
}

int bench_ct_equal(const void *a, const void *b, size_t n) {
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++) diff |= x[i] ^ y[i];
    return diff == 0;
}

static int unhex(const char *s, size_t n, uint8_t *out) {
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = s[2 * i + j];
            int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (x < 0) return -1;
            v = v * 16 + x;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

int bench_password_hash(const char *password, uint32_t iterations, char *out, RlhfErr *e) {
    uint8_t salt[16], dk[32];
    char salt_hex[33], dk_hex[65];
    if (iterations < 1) return rlhf_err(e, "password hash: iterations must be >= 1");
    if (bench_random_bytes(salt, sizeof salt, e)) return -1;
    pbkdf2_hmac_sha256(password, strlen(password), salt, sizeof salt, iterations, dk, sizeof dk);
    bench_hex(salt, sizeof salt, salt_hex);
    bench_hex(dk, sizeof dk, dk_hex);
    snprintf(out, BENCH_PWHASH_MAX, "pbkdf2-sha256$%u$%s$%s", iterations, salt_hex, dk_hex);
    return 0;
}

int bench_password_verify(const char *password, const char *stored) {
    const char *pre = "pbkdf2-sha256$";
    if (!stored || strncmp(stored, pre, strlen(pre))) return 0;
    const char *p = stored + strlen(pre);
    char *end;
    unsigned long iter = strtoul(p, &end, 10);
    if (end == p || *end != '$' || iter < 1 || iter > 10000000UL) return 0;
    const char *salt_hex = end + 1, *d = strchr(salt_hex, '$');
    if (!d) return 0;
    size_t slen2 = (size_t)(d - salt_hex);
    const char *hash_hex = d + 1;
    if (slen2 % 2 || slen2 > 128 || strlen(hash_hex) != 64) return 0;
    uint8_t salt[64], want[32], got[32];
    if (unhex(salt_hex, slen2 / 2, salt) || unhex(hash_hex, 32, want)) return 0;
    pbkdf2_hmac_sha256(password, strlen(password), salt, slen2 / 2, (uint32_t)iter, got, 32);
    return bench_ct_equal(got, want, 32);
}

int bench_new_token(char token_hex[65], RlhfErr *e) {
    uint8_t b[32];
    if (bench_random_bytes(b, sizeof b, e)) return -1;
    bench_hex(b, sizeof b, token_hex);
    return 0;
}

void bench_token_hash(const char *token, char hash_hex[65]) {
    uint8_t h[32];
    sha256(token, strlen(token), h);
    bench_hex(h, 32, hash_hex);
}
