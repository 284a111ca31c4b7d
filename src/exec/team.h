/* A persistent team: threads that stay alive across many parallel calls (internal). */
#ifndef LG_TEAM_H
#define LG_TEAM_H

#include "exec/exec.h"
#include "exec/parallel.h"

typedef struct lg_team lg_team;

/* Runs body(arg) on the calling thread while ex->threads - 1 other threads wait
 * for the parallel work it posts through ex (ex->team is set meanwhile). For
 * loops of many short kernel calls, such as training: one fork/join for the
 * whole loop instead of one per call. body runs as thread 0 of an OpenMP
 * region: it must not use OpenMP worksharing constructs or barriers. */
void lg_team_run(lg_exec *ex, void (*body)(void *arg), void *arg);

/* Whether lingrad has made its threads in this process (a fork or a team ran):
 * the first parallel region creates them, 1.3-4 ms on a VM whose idle vCPUs
 * wake slowly; later ones reuse OpenMP's, in microseconds. */
bool lg_threads_made(void);
/* Said after each parallel region of lingrad's (team_policy.c keeps the fact). */
void lg_threads_note_made(void);

/* What starting a team is priced at, in seconds, given whether lingrad's threads
 * exist and the topology has been read. */
double lg_team_start_price(bool threads_made, bool topology_ready);

/* What starting a team is expected to cost now, in seconds: more in a process
 * whose topology is undiscovered or that has made no team's threads yet. */
double lg_team_start_estimate(void);

/* Whether a training run on one thread should start its team now: `epoch_seconds`
 * is what its latest epoch took, `spent` what its epochs have taken so far,
 * `left` how many may follow, `start` lg_team_start_estimate(). `known_length`
 * is false where the run may end at any epoch (a tolerance): then the team must
 * also wait until a start that went unused could cost at most 5% of the run. */
bool lg_team_pays(double epoch_seconds, double spent, long left, bool known_length, double start);

/* The smallest call the team splits, in elements: the grain's model priced at
 * the hand-off the team measured at its start (at least the quiet one's). */
size_t lg_team_grain(const lg_team *t);
/* What a hand-off and join took at the team's start, in seconds (the median of 9). */
double lg_team_handoff(const lg_team *t);

/* Runs fn on every block of b across the team; returns when all are done. */
void lg_team_dispatch(lg_team *t, const lg_blocks *b, lg_block_fn *fn, void *ctx);

/* Each of `threads` threads takes a contiguous run of blocks: thread t gets
 * [t*count/threads, (t+1)*count/threads). */
void lg_blocks_run_share(const lg_blocks *b, int t, int threads, lg_block_fn *fn, void *ctx);

#endif
