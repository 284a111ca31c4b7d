/* Every row of the op table (src/autograd/op.h) against central finite
 * differences, in every operand form its shape rule accepts, in eager mode and
 * in graph mode interpreted and compiled: an op whose backward is missing,
 * empty or wrong fails here without anyone writing a test for it. */
#include <stdint.h>

#include "autograd/graph.h"
#include "check.h"

enum { N = 7, MAX_IN = LG_MAX_INPUTS };

typedef struct setup {
    lg_op op;
    size_t arity;
    lg_tensor *in[MAX_IN];
    lg_tensor *weights; /* the loss is sum(out * weights): every output element counts */
    int mode;           /* 0 eager, 1 graph interpreted, 2 graph compiled */
} setup;

static double value(unsigned seed, size_t i)
{
    uint64_t z = (uint64_t)seed * 0x9E3779B97F4A7C15u + i * 0xBF58476D1CE4E5B9u;
    z ^= z >> 31;
    return 0.25 + (double)(z % 1000) / 1000.0; /* in [0.25, 1.25): away from kinks */
}

static lg_tensor *leaf(size_t n, bool grad, unsigned seed)
{
    lg_tensor *t = NULL;
    CHECK_OK(lg_tensor_new(LG_F64, n, grad, &t));
    for (size_t i = 0; t && i < n; i++)
        lg_tensor_set(t, i, value(seed, i));
    return t;
}

static lg_status loss(lg_graph *g, setup *s, double *out, bool backward)
{
    lg_graph_reset(g);
    lg_tensor *y = lg_op_apply(g, s->op, s->in);
    lg_tensor *l = y ? lg_sum(g, lg_mul(g, y, s->weights)) : NULL;
    if (!l)
        return lg_graph_status(g);
    lg_status st = backward ? lg_backward(g, l) : lg_graph_eval(g, l);
    *out = lg_tensor_get(l, 0);
    return st;
}

static void check_input(lg_graph *g, setup *s, size_t k)
{
    lg_tensor *t = s->in[k];
    for (size_t i = 0; i < lg_tensor_size(t); i++) {
        double v = lg_tensor_get(t, i), h = 1e-6, up = 0, down = 0;
        lg_tensor_set(t, i, v + h);
        CHECK_OK(loss(g, s, &up, false));
        lg_tensor_set(t, i, v - h);
        CHECK_OK(loss(g, s, &down, false));
        lg_tensor_set(t, i, v);
        double numeric = (up - down) / (2 * h), analytic = lg_tensor_grad_get(t, i);
        if (fabs(analytic - numeric) > 1e-6 * (1 + fabs(numeric)))
            fprintf(stderr, "  %s (mode %d), input %zu of %zu elements, element %zu: backward "
                    "gives %.10g, finite differences %.10g\n", lg_op_name(s->op), s->mode, k + 1,
                    lg_tensor_size(t), i, analytic, numeric);
        CHECK(fabs(analytic - numeric) <= 1e-6 * (1 + fabs(numeric)));
    }
}

/* Form bit k: input k is a vector; grads: vectors require gradients too. */
static bool run_form(lg_graph *g, setup *s, unsigned form, bool vector_grads)
{
    bool ok = true;
    for (size_t k = 0; k < s->arity; k++) {
        bool vec = form >> k & 1;
        s->in[k] = leaf(vec ? N : 1, !vec || vector_grads, 11 * (unsigned)k + form);
    }
    lg_graph_reset(g); /* does the shape rule accept this form? */
    lg_tensor *y = lg_op_apply(g, s->op, s->in);
    if (getenv("LG_OPS_VERBOSE"))
        fprintf(stderr, "%s form %u grads %d: %s\n", lg_op_name(s->op), form, vector_grads,
                y ? "accepted" : lg_last_error());
    if (y) {
        double l = 0;
        s->weights = leaf(lg_tensor_size(y), false, 99);
        for (size_t k = 0; k < s->arity; k++)
            CHECK_OK(lg_zero_grad(s->in[k]));
        CHECK_OK(loss(g, s, &l, true));
        for (size_t k = 0; k < s->arity; k++)
            if (lg_tensor_requires_grad(s->in[k]))
                check_input(g, s, k);
        lg_tensor_free(s->weights);
    }
    ok = y != NULL;
    for (size_t k = 0; k < s->arity; k++)
        lg_tensor_free(s->in[k]);
    return ok;
}

/* Operand o names a tensor the op has: an input below its arity, the output
 * in slot LG_MAX_INPUTS (op.h), or none. */
static bool opnd_ok(lg_opnd o, size_t arity)
{
    switch ((lg_opnd_kind)o.kind) {
    case LG_OPND_NONE: return o.k == 0;
    case LG_OPND_IN:
    case LG_OPND_IN_GRAD: return o.k < arity;
    case LG_OPND_OUT:
    case LG_OPND_OUT_GRAD: return o.k == LG_MAX_INPUTS;
    }
    return false;
}

/* Every step of a list reads and writes only what the op has, tests only guard
 * bits of inputs it has, and carries what its kind needs: a list that named
 * input 2 of a binary op would read past the node's inputs. */
static void check_steps(const char *name, const lg_op_steps *list, size_t arity)
{
    CHECK(list && list->count > 0);
    uint16_t known = arity > 1 ? LG_WHEN_SAME : 0;
    for (size_t k = 0; k < arity; k++)
        known |= (uint16_t)(LG_WHEN_FULL(k) | LG_WHEN_GRAD(k));
    for (size_t i = 0; list && i < list->count; i++) {
        const lg_op_step *s = &list->step[i];
        bool ok = (s->mask & ~known) == 0 && (s->want & ~s->mask) == 0 &&
                  opnd_ok(s->p, arity) && opnd_ok(s->q, arity) && opnd_ok(s->out, arity);
        switch ((lg_step_how)s->how) {
        case LG_DO_MAP: ok = ok && s->kop < LG_KOP_COUNT && s->out.kind != LG_OPND_NONE; break;
        case LG_DO_REDUCE: ok = ok && s->kop < LG_KOP_COUNT && s->fin; break;
        case LG_DO_REDUCE_GRAD: ok = ok && s->kop < LG_KOP_COUNT && s->out.kind == LG_OPND_IN_GRAD; break;
        case LG_DO_SCALAR: ok = ok && s->fn; break;
        default: ok = false;
        }
        if (!ok)
            fprintf(stderr, "test_ops: %s: step %zu names an operand, guard or kind it cannot have\n",
                    name, i);
        CHECK(ok);
    }
}

static void test_op(lg_op op, int mode)
{
    const lg_op_def *def = lg_op_about(op);
    CHECK(def && def->name && def->shape && def->forward && def->backward);
    CHECK(def->arity >= 1 && def->arity <= MAX_IN);
    check_steps(def->name, def->forward, def->arity);
    check_steps(def->name, def->backward, def->arity);
    lg_graph *g;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_set_deferred(g, mode > 0));
    CHECK_OK(lg_graph_set_compile(g, mode == 2));
    setup s = {.op = op, .arity = def->arity, .mode = mode};
    size_t accepted = 0;
    for (unsigned form = 0; form < 1u << def->arity; form++)
        for (int grads = 1; grads >= 0; grads--)
            if (run_form(g, &s, form, grads)) {
                accepted++;
                break; /* with vector gradients if the op allows them */
            }
    printf("%-10s mode %d: %zu operand forms checked\n", def->name, mode, accepted);
    CHECK(accepted > 0); /* a shape rule that accepts nothing tests nothing */
    lg_graph_free(g);
}

int main(void)
{
    CHECK(lg_op_about(LG_OP_COUNT) == NULL);
    CHECK(strcmp(lg_op_name(LG_OP_COUNT), "unknown op") == 0);
    for (int mode = 0; mode < 3; mode++)
        for (int op = 0; op < LG_OP_COUNT; op++)
            test_op((lg_op)op, mode);
    return check_done("test_ops");
}
