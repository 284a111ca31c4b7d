/* The machine as hwloc sees it, and pinning threads to its cores (internal). */
#ifndef LG_TOPOLOGY_H
#define LG_TOPOLOGY_H

#include "lingrad.h"

/* Discovered once per process; the result is read-only afterwards. */
const lg_topology_info *lg_topology_get(void);

/* Binds a worker thread (tid >= 1) to core (tid mod cores), once per thread and
 * core. Thread 0 is the caller's own thread and is never moved: its affinity
 * belongs to the application. */
void lg_topology_pin(int tid);

#endif
