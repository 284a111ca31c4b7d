/* Eager mode's emitter: each step of an op's definition runs at once, over the
 * node's tensors, through the parallel driver. */
#include "autograd/graph.h"
#include "exec/parallel.h"

typedef struct eager {
    lg_emit e;
    const lg_exec *ex;
} eager;

/* The tensor an operand names: input k's, or the output's (op.h orders the
 * kinds so that values are odd and gradients even). */
static lg_tensor *tensor_of(const lg_node *node, lg_opnd o)
{
    return o.kind >= LG_OPND_OUT ? node->out : node->in[o.k];
}

/* Of t, the tensor o names: its values or its gradient. */
static void *memory_in(const lg_tensor *t, lg_opnd o)
{
    return o.kind & 1 ? t->data : t->grad;
}

static void *memory_of(const lg_node *node, lg_opnd o)
{
    return o.kind == LG_OPND_NONE ? NULL : memory_in(tensor_of(node, o), o);
}

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

/* Step kop over `over`'s elements. */
static lg_mse_sums run(eager *m, const lg_tensor *over, lg_kop kop, lg_kop_args *args,
                       lg_scal a, lg_scal b)
{
    lg_node *node = m->e.node;
    args->a = a.kind == LG_SCAL_CONST ? a.c : lg_scal_eval(m->ex, node, a);
    args->b = b.kind == LG_SCAL_CONST ? b.c : lg_scal_eval(m->ex, node, b);
    return lg_par_run(m->ex, over->dtype, kop, args, over->n);
}

/* A map's output operand is never NONE and names the elements it runs over. */
static void map(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_opnd out, lg_scal a, lg_scal b)
{
    lg_node *node = e->node;
    lg_tensor *o = tensor_of(node, out);
    lg_kop_args args = {.p = memory_of(node, p), .q = memory_of(node, q),
                        .out = memory_in(o, out)};
    run((eager *)e, o, kop, &args, a, b);
}

/* A reduction runs over its first operand's elements. */
static lg_mse_sums reduction(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_scal a, lg_scal b)
{
    lg_node *node = e->node;
    lg_tensor *t = tensor_of(node, p);
    lg_kop_args args = {.p = memory_in(t, p), .q = memory_of(node, q)};
    return run((eager *)e, t, kop, &args, a, b);
}

static void reduce(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_scal a, lg_scal b,
                   lg_fin_fn *fin)
{
    eager *m = (eager *)e;
    lg_mse_sums s = reduction(e, kop, p, q, a, b);
    lg_node *node = e->node;
    lg_scalar_store(node->out, fin(node, &s, lg_exec_count(m->ex, node->in[0]->n)));
}

static void reduce_grad(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, size_t k, double c)
{
    lg_mse_sums s = reduction(e, kop, p, q, lg_const(0.0), lg_const(0.0));
    lg_grad_add_scalar(e->node->in[k], c * s.r);
}

static void scalar(lg_emit *e, void (*fn)(const lg_exec *ex, lg_node *node))
{
    fn(((eager *)e)->ex, e->node);
}

static const lg_emit_ops eager_ops = {map, reduce, reduce_grad, scalar};

void lg_eager_run(const lg_exec *ex, lg_node *node, lg_emit_fn *steps)
{
    eager m = {{&eager_ops, node}, ex};
    steps(&m.e, node);
}

/* Graph mode's forward of a scalar op: its output is computed from here on. (An
 * eager op's output is never pending.) */
void lg_eager_forward(const lg_exec *ex, lg_node *node)
{
    lg_eager_run(ex, node, lg_op_about(node->op)->forward);
    node->out->pending = false;
}

void lg_eager_backward(const lg_exec *ex, lg_node *node)
{
    lg_eager_run(ex, node, lg_op_about(node->op)->backward);
}
