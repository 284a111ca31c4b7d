/*
 * The op table (internal): every op is one row of LG_OPS, and its meaning is
 * written once, as kernel steps handed to an emitter.
 *
 * An op's forward and backward never compute anything themselves: they say
 * which kernel-table entry runs over which operands (lg_emit). Eager mode's
 * emitter runs each step at once; graph mode's records it as a plan step. So
 * the two cannot drift, and the graph compiler (codegen.c) turns the recorded
 * steps into one loop.
 *
 * Adding an op: one row below, its three functions (op_defs.c, or a file of
 * its own), its declaration in lingrad.h. A row that names no backward does not
 * compile; a backward that adds the wrong gradient fails test_autograd's
 * finite-difference check, which runs over every row.
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
    X(ADD, add, 2, lg_shape_binary, lg_fwd_addsub, lg_bwd_add)           \
    X(SUB, sub, 2, lg_shape_binary, lg_fwd_addsub, lg_bwd_sub)           \
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
 * odd, gradients even, inputs below the output (the eager emitter relies on it). */
typedef enum lg_opnd_kind {
    LG_OPND_NONE = 0,
    LG_OPND_IN = 1,
    LG_OPND_IN_GRAD = 2,
    LG_OPND_OUT = 3,
    LG_OPND_OUT_GRAD = 4
} lg_opnd_kind;

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

/* ---- the emitter: how the steps are carried out ------------------------------------ */

typedef struct lg_emit lg_emit;
typedef struct lg_emit_ops {
    /* out = kop(p, q; a, b) elementwise over out's elements (axpy, mulacc: out
     * is also read). */
    void (*map)(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_opnd out, lg_scal a, lg_scal b);
    /* The output's value = fin(reduction kop over p's elements). */
    void (*reduce)(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, lg_scal a, lg_scal b,
                   lg_fin_fn *fin);
    /* Input k's gradient (a scalar) += c * (reduction kop over p's elements).r */
    void (*reduce_grad)(lg_emit *e, lg_kop kop, lg_opnd p, lg_opnd q, size_t k, double c);
    /* A backward whose every operand is a scalar: runs as eager runs it. */
    void (*scalar)(lg_emit *e, void (*fn)(const lg_exec *ex, lg_node *node));
} lg_emit_ops;

struct lg_emit {
    const lg_emit_ops *ops;
    lg_node *node; /* the node being emitted */
};

/* ---- the table --------------------------------------------------------------------- */

/* Checks the inputs (dtype, sizes: the op's shape rule) and returns the output's
 * element count, or 0 with the reason in why (the caller names the op). */
typedef size_t lg_shape_fn(lg_tensor *const in[], char *why, size_t why_len);
/* Forward: the steps that compute the output. Backward: the steps that add
 * the node's contribution to the gradient of every input that requires one. */
typedef void lg_emit_fn(lg_emit *e, lg_node *node);

typedef struct lg_op_def {
    const char *name;
    size_t arity;
    lg_shape_fn *shape;
    lg_emit_fn *forward, *backward;
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

#define LG_OP_DECLARE(E, name, arity, shape, fwd, bwd) \
    lg_shape_fn shape;                                 \
    lg_emit_fn fwd, bwd;
LG_OPS(LG_OP_DECLARE)
#undef LG_OP_DECLARE

/* Operand shorthands for the definitions. */
static inline lg_opnd lg_in(size_t k) { return (lg_opnd){LG_OPND_IN, (uint8_t)k}; }
static inline lg_opnd lg_in_grad(size_t k) { return (lg_opnd){LG_OPND_IN_GRAD, (uint8_t)k}; }
static inline lg_opnd lg_out(void) { return (lg_opnd){LG_OPND_OUT, 0}; }
static inline lg_opnd lg_out_grad(void) { return (lg_opnd){LG_OPND_OUT_GRAD, 0}; }
static inline lg_opnd lg_none(void) { return (lg_opnd){LG_OPND_NONE, 0}; }
static inline lg_scal lg_const(double c) { return (lg_scal){LG_SCAL_CONST, 0, c}; }
static inline lg_scal lg_value(size_t k, double c) { return (lg_scal){LG_SCAL_VALUE, (uint8_t)k, c}; }

#endif
