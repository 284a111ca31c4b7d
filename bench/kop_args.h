/* The operands both kernel benchmarks (lingrad-rates, lingrad-bench's kernel
 * suite) call each kernel-table entry with, so their rows measure the same call. */
#ifndef LG_BENCH_KOP_ARGS_H
#define LG_BENCH_KOP_ARGS_H

#include "exec/kernel_ops.h"

/* x, y and out for every entry. axpy and mulacc add 1e-9 * x (* y) into out on
 * every call, so out stays finite, and on normal data away from subnormals,
 * however many calls a batch makes. */
static inline lg_kop_args lg_bench_kop_args(lg_kop op, const void *x, const void *y, void *out)
{
    lg_kop_args a = {.p = x, .q = y, .out = out, .a = 1e-9, .b = 0.0};
    if (op == LG_KOP_MSE)
        a.a = 0.25, a.b = 0.125;
    else if (op == LG_KOP_AXPB)
        a.a = 1.5, a.b = 0.25;
    return a;
}

#endif
