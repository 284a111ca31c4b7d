/* The sweep plan as text (lg_graph_plan_describe): what the README shows. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "autograd/codegen.h"
#include "exec/parallel.h"

typedef struct text {
    char *buf;
    size_t len, used;
} text;

static void put(text *t, const char *fmt, ...) LG_PRINTF(2, 3);

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->used < t->len ? t->len - t->used : 0;
    int k = vsnprintf(room ? t->buf + t->used : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->used += (size_t)k;
}

/* Tensors by their op and plan index ("mul4"); leaves as "leaf0". */
static void name(text *t, const lg_plan *p, uint32_t id)
{
    const lg_ptensor *pt = &p->pt[id];
    put(t, "%s%u", pt->node < 0 ? "leaf" : lg_op_name((lg_op)pt->op), (unsigned)id);
}

static void ref(text *t, const lg_plan *p, lg_ref r)
{
    if (r.kind == LG_REF_DATA || r.kind == LG_REF_GRAD) {
        put(t, r.kind == LG_REF_GRAD ? "d" : "");
        name(t, p, r.id);
        put(t, r.kind == LG_REF_DATA && p->pt[r.id].keep ? "[kept]" : "");
        return;
    }
    for (uint32_t i = 0; i < p->n_tensors; i++)
        if (p->pt[i].data_slot == r.id || p->pt[i].grad_slot == r.id) {
            put(t, p->pt[i].grad_slot == r.id ? "d" : "");
            name(t, p, i);
            return;
        }
}

/* A scalar argument of node j's step: a constant, c times an input's value,
 * or the output's gradient (over the input's count). */
static void scal(text *t, const lg_plan *p, uint32_t j, lg_scal a)
{
    const uint32_t *id = p->ids[j];
    switch ((lg_scal_kind)a.kind) {
    case LG_SCAL_CONST: put(t, "%g", a.c); return;
    case LG_SCAL_VALUE:
        if (a.c == -1.0)
            put(t, "-");
        else if (a.c != 1.0)
            put(t, "%g*", a.c);
        name(t, p, id[a.k]);
        return;
    case LG_SCAL_OUT_GRAD:
        if (a.c != 1.0)
            put(t, "%g*", a.c);
        put(t, "d");
        name(t, p, id[LG_MAX_INPUTS]);
        return;
    case LG_SCAL_OUT_GRAD_DIV:
        put(t, "d");
        name(t, p, id[LG_MAX_INPUTS]);
        put(t, "/n");
        return;
    }
}

static void kernel_step(text *t, const lg_plan *p, const lg_step *s)
{
    const lg_kop_info *k = lg_kop_about((lg_kop)s->kop);
    if (s->kind == LG_STEP_ZERO) {
        ref(t, p, s->out), put(t, " = 0");
        return;
    }
    if (k->reduces)
        put(t, "r%d = ", s->red);
    else
        ref(t, p, s->out), put(t, s->kop == LG_KOP_AXPY || s->kop == LG_KOP_MULACC ? " += " : " = ");
    put(t, "%s(", k->name);
    ref(t, p, s->p);
    if (s->q.kind)
        put(t, ", "), ref(t, p, s->q);
    if (s->kop == LG_KOP_AXPB || s->kop == LG_KOP_AXPY || s->kop == LG_KOP_MULACC || s->kop == LG_KOP_MSE)
        put(t, "; "), scal(t, p, s->node, s->a);
    if (s->kop == LG_KOP_AXPB || s->kop == LG_KOP_MSE)
        put(t, ", "), scal(t, p, s->node, s->b);
    put(t, ")");
}

static void scalar_step(text *t, const lg_plan *p, const lg_step *s)
{
    uint32_t o = s->t;
    switch (s->kind) {
    case LG_STEP_FORWARD: name(t, p, o), put(t, " (scalar op)"); break;
    case LG_STEP_BACKWARD: put(t, "backward of "), name(t, p, o), put(t, " (scalar op)"); break;
    case LG_STEP_SEED: put(t, "d"), name(t, p, o), put(t, " += 1 (the loss)"); break;
    case LG_STEP_FIN: name(t, p, o), put(t, " = %s of r%d", lg_op_name((lg_op)p->pt[o].op), s->red); break;
    case LG_STEP_FIN_GRAD: put(t, "d"), name(t, p, o), put(t, " += %g * r%d", s->c, s->red); break;
    default: break;
    }
}

static void phase(text *t, const lg_plan *p, const lg_exec *ex, int ph)
{
    put(t, "phase %d\n", ph);
    for (size_t i = 0; i < p->n_steps; i++)
        if (!p->steps[i].vector && p->steps[i].phase == ph)
            put(t, "  scalar: "), scalar_step(t, p, &p->steps[i]), put(t, "\n");
    for (size_t w = 0; w < p->n_sweeps; w++) {
        const lg_sweep *sw = &p->sweeps[w];
        if (sw->phase != ph)
            continue;
        lg_blocks b = lg_exec_blocks(ex, sw->n);
        size_t tile = b.len < LG_TILE ? b.len : LG_TILE;
        size_t buffers = p->compiled ? p->csweeps[w].captures : sw->buffers;
        const char *how = !p->compiled ? "interpreted"
                          : p->csweeps[w].in_loop ? "compiled, its reductions in the loop" : "compiled";
        put(t, "  sweep %zu (%s): n = %zu, %zu block%s of %zu in tiles of %zu, %zu scratch buffer%s "
            "per worker\n", w, how, sw->n, b.count, b.count == 1 ? "" : "s", b.len, tile, buffers,
            buffers == 1 ? "" : "s");
        for (size_t i = sw->first; i < sw->first + sw->count; i++)
            put(t, "    "), kernel_step(t, p, &p->steps[p->order[i]]), put(t, "\n");
    }
}

/* The text functions' arguments: snprintf's rule for buf and len, and a graph. */
static bool text_args(const char *fn, const lg_graph *g, const char *buf, size_t len)
{
    if (!g)
        lg_fail_null(fn, "g");
    else if (!buf && len)
        lg_fail(LG_EINVAL, "%s: buf is NULL but len is %zu (NULL is allowed with len 0 only)", fn,
                len);
    return g && (buf || !len);
}

size_t lg_graph_plan_describe(const lg_graph *g, char *buf, size_t len)
{
    if (!text_args("lg_graph_plan_describe", g, buf, len))
        return 0;
    text t = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    const lg_plan *p = g->plan;
    if (!p || !p->sig_len)
        return 0;
    put(&t, "%zu sweep%s over %d phase%s\n", p->n_sweeps, p->n_sweeps == 1 ? "" : "s", p->n_phases,
        p->n_phases == 1 ? "" : "s");
    /* Whether the object came from the cache is the run's, not the plan's:
     * lg_graph_exec_describe says it. */
    if (p->compiled)
        put(&t, "sweeps: compiled\n");
    else
        put(&t, "sweeps: interpreted: %s\n", p->jit_why);
    for (int ph = 0; ph < p->n_phases; ph++)
        phase(&t, p, &g->ex, ph);
    return t.used;
}

size_t lg_graph_exec_describe(const lg_graph *g, char *buf, size_t len)
{
    if (!text_args("lg_graph_exec_describe", g, buf, len))
        return 0;
    text t = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    const lg_plan *p = g ? g->plan : NULL;
    if (!p || !p->sig_len)
        return 0;
    if (p->compiled)
        put(&t, "compiled%s", p->jit.from_cache ? ", from the cache" : "");
    else
        put(&t, "interpreted: %s", p->jit_why);
    return t.used;
}
