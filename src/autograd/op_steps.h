/*
 * Every op's forward and backward, as lists of kernel steps (op.h): the one
 * place that says what an op computes.
 *
 * The lists are static, so each file that runs them sees their contents: eager
 * mode inlines them (eager_steps.h, in op_api.c, backward.c and eager.c), and
 * the compiler folds each op's guards and operands into direct calls;
 * op_table.c puts them in the table that graph mode's planner reads. Unused
 * lists cost nothing.
 */
#ifndef LG_OP_STEPS_H
#define LG_OP_STEPS_H

#include "autograd/op.h"

/* ---- shape rules (lg_shape_fn) ------------------------------------------------------ */

/* The rules the tutorial's ops check every epoch are inline; their refusals
 * and the fused op's rule are not. */
lg_shape_fn lg_shape_mse, lg_shape_binary_why;

static inline size_t lg_shape_same(lg_tensor *const in[], char *why, size_t why_len)
{
    (void)why, (void)why_len;
    return in[0]->n;
}

static inline size_t lg_shape_reduce(lg_tensor *const in[], char *why, size_t why_len)
{
    (void)in, (void)why, (void)why_len;
    return 1;
}

/* Equal sizes, or one side a scalar that broadcasts; same dtype. */
static inline size_t lg_shape_binary(lg_tensor *const in[], char *why, size_t why_len)
{
    const lg_tensor *a = in[0], *b = in[1];
    if (a->dtype != b->dtype || (a->n != b->n && a->n != 1 && b->n != 1))
        return lg_shape_binary_why(in, why, why_len);
    return a->n > b->n ? a->n : b->n;
}

/* ---- steps -------------------------------------------------------------------------- */

/* What a reduction's sums become (op_defs.c, fused.c), and the fused op's
 * backward, whose every operand is a scalar (fused.c). */
lg_fin_fn lg_fin_mean, lg_fin_sum, lg_fin_mse;
lg_scalar_fn lg_mse_backward;

/* Step shorthands. A guard, IF(mask, want), runs the step when the node's
 * LG_WHEN_ bits under mask are want; ALWAYS runs it unconditionally. */
#define IF(mask, want) mask, want
#define ALWAYS 0, 0
#define ZERO LG_CONST(0.0)
/* out = kop(p, q; a, b) */
#define MAP(when, kop, p, q, out, a, b)                                                            \
    {when, LG_DO_MAP, LG_KOP_##kop, p, q, out, a, b, 0.0, NULL, NULL}
/* The output's value = fin(reduction kop over p) */
#define REDUCE(kop, p, fin)                                                                        \
    {ALWAYS, LG_DO_REDUCE, LG_KOP_##kop, p, LG_NONE, LG_NONE, ZERO, ZERO, 0.0, fin, NULL}
/* Input k's (scalar) gradient += c * reduction kop over p (and q). */
#define REDUCE_GRAD(when, kop, p, q, k, c)                                                         \
    {when, LG_DO_REDUCE_GRAD, LG_KOP_##kop, p, q, LG_IN_GRAD(k), ZERO, ZERO, c, NULL, NULL}

#define SAME LG_WHEN_SAME
#define FULL(k) LG_WHEN_FULL(k)
#define GRAD(k) LG_WHEN_GRAD(k)

/* ---- add, sub: a vector-scalar op is out = alpha*v + beta on the vector v ----------- */

static const lg_op_step fwd_add[] = {
    MAP(IF(SAME, SAME), ADD, LG_IN(0), LG_IN(1), LG_OUT, ZERO, ZERO),
    MAP(IF(SAME | FULL(0), FULL(0)), AXPB, LG_IN(0), LG_NONE, LG_OUT, LG_CONST(1.0), LG_VALUE(1, 1.0)),
    MAP(IF(SAME | FULL(0), 0), AXPB, LG_IN(1), LG_NONE, LG_OUT, LG_CONST(1.0), LG_VALUE(0, 1.0)),
};

static const lg_op_step fwd_sub[] = {
    MAP(IF(SAME, SAME), SUB, LG_IN(0), LG_IN(1), LG_OUT, ZERO, ZERO),
    MAP(IF(SAME | FULL(0), FULL(0)), AXPB, LG_IN(0), LG_NONE, LG_OUT, LG_CONST(1.0), LG_VALUE(1, -1.0)),
    MAP(IF(SAME | FULL(0), 0), AXPB, LG_IN(1), LG_NONE, LG_OUT, LG_CONST(-1.0), LG_VALUE(0, 1.0)),
};

/* d(a +- b)/d(input k) = sign; a broadcast scalar input receives the sum. */
#define BACK_ADDSUB(k, sign)                                                                       \
    MAP(IF(GRAD(k) | FULL(k), GRAD(k) | FULL(k)), AXPY, LG_OUT_GRAD, LG_NONE, LG_IN_GRAD(k),       \
        LG_CONST(sign), ZERO),                                                                     \
    REDUCE_GRAD(IF(GRAD(k) | FULL(k), GRAD(k)), SUM, LG_OUT_GRAD, LG_NONE, k, sign)

static const lg_op_step bwd_add[] = {BACK_ADDSUB(0, 1.0), BACK_ADDSUB(1, 1.0)};
static const lg_op_step bwd_sub[] = {BACK_ADDSUB(0, 1.0), BACK_ADDSUB(1, -1.0)};

static const lg_op_steps lg_fwd_add = LG_OP_STEPS(fwd_add), lg_bwd_add = LG_OP_STEPS(bwd_add);
static const lg_op_steps lg_fwd_sub = LG_OP_STEPS(fwd_sub), lg_bwd_sub = LG_OP_STEPS(bwd_sub);

/* ---- mul ----------------------------------------------------------------------------- */

static const lg_op_step fwd_mul[] = {
    MAP(IF(SAME, SAME), MUL, LG_IN(0), LG_IN(1), LG_OUT, ZERO, ZERO),
    MAP(IF(SAME | FULL(0), FULL(0)), AXPB, LG_IN(0), LG_NONE, LG_OUT, LG_VALUE(1, 1.0), ZERO),
    MAP(IF(SAME | FULL(0), 0), AXPB, LG_IN(1), LG_NONE, LG_OUT, LG_VALUE(0, 1.0), ZERO),
};

/* d(x*y)/dx = y: a dot for a scalar x, else an elementwise product, or a scaled
 * copy for a scalar y. */
#define BACK_MUL(x, y)                                                                             \
    REDUCE_GRAD(IF(GRAD(x) | FULL(x), GRAD(x)), DOT, LG_OUT_GRAD, LG_IN(y), x, 1.0),               \
    MAP(IF(GRAD(x) | FULL(x) | FULL(y), GRAD(x) | FULL(x) | FULL(y)), MULACC, LG_OUT_GRAD,         \
        LG_IN(y), LG_IN_GRAD(x), LG_CONST(1.0), ZERO),                                             \
    MAP(IF(GRAD(x) | FULL(x) | FULL(y), GRAD(x) | FULL(x)), AXPY, LG_OUT_GRAD, LG_NONE,            \
        LG_IN_GRAD(x), LG_VALUE(y, 1.0), ZERO)

static const lg_op_step bwd_mul[] = {BACK_MUL(0, 1), BACK_MUL(1, 0)};

static const lg_op_steps lg_fwd_mul = LG_OP_STEPS(fwd_mul), lg_bwd_mul = LG_OP_STEPS(bwd_mul);

/* ---- square, neg ----------------------------------------------------------------------- */

static const lg_op_step fwd_square[] = {
    MAP(ALWAYS, SQUARE, LG_IN(0), LG_NONE, LG_OUT, ZERO, ZERO),
};

/* d(a^2)/da = 2a */
static const lg_op_step bwd_square[] = {
    MAP(IF(GRAD(0), GRAD(0)), MULACC, LG_IN(0), LG_OUT_GRAD, LG_IN_GRAD(0), LG_CONST(2.0), ZERO),
};

/* -1*a + (-0) is -a for every a, signed zeros included (+0 would turn -0 into +0). */
static const lg_op_step fwd_neg[] = {
    MAP(ALWAYS, AXPB, LG_IN(0), LG_NONE, LG_OUT, LG_CONST(-1.0), LG_CONST(-0.0)),
};

static const lg_op_step bwd_neg[] = {
    MAP(IF(GRAD(0), GRAD(0)), AXPY, LG_OUT_GRAD, LG_NONE, LG_IN_GRAD(0), LG_CONST(-1.0), ZERO),
};

static const lg_op_steps lg_fwd_square = LG_OP_STEPS(fwd_square), lg_bwd_square = LG_OP_STEPS(bwd_square);
static const lg_op_steps lg_fwd_neg = LG_OP_STEPS(fwd_neg), lg_bwd_neg = LG_OP_STEPS(bwd_neg);

/* ---- mean, sum: reductions to a scalar, accumulated in double ------------------------ */

static const lg_op_step fwd_mean[] = {REDUCE(SUM, LG_IN(0), lg_fin_mean)};
static const lg_op_step fwd_sum[] = {REDUCE(SUM, LG_IN(0), lg_fin_sum)};

/* d(mean a)/da_i = 1/n: g/n added to every element, in place. */
static const lg_op_step bwd_mean[] = {
    MAP(IF(GRAD(0), GRAD(0)), AXPB, LG_IN_GRAD(0), LG_NONE, LG_IN_GRAD(0), LG_CONST(1.0),
        LG_OUT_GRAD_PER(0)),
};

static const lg_op_step bwd_sum[] = {
    MAP(IF(GRAD(0), GRAD(0)), AXPB, LG_IN_GRAD(0), LG_NONE, LG_IN_GRAD(0), LG_CONST(1.0),
        LG_OUT_GRAD_TIMES(1.0)),
};

static const lg_op_steps lg_fwd_mean = LG_OP_STEPS(fwd_mean), lg_bwd_mean = LG_OP_STEPS(bwd_mean);
static const lg_op_steps lg_fwd_sum = LG_OP_STEPS(fwd_sum), lg_bwd_sum = LG_OP_STEPS(bwd_sum);

/* ---- mse_linear: mean((w*x + b - y)^2), fused ---------------------------------------- */

static const lg_op_step fwd_mse[] = {
    {0, 0, LG_DO_REDUCE, LG_KOP_MSE, LG_IN(0), LG_IN(1), LG_NONE, LG_VALUE(2, 1.0),
     LG_VALUE(3, 1.0), 0.0, lg_fin_mse, NULL},
};

/* Every gradient it adds is a scalar made from the forward's sums. */
static const lg_op_step bwd_mse[] = {
    {0, 0, LG_DO_SCALAR, 0, LG_NONE, LG_NONE, LG_NONE, LG_CONST(0.0), LG_CONST(0.0), 0.0, NULL,
     lg_mse_backward},
};

static const lg_op_steps lg_fwd_mse = LG_OP_STEPS(fwd_mse), lg_bwd_mse = LG_OP_STEPS(bwd_mse);

#undef IF
#undef ALWAYS
#undef ZERO
#undef MAP
#undef REDUCE
#undef REDUCE_GRAD
#undef SAME
#undef FULL
#undef GRAD
#undef BACK_ADDSUB
#undef BACK_MUL

#endif
