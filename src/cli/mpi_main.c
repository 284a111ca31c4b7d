/* lingrad-mpi: `lingrad train` over MPI ranks (mpirun -np R build/lingrad-mpi
 * train ...), bit for bit the single-process run for any R. Rank 0 alone prints
 * and writes; errors are agreed by all ranks and said once. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lingrad_mpi.h"

typedef struct mpi_cli {
    MPI_Comm comm;
    struct lg_ranks *share;
} mpi_cli;

static const struct lg_ranks *share(const cli_dist *d, size_t n)
{
    mpi_cli *m = d->ctx;
    return lg_mpi_ranks_new(m->comm, n, &m->share) == LG_OK ? m->share : NULL;
}

static const struct lg_ranks *read_data(const cli_dist *d, const char *path, lg_dtype dt,
                                        bool npy, lg_tensor **x, lg_tensor **y)
{
    mpi_cli *m = d->ctx;
    lg_status st = npy ? lg_mpi_npy_read(m->comm, path, dt, &m->share, x, y)
                       : lg_mpi_csv_read(m->comm, path, dt, &m->share, x, y);
    return st == LG_OK ? m->share : NULL;
}

static lg_status agree(const cli_dist *d, lg_status local)
{
    return lg_mpi_agree(((const mpi_cli *)d->ctx)->comm, local);
}

/* The share's own vote: it meets a rank that failed mid-epoch (exec/ranks.h). */
static bool any(const cli_dist *d, bool flag)
{
    bool stop = flag;
    return lg_mpi_ranks_vote(((const mpi_cli *)d->ctx)->share, LG_OK, flag, &stop) != LG_OK || stop;
}

/* How many ranks share this node (and so its cores). */
static int local_ranks(void)
{
    MPI_Comm node;
    int local = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    return local;
}

static int run(int argc, char **argv, int rank, int size)
{
    if (argc < 2 || strcmp(argv[1], "train") != 0)
        return cli_error(CLI_USAGE, "lingrad-mpi runs one command, train (usage: mpirun -np R "
                         "lingrad-mpi train [the options of lingrad train])");
    mpi_cli m = {MPI_COMM_WORLD, NULL};
    cli_dist d = {rank, size, local_ranks(), share, read_data, agree, any, &m};
    int rc = cli_train_dist(argc, argv, &d);
    lg_mpi_ranks_free(m.share);
    return rc;
}

int main(int argc, char **argv)
{
    int provided = 0, rank = 0, size = 1;
    lg_skip_hwloc_plugins(); /* before MPI starts its threads: it sets an environment variable */
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fputs("lingrad: error: MPI_Init_thread failed\n", stderr);
        return CLI_FAILED;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    cli_set_quiet(rank != 0);
    int rc = provided < MPI_THREAD_FUNNELED
                 ? cli_error(CLI_FAILED, "this MPI does not allow threads "
                             "(MPI_THREAD_FUNNELED); lingrad needs it")
                 : run(argc, argv, rank, size);
    if (fflush(stdout) != 0 && rc == CLI_OK)
        rc = cli_error(CLI_FAILED, "cannot write to standard output");
    MPI_Finalize();
    return rc;
}
