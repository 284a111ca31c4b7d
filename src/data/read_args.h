/* What every reader of x, y pairs checks first (internal). */
#ifndef LG_READ_ARGS_H
#define LG_READ_ARGS_H

#include "core/dtype.h"
#include "core/error.h"

/* x and y present (then set to NULL, as a failure leaves them), path present, a
 * known dtype: LG_OK, or LG_EINVAL naming fn and the argument. */
static inline lg_status lg_read_args(const char *fn, const char *path, lg_dtype dtype,
                                     lg_tensor **x, lg_tensor **y)
{
    if (!x || !y)
        return lg_fail_null(fn, !x ? "x" : "y");
    *x = *y = NULL;
    if (!path)
        return lg_fail_null(fn, "path");
    return lg_dtype_check(dtype, fn);
}

#endif
