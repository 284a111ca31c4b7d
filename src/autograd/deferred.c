/* Graph mode's entry points: running a plan for lg_backward and lg_graph_eval,
 * and printing one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "autograd/codegen.h"
#include "core/dtype.h"
#include "core/error.h"

void lg_plan_free(lg_plan *p)
{
    if (!p)
        return;
    free(p->sig), free(p->cand), free(p->pt), free(p->steps), free(p->order), free(p->phys);
    free(p->sweeps), free(p->partials), free(p->scratch), free(p->nodes);
    free(p->scalar_order), free(p->phase_first), free(p->inline_grads);
    free(p->tens), free(p->ids), free(p->leaves);
    lg_plan_uncompile(p);
    free(p->cmemv), free(p->credv), free(p->cscv), free(p->cbase), free(p->cesize);
    free(p);
}

/* What this run needs beyond the plan: zeroed gradients for the scalar outputs
 * eager would give one, and memory for the output to keep. */
static lg_status prepare_run(lg_plan *p, lg_graph *g, lg_tensor *target)
{
    for (size_t i = 0; i < p->n_inline_grads; i++) {
        lg_tensor *t = p->tens[p->inline_grads[i]];
        t->inline_grad = 0.0;
        t->grad = &t->inline_grad;
    }
    if (target && target->n > 1 && target->owner &&
        !(target->data = lg_arena_alloc(&g->arena, target->n * lg_esize(target->dtype))))
        return lg_fail(LG_ENOMEM, "lg_graph_eval: cannot allocate %zu %s values: out of memory",
                       target->n, lg_dtype_name(target->dtype));
    return LG_OK;
}

/* A new tape's schedule, compiled sweeps and memory; its time is set apart, as
 * a one-time cost. */
static lg_status new_plan(lg_graph *g, lg_tensor *loss, lg_tensor *target)
{
    double t0 = lg_seconds();
    lg_status s = lg_plan_build(g->plan, g, loss, target);
    if (s == LG_OK)
        s = lg_plan_compile(g->plan, g);
    if (s == LG_OK)
        s = lg_plan_reserve(g->plan, g);
    g->setup_seconds += lg_seconds() - t0;
    return s;
}

static lg_status plan_for(lg_graph *g, lg_tensor *loss, lg_tensor *target)
{
    if (!g->plan && !(g->plan = calloc(1, sizeof *g->plan)))
        return lg_fail(LG_ENOMEM, "graph mode: cannot allocate a plan: out of memory");
    bool fits = false;
    lg_status s = lg_plan_bind(g->plan, g, loss, target, &fits);
    if (s == LG_OK && !fits)
        s = new_plan(g, loss, target);
    return s;
}

lg_status lg_plan_run(lg_graph *g, lg_tensor *loss, lg_tensor *target)
{
    g->replayable = false;
    lg_status s = plan_for(g, loss, target);
    if (s == LG_OK)
        s = prepare_run(g->plan, g, target);
    if (s != LG_OK) {
        if (g->status == LG_OK)
            g->status = s;
        return s;
    }
    lg_plan_execute(g->plan, g);
    if (target)
        target->pending = false;
    if (loss)
        g->backward_done = g->replayable = true;
    return LG_OK;
}

/* A leaf's size, dtype, requires_grad and gradient buffer are fixed when it is
 * made, so the plan still fits the tape's leaves: only their values moved. */
lg_status lg_graph_replay(lg_graph *g)
{
    if (!g)
        return lg_fail_null("lg_graph_replay", "g");
    if (!g->replayable)
        return lg_fail(LG_EINVAL, "lg_graph_replay: nothing to replay: the last run on this graph was "
                       "not lg_backward in graph mode, or the graph was reset or reconfigured since");
    lg_status s = prepare_run(g->plan, g, NULL);
    if (s == LG_OK) {
        lg_tape_versions_take(g);
        lg_plan_execute(g->plan, g);
    }
    return s;
}

/* t is the graph's output (or a leaf, which eval leaves alone): const to the caller. */
lg_status lg_graph_eval(lg_graph *g, const lg_tensor *h)
{
    lg_tensor *t = lg_handle_tensor(h);
    if (!g)
        return lg_fail_null("lg_graph_eval", "g");
    if (!t)
        return g->status != LG_OK ? g->status : lg_fail_null("lg_graph_eval", "t");
    if (g->status != LG_OK)
        return lg_fail(g->status, "lg_graph_eval: the graph recorded an earlier failure");
    if (t->kind != LG_TENSOR_LEAF && t->owner != g)
        return lg_fail(LG_EINVAL, "lg_graph_eval: the tensor belongs to another graph");
    if (lg_tensor_stale(h))
        return lg_fail(LG_EINVAL, "lg_graph_eval: the tensor is from an earlier step of this graph "
                       "(lg_graph_reset and lg_graph_set_isa drop every op output)");
    lg_status s = lg_tape_versions_check(g, "lg_graph_eval");
    if (s != LG_OK || !t->pending) /* a leaf, eager mode, or computed already */
        return s;
    return lg_plan_run(g, NULL, t);
}
