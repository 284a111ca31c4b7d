/* A third level under blocks and threads: ranks, processes that each hold a
 * contiguous run of whole blocks of one global [0, n). The block layout is the
 * global n's, so every rank cuts its slice where a single process would, and a
 * reduction gathers every rank's block partials and adds all of them in block
 * order: the same bits for any number of ranks (docs/mpi.md). The dist layer
 * (src/dist/, MPI) fills this in; exec only calls `gather`, so nothing below
 * src/dist/ knows about MPI. */
#ifndef LG_RANKS_H
#define LG_RANKS_H

#include <stdbool.h>
#include <stddef.h>

#include "kernels.h"
#include "lingrad.h"

typedef struct lg_ranks {
    size_t n;            /* the global element count */
    size_t block_len;    /* of the global layout: lg_blocks_of(n).len */
    size_t total_blocks; /* lg_blocks_of(n).count */
    size_t first_block;  /* this rank's blocks: [first_block, first_block + blocks) */
    size_t blocks;
    /* all[0 .. total_blocks) := every rank's partials in block order, given this
     * rank's mine[0 .. blocks). Collective: every rank calls it the same number
     * of times. LG_OK, or an error with lg_last_error() set. */
    lg_status (*gather)(const struct lg_ranks *r, const lg_mse_sums *mine, lg_mse_sums *all);
    /* Collective, and interchangeable with gather: a rank that failed between
     * two exchanges calls vote where the others call gather, and all learn of
     * it there, so that no rank waits for one that has left. LG_OK when every
     * rank's `local` is LG_OK; else every rank gets the lowest failing rank's
     * status, lg_last_error() naming that rank. *stop (may be NULL) := whether
     * any rank passed stop = true. Once an exchange has carried a failure, gather
     * and vote return it again without communicating. */
    lg_status (*vote)(const struct lg_ranks *r, lg_status local, bool stop_in, bool *stop);
    void *ctx;
} lg_ranks;

/* Which blocks rank `rank` of `ranks` owns of total_blocks blocks of len (n
 * elements): contiguous runs, split as evenly as lg_blocks_run_share splits
 * blocks among threads, except that a last block of a single element goes with
 * the one before it, so that no rank holds a one-element slice (an op would take
 * it for a scalar). There are lg_ranks_max such runs; with more ranks than
 * that, some own none (*blocks = 0). False only for a rank out of range. */
static inline size_t lg_ranks_max(size_t n, size_t len, size_t total_blocks)
{
    return total_blocks - (total_blocks > 1 && n - (total_blocks - 1) * len < 2);
}

static inline bool lg_ranks_share(size_t n, size_t len, size_t total_blocks, size_t rank,
                                  size_t ranks, size_t *first, size_t *blocks)
{
    size_t runs = lg_ranks_max(n, len, total_blocks);
    if (ranks == 0 || rank >= ranks)
        return false;
    *first = runs * rank / ranks;
    size_t last = rank + 1 == ranks ? total_blocks : runs * (rank + 1) / ranks;
    *blocks = last - *first;
    return true;
}

/* The elements this rank holds: [*begin, *begin + *count) of the global [0, n).
 * A rank that owns no block holds a replica of block 0: it runs the same ops on
 * data of the same shape as the others, so it makes the same exchanges, while
 * contributing no partials to any of them. Its w and b come only from the
 * exchanged sums, as every rank's do, except where n = 1: then the ops take the
 * one pair for scalars on every rank and compute its gradients elementwise, and
 * the replica, the pair itself, gives them the same values. */
static inline void lg_ranks_slice(const lg_ranks *r, size_t *begin, size_t *count)
{
    if (r->blocks == 0) {
        *begin = 0;
        *count = r->n < r->block_len ? r->n : r->block_len;
        return;
    }
    size_t b = r->first_block * r->block_len, e = (r->first_block + r->blocks) * r->block_len;
    *begin = b < r->n ? b : r->n;
    *count = (e < r->n ? e : r->n) - *begin;
}

#endif
