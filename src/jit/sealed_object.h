/* A cached object carries a trailer: a magic, its length and a hash of every
 * byte before it. ELF loaders ignore bytes past the sections, and checking the
 * trailer before dlopen catches a truncated or damaged file that the loader
 * might otherwise map and fault on (SIGBUS past the end of a short file). */
#ifndef LG_JIT_SEALED_OBJECT_H
#define LG_JIT_SEALED_OBJECT_H

#include <stdbool.h>

#include "lingrad.h"

/* Makes the compiler's output at path private (0600) and appends the trailer. */
lg_status lg_jit_seal(const char *path);
/* Opens path without following a symbolic link and checks that it is safe
 * (cache_dir.h) and whole. *missing: there is no such file (not an error the
 * caller reports: a cache miss). */
lg_status lg_jit_sealed_check(const char *path, bool *missing);

#endif
