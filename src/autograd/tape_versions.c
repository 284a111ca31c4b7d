/* The versions a tape recorded of its inputs, against the inputs' versions now. */
#include "autograd/graph.h"
#include "core/error.h"

lg_status lg_tape_versions_check(const lg_graph *g, const char *fn)
{
    const lg_node *bad = NULL;
    size_t bad_in = 0;
    for (const lg_node *node = g->tail; node; node = node->prev)
        for (size_t i = 0; i < node->n_in; i++)
            if (node->in[i]->version != node->in_version[i])
                bad = node, bad_in = i; /* the walk runs backwards: keep the earliest */
    if (!bad)
        return LG_OK;
    const char *op = lg_op_name(bad->op);
    const lg_tensor *t = bad->in[bad_in];
    return lg_fail(LG_EINVAL, "%s: input %zu of lg_%s (its %s; step %u of the tape; %s of %zu %s) "
                   "was changed by lg_tensor_set after lg_%s used it; record the step again "
                   "(lg_graph_reset, then the ops)", fn, bad_in + 1, op, lg_op_arg_name(bad->n_in, bad_in),
                   bad->out->tape_pos, t->kind == LG_TENSOR_LEAF ? "a leaf" : "an op output", t->n,
                   lg_dtype_name(t->dtype), op);
}

void lg_tape_versions_take(lg_graph *g)
{
    for (lg_node *node = g->tail; node; node = node->prev)
        for (size_t i = 0; i < node->n_in; i++)
            node->in_version[i] = node->in[i]->version;
}
