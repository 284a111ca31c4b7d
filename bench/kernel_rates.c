/*
 * lingrad-rates: elements per second of every kernel-table entry, per ISA, dtype
 * and n, single thread, called directly (no blocking, no graph).
 *
 *   build/lingrad-rates [--n 4096,65536,1000000,100000000] [--kernels mse,sum,...]
 *                       [--dtypes f32,f64] [--reps 5] [--batch-ms 20]
 *                       [--values normal|subnormal] [--ftz on|off]
 *
 * --values subnormal fills x and y with subnormal numbers (below FLT_MIN or
 * DBL_MIN), so sums and products see subnormal inputs and results. --ftz on (the
 * default) times the kernels in the floating-point mode lingrad runs them in
 * (subnormals flushed to zero, src/exec/fpmode.h); --ftz off in IEEE gradual
 * underflow, which shows what that mode saves.
 *
 * Discipline: buffers are allocated and first-touched before timing; each row is
 * warmed up once; a repetition times a batch of calls lasting about --batch-ms;
 * the median repetition is reported with the min-max spread; every result feeds a
 * volatile sink so no call can be optimised away. A quick table for comparing
 * ISAs in one run; lingrad-bench (bench/suite_kernels.c) is the full suite,
 * through the parallel driver, with JSON results and the performance gate.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/fpmode.h"
#include "kernels.h"
#include "kop_args.h"
#include "lingrad.h"
#include "timing.h"

typedef struct bufs { void *x, *y, *out; } bufs;

static volatile double sink;

/* One call on [0, n), its result (or an element it wrote) fed to the sink. */
static void call(const lg_kernels *k, lg_dtype dt, lg_kop op, const bufs *b, size_t n)
{
    lg_kop_args a = lg_bench_kop_args(op, b->x, b->y, b->out);
    lg_mse_sums s = lg_kop_call(k, dt, op, &a, 0, n);
    if (lg_kop_about(op)->reduces)
        sink = s.r + s.rx + s.rr;
    else
        sink = dt == LG_F32 ? ((const float *)b->out)[n / 2] : ((const double *)b->out)[n / 2];
}

/* Median, min and max of `reps` repetitions, in G elements/s. */
static void measure(const lg_kernels *k, lg_dtype dt, lg_kop which, const bufs *b, size_t n,
                    int reps, double batch_s, double out[3])
{
    call(k, dt, which, b, n); /* warm-up: caches, page tables, clocks */
    double t0 = lg_bench_now();
    call(k, dt, which, b, n);
    double one = lg_bench_now() - t0;
    long calls = one > 0 ? (long)(batch_s / one) + 1 : 1000;
    double rates[64];
    for (int r = 0; r < reps; r++) {
        t0 = lg_bench_now();
        for (long c = 0; c < calls; c++)
            call(k, dt, which, b, n);
        rates[r] = (double)n * (double)calls / (lg_bench_now() - t0) / 1e9;
    }
    qsort(rates, (size_t)reps, sizeof rates[0], lg_bench_cmp_double);
    out[0] = rates[reps / 2], out[1] = rates[0], out[2] = rates[reps - 1];
}

static bool listed(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += len)
        if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

static void *touched(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "lingrad-rates: error: cannot allocate %zu bytes\n", bytes);
        exit(1);
    }
    memset(p, 0, bytes);
    return p;
}

/* Positive values between 0.1 and 0.35 (x) or 0.05 and 0.3 (y) of `unit`: 1 for
 * normal data, FLT_MIN or DBL_MIN for subnormal data. */
static void fill(const bufs *b, lg_dtype dt, size_t n, bool subnormal)
{
    double unit = !subnormal ? 1.0 : dt == LG_F32 ? FLT_MIN : DBL_MIN;
    for (size_t i = 0; i < n; i++) {
        double x = unit * (0.1 + 0.25 * (double)(i % 97) / 97);
        double y = unit * (0.05 + 0.25 * (double)(i % 89) / 89);
        if (dt == LG_F32)
            ((float *)b->x)[i] = (float)x, ((float *)b->y)[i] = (float)y;
        else
            ((double *)b->x)[i] = x, ((double *)b->y)[i] = y;
    }
}

int main(int argc, char **argv)
{
    const char *sizes = "4096,65536,1000000,100000000", *kernels = "all", *dtypes = "f32,f64";
    const char *values = "normal", *ftz = "on";
    int reps = 5;
    double batch_ms = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n")) sizes = argv[i + 1];
        else if (!strcmp(argv[i], "--kernels")) kernels = argv[i + 1];
        else if (!strcmp(argv[i], "--dtypes")) dtypes = argv[i + 1];
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch-ms")) batch_ms = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--values")) values = argv[i + 1];
        else if (!strcmp(argv[i], "--ftz")) ftz = argv[i + 1];
        else { fprintf(stderr, "lingrad-rates: error: unknown option %s\n", argv[i]); return 2; }
    }
    bool subnormal = !strcmp(values, "subnormal"), flush = !strcmp(ftz, "on");
    if (argc % 2 == 0 || reps < 1 || reps > 64 || batch_ms <= 0 ||
        (!subnormal && strcmp(values, "normal") != 0) || (!flush && strcmp(ftz, "off") != 0)) {
        fprintf(stderr, "lingrad-rates: error: options come in pairs; --reps 1..64, --batch-ms > 0, "
                        "--values normal or subnormal, --ftz on or off\n");
        return 2;
    }
    size_t nmax = 0, ns[32], count = 0;
    for (const char *p = sizes; *p && count < 32; p += strspn(p, ",")) {
        char *end;
        ns[count] = (size_t)strtod(p, &end);
        if (end == p || ns[count] == 0) { fprintf(stderr, "lingrad-rates: error: bad --n\n"); return 2; }
        nmax = ns[count] > nmax ? ns[count] : nmax;
        count++, p = end;
    }
    bufs b = {touched(nmax * 8), touched(nmax * 8), touched(nmax * 8)};
    char cpu[128];
    lg_cpu_describe(cpu, sizeof cpu);
    printf("lingrad-rates: G elements/s, 1 thread, median (min-max) of %d; %s values, "
           "flush-to-zero %s; cpu: %s; %s\n\n", reps, values, ftz, cpu, lg_build_flags());
    lg_fpmode mode = flush ? lg_fpmode_enter() : (lg_fpmode){0, false, false};
    printf("| kernel | dtype | n |");
    for (size_t t = 0; t < lg_kernels_count(); t++)
        if (lg_kernels_runnable(lg_kernels_at(t)))
            printf(" %s |", lg_kernels_at(t)->name);
    printf(" best/scalar |\n|---|---|---:|");
    for (size_t t = 0; t < lg_kernels_count(); t++)
        if (lg_kernels_runnable(lg_kernels_at(t)))
            printf("---:|");
    printf("---:|\n");
    for (lg_kop kn = 0; kn < LG_KOP_COUNT; kn++) {
        const char *name = lg_kop_about(kn)->name;
        if (strcmp(kernels, "all") != 0 && !listed(kernels, name))
            continue;
        for (int d = 0; d < 2; d++) {
            lg_dtype dt = d ? LG_F64 : LG_F32;
            if (!listed(dtypes, lg_dtype_name(dt)))
                continue;
            fill(&b, dt, nmax, subnormal);
            for (size_t s = 0; s < count; s++) {
                printf("| %s | %s | %zu |", name, lg_dtype_name(dt), ns[s]);
                double scalar = 0, best = 0, r[3];
                for (size_t t = 0; t < lg_kernels_count(); t++) {
                    const lg_kernels *k = lg_kernels_at(t);
                    if (!lg_kernels_runnable(k))
                        continue;
                    measure(k, dt, kn, &b, ns[s], reps, batch_ms / 1e3, r);
                    printf(" %.2f (%.2f-%.2f) |", r[0], r[1], r[2]);
                    scalar = t == 0 ? r[0] : scalar;
                    best = r[0] > best ? r[0] : best;
                }
                printf(" %.1fx |\n", best / scalar);
                fflush(stdout);
            }
        }
    }
    lg_fpmode_leave(mode);
    free(b.x), free(b.y), free(b.out);
    return 0;
}
