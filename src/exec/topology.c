/*
 * The machine's shape from hwloc: packages, cores, PUs, NUMA nodes, cache sizes;
 * and pinning one thread per core. Discovered once; the topology is read-only
 * afterwards, which hwloc documents as safe to share between threads.
 *
 * Pinning is done here, per thread, with hwloc_set_cpubind rather than through
 * OMP_PLACES/OMP_PROC_BIND: libgomp reads those when it is loaded, before any of
 * our code runs, so the library cannot set them. If the user sets either, the
 * placement is theirs and lingrad does not pin.
 */
#define _GNU_SOURCE /* sched_getcpu */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/error.h"
#include "exec/topology.h"

#ifdef LG_HAVE_HWLOC
#include <hwloc.h>
static hwloc_topology_t hw;
#endif

static pthread_once_t discover_once = PTHREAD_ONCE_INIT;
static lg_topology_info topo;
static atomic_bool discovered; /* set once, by discover(): a question, never a wait */

/* Cache sizes that no real core has: some hypervisors report invented ones. */
static bool implausible(const lg_topology_info *t)
{
    const size_t kib = 1024, mib = 1024 * kib;
    return t->l1d > 512 * kib || t->l2 > 32 * mib || t->l3 > 256 * mib;
}

#ifdef LG_HAVE_HWLOC
static int count(hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(hw, type);
    return n > 0 ? n : 1;
}

static size_t cache_size(hwloc_obj_type_t type)
{
    hwloc_obj_t o = hwloc_get_obj_by_type(hw, type, 0);
    return o && o->attr ? (size_t)o->attr->cache.size : 0;
}

/* Without sysfs (a container or chroot that does not mount /sys) hwloc's Linux
 * backend prints a warning on stderr and finds little; the library must not
 * print, so it does not ask, and says why instead. */
static bool discover_hwloc(const char **why)
{
#ifdef __linux__
    if (access("/sys/devices/system/cpu", R_OK) != 0) {
        *why = "/sys is not mounted, so hwloc cannot read the topology";
        return false;
    }
#endif
    *why = "hwloc could not read the topology";
    if (hwloc_topology_init(&hw) != 0)
        return false;
    if (hwloc_topology_load(hw) != 0) {
        hwloc_topology_destroy(hw);
        return false;
    }
    topo.packages = count(HWLOC_OBJ_PACKAGE);
    topo.cores = count(HWLOC_OBJ_CORE);
    topo.pus = count(HWLOC_OBJ_PU);
    topo.numa_nodes = count(HWLOC_OBJ_NUMANODE);
    topo.l1d = cache_size(HWLOC_OBJ_L1CACHE);
    topo.l2 = cache_size(HWLOC_OBJ_L2CACHE);
    topo.l3 = cache_size(HWLOC_OBJ_L3CACHE);
    return true;
}
#endif

static void discover(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    topo = (lg_topology_info){.packages = 1, .cores = online > 0 ? (int)online : 1,
                         .pus = online > 0 ? (int)online : 1, .numa_nodes = 1};
    const char *no_hwloc = "this build has no hwloc";
#ifdef LG_HAVE_HWLOC
    topo.from_hwloc = discover_hwloc(&no_hwloc);
#endif
    topo.implausible_caches = implausible(&topo);
    const char *bind = getenv("OMP_PROC_BIND"), *places = getenv("OMP_PLACES");
    if (!topo.from_hwloc)
        snprintf(topo.pinning_why, sizeof topo.pinning_why, "%s", no_hwloc);
    else if ((bind && *bind) || (places && *places))
        snprintf(topo.pinning_why, sizeof topo.pinning_why,
                 "left to OpenMP (OMP_PROC_BIND or OMP_PLACES is set)");
    else
        topo.pinning = true;
    atomic_store_explicit(&discovered, true, memory_order_release);
}

void lg_skip_hwloc_plugins(void)
{
    if (lg_topology_ready() || getenv("HWLOC_PLUGINS_BLACKLIST") || getenv("HWLOC_PLUGINS_PATH"))
        return;
    (void)setenv("HWLOC_PLUGINS_BLACKLIST",
                 "hwloc_gl,hwloc_opencl,hwloc_cuda,hwloc_nvml,hwloc_rsmi,hwloc_levelzero,"
                 "hwloc_pci,hwloc_xml_libxml", 0);
}

bool lg_topology_ready(void)
{
    return atomic_load_explicit(&discovered, memory_order_acquire);
}

const lg_topology_info *lg_topology_get(void)
{
    (void)pthread_once(&discover_once, discover);
    return &topo;
}

#ifdef LG_HAVE_HWLOC
static hwloc_obj_t core_obj(int core)
{
    return hwloc_get_obj_by_type(hw, HWLOC_OBJ_CORE, (unsigned)core);
}
#endif

int lg_topology_current_core(void)
{
    const lg_topology_info *t = lg_topology_get();
#if defined(LG_HAVE_HWLOC) && defined(__linux__)
    int cpu = t->pinning ? sched_getcpu() : -1;
    hwloc_obj_t pu = cpu >= 0 ? hwloc_get_pu_obj_by_os_index(hw, (unsigned)cpu) : NULL;
    hwloc_obj_t core = pu ? hwloc_get_ancestor_obj_by_type(hw, HWLOC_OBJ_CORE, pu) : NULL;
    return core ? (int)core->logical_index : 0;
#else
    (void)t;
    return 0;
#endif
}

void lg_topology_pin(int tid, int first)
{
    const lg_topology_info *t = lg_topology_get();
    if (!t->pinning || tid < 1)
        return;
#ifdef LG_HAVE_HWLOC
    /* A syscall per region would cost as much as the fork; remember per thread. */
    static _Thread_local int pinned_core = -1;
    int core = (first + tid) % t->cores;
    if (core == pinned_core)
        return;
    hwloc_obj_t obj = core_obj(core);
    if (obj && hwloc_set_cpubind(hw, obj->cpuset, HWLOC_CPUBIND_THREAD) == 0)
        pinned_core = core;
#else
    (void)first;
#endif
}

#if defined(LG_HAVE_HWLOC) && defined(__linux__)
_Static_assert(sizeof(cpu_set_t) == sizeof(((lg_binding *)0)->mask), "lg_binding holds a cpu_set_t");

/* sched_*affinity on a mask on the stack: hwloc's own calls may allocate. */
void lg_topology_hold_caller(int first, lg_binding *saved)
{
    saved->held = false;
    hwloc_obj_t obj = lg_topology_get()->pinning ? core_obj(first) : NULL;
    cpu_set_t before, core;
    if (!obj || sched_getaffinity(0, sizeof before, &before) != 0)
        return;
    CPU_ZERO(&core);
    unsigned pu;
    hwloc_bitmap_foreach_begin(pu, obj->cpuset)
        if (pu < CPU_SETSIZE)
            CPU_SET(pu, &core);
    hwloc_bitmap_foreach_end();
    if (sched_setaffinity(0, sizeof core, &core) != 0)
        return;
    memcpy(saved->mask, &before, sizeof before);
    saved->held = true;
}

void lg_topology_release_caller(const lg_binding *saved)
{
    cpu_set_t before;
    if (!saved->held)
        return;
    memcpy(&before, saved->mask, sizeof before);
    (void)sched_setaffinity(0, sizeof before, &before);
}
#else
void lg_topology_hold_caller(int first, lg_binding *saved)
{
    (void)first;
    saved->held = false;
}

void lg_topology_release_caller(const lg_binding *saved)
{
    (void)saved;
}
#endif

void lg_topology(lg_topology_info *out)
{
    if (!out) {
        lg_fail_null("lg_topology", "out");
        return;
    }
    *out = *lg_topology_get();
}
