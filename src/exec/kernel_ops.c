/* The kernel-table entries' descriptions, and calls at an offset. */
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
    return lg_kop_call_here(k, dt, op, &(lg_kop_args){p, q, o, a->a, a->b}, n);
}
