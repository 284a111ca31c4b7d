/*
 * lingrad over MPI: data-parallel training whose results are bitwise those of
 * one process, for any number of ranks. Each rank holds a contiguous run of
 * whole blocks of the global data (the blocks one process would cut); every
 * reduction gathers all ranks' block partials and adds them in block order on
 * every rank, so all ranks take the same steps. lingrad.h itself stays MPI-free:
 * a run over ranks is lg_train_opts.ranks set to an lg_mpi_ranks_new() share.
 *
 * Threads: MPI must be initialised with at least MPI_THREAD_FUNNELED; lingrad
 * calls MPI only from the thread that called lg_train. Every function here that
 * takes a communicator is collective over it, except lg_mpi_ranks_new.
 */
#ifndef LINGRAD_MPI_H
#define LINGRAD_MPI_H

#include <mpi.h>

#include "lingrad.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lg_ranks;

/* This process's share of n global elements over comm's ranks (the
 * communicator is duplicated: lingrad's exchanges never meet the caller's
 * messages). LG_EINVAL when comm has more ranks than n has runs of blocks
 * (about n / 2,048 ranks at most). Not collective. */
lg_status lg_mpi_ranks_new(MPI_Comm comm, size_t n, struct lg_ranks **out);
void lg_mpi_ranks_free(struct lg_ranks *r);
/* This rank's elements: [*begin, *begin + *count) of [0, n). */
void lg_mpi_ranks_slice(const struct lg_ranks *r, size_t *begin, size_t *count);
/* Collective: LG_OK when every rank's `local` is LG_OK; else every rank gets the
 * status of the lowest failing rank and lg_last_error() reads "rank R: its message". */
lg_status lg_mpi_agree(MPI_Comm comm, lg_status local);

#ifdef __cplusplus
}
#endif

#endif
