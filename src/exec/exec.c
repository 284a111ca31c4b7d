/* Process defaults for running kernels: the table (isa.c) and the thread count,
 * each chosen once. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
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
/* What lg_set_default_threads() asked for, and whether the choice is made: the
 * lock orders a setter against the first use, so a late setter always fails. */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static int threads_asked;
static bool threads_fixed;

static void choose_threads(void)
{
    pthread_mutex_lock(&threads_lock);
    threads_fixed = true;
    int asked = threads_asked;
    pthread_mutex_unlock(&threads_lock);
    if (asked) {
        default_threads = asked;
        return;
    }
    const char *env = getenv("LINGRAD_THREADS");
    if (!env || !*env) {
        default_threads = lg_topology_get()->cores;
        return;
    }
    char *end;
    errno = 0;
    long v = strtol(env, &end, 10);
    if (*end || end == env || errno || v < 1 || v > LG_MAX_THREADS)
        snprintf(threads_error, sizeof threads_error,
                 "LINGRAD_THREADS=%.40s: expected a whole number from 1 to %d", env,
                 LG_MAX_THREADS);
    else
        default_threads = (int)v;
}

lg_status lg_threads_default(int *out)
{
    (void)pthread_once(&threads_once, choose_threads);
    *out = default_threads;
    return default_threads ? LG_OK : lg_fail(LG_EINVAL, "%s", threads_error);
}

lg_status lg_set_default_threads(int threads)
{
    if (threads < 1 || threads > LG_MAX_THREADS)
        return lg_fail(LG_EINVAL, "lg_set_default_threads: expected 1 to %d threads (got %d)",
                       LG_MAX_THREADS, threads);
    pthread_mutex_lock(&threads_lock);
    bool fixed = threads_fixed;
    if (!fixed)
        threads_asked = threads;
    pthread_mutex_unlock(&threads_lock);
    if (fixed)
        return lg_fail(LG_EINVAL, "lg_set_default_threads: the default thread count is already "
                       "fixed by an earlier lingrad call; set it before anything else");
    return LG_OK;
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
