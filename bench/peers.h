/*
 * The compiler as a peer: the fused MSE loop, axpb and dot written as plain C
 * loops with `#pragma omp simd` reductions, so lingrad-bench can set what -O3
 * -ffast-math makes of them beside the hand-written tables. Benchmark code only:
 * nothing here is reachable from the library's dispatcher.
 *
 * bench/peers.c is compiled once per (compiler, ISA), each copy with its own
 * flags and LG_PEER naming its table lg_peer_<LG_PEER>; the list of copies that
 * this build holds is generated into peer_tables.h (CMakeLists.txt).
 */
#ifndef LG_BENCH_PEERS_H
#define LG_BENCH_PEERS_H

#include <stddef.h>

#include "kernels.h"

/* Two accumulator variants per reduction: f32 sums (what a -ffast-math user
 * gets from `float s = 0`) and f64 sums (the accurate way to write the loop).
 * axpb writes and sums nothing, so it has one. */
typedef struct lg_peer {
    const char *name; /* "gcc_avx2", ...: compiler and ISA flags */
    unsigned needs;   /* LG_NEEDS_* bits, from the ISA macros the flags define */
    lg_mse_sums (*mse_acc32)(const float *x, const float *y, size_t n, float w, float b);
    lg_mse_sums (*mse_acc64)(const float *x, const float *y, size_t n, float w, float b);
    void (*axpb)(const float *x, size_t n, float a, float b, float *out);
    double (*dot_acc32)(const float *p, const float *q, size_t n);
    double (*dot_acc64)(const float *p, const float *q, size_t n);
} lg_peer;

#endif
