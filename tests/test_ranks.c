/* The rank level of the reduction (src/exec/ranks.h), without MPI: R ranks
 * simulated by R threads in one process, each training on its slice of the
 * data, their exchange a copy through shared memory between two barriers. Every
 * rank's history must be the single-process history, bit for bit, for any R,
 * because every rank adds all blocks' partials in global block order. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"
#include "exec/parallel.h"
#include "exec/ranks.h"

enum { MAX_RANKS = 4 };

static long epochs = 12;

typedef struct world {
    pthread_barrier_t barrier;
    lg_mse_sums shared[LG_MAX_BLOCKS];
} world;

/* Every rank writes its blocks, waits for all, reads all, and waits again so
 * that nobody overwrites `shared` before everyone has read it. */
static lg_status gather(const lg_ranks *r, const lg_mse_sums *mine, lg_mse_sums *all)
{
    world *w = r->ctx;
    memcpy(&w->shared[r->first_block], mine, r->blocks * sizeof *mine);
    pthread_barrier_wait(&w->barrier);
    memcpy(all, w->shared, r->total_blocks * sizeof *all);
    pthread_barrier_wait(&w->barrier);
    return LG_OK;
}

typedef struct rank_job {
    lg_ranks ranks;
    lg_dtype dt;
    lg_mode mode;
    int threads;
    lg_train_result res;
    lg_status status;
} rank_job;

static lg_train_opts opts_of(lg_mode mode, int threads)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.max_epochs = epochs, o.tol = 0.0, o.mode = mode, o.threads = threads;
    o.init_w = 0.125, o.init_b = 0.75;
    return o;
}

/* One rank: its slice made by lg_make_linear_range, as lingrad-mpi makes it. */
static void *run_rank(void *arg)
{
    rank_job *j = arg;
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
        jobs[r] = (rank_job){.ranks = {n, b.len, b.count, first, blocks, gather, &w},
                             .dt = dt, .mode = mode, .threads = threads};
        CHECK(pthread_create(&tid[r], NULL, run_rank, &jobs[r]) == 0);
    }
    for (int r = 0; r < nranks; r++) {
        pthread_join(tid[r], NULL);
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
    lg_blocks b = lg_blocks_of(n);
    size_t first, blocks;
    for (int r = 1; r <= MAX_RANKS && lg_ranks_share(n, b.len, b.count, 0, (size_t)r, &first, &blocks); r++)
        for (int threads = 1; threads <= 2; threads++)
            check_ranks(n, r, dt, mode, threads, &want);
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
    lg_ranks r = {10000, b.len, b.count, 0, 2, gather, &w};
    lg_tensor *x, *y;
    CHECK(lg_make_linear(0.3, 0.5, 100, 0.01, 42, LG_F64, &x, &y) == LG_OK);
    lg_train_opts o = opts_of(LG_MODE_FUSED, 1);
    o.ranks = &r;
    lg_train_result res;
    CHECK(lg_train(x, y, &o, &res) == LG_EINVAL);
    CHECK(strstr(lg_last_error(), "this rank holds elements [0, 4096) of 10000") != NULL);
    lg_tensor_free(x);
    lg_tensor_free(y);
    pthread_barrier_destroy(&w.barrier);
}

int main(void)
{
    /* one block; three blocks with a short last one; many blocks, odd n */
    const size_t sizes[] = {100, 4097, 4098, 100003};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int dt = 0; dt < 2; dt++)
            for (int m = 0; m < 3; m++)
                check_size(sizes[i], dt ? LG_F64 : LG_F32,
                           m == 0 ? LG_MODE_FUSED : m == 1 ? LG_MODE_EAGER : LG_MODE_GRAPH);
    /* Past 1,024 x 16,384 elements the global blocks grow (16,448 here), while
     * each rank's half on its own would be cut in blocks of 16,384: the plan and
     * the driver must use the global layout. A few epochs: qemu runs this too. */
    check_big(LG_MODE_FUSED);
    check_big(LG_MODE_GRAPH);
    check_refusals();
    return check_done("test_ranks");
}
