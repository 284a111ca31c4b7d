#define _POSIX_C_SOURCE 200809L
/*
 * The kernel suite: every kernel-table entry x ISA x dtype x n (L1 to DRAM) x
 * threads, through the parallel driver, plus the roofline: a two-array read (a
 * dot product, best ISA) over the same bytes on the same threads. Each kernel
 * row also reports `roofline_pct`, its bytes/s against that read, measured on
 * the same data just before it (untimed).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "exec/fpmode.h"
#include "exec/parallel.h"
#include "kop_args.h"
#include "ref_sums.h"
#include "exec/topology.h"
#include "timing.h"

typedef struct kbench {
    const lg_bench_data *d;
    lg_exec ex;       /* the kernel's table and threads */
    lg_exec best;     /* best table, same threads: for the roofline probe */
    lg_dtype dt;
    lg_kop op;
    bool roofline;    /* the two-array read on the best table: a dot product */
    size_t n;
} kbench;

/* The row's kernel name: the entry's, but "fused_mse" for mse and
 * "roofline_read" for the read, the names the committed results use. */
static const char *row_name(const kbench *b)
{
    if (b->roofline)
        return "roofline_read";
    return b->op == LG_KOP_MSE ? "fused_mse" : lg_kop_about(b->op)->name;
}

static lg_mse_sums run_sums(const kbench *b, lg_kop op, const lg_exec *ex)
{
    const void *x = b->d->x[b->dt], *y = b->d->y[b->dt];
    lg_kop_args a = lg_bench_kop_args(op, x, y, b->d->out[b->dt]);
    return lg_par_run(ex, b->dt, op, &a, b->n);
}

static double run(const kbench *b, lg_kop op, const lg_exec *ex)
{
    lg_mse_sums s = run_sums(b, op, ex);
    return s.r + s.rx + s.rr;
}

/* fused_mse and dot rows report the relative error of one untimed call's sums
 * against the long-double reference, as the peer rows do (suite_peers.c), so
 * rate and accuracy sit side by side in one table. */
static void err_counters(lg_bench_state *st, const kbench *b)
{
    if (b->roofline || (b->op != LG_KOP_MSE && b->op != LG_KOP_DOT))
        return;
    lg_mse_sums got = run_sums(b, b->op, &b->ex);
    const lg_bench_ref *ref = lg_bench_ref_for(b->d, b->dt, b->n);
    if (b->op == LG_KOP_MSE)
        lg_bench_mse_err_counters(st, got, ref);
    else
        lg_bench_counter(st, "rel_err", lg_bench_rel_err(got.r, ref->dot), 0);
}

/* Bytes/s of the two-array read on this data: best of a few untimed calls. */
static double probe_read(const kbench *b)
{
    int calls = b->n >= 10000000 ? 1 : 5;
    double best = 1e30;
    for (int i = 0; i < calls; i++) {
        double t0 = lg_bench_now(), sink = run(b, LG_KOP_DOT, &b->best), t = lg_bench_now() - t0;
        lg_bench_do_not_optimize(&sink);
        best = t < best ? t : best;
    }
    return 2.0 * (double)b->n * (double)lg_dtype_size(b->dt) / best;
}

static void bm_kernel(lg_bench_state *st, void *arg)
{
    const kbench *b = arg;
    double roof = b->roofline ? 0.0 : probe_read(b);
    /* Training holds lingrad's floating-point mode for its whole loop
     * (train.c), so the driver's own enter is a nested no-op there; so here:
     * the rows then carry the driver's cost as training pays it, without two
     * control-register writes per call that training does not make. */
    lg_fpmode mode = lg_fpmode_enter();
    double t0 = lg_bench_now();
    for (size_t k; (k = lg_bench_batch(st)) != 0;)
        for (size_t i = 0; i < k; i++) {
            double v = run(b, b->op, &b->ex);
            lg_bench_do_not_optimize(&v);
        }
    double elapsed = lg_bench_now() - t0; /* the timed loop, as Google Benchmark's real time */
    lg_fpmode_leave(mode);
    int64_t it = lg_bench_iterations(st), n = (int64_t)b->n;
    const lg_kop_info *about = lg_kop_about(b->op);
    int64_t bytes = it * n * (about->reads + about->writes) * (int64_t)lg_dtype_size(b->dt);
    lg_bench_set_items(st, it * n);
    lg_bench_set_bytes(st, bytes);
    if (roof > 0 && elapsed > 0)
        lg_bench_counter(st, "roofline_pct", 100.0 * (double)bytes / elapsed / roof, 0);
    err_counters(st, b);
}

static void add(const lg_bench_data *d, const lg_kernels *k, const lg_kernels *best, int threads,
                lg_dtype dt, lg_kop op, bool roofline, size_t n, const char *level)
{
    kbench *b = lg_bench_alloc(sizeof *b);
    *b = (kbench){d, {.k = k, .threads = threads}, {.k = best, .threads = threads}, dt, op, roofline, n};
    char name[160];
    snprintf(name, sizeof name, "kernel/%s/%s/%s/threads:%d/n:%zu/%s", row_name(b),
             lg_dtype_name(dt), k->name, threads, n, level);
    lg_bench *r = lg_bench_register(name, bm_kernel, b);
    lg_bench_use_real_time(r);
}


/* 1, 2, 4, ... up to the core count, and the core count itself. */
static int thread_counts(int *out)
{
    int cores = lg_topology_get()->cores, count = 0;
    for (int t = 1; t < cores; t *= 2)
        out[count++] = t;
    out[count++] = cores;
    return count;
}

static void bm_skipped(lg_bench_state *st, void *arg)
{
    lg_bench_skip(st, arg);
}

/* Tables built in that this CPU cannot run show up as one skipped row each, with
 * the reason, rather than vanishing from the results. */
static void register_unrunnable(void)
{
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        if (lg_kernels_runnable(k))
            continue;
        char *why = lg_bench_alloc(96), name[64];
        snprintf(why, 96, "this CPU cannot run the %s kernels", k->name);
        snprintf(name, sizeof name, "kernel/%s/skipped", k->name);
        lg_bench_register(name, bm_skipped, why);
    }
}

/* How well this machine runs T threads right now, independent of lingrad: a
 * compute-only loop split by a plain OpenMP for. A gate on lingrad's thread
 * scaling divides by this, so a busy machine (another process on a core) does
 * not look like a lingrad regression, while a driver that stopped using threads
 * still does. */
static void bm_omp_probe(lg_bench_state *st, void *arg)
{
    int threads = *(const int *)arg;
    const long work = 1L << 21;
    for (size_t k; (k = lg_bench_batch(st)) != 0;)
        for (size_t i = 0; i < k; i++) {
            double acc = 0.0;
#pragma omp parallel for num_threads(threads) reduction(+ : acc) schedule(static)
            for (long j = 0; j < work; j++)
                acc += sqrt((double)j * 1e-3);
            lg_bench_do_not_optimize(&acc);
        }
    lg_bench_set_items(st, lg_bench_iterations(st) * work);
}

static void register_omp_probe(void)
{
    int ts[16], nts = thread_counts(ts);
    for (int t = 0; t < nts; t++) {
        int *arg = lg_bench_alloc(sizeof *arg);
        *arg = ts[t];
        char name[64];
        snprintf(name, sizeof name, "probe/omp_compute/threads:%d/n:%ld", ts[t], 1L << 21);
        lg_bench_use_real_time(lg_bench_register(name, bm_omp_probe, arg));
    }
}

void lg_bench_register_kernels(const lg_bench_data *d, int quick)
{
    register_unrunnable();
    register_omp_probe();
    int ts[16], nts = thread_counts(ts);
    const lg_kernels *best = lg_kernels_best();
    /* every entry, then the roofline read (a dot product on the best table) */
    for (int kernel = 0; kernel <= LG_KOP_COUNT; kernel++) {
        bool roofline = kernel == LG_KOP_COUNT;
        lg_kop op = roofline ? LG_KOP_DOT : (lg_kop)kernel;
        if (quick && op != LG_KOP_MSE && !roofline)
            continue;
        for (int di = 0; di < 2; di++) {
            lg_dtype dt = di ? LG_F64 : LG_F32;
            if (quick && dt == LG_F64)
                continue;
            lg_bench_sizes sz = lg_bench_sizes_for(lg_dtype_size(dt), quick);
            for (int s = 0; s < sz.count; s++) {
                /* at 10^8 only the headline rows: fused, roofline */
                if (s == 4 && op != LG_KOP_MSE && !roofline)
                    continue;
                for (size_t i = 0; i < lg_kernels_count(); i++) {
                    const lg_kernels *k = lg_kernels_at(i);
                    if (!lg_kernels_runnable(k) || (roofline && k != best))
                        continue;
                    for (int t = 0; t < nts; t++)
                        add(d, k, best, ts[t], dt, op, roofline, sz.n[s], sz.level[s]);
                }
            }
        }
    }
}
