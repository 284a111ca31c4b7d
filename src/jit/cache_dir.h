/* The cache's safety rules: a directory or file someone else could have
 * written is never used, since loading an object runs its code. */
#ifndef LG_JIT_CACHE_DIR_H
#define LG_JIT_CACHE_DIR_H

#include "lingrad.h"

/* Creates dir and any missing parents with mode 0700 (like mkdir -p). */
lg_status lg_jit_dir_make(const char *dir);
/* dir is a directory (not a symbolic link), owned by the effective user,
 * writable by neither group nor others. */
lg_status lg_jit_dir_check(const char *dir);
/* The open file fd (named path in messages) is a regular file owned by the
 * effective user, writable by neither group nor others. */
lg_status lg_jit_file_check(int fd, const char *path);

#endif
