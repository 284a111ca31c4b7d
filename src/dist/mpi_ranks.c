/* The rank level over MPI: which blocks this process holds, the exchange of
 * block partials that lg_par_total calls (exec/ranks.h), and the vote that
 * carries every rank's status.
 *
 * Every collective lingrad makes starts with the same vote, an Allreduce of two
 * ints (the lowest failing rank, whether any asks to stop); a gather adds its
 * Allgatherv only when the vote found no failure. So a rank that failed between
 * two exchanges can always meet the others where they wait, whatever they are
 * about to exchange, and after a failure nobody communicates again. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "exec/parallel.h"
#include "exec/ranks.h"
#include "lingrad_mpi.h"

_Static_assert(sizeof(lg_mse_sums) == 3 * sizeof(double), "a block's partials are 3 doubles");

enum { MSG_MAX = 1024 };

typedef struct mpi_share {
    lg_ranks r;      /* first: lg_ranks * and mpi_share * are the same address */
    MPI_Comm comm;   /* a duplicate of the caller's */
    int rank;
    int *counts, *displs; /* per rank: doubles sent, and where they land */
    lg_status failed;     /* LG_OK until an exchange carries a failure */
    char msg[MSG_MAX + 32];  /* then the agreed message, "rank R: ..." */
} mpi_share;

/* The vote itself; on a failure, the lowest failing rank's status and message
 * go to all, into msg ("rank R: its message"). */
static lg_status vote_on(MPI_Comm comm, int rank, lg_status local, bool stop_in, bool *stop,
                         char *msg, size_t len)
{
    int mine[2] = {local == LG_OK ? INT_MAX : rank, stop_in ? 0 : 1}, all[2];
    if (MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS) {
        snprintf(msg, len, "MPI_Allreduce failed");
        return LG_EIO;
    }
    if (stop)
        *stop = all[1] == 0;
    if (all[0] == INT_MAX)
        return LG_OK;
    char text[MSG_MAX] = "";
    int status = (int)local;
    if (rank == all[0])
        snprintf(text, sizeof text, "%s", lg_last_error());
    MPI_Bcast(&status, 1, MPI_INT, all[0], comm);
    MPI_Bcast(text, (int)sizeof text, MPI_CHAR, all[0], comm);
    snprintf(msg, len, "rank %d: %s", all[0], text);
    return (lg_status)status;
}

static lg_status share_vote(const lg_ranks *r, lg_status local, bool stop_in, bool *stop)
{
    mpi_share *s = r->ctx;
    if (s->failed == LG_OK)
        s->failed = vote_on(s->comm, s->rank, local, stop_in, stop, s->msg, sizeof s->msg);
    else if (stop)
        *stop = true;
    return s->failed == LG_OK ? LG_OK : lg_fail(s->failed, "%s", s->msg);
}

/* Every rank's partials in block order: one Allgatherv of 3 doubles per block
 * (at most 1,024 blocks: 24 KiB), after the vote. */
static lg_status gather(const lg_ranks *r, const lg_mse_sums *mine, lg_mse_sums *all)
{
    lg_status st = share_vote(r, LG_OK, false, NULL);
    if (st != LG_OK)
        return st;
    mpi_share *s = r->ctx;
    int rc = MPI_Allgatherv(mine, (int)(3 * r->blocks), MPI_DOUBLE, all, s->counts, s->displs,
                            MPI_DOUBLE, s->comm);
    if (rc == MPI_SUCCESS)
        return LG_OK;
    s->failed = LG_EIO;
    snprintf(s->msg, sizeof s->msg, "rank %d: MPI_Allgatherv failed (error %d)", s->rank, rc);
    return lg_fail(s->failed, "%s", s->msg);
}

static void layout(mpi_share *s, size_t n, int size)
{
    lg_blocks b = lg_blocks_of(n);
    s->r = (lg_ranks){n, b.len, b.count, 0, 0, gather, share_vote, s};
    for (int q = 0; q < size; q++) {
        size_t first = 0, blocks = 0;
        lg_ranks_share(n, b.len, b.count, (size_t)q, (size_t)size, &first, &blocks);
        s->counts[q] = (int)(3 * blocks);
        s->displs[q] = (int)(3 * first);
        if (q == s->rank)
            s->r.first_block = first, s->r.blocks = blocks;
    }
}

lg_status lg_mpi_ranks_new(MPI_Comm comm, size_t n, struct lg_ranks **out)
{
    if (!out)
        return lg_fail_null("lg_mpi_ranks_new", "out");
    *out = NULL;
    int rank, size;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return lg_fail(LG_EINVAL, "lg_mpi_ranks_new: not a valid communicator");
    if (n == 0)
        return lg_fail(LG_EINVAL, "lg_mpi_ranks_new: n must be at least 1");
    mpi_share *s = calloc(1, sizeof *s);
    int *arrays = calloc(2 * (size_t)size, sizeof *arrays);
    if (!s || !arrays) {
        free(s), free(arrays);
        return lg_fail(LG_ENOMEM, "lg_mpi_ranks_new: out of memory");
    }
    s->counts = arrays, s->displs = arrays + size, s->rank = rank;
    layout(s, n, size);
    if (MPI_Comm_dup(comm, &s->comm) != MPI_SUCCESS) {
        free(arrays), free(s);
        return lg_fail(LG_EIO, "lg_mpi_ranks_new: MPI_Comm_dup failed");
    }
    *out = &s->r;
    return LG_OK;
}

void lg_mpi_ranks_free(struct lg_ranks *r)
{
    if (!r)
        return;
    mpi_share *s = r->ctx;
    MPI_Comm_free(&s->comm);
    free(s->counts);
    free(s);
}

void lg_mpi_ranks_slice(const struct lg_ranks *r, size_t *begin, size_t *count)
{
    if (!r || !begin || !count)
        lg_fail_null("lg_mpi_ranks_slice", !r ? "r" : !begin ? "begin" : "count");
    else
        lg_ranks_slice(r, begin, count);
}

/* A NULL share has no communicator: nothing to vote with, so nothing waits. */
lg_status lg_mpi_ranks_vote(const struct lg_ranks *r, lg_status local, bool stop_in, bool *stop)
{
    if (!r)
        return lg_fail_null("lg_mpi_ranks_vote", "r");
    return r->vote(r, local, stop_in, stop);
}

lg_status lg_mpi_agree(MPI_Comm comm, lg_status local)
{
    int rank;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS)
        return lg_fail(LG_EINVAL, "lg_mpi_agree: not a valid communicator");
    char msg[MSG_MAX + 32];
    lg_status st = vote_on(comm, rank, local, false, NULL, msg, sizeof msg);
    return st == LG_OK ? LG_OK : lg_fail(st, "%s", msg);
}
