/* Where a graph's op outputs keep their headers (internal). */
#ifndef LG_TENSOR_POOL_H
#define LG_TENSOR_POOL_H

#include "tensor/tensor.h"

struct lg_pool_span;

/* A header is handed out once in the graph's life: its address is never given
 * to another output, so a handle kept from any earlier step can always be told
 * apart from the current step's outputs (lingrad.h, lg_tensor). Headers lie in
 * reservations of address space; those of dropped steps are given back to the
 * system a granule at a time and then read as zeros, which no live tensor is
 * (kind 0: lg_tensor_stale). So a graph costs address space, not memory, for
 * every output it has made (docs/library.md: the measured cost). */
typedef struct lg_tensor_pool {
    struct lg_pool_span *spans; /* every reservation, newest first */
    lg_tensor *next, *end;      /* the current granule's headers not yet handed out */
    char *kept;                 /* the current reservation from here on holds memory */
} lg_tensor_pool;

/* What lg_tensor_pool_take does when the granule is used up: the next one. */
lg_tensor *lg_tensor_pool_take_granule(lg_tensor_pool *p);

/* Contents undefined; NULL when out of memory or address space. Inline: every
 * eager op takes one. */
static inline lg_tensor *lg_tensor_pool_take(lg_tensor_pool *p)
{
    return p->next != p->end ? p->next++ : lg_tensor_pool_take_granule(p);
}
/* Every header handed out so far belongs to a dropped step: gives back the
 * memory of the granules before the current one. */
void lg_tensor_pool_drop(lg_tensor_pool *p);
void lg_tensor_pool_free(lg_tensor_pool *p);

#endif
