/* The arena: aligned allocations, and after a step that needed several blocks,
 * a reset merges them so the same step then allocates nothing. */
#include <stdint.h>

#include "autograd/arena.h"
#include "check.h"

int main(void)
{
    lg_arena a;
    lg_arena_init(&a);
    const size_t sizes[] = {100, 70000, 3, 500000, 64, 1 << 20};
    for (int step = 0; step < 4; step++) {
        size_t before = a.blocks_allocated;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *p = lg_arena_alloc(&a, sizes[i]);
            CHECK(p != NULL && (uintptr_t)p % 64 == 0);
            if (p)
                p[0] = p[sizes[i] - 1] = 1; /* ASan: the whole range is ours */
        }
        if (step == 0)
            CHECK(a.blocks_allocated > 1); /* the first step grew a chain */
        if (step >= 1)
            CHECK(a.blocks_allocated == before); /* merged: nothing new */
        lg_arena_reset(&a);
    }
    CHECK(lg_arena_alloc(&a, SIZE_MAX - 8) == NULL);
    lg_arena_free(&a);
    return check_done("test_arena");
}
