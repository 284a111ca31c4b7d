/* Long-double references for the sums the kernel and peer rows compute, so
 * each row can report the relative error of its result (lingrad-bench). */
#ifndef LG_BENCH_REF_SUMS_H
#define LG_BENCH_REF_SUMS_H

#include "bench.h"
#include "kernels.h"

/* The fused MSE sums at the bench's (w, b) (kop_args.h) and sum x*y, over the
 * first n elements of the data set; computed once per (dtype, n), untimed. */
typedef struct lg_bench_ref {
    long double r, rx, rr, dot;
} lg_bench_ref;

const lg_bench_ref *lg_bench_ref_for(const lg_bench_data *d, lg_dtype dt, size_t n);

/* |got - want| / |want|, 0 when both are 0. */
double lg_bench_rel_err(double got, long double want);

/* Reports rel_err_r, rel_err_rx, rel_err_rr and rel_err (the largest of them). */
void lg_bench_mse_err_counters(lg_bench_state *st, lg_mse_sums got, const lg_bench_ref *ref);

#endif
