/* A bump allocator for one step's intermediates: reset keeps the memory. */
#ifndef LG_ARENA_H
#define LG_ARENA_H

#include <stddef.h>

struct lg_arena_block;

/* Every allocation's alignment, and the granule sizes are rounded up to. */
#define LG_ARENA_ALIGN ((size_t)64)

typedef struct lg_arena {
    struct lg_arena_block *head; /* newest block first */
    char *next;                  /* the head block's free bytes: allocations bump next */
    size_t room;                 /* bytes from next to the head block's end (0: none) */
    size_t blocks_allocated;     /* lifetime count, for tests and diagnostics */
} lg_arena;

void lg_arena_init(lg_arena *a);
/* What lg_arena_alloc does when the head block has no room: a new block. */
void *lg_arena_alloc_block(lg_arena *a, size_t bytes);

/* 64-byte aligned, contents undefined; NULL when out of memory. Inline, as an
 * eager op allocates its node and its output here: at the tutorial's n = 100 the
 * call cost showed. need - 1 < room also sends 0 bytes and a fresh arena (no
 * room) to the slow path; need < bytes is a size that wrapped. */
static inline void *lg_arena_alloc(lg_arena *a, size_t bytes)
{
    size_t need = (bytes + LG_ARENA_ALIGN - 1) & ~(LG_ARENA_ALIGN - 1);
    if (need >= bytes && need - 1 < a->room) {
        void *p = a->next;
        a->next += need;
        a->room -= need;
        return p;
    }
    return lg_arena_alloc_block(a, bytes);
}

/* Forgets every allocation. After a step that needed several blocks, they are
 * merged into one so that the next identical step allocates nothing. */
void lg_arena_reset(lg_arena *a);
void lg_arena_free(lg_arena *a);

#endif
