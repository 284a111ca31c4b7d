/* Float32 data, long sums: the three fused sums at n = 10^8 (LINGRAD_ACCURACY_N)
 * through the blocked driver are within 1e-6 relative of a long-double reference
 * computed from the same float inputs (a single float accumulator would be off by
 * tens of percent here). The kernels called directly on all n elements, where
 * only the table's own flush into double protects them, must do far better:
 * they reach ~1e-10, and 2e-9 leaves 20x headroom while still failing if the
 * flush stops working (errors of 1e-8 and more). */
#include <stdlib.h>

#include "check.h"
#include "exec/exec.h"
#include "exec/isa.h"
#include "exec/parallel.h"

#ifndef LG_ACCURACY_N
#define LG_ACCURACY_N 100000000
#endif

int main(void)
{
    check_isa_or_skip("test_accuracy");
    const lg_kernels *k;
    CHECK_OK(lg_kernels_default(&k));
    const size_t n = check_max_n(LG_ACCURACY_N);
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 7, LG_F32, &x, &y));
    if (!x)
        return check_done("test_accuracy");
    const float *xf = lg_tensor_cdata(x), *yf = lg_tensor_cdata(y);
    const float w = 0.25f, b = 0.125f; /* away from the optimum: no cancellation */
    long double sr = 0, srx = 0, srr = 0, sx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        long double r = (long double)w * xf[i] + b - yf[i];
        sr += r, srx += r * xf[i], srr += r * r;
        sx += xf[i], sxy += (long double)xf[i] * yf[i];
    }
    lg_exec ex;
    CHECK_OK(lg_exec_default(&ex));
    lg_mse_sums s = lg_par_mse(&ex, LG_F32, xf, yf, n, w, b);
    printf("n = %zu: relative errors %.2e %.2e %.2e\n", n, fabs(s.r - (double)sr) / fabs((double)sr),
           fabs(s.rx - (double)srx) / fabs((double)srx), fabs(s.rr - (double)srr) / fabs((double)srr));
    CHECK_RELATIVE(s.r, (double)sr, 1e-6);
    CHECK_RELATIVE(s.rx, (double)srx, 1e-6);
    CHECK_RELATIVE(s.rr, (double)srr, 1e-6);

    lg_mse_sums d = k->f32.mse(xf, yf, n, w, b);
    double dsum = k->f32.sum(xf, n), ddot = k->f32.dot(xf, yf, n);
    printf("direct: relative errors %.2e %.2e %.2e, sum %.2e, dot %.2e\n",
           fabs(d.r - (double)sr) / fabs((double)sr), fabs(d.rx - (double)srx) / fabs((double)srx),
           fabs(d.rr - (double)srr) / fabs((double)srr), fabs(dsum - (double)sx) / (double)sx,
           fabs(ddot - (double)sxy) / (double)sxy);
    CHECK_RELATIVE(d.r, (double)sr, 2e-9);
    CHECK_RELATIVE(d.rx, (double)srx, 2e-9);
    CHECK_RELATIVE(d.rr, (double)srr, 2e-9);
    CHECK_RELATIVE(dsum, (double)sx, 2e-9);
    CHECK_RELATIVE(ddot, (double)sxy, 2e-9);
    lg_tensor_free(x), lg_tensor_free(y);
    return check_done("test_accuracy");
}
