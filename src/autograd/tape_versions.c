/* The versions a tape recorded of its inputs, against the inputs' versions now. */
#include "autograd/graph.h"
#include "core/error.h"

/* A node whose input changed after it was used, or whose own output was
 * written: eager mode would keep the written value where graph mode, computing
 * the tape again, would not. NULL when none; *in is the input, or -1 for the
 * output. The walk runs backwards: the earliest is kept. */
static const lg_node *changed(const lg_graph *g, int *in)
{
    const lg_node *bad = NULL;
    for (const lg_node *node = g->tail; node; node = node->prev) {
        if (node->out->version != 0)
            bad = node, *in = -1;
        for (size_t i = 0; i < node->n_in; i++)
            if (node->in[i]->version != node->in_version[i])
                bad = node, *in = (int)i;
    }
    return bad;
}

lg_status lg_tape_versions_check(const lg_graph *g, const char *fn)
{
    int in = 0;
    const lg_node *bad = changed(g, &in);
    if (!bad)
        return LG_OK;
    const char *op = lg_op_name(bad->op);
    if (in < 0)
        return lg_fail(LG_EINVAL, "%s: the output of lg_%s (step %u of the tape) was changed by "
                       "lg_tensor_set; record the step again (lg_graph_reset, then the ops)", fn,
                       op, bad->out->tape_pos);
    /* An input that is an op output was found above as that op's output: this
     * one is a leaf. */
    const lg_tensor *t = bad->in[in];
    return lg_fail(LG_EINVAL, "%s: input %d of lg_%s (its %s; step %u of the tape; a leaf of %zu %s) "
                   "was changed by lg_tensor_set after lg_%s used it; record the step again "
                   "(lg_graph_reset, then the ops)", fn, in + 1, op,
                   lg_op_arg_name(bad->n_in, (size_t)in), bad->out->tape_pos, t->n,
                   lg_dtype_name(t->dtype), op);
}

/* Outputs first: an output read by a later node is that node's input too. */
void lg_tape_versions_take(lg_graph *g)
{
    for (lg_node *node = g->tail; node; node = node->prev)
        node->out->version = 0; /* the replay computes it again */
    for (lg_node *node = g->tail; node; node = node->prev)
        for (size_t i = 0; i < node->n_in; i++)
            node->in_version[i] = node->in[i]->version;
}
