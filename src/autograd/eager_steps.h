/*
 * Eager mode's runner: an op's step list (op_steps.h) run at once, over the
 * node's tensors, through the parallel driver.
 *
 * Inline, with the list a constant: at the tutorial's n = 100 an epoch's
 * bookkeeping costs more than its arithmetic, and with the list's contents in
 * view the compiler folds each step's guard, operands and kernel entry into
 * direct code, so a step costs about what a hand-written call would.
 */
#ifndef LG_EAGER_STEPS_H
#define LG_EAGER_STEPS_H

#include "autograd/graph.h"
#include "autograd/op_steps.h"
#include "exec/parallel.h"

/* Of the tensor in slot o.k (op.h: the inputs, then the output), the memory o
 * names: its values (odd kinds) or its gradient. NONE names input 0's gradient
 * pointer, which the entry does not read. */
static inline void *lg_eager_memory(lg_tensor *const t[], lg_opnd o)
{
    const lg_tensor *x = t[o.k];
    return o.kind & 1 ? x->data : x->grad;
}

static inline double lg_eager_scal(const lg_exec *ex, const lg_node *node, lg_scal s)
{
    return s.kind == LG_SCAL_CONST ? s.c : lg_scal_eval(ex, node, s);
}

/* A map runs over its output's elements, a reduction over its first operand's. */
static inline __attribute__((always_inline)) void
lg_eager_step(const lg_exec *ex, lg_node *node, lg_tensor *const t[], const lg_op_step *s)
{
    if (s->how == LG_DO_SCALAR) {
        s->fn(ex, node);
        return;
    }
    lg_kop_args args = {lg_eager_memory(t, s->p), lg_eager_memory(t, s->q),
                        lg_eager_memory(t, s->out), lg_eager_scal(ex, node, s->a),
                        lg_eager_scal(ex, node, s->b)};
    const lg_tensor *over = t[s->how == LG_DO_MAP ? s->out.k : s->p.k];
    lg_mse_sums r = lg_par_run(ex, over->dtype, (lg_kop)s->kop, &args, over->n);
    if (s->how == LG_DO_REDUCE)
        lg_scalar_store(node->out, s->fin(node, &r, lg_exec_count(ex, node->in[0]->n)));
    else if (s->how == LG_DO_REDUCE_GRAD)
        lg_grad_add_scalar(t[s->out.k], s->c * r.r);
}

static inline __attribute__((always_inline)) void
lg_eager_steps(const lg_exec *ex, lg_node *node, const lg_op_steps *steps)
{
    lg_tensor *const t[LG_MAX_INPUTS + 1] = {node->in[0], node->in[1], node->in[2], node->in[3],
                                             node->out};
#pragma GCC unroll 8
    for (size_t i = 0; i < steps->count; i++)
        if (lg_step_runs(node, &steps->step[i]))
            lg_eager_step(ex, node, t, &steps->step[i]);
}

/* The node's op's backward list, or its forward, each op's inlined into its own
 * case (backward is a constant where this is inlined). */
static inline __attribute__((always_inline)) void lg_eager_op_steps(const lg_exec *ex,
                                                                    lg_node *node, bool backward)
{
    switch (node->op) {
#define LG_OP_CASE(E, name, arity, shape, fwd, bwd) \
    case LG_OP_##E: lg_eager_steps(ex, node, backward ? &bwd : &fwd); break;
        LG_OPS(LG_OP_CASE)
#undef LG_OP_CASE
    case LG_OP_COUNT: break;
    }
}

#endif
