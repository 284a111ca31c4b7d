/* The rank level over MPI: which blocks this process holds, and the exchange of
 * block partials that lg_par_total calls (exec/ranks.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "exec/parallel.h"
#include "exec/ranks.h"
#include "lingrad_mpi.h"

_Static_assert(sizeof(lg_mse_sums) == 3 * sizeof(double), "a block's partials are 3 doubles");

typedef struct mpi_share {
    lg_ranks r;      /* first: lg_ranks * and mpi_share * are the same address */
    MPI_Comm comm;   /* a duplicate of the caller's */
    int *counts, *displs; /* per rank: doubles sent, and where they land */
} mpi_share;

/* Every rank's partials in block order: one Allgatherv of 3 doubles per block
 * (at most 1,024 blocks: 24 KiB). */
static lg_status gather(const lg_ranks *r, const lg_mse_sums *mine, lg_mse_sums *all)
{
    const mpi_share *s = r->ctx;
    int rc = MPI_Allgatherv(mine, (int)(3 * r->blocks), MPI_DOUBLE, all, s->counts, s->displs,
                            MPI_DOUBLE, s->comm);
    return rc == MPI_SUCCESS ? LG_OK : lg_fail(LG_EIO, "MPI_Allgatherv failed (error %d)", rc);
}

static lg_status layout(mpi_share *s, size_t n, int rank, int size)
{
    lg_blocks b = lg_blocks_of(n);
    s->r = (lg_ranks){n, b.len, b.count, 0, 0, gather, s};
    for (int q = 0; q < size; q++) {
        size_t first, blocks;
        if (!lg_ranks_share(n, b.len, b.count, (size_t)q, (size_t)size, &first, &blocks))
            return lg_fail(LG_EINVAL, "%d ranks for n = %zu: each rank needs a block of its own "
                           "(at most %zu ranks here); use fewer ranks or more data", size, n,
                           lg_ranks_max(n, b.len, b.count));
        s->counts[q] = (int)(3 * blocks);
        s->displs[q] = (int)(3 * first);
        if (q == rank)
            s->r.first_block = first, s->r.blocks = blocks;
    }
    return LG_OK;
}

lg_status lg_mpi_ranks_new(MPI_Comm comm, size_t n, struct lg_ranks **out)
{
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
    s->counts = arrays, s->displs = arrays + size;
    lg_status st = layout(s, n, rank, size);
    if (st == LG_OK && MPI_Comm_dup(comm, &s->comm) != MPI_SUCCESS)
        st = lg_fail(LG_EIO, "lg_mpi_ranks_new: MPI_Comm_dup failed");
    if (st != LG_OK) {
        free(arrays), free(s);
        return st;
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
    lg_ranks_slice(r, begin, count);
}

/* The lowest failing rank, then its status and message, from it to all. */
lg_status lg_mpi_agree(MPI_Comm comm, lg_status local)
{
    int rank, first = INT_MAX;
    MPI_Comm_rank(comm, &rank);
    int mine = local == LG_OK ? INT_MAX : rank;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == INT_MAX)
        return LG_OK;
    char msg[1024] = "";
    int status = (int)local;
    if (rank == first)
        strncpy(msg, lg_last_error(), sizeof msg - 1);
    MPI_Bcast(&status, 1, MPI_INT, first, comm);
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first, comm);
    return lg_fail((lg_status)status, "rank %d: %s", first, msg);
}
