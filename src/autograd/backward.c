/* Reverse-mode pass: walk the tape from the tail, each node's backward from the
 * op table. Gradients accumulate with += so a tensor used twice receives both
 * contributions. Graph mode hands the whole tape to its planner instead. */
#include "autograd/eager_steps.h"
#include "autograd/graph.h"
#include "core/error.h"

lg_status lg_backward_check(lg_graph *g, const lg_tensor *h)
{
    const lg_tensor *loss = lg_handle_tensor(h);
    if (!g)
        return lg_fail_null("lg_backward", "g");
    if (!loss)
        return g->status != LG_OK ? g->status
                                  : lg_fail_null("lg_backward", "loss");
    if (g->status != LG_OK)
        return lg_fail(g->status, "lg_backward: the graph recorded an earlier failure");
    if (g->backward_done)
        return lg_fail(LG_EINVAL, "lg_backward: already ran on this graph; call lg_graph_reset first");
    if (loss->kind != LG_TENSOR_LEAF && loss->owner != g)
        return lg_fail(LG_EINVAL, "lg_backward: loss belongs to another graph");
    if (lg_tensor_stale(h))
        return lg_fail(LG_EINVAL, "lg_backward: loss is a tensor from an earlier step of this "
                       "graph (lg_graph_reset and lg_graph_set_isa drop every op output)");
    if (loss->n != 1)
        return lg_fail(LG_EINVAL, "lg_backward: loss has %zu elements; it must be a scalar", loss->n);
    if (!loss->requires_grad)
        return lg_fail(LG_EINVAL, "lg_backward: loss does not depend on any tensor with requires_grad");
    return lg_tape_versions_check(g, "lg_backward");
}

/* A zeroed gradient of one block, inline: eager's backward gives one to each of
 * the tutorial's four intermediates an epoch. The rest (a scalar, a larger
 * vector, out of memory) is lg_graph_ensure_grad's. */
static inline lg_status give_grad(lg_graph *g, lg_tensor *t)
{
    if (t->n > 1 && t->n <= LG_BLOCK_MIN) {
        size_t bytes = t->n * lg_esize(t->dtype);
        void *p = lg_arena_alloc(&g->arena, bytes);
        if (p) {
            t->grad = memset(p, 0, bytes);
            return LG_OK;
        }
    }
    return lg_graph_ensure_grad(g, t);
}

/* Gives the node's differentiable inputs somewhere to accumulate. */
static inline lg_status prepare_inputs(lg_graph *g, lg_node *node)
{
    for (size_t i = 0; i < node->n_in; i++) {
        lg_tensor *t = node->in[i];
        if (t->requires_grad && !t->grad) {
            lg_status s = give_grad(g, t);
            if (s != LG_OK)
                return s;
        }
    }
    return LG_OK;
}

/* The loss is the graph's own output: const to the caller, who must not write
 * it, while backward gives it a gradient. */
lg_status lg_backward(lg_graph *g, const lg_tensor *h)
{
    lg_status s = lg_backward_check(g, h);
    lg_tensor *loss = lg_handle_tensor(h);
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
        lg_eager_op_steps(&g->ex, node, true);
    }
    return LG_OK;
}
