/* Facts about the element types that several floors need. */
#ifndef LG_DTYPE_H
#define LG_DTYPE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "lingrad.h"

/* lg_dtype_size() inlined: the driver and the tape step through buffers with it
 * several times per op, a call each that cost ~10% of an eager epoch at n = 100. */
static inline size_t lg_esize(lg_dtype d)
{
    return d == LG_F32 ? sizeof(float) : sizeof(double);
}

/* LG_OK for LG_F32 and LG_F64; else LG_EINVAL with "fn: dtype N is unknown". */
lg_status lg_dtype_check(lg_dtype d, const char *fn);

/* Whether a double rounds, to nearest, to a finite float: |v| < FLT_MAX + half an
 * ulp = 2^128 - 2^103 (the tie itself rounds to even, 2^128: infinity). So
 * 3.4028235e38 is an f32 value (it rounds to FLT_MAX) and 3.40282357e38 is not.
 * The CSV reader applies the same rule to text through strtof. */
static inline bool lg_rounds_to_finite_f32(double v)
{
    return fabs(v) < 0x1.ffffffp127;
}

#endif
