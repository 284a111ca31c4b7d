/*
 * The training suite: the tutorial's end-to-end workload (n = 100, until loss <
 * 5e-5 or 500 epochs, seed 42) per ISA, in each mode; and time per epoch at
 * n = 10^4, 10^6, 10^8 in each mode (f32, all cores, on the process's table:
 * LINGRAD_ISA, else the best this CPU runs). Graph mode runs twice at each size:
 * "graph" with its sweeps compiled (the default), "graph-interp" interpreted
 * (lg_train_opts.interpret). items/s = epochs/s. Each row names the table it
 * runs, and runs the table it names: both come from one variable.
 *
 * And what threads buy a training run against n, per mode and dtype
 * (train/threads/: 1 thread and 2, 4, ... up to the cores, from 2^10 to 10^8,
 * per epoch with the team from the first epoch; train/whole/: whole runs of 1
 * to 10^5 epochs on 1 thread and on all cores, as the driver chooses).
 *
 * The per-epoch rows exclude graph mode's one-time costs: they report lingrad's
 * own clock of the epoch loop less the planning and compiling it sets apart
 * (lg_train_result.seconds - setup_seconds), as manual time. bench/run.sh
 * measures those one-time costs on their own (bench/jit_setup.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "exec/topology.h"

/* A size's data, made when its first row runs: the thread sweep's sizes (3.4 GB
 * of x and y in all, f32 and f64) cost nothing to a run filtered to other rows. */
typedef struct lazy_data {
    size_t n;
    lg_dtype dt;
    lg_tensor *x, *y;
} lazy_data;

typedef struct tbench {
    lg_tensor *x, *y;
    lazy_data *lazy; /* x and y come from here when set */
    lg_train_opts o;
    size_t need; /* bytes the run allocates beyond x and y; 0 if negligible */
    bool steady; /* time the epochs alone (manual time), not the whole call */
} tbench;

/* MemAvailable from /proc/meminfo in bytes, or 0 where it cannot be read. */
static size_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[128];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (size_t)kb * 1024;
}

/* Graph rows say whether their sweeps ran compiled or interpreted, so each must
 * run as it says: a compiled row where the JIT is off (LINGRAD_JIT=0, no
 * compiler) is skipped with lingrad's reason, never reported as compiled. */
static bool ran_as_asked(lg_bench_state *st, const lg_train_opts *o, const lg_train_result *r)
{
    if (o->mode != LG_MODE_GRAPH)
        return true;
    const char *want = o->interpret ? "interpreted" : "compiled";
    if (strncmp(r->graph_exec, want, strlen(want)) == 0)
        return true;
    char why[sizeof r->graph_exec + 48];
    snprintf(why, sizeof why, "asked for %s sweeps, ran %s", want, r->graph_exec);
    lg_bench_skip(st, why);
    return false;
}

static bool have_data(lg_bench_state *st, tbench *b)
{
    lazy_data *d = b->lazy;
    if (!d || b->x)
        return true;
    if (!d->x) { /* the size's first row: the rows after it share the data */
        if (lg_make_linear(0.3, 0.5, d->n, 0.01, 1, d->dt, &d->x, &d->y) != LG_OK) {
            lg_bench_skip(st, lg_last_error());
            return false;
        }
        lg_bench_keep_tensor(d->x);
        lg_bench_keep_tensor(d->y);
    }
    b->x = d->x, b->y = d->y;
    return true;
}

static void bm_train(lg_bench_state *st, void *arg)
{
    tbench *b = arg;
    if (!have_data(st, b))
        return;
    /* Checked when the row runs, not when it is registered, so that the data of
     * every row (made at start-up) is already counted as used. A row skipped here
     * says why in the JSON, where the kernel's out-of-memory kill would have
     * ended the whole suite (Linux overcommits: malloc does not fail first). */
    size_t avail = b->need ? mem_available() : 0;
    if (avail && avail < b->need) {
        char why[160];
        snprintf(why, sizeof why, "needs about %.1f GB of intermediates; %.1f GB available",
                 (double)b->need / 1e9, (double)avail / 1e9);
        lg_bench_skip(st, why);
        return;
    }
    long epochs = 0, teams = 0;
    double setup = 0.0;
    for (size_t k; (k = lg_bench_batch(st)) != 0;)
        for (size_t i = 0; i < k; i++) {
            lg_train_result r;
            if (lg_train(b->x, b->y, &b->o, &r) != LG_OK) {
                lg_bench_skip(st, lg_last_error());
                return;
            }
            if (!ran_as_asked(st, &b->o, &r)) {
                lg_train_result_free(&r);
                return;
            }
            epochs += r.last_epoch + 1; /* loss evaluations, the stopping one included */
            teams += r.threads_from_epoch >= 0;
            setup += r.setup_seconds;
            if (b->steady) /* one-time planning and compiling are not an epoch's */
                lg_bench_add_time(st, r.seconds - r.setup_seconds);
            lg_bench_do_not_optimize(&r.w);
            lg_train_result_free(&r);
        }
    lg_bench_set_items(st, epochs);
    /* x and y read once per epoch: the least any mode must move (fused moves
     * exactly that; eager and graph more), so bytes/s reads against the roofline */
    lg_bench_set_bytes(st, epochs * (int64_t)(2 * lg_tensor_size(b->x) * lg_dtype_size(lg_tensor_dtype(b->x))));
    double iters = (double)lg_bench_iterations(st);
    lg_bench_counter(st, "epochs", (double)epochs / iters, 0);
    if (b->o.threads > 1) /* the share of runs whose team started: where two threads ran */
        lg_bench_counter(st, "team", (double)teams / iters, 0);
    if (b->o.mode == LG_MODE_GRAPH) /* per lg_train call: a new graph plans again */
        lg_bench_counter(st, "setup_seconds", setup / iters, 0);
}

/* One row's arguments over shared data: the modes of one size train on the same
 * x and y (lg_train only reads them), so 10^8 is made once, not once per mode. */
static tbench *make(lg_tensor *x, lg_tensor *y, uint64_t seed, lg_mode mode)
{
    tbench *b = lg_bench_alloc(sizeof *b);
    b->x = x;
    b->y = y;
    lg_train_opts_default(&b->o);
    b->o.mode = mode;
    b->o.init_w = lg_uniform(seed, LG_STREAM_INIT, 0);
    b->o.init_b = lg_uniform(seed, LG_STREAM_INIT, 1);
    return b;
}

static void make_data(size_t n, lg_dtype dt, uint64_t seed, lg_tensor **x, lg_tensor **y)
{
    if (lg_make_linear(0.3, 0.5, n, 0.01, seed, dt, x, y) != LG_OK) {
        fprintf(stderr, "lingrad-bench: error: %s\n", lg_last_error());
        exit(1);
    }
    lg_bench_keep_tensor(*x);
    lg_bench_keep_tensor(*y);
}

static void tutorial(int quick)
{
    lg_tensor *x, *y;
    make_data(100, LG_F64, 42, &x, &y); /* the tutorial's data and defaults */
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        if (!lg_kernels_runnable(k))
            continue;
        for (int m = 0; m < LG_MODE_COUNT; m++) { /* every mode, in LG_MODES' order */
            if (quick && m == LG_MODE_EAGER)
                continue;
            tbench *b = make(x, y, 42, (lg_mode)m);
            b->o.isa = k->name;
            b->o.threads = 1;
            char name[120];
            snprintf(name, sizeof name, "train/tutorial/%s/f64/%s/threads:1/n:100",
                     lg_mode_name(b->o.mode), k->name);
            lg_bench_use_real_time(lg_bench_register(name, bm_train, b));
        }
    }
}

/* The per-epoch rows' variants: every mode in LG_MODES' order, graph mode
 * compiled under its own name and then interpreted as "graph-interp". */
typedef struct variant {
    lg_mode mode;
    bool interpret;
    const char *label; /* the row's mode field */
} variant;

static int variants(variant *v, int cap)
{
    int count = 0;
    for (int m = 0; m < LG_MODE_COUNT && count < cap; m++) {
        v[count++] = (variant){(lg_mode)m, false, lg_mode_name((lg_mode)m)};
        if (m == LG_MODE_GRAPH && count < cap)
            v[count++] = (variant){LG_MODE_GRAPH, true, "graph-interp"};
    }
    return count;
}

static void per_epoch(int quick)
{
    const size_t ns[] = {10000, 1000000, 100000000};
    const char *isa = lg_isa_default(); /* not NULL: main() has checked */
    int cores = lg_topology_get()->cores;
    variant v[LG_MODE_COUNT + 1];
    int nv = variants(v, LG_MODE_COUNT + 1);
    for (int s = 0; s < 3; s++) {
        /* quick keeps 10^6, and every variant but eager */
        if (quick && s != 1)
            continue;
        lg_tensor *x, *y;
        make_data(ns[s], LG_F32, 1, &x, &y);
        for (int i = 0; i < nv; i++) {
            if (quick && v[i].mode == LG_MODE_EAGER)
                continue;
            tbench *b = make(x, y, 1, v[i].mode);
            /* Eager keeps every op's output and gradient for the epoch: 3.1 GB
             * at 10^8 f32 (peak RSS less x and y, 2026-12), about 8 n-sized
             * buffers; 10 leaves room. Fused and graph allocate per worker, not
             * per element. */
            if (v[i].mode == LG_MODE_EAGER)
                b->need = 10 * ns[s] * lg_dtype_size(LG_F32);
            b->o.interpret = v[i].interpret;
            b->o.tol = 0;
            b->o.max_epochs = ns[s] >= 100000000 ? 5 : 20;
            b->o.threads = cores;
            b->o.threads_now = true; /* the team's epochs, not the policy's */
            b->o.isa = isa;
            b->steady = true;
            char name[120];
            snprintf(name, sizeof name, "train/epoch/%s/f32/%s/threads:%d/n:%zu", v[i].label, isa,
                     cores, ns[s]);
            lg_bench_use_manual_time(lg_bench_register(name, bm_train, b));
        }
    }
}

/* The thread counts the sweep compares with one: powers of two below the cores,
 * and the cores. Returns how many, at most cap. */
static int thread_counts(int cores, int *t, int cap)
{
    int count = 0;
    for (int k = 2; k < cores && count < cap - 1; k *= 2)
        t[count++] = k;
    if (cores > 1)
        t[count++] = cores;
    return count;
}

/* What threads buy a training run, per mode and dtype, against n: time per
 * epoch in steady state (the team's one-time start is reported apart by
 * lg_train, as graph mode's planning is), on 1 thread and on each count of
 * thread_counts(), the process's table. The report divides the rows of one mode and size
 * (tools/bench_report.py: the threads table and thread-speedup-vs-n.png); the
 * suite interleaves its repetitions at random, so load hits both sides alike.
 * Eager stops at 2^24: at 10^8 it needs 3 GB and seconds an epoch, and
 * train/epoch/ has it there. */
static void thread_sweep(int quick)
{
    const size_t ns[] = {1u << 10, 1u << 12, 1u << 14, 1u << 15, 1u << 16, 1u << 17,
                         1u << 18, 1u << 20, 1u << 22, 1u << 24, 100000000};
    const lg_mode modes[] = {LG_MODE_FUSED, LG_MODE_GRAPH, LG_MODE_EAGER};
    const char *isa = lg_isa_default();
    int t[16], nt = thread_counts(lg_topology_get()->cores, t, 16);
    if (quick || nt == 0) /* one core: nothing to compare */
        return;
    for (size_t s = 0; s < sizeof ns / sizeof ns[0] * 2; s++) {
        lazy_data *d = lg_bench_alloc(sizeof *d);
        size_t n = ns[s / 2];
        *d = (lazy_data){n, s % 2 ? LG_F64 : LG_F32, NULL, NULL};
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
            if (modes[m] == LG_MODE_EAGER && n > (1u << 24))
                continue;
            for (int i = -1; i < nt; i++) {
                tbench *b = make(NULL, NULL, 1, modes[m]);
                b->lazy = d;
                size_t epochs = ((size_t)1 << 25) / n;
                b->o.tol = 0;
                b->o.max_epochs = epochs < 5 ? 5 : epochs > 2000 ? 2000 : (long)epochs;
                b->o.threads = i < 0 ? 1 : t[i];
                b->o.threads_now = true; /* the team's epochs, not the policy's */
                b->o.isa = isa;
                b->steady = true;
                char name[120];
                snprintf(name, sizeof name, "train/threads/%s/%s/%s/threads:%d/n:%zu",
                         lg_mode_name(modes[m]), lg_dtype_name(d->dt), isa, b->o.threads, n);
                lg_bench_use_manual_time(lg_bench_register(name, bm_train, b));
            }
        }
    }
}

/* Whole runs, as a user's program calls lg_train: wall time of the call, one
 * time costs (the team's start, graph mode's planning) and the driver's choice
 * of when a team pays included, 1 thread and all the cores, from 1 epoch to 10^5
 * (train/whole/, the threads table's second half). Runs longer than about a
 * second on one thread (epochs x n above 2^28 elements, eager 2^26) are left
 * out: their start is lost in them. */
static void whole_runs(int quick)
{
    const size_t ns[] = {1u << 10, 1u << 14, 1u << 17, 1u << 20, 1u << 24, 100000000};
    const long es[] = {1, 10, 100, 1000, 10000, 100000};
    const lg_mode modes[] = {LG_MODE_FUSED, LG_MODE_GRAPH, LG_MODE_EAGER};
    const char *isa = lg_isa_default();
    int cores = lg_topology_get()->cores;
    if (quick || cores < 2)
        return;
    for (size_t s = 0; s < sizeof ns / sizeof ns[0] * 2; s++) {
        lazy_data *d = lg_bench_alloc(sizeof *d);
        size_t n = ns[s / 2];
        *d = (lazy_data){n, s % 2 ? LG_F64 : LG_F32, NULL, NULL};
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
            for (size_t e = 0; e < sizeof es / sizeof es[0]; e++) {
                double work = (double)es[e] * (double)n;
                if (work > (modes[m] == LG_MODE_EAGER ? 0x1p26 : 0x1p28) && es[e] > 1)
                    continue;
                if (modes[m] == LG_MODE_EAGER && n > (1u << 24))
                    continue;
                for (int threads = 1; threads <= cores; threads += cores - 1) {
                    tbench *b = make(NULL, NULL, 1, modes[m]);
                    b->lazy = d;
                    b->o.tol = 0;
                    b->o.max_epochs = es[e];
                    b->o.threads = threads;
                    b->o.isa = isa;
                    char name[120];
                    snprintf(name, sizeof name, "train/whole/%s/%s/%s/threads:%d/epochs:%ld/n:%zu",
                             lg_mode_name(modes[m]), lg_dtype_name(d->dt), isa, threads, es[e], n);
                    lg_bench_use_real_time(lg_bench_register(name, bm_train, b));
                }
            }
    }
}

void lg_bench_register_train(int quick)
{
    tutorial(quick);
    per_epoch(quick);
    thread_sweep(quick);
    whole_runs(quick);
}
