/* The tensor layout shared by the library's internals. */
#ifndef LG_TENSOR_H
#define LG_TENSOR_H

#include "lingrad.h"

struct lg_graph;

struct lg_tensor {
    lg_dtype dtype;
    size_t n;
    void *data;
    void *grad;              /* NULL until a gradient exists */
    bool requires_grad;
    struct lg_graph *owner;  /* NULL for a leaf made by lg_tensor_new() */
};

/* A 64-byte aligned buffer of n elements, zero-filled; `what` names it in the
 * error message ("x", "history", ...). */
lg_status lg_buffer_alloc(lg_dtype dtype, size_t n, const char *what, void **out);
void lg_buffer_free(void *p);

/* t->grad[0] += v, in t's dtype. */
void lg_grad_add_scalar(lg_tensor *t, double v);

#endif
