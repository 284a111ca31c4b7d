/* Shared pieces of the lingrad command-line program. */
#ifndef LG_CLI_H
#define LG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lingrad.h"

/* Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Prints "lingrad: error: ..." on stderr and returns code. */
int cli_error(int code, const char *fmt, ...) CLI_PRINTF(2, 3);
/* The same for checks that return bool: prints and returns false. */
bool cli_reject(const char *fmt, ...) CLI_PRINTF(1, 2);

typedef enum cli_kind {
    CLI_DOUBLE, /* double: a finite number */
    CLI_SIZE,   /* size_t: a whole number >= 0 ("1e6" is accepted) */
    CLI_LONG,   /* long: a whole number, may be negative */
    CLI_U64,    /* uint64_t: a whole number >= 0 */
    CLI_STRING, /* const char * */
    CLI_FLAG    /* bool, takes no value */
} cli_kind;

typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    cli_kind kind;
    void *dst;
    bool seen;
} cli_opt;

/* Parses argv[first..argc) as "--name value" or "--name=value". On bad input prints
 * one error line and returns false. */
bool cli_parse(int argc, char **argv, int first, cli_opt *opts, size_t n_opts);
bool cli_seen(const cli_opt *opts, size_t n_opts, const char *name);
/* Maps a --dtype or --mode value, or prints an error and returns false. */
bool cli_dtype(const char *s, lg_dtype *out);
/* A data file's format, from its name: .npy (any case) is NumPy's, else CSV. */
bool cli_is_npy(const char *path);
bool cli_mode(const char *s, lg_mode *out);
/* Checks before any work that an output can be written: its directory exists, and
 * the path is not itself a directory (for a prefix: does not end in '/'). */
bool cli_output_path_ok(const char *opt, const char *path, bool is_prefix);
/* Checks --threads (>= 1) and makes it the process default, as LINGRAD_THREADS
 * would: data generation and first touch then use the same threads. */
bool cli_threads(long threads);
/* Refuses sizes whose buffers cannot fit in this machine's memory. */
bool cli_fits_memory(size_t n, lg_dtype dtype, size_t buffers);

/* signals.c: SIGINT/SIGTERM set a flag that training polls once per epoch. */
/* Installs the handler, holds the signals in the calling thread (and so in the
 * threads it starts) and starts the thread that takes them: call before any
 * thread of lingrad's starts. */
void cli_signals_install(void);
int cli_signal_pending(void); /* the signal number, or 0 */

int cli_train(int argc, char **argv);

/* A run over several processes (lingrad-mpi; src/cli/mpi_main.c fills it in).
 * Every rank runs cli_train_dist with the same command line; rank 0 alone
 * prints and writes files. */
typedef struct cli_dist {
    int rank, size;
    int local_ranks; /* ranks on this node, who share its cores */
    /* This rank's share of n global elements (lg_mpi_ranks_new), or NULL with
     * lg_last_error() set. */
    const struct lg_ranks *(*share)(const struct cli_dist *d, size_t n);
    /* Collective: this rank's slice of a data file (.npy when npy, else CSV) and
     * the share it implies, or NULL with lg_last_error() set on every rank. */
    const struct lg_ranks *(*read)(const struct cli_dist *d, const char *path, lg_dtype dt,
                                   bool npy, lg_tensor **x, lg_tensor **y);
    /* Collective: every rank's status agreed (lg_mpi_agree). */
    lg_status (*agree)(const struct cli_dist *d, lg_status local);
    /* Collective, once a share exists (from lg_train's on_epoch): whether any
     * rank's flag is set, or any rank has failed. */
    bool (*any)(const struct cli_dist *d, bool flag);
    void *ctx;
} cli_dist;

int cli_train_dist(int argc, char **argv, const cli_dist *dist);
/* Error lines are not printed (lingrad-mpi's ranks but 0). */
void cli_set_quiet(bool quiet);
/* Parses and checks train's command line without running anything (for the fuzzer). */
int cli_train_check_args(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_info(int argc, char **argv);
void cli_usage(FILE *out);

/* Runs tools/plot_history.py on a history CSV: PREFIX-loss.png, PREFIX-params.png.
 * On failure fills err with one line and returns false. */
bool cli_plot(const char *history_csv, const char *prefix, bool have_truth, double true_w,
              double true_b, char *err, size_t len);

#endif
