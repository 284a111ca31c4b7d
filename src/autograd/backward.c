/* Reverse-mode pass: walk the tape from the tail; one switch on the op. Gradients
 * accumulate with += so a tensor used twice receives both contributions. */
#include "core/error.h"
#include "autograd/graph.h"
#include "exec/parallel.h"

/* d(out)/d(in) = sign for add and sub. A broadcast scalar input receives the sum. */
static void back_addsub(const lg_exec *ex, lg_tensor *in, const lg_tensor *out, double sign)
{
    if (in->n == out->n)
        lg_par_axpy(ex, out->dtype, out->grad, out->n, sign, in->grad);
    else
        lg_grad_add_scalar(in, sign * lg_par_sum(ex, out->dtype, out->grad, out->n));
}

/* d(a*b)/da = b: an elementwise product, a scaled copy, or a dot for a scalar a. */
static void back_mul(const lg_exec *ex, lg_tensor *a, const lg_tensor *b, const lg_tensor *out)
{
    lg_dtype dt = out->dtype;
    if (a->n != out->n)
        lg_grad_add_scalar(a, lg_par_dot(ex, dt, out->grad, b->data, out->n));
    else if (b->n == out->n)
        lg_par_mulacc(ex, dt, out->grad, b->data, out->n, 1.0, a->grad);
    else
        lg_par_axpy(ex, dt, out->grad, out->n, lg_scalar_load(b), a->grad);
}

void lg_node_backward(const lg_exec *ex, lg_node *node)
{
    lg_tensor *a = node->in[0], *b = node->in[1], *out = node->out;
    switch (node->op) {
    case LG_OP_ADD:
    case LG_OP_SUB:
        if (a->requires_grad)
            back_addsub(ex, a, out, 1.0);
        if (b->requires_grad)
            back_addsub(ex, b, out, node->op == LG_OP_ADD ? 1.0 : -1.0);
        break;
    case LG_OP_MUL:
        if (a->requires_grad)
            back_mul(ex, a, b, out);
        if (b->requires_grad)
            back_mul(ex, b, a, out);
        break;
    case LG_OP_SQUARE: /* d(a^2)/da = 2a */
        lg_par_mulacc(ex, out->dtype, a->data, out->grad, a->n, 2.0, a->grad);
        break;
    case LG_OP_MEAN: /* d(mean a)/da_i = 1/n: add g/n to every element, in place */
        lg_par_axpb(ex, a->dtype, a->grad, a->n, 1.0,
                    lg_scalar_grad_load(out) / (double)lg_exec_count(ex, a->n),
                    a->grad);
        break;
    case LG_OP_MSE_LINEAR:
        lg_mse_linear_backward(ex, node);
        break;
    case LG_OP_COUNT:
        break;
    }
}

lg_status lg_backward_check(lg_graph *g, const lg_tensor *loss)
{
    if (!loss)
        return g->status != LG_OK ? g->status
                                  : lg_fail(LG_EINVAL, "lg_backward: loss is NULL");
    if (g->status != LG_OK)
        return lg_fail(g->status, "lg_backward: the graph recorded an earlier failure");
    if (g->backward_done)
        return lg_fail(LG_EINVAL, "lg_backward: already ran on this graph; call lg_graph_reset first");
    if (loss->owner && loss->owner != g)
        return lg_fail(LG_EINVAL, "lg_backward: loss belongs to another graph");
    if (lg_tensor_stale(loss))
        return lg_fail(LG_EINVAL, "lg_backward: loss is a tensor from an earlier step of this "
                       "graph (lg_graph_reset and lg_graph_set_isa drop every op output)");
    if (loss->n != 1)
        return lg_fail(LG_EINVAL, "lg_backward: loss has %zu elements; it must be a scalar", loss->n);
    if (!loss->requires_grad)
        return lg_fail(LG_EINVAL, "lg_backward: loss does not depend on any tensor with requires_grad");
    return LG_OK;
}

/* Gives the node's differentiable inputs somewhere to accumulate. */
static lg_status prepare_inputs(lg_graph *g, lg_node *node)
{
    for (size_t i = 0; i < node->n_in; i++) {
        lg_tensor *t = node->in[i];
        if (t->requires_grad) {
            lg_status s = lg_graph_ensure_grad(g, t);
            if (s != LG_OK)
                return s;
        }
    }
    return LG_OK;
}

lg_status lg_backward(lg_graph *g, lg_tensor *loss)
{
    lg_status s = lg_backward_check(g, loss);
    if (s == LG_OK && g->deferred)
        return lg_plan_run(g, loss, NULL);
    if (s == LG_OK)
        s = lg_graph_ensure_grad(g, loss);
    if (s != LG_OK)
        return s;
    lg_grad_add_scalar(loss, 1.0);
    g->backward_done = true;
    /* Only nodes the loss depends on have a gradient on their output by now. */
    for (lg_node *node = g->tail; node; node = node->prev) {
        if (!node->out->grad)
            continue;
        s = prepare_inputs(g, node);
        if (s != LG_OK) {
            g->status = s;
            return s;
        }
        lg_node_backward(&g->ex, node);
    }
    return LG_OK;
}
