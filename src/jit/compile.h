/* One compile: the source written beside the cache under a temporary name,
 * the compiler run on it, the object sealed; then published by rename(), so
 * that concurrent writers of one key (threads, processes, MPI ranks) each
 * replace the entry with a whole file and readers never see half of one. */
#ifndef LG_JIT_COMPILE_H
#define LG_JIT_COMPILE_H

#include <stddef.h>

#include "jit/config.h"

/* The flags of kernel table `isa` (NULL-terminated), or NULL if this build has
 * no such table. */
const char *const *lg_jit_isa_flags(const char *isa);
/* The flags every object is compiled with, before the ISA's (NULL-terminated). */
const char *const *lg_jit_base_flags(void);

typedef struct lg_jit_build {
    char c_path[1100];  /* the temporary source: what was compiled */
    char so_path[1100]; /* the temporary object, sealed */
} lg_jit_build;

/* Compiles source with its bytes appended as lg_jit_text (jit.c compares them
 * after loading). On failure nothing is left behind. */
lg_status lg_jit_compile(const lg_jit_setup *js, const char *source, size_t len,
                         const char *const *isa_flags, lg_jit_build *b);
/* Renames the object to so_path and the source beside it (.so -> .c). */
lg_status lg_jit_publish(lg_jit_build *b, const char *so_path);
/* Removes the temporary files (after a failure). */
void lg_jit_discard(lg_jit_build *b);

#endif
