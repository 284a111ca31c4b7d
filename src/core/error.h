/* Recording failures: every failing library path ends in lg_fail(). */
#ifndef LG_ERROR_H
#define LG_ERROR_H

#include <stdbool.h>

#include "lingrad.h"

#if defined(__GNUC__)
#define LG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LG_PRINTF(f, a)
#endif

/* Sets the thread's message and returns s, so callers write `return lg_fail(...)`. */
lg_status lg_fail(lg_status s, const char *fmt, ...) LG_PRINTF(2, 3);
/* The handle policy (lingrad.h, "Errors"): a NULL pointer given to fn as its
 * argument arg fails with LG_EINVAL and "fn: arg is NULL". */
lg_status lg_fail_null(const char *fn, const char *arg);
/* Empties the thread's message (lg_last_error() then says "no error"), so a test
 * can tell whether a failure set one. */
void lg_error_clear(void);
/* Whether a failure has set the thread's message since the last clear. */
bool lg_error_is_set(void);

#endif
