/* The tape: gradients against finite differences, eager against fused, gradient
 * accumulation, and the errors a caller can run into. */
#include <stdlib.h>

#include "check.h"

/* The tutorial's graph: mean((x*w + b - y)^2). */
static lg_tensor *eager_loss(lg_graph *g, lg_tensor *x, lg_tensor *y, lg_tensor *w, lg_tensor *b)
{
    return lg_mean(g, lg_square(g, lg_sub(g, lg_add(g, lg_mul(g, x, w), b), y)));
}

static double loss_at(lg_graph *g, lg_tensor *x, lg_tensor *y, lg_tensor *w, lg_tensor *b)
{
    lg_graph_reset(g);
    lg_tensor *l = eager_loss(g, x, y, w, b);
    return l ? lg_tensor_get(l, 0) : NAN;
}

/* Central difference of the loss in parameter p (element i). */
static double numeric_grad(lg_graph *g, lg_tensor *p, size_t i, double (*f)(lg_graph *, void *),
                           void *ctx)
{
    double v = lg_tensor_get(p, i), h = 1e-6 * (fabs(v) > 1 ? fabs(v) : 1);
    lg_tensor_set(p, i, v + h);
    double up = f(g, ctx);
    lg_tensor_set(p, i, v - h);
    double down = f(g, ctx);
    lg_tensor_set(p, i, v);
    return (up - down) / (2 * h);
}

typedef struct tutorial { lg_tensor *x, *y, *w, *b; } tutorial;

static double tutorial_loss(lg_graph *g, void *ctx)
{
    tutorial *t = ctx;
    return loss_at(g, t->x, t->y, t->w, t->b);
}

static void test_tutorial_gradients(void)
{
    lg_graph *g;
    tutorial t;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_make_linear(0.3, 0.5, 100, 0.01, 7, LG_F64, &t.x, &t.y));
    CHECK_OK(lg_tensor_scalar(LG_F64, 0.8, true, &t.w));
    CHECK_OK(lg_tensor_scalar(LG_F64, 0.1, true, &t.b));
    lg_graph_reset(g);
    CHECK_OK(lg_backward(g, eager_loss(g, t.x, t.y, t.w, t.b)));
    double gw = lg_tensor_grad_get(t.w, 0), gb = lg_tensor_grad_get(t.b, 0);
    CHECK_RELATIVE(gw, numeric_grad(g, t.w, 0, tutorial_loss, &t), 1e-6);
    CHECK_RELATIVE(gb, numeric_grad(g, t.b, 0, tutorial_loss, &t), 1e-6);
    /* x and y do not require gradients, so none is computed for them. */
    CHECK(lg_tensor_grad(t.x) == NULL && lg_tensor_grad(t.y) == NULL);
    lg_tensor_free(t.x), lg_tensor_free(t.y), lg_tensor_free(t.w), lg_tensor_free(t.b);
    lg_graph_free(g);
}

/* A graph touching every broadcast form of every op:
 * mean((a*v - (c + u))^2) + mean((c - v*u)^2) + mean((u - a)^2), with a, c scalars. */
typedef struct mixed { lg_tensor *a, *c, *u, *v; } mixed;

static lg_tensor *mixed_graph(lg_graph *g, mixed *m)
{
    lg_tensor *left = lg_mean(g, lg_square(g, lg_sub(g, lg_mul(g, m->a, m->v), lg_add(g, m->c, m->u))));
    lg_tensor *right = lg_mean(g, lg_square(g, lg_sub(g, m->c, lg_mul(g, m->v, m->u))));
    lg_tensor *third = lg_mean(g, lg_square(g, lg_sub(g, m->u, m->a)));
    return lg_add(g, lg_add(g, left, right), third);
}

static double mixed_loss(lg_graph *g, void *ctx)
{
    lg_graph_reset(g);
    lg_tensor *l = mixed_graph(g, ctx);
    return l ? lg_tensor_get(l, 0) : NAN;
}

static void test_broadcast_gradients(void)
{
    enum { N = 9 };
    lg_graph *g;
    mixed m;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_tensor_scalar(LG_F64, 1.7, true, &m.a));
    CHECK_OK(lg_tensor_scalar(LG_F64, -0.4, true, &m.c));
    CHECK_OK(lg_tensor_new(LG_F64, N, true, &m.u));
    CHECK_OK(lg_tensor_new(LG_F64, N, true, &m.v));
    for (size_t i = 0; i < N; i++) {
        lg_tensor_set(m.u, i, 0.1 * (double)i - 0.3);
        lg_tensor_set(m.v, i, 1.0 / (1.0 + (double)i));
    }
    lg_graph_reset(g);
    CHECK_OK(lg_backward(g, mixed_graph(g, &m)));
    lg_tensor *params[] = {m.a, m.c, m.u, m.v};
    for (size_t p = 0; p < 4; p++)
        for (size_t i = 0; i < lg_tensor_size(params[p]); i++) {
            double want = numeric_grad(g, params[p], i, mixed_loss, &m);
            CHECK_REL(lg_tensor_grad_get(params[p], i), want, 1e-6);
        }
    for (size_t p = 0; p < 4; p++)
        lg_tensor_free(params[p]);
    lg_graph_free(g);
}

/* Eager and fused give the same loss and gradients. */
static void test_eager_vs_fused(lg_dtype dt, double tol)
{
    lg_graph *g;
    lg_tensor *x, *y, *w, *b;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_make_linear(0.3, 0.5, 1000, 0.01, 3, dt, &x, &y));
    CHECK_OK(lg_tensor_scalar(dt, 0.9, true, &w));
    CHECK_OK(lg_tensor_scalar(dt, 0.05, true, &b));
    lg_tensor *le = eager_loss(g, x, y, w, b);
    CHECK_OK(lg_backward(g, le));
    double loss_e = lg_tensor_get(le, 0), gw_e = lg_tensor_grad_get(w, 0), gb_e = lg_tensor_grad_get(b, 0);
    lg_zero_grad(w), lg_zero_grad(b);
    lg_graph_reset(g);
    lg_tensor *lf = lg_mse_linear(g, x, y, w, b);
    CHECK_OK(lg_backward(g, lf));
    CHECK_RELATIVE(lg_tensor_get(lf, 0), loss_e, tol);
    CHECK_RELATIVE(lg_tensor_grad_get(w, 0), gw_e, tol);
    CHECK_RELATIVE(lg_tensor_grad_get(b, 0), gb_e, tol);
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(w), lg_tensor_free(b);
    lg_graph_free(g);
}

/* Gradients add up across backward passes until zeroed. */
static void test_accumulation(void)
{
    lg_graph *g;
    lg_tensor *x, *y, *w, *b;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_make_linear(0.3, 0.5, 50, 0.01, 1, LG_F64, &x, &y));
    CHECK_OK(lg_tensor_scalar(LG_F64, 0.2, true, &w));
    CHECK_OK(lg_tensor_scalar(LG_F64, 0.2, true, &b));
    CHECK_OK(lg_backward(g, lg_mse_linear(g, x, y, w, b)));
    double once = lg_tensor_grad_get(w, 0);
    CHECK(once != 0.0);
    lg_graph_reset(g);
    CHECK_OK(lg_backward(g, lg_mse_linear(g, x, y, w, b)));
    CHECK(lg_tensor_grad_get(w, 0) == 2 * once);
    lg_zero_grad(w);
    CHECK(lg_tensor_grad_get(w, 0) == 0.0);
    /* A tensor used twice gets both contributions: d(w*w)/dw = 2w. */
    lg_graph_reset(g);
    CHECK_OK(lg_backward(g, lg_mul(g, w, w)));
    CHECK(lg_tensor_grad_get(w, 0) == 0.4);
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(w), lg_tensor_free(b);
    lg_graph_free(g);
}

static void test_errors(void)
{
    lg_graph *g, *other;
    lg_tensor *v3, *v4, *f3, *s, *x;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_new(&other));
    CHECK_OK(lg_tensor_new(LG_F64, 3, true, &v3));
    CHECK_OK(lg_tensor_new(LG_F64, 4, false, &v4));
    CHECK_OK(lg_tensor_new(LG_F32, 3, false, &f3));
    CHECK_OK(lg_tensor_scalar(LG_F64, 1.0, true, &s));
    CHECK_OK(lg_tensor_new(LG_F64, 4, true, &x));

    CHECK(lg_add(g, v3, v4) == NULL);
    CHECK_ERROR_HAS("sizes 3 and 4");
    CHECK(lg_graph_status(g) == LG_EINVAL);
    CHECK(lg_square(g, v3) == NULL); /* the graph stays failed until reset */
    lg_graph_reset(g);
    CHECK(lg_mul(g, v3, f3) == NULL);
    CHECK_ERROR_HAS("dtypes");
    lg_graph_reset(g);
    CHECK(lg_mean(g, NULL) == NULL);
    CHECK(lg_graph_status(g) == LG_EINVAL);
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, lg_square(g, v3)), LG_EINVAL);
    CHECK_ERROR_HAS("must be a scalar");
    lg_graph_reset(g);
    lg_tensor *l = lg_mean(g, lg_square(g, v3));
    CHECK_OK(lg_backward(g, l));
    CHECK_STATUS(lg_backward(g, l), LG_EINVAL);
    CHECK_ERROR_HAS("already ran");
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, lg_mean(g, v4)), LG_EINVAL);
    CHECK_ERROR_HAS("requires_grad");
    lg_graph_reset(g);
    CHECK(lg_mse_linear(g, x, v4, s, s) == NULL);
    CHECK_ERROR_HAS("x or y");
    lg_graph_reset(g);
    CHECK(lg_mse_linear(g, v4, v4, v3, s) == NULL);
    CHECK_ERROR_HAS("scalars");
    lg_graph_reset(g);
    lg_tensor *foreign = lg_square(g, v3);
    CHECK(lg_mean(other, foreign) == NULL);
    CHECK_ERROR_HAS("another graph");
    CHECK_STATUS(lg_graph_set_isa(g, "no-such-isa"), LG_EUNSUPPORTED);
    CHECK_OK(lg_graph_set_isa(g, "scalar"));
    CHECK(strcmp(lg_graph_isa(g), "scalar") == 0);
    lg_tensor *none;
    CHECK_STATUS(lg_tensor_new(LG_F64, 0, false, &none), LG_EINVAL);
    CHECK_STATUS(lg_tensor_new((lg_dtype)7, 3, false, &none), LG_EINVAL);
    CHECK_STATUS(lg_tensor_new(LG_F64, SIZE_MAX / 2, false, &none), LG_ENOMEM);
    CHECK(none == NULL);

    lg_tensor_free(v3), lg_tensor_free(v4), lg_tensor_free(f3), lg_tensor_free(s), lg_tensor_free(x);
    lg_graph_free(g);
    lg_graph_free(other);
}

int main(void)
{
    check_isa_or_skip("test_autograd");
    test_tutorial_gradients();
    test_broadcast_gradients();
    test_eager_vs_fused(LG_F64, 1e-12);
    test_eager_vs_fused(LG_F32, 1e-5);
    test_accumulation();
    test_errors();
    return check_done("test_autograd");
}
