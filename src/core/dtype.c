/* The element types. They sit at the ground floor because every layer needs their
 * sizes: the parallel driver to step through buffers, tensors to allocate them. */
#include "core/dtype.h"
#include "core/error.h"

/* A value from outside the enum (a cast int, memory never initialised) may be
 * anything: it gets no size and no plausible name. */
const char *lg_dtype_name(lg_dtype d)
{
    return d == LG_F32 ? "f32" : d == LG_F64 ? "f64" : "unknown dtype";
}

size_t lg_dtype_size(lg_dtype d)
{
    return d == LG_F32 ? sizeof(float) : d == LG_F64 ? sizeof(double) : 0;
}

lg_status lg_dtype_check(lg_dtype d, const char *fn)
{
    if (d == LG_F32 || d == LG_F64)
        return LG_OK;
    return lg_fail(LG_EINVAL, "%s: dtype %d is unknown (LG_F32 or LG_F64)", fn, (int)d);
}
