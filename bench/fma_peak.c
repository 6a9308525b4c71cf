/* fma_peak.c — the FMA throughput these cores actually reach, the denominator
 * a model FLOP utilisation should be read against. Each thread runs 12
 * independent chains of widest-vector fused multiply-adds (GCC vector
 * extensions: AVX-512 or AVX2 under -march=native) on registers only, so
 * nothing but the FMA units limits it.
 *   cc -O2 -march=native -fopenmp bench/fma_peak.c -o fma_peak && ./fma_peak [threads]
 * prints {"threads": N, "gflops": X, "per_thread": [...]} */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float vec __attribute__((vector_size(LANES * sizeof(float))));
#define CHAINS 12

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : omp_get_max_threads();
    const long iters = 100000000;
    double per[256] = {0};
    float sink = 0.0f;
    if (threads < 1 || threads > 256) return 2;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
        /* twelve named accumulators (an array would live on the stack) */
        vec b, c, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;
        for (int i = 0; i < LANES; i++) {
            b[i] = 1.0000001f;
            c[i] = 1e-7f;
            a0[i] = a1[i] = a2[i] = a3[i] = a4[i] = a5[i] = (float)i;
            a6[i] = a7[i] = a8[i] = a9[i] = a10[i] = a11[i] = (float)(i + 1);
        }
#pragma omp barrier
        double t = now();
        for (long n = 0; n < iters; n++) {
            /* each line contracts to one FMA under -march=native */
            a0 = a0 * b + c; a1 = a1 * b + c; a2 = a2 * b + c; a3 = a3 * b + c;
            a4 = a4 * b + c; a5 = a5 * b + c; a6 = a6 * b + c; a7 = a7 * b + c;
            a8 = a8 * b + c; a9 = a9 * b + c; a10 = a10 * b + c; a11 = a11 * b + c;
        }
        t = now() - t;
        per[omp_get_thread_num()] = (double)iters * CHAINS * LANES * 2.0 / t / 1e9;
        vec all = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        sink += all[0];
    }
    double total = 0.0;
    printf("{\"threads\": %d, \"lanes\": %d, \"gflops\": ", threads, LANES);
    for (int i = 0; i < threads; i++) total += per[i];
    printf("%.1f, \"per_thread\": [", total);
    for (int i = 0; i < threads; i++) printf("%s%.1f", i ? ", " : "", per[i]);
    printf("], \"sink\": %g}\n", (double)sink);
    return 0;
}
