/*
 * The grain's cost model and the measured speed it is priced with. The speed is
 * measured, not assumed, because it spans 25x between tables and moves with the
 * CPU's clock and vector width; the hand-off is a constant here (measuring it
 * needs a running team: team.c does that at a team's start).
 */
#include <math.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "core/clock.h"
#include "exec/grain.h"

enum { RATE_N = 2048, RATE_SAMPLES = 7, CALLS_PER_READ = 8, MAX_TABLES = 16 };
#define SAMPLE_SECONDS 4e-6 /* long against the clock's ~25 ns read, short enough to be uninterrupted */

/* One per table in dispatch order, 0 until measured: the speed (a double's
 * bits) and the grains priced with it, which calls outside a team read each
 * time. Process defaults chosen once: two threads that measure at the same time
 * store nearly the same values, and the first store of the speed wins. */
typedef struct table_grains {
    atomic_uint_least64_t rate;
    atomic_size_t grain[LG_GRAIN_KINDS]; /* the last is stored last */
} table_grains;
static const double prices[LG_GRAIN_KINDS] = {
    [LG_GRAIN_LEAST] = LG_HANDOFF_QUIET,
    [LG_GRAIN_TEAM] = LG_HANDOFF_EXPECTED,
    [LG_GRAIN_FORK] = LG_FORK_COST,
};
static table_grains known[MAX_TABLES];

static double measure(const lg_kernels *k)
{
    /* On the stack: nothing to allocate, so nothing that can fail. 16 KiB is L1. */
    alignas(64) float x[RATE_N];
    alignas(64) float y[RATE_N]; /* unaligned, a vector load can straddle lines: 20-30% slower */
    for (size_t i = 0; i < RATE_N; i++) {
        x[i] = (float)i * 1e-3f;
        y[i] = 0.3f * x[i] + 0.5f;
    }
    double best = 0.0, sink = 0.0;
    for (int s = 0; s < RATE_SAMPLES; s++) {
        double t0 = lg_seconds(), t;
        long calls = 0;
        do {
            for (int c = 0; c < CALLS_PER_READ; c++)
                sink += k->f32.mse(x, y, RATE_N, 0.3f, 0.5f).rr;
            calls += CALLS_PER_READ;
        } while ((t = lg_seconds() - t0) < SAMPLE_SECONDS);
        double rate = (double)calls * RATE_N / t; /* the fastest sample: the others were interrupted */
        best = rate > best ? rate : best;
    }
    volatile double keep = sink; /* the calls are the point: they must not be dropped */
    (void)keep;
    return best;
}

static size_t table_index(const lg_kernels *k)
{
    for (size_t i = 0; i < lg_kernels_count(); i++)
        if (lg_kernels_at(i) == k)
            return i;
    return MAX_TABLES;
}

static double rate_of(uint_least64_t bits)
{
    double rate;
    memcpy(&rate, &bits, sizeof rate);
    return rate;
}

/* The table's entry, measured and priced on first use; NULL for a table that is
 * not one of this build's (a test's). */
static table_grains *grains_of(const lg_kernels *k)
{
    size_t i = table_index(k);
    if (i >= MAX_TABLES)
        return NULL;
    table_grains *g = &known[i];
    atomic_size_t *last = &g->grain[LG_GRAIN_KINDS - 1];
    if (atomic_load_explicit(last, memory_order_acquire) != 0)
        return g;
    double rate = measure(k);
    uint_least64_t bits, none = 0;
    memcpy(&bits, &rate, sizeof bits);
    if (atomic_compare_exchange_strong(&g->rate, &none, bits)) {
        for (int kind = 0; kind < LG_GRAIN_KINDS; kind++)
            atomic_store_explicit(&g->grain[kind], lg_grain_model(rate, prices[kind]),
                                  memory_order_release);
    }
    while (atomic_load_explicit(last, memory_order_acquire) == 0)
        ; /* another thread's speed came first: it is pricing the grains (two log2s) */
    return g;
}

double lg_grain_rate(const lg_kernels *k)
{
    table_grains *g = grains_of(k);
    return g ? rate_of(atomic_load_explicit(&g->rate, memory_order_relaxed)) : measure(k);
}

size_t lg_grain_of(const lg_kernels *k, lg_grain_kind kind)
{
    table_grains *g = grains_of(k);
    if (!g)
        return lg_grain_model(measure(k), prices[kind]);
    return atomic_load_explicit(&g->grain[kind], memory_order_relaxed);
}

size_t lg_grain_model(double rate, double handoff)
{
    double half = LG_HANDOFFS_PER_SPLIT * handoff * rate; /* elements in half a call */
    if (!(half > 0.0)) /* a rate or hand-off that is zero or NaN: the smallest grain */
        return LG_GRAIN_MIN;
    double log2n = ceil(log2(2.0 * half));
    if (!(log2n < log2((double)LG_GRAIN_MAX)))
        return LG_GRAIN_MAX;
    size_t n = (size_t)1 << (log2n > 0.0 ? (int)log2n : 0);
    return n < LG_GRAIN_MIN ? LG_GRAIN_MIN : n;
}
