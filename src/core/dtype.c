/* The element types. They sit at the ground floor because every layer needs their
 * sizes: the parallel driver to step through buffers, tensors to allocate them. */
#include "lingrad.h"

const char *lg_dtype_name(lg_dtype d)
{
    return d == LG_F32 ? "f32" : "f64";
}

size_t lg_dtype_size(lg_dtype d)
{
    return d == LG_F32 ? sizeof(float) : sizeof(double);
}
