/* The tutorial's make_linear, reproducible from a seed and computable in pieces. */
#include <float.h>
#include <math.h>

#include "core/dtype.h"
#include "core/error.h"
#include "exec/exec.h"
#include "exec/fpmode.h"
#include "exec/parallel.h"
#include "data/random.h"
#include "tensor/tensor.h"

double lg_uniform(uint64_t seed, uint32_t stream, uint64_t index)
{
    return lg_rng_unit(lg_rng_at(lg_rng_key(seed, stream), index));
}

/* Rounding a double just below 1 to float can give 1.0f; x must stay below 1. */
static float unit_to_f32(double u)
{
    float f = (float)u;
    return f < 1.0f ? f : 0x1.fffffep-1f;
}

static void fill_range(double w, double b, double noise, uint64_t seed, lg_dtype dtype,
                       size_t start, size_t count, void *x, void *y)
{
    uint64_t kx = lg_rng_key(seed, LG_STREAM_X), ke = lg_rng_key(seed, LG_STREAM_NOISE);
    double amp = fabs(noise);
    for (size_t i = 0; i < count; i++) {
        uint64_t idx = (uint64_t)(start + i);
        double xi = lg_rng_unit(lg_rng_at(kx, idx));
        double e = amp * (2.0 * lg_rng_unit(lg_rng_at(ke, idx)) - 1.0);
        if (dtype == LG_F32) {
            float xf = unit_to_f32(xi);
            ((float *)x)[i] = xf;
            ((float *)y)[i] = (float)(w * xf + b + e); /* y from the x actually stored */
        } else {
            ((double *)x)[i] = xi;
            ((double *)y)[i] = w * xi + b + e;
        }
    }
}

/* In lingrad's floating-point mode, as lg_make_linear's blocks are, so that a
 * range made on its own equals the same range of a one-shot call even when y
 * would be subnormal (exec/fpmode.h). */
static void fill_range_fp(double w, double b, double noise, uint64_t seed, lg_dtype dtype,
                          size_t start, size_t count, void *x, void *y)
{
    lg_fpmode mode = lg_fpmode_enter();
    fill_range(w, b, noise, seed, dtype, start, count, x, y);
    lg_fpmode_leave(mode);
}

static lg_status check_params(const char *fn, double w, double b, double noise, lg_dtype dtype)
{
    lg_status s = lg_dtype_check(dtype, fn);
    if (s != LG_OK)
        return s;
    /* |y| <= |w| + |b| + |noise| since x is in [0, 1): that bound must fit the dtype. */
    double bound = fabs(w) + fabs(b) + fabs(noise);
    if (!(bound <= (dtype == LG_F32 ? FLT_MAX : DBL_MAX)))
        return lg_fail(LG_EINVAL, "%s: w, b and noise must be finite and |w| + |b| + |noise| "
                       "must fit in %s", fn, lg_dtype_name(dtype));
    return LG_OK;
}

lg_status lg_make_linear_range(double w, double b, double noise, uint64_t seed, lg_dtype dtype,
                               size_t start, size_t count, void *x, void *y)
{
    lg_status s = check_params("lg_make_linear_range", w, b, noise, dtype);
    if (s != LG_OK)
        return s;
    if (count > 0 && (!x || !y))
        return lg_fail(LG_EINVAL, "lg_make_linear_range: %s is NULL: x and y must be arrays of %zu "
                       "values", !x ? "x" : "y", count);
    if (start > UINT64_MAX - count)
        return lg_fail(LG_EINVAL, "lg_make_linear_range: start + count overflows the index");
    fill_range_fp(w, b, noise, seed, dtype, start, count, x, y);
    return LG_OK;
}

typedef struct gen_job {
    double w, b, noise;
    uint64_t seed;
    lg_dtype dtype;
    void *x, *y;
} gen_job;

static void gen_block(void *ctx, int worker, size_t block, size_t begin, size_t end)
{
    (void)worker, (void)block;
    const gen_job *j = ctx;
    size_t off = begin * lg_dtype_size(j->dtype);
    fill_range_fp(j->w, j->b, j->noise, j->seed, j->dtype, begin, end - begin,
                  (char *)j->x + off, (char *)j->y + off);
}

lg_status lg_make_linear(double w, double b, size_t n, double noise, uint64_t seed,
                         lg_dtype dtype, lg_tensor **x, lg_tensor **y)
{
    if (!x || !y)
        return lg_fail_null("lg_make_linear", !x ? "x" : "y");
    *x = *y = NULL;
    lg_status s = check_params("lg_make_linear", w, b, noise, dtype);
    if (s != LG_OK)
        return s;
    /* The threads decide where each block lives; no kernel runs, so the chosen
     * table plays no part (the best one only sets the grain, as it did before). */
    lg_exec ex = {.k = lg_kernels_best()};
    lg_tensor *tx = NULL, *ty = NULL;
    s = lg_threads_default(&ex.threads);
    if (s == LG_OK)
        s = lg_tensor_new_untouched(dtype, n, &tx);
    if (s == LG_OK)
        s = lg_tensor_new_untouched(dtype, n, &ty);
    if (s != LG_OK) {
        lg_tensor_free(tx);
        return s;
    }
    /* Each block is made (and so first touched) by the thread that trains on it. */
    gen_job j = {w, b, noise, seed, dtype, tx->data, ty->data};
    lg_par_for(&ex, n, gen_block, &j);
    *x = tx;
    *y = ty;
    return LG_OK;
}
