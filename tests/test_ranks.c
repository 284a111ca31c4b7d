/* The rank level of the reduction (src/exec/ranks.h), without MPI: R ranks
 * simulated by R threads in one process, each training on its slice of the
 * data, their exchange a copy through shared memory between two barriers. Every
 * rank's history must be the single-process history, bit for bit, for any R,
 * because every rank adds all blocks' partials in global block order. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"
#include "core/error.h"
#include "exec/parallel.h"
#include "exec/ranks.h"

enum { MAX_RANKS = 4 };

static long epochs = 12;

typedef struct world {
    pthread_barrier_t barrier;
    lg_status status[MAX_RANKS];
    bool stop[MAX_RANKS];
    lg_mse_sums shared[LG_MAX_BLOCKS];
} world;

typedef struct rank_job {
    lg_ranks ranks; /* first: the callbacks get the job from it */
    world *w;
    int rank, nranks;
    lg_status failed; /* as MPI's share keeps it: sticky */
    lg_dtype dt;
    lg_mode mode;
    int threads;
    lg_train_result res;
    lg_status status;
} rank_job;

/* The MPI layer's protocol with a barrier for a network: every collective is a
 * vote first; after a failure nobody meets again. Each rank writes, all wait,
 * all read, and all wait again so that nobody overwrites before all have read. */
static lg_status vote(const lg_ranks *r, lg_status local, bool stop_in, bool *stop)
{
    rank_job *j = (rank_job *)(void *)r;
    if (j->failed == LG_OK) {
        j->w->status[j->rank] = local, j->w->stop[j->rank] = stop_in;
        pthread_barrier_wait(&j->w->barrier);
        bool any = false;
        for (int q = 0; q < j->nranks; q++) {
            any = any || j->w->stop[q];
            if (j->failed == LG_OK && j->w->status[q] != LG_OK)
                j->failed = j->w->status[q];
        }
        pthread_barrier_wait(&j->w->barrier);
        if (stop)
            *stop = any;
    }
    if (j->failed == LG_OK || j->failed == local)
        return j->failed; /* its own failure keeps its own message */
    return lg_fail(j->failed, "a rank failed");
}

static lg_status gather(const lg_ranks *r, const lg_mse_sums *mine, lg_mse_sums *all)
{
    lg_status st = vote(r, LG_OK, false, NULL);
    if (st != LG_OK)
        return st;
    world *w = ((rank_job *)(void *)r)->w;
    memcpy(&w->shared[r->first_block], mine, r->blocks * sizeof *mine);
    pthread_barrier_wait(&w->barrier);
    memcpy(all, w->shared, r->total_blocks * sizeof *all);
    pthread_barrier_wait(&w->barrier);
    return LG_OK;
}

static lg_train_opts opts_of(lg_mode mode, int threads)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.max_epochs = epochs, o.tol = 0.0, o.mode = mode, o.threads = threads;
    o.threads_now = true; /* each rank's team from the first epoch */
    o.init_w = 0.125, o.init_b = 0.75;
    return o;
}

/* One rank: its slice made by lg_make_linear_range, as lingrad-mpi makes it.
 * Rank `fail_rank` fails at once, as if its data could not be had. */
static int fail_rank = -1;

static void *run_rank(void *arg)
{
    rank_job *j = arg;
    if (j->rank == fail_rank) {
        j->status = vote(&j->ranks, lg_fail(LG_EIO, "injected"), false, NULL);
        return NULL;
    }
    size_t begin, count;
    lg_ranks_slice(&j->ranks, &begin, &count);
    lg_tensor *x = NULL, *y = NULL;
    j->status = lg_tensor_new(j->dt, count, false, &x);
    if (j->status == LG_OK)
        j->status = lg_tensor_new(j->dt, count, false, &y);
    if (j->status == LG_OK)
        j->status = lg_make_linear_range(0.3, 0.5, 0.01, 42, j->dt, begin, count,
                                         lg_tensor_data(x), lg_tensor_data(y));
    lg_train_opts o = opts_of(j->mode, j->threads);
    o.ranks = &j->ranks;
    if (j->status == LG_OK)
        j->status = lg_train(x, y, &o, &j->res);
    lg_tensor_free(x);
    lg_tensor_free(y);
    return NULL;
}

static bool same_history(const lg_train_result *a, const lg_train_result *b)
{
    if (a->n_history != b->n_history)
        return false;
    return memcmp(a->history, b->history, a->n_history * sizeof *a->history) == 0 &&
           memcmp(&a->w, &b->w, sizeof a->w) == 0 && memcmp(&a->b, &b->b, sizeof a->b) == 0;
}

/* R ranks own contiguous runs of whole blocks (lg_ranks_share). */
static void check_ranks(size_t n, int nranks, lg_dtype dt, lg_mode mode, int threads,
                        const lg_train_result *want)
{
    lg_blocks b = lg_blocks_of(n);
    world w;
    pthread_barrier_init(&w.barrier, NULL, (unsigned)nranks);
    rank_job jobs[MAX_RANKS];
    pthread_t tid[MAX_RANKS];
    for (int r = 0; r < nranks; r++) {
        size_t first = 0, blocks = 0;
        CHECK(lg_ranks_share(n, b.len, b.count, (size_t)r, (size_t)nranks, &first, &blocks));
        jobs[r] = (rank_job){.ranks = {n, b.len, b.count, first, blocks, gather, vote, NULL},
                             .w = &w, .rank = r, .nranks = nranks, .dt = dt, .mode = mode,
                             .threads = threads};
        CHECK(pthread_create(&tid[r], NULL, run_rank, &jobs[r]) == 0);
    }
    for (int r = 0; r < nranks; r++) {
        pthread_join(tid[r], NULL);
        if (fail_rank >= 0) { /* every rank learns of the failure, whatever it was doing */
            CHECK(jobs[r].status == LG_EIO);
            lg_train_result_free(&jobs[r].res); /* after every return (lingrad.h) */
            continue;
        }
        CHECK(jobs[r].status == LG_OK);
        if (jobs[r].status == LG_OK && !same_history(&jobs[r].res, want)) {
            fprintf(stderr, "n = %zu, %d ranks, rank %d, %s %s, %d threads: history differs\n",
                    n, nranks, r, lg_dtype_name(dt), lg_mode_name(mode), threads);
            check_failures++;
        }
        if (jobs[r].status == LG_OK)
            lg_train_result_free(&jobs[r].res);
    }
    pthread_barrier_destroy(&w.barrier);
}

static void check_size(size_t n, lg_dtype dt, lg_mode mode)
{
    lg_tensor *x, *y;
    CHECK(lg_make_linear(0.3, 0.5, n, 0.01, 42, dt, &x, &y) == LG_OK);
    lg_train_opts o = opts_of(mode, 1);
    lg_train_result want;
    CHECK(lg_train(x, y, &o, &want) == LG_OK);
    /* up to MAX_RANKS whatever n: ranks past the blocks own none */
    for (int r = 1; r <= MAX_RANKS; r++)
        for (int threads = 1; threads <= 2; threads++)
            check_ranks(n, r, dt, mode, threads, &want);
    /* a rank that fails before training: every other one returns its error */
    for (fail_rank = 0; fail_rank < 3; fail_rank++)
        check_ranks(n, 3, dt, mode, 1, &want);
    fail_rank = -1;
    lg_train_result_free(&want);
    lg_tensor_free(x);
    lg_tensor_free(y);
}

static void check_big(lg_mode mode)
{
    const size_t n = ((size_t)1 << 24) + 3;
    long saved = epochs;
    epochs = 2;
    lg_tensor *x, *y;
    CHECK(lg_make_linear(0.3, 0.5, n, 0.01, 42, LG_F32, &x, &y) == LG_OK);
    lg_train_opts o = opts_of(mode, 1);
    lg_train_result want;
    CHECK(lg_train(x, y, &o, &want) == LG_OK);
    lg_tensor_free(x);
    lg_tensor_free(y);
    CHECK(lg_blocks_of(n).len != lg_blocks_of(n / 2).len); /* the case this is for */
    check_ranks(n, 2, LG_F32, mode, 1, &want);
    lg_train_result_free(&want);
    epochs = saved;
}

/* A rank's x must be its slice. */
static void check_refusals(void)
{
    world w;
    pthread_barrier_init(&w.barrier, NULL, 1);
    lg_blocks b = lg_blocks_of(10000);
    rank_job j = {.ranks = {10000, b.len, b.count, 0, 2, gather, vote, NULL}, .w = &w,
                  .nranks = 1};
    lg_tensor *x, *y;
    CHECK(lg_make_linear(0.3, 0.5, 100, 0.01, 42, LG_F64, &x, &y) == LG_OK);
    lg_train_opts o = opts_of(LG_MODE_FUSED, 1);
    o.ranks = &j.ranks;
    lg_train_result res;
    CHECK(lg_train(x, y, &o, &res) == LG_EINVAL);
    CHECK(strstr(lg_last_error(), "this rank holds elements [0, 4096) of 10000") != NULL);
    lg_tensor_free(x);
    lg_tensor_free(y);
    pthread_barrier_destroy(&w.barrier);
}

int main(void)
{
    /* one pair (a scalar to the ops: every rank holds it); one block; three
     * blocks with a one-pair last one (two runs: 3 and 4 ranks leave some
     * without); three blocks with a short last one; many blocks, odd n */
    const size_t sizes[] = {1, 3, 100, 4097, 4098, 100003};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int dt = 0; dt < 2; dt++)
            for (int m = 0; m < LG_MODE_COUNT; m++)
                check_size(sizes[i], dt ? LG_F64 : LG_F32, (lg_mode)m);
    /* Past 1,024 x 16,384 elements the global blocks grow (16,448 here), while
     * each rank's half on its own would be cut in blocks of 16,384: the plan and
     * the driver must use the global layout. A few epochs: qemu runs this too. */
    check_big(LG_MODE_FUSED);
    check_big(LG_MODE_GRAPH);
    check_refusals();
    return check_done("test_ranks");
}
