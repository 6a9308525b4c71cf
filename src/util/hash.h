/* hash.h — hashes for hash tables (the tokenizer's, the bag-of-words
 * buckets): FNV-1a over bytes, finished by a 64-bit mixer (MurmurHash3's
 * fmix64) so the low bits that pick a slot depend on every input bit. Not for
 * splits: those use keyed SipHash (data/split.h) so a salt changes them. */
#ifndef RLHF_HASH_H
#define RLHF_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return mix64(h);
}

#endif
