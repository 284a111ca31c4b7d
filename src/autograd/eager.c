/* Eager mode's entries for one node at a time, for graph mode's scalar steps:
 * its op's forward or backward (eager_steps.h), and a step's scalar argument. */
#include "autograd/eager_steps.h"

double lg_scal_eval(const lg_exec *ex, const lg_node *node, lg_scal s)
{
    switch ((lg_scal_kind)s.kind) {
    case LG_SCAL_CONST: return s.c;
    case LG_SCAL_VALUE: return s.c * lg_scalar_load(node->in[s.k]);
    case LG_SCAL_OUT_GRAD: return s.c * lg_scalar_grad_load(node->out);
    case LG_SCAL_OUT_GRAD_DIV:
        return lg_scalar_grad_load(node->out) / (double)lg_exec_count(ex, node->in[s.k]->n);
    }
    return 0.0;
}

/* Graph mode's forward of a scalar op: its output is computed from here on. (An
 * eager op's output is never pending.) */
void lg_eager_forward(const lg_exec *ex, lg_node *node)
{
    lg_eager_op_steps(ex, node, false);
    node->out->pending = false;
}

void lg_eager_backward(const lg_exec *ex, lg_node *node)
{
    lg_eager_op_steps(ex, node, true);
}
