/* Blocked, deterministic execution of kernel-table entries on OpenMP threads. */
#include <omp.h>
#include <string.h>

#include "exec/fpmode.h"
#include "exec/parallel.h"
#include "exec/team.h"
#include "exec/topology.h"

/* Below these sizes a call runs on one thread. Forking an OpenMP team costs about
 * 1.5-4 us here; posting to a running team about 0.3 us. With the fastest SIMD
 * kernel (~50 G elements/s in cache) one thread does 2^18 elements in ~5 us, so
 * two threads win clearly above it; scalar kernels (~1-3 G/s) win 16x earlier.
 * Checked by the thread-scaling benchmark: 2 threads are never slower than 1. */
#define GRAIN_FORK ((size_t)1 << 18)
#define GRAIN_TEAM ((size_t)1 << 15)
#define SCALAR_GRAIN_DIVISOR 16

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

static size_t round_up64(size_t a)
{
    return ceil_div(a, 64) * 64;
}

lg_blocks lg_blocks_of(size_t n)
{
    size_t len = round_up64(ceil_div(n, 64)); /* aim for 64 blocks ... */
    len = len < LG_BLOCK_MIN ? LG_BLOCK_MIN : len > LG_BLOCK_MAX ? LG_BLOCK_MAX : len;
    if (ceil_div(n, len) > LG_MAX_BLOCKS) /* ... but never more than LG_MAX_BLOCKS */
        len = round_up64(ceil_div(n, LG_MAX_BLOCKS));
    return (lg_blocks){.n = n, .len = len, .count = ceil_div(n, len)};
}

/* Every thread that runs lingrad's blocks comes through here: the one place to
 * flush subnormals (see fpmode.h) and give the thread its mode back. */
static void run_blocks(const lg_blocks *b, size_t first, size_t last, lg_block_fn *fn, void *ctx)
{
    lg_fpmode mode = lg_fpmode_enter();
    for (size_t i = first; i < last; i++) {
        size_t begin = i * b->len, end = begin + b->len < b->n ? begin + b->len : b->n;
        fn(ctx, i, begin, end);
    }
    lg_fpmode_leave(mode);
}

void lg_blocks_run_share(const lg_blocks *b, int t, int threads, lg_block_fn *fn, void *ctx)
{
    size_t first = b->count * (size_t)t / (size_t)threads;
    size_t last = b->count * (size_t)(t + 1) / (size_t)threads;
    run_blocks(b, first, last, fn, ctx);
}

size_t lg_par_grain(const lg_exec *ex)
{
    size_t g = ex->team ? GRAIN_TEAM : GRAIN_FORK;
    return ex->k == &lg_kernels_scalar ? g / SCALAR_GRAIN_DIVISOR : g;
}

bool lg_par_wants_team(const lg_exec *ex, size_t n)
{
    size_t g = ex->k == &lg_kernels_scalar ? GRAIN_TEAM / SCALAR_GRAIN_DIVISOR : GRAIN_TEAM;
    return ex->threads > 1 && n >= g;
}

void lg_par_for(const lg_exec *ex, size_t n, lg_block_fn *fn, void *ctx)
{
    lg_blocks b = lg_blocks_of(n);
    int threads = (size_t)ex->threads < b.count ? ex->threads : (int)b.count;
    if (threads <= 1 || n < lg_par_grain(ex)) {
        run_blocks(&b, 0, b.count, fn, ctx); /* no share to work out: two divisions saved */
        return;
    }
    if (ex->team) {
        lg_team_dispatch(ex->team, &b, fn, ctx);
        return;
    }
    /* A plain region: inside a caller's own parallel region it simply runs on
     * that thread (nested parallelism is off by default). */
#pragma omp parallel num_threads(threads)
    {
        lg_topology_pin(omp_get_thread_num());
        lg_blocks_run_share(&b, omp_get_thread_num(), omp_get_num_threads(), fn, ctx);
    }
}

/* ---- reductions: one partial per block, added in block order ------------------- */

static const void *at(const void *p, lg_dtype dt, size_t i)
{
    return (const char *)p + i * lg_dtype_size(dt);
}

static void *at_mut(void *p, lg_dtype dt, size_t i)
{
    return (char *)p + i * lg_dtype_size(dt);
}

typedef struct mse_job {
    const lg_kernels *k;
    lg_dtype dt;
    const void *x, *y;
    double w, b;
    lg_mse_sums part[LG_MAX_BLOCKS];
} mse_job;

static void mse_block(void *ctx, size_t blk, size_t begin, size_t end)
{
    mse_job *j = ctx;
    size_t m = end - begin;
    j->part[blk] = j->dt == LG_F32
        ? j->k->f32.mse(at(j->x, LG_F32, begin), at(j->y, LG_F32, begin), m, (float)j->w, (float)j->b)
        : j->k->f64.mse(at(j->x, LG_F64, begin), at(j->y, LG_F64, begin), m, j->w, j->b);
}

lg_mse_sums lg_par_mse(const lg_exec *ex, lg_dtype dt, const void *x, const void *y, size_t n,
                       double w, double b)
{
    mse_job j; /* not `= {...}`: that would zero 24 KiB of partials on every call */
    j.k = ex->k, j.dt = dt, j.x = x, j.y = y, j.w = w, j.b = b;
    lg_par_for(ex, n, mse_block, &j);
    lg_mse_sums t = {0.0, 0.0, 0.0};
    for (size_t i = 0, count = lg_blocks_of(n).count; i < count; i++) {
        t.r += j.part[i].r;
        t.rx += j.part[i].rx;
        t.rr += j.part[i].rr;
    }
    return t;
}

typedef struct dot_job {
    const lg_kernels *k;
    lg_dtype dt;
    const void *p, *q; /* q == NULL: a plain sum */
    double part[LG_MAX_BLOCKS];
} dot_job;

static void dot_block(void *ctx, size_t blk, size_t begin, size_t end)
{
    dot_job *j = ctx;
    size_t m = end - begin;
    const void *p = at(j->p, j->dt, begin), *q = j->q ? at(j->q, j->dt, begin) : NULL;
    if (j->dt == LG_F32)
        j->part[blk] = q ? j->k->f32.dot(p, q, m) : j->k->f32.sum(p, m);
    else
        j->part[blk] = q ? j->k->f64.dot(p, q, m) : j->k->f64.sum(p, m);
}

static double dot_or_sum(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n)
{
    dot_job j; /* partials are written before they are read: no zeroing */
    j.k = ex->k, j.dt = dt, j.p = p, j.q = q;
    lg_par_for(ex, n, dot_block, &j);
    double t = 0.0;
    for (size_t i = 0, count = lg_blocks_of(n).count; i < count; i++)
        t += j.part[i];
    return t;
}

double lg_par_sum(const lg_exec *ex, lg_dtype dt, const void *p, size_t n)
{
    return dot_or_sum(ex, dt, p, NULL, n);
}

double lg_par_dot(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n)
{
    return dot_or_sum(ex, dt, p, q, n);
}

/* ---- elementwise: each block writes its own slice --------------------------------- */

typedef enum ew_op { EW_AXPB, EW_ADD, EW_SUB, EW_MUL, EW_SQUARE, EW_AXPY, EW_MULACC, EW_ZERO } ew_op;

typedef struct ew_job {
    const lg_kernels *k;
    lg_dtype dt;
    ew_op op;
    const void *p, *q;
    void *out;
    double a, b;
} ew_job;

static void ew_block_f32(const ew_job *j, const float *p, const float *q, float *o, size_t m)
{
    const lg_kernels_f32 *k = &j->k->f32;
    switch (j->op) {
    case EW_AXPB: k->axpb(p, m, (float)j->a, (float)j->b, o); break;
    case EW_ADD: k->add(p, q, m, o); break;
    case EW_SUB: k->sub(p, q, m, o); break;
    case EW_MUL: k->mul(p, q, m, o); break;
    case EW_SQUARE: k->square(p, m, o); break;
    case EW_AXPY: k->axpy(p, m, (float)j->a, o); break;
    case EW_MULACC: k->mulacc(p, q, m, (float)j->a, o); break;
    case EW_ZERO: memset(o, 0, m * sizeof *o); break;
    }
}

static void ew_block_f64(const ew_job *j, const double *p, const double *q, double *o, size_t m)
{
    const lg_kernels_f64 *k = &j->k->f64;
    switch (j->op) {
    case EW_AXPB: k->axpb(p, m, j->a, j->b, o); break;
    case EW_ADD: k->add(p, q, m, o); break;
    case EW_SUB: k->sub(p, q, m, o); break;
    case EW_MUL: k->mul(p, q, m, o); break;
    case EW_SQUARE: k->square(p, m, o); break;
    case EW_AXPY: k->axpy(p, m, j->a, o); break;
    case EW_MULACC: k->mulacc(p, q, m, j->a, o); break;
    case EW_ZERO: memset(o, 0, m * sizeof *o); break;
    }
}

static void ew_block(void *ctx, size_t blk, size_t begin, size_t end)
{
    (void)blk;
    const ew_job *j = ctx;
    const void *p = j->p ? at(j->p, j->dt, begin) : NULL, *q = j->q ? at(j->q, j->dt, begin) : NULL;
    void *o = at_mut(j->out, j->dt, begin);
    if (j->dt == LG_F32)
        ew_block_f32(j, p, q, o, end - begin);
    else
        ew_block_f64(j, p, q, o, end - begin);
}

static void elementwise(const lg_exec *ex, lg_dtype dt, ew_op op, const void *p, const void *q,
                        size_t n, double a, double b, void *out)
{
    ew_job j = {.k = ex->k, .dt = dt, .op = op, .p = p, .q = q, .out = out, .a = a, .b = b};
    lg_par_for(ex, n, ew_block, &j);
}

void lg_par_axpb(const lg_exec *ex, lg_dtype dt, const void *x, size_t n, double a, double b,
                 void *out)
{
    elementwise(ex, dt, EW_AXPB, x, NULL, n, a, b, out);
}

void lg_par_binary(const lg_exec *ex, lg_dtype dt, lg_binop op, const void *p, const void *q,
                   size_t n, void *out)
{
    ew_op e = op == LG_BIN_ADD ? EW_ADD : op == LG_BIN_SUB ? EW_SUB : EW_MUL;
    elementwise(ex, dt, e, p, q, n, 0.0, 0.0, out);
}

void lg_par_square(const lg_exec *ex, lg_dtype dt, const void *p, size_t n, void *out)
{
    elementwise(ex, dt, EW_SQUARE, p, NULL, n, 0.0, 0.0, out);
}

void lg_par_axpy(const lg_exec *ex, lg_dtype dt, const void *x, size_t n, double a, void *y)
{
    elementwise(ex, dt, EW_AXPY, x, NULL, n, a, 0.0, y);
}

void lg_par_mulacc(const lg_exec *ex, lg_dtype dt, const void *p, const void *q, size_t n,
                   double s, void *acc)
{
    elementwise(ex, dt, EW_MULACC, p, q, n, s, 0.0, acc);
}

void lg_par_zero(const lg_exec *ex, lg_dtype dt, void *p, size_t n)
{
    elementwise(ex, dt, EW_ZERO, NULL, NULL, n, 0.0, 0.0, p);
}
