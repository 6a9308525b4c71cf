/* bench_crypto.h — the few primitives the comparison bench needs for accounts
 * and sessions, written here because the project has no OpenSSL dependency:
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), PBKDF2-HMAC-SHA256 (RFC 8018),
 * OS randomness, hex, constant-time comparison and a password-hash string. */
#ifndef RLHF_BENCH_CRYPTO_H
#define RLHF_BENCH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "util/common.h"

typedef struct Sha256 {
    uint32_t h[8];
    uint64_t nbytes;        /* total bytes absorbed */
    uint8_t buf[64];        /* partial block */
    size_t nbuf;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, uint8_t out[32]);
void sha256(const void *data, size_t n, uint8_t out[32]);

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32]);

/* Derives dklen bytes into out. iterations >= 1. */
void pbkdf2_hmac_sha256(const void *pw, size_t pwlen, const void *salt, size_t slen,
                        uint32_t iterations, uint8_t *out, size_t dklen);

/* Fills buf with n bytes from the kernel CSPRNG (getrandom). 0 ok, -1 on failure. */
int bench_random_bytes(void *buf, size_t n, RlhfErr *e);

/* Lower-case hex of n bytes into out (2n+1 chars including NUL). */
void bench_hex(const uint8_t *in, size_t n, char *out);

/* 1 when equal; time depends only on n, not on where the bytes differ. */
int bench_ct_equal(const void *a, const void *b, size_t n);

/* Password hash string "pbkdf2-sha256$ITER$SALT_HEX$HASH_HEX" (fresh 16-byte salt).
 * out must hold BENCH_PWHASH_MAX bytes. */
#define BENCH_PWHASH_MAX 160
#define BENCH_PBKDF2_ITER 120000
int bench_password_hash(const char *password, uint32_t iterations, char *out, RlhfErr *e);
/* 1 when password matches stored, 0 when not or when stored is malformed. */
int bench_password_verify(const char *password, const char *stored);

/* A random 32-byte token as 64 hex chars (+NUL) and its SHA-256 hex (what the DB keeps). */
int bench_new_token(char token_hex[65], RlhfErr *e);
void bench_token_hash(const char *token, char hash_hex[65]);

#endif
