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
 * takes a communicator or a share is collective over its ranks, except
 * lg_mpi_ranks_new, lg_mpi_ranks_free and lg_mpi_ranks_slice.
 *
 * Errors: lg_train with a share is collective and returns the same status on
 * every rank. A rank that fails (an allocation, say) tells the others at their
 * next exchange, and lg_last_error() then reads "rank R: its message" on all,
 * for the lowest failing rank R. So a caller needs no agreement of its own after
 * lg_train; before it (reading data, say), lg_mpi_agree gives the same.
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
 * messages). Ranks own contiguous runs of whole blocks of n's block layout;
 * with more ranks than runs (about n / 2,048), some own none. Not collective. */
LG_API lg_status lg_mpi_ranks_new(MPI_Comm comm, size_t n, struct lg_ranks **out);
LG_API void lg_mpi_ranks_free(struct lg_ranks *r);
/* The elements x and y must hold on this rank: [*begin, *begin + *count) of
 * [0, n). A rank that owns no block holds a copy of block 0 (at most a few
 * thousand pairs), which adds nothing to any sum but gives its ops the shapes
 * of the others'. */
LG_API void lg_mpi_ranks_slice(const struct lg_ranks *r, size_t *begin, size_t *count);
/* Collective over the share's ranks, and safe to call where the others are in
 * lg_train: LG_OK when every rank's `local` is LG_OK, else the lowest failing
 * rank's status and message on all; *stop (may be NULL) := whether any rank
 * passed stop_in = true. From an lg_train_opts.on_epoch callback, this is how
 * ranks agree to stop after the same epoch. After a failure it returns that
 * failure again without communicating. */
LG_API lg_status lg_mpi_ranks_vote(const struct lg_ranks *r, lg_status local, bool stop_in, bool *stop);
/* Collective: the pairs of a data file, each rank ending with its slice in new
 * x and y (as lg_mpi_ranks_slice says) and *share made for them (free it with
 * lg_mpi_ranks_free). A CSV file is parsed by rank 0 alone, which then sends
 * every rank its slice; of an .npy file, rank 0 reads the header and every rank
 * reads its own bytes with MPI-IO (MPI_File_read_at_all). Values are converted
 * and checked as lg_csv_read and lg_npy_read do; the same status on every rank. */
LG_API lg_status lg_mpi_csv_read(MPI_Comm comm, const char *path, lg_dtype dtype,
                          struct lg_ranks **share, lg_tensor **x, lg_tensor **y);
LG_API lg_status lg_mpi_npy_read(MPI_Comm comm, const char *path, lg_dtype dtype,
                          struct lg_ranks **share, lg_tensor **x, lg_tensor **y);
/* Collective: LG_OK when every rank's `local` is LG_OK; else every rank gets the
 * status of the lowest failing rank and lg_last_error() reads "rank R: its
 * message". The same vote as lg_mpi_ranks_vote's, on comm itself. */
LG_API lg_status lg_mpi_agree(MPI_Comm comm, lg_status local);

#ifdef __cplusplus
}
#endif

#endif
