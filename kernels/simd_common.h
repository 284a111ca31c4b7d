/* Constants and helpers shared by the SIMD tables. Everything here is static
 * inline: each ISA file gets its own copy compiled with its own flags, and the
 * linker can never hand an AVX copy to baseline code. */
#ifndef LG_SIMD_COMMON_H
#define LG_SIMD_COMMON_H

#include <stddef.h>

/* Float32 lane sums are flushed into double after this many elements: short
 * enough that float rounding stays far below 1e-6 relative, long enough that the
 * flush costs well under 1% of the loop. */
#define LG_F32_FLUSH ((size_t)2048)

static inline size_t lg_min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

#endif
