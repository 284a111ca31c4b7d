/* Calling a kernel-table entry by its enum: the one typed switch per dtype. */
#include <assert.h>

#include "core/dtype.h"
#include "exec/kernel_ops.h"

static const lg_kop_info info[] = {
    [LG_KOP_MSE] = {"mse", 2, 0, true},
    [LG_KOP_AXPB] = {"axpb", 1, 1, false},
    [LG_KOP_ADD] = {"add", 2, 1, false},
    [LG_KOP_SUB] = {"sub", 2, 1, false},
    [LG_KOP_MUL] = {"mul", 2, 1, false},
    [LG_KOP_SQUARE] = {"square", 1, 1, false},
    [LG_KOP_AXPY] = {"axpy", 2, 1, false},     /* reads x and y, writes y */
    [LG_KOP_MULACC] = {"mulacc", 3, 1, false}, /* reads p, q and acc, writes acc */
    [LG_KOP_SUM] = {"sum", 1, 0, true},
    [LG_KOP_DOT] = {"dot", 2, 0, true},
};
_Static_assert(sizeof info / sizeof info[0] == LG_KOP_COUNT, "one lg_kop_info per lg_kop");

const lg_kop_info *lg_kop_about(lg_kop op)
{
    assert(info[op].reduces == lg_kop_reduces(op));
    return &info[op];
}

static lg_mse_sums sums1(double v)
{
    return (lg_mse_sums){v, 0.0, 0.0};
}

static lg_mse_sums call_f32(const lg_kernels_f32 *k, lg_kop op, const float *p, const float *q,
                            float *o, size_t n, float a, float b)
{
    switch (op) {
    case LG_KOP_MSE: return k->mse(p, q, n, a, b);
    case LG_KOP_AXPB: k->axpb(p, n, a, b, o); break;
    case LG_KOP_ADD: k->add(p, q, n, o); break;
    case LG_KOP_SUB: k->sub(p, q, n, o); break;
    case LG_KOP_MUL: k->mul(p, q, n, o); break;
    case LG_KOP_SQUARE: k->square(p, n, o); break;
    case LG_KOP_AXPY: k->axpy(p, n, a, o); break;
    case LG_KOP_MULACC: k->mulacc(p, q, n, a, o); break;
    case LG_KOP_SUM: return sums1(k->sum(p, n));
    case LG_KOP_DOT: return sums1(k->dot(p, q, n));
    case LG_KOP_COUNT: break;
    }
    return sums1(0.0);
}

static lg_mse_sums call_f64(const lg_kernels_f64 *k, lg_kop op, const double *p, const double *q,
                            double *o, size_t n, double a, double b)
{
    switch (op) {
    case LG_KOP_MSE: return k->mse(p, q, n, a, b);
    case LG_KOP_AXPB: k->axpb(p, n, a, b, o); break;
    case LG_KOP_ADD: k->add(p, q, n, o); break;
    case LG_KOP_SUB: k->sub(p, q, n, o); break;
    case LG_KOP_MUL: k->mul(p, q, n, o); break;
    case LG_KOP_SQUARE: k->square(p, n, o); break;
    case LG_KOP_AXPY: k->axpy(p, n, a, o); break;
    case LG_KOP_MULACC: k->mulacc(p, q, n, a, o); break;
    case LG_KOP_SUM: return sums1(k->sum(p, n));
    case LG_KOP_DOT: return sums1(k->dot(p, q, n));
    case LG_KOP_COUNT: break;
    }
    return sums1(0.0);
}

/* p + off bytes; NULL stays NULL (an operand the entry ignores). */
static const void *at(const void *p, size_t off)
{
    return p ? (const char *)p + off : NULL;
}

lg_mse_sums lg_kop_call(const lg_kernels *k, lg_dtype dt, lg_kop op, const lg_kop_args *a,
                        size_t begin, size_t n)
{
    const void *p = a->p, *q = a->q;
    void *o = a->out;
    if (begin) { /* most calls start at 0: small n, and graph mode's tiles */
        size_t off = begin * lg_esize(dt);
        p = at(p, off), q = at(q, off), o = (void *)at(o, off);
    }
    if (dt == LG_F32)
        return call_f32(&k->f32, op, p, q, o, n, (float)a->a, (float)a->b);
    return call_f64(&k->f64, op, p, q, o, n, a->a, a->b);
}
