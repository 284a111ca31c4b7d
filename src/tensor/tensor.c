/* Leaf tensors: creation, element access, gradients; big buffers. */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include <math.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "exec/exec.h"
#include "exec/parallel.h"
#include "tensor/tensor.h"

#define LG_ALIGN 64

/* Huge pages pay off for big buffers: first touch of a 4 KiB page costs ~15 us on
 * the development VM (0.26 GB/s), of a 2 MiB page ~15 GB/s. */
#define LG_HUGE ((size_t)2 << 20)

static size_t round_up(size_t a, size_t b)
{
    return (a + b - 1) / b * b;
}

/* Big buffers come straight from mmap, 2 MiB-aligned: malloc may serve them from
 * its heap (its mmap threshold rises after big frees), where pages stay resident
 * and reused, and first touch would no longer decide where they live. */
static void *map_huge(size_t bytes)
{
    size_t len = round_up(bytes, LG_HUGE);
    if (len > SIZE_MAX - LG_HUGE)
        return NULL;
    char *raw = mmap(NULL, len + LG_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    char *p = (char *)round_up((uintptr_t)raw, LG_HUGE);
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if (p + len < raw + len + LG_HUGE)
        munmap(p + len, (size_t)(raw + len + LG_HUGE - (p + len)));
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE); /* advice only: THP may be off, that is fine */
#endif
    return p;
}

lg_status lg_buffer_alloc_untouched(lg_dtype dtype, size_t n, const char *what, void **out)
{
    size_t esize = lg_dtype_size(dtype);
    *out = NULL;
    if (n > (SIZE_MAX - 2 * LG_HUGE) / esize)
        return lg_fail(LG_ENOMEM, "cannot allocate %zu %s values for %s: size overflows", n,
                       lg_dtype_name(dtype), what);
    size_t bytes = n * esize;
    void *p = bytes >= LG_HUGE ? map_huge(bytes) : aligned_alloc(LG_ALIGN, round_up(bytes ? bytes : 1, LG_ALIGN));
    if (!p)
        return lg_fail(LG_ENOMEM, "cannot allocate %zu %s values (%.2f GiB) for %s: out of memory",
                       n, lg_dtype_name(dtype), (double)bytes / (1024.0 * 1024.0 * 1024.0), what);
    *out = p;
    return LG_OK;
}

lg_status lg_buffer_alloc(lg_dtype dtype, size_t n, const char *what, void **out)
{
    lg_exec ex;
    *out = NULL;
    lg_status s = lg_exec_default(&ex);
    if (s == LG_OK)
        s = lg_buffer_alloc_untouched(dtype, n, what, out);
    if (s == LG_OK)
        lg_par_zero(&ex, dtype, *out, n);
    return s;
}

void lg_buffer_free(void *p, lg_dtype dtype, size_t n)
{
    size_t bytes = n * lg_dtype_size(dtype);
    if (!p)
        return;
    if (bytes >= LG_HUGE)
        munmap(p, round_up(bytes, LG_HUGE));
    else
        free(p);
}

static lg_status tensor_new(lg_dtype dtype, size_t n, bool requires_grad, bool touch,
                            lg_tensor **out)
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
    lg_status s = touch ? lg_buffer_alloc(dtype, n, "tensor data", &t->data)
                        : lg_buffer_alloc_untouched(dtype, n, "tensor data", &t->data);
    if (s == LG_OK && requires_grad)
        s = lg_buffer_alloc(dtype, n, "tensor gradient", &t->grad);
    if (s != LG_OK) {
        lg_tensor_free(t);
        return s;
    }
    *out = t;
    return LG_OK;
}

lg_status lg_tensor_new(lg_dtype dtype, size_t n, bool requires_grad, lg_tensor **out)
{
    return tensor_new(dtype, n, requires_grad, true, out);
}

lg_status lg_tensor_new_untouched(lg_dtype dtype, size_t n, lg_tensor **out)
{
    return tensor_new(dtype, n, false, false, out);
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
    lg_buffer_free(t->data, t->dtype, t->n);
    lg_buffer_free(t->grad, t->dtype, t->n);
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
