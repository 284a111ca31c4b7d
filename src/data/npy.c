/* Reading and writing (x, y) pairs as NumPy .npy files.
 *
 * Reading maps the file and copies it, block by block on the default threads,
 * into lingrad's own buffers (huge pages where the system gives them), each
 * block by the thread that trains on it. The copy also puts x and y in
 * lingrad's layout (planar or interleaved in the file), converts the dtype and
 * byte order, and checks every value is finite. Why a copy and not the mapping
 * itself: docs/data.md gives the measurements. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dtype.h"
#include "core/error.h"
#include "data/atomic_file.h"
#include "data/read_args.h"
#include "data/npy_header.h"
#include "data/npy_slice.h"
#include "exec/exec.h"
#include "exec/fpmode.h"
#include "exec/parallel.h"
#include "tensor/tensor.h"

/* ---- the file, opened and its header checked ---------------------------------------- */

typedef struct npy_file {
    const char *path;
    int fd;
    uint64_t size;
    lg_npy_header h;
    size_t n;
    bool planar;
} npy_file;

static lg_npy_layout layout_of(const npy_file *f)
{
    return (lg_npy_layout){f->h, f->n, f->planar};
}

static lg_status read_exact(const npy_file *f, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(f->fd, buf + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return lg_fail(LG_EIO, "cannot read '%s': %s", f->path, strerror(errno));
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got == len ? LG_OK : lg_fail(LG_EIO, "cannot read '%s': it shrank while being read",
                                        f->path);
}

static lg_status read_header(npy_file *f)
{
    unsigned char prefix[LG_NPY_PREFIX_V2];
    size_t plen = f->size < sizeof prefix ? (size_t)f->size : sizeof prefix, need = 0;
    lg_status st = read_exact(f, prefix, plen);
    if (st == LG_OK)
        st = lg_npy_header_size(prefix, plen, f->path, &need);
    if (st != LG_OK)
        return st;
    if (f->size < need)
        return lg_fail(LG_EPARSE, "%s: truncated: the NPY header says it is %zu bytes, the file "
                       "has %llu", f->path, need, (unsigned long long)f->size);
    unsigned char *buf = malloc(need);
    if (!buf)
        return lg_fail(LG_ENOMEM, "%s: out of memory for its %zu-byte header", f->path, need);
    st = read_exact(f, buf, need);
    if (st == LG_OK)
        st = lg_npy_parse(buf, need, f->path, &f->h);
    free(buf);
    return st;
}

/* The data must be exactly what the header describes: a shorter file is cut
 * off, a longer one has a header that does not describe it. */
static lg_status check_size(npy_file *f)
{
    uint64_t want, have = f->size - f->h.data_offset;
    lg_status st = lg_npy_pairs(&f->h, f->path, &f->n, &f->planar, &want);
    if (st != LG_OK)
        return st;
    if (have < want)
        return lg_fail(LG_EPARSE, "%s: truncated: the header describes %llu bytes of data "
                       "(%zu pairs of %s), the file holds %llu", f->path,
                       (unsigned long long)want, f->n, lg_dtype_name(f->h.dtype),
                       (unsigned long long)have);
    if (have > want)
        return lg_fail(LG_EPARSE, "%s: the file holds %llu bytes of data, but its header "
                       "describes %llu (%zu pairs of %s); is the header's shape right?",
                       f->path, (unsigned long long)have, (unsigned long long)want, f->n,
                       lg_dtype_name(f->h.dtype));
    return LG_OK;
}

static lg_status npy_open(npy_file *f, const char *path)
{
    *f = (npy_file){.path = path, .fd = open(path, O_RDONLY | O_CLOEXEC)};
    if (f->fd < 0)
        return lg_fail(LG_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    lg_status st = LG_OK;
    if (fstat(f->fd, &sb) != 0)
        st = lg_fail(LG_EIO, "cannot read '%s': %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = lg_fail(LG_EIO, "cannot read '%s': not a regular file (lingrad maps .npy files)",
                     path);
    if (st == LG_OK) {
        f->size = (uint64_t)sb.st_size;
        st = read_header(f);
    }
    if (st == LG_OK)
        st = check_size(f);
    if (st != LG_OK)
        close(f->fd);
    return st;
}

lg_status lg_npy_layout_read(const char *path, lg_npy_layout *out)
{
    npy_file f;
    lg_status st = npy_open(&f, path);
    if (st != LG_OK)
        return st;
    close(f.fd);
    *out = layout_of(&f);
    return LG_OK;
}

lg_status lg_npy_probe(const char *path, lg_dtype *dtype, size_t *n)
{
    if (!path || !dtype || !n)
        return lg_fail_null("lg_npy_probe", !path ? "path" : !dtype ? "dtype" : "n");
    lg_npy_layout l;
    lg_status st = lg_npy_layout_read(path, &l);
    if (st != LG_OK)
        return st;
    *dtype = l.h.dtype;
    *n = l.n;
    return LG_OK;
}

void lg_npy_slice_runs(const lg_npy_layout *l, size_t begin, size_t count, uint64_t off[2],
                       uint64_t len[2])
{
    uint64_t es = lg_esize(l->h.dtype);
    if (l->planar) {
        off[0] = l->h.data_offset + begin * es, len[0] = count * es;
        off[1] = l->h.data_offset + ((uint64_t)l->n + begin) * es, len[1] = count * es;
    } else {
        off[0] = l->h.data_offset + 2 * begin * es, len[0] = 2 * count * es;
        off[1] = off[0] + len[0], len[1] = 0;
    }
}

/* ---- the copy into lingrad's buffers --------------------------------------------------- */

typedef struct load_job {
    const unsigned char *src; /* the array's first byte */
    size_t n;
    lg_dtype from, to;
    bool swap, planar;
    void *x, *y;
    size_t bad[LG_MAX_BLOCKS]; /* each block's first pair with a non-finite value, or SIZE_MAX */
} load_job;

/* Element e (0 .. 2n) of the array in file order, in its dtype and byte order, as double. */
static double element(const load_job *j, size_t e)
{
    size_t es = lg_esize(j->from);
    unsigned char b[8];
    for (size_t k = 0; k < es; k++)
        b[k] = j->src[e * es + (j->swap ? es - 1 - k : k)];
    if (j->from == LG_F32) {
        float v;
        memcpy(&v, b, sizeof v);
        return v;
    }
    double v;
    memcpy(&v, b, sizeof v);
    return v;
}

/* Where pair i's x (which = 0) or y (1) is, as an element index of the file. */
static size_t where(const load_job *j, size_t i, int which)
{
    return j->planar ? (size_t)which * j->n + i : 2 * i + (size_t)which;
}

static void copy_any(const load_job *j, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++)
        for (int w = 0; w < 2; w++) {
            double v = element(j, where(j, i, w));
            void *dst = w ? j->y : j->x;
            if (j->to == LG_F32)
                ((float *)dst)[i] = (float)v;
            else
                ((double *)dst)[i] = v;
        }
}

/* The common cases, as plain loops the compiler vectorises: same dtype, this
 * machine's byte order. */
static void copy_same(const load_job *j, size_t begin, size_t end)
{
    size_t es = lg_esize(j->to), count = end - begin;
    char *x = (char *)j->x + begin * es, *y = (char *)j->y + begin * es;
    if (j->planar) {
        memcpy(x, j->src + begin * es, count * es);
        memcpy(y, j->src + (j->n + begin) * es, count * es);
    } else if (j->to == LG_F32) {
        const float *s = (const float *)(const void *)j->src + 2 * begin;
        for (size_t i = 0; i < count; i++)
            ((float *)x)[i] = s[2 * i], ((float *)y)[i] = s[2 * i + 1];
    } else {
        const double *s = (const double *)(const void *)j->src + 2 * begin;
        for (size_t i = 0; i < count; i++)
            ((double *)x)[i] = s[2 * i], ((double *)y)[i] = s[2 * i + 1];
    }
}

static bool finite_at(const void *p, lg_dtype dt, size_t i)
{
    return dt == LG_F32 ? isfinite(((const float *)p)[i]) : isfinite(((const double *)p)[i]);
}

/* The first pair in [begin, end) with a non-finite x or y, or SIZE_MAX. A
 * branch-free pass first (it vectorises); the exact place only if it finds one. */
static size_t first_bad(const load_job *j, size_t begin, size_t end)
{
    unsigned any = 0;
    if (j->to == LG_F32)
        for (size_t i = begin; i < end; i++)
            any |= !isfinite(((const float *)j->x)[i]) | !isfinite(((const float *)j->y)[i]);
    else
        for (size_t i = begin; i < end; i++)
            any |= !isfinite(((const double *)j->x)[i]) | !isfinite(((const double *)j->y)[i]);
    for (size_t i = begin; any && i < end; i++)
        if (!finite_at(j->x, j->to, i) || !finite_at(j->y, j->to, i))
            return i;
    return SIZE_MAX;
}

/* copy_any in IEEE mode, not the blocks' flush mode (exec/fpmode.h): flushed,
 * a subnormal converted or byte-swapped here would read as 0 while copy_same
 * keeps its bits, so one array would read differently in the other byte order
 * (the kernels flush it when they compute anyway, as for CSV data). */
static void copy_any_ieee(const load_job *j, size_t begin, size_t end)
{
    unsigned long mode = lg_fp_get();
    lg_fp_set(mode & ~LG_FP_FLUSH);
    copy_any(j, begin, end);
    lg_fp_set((lg_fp_get() & ~LG_FP_FLUSH) | (mode & LG_FP_FLUSH)); /* flags raised stay */
}

static void load_block(void *ctx, int worker, size_t blk, size_t begin, size_t end)
{
    (void)worker;
    load_job *j = ctx;
    /* copy_same reads the file as floats or doubles: only where they are aligned
     * (np.save pads the header to 64 bytes; a file padded otherwise is valid too) */
    bool aligned = (uintptr_t)j->src % lg_esize(j->from) == 0;
    if (!j->swap && j->from == j->to && aligned)
        copy_same(j, begin, end);
    else
        copy_any_ieee(j, begin, end);
    j->bad[blk] = first_bad(j, begin, end);
}

/* The first bad pair, named: a value not finite in the file, or one too large
 * for the dtype asked for. */
static lg_status bad_value(const char *path, const load_job *j, size_t i, size_t first)
{
    for (int w = 0; w < 2; w++) {
        double v = element(j, where(j, i, w));
        const char *name = w ? "y" : "x";
        if (!isfinite(v))
            return lg_fail(LG_EPARSE, "%s: pair %zu (from 0) has a non-finite %s (%g); lingrad "
                           "trains on finite values only", path, first + i, name, v);
        if (!finite_at(w ? j->y : j->x, j->to, i))
            return lg_fail(LG_EPARSE, "%s: pair %zu (from 0) has %s = %.17g, which does not fit "
                           "f32 (the largest is %.9g); read the file as f64", path, first + i,
                           name, v, (double)FLT_MAX);
    }
    return lg_fail(LG_EPARSE, "%s: pair %zu (from 0) is not finite", path, first + i);
}

/* n pairs from src (the array's bytes, or a slice's runs back to back) into x
 * and y; `first` is the first pair's index in the file, for messages. */
static lg_status copy_pairs(const lg_npy_layout *l, const char *path, const unsigned char *src,
                            size_t n, size_t first, lg_dtype dtype, lg_tensor *x, lg_tensor *y)
{
    lg_exec ex = {.k = lg_kernels_best()}; /* threads place the blocks; no kernel runs */
    lg_status st = lg_threads_default(&ex.threads);
    load_job *j = st == LG_OK ? malloc(sizeof *j) : NULL;
    if (st == LG_OK && !j)
        st = lg_fail(LG_ENOMEM, "%s: out of memory", path);
    if (st != LG_OK)
        return st;
    *j = (load_job){src, n, l->h.dtype, dtype, l->h.swap, l->planar, x->data, y->data, {0}};
    lg_par_for(&ex, n, load_block, j);
    for (size_t b = 0, count = lg_blocks_of(n).count; st == LG_OK && b < count; b++)
        if (j->bad[b] != SIZE_MAX)
            st = bad_value(path, j, j->bad[b], first);
    free(j);
    return st;
}

/* Two new tensors of n elements filled by copy_pairs, or none. */
static lg_status new_pairs(const lg_npy_layout *l, const char *path, const unsigned char *src,
                           size_t n, size_t first, lg_dtype dtype, lg_tensor **x, lg_tensor **y)
{
    *x = *y = NULL;
    if (dtype != LG_F32 && dtype != LG_F64)
        return lg_fail(LG_EINVAL, "lg_npy_read: unknown dtype %d", (int)dtype);
    lg_status st = lg_tensor_new_untouched(dtype, n, x);
    if (st == LG_OK)
        st = lg_tensor_new_untouched(dtype, n, y);
    if (st == LG_OK)
        st = copy_pairs(l, path, src, n, first, dtype, *x, *y);
    if (st != LG_OK) {
        lg_tensor_free(*x);
        lg_tensor_free(*y);
        *x = *y = NULL;
    }
    return st;
}

lg_status lg_npy_slice_decode(const lg_npy_layout *l, const char *path, const unsigned char *raw,
                              size_t begin, size_t count, lg_dtype dtype, lg_tensor **x,
                              lg_tensor **y)
{
    lg_npy_layout slice = *l;
    slice.n = count; /* planar runs back to back: y's starts count elements in */
    return new_pairs(&slice, path, raw, count, begin, dtype, x, y);
}

lg_status lg_npy_read(const char *path, lg_dtype dtype, lg_tensor **x, lg_tensor **y)
{
    lg_status st = lg_read_args("lg_npy_read", path, dtype, x, y);
    if (st != LG_OK)
        return st;
    npy_file f;
    st = npy_open(&f, path);
    if (st != LG_OK)
        return st;
    void *map = mmap(NULL, (size_t)f.size, PROT_READ, MAP_PRIVATE, f.fd, 0);
    close(f.fd); /* the mapping keeps the file */
    if (map == MAP_FAILED)
        return lg_fail(LG_EIO, "cannot map '%s': %s", path, strerror(errno));
    lg_npy_layout l = layout_of(&f);
    st = new_pairs(&l, path, (const unsigned char *)map + f.h.data_offset, f.n, 0, dtype, x, y);
    munmap(map, (size_t)f.size);
    return st;
}

/* ---- writing ------------------------------------------------------------------------- */

/* Format 1.0, shape (2, n), C order, padded with spaces so that the data starts
 * at a multiple of 64 bytes, as np.save writes it. */
static size_t header_text(char *out, size_t cap, lg_dtype dt, size_t n)
{
    int len = snprintf(out + LG_NPY_PREFIX_V1, cap - LG_NPY_PREFIX_V1,
                       "{'descr': '%c%s', 'fortran_order': False, 'shape': (2, %zu), }",
                       lg_npy_host_big_endian() ? '>' : '<', dt == LG_F32 ? "f4" : "f8", n);
    size_t total = (LG_NPY_PREFIX_V1 + (size_t)len + 1 + 63) / 64 * 64;
    memset(out + LG_NPY_PREFIX_V1 + len, ' ', total - LG_NPY_PREFIX_V1 - (size_t)len - 1);
    out[total - 1] = '\n';
    size_t hlen = total - LG_NPY_PREFIX_V1;
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (char)(hlen & 0xff);
    out[9] = (char)(hlen >> 8);
    return total;
}

lg_status lg_npy_write(const char *path, const lg_tensor *x, const lg_tensor *y)
{
    if (!path || !x || !y)
        return lg_fail_null("lg_npy_write", !path ? "path" : !x ? "x" : "y");
    if (lg_tensor_unreadable(x) || lg_tensor_unreadable(y))
        return lg_fail(LG_EINVAL, "npy write: x and y must hold values (not a pending or "
                       "dropped op output)");
    x = lg_handle_tensor(x), y = lg_handle_tensor(y);
    if (x->n != y->n || x->dtype != y->dtype)
        return lg_fail(LG_EINVAL, "npy write: x and y must have the same size and dtype");
    char head[256];
    size_t hlen = header_text(head, sizeof head, x->dtype, x->n);
    lg_atomic_file af;
    lg_status st = lg_atomic_open(&af, path);
    if (st != LG_OK)
        return st;
    size_t bytes = x->n * lg_esize(x->dtype);
    /* errors surface in the commit: it checks the stream before renaming */
    if (fwrite(head, 1, hlen, af.f) == hlen && fwrite(x->data, 1, bytes, af.f) == bytes)
        fwrite(y->data, 1, bytes, af.f);
    return lg_atomic_commit(&af);
}
