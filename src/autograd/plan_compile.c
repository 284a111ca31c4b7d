/* Graph mode's compiler driver: a new plan's sweeps rendered to C (codegen.c),
 * compiled or found in the cache (jit/), and loaded; or the reason they run
 * interpreted. Either way the bits are the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/codegen.h"

void lg_plan_uncompile(lg_plan *p)
{
    lg_jit_release(&p->jit);
    p->compiled = NULL;
    free(p->csweeps), free(p->cmem), free(p->csc), free(p->cred), free(p->cscal);
    p->csweeps = NULL, p->cmem = NULL, p->csc = NULL, p->cred = NULL, p->cscal = NULL;
    p->max_mem = p->max_sc = p->max_red = p->max_captures = 0;
}

/* Why this plan is not compiled, before trying; NULL when it should be. */
static const char *why_not(const lg_plan *p, const lg_graph *g)
{
    if (p->n_sweeps == 0)
        return "no sweeps: every op has scalar operands";
    if (g->interpret)
        return "turned off (lg_graph_set_compile; train --interpret)";
    const lg_jit_config *c = lg_jit_config_get();
    return c->enabled ? NULL : c->why;
}

static bool operand_lists(lg_plan *p)
{
    size_t n = p->n_order + 1;
    p->csweeps = calloc(p->n_sweeps, sizeof *p->csweeps);
    p->cmem = calloc(3 * n, sizeof *p->cmem);
    p->csc = calloc(2 * n, sizeof *p->csc);
    p->cscal = calloc(2 * n, sizeof *p->cscal);
    p->cred = calloc(n, sizeof *p->cred);
    return p->csweeps && p->cmem && p->csc && p->cscal && p->cred;
}

/* What each sweep's scalars are, and the largest operand lists of a sweep. */
static void sizes(lg_plan *p)
{
    for (size_t w = 0; w < p->n_sweeps; w++) {
        const lg_csweep *cs = &p->csweeps[w];
        for (size_t i = cs->sc_first; i < cs->sc_first + cs->n_sc; i++) {
            const lg_step *st = &p->steps[p->order[p->sweeps[w].first + (p->csc[i] >> 1)]];
            p->cscal[i] = (lg_cscal){st->node, p->csc[i] & 1 ? st->b : st->a};
        }
        p->max_mem = cs->n_mem > p->max_mem ? cs->n_mem : p->max_mem;
        p->max_sc = cs->n_sc > p->max_sc ? cs->n_sc : p->max_sc;
        p->max_red = cs->n_red > p->max_red ? cs->n_red : p->max_red;
        p->max_captures = cs->captures > p->max_captures ? cs->captures : p->max_captures;
    }
}

lg_status lg_plan_compile(lg_plan *p, const lg_graph *g)
{
    lg_plan_uncompile(p);
    const char *why = why_not(p, g);
    if (why) {
        snprintf(p->jit_why, sizeof p->jit_why, "%s", why);
        return LG_OK;
    }
    size_t len = 0;
    char *src = operand_lists(p) ? lg_codegen(p, g->ex.k, &len) : NULL;
    if (!src) {
        lg_plan_uncompile(p);
        return lg_fail(LG_ENOMEM, "graph mode: cannot render the plan's C source: out of memory");
    }
    lg_status s = lg_jit_load(src, len, g->ex.k->name, "lg_sweeps", &p->jit);
    free(src);
    if (s != LG_OK) {
        snprintf(p->jit_why, sizeof p->jit_why, "%s", lg_last_error());
        lg_plan_uncompile(p);
        return LG_OK;
    }
    p->jit_why[0] = '\0';
    p->compiled = (lg_sweep_fn *const *)p->jit.fn;
    sizes(p);
    return LG_OK;
}
