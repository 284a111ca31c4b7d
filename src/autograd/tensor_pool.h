/* Where a graph's op outputs keep their headers (internal). */
#ifndef LG_TENSOR_POOL_H
#define LG_TENSOR_POOL_H

#include "tensor/tensor.h"

struct lg_pool_chunk;

/* A header in a slot of LG_HANDLE_ALIGN bytes, so that its address leaves the
 * handle's low bits free (tensor/tensor.h). */
typedef struct lg_pool_slot {
    _Alignas(LG_HANDLE_ALIGN) lg_tensor t;
} lg_pool_slot;

/* Headers are handed out in order and taken back all at once, but their memory is
 * only returned by lg_tensor_pool_free: a caller still holding an output from a
 * dropped step reads a live header, never freed memory, and its handle's step
 * bits say that the header is no longer its own. */
typedef struct lg_tensor_pool {
    struct lg_pool_chunk *first, *cur;
    lg_pool_slot *next, *end; /* cur's headers not yet handed out (NULL, NULL: none) */
} lg_tensor_pool;

/* What lg_tensor_pool_take does when cur has no header left: the next chunk. */
lg_tensor *lg_tensor_pool_take_chunk(lg_tensor_pool *p);

/* Contents undefined; NULL when out of memory. Inline: every eager op takes one. */
static inline lg_tensor *lg_tensor_pool_take(lg_tensor_pool *p)
{
    return p->next != p->end ? &(p->next++)->t : lg_tensor_pool_take_chunk(p);
}
/* Every header can be handed out again; nothing is freed. */
void lg_tensor_pool_rewind(lg_tensor_pool *p);
/* Never hands out p's headers again: they move to *retired (kept, with their
 * stale generations, until lg_tensor_pool_free(retired)), and p starts afresh. */
void lg_tensor_pool_retire(lg_tensor_pool *p, lg_tensor_pool *retired);
void lg_tensor_pool_free(lg_tensor_pool *p);

#endif
