/* A growing list of fixed-size chunks of tensor headers. */
#include <stdlib.h>

#include "autograd/tensor_pool.h"

#define CHUNK 32

struct lg_pool_chunk {
    struct lg_pool_chunk *next;
    lg_tensor slot[CHUNK];
};

lg_tensor *lg_tensor_pool_take_chunk(lg_tensor_pool *p)
{
    struct lg_pool_chunk *next = p->cur ? p->cur->next : p->first;
    if (!next) {
        if (!(next = calloc(1, sizeof *next)))
            return NULL;
        if (p->cur)
            p->cur->next = next;
        else
            p->first = next;
    }
    p->cur = next;
    p->next = next->slot + 1;
    p->end = next->slot + CHUNK;
    return next->slot;
}

void lg_tensor_pool_rewind(lg_tensor_pool *p)
{
    p->cur = NULL;
    p->next = p->end = NULL;
}

void lg_tensor_pool_free(lg_tensor_pool *p)
{
    for (struct lg_pool_chunk *c = p->first, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    *p = (lg_tensor_pool){0};
}
