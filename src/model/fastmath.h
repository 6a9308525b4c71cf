/* fastmath.h — exp and tanh written as plain arithmetic, so loops over them
 * vectorise (glibc's vector expf needs -ffast-math). Shared by the training
 * layers and the KV-cache inference path, so both compute the same GELU. */
#ifndef RLHF_FASTMATH_H
#define RLHF_FASTMATH_H

#include <stdint.h>

/* exp(x) = 2^n · e^r, n = round(x·log2 e), |r| ≤ ln2/2, Cephes' degree-6
 * polynomial (~1 ulp). Clamped to [-87, 88]: exp(-87) ≈ 1.6e-38 stands in for
 * anything smaller. */
static inline float fast_expf(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    /* round to nearest by adding 1.5·2^23 (floorf would not vectorise under trapping math) */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    union { int32_t i; float f; } s = {.i = ((int32_t)n + 127) << 23}; /* 2^n */
    return p * s.f;
}

/* tanh(a) = 1 − 2/(e^{2a} + 1): exact limits ±1, vectorisable. */
static inline float fast_tanhf(float a) { return 1.0f - 2.0f / (fast_expf(2.0f * a) + 1.0f); }

#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */

/* GELU with the tanh approximation (GPT-2's). */
static inline float gelu_tanh(float x) { return 0.5f * x * (1.0f + fast_tanhf(GELU_K * (x + 0.044715f * x * x * x))); }

#endif
