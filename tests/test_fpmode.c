/* lingrad computes with subnormals flushed to zero (src/exec/fpmode.h), on every
 * thread that runs its blocks, and gives each thread its own mode back:
 * - through the driver (serial and OpenMP-region paths, 1 and 2 threads), a
 *   subnormal input reads as zero and a subnormal product becomes zero (f32);
 * - in training on the persistent team (2 threads) and serially, fused and
 *   eager, f32 and f64: subnormal x counts as zero in every block, whichever
 *   thread runs it, so the initial loss of w*x with y = 0 is exactly 0;
 * - the caller's mode is the same afterwards, and so is that of every OpenMP
 *   thread the library borrowed; a caller already in flush mode stays in it;
 * - the kernels themselves hold no policy: called directly they keep IEEE
 *   gradual underflow;
 * - training's on_epoch callback runs in the caller's mode. */
#include <float.h>
#include <omp.h>

#include "check.h"
#include "exec/exec.h"
#include "exec/fpmode.h"
#include "exec/parallel.h"

/* Above the fork grain of every table, so two threads really fork. */
#define N ((size_t)1 << 19)

/* The flush bits of this thread's control register (x86 MXCSR also holds
 * sticky exception flags, which any arithmetic may set). */
static unsigned long flush_bits(void)
{
    return lg_fp_get() & LG_FP_FLUSH;
}

/* True when every thread of a fresh OpenMP region of `threads` has `want`. */
static bool region_mode_is(int threads, unsigned long want)
{
    int bad = 0;
#pragma omp parallel num_threads(threads) reduction(+ : bad)
    bad += flush_bits() != want;
    return bad == 0;
}

static void check_driver(lg_exec ex, float *x, float *y, float *out)
{
    for (size_t i = 0; i < N; i++)
        x[i] = FLT_MIN / 4, y[i] = 0.5f; /* subnormal, normal */
    unsigned long before = flush_bits();
    for (ex.threads = 1; ex.threads <= 2; ex.threads++) {
        lg_par_binary(&ex, LG_F32, LG_BIN_MUL, x, y, N, out);
        size_t nonzero = 0;
        for (size_t i = 0; i < N; i++)
            nonzero += out[i] != 0.0f;
        CHECK(nonzero == 0); /* IEEE would give FLT_MIN / 8 */
        CHECK(lg_par_sum(&ex, LG_F32, x, N) == 0.0);
        lg_mse_sums m = lg_par_mse(&ex, LG_F32, x, y, N, 1.0, 0.0);
        CHECK(m.rx == 0.0); /* r * x with x read as zero */
        CHECK(flush_bits() == before);
        CHECK(region_mode_is(2, before));
    }
}

static void check_caller_in_flush_mode(lg_exec ex, float *x, float *y, float *out)
{
    unsigned long before = lg_fp_get();
    lg_fp_set(before | LG_FP_FLUSH);
    ex.threads = 1;
    lg_par_binary(&ex, LG_F32, LG_BIN_MUL, x, y, N, out);
    CHECK(flush_bits() == LG_FP_FLUSH);
    lg_fp_set(before);
}

static void check_kernels_hold_no_policy(const lg_exec *ex)
{
    float x[8], y[8], out[8];
    for (int i = 0; i < 8; i++)
        x[i] = FLT_MIN / 4, y[i] = 0.5f;
    ex->k->f32.mul(x, y, 8, out);
    CHECK(out[0] == FLT_MIN / 8 && out[7] == FLT_MIN / 8);
}

/* x subnormal, y = 0, w large: IEEE gives r = w*x, about 1e-9 or 1e-10, and a
 * positive loss; in lingrad's mode x reads as 0 in every block, so the loss is 0.
 * n is above the team grain, so with 2 threads the worker runs half the blocks. */
static void check_training_flushes(lg_dtype dt, lg_mode mode, int threads)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_tensor_new(dt, N, false, &x));
    CHECK_OK(lg_tensor_new(dt, N, false, &y));
    if (!x || !y)
        return;
    for (size_t i = 0; i < N; i++)
        lg_tensor_set(x, i, dt == LG_F32 ? 1e-39 : 1e-310), lg_tensor_set(y, i, 0.0);
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.mode = mode, o.threads = threads, o.max_epochs = 0, o.tol = 0;
    o.threads_now = true; /* the team runs the epoch, not one thread */
    o.init_w = dt == LG_F32 ? 1e30 : 1e300;
    lg_train_result r;
    CHECK_OK(lg_train(x, y, &o, &r));
    if (r.final_loss != 0.0)
        fprintf(stderr, "%s %s, %d threads: initial loss %g\n", lg_dtype_name(dt), lg_mode_name(mode), threads, r.final_loss);
    CHECK(r.final_loss == 0.0);
    lg_train_result_free(&r);
    lg_tensor_free(x), lg_tensor_free(y);
}

static int seen_mode_ok, seen_epochs;

static int on_epoch(void *ctx, const lg_epoch_record *rec)
{
    (void)ctx, (void)rec;
    seen_epochs++;
    seen_mode_ok += flush_bits() == 0; /* the caller's mode, not lingrad's */
    return 0;
}

static void check_training_restores(void)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, N, 0.01, 5, LG_F32, &x, &y));
    unsigned long before = flush_bits();
    for (int threads = 1; threads <= 2; threads++) {
        lg_train_opts o;
        lg_train_opts_default(&o);
        o.threads = threads, o.max_epochs = 5, o.tol = 0, o.on_epoch = on_epoch;
        o.threads_now = true;
        lg_train_result r;
        seen_mode_ok = seen_epochs = 0;
        CHECK_OK(lg_train(x, y, &o, &r));
        lg_train_result_free(&r);
        CHECK(seen_epochs == 5 && seen_mode_ok == 5);
        CHECK(flush_bits() == before);
        CHECK(region_mode_is(2, before));
    }
    lg_tensor_free(x), lg_tensor_free(y);
}

int main(void)
{
    check_isa_or_skip("test_fpmode");
    if (LG_FP_FLUSH == 0) {
        printf("test_fpmode: skipped: this architecture keeps IEEE gradual underflow\n");
        return 77;
    }
    /* Start from IEEE mode even if a runtime (say, -ffast-math's startup code)
     * switched it on before main. */
    lg_fp_set(lg_fp_get() & ~(unsigned long)LG_FP_FLUSH);
    lg_exec ex;
    CHECK_OK(lg_exec_default(&ex));
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *out = malloc(N * sizeof *out);
    CHECK(x && y && out);
    if (x && y && out) {
        check_driver(ex, x, y, out);
        check_caller_in_flush_mode(ex, x, y, out);
    }
    free(x), free(y), free(out);
    check_kernels_hold_no_policy(&ex);
    check_training_restores();
    for (int d = 0; d < 2; d++)
        for (int m = 0; m < LG_MODE_COUNT; m++)
            for (int threads = 1; threads <= 2; threads++)
                check_training_flushes(d ? LG_F64 : LG_F32, (lg_mode)m, threads);
    return check_done("test_fpmode");
}
