/*
 * lingrad-fp-peak: vector FMA and add throughput of this core, 256- and 512-bit,
 * in operations per nanosecond. Twelve independent chains keep latency out of
 * the way, so the result is the issue rate. It sets the compute roof of the
 * fused kernel: three FMA-pipe operations (w*x+b, r*x, r*r) per vector of data.
 *
 * Built with -mavx2 -mfma -mavx512f on this file only (x86-64); the 512-bit part
 * runs only where the dispatcher says AVX-512 is usable.
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#include "kernels.h"
#include "timing.h"

enum { CHAINS = 12 };
static const long ITERS = 50000000;

static double fma256(void)
{
    __m256 a[CHAINS];
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm256_set1_ps(1.0f + (float)i * 1e-3f);
    __m256 m = _mm256_set1_ps(0.9999f), c = _mm256_set1_ps(1e-6f);
    double t0 = lg_bench_now();
    for (long k = 0; k < ITERS; k++) {
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++)
            a[i] = _mm256_fmadd_ps(a[i], m, c);
        __asm__("" : "+x"(m)); /* keep the loop from being folded away */
    }
    double t = lg_bench_now() - t0;
    float s = 0, o[8];
    for (int i = 0; i < CHAINS; i++)
        _mm256_storeu_ps(o, a[i]), s += o[0];
    return s > 0 ? CHAINS * (double)ITERS / t / 1e9 : 0;
}

static double fma512(void)
{
    __m512 a[CHAINS];
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm512_set1_ps(1.0f + (float)i * 1e-3f);
    __m512 m = _mm512_set1_ps(0.9999f), c = _mm512_set1_ps(1e-6f);
    double t0 = lg_bench_now();
    for (long k = 0; k < ITERS; k++) {
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++)
            a[i] = _mm512_fmadd_ps(a[i], m, c);
        __asm__("" : "+v"(m));
    }
    double t = lg_bench_now() - t0;
    float s = 0;
    for (int i = 0; i < CHAINS; i++)
        s += _mm512_reduce_add_ps(a[i]);
    return s > 0 ? CHAINS * (double)ITERS / t / 1e9 : 0;
}

int main(void)
{
    lg_cpu_features f = lg_cpu_detect();
    if (!(f.avx2 && f.fma && f.os_ymm)) {
        puts("lingrad-fp-peak: no AVX2+FMA here");
        return 0;
    }
    double f256 = fma256();
    printf("256-bit FMA: %.2f per ns = %.1f f32 lanes per ns\n", f256, 8 * f256);
    if (f.avx512f && f.os_zmm) {
        double f512 = fma512();
        printf("512-bit FMA: %.2f per ns = %.1f f32 lanes per ns\n", f512, 16 * f512);
        printf("fused f32 roof (3 FMA-pipe ops per vector): %.1f G elements/s\n",
               (16 * f512 > 8 * f256 ? 16 * f512 : 8 * f256) / 3);
    } else {
        printf("fused f32 roof (3 FMA-pipe ops per vector): %.1f G elements/s\n", 8 * f256 / 3);
    }
    return 0;
}
