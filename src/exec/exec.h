/* How a computation runs: which kernel table, how many threads, and whether a
 * persistent team is waiting for work (internal). */
#ifndef LG_EXEC_H
#define LG_EXEC_H

#include "kernels.h"
#include "lingrad.h"

struct lg_team;
struct lg_ranks;

typedef struct lg_exec {
    const lg_kernels *k;
    int threads;          /* >= 1 */
    struct lg_team *team; /* set while lg_team_run() runs; parallel work goes to it */
    const struct lg_ranks *ranks; /* NULL: one process holds all of [0, n) */
    /* Every call on the calling thread, whatever `threads` says: a training run's
     * epochs before its team pays (forks there lost short runs). */
    bool one_thread;
} lg_exec;

/* The process defaults: the chosen kernel table and thread count. */
lg_status lg_exec_default(lg_exec *ex);

/* The default thread count: LINGRAD_THREADS if set (an error if it is not a
 * whole number >= 1), else one per core. Chosen once per process. */
lg_status lg_threads_default(int *out);

#endif
