/* Where a graph's op outputs keep their headers (internal). */
#ifndef LG_TENSOR_POOL_H
#define LG_TENSOR_POOL_H

#include "tensor/tensor.h"

struct lg_pool_chunk;

/* Headers are handed out in order and taken back all at once, but their memory is
 * only returned by lg_tensor_pool_free: a caller still holding an output from a
 * dropped step reads a live header whose generation says so, never freed memory. */
typedef struct lg_tensor_pool {
    struct lg_pool_chunk *first, *cur;
    size_t used; /* headers taken from cur */
} lg_tensor_pool;

/* Contents undefined; NULL when out of memory. */
lg_tensor *lg_tensor_pool_take(lg_tensor_pool *p);
/* Every header can be handed out again; nothing is freed. */
void lg_tensor_pool_rewind(lg_tensor_pool *p);
void lg_tensor_pool_free(lg_tensor_pool *p);

#endif
