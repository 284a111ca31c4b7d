/* libFuzzer harness: any bytes as an .npy file, through the header parser
 * (src/data/npy_header.c) in the order lg_npy_read calls it: the header's size
 * from the fixed prefix, the dict, then the shape as (x, y) pairs. Each step
 * either keeps its promise or fails with LG_EPARSE and a message naming the
 * file; never a crash, a hang or a read past the input.
 *
 * An input whose header passes is also written to one temporary file and read
 * from it, so the reader's checks of the data's size and its copy run too. That
 * costs a write and a mapping, and only for such inputs; the rest stay in
 * memory. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "data/npy_header.h"

static const char name[] = "fuzz.npy"; /* what messages of the parser name */
static char file[64] = "";             /* the temporary file, made on first use */

static void fail(const char *what, lg_status s)
{
    fprintf(stderr, "fuzz_npy: %s (status %s: %s)\n", what, lg_status_name(s), lg_last_error());
    abort();
}

/* A refusal is an LG_EPARSE whose message names the file. */
static void check_refusal(lg_status s, const char *path, const char *step)
{
    if (s != LG_EPARSE || !strstr(lg_last_error(), path))
        fail(step, s);
}

static void remove_file(void)
{
    unlink(file);
}

static bool make_file(void)
{
    if (file[0])
        return true;
    const char *tmp = getenv("TMPDIR");
    snprintf(file, sizeof file, "%s/fuzz-npy-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    int fd = mkstemp(file);
    if (fd < 0)
        return file[0] = '\0', false;
    close(fd);
    atexit(remove_file);
    return true;
}

static bool write_file(const uint8_t *data, size_t size)
{
    int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = write(fd, data, size) == (ssize_t)size;
    close(fd);
    return ok;
}

/* The reader on a file whose header parses: probe and read agree with the
 * parser, and fail only for the data's size or a value. */
static void read_file(const uint8_t *data, size_t size, const lg_npy_header *h, size_t n,
                      uint64_t bytes)
{
    if (!make_file() || !write_file(data, size))
        return;
    bool fits = size - h->data_offset == bytes;
    lg_dtype dt;
    size_t pn;
    lg_error_clear();
    lg_status s = lg_npy_probe(file, &dt, &pn);
    if (fits && (s != LG_OK || dt != h->dtype || pn != n))
        fail("probe disagrees with the parser", s);
    if (!fits)
        check_refusal(s, file, "probe: a wrong data size not refused");
    for (int k = 0; k < 2; k++) {
        lg_tensor *x = (lg_tensor *)1, *y = (lg_tensor *)1;
        lg_error_clear();
        s = lg_npy_read(file, k ? LG_F32 : LG_F64, &x, &y);
        if (s == LG_OK && (!fits || lg_tensor_size(x) != n || lg_tensor_size(y) != n))
            fail("read gave pairs the header does not describe", s);
        if (s != LG_OK && (x || y))
            fail("a failed read left tensors", s);
        if (s != LG_OK)
            check_refusal(s, file, "read");
        lg_tensor_free(x);
        lg_tensor_free(y);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t need = 0;
    lg_error_clear();
    lg_status s = lg_npy_header_size(data, size < LG_NPY_PREFIX_V2 ? size : LG_NPY_PREFIX_V2,
                                     name, &need);
    if (s != LG_OK) {
        check_refusal(s, name, "header size");
        return 0;
    }
    if (need < LG_NPY_PREFIX_V1 || need > LG_NPY_PREFIX_V2 + LG_NPY_MAX_HEADER)
        fail("header size out of range", s);
    lg_npy_header h;
    lg_error_clear();
    s = lg_npy_parse(data, size, name, &h);
    if (s != LG_OK) {
        check_refusal(s, name, "parse");
        return 0;
    }
    if (h.data_offset != need || need > size || h.major < 1 || h.major > 3 || h.minor != 0 ||
        (h.dtype != LG_F32 && h.dtype != LG_F64) || h.ndim > LG_NPY_MAX_DIMS)
        fail("parse accepted a header it should not describe so", s);
    size_t n = 0;
    bool planar;
    uint64_t bytes = 0;
    lg_error_clear();
    s = lg_npy_pairs(&h, name, &n, &planar, &bytes);
    if (s != LG_OK) {
        check_refusal(s, name, "pairs");
        return 0;
    }
    if (n == 0 || bytes != (uint64_t)n * 2 * lg_dtype_size(h.dtype) || h.ndim != 2)
        fail("pairs out of line with the shape", s);
    read_file(data, size, &h, n, bytes);
    return 0;
}
