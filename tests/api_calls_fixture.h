/* The valid arguments that tests/api_calls_gen.py's generated calls pass beside
 * the one bad argument, and how each call's outcome is judged. Each case makes a
 * fresh fixture, so no call sees another's effects. */
#ifndef LG_API_CALLS_FIXTURE_H
#define LG_API_CALLS_FIXTURE_H

#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lingrad.h"
#if LG_API_CALLS_MPI
#include "lingrad_mpi.h"
#else
struct lg_ranks;
#endif

struct fixture {
    lg_graph *g, *g_out;
    lg_tensor *x, *y, *w, *b, *loss, *out1, *out2;
    lg_train_opts opts;
    lg_train_result res;
    lg_topology_info topo;
    lg_cpu_id cpu;
    lg_dtype dt;
    lg_mode mode;
    size_t sz1, sz2;
    bool flag;
    struct lg_ranks *ranks, *ranks_out;
    char buf[256];
    _Alignas(64) double data[4];
    double bx[4], by[4];
    const char *csv_path, *npy_path, *out_path;
};

static char dir_[64], csv_[96], npy_[96], out_[96];
static int failures_, cases_;

static void fixture_make(struct fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->csv_path = csv_, fx->npy_path = npy_, fx->out_path = out_;
    bool ok = lg_graph_new(&fx->g) == LG_OK &&
              lg_make_linear(0.3, 0.5, 4, 0.01, 1, LG_F64, &fx->x, &fx->y) == LG_OK &&
              lg_tensor_scalar(LG_F64, 0.1, true, &fx->w) == LG_OK &&
              lg_tensor_scalar(LG_F64, 0.2, true, &fx->b) == LG_OK;
    fx->loss = ok ? lg_mse_linear(fx->g, fx->x, fx->y, fx->w, fx->b) : NULL;
    lg_train_opts_default(&fx->opts);
    fx->opts.max_epochs = 2, fx->opts.threads = 1;
#if LG_API_CALLS_MPI
    ok = ok && lg_mpi_ranks_new(MPI_COMM_WORLD, 4, &fx->ranks) == LG_OK;
#endif
    if (!ok || !fx->loss) {
        fprintf(stderr, "api_calls: the fixture failed: %s\n", lg_last_error());
        exit(1);
    }
}

static void fixture_free(struct fixture *fx)
{
    lg_tensor *t[] = {fx->out1, fx->out2, fx->x, fx->y, fx->w, fx->b};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        lg_tensor_free(t[i]);
    lg_graph_free(fx->g_out);
    lg_graph_free(fx->g);
    lg_train_result_free(&fx->res);
#if LG_API_CALLS_MPI
    lg_mpi_ranks_free(fx->ranks);
    lg_mpi_ranks_free(fx->ranks_out);
#endif
}

/* Whether msg holds word as a whole word (not inside an identifier). */
static bool has_word(const char *msg, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(msg, word); p; p = strstr(p + 1, word)) {
        bool left = p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (left && right)
            return true;
    }
    return false;
}

/* kind: "NULL", "enum", "count" (a failure naming fn and arg), "name" (an
 * enum's name: "unknown ..."), "nullable" (documented as valid: no crash). */
static void expect(const char *fn, const char *arg, const char *kind, bool result_ok)
{
    cases_++;
    if (!strcmp(kind, "nullable") || !strcmp(kind, "name")) {
        if (!result_ok) {
            fprintf(stderr, "FAIL: %s with a bad %s gave no \"unknown ...\" name\n", fn, arg);
            failures_++;
        }
        return;
    }
    const char *msg = lg_last_error();
    /* A collective call's failure is agreed on: "rank R: " and the rank's message. */
    if (!strncmp(msg, "rank ", 5) && strstr(msg, ": "))
        msg = strstr(msg, ": ") + 2;
    size_t fl = strlen(fn);
    bool named = lg_error_is_set() && !strncmp(msg, fn, fl) && !strncmp(msg + fl, ": ", 2) &&
                 has_word(msg + fl + 2, arg);
    if (!result_ok || !named) {
        fprintf(stderr, "FAIL: %s with %s %s: %s; message \"%s\" %s\n", fn, arg,
                !strcmp(kind, "NULL") ? "NULL" : "out of range",
                result_ok ? "result as documented" : "result not a failure",
                lg_error_is_set() ? msg : "(none)",
                named ? "names both" : "does not start with the function and name the argument");
        failures_++;
    }
}

/* A free given NULL does nothing: no failure, no message. */
static void expect_silent(const char *fn)
{
    cases_++;
    if (lg_error_is_set()) {
        fprintf(stderr, "FAIL: %s(NULL) set a message: %s\n", fn, lg_last_error());
        failures_++;
    }
}

static int api_calls_main(int argc, char **argv, void (*run)(void), const char *const *fns,
                          size_t n_fns)
{
    (void)argc, (void)argv;
#if LG_API_CALLS_MPI
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
#endif
    snprintf(dir_, sizeof dir_, "/tmp/lingrad-api-calls-XXXXXX");
    if (!mkdtemp(dir_))
        return perror("mkdtemp"), 1;
    snprintf(csv_, sizeof csv_, "%s/data.csv", dir_);
    snprintf(npy_, sizeof npy_, "%s/data.npy", dir_);
    snprintf(out_, sizeof out_, "%s/out", dir_);
    struct fixture fx;
    fixture_make(&fx);
    if (lg_csv_write(csv_, fx.x, fx.y) != LG_OK || lg_npy_write(npy_, fx.x, fx.y) != LG_OK) {
        fprintf(stderr, "api_calls: cannot write the fixture's files: %s\n", lg_last_error());
        return 1;
    }
    fixture_free(&fx);
    run();
    remove(csv_), remove(npy_), remove(out_), rmdir(dir_);
    printf("%zu public functions, %d cases, %d failures\n", n_fns, cases_, failures_);
    (void)fns;
#if LG_API_CALLS_MPI
    MPI_Finalize();
#endif
    return failures_ ? 1 : 0;
}

#endif
