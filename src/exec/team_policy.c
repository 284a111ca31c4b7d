/*
 * When a training run's team pays for itself. A run starts on one thread; after
 * each epoch the driver asks whether the epochs left, at the speed-up a team is
 * counted on for, would save twice what the team's start costs. The bits do not
 * care: blocks depend on n alone, so epochs on one thread and on a team agree.
 *
 * Starting is priced, not measured beforehand (measuring would cost the start):
 * the first team of a process makes its threads, and the first discovery of the
 * topology loads hwloc and its plugins. Measured on 2-vCPU Zen 4 and Turin-like
 * VMs, 2026-12: a warm start 7-9 us, and its first epoch 100-150 us more than
 * the team's later ones (the worker wakes from its nap, half the data moves to
 * its core's cache: graph mode at 2^17, 10 epochs, lost 0.74x when a start was
 * priced at 50 us); the first threads 1.3-4 ms; the topology 8-9 ms with
 * hwloc's plugins, 1.7 ms without (lingrad's programs skip them). Each price
 * below is the high end with room to spare: a run that starts its team late
 * loses a little speed-up, one that starts it early can lose outright.
 */
#include <stdatomic.h>

#include "exec/team.h"
#include "exec/topology.h"

#define START_WARM 250e-6
#define START_THREADS 5e-3
#define START_TOPOLOGY 12e-3
/* What a team is counted on to gain: two threads measured 1.35-2.6x from the
 * grain on (make bench's train/threads/ sweep); below that the team is not asked. */
#define SPEEDUP_COUNTED 1.5
/* A team must be expected to save this many starts' worth: runs of 10 epochs
 * whose team was expected to save a little more than one start read 0.92-0.93x
 * (eager f32 at 2^17, graph f64 at 2^20), their gain lost in the noise of the
 * start and of the team's first epoch. */
#define START_MARGIN 2.0
/* A run that may stop any epoch: a start that then went unused must cost at most
 * 1/(1 + 19) = 5% of the time already spent (the rent-or-buy rule). */
#define SPENT_PER_START 19.0

/* Set once, never cleared: a process fact, like the topology, that a team's
 * start is priced with. */
static atomic_bool threads_made;

bool lg_threads_made(void)
{
    return atomic_load_explicit(&threads_made, memory_order_relaxed);
}

void lg_threads_note_made(void)
{
    if (!atomic_load_explicit(&threads_made, memory_order_relaxed)) /* no write per region */
        atomic_store_explicit(&threads_made, true, memory_order_relaxed);
}

double lg_team_start_price(bool threads_made, bool topology_ready)
{
    return START_WARM + (threads_made ? 0.0 : START_THREADS) + (topology_ready ? 0.0 : START_TOPOLOGY);
}

double lg_team_start_estimate(void)
{
    return lg_team_start_price(lg_threads_made(), lg_topology_ready());
}

bool lg_team_pays(double epoch_seconds, double spent, long left, bool known_length, double start)
{
    if (left <= 0 || !(epoch_seconds > 0.0))
        return false;
    double saved = (double)left * epoch_seconds * (1.0 - 1.0 / SPEEDUP_COUNTED);
    if (!(saved > START_MARGIN * start))
        return false;
    return known_length || spent >= SPENT_PER_START * start;
}
