/* Running the compiler: no shell, output captured, bounded in time. */
#ifndef LG_JIT_RUN_COMPILER_H
#define LG_JIT_RUN_COMPILER_H

#include "lingrad.h"

/* Runs argv[0] with argv (NULL-terminated) in a process group of its own, its
 * stdin /dev/null, stdout and stderr into a pipe (the first few KB kept).
 * LG_OK when it exits 0 within `timeout` seconds; otherwise one line: not found,
 * failed (exit N) with the first line of its output that says "error" (else its
 * first line), killed by a signal, or timed out (its group is then killed).
 * `strip` is removed from the start of that line (the cache directory, so
 * the message shows file:line: error). */
lg_status lg_jit_run(char *const argv[], double timeout, const char *strip);

#endif
