/* The tensor layout shared by the library's internals. */
#ifndef LG_TENSOR_H
#define LG_TENSOR_H

#include <stdint.h>

#include "lingrad.h"

struct lg_graph;

/* What a header is: a leaf (the caller's) or an op output (its graph's). */
enum { LG_TENSOR_LEAF = 1, LG_TENSOR_OUTPUT = 2 };

struct lg_tensor {
    uint8_t kind;
    lg_dtype dtype;
    size_t n;
    void *data;
    void *grad;              /* NULL until a gradient exists */
    bool requires_grad;
    struct lg_graph *owner;  /* NULL for a leaf made by lg_tensor_new() */
    /* Op outputs: the graph step they belong to, and the graph's current one. */
    uint64_t generation;
    const uint64_t *owner_generation;
    bool *owner_written;     /* op outputs: the graph's "an output of this step was written" */
    bool borrowed;           /* data is the caller's (lg_tensor_wrap): not freed */
    /* Graph mode: an op output whose value is not computed yet (data may be NULL). */
    bool pending;
    uint32_t tape_pos;       /* op outputs: 1 + the node's place on the tape */
    /* Bumped by every write through the API (lg_tensor_set); a node records its
     * inputs' versions, and a tape run on changed inputs fails. */
    uint64_t version;
    /* An op output of one element keeps its value and gradient here, not in the
     * arena: a scalar costs no allocation. */
    double inline_data, inline_grad;
};

/* Handles. What the API gives for an op output is its header's address with the
 * step that made it written into bits the address never uses: the low 7 (headers
 * are 128-byte aligned) and the top 16 (user addresses are below 2^48). Headers
 * are reused from step to step, so two outputs may share an address, but not a
 * handle: within 2^23 steps the bits differ, and when they wrap the graph
 * retires its headers (autograd/graph.h). A kept handle is told from the
 * current step's output by its bits, and from an output made 2^23 steps later
 * by its header's own generation. A leaf's handle is its address. Every public function takes handles and turns
 * them into headers with lg_handle_tensor; the internals hold headers only. */
_Static_assert(sizeof(uintptr_t) == 8, "a handle's step bits need 64-bit addresses");
#define LG_HANDLE_ALIGN 128
#define LG_HANDLE_TAG_BITS 23
#define LG_HANDLE_ADDR_MASK ((uintptr_t)0x0000ffffffffff80u)

static inline lg_tensor *lg_handle_tensor(const lg_tensor *h)
{
    return (lg_tensor *)((uintptr_t)h & LG_HANDLE_ADDR_MASK);
}

static inline uint32_t lg_handle_tag_of(uint64_t generation)
{
    return (uint32_t)(generation & ((1u << LG_HANDLE_TAG_BITS) - 1));
}

static inline uint32_t lg_handle_tag(const lg_tensor *h)
{
    uintptr_t u = (uintptr_t)h;
    return (uint32_t)((u & 0x7f) | ((u >> 48) << 7));
}

/* The handle of op output t, made in step `generation` of its graph. */
static inline lg_tensor *lg_handle_make(lg_tensor *t, uint64_t generation)
{
    uintptr_t tag = lg_handle_tag_of(generation);
    return (lg_tensor *)((uintptr_t)t | (tag & 0x7f) | ((tag >> 7) << 48));
}

/* Handle h names an op output whose step was dropped by its graph: its data and
 * gradient are gone, and its header may hold a later step's output. */
static inline bool lg_tensor_stale(const lg_tensor *h)
{
    const lg_tensor *t = lg_handle_tensor(h);
    return t->kind != LG_TENSOR_LEAF &&
           (t->generation != *t->owner_generation || lg_handle_tag(h) != lg_handle_tag_of(t->generation));
}

/* Its values cannot be read: stale, or not computed yet in graph mode. */
static inline bool lg_tensor_unreadable(const lg_tensor *h)
{
    return lg_tensor_stale(h) || lg_handle_tensor(h)->pending;
}

/* A buffer of n elements: 64-byte aligned, and from 2 MiB up 2 MiB-aligned with
 * transparent huge pages requested, so touching it does not fault 4 KiB at a
 * time. `what` names it in the error message ("x", "history", ...).
 * lg_buffer_alloc zero-fills it block by block on the default threads, so each
 * page is first touched by the thread that will work on it;
 * lg_buffer_alloc_untouched leaves that to the caller. */
lg_status lg_buffer_alloc(lg_dtype dtype, size_t n, const char *what, void **out);
lg_status lg_buffer_alloc_untouched(lg_dtype dtype, size_t n, const char *what, void **out);
/* A leaf tensor whose data is left untouched (the caller fills it). */
lg_status lg_tensor_new_untouched(lg_dtype dtype, size_t n, lg_tensor **out);
/* Frees a buffer from lg_buffer_alloc*: it needs the size it was made with. */
void lg_buffer_free(void *p, lg_dtype dtype, size_t n);

/* t->grad[0] += v, in t's dtype. */
void lg_grad_add_scalar(lg_tensor *t, double v);
/* t->data[0] (or t->grad[0]) as double, pending or not: for the ops themselves. */
static inline double lg_scalar_load(const lg_tensor *t)
{
    return t->dtype == LG_F32 ? (double)((const float *)t->data)[0] : ((const double *)t->data)[0];
}

static inline double lg_scalar_grad_load(const lg_tensor *t)
{
    return t->dtype == LG_F32 ? (double)((const float *)t->grad)[0] : ((const double *)t->grad)[0];
}

/* t->grad[0] = +0, in t's dtype: what lg_zero_grad does to a scalar, unchecked. */
static inline void lg_scalar_grad_zero(lg_tensor *t)
{
    if (t->dtype == LG_F32)
        ((float *)t->grad)[0] = 0.0f;
    else
        ((double *)t->grad)[0] = 0.0;
}

/* t->data[0] = v, rounded to t's dtype: the ops' own store, which works on a
 * pending output (lg_tensor_set refuses those). */
void lg_scalar_store(lg_tensor *t, double v);

#endif
