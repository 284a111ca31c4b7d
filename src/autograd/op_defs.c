/* The ops' meanings: shape rules, and forward and backward as kernel steps
 * (op.h). The same functions serve eager mode, graph mode and the compiler. */
#include <stdio.h>

#include "autograd/op.h"
#include "core/dtype.h"

/* ---- shape rules ----------------------------------------------------------------- */

/* Equal sizes, or one side a scalar that broadcasts; same dtype. */
size_t lg_shape_binary(lg_tensor *const in[], char *why, size_t why_len)
{
    const lg_tensor *a = in[0], *b = in[1];
    if (a->dtype != b->dtype) {
        snprintf(why, why_len, "operands have different dtypes (%s and %s)",
                 lg_dtype_name(a->dtype), lg_dtype_name(b->dtype));
        return 0;
    }
    if (a->n != b->n && a->n != 1 && b->n != 1) {
        snprintf(why, why_len, "operand sizes %zu and %zu differ and neither is a scalar", a->n, b->n);
        return 0;
    }
    return a->n > b->n ? a->n : b->n;
}

size_t lg_shape_same(lg_tensor *const in[], char *why, size_t why_len)
{
    (void)why, (void)why_len;
    return in[0]->n;
}

size_t lg_shape_reduce(lg_tensor *const in[], char *why, size_t why_len)
{
    (void)in, (void)why, (void)why_len;
    return 1;
}

static bool needs_grad(const lg_node *node, size_t k)
{
    return node->in[k]->requires_grad;
}

static const lg_scal zero = {LG_SCAL_CONST, 0, 0.0};

/* ---- add, sub: a vector-scalar op is out = alpha*v + beta on the vector v ----------- */

void lg_fwd_addsub(lg_emit *e, lg_node *node)
{
    const lg_tensor *a = node->in[0], *b = node->in[1];
    double sign = node->op == LG_OP_SUB ? -1.0 : 1.0;
    if (a->n == b->n)
        e->ops->map(e, sign < 0 ? LG_KOP_SUB : LG_KOP_ADD, lg_in(0), lg_in(1), lg_out(), zero, zero);
    else if (a->n == node->out->n) /* v + s, v - s */
        e->ops->map(e, LG_KOP_AXPB, lg_in(0), lg_none(), lg_out(), lg_const(1.0), lg_value(1, sign));
    else /* s + v, s - v */
        e->ops->map(e, LG_KOP_AXPB, lg_in(1), lg_none(), lg_out(), lg_const(sign), lg_value(0, 1.0));
}

/* d(a +- b)/d(input k) = sign; a broadcast scalar input receives the sum. */
static void back_addsub(lg_emit *e, lg_node *node, size_t k, double sign)
{
    if (node->in[k]->n == node->out->n)
        e->ops->map(e, LG_KOP_AXPY, lg_out_grad(), lg_none(), lg_in_grad(k), lg_const(sign), zero);
    else
        e->ops->reduce_grad(e, LG_KOP_SUM, lg_out_grad(), lg_none(), k, sign);
}

void lg_bwd_add(lg_emit *e, lg_node *node)
{
    for (size_t k = 0; k < 2; k++)
        if (needs_grad(node, k))
            back_addsub(e, node, k, 1.0);
}

void lg_bwd_sub(lg_emit *e, lg_node *node)
{
    for (size_t k = 0; k < 2; k++)
        if (needs_grad(node, k))
            back_addsub(e, node, k, k == 0 ? 1.0 : -1.0);
}

/* ---- mul ----------------------------------------------------------------------------- */

void lg_fwd_mul(lg_emit *e, lg_node *node)
{
    const lg_tensor *a = node->in[0], *b = node->in[1];
    if (a->n == b->n)
        e->ops->map(e, LG_KOP_MUL, lg_in(0), lg_in(1), lg_out(), zero, zero);
    else
        e->ops->map(e, LG_KOP_AXPB, lg_in(a->n == 1 ? 1 : 0), lg_none(), lg_out(),
               lg_value(a->n == 1 ? 0 : 1, 1.0), zero);
}

/* d(x*y)/dx = y: an elementwise product, a scaled copy, or a dot for a scalar x. */
static void back_mul(lg_emit *e, lg_node *node, size_t x, size_t y)
{
    size_t n = node->out->n;
    if (node->in[x]->n != n)
        e->ops->reduce_grad(e, LG_KOP_DOT, lg_out_grad(), lg_in(y), x, 1.0);
    else if (node->in[y]->n == n)
        e->ops->map(e, LG_KOP_MULACC, lg_out_grad(), lg_in(y), lg_in_grad(x), lg_const(1.0), zero);
    else
        e->ops->map(e, LG_KOP_AXPY, lg_out_grad(), lg_none(), lg_in_grad(x), lg_value(y, 1.0), zero);
}

void lg_bwd_mul(lg_emit *e, lg_node *node)
{
    if (needs_grad(node, 0))
        back_mul(e, node, 0, 1);
    if (needs_grad(node, 1))
        back_mul(e, node, 1, 0);
}

/* ---- square, neg ----------------------------------------------------------------------- */

void lg_fwd_square(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->map(e, LG_KOP_SQUARE, lg_in(0), lg_none(), lg_out(), zero, zero);
}

/* d(a^2)/da = 2a */
void lg_bwd_square(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->map(e, LG_KOP_MULACC, lg_in(0), lg_out_grad(), lg_in_grad(0), lg_const(2.0), zero);
}

/* -1*a + (-0) is -a for every a, signed zeros included (+0 would turn -0 into +0). */
void lg_fwd_neg(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->map(e, LG_KOP_AXPB, lg_in(0), lg_none(), lg_out(), lg_const(-1.0), lg_const(-0.0));
}

void lg_bwd_neg(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->map(e, LG_KOP_AXPY, lg_out_grad(), lg_none(), lg_in_grad(0), lg_const(-1.0), zero);
}

/* ---- mean, sum: reductions to a scalar, accumulated in double ------------------------ */

static double fin_mean(lg_node *node, const lg_mse_sums *s, size_t count)
{
    (void)node;
    return s->r / (double)count;
}

static double fin_sum(lg_node *node, const lg_mse_sums *s, size_t count)
{
    (void)node, (void)count;
    return s->r;
}

void lg_fwd_mean(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->reduce(e, LG_KOP_SUM, lg_in(0), lg_none(), zero, zero, fin_mean);
}

/* d(mean a)/da_i = 1/n: g/n added to every element, in place. */
void lg_bwd_mean(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->map(e, LG_KOP_AXPB, lg_in_grad(0), lg_none(), lg_in_grad(0), lg_const(1.0),
           (lg_scal){LG_SCAL_OUT_GRAD_DIV, 0, 0.0});
}

void lg_fwd_sum(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->reduce(e, LG_KOP_SUM, lg_in(0), lg_none(), zero, zero, fin_sum);
}

void lg_bwd_sum(lg_emit *e, lg_node *node)
{
    (void)node;
    e->ops->map(e, LG_KOP_AXPB, lg_in_grad(0), lg_none(), lg_in_grad(0), lg_const(1.0),
           (lg_scal){LG_SCAL_OUT_GRAD, 0, 1.0});
}
