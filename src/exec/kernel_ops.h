/*
 * The kernel-table entries as data (internal): one enum, what each entry reads
 * and writes, and the one switch that calls an entry of a table by its enum and
 * dtype. The parallel driver and the benchmarks all call kernels through this,
 * so the list of entries and the typed call exist once; kernels.h holds the
 * types the switch is checked against.
 */
#ifndef LG_KERNEL_OPS_H
#define LG_KERNEL_OPS_H

#include "kernels.h"
#include "lingrad.h"

/* In the order of the table's fields. */
typedef enum lg_kop {
    LG_KOP_MSE,
    LG_KOP_AXPB,
    LG_KOP_ADD,
    LG_KOP_SUB,
    LG_KOP_MUL,
    LG_KOP_SQUARE,
    LG_KOP_AXPY,
    LG_KOP_MULACC,
    LG_KOP_SUM,
    LG_KOP_DOT,
    LG_KOP_COUNT
} lg_kop;

typedef struct lg_kop_info {
    const char *name;  /* the entry's field name: "mse", "axpb", ... */
    int reads, writes; /* arrays read and written per element (for bytes/s) */
    bool reduces;      /* returns sums; the others write out[] and return zeros */
} lg_kop_info;

const lg_kop_info *lg_kop_about(lg_kop op);

/* lg_kop_about(op)->reduces, inline for the drivers' per-call path (kernel_ops.c
 * checks that the two agree). */
static inline bool lg_kop_reduces(lg_kop op)
{
    return op == LG_KOP_MSE || op == LG_KOP_SUM || op == LG_KOP_DOT;
}

/* One call's operands. p, q: the inputs (mse: x, y); out: the array written
 * (axpy: y, mulacc: acc); a, b: the scalars (mse: w, b; axpb: a, b; axpy: a;
 * mulacc: s). Operands an entry does not take are ignored and may be NULL. */
typedef struct lg_kop_args {
    const void *p, *q;
    void *out;
    double a, b;
} lg_kop_args;

/* Entry op of table k, in dtype dt, on elements [begin, begin + n) of the
 * operands. Returns mse's three sums, sum's and dot's result in .r, zeros for
 * elementwise entries. */
lg_mse_sums lg_kop_call(const lg_kernels *k, lg_dtype dt, lg_kop op, const lg_kop_args *a,
                        size_t begin, size_t n);

#endif
