/* Graph mode's schedule of the tutorial's graph: one sweep that reads x and y once
 * and writes nothing of their size (the arena and the scratch stay small), a plan
 * reused across steps, and outputs that stay unreadable until computed. Prints
 * the plan that README.md ("Graph mode") shows. */
#include <math.h>
#include <string.h>

#include "autograd/plan.h"
#include "check.h"
#include "exec/parallel.h"

#define N 1000000

static lg_tensor *tutorial(lg_graph *g, lg_tensor *x, lg_tensor *y, lg_tensor *w, lg_tensor *b,
                           lg_tensor **y_hat)
{
    *y_hat = lg_add(g, lg_mul(g, x, w), b);
    return lg_mean(g, lg_square(g, lg_sub(g, *y_hat, y)));
}

int main(void)
{
    lg_tensor *x, *y, *w, *b, *y_hat;
    lg_graph *g;
    CHECK_OK(lg_make_linear(0.3, 0.5, N, 0.01, 42, LG_F32, &x, &y));
    CHECK_OK(lg_tensor_scalar(LG_F32, 0.25, true, &w));
    CHECK_OK(lg_tensor_scalar(LG_F32, 0.75, true, &b));
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_set_deferred(g, true));
    CHECK(lg_graph_deferred(g));
    const lg_step *first_steps = NULL;
    for (int step = 0; step < 3; step++) {
        lg_graph_reset(g);
        lg_tensor *loss = tutorial(g, x, y, w, b, &y_hat);
        CHECK(loss && isnan(lg_tensor_get(loss, 0))); /* recorded, not computed */
        CHECK(lg_tensor_data(y_hat) == NULL);
        CHECK(lg_tensor_set(loss, 0, 1.0) == LG_EINVAL);
        CHECK_OK(lg_zero_grad(w));
        CHECK_OK(lg_zero_grad(b));
        CHECK_OK(lg_backward(g, loss));
        CHECK(isfinite(lg_tensor_get(loss, 0)) && lg_tensor_grad_get(w, 0) != 0.0);
        CHECK(lg_tensor_data(y_hat) == NULL && lg_tensor_grad(y_hat) == NULL); /* never kept */
        if (step == 0)
            first_steps = g->plan->steps;
        CHECK(g->plan->steps == first_steps); /* the same tape reuses its plan */
    }
    const lg_plan *p = g->plan;
    CHECK(p->n_sweeps == 1 && p->n_phases == 2);
    for (size_t i = 0; i < p->n_steps; i++) /* memory outside scratch: x and y, read only */
        CHECK(p->steps[i].out.kind != LG_REF_DATA && p->steps[i].out.kind != LG_REF_GRAD);
    /* Nothing of size n: the arena keeps its first 64 KiB block (4 MB would not
     * fit), and a worker's scratch is a few blocks. */
    CHECK(g->arena.blocks_allocated == 1);
    CHECK(p->scratch_worker <= 4 * LG_BLOCK_MAX * sizeof(double));
    char text[4096];
    size_t len = lg_graph_plan_describe(g, text, sizeof text);
    CHECK(len > 0 && len < sizeof text && strncmp(text, "1 sweep over 2 phases", 21) == 0);
    /* Compiled (as it is wherever the JIT works), the tutorial's sweep adds its
     * three reductions in its loop and stores nothing: no scratch at all. */
    if (p->compiled)
        CHECK(strstr(text, "(compiled, its reductions in the loop)") != NULL &&
              strstr(text, " 0 scratch buffers per worker") != NULL);
    printf("The tutorial's graph at n = %d, f32:\n%s", N, text);
    lg_graph_free(g);
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(w), lg_tensor_free(b);
    return check_done("test_graph_plan");
}
