/*
 * The AArch64 NEON kernel table (NEON is part of the AArch64 baseline, so no
 * flags are needed; the dispatcher still checks LG_NEEDS_NEON). Same plan as
 * the x86 tables: four accumulators per sum, float32 lane sums flushed into
 * double every LG_F32_FLUSH elements, elementwise entries rounding exactly as
 * the scalar table.
 *
 * Tails (the last 1..3 floats or the last double) run one element at a time,
 * not masked as on x86, so their arithmetic is written out here:
 * - elementwise tails multiply and add separately, as the vector code does:
 *   bit for bit the same as the scalar table;
 * - in the fused kernel r = w*x + b - y is fused (fmaf, fma), as in the lanes;
 * - the f64 tails also fuse r*x, r*r and p*q into their sum, as the lanes do;
 * - the f32 tails round r*x, r*r and p*q to float and add them in double,
 *   where the lanes fuse them into float accumulators: those few elements
 *   round differently, well inside the tests' tolerance.
 */
#include <arm_neon.h>
#include <math.h>

#include "kernels.h"
#include "simd_common.h"

/* Elements per float32 flush block (see LG_F32_LANE_TERMS). */
#define LG_F32_FLUSH ((size_t)4 * 4 * LG_F32_LANE_TERMS)

/* 4 float lanes -> one double, each lane widened exactly before adding. */
static inline double widen_sum(float32x4_t v)
{
    float64x2_t d = vaddq_f64(vcvt_f64_f32(vget_low_f32(v)), vcvt_high_f64_f32(v));
    return vaddvq_f64(d);
}

/* ---- fused MSE ---------------------------------------------------------------- */

typedef struct acc3_f32 { float32x4_t r, rx, rr; } acc3_f32;

static inline void mse_step_f32(acc3_f32 *a, float32x4_t x, float32x4_t y, float32x4_t w, float32x4_t b)
{
    float32x4_t r = vsubq_f32(vfmaq_f32(b, w, x), y); /* r = w*x + b - y */
    a->r = vaddq_f32(a->r, r);                        /* acc += r */
    a->rx = vfmaq_f32(a->rx, r, x);                   /* acc += r*x */
    a->rr = vfmaq_f32(a->rr, r, r);                   /* acc += r*r */
}

static void mse_block_f32(const float *x, const float *y, size_t n, float w, float b, lg_mse_sums *s)
{
    const float32x4_t vw = vdupq_n_f32(w), vb = vdupq_n_f32(b), z = vdupq_n_f32(0);
    acc3_f32 a0 = {z, z, z}, a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        mse_step_f32(&a0, vld1q_f32(x + i), vld1q_f32(y + i), vw, vb);
        mse_step_f32(&a1, vld1q_f32(x + i + 4), vld1q_f32(y + i + 4), vw, vb);
        mse_step_f32(&a2, vld1q_f32(x + i + 8), vld1q_f32(y + i + 8), vw, vb);
        mse_step_f32(&a3, vld1q_f32(x + i + 12), vld1q_f32(y + i + 12), vw, vb);
    }
    for (; i + 4 <= n; i += 4)
        mse_step_f32(&a0, vld1q_f32(x + i), vld1q_f32(y + i), vw, vb);
    for (; i < n; i++) {
        float r = fmaf(w, x[i], b) - y[i];
        s->r += r;
        s->rx += (double)(r * x[i]);
        s->rr += (double)(r * r);
    }
    s->r += widen_sum(vaddq_f32(vaddq_f32(a0.r, a1.r), vaddq_f32(a2.r, a3.r)));
    s->rx += widen_sum(vaddq_f32(vaddq_f32(a0.rx, a1.rx), vaddq_f32(a2.rx, a3.rx)));
    s->rr += widen_sum(vaddq_f32(vaddq_f32(a0.rr, a1.rr), vaddq_f32(a2.rr, a3.rr)));
}

static lg_mse_sums mse_f32(const float *x, const float *y, size_t n, float w, float b)
{
    lg_mse_sums s = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i += LG_F32_FLUSH)
        mse_block_f32(x + i, y + i, lg_min_size(n - i, LG_F32_FLUSH), w, b, &s);
    return s;
}

typedef struct acc3_f64 { float64x2_t r, rx, rr; } acc3_f64;

static inline void mse_step_f64(acc3_f64 *a, float64x2_t x, float64x2_t y, float64x2_t w, float64x2_t b)
{
    float64x2_t r = vsubq_f64(vfmaq_f64(b, w, x), y); /* r = w*x + b - y */
    a->r = vaddq_f64(a->r, r);                        /* acc += r */
    a->rx = vfmaq_f64(a->rx, r, x);                   /* acc += r*x */
    a->rr = vfmaq_f64(a->rr, r, r);                   /* acc += r*r */
}

static lg_mse_sums mse_f64(const double *x, const double *y, size_t n, double w, double b)
{
    const float64x2_t vw = vdupq_n_f64(w), vb = vdupq_n_f64(b), z = vdupq_n_f64(0);
    acc3_f64 a0 = {z, z, z}, a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        mse_step_f64(&a0, vld1q_f64(x + i), vld1q_f64(y + i), vw, vb);
        mse_step_f64(&a1, vld1q_f64(x + i + 2), vld1q_f64(y + i + 2), vw, vb);
        mse_step_f64(&a2, vld1q_f64(x + i + 4), vld1q_f64(y + i + 4), vw, vb);
        mse_step_f64(&a3, vld1q_f64(x + i + 6), vld1q_f64(y + i + 6), vw, vb);
    }
    for (; i + 2 <= n; i += 2)
        mse_step_f64(&a0, vld1q_f64(x + i), vld1q_f64(y + i), vw, vb);
    lg_mse_sums s = {
        vaddvq_f64(vaddq_f64(vaddq_f64(a0.r, a1.r), vaddq_f64(a2.r, a3.r))),
        vaddvq_f64(vaddq_f64(vaddq_f64(a0.rx, a1.rx), vaddq_f64(a2.rx, a3.rx))),
        vaddvq_f64(vaddq_f64(vaddq_f64(a0.rr, a1.rr), vaddq_f64(a2.rr, a3.rr)))};
    if (i < n) {
        double r = fma(w, x[i], b) - y[i];
        s.r += r;
        s.rx = fma(r, x[i], s.rx);
        s.rr = fma(r, r, s.rr);
    }
    return s;
}

/* ---- reductions ---------------------------------------------------------------- */

/* sum p (q == NULL) or sum p*q over one flush block, in float lanes */
static double dot_block_f32(const float *p, const float *q, size_t n)
{
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
    const float32x4_t one = vdupq_n_f32(1.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = vfmaq_f32(a0, vld1q_f32(p + i), q ? vld1q_f32(q + i) : one);
        a1 = vfmaq_f32(a1, vld1q_f32(p + i + 4), q ? vld1q_f32(q + i + 4) : one);
        a2 = vfmaq_f32(a2, vld1q_f32(p + i + 8), q ? vld1q_f32(q + i + 8) : one);
        a3 = vfmaq_f32(a3, vld1q_f32(p + i + 12), q ? vld1q_f32(q + i + 12) : one);
    }
    for (; i + 4 <= n; i += 4)
        a0 = vfmaq_f32(a0, vld1q_f32(p + i), q ? vld1q_f32(q + i) : one); /* a += p*q */
    double s = widen_sum(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; i < n; i++)
        s += q ? (double)(p[i] * q[i]) : (double)p[i];
    return s;
}

static double dot_or_sum_f32(const float *p, const float *q, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i += LG_F32_FLUSH)
        s += dot_block_f32(p + i, q ? q + i : NULL, lg_min_size(n - i, LG_F32_FLUSH));
    return s;
}

static double sum_f32(const float *p, size_t n) { return dot_or_sum_f32(p, NULL, n); }
static double dot_f32(const float *p, const float *q, size_t n) { return dot_or_sum_f32(p, q, n); }

static double dot_or_sum_f64(const double *p, const double *q, size_t n)
{
    float64x2_t a0 = vdupq_n_f64(0), a1 = a0, a2 = a0, a3 = a0;
    const float64x2_t one = vdupq_n_f64(1.0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 = vfmaq_f64(a0, vld1q_f64(p + i), q ? vld1q_f64(q + i) : one);
        a1 = vfmaq_f64(a1, vld1q_f64(p + i + 2), q ? vld1q_f64(q + i + 2) : one);
        a2 = vfmaq_f64(a2, vld1q_f64(p + i + 4), q ? vld1q_f64(q + i + 4) : one);
        a3 = vfmaq_f64(a3, vld1q_f64(p + i + 6), q ? vld1q_f64(q + i + 6) : one);
    }
    for (; i + 2 <= n; i += 2)
        a0 = vfmaq_f64(a0, vld1q_f64(p + i), q ? vld1q_f64(q + i) : one); /* a += p*q */
    double s = vaddvq_f64(vaddq_f64(vaddq_f64(a0, a1), vaddq_f64(a2, a3)));
    if (i < n)
        s = q ? fma(p[i], q[i], s) : s + p[i];
    return s;
}

static double sum_f64(const double *p, size_t n) { return dot_or_sum_f64(p, NULL, n); }
static double dot_f64(const double *p, const double *q, size_t n) { return dot_or_sum_f64(p, q, n); }

/* ---- elementwise: vectors of 4 (2), then the same arithmetic one at a time ----- */

static void axpb_f32(const float *x, size_t n, float a, float b, float *out)
{
    const float32x4_t va = vdupq_n_f32(a), vb = vdupq_n_f32(b);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(out + i, vaddq_f32(vmulq_f32(va, vld1q_f32(x + i)), vb)); /* a*x + b */
    for (; i < n; i++)
        out[i] = a * x[i] + b;
}

/* op 0: p + q, 1: p - q, 2: p * q */
static inline void binary_f32(int op, const float *p, const float *q, size_t n, float *out)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t vp = vld1q_f32(p + i), vq = vld1q_f32(q + i);
        vst1q_f32(out + i, op == 0 ? vaddq_f32(vp, vq) : op == 1 ? vsubq_f32(vp, vq) : vmulq_f32(vp, vq));
    }
    for (; i < n; i++)
        out[i] = op == 0 ? p[i] + q[i] : op == 1 ? p[i] - q[i] : p[i] * q[i];
}

static void add_f32(const float *p, const float *q, size_t n, float *out) { binary_f32(0, p, q, n, out); }
static void sub_f32(const float *p, const float *q, size_t n, float *out) { binary_f32(1, p, q, n, out); }
static void mul_f32(const float *p, const float *q, size_t n, float *out) { binary_f32(2, p, q, n, out); }
static void square_f32(const float *p, size_t n, float *out) { binary_f32(2, p, p, n, out); }

static void axpy_f32(const float *x, size_t n, float a, float *y)
{
    const float32x4_t va = vdupq_n_f32(a);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) /* y += a*x */
        vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), vmulq_f32(va, vld1q_f32(x + i))));
    for (; i < n; i++)
        y[i] += a * x[i];
}

static void mulacc_f32(const float *p, const float *q, size_t n, float s, float *acc)
{
    const float32x4_t vs = vdupq_n_f32(s);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) /* acc += s*p*q */
        vst1q_f32(acc + i, vaddq_f32(vld1q_f32(acc + i), vmulq_f32(vmulq_f32(vs, vld1q_f32(p + i)), vld1q_f32(q + i))));
    for (; i < n; i++)
        acc[i] += s * p[i] * q[i];
}

static void axpb_f64(const double *x, size_t n, double a, double b, double *out)
{
    const float64x2_t va = vdupq_n_f64(a), vb = vdupq_n_f64(b);
    size_t i = 0;
    for (; i + 2 <= n; i += 2)
        vst1q_f64(out + i, vaddq_f64(vmulq_f64(va, vld1q_f64(x + i)), vb)); /* a*x + b */
    for (; i < n; i++)
        out[i] = a * x[i] + b;
}

static inline void binary_f64(int op, const double *p, const double *q, size_t n, double *out)
{
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        float64x2_t vp = vld1q_f64(p + i), vq = vld1q_f64(q + i);
        vst1q_f64(out + i, op == 0 ? vaddq_f64(vp, vq) : op == 1 ? vsubq_f64(vp, vq) : vmulq_f64(vp, vq));
    }
    for (; i < n; i++)
        out[i] = op == 0 ? p[i] + q[i] : op == 1 ? p[i] - q[i] : p[i] * q[i];
}

static void add_f64(const double *p, const double *q, size_t n, double *out) { binary_f64(0, p, q, n, out); }
static void sub_f64(const double *p, const double *q, size_t n, double *out) { binary_f64(1, p, q, n, out); }
static void mul_f64(const double *p, const double *q, size_t n, double *out) { binary_f64(2, p, q, n, out); }
static void square_f64(const double *p, size_t n, double *out) { binary_f64(2, p, p, n, out); }

static void axpy_f64(const double *x, size_t n, double a, double *y)
{
    const float64x2_t va = vdupq_n_f64(a);
    size_t i = 0;
    for (; i + 2 <= n; i += 2) /* y += a*x */
        vst1q_f64(y + i, vaddq_f64(vld1q_f64(y + i), vmulq_f64(va, vld1q_f64(x + i))));
    for (; i < n; i++)
        y[i] += a * x[i];
}

static void mulacc_f64(const double *p, const double *q, size_t n, double s, double *acc)
{
    const float64x2_t vs = vdupq_n_f64(s);
    size_t i = 0;
    for (; i + 2 <= n; i += 2) /* acc += s*p*q */
        vst1q_f64(acc + i, vaddq_f64(vld1q_f64(acc + i), vmulq_f64(vmulq_f64(vs, vld1q_f64(p + i)), vld1q_f64(q + i))));
    for (; i < n; i++)
        acc[i] += s * p[i] * q[i];
}

const lg_kernels lg_kernels_neon = {
    .name = "neon",
    .needs = LG_NEEDS_NEON,
    .f32 = {
        .mse = mse_f32, .axpb = axpb_f32,
        .add = add_f32, .sub = sub_f32, .mul = mul_f32,
        .square = square_f32, .axpy = axpy_f32, .mulacc = mulacc_f32,
        .sum = sum_f32, .dot = dot_f32,
        .order = {LG_ORDER_LANES_REST, 4, LG_F32_FLUSH},
    },
    .f64 = {
        .mse = mse_f64, .axpb = axpb_f64,
        .add = add_f64, .sub = sub_f64, .mul = mul_f64,
        .square = square_f64, .axpy = axpy_f64, .mulacc = mulacc_f64,
        .sum = sum_f64, .dot = dot_f64,
        .order = {LG_ORDER_LANES_REST, 2, 0},
    },
};
