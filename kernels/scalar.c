/*
 * The reference kernel table: plain loops, one element at a time, built with
 * auto-vectorisation disabled so that "scalar" really means scalar. Every other
 * table is tested against this one, so clarity beats speed here.
 *
 * Float32 values are computed in float32 (as SIMD lanes will), but every sum is
 * carried in double so the reference does not lose digits at large n.
 */
#include "kernels.h"

static lg_mse_sums mse_f32(const float *x, const float *y, size_t n, float w, float b)
{
    lg_mse_sums s = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        float r = w * x[i] + b - y[i];
        s.r += r;
        s.rx += (double)r * x[i];
        s.rr += (double)r * r;
    }
    return s;
}

static void axpb_f32(const float *x, size_t n, float a, float b, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a * x[i] + b;
}

static void add_f32(const float *p, const float *q, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] + q[i];
}

static void sub_f32(const float *p, const float *q, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] - q[i];
}

static void mul_f32(const float *p, const float *q, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] * q[i];
}

static void square_f32(const float *p, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] * p[i];
}

static void axpy_f32(const float *x, size_t n, float a, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

static void mulacc_f32(const float *p, const float *q, size_t n, float s, float *acc)
{
    for (size_t i = 0; i < n; i++)
        acc[i] += s * p[i] * q[i];
}

static double sum_f32(const float *p, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static double dot_f32(const float *p, const float *q, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)p[i] * q[i];
    return s;
}

static lg_mse_sums mse_f64(const double *x, const double *y, size_t n, double w, double b)
{
    lg_mse_sums s = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double r = w * x[i] + b - y[i];
        s.r += r;
        s.rx += r * x[i];
        s.rr += r * r;
    }
    return s;
}

static void axpb_f64(const double *x, size_t n, double a, double b, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a * x[i] + b;
}

static void add_f64(const double *p, const double *q, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] + q[i];
}

static void sub_f64(const double *p, const double *q, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] - q[i];
}

static void mul_f64(const double *p, const double *q, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] * q[i];
}

static void square_f64(const double *p, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] * p[i];
}

static void axpy_f64(const double *x, size_t n, double a, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

static void mulacc_f64(const double *p, const double *q, size_t n, double s, double *acc)
{
    for (size_t i = 0; i < n; i++)
        acc[i] += s * p[i] * q[i];
}

static double sum_f64(const double *p, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static double dot_f64(const double *p, const double *q, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += p[i] * q[i];
    return s;
}

const lg_kernels lg_kernels_scalar = {
    .name = "scalar",
    .needs = LG_NEEDS_BASELINE,
    .f32 = {
        .mse = mse_f32, .axpb = axpb_f32,
        .add = add_f32, .sub = sub_f32, .mul = mul_f32,
        .square = square_f32, .axpy = axpy_f32, .mulacc = mulacc_f32,
        .sum = sum_f32, .dot = dot_f32,
        .order = {LG_ORDER_SERIAL, 1, 0},
    },
    .f64 = {
        .mse = mse_f64, .axpb = axpb_f64,
        .add = add_f64, .sub = sub_f64, .mul = mul_f64,
        .square = square_f64, .axpy = axpy_f64, .mulacc = mulacc_f64,
        .sum = sum_f64, .dot = dot_f64,
        .order = {LG_ORDER_SERIAL, 1, 0},
    },
};
