/*
 * lingrad-mpi-scaling: one configuration of training over MPI ranks, timed,
 * and the exchange it does at every reduction timed alone (bench/mpi_scaling.sh
 * runs the sweep; docs/mpi.md, "Scaling").
 *
 *   mpirun -np R build/lingrad-mpi-scaling [--size N] [--dtype f32|f64] [--threads T]
 *       [--epochs E] [--reps K] [--mode MODE] [--exchanges C] [--label WORD]
 *
 * MODE is one of `lingrad info --modes` (the library's LG_MODES; default fused).
 * Each rank makes only its slice of the tutorial's data (w 0.3, b 0.5, noise
 * 0.01, seed 42, the CLI's initial w and b), then K times: lg_train for E epochs
 * (tol 0), and C calls of the share's gather callback after a barrier. A
 * warm-up run of each, not counted, comes first. Every time is the slowest
 * rank's. Rank 0 prints one JSON object on one line, Google Benchmark-like
 * (real_time = the median epoch in µs), with the median, min and max of the
 * epoch and of the exchange over the K repetitions, and every repetition.
 * exchanges_per_epoch is counted (a wrapper around gather), not assumed.
 * Any failure: one "lingrad-mpi-scaling: error: ..." line (from rank 0) and a
 * non-zero exit on every rank.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "exec/ranks.h"
#include "lingrad_mpi.h"
#include "timing.h"

#define PROG "lingrad-mpi-scaling"
#define MAX_REPS 100

typedef struct config {
    size_t n;
    lg_dtype dtype;
    int threads;
    long epochs;
    int reps;
    lg_mode mode;
    long exchanges; /* gather calls per timed repetition */
    char label[32];
} config;

/* The share with gather wrapped to count calls. First member, so the wrapper
 * can find its counter from the lg_ranks pointer lg_train hands back. */
typedef struct counted {
    lg_ranks r;
    const lg_ranks *inner;
    long calls;
} counted;

typedef struct sample {
    double epoch_us[MAX_REPS], exchange_us[MAX_REPS];
    double per_epoch;   /* gather calls per evaluated epoch */
    double data_s;      /* making the slice */
    size_t n_per_rank;  /* the largest slice */
    lg_train_result last;
} sample;

/* ---- options ---------------------------------------------------------------- */

static lg_status parse_count(const char *opt, const char *s, long long lo, long long hi,
                             long long *out)
{
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi)
        return lg_fail(LG_EINVAL, "%s: expected an integer in [%lld, %lld], got '%s'", opt, lo,
                       hi, s ? s : "(nothing)");
    *out = v;
    return LG_OK;
}

static lg_status parse_word(const char *opt, const char *s, char *out, size_t len)
{
    size_t k = s ? strlen(s) : 0;
    for (size_t i = 0; i < k; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            k = 0;
    if (k == 0 || k >= len) /* it goes into JSON and a benchmark name unquoted */
        return lg_fail(LG_EINVAL, "%s: expected 1-%zu letters, digits, '_' or '-', got '%s'",
                       opt, len - 1, s ? s : "(nothing)");
    memcpy(out, s, k + 1);
    return LG_OK;
}

static lg_status parse_enum(const char *opt, const char *s, const char *const *names, int count,
                            int *out)
{
    for (int i = 0; s && i < count; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return LG_OK;
        }
    return lg_fail(LG_EINVAL, "%s: unknown value '%s'", opt, s ? s : "(nothing)");
}

/* The library's list of modes, with parse_enum's message. */
static lg_status parse_mode(const char *opt, const char *s, lg_mode *out)
{
    if (s && lg_mode_from_name(s, out) == LG_OK)
        return LG_OK;
    return lg_fail(LG_EINVAL, "%s: unknown value '%s'", opt, s ? s : "(nothing)");
}

static lg_status parse_one(config *c, const char *opt, const char *val)
{
    static const char *const dtypes[] = {"f32", "f64"};
    long long v = 0;
    int e = 0;
    lg_status s; /* a failed parse leaves v and e as they were: the value is then unused */
    if (strcmp(opt, "--size") == 0)
        s = parse_count(opt, val, 1, (long long)1 << 40, &v), c->n = (size_t)v;
    else if (strcmp(opt, "--threads") == 0)
        s = parse_count(opt, val, 1, 256, &v), c->threads = (int)v;
    else if (strcmp(opt, "--epochs") == 0)
        s = parse_count(opt, val, 1, 1000000, &v), c->epochs = (long)v;
    else if (strcmp(opt, "--reps") == 0)
        s = parse_count(opt, val, 1, MAX_REPS, &v), c->reps = (int)v;
    else if (strcmp(opt, "--exchanges") == 0)
        s = parse_count(opt, val, 1, 10000000, &v), c->exchanges = (long)v;
    else if (strcmp(opt, "--dtype") == 0)
        s = parse_enum(opt, val, dtypes, 2, &e), c->dtype = (lg_dtype)e;
    else if (strcmp(opt, "--mode") == 0)
        s = parse_mode(opt, val, &c->mode);
    else if (strcmp(opt, "--label") == 0)
        s = parse_word(opt, val, c->label, sizeof c->label);
    else
        s = lg_fail(LG_EINVAL, "unknown option '%s' (the options are in bench/mpi_scaling.c's "
                    "first comment)", opt);
    return s;
}

/* The same argv on every rank, so every rank fails alike. */
static lg_status parse_args(int argc, char **argv, config *c)
{
    *c = (config){1000000, LG_F32, 1, 50, 5, LG_MODE_FUSED, 2000, "run"};
    for (int i = 1; i < argc; i += 2) {
        lg_status s = parse_one(c, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
        if (s != LG_OK)
            return s;
    }
    return LG_OK;
}

/* ---- the measured parts ----------------------------------------------------- */

static lg_status counting_gather(const lg_ranks *r, const lg_mse_sums *mine, lg_mse_sums *all)
{
    counted *c = (counted *)r; /* the first member: see struct counted */
    c->calls++;
    return c->inner->gather(c->inner, mine, all);
}

static lg_status make_slice(const config *c, const lg_ranks *share, lg_tensor **x, lg_tensor **y)
{
    size_t begin, count;
    lg_mpi_ranks_slice(share, &begin, &count);
    lg_status s = lg_tensor_new(c->dtype, count, false, x);
    if (s == LG_OK)
        s = lg_tensor_new(c->dtype, count, false, y);
    if (s == LG_OK)
        s = lg_make_linear_range(0.3, 0.5, 0.01, 42, c->dtype, begin, count, lg_tensor_data(*x),
                                 lg_tensor_data(*y));
    return s;
}

static lg_status max_over_ranks(double *v)
{
    int rc = MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? LG_OK : lg_fail(LG_EIO, "MPI_Allreduce failed (error %d)", rc);
}

/* One training run; its seconds per epoch (slowest rank) into *epoch_s. The
 * result must be usable: finite and the same on every rank, bit for bit. */
static lg_status train_once(const config *c, counted *share, const lg_tensor *x,
                            const lg_tensor *y, long epochs, double *epoch_s, lg_train_result *out)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.max_epochs = epochs, o.tol = 0.0, o.mode = c->mode, o.threads = c->threads;
    o.threads_now = true; /* each rank's team from the first epoch: per-epoch figures */
    o.init_w = lg_uniform(42, LG_STREAM_INIT, 0), o.init_b = lg_uniform(42, LG_STREAM_INIT, 1);
    o.ranks = &share->r;
    lg_train_result_free(out);
    lg_status s = lg_train(x, y, &o, out);
    s = lg_mpi_agree(MPI_COMM_WORLD, s);
    if (s != LG_OK)
        return s;
    double wb[2] = {out->w, out->b}, lo[2];
    if (MPI_Allreduce(wb, lo, 2, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return lg_fail(LG_EIO, "MPI_Allreduce failed");
    if (!isfinite(out->w) || !isfinite(out->b) || lo[0] != wb[0] || lo[1] != wb[1])
        s = lg_fail(LG_EDIVERGED, "w = %g, b = %g: not finite, or not the same on every rank",
                    out->w, out->b);
    s = lg_mpi_agree(MPI_COMM_WORLD, s);
    *epoch_s = out->seconds / (double)(out->last_epoch + 1);
    return s == LG_OK ? max_over_ranks(epoch_s) : s;
}

/* Seconds per exchange over `calls` gathers started together (slowest rank). */
static lg_status time_exchange(const lg_ranks *share, const lg_mse_sums *mine, lg_mse_sums *all,
                               long calls, double *per)
{
    if (MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS)
        return lg_fail(LG_EIO, "MPI_Barrier failed");
    double t0 = lg_bench_now();
    lg_status s = LG_OK;
    for (long i = 0; i < calls && s == LG_OK; i++)
        s = share->gather(share, mine, all);
    *per = (lg_bench_now() - t0) / (double)calls;
    s = lg_mpi_agree(MPI_COMM_WORLD, s);
    return s == LG_OK ? max_over_ranks(per) : s;
}

/* ---- the run ---------------------------------------------------------------- */

typedef struct buffers {
    lg_tensor *x, *y;
    lg_mse_sums *mine, *all;
} buffers;

static lg_status setup(const config *c, const lg_ranks *share, buffers *b, sample *out)
{
    double t0 = lg_bench_now();
    lg_status s = make_slice(c, share, &b->x, &b->y);
    b->mine = calloc(share->blocks ? share->blocks : 1, sizeof *b->mine);
    b->all = calloc(share->total_blocks, sizeof *b->all);
    if (s == LG_OK && (!b->mine || !b->all))
        s = lg_fail(LG_ENOMEM, "out of memory for %zu blocks' partials", share->total_blocks);
    for (size_t i = 0; s == LG_OK && i < share->blocks; i++)
        b->mine[i] = (lg_mse_sums){1.0 + (double)i, 0.5, 0.25}; /* any finite partials */
    out->data_s = lg_bench_now() - t0;
    s = lg_mpi_agree(MPI_COMM_WORLD, s);
    size_t begin, count;
    lg_mpi_ranks_slice(share, &begin, &count);
    double slice = (double)count; /* exact: n < 2^53 */
    if (s == LG_OK)
        s = max_over_ranks(&slice);
    out->n_per_rank = (size_t)slice;
    return s == LG_OK ? max_over_ranks(&out->data_s) : s;
}

static lg_status measure(const config *c, counted *share, const buffers *b, sample *out)
{
    double ignored;
    long warm_epochs = c->epochs < 5 ? c->epochs : 5;
    lg_status s = train_once(c, share, b->x, b->y, warm_epochs, &ignored, &out->last);
    if (s == LG_OK)
        s = time_exchange(share->inner, b->mine, b->all, c->exchanges / 10 + 1, &ignored);
    for (int k = 0; s == LG_OK && k < c->reps; k++) {
        share->calls = 0;
        s = train_once(c, share, b->x, b->y, c->epochs, &out->epoch_us[k], &out->last);
        out->per_epoch = (double)share->calls / (double)(out->last.last_epoch + 1);
        if (s == LG_OK)
            s = time_exchange(share->inner, b->mine, b->all, c->exchanges, &out->exchange_us[k]);
        out->epoch_us[k] *= 1e6, out->exchange_us[k] *= 1e6;
    }
    return s;
}

/* ---- the report ------------------------------------------------------------- */

typedef struct stats {
    double median, min, max;
} stats;

static stats stats_of(const double *v, int k)
{
    double sorted[MAX_REPS];
    memcpy(sorted, v, (size_t)k * sizeof *v);
    qsort(sorted, (size_t)k, sizeof *sorted, lg_bench_cmp_double);
    double med = k % 2 ? sorted[k / 2] : 0.5 * (sorted[k / 2 - 1] + sorted[k / 2]);
    return (stats){med, sorted[0], sorted[k - 1]};
}

static void print_stats(const char *key, const double *v, int k)
{
    stats t = stats_of(v, k);
    printf("\"%s\":%.6g,\"%s_min\":%.6g,\"%s_max\":%.6g,\"%s_reps\":[", key, t.median, key,
           t.min, key, t.max, key);
    for (int i = 0; i < k; i++)
        printf("%s%.6g", i ? "," : "", v[i]);
    printf("],");
}

static void report(const config *c, int ranks, const sample *m)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double epoch = stats_of(m->epoch_us, c->reps).median;
    double exch = stats_of(m->exchange_us, c->reps).median;
    printf("{\"name\":\"lingrad_mpi/%s/%s/%s/np:%d/threads:%d/n:%zu\",", c->label,
           lg_mode_name(c->mode), lg_dtype_name(c->dtype), ranks, c->threads, c->n);
    printf("\"run_type\":\"iteration\",\"repetitions\":%d,\"real_time\":%.6g,\"time_unit\":\"us\",",
           c->reps, epoch);
    printf("\"label\":\"%s\",\"mode\":\"%s\",\"dtype\":\"%s\",\"isa\":\"%s\",\"ranks\":%d,"
           "\"threads\":%d,\"cores\":%ld,\"oversubscribed\":%s,\"n\":%zu,\"n_per_rank\":%zu,"
           "\"epochs\":%ld,\"exchange_calls\":%ld,\"data_s\":%.6g,", c->label, lg_mode_name(c->mode),
           lg_dtype_name(c->dtype), lg_isa_default(), ranks, c->threads, cores,
           (long)ranks * c->threads > cores ? "true" : "false", c->n, m->n_per_rank, c->epochs,
           c->exchanges, m->data_s);
    print_stats("epoch_us", m->epoch_us, c->reps);
    print_stats("exchange_us", m->exchange_us, c->reps);
    printf("\"exchanges_per_epoch\":%.6g,\"exchange_share\":%.6g,\"w\":%.17g,\"b\":%.17g,"
           "\"final_loss\":%.17g}\n", m->per_epoch, m->per_epoch * exch / epoch, m->last.w,
           m->last.b, m->last.final_loss);
}

static lg_status run(const config *c, int ranks, int rank)
{
    struct lg_ranks *inner = NULL;
    lg_status s = lg_mpi_agree(MPI_COMM_WORLD, lg_mpi_ranks_new(MPI_COMM_WORLD, c->n, &inner));
    buffers b = {0};
    sample *m = calloc(1, sizeof *m); /* 1.6 KiB of samples plus the history */
    if (s == LG_OK)
        s = lg_mpi_agree(MPI_COMM_WORLD, m ? LG_OK : lg_fail(LG_ENOMEM, "out of memory"));
    counted share = {inner ? *inner : (lg_ranks){0}, inner, 0};
    share.r.gather = counting_gather;
    if (s == LG_OK)
        s = setup(c, inner, &b, m);
    if (s == LG_OK)
        s = measure(c, &share, &b, m);
    if (s == LG_OK && rank == 0)
        report(c, ranks, m);
    if (m)
        lg_train_result_free(&m->last);
    free(m), free(b.mine), free(b.all);
    lg_tensor_free(b.x), lg_tensor_free(b.y);
    lg_mpi_ranks_free(inner);
    return s;
}

int main(int argc, char **argv)
{
    int provided = 0, rank = 0, ranks = 1;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fputs(PROG ": error: MPI_Init_thread failed\n", stderr);
        return 1;
    }
    /* MPI failures come back as statuses (and one line), not as an abort; the
     * share's communicator is a duplicate and inherits this. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    config c;
    lg_status s = parse_args(argc, argv, &c);
    if (s == LG_OK && provided < MPI_THREAD_FUNNELED)
        s = lg_fail(LG_EUNSUPPORTED, "this MPI does not allow threads (MPI_THREAD_FUNNELED)");
    s = lg_mpi_agree(MPI_COMM_WORLD, s);
    if (s == LG_OK)
        s = run(&c, ranks, rank);
    if (s == LG_OK) /* rank 0's report may not have reached its reader */
        s = lg_mpi_agree(MPI_COMM_WORLD, rank == 0 && fflush(stdout) != 0
                                             ? lg_fail(LG_EIO, "cannot write to standard output")
                                             : LG_OK);
    if (s != LG_OK && rank == 0)
        fprintf(stderr, PROG ": error: %s\n", lg_last_error());
    MPI_Finalize();
    return s == LG_OK ? 0 : 1;
}
