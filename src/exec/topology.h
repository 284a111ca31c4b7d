/* The machine as hwloc sees it, and pinning threads to its cores (internal). */
#ifndef LG_TOPOLOGY_H
#define LG_TOPOLOGY_H

#include "lingrad.h"

/* Discovered once per process; the result is read-only afterwards. */
const lg_topology_info *lg_topology_get(void);
/* Whether the topology has been discovered already (so lg_topology_get() costs
 * nothing): a team's start is priced with it. Never discovers. */
bool lg_topology_ready(void);

/* The core (its logical index) the calling thread runs on now; 0 where that is
 * unknown or lingrad does not pin. */
int lg_topology_current_core(void);

/* Binds a worker thread (tid >= 1) to core (first + tid) mod cores, once per
 * thread and core: `first` is the core of thread 0, the caller, so no worker
 * starts on the caller's core. Two threads on one core of a 2-core VM made the
 * first epoch of a 2-thread run take 4 or 8 ms (one or two scheduler ticks)
 * until the kernel moved one of them. */
void lg_topology_pin(int tid, int first);

/* The caller's binding as it was before lg_topology_hold_caller: a CPU mask
 * kept on the caller's frame, as holding the caller must not allocate (a
 * failed allocation there would have to be reported, for a placement hint). */
typedef struct lg_binding {
    unsigned long mask[1024 / (8 * sizeof(unsigned long))];
    bool held;
} lg_binding;

/* Holds the calling thread on core `first` while a team runs, so that the
 * scheduler cannot move it onto a worker's core; saves its binding before in
 * *saved. Where lingrad does not pin, or the binding cannot be read, the thread
 * is left as it is (saved->held false). */
void lg_topology_hold_caller(int first, lg_binding *saved);
/* Gives the caller its binding back: its affinity belongs to the application. */
void lg_topology_release_caller(const lg_binding *saved);

#endif
