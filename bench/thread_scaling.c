/*
 * lingrad-scaling: what threads buy, measured in one run so machine noise hits
 * both sides of every ratio alike.
 *
 *   1. The fused f32 kernel (best table) through the parallel driver, 1 thread vs
 *      T threads (T = --threads, default 2), for n from 1 to 10^8; the two are
 *      interleaved and each row reports medians and their ratio.
 *   2. At n = 10^8 (DRAM): the fused kernel vs a two-array read over the same
 *      bytes (a dot product), both on T threads: the fraction of the roofline.
 *   3. Training (fused, f32, n = 10^6) on T threads: time per epoch vs one
 *      threaded kernel call, i.e. what the persistent team's handoffs cost.
 *   4. Generating 10^8 f32 points with make_linear on the default threads.
 *
 *   build/lingrad-scaling [--threads T] [--reps R] [--max-n N]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "exec/parallel.h"
#include "timing.h"

static volatile double sink;

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, lg_bench_cmp_double);
    return v[n / 2];
}

typedef struct probe {
    const float *x, *y;
    size_t n;
    int dot; /* 0: fused kernel, 1: dot product (two-array read) */
} probe;

/* Seconds per call, timing a batch of calls that lasts about 20 ms. */
static double per_call(const lg_exec *ex, const probe *p)
{
    double t0 = lg_bench_now();
    long calls = 0;
    do {
        if (p->dot) {
            sink = lg_par_dot(ex, LG_F32, p->x, p->y, p->n);
        } else {
            lg_mse_sums s = lg_par_mse(ex, LG_F32, p->x, p->y, p->n, 0.25, 0.125);
            sink = s.r + s.rx + s.rr;
        }
        calls++;
    } while (lg_bench_now() - t0 < 0.02);
    return (lg_bench_now() - t0) / (double)calls;
}

/* Interleaved medians of seconds per call for exec a and exec b. */
static void compare(const lg_exec *a, const probe *pa, const lg_exec *b, const probe *pb, int reps,
                    double out[2])
{
    double ta[64], tb[64];
    per_call(a, pa), per_call(b, pb); /* warm-up */
    for (int r = 0; r < reps; r++) {
        ta[r] = per_call(a, pa);
        tb[r] = per_call(b, pb);
    }
    out[0] = median(ta, reps), out[1] = median(tb, reps);
}

/* Powers of two below max, then max itself, then 0 to stop. */
static size_t next_n(size_t n, size_t max)
{
    return n >= max ? 0 : n * 2 < max ? n * 2 : max;
}

static void scaling_table(lg_exec one, lg_exec many, const float *x, const float *y, size_t max_n,
                          int reps)
{
    printf("## 1. fused f32 (%s), 1 vs %d threads: G elements/s, medians of %d\n\n", one.k->name,
           many.threads, reps);
    printf("| n | 1 thread | %d threads | speed-up |\n|---:|---:|---:|---:|\n", many.threads);
    double worst = 1e9;
    size_t worst_n = 0;
    for (size_t n = 1; n; n = next_n(n, max_n)) {
        probe p = {x, y, n, 0};
        double t[2];
        compare(&one, &p, &many, &p, reps, t);
        printf("| %zu | %.3f | %.3f | %.2f |\n", n, n / t[0] / 1e9, n / t[1] / 1e9, t[0] / t[1]);
        fflush(stdout);
        if (t[0] / t[1] < worst)
            worst = t[0] / t[1], worst_n = n;
    }
    printf("\nworst speed-up: %.3f at n = %zu\n\n", worst, worst_n);
}

/* The fused kernel against a two-array read of the same bytes on the same
 * threads; and the read on 1 thread, which says how far the memory system
 * itself scales: no kernel can scale beyond it. */
static void roofline(lg_exec one, lg_exec many, const float *x, const float *y, size_t n, int reps)
{
    probe fused = {x, y, n, 0}, read = {x, y, n, 1};
    double t[2], r[2];
    compare(&many, &fused, &many, &read, reps, t);
    compare(&one, &read, &many, &read, reps, r);
    double gb = 8.0 * (double)n / 1e9;
    printf("## 2. n = %zu on %d threads: fused %.1f GB/s, two-array read %.1f GB/s: %.1f%% of the "
           "roofline (fused %.2f G elements/s)\n\n", n, many.threads, gb / t[0], gb / t[1],
           100.0 * t[1] / t[0], n / t[0] / 1e9);
    printf("The read itself: %.1f GB/s on 1 thread, %.1f GB/s on %d: the memory system scales "
           "%.2fx\n\n", gb / r[0], gb / r[1], many.threads, r[0] / r[1]);
}

static void training(lg_exec many, int reps)
{
    const size_t n = 1000000;
    lg_tensor *x, *y;
    if (lg_make_linear(0.3, 0.5, n, 0.01, 1, LG_F32, &x, &y) != LG_OK) {
        fprintf(stderr, "lingrad-scaling: %s\n", lg_last_error());
        exit(1);
    }
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.tol = 0, o.max_epochs = 200, o.threads = many.threads, o.init_w = o.init_b = 0.5;
    o.threads_now = true; /* the team's epochs, against its kernel calls */
    probe p = {lg_tensor_cdata(x), lg_tensor_cdata(y), n, 0};
    double epoch[64], call[64];
    for (int r = 0; r < reps; r++) {
        lg_train_result res;
        if (lg_train(x, y, &o, &res) != LG_OK) {
            fprintf(stderr, "lingrad-scaling: %s\n", lg_last_error());
            exit(1);
        }
        epoch[r] = res.seconds / (double)o.max_epochs;
        lg_train_result_free(&res);
        call[r] = per_call(&many, &p);
    }
    double e = median(epoch, reps), c = median(call, reps);
    printf("## 3. training, fused f32, n = %zu, %d threads: %.1f us per epoch vs %.1f us per "
           "threaded kernel call: ratio %.3f\n\n", n, many.threads, 1e6 * e, 1e6 * c, e / c);
    lg_tensor_free(x), lg_tensor_free(y);
}

static void generation(size_t n, int reps)
{
    double t[64];
    for (int r = 0; r < reps; r++) {
        lg_tensor *x, *y;
        double t0 = lg_bench_now();
        if (lg_make_linear(0.3, 0.5, n, 0.01, (uint64_t)r, LG_F32, &x, &y) != LG_OK) {
            fprintf(stderr, "lingrad-scaling: %s\n", lg_last_error());
            exit(1);
        }
        t[r] = lg_bench_now() - t0;
        lg_tensor_free(x), lg_tensor_free(y);
    }
    printf("## 4. make_linear, %zu f32 points (x and y, %.1f GB), %d threads: median %.3f s "
           "(min %.3f)\n", n, 8e-9 * (double)n, lg_default_threads(), median(t, reps), t[0]);
}

int main(int argc, char **argv)
{
    int threads = 2, reps = 7;
    size_t max_n = 100000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--max-n")) max_n = (size_t)strtod(argv[i + 1], NULL);
        else return fprintf(stderr, "lingrad-scaling: error: unknown option %s\n", argv[i]), 2;
    }
    if (argc % 2 == 0 || threads < 1 || reps < 1 || reps > 64 || max_n < 1)
        return fprintf(stderr, "lingrad-scaling: error: --threads >= 1, --reps 1..64, --max-n >= 1\n"), 2;
    lg_exec one;
    if (lg_exec_default(&one) != LG_OK)
        return fprintf(stderr, "lingrad-scaling: error: %s\n", lg_last_error()), 1;
    lg_exec many = one;
    one.threads = 1, many.threads = threads;
    lg_tensor *x, *y;
    if (lg_make_linear(0.3, 0.5, max_n, 0.01, 7, LG_F32, &x, &y) != LG_OK)
        return fprintf(stderr, "lingrad-scaling: error: %s\n", lg_last_error()), 1;
    const float *px = lg_tensor_cdata(x), *py = lg_tensor_cdata(y);
    char cpu[160];
    lg_cpu_describe(cpu, sizeof cpu);
    printf("# lingrad-scaling: %s, %d default threads, grain %zu elements (fork) \n\n", cpu,
           lg_default_threads(), lg_par_grain(&one));
    scaling_table(one, many, px, py, max_n, reps);
    roofline(one, many, px, py, max_n, reps);
    lg_tensor_free(x), lg_tensor_free(y);
    training(many, reps);
    generation(max_n, 3);
    return 0;
}
