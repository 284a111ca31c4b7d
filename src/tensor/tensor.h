/* The tensor layout shared by the library's internals. */
#ifndef LG_TENSOR_H
#define LG_TENSOR_H

#include <stdint.h>

#include "lingrad.h"

struct lg_graph;

/* What a header is. Zero is none: the headers of long-dropped op outputs read as
 * zeros once their memory is given back (autograd/tensor_pool.h). */
enum { LG_TENSOR_RELEASED = 0, LG_TENSOR_LEAF = 1, LG_TENSOR_OUTPUT = 2 };

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

/* An op output whose step was dropped by its graph: its data and gradient are gone. */
static inline bool lg_tensor_stale(const lg_tensor *t)
{
    return t->kind != LG_TENSOR_LEAF &&
           (t->kind != LG_TENSOR_OUTPUT || t->generation != *t->owner_generation);
}

/* Its values cannot be read: stale, or not computed yet in graph mode. */
static inline bool lg_tensor_unreadable(const lg_tensor *t)
{
    return t->pending || lg_tensor_stale(t);
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
