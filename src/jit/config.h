/* The process's JIT setup: the public lg_jit_config and what only the floor
 * needs (the compiler's path to run and its identity for cache keys). */
#ifndef LG_JIT_CONFIG_H
#define LG_JIT_CONFIG_H

#include "jit/jit.h"

typedef struct lg_jit_setup {
    lg_jit_config pub;
    char cc_path[1024]; /* what is spawned: LINGRAD_CC, found on PATH if a bare name */
    /* Resolved path, size and mtime of the compiler binary, and the build's
     * compiler version when it is that compiler: hashed into every key, read
     * once, so a cache hit never runs `cc --version`. */
    char cc_identity[1200];
} lg_jit_setup;

/* Chosen once per process (pthread_once); read-only afterwards. */
const lg_jit_setup *lg_jit_setup_get(void);

#endif
