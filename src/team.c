/*
 * The persistent team. One OpenMP parallel region lasts for the whole loop: the
 * master (thread 0) runs the loop body; the other threads wait for work. Posting
 * work is a release-increment of `posted`; each thread runs its share of the
 * blocks and decrements `remaining`; the master waits for zero. That costs a few
 * cache-line transfers (~0.3 us) instead of a fork/join (~1.5-4 us) per call.
 *
 * Waiting threads spin briefly, then yield the CPU, so a team larger than the
 * number of cores still makes progress.
 */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>

#include "team.h"
#include "topology.h"

struct lg_team {
    atomic_ulong posted;   /* jobs posted so far; a change means new work */
    atomic_int remaining;  /* threads other than the master still on the job */
    atomic_int quit;
    int threads;           /* as OpenMP granted them */
    lg_blocks blocks;      /* the job: written before `posted` is released */
    lg_block_fn *fn;
    void *ctx;
};

static void relax(unsigned *spins)
{
    if (++*spins < 4000) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    } else {
        sched_yield();
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
    for (;;) {
        unsigned spins = 0;
        unsigned long now;
        while ((now = atomic_load_explicit(&t->posted, memory_order_acquire)) == seen)
            relax(&spins);
        seen = now;
        if (atomic_load_explicit(&t->quit, memory_order_relaxed))
            return;
        lg_blocks_run_share(&t->blocks, tid, t->threads, t->fn, t->ctx);
        atomic_fetch_sub_explicit(&t->remaining, 1, memory_order_release);
    }
}

void lg_team_run(lg_exec *ex, void (*body)(void *arg), void *arg)
{
    if (ex->threads <= 1) {
        body(arg);
        return;
    }
    lg_team team = {.threads = 1};
    atomic_init(&team.posted, 0);
    atomic_init(&team.remaining, 0);
    atomic_init(&team.quit, 0);
#pragma omp parallel num_threads(ex->threads)
    {
        int tid = omp_get_thread_num();
        lg_topology_pin(tid);
#pragma omp single
        team.threads = omp_get_num_threads(); /* the single's barrier publishes it */
        if (tid == 0) {
            ex->team = &team;
            body(arg);
            ex->team = NULL;
            atomic_store_explicit(&team.quit, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&team.posted, 1, memory_order_release);
        } else {
            worker(&team, tid);
        }
    }
}
