/* Graph mode's planner: binds a run's tape to plan indices, recognises a tape
 * the last plan fits, and lowers a new one to steps and sweeps (plan.h). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/plan.h"
#include "core/dtype.h"
#include "core/error.h"
#include "exec/parallel.h"

#define NONE UINT32_MAX

/* Grows *arr to hold at least `need` elements of `size` bytes. */
static bool reserve(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t c = need < 16 ? 16 : need * 2;
    void *q = c <= SIZE_MAX / size ? realloc(*arr, c * size) : NULL;
    if (!q)
        return false;
    *arr = q;
    *cap = c;
    return true;
}

/* ---- binding and the signature ---------------------------------------------- */

/* The plan index of tensor t, giving it one on its first appearance. A leaf's
 * first appearance adds what the plan depends on: size, dtype, whether it needs
 * a gradient. Leaves are told apart by identity, so x*x and x*y differ. */
static uint32_t id_of(lg_plan *p, const lg_tensor *t, uint64_t *sig, size_t *len)
{
    if (t->owner && t->tape_pos)
        return p->ids[t->tape_pos - 1][LG_MAX_INPUTS];
    for (size_t i = 0; i < p->n_leaves; i++)
        if (p->tens[p->leaves[i]] == t)
            return p->leaves[i];
    p->leaves[p->n_leaves++] = (uint32_t)p->n_tensors;
    sig[(*len)++] = ((uint64_t)t->n << 8) | ((uint64_t)t->dtype << 2) |
                    ((uint64_t)t->requires_grad << 1) | (t->grad != NULL);
    p->tens[p->n_tensors] = (lg_tensor *)t;
    return (uint32_t)p->n_tensors++;
}

static bool bind_room(lg_plan *p, size_t n_nodes)
{
    size_t tens = n_nodes * (LG_MAX_INPUTS + 1) + 2, sig = n_nodes * (2 * LG_MAX_INPUTS + 3) + 12;
    return reserve((void **)&p->nodes, &p->nodes_cap, n_nodes, sizeof *p->nodes) &&
           reserve((void **)&p->ids, &p->ids_cap, n_nodes, sizeof *p->ids) &&
           reserve((void **)&p->tens, &p->tens_cap, tens, sizeof *p->tens) &&
           reserve((void **)&p->leaves, &p->leaves_cap, tens, sizeof *p->leaves) &&
           reserve((void **)&p->cand, &p->cand_cap, sig, sizeof *p->cand);
}

/* Walks the tape in order: each node's op, dtype, size and input indices. */
static size_t sign_nodes(lg_plan *p, size_t n)
{
    uint64_t *sig = p->cand;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        lg_node *node = p->nodes[i];
        sig[len++] = (uint64_t)node->op | (uint64_t)node->n_in << 4 | (uint64_t)node->out->dtype << 8;
        sig[len++] = node->out->n;
        for (size_t k = 0; k < node->n_in; k++) {
            uint32_t id = id_of(p, node->in[k], sig, &len);
            p->ids[i][k] = id;
            sig[len++] = id;
        }
        p->ids[i][LG_MAX_INPUTS] = (uint32_t)p->n_tensors;
        p->tens[p->n_tensors++] = node->out;
    }
    return len;
}

lg_status lg_plan_bind(lg_plan *p, lg_graph *g, const lg_tensor *loss, const lg_tensor *target,
                       bool *fits)
{
    size_t n = g->n_nodes;
    if (!bind_room(p, n))
        return lg_fail(LG_ENOMEM, "graph mode: cannot allocate a plan for %zu ops: out of memory", n);
    size_t i = n;
    for (lg_node *node = g->tail; node; node = node->prev)
        p->nodes[--i] = node;
    p->n_tensors = p->n_leaves = 0;
    size_t len = sign_nodes(p, n);
    uint64_t *sig = p->cand;
    uint32_t id = loss ? id_of(p, loss, sig, &len) : NONE;
    sig[len++] = id;
    id = target ? id_of(p, target, sig, &len) : NONE;
    sig[len++] = id;
    sig[len++] = (uint64_t)g->ex.threads;
    /* The compiled sweeps are built for one table and may be turned off. */
    sig[len++] = (uint64_t)(uintptr_t)g->ex.k;
    sig[len++] = g->interpret;
    p->cand_len = len;
    *fits = p->sig && len == p->sig_len && memcmp(sig, p->sig, len * sizeof *sig) == 0;
    return LG_OK;
}

/* ---- lowering the tape to steps ---------------------------------------------- */

typedef struct builder {
    lg_plan *p;
    int *data_ready, *grad_ready; /* per tensor: the first phase that can read it */
    size_t *last_writer;          /* per slot: the step that wrote it last */
    size_t cap_steps;             /* what steps was allocated for */
    const lg_exec *ex;            /* the graph's: with ranks, blocks and means are global */
} builder;

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static uint32_t new_slot(builder *b)
{
    b->last_writer[b->p->n_slots] = SIZE_MAX;
    return (uint32_t)b->p->n_slots++;
}

static bool is_leaf(const builder *b, uint32_t t)
{
    return b->p->pt[t].node < 0;
}

/* Reading vector t's values, its gradient, and writing its values. */
static lg_ref vin(const builder *b, uint32_t t)
{
    const lg_ptensor *pt = &b->p->pt[t];
    if (pt->node < 0 || pt->keep)
        return (lg_ref){LG_REF_DATA, t};
    return (lg_ref){LG_REF_SLOT, pt->data_slot};
}

static lg_ref vgrad(const builder *b, uint32_t t)
{
    if (is_leaf(b, t))
        return (lg_ref){LG_REF_GRAD, t};
    return (lg_ref){LG_REF_SLOT, b->p->pt[t].grad_slot};
}

/* The phase from which r can be read; a slot's writer goes in *dep. */
static int ref_phase(const builder *b, lg_ref r, int *dep)
{
    switch (r.kind) {
    case LG_REF_SLOT:
        *dep = (int)b->last_writer[r.id];
        return b->p->steps[*dep].phase;
    case LG_REF_DATA: return b->data_ready[r.id];
    case LG_REF_GRAD: return b->grad_ready[r.id];
    default: return 0;
    }
}

/* The phase from which node j's scalar argument a is known. */
static int scal_phase(const builder *b, uint32_t j, lg_scal a)
{
    const uint32_t *id = b->p->ids[j];
    switch ((lg_scal_kind)a.kind) {
    case LG_SCAL_VALUE: return b->data_ready[id[a.k]];
    case LG_SCAL_OUT_GRAD:
    case LG_SCAL_OUT_GRAD_DIV: return b->grad_ready[id[LG_MAX_INPUTS]];
    case LG_SCAL_CONST: break;
    }
    return 0;
}

static size_t push(builder *b, lg_step s)
{
    lg_plan *p = b->p;
    assert(p->n_steps < b->cap_steps); /* a node lowers to at most 16 steps */
    p->steps[p->n_steps] = s;
    return p->n_steps++;
}

/* Where the kernel's result goes decides what it is: a slot (pure), memory that
 * outlives the block (an effect, kept in write order), or a reduction. */
static void place_out(builder *b, lg_step *s, size_t idx)
{
    if (lg_kop_about((lg_kop)s->kop)->reduces) {
        s->effect = true;
        s->red = (int)b->p->n_red++;
    } else if (s->out.kind == LG_REF_GRAD) {
        s->effect = true;
        s->phase = imax(s->phase, b->grad_ready[s->out.id]);
        b->grad_ready[s->out.id] = s->phase;
    } else if (s->out.kind == LG_REF_DATA) {
        s->effect = true;
        b->data_ready[s->out.id] = s->phase;
    } else {
        b->last_writer[s->out.id] = idx;
    }
}

static size_t kernel(builder *b, uint32_t j, lg_kop kop, const lg_tensor *like, lg_ref p, lg_ref q,
                     lg_ref out, lg_scal sa, lg_scal sb)
{
    lg_step s = {.kind = LG_STEP_KERNEL, .kop = (uint8_t)kop, .dtype = (uint8_t)like->dtype,
                 .vector = true, .p = p, .q = q, .out = out, .a = sa, .b = sb, .red = -1,
                 .node = j, .n = like->n, .dep = {-1, -1, -1}};
    s.phase = imax(ref_phase(b, p, &s.dep[0]), ref_phase(b, q, &s.dep[1]));
    if (kop == LG_KOP_AXPY || kop == LG_KOP_MULACC) /* they read what they add to */
        s.phase = imax(s.phase, ref_phase(b, out, &s.dep[2]));
    s.phase = imax(s.phase, imax(scal_phase(b, j, sa), scal_phase(b, j, sb)));
    size_t idx = b->p->n_steps;
    place_out(b, &s, idx);
    return push(b, s);
}

static void zero(builder *b, const lg_tensor *like, uint32_t slot)
{
    lg_step s = {.kind = LG_STEP_ZERO, .dtype = (uint8_t)like->dtype, .vector = true,
                 .out = {LG_REF_SLOT, slot}, .red = -1, .n = like->n, .dep = {-1, -1, -1}};
    b->last_writer[slot] = b->p->n_steps;
    push(b, s);
}

static int scalar(builder *b, lg_step_kind kind, uint32_t node, uint32_t t, double c, int red,
                  int phase)
{
    push(b, (lg_step){.kind = (uint8_t)kind, .node = node, .t = t, .c = c, .red = red,
                      .phase = phase, .dep = {-1, -1, -1}});
    return phase;
}

/* A reduction's result is known in the phase after the sweep that adds it up. */
static int fin_phase(const builder *b, size_t red_step)
{
    return b->p->steps[red_step].phase + 1;
}

static void fin_grad(builder *b, uint32_t t, double c, size_t red_step)
{
    int ph = imax(fin_phase(b, red_step), b->grad_ready[t]);
    b->grad_ready[t] = scalar(b, LG_STEP_FIN_GRAD, 0, t, c, b->p->steps[red_step].red, ph);
    b->p->steps[b->p->n_steps - 1].n = b->p->steps[red_step].n;
}

static bool all_scalar(const lg_node *node)
{
    for (size_t k = 0; k < node->n_in; k++)
        if (node->in[k]->n != 1)
            return false;
    return true;
}

/* ---- the planner's emitter: an op's steps, recorded --------------------------------- */

typedef struct planner {
    lg_emit e;
    builder *b;
    uint32_t j; /* the node's place on the tape */
} planner;

static uint32_t tensor_id(const planner *m, lg_opnd o)
{
    bool input = o.kind == LG_OPND_IN || o.kind == LG_OPND_IN_GRAD;
    return m->b->p->ids[m->j][input ? o.k : LG_MAX_INPUTS];
}

static lg_ref ref_of(const planner *m, lg_opnd o)
{
    switch ((lg_opnd_kind)o.kind) {
    case LG_OPND_IN:
    case LG_OPND_OUT: return vin(m->b, tensor_id(m, o));
    case LG_OPND_IN_GRAD:
    case LG_OPND_OUT_GRAD: return vgrad(m->b, tensor_id(m, o));
    case LG_OPND_NONE: break;
    }
    return (lg_ref){LG_REF_NONE, 0};
}

static size_t record(planner *m, lg_kop kop, lg_opnd p, lg_opnd q, lg_opnd out, lg_scal a, lg_scal b)
{
    const lg_tensor *like = m->b->p->tens[tensor_id(m, out.kind ? out : p)];
    return kernel(m->b, m->j, kop, like, ref_of(m, p), ref_of(m, q), ref_of(m, out), a, b);
}

static void plan_map(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_opnd out, lg_scal a, lg_scal b)
{
    record((planner *)e, kop, p, q, out, a, b);
}

static void plan_reduce(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_scal a, lg_scal b,
                        lg_fin_fn *fin)
{
    planner *m = (planner *)e;
    size_t r = record(m, kop, p, q, lg_none(), a, b);
    uint32_t o = m->b->p->ids[m->j][LG_MAX_INPUTS];
    m->b->data_ready[o] = scalar(m->b, LG_STEP_FIN, m->j, o, 0.0, m->b->p->steps[r].red, fin_phase(m->b, r));
    m->b->p->steps[m->b->p->n_steps - 1].fin = fin;
}

static void plan_reduce_grad(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, size_t k, double c)
{
    planner *m = (planner *)e;
    size_t r = record(m, kop, p, q, lg_none(), lg_const(0.0), lg_const(0.0));
    fin_grad(m->b, m->b->p->ids[m->j][k], c, r);
}

static void lower_scalar_backward(builder *b, uint32_t j, const uint32_t *id);

/* A backward of scalars only runs whole, as eager runs it. */
static void plan_scalar(lg_emit *e, lg_scalar_fn *fn)
{
    (void)fn;
    planner *m = (planner *)e;
    lower_scalar_backward(m->b, m->j, m->b->p->ids[m->j]);
}

static const lg_emit_ops planner_ops = {plan_map, plan_reduce, plan_reduce_grad, plan_scalar};

static void lower_forward(builder *b, uint32_t j)
{
    lg_plan *p = b->p;
    lg_node *node = p->nodes[j];
    const uint32_t *id = p->ids[j];
    uint32_t o = id[LG_MAX_INPUTS];
    if (all_scalar(node)) {
        int ph = 0;
        for (size_t k = 0; k < node->n_in; k++)
            ph = imax(ph, b->data_ready[id[k]]);
        b->data_ready[o] = scalar(b, LG_STEP_FORWARD, j, o, 0.0, -1, ph);
        return;
    }
    planner m = {{&planner_ops, node}, b, j};
    lg_emit_steps(&m.e, lg_op_about(node->op)->forward);
}

/* ---- backward ------------------------------------------------------------------ */

static bool needs_grad(const builder *b, uint32_t t)
{
    return b->p->tens[t]->requires_grad;
}

/* Eager's prepare_inputs: each input that requires a gradient gets a zeroed one
 * before the node's backward adds to it. A vector output's starts in a slot; a
 * scalar output's is zeroed when the run starts; a leaf's exists. */
static void prepare_inputs(builder *b, uint32_t j)
{
    lg_plan *p = b->p;
    for (size_t k = 0; k < p->nodes[j]->n_in; k++) {
        uint32_t t = p->ids[j][k];
        lg_ptensor *pt = &p->pt[t];
        if (!needs_grad(b, t) || pt->gets_grad)
            continue;
        pt->gets_grad = true;
        if (pt->node >= 0 && p->tens[t]->n > 1) {
            pt->grad_slot = new_slot(b);
            zero(b, p->tens[t], pt->grad_slot);
        }
    }
}

/* Every gradient the node touches is a scalar: its eager backward runs whole. */
static bool scalar_backward(const builder *b, const lg_node *node, const uint32_t *id)
{
    if (node->out->n != 1)
        return false;
    for (size_t k = 0; k < node->n_in; k++)
        if (needs_grad(b, id[k]) && node->in[k]->n != 1)
            return false;
    return true;
}

static void lower_scalar_backward(builder *b, uint32_t j, const uint32_t *id)
{
    const lg_node *node = b->p->nodes[j];
    uint32_t o = id[LG_MAX_INPUTS];
    int ph = imax(b->grad_ready[o], b->data_ready[o]);
    for (size_t k = 0; k < node->n_in; k++) {
        ph = imax(ph, b->data_ready[id[k]]);
        if (needs_grad(b, id[k]))
            ph = imax(ph, b->grad_ready[id[k]]);
    }
    scalar(b, LG_STEP_BACKWARD, j, o, 0.0, -1, ph);
    for (size_t k = 0; k < node->n_in; k++)
        if (needs_grad(b, id[k]))
            b->grad_ready[id[k]] = ph;
}

static void lower_backward(builder *b, uint32_t j)
{
    lg_plan *p = b->p;
    lg_node *node = p->nodes[j];
    const uint32_t *id = p->ids[j];
    if (!p->pt[id[LG_MAX_INPUTS]].gets_grad)
        return;
    prepare_inputs(b, j);
    if (scalar_backward(b, node, id)) {
        lower_scalar_backward(b, j, id);
        return;
    }
    planner m = {{&planner_ops, node}, b, j};
    lg_emit_steps(&m.e, lg_op_about(node->op)->backward);
}

/* ---- cutting the steps into sweeps -------------------------------------------- */

/* Marks effect e's closure: e and every pure step it reads from, transitively. */
static void mark_closure(lg_plan *p, size_t e, size_t *mark, size_t stamp, size_t *stack)
{
    size_t top = 0;
    stack[top++] = e;
    mark[e] = stamp;
    while (top) {
        const lg_step *s = &p->steps[stack[--top]];
        for (int k = 0; k < 3; k++) {
            int d = s->dep[k];
            if (d >= 0 && mark[d] != stamp) {
                mark[d] = stamp;
                stack[top++] = (size_t)d;
            }
        }
    }
}

static void release(uint32_t slot, uint32_t *slot_buf, uint32_t *free_bufs, size_t *n_free)
{
    if (slot_buf[slot] != NONE) {
        free_bufs[(*n_free)++] = slot_buf[slot];
        slot_buf[slot] = NONE;
    }
}

/* Slots take scratch buffers in step order; a buffer is free again after the
 * step that reads its slot last (never during it: an output never aliases an
 * input, except a step that adds into its own slot). */
static void assign_buffers(lg_plan *p, lg_sweep *sw, uint32_t *slot_buf, size_t *last_use,
                           uint32_t *free_bufs)
{
    size_t n_free = 0, n_buf = 0;
    for (size_t i = sw->first; i < sw->first + sw->count; i++) {
        const lg_step *s = &p->steps[p->order[i]];
        const lg_ref *r[3] = {&s->p, &s->q, &s->out};
        for (int k = 0; k < 3; k++)
            if (r[k]->kind == LG_REF_SLOT)
                last_use[r[k]->id] = i;
    }
    for (size_t i = sw->first; i < sw->first + sw->count; i++) {
        const lg_step *s = &p->steps[p->order[i]];
        const lg_ref *r[3] = {&s->p, &s->q, &s->out};
        if (s->out.kind == LG_REF_SLOT && slot_buf[s->out.id] == NONE)
            slot_buf[s->out.id] = n_free ? free_bufs[--n_free] : (uint32_t)n_buf++;
        for (int k = 0; k < 3; k++)
            p->phys[3 * i + (size_t)k] = r[k]->kind == LG_REF_SLOT ? slot_buf[r[k]->id] : NONE;
        for (int k = 0; k < 3; k++)
            if (r[k]->kind == LG_REF_SLOT && last_use[r[k]->id] == i)
                release(r[k]->id, slot_buf, free_bufs, &n_free);
    }
    sw->buffers = n_buf;
}

/* One sweep per (phase, length) that has effects: their closures, in step order. */
static bool make_sweeps(lg_plan *p, size_t *mark, size_t *stack)
{
    size_t n = p->n_steps, cap = 0, ocap = 0;
    for (size_t e = 0; e < n; e++) {
        const lg_step *s = &p->steps[e];
        if (!s->vector || !s->effect || mark[e] != 0)
            continue;
        size_t stamp = p->n_sweeps + 1;
        for (size_t f = e; f < n; f++) {
            const lg_step *t = &p->steps[f];
            if (t->vector && t->effect && mark[f] == 0 && t->phase == s->phase && t->n == s->n)
                mark_closure(p, f, mark, stamp, stack);
        }
        if (!reserve((void **)&p->sweeps, &cap, p->n_sweeps + 1, sizeof *p->sweeps) ||
            !reserve((void **)&p->order, &ocap, p->n_order + n, sizeof *p->order))
            return false;
        lg_sweep *sw = &p->sweeps[p->n_sweeps++];
        *sw = (lg_sweep){.phase = s->phase, .n = s->n, .first = p->n_order};
        for (size_t k = 0; k < n; k++)
            if (mark[k] == stamp)
                p->order[p->n_order++] = k;
        sw->count = p->n_order - sw->first;
        for (size_t k = 0; k < n; k++) /* a pure step may serve the next sweep too */
            if (mark[k] == stamp && !p->steps[k].effect)
                mark[k] = 0;
    }
    return true;
}

/* ---- the whole plan ------------------------------------------------------------ */

static void clear_schedule(lg_plan *p)
{
    free(p->pt), free(p->steps), free(p->order), free(p->phys), free(p->sweeps);
    free(p->scalar_order), free(p->phase_first), free(p->inline_grads);
    p->pt = NULL, p->steps = NULL, p->order = NULL, p->phys = NULL, p->sweeps = NULL;
    p->scalar_order = NULL, p->phase_first = NULL, p->inline_grads = NULL;
    p->n_inline_grads = 0;
    p->n_steps = p->n_order = p->n_sweeps = p->n_slots = p->n_red = 0;
    p->n_phases = 0;
    p->sig_len = 0;
}

static void init_tensors(lg_plan *p, builder *b, const lg_tensor *target)
{
    for (size_t i = 0; i < p->n_tensors; i++) {
        const lg_tensor *t = p->tens[i];
        lg_ptensor *pt = &p->pt[i];
        *pt = (lg_ptensor){.node = t->owner ? (int32_t)t->tape_pos - 1 : -1, .data_slot = NONE,
                           .grad_slot = NONE};
        pt->op = pt->node >= 0 ? (uint8_t)p->nodes[pt->node]->op : 0;
        pt->keep = pt->node >= 0 && t == target && t->n > 1;
        if (pt->node >= 0 && t->n > 1 && !pt->keep)
            pt->data_slot = new_slot(b);
    }
}

static void lower(lg_plan *p, builder *b, const lg_tensor *loss)
{
    for (uint32_t j = 0; j < p->n_nodes; j++)
        lower_forward(b, j);
    if (!loss)
        return;
    uint32_t l;
    for (l = 0; l < p->n_tensors && p->tens[l] != loss; l++)
        ;
    p->pt[l].gets_grad = true;
    /* The seed needs no value: the backward can join the forward's sweep. */
    b->grad_ready[l] = scalar(b, LG_STEP_SEED, 0, l, 0.0, -1, 0);
    for (uint32_t j = (uint32_t)p->n_nodes; j-- > 0;)
        lower_backward(b, j);
}

/* What each run would otherwise work out again: the scalar steps by phase, the
 * sweeps by phase, the reductions' block counts, the gradients kept inline. */
static bool index_steps(lg_plan *p)
{
    size_t ph_count = (size_t)p->n_phases + 1;
    p->scalar_order = malloc((p->n_steps + 1) * sizeof *p->scalar_order);
    p->phase_first = calloc(ph_count + 1, sizeof *p->phase_first);
    p->inline_grads = malloc((p->n_tensors + 1) * sizeof *p->inline_grads);
    size_t *red_n = calloc(p->n_red + 1, sizeof *red_n);
    bool ok = p->scalar_order && p->phase_first && p->inline_grads && red_n;
    for (size_t i = 0; ok && i < p->n_steps; i++)
        if (p->steps[i].vector && p->steps[i].red >= 0)
            red_n[p->steps[i].red] = p->steps[i].n;
    size_t k = 0;
    for (int ph = 0; ok && ph < p->n_phases; ph++) {
        p->phase_first[ph] = k;
        for (size_t i = 0; i < p->n_steps; i++) {
            lg_step *s = &p->steps[i];
            if (s->vector || s->phase != ph)
                continue;
            if (s->red >= 0)
                s->n = red_n[s->red], s->blocks = lg_blocks_of(s->n).count;
            p->scalar_order[k++] = i;
        }
    }
    if (ok)
        p->phase_first[p->n_phases] = k;
    for (size_t i = 0; ok && i < p->n_tensors; i++)
        if (p->pt[i].node >= 0 && p->pt[i].gets_grad && p->tens[i]->n == 1)
            p->inline_grads[p->n_inline_grads++] = (uint32_t)i;
    for (size_t i = 1; i < p->n_sweeps; i++) /* stable, by phase */
        for (size_t j = i; j > 0 && p->sweeps[j - 1].phase > p->sweeps[j].phase; j--) {
            lg_sweep t = p->sweeps[j];
            p->sweeps[j] = p->sweeps[j - 1], p->sweeps[j - 1] = t;
        }
    free(red_n);
    return ok;
}

static bool finish(lg_plan *p, size_t *mark, size_t *stack, uint32_t *slot_buf, size_t *last_use,
                   uint32_t *free_bufs)
{
    for (size_t i = 0; i < p->n_steps; i++)
        p->n_phases = imax(p->n_phases, p->steps[i].phase + 1);
    if (!make_sweeps(p, mark, stack))
        return false;
    p->phys = malloc((3 * p->n_order + 1) * sizeof *p->phys);
    if (!p->phys)
        return false;
    for (size_t i = 0; i < p->n_slots; i++)
        slot_buf[i] = NONE;
    for (size_t i = 0; i < p->n_sweeps; i++)
        assign_buffers(p, &p->sweeps[i], slot_buf, last_use, free_bufs);
    return index_steps(p);
}

lg_status lg_plan_build(lg_plan *p, const lg_graph *g, const lg_tensor *loss,
                        const lg_tensor *target)
{
    clear_schedule(p);
    p->n_nodes = g->n_nodes;
    size_t nt = p->n_tensors, cap_steps = p->n_nodes * 16 + 4, slots = 2 * nt + 1;
    builder b = {.p = p, .cap_steps = cap_steps, .ex = &g->ex};
    p->pt = calloc(nt + 1, sizeof *p->pt);
    p->steps = calloc(cap_steps, sizeof *p->steps);
    b.data_ready = calloc(nt + 1, sizeof *b.data_ready);
    b.grad_ready = calloc(nt + 1, sizeof *b.grad_ready);
    b.last_writer = calloc(slots, sizeof *b.last_writer);
    size_t *mark = calloc(cap_steps, sizeof *mark), *stack = calloc(cap_steps, sizeof *stack);
    size_t *last_use = calloc(slots, sizeof *last_use);
    uint32_t *slot_buf = calloc(slots, sizeof *slot_buf), *free_bufs = calloc(slots, sizeof *free_bufs);
    bool ok = p->pt && p->steps && b.data_ready && b.grad_ready && b.last_writer && mark && stack &&
              last_use && slot_buf && free_bufs;
    if (ok) {
        init_tensors(p, &b, target);
        lower(p, &b, loss);
        ok = finish(p, mark, stack, slot_buf, last_use, free_bufs);
    }
    /* a reduction's partials are one per block the graph's exec runs: over ranks,
     * this rank's blocks of the global layout, not the local n's own */
    for (size_t i = 0; ok && i < p->n_steps; i++)
        if (!p->steps[i].vector && p->steps[i].red >= 0)
            p->steps[i].blocks = lg_exec_blocks(&g->ex, p->steps[i].n).count;
    free(b.data_ready), free(b.grad_ready), free(b.last_writer), free(mark), free(stack);
    free(last_use), free(slot_buf), free(free_bufs);
    if (!ok || !reserve((void **)&p->sig, &p->sig_cap, p->cand_len, sizeof *p->sig)) {
        clear_schedule(p);
        return lg_fail(LG_ENOMEM, "graph mode: cannot allocate the schedule of %zu ops: out of memory",
                       p->n_nodes);
    }
    memcpy(p->sig, p->cand, p->cand_len * sizeof *p->sig);
    p->sig_len = p->cand_len;
    return LG_OK;
}
