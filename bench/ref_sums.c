/* The long-double references of bench/ref_sums.h. */
#include "ref_sums.h"

#include <math.h>
#include <stdlib.h>

#include "kop_args.h"

/* Enough for every (dtype, size) the suites register. */
enum { MAX_REFS = 32 };

typedef struct cached {
    lg_dtype dt;
    size_t n;
    lg_bench_ref ref;
} cached;

static cached refs[MAX_REFS];
static int n_refs;

/* One pass in long double (64-bit significand on x86: the sums of 10^8 terms
 * keep about 10 digits more than double would). r is formed exactly from the
 * stored operands, not rounded to the data's precision. */
static lg_bench_ref compute(const lg_bench_data *d, lg_dtype dt, size_t n)
{
    lg_kop_args a = lg_bench_kop_args(LG_KOP_MSE, NULL, NULL, NULL);
    long double w = a.a, b = a.b;
    lg_bench_ref s = {0};
    for (size_t i = 0; i < n; i++) {
        long double x, y;
        if (dt == LG_F32)
            x = ((const float *)d->x[dt])[i], y = ((const float *)d->y[dt])[i];
        else
            x = ((const double *)d->x[dt])[i], y = ((const double *)d->y[dt])[i];
        long double r = w * x + b - y;
        s.r += r, s.rx += r * x, s.rr += r * r, s.dot += x * y;
    }
    return s;
}

const lg_bench_ref *lg_bench_ref_for(const lg_bench_data *d, lg_dtype dt, size_t n)
{
    for (int i = 0; i < n_refs; i++)
        if (refs[i].dt == dt && refs[i].n == n)
            return &refs[i].ref;
    if (n_refs == MAX_REFS)
        abort(); /* a suite registered more sizes than this file allows for */
    refs[n_refs] = (cached){dt, n, compute(d, dt, n)};
    return &refs[n_refs++].ref;
}

double lg_bench_rel_err(double got, long double want)
{
    long double diff = fabsl((long double)got - want);
    if (want == 0.0L)
        return diff == 0.0L ? 0.0 : INFINITY;
    return (double)(diff / fabsl(want));
}

void lg_bench_mse_err_counters(lg_bench_state *st, lg_mse_sums got, const lg_bench_ref *ref)
{
    double er = lg_bench_rel_err(got.r, ref->r), erx = lg_bench_rel_err(got.rx, ref->rx);
    double err = lg_bench_rel_err(got.rr, ref->rr);
    double worst = fmax(er, fmax(erx, err));
    lg_bench_counter(st, "rel_err_r", er, 0);
    lg_bench_counter(st, "rel_err_rx", erx, 0);
    lg_bench_counter(st, "rel_err_rr", err, 0);
    lg_bench_counter(st, "rel_err", worst, 0);
}
