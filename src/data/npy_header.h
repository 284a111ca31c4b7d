/* The NPY format's header: what it says, parsed and checked before any data is
 * touched (internal; the fuzzer feeds it memory). */
#ifndef LG_NPY_HEADER_H
#define LG_NPY_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lingrad.h"

#define LG_NPY_MAX_DIMS 8
/* A larger header is not one numpy writes for a plain array (np.save pads to 64
 * bytes; numpy itself refuses headers over 10,000 bytes unless told otherwise);
 * bounding it keeps a hostile length from being allocated. */
#define LG_NPY_MAX_HEADER ((size_t)1 << 20)
/* The fixed part before the dict: magic (6), version (2), length (2 or 4). */
#define LG_NPY_PREFIX_V1 10u
#define LG_NPY_PREFIX_V2 12u

/* Whether this machine stores numbers big-end first: what '=' means in a
 * descr, and what the writer says with '<' or '>'. */
static inline bool lg_npy_host_big_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 0;
}

typedef struct lg_npy_header {
    unsigned major, minor;
    size_t data_offset; /* where the array starts */
    lg_dtype dtype;     /* of the stored elements */
    bool swap;          /* stored in the other byte order than this machine's */
    bool fortran;
    size_t ndim;
    uint64_t shape[LG_NPY_MAX_DIMS];
} lg_npy_header;

/* How many bytes from the file's start lg_npy_parse needs, from its first
 * LG_NPY_PREFIX_V2 (or fewer, at a short file's end) bytes; an LG_EPARSE on a bad
 * magic or version, or a header over LG_NPY_MAX_HEADER. */
lg_status lg_npy_header_size(const unsigned char *buf, size_t len, const char *path,
                             size_t *need);
/* The header in buf[0, len), len >= what lg_npy_header_size said; `path` only
 * names the file in messages. */
lg_status lg_npy_parse(const unsigned char *buf, size_t len, const char *path, lg_npy_header *h);
/* The header as lingrad's (x, y) pairs: n, and whether x and y are each
 * contiguous (planar: (2, n) in C order or (n, 2) in Fortran order) or
 * interleaved; the data's size in bytes, checked against overflow. */
lg_status lg_npy_pairs(const lg_npy_header *h, const char *path, size_t *n, bool *planar,
                       uint64_t *data_bytes);

#endif
