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

static inline lg_mse_sums lg_kop_sums1(double v)
{
    return (lg_mse_sums){v, 0.0, 0.0};
}

/* Entry op of table k, in dtype dt, on elements [0, n) of the operands: the one
 * typed switch, written once for both dtypes. Inline, for callers whose op is a
 * constant (eager mode's inlined step lists), where it folds to a direct call. */
static inline __attribute__((always_inline)) lg_mse_sums
lg_kop_call_here(const lg_kernels *k, lg_dtype dt, lg_kop op, const lg_kop_args *a, size_t n)
{
/* The switch over the entries for table t of element type T; x and y are the
 * scalars rounded to T. */
#define LG_KOP_SWITCH(t, T)                                                     \
    const T *p = a->p, *q = a->q;                                               \
    T *o = a->out, x = (T)a->a, y = (T)a->b;                                    \
    switch (op) {                                                               \
    case LG_KOP_MSE: return t->mse(p, q, n, x, y);                              \
    case LG_KOP_AXPB: t->axpb(p, n, x, y, o); break;                            \
    case LG_KOP_ADD: t->add(p, q, n, o); break;                                 \
    case LG_KOP_SUB: t->sub(p, q, n, o); break;                                 \
    case LG_KOP_MUL: t->mul(p, q, n, o); break;                                 \
    case LG_KOP_SQUARE: t->square(p, n, o); break;                              \
    case LG_KOP_AXPY: t->axpy(p, n, x, o); break;                               \
    case LG_KOP_MULACC: t->mulacc(p, q, n, x, o); break;                        \
    case LG_KOP_SUM: return lg_kop_sums1(t->sum(p, n));                         \
    case LG_KOP_DOT: return lg_kop_sums1(t->dot(p, q, n));                      \
    case LG_KOP_COUNT: break;                                                   \
    }                                                                           \
    return lg_kop_sums1(0.0)
    if (dt == LG_F32) {
        const lg_kernels_f32 *t = &k->f32;
        LG_KOP_SWITCH(t, float);
    }
    const lg_kernels_f64 *t = &k->f64;
    LG_KOP_SWITCH(t, double);
#undef LG_KOP_SWITCH
}

/* Entry op of table k, in dtype dt, on elements [begin, begin + n) of the
 * operands. Returns mse's three sums, sum's and dot's result in .r, zeros for
 * elementwise entries. */
lg_mse_sums lg_kop_call(const lg_kernels *k, lg_dtype dt, lg_kop op, const lg_kop_args *a,
                        size_t begin, size_t n);

#endif
