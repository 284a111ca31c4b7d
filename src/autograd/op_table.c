/* The op table, made from LG_OPS: every op's name, arity, shape rule, forward
 * and backward, in enum order. */
#include <assert.h>

#include "autograd/op.h"

static const lg_op_def table[] = {
#define LG_OP_ROW(E, name, arity, shape, fwd, bwd) [LG_OP_##E] = {#name, arity, shape, fwd, bwd},
    LG_OPS(LG_OP_ROW)
#undef LG_OP_ROW
};
static_assert(sizeof table / sizeof table[0] == LG_OP_COUNT, "one row per op");

const lg_op_def *lg_op_about(lg_op op)
{
    return op < LG_OP_COUNT ? &table[op] : NULL;
}

const char *lg_op_name(lg_op op)
{
    return op < LG_OP_COUNT ? table[op].name : "unknown op";
}
