/* CSV reading from an open stream (internal; the fuzzer feeds it memory). */
#ifndef LG_CSV_H
#define LG_CSV_H

#include <stdio.h>

#include "lingrad.h"

/* lg_csv_read() on a stream; `path` only names it in messages. */
lg_status lg_csv_read_stream(FILE *f, const char *path, lg_dtype dtype, lg_tensor **x,
                             lg_tensor **y);
/* The reader's sizes, here so that tests can place data across their bounds: the
 * longest line it takes (its end included), the bytes it reads at a time, and the
 * rows its k-th chunk of memory holds (k from 0; they grow to a largest size). */
#define LG_CSV_MAX_LINE 4096
#define LG_CSV_BLOCK ((size_t)64 << 10)
size_t lg_csv_chunk_rows(lg_dtype dtype, size_t k);

#endif
