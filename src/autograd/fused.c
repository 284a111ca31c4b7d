/* The fused MSE-linear op: mean((w*x + b - y)^2) and its gradient from one pass. */
#include <stdio.h>

#include "autograd/op_steps.h"
#include "exec/parallel.h"

/* Returns the reason the inputs cannot form the op, or NULL if they can. */
static const char *fused_problem(lg_tensor *const in[4])
{
    const lg_tensor *x = in[0], *y = in[1], *w = in[2], *b = in[3];
    if (y->dtype != x->dtype || w->dtype != x->dtype || b->dtype != x->dtype)
        return "x, y, w and b must have the same dtype";
    if (x->n != y->n)
        return "x and y must have the same number of elements";
    if (w->n != 1 || b->n != 1)
        return "w and b must be scalars";
    if (x->requires_grad || y->requires_grad)
        return "no gradient with respect to x or y; use the eager ops for that";
    return NULL;
}

size_t lg_shape_mse(lg_tensor *const in[], char *why, size_t why_len)
{
    const char *problem = fused_problem(in);
    if (problem)
        snprintf(why, why_len, "%s", problem);
    return problem ? 0 : 1;
}

double lg_mse_linear_loss(const lg_mse_sums *s, size_t n)
{
    return s->rr / (double)n;
}

/* dL/dw = (2/N) sum r*x and dL/db = (2/N) sum r, scaled by the upstream gradient. */
void lg_mse_linear_increments(const lg_mse_sums *s, size_t n, double g, double *dw, double *db)
{
    double scale = 2.0 * g / (double)n;
    *dw = scale * s->rx;
    *db = scale * s->r;
}

/* The backward needs the three sums, not just the loss: the node keeps them. */
double lg_fin_mse(lg_node *node, const lg_mse_sums *s, size_t count)
{
    node->sums = *s;
    return lg_mse_linear_loss(s, count);
}

void lg_mse_backward(const lg_exec *ex, lg_node *node)
{
    lg_tensor *w = node->in[2], *b = node->in[3];
    double dw, db;
    lg_mse_linear_increments(&node->sums, lg_exec_count(ex, node->in[0]->n),
                             lg_scalar_grad_load(node->out), &dw, &db);
    if (w->requires_grad)
        lg_grad_add_scalar(w, dw);
    if (b->requires_grad)
        lg_grad_add_scalar(b, db);
}
