/* rng.h — a small deterministic RNG (xoshiro256**, seeded by splitmix64).
 * The state is plain data so checkpoints can save and restore it exactly. */
#ifndef RLHF_RNG_H
#define RLHF_RNG_H

#include <stdint.h>

typedef struct Rng { uint64_t s[4]; } Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_u64(Rng *r);
uint32_t rng_u32(Rng *r);
float rng_float(Rng *r);          /* [0, 1) with 24 bits */
double rng_double(Rng *r);        /* [0, 1) with 53 bits */
int rng_int(Rng *r, int n);       /* uniform in [0, n), n > 0 */
double rng_normal(Rng *r);        /* standard normal (Box-Muller) */
void rng_shuffle_int(Rng *r, int *a, int n);

#endif
