/* A bump allocator for one step's intermediates: reset keeps the memory. */
#ifndef LG_ARENA_H
#define LG_ARENA_H

#include <stddef.h>

struct lg_arena_block;

typedef struct lg_arena {
    struct lg_arena_block *head; /* newest block first */
    size_t blocks_allocated;     /* lifetime count, for tests and diagnostics */
} lg_arena;

void lg_arena_init(lg_arena *a);
/* 64-byte aligned, contents undefined; NULL when out of memory. */
void *lg_arena_alloc(lg_arena *a, size_t bytes);
/* Forgets every allocation. After a step that needed several blocks, they are
 * merged into one so that the next identical step allocates nothing. */
void lg_arena_reset(lg_arena *a);
void lg_arena_free(lg_arena *a);

#endif
