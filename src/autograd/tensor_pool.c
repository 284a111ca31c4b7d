/* A growing list of fixed-size chunks of tensor headers. */
#include <stdint.h>
#include <stdlib.h>

#include "autograd/tensor_pool.h"

#define CHUNK 32

struct lg_pool_chunk {
    lg_pool_slot slot[CHUNK]; /* first: the chunk's alignment is the slots' */
    struct lg_pool_chunk *next;
};

/* A header above 2^48 would leave no room for a handle's step bits; user
 * addresses are below it on x86-64 and AArch64 unless a program asks otherwise. */
static struct lg_pool_chunk *new_chunk(void)
{
    size_t bytes = (sizeof(struct lg_pool_chunk) + LG_HANDLE_ALIGN - 1) / LG_HANDLE_ALIGN *
                   LG_HANDLE_ALIGN;
    struct lg_pool_chunk *c = aligned_alloc(LG_HANDLE_ALIGN, bytes);
    if (c && ((uintptr_t)c + bytes) > ((uintptr_t)1 << 48)) {
        free(c);
        return NULL;
    }
    if (c)
        c->next = NULL;
    return c;
}

lg_tensor *lg_tensor_pool_take_chunk(lg_tensor_pool *p)
{
    struct lg_pool_chunk *next = p->cur ? p->cur->next : p->first;
    if (!next) {
        if (!(next = new_chunk()))
            return NULL;
        if (p->cur)
            p->cur->next = next;
        else
            p->first = next;
    }
    p->cur = next;
    p->next = next->slot + 1;
    p->end = next->slot + CHUNK;
    return &next->slot[0].t;
}

void lg_tensor_pool_rewind(lg_tensor_pool *p)
{
    p->cur = NULL;
    p->next = p->end = NULL;
}

void lg_tensor_pool_retire(lg_tensor_pool *p, lg_tensor_pool *retired)
{
    struct lg_pool_chunk *last = p->first;
    while (last && last->next)
        last = last->next;
    if (last) {
        last->next = retired->first;
        retired->first = p->first;
    }
    *p = (lg_tensor_pool){0};
}

void lg_tensor_pool_free(lg_tensor_pool *p)
{
    for (struct lg_pool_chunk *c = p->first, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    *p = (lg_tensor_pool){0};
}
