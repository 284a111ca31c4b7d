/* Process defaults for running kernels: the table (isa.c) and the thread count,
 * each chosen once. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

#include "core/error.h"
#include "exec/exec.h"
#include "exec/isa.h"
#include "exec/topology.h"

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static int default_threads;
static char threads_error[160];

static void choose_threads(void)
{
    const char *env = getenv("LINGRAD_THREADS");
    if (!env || !*env) {
        default_threads = lg_topology_get()->cores;
        return;
    }
    char *end;
    errno = 0;
    long v = strtol(env, &end, 10);
    if (*end || end == env || errno || v < 1 || v > 4096)
        snprintf(threads_error, sizeof threads_error,
                 "LINGRAD_THREADS=%.40s: expected a whole number from 1 to 4096", env);
    else
        default_threads = (int)v;
}

lg_status lg_threads_default(int *out)
{
    (void)pthread_once(&threads_once, choose_threads);
    *out = default_threads;
    return default_threads ? LG_OK : lg_fail(LG_EINVAL, "%s", threads_error);
}

lg_status lg_exec_default(lg_exec *ex)
{
    *ex = (lg_exec){0};
    lg_status s = lg_kernels_default(&ex->k);
    return s == LG_OK ? lg_threads_default(&ex->threads) : s;
}

int lg_default_threads(void)
{
    int t;
    return lg_threads_default(&t) == LG_OK ? t : 0;
}
