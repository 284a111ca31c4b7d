/* Constants and helpers shared by the SIMD tables. Everything here is static
 * inline: each ISA file gets its own copy compiled with its own flags, and the
 * linker can never hand an AVX copy to baseline code. */
#ifndef LG_SIMD_COMMON_H
#define LG_SIMD_COMMON_H

#include <stddef.h>

/* Float32 lane sums are flushed into double once each lane has added this many
 * terms: few enough that float rounding stays near 1e-10 relative over 10^8
 * elements, many enough that the flush costs about 1% of the loop. Each table
 * turns it into elements: lanes x 4 accumulators x LG_F32_LANE_TERMS. */
#define LG_F32_LANE_TERMS 32

static inline size_t lg_min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

#endif
