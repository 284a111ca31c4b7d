/* A failure on one rank, at every point where lingrad allocates during
 * training, ends lg_train on every rank with that rank's error, and never in a
 * hang: rank 1's k-th allocation fails, for k = 1, 2, ... until a run reaches
 * no k-th allocation (which must then give the clean run's history on all).
 * The allocator is wrapped at link time, as in test_alloc_fail.c, and armed on
 * rank 1 only. Run under mpiexec with 3 ranks; CTest's timeout catches a hang. */
#include <mpi.h>
#include <stdatomic.h>

#include "check.h"
#include "lingrad_mpi.h"

static atomic_long calls, fail_at; /* fail_at 0: none */
static atomic_bool failed;

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);

static bool inject(void)
{
    long k = atomic_fetch_add(&calls, 1) + 1;
    if (k != atomic_load(&fail_at))
        return false;
    atomic_store(&failed, true);
    return true;
}

void *__wrap_malloc(size_t n) { return inject() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t m, size_t n) { return inject() ? NULL : __real_calloc(m, n); }
void *__wrap_realloc(void *p, size_t n) { return inject() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { return inject() ? NULL : __real_aligned_alloc(a, n); }

enum { VICTIM = 1 };

typedef struct run_cfg {
    size_t n;
    lg_dtype dt;
    lg_mode mode;
    int threads;
    long epochs;
} run_cfg;

/* One training run on this rank's slice, rank VICTIM's k-th allocation failing. */
static lg_status run(const run_cfg *c, long k, lg_train_result *res)
{
    struct lg_ranks *share;
    lg_tensor *x = NULL, *y = NULL;
    CHECK(lg_mpi_ranks_new(MPI_COMM_WORLD, c->n, &share) == LG_OK);
    size_t begin, count;
    lg_mpi_ranks_slice(share, &begin, &count);
    CHECK(lg_tensor_new(c->dt, count, false, &x) == LG_OK);
    CHECK(lg_tensor_new(c->dt, count, false, &y) == LG_OK);
    CHECK(lg_make_linear_range(0.3, 0.5, 0.01, 42, c->dt, begin, count, lg_tensor_data(x),
                               lg_tensor_data(y)) == LG_OK);
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.max_epochs = c->epochs, o.tol = 0, o.mode = c->mode, o.threads = c->threads;
    o.ranks = share;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    atomic_store(&calls, 0), atomic_store(&failed, false);
    atomic_store(&fail_at, rank == VICTIM ? k : 0);
    lg_status st = lg_train(x, y, &o, res);
    atomic_store(&fail_at, 0);
    lg_tensor_free(x), lg_tensor_free(y);
    lg_mpi_ranks_free(share);
    return st;
}

static bool same(const lg_train_result *a, const lg_train_result *b)
{
    return a->n_history == b->n_history &&
           memcmp(a->history, b->history, a->n_history * sizeof *a->history) == 0;
}

/* Returns how many runs failed as they should. */
static long sweep(const run_cfg *c)
{
    lg_train_result want, got;
    CHECK(run(c, 0, &want) == LG_OK);
    long k = 1;
    for (;; k++) {
        lg_status st = run(c, k, &got);
        int hit = atomic_load(&failed), any = 0;
        MPI_Allreduce(&hit, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (!any) { /* past rank 1's last allocation: a clean run */
            CHECK(st == LG_OK && same(&got, &want));
            lg_train_result_free(&got);
            break;
        }
        int lo = (int)st, hi = (int)st;
        MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        CHECK(lo == hi); /* every rank returns the same status */
        if (st == LG_OK) { /* absorbed (lingrad.h: the arena's merge): the clean result */
            CHECK(same(&got, &want));
        } else if (st != LG_ENOMEM || strncmp(lg_last_error(), "rank 1: ", 8) != 0) {
            fprintf(stderr, "k = %ld: want rank 1's LG_ENOMEM, got %d: %s\n", k, (int)st,
                    lg_last_error());
            check_failures++;
        }
        lg_train_result_free(&got);
    }
    lg_train_result_free(&want);
    return k - 1;
}

int main(int argc, char **argv)
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(size > VICTIM);
    /* many blocks; eager and graph allocate inside the first epoch, between
     * exchanges; 4,100 epochs grow the history (4,096 at first) mid-run */
    const run_cfg cfgs[] = {
        {100003, LG_F64, LG_MODE_EAGER, 1, 3},  {100003, LG_F32, LG_MODE_EAGER, 2, 3},
        {100003, LG_F64, LG_MODE_GRAPH, 1, 3},  {100003, LG_F32, LG_MODE_GRAPH, 2, 3},
        {4097, LG_F64, LG_MODE_FUSED, 1, 4100}, {4097, LG_F32, LG_MODE_EAGER, 1, 3},
    };
    long failures = 0;
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0] && size > VICTIM; i++)
        failures += sweep(&cfgs[i]);
    CHECK(failures > 10); /* the sweeps did reach lingrad's allocations */
    if (rank == 0)
        printf("test_mpi_fail: %ld runs with rank 1 failing, all ended on every rank\n", failures);
    int mine = check_failures, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    check_failures = all;
    return check_done(rank == 0 ? "test_mpi_fail" : "test_mpi_fail (rank)");
}
