/* Leaf tensors: creation, element access, gradients; big buffers. */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
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
    /* Zeroing needs the threads that will use the memory, not the chosen table: a
     * bad LINGRAD_ISA must not stop allocation. The best table sets the grain, as
     * it did when it was the default (memset runs at the SIMD kernels' speed). */
    lg_exec ex = {.k = lg_kernels_best()};
    *out = NULL;
    lg_status s = lg_threads_default(&ex.threads);
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

/* A leaf's header, zeroed, at an address whose low bits a handle's step bits
 * would use: a leaf's handle is its address, and must read as a leaf. */
static lg_tensor *header_new(void)
{
    size_t bytes = (sizeof(lg_tensor) + LG_HANDLE_ALIGN - 1) / LG_HANDLE_ALIGN * LG_HANDLE_ALIGN;
    lg_tensor *t = aligned_alloc(LG_HANDLE_ALIGN, bytes);
    if (t && (uintptr_t)t + bytes > ((uintptr_t)1 << 48)) { /* no room for the bits */
        free(t);
        return NULL;
    }
    if (t)
        memset(t, 0, sizeof *t);
    return t;
}

static lg_status tensor_new(const char *fn, lg_dtype dtype, size_t n, bool requires_grad,
                            bool touch, lg_tensor **out)
{
    if (!out)
        return lg_fail_null(fn, "out");
    *out = NULL;
    lg_status s = lg_dtype_check(dtype, fn);
    if (s != LG_OK)
        return s;
    if (n == 0)
        return lg_fail(LG_EINVAL, "%s: n is 0: a tensor needs at least one element", fn);
    lg_tensor *t = header_new();
    if (!t)
        return lg_fail(LG_ENOMEM, "cannot allocate a tensor: out of memory");
    t->kind = LG_TENSOR_LEAF;
    t->dtype = dtype;
    t->n = n;
    t->requires_grad = requires_grad;
    s = touch ? lg_buffer_alloc(dtype, n, "tensor data", &t->data)
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
    return tensor_new("lg_tensor_new", dtype, n, requires_grad, true, out);
}

lg_status lg_tensor_new_untouched(lg_dtype dtype, size_t n, lg_tensor **out)
{
    return tensor_new("lg_tensor_new", dtype, n, false, false, out);
}

/* A value the tensor cannot hold is refused here, where the caller can see which
 * element it was: NaN and infinities, and for f32 what rounds past FLT_MAX
 * (which a cast would turn into infinity). */
static lg_status check_value(const char *fn, lg_dtype dt, size_t i, double v)
{
    bool ok = dt == LG_F32 ? lg_rounds_to_finite_f32(v) : isfinite(v);
    if (ok)
        return LG_OK;
    return lg_fail(LG_EINVAL, "%s: v = %g for element %zu is %s", fn, v, i,
                   isfinite(v) ? "too large for f32 (|v| must round to at most 3.4028235e38)"
                               : "not a finite number");
}

lg_status lg_tensor_scalar(lg_dtype dtype, double value, bool requires_grad, lg_tensor **out)
{
    if (!out)
        return lg_fail_null("lg_tensor_scalar", "out");
    *out = NULL;
    lg_status s = lg_dtype_check(dtype, "lg_tensor_scalar");
    if (s == LG_OK)
        s = check_value("lg_tensor_scalar", dtype, 0, value);
    if (s == LG_OK)
        s = tensor_new("lg_tensor_scalar", dtype, 1, requires_grad, true, out);
    if (s == LG_OK)
        lg_scalar_store(*out, value);
    return s;
}

lg_status lg_tensor_wrap(lg_dtype dtype, size_t n, void *data, bool requires_grad,
                         lg_tensor **out)
{
    if (!out)
        return lg_fail_null("lg_tensor_wrap", "out");
    *out = NULL;
    lg_status s = lg_dtype_check(dtype, "lg_tensor_wrap");
    if (s != LG_OK)
        return s;
    if (!data)
        return lg_fail_null("lg_tensor_wrap", "data");
    if (n == 0)
        return lg_fail(LG_EINVAL, "lg_tensor_wrap: n is 0: a tensor needs at least one element");
    if ((uintptr_t)data % lg_dtype_size(dtype) != 0)
        return lg_fail(LG_EINVAL, "lg_tensor_wrap: the data is not aligned for %s (address %p)",
                       lg_dtype_name(dtype), data);
    lg_tensor *t = header_new();
    if (!t)
        return lg_fail(LG_ENOMEM, "cannot allocate a tensor: out of memory");
    *t = (lg_tensor){.kind = LG_TENSOR_LEAF, .dtype = dtype, .n = n, .data = data, .requires_grad = requires_grad,
                     .borrowed = true};
    s = requires_grad ? lg_buffer_alloc(dtype, n, "tensor gradient", &t->grad) : LG_OK;
    if (s != LG_OK) {
        free(t);
        return s;
    }
    *out = t;
    return LG_OK;
}

/* Every function here takes a handle h (tensor/tensor.h): NULL, a leaf's
 * address, or an op output's address with its step's bits; t is its header. */
lg_status lg_tensor_free(lg_tensor *h)
{
    lg_tensor *t = lg_handle_tensor(h);
    if (!h)
        return LG_OK;
    if (t->kind != LG_TENSOR_LEAF)
        return lg_fail(LG_EINVAL, "lg_tensor_free: this tensor is an op output owned by its "
                       "graph; lg_graph_reset or lg_graph_free releases it");
    if (!t->borrowed)
        lg_buffer_free(t->data, t->dtype, t->n);
    lg_buffer_free(t->grad, t->dtype, t->n);
    free(t);
    return LG_OK;
}

/* A stale op output keeps a header but not its buffers (the header may hold a
 * later output): accessors give no pointer and NaN rather than read freed
 * memory or another output. A NULL tensor gives the same "nothing" and says so
 * in lg_last_error(). */
static bool present(const lg_tensor *h, const char *fn)
{
    if (!h)
        lg_fail_null(fn, "t");
    return h != NULL;
}

/* A stale output answers as NULL does, without the message: 0, no dtype, false. */
static const lg_tensor *described(const lg_tensor *h, const char *fn)
{
    return present(h, fn) && !lg_tensor_stale(h) ? lg_handle_tensor(h) : NULL;
}

static const lg_tensor *readable(const lg_tensor *h, const char *fn)
{
    return present(h, fn) && !lg_tensor_unreadable(h) ? lg_handle_tensor(h) : NULL;
}

size_t lg_tensor_size(const lg_tensor *h)
{
    const lg_tensor *t = described(h, __func__);
    return t ? t->n : 0;
}

/* Not a dtype for NULL: lg_dtype_name() of it is "unknown dtype". */
lg_dtype lg_tensor_dtype(const lg_tensor *h)
{
    const lg_tensor *t = described(h, __func__);
    return t ? t->dtype : (lg_dtype)-1;
}

bool lg_tensor_requires_grad(const lg_tensor *h)
{
    const lg_tensor *t = described(h, __func__);
    return t && t->requires_grad;
}

void *lg_tensor_data(lg_tensor *h)
{
    const lg_tensor *t = readable(h, __func__);
    return t ? t->data : NULL;
}

const void *lg_tensor_cdata(const lg_tensor *h)
{
    const lg_tensor *t = readable(h, __func__);
    return t ? t->data : NULL;
}

const void *lg_tensor_grad(const lg_tensor *h)
{
    const lg_tensor *t = described(h, __func__);
    return t ? t->grad : NULL;
}

static double load(lg_dtype dt, const void *p, size_t i)
{
    return dt == LG_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

double lg_tensor_get(const lg_tensor *h, size_t i)
{
    const lg_tensor *t = readable(h, __func__);
    return t && i < t->n ? load(t->dtype, t->data, i) : NAN;
}

/* A pending output's gradient is readable: graph mode computes the gradients of
 * scalar outputs without keeping vector values. */
double lg_tensor_grad_get(const lg_tensor *h, size_t i)
{
    const lg_tensor *t = described(h, __func__);
    if (!t || i >= t->n)
        return NAN;
    return t->grad ? load(t->dtype, t->grad, i) : 0.0;
}

static lg_status check_live(const lg_tensor *h, const char *fn)
{
    if (!h)
        return lg_fail_null(fn, "t");
    return lg_tensor_stale(h) ? lg_fail(LG_EINVAL, "%s: the tensor is from an earlier step of its "
                                        "graph (lg_graph_reset dropped it)", fn)
                              : LG_OK;
}

void lg_scalar_store(lg_tensor *t, double v)
{
    if (t->dtype == LG_F32)
        ((float *)t->data)[0] = (float)v;
    else
        ((double *)t->data)[0] = v;
}

lg_status lg_tensor_set(lg_tensor *h, size_t i, double v)
{
    lg_status s = check_live(h, "lg_tensor_set");
    lg_tensor *t = lg_handle_tensor(h);
    if (s == LG_OK && t->pending)
        s = lg_fail(LG_EINVAL, "lg_tensor_set: the tensor is an op output that graph mode has not "
                    "computed yet (lg_graph_eval or lg_backward computes it)");
    if (s == LG_OK && i >= t->n)
        s = lg_fail(LG_EINVAL, "lg_tensor_set: index i = %zu is out of range for %zu elements", i,
                    t->n);
    if (s == LG_OK)
        s = check_value("lg_tensor_set", t->dtype, i, v);
    if (s != LG_OK)
        return s;
    if (t->dtype == LG_F32)
        ((float *)t->data)[i] = (float)v;
    else
        ((double *)t->data)[i] = v;
    t->version++; /* a tape that read t before this refuses to run (tape_versions.c) */
    if (t->owner_written) /* an op output: its step must not run again (tape_versions.c) */
        *t->owner_written = true;
    return LG_OK;
}

void lg_grad_add_scalar(lg_tensor *t, double v)
{
    if (t->dtype == LG_F32)
        ((float *)t->grad)[0] = (float)(((float *)t->grad)[0] + v);
    else
        ((double *)t->grad)[0] += v;
}

lg_status lg_zero_grad(lg_tensor *h)
{
    lg_status s = check_live(h, "lg_zero_grad");
    lg_tensor *t = lg_handle_tensor(h);
    if (s == LG_OK && t->grad)
        memset(t->grad, 0, t->n * lg_dtype_size(t->dtype));
    return s;
}
