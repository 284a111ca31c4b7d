/* A slice of an .npy file's pairs, for readers that fetch the bytes themselves
 * (the MPI layer reads each rank's with MPI-IO): where the slice lies in the
 * file, and its bytes turned into x and y as lg_npy_read turns the whole. */
#ifndef LG_NPY_SLICE_H
#define LG_NPY_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/npy_header.h"
#include "lingrad.h"

typedef struct lg_npy_layout {
    lg_npy_header h;
    size_t n;    /* pairs */
    bool planar; /* x's then y's, or pairs interleaved */
} lg_npy_layout;

/* The header of `path`, checked against the file's size as lg_npy_read checks it. */
lg_status lg_npy_layout_read(const char *path, lg_npy_layout *out);
/* The byte runs of pairs [begin, begin + count): x's and y's when planar, else
 * one run of pairs and an empty second (len[1] = 0). */
void lg_npy_slice_runs(const lg_npy_layout *l, size_t begin, size_t count, uint64_t off[2],
                       uint64_t len[2]);
/* raw: those runs back to back. New x and y of `count` elements of dtype, every
 * value converted and checked as lg_npy_read does (messages name the pair by its
 * index in the file). */
lg_status lg_npy_slice_decode(const lg_npy_layout *l, const char *path, const unsigned char *raw,
                              size_t begin, size_t count, lg_dtype dtype, lg_tensor **x,
                              lg_tensor **y);

#endif
