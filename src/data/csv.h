/* CSV reading from an open stream (internal; the fuzzer feeds it memory). */
#ifndef LG_CSV_H
#define LG_CSV_H

#include <stdio.h>

#include "lingrad.h"

/* lg_csv_read() on a stream; `path` only names it in messages. */
lg_status lg_csv_read_stream(FILE *f, const char *path, lg_dtype dtype, lg_tensor **x,
                             lg_tensor **y);

#endif
