/*
 * The AVX-512F kernel table. Built with -mavx512f -mfma on this file only; the
 * dispatcher calls it only after CPUID and XGETBV say the CPU and OS support it.
 *
 * Reductions keep four independent accumulators per sum so that the loop waits
 * on load and FMA throughput rather than on add latency. Float32 lane sums are
 * flushed into double every LG_F32_FLUSH elements, which keeps a sum over 10^8
 * elements within about 1e-10 (relative) of a long-double sum of the same
 * inputs: test_accuracy measures 1e-11 to 1.1e-10 for the fused sums, sum and
 * dot, and fails above 2e-9. Tails use masked loads, so every element goes
 * through the same arithmetic.
 *
 * Elementwise entries use separate multiply and add (no FMA), so they round
 * exactly as the scalar table does: they are memory-bound and FMA buys nothing.
 */
#include <immintrin.h>

#include "kernels.h"
#include "simd_common.h"

/* Elements per float32 flush block (see LG_F32_LANE_TERMS). */
#define LG_F32_FLUSH ((size_t)16 * 4 * LG_F32_LANE_TERMS)

/* ---- helpers ---------------------------------------------------------------- */

static inline __mmask16 tail16(size_t rem) { return (__mmask16)((1u << rem) - 1u); }
static inline __mmask8 tail8(size_t rem) { return (__mmask8)((1u << rem) - 1u); }

/* 16 float lanes -> 8 double lanes: lo8 + hi8, each widened exactly. */
static inline __m512d widen(__m512 v)
{
    __m256 lo = _mm512_castps512_ps256(v);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return _mm512_add_pd(_mm512_cvtps_pd(lo), _mm512_cvtps_pd(hi));
}

/* ---- fused MSE, f32 ----------------------------------------------------------- */

typedef struct acc3_ps { __m512 r, rx, rr; } acc3_ps;

/* r = w*x + b - y (masked lanes: 0); acc.r += r, acc.rx += r*x, acc.rr += r*r */
static inline void mse_step_ps(acc3_ps *a, __m512 x, __m512 y, __m512 w, __m512 b, __mmask16 m)
{
    __asm__("" : "+v"(x)); /* keep x in a register: folding its load into two FMAs costs a third load */
    __m512 r = _mm512_maskz_sub_ps(m, _mm512_fmadd_ps(w, x, b), y); /* r = w*x + b - y */
    a->r = _mm512_add_ps(a->r, r);                                   /* acc += r */
    a->rx = _mm512_fmadd_ps(r, x, a->rx);                             /* acc += r*x */
    a->rr = _mm512_fmadd_ps(r, r, a->rr);                             /* acc += r*r */
}

/* One flush block: at most LG_F32_FLUSH elements summed in float lanes. */
static void mse_block_ps(const float *x, const float *y, size_t n, __m512 w, __m512 b,
                         __m512d out[3])
{
    const __mmask16 all = 0xFFFF;
    acc3_ps a0 = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    acc3_ps a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        mse_step_ps(&a0, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), w, b, all);
        mse_step_ps(&a1, _mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), w, b, all);
        mse_step_ps(&a2, _mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(y + i + 32), w, b, all);
        mse_step_ps(&a3, _mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(y + i + 48), w, b, all);
    }
    for (; i + 16 <= n; i += 16)
        mse_step_ps(&a0, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), w, b, all);
    if (i < n) {
        __mmask16 m = tail16(n - i);
        mse_step_ps(&a1, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), w, b, m);
    }
    out[0] = _mm512_add_pd(out[0], widen(_mm512_add_ps(_mm512_add_ps(a0.r, a1.r), _mm512_add_ps(a2.r, a3.r))));
    out[1] = _mm512_add_pd(out[1], widen(_mm512_add_ps(_mm512_add_ps(a0.rx, a1.rx), _mm512_add_ps(a2.rx, a3.rx))));
    out[2] = _mm512_add_pd(out[2], widen(_mm512_add_ps(_mm512_add_ps(a0.rr, a1.rr), _mm512_add_ps(a2.rr, a3.rr))));
}

static lg_mse_sums mse_f32(const float *x, const float *y, size_t n, float w, float b)
{
    __m512d s[3] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    const __m512 vw = _mm512_set1_ps(w), vb = _mm512_set1_ps(b);
    for (size_t i = 0; i < n; i += LG_F32_FLUSH)
        mse_block_ps(x + i, y + i, lg_min_size(n - i, LG_F32_FLUSH), vw, vb, s);
    return (lg_mse_sums){_mm512_reduce_add_pd(s[0]), _mm512_reduce_add_pd(s[1]),
                         _mm512_reduce_add_pd(s[2])};
}

/* ---- fused MSE, f64 ----------------------------------------------------------- */

typedef struct acc3_pd { __m512d r, rx, rr; } acc3_pd;

static inline void mse_step_pd(acc3_pd *a, __m512d x, __m512d y, __m512d w, __m512d b, __mmask8 m)
{
    __asm__("" : "+v"(x)); /* keep x in a register (see mse_step_ps) */
    __m512d r = _mm512_maskz_sub_pd(m, _mm512_fmadd_pd(w, x, b), y); /* r = w*x + b - y */
    a->r = _mm512_add_pd(a->r, r);                                   /* acc += r */
    a->rx = _mm512_fmadd_pd(r, x, a->rx);                             /* acc += r*x */
    a->rr = _mm512_fmadd_pd(r, r, a->rr);                             /* acc += r*r */
}

static lg_mse_sums mse_f64(const double *x, const double *y, size_t n, double w, double b)
{
    const __m512d vw = _mm512_set1_pd(w), vb = _mm512_set1_pd(b);
    const __mmask8 all = 0xFF;
    acc3_pd a0 = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    acc3_pd a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        mse_step_pd(&a0, _mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), vw, vb, all);
        mse_step_pd(&a1, _mm512_loadu_pd(x + i + 8), _mm512_loadu_pd(y + i + 8), vw, vb, all);
        mse_step_pd(&a2, _mm512_loadu_pd(x + i + 16), _mm512_loadu_pd(y + i + 16), vw, vb, all);
        mse_step_pd(&a3, _mm512_loadu_pd(x + i + 24), _mm512_loadu_pd(y + i + 24), vw, vb, all);
    }
    for (; i + 8 <= n; i += 8)
        mse_step_pd(&a0, _mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), vw, vb, all);
    if (i < n) {
        __mmask8 m = tail8(n - i);
        mse_step_pd(&a1, _mm512_maskz_loadu_pd(m, x + i), _mm512_maskz_loadu_pd(m, y + i), vw, vb, m);
    }
    __m512d r = _mm512_add_pd(_mm512_add_pd(a0.r, a1.r), _mm512_add_pd(a2.r, a3.r));
    __m512d rx = _mm512_add_pd(_mm512_add_pd(a0.rx, a1.rx), _mm512_add_pd(a2.rx, a3.rx));
    __m512d rr = _mm512_add_pd(_mm512_add_pd(a0.rr, a1.rr), _mm512_add_pd(a2.rr, a3.rr));
    return (lg_mse_sums){_mm512_reduce_add_pd(r), _mm512_reduce_add_pd(rx), _mm512_reduce_add_pd(rr)};
}

/* ---- reductions ---------------------------------------------------------------- */

/* sum p (q == NULL) or sum p*q over one flush block, in float lanes */
static __m512 dot_block_ps(const float *p, const float *q, size_t n)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const __m512 one = _mm512_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(p + i), q ? _mm512_loadu_ps(q + i) : one, a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(p + i + 16), q ? _mm512_loadu_ps(q + i + 16) : one, a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(p + i + 32), q ? _mm512_loadu_ps(q + i + 32) : one, a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(p + i + 48), q ? _mm512_loadu_ps(q + i + 48) : one, a3);
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : tail16(n - i);
        __m512 vq = q ? _mm512_maskz_loadu_ps(m, q + i) : one;
        a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + i), vq, a0); /* a += p*q */
    }
    return _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
}

static double dot_or_sum_f32(const float *p, const float *q, size_t n)
{
    __m512d s = _mm512_setzero_pd();
    for (size_t i = 0; i < n; i += LG_F32_FLUSH)
        s = _mm512_add_pd(s, widen(dot_block_ps(p + i, q ? q + i : NULL, lg_min_size(n - i, LG_F32_FLUSH))));
    return _mm512_reduce_add_pd(s);
}

static double sum_f32(const float *p, size_t n) { return dot_or_sum_f32(p, NULL, n); }
static double dot_f32(const float *p, const float *q, size_t n) { return dot_or_sum_f32(p, q, n); }

static double dot_or_sum_f64(const double *p, const double *q, size_t n)
{
    __m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    const __m512d one = _mm512_set1_pd(1.0);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_fmadd_pd(_mm512_loadu_pd(p + i), q ? _mm512_loadu_pd(q + i) : one, a0);
        a1 = _mm512_fmadd_pd(_mm512_loadu_pd(p + i + 8), q ? _mm512_loadu_pd(q + i + 8) : one, a1);
        a2 = _mm512_fmadd_pd(_mm512_loadu_pd(p + i + 16), q ? _mm512_loadu_pd(q + i + 16) : one, a2);
        a3 = _mm512_fmadd_pd(_mm512_loadu_pd(p + i + 24), q ? _mm512_loadu_pd(q + i + 24) : one, a3);
    }
    for (; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : tail8(n - i);
        __m512d vq = q ? _mm512_maskz_loadu_pd(m, q + i) : one;
        a0 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, p + i), vq, a0); /* a += p*q */
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
}

static double sum_f64(const double *p, size_t n) { return dot_or_sum_f64(p, NULL, n); }
static double dot_f64(const double *p, const double *q, size_t n) { return dot_or_sum_f64(p, q, n); }

/* ---- elementwise, f32: one masked loop each; rounding as in the scalar table ---- */

static void axpb_f32(const float *x, size_t n, float a, float b, float *out)
{
    const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : tail16(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_add_ps(_mm512_mul_ps(va, v), vb)); /* a*x + b */
    }
}

/* op 0: p + q, 1: p - q, 2: p * q */
static inline __m512 binop_ps(int op, __m512 p, __m512 q)
{
    return op == 0 ? _mm512_add_ps(p, q) : op == 1 ? _mm512_sub_ps(p, q) : _mm512_mul_ps(p, q);
}

static inline void binary_ps(int op, const float *p, const float *q, size_t n, float *out)
{
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : tail16(n - i);
        _mm512_mask_storeu_ps(out + i, m, binop_ps(op, _mm512_maskz_loadu_ps(m, p + i),
                                                   _mm512_maskz_loadu_ps(m, q + i)));
    }
}

static void add_f32(const float *p, const float *q, size_t n, float *out) { binary_ps(0, p, q, n, out); }
static void sub_f32(const float *p, const float *q, size_t n, float *out) { binary_ps(1, p, q, n, out); }
static void mul_f32(const float *p, const float *q, size_t n, float *out) { binary_ps(2, p, q, n, out); }
static void square_f32(const float *p, size_t n, float *out)
{
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : tail16(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, p + i); /* one load, not two */
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(v, v));
    }
}

static void axpy_f32(const float *x, size_t n, float a, float *y)
{
    const __m512 va = _mm512_set1_ps(a);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : tail16(n - i);
        __m512 ax = _mm512_mul_ps(va, _mm512_maskz_loadu_ps(m, x + i));
        _mm512_mask_storeu_ps(y + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i), ax)); /* y += a*x */
    }
}

static void mulacc_f32(const float *p, const float *q, size_t n, float s, float *acc)
{
    const __m512 vs = _mm512_set1_ps(s);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : tail16(n - i);
        __m512 t = _mm512_mul_ps(_mm512_mul_ps(vs, _mm512_maskz_loadu_ps(m, p + i)),
                                 _mm512_maskz_loadu_ps(m, q + i)); /* s*p*q */
        _mm512_mask_storeu_ps(acc + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, acc + i), t));
    }
}

/* ---- elementwise, f64 ---------------------------------------------------------- */

static void axpb_f64(const double *x, size_t n, double a, double b, double *out)
{
    const __m512d va = _mm512_set1_pd(a), vb = _mm512_set1_pd(b);
    for (size_t i = 0; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : tail8(n - i);
        __m512d v = _mm512_maskz_loadu_pd(m, x + i);
        _mm512_mask_storeu_pd(out + i, m, _mm512_add_pd(_mm512_mul_pd(va, v), vb)); /* a*x + b */
    }
}

static inline __m512d binop_pd(int op, __m512d p, __m512d q)
{
    return op == 0 ? _mm512_add_pd(p, q) : op == 1 ? _mm512_sub_pd(p, q) : _mm512_mul_pd(p, q);
}

static inline void binary_pd(int op, const double *p, const double *q, size_t n, double *out)
{
    for (size_t i = 0; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : tail8(n - i);
        _mm512_mask_storeu_pd(out + i, m, binop_pd(op, _mm512_maskz_loadu_pd(m, p + i),
                                                   _mm512_maskz_loadu_pd(m, q + i)));
    }
}

static void add_f64(const double *p, const double *q, size_t n, double *out) { binary_pd(0, p, q, n, out); }
static void sub_f64(const double *p, const double *q, size_t n, double *out) { binary_pd(1, p, q, n, out); }
static void mul_f64(const double *p, const double *q, size_t n, double *out) { binary_pd(2, p, q, n, out); }
static void square_f64(const double *p, size_t n, double *out)
{
    for (size_t i = 0; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : tail8(n - i);
        __m512d v = _mm512_maskz_loadu_pd(m, p + i);
        _mm512_mask_storeu_pd(out + i, m, _mm512_mul_pd(v, v));
    }
}

static void axpy_f64(const double *x, size_t n, double a, double *y)
{
    const __m512d va = _mm512_set1_pd(a);
    for (size_t i = 0; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : tail8(n - i);
        __m512d ax = _mm512_mul_pd(va, _mm512_maskz_loadu_pd(m, x + i));
        _mm512_mask_storeu_pd(y + i, m, _mm512_add_pd(_mm512_maskz_loadu_pd(m, y + i), ax)); /* y += a*x */
    }
}

static void mulacc_f64(const double *p, const double *q, size_t n, double s, double *acc)
{
    const __m512d vs = _mm512_set1_pd(s);
    for (size_t i = 0; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : tail8(n - i);
        __m512d t = _mm512_mul_pd(_mm512_mul_pd(vs, _mm512_maskz_loadu_pd(m, p + i)),
                                  _mm512_maskz_loadu_pd(m, q + i)); /* s*p*q */
        _mm512_mask_storeu_pd(acc + i, m, _mm512_add_pd(_mm512_maskz_loadu_pd(m, acc + i), t));
    }
}

const lg_kernels lg_kernels_avx512 = {
    .name = "avx512",
    .needs = LG_NEEDS_AVX512F | LG_NEEDS_FMA | LG_NEEDS_OS_ZMM,
    .f32 = {
        .mse = mse_f32, .axpb = axpb_f32,
        .add = add_f32, .sub = sub_f32, .mul = mul_f32,
        .square = square_f32, .axpy = axpy_f32, .mulacc = mulacc_f32,
        .sum = sum_f32, .dot = dot_f32,
        .order = {LG_ORDER_LANES_MASKED, 16, LG_F32_FLUSH},
    },
    .f64 = {
        .mse = mse_f64, .axpb = axpb_f64,
        .add = add_f64, .sub = sub_f64, .mul = mul_f64,
        .square = square_f64, .axpy = axpy_f64, .mulacc = mulacc_f64,
        .sum = sum_f64, .dot = dot_f64,
        .order = {LG_ORDER_LANES_MASKED, 8, 0},
    },
};
