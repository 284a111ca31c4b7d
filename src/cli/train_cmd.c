/* lingrad train: the tutorial's training run, with its printout. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/dtype.h"
#include "exec/grain.h"
#include "exec/ranks.h"

typedef struct train_args {
    double w, b, noise, init_w, init_b, lr, tol;
    size_t size;
    uint64_t seed;
    long epochs, every, threads;
    const char *data, *dtype, *mode, *isa, *history, *plot;
    bool timing;
    bool dtype_given;
    bool generated; /* data came from make_linear, so the true w and b are known */
    const cli_dist *dist; /* NULL, or lingrad-mpi's ranks */
} train_args;

/* Whether this process prints and writes files: all but lingrad-mpi's rank 0 keep quiet. */
static bool speaks(const train_args *a)
{
    return !a->dist || a->dist->rank == 0;
}

/* --isa must name a table this build has and this CPU runs; say which do. */
static bool check_isa(const char *isa)
{
    char names[200];
    lg_isa_names(names, sizeof names, ", ", NULL);
    for (size_t i = 0; i < lg_isa_count(); i++)
        if (strcmp(lg_isa_name(i), isa) == 0)
            return lg_isa_supported(i) ||
                   cli_reject("--isa %s: this CPU cannot run it (this CPU runs: %s)", isa, names);
    return cli_reject("--isa: '%s' is not available here (available: %s)", isa, names);
}

static bool check_values(const train_args *a, const cli_opt *opts, size_t n)
{
    if (a->data)
        for (const char *const *p = (const char *const[]){"w", "b", "size", "noise", NULL}; *p; p++)
            if (cli_seen(opts, n, *p))
                return cli_reject("--%s describes generated data; it cannot be combined with --data",
                                  *p);
    if (a->size < 1)
        return cli_reject("--size must be at least 1");
    if (a->noise < 0)
        return cli_reject("--noise must be >= 0 (got %g)", a->noise);
    if (a->lr <= 0)
        return cli_reject("--lr must be > 0 (got %g)", a->lr);
    if (a->epochs < 0)
        return cli_reject("--epochs must be >= 0 (got %ld)", a->epochs);
    if (a->tol < 0)
        return cli_reject("--tol must be >= 0 (got %g)", a->tol);
    if (a->every < 0)
        return cli_reject("--every must be >= 0 (got %ld)", a->every);
    if (cli_seen(opts, n, "threads") && !cli_threads(a->threads))
        return false;
    if (a->history && !cli_output_path_ok("history", a->history, false))
        return false;
    if (a->plot && !cli_output_path_ok("plot", a->plot, true))
        return false;
    return !a->isa || check_isa(a->isa);
}

static bool parse_args(int argc, char **argv, train_args *a, lg_train_opts *o, lg_dtype *dt)
{
    lg_train_opts_default(o);
    *a = (train_args){.w = 0.3, .b = 0.5, .noise = 0.01, .size = 100, .seed = 42, .dtype = "f64",
                      .mode = lg_mode_name(o->mode), .every = 5};
    cli_opt opts[] = {
        {"w", CLI_DOUBLE, &a->w, false},           {"b", CLI_DOUBLE, &a->b, false},
        {"size", CLI_SIZE, &a->size, false},       {"noise", CLI_DOUBLE, &a->noise, false},
        {"seed", CLI_U64, &a->seed, false},        {"data", CLI_STRING, &a->data, false},
        {"init-w", CLI_DOUBLE, &a->init_w, false}, {"init-b", CLI_DOUBLE, &a->init_b, false},
        {"lr", CLI_DOUBLE, &o->lr, false},         {"epochs", CLI_LONG, &o->max_epochs, false},
        {"tol", CLI_DOUBLE, &o->tol, false},       {"dtype", CLI_STRING, &a->dtype, false},
        {"mode", CLI_STRING, &a->mode, false},     {"isa", CLI_STRING, &a->isa, false},
        {"every", CLI_LONG, &a->every, false},     {"history", CLI_STRING, &a->history, false},
        {"plot", CLI_STRING, &a->plot, false},     {"timing", CLI_FLAG, &a->timing, false},
        {"threads", CLI_LONG, &a->threads, false}, {"interpret", CLI_FLAG, &o->interpret, false},
        {"threads-now", CLI_FLAG, &o->threads_now, false},
    };
    size_t n = sizeof opts / sizeof opts[0];
    if (!cli_parse(argc, argv, 2, opts, n) || !cli_dtype(a->dtype, dt) || !cli_mode(a->mode, &o->mode))
        return false;
    a->lr = o->lr;
    a->epochs = o->max_epochs;
    a->tol = o->tol;
    if (!check_values(a, opts, n))
        return false;
    a->dtype_given = cli_seen(opts, n, "dtype");
    /* The tutorial draws w and b from U[0,1); ours come from the seed. */
    o->init_w = cli_seen(opts, n, "init-w") ? a->init_w : lg_uniform(a->seed, LG_STREAM_INIT, 0);
    o->init_b = cli_seen(opts, n, "init-b") ? a->init_b : lg_uniform(a->seed, LG_STREAM_INIT, 1);
    o->isa = a->isa;
    o->threads = (int)a->threads; /* 0 unless given: the default */
    /* --isa wins over LINGRAD_ISA: it becomes the default before anything fixes it. */
    if (a->isa && lg_set_default_isa(a->isa) != LG_OK)
        return cli_reject("--isa: %s", lg_last_error());
    a->generated = a->data == NULL;
    return true;
}

/* Without --dtype an .npy file trains in its own dtype (read from its header
 * when `probe`; an unreadable file fails here, as it would when read). Then the
 * initial w and b must fit the dtype. */
/* A step that may fail on one rank only: over ranks, every rank learns of it. */
static lg_status agreed(const train_args *a, lg_status local)
{
    return a->dist ? a->dist->agree(a->dist, local) : local;
}

static int settle_dtype(train_args *a, lg_dtype *dt, bool probe)
{
    if (probe && a->data && cli_is_npy(a->data) && !a->dtype_given) {
        size_t n;
        if (agreed(a, lg_npy_probe(a->data, dt, &n)) != LG_OK)
            return cli_error(CLI_FAILED, "%s", lg_last_error());
        a->dtype = lg_dtype_name(*dt);
    }
    if (*dt == LG_F32 && (!lg_rounds_to_finite_f32(a->init_w) || !lg_rounds_to_finite_f32(a->init_b)))
        return cli_error(CLI_USAGE, "--init-w and --init-b must round to a finite f32 "
                         "(|value| < 3.40282357e38)");
    return CLI_OK;
}

static int load_data(const train_args *a, lg_dtype dt, lg_mode mode, lg_tensor **x, lg_tensor **y)
{
    lg_status s;
    if (a->data) {
        s = cli_is_npy(a->data) ? lg_npy_read(a->data, dt, x, y) : lg_csv_read(a->data, dt, x, y);
    } else {
        /* Eager mode keeps about eight more n-sized buffers alive per step. */
        if (!cli_fits_memory(a->size, dt, mode == LG_MODE_EAGER ? 10 : 2))
            return CLI_FAILED;
        s = lg_make_linear(a->w, a->b, a->size, a->noise, a->seed, dt, x, y);
    }
    return s == LG_OK ? CLI_OK : cli_error(CLI_FAILED, "%s", lg_last_error());
}

/* This rank's slice of the data: read by the MPI layer, or generated here
 * (where it is used); every rank learns whether all succeeded. */
static int load_slice(const train_args *a, lg_dtype dt, lg_train_opts *o, lg_tensor **x,
                      lg_tensor **y)
{
    const cli_dist *d = a->dist;
    if (a->data) {
        o->ranks = d->read(d, a->data, dt, cli_is_npy(a->data), x, y);
        return o->ranks ? CLI_OK : cli_error(CLI_FAILED, "%s", lg_last_error());
    }
    const struct lg_ranks *r = d->share(d, a->size);
    lg_status s = r ? LG_OK : LG_EINVAL;
    size_t begin = 0, count = 0;
    if (r)
        lg_ranks_slice(r, &begin, &count);
    if (s == LG_OK)
        s = lg_tensor_new(dt, count, false, x);
    if (s == LG_OK)
        s = lg_tensor_new(dt, count, false, y);
    if (s == LG_OK)
        s = lg_make_linear_range(a->w, a->b, a->noise, a->seed, dt, begin, count,
                                 lg_tensor_data(*x), lg_tensor_data(*y));
    o->ranks = r;
    s = d->agree(d, s);
    return s == LG_OK ? CLI_OK : cli_error(CLI_FAILED, "%s", lg_last_error());
}

/* The pairs trained on: over ranks, all ranks' (the global n), not this one's. */
static size_t pairs(const lg_train_opts *o, const lg_tensor *x)
{
    return o->ranks ? o->ranks->n : lg_tensor_size(x);
}

static void print_line(long epoch, double w, double b, double loss)
{
    printf("%03ld w = %.5f, b = %.5f loss = %.5f\n", epoch, w, b, loss);
}

/* Over ranks, a signal may reach them at different epochs: they agree each
 * epoch, so that all stop after the same one (a rank that stopped alone would
 * leave the others waiting in the next exchange). */
static int on_epoch(void *ctx, const lg_epoch_record *r)
{
    const train_args *a = ctx;
    if (a->every > 0 && r->epoch % a->every == 0 && speaks(a))
        print_line(r->epoch, r->w, r->b, r->loss);
    bool stop = cli_signal_pending() != 0; /* stop after this epoch */
    return a->dist ? a->dist->any(a->dist, stop) : stop;
}

/* Graph mode asked to compile and could not: the run is right (the same bits)
 * but slower, and the user should hear why, once. */
static void warn_interpreted(const lg_train_opts *o, const lg_train_result *r)
{
    const char *why = r->graph_exec;
    if (o->mode != LG_MODE_GRAPH || o->interpret || strncmp(why, "interpreted: ", 13) != 0)
        return;
    why += 13;
    if (strcmp(why, "LINGRAD_JIT=0") == 0 || strncmp(why, "no sweeps", 9) == 0)
        return;
    fflush(stdout);
    fprintf(stderr, "lingrad: warning: graph mode ran its sweeps interpreted (same results, "
            "slower): %s\n", why);
}

/* How many threads ran: a team starts only where it pays back its start, and
 * every epoch before it runs on one thread (docs/threads.md). */
static const char *threads_said(char *said, size_t len, int threads, long from)
{
    if (from > 0)
        snprintf(said, len, "%d threads from epoch %ld", threads, from);
    else
        snprintf(said, len, "%d thread%s", threads, threads == 1 ? "" : "s");
    return said;
}

/* Why a run given threads had no team, for --timing; n: the elements of one
 * process's calls. */
static const char *no_team_why(const lg_train_result *r, size_t n, const char *isa)
{
    const lg_kernels *k = lg_kernels_find(isa);
    if (r->start_seconds > 0)
        return "; no team: at the hand-off it measured, calls of n are too small to split";
    if (k && n < lg_grain_of(k, LG_GRAIN_TEAM))
        return "; no team: n is below the grain, as lingrad info states it";
    return "; no team: it would not pay back its start";
}

static void print_timing(const train_args *a, const lg_train_result *r, size_t n, const char *isa,
                         int threads)
{
    long evals = r->last_epoch + 1;
    fflush(stdout); /* the timing follows the final line, also when both go to one pipe */
    char ranks[48] = ""; /* lingrad-mpi: n is the global n, and the ranks are said */
    if (a->dist)
        snprintf(ranks, sizeof ranks, " per rank, %d rank%s", a->dist->size,
                 a->dist->size == 1 ? "" : "s");
    /* One-time costs are said apart, never spread over the epochs: starting
     * the threads (the team; the topology's discovery in a process's first one),
     * and graph mode's planning and compiling. */
    double epochs_s = r->seconds - r->setup_seconds;
    char mode[sizeof r->graph_exec + 16], setup[64] = "", start[64] = "", team[96];
    snprintf(mode, sizeof mode, r->graph_exec[0] ? "%s (%s)" : "%s", a->mode, r->graph_exec);
    if (r->setup_seconds > 0)
        snprintf(setup, sizeof setup, "; planning and compiling once: %.6f s", r->setup_seconds);
    if (r->start_seconds > 0)
        snprintf(start, sizeof start, "; starting the threads once: %.6f s", r->start_seconds);
    size_t local = a->dist ? n / (size_t)a->dist->size : n;
    const char *no_team = threads <= 1 || r->threads_from_epoch >= 0 ? "" : no_team_why(r, local, isa);
    fprintf(stderr, "lingrad: %ld epochs in %.6f s: %.3f us/epoch (n=%zu, %s, %s, %s kernels, "
            "%s%s%s)%s%s\n", evals, epochs_s, 1e6 * epochs_s / (double)evals, n, a->dtype,
            mode, isa, threads_said(team, sizeof team, threads, r->threads_from_epoch), ranks,
            no_team, start, setup);
}

/* The history file and the plots, written whether or not training finished. On
 * failure fills err and returns false: the caller prints the one error line. */
static bool write_outputs(const train_args *a, const lg_train_result *r, char *err, size_t len)
{
    const char *dir = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/lingrad-history-XXXXXX", dir && *dir ? dir : "/tmp");
    const char *hist = a->history;
    if (!hist && a->plot) {
        int fd = mkstemp(tmp);
        if (fd < 0) {
            snprintf(err, len, "--plot: cannot create a temporary file in %.200s: %s",
                     dir && *dir ? dir : "/tmp", strerror(errno));
            return false;
        }
        close(fd);
        hist = tmp;
    }
    bool ok = true;
    if (hist && lg_history_write(hist, r) != LG_OK) {
        snprintf(err, len, "%s", lg_last_error());
        ok = false;
    }
    if (ok && a->plot)
        ok = cli_plot(hist, a->plot, a->generated, a->w, a->b, err, len);
    if (hist == tmp)
        unlink(tmp);
    return ok;
}

static void print_final(const lg_train_result *r)
{
    puts("------------------------------------------------------------");
    print_line(r->last_epoch, r->w, r->b, r->final_loss);
}

int cli_train_check_args(int argc, char **argv)
{
    train_args a;
    lg_train_opts o;
    lg_dtype dt;
    return parse_args(argc, argv, &a, &o, &dt) ? settle_dtype(&a, &dt, false) : CLI_USAGE;
}

int cli_train(int argc, char **argv)
{
    return cli_train_dist(argc, argv, NULL);
}

int cli_train_dist(int argc, char **argv, const cli_dist *dist)
{
    train_args a;
    lg_train_opts o;
    lg_dtype dt;
    if (!parse_args(argc, argv, &a, &o, &dt))
        return CLI_USAGE;
    a.dist = dist;
    /* Ranks on one node share its cores: by default each takes its part of
     * them (LINGRAD_THREADS and --threads still say exactly). */
    if (dist && !a.threads && !getenv("LINGRAD_THREADS") && lg_default_threads() > 0) {
        int per = lg_default_threads() / (dist->local_ranks > 0 ? dist->local_ranks : 1);
        o.threads = per > 0 ? per : 1;
    }
    int rc = settle_dtype(&a, &dt, true);
    if (rc != CLI_OK)
        return rc;
    lg_tensor *x = NULL, *y = NULL;
    cli_signals_install(); /* before any thread exists: see signals.c */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = dist ? load_slice(&a, dt, &o, &x, &y) : load_data(&a, dt, o.mode, &x, &y);
    if (rc != CLI_OK) {
        lg_tensor_free(x);
        lg_tensor_free(y);
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (a.timing && speaks(&a)) /* how long the data took to read (or make): the epochs' line follows */
        fprintf(stderr, "lingrad: data: %zu pairs %s %s in %.6f s\n", pairs(&o, x),
                a.data ? "read from" : "made", a.data ? a.data : "by make_linear",
                (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    o.on_epoch = on_epoch;
    o.ctx = &a;
    lg_train_result r;
    lg_status s = lg_train(x, y, &o, &r); /* over ranks, the same status on all */
    char err[1200] = "", out_err[600] = "";
    if (s != LG_OK)
        snprintf(err, sizeof err, "%s", lg_last_error());
    else if (r.interrupted)
        snprintf(err, sizeof err, "interrupted by %s after epoch %ld; %s",
                 cli_signal_pending() == SIGTERM ? "SIGTERM" : "SIGINT", r.last_epoch,
                 a.history || a.plot ? "the history so far is written" : "nothing else to write");
    if (speaks(&a))
        warn_interpreted(&o, &r);
    if (s == LG_OK && speaks(&a)) {
        print_final(&r);
        if (a.timing)
            print_timing(&a, &r, pairs(&o, x), o.isa ? o.isa : lg_isa_default(),
                         o.threads ? o.threads : lg_default_threads());
    }
    bool outputs_ok = (s != LG_OK && s != LG_EDIVERGED) || !speaks(&a) ||
                      write_outputs(&a, &r, out_err, sizeof out_err);
    if (!outputs_ok)
        snprintf(err + strlen(err), sizeof err - strlen(err), "%s%s", err[0] ? "; and " : "", out_err);
    int sig = s == LG_OK && r.interrupted ? cli_signal_pending() : 0;
    lg_train_result_free(&r);
    lg_tensor_free(x);
    lg_tensor_free(y);
    /* 128 + signal, as a shell reports a program the signal ended */
    return err[0] ? cli_error(sig ? 128 + sig : CLI_FAILED, "%s", err) : CLI_OK;
}
