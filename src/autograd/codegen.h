/* Graph mode's compiled sweeps (internal): the C a plan's sweeps become, and
 * what running one takes. */
#ifndef LG_CODEGEN_H
#define LG_CODEGEN_H

#include "autograd/plan.h"

/* The compiled sweeps' operands, in plan->cmem, csc and cred from *_first. */
typedef struct lg_csweep {
    size_t mem_first, n_mem; /* memory operands */
    size_t sc_first, n_sc;   /* scalars: (place in the sweep << 1) | (0: a, 1: b) */
    size_t red_first, n_red; /* reductions, by their plan index */
    size_t captures;         /* scratch buffers of a tile */
    bool in_loop;            /* its reductions are added in its loop (lg_red_order) */
} lg_csweep;

/* A compiled sweep's scalar: what lg_scal_eval takes, but the node's tape index. */
typedef struct lg_cscal {
    uint32_t node;
    lg_scal s;
} lg_cscal;

/* codegen.c: the plan's source for table k, defining lg_sweep_fn *const lg_sweeps[]; fills
 * plan->csweeps and their operand lists (allocated by the caller). NULL when
 * out of memory. */
char *lg_codegen(lg_plan *p, const lg_kernels *k, size_t *len);

/* plan_compile.c: compiles the plan's sweeps (or finds them in the cache), or says in
 * p->jit_why why they run interpreted; fails only when out of memory. */
lg_status lg_plan_compile(lg_plan *p, const lg_graph *g);
/* Drops the compiled form. */
void lg_plan_uncompile(lg_plan *p);

#endif
