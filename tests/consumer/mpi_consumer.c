/* A user's MPI program against the installed lingrad_mpi: trains on each rank's
 * slice and checks, on rank 0, that the result is bit for bit one process's on
 * all the data. Run under mpiexec (tests/test_install.sh). */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include <lingrad_mpi.h>

static lg_status train_on(size_t begin, size_t count, const struct lg_ranks *share,
                          lg_train_result *res)
{
    lg_tensor *x = NULL, *y = NULL;
    lg_status st = lg_tensor_new(LG_F64, count, false, &x);
    if (st == LG_OK)
        st = lg_tensor_new(LG_F64, count, false, &y);
    if (st == LG_OK)
        st = lg_make_linear_range(0.3, 0.5, 0.01, 42, LG_F64, begin, count, lg_tensor_data(x),
                                  lg_tensor_data(y));
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.ranks = share;
    if (st == LG_OK || share) /* over ranks every rank calls lg_train: it agrees the status */
        st = lg_train(x, y, &o, res);
    lg_tensor_free(x);
    lg_tensor_free(y);
    return st;
}

int main(int argc, char **argv)
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const size_t n = 10007;
    struct lg_ranks *share = NULL;
    lg_status st = lg_mpi_agree(MPI_COMM_WORLD, lg_mpi_ranks_new(MPI_COMM_WORLD, n, &share));
    int rc = 1;
    if (st == LG_OK) {
        size_t begin, count;
        lg_mpi_ranks_slice(share, &begin, &count);
        lg_train_result got, want;
        st = train_on(begin, count, share, &got);
        if (st == LG_OK && rank == 0 && train_on(0, n, NULL, &want) == LG_OK) {
            bool same = got.n_history == want.n_history &&
                        memcmp(got.history, want.history, got.n_history * sizeof *got.history) == 0;
            printf("mpi_consumer: %d ranks, w = %.6f, b = %.6f: %s\n", size, got.w, got.b,
                   same ? "bit for bit one process's" : "DIFFERS from one process's");
            rc = same ? 0 : 1;
            lg_train_result_free(&want);
        } else if (st == LG_OK && rank != 0) {
            rc = 0;
        }
        lg_train_result_free(&got);
    }
    if (st != LG_OK && rank == 0)
        fprintf(stderr, "mpi_consumer: %s\n", lg_last_error());
    lg_mpi_ranks_free(share);
    MPI_Finalize();
    return rc;
}
