/* Blocked, deterministic execution of kernel-table entries on OpenMP threads. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core/dtype.h"
#include "exec/fpmode.h"
#include "exec/grain.h"
#include "exec/kernel_ops.h"
#include "exec/parallel.h"
#include "exec/ranks.h"
#include "exec/team.h"
#include "exec/topology.h"

size_t lg_par_grain(const lg_exec *ex)
{
    return ex->team ? lg_team_grain(ex->team) : lg_grain_of(ex->k, LG_GRAIN_FORK);
}

int lg_par_workers(const lg_exec *ex, size_t n)
{
    /* The least grain is the lowest any call splits at, in a team or not. One
     * thread asks first: it never measures the table's speed (lg_grain_rate). */
    return ex->threads > 1 && n >= lg_grain_of(ex->k, LG_GRAIN_LEAST) ? ex->threads : 1;
}

bool lg_par_wants_team(const lg_exec *ex, size_t n)
{
    return ex->threads > 1 && n >= lg_grain_of(ex->k, LG_GRAIN_TEAM);
}

void lg_par_for_blocks(const lg_exec *ex, const lg_blocks *b, lg_block_fn *fn, void *ctx)
{
    int threads = (size_t)ex->threads < b->count ? ex->threads : (int)b->count;
    if (threads <= 1 || ex->one_thread || b->n < lg_par_grain(ex)) {
        lg_blocks_run(b, 0, 0, b->count, fn, ctx); /* no share to work out: two divisions saved */
        return;
    }
    if (ex->team) {
        lg_team_dispatch(ex->team, b, fn, ctx);
        return;
    }
    /* A plain region: inside a caller's own parallel region it simply runs on
     * that thread (nested parallelism is off by default). */
    int first = lg_topology_current_core(); /* the workers start off the caller's core */
#pragma omp parallel num_threads(threads)
    {
        lg_topology_pin(omp_get_thread_num(), first);
        lg_blocks_run_share(b, omp_get_thread_num(), omp_get_num_threads(), fn, ctx);
    }
    lg_threads_note_made();
}

void lg_par_for(const lg_exec *ex, size_t n, lg_block_fn *fn, void *ctx)
{
    lg_blocks b = lg_exec_blocks(ex, n);
    lg_par_for_blocks(ex, &b, fn, ctx);
}

/* ---- one kernel-table entry over [0, n), block by block --------------------------- */

typedef struct kop_job {
    const lg_kernels *k;
    lg_dtype dt;
    lg_kop op;
    lg_kop_args args;
    lg_mse_sums part[LG_MAX_BLOCKS]; /* a reduction's sums, one per block */
} kop_job;

static void kop_block(void *ctx, int worker, size_t blk, size_t begin, size_t end)
{
    (void)worker;
    kop_job *j = ctx;
    if (!lg_kop_reduces(j->op)) { /* elementwise: any split gives the same bits */
        lg_kop_call(j->k, j->dt, j->op, &j->args, begin, end - begin);
        return;
    }
    lg_mse_sums t = {0.0, 0.0, 0.0};
    for (size_t b = begin; b < end; b += LG_TILE) {
        lg_mse_sums p = lg_kop_call(j->k, j->dt, j->op, &j->args, b, end - b < LG_TILE ? end - b : LG_TILE);
        t.r += p.r;
        t.rx += p.rx;
        t.rr += p.rr;
    }
    j->part[blk] = t;
}

lg_mse_sums lg_par_run_blocks(const lg_exec *ex, lg_dtype dt, lg_kop op, const lg_kop_args *args,
                              size_t n)
{
    kop_job j; /* not `= {...}`: that would zero 24 KiB of partials on every call */
    j.k = ex->k, j.dt = dt, j.op = op, j.args = *args;
    lg_par_for(ex, n, kop_block, &j);
    if (!lg_kop_reduces(op))
        return (lg_mse_sums){0.0, 0.0, 0.0};
    return lg_par_total(ex, j.part, lg_exec_blocks(ex, n).count);
}

static lg_mse_sums total_of(const lg_mse_sums *part, size_t blocks)
{
    lg_mse_sums t = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < blocks; i++) {
        t.r += part[i].r;
        t.rx += part[i].rx;
        t.rr += part[i].rr;
    }
    return t;
}

/* With ranks, every rank's blocks in global block order. A failed exchange
 * (another rank's failure, carried by it) gives NaN sums: training then stops on
 * every rank, and lg_train's closing vote returns the failure itself. */
lg_mse_sums lg_par_total_blocks(const lg_exec *ex, const lg_mse_sums *part, size_t blocks)
{
    if (!ex->ranks)
        return total_of(part, blocks);
    lg_mse_sums all[LG_MAX_BLOCKS];
    if (ex->ranks->gather(ex->ranks, part, all) != LG_OK)
        return (lg_mse_sums){NAN, NAN, NAN};
    return total_of(all, ex->ranks->total_blocks);
}

lg_mse_sums lg_par_mse(const lg_exec *ex, lg_dtype dt, const void *x, const void *y, size_t n,
                       double w, double b)
{
    return lg_par_run(ex, dt, LG_KOP_MSE, &(lg_kop_args){.p = x, .q = y, .a = w, .b = b}, n);
}

double lg_par_sum(const lg_exec *ex, lg_dtype dt, const void *p, size_t n)
{
    return lg_par_run(ex, dt, LG_KOP_SUM, &(lg_kop_args){.p = p}, n).r;
}

double lg_par_dot(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n)
{
    return lg_par_run(ex, dt, LG_KOP_DOT, &(lg_kop_args){.p = p, .q = q}, n).r;
}

void lg_par_axpb(const lg_exec *ex, lg_dtype dt, const void *x, size_t n, double a, double b,
                 void *out)
{
    lg_par_run(ex, dt, LG_KOP_AXPB, &(lg_kop_args){.p = x, .out = out, .a = a, .b = b}, n);
}

void lg_par_binary(const lg_exec *ex, lg_dtype dt, lg_binop op, const void *p, const void *q,
                   size_t n, void *out)
{
    lg_kop k = op == LG_BIN_ADD ? LG_KOP_ADD : op == LG_BIN_SUB ? LG_KOP_SUB : LG_KOP_MUL;
    lg_par_run(ex, dt, k, &(lg_kop_args){.p = p, .q = q, .out = out}, n);
}

void lg_par_square(const lg_exec *ex, lg_dtype dt, const void *p, size_t n, void *out)
{
    lg_par_run(ex, dt, LG_KOP_SQUARE, &(lg_kop_args){.p = p, .out = out}, n);
}

void lg_par_axpy(const lg_exec *ex, lg_dtype dt, const void *x, size_t n, double a, void *y)
{
    lg_par_run(ex, dt, LG_KOP_AXPY, &(lg_kop_args){.p = x, .out = y, .a = a}, n);
}

void lg_par_mulacc(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n,
                   double s, void *acc)
{
    lg_par_run(ex, dt, LG_KOP_MULACC, &(lg_kop_args){.p = p, .q = q, .out = acc, .a = s}, n);
}

/* Not a kernel-table entry: zeroing is the same for every table. */
typedef struct zero_job {
    lg_dtype dt;
    void *p;
} zero_job;

static void zero_block(void *ctx, int worker, size_t blk, size_t begin, size_t end)
{
    (void)worker, (void)blk;
    const zero_job *j = ctx;
    size_t size = lg_esize(j->dt);
    memset((char *)j->p + begin * size, 0, (end - begin) * size);
}

void lg_par_zero_blocks(const lg_exec *ex, lg_dtype dt, void *p, size_t n)
{
    zero_job j = {.dt = dt, .p = p};
    lg_par_for(ex, n, zero_block, &j);
}
