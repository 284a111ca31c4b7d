/* The op table, made from LG_OPS: every op's name, arity, shape rule, forward
 * and backward, in enum order. */
#include <assert.h>

#include "autograd/op_steps.h"

const lg_op_def lg_op_table[LG_OP_COUNT] = {
#define LG_OP_ROW(E, name, arity, shape, fwd, bwd) [LG_OP_##E] = {#name, arity, shape, &fwd, &bwd},
    LG_OPS(LG_OP_ROW)
#undef LG_OP_ROW
};
/* The array's size is LG_OP_COUNT, so a missing row would be all zeros: every
 * row must name itself (tests/test_ops.c checks every field). */
static_assert(sizeof lg_op_table / sizeof lg_op_table[0] == LG_OP_COUNT, "one row per op");

const char *lg_op_name(lg_op op)
{
    return (unsigned)op < LG_OP_COUNT ? lg_op_table[op].name : "unknown op";
}

/* Input i's name in the op's declaration in lingrad.h: lg_mse_linear's (x, y,
 * w, b) for the op of four inputs, (a, b) for the others. */
const char *lg_op_arg_name(size_t arity, size_t i)
{
    static const char *const names[][LG_MAX_INPUTS] = {{"a", "b"}, {"x", "y", "w", "b"}};
    return i < LG_MAX_INPUTS && names[arity == 4][i] ? names[arity == 4][i] : "input";
}
