/*
 * Graph mode's schedule (internal): the tape lowered to steps, the steps cut
 * into sweeps, and what a run binds to them.
 *
 * A step is one kernel call per block, or one scalar computation between sweeps.
 * The steps are the eager ops' kernel calls, one for one and in eager order
 * (forward in tape order, then backward from the tail), so every value and
 * gradient gets the bits eager gives it.
 *
 * A vector value that no one asked to keep lives in a slot: per worker scratch
 * of one block, recomputed in every sweep that needs it (its steps are pure).
 * Steps that write memory that outlives a block (a leaf's gradient, a value the
 * caller asked for, a reduction's partial) are effects: each runs in exactly one
 * sweep. A step's phase is the first sweep whose inputs are all known: a scalar
 * made by a reduction in sweep p is known from sweep p + 1 on. Sweep p runs the
 * effects of phase p over the blocks of their length, each block carried through
 * every pure step those effects need (a closure in step order), with slots
 * reusing scratch buffers once their last reader is done.
 */
#ifndef LG_PLAN_H
#define LG_PLAN_H

#include <stdint.h>

#include "autograd/graph.h"
#include "exec/kernel_ops.h"
#include "exec/parallel.h"
#include "jit/jit.h"

typedef enum lg_ref_kind {
    LG_REF_NONE,
    LG_REF_DATA, /* a tensor's values in memory: a leaf, or an output kept whole */
    LG_REF_GRAD, /* a leaf's gradient buffer */
    LG_REF_SLOT  /* per-block scratch */
} lg_ref_kind;

typedef struct lg_ref {
    uint8_t kind;
    uint32_t id; /* DATA, GRAD: a plan tensor; SLOT: a slot */
} lg_ref;

typedef enum lg_step_kind {
    LG_STEP_KERNEL,   /* vector: entry kop over the block */
    LG_STEP_ZERO,     /* vector: out = 0 (a gradient slot starts) */
    LG_STEP_FORWARD,  /* scalar: node's eager forward (every operand a scalar) */
    LG_STEP_BACKWARD, /* scalar: node's eager backward (every gradient a scalar) */
    LG_STEP_SEED,     /* scalar: the loss's gradient += 1 */
    LG_STEP_FIN,      /* scalar: node's output = fin(reduction) */
    LG_STEP_FIN_GRAD  /* scalar: tensor t's gradient += c * reduction */
} lg_step_kind;

typedef struct lg_step {
    uint8_t kind;
    uint8_t kop;          /* KERNEL */
    uint8_t dtype;
    bool vector, effect;
    lg_ref p, q, out;     /* KERNEL, ZERO (out) */
    lg_scal a, b;         /* KERNEL: its scalars, as node's definition gave them */
    int red;              /* KERNEL that reduces, FIN_*: its reduction; else -1 */
    uint32_t node;        /* KERNEL, FORWARD, BACKWARD, FIN: the node it came from */
    lg_fin_fn *fin;       /* FIN */
    uint32_t t;           /* FIN_GRAD, SEED */
    double c;             /* FIN_GRAD */
    size_t n;             /* vector steps, FIN_*: elements */
    size_t blocks;        /* FIN_*: the reduction's blocks */
    int phase;
    int dep[3];           /* the steps that wrote the slots it reads; -1 for none */
} lg_step;

/* A compiled sweep over one tile of len elements (codegen.c): mem[] its memory
 * operands at the tile's start, sc[] its steps' scalars in double, k the kernel
 * table (its reductions run on the tile), scratch the worker's (captures
 * `stride` bytes apart), red[] the tile's sums of its reductions in step order. */
typedef void lg_sweep_fn(void *const *mem, const double *sc, const lg_kernels *k, char *scratch,
                         size_t stride, size_t len, lg_mse_sums *red);

typedef struct lg_sweep {
    int phase;
    size_t n;
    size_t first, count; /* its steps: plan->order[first .. first + count) */
    size_t buffers;      /* scratch buffers a worker needs */
    size_t tile;         /* elements per tile (lg_plan_reserve) */
    lg_blocks blocks;    /* its blocks (lg_plan_reserve) */
} lg_sweep;

/* What the plan knows of each tensor it touches, by order of first appearance. */
typedef struct lg_ptensor {
    int32_t node;     /* the node making it, or -1 for a leaf */
    uint8_t op;       /* that node's op */
    uint32_t data_slot, grad_slot; /* UINT32_MAX: none */
    bool keep;        /* an output to be kept whole (lg_graph_eval's target) */
    bool gets_grad;   /* eager would give it a gradient */
} lg_ptensor;

struct lg_plan {
    /* The structure the plan was made for (see plan.c: signature). */
    uint64_t *sig;
    size_t sig_len, sig_cap;
    uint64_t *cand; /* this run's signature, built before it is compared */
    size_t cand_len, cand_cap;

    lg_ptensor *pt;
    size_t n_tensors, n_nodes;
    lg_step *steps;
    size_t n_steps;
    size_t *order; /* sweeps' step lists, back to back */
    size_t n_order;
    uint32_t *phys; /* per order entry: the buffer of each slot it reads or writes */
    size_t *scalar_order; /* scalar steps by phase, then tape order */
    size_t *phase_first;  /* scalar_order[phase_first[ph] .. phase_first[ph + 1]) */
    uint32_t *inline_grads; /* scalar outputs that get a gradient */
    size_t n_inline_grads;
    lg_sweep *sweeps;
    size_t n_sweeps;
    int n_phases;
    size_t n_slots, n_red;

    /* Run time: partial sums, one row of LG_MAX_BLOCKS per reduction; scratch. */
    lg_mse_sums *partials;
    size_t partial_rows;
    void *scratch;
    size_t scratch_worker; /* bytes per worker */
    int workers;

    /* The compiled form (plan_compile.c, codegen.h): one function per sweep, or
     * NULL with the reason in jit_why. */
    lg_sweep_fn *const *compiled; /* one per sweep */
    lg_jit_object jit;
    char jit_why[200];
    struct lg_csweep *csweeps;
    lg_ref *cmem;
    uint32_t *csc;
    struct lg_cscal *cscal; /* per csc entry: its node and scalar, looked up once */
    int *cred;
    size_t max_mem, max_sc, max_red, max_captures;
    /* ... and what running it takes: per worker, the memory operands and the
     * tile's sums; per sweep, the scalars and the operands' bases. */
    void **cmemv;
    lg_mse_sums *credv;
    size_t cmem_row, cred_row; /* bytes per worker (sweep.c: worker_row) */
    double *cscv;
    char **cbase;
    size_t *cesize;

    /* This run's tape: nodes in order, the tensors by plan index, and the plan
     * indices of each node's inputs and output. */
    lg_node **nodes;
    lg_tensor **tens;
    uint32_t (*ids)[LG_MAX_INPUTS + 1];
    uint32_t *leaves; /* the tensors that are leaves */
    size_t n_leaves;
    size_t nodes_cap, ids_cap, tens_cap, leaves_cap;
};

typedef struct lg_plan lg_plan;

/* plan.c: the tape's signature and tensors for this run; whether the plan fits.
 * lg_plan_build makes a new schedule for the bound tape. */
lg_status lg_plan_bind(lg_plan *p, lg_graph *g, const lg_tensor *loss, const lg_tensor *target,
                       bool *fits);
lg_status lg_plan_build(lg_plan *p, const lg_graph *g, const lg_tensor *loss,
                        const lg_tensor *target);
/* sweep.c: runs the bound plan. */
void lg_plan_execute(lg_plan *p, lg_graph *g);
/* sweep.c: gives the plan scratch and partials for its sweeps and g's threads. */
lg_status lg_plan_reserve(lg_plan *p, const lg_graph *g);

#endif
