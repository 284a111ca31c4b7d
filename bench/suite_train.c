/*
 * The training suite: the tutorial's end-to-end workload (n = 100, until loss <
 * 5e-5 or 500 epochs, seed 42) per ISA, fused and eager; and time per epoch at
 * n = 10^4, 10^6, 10^8 (f32, all cores, on the process's table: LINGRAD_ISA,
 * else the best this CPU runs). items/s = epochs/s. Each row names the table it
 * runs, and runs the table it names: both come from one variable.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "exec/topology.h"

typedef struct tbench {
    lg_tensor *x, *y;
    lg_train_opts o;
} tbench;

static void bm_train(lg_bench_state *st, void *arg)
{
    tbench *b = arg;
    long epochs = 0;
    for (size_t k; (k = lg_bench_batch(st)) != 0;)
        for (size_t i = 0; i < k; i++) {
            lg_train_result r;
            if (lg_train(b->x, b->y, &b->o, &r) != LG_OK) {
                lg_bench_skip(st, lg_last_error());
                return;
            }
            epochs += r.last_epoch + 1; /* loss evaluations, the stopping one included */
            lg_bench_do_not_optimize(&r.w);
            lg_train_result_free(&r);
        }
    lg_bench_set_items(st, epochs);
    lg_bench_counter(st, "epochs", (double)epochs / (double)lg_bench_iterations(st), 0);
}

static tbench *make(size_t n, lg_dtype dt, uint64_t seed)
{
    tbench *b = lg_bench_alloc(sizeof *b);
    if (lg_make_linear(0.3, 0.5, n, 0.01, seed, dt, &b->x, &b->y) != LG_OK) {
        fprintf(stderr, "lingrad-bench: error: %s\n", lg_last_error());
        exit(1);
    }
    lg_bench_keep_tensor(b->x);
    lg_bench_keep_tensor(b->y);
    lg_train_opts_default(&b->o);
    b->o.init_w = lg_uniform(seed, LG_STREAM_INIT, 0);
    b->o.init_b = lg_uniform(seed, LG_STREAM_INIT, 1);
    return b;
}

static void tutorial(int quick)
{
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        if (!lg_kernels_runnable(k))
            continue;
        for (int m = 0; m < 2; m++) {
            if (quick && m == 1)
                continue;
            tbench *b = make(100, LG_F64, 42); /* the tutorial's data and defaults */
            b->o.mode = m ? LG_MODE_EAGER : LG_MODE_FUSED;
            b->o.isa = k->name;
            b->o.threads = 1;
            char name[120];
            snprintf(name, sizeof name, "train/tutorial/%s/f64/%s/threads:1/n:100",
                     lg_mode_name(b->o.mode), k->name);
            lg_bench_use_real_time(lg_bench_register(name, bm_train, b));
        }
    }
}

static void per_epoch(int quick)
{
    const size_t ns[] = {10000, 1000000, 100000000};
    const char *isa = lg_isa_default(); /* not NULL: main() has checked */
    int cores = lg_topology_get()->cores;
    for (int s = 0; s < 3; s++)
        for (int m = 0; m < 2; m++) {
            /* eager at 10^8 needs ~10 GB of intermediates; quick keeps 10^6 fused */
            if ((m == 1 && s == 2) || (quick && (m == 1 || s != 1)))
                continue;
            tbench *b = make(ns[s], LG_F32, 1);
            b->o.mode = m ? LG_MODE_EAGER : LG_MODE_FUSED;
            b->o.tol = 0;
            b->o.max_epochs = ns[s] >= 100000000 ? 5 : 20;
            b->o.threads = cores;
            b->o.isa = isa;
            char name[120];
            snprintf(name, sizeof name, "train/epoch/%s/f32/%s/threads:%d/n:%zu",
                     lg_mode_name(b->o.mode), isa, cores, ns[s]);
            lg_bench_use_real_time(lg_bench_register(name, bm_train, b));
        }
}

void lg_bench_register_train(int quick)
{
    tutorial(quick);
    per_epoch(quick);
}
