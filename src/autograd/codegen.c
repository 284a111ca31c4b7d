/*
 * Graph mode's code generator: each sweep of a plan as one C function that
 * carries a tile through all its steps, one element at a time, in registers.
 *
 * Eager's bits are kept by construction:
 *  - an elementwise step is the scalar kernel's own expression, in the dtype,
 *    with its operands in the kernel's order (a*x + b, acc + s*p*q), constants
 *    as exact hexadecimal literals rounded to the dtype as lg_kop_call rounds
 *    them; the code is
 *    compiled with -ffp-contract=off, so every operation rounds on its own, as
 *    every table's elementwise entries do (test_kernels);
 *  - a reduction adds its terms inside the loop, in the order the kernel table
 *    states for its sum and dot (kernels.h: lg_red_order, which test_red_order
 *    checks against the entries): the loop runs in the order's blocks, groups
 *    and lanes, and the lanes are combined as the entry combines them. Where
 *    that cannot be (a fused mse reduction, reductions of two dtypes in one
 *    sweep, a table that states no order) the table's own entry is called on
 *    the whole tile after the loop, on terms captured into scratch at their
 *    place in the step order (a slot's value then, or memory that a later step
 *    overwrites).
 * The source depends on the plan's structure only (never on n), so plans that
 * differ in size share one compiled object.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/codegen.h"
#include "core/dtype.h"
#include "kernels_text.h"

typedef struct src {
    char *buf;
    size_t len, cap;
    bool failed;
} src;

static void put(src *s, const char *fmt, ...) LG_PRINTF(2, 3);

static void put(src *s, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = s->cap - s->len;
        int k = s->failed ? 0 : vsnprintf(s->buf ? s->buf + s->len : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            s->failed = true;
        if (s->failed || (size_t)k < room) {
            s->len += s->failed ? 0 : (size_t)k;
            return;
        }
        size_t cap = 2 * (s->cap + (size_t)k) + 256;
        char *b = realloc(s->buf, cap);
        if (!b) {
            s->failed = true;
            return;
        }
        s->buf = b, s->cap = cap;
    }
}

static const char *ctype(uint8_t dt)
{
    return dt == LG_F32 ? "float" : "double";
}

static const char *field(uint8_t dt)
{
    return dt == LG_F32 ? "f32" : "f64";
}

/* ---- what a sweep's function takes ----------------------------------------------- */

typedef struct gen {
    lg_plan *p;
    const lg_kernels *k;       /* the table the code is for */
    const lg_red_order *order; /* adding in the loop in this order; NULL: capturing */
    uint8_t red_dtype;         /* with order: every reduction's dtype */
    lg_csweep *cs;
    src *s;
    uint32_t *slot_var;  /* per slot: the step whose value it holds now */
    uint8_t *cap_dtype;  /* per capture: its dtype */
    bool *zero;          /* per place in the sweep: its value is the +0 a slot starts at */
    bool *signed_zero;   /* per plan step: a zero's sign in its value can reach memory */
    size_t pos;          /* the step being rendered, as an index into the sweep */
} gen;

static bool is_mem(lg_ref r)
{
    return r.kind == LG_REF_DATA || r.kind == LG_REF_GRAD;
}

/* The sweep's index of memory operand r, adding it on first sight. */
static size_t mem_index(gen *g, lg_ref r)
{
    lg_plan *p = g->p;
    for (size_t i = 0; i < g->cs->n_mem; i++)
        if (p->cmem[g->cs->mem_first + i].kind == r.kind && p->cmem[g->cs->mem_first + i].id == r.id)
            return i;
    p->cmem[g->cs->mem_first + g->cs->n_mem] = r;
    return g->cs->n_mem++;
}

static uint8_t mem_dtype(const lg_plan *p, lg_ref r)
{
    return (uint8_t)p->tens[r.id]->dtype;
}

/* Whether a step after this one in the sweep writes memory r. */
static bool written_later(const gen *g, const lg_sweep *sw, lg_ref r)
{
    for (size_t i = g->pos + 1; i < sw->count; i++) {
        const lg_ref *o = &g->p->steps[g->p->order[sw->first + i]].out;
        if (o->kind == r.kind && o->id == r.id)
            return true;
    }
    return false;
}

/* An operand's value at element i. */
static void operand(gen *g, lg_ref r)
{
    if (is_mem(r))
        put(g->s, "m%zu[i]", mem_index(g, r));
    else
        put(g->s, "v%u", (unsigned)g->slot_var[r.id]);
}

/* The index into sc[] of a step's scalar (which: 0 for a, 1 for b). */
static size_t scalar_index(gen *g, size_t step, int which)
{
    size_t k = g->cs->sc_first + g->cs->n_sc++;
    g->p->csc[k] = (uint32_t)(step << 1 | (size_t)which);
    return k - g->cs->sc_first;
}

/* v as a hexadecimal literal with an integer significand: exact, and free of the
 * locale's radix character, which printf's %a would use. */
static void exact(src *s, double v)
{
    if (v == 0.0) {
        put(s, signbit(v) ? "-0x0p+0" : "0x0p+0");
        return;
    }
    int e;
    double m = frexp(fabs(v), &e);
    put(s, "%s0x%" PRIx64 "p%d", v < 0 ? "-" : "", (uint64_t)ldexp(m, 53), e - 53);
}

/* A step's scalar a (which 0) or b: a constant as an exact literal, rounded to
 * the dtype as lg_kop_call rounds it; else a value read when the sweep starts. */
static void scalar_arg(gen *g, src *s, size_t idx, const lg_step *st, int which)
{
    lg_scal a = which ? st->b : st->a;
    if (a.kind == LG_SCAL_CONST)
        put(s, "(%s)", ctype(st->dtype)), exact(s, a.c);
    else
        put(s, "s%zu", scalar_index(g, idx, which));
}

/* ---- elementwise steps ------------------------------------------------------------- */

static void expression(gen *g, size_t idx, const lg_step *st)
{
    src *s = g->s;
    switch ((lg_kop)st->kop) {
    case LG_KOP_AXPB:
        scalar_arg(g, s, idx, st, 0), put(s, " * "), operand(g, st->p);
        put(s, " + "), scalar_arg(g, s, idx, st, 1);
        break;
    case LG_KOP_ADD: operand(g, st->p), put(s, " + "), operand(g, st->q); break;
    case LG_KOP_SUB: operand(g, st->p), put(s, " - "), operand(g, st->q); break;
    case LG_KOP_MUL: operand(g, st->p), put(s, " * "), operand(g, st->q); break;
    case LG_KOP_SQUARE: operand(g, st->p), put(s, " * "), operand(g, st->p); break;
    case LG_KOP_AXPY:
        operand(g, st->out), put(s, " + "), scalar_arg(g, s, idx, st, 0), put(s, " * ");
        operand(g, st->p);
        break;
    case LG_KOP_MULACC:
        operand(g, st->out), put(s, " + "), scalar_arg(g, s, idx, st, 0), put(s, " * ");
        operand(g, st->p), put(s, " * "), operand(g, st->q);
        break;
    case LG_KOP_MSE:
    case LG_KOP_SUM:
    case LG_KOP_DOT:
    case LG_KOP_COUNT: break;
    }
}

/* The one rewrite: dropping an added +0. A gradient slot starts at +0 and its
 * first contribution is added to it, 0 + t (or a*0 + b for mean's in-place
 * axpb); mul's axpb is a*p + 0. Dropping the +0 changes the result only where
 * t is -0, to -0 instead of +0; so it is made only where no zero's sign can
 * reach memory: the value ends in reductions, whose sums start at +0 and add a
 * zero of either sign alike, and +, - and * carry a zero's sign into nothing
 * but another zero's sign (or the same NaN). */
static bool drops_zero(const gen *g, const lg_step *st, size_t plan_idx)
{
    if (g->signed_zero[plan_idx] || is_mem(st->out))
        return false;
    if (st->kop == LG_KOP_AXPY || st->kop == LG_KOP_MULACC)
        return g->zero[g->slot_var[st->out.id]];
    if (st->kop != LG_KOP_AXPB)
        return false;
    if (st->b.kind == LG_SCAL_CONST && st->b.c == 0.0 && !signbit(st->b.c))
        return true; /* a*p + 0: mul's axpb */
    return st->p.kind == LG_REF_SLOT && g->zero[g->slot_var[st->p.id]] &&
           st->a.kind == LG_SCAL_CONST && isfinite(st->a.c);
}

static void dropped(gen *g, size_t idx, const lg_step *st)
{
    bool plus_zero = st->b.kind == LG_SCAL_CONST && st->b.c == 0.0 && !signbit(st->b.c);
    if (st->kop == LG_KOP_AXPB && !plus_zero) { /* a*0 + b */
        scalar_arg(g, g->s, idx, st, 1);
        return;
    }
    scalar_arg(g, g->s, idx, st, 0), put(g->s, " * "), operand(g, st->p);
    if (st->kop == LG_KOP_MULACC)
        put(g->s, " * "), operand(g, st->q);
}

/* Writes the step's value: a new variable for a slot, a store for memory. */
static void elementwise(gen *g, size_t idx, const lg_step *st, size_t plan_idx)
{
    src *s = g->s;
    if (st->kind == LG_STEP_ZERO) {
        put(s, "        %s v%zu = 0;\n", ctype(st->dtype), idx);
        g->slot_var[st->out.id] = (uint32_t)idx;
        g->zero[idx] = true;
        return;
    }
    /* Scalars are declared before the loop: render the expression aside first. */
    src *outer = g->s, body = {0};
    g->s = &body;
    if (drops_zero(g, st, plan_idx))
        dropped(g, idx, st);
    else
        expression(g, idx, st);
    g->s = outer;
    if (body.failed || !body.buf) {
        s->failed = true;
        free(body.buf);
        return;
    }
    if (is_mem(st->out)) {
        put(s, "        m%zu[i] = %s;\n", mem_index(g, st->out), body.buf);
    } else {
        put(s, "        %s v%zu = %s;\n", ctype(st->dtype), idx, body.buf);
        g->slot_var[st->out.id] = (uint32_t)idx;
    }
    free(body.buf);
}

/* ---- reductions --------------------------------------------------------------------- */

/* A reduction operand as the call after the loop passes it: memory nothing later
 * overwrites is passed as it is; anything else is captured now. */
static void reduction_operand(gen *g, const lg_sweep *sw, lg_ref r, uint8_t dt, src *call)
{
    if (r.kind == LG_REF_NONE)
        return;
    if (is_mem(r) && !written_later(g, sw, r)) {
        put(call, ", m%zu", mem_index(g, r));
        return;
    }
    size_t c = g->cs->captures++;
    g->cap_dtype[c] = dt;
    put(g->s, "        c%zu[i] = ", c), operand(g, r), put(g->s, ";\n");
    put(call, ", c%zu", c);
}

/* A reduction added in the loop: LG_SUM or LG_DOT, which each part of the loop
 * defines as the stated order adds there (render_in_loop). */
static void reduction_in_loop(gen *g, size_t r, const lg_step *st)
{
    put(g->s, "        LG_%s(%zu, ", st->kop == LG_KOP_SUM ? "SUM" : "DOT", r);
    operand(g, st->p);
    if (st->kop == LG_KOP_DOT)
        put(g->s, ", "), operand(g, st->q);
    put(g->s, ");\n");
}

static void reduction(gen *g, const lg_sweep *sw, size_t idx, const lg_step *st, src *calls)
{
    size_t r = g->cs->n_red;
    g->p->cred[g->cs->red_first + g->cs->n_red++] = st->red;
    if (g->order) {
        reduction_in_loop(g, r, st);
        return;
    }
    const char *f = field(st->dtype);
    src args = {0};
    reduction_operand(g, sw, st->p, st->dtype, &args);
    reduction_operand(g, sw, st->q, st->dtype, &args);
    const char *a = args.buf ? args.buf + 2 : ""; /* past the first ", " */
    switch ((lg_kop)st->kop) { /* every entry named: a new one must be placed */
    case LG_KOP_MSE:
        put(calls, "    red[%zu] = k->%s.mse(%s, len, ", r, f, a);
        scalar_arg(g, calls, idx, st, 0), put(calls, ", "), scalar_arg(g, calls, idx, st, 1);
        put(calls, ");\n");
        break;
    case LG_KOP_SUM:
    case LG_KOP_DOT:
        put(calls, "    red[%zu].r = k->%s.%s(%s, len);\n    red[%zu].rx = red[%zu].rr = 0;\n", r, f,
            st->kop == LG_KOP_SUM ? "sum" : "dot", a, r, r);
        break;
    case LG_KOP_AXPB: /* elementwise: never here */
    case LG_KOP_ADD:
    case LG_KOP_SUB:
    case LG_KOP_MUL:
    case LG_KOP_SQUARE:
    case LG_KOP_AXPY:
    case LG_KOP_MULACC:
    case LG_KOP_COUNT: break;
    }
    g->s->failed |= args.failed;
    free(args.buf);
}

/* ---- one sweep ----------------------------------------------------------------------- */

/* The pointers are restrict: what a sweep writes (gradients, kept values,
 * captures) is lingrad's own memory, each buffer reached through one pointer. */
static void declarations(gen *g, src *s, const lg_sweep *sw)
{
    lg_plan *p = g->p;
    for (size_t i = 0; i < g->cs->n_mem; i++) {
        lg_ref r = p->cmem[g->cs->mem_first + i];
        const char *t = ctype(mem_dtype(p, r));
        put(s, "    %s *restrict m%zu = (%s *)mem[%zu];\n", t, i, t, i);
    }
    for (size_t i = 0; i < g->cs->n_sc; i++) {
        uint32_t e = p->csc[g->cs->sc_first + i];
        const lg_step *st = &p->steps[p->order[sw->first + (e >> 1)]];
        put(s, "    const %s s%zu = (%s)sc[%zu];\n", ctype(st->dtype), i, ctype(st->dtype), i);
    }
    for (size_t c = 0; c < g->cs->captures; c++)
        put(s, "    %s *restrict c%zu = (%s *)(scratch + %zu * stride);\n", ctype(g->cap_dtype[c]), c,
            ctype(g->cap_dtype[c]), c);
}

/* Which steps' values can carry a zero's sign into memory: those read, through
 * any chain of steps, by a step that stores. */
static void mark_signed_zeros(gen *g, const lg_sweep *sw)
{
    const lg_plan *p = g->p;
    for (size_t i = sw->count; i-- > 0;) {
        size_t idx = p->order[sw->first + i];
        const lg_step *st = &p->steps[idx];
        bool stores = st->kind == LG_STEP_KERNEL && is_mem(st->out) && !lg_kop_reduces((lg_kop)st->kop);
        if (!stores && !g->signed_zero[idx])
            continue;
        for (int k = 0; k < 3; k++)
            if (st->dep[k] >= 0)
                g->signed_zero[st->dep[k]] = true;
    }
}

/* ---- adding in the loop, in the table's order ------------------------------------------ */

/* The order the sweep's reductions can be added in inside the loop: all of them
 * sums or dots of one dtype (set in *dt), on a table that states its order. */
static const lg_red_order *loop_order(const lg_plan *p, const lg_sweep *sw, const lg_kernels *k,
                                      uint8_t *dt)
{
    bool any = false;
    for (size_t i = 0; i < sw->count; i++) {
        const lg_step *st = &p->steps[p->order[sw->first + i]];
        if (st->kind != LG_STEP_KERNEL || !lg_kop_reduces((lg_kop)st->kop))
            continue;
        if (st->kop == LG_KOP_MSE || (any && st->dtype != *dt))
            return NULL;
        *dt = st->dtype, any = true;
    }
    const lg_red_order *o = !any ? NULL : *dt == LG_F32 ? &k->f32.order : &k->f64.order;
    if (!o || o->kind == LG_ORDER_UNKNOWN)
        return NULL;
    bool fits = o->kind == LG_ORDER_SERIAL ||
                (o->lanes >= 2 && o->lanes <= 16 && (*dt == LG_F32 ? o->flush > 0 : o->flush == 0));
    return fits ? o : NULL;
}

static void define_adds(src *s, const char *sum, const char *dot)
{
    put(s, "#define LG_SUM(r, p) %s\n#define LG_DOT(r, p, q) %s\n", sum, dot);
}

static void undefine_adds(src *s)
{
    put(s, "#undef LG_SUM\n#undef LG_DOT\n");
}

/* The scalar table's order: one double per reduction, term by term. */
static void render_serial(src *s, const char *body, size_t n_red, bool f32)
{
    for (size_t r = 0; r < n_red; r++)
        put(s, "    double sum%zu = 0.0;\n", r);
    if (f32)
        define_adds(s, "sum##r += (double)(p)", "sum##r += (double)(p) * (double)(q)");
    else
        define_adds(s, "sum##r += (p)", "sum##r += (p) * (q)");
    put(s, "    for (size_t i = 0; i < len; i++) {\n%s    }\n", body);
    undefine_adds(s);
}

/* After a block's groups: its whole (REST) or partial (MASKED) vectors of V
 * into accumulator 0, a missing lane adding +0 as the entry's zero-filled lane
 * does (which matters only to a lane that flushing subnormals made -0). */
static void render_vectors(src *s, const char *body, size_t n_red, const lg_red_order *o)
{
    unsigned V = o->lanes;
    if (o->kind != LG_ORDER_LANES_MASKED) {
        put(s, "        for (; g0 + %u <= bend; g0 += %u)\n"
               "            for (size_t l = 0; l < %u; l++) {\n                size_t i = g0 + l;\n%s"
               "            }\n", V, V, V, body);
        return;
    }
    put(s, "        for (; g0 < bend; g0 += %u) {\n"
           "            size_t l = 0, lanes = bend - g0 < %u ? bend - g0 : %u;\n"
           "            for (; l < lanes; l++) {\n                size_t i = g0 + l;\n%s"
           "            }\n            for (; l < %u; l++) {\n", V, V, V, body, V);
    for (size_t r = 0; r < n_red; r++)
        put(s, "                acc%zu[l] = acc%zu[l] + 0;\n", r, r);
    put(s, "            }\n        }\n");
}

/* A block's groups of 4 * V elements, then its vectors; then each reduction's
 * lanes combined as (a0 + a1) + (a2 + a3). */
static void render_groups(src *s, const char *body, size_t n_red, const lg_red_order *o, bool f32)
{
    unsigned V = o->lanes, G = 4 * V;
    const char *t = ctype(f32 ? LG_F32 : LG_F64);
    for (size_t r = 0; r < n_red; r++)
        put(s, "        %s acc%zu[%u] = {0};\n", t, r, G);
    define_adds(s, "acc##r[l] = acc##r[l] + (p)",
                f32 ? "acc##r[l] = __builtin_fmaf((p), (q), acc##r[l])"
                    : "acc##r[l] = __builtin_fma((p), (q), acc##r[l])");
    put(s, "        size_t g0 = b0;\n        for (; g0 + %u <= bend; g0 += %u)\n"
           "            for (size_t l = 0; l < %u; l++) {\n                size_t i = g0 + l;\n%s"
           "            }\n", G, G, G, body);
    render_vectors(s, body, n_red, o);
    undefine_adds(s);
    for (size_t r = 0; r < n_red; r++)
        put(s, "        %s lane%zu[%u];\n        for (size_t l = 0; l < %u; l++)\n"
               "            lane%zu[l] = (acc%zu[l] + acc%zu[%u + l]) + (acc%zu[%u + l] + acc%zu[%u + l]);\n",
            t, r, V, V, r, r, r, V, r, 2 * V, r, 3 * V);
}

/* REST: each block's lanes halved to one double, then the elements its whole
 * vectors left, one by one. */
static void render_rest(src *s, const char *body, size_t n_red, const lg_red_order *o, bool f32)
{
    unsigned half = o->lanes / 2;
    for (size_t r = 0; r < n_red; r++) {
        if (f32)
            put(s, "        double half%zu[%u];\n        for (size_t j = 0; j < %u; j++)\n"
                   "            half%zu[j] = (double)lane%zu[j] + (double)lane%zu[j + %u];\n"
                   "        double part%zu = lg_halve(half%zu, %u);\n",
                r, half, half, r, r, r, half, r, r, half);
        else
            put(s, "        double part%zu = lg_halve(lane%zu, %u);\n", r, r, o->lanes);
    }
    if (f32)
        define_adds(s, "part##r += (double)(p)", "part##r += (double)((p) * (q))");
    else
        define_adds(s, "part##r = part##r + (p)", "part##r = __builtin_fma((p), (q), part##r)");
    put(s, "        for (; g0 < bend; g0++) {\n            size_t i = g0;\n%s        }\n", body);
    undefine_adds(s);
}

/* The table's lanes: blocks of `flush` (f64: one), each block's groups and
 * vectors, then its lanes carried on as the entry carries them. */
static void render_lanes(src *s, const char *body, size_t n_red, const lg_red_order *o, bool f32)
{
    bool masked = o->kind == LG_ORDER_LANES_MASKED;
    unsigned half = o->lanes / 2;
    for (size_t r = 0; r < n_red; r++) {
        if (f32 && masked)
            put(s, "    double wide%zu[%u] = {0};\n", r, half);
        else
            put(s, "    double sum%zu = 0.0;\n", r);
    }
    if (f32)
        put(s, "    for (size_t b0 = 0; b0 < len; b0 += %u) {\n"
               "        size_t bend = len - b0 < %u ? len : b0 + %u;\n", o->flush, o->flush, o->flush);
    else
        put(s, "    for (size_t b0 = 0; b0 < len; b0 += len) {\n        size_t bend = len;\n");
    render_groups(s, body, n_red, o, f32);
    if (!masked)
        render_rest(s, body, n_red, o, f32);
    for (size_t r = 0; r < n_red; r++) {
        if (f32 && masked)
            put(s, "        for (size_t j = 0; j < %u; j++)\n"
                   "            wide%zu[j] += (double)lane%zu[j] + (double)lane%zu[j + %u];\n",
                half, r, r, r, half);
        else if (masked)
            put(s, "        sum%zu = lg_halve(lane%zu, %u);\n", r, r, o->lanes);
        else
            put(s, "        sum%zu += part%zu;\n", r, r);
    }
    put(s, "    }\n");
    for (size_t r = 0; f32 && masked && r < n_red; r++)
        put(s, "    double sum%zu = lg_halve(wide%zu, %u);\n", r, r, half);
}

/* The loop, adding the reductions in it; their totals to red[]. */
static void render_in_loop(src *s, const char *body, size_t n_red, const lg_red_order *o, uint8_t dt)
{
    if (o->kind == LG_ORDER_SERIAL)
        render_serial(s, body, n_red, dt == LG_F32);
    else
        render_lanes(s, body, n_red, o, dt == LG_F32);
    for (size_t r = 0; r < n_red; r++)
        put(s, "    red[%zu].r = sum%zu;\n    red[%zu].rx = red[%zu].rr = 0;\n", r, r, r, r);
}

static bool render_sweep(gen *g, size_t w, src *out)
{
    lg_plan *p = g->p;
    const lg_sweep *sw = &p->sweeps[w];
    src loop = {0}, calls = {0};
    g->s = &loop;
    g->order = loop_order(p, sw, g->k, &g->red_dtype);
    g->cs->in_loop = g->order != NULL;
    mark_signed_zeros(g, sw);
    for (g->pos = 0; g->pos < sw->count; g->pos++) {
        size_t idx = p->order[sw->first + g->pos];
        const lg_step *st = &p->steps[idx];
        if (st->kind == LG_STEP_KERNEL && lg_kop_reduces((lg_kop)st->kop))
            reduction(g, sw, g->pos, st, &calls);
        else
            elementwise(g, g->pos, st, idx);
    }
    put(out, "static void sweep%zu(void *const *mem, const double *sc, const lg_kernels *k,\n"
             "                    char *scratch, size_t stride, size_t len, lg_mse_sums *red)\n{\n"
             "    (void)mem, (void)sc, (void)k, (void)scratch, (void)stride, (void)red;\n", w);
    declarations(g, out, sw);
    if (g->order)
        render_in_loop(out, loop.buf ? loop.buf : "", g->cs->n_red, g->order, g->red_dtype);
    else
        put(out, "    for (size_t i = 0; i < len; i++) {\n%s    }\n%s", loop.buf ? loop.buf : "",
            calls.buf ? calls.buf : "");
    put(out, "}\n\n");
    bool ok = !loop.failed && !calls.failed && !out->failed;
    free(loop.buf), free(calls.buf);
    return ok;
}

char *lg_codegen(lg_plan *p, const lg_kernels *k, size_t *len)
{
    src out = {0};
    put(&out, "/* lingrad graph mode: %zu sweep%s, generated from the plan (lg_graph_plan_describe) */\n",
        p->n_sweeps, p->n_sweeps == 1 ? "" : "s");
    for (const char *const *line = lg_kernels_h_lines; *line; line++)
        put(&out, "%s", *line);
    /* How the tables combine lanes: pairwise halving (lg_red_order). */
    put(&out, "static inline double lg_halve(double *s, size_t m)\n{\n"
              "    for (size_t h = m / 2; h >= 1; h /= 2)\n        for (size_t j = 0; j < h; j++)\n"
              "            s[j] = s[j] + s[j + h];\n    return s[0];\n}\n\n");
    uint32_t *slot_var = calloc(p->n_slots + 1, sizeof *slot_var);
    uint8_t *cap_dtype = calloc(2 * p->n_steps + 1, 1);
    bool *zero = calloc(p->n_steps + 1, sizeof *zero), *signed_zero = calloc(p->n_steps + 1, 1);
    bool ok = slot_var && cap_dtype && zero && signed_zero;
    size_t mem = 0, sc = 0, red = 0;
    for (size_t w = 0; ok && w < p->n_sweeps; w++) {
        lg_csweep *cs = &p->csweeps[w];
        *cs = (lg_csweep){.mem_first = mem, .sc_first = sc, .red_first = red};
        gen g = {.p = p, .k = k, .cs = cs, .slot_var = slot_var, .cap_dtype = cap_dtype,
                 .zero = zero, .signed_zero = signed_zero};
        memset(zero, 0, (p->n_steps + 1) * sizeof *zero);
        ok = render_sweep(&g, w, &out);
        mem += cs->n_mem, sc += cs->n_sc, red += cs->n_red;
    }
    put(&out, "typedef void lg_sweep_fn(void *const *, const double *, const lg_kernels *, char *,\n"
              "                         size_t, size_t, lg_mse_sums *);\n"
              "lg_sweep_fn *const lg_sweeps[] = {");
    for (size_t w = 0; w < p->n_sweeps; w++)
        put(&out, "sweep%zu, ", w);
    put(&out, "0};\n");
    free(slot_var), free(cap_dtype), free(zero), free(signed_zero);
    if (!ok || out.failed) {
        free(out.buf);
        return NULL;
    }
    *len = out.len;
    return out.buf;
}
