/*
 * The op table (internal): every op is one row of LG_OPS, and its meaning is
 * written once, as data: lists of kernel steps (lg_op_step), each saying which
 * kernel-table entry runs over which operands, and when (the operands' shapes,
 * which inputs want a gradient).
 *
 * Nothing else says what an op computes. Eager mode runs a list's steps at once
 * (eager_steps.h, inlined into each op); graph mode hands them to its planner
 * through an emitter (lg_emit_steps) and records them as plan steps, which the
 * graph compiler (codegen.c) turns into one loop. So the modes cannot drift.
 *
 * Adding an op: one row below, its two step lists (op_steps.h), its declaration
 * in lingrad.h. A row that names no backward does not compile; a backward that
 * adds the wrong gradient, or none, fails test_ops's finite-difference check,
 * which runs over every row, and test_ops checks every step's operands.
 */
#ifndef LG_OP_H
#define LG_OP_H

#include <stdint.h>

#include "exec/exec.h"
#include "exec/kernel_ops.h"
#include "tensor/tensor.h"

/* X(ENUM, name, arity, shape, forward, backward): the public function is
 * lg_<name>, taking the graph and `arity` tensors. */
#define LG_OPS(X)                                                        \
    X(ADD, add, 2, lg_shape_binary, lg_fwd_add, lg_bwd_add)              \
    X(SUB, sub, 2, lg_shape_binary, lg_fwd_sub, lg_bwd_sub)              \
    X(MUL, mul, 2, lg_shape_binary, lg_fwd_mul, lg_bwd_mul)              \
    X(SQUARE, square, 1, lg_shape_same, lg_fwd_square, lg_bwd_square)    \
    X(NEG, neg, 1, lg_shape_same, lg_fwd_neg, lg_bwd_neg)                \
    X(MEAN, mean, 1, lg_shape_reduce, lg_fwd_mean, lg_bwd_mean)          \
    X(SUM, sum, 1, lg_shape_reduce, lg_fwd_sum, lg_bwd_sum)              \
    X(MSE_LINEAR, mse_linear, 4, lg_shape_mse, lg_fwd_mse, lg_bwd_mse)

typedef enum lg_op {
#define LG_OP_ENUM(E, name, arity, shape, fwd, bwd) LG_OP_##E,
    LG_OPS(LG_OP_ENUM)
#undef LG_OP_ENUM
    LG_OP_COUNT
} lg_op;

#define LG_MAX_INPUTS 4

/* One recorded op. Nodes are appended in construction order, which is already a
 * topological order, so backward walks the list from the tail. */
typedef struct lg_node {
    lg_op op;
    size_t n_in;
    lg_tensor *in[LG_MAX_INPUTS];
    lg_tensor *out;
    lg_mse_sums sums; /* a reduction's sums, for a backward that needs them (mse_linear) */
    struct lg_node *prev;
} lg_node;

/* ---- what a step reads and writes ------------------------------------------------ */

/* A vector operand: input k's values or gradient, or the output's. Values are
 * odd, gradients even (eager mode relies on it). */
typedef enum lg_opnd_kind {
    LG_OPND_NONE = 0,
    LG_OPND_IN = 1,
    LG_OPND_IN_GRAD = 2,
    LG_OPND_OUT = 3,
    LG_OPND_OUT_GRAD = 4
} lg_opnd_kind;

/* k: the input's index; the output's operands have k = LG_MAX_INPUTS, so k is
 * the tensor's slot in [in[0], ..., in[LG_MAX_INPUTS - 1], out]. */
typedef struct lg_opnd {
    uint8_t kind, k;
} lg_opnd;

/* A scalar argument, worked out in double when its step starts, then rounded to
 * the dtype as lg_kop_call rounds it. */
typedef enum lg_scal_kind {
    LG_SCAL_CONST,        /* c */
    LG_SCAL_VALUE,        /* c * (input k's value): input k is a scalar */
    LG_SCAL_OUT_GRAD,     /* c * (the output's gradient): the output is a scalar */
    LG_SCAL_OUT_GRAD_DIV  /* the output's gradient / (the elements input k stands for) */
} lg_scal_kind;

typedef struct lg_scal {
    uint8_t kind, k;
    double c;
} lg_scal;

/* What a reduction's sums become: the output's value (from the sums and the
 * element count of input 0), or c times .r added to input k's gradient. */
typedef double lg_fin_fn(lg_node *node, const lg_mse_sums *sums, size_t count);

typedef void lg_scalar_fn(const lg_exec *ex, lg_node *node);

/* ---- steps: what an op's definition is made of ------------------------------------- */

typedef enum lg_step_how {
    LG_DO_MAP,         /* out = kop(p, q; a, b) elementwise over out's elements
                        * (axpy, mulacc: out is also read) */
    LG_DO_REDUCE,      /* the output's value = fin(reduction kop over p's elements) */
    LG_DO_REDUCE_GRAD, /* input out.k's gradient (a scalar) += c * (reduction kop
                        * over p's elements).r */
    LG_DO_SCALAR       /* fn(ex, node): a backward whose every operand is a scalar */
} lg_step_how;

/* What a step's guard can test (lg_node_when). */
#define LG_WHEN_SAME ((uint16_t)1)                       /* in[0] and in[1]: equal sizes */
#define LG_WHEN_FULL(k) ((uint16_t)(2u << (k)))          /* input k has the output's size */
#define LG_WHEN_GRAD(k) ((uint16_t)(32u << (k)))         /* input k requires a gradient */

/* A step runs when, of the bits in mask, those that hold for the node are want. */
typedef struct lg_op_step {
    uint16_t mask, want;
    uint8_t how, kop; /* lg_step_how, lg_kop */
    lg_opnd p, q, out;
    lg_scal a, b;
    double c;          /* reduce_grad's factor */
    lg_fin_fn *fin;    /* reduce */
    lg_scalar_fn *fn;  /* scalar */
} lg_op_step;

typedef struct lg_op_steps {
    const lg_op_step *step;
    size_t count;
} lg_op_steps;

#define LG_OP_STEPS(array) {array, sizeof array / sizeof array[0]}

/* Of the guard bits in mask, those that hold for node. Inline: with a constant
 * mask (eager mode's inlined lists) only the bits a step tests are worked out. */
static inline unsigned lg_node_when(const lg_node *node, unsigned mask)
{
    unsigned w = 0;
    if (mask & LG_WHEN_SAME)
        w |= node->in[0]->n == node->in[1]->n ? LG_WHEN_SAME : 0u;
    for (size_t k = 0; k < LG_MAX_INPUTS; k++) {
        if (mask & LG_WHEN_FULL(k))
            w |= node->in[k]->n == node->out->n ? LG_WHEN_FULL(k) : 0u;
        if (mask & LG_WHEN_GRAD(k))
            w |= node->in[k]->requires_grad ? LG_WHEN_GRAD(k) : 0u;
    }
    return w;
}

/* Whether step s runs for node. */
static inline bool lg_step_runs(const lg_node *node, const lg_op_step *s)
{
    return lg_node_when(node, s->mask) == s->want;
}

/* ---- the emitter: graph mode's planner, reading the steps ------------------------- */

typedef struct lg_emit lg_emit;
typedef struct lg_emit_ops {
    void (*map)(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_opnd out, lg_scal a, lg_scal b);
    void (*reduce)(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_scal a, lg_scal b,
                   lg_fin_fn *fin);
    void (*reduce_grad)(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, size_t k, double c);
    void (*scalar)(lg_emit *e, lg_scalar_fn *fn);
} lg_emit_ops;

struct lg_emit {
    const lg_emit_ops *ops;
    lg_node *node; /* the node being emitted */
};

/* op_steps.c: hands e the steps of list s whose guards hold for e->node. */
void lg_emit_steps(lg_emit *e, const lg_op_steps *s);

/* ---- the table --------------------------------------------------------------------- */

/* Checks the inputs (dtype, sizes: the op's shape rule) and returns the output's
 * element count, or 0 with the reason in why (the caller names the op). */
typedef size_t lg_shape_fn(lg_tensor *const in[], char *why, size_t why_len);

/* forward: the steps that compute the output. backward: the steps that add the
 * node's contribution to the gradient of every input that requires one. */
typedef struct lg_op_def {
    const char *name;
    size_t arity;
    lg_shape_fn *shape;
    const lg_op_steps *forward, *backward;
} lg_op_def;

/* op_table.c: the rows, in enum order. */
extern const lg_op_def lg_op_table[LG_OP_COUNT];

/* The op's row, or NULL for a value that is no op. Inline: eager mode looks an
 * op up twice per node and epoch. */
static inline const lg_op_def *lg_op_about(lg_op op)
{
    return (unsigned)op < LG_OP_COUNT ? &lg_op_table[op] : NULL;
}

const char *lg_op_name(lg_op op);
const char *lg_op_arg_name(size_t arity, size_t i);

/* Shorthands for the definitions (constant expressions, for static lists). */
#define LG_IN(k) {LG_OPND_IN, (k)}
#define LG_IN_GRAD(k) {LG_OPND_IN_GRAD, (k)}
#define LG_OUT {LG_OPND_OUT, LG_MAX_INPUTS}
#define LG_OUT_GRAD {LG_OPND_OUT_GRAD, LG_MAX_INPUTS}
#define LG_NONE {LG_OPND_NONE, 0}
#define LG_CONST(c) {LG_SCAL_CONST, 0, (c)}
#define LG_VALUE(k, c) {LG_SCAL_VALUE, (k), (c)}
#define LG_OUT_GRAD_TIMES(c) {LG_SCAL_OUT_GRAD, 0, (c)}
#define LG_OUT_GRAD_PER(k) {LG_SCAL_OUT_GRAD_DIV, (k), 0.0}

static inline lg_opnd lg_none(void) { return (lg_opnd){LG_OPND_NONE, 0}; }
static inline lg_scal lg_const(double c) { return (lg_scal){LG_SCAL_CONST, 0, c}; }

#endif
