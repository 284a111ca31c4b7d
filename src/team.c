/*
 * The persistent team: threads that live for a whole loop of kernel calls (a
 * training run). The calling thread runs the loop; T-1 POSIX threads wait for
 * work. Posting work is a release-increment of `posted`; each thread runs its
 * share of the blocks and decrements `remaining`; the caller waits for zero.
 * That costs a few cache-line transfers (~0.3 us) instead of an OpenMP
 * fork/join (~1.5-4 us) per call.
 *
 * Why POSIX threads and not one long `omp parallel` region: the loop calls user
 * code (lg_train's on_epoch). Inside our region, a user's own `omp for` or
 * `omp barrier` would bind to our team and deadlock, and their `omp parallel`
 * would run on one thread. Outside any region, their OpenMP works as usual.
 *
 * Waiting threads spin briefly, then yield, then sleep in short naps, so a team
 * larger than the machine, or a long pause in the loop, does not burn a core.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "team.h"
#include "topology.h"

struct lg_team {
    alignas(64) atomic_ulong posted; /* jobs posted so far; a change means new work */
    alignas(64) atomic_int remaining; /* workers still on the job */
    alignas(64) int threads;          /* caller + workers */
    atomic_int quit;
    lg_blocks blocks;                 /* the job: written before `posted` is released */
    lg_block_fn *fn;
    void *ctx;
};

typedef struct worker_arg {
    lg_team *team;
    int tid;
} worker_arg;

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

static void *worker(void *p)
{
    const worker_arg *a = p;
    lg_team *t = a->team;
    lg_topology_pin(a->tid);
    unsigned long seen = 0;
    for (;;) {
        unsigned spins = 0;
        unsigned long now;
        while ((now = atomic_load_explicit(&t->posted, memory_order_acquire)) == seen)
            relax(&spins);
        seen = now;
        if (atomic_load_explicit(&t->quit, memory_order_relaxed))
            return NULL;
        lg_blocks_run_share(&t->blocks, a->tid, t->threads, t->fn, t->ctx);
        atomic_fetch_sub_explicit(&t->remaining, 1, memory_order_release);
    }
}

/* Starts up to `want` workers; the team is however many started (at least the
 * caller), which is safe because results never depend on the thread count. */
static int start_workers(lg_team *t, pthread_t *ids, worker_arg *args, int want)
{
    int started = 0;
    for (int i = 0; i < want; i++) {
        args[i] = (worker_arg){t, i + 1};
        if (pthread_create(&ids[i], NULL, worker, &args[i]) != 0)
            break;
        started++;
    }
    return started;
}

void lg_team_run(lg_exec *ex, void (*body)(void *arg), void *arg)
{
    int want = ex->threads - 1;
    if (want < 1) {
        body(arg);
        return;
    }
    pthread_t *ids = malloc((size_t)want * sizeof *ids);
    worker_arg *args = malloc((size_t)want * sizeof *args);
    lg_team *t = aligned_alloc(64, sizeof *t); /* its own lines: see the alignas above */
    if (!ids || !args || !t) {
        free(ids), free(args), free(t);
        body(arg); /* no memory for a team: the same results on one thread */
        return;
    }
    atomic_init(&t->posted, 0);
    atomic_init(&t->remaining, 0);
    atomic_init(&t->quit, 0);
    int started = start_workers(t, ids, args, want);
    t->threads = started + 1; /* set before any job is posted; workers read it after one */
    ex->team = started > 0 ? t : NULL;
    body(arg);
    ex->team = NULL;
    atomic_store_explicit(&t->quit, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->posted, 1, memory_order_release);
    for (int i = 0; i < started; i++)
        pthread_join(ids[i], NULL);
    free(ids), free(args), free(t);
}
