/* Graph mode's executor: scalar steps between sweeps, and sweeps that carry each
 * block through their steps with the intermediates in per-worker scratch. */
#include <stdlib.h>
#include <string.h>

#include "autograd/codegen.h"
#include "core/dtype.h"
#include "core/error.h"
#include "exec/parallel.h"

/* A slot's buffer holds one tile of the widest dtype. */
#define SLOT_ELEMENT sizeof(double)

static size_t tile_of(size_t n)
{
    size_t len = lg_blocks_of(n).len;
    return len < LG_TILE ? len : LG_TILE;
}

/* Scratch for the interpreter's slots, or the compiled code's captures. */
static size_t sweep_bytes(const lg_plan *p, size_t w)
{
    const lg_sweep *sw = &p->sweeps[w];
    size_t buffers = sw->buffers;
    if (p->compiled && p->csweeps[w].captures > buffers)
        buffers = p->csweeps[w].captures;
    return buffers * tile_of(sw->n) * SLOT_ELEMENT;
}

/* A worker's row of n elements of `size` bytes in a per-worker array, in bytes:
 * whole 128-byte pairs of cache lines, so that workers writing their own rows on
 * every tile never share a line (nor the pair an adjacent-line prefetcher takes). */
static size_t worker_row(size_t n, size_t size)
{
    return (n * size + 127) / 128 * 128;
}

/* What a compiled sweep's run needs besides scratch, sized for this plan. */
static lg_status reserve_compiled(lg_plan *p, int workers)
{
    free(p->cmemv), free(p->credv), free(p->cscv), free(p->cbase), free(p->cesize);
    p->cmemv = NULL, p->credv = NULL, p->cscv = NULL, p->cbase = NULL, p->cesize = NULL;
    if (!p->compiled)
        return LG_OK;
    size_t w = (size_t)workers, mem = p->max_mem + 1;
    p->cmem_row = worker_row(mem, sizeof *p->cmemv);
    p->cred_row = worker_row(p->max_red + 1, sizeof *p->credv);
    p->cmemv = aligned_alloc(128, w * p->cmem_row);
    p->credv = aligned_alloc(128, w * p->cred_row);
    p->cscv = malloc((p->max_sc + 1) * sizeof *p->cscv);
    p->cbase = malloc(mem * sizeof *p->cbase);
    p->cesize = malloc(mem * sizeof *p->cesize);
    if (p->cmemv && p->credv && p->cscv && p->cbase && p->cesize)
        return LG_OK;
    return lg_fail(LG_ENOMEM, "graph mode: cannot allocate the compiled sweeps' operands: out of memory");
}

lg_status lg_plan_reserve(lg_plan *p, const lg_graph *g)
{
    size_t per_worker = 0, widest = 0;
    for (size_t i = 0; i < p->n_sweeps; i++) {
        p->sweeps[i].tile = tile_of(p->sweeps[i].n);
        p->sweeps[i].blocks = lg_exec_blocks(&g->ex, p->sweeps[i].n);
        size_t b = sweep_bytes(p, i);
        per_worker = b > per_worker ? b : per_worker;
        widest = p->sweeps[i].n > widest ? p->sweeps[i].n : widest;
    }
    per_worker = (per_worker + 63) / 64 * 64;
    /* Sweeps below every grain run on the caller alone: scratch for the others
     * would be hundreds of KB that malloc maps, and faults in, for nothing. */
    int workers = lg_par_workers(&g->ex, widest);
    if (per_worker > p->scratch_worker || workers > p->workers) {
        free(p->scratch);
        p->scratch = NULL;
        p->scratch_worker = 0, p->workers = 0;
        size_t bytes = per_worker * (size_t)workers;
        if (bytes && !(p->scratch = aligned_alloc(64, bytes)))
            return lg_fail(LG_ENOMEM, "graph mode: cannot allocate %zu bytes of scratch: out of memory",
                           bytes);
        /* Touched now, with the plan's one-time costs: a fresh page faults for
         * about 15 us here, which the first epoch would otherwise pay. */
        if (bytes)
            memset(p->scratch, 0, bytes);
        p->scratch_worker = per_worker, p->workers = workers;
    }
    if (p->n_red > p->partial_rows) {
        free(p->partials);
        p->partial_rows = 0;
        p->partials = malloc(p->n_red * LG_MAX_BLOCKS * sizeof *p->partials);
        if (!p->partials)
            return lg_fail(LG_ENOMEM, "graph mode: cannot allocate reduction partials: out of memory");
        p->partial_rows = p->n_red;
    }
    return reserve_compiled(p, workers);
}

/* ---- scalar steps ---------------------------------------------------------------- */

/* A reduction's total, added as lg_par_run adds its blocks. */
static lg_mse_sums total(const lg_graph *g, const lg_plan *p, const lg_step *s)
{
    return lg_par_total(&g->ex, &p->partials[(size_t)s->red * LG_MAX_BLOCKS], s->blocks);
}

static void run_scalar(lg_plan *p, lg_graph *g, const lg_step *s)
{
    lg_node *node = s->kind == LG_STEP_SEED || s->kind == LG_STEP_FIN_GRAD ? NULL : p->nodes[s->node];
    lg_mse_sums sums;
    switch ((lg_step_kind)s->kind) {
    case LG_STEP_FORWARD: lg_eager_forward(&g->ex, node); break;
    case LG_STEP_BACKWARD: lg_eager_backward(&g->ex, node); break;
    case LG_STEP_SEED: lg_grad_add_scalar(p->tens[s->t], 1.0); break;
    case LG_STEP_FIN:
        sums = total(g, p, s);
        lg_scalar_store(node->out, s->fin(node, &sums, lg_exec_count(&g->ex, node->in[0]->n)));
        node->out->pending = false;
        break;
    case LG_STEP_FIN_GRAD: lg_grad_add_scalar(p->tens[s->t], s->c * total(g, p, s).r); break;
    case LG_STEP_KERNEL:
    case LG_STEP_ZERO: break;
    }
}

/* ---- sweeps --------------------------------------------------------------------- */

typedef struct sweep_job {
    lg_plan *p;
    const lg_sweep *sw;
    const lg_exec *ex;
    size_t tile;
} sweep_job;


/* Where operand r's elements of this block are: scratch for a slot (buf), else
 * the tensor's memory at the block. */
static void *at(const lg_plan *p, lg_ref r, uint32_t buf, char *scratch, size_t stride,
                size_t offset)
{
    if (buf != UINT32_MAX)
        return scratch + buf * stride;
    if (r.kind == LG_REF_DATA)
        return (char *)p->tens[r.id]->data + offset;
    return r.kind == LG_REF_GRAD ? (char *)p->tens[r.id]->grad + offset : NULL;
}

/* One tile through the sweep's steps; a reduction's sums go to its block's
 * partial, started at zero on the block's first tile as lg_par_run starts it. */
static void sweep_tile(const sweep_job *j, char *scratch, size_t blk, size_t begin, size_t len,
                       bool first)
{
    const lg_plan *p = j->p;
    size_t stride = j->tile * SLOT_ELEMENT;
    const size_t *order = p->order + j->sw->first;
    const uint32_t *buf = p->phys + 3 * j->sw->first;
    for (size_t i = 0; i < j->sw->count; i++, buf += 3) {
        const lg_step *s = &p->steps[order[i]];
        size_t es = lg_esize((lg_dtype)s->dtype), off = begin * es;
        void *out = at(p, s->out, buf[2], scratch, stride, off);
        if (s->kind == LG_STEP_ZERO) {
            memset(out, 0, len * es);
            continue;
        }
        /* The scalars are read here, not once per sweep: at one tile (tiny n)
         * a second pass over the steps would cost more. */
        lg_kop_args args = {.p = at(p, s->p, buf[0], scratch, stride, off),
                            .q = at(p, s->q, buf[1], scratch, stride, off), .out = out,
                            .a = lg_scal_eval(j->ex, p->nodes[s->node], s->a),
                            .b = lg_scal_eval(j->ex, p->nodes[s->node], s->b)};
        lg_mse_sums r = lg_kop_call(j->ex->k, (lg_dtype)s->dtype, (lg_kop)s->kop, &args, 0, len);
        if (s->red < 0)
            continue;
        lg_mse_sums *acc = &p->partials[(size_t)s->red * LG_MAX_BLOCKS + blk];
        if (first)
            *acc = (lg_mse_sums){0.0, 0.0, 0.0};
        acc->r += r.r;
        acc->rx += r.rx;
        acc->rr += r.rr;
    }
}

static void sweep_block(void *ctx, int worker, size_t blk, size_t begin, size_t end)
{
    const sweep_job *j = ctx;
    /* A plan whose sweeps keep nothing between steps has no scratch at all. */
    char *scratch = j->p->scratch ? (char *)j->p->scratch + (size_t)worker * j->p->scratch_worker
                                  : NULL;
    for (size_t t = begin; t < end; t += j->tile)
        sweep_tile(j, scratch, blk, t, end - t < j->tile ? end - t : j->tile, t == begin);
}

/* ---- compiled sweeps ------------------------------------------------------------- */

typedef struct compiled_job {
    lg_plan *p;
    const lg_csweep *cs;
    lg_sweep_fn *fn;
    const lg_kernels *k;
    size_t tile;
} compiled_job;

/* Each tile: its operands, one call, and its sums added to its block's partials
 * as the interpreter adds them. */
static void compiled_block(void *ctx, int worker, size_t blk, size_t begin, size_t end)
{
    const compiled_job *j = ctx;
    lg_plan *p = j->p;
    const lg_csweep *cs = j->cs;
    char *scratch = (char *)p->scratch + (size_t)worker * p->scratch_worker;
    void **mem = (void **)((char *)p->cmemv + (size_t)worker * p->cmem_row);
    lg_mse_sums *red = (lg_mse_sums *)((char *)p->credv + (size_t)worker * p->cred_row);
    size_t stride = j->tile * SLOT_ELEMENT;
    for (size_t t = begin; t < end; t += j->tile) {
        size_t len = end - t < j->tile ? end - t : j->tile;
        for (size_t i = 0; i < cs->n_mem; i++)
            mem[i] = p->cbase[i] + t * p->cesize[i];
        j->fn(mem, p->cscv, j->k, scratch, stride, len, red);
        for (size_t r = 0; r < cs->n_red; r++) {
            lg_mse_sums *acc = &p->partials[(size_t)p->cred[cs->red_first + r] * LG_MAX_BLOCKS + blk];
            if (t == begin)
                *acc = (lg_mse_sums){0.0, 0.0, 0.0};
            acc->r += red[r].r;
            acc->rx += red[r].rx;
            acc->rr += red[r].rr;
        }
    }
}

/* The sweep's scalars and the bases of its memory operands, once per run. */
static void bind_compiled(lg_plan *p, const lg_graph *g, const lg_csweep *cs)
{
    for (size_t i = 0; i < cs->n_sc; i++) {
        const lg_cscal *c = &p->cscal[cs->sc_first + i];
        p->cscv[i] = lg_scal_eval(&g->ex, p->nodes[c->node], c->s);
    }
    for (size_t i = 0; i < cs->n_mem; i++) {
        lg_ref r = p->cmem[cs->mem_first + i];
        lg_tensor *t = p->tens[r.id];
        p->cbase[i] = r.kind == LG_REF_GRAD ? t->grad : t->data;
        p->cesize[i] = lg_esize(t->dtype);
    }
}

static void run_sweep(lg_plan *p, lg_graph *g, size_t w)
{
    const lg_sweep *sw = &p->sweeps[w];
    if (p->compiled) {
        const lg_csweep *cs = &p->csweeps[w];
        bind_compiled(p, g, cs);
        compiled_job j = {p, cs, p->compiled[w], g->ex.k, sw->tile};
        lg_par_for_blocks(&g->ex, &sw->blocks, compiled_block, &j);
        return;
    }
    sweep_job j = {p, sw, &g->ex, sw->tile};
    lg_par_for_blocks(&g->ex, &sw->blocks, sweep_block, &j);
}

void lg_plan_execute(lg_plan *p, lg_graph *g)
{
    size_t w = 0;
    for (int ph = 0; ph < p->n_phases; ph++) {
        for (size_t i = p->phase_first[ph], last = p->phase_first[ph + 1]; i < last; i++)
            run_scalar(p, g, &p->steps[p->scalar_order[i]]);
        for (; w < p->n_sweeps && p->sweeps[w].phase == ph; w++)
            run_sweep(p, g, w);
    }
}
