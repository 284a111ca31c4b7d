/* Leaf tensors: creation, element access, gradients. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tensor.h"

#define LG_ALIGN 64

const char *lg_dtype_name(lg_dtype d)
{
    return d == LG_F32 ? "f32" : "f64";
}

size_t lg_dtype_size(lg_dtype d)
{
    return d == LG_F32 ? sizeof(float) : sizeof(double);
}

lg_status lg_buffer_alloc(lg_dtype dtype, size_t n, const char *what, void **out)
{
    size_t esize = lg_dtype_size(dtype);
    *out = NULL;
    if (n > (SIZE_MAX - LG_ALIGN) / esize)
        return lg_fail(LG_ENOMEM, "cannot allocate %zu %s values for %s: size overflows", n,
                       lg_dtype_name(dtype), what);
    size_t bytes = (n * esize + LG_ALIGN - 1) / LG_ALIGN * LG_ALIGN;
    void *p = aligned_alloc(LG_ALIGN, bytes ? bytes : LG_ALIGN);
    if (!p)
        return lg_fail(LG_ENOMEM, "cannot allocate %zu %s values (%.2f GiB) for %s: out of memory",
                       n, lg_dtype_name(dtype), (double)bytes / (1024.0 * 1024.0 * 1024.0), what);
    memset(p, 0, bytes);
    *out = p;
    return LG_OK;
}

void lg_buffer_free(void *p)
{
    free(p);
}

lg_status lg_tensor_new(lg_dtype dtype, size_t n, bool requires_grad, lg_tensor **out)
{
    *out = NULL;
    if (dtype != LG_F32 && dtype != LG_F64)
        return lg_fail(LG_EINVAL, "unknown dtype %d", (int)dtype);
    if (n == 0)
        return lg_fail(LG_EINVAL, "a tensor needs at least one element");
    lg_tensor *t = calloc(1, sizeof *t);
    if (!t)
        return lg_fail(LG_ENOMEM, "cannot allocate a tensor: out of memory");
    t->dtype = dtype;
    t->n = n;
    t->requires_grad = requires_grad;
    lg_status s = lg_buffer_alloc(dtype, n, "tensor data", &t->data);
    if (s == LG_OK && requires_grad)
        s = lg_buffer_alloc(dtype, n, "tensor gradient", &t->grad);
    if (s != LG_OK) {
        lg_tensor_free(t);
        return s;
    }
    *out = t;
    return LG_OK;
}

lg_status lg_tensor_scalar(lg_dtype dtype, double value, bool requires_grad, lg_tensor **out)
{
    lg_status s = lg_tensor_new(dtype, 1, requires_grad, out);
    if (s == LG_OK)
        lg_tensor_set(*out, 0, value);
    return s;
}

void lg_tensor_free(lg_tensor *t)
{
    if (!t || t->owner)
        return; /* graph-owned tensors die with their graph's arena */
    lg_buffer_free(t->data);
    lg_buffer_free(t->grad);
    free(t);
}

size_t lg_tensor_size(const lg_tensor *t) { return t->n; }
lg_dtype lg_tensor_dtype(const lg_tensor *t) { return t->dtype; }
bool lg_tensor_requires_grad(const lg_tensor *t) { return t->requires_grad; }
void *lg_tensor_data(lg_tensor *t) { return t->data; }
const void *lg_tensor_cdata(const lg_tensor *t) { return t->data; }
const void *lg_tensor_grad(const lg_tensor *t) { return t->grad; }

static double get(lg_dtype d, const void *p, size_t i)
{
    return d == LG_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

double lg_tensor_get(const lg_tensor *t, size_t i)
{
    return get(t->dtype, t->data, i);
}

double lg_tensor_grad_get(const lg_tensor *t, size_t i)
{
    return t->grad ? get(t->dtype, t->grad, i) : 0.0;
}

void lg_tensor_set(lg_tensor *t, size_t i, double v)
{
    if (t->dtype == LG_F32)
        ((float *)t->data)[i] = (float)v;
    else
        ((double *)t->data)[i] = v;
}

void lg_grad_add_scalar(lg_tensor *t, double v)
{
    if (t->dtype == LG_F32)
        ((float *)t->grad)[0] = (float)(((float *)t->grad)[0] + v);
    else
        ((double *)t->grad)[0] += v;
}

void lg_zero_grad(lg_tensor *t)
{
    if (t->grad)
        memset(t->grad, 0, t->n * lg_dtype_size(t->dtype));
}
