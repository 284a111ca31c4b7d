/* Blocked execution of kernel-table entries (serial for now). */
#include "parallel.h"

static size_t block_len(size_t i, size_t n)
{
    return n - i < LG_BLOCK ? n - i : LG_BLOCK;
}

lg_mse_sums lg_par_mse(const lg_kernels *k, lg_dtype dt, const void *x, const void *y,
                       size_t n, double w, double b)
{
    lg_mse_sums t = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i += LG_BLOCK) {
        size_t m = block_len(i, n);
        lg_mse_sums s = dt == LG_F32
            ? k->f32.mse((const float *)x + i, (const float *)y + i, m, (float)w, (float)b)
            : k->f64.mse((const double *)x + i, (const double *)y + i, m, w, b);
        t.r += s.r;
        t.rx += s.rx;
        t.rr += s.rr;
    }
    return t;
}

double lg_par_sum(const lg_kernels *k, lg_dtype dt, const void *p, size_t n)
{
    double t = 0.0;
    for (size_t i = 0; i < n; i += LG_BLOCK) {
        size_t m = block_len(i, n);
        t += dt == LG_F32 ? k->f32.sum((const float *)p + i, m)
                          : k->f64.sum((const double *)p + i, m);
    }
    return t;
}

double lg_par_dot(const lg_kernels *k, lg_dtype dt, const void *p, const void *q, size_t n)
{
    double t = 0.0;
    for (size_t i = 0; i < n; i += LG_BLOCK) {
        size_t m = block_len(i, n);
        t += dt == LG_F32 ? k->f32.dot((const float *)p + i, (const float *)q + i, m)
                          : k->f64.dot((const double *)p + i, (const double *)q + i, m);
    }
    return t;
}

void lg_par_axpb(const lg_kernels *k, lg_dtype dt, const void *x, size_t n, double a, double b,
                 void *out)
{
    if (dt == LG_F32)
        k->f32.axpb(x, n, (float)a, (float)b, out);
    else
        k->f64.axpb(x, n, a, b, out);
}

void lg_par_binary(const lg_kernels *k, lg_dtype dt, lg_binop op, const void *p, const void *q,
                   size_t n, void *out)
{
    if (dt == LG_F32) {
        lg_binary_f32_fn *f = op == LG_BIN_ADD ? k->f32.add : op == LG_BIN_SUB ? k->f32.sub
                                                                                : k->f32.mul;
        f(p, q, n, out);
    } else {
        lg_binary_f64_fn *f = op == LG_BIN_ADD ? k->f64.add : op == LG_BIN_SUB ? k->f64.sub
                                                                                : k->f64.mul;
        f(p, q, n, out);
    }
}

void lg_par_square(const lg_kernels *k, lg_dtype dt, const void *p, size_t n, void *out)
{
    if (dt == LG_F32)
        k->f32.square(p, n, out);
    else
        k->f64.square(p, n, out);
}

void lg_par_axpy(const lg_kernels *k, lg_dtype dt, const void *x, size_t n, double a, void *y)
{
    if (dt == LG_F32)
        k->f32.axpy(x, n, (float)a, y);
    else
        k->f64.axpy(x, n, a, y);
}

void lg_par_mulacc(const lg_kernels *k, lg_dtype dt, const void *p, const void *q, size_t n,
                   double s, void *acc)
{
    if (dt == LG_F32)
        k->f32.mulacc(p, q, n, (float)s, acc);
    else
        k->f64.mulacc(p, q, n, s, acc);
}
