/* Training: the tutorial's run, convergence to the least-squares solution, history
 * semantics, divergence and argument errors. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Closed-form least squares for y = w*x + b, in long double. */
static void least_squares(const lg_tensor *x, const lg_tensor *y, double *w, double *b)
{
    long double sx = 0, sy = 0, sxx = 0, sxy = 0, n = (long double)lg_tensor_size(x);
    for (size_t i = 0; i < lg_tensor_size(x); i++) {
        long double xi = lg_tensor_get(x, i), yi = lg_tensor_get(y, i);
        sx += xi, sy += yi, sxx += xi * xi, sxy += xi * yi;
    }
    long double lw = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    *w = (double)lw;
    *b = (double)((sy - lw * sx) / n);
}

static lg_train_opts tutorial_opts(lg_mode mode, uint64_t seed)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.mode = mode;
    o.init_w = lg_uniform(seed, LG_STREAM_INIT, 0);
    o.init_b = lg_uniform(seed, LG_STREAM_INIT, 1);
    return o;
}

/* The tutorial's run stops early, in every mode, at the same epoch and values;
 * graph mode's history is eager's, bit for bit. */
static void test_tutorial_run(uint64_t seed)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, seed, LG_F64, &x, &y));
    lg_train_opts of = tutorial_opts(LG_MODE_FUSED, seed), oe = tutorial_opts(LG_MODE_EAGER, seed);
    lg_train_opts og = tutorial_opts(LG_MODE_GRAPH, seed);
    lg_train_result rf, re, rg;
    CHECK_OK(lg_train(x, y, &of, &rf));
    CHECK_OK(lg_train(x, y, &oe, &re));
    CHECK_OK(lg_train(x, y, &og, &rg));
    CHECK(rg.n_history == re.n_history && rg.last_epoch == re.last_epoch &&
          memcmp(rg.history, re.history, re.n_history * sizeof *re.history) == 0 &&
          memcmp(&rg.final_loss, &re.final_loss, sizeof re.final_loss) == 0);
    lg_train_result_free(&rg);
    CHECK(rf.stopped_early && rf.last_epoch < 500 && rf.final_loss < 5e-5);
    CHECK(re.stopped_early && re.last_epoch == rf.last_epoch);
    CHECK_REL(re.w, rf.w, 1e-9);
    CHECK_REL(re.b, rf.b, 1e-9);
    /* one record per update: the stopping epoch evaluates the loss only */
    CHECK(rf.n_history == (size_t)rf.last_epoch);
    lg_train_result_free(&rf), lg_train_result_free(&re);
    lg_tensor_free(x), lg_tensor_free(y);
}

/* tol 0 and 5000 epochs: the least-squares optimum, which is near (0.3, 0.5). */
static void test_converges_to_least_squares(lg_mode mode, lg_dtype dt, double tol)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, 42, dt, &x, &y));
    double lw, lb;
    least_squares(x, y, &lw, &lb);
    CHECK(fabs(lw - 0.3) < 0.01 && fabs(lb - 0.5) < 0.01);
    lg_train_opts o = tutorial_opts(mode, 42);
    o.tol = 0;
    o.max_epochs = 5000;
    lg_train_result r;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(!r.stopped_early && r.n_history == 5000 && r.last_epoch == 4999);
    CHECK(fabs(r.w - lw) <= tol && fabs(r.b - lb) <= tol);
    lg_train_result_free(&r);
    lg_tensor_free(x), lg_tensor_free(y);
}

static void test_large(void)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, check_max_n(1000000), 0.01, 1, LG_F64, &x, &y));
    lg_train_opts o = tutorial_opts(LG_MODE_FUSED, 1);
    o.tol = 0;
    o.max_epochs = 2000;
    lg_train_result r;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(fabs(r.w - 0.3) < 2e-3 && fabs(r.b - 0.5) < 2e-3);
    lg_train_result_free(&r);
    lg_tensor_free(x), lg_tensor_free(y);
}

/* history[e] is (loss at the parameters before epoch e, parameters after it). */
/* Every record against the op run by hand: the loss lg_mse_linear gives for the
 * previous parameters, and one step along the gradient lg_backward gives. Fused
 * training takes no tape (src/train/train.c), so this pins its bits to the op's,
 * at one block (n = 100) and at several (n = 5000), in both dtypes. */
static void test_history_semantics(lg_dtype dt, size_t n)
{
    lg_tensor *x, *y, *w, *b;
    lg_graph *g;
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 5, dt, &x, &y));
    lg_train_opts o = tutorial_opts(LG_MODE_FUSED, 5);
    o.max_epochs = 20;
    lg_train_result r;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.n_history == 20);
    CHECK_OK(lg_graph_new(&g));
    for (size_t e = 0; e < r.n_history; e++) {
        double pw = e ? r.history[e - 1].w : o.init_w, pb = e ? r.history[e - 1].b : o.init_b;
        CHECK_OK(lg_tensor_scalar(dt, pw, true, &w));
        CHECK_OK(lg_tensor_scalar(dt, pb, true, &b));
        lg_graph_reset(g);
        lg_tensor *loss = lg_mse_linear(g, x, y, w, b);
        CHECK_OK(lg_backward(g, loss));
        CHECK(r.history[e].epoch == (long)e);
        CHECK(r.history[e].loss == lg_tensor_get(loss, 0));
        double nw = lg_tensor_get(w, 0) - o.lr * lg_tensor_grad_get(w, 0);
        double nb = lg_tensor_get(b, 0) - o.lr * lg_tensor_grad_get(b, 0);
        CHECK(r.history[e].w == (dt == LG_F32 ? (double)(float)nw : nw));
        CHECK(r.history[e].b == (dt == LG_F32 ? (double)(float)nb : nb));
        lg_tensor_free(w), lg_tensor_free(b);
    }
    lg_graph_free(g);
    lg_train_result_free(&r);
    lg_tensor_free(x), lg_tensor_free(y);
}

static int stop_at_three(void *ctx, const lg_epoch_record *rec)
{
    ++*(int *)ctx;
    return rec->epoch == 3;
}

static void test_edges(void)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, 42, LG_F64, &x, &y));
    lg_train_opts o = tutorial_opts(LG_MODE_FUSED, 42);
    lg_train_result r;

    o.max_epochs = 0; /* evaluates the initial loss only */
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.n_history == 0 && r.last_epoch == 0 && r.final_loss > 0);
    CHECK(r.w == o.init_w && r.b == o.init_b);
    lg_train_result_free(&r);

    int calls = 0;
    o = tutorial_opts(LG_MODE_EAGER, 42);
    o.on_epoch = stop_at_three;
    o.ctx = &calls;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.interrupted && calls == 4 && r.n_history == 4);
    lg_train_result_free(&r);

    o = tutorial_opts(LG_MODE_FUSED, 42);
    o.max_epochs = 2000000000L; /* stops early: the limit itself costs nothing */
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.stopped_early && r.n_history < 500);
    lg_train_result_free(&r);

    o = tutorial_opts(LG_MODE_FUSED, 42);
    o.max_epochs = 10000; /* the history grows past its first block */
    o.tol = 0;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.n_history == 10000 && r.history[9999].epoch == 9999);
    lg_train_result_free(&r);

    o = tutorial_opts(LG_MODE_FUSED, 42);
    o.lr = 10;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EDIVERGED);
    CHECK_ERROR_HAS("diverged at epoch");
    CHECK(r.n_history > 0 && isfinite(r.history[r.n_history - 1].loss));
    lg_train_result_free(&r);

    double bad_lr[] = {0.0, -1.0, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        o = tutorial_opts(LG_MODE_FUSED, 42);
        o.lr = bad_lr[i];
        CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
        CHECK_ERROR_HAS("learning rate");
    }
    o = tutorial_opts(LG_MODE_FUSED, 42);
    o.max_epochs = -1;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
    o = tutorial_opts(LG_MODE_FUSED, 42);
    o.tol = -1;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
    o = tutorial_opts(LG_MODE_FUSED, 42);
    o.isa = "no-such-isa";
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EUNSUPPORTED);
    lg_train_result_free(&r);
    lg_tensor_free(x), lg_tensor_free(y);
}

/* f32 initial values follow the rounding rule of f32 data: accepted when they round
 * to a finite float (3.4028235e38 rounds to FLT_MAX), refused when they would
 * round to infinity. The accepted one then overflows the loss, which is its own
 * error: LG_EDIVERGED, not LG_EINVAL. */
static void test_f32_init_range(void)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, 42, LG_F32, &x, &y));
    lg_train_opts o = tutorial_opts(LG_MODE_FUSED, 42);
    lg_train_result r;
    o.init_w = 3.40282357e38;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
    CHECK_ERROR_HAS("finite f32");
    o.init_w = -0x1.ffffffp127; /* the tie rounds to even: infinity */
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
    o.init_w = 3.4028235e38;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EDIVERGED);
    CHECK_ERROR_HAS("initial loss");
    lg_train_result_free(&r); /* a diverged run still holds its (empty) history */
    lg_tensor_free(x), lg_tensor_free(y);
}

int main(void)
{
    check_isa_or_skip("test_train");
    test_f32_init_range();
    for (uint64_t seed = 0; seed < 5; seed++)
        test_tutorial_run(seed);
    test_tutorial_run(42);
    test_converges_to_least_squares(LG_MODE_FUSED, LG_F64, 1e-6);
    test_converges_to_least_squares(LG_MODE_EAGER, LG_F64, 1e-6);
    /* f32 parameters move in steps of about 3e-8 near 0.3; the data is f32 too */
    test_converges_to_least_squares(LG_MODE_FUSED, LG_F32, 1e-5);
    test_converges_to_least_squares(LG_MODE_EAGER, LG_F32, 1e-5);
    test_history_semantics(LG_F64, 100);
    test_history_semantics(LG_F32, 100);
    test_history_semantics(LG_F64, 5000);
    test_history_semantics(LG_F32, 5000);
    test_edges();
    test_large();
    return check_done("test_train");
}
