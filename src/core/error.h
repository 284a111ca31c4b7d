/* Recording failures: every failing library path ends in lg_fail(). */
#ifndef LG_ERROR_H
#define LG_ERROR_H

#include "lingrad.h"

#if defined(__GNUC__)
#define LG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LG_PRINTF(f, a)
#endif

/* Sets the thread's message and returns s, so callers write `return lg_fail(...)`. */
lg_status lg_fail(lg_status s, const char *fmt, ...) LG_PRINTF(2, 3);

#endif
