/*
 * From what size a call splits over threads (internal): a cost model. A call
 * splits when half its work takes LG_HANDOFFS_PER_SPLIT times what handing it
 * to another thread costs, the work priced at its table's speed measured on
 * this CPU. The grain decides how many threads run, never the bits: blocks
 * depend on n alone.
 */
#ifndef LG_GRAIN_H
#define LG_GRAIN_H

#include <stddef.h>

#include "kernels.h"

/* The least a hand-off and join to a running team is counted at, in seconds:
 * below the least measured (a median of 9 empty calls at a team's start, as
 * team.c measures it: 0.56-0.81 us on 2-vCPU Turin-like VMs, 2026-12; a
 * fastest 0.53). A team takes the hand-off it measures above this. */
#define LG_HANDOFF_QUIET 0.4e-6
/* What a team is expected to measure, and so what decides whether a training
 * run starts one: the middle of the medians measured (0.56-0.81 us). A team
 * started on this and measuring over 0.94 us takes a grain twice as high; if no
 * call of the run reaches it, the team ends at once (train.c). */
#define LG_HANDOFF_EXPECTED 0.7e-6
/* A fork/join of an OpenMP region (a call outside a training run): 1.5-4 us. */
#define LG_FORK_COST 1.6e-6
/* Fitted where two threads were measured in training (make bench's
 * train/threads/ sweep, Turin-like VM, hand-offs 0.56-0.78 us): with the AVX-512
 * table (31 G elements/s), at 2^15 elements a call half of it takes 0.53 us
 * (about 0.8 hand-offs) and two threads lost 0.80-0.86x in every mode; at 2^16
 * (1.07 us, 1.4-1.9 hand-offs) they broke even; at 2^17 (2.1 us, 2.7-3.8) they
 * gained 1.5-2.4x. With the scalar table (1 G elements/s), 4,096 elements (2.0
 * us) gained 1.34-1.77x. Forks: lingrad-scaling gains 1.7x at 2^18 (AVX-512). */
#define LG_HANDOFFS_PER_SPLIT 2.25
/* The model's answers are clamped to these: the smallest is one block. */
#define LG_GRAIN_MIN ((size_t)1 << 11)
#define LG_GRAIN_MAX ((size_t)1 << 26)

/* Elements a second of table k's f32 fused MSE kernel over data in L1 cache:
 * measured at its first use in the process (7 samples of 4-8 us), then kept. */
double lg_grain_rate(const lg_kernels *k);

/* Which price a grain is set at. */
typedef enum lg_grain_kind {
    LG_GRAIN_LEAST, /* LG_HANDOFF_QUIET: the lowest any team takes (scratch is sized by it) */
    LG_GRAIN_TEAM,  /* LG_HANDOFF_EXPECTED: where a training run starts a team */
    LG_GRAIN_FORK,  /* LG_FORK_COST: a call outside a team */
    LG_GRAIN_KINDS
} lg_grain_kind;

/* Table k's grain of that kind: computed with its speed, once; a lookup after. */
size_t lg_grain_of(const lg_kernels *k, lg_grain_kind kind);

/* The smallest power of two n, within [LG_GRAIN_MIN, LG_GRAIN_MAX], at which
 * half of a call over n elements at `rate` takes LG_HANDOFFS_PER_SPLIT times
 * `handoff` seconds. */
size_t lg_grain_model(double rate, double handoff);

#endif
