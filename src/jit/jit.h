/* The JIT floor: C source compiled to a shared object by the system C compiler,
 * cached on disk, loaded with dlopen. Graph mode (src/autograd/) hands it the
 * sweeps it generates; docs/jit.md describes the cache and the environment. */
#ifndef LG_JIT_H
#define LG_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include "lingrad.h"

/* What the process's JIT is: chosen once, from the environment, at the first
 * call of lg_jit_config_get or lg_jit_load (which creates the cache directory). */
typedef struct lg_jit_config {
    bool enabled;       /* false: LINGRAD_JIT=0, no compiler, or no usable cache dir */
    char why[200];      /* when !enabled: why, one line */
    char compiler[256]; /* LINGRAD_CC, else the C compiler this build used */
    char cache_dir[512]; /* LINGRAD_CACHE_DIR, else $XDG_CACHE_HOME/lingrad, else
                          * $HOME/.cache/lingrad */
    double timeout;     /* seconds a compile may take: LINGRAD_JIT_TIMEOUT, else 60 */
} lg_jit_config;

const lg_jit_config *lg_jit_config_get(void);

typedef struct lg_jit_object {
    void *handle;    /* dlopen handle, NULL when not loaded */
    void *fn;        /* the address of the entry symbol */
    bool from_cache; /* true: a cache hit, nothing compiled */
    double seconds;  /* wall time of lg_jit_load (hash + compile or hit + dlopen) */
} lg_jit_object;

/* Compiles `source` (len bytes of C) with the JIT's base flags and those of
 * kernel table `isa` ("scalar", "avx2", ...: the flags CMakeLists.txt gives
 * kernels/<isa>.c), or finds it in the cache; loads it and sets out->fn to the
 * address of `entry`. On failure returns non-OK with lg_last_error() one line
 * saying why, and out zeroed. Thread-safe. The names lg_jit_text and
 * lg_jit_text_len are the JIT's own in the compiled code (it appends them). */
lg_status lg_jit_load(const char *source, size_t len, const char *isa, const char *entry,
                      lg_jit_object *out);

/* dlclose; accepts NULL and a zeroed object, and zeroes it. */
void lg_jit_release(lg_jit_object *o);

/* The path the object of (source, isa) has in the cache, <cache_dir>/<key>.so,
 * into buf: for tests and for users reading what was compiled (<key>.c beside it). */
lg_status lg_jit_object_path(const char *source, size_t len, const char *isa, char *buf,
                             size_t buflen);

#endif
