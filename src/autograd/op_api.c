/* The public ops (lg_add ...), one per row of LG_OPS, and what they share:
 * check the inputs, record a node on the tape, and in eager mode compute it.
 *
 * Each public function is apply() with its row's arity, shape rule and forward
 * as constants, inlined: at the tutorial's n = 100 an eager op's bookkeeping
 * costs more than its arithmetic, and the calls, loops and indirect calls of a
 * generic path were a third of it. */
#include <stdint.h>

#include "autograd/eager_steps.h"
#include "autograd/op_steps.h"
#include "core/dtype.h"

/* Every input present, each a leaf or this step's output of g (its handle's step
 * bits too), and g healthy: the common case, without a call. lg_graph_inputs_ok
 * says what is wrong. Turns the handles into headers. */
static inline bool inputs_live(const lg_graph *g, lg_tensor *const h[], lg_tensor *in[],
                               size_t arity)
{
    bool ok = g->status == LG_OK && !g->backward_done;
    for (size_t i = 0; i < arity; i++) {
        in[i] = lg_handle_tensor(h[i]);
        /* A leaf's handle is its address; an output's carries this step's bits,
         * and its header this step's generation (a handle 2^23 steps old has the
         * bits; its header, unless this step reused it, an old generation). */
        uintptr_t bits = (uintptr_t)h[i] ^ (uintptr_t)in[i];
        ok = ok && h[i] &&
             (in[i]->kind == LG_TENSOR_LEAF ? bits == 0
                                            : in[i]->owner == g && bits == g->handle_bits &&
                                                  in[i]->generation == g->generation);
    }
    return ok;
}

/* The leaves the step reads, with their versions, for lg_tape_versions_check. */
static inline bool note_reads(lg_graph *g, lg_tensor *const in[], size_t arity)
{
    for (size_t i = 0; i < arity; i++)
        if (in[i]->kind == LG_TENSOR_LEAF) {
            if (g->n_reads == g->reads_cap && !lg_graph_reads_grow(g))
                return false;
            g->reads[g->n_reads++] = (struct lg_leaf_read){in[i], in[i]->version};
        }
    return true;
}

/* An output's values: inline for one element; none yet for a vector in graph
 * mode (lg_plan_run gives one it must keep); else from the arena. */
static inline bool give_data(lg_graph *g, lg_tensor *t)
{
    if (t->n == 1)
        t->data = &t->inline_data;
    else if (!g->deferred && t->n <= SIZE_MAX / lg_esize(t->dtype))
        t->data = lg_arena_alloc(&g->arena, t->n * lg_esize(t->dtype));
    return t->data || g->deferred;
}

/* A new output of n elements, requires_grad if any input does, and the node
 * that makes it appended to the tape. */
static inline lg_node *record(lg_graph *g, lg_op op, lg_tensor *const in[], size_t arity, size_t n)
{
    lg_dtype dt = in[0]->dtype;
    lg_node *node = lg_arena_alloc(&g->arena, sizeof *node);
    lg_tensor *t = lg_tensor_pool_take(&g->headers[g->generation & 1]);
    if (t) { /* field by field: a compound literal would zero the whole header first */
        t->kind = LG_TENSOR_OUTPUT, t->version = 0;
        t->dtype = dt, t->n = n, t->data = NULL, t->grad = NULL, t->requires_grad = false;
        t->owner = g, t->generation = g->generation, t->owner_generation = &g->generation;
        t->owner_written = &g->outputs_written;
        t->borrowed = false, t->pending = g->deferred, t->tape_pos = g->n_nodes + 1;
    }
    if (!node || !t || !give_data(g, t)) {
        lg_graph_fail(g, LG_ENOMEM, "lg_%s: cannot allocate %zu %s values: out of memory",
                      lg_op_name(op), n, lg_dtype_name(dt));
        return NULL;
    }
    g->n_nodes++;
    node->op = op, node->n_in = arity, node->out = t, node->prev = g->tail;
    for (size_t i = 0; i < LG_MAX_INPUTS; i++)
        node->in[i] = i < arity ? in[i] : NULL;
    for (size_t i = 0; i < arity; i++)
        t->requires_grad = t->requires_grad || in[i]->requires_grad;
    g->tail = node;
    return node;
}

static inline __attribute__((always_inline)) lg_tensor *
apply(lg_graph *g, lg_op op, lg_tensor *const h[], size_t arity, lg_shape_fn *shape,
      const lg_op_steps *forward)
{
    lg_tensor *in[LG_MAX_INPUTS];
    if (!inputs_live(g, h, in, arity) && !lg_graph_inputs_ok(g, lg_op_name(op), h, arity))
        return NULL;
    char why[200]; /* not `= ""`: zeroing 200 bytes per op shows in the tutorial's epoch */
    why[0] = '\0';
    size_t n = shape(in, why, sizeof why);
    if (n == 0)
        return lg_graph_fail(g, LG_EINVAL, "lg_%s: %s", lg_op_name(op), why);
    lg_node *node = record(g, op, in, arity, n);
    if (!node)
        return NULL;
    if (!note_reads(g, in, arity))
        return NULL;
    if (!g->deferred)
        lg_eager_steps(&g->ex, node, forward);
    return (lg_tensor *)((uintptr_t)node->out | g->handle_bits);
}

/* Any op by its enum, for the tests that go through every row. */
lg_tensor *lg_op_apply(lg_graph *g, lg_op op, lg_tensor *const in[])
{
    switch (op) {
#define LG_OP_CASE(E, name, arity, shape, fwd, bwd) \
    case LG_OP_##E: return apply(g, LG_OP_##E, in, arity, shape, &fwd);
        LG_OPS(LG_OP_CASE)
#undef LG_OP_CASE
    case LG_OP_COUNT: break;
    }
    return lg_graph_fail(g, LG_EINVAL, "lg_op_apply: unknown op %d", (int)op);
}

/* Inputs are const to the caller: an op never changes their values. The tape
 * keeps them writable, as lg_backward adds to their gradients. */
#define LG_OP_PARAMS_1 const lg_tensor *a
#define LG_OP_PARAMS_2 const lg_tensor *a, const lg_tensor *b
#define LG_OP_PARAMS_4 const lg_tensor *a, const lg_tensor *b, const lg_tensor *c, const lg_tensor *d
#define LG_OP_ARGS_1 (lg_tensor *)a
#define LG_OP_ARGS_2 (lg_tensor *)a, (lg_tensor *)b
#define LG_OP_ARGS_4 (lg_tensor *)a, (lg_tensor *)b, (lg_tensor *)c, (lg_tensor *)d
#define LG_OP_PUBLIC(E, name, arity, shape, fwd, bwd)                      \
    lg_tensor *lg_##name(lg_graph *g, LG_OP_PARAMS_##arity)               \
    {                                                                      \
        lg_tensor *in[arity] = {LG_OP_ARGS_##arity};                       \
        if (!g) {                                                          \
            lg_fail_null("lg_" #name, "g");                                \
            return NULL;                                                   \
        }                                                                  \
        return apply(g, LG_OP_##E, in, arity, shape, &fwd);                \
    }
LG_OPS(LG_OP_PUBLIC)
