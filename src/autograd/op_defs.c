/* The ops' shape rules, and what their reductions' sums become (op_steps.h
 * holds their forward and backward steps). */
#include <stdio.h>

#include "autograd/op_steps.h"
#include "core/dtype.h"

/* ---- shape rules ----------------------------------------------------------------- */

/* Equal sizes, or one side a scalar that broadcasts; same dtype. */
size_t lg_shape_binary(lg_tensor *const in[], char *why, size_t why_len)
{
    const lg_tensor *a = in[0], *b = in[1];
    if (a->dtype != b->dtype) {
        snprintf(why, why_len, "operands have different dtypes (%s and %s)",
                 lg_dtype_name(a->dtype), lg_dtype_name(b->dtype));
        return 0;
    }
    if (a->n != b->n && a->n != 1 && b->n != 1) {
        snprintf(why, why_len, "operand sizes %zu and %zu differ and neither is a scalar", a->n, b->n);
        return 0;
    }
    return a->n > b->n ? a->n : b->n;
}

size_t lg_shape_same(lg_tensor *const in[], char *why, size_t why_len)
{
    (void)why, (void)why_len;
    return in[0]->n;
}

size_t lg_shape_reduce(lg_tensor *const in[], char *why, size_t why_len)
{
    (void)in, (void)why, (void)why_len;
    return 1;
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
