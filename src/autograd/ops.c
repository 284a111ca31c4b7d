/* Forward passes of the eager ops: validate, record a node, run the kernel. */
#include "autograd/graph.h"
#include "exec/parallel.h"

/* Equal sizes, or one side a scalar that broadcasts; same dtype. */
static bool binary_ok(lg_graph *g, lg_op op, lg_tensor *a, lg_tensor *b)
{
    lg_tensor *in[2] = {a, b};
    if (!lg_graph_inputs_ok(g, lg_op_name(op), in, 2))
        return false;
    if (a->dtype != b->dtype) {
        lg_graph_fail(g, LG_EINVAL, "lg_%s: operands have different dtypes (%s and %s)",
                      lg_op_name(op), lg_dtype_name(a->dtype), lg_dtype_name(b->dtype));
        return false;
    }
    if (a->n != b->n && a->n != 1 && b->n != 1) {
        lg_graph_fail(g, LG_EINVAL, "lg_%s: operand sizes %zu and %zu differ and neither is a scalar",
                      lg_op_name(op), a->n, b->n);
        return false;
    }
    return true;
}

static double scalar_of(const lg_tensor *t)
{
    return lg_tensor_get(t, 0);
}

/* A vector-scalar op becomes out = alpha*v + beta on the vector operand v. */
static void forward_binary(const lg_exec *ex, lg_op op, const lg_tensor *a, const lg_tensor *b,
                           lg_tensor *out)
{
    lg_dtype dt = out->dtype;
    size_t n = out->n;
    if (a->n == b->n) {
        lg_binop bop = op == LG_OP_ADD ? LG_BIN_ADD : op == LG_OP_SUB ? LG_BIN_SUB : LG_BIN_MUL;
        lg_par_binary(ex, dt, bop, a->data, b->data, n, out->data);
        return;
    }
    bool a_vec = a->n == n;
    const lg_tensor *v = a_vec ? a : b;
    double s = scalar_of(a_vec ? b : a);
    switch (op) {
    case LG_OP_ADD: lg_par_axpb(ex, dt, v->data, n, 1.0, s, out->data); break;
    case LG_OP_SUB:
        if (a_vec)
            lg_par_axpb(ex, dt, v->data, n, 1.0, -s, out->data); /* v - s */
        else
            lg_par_axpb(ex, dt, v->data, n, -1.0, s, out->data); /* s - v */
        break;
    default: lg_par_axpb(ex, dt, v->data, n, s, 0.0, out->data); break;
    }
}

static lg_tensor *binary(lg_graph *g, lg_op op, lg_tensor *a, lg_tensor *b)
{
    if (!binary_ok(g, op, a, b))
        return NULL;
    lg_tensor *in[2] = {a, b};
    lg_node *node = lg_graph_record(g, op, in, 2, a->dtype, a->n > b->n ? a->n : b->n);
    if (!node)
        return NULL;
    forward_binary(&g->ex, op, a, b, node->out);
    return node->out;
}

lg_tensor *lg_add(lg_graph *g, lg_tensor *a, lg_tensor *b)
{
    return binary(g, LG_OP_ADD, a, b);
}

lg_tensor *lg_sub(lg_graph *g, lg_tensor *a, lg_tensor *b)
{
    return binary(g, LG_OP_SUB, a, b);
}

lg_tensor *lg_mul(lg_graph *g, lg_tensor *a, lg_tensor *b)
{
    return binary(g, LG_OP_MUL, a, b);
}

lg_tensor *lg_square(lg_graph *g, lg_tensor *a)
{
    if (!lg_graph_inputs_ok(g, "square", &a, 1))
        return NULL;
    lg_node *node = lg_graph_record(g, LG_OP_SQUARE, &a, 1, a->dtype, a->n);
    if (!node)
        return NULL;
    lg_par_square(&g->ex, a->dtype, a->data, a->n, node->out->data);
    return node->out;
}

lg_tensor *lg_mean(lg_graph *g, lg_tensor *a)
{
    if (!lg_graph_inputs_ok(g, "mean", &a, 1))
        return NULL;
    lg_node *node = lg_graph_record(g, LG_OP_MEAN, &a, 1, a->dtype, 1);
    if (!node)
        return NULL;
    lg_tensor_set(node->out, 0, lg_par_sum(&g->ex, a->dtype, a->data, a->n) / (double)a->n);
    return node->out;
}
