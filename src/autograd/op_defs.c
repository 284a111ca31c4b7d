/* The ops' shape rules, and what their reductions' sums become (op_steps.h
 * holds their forward and backward steps). */
#include <stdio.h>

#include "autograd/op_steps.h"
#include "core/dtype.h"

/* ---- shape rules ----------------------------------------------------------------- */

/* Why lg_shape_binary refused in: its message. */
size_t lg_shape_binary_why(lg_tensor *const in[], char *why, size_t why_len)
{
    const lg_tensor *a = in[0], *b = in[1];
    if (a->dtype != b->dtype)
        snprintf(why, why_len, "operands have different dtypes (%s and %s)",
                 lg_dtype_name(a->dtype), lg_dtype_name(b->dtype));
    else
        snprintf(why, why_len, "operand sizes %zu and %zu differ and neither is a scalar", a->n, b->n);
    return 0;
}

/* ---- what a reduction's sums become --------------------------------------------- */

double lg_fin_mean(lg_node *node, const lg_mse_sums *s, size_t count)
{
    (void)node;
    return s->r / (double)count;
}

double lg_fin_sum(lg_node *node, const lg_mse_sums *s, size_t count)
{
    (void)node, (void)count;
    return s->r;
}
