/*
 * The AVX2+FMA kernel table. Built with -mavx2 -mfma on this file only; the
 * dispatcher calls it only after CPUID and XGETBV say the CPU and OS support it.
 *
 * Same plan as the AVX-512 table: four accumulators per sum, float32 lane sums
 * flushed into double every LG_F32_FLUSH elements, masked loads for tails (masked
 * lanes read as 0 and never fault), and elementwise entries that round exactly
 * as the scalar table does.
 */
#include <immintrin.h>
#include <stdint.h>

#include "kernels.h"
#include "simd_common.h"

/* Elements per float32 flush block (see LG_F32_LANE_TERMS). */
#define LG_F32_FLUSH ((size_t)8 * 4 * LG_F32_LANE_TERMS)

/* ---- helpers ---------------------------------------------------------------- */

/* Loading 8 (or 4) entries at mask32 + 8 - rem gives `rem` lanes of all-ones. */
static const int32_t mask32[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static const int64_t mask64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

static inline __m256i tail_ps(size_t rem) { return _mm256_loadu_si256((const __m256i *)(mask32 + 8 - rem)); }
static inline __m256i tail_pd(size_t rem) { return _mm256_loadu_si256((const __m256i *)(mask64 + 4 - rem)); }

/* 8 float lanes -> 4 double lanes: lo4 + hi4, each widened exactly. */
static inline __m256d widen(__m256 v)
{
    return _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)),
                         _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

static inline double hsum_pd(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* ---- fused MSE, f32 ----------------------------------------------------------- */

typedef struct acc3_ps { __m256 r, rx, rr; } acc3_ps;

static inline void mse_step_ps(acc3_ps *a, __m256 x, __m256 y, __m256 w, __m256 b)
{
    __asm__("" : "+x"(x)); /* keep x in a register: folding its load into two FMAs costs a third load */
    __m256 r = _mm256_sub_ps(_mm256_fmadd_ps(w, x, b), y); /* r = w*x + b - y */
    a->r = _mm256_add_ps(a->r, r);                          /* acc += r */
    a->rx = _mm256_fmadd_ps(r, x, a->rx);                    /* acc += r*x */
    a->rr = _mm256_fmadd_ps(r, r, a->rr);                    /* acc += r*r */
}

/* The last 1..7 elements: masked lanes have r forced to 0 (x = y = 0 gives r = b). */
static inline void mse_tail_ps(acc3_ps *a, const float *x, const float *y, size_t rem, __m256 w, __m256 b)
{
    __m256i m = tail_ps(rem);
    __m256 vx = _mm256_maskload_ps(x, m);
    __m256 r = _mm256_sub_ps(_mm256_fmadd_ps(w, vx, b), _mm256_maskload_ps(y, m));
    r = _mm256_and_ps(r, _mm256_castsi256_ps(m));
    a->r = _mm256_add_ps(a->r, r);
    a->rx = _mm256_fmadd_ps(r, vx, a->rx);
    a->rr = _mm256_fmadd_ps(r, r, a->rr);
}

static void mse_block_ps(const float *x, const float *y, size_t n, __m256 w, __m256 b, __m256d out[3])
{
    acc3_ps a0 = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    acc3_ps a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        mse_step_ps(&a0, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), w, b);
        mse_step_ps(&a1, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), w, b);
        mse_step_ps(&a2, _mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), w, b);
        mse_step_ps(&a3, _mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), w, b);
    }
    for (; i + 8 <= n; i += 8)
        mse_step_ps(&a0, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), w, b);
    if (i < n)
        mse_tail_ps(&a1, x + i, y + i, n - i, w, b);
    out[0] = _mm256_add_pd(out[0], widen(_mm256_add_ps(_mm256_add_ps(a0.r, a1.r), _mm256_add_ps(a2.r, a3.r))));
    out[1] = _mm256_add_pd(out[1], widen(_mm256_add_ps(_mm256_add_ps(a0.rx, a1.rx), _mm256_add_ps(a2.rx, a3.rx))));
    out[2] = _mm256_add_pd(out[2], widen(_mm256_add_ps(_mm256_add_ps(a0.rr, a1.rr), _mm256_add_ps(a2.rr, a3.rr))));
}

static lg_mse_sums mse_f32(const float *x, const float *y, size_t n, float w, float b)
{
    __m256d s[3] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    const __m256 vw = _mm256_set1_ps(w), vb = _mm256_set1_ps(b);
    for (size_t i = 0; i < n; i += LG_F32_FLUSH)
        mse_block_ps(x + i, y + i, lg_min_size(n - i, LG_F32_FLUSH), vw, vb, s);
    return (lg_mse_sums){hsum_pd(s[0]), hsum_pd(s[1]), hsum_pd(s[2])};
}

/* ---- fused MSE, f64 ----------------------------------------------------------- */

typedef struct acc3_pd { __m256d r, rx, rr; } acc3_pd;

static inline void mse_step_pd(acc3_pd *a, __m256d x, __m256d y, __m256d w, __m256d b)
{
    __asm__("" : "+x"(x)); /* keep x in a register (see mse_step_ps) */
    __m256d r = _mm256_sub_pd(_mm256_fmadd_pd(w, x, b), y); /* r = w*x + b - y */
    a->r = _mm256_add_pd(a->r, r);                          /* acc += r */
    a->rx = _mm256_fmadd_pd(r, x, a->rx);                    /* acc += r*x */
    a->rr = _mm256_fmadd_pd(r, r, a->rr);                    /* acc += r*r */
}

static lg_mse_sums mse_f64(const double *x, const double *y, size_t n, double w, double b)
{
    const __m256d vw = _mm256_set1_pd(w), vb = _mm256_set1_pd(b);
    acc3_pd a0 = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    acc3_pd a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        mse_step_pd(&a0, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), vw, vb);
        mse_step_pd(&a1, _mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4), vw, vb);
        mse_step_pd(&a2, _mm256_loadu_pd(x + i + 8), _mm256_loadu_pd(y + i + 8), vw, vb);
        mse_step_pd(&a3, _mm256_loadu_pd(x + i + 12), _mm256_loadu_pd(y + i + 12), vw, vb);
    }
    for (; i + 4 <= n; i += 4)
        mse_step_pd(&a0, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), vw, vb);
    if (i < n) {
        __m256i m = tail_pd(n - i);
        __m256d vx = _mm256_maskload_pd(x + i, m);
        __m256d r = _mm256_sub_pd(_mm256_fmadd_pd(vw, vx, vb), _mm256_maskload_pd(y + i, m));
        r = _mm256_and_pd(r, _mm256_castsi256_pd(m)); /* masked lanes: r = 0 */
        a1.r = _mm256_add_pd(a1.r, r);
        a1.rx = _mm256_fmadd_pd(r, vx, a1.rx);
        a1.rr = _mm256_fmadd_pd(r, r, a1.rr);
    }
    return (lg_mse_sums){
        hsum_pd(_mm256_add_pd(_mm256_add_pd(a0.r, a1.r), _mm256_add_pd(a2.r, a3.r))),
        hsum_pd(_mm256_add_pd(_mm256_add_pd(a0.rx, a1.rx), _mm256_add_pd(a2.rx, a3.rx))),
        hsum_pd(_mm256_add_pd(_mm256_add_pd(a0.rr, a1.rr), _mm256_add_pd(a2.rr, a3.rr)))};
}

/* ---- reductions ---------------------------------------------------------------- */

/* sum p (q == NULL) or sum p*q over one flush block, in float lanes */
static __m256 dot_block_ps(const float *p, const float *q, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p + i), q ? _mm256_loadu_ps(q + i) : one, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + i + 8), q ? _mm256_loadu_ps(q + i + 8) : one, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + i + 16), q ? _mm256_loadu_ps(q + i + 16) : one, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(p + i + 24), q ? _mm256_loadu_ps(q + i + 24) : one, a3);
    }
    for (; i < n; i += 8) {
        __m256i m = tail_ps(lg_min_size(n - i, 8));
        __m256 vq = q ? _mm256_maskload_ps(q + i, m) : one;
        a0 = _mm256_fmadd_ps(_mm256_maskload_ps(p + i, m), vq, a0); /* a += p*q; masked p = 0 */
    }
    return _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
}

static double dot_or_sum_f32(const float *p, const float *q, size_t n)
{
    __m256d s = _mm256_setzero_pd();
    for (size_t i = 0; i < n; i += LG_F32_FLUSH)
        s = _mm256_add_pd(s, widen(dot_block_ps(p + i, q ? q + i : NULL, lg_min_size(n - i, LG_F32_FLUSH))));
    return hsum_pd(s);
}

static double sum_f32(const float *p, size_t n) { return dot_or_sum_f32(p, NULL, n); }
static double dot_f32(const float *p, const float *q, size_t n) { return dot_or_sum_f32(p, q, n); }

static double dot_or_sum_f64(const double *p, const double *q, size_t n)
{
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    const __m256d one = _mm256_set1_pd(1.0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_pd(_mm256_loadu_pd(p + i), q ? _mm256_loadu_pd(q + i) : one, a0);
        a1 = _mm256_fmadd_pd(_mm256_loadu_pd(p + i + 4), q ? _mm256_loadu_pd(q + i + 4) : one, a1);
        a2 = _mm256_fmadd_pd(_mm256_loadu_pd(p + i + 8), q ? _mm256_loadu_pd(q + i + 8) : one, a2);
        a3 = _mm256_fmadd_pd(_mm256_loadu_pd(p + i + 12), q ? _mm256_loadu_pd(q + i + 12) : one, a3);
    }
    for (; i < n; i += 4) {
        __m256i m = tail_pd(lg_min_size(n - i, 4));
        __m256d vq = q ? _mm256_maskload_pd(q + i, m) : one;
        a0 = _mm256_fmadd_pd(_mm256_maskload_pd(p + i, m), vq, a0); /* a += p*q; masked p = 0 */
    }
    return hsum_pd(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
}

static double sum_f64(const double *p, size_t n) { return dot_or_sum_f64(p, NULL, n); }
static double dot_f64(const double *p, const double *q, size_t n) { return dot_or_sum_f64(p, q, n); }

/* ---- elementwise: plain loads and stores, then one masked vector for the tail
 * (masked stores are slow on some cores, so they stay out of the main loop) ---- */

static void axpb_f32(const float *x, size_t n, float a, float b, float *out)
{
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_mul_ps(va, _mm256_loadu_ps(x + i)), vb)); /* a*x + b */
    if (i < n) {
        __m256i m = tail_ps(n - i);
        _mm256_maskstore_ps(out + i, m, _mm256_add_ps(_mm256_mul_ps(va, _mm256_maskload_ps(x + i, m)), vb));
    }
}

/* op 0: p + q, 1: p - q, 2: p * q */
static inline __m256 binop_ps(int op, __m256 p, __m256 q)
{
    return op == 0 ? _mm256_add_ps(p, q) : op == 1 ? _mm256_sub_ps(p, q) : _mm256_mul_ps(p, q);
}

static inline void binary_ps(int op, const float *p, const float *q, size_t n, float *out)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, binop_ps(op, _mm256_loadu_ps(p + i), _mm256_loadu_ps(q + i)));
    if (i < n) {
        __m256i m = tail_ps(n - i);
        _mm256_maskstore_ps(out + i, m, binop_ps(op, _mm256_maskload_ps(p + i, m), _mm256_maskload_ps(q + i, m)));
    }
}

static void add_f32(const float *p, const float *q, size_t n, float *out) { binary_ps(0, p, q, n, out); }
static void sub_f32(const float *p, const float *q, size_t n, float *out) { binary_ps(1, p, q, n, out); }
static void mul_f32(const float *p, const float *q, size_t n, float *out) { binary_ps(2, p, q, n, out); }
static void square_f32(const float *p, size_t n, float *out) { binary_ps(2, p, p, n, out); }

static void axpy_f32(const float *x, size_t n, float a, float *y)
{
    const __m256 va = _mm256_set1_ps(a);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) /* y += a*x */
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_mul_ps(va, _mm256_loadu_ps(x + i))));
    if (i < n) {
        __m256i m = tail_ps(n - i);
        __m256 ax = _mm256_mul_ps(va, _mm256_maskload_ps(x + i, m));
        _mm256_maskstore_ps(y + i, m, _mm256_add_ps(_mm256_maskload_ps(y + i, m), ax));
    }
}

static void mulacc_f32(const float *p, const float *q, size_t n, float s, float *acc)
{
    const __m256 vs = _mm256_set1_ps(s);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* acc += s*p*q */
        __m256 t = _mm256_mul_ps(_mm256_mul_ps(vs, _mm256_loadu_ps(p + i)), _mm256_loadu_ps(q + i));
        _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), t));
    }
    if (i < n) {
        __m256i m = tail_ps(n - i);
        __m256 t = _mm256_mul_ps(_mm256_mul_ps(vs, _mm256_maskload_ps(p + i, m)), _mm256_maskload_ps(q + i, m));
        _mm256_maskstore_ps(acc + i, m, _mm256_add_ps(_mm256_maskload_ps(acc + i, m), t));
    }
}

static void axpb_f64(const double *x, size_t n, double a, double b, double *out)
{
    const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(out + i, _mm256_add_pd(_mm256_mul_pd(va, _mm256_loadu_pd(x + i)), vb)); /* a*x + b */
    if (i < n) {
        __m256i m = tail_pd(n - i);
        _mm256_maskstore_pd(out + i, m, _mm256_add_pd(_mm256_mul_pd(va, _mm256_maskload_pd(x + i, m)), vb));
    }
}

static inline __m256d binop_pd(int op, __m256d p, __m256d q)
{
    return op == 0 ? _mm256_add_pd(p, q) : op == 1 ? _mm256_sub_pd(p, q) : _mm256_mul_pd(p, q);
}

static inline void binary_pd(int op, const double *p, const double *q, size_t n, double *out)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(out + i, binop_pd(op, _mm256_loadu_pd(p + i), _mm256_loadu_pd(q + i)));
    if (i < n) {
        __m256i m = tail_pd(n - i);
        _mm256_maskstore_pd(out + i, m, binop_pd(op, _mm256_maskload_pd(p + i, m), _mm256_maskload_pd(q + i, m)));
    }
}

static void add_f64(const double *p, const double *q, size_t n, double *out) { binary_pd(0, p, q, n, out); }
static void sub_f64(const double *p, const double *q, size_t n, double *out) { binary_pd(1, p, q, n, out); }
static void mul_f64(const double *p, const double *q, size_t n, double *out) { binary_pd(2, p, q, n, out); }
static void square_f64(const double *p, size_t n, double *out) { binary_pd(2, p, p, n, out); }

static void axpy_f64(const double *x, size_t n, double a, double *y)
{
    const __m256d va = _mm256_set1_pd(a);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) /* y += a*x */
        _mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), _mm256_mul_pd(va, _mm256_loadu_pd(x + i))));
    if (i < n) {
        __m256i m = tail_pd(n - i);
        __m256d ax = _mm256_mul_pd(va, _mm256_maskload_pd(x + i, m));
        _mm256_maskstore_pd(y + i, m, _mm256_add_pd(_mm256_maskload_pd(y + i, m), ax));
    }
}

static void mulacc_f64(const double *p, const double *q, size_t n, double s, double *acc)
{
    const __m256d vs = _mm256_set1_pd(s);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) { /* acc += s*p*q */
        __m256d t = _mm256_mul_pd(_mm256_mul_pd(vs, _mm256_loadu_pd(p + i)), _mm256_loadu_pd(q + i));
        _mm256_storeu_pd(acc + i, _mm256_add_pd(_mm256_loadu_pd(acc + i), t));
    }
    if (i < n) {
        __m256i m = tail_pd(n - i);
        __m256d t = _mm256_mul_pd(_mm256_mul_pd(vs, _mm256_maskload_pd(p + i, m)), _mm256_maskload_pd(q + i, m));
        _mm256_maskstore_pd(acc + i, m, _mm256_add_pd(_mm256_maskload_pd(acc + i, m), t));
    }
}

const lg_kernels lg_kernels_avx2 = {
    .name = "avx2",
    .needs = LG_NEEDS_AVX2 | LG_NEEDS_FMA | LG_NEEDS_OS_YMM,
    .f32 = {
        .mse = mse_f32, .axpb = axpb_f32,
        .add = add_f32, .sub = sub_f32, .mul = mul_f32,
        .square = square_f32, .axpy = axpy_f32, .mulacc = mulacc_f32,
        .sum = sum_f32, .dot = dot_f32,
        .order = {LG_ORDER_LANES_MASKED, 8, LG_F32_FLUSH},
    },
    .f64 = {
        .mse = mse_f64, .axpb = axpb_f64,
        .add = add_f64, .sub = sub_f64, .mul = mul_f64,
        .square = square_f64, .axpy = axpy_f64, .mulacc = mulacc_f64,
        .sum = sum_f64, .dot = dot_f64,
        .order = {LG_ORDER_LANES_MASKED, 4, 0},
    },
};
