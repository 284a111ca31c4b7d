/*
 * The kernel interface: one function type per kernel, one table per ISA.
 *
 * Kernels run an inner loop over [0, n) and nothing else: no threads, no
 * allocation, no environment, no printing. Reductions return raw sums in double;
 * the framework applies 1/N and combines blocks. Every ISA fills the same struct,
 * so the compiler checks each table against these types. The scalar table is the
 * reference every other table is tested against.
 */
#ifndef LG_KERNELS_H
#define LG_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

/* The three sums of the fused MSE-linear kernel, with r_i = w*x_i + b - y_i. */
typedef struct lg_mse_sums {
    double r;  /* sum r_i */
    double rx; /* sum r_i * x_i */
    double rr; /* sum r_i^2 */
} lg_mse_sums;

/* float32 kernels */
typedef lg_mse_sums lg_mse_f32_fn(const float *x, const float *y, size_t n, float w, float b);
typedef void lg_axpb_f32_fn(const float *x, size_t n, float a, float b, float *out); /* out = a*x + b */
typedef void lg_binary_f32_fn(const float *p, const float *q, size_t n, float *out); /* out = p op q */
typedef void lg_square_f32_fn(const float *p, size_t n, float *out);                 /* out = p*p */
typedef void lg_axpy_f32_fn(const float *x, size_t n, float a, float *y);           /* y += a*x */
typedef void lg_mulacc_f32_fn(const float *p, const float *q, size_t n, float s,
                              float *acc);                                          /* acc += s*p*q */
typedef double lg_sum_f32_fn(const float *p, size_t n);                             /* sum p */
typedef double lg_dot_f32_fn(const float *p, const float *q, size_t n);             /* sum p*q */

/* float64 kernels: the same shapes */
typedef lg_mse_sums lg_mse_f64_fn(const double *x, const double *y, size_t n, double w, double b);
typedef void lg_axpb_f64_fn(const double *x, size_t n, double a, double b, double *out);
typedef void lg_binary_f64_fn(const double *p, const double *q, size_t n, double *out);
typedef void lg_square_f64_fn(const double *p, size_t n, double *out);
typedef void lg_axpy_f64_fn(const double *x, size_t n, double a, double *y);
typedef void lg_mulacc_f64_fn(const double *p, const double *q, size_t n, double s, double *acc);
typedef double lg_sum_f64_fn(const double *p, size_t n);
typedef double lg_dot_f64_fn(const double *p, const double *q, size_t n);

/*
 * The order in which a table's sum and dot add their terms, as data. Graph
 * mode's generated loops follow it to add a tile's terms in the loop that
 * computes them, and so get the entry's bits without storing the terms
 * (test_red_order checks every table's entries against its stated order).
 *
 * LG_ORDER_SERIAL: one double, term by term from the first (f32: p, or p*q
 *   exact in double; f64: p, or p*q rounded, then added).
 * LG_ORDER_LANES_MASKED and LG_ORDER_LANES_REST: the elements in blocks of
 *   `flush` (0: one block); in a block, groups of 4 * lanes elements, element j
 *   of a group added to lane j % lanes of accumulator j / lanes (a + p, or
 *   fma(p, q, a), in the dtype), then what is left in whole vectors of `lanes`
 *   into accumulator 0; the four then added lane by lane as (a0 + a1) + (a2 + a3).
 *   MASKED: a last partial vector too, its missing lanes adding +0 (a lane can
 *   be -0 only where flushing subnormals made it so); in f32 each
 *   block's lanes are widened to double in pairs (lane j plus lane j + lanes/2)
 *   and added into lanes/2 double sums; at the end those sums (f64: the lanes)
 *   are halved pairwise (j plus j + h, h = half, then a quarter, ...) to one.
 *   REST: each block's lanes are halved pairwise to one double (f32: widened at
 *   the first halving), then the elements left added one by one (f32: the float
 *   p*q, widened; f64: fma(p, q, s)), and the blocks' results added in order.
 * LG_ORDER_UNKNOWN (0, a table that states none): graph mode stores the terms
 *   and calls the entry.
 */
enum { LG_ORDER_UNKNOWN, LG_ORDER_SERIAL, LG_ORDER_LANES_MASKED, LG_ORDER_LANES_REST };

typedef struct lg_red_order {
    unsigned kind;  /* LG_ORDER_* */
    unsigned lanes; /* LANES_*: lanes per vector (a power of two) */
    unsigned flush; /* LANES_*: elements per block, a multiple of 4 * lanes; 0: one block */
} lg_red_order;

typedef struct lg_kernels_f32 {
    lg_mse_f32_fn *mse;
    lg_axpb_f32_fn *axpb;
    lg_binary_f32_fn *add, *sub, *mul;
    lg_square_f32_fn *square;
    lg_axpy_f32_fn *axpy;
    lg_mulacc_f32_fn *mulacc;
    lg_sum_f32_fn *sum;
    lg_dot_f32_fn *dot;
    lg_red_order order; /* how sum and dot add */
} lg_kernels_f32;

typedef struct lg_kernels_f64 {
    lg_mse_f64_fn *mse;
    lg_axpb_f64_fn *axpb;
    lg_binary_f64_fn *add, *sub, *mul;
    lg_square_f64_fn *square;
    lg_axpy_f64_fn *axpy;
    lg_mulacc_f64_fn *mulacc;
    lg_sum_f64_fn *sum;
    lg_dot_f64_fn *dot;
    lg_red_order order; /* how sum and dot add */
} lg_kernels_f64;

/* What a table needs from the CPU and its OS (lg_kernels.needs). The dispatcher
 * runs a table only on a CPU that offers every bit it names, so it never asks
 * which ISA a name means. A table that runs on any CPU of its architecture says
 * LG_NEEDS_BASELINE; a table that names no bit (a forgotten field) never runs,
 * and test_tables fails on it. */
enum {
    LG_NEEDS_BASELINE = 1u << 0, /* the architecture's baseline: every CPU offers it */
    LG_NEEDS_AVX2 = 1u << 1,
    LG_NEEDS_FMA = 1u << 2,
    LG_NEEDS_OS_YMM = 1u << 3, /* the OS saves YMM state (XGETBV) */
    LG_NEEDS_AVX512F = 1u << 4,
    LG_NEEDS_OS_ZMM = 1u << 5, /* the OS saves ZMM and mask-register state */
    LG_NEEDS_NEON = 1u << 6,
    LG_NEEDS_KNOWN = (1u << 7) - 1 /* every bit above */
};

typedef struct lg_kernels {
    const char *name; /* "scalar", "avx2", ...: the name CMakeLists.txt gives its file */
    unsigned needs;   /* LG_NEEDS_* bits */
    lg_kernels_f32 f32;
    lg_kernels_f64 f64;
} lg_kernels;

/* The reference every other table is tested against, and the one every CPU runs.
 * The others are reached through the dispatcher (lg_kernels_at, _find, _best). */
extern const lg_kernels lg_kernels_scalar;

/* What the CPU offers and what the OS has enabled (x86: CPUID and XGETBV). */
typedef struct lg_cpu_features {
    bool avx2, fma, avx512f; /* instructions the CPU reports */
    bool os_ymm, os_zmm;     /* register state the OS saves */
    bool neon;
} lg_cpu_features;

lg_cpu_features lg_cpu_detect(void);

/* dispatch.c: the tables compiled into this build, in CMakeLists.txt's order of
 * preference (best last), and whether this CPU (and its OS) can run each. */
size_t lg_kernels_count(void);
const lg_kernels *lg_kernels_at(size_t i);
bool lg_kernels_runnable(const lg_kernels *k);
const lg_kernels *lg_kernels_find(const char *name);
const lg_kernels *lg_kernels_best(void);

#endif /* LG_KERNELS_H */
