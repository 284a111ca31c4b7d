/* Writing a file so that readers see either the old file or the whole new one:
 * write to a temporary name beside it, then rename over it. */
#ifndef LG_ATOMIC_FILE_H
#define LG_ATOMIC_FILE_H

#include <stdio.h>

#include "lingrad.h"

typedef struct lg_atomic_file {
    FILE *f;
    char *path;
    char *tmp;
    int created;  /* tmp exists and is ours to remove */
    int in_place; /* the target is a device or FIFO: written directly, no rename */
} lg_atomic_file;

lg_status lg_atomic_open(lg_atomic_file *af, const char *path);
/* Flushes, closes and renames; on any write error removes the temporary file. */
lg_status lg_atomic_commit(lg_atomic_file *af);
void lg_atomic_abort(lg_atomic_file *af);

#endif
