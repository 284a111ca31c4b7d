/*
 * The persistent team: one OpenMP parallel region lasts for a whole loop of
 * kernel calls (a training run). Thread 0, the caller, runs the loop; the others
 * wait for work. Posting work is a release-increment of `posted`; each thread
 * runs its share of the blocks and decrements `remaining`; the caller waits for
 * zero. That costs a few cache-line transfers (~0.3 us) instead of a fork/join
 * (~1.5-4 us) per call.
 *
 * The team reuses OpenMP's own threads. A team of separate POSIX threads was
 * tried and was slower here (86 vs 44 us per epoch at n = 10^6): OpenMP's idle
 * threads from the previous region keep spinning for a while and compete with
 * it. The price: the loop body (and a user's on_epoch callback) runs inside our
 * region, so it must not use OpenMP worksharing or barriers itself.
 *
 * Waiting threads spin briefly, then yield, then sleep in short naps, so a team
 * larger than the machine, or a long pause in the loop, does not burn a core.
 */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <time.h>

#include "core/clock.h"
#include "exec/fpmode.h"
#include "exec/grain.h"
#include "exec/team.h"
#include "exec/topology.h"

struct lg_team {
    alignas(64) atomic_ulong posted; /* jobs posted so far; a change means new work */
    alignas(64) atomic_int remaining; /* workers still on the job */
    alignas(64) int threads;          /* as OpenMP granted them */
    atomic_int quit;
    double handoff; /* seconds a call's hand-off and join took at the start (median) */
    size_t grain;   /* the smallest call that splits: lg_grain_model at that hand-off */
    lg_blocks blocks;                 /* the job: written before `posted` is released */
    lg_block_fn *fn;
    void *ctx;
};

static void relax(unsigned *spins)
{
    unsigned s = ++*spins;
    if (s < 4000) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    } else if (s < 4100) {
        sched_yield();
    } else {
        struct timespec nap = {0, 20000}; /* long waits: 20 us naps, not a hot core */
        nanosleep(&nap, NULL);
    }
}

void lg_team_dispatch(lg_team *t, const lg_blocks *b, lg_block_fn *fn, void *ctx)
{
    t->blocks = *b;
    t->fn = fn;
    t->ctx = ctx;
    atomic_store_explicit(&t->remaining, t->threads - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->posted, 1, memory_order_release);
    lg_blocks_run_share(b, 0, t->threads, fn, ctx);
    unsigned spins = 0;
    while (atomic_load_explicit(&t->remaining, memory_order_acquire) > 0)
        relax(&spins);
}

static void worker(lg_team *t, int tid)
{
    unsigned long seen = 0;
    lg_fpmode mode = lg_fpmode_enter(); /* once, not per job: see fpmode.h */
    for (;;) {
        unsigned spins = 0;
        unsigned long now;
        while ((now = atomic_load_explicit(&t->posted, memory_order_acquire)) == seen)
            relax(&spins);
        seen = now;
        if (atomic_load_explicit(&t->quit, memory_order_relaxed))
            break;
        lg_blocks_run_share(&t->blocks, tid, t->threads, t->fn, t->ctx);
        atomic_fetch_sub_explicit(&t->remaining, 1, memory_order_release);
    }
    lg_fpmode_leave(mode);
}

static void no_work(void *ctx, int worker, size_t block, size_t begin, size_t end)
{
    (void)ctx, (void)worker, (void)block, (void)begin, (void)end;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Times empty calls through the team, once its workers are awake, and prices
 * the grain with the median: a team of many threads, or one whose workers share
 * a core, hands off slower than LG_HANDOFF_QUIET and must split only larger
 * calls. The quiet figure is the floor, so a team never splits a call that
 * per-worker scratch, sized by lg_par_workers, was not made for. */
static void measure_handoff(lg_team *t, const lg_kernels *k)
{
    enum { CALLS = 9 };
    lg_blocks one_each = {.n = (size_t)t->threads, .len = 1, .count = (size_t)t->threads};
    double took[CALLS];
    lg_team_dispatch(t, &one_each, no_work, NULL); /* wakes the workers: not counted */
    for (int i = 0; i < CALLS; i++) {
        double t0 = lg_seconds();
        lg_team_dispatch(t, &one_each, no_work, NULL);
        took[i] = lg_seconds() - t0;
    }
    qsort(took, CALLS, sizeof *took, by_value);
    t->handoff = took[CALLS / 2];
    double priced = t->handoff > LG_HANDOFF_QUIET ? t->handoff : LG_HANDOFF_QUIET;
    t->grain = lg_grain_model(lg_grain_rate(k), priced);
}

size_t lg_team_grain(const lg_team *t)
{
    return t->grain;
}

double lg_team_handoff(const lg_team *t)
{
    return t->handoff;
}

void lg_team_run(lg_exec *ex, void (*body)(void *arg), void *arg)
{
    if (ex->threads <= 1) {
        body(arg);
        return;
    }
    /* On this frame, which outlives the region: no allocation that could fail
     * and leave the run quietly single-threaded. */
    lg_team team, *t = &team;
    atomic_init(&t->posted, 0);
    atomic_init(&t->remaining, 0);
    atomic_init(&t->quit, 0);
    /* The caller stays on the core it is on, and the workers take the others.
     * The caller is held inside the region, once its threads exist: a thread
     * OpenMP creates inherits the caller's binding, and one whose own pinning
     * failed must not be left on the caller's core. */
    int first = lg_topology_current_core();
    lg_binding caller = {.held = false};
#pragma omp parallel num_threads(ex->threads)
    {
        int tid = omp_get_thread_num();
        if (tid == 0)
            lg_topology_hold_caller(first, &caller);
        lg_topology_pin(tid, first);
#pragma omp single
        t->threads = omp_get_num_threads(); /* the single's barrier publishes it */
        if (tid == 0) {
            measure_handoff(t, ex->k);
            ex->team = t;
            body(arg);
            ex->team = NULL;
            atomic_store_explicit(&t->quit, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&t->posted, 1, memory_order_release);
        } else {
            worker(t, tid);
        }
    }
    lg_topology_release_caller(&caller);
    lg_threads_note_made();
}
