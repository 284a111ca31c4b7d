/* The contract written in include/lingrad.h, statement by statement: ownership and
 * lifetimes of tensors, wrapping the caller's arrays, lg_make_linear_range's
 * status, lg_train's arguments and result table, and the training modes' list
 * (LG_MODES and its functions). (Threads: test_thread_safety.c.) */
#include <stdint.h>

#include "check.h"

/* Big enough that one step needs several arena blocks, which reset merges into
 * one and frees: a stale output then points into freed memory (ASan sees it). */
enum { BIG = 100000 };

static void test_stale_outputs(void)
{
    lg_graph *g;
    lg_tensor *a, *w;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_tensor_new(LG_F64, BIG, true, &a));
    CHECK_OK(lg_tensor_scalar(LG_F64, 2.0, true, &w));
    lg_tensor *sq = lg_square(g, lg_mul(g, a, w));
    lg_tensor *loss = lg_mean(g, sq);
    CHECK(loss != NULL && lg_tensor_get(loss, 0) == 0.0);
    lg_graph_reset(g);
    CHECK(lg_graph_status(g) == LG_OK);
    CHECK(lg_add(g, sq, a) == NULL);
    CHECK_STATUS(lg_graph_status(g), LG_EINVAL);
    CHECK_ERROR_HAS("earlier step");
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, loss), LG_EINVAL);
    CHECK_ERROR_HAS("earlier step");
    CHECK(lg_tensor_data(sq) == NULL && lg_tensor_cdata(sq) == NULL && lg_tensor_grad(sq) == NULL);
    CHECK(isnan(lg_tensor_get(sq, 0)) && isnan(lg_tensor_grad_get(sq, 0)));
    CHECK_STATUS(lg_tensor_set(sq, 0, 1.0), LG_EINVAL);
    CHECK_STATUS(lg_zero_grad(sq), LG_EINVAL);
    CHECK(lg_tensor_size(sq) == 0 && lg_dtype_size(lg_tensor_dtype(sq)) == 0);
    /* lg_graph_set_isa resets too. */
    lg_tensor *m = lg_mul(g, a, w);
    CHECK(m != NULL);
    CHECK_OK(lg_graph_set_isa(g, lg_graph_isa(g)));
    CHECK(lg_square(g, m) == NULL);
    CHECK_ERROR_HAS("earlier step");
    /* 1 to 5 resets back, each later step recording the same ops (which once
     * reused the old step's headers, so that the old handle named a new output). */
    for (int resets = 1; resets <= 5; resets++) {
        lg_graph_reset(g);
        lg_tensor *old = lg_mul(g, a, w);
        for (int r = 0; r < resets; r++) {
            lg_graph_reset(g);
            CHECK(lg_mean(g, lg_square(g, lg_mul(g, a, w))) != NULL);
        }
        CHECK(lg_square(g, old) == NULL);
        CHECK_ERROR_HAS("earlier step");
        lg_graph_reset(g);
        CHECK(lg_mean(g, lg_square(g, lg_mul(g, a, w))) != NULL);
        CHECK_STATUS(lg_backward(g, old), LG_EINVAL);
        CHECK(isnan(lg_tensor_get(old, 0)) && lg_tensor_data(old) == NULL);
        CHECK_STATUS(lg_tensor_set(old, 0, 1.0), LG_EINVAL);
    }
    /* 30,000 steps later, its header reused 15,000 times: still caught, by the
     * step bits in its handle (tensor/tensor.h). */
    lg_tensor *s;
    CHECK_OK(lg_tensor_scalar(LG_F64, 1.0, false, &s));
    lg_graph_reset(g);
    lg_tensor *first = lg_mul(g, s, w);
    for (int step = 0; step < 30000; step++) {
        lg_graph_reset(g);
        CHECK(lg_mean(g, lg_square(g, lg_mul(g, s, w))) != NULL);
    }
    lg_tensor_free(s);
    CHECK(lg_square(g, first) == NULL);
    CHECK_ERROR_HAS("earlier step");
    CHECK(isnan(lg_tensor_get(first, 0)) && lg_tensor_size(first) == 0);
    CHECK_STATUS(lg_tensor_free(first), LG_EINVAL);
    /* Exactly 2^23 steps later its handle's step bits are this step's again, and
     * the same op would take the same header: the wrap retired the headers, so
     * it finds its own, with its own generation. */
    lg_graph_reset(g);
    lg_tensor *wrapped = lg_mul(g, a, w);
    for (long step = 0; step < (1L << 23); step++)
        lg_graph_reset(g);
    CHECK(lg_mul(g, a, w) != NULL && lg_graph_status(g) == LG_OK);
    CHECK(lg_square(g, wrapped) == NULL);
    CHECK_ERROR_HAS("earlier step");
    /* Leaves are not tied to any step. */
    lg_graph_reset(g);
    CHECK(lg_mul(g, a, w) != NULL && lg_graph_status(g) == LG_OK);
    lg_graph_free(g);
    lg_tensor_free(a);
    lg_tensor_free(w);
}

/* A tape records the version of each input it reads; a write through the API
 * between recording and running fails the run, in both modes, for leaves and op
 * outputs, in lg_backward and lg_graph_eval. x = 3, w = 2, loss = mean((x*w)^2):
 * recorded, then w = 100 (lingrad.h: "Versions"). */
static void test_versions_mode(bool deferred)
{
    lg_graph *g;
    lg_tensor *x, *w;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_set_deferred(g, deferred));
    CHECK_OK(lg_graph_set_compile(g, false));
    CHECK_OK(lg_tensor_scalar(LG_F64, 3.0, false, &x));
    CHECK_OK(lg_tensor_scalar(LG_F64, 2.0, true, &w));
    lg_tensor *loss = lg_mean(g, lg_square(g, lg_mul(g, x, w)));
    CHECK_OK(lg_tensor_set(w, 0, 100.0));
    CHECK_STATUS(lg_backward(g, loss), LG_EINVAL);
    CHECK_ERROR_HAS("input 2 of lg_mul (its b; step 1 of the tape; a leaf of 1 f64)");
    CHECK_ERROR_HAS("was changed by lg_tensor_set after lg_mul used it; record the step again");
    CHECK(lg_tensor_grad_get(w, 0) == 0.0);
    CHECK_STATUS(lg_graph_eval(g, loss), LG_EINVAL);
    CHECK_ERROR_HAS("lg_graph_eval: input 2 of lg_mul");
    /* Recorded again: the new value, as PyTorch after re-running the forward. */
    lg_graph_reset(g);
    loss = lg_mean(g, lg_square(g, lg_mul(g, x, w)));
    CHECK_OK(lg_backward(g, loss));
    CHECK(lg_tensor_get(loss, 0) == 90000.0 && lg_tensor_grad_get(w, 0) == 1800.0);
    /* A write that changes nothing still counts (as PyTorch's in-place ops do);
     * lg_zero_grad writes no value and counts for nothing. */
    lg_graph_reset(g);
    loss = lg_mean(g, lg_square(g, lg_mul(g, x, w)));
    CHECK_OK(lg_zero_grad(w));
    CHECK_OK(lg_tensor_set(x, 0, 3.0));
    CHECK_STATUS(lg_backward(g, loss), LG_EINVAL);
    CHECK_ERROR_HAS("input 1 of lg_mul");
    /* An op's own output written: eager would keep the value, graph mode would
     * compute it again; both refuse to run the step. */
    lg_graph_reset(g);
    CHECK_OK(lg_zero_grad(w));
    loss = lg_mean(g, lg_square(g, lg_mul(g, x, w)));
    CHECK_OK(lg_graph_eval(g, loss));
    CHECK_OK(lg_tensor_set(loss, 0, 5.0));
    CHECK_STATUS(lg_graph_eval(g, loss), LG_EINVAL);
    CHECK_ERROR_HAS("the output of lg_mean (step 3 of the tape) was changed by lg_tensor_set");
    CHECK_STATUS(lg_backward(g, loss), LG_EINVAL);
    lg_graph_reset(g);
    CHECK_OK(lg_zero_grad(w));
    if (!deferred) { /* an op output written after a later op read it */
        lg_tensor *m = lg_mul(g, x, w);
        loss = lg_mean(g, lg_square(g, m));
        CHECK_OK(lg_tensor_set(m, 0, 1.0));
        CHECK_STATUS(lg_backward(g, loss), LG_EINVAL);
        CHECK_ERROR_HAS("the output of lg_mul (step 1 of the tape) was changed");
        CHECK_STATUS(lg_graph_eval(g, loss), LG_EINVAL);
    } else { /* replay runs on the current values: that is its purpose */
        loss = lg_mean(g, lg_square(g, lg_mul(g, x, w)));
        CHECK_OK(lg_backward(g, loss));
        CHECK_OK(lg_tensor_set(w, 0, 2.0));
        CHECK_OK(lg_zero_grad(w));
        CHECK_OK(lg_graph_replay(g));
        CHECK(lg_tensor_get(loss, 0) == 36.0 && lg_tensor_grad_get(w, 0) == 36.0);
    }
    lg_graph_free(g);
    lg_tensor_free(x);
    lg_tensor_free(w);
}

static void test_versions(void)
{
    test_versions_mode(false);
    test_versions_mode(true);
}

/* Values a tensor cannot hold are refused where they are written; values that
 * arrive another way (a wrapped array) are named by lg_train. */
static void test_values(void)
{
    lg_tensor *t, *f;
    CHECK_OK(lg_tensor_new(LG_F64, 4, false, &t));
    CHECK_OK(lg_tensor_new(LG_F32, 4, false, &f));
    CHECK_STATUS(lg_tensor_set(t, 1, NAN), LG_EINVAL);
    CHECK_ERROR_HAS("element 1 is not a finite number");
    CHECK_STATUS(lg_tensor_set(t, 1, -INFINITY), LG_EINVAL);
    CHECK_OK(lg_tensor_set(t, 1, 1e300));
    CHECK_STATUS(lg_tensor_set(f, 2, 1e300), LG_EINVAL);
    CHECK_ERROR_HAS("too large for f32");
    CHECK(lg_tensor_get(f, 2) == 0.0); /* nothing stored */
    CHECK_STATUS(lg_tensor_set(f, 2, 3.40282357e38), LG_EINVAL);
    CHECK_OK(lg_tensor_set(f, 2, 3.4028235e38));
    CHECK(lg_tensor_get(f, 2) == (double)3.40282347e38f);
    lg_tensor *s = (lg_tensor *)1;
    CHECK_STATUS(lg_tensor_scalar(LG_F32, 1e39, true, &s), LG_EINVAL);
    CHECK(s == NULL);
    CHECK_ERROR_HAS("lg_tensor_scalar: v = 1e+39");
    lg_tensor_free(t);
    lg_tensor_free(f);

    double xs[8], ys[8];
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear_range(0.3, 0.5, 0.01, 1, LG_F64, 0, 8, xs, ys));
    ys[5] = NAN;
    CHECK_OK(lg_tensor_wrap(LG_F64, 8, xs, false, &x));
    CHECK_OK(lg_tensor_wrap(LG_F64, 8, ys, false, &y));
    lg_train_opts o;
    lg_train_opts_default(&o);
    lg_train_result r;
    for (int m = 0; m < LG_MODE_COUNT; m++) {
        o.mode = (lg_mode)m;
        CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
        CHECK_ERROR_HAS("y[5] is nan");
        lg_train_result_free(&r);
    }
    lg_tensor_free(x);
    lg_tensor_free(y);
}

/* LG_MAX_THREADS bounds every thread count, not only the process default's. */
static void test_thread_bounds(void)
{
    lg_graph *g;
    CHECK_OK(lg_graph_new(&g));
    CHECK_STATUS(lg_graph_set_threads(g, LG_MAX_THREADS + 1), LG_EINVAL);
    CHECK_ERROR_HAS("LG_MAX_THREADS");
    CHECK_OK(lg_graph_set_threads(g, LG_MAX_THREADS)); /* allowed: no thread starts here */
    CHECK(lg_graph_threads(g) == LG_MAX_THREADS);
    lg_graph_free(g);
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 16, 0.01, 1, LG_F64, &x, &y));
    lg_train_opts o;
    lg_train_opts_default(&o);
    lg_train_result r;
    o.threads = LG_MAX_THREADS + 1;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
    CHECK_ERROR_HAS("LG_MAX_THREADS");
    lg_train_result_free(&r);
    lg_train_result_free(NULL);
    lg_tensor_free(x);
    lg_tensor_free(y);
}

static void test_free_rules(void)
{
    lg_graph *g;
    lg_tensor *a;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_tensor_new(LG_F32, 8, false, &a));
    lg_tensor *out = lg_add(g, a, a);
    CHECK(out != NULL);
    CHECK_STATUS(lg_tensor_free(out), LG_EINVAL);
    CHECK_ERROR_HAS("owned by its graph");
    CHECK(lg_tensor_get(out, 0) == 0.0); /* refusing did not free it */
    CHECK_OK(lg_tensor_free(NULL));
    CHECK_OK(lg_tensor_free(a));
    lg_graph_free(g);
    lg_graph_free(NULL);
    lg_train_result r = {0};
    lg_train_result_free(&r);
}

static void test_bounds(void)
{
    lg_tensor *t;
    CHECK_OK(lg_tensor_new(LG_F64, 3, false, &t));
    CHECK_STATUS(lg_tensor_set(t, 3, 1.0), LG_EINVAL);
    CHECK_ERROR_HAS("out of range");
    CHECK(isnan(lg_tensor_get(t, 3)) && isnan(lg_tensor_grad_get(t, 3)));
    CHECK(lg_tensor_grad_get(t, 2) == 0.0); /* no gradient: 0 */
    CHECK_OK(lg_tensor_set(t, 2, 1.5));
    CHECK(lg_tensor_get(t, 2) == 1.5);
    lg_tensor_free(t);
}

/* A wrapped array is used in place, written through, and never freed by lingrad
 * (it lives on this stack frame: freeing it would crash or trip ASan). */
static void test_wrap(void)
{
    enum { N = 1000 };
    double xs[N], ys[N];
    lg_tensor *x, *y, *cx, *cy;
    CHECK_OK(lg_make_linear_range(0.3, 0.5, 0.01, 9, LG_F64, 0, N, xs, ys));
    CHECK_OK(lg_tensor_wrap(LG_F64, N, xs, false, &x));
    CHECK_OK(lg_tensor_wrap(LG_F64, N, ys, false, &y));
    CHECK(lg_tensor_data(x) == (void *)xs);
    CHECK_OK(lg_make_linear(0.3, 0.5, N, 0.01, 9, LG_F64, &cx, &cy));
    lg_train_opts o;
    lg_train_opts_default(&o);
    lg_train_result r1, r2;
    CHECK_OK(lg_train(x, y, &o, &r1));
    CHECK_OK(lg_train(cx, cy, &o, &r2));
    CHECK(r1.w == r2.w && r1.b == r2.b && r1.n_history == r2.n_history);
    lg_train_result_free(&r1);
    lg_train_result_free(&r2);
    CHECK_OK(lg_tensor_set(x, 5, 0.25));
    CHECK(xs[5] == 0.25);
    CHECK_OK(lg_tensor_free(x));
    CHECK_OK(lg_tensor_free(y));
    CHECK(xs[5] == 0.25); /* still the caller's */
    float fs[4] = {1, 2, 3, 4};
    CHECK_OK(lg_tensor_wrap(LG_F32, 4, fs, true, &x));
    CHECK(lg_tensor_grad(x) != NULL && lg_tensor_grad_get(x, 3) == 0.0);
    lg_tensor_free(x);
    CHECK_STATUS(lg_tensor_wrap(LG_F64, 2, (char *)xs + 4, false, &x), LG_EINVAL);
    CHECK(x == NULL);
    CHECK_ERROR_HAS("aligned");
    CHECK_STATUS(lg_tensor_wrap(LG_F64, 0, xs, false, &x), LG_EINVAL);
    CHECK_STATUS(lg_tensor_wrap(LG_F64, 3, NULL, false, &x), LG_EINVAL);
    lg_tensor_free(cx);
    lg_tensor_free(cy);
}

static void test_range_status(void)
{
    double x[4], y[4];
    CHECK_STATUS(lg_make_linear_range(INFINITY, 0.5, 0.0, 1, LG_F64, 0, 4, x, y), LG_EINVAL);
    CHECK_STATUS(lg_make_linear_range(1e39, 0.5, 0.0, 1, LG_F32, 0, 4, x, y), LG_EINVAL);
    CHECK_STATUS(lg_make_linear_range(0.3, 0.5, 0.0, 1, (lg_dtype)7, 0, 4, x, y), LG_EINVAL);
    CHECK_STATUS(lg_make_linear_range(0.3, 0.5, 0.0, 1, LG_F64, 0, 4, NULL, y), LG_EINVAL);
    CHECK_STATUS(lg_make_linear_range(0.3, 0.5, 0.0, 1, LG_F64, SIZE_MAX, 4, x, y), LG_EINVAL);
    CHECK_OK(lg_make_linear_range(0.3, 0.5, 0.0, 1, LG_F64, 0, 0, NULL, NULL));
}

/* Both modes refuse data that requires gradients, and op outputs as data. */
static void test_train_refuses_grad_data(void)
{
    lg_tensor *x, *y, *gx;
    CHECK_OK(lg_make_linear(0.3, 0.5, 50, 0.01, 3, LG_F64, &x, &y));
    CHECK_OK(lg_tensor_new(LG_F64, 50, true, &gx));
    lg_train_opts o;
    lg_train_result r;
    for (int m = 0; m < LG_MODE_COUNT; m++) {
        lg_train_opts_default(&o);
        o.mode = (lg_mode)m;
        CHECK_STATUS(lg_train(gx, y, &o, &r), LG_EINVAL);
        CHECK_ERROR_HAS("must not require gradients");
        CHECK_STATUS(lg_train(x, gx, &o, &r), LG_EINVAL);
        CHECK(lg_tensor_grad_get(gx, 0) == 0.0); /* nothing accumulated into it */
        lg_train_result_free(&r);
    }
    lg_graph *g;
    CHECK_OK(lg_graph_new(&g));
    lg_tensor *sum = lg_add(g, x, x);
    CHECK_STATUS(lg_train(sum, y, &o, &r), LG_EINVAL);
    CHECK_ERROR_HAS("leaf tensors");
    lg_graph_free(g);
    lg_tensor_free(gx);
    lg_tensor_free(x);
    lg_tensor_free(y);
}

/* The table above lg_train_result, row by row. */
static void test_result_table(void)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, 42, LG_F64, &x, &y));
    lg_train_opts o;
    lg_train_result r;

    lg_train_opts_default(&o);
    o.max_epochs = 0;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.last_epoch == 0 && r.n_history == 0 && r.w == 0.0 && r.b == 0.0 && r.final_loss > 0);
    double initial_loss = r.final_loss;
    lg_train_result_free(&r);

    lg_train_opts_default(&o);
    o.max_epochs = 7;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(r.last_epoch == 6 && r.n_history == 7 && !r.stopped_early);
    CHECK(r.final_loss == r.history[6].loss && r.w == r.history[6].w && r.b == r.history[6].b);
    CHECK(r.history[0].loss == initial_loss);
    lg_train_result_free(&r);

    lg_train_opts_default(&o); /* the tutorial's run stops early */
    CHECK_OK(lg_train(x, y, &o, &r));
    long k = r.last_epoch;
    CHECK(r.stopped_early && k > 0 && r.n_history == (size_t)k);
    CHECK(r.final_loss < o.tol && r.history[k - 1].loss >= o.tol);
    CHECK(r.w == r.history[k - 1].w && r.b == r.history[k - 1].b);
    lg_train_result_free(&r);

    lg_train_opts_default(&o);
    o.lr = 10; /* diverges */
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EDIVERGED);
    CHECK(r.n_history == (size_t)r.last_epoch && isfinite(r.w) && isfinite(r.b));
    CHECK(r.n_history == 0 || (r.w == r.history[r.n_history - 1].w &&
                               r.b == r.history[r.n_history - 1].b));
    lg_train_result_free(&r);

    lg_train_opts_default(&o); /* the loss is finite, the first update is not */
    o.init_w = 1e150;
    o.lr = 1e200;
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EDIVERGED);
    CHECK_ERROR_HAS("a parameter");
    CHECK(r.last_epoch == 0 && r.n_history == 0 && isfinite(r.final_loss));
    CHECK(r.w == o.init_w && r.b == o.init_b);
    lg_train_result_free(&r);
    lg_tensor_free(x);
    lg_tensor_free(y);
}

/* LG_MODES and the functions that read it: names, the joined list as snprintf
 * writes, parsing with an error that lists the names, and values outside it. */
static void test_modes(void)
{
    static const char *const want[] = {"fused", "eager", "graph"};
    CHECK(LG_MODE_COUNT == 3 && LG_MODE_FUSED == 0 && LG_MODE_EAGER == 1 && LG_MODE_GRAPH == 2);
    for (int m = 0; m < LG_MODE_COUNT; m++) {
        CHECK(strcmp(lg_mode_name((lg_mode)m), want[m]) == 0);
        CHECK(lg_mode_describe((lg_mode)m) != NULL && *lg_mode_describe((lg_mode)m));
        lg_mode got = (lg_mode)-1;
        CHECK_OK(lg_mode_from_name(want[m], &got));
        CHECK(got == (lg_mode)m);
    }
    CHECK(strstr(lg_mode_describe(LG_MODE_GRAPH), "bitwise equal to eager") != NULL);
    CHECK(!strcmp(lg_mode_name((lg_mode)LG_MODE_COUNT), "unknown mode") &&
          !strcmp(lg_mode_name((lg_mode)-1), "unknown mode"));
    CHECK(!strcmp(lg_mode_describe((lg_mode)LG_MODE_COUNT), "unknown mode") &&
          !strcmp(lg_mode_describe((lg_mode)-1), "unknown mode"));
    CHECK(!strcmp(lg_dtype_name((lg_dtype)7), "unknown dtype") && lg_dtype_size((lg_dtype)7) == 0);

    const char *all = "fused, eager, graph";
    char buf[64];
    memset(buf, 'x', sizeof buf);
    CHECK(lg_mode_names(buf, sizeof buf, ", ") == strlen(all) && strcmp(buf, all) == 0);
    CHECK(lg_mode_names(buf, sizeof buf, "") == strlen("fusedeagergraph"));
    memset(buf, 'x', sizeof buf);
    /* cut as snprintf cuts: len - 1 characters and the terminator, whole length returned */
    CHECK(lg_mode_names(buf, 8, ", ") == strlen(all) && strcmp(buf, "fused, ") == 0 && buf[8] == 'x');
    CHECK(lg_mode_names(buf, 1, "|") == strlen("fused|eager|graph") && buf[0] == '\0');
    CHECK(lg_mode_names(NULL, 0, "|") == strlen("fused|eager|graph"));
    CHECK(lg_mode_names(buf, strlen(all), ", ") == strlen(all) && strcmp(buf, "fused, eager, grap") == 0);

    lg_mode m = LG_MODE_GRAPH; /* a failure leaves it as it was: 0 is a mode */
    CHECK_STATUS(lg_mode_from_name("lazy", &m), LG_EINVAL);
    CHECK_ERROR_HAS("'lazy' is not one of fused, eager, graph");
    CHECK(m == LG_MODE_GRAPH);
    CHECK_STATUS(lg_mode_from_name("Fused", &m), LG_EINVAL); /* exact, case included */
    CHECK_STATUS(lg_mode_from_name("", &m), LG_EINVAL);
    CHECK_STATUS(lg_mode_from_name("fused ", &m), LG_EINVAL);
    CHECK_STATUS(lg_mode_from_name(NULL, &m), LG_EINVAL);
    CHECK_ERROR_HAS("fused, eager, graph");
    CHECK_STATUS(lg_mode_from_name("eager", NULL), LG_EINVAL);
    CHECK(m == LG_MODE_GRAPH);

    /* lg_train refuses a value outside the list, on either side */
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 10, 0.01, 3, LG_F64, &x, &y));
    lg_train_opts o;
    lg_train_result r;
    const int bad[] = {-1, LG_MODE_COUNT};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lg_train_opts_default(&o);
        o.mode = (lg_mode)bad[i];
        CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
        CHECK_ERROR_HAS("unknown mode");
        lg_train_result_free(&r);
    }
    lg_tensor_free(x);
    lg_tensor_free(y);
}

int main(void)
{
    test_stale_outputs();
    test_versions();
    test_values();
    test_thread_bounds();
    test_free_rules();
    test_bounds();
    test_wrap();
    test_range_status();
    test_train_refuses_grad_data();
    test_result_table();
    test_modes();
    return check_done("test_contract");
}
