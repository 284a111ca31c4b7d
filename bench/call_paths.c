/*
 * lingrad-callpaths: one kernel's rate through each way the suite calls it, the
 * ways interleaved round by round in one process, so that a slow moment of the
 * machine hits them all alike and their ratios mean something.
 *
 *   build/lingrad-callpaths [--isa avx2] [--n 4096,65536] [--rounds 41]
 *
 * The ways, all on the fused f32 kernel (entry mse), one thread:
 *   direct     the table's function pointer, 64-byte aligned data
 *   kop_call   lg_kop_call, as lingrad-rates calls it
 *   driver     lg_par_mse: the parallel driver's blocks, tiles and partials, as
 *              lingrad-bench's kernel rows and training call it
 *   unaligned  the direct call on data 16 bytes past a 64-byte boundary, as
 *              malloc returns it (lg_tensor_wrap accepts such data)
 *
 * Why it exists: on a shared VM the same binary runs 40-70% faster or slower
 * from one minute to the next, so rates from separate programs (lingrad-rates
 * against a plain loop, against lingrad-bench) cannot be compared; within one
 * run, the ways differ by what they do (docs/benchmarks.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/fpmode.h"
#include "exec/kernel_ops.h"
#include "exec/parallel.h"
#include "kernels.h"
#include "timing.h"

enum { WAY_DIRECT, WAY_KOP_CALL, WAY_DRIVER, WAY_UNALIGNED, WAYS };
static const char *const way_names[WAYS] = {"direct", "kop_call", "driver", "unaligned"};

#define MAX_ROUNDS 1001
#define MAX_SIZES 16

static volatile double sink;

typedef struct data {
    float *x, *y;   /* 64-byte aligned */
    float *xu, *yu; /* 16 bytes past a 64-byte boundary */
    void *raw;
} data;

static int usage(const char *why)
{
    fprintf(stderr, "lingrad-callpaths: error: %s (usage: lingrad-callpaths [--isa NAME] "
            "[--n N,N,...] [--rounds R (1-%d)])\n", why, MAX_ROUNDS);
    return 2;
}

/* Four arrays of n floats, each on its own stretch of one allocation. */
static bool data_make(data *d, size_t n)
{
    size_t stride = (n * sizeof(float) + 127) / 64 * 64;
    char *raw = aligned_alloc(64, 4 * stride + 64);
    if (!raw)
        return false;
    d->raw = raw;
    d->x = (float *)raw, d->y = (float *)(raw + stride);
    d->xu = (float *)(raw + 2 * stride + 16), d->yu = (float *)(raw + 3 * stride + 16);
    for (size_t i = 0; i < n; i++) {
        d->x[i] = d->xu[i] = (float)(i % 97) / 97.0f;
        d->y[i] = d->yu[i] = 0.3f * d->x[i] + 0.5f;
    }
    return true;
}

static lg_mse_sums call_way(int way, const lg_exec *ex, const data *d, size_t n)
{
    lg_kop_args a = {.p = d->x, .q = d->y, .a = 0.25, .b = 0.75};
    switch (way) {
    case WAY_KOP_CALL: return lg_kop_call(ex->k, LG_F32, LG_KOP_MSE, &a, 0, n);
    case WAY_DRIVER: return lg_par_mse(ex, LG_F32, d->x, d->y, n, 0.25, 0.75);
    case WAY_UNALIGNED: return ex->k->f32.mse(d->xu, d->yu, n, 0.25f, 0.75f);
    default: return ex->k->f32.mse(d->x, d->y, n, 0.25f, 0.75f);
    }
}

/* G elements/s of one batch of about 4 M elements. */
static double batch(int way, const lg_exec *ex, const data *d, size_t n)
{
    size_t calls = 4000000 / n + 1;
    double t0 = lg_bench_now();
    for (size_t c = 0; c < calls; c++) {
        lg_mse_sums s = call_way(way, ex, d, n);
        sink = s.r + s.rx + s.rr;
    }
    return (double)calls * (double)n / (lg_bench_now() - t0) / 1e9;
}

static void report(const char *isa, size_t n, double rate[WAYS][MAX_ROUNDS], int rounds)
{
    printf("%s, n = %zu, %d rounds (G elements/s: median, quartiles; ratio to direct):\n", isa, n,
           rounds);
    for (int w = 0; w < WAYS; w++)
        qsort(rate[w], (size_t)rounds, sizeof(double), lg_bench_cmp_double);
    for (int w = 0; w < WAYS; w++)
        printf("  %-10s %7.2f (%.2f-%.2f)  %.3f\n", way_names[w], rate[w][rounds / 2],
               rate[w][rounds / 4], rate[w][3 * rounds / 4], rate[w][rounds / 2] / rate[WAY_DIRECT][rounds / 2]);
}

static int measure(const lg_exec *ex, const char *isa, size_t n, int rounds)
{
    static double rate[WAYS][MAX_ROUNDS];
    data d;
    if (!data_make(&d, n))
        return fprintf(stderr, "lingrad-callpaths: error: out of memory for n = %zu\n", n), 1;
    lg_fpmode mode = lg_fpmode_enter(); /* as lingrad runs its kernels */
    for (int w = 0; w < WAYS; w++)
        batch(w, ex, &d, n); /* warm-up */
    for (int r = 0; r < rounds; r++)
        for (int w = 0; w < WAYS; w++)
            rate[w][r] = batch(w, ex, &d, n);
    lg_fpmode_leave(mode);
    report(isa, n, rate, rounds);
    free(d.raw);
    return 0;
}

static int parse_sizes(const char *s, size_t *ns, int *count)
{
    *count = 0;
    for (const char *p = s; *p;) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || v < 1 || v > 100000000ull || *count == MAX_SIZES || (*end && *end != ','))
            return usage("--n takes up to 16 sizes from 1 to 100000000, separated by commas");
        ns[(*count)++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
    return *count ? 0 : usage("--n needs at least one size");
}

int main(int argc, char **argv)
{
    const char *isa = NULL;
    size_t ns[MAX_SIZES] = {4096, 65536};
    int count = 2, rounds = 41;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage("every option takes a value");
        const char *opt = argv[i], *val = argv[++i];
        if (strcmp(opt, "--isa") == 0)
            isa = val;
        else if (strcmp(opt, "--n") == 0) {
            if (parse_sizes(val, ns, &count))
                return 2;
        } else if (strcmp(opt, "--rounds") == 0) {
            char *end;
            long r = strtol(val, &end, 10);
            if (*end || r < 1 || r > MAX_ROUNDS)
                return usage("--rounds takes a whole number from 1 to 1001");
            rounds = (int)r;
        } else
            return usage("unknown option");
    }
    const lg_kernels *k = isa ? lg_kernels_find(isa) : lg_kernels_best();
    if (!k)
        return usage("no such kernel table in this build (lingrad info lists them)");
    if (!lg_kernels_runnable(k))
        return fprintf(stderr, "lingrad-callpaths: error: this CPU cannot run the '%s' kernels\n",
                       k->name), 1;
    lg_exec ex = {.k = k, .threads = 1};
    for (int i = 0; i < count; i++)
        if (measure(&ex, k->name, ns[i], rounds))
            return 1;
    return 0;
}
