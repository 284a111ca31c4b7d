/* Whether a tape may run: no leaf it read was written since, and none of its
 * outputs. The leaves read are kept with the versions read in the graph
 * (lg_graph.reads), so the check is a scan of a few entries; the tape itself is
 * walked only to word a failure. */
#include "autograd/graph.h"
#include "core/error.h"

/* Whether node's output was written (outputs) or it reads the changed leaf t;
 * *in is the input (-1: the output). */
static bool node_changed(const lg_node *node, const lg_tensor *t, bool outputs, int *in)
{
    if (outputs && node->out->version != 0)
        return *in = -1, true;
    for (size_t i = 0; i < node->n_in; i++)
        if (node->in[i] == t)
            return *in = (int)i, true;
    return false;
}

/* The failure, naming the earliest node on the tape whose output was written or
 * that reads the changed leaf t (NULL: none changed). */
static lg_status fail_at(const lg_graph *g, const char *fn, const lg_tensor *t)
{
    const lg_node *bad = NULL;
    int in = 0, at = 0;
    for (const lg_node *node = g->tail; node; node = node->prev) /* backwards: keep the last found */
        if (node_changed(node, t, g->outputs_written, &at))
            bad = node, in = at;
    if (!bad)
        return lg_fail(LG_EINVAL, "%s: a tensor this step read was changed by lg_tensor_set; "
                       "record the step again", fn);
    const char *op = lg_op_name(bad->op);
    if (in < 0)
        return lg_fail(LG_EINVAL, "%s: the output of lg_%s (step %u of the tape) was changed by "
                       "lg_tensor_set; record the step again (lg_graph_reset, then the ops)", fn,
                       op, bad->out->tape_pos);
    return lg_fail(LG_EINVAL, "%s: input %d of lg_%s (its %s; step %u of the tape; a leaf of %zu %s) "
                   "was changed by lg_tensor_set after lg_%s used it; record the step again "
                   "(lg_graph_reset, then the ops)", fn, in + 1, op,
                   lg_op_arg_name(bad->n_in, (size_t)in), bad->out->tape_pos, t->n,
                   lg_dtype_name(t->dtype), op);
}

lg_status lg_tape_versions_fail(const lg_graph *g, const char *fn)
{
    for (uint32_t i = 0; i < g->n_reads; i++)
        if (g->reads[i].t->version != g->reads[i].version)
            return fail_at(g, fn, g->reads[i].t);
    return fail_at(g, fn, NULL);
}

void lg_tape_versions_take(lg_graph *g)
{
    for (uint32_t i = 0; i < g->n_reads; i++)
        g->reads[i].version = g->reads[i].t->version;
    if (!g->outputs_written)
        return;
    for (lg_node *node = g->tail; node; node = node->prev)
        node->out->version = 0; /* the replay computes it again */
    g->outputs_written = false;
}
