/* The ops' forward passes: validate, record a node, and (eager mode) run the kernel. */
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
    double s = lg_scalar_load(a_vec ? b : a);
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

void lg_node_forward(const lg_exec *ex, lg_node *node)
{
    lg_tensor *a = node->in[0], *out = node->out;
    switch (node->op) {
    case LG_OP_ADD:
    case LG_OP_SUB:
    case LG_OP_MUL: forward_binary(ex, node->op, a, node->in[1], out); break;
    case LG_OP_SQUARE: lg_par_square(ex, a->dtype, a->data, a->n, out->data); break;
    case LG_OP_MEAN:
        lg_scalar_store(out, lg_par_sum(ex, a->dtype, a->data, a->n) / (double)lg_exec_count(ex, a->n));
        break;
    case LG_OP_MSE_LINEAR: {
        const lg_tensor *y = node->in[1], *w = node->in[2], *b = node->in[3];
        node->sums = lg_par_mse(ex, a->dtype, a->data, y->data, a->n, lg_scalar_load(w),
                                lg_scalar_load(b));
        lg_scalar_store(out, lg_mse_linear_loss(&node->sums, lg_exec_count(ex, a->n)));
        break;
    }
    case LG_OP_COUNT: break;
    }
    out->pending = false;
}

/* Records the node; eager mode computes it at once, graph mode when asked. */
lg_tensor *lg_graph_emit(lg_graph *g, lg_op op, lg_tensor *const in[], size_t n_in, size_t n)
{
    lg_node *node = lg_graph_record(g, op, in, n_in, in[0]->dtype, n);
    if (!node)
        return NULL;
    if (!g->deferred)
        lg_node_forward(&g->ex, node);
    return node->out;
}

static lg_tensor *binary(lg_graph *g, lg_op op, lg_tensor *a, lg_tensor *b)
{
    if (!binary_ok(g, op, a, b))
        return NULL;
    lg_tensor *in[2] = {a, b};
    return lg_graph_emit(g, op, in, 2, a->n > b->n ? a->n : b->n);
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
    return lg_graph_emit(g, LG_OP_SQUARE, &a, 1, a->n);
}

lg_tensor *lg_mean(lg_graph *g, lg_tensor *a)
{
    if (!lg_graph_inputs_ok(g, "mean", &a, 1))
        return NULL;
    return lg_graph_emit(g, LG_OP_MEAN, &a, 1, 1);
}
