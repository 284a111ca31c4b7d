/*
 * The peer kernels (bench/peers.h): plain loops for the compiler to vectorise.
 * Built with -O3 -ffast-math -fopenmp-simd and one ISA's flags; LG_PEER names
 * the copy. Written the way a user would, with no manual unrolling: the point
 * is to measure what the compiler makes of the obvious code.
 */
#include "peers.h"

#ifndef LG_PEER
#error "LG_PEER must name this copy (CMakeLists.txt passes -DLG_PEER=<compiler>_<isa>)"
#endif

#define LG_CAT2(a, b) a##b
#define LG_CAT(a, b) LG_CAT2(a, b)
#define LG_STR2(a) #a
#define LG_STR(a) LG_STR2(a)
#define PEER(name) LG_CAT(LG_CAT(lg_peer_, LG_PEER), LG_CAT(_, name))

/* What the flags enabled, so the bench never calls a copy on a CPU without
 * its ISA (lg_kernels_runnable decides on these bits). */
#if defined(__AVX512F__)
#define PEER_NEEDS (LG_NEEDS_AVX512F | LG_NEEDS_FMA | LG_NEEDS_OS_ZMM)
#elif defined(__AVX2__)
#define PEER_NEEDS (LG_NEEDS_AVX2 | LG_NEEDS_FMA | LG_NEEDS_OS_YMM)
#else
#define PEER_NEEDS LG_NEEDS_BASELINE
#endif

static lg_mse_sums mse_acc32(const float *x, const float *y, size_t n, float w, float b)
{
    float sr = 0.0f, srx = 0.0f, srr = 0.0f;
#pragma omp simd reduction(+ : sr, srx, srr)
    for (size_t i = 0; i < n; i++) {
        float r = w * x[i] + b - y[i];
        sr += r;
        srx += r * x[i];
        srr += r * r;
    }
    return (lg_mse_sums){sr, srx, srr};
}

static lg_mse_sums mse_acc64(const float *x, const float *y, size_t n, float w, float b)
{
    double sr = 0.0, srx = 0.0, srr = 0.0;
#pragma omp simd reduction(+ : sr, srx, srr)
    for (size_t i = 0; i < n; i++) {
        float r = w * x[i] + b - y[i];
        sr += r;
        srx += (double)r * x[i];
        srr += (double)r * r;
    }
    return (lg_mse_sums){sr, srx, srr};
}

static void axpb(const float *x, size_t n, float a, float b, float *out)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        out[i] = a * x[i] + b;
}

static double dot_acc32(const float *p, const float *q, size_t n)
{
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++)
        s += p[i] * q[i];
    return s;
}

static double dot_acc64(const float *p, const float *q, size_t n)
{
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++)
        s += (double)p[i] * q[i];
    return s;
}

const lg_peer PEER(table) = {LG_STR(LG_PEER), PEER_NEEDS, mse_acc32, mse_acc64,
                             axpb,            dot_acc32,  dot_acc64};
