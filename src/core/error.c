/* The thread-local last-error message behind lg_last_error(). */
#include <stdarg.h>
#include <stdio.h>

#include "core/error.h"

static _Thread_local char last_error[512];

lg_status lg_fail(lg_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

lg_status lg_fail_null(const char *fn, const char *arg)
{
    return lg_fail(LG_EINVAL, "%s: %s is NULL", fn, arg);
}

void lg_error_clear(void)
{
    last_error[0] = '\0';
}

bool lg_error_is_set(void)
{
    return last_error[0] != '\0';
}

const char *lg_last_error(void)
{
    return last_error[0] ? last_error : "no error";
}

const char *lg_status_name(lg_status s)
{
    switch (s) {
    case LG_OK: return "ok";
    case LG_EINVAL: return "invalid argument";
    case LG_ENOMEM: return "out of memory";
    case LG_EIO: return "i/o error";
    case LG_EPARSE: return "parse error";
    case LG_EDIVERGED: return "diverged";
    case LG_EUNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}
