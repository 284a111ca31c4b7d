/* The graph's arena: blocks of 64-byte aligned memory handed out by bumping. */
#include <stdint.h>
#include <stdlib.h>

#include "autograd/arena.h"

#define ALIGN LG_ARENA_ALIGN
#define MIN_BLOCK ((size_t)64 * 1024)
/* The header takes one aligned slot so the payload stays 64-byte aligned. */
#define HEADER ALIGN

struct lg_arena_block {
    struct lg_arena_block *next;
    size_t cap; /* payload bytes */
};

static unsigned char *payload(struct lg_arena_block *b)
{
    return (unsigned char *)b + HEADER;
}

static struct lg_arena_block *block_new(lg_arena *a, size_t cap)
{
    if (cap > SIZE_MAX - HEADER)
        return NULL;
    struct lg_arena_block *b = aligned_alloc(ALIGN, HEADER + cap);
    if (!b)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    a->blocks_allocated++;
    return b;
}

/* The head block's payload is what lg_arena_alloc bumps through. */
static void use_head(lg_arena *a)
{
    a->next = a->head ? (char *)payload(a->head) : NULL;
    a->room = a->head ? a->head->cap : 0;
}

void lg_arena_init(lg_arena *a)
{
    a->head = NULL;
    a->next = NULL;
    a->room = 0;
    a->blocks_allocated = 0;
}

void *lg_arena_alloc_block(lg_arena *a, size_t bytes)
{
    if (bytes > SIZE_MAX - 2 * ALIGN)
        return NULL;
    size_t need = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    struct lg_arena_block *b = a->head;
    if (!b || a->room < need) {
        size_t cap = b && b->cap <= SIZE_MAX / 4 ? 2 * b->cap : MIN_BLOCK;
        if (cap < need)
            cap = need;
        struct lg_arena_block *nb = block_new(a, cap);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = nb;
        use_head(a);
    }
    void *p = a->next;
    a->next += need;
    a->room -= need;
    return p;
}

static void free_blocks(struct lg_arena_block *b)
{
    while (b) {
        struct lg_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void lg_arena_reset(lg_arena *a)
{
    struct lg_arena_block *b = a->head;
    if (b && b->next) {
        /* Free first so the peak stays at one step's worth; if the merged block
         * cannot be had, the next step simply grows again. */
        size_t total = 0;
        for (struct lg_arena_block *i = b; i; i = i->next)
            total += i->cap;
        free_blocks(b);
        a->head = block_new(a, total);
    }
    use_head(a);
}

void lg_arena_free(lg_arena *a)
{
    free_blocks(a->head);
    a->head = NULL;
    use_head(a);
}
