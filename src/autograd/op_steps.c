/* An op's step list handed to an emitter (graph mode's planner): the steps whose
 * guards hold for the node, in order. Eager mode reads the same lists itself
 * (eager.c), without the indirection. */
#include "autograd/op.h"

static void emit(lg_emit *e, const lg_op_step *s)
{
    switch ((lg_step_how)s->how) {
    case LG_DO_MAP: e->ops->map(e, (lg_kop)s->kop, s->p, s->q, s->out, s->a, s->b); break;
    case LG_DO_REDUCE: e->ops->reduce(e, (lg_kop)s->kop, s->p, s->q, s->a, s->b, s->fin); break;
    case LG_DO_REDUCE_GRAD:
        e->ops->reduce_grad(e, (lg_kop)s->kop, s->p, s->q, s->out.k, s->c);
        break;
    case LG_DO_SCALAR: e->ops->scalar(e, s->fn); break;
    }
}

void lg_emit_steps(lg_emit *e, const lg_op_steps *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (lg_step_runs(e->node, &s->step[i]))
            emit(e, &s->step[i]);
}
