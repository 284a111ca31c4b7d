/* The tape: the graph that owns the nodes and their outputs (internal). */
#ifndef LG_GRAPH_H
#define LG_GRAPH_H

#include "autograd/arena.h"
#include "autograd/op.h"
#include "autograd/tensor_pool.h"
#include "core/error.h"
#include "exec/exec.h"
#include "kernels.h"
#include "tensor/tensor.h"

struct lg_plan;

#define LG_LEAF_READS 8

struct lg_graph {
    lg_arena arena;         /* this step's data and gradients */
    /* Op output headers, alternating by step, so an output of the step just
     * dropped keeps its header (and its stale generation) until the step after
     * next; older ones are told apart by their handles' step bits. */
    lg_tensor_pool headers[2];
    /* Each time the handles' step bits wrap (every 2^23 steps), both pools'
     * headers retire here and are never handed out again: a handle as old as
     * that finds its own header, with its own old generation. */
    lg_tensor_pool retired;
    uint64_t generation;    /* steps dropped so far; outputs carry the one they were made in */
    uintptr_t handle_bits;  /* this step's bits in its outputs' handles (tensor/tensor.h) */
    /* The leaves this step's ops read, with the versions they read (tape_versions.c):
     * checking them is a short scan, not a walk of the tape. reads is reads_here,
     * or past LG_LEAF_READS of them a larger copy in the arena. */
    struct lg_leaf_read {
        const lg_tensor *t;
        uint64_t version;
    } reads_here[LG_LEAF_READS], *reads;
    uint32_t n_reads, reads_cap;
    bool outputs_written;   /* lg_tensor_set wrote one of this step's outputs */
    lg_node *tail;
    lg_status status;   /* first failure since reset */
    bool backward_done;
    bool replayable;    /* graph mode: the plan last run was lg_backward's on this tape */
    bool deferred;      /* graph mode: ops record, lg_backward / lg_graph_eval compute */
    bool interpret;     /* graph mode: never compile the sweeps */
    double setup_seconds; /* graph mode: planning and compiling, so far */
    uint32_t n_nodes;   /* on the tape since reset */
    struct lg_plan *plan; /* graph mode: the last tape's schedule, kept across resets */
    lg_exec ex;         /* kernel table, threads, and the team while training */
};

/* Records a failure in g (keeping the first) and the thread's message; returns NULL
 * so an op can end with `return graph_fail(...)`. */
lg_tensor *lg_graph_fail(lg_graph *g, lg_status s, const char *fmt, ...) LG_PRINTF(3, 4);
/* t is a leaf or g's output from this step; else records why not (argument arg of op). */
bool lg_graph_owns_live(lg_graph *g, const char *op, const lg_tensor *t, size_t arg);
/* Checks an op's inputs: non-NULL, graph healthy, each a leaf or g's own output
 * from this step. On failure records it (unless an input is NULL: that failure
 * was recorded already). */
bool lg_graph_inputs_ok(lg_graph *g, const char *op, lg_tensor *const in[], size_t n_in);
/* Gives t a zeroed gradient buffer (from g's arena, or inline for one element)
 * if it has none. */
lg_status lg_graph_ensure_grad(lg_graph *g, lg_tensor *t);

/* op_api.c: op `op` on inputs in, as its public function applies it (its output,
 * or NULL with the failure recorded in g). */
lg_tensor *lg_op_apply(lg_graph *g, lg_op op, lg_tensor *const in[]);

/* eager.c: runs one of the node's op's step lists at once: its forward (which
 * also marks the output computed) or its backward (every input that requires a
 * gradient has its buffer). The public ops inline their forward instead
 * (eager_steps.h). */
void lg_eager_forward(const lg_exec *ex, lg_node *node);
void lg_eager_backward(const lg_exec *ex, lg_node *node);
/* A step's scalar argument for this node, in double. */
double lg_scal_eval(const lg_exec *ex, const lg_node *node, lg_scal s);

/* tape_versions.c: the failure that lg_tape_versions_check found. */
lg_status lg_tape_versions_fail(const lg_graph *g, const char *fn);

/* LG_OK when every leaf the tape read still has the version it read and no
 * output was written; else LG_EINVAL naming the first change (fn: the function
 * asking). Inline: eager mode checks once an epoch, a scan of a few entries. */
static inline lg_status lg_tape_versions_check(const lg_graph *g, const char *fn)
{
    bool changed = g->outputs_written;
    for (uint32_t i = 0; i < g->n_reads; i++)
        changed |= g->reads[i].t->version != g->reads[i].version;
    return changed ? lg_tape_versions_fail(g, fn) : LG_OK;
}
/* The tape's recorded versions become the inputs' current ones, and its outputs'
 * versions 0: a replay runs on the values the leaves hold now and computes every
 * output again. */
void lg_tape_versions_take(lg_graph *g);

/* Room for one more leaf read (the arena's): false, with the failure recorded
 * in g, when out of memory. */
bool lg_graph_reads_grow(lg_graph *g);

/* Whether lg_backward may start: the loss is a live scalar of g that requires a
 * gradient, and the graph is healthy and has not run backward. */
lg_status lg_backward_check(lg_graph *g, const lg_tensor *loss);

/* deferred.c: graph mode's lg_backward (loss) and lg_graph_eval (target). */
lg_status lg_plan_run(lg_graph *g, lg_tensor *loss, lg_tensor *target);
void lg_plan_free(struct lg_plan *p);

/* fused.c: the fused op's loss (before rounding to the dtype) from its sums over
 * n points, and what its backward adds to w's and b's gradients for an upstream
 * gradient g. The training loop's tape-free fused step uses these, so it rounds
 * exactly as the op does. */
double lg_mse_linear_loss(const lg_mse_sums *s, size_t n);
void lg_mse_linear_increments(const lg_mse_sums *s, size_t n, double g, double *dw, double *db);

#endif
