/*
 * The parallel driver, the only place that knows about threads. It cuts [0, n)
 * into blocks whose size depends on n alone, never on the thread count; threads
 * take contiguous runs of blocks; a reduction adds its kernel's sums over each
 * tile of LG_TILE elements in order within the block, and the blocks' partials
 * in block order. So a result depends on the data and the kernel table only:
 * it is bitwise the same for 1, 2 or 7 threads.
 *
 * Small n runs serially, decided by a plain branch before any OpenMP construct:
 * forking a team costs microseconds, a kernel over 100 elements nanoseconds.
 */
#ifndef LG_PARALLEL_H
#define LG_PARALLEL_H

#include <string.h>

#include "core/dtype.h"
#include "exec/exec.h"
#include "exec/fpmode.h"
#include "exec/kernel_ops.h"

/* Blocks are 2,048 to 16,384 elements (a multiple of 64) and there are at most
 * 1,024 of them: beyond 1,024 x 16,384 elements the blocks grow instead. So a
 * reduction's partials (24 bytes a block) fit on the stack. */
#define LG_BLOCK_MIN ((size_t)2048)
#define LG_BLOCK_MAX ((size_t)16384)
#define LG_MAX_BLOCKS ((size_t)1024)
/* A reduction's kernel runs on tiles of this many elements (a block's last may be
 * shorter), whatever the block length. So graph mode can carry a tile of every
 * intermediate through cache-sized scratch and still add exactly what eager
 * adds; at 10^8 points a block is 97,664 elements, too big for that. */
#define LG_TILE LG_BLOCK_MIN

typedef struct lg_blocks {
    size_t n, len, count;
} lg_blocks;

lg_blocks lg_blocks_of(size_t n);
/* The blocks ex runs n elements in: lg_blocks_of(n) in one process; with ranks,
 * this rank's n elements cut at the global layout's block length. */
lg_blocks lg_exec_blocks(const lg_exec *ex, size_t n);
/* The n a mean divides by: n, or with ranks the global n. */
size_t lg_exec_count(const lg_exec *ex, size_t n);

/* Work on block `block`, elements [begin, end), by worker `worker` (0 to the
 * thread count - 1; one worker runs its blocks one after another, so per-worker
 * scratch needs no lock). */
typedef void lg_block_fn(void *ctx, int worker, size_t block, size_t begin, size_t end);

/* Blocks [first, last) of b, one after another on this thread as worker `worker`,
 * in lingrad's floating-point mode. */
void lg_blocks_run(const lg_blocks *b, int worker, size_t first, size_t last, lg_block_fn *fn,
                   void *ctx);

/* Runs fn on every block of [0, n): serially when n is below the grain or one
 * thread is asked for, else on ex->threads threads (or on the running team). */
void lg_par_for(const lg_exec *ex, size_t n, lg_block_fn *fn, void *ctx);
/* The same over blocks b that lg_exec_blocks(ex, b->n) gave earlier (graph mode
 * keeps its sweeps' layout with its plan). */
void lg_par_for_blocks(const lg_exec *ex, const lg_blocks *b, lg_block_fn *fn, void *ctx);
/* The smallest n that lg_par_for runs on several threads. */
size_t lg_par_grain(const lg_exec *ex);
/* How many workers may run a call over n elements with ex, in a team or not:
 * ex->threads, or 1 below every grain. Per-worker scratch is sized by it. */
int lg_par_workers(const lg_exec *ex, size_t n);
/* Whether a loop of kernel calls over n elements should run inside a persistent
 * team (lg_team_run): more than one thread, and n at least the grain a team is
 * expected to take (exec/grain.h). */
bool lg_par_wants_team(const lg_exec *ex, size_t n);

/* The total of a reduction: its blocks' partials added in block order from
 * zero. Every reduction ends here (lg_par_run, graph mode's sweeps), so that it
 * is the one place where a further level (ranks) would join. One block without
 * ranks (every small n) is added here, inline: graph mode totals three an epoch. */
lg_mse_sums lg_par_total_blocks(const lg_exec *ex, const lg_mse_sums *part, size_t blocks);

static inline lg_mse_sums lg_par_total(const lg_exec *ex, const lg_mse_sums *part, size_t blocks)
{
    if (blocks == 1 && !ex->ranks)
        return (lg_mse_sums){0.0 + part->r, 0.0 + part->rx, 0.0 + part->rr};
    return lg_par_total_blocks(ex, part, blocks);
}

/* Entry op of ex's table over [0, n) of the operands (exec/kernel_ops.h), block
 * by block; a reduction's block sums are added in block order. The functions
 * below are this, one per entry. */
lg_mse_sums lg_par_run_blocks(const lg_exec *ex, lg_dtype dt, lg_kop op, const lg_kop_args *args,
                              size_t n);

/* One block (n <= LG_BLOCK_MIN, no ranks: every reduction over ranks is an
 * exchange) is one call on this thread, inline: eager mode makes eleven an
 * epoch, each with a constant op, so the call is direct. Its sums are added to
 * zero as the blocks' are (0 + (0 + p) is 0 + p), so the bits are the same. */
static inline __attribute__((always_inline)) lg_mse_sums
lg_par_run(const lg_exec *ex, lg_dtype dt, lg_kop op, const lg_kop_args *args, size_t n)
{
    if (n > LG_BLOCK_MIN || ex->ranks)
        return lg_par_run_blocks(ex, dt, op, args, n);
    lg_fpmode mode = lg_fpmode_enter();
    lg_mse_sums p = lg_kop_call_here(ex->k, dt, op, args, n);
    lg_fpmode_leave(mode);
    if (!lg_kop_reduces(op))
        return (lg_mse_sums){0.0, 0.0, 0.0};
    return (lg_mse_sums){0.0 + p.r, 0.0 + p.rx, 0.0 + p.rr};
}

typedef enum lg_binop { LG_BIN_ADD, LG_BIN_SUB, LG_BIN_MUL } lg_binop;

lg_mse_sums lg_par_mse(const lg_exec *ex, lg_dtype dt, const void *x, const void *y, size_t n,
                       double w, double b);
double lg_par_sum(const lg_exec *ex, lg_dtype dt, const void *p, size_t n);
double lg_par_dot(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n);

/* out = a*x + b; out may be x. */
void lg_par_axpb(const lg_exec *ex, lg_dtype dt, const void *x, size_t n, double a, double b,
                 void *out);
void lg_par_binary(const lg_exec *ex, lg_dtype dt, lg_binop op, const void *p, const void *q,
                   size_t n, void *out);
void lg_par_square(const lg_exec *ex, lg_dtype dt, const void *p, size_t n, void *out);
/* y += a*x */
void lg_par_axpy(const lg_exec *ex, lg_dtype dt, const void *x, size_t n, double a, void *y);
/* acc += s*p*q */
void lg_par_mulacc(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n,
                   double s, void *acc);
/* p[0..n) = 0, touching each block from the thread that will later use it.
 * One block is a memset on this thread, inline: eager's backward zeroes four
 * gradients an epoch. */
void lg_par_zero_blocks(const lg_exec *ex, lg_dtype dt, void *p, size_t n);

static inline void lg_par_zero(const lg_exec *ex, lg_dtype dt, void *p, size_t n)
{
    if (n <= LG_BLOCK_MIN)
        memset(p, 0, n * lg_esize(dt));
    else
        lg_par_zero_blocks(ex, dt, p, n);
}

#endif
