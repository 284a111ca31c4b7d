/* The public ops (lg_add ...), one per row of LG_OPS, and what they share:
 * check the inputs, record a node, and in eager mode compute it. */
#include "autograd/graph.h"

lg_tensor *lg_op_apply(lg_graph *g, lg_op op, lg_tensor *const in[])
{
    const lg_op_def *def = lg_op_about(op);
    if (!lg_graph_inputs_ok(g, def->name, in, def->arity))
        return NULL;
    char why[200]; /* not `= ""`: zeroing 200 bytes per op shows in the tutorial's epoch */
    why[0] = '\0';
    size_t n = def->shape(in, why, sizeof why);
    if (n == 0)
        return lg_graph_fail(g, LG_EINVAL, "lg_%s: %s", def->name, why);
    lg_node *node = lg_graph_record(g, op, in, def->arity, in[0]->dtype, n);
    if (!node)
        return NULL;
    if (!g->deferred)
        lg_eager_forward(&g->ex, node);
    return node->out;
}

#define LG_OP_PARAMS_1 lg_tensor *a
#define LG_OP_PARAMS_2 lg_tensor *a, lg_tensor *b
#define LG_OP_PARAMS_4 lg_tensor *a, lg_tensor *b, lg_tensor *c, lg_tensor *d
#define LG_OP_ARGS_1 a
#define LG_OP_ARGS_2 a, b
#define LG_OP_ARGS_4 a, b, c, d
#define LG_OP_PUBLIC(E, name, arity, shape, fwd, bwd)                      \
    lg_tensor *lg_##name(lg_graph *g, LG_OP_PARAMS_##arity)               \
    {                                                                      \
        lg_tensor *in[arity] = {LG_OP_ARGS_##arity};                       \
        if (!g) {                                                          \
            lg_fail(LG_EINVAL, "lg_" #name ": the graph is NULL");         \
            return NULL;                                                   \
        }                                                                  \
        return lg_op_apply(g, LG_OP_##E, in);                              \
    }
LG_OPS(LG_OP_PUBLIC)
