/* make_linear: reproducible, chunkable, and statistically what the tutorial draws. */
#include <stdlib.h>

#include "check.h"

static void test_reproducible(lg_dtype dt)
{
    size_t n = 10007, bytes = n * lg_dtype_size(dt);
    lg_tensor *x1, *y1, *x2, *y2, *x3, *y3;
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 99, dt, &x1, &y1));
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 99, dt, &x2, &y2));
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 100, dt, &x3, &y3));
    CHECK(memcmp(lg_tensor_cdata(x1), lg_tensor_cdata(x2), bytes) == 0);
    CHECK(memcmp(lg_tensor_cdata(y1), lg_tensor_cdata(y2), bytes) == 0);
    CHECK(memcmp(lg_tensor_cdata(x1), lg_tensor_cdata(x3), bytes) != 0);

    /* Any split into ranges gives the same bytes as one call. */
    unsigned char *cx = malloc(bytes), *cy = malloc(bytes);
    CHECK(cx && cy);
    size_t esize = lg_dtype_size(dt);
    for (size_t start = 0, len = 1; start < n; start += len, len = len * 3 + 1) {
        size_t count = len < n - start ? len : n - start;
        lg_make_linear_range(0.3, 0.5, 0.01, 99, dt, start, count, cx + start * esize,
                             cy + start * esize);
    }
    CHECK(memcmp(cx, lg_tensor_cdata(x1), bytes) == 0);
    CHECK(memcmp(cy, lg_tensor_cdata(y1), bytes) == 0);
    free(cx), free(cy);
    lg_tensor_free(x1), lg_tensor_free(y1), lg_tensor_free(x2), lg_tensor_free(y2);
    lg_tensor_free(x3), lg_tensor_free(y3);
}

/* x ~ U[0,1) and noise ~ U[-0.01, 0.01]: range, mean and variance within bounds
 * that a correct generator violates with probability far below 1e-6. */
static void test_statistics(lg_dtype dt)
{
    const size_t n = 1000000;
    const double w = 0.3, b = 0.5, noise = 0.01;
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(w, b, n, noise, 2024, dt, &x, &y));
    double xmin = 1, xmax = 0, sx = 0, se = 0, see = 0, emax = 0;
    for (size_t i = 0; i < n; i++) {
        double xi = lg_tensor_get(x, i), e = lg_tensor_get(y, i) - (w * xi + b);
        xmin = xi < xmin ? xi : xmin;
        xmax = xi > xmax ? xi : xmax;
        emax = fabs(e) > emax ? fabs(e) : emax;
        sx += xi, se += e, see += e * e;
    }
    double rounding = dt == LG_F32 ? 1e-7 : 1e-15; /* y's own rounding */
    CHECK(xmin >= 0.0 && xmax < 1.0);
    CHECK(xmin < 1e-4 && xmax > 1 - 1e-4);
    CHECK(emax <= noise + rounding && emax > 0.99 * noise);
    /* mean of U[0,1): sd 0.2887/sqrt(n); mean of the noise: sd 0.01/sqrt(3n) */
    CHECK(fabs(sx / n - 0.5) < 6 * 0.2887 / 1000.0);
    CHECK(fabs(se / n) < 6 * noise / sqrt(3.0) / 1000.0);
    /* variance of U[-a, a] is a^2/3; its estimate at n = 1e6 is good to ~0.1% */
    CHECK_RELATIVE(see / n, noise * noise / 3, 0.01);
    lg_tensor_free(x), lg_tensor_free(y);
}

static void test_uniform(void)
{
    double s = 0;
    for (uint64_t i = 0; i < 100000; i++) {
        double u = lg_uniform(5, LG_STREAM_INIT, i);
        CHECK(u >= 0.0 && u < 1.0);
        s += u;
    }
    CHECK(fabs(s / 100000 - 0.5) < 0.006);
    CHECK(lg_uniform(5, LG_STREAM_INIT, 0) == lg_uniform(5, LG_STREAM_INIT, 0));
    CHECK(lg_uniform(5, LG_STREAM_INIT, 0) != lg_uniform(6, LG_STREAM_INIT, 0));
    CHECK(lg_uniform(5, LG_STREAM_X, 0) != lg_uniform(5, LG_STREAM_NOISE, 0));
}

/* Each element is exactly the tutorial's formula over the documented streams. */
static void test_formula(void)
{
    const double w = 0.3, b = 0.5, noise = 0.01;
    double x[3], y[3];
    lg_make_linear_range(w, b, noise, 77, LG_F64, 1000, 3, x, y);
    for (size_t i = 0; i < 3; i++) {
        double xi = lg_uniform(77, LG_STREAM_X, 1000 + i);
        double e = noise * (2 * lg_uniform(77, LG_STREAM_NOISE, 1000 + i) - 1);
        CHECK(x[i] == xi);
        CHECK(y[i] == w * xi + b + e);
    }
}

static void test_bad_args(void)
{
    lg_tensor *x, *y;
    CHECK_STATUS(lg_make_linear(NAN, 0.5, 10, 0.01, 1, LG_F64, &x, &y), LG_EINVAL);
    CHECK_STATUS(lg_make_linear(0.3, 0.5, 0, 0.01, 1, LG_F64, &x, &y), LG_EINVAL);
    CHECK(x == NULL && y == NULL);
    CHECK_STATUS(lg_make_linear(0.3, 0.5, SIZE_MAX / 4, 0.01, 1, LG_F64, &x, &y), LG_ENOMEM);
}

/* With y below the dtype's smallest normal number, a range still equals the
 * same range of a one-shot call (both flush it to zero: docs/numerics.md). */
static void test_subnormal_range(lg_dtype dt)
{
    double w = dt == LG_F32 ? 1e-39 : 1e-310;
    size_t n = 64, esize = lg_dtype_size(dt);
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(w, 0.0, n, 0.0, 7, dt, &x, &y));
    unsigned char cx[64 * 8], cy[64 * 8];
    lg_make_linear_range(w, 0.0, 0.0, 7, dt, 0, n, cx, cy);
    if (x && y) {
        CHECK(memcmp(cx, lg_tensor_cdata(x), n * esize) == 0);
        CHECK(memcmp(cy, lg_tensor_cdata(y), n * esize) == 0);
        CHECK(lg_tensor_get(y, 1) == 0.0);
    }
    lg_tensor_free(x), lg_tensor_free(y);
}

int main(void)
{
    test_reproducible(LG_F64);
    test_reproducible(LG_F32);
    test_statistics(LG_F64);
    test_statistics(LG_F32);
    test_uniform();
    test_formula();
    test_bad_args();
    test_subnormal_range(LG_F32);
    test_subnormal_range(LG_F64);
    return check_done("test_data");
}
