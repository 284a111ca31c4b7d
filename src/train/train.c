/* Gradient descent on mean((w*x + b - y)^2), the tutorial's loop. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/dtype.h"
#include "core/error.h"
#include "exec/fpmode.h"
#include "exec/ranks.h"
#include "autograd/graph.h"
#include "exec/parallel.h"
#include "exec/team.h"
#include "tensor/tensor.h"

void lg_train_opts_default(lg_train_opts *o)
{
    if (!o) {
        lg_fail_null("lg_train_opts_default", "o");
        return;
    }
    *o = (lg_train_opts){.lr = 0.1, .max_epochs = 500, .tol = 5e-5, .mode = LG_MODE_FUSED};
}

void lg_train_result_free(lg_train_result *res)
{
    if (!res)
        return;
    free(res->history);
    res->history = NULL;
    res->n_history = 0;
}

/* Over ranks, x and y must be exactly this rank's slice of the global data. */
static lg_status check_ranks(const lg_tensor *x, const lg_train_opts *o)
{
    if (!o->ranks)
        return LG_OK;
    size_t begin, count;
    lg_ranks_slice(o->ranks, &begin, &count);
    if (x->n != count)
        return lg_fail(LG_EINVAL, "train: this rank holds elements [%zu, %zu) of %zu, but x has "
                       "%zu", begin, begin + count, o->ranks->n, x->n);
    if (count == 1 && o->ranks->n != 1 && o->mode != LG_MODE_FUSED)
        return lg_fail(LG_EUNSUPPORTED, "train: this rank's slice has %zu element%s, which the "
                       "ops would take for a scalar; share the blocks with lg_ranks_share",
                       count, count == 1 ? "" : "s");
    return LG_OK;
}

static lg_status check_args(const lg_tensor *x, const lg_tensor *y, const lg_train_opts *o)
{
    if (!x || !y || !o)
        return lg_fail_null("lg_train", !x ? "x" : !y ? "y" : "opts");
    if (lg_tensor_stale(x) || lg_tensor_stale(y))
        return lg_fail(LG_EINVAL, "train: x and y must be leaf tensors (data), not op outputs");
    x = lg_handle_tensor(x), y = lg_handle_tensor(y);
    if (x->dtype != y->dtype || x->n != y->n)
        return lg_fail(LG_EINVAL, "train: x and y must have the same dtype and size");
    if (x->kind != LG_TENSOR_LEAF || y->kind != LG_TENSOR_LEAF)
        return lg_fail(LG_EINVAL, "train: x and y must be leaf tensors (data), not op outputs");
    /* Both modes agree: lg_train fits w and b and never writes to the data. */
    if (x->requires_grad || y->requires_grad)
        return lg_fail(LG_EINVAL, "train: x and y are data and must not require gradients "
                       "(lg_train fits only w and b)");
    if (!(o->lr > 0.0) || !isfinite(o->lr))
        return lg_fail(LG_EINVAL, "train: the learning rate must be a finite number > 0 (got %g)",
                       o->lr);
    if (o->max_epochs < 0)
        return lg_fail(LG_EINVAL, "train: epochs must be >= 0 (got %ld)", o->max_epochs);
    if (!(o->tol >= 0.0) || !isfinite(o->tol))
        return lg_fail(LG_EINVAL, "train: tol must be a finite number >= 0 (got %g)", o->tol);
    bool f32 = x->dtype == LG_F32;
    if (f32 ? !lg_rounds_to_finite_f32(o->init_w) || !lg_rounds_to_finite_f32(o->init_b)
            : !isfinite(o->init_w) || !isfinite(o->init_b))
        return lg_fail(LG_EINVAL, "train: the initial w and b must be finite %s numbers",
                       lg_dtype_name(x->dtype));
    if ((unsigned)o->mode >= LG_MODE_COUNT) /* as unsigned, a negative value is caught too */
        return lg_fail(LG_EINVAL, "train: unknown mode %d", (int)o->mode);
    if (o->threads < 0 || o->threads > LG_MAX_THREADS)
        return lg_fail(LG_EINVAL, "train: threads must be 1 to %d (LG_MAX_THREADS), or 0 for the "
                       "default (got %d)", LG_MAX_THREADS, o->threads);
    return check_ranks(x, o);
}

/* Values lg_tensor_set refuses can still reach the data through lg_tensor_wrap's
 * array or lg_tensor_data's pointer. Looked for only once the initial loss is
 * not finite, so a run on good data pays nothing. */
static lg_status check_data(const lg_tensor *x, const lg_tensor *y)
{
    const lg_tensor *t[2] = {x, y};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < t[k]->n; i++) {
            double v = lg_tensor_get(t[k], i);
            if (!isfinite(v))
                return lg_fail(LG_EINVAL, "train: %s[%zu] is %g: the data must be finite (values "
                               "written through lg_tensor_wrap's array or lg_tensor_data are not "
                               "checked when written)", k ? "y" : "x", i, v);
        }
    return LG_OK;
}

/* Everything one run needs, allocated before the first epoch. */
typedef struct trainer {
    lg_graph *g;
    const lg_tensor *x, *y; /* the caller's data: lg_train only reads it */
    lg_tensor *w, *b;
    lg_tensor *loss;  /* eager, graph: this epoch's loss on the tape */
    lg_mse_sums sums; /* fused: this epoch's kernel sums */
    lg_mode mode;
    size_t history_cap;
} trainer;

static lg_status trainer_init(trainer *t, const lg_tensor *x, const lg_tensor *y,
                              const lg_train_opts *o)
{
    *t = (trainer){.x = x, .y = y, .mode = o->mode};
    lg_status s = lg_graph_new(&t->g);
    if (s == LG_OK && o->isa)
        s = lg_graph_set_isa(t->g, o->isa);
    if (s == LG_OK && o->threads > 0)
        s = lg_graph_set_threads(t->g, o->threads);
    if (s == LG_OK && o->mode == LG_MODE_GRAPH)
        s = lg_graph_set_deferred(t->g, true);
    if (s == LG_OK && o->interpret)
        s = lg_graph_set_compile(t->g, false);
    if (s == LG_OK)
        t->g->ex.ranks = o->ranks;
    if (s == LG_OK)
        s = lg_tensor_scalar(x->dtype, o->init_w, true, &t->w);
    if (s == LG_OK)
        s = lg_tensor_scalar(x->dtype, o->init_b, true, &t->b);
    return s;
}

static void trainer_free(trainer *t)
{
    lg_tensor_free(t->w);
    lg_tensor_free(t->b);
    lg_graph_free(t->g);
}

/* Out of line on purpose: gcc 12.2's SLP vectoriser (-O2 and up) drops the
 * rounding of one lane when it pairs (float)w and (float)b in step(), so an f32 b
 * came back unrounded (right at -O1 or with -fno-tree-slp-vectorize). A call it
 * cannot see into keeps each rounding. test_history_semantics(LG_F32) catches it. */
__attribute__((noinline)) static double round_f32(double v)
{
    return (float)v;
}

/* v as a tensor of dtype dt stores it. */
static double to_dtype(lg_dtype dt, double v)
{
    return dt == LG_F32 ? round_f32(v) : v;
}

/* The trainer's own scalars: their gradients and the loss are read and
 * written directly, without the public accessors' checks. lg_zero_grad's
 * effect: a gradient that exists becomes +0. */
static void zero_param_grads(trainer *t)
{
    if (t->w->grad)
        lg_scalar_grad_zero(t->w);
    if (t->b->grad)
        lg_scalar_grad_zero(t->b);
}

static lg_status replay(trainer *t, double *loss)
{
    zero_param_grads(t);
    lg_status s = lg_graph_replay(t->g);
    *loss = lg_scalar_load(lg_handle_tensor(t->loss));
    return s;
}

/* This epoch's loss. Eager builds the tutorial's graph op by op. Graph mode
 * records the same ops once and runs them with their backward as one plan,
 * replayed each later epoch (the graph is the same, only w and b change), so
 * the loss comes with the gradients (unused after the last epoch). Fused needs no
 * tape: one kernel call gives the sums that lg_mse_linear would, and the loss is
 * rounded as the op rounds it, so the bits are the op's at a third of the cost
 * per epoch at tiny n (tests/test_train.c compares with the op). */
static lg_status evaluate(trainer *t, double w, double b, double *loss)
{
    const lg_tensor *x = t->x;
    if (t->mode == LG_MODE_FUSED) {
        t->sums = lg_par_mse(&t->g->ex, x->dtype, x->data, t->y->data, x->n, w, b);
        *loss = to_dtype(x->dtype, lg_mse_linear_loss(&t->sums, lg_exec_count(&t->g->ex, x->n)));
        return LG_OK;
    }
    lg_graph *g = t->g;
    if (t->mode == LG_MODE_GRAPH && t->loss)
        return replay(t, loss);
    lg_graph_reset(g);
    lg_tensor *y_hat = lg_add(g, lg_mul(g, t->x, t->w), t->b);
    t->loss = lg_mean(g, lg_square(g, lg_sub(g, y_hat, t->y)));
    if (!t->loss)
        return lg_graph_status(g);
    if (t->mode == LG_MODE_GRAPH) {
        zero_param_grads(t);
        lg_status s = lg_backward(g, t->loss);
        if (s != LG_OK)
            return s;
    }
    *loss = lg_tensor_get(t->loss, 0);
    return LG_OK;
}

/* d(loss)/dw and d(loss)/db, as they would sit in zeroed gradient buffers after
 * lg_backward: fused adds the op's increments to 0 in the dtype, as its backward
 * does (an upstream gradient of exactly 1). */
static lg_status gradients(trainer *t, double *gw, double *gb)
{
    if (t->mode == LG_MODE_FUSED) {
        double dw, db;
        lg_mse_linear_increments(&t->sums, lg_exec_count(&t->g->ex, t->x->n), 1.0, &dw, &db);
        *gw = to_dtype(t->x->dtype, 0.0 + dw);
        *gb = to_dtype(t->x->dtype, 0.0 + db);
        return LG_OK;
    }
    lg_status s = LG_OK;
    if (t->mode == LG_MODE_EAGER) {
        zero_param_grads(t);
        s = lg_backward(t->g, t->loss);
    }
    *gw = lg_scalar_grad_load(t->w);
    *gb = lg_scalar_grad_load(t->b);
    return s;
}

static lg_status diverged(long epoch, const char *what, double v, double lr)
{
    return lg_fail(LG_EDIVERGED,
                   "training diverged at epoch %ld: %s became %g; try a smaller learning rate "
                   "than %g", epoch, what, v, lr);
}

/* The history grows by doubling, so a long --epochs limit with an early stop
 * costs no memory up front and a run makes O(log epochs) allocations. */
static lg_status record(trainer *t, lg_train_result *res, lg_epoch_record rec)
{
    if (res->n_history == t->history_cap) {
        size_t cap = 2 * t->history_cap;
        lg_epoch_record *h = cap <= SIZE_MAX / sizeof *h ? realloc(res->history, cap * sizeof *h) : NULL;
        if (!h)
            return lg_fail(LG_ENOMEM, "train: cannot grow the history to %zu epochs: out of memory", cap);
        res->history = h;
        t->history_cap = cap;
    }
    res->history[res->n_history++] = rec;
    return LG_OK;
}

/* One epoch: loss, early stop, backward, update. Returns LG_OK with *stop set when
 * the loss is below tol. */
static lg_status step(trainer *t, const lg_train_opts *o, long epoch, lg_train_result *res,
                      bool *stop)
{
    double l = 0.0, gw = 0.0, gb = 0.0;
    /* res->w and res->b hold w and b as the dtype stores them (eager's tensors too). */
    lg_status s = evaluate(t, res->w, res->b, &l);
    if (s != LG_OK)
        return s;
    res->last_epoch = epoch;
    res->final_loss = l;
    if (!isfinite(l) && epoch == 0 && (s = check_data(t->x, t->y)) != LG_OK)
        return s;
    if (!isfinite(l) && epoch == 0) /* before any update, so not the learning rate's fault */
        return lg_fail(LG_EDIVERGED, "the initial loss is %g: the data or the initial w and b are "
                       "too large for %s", l, lg_dtype_name(t->x->dtype));
    if (!isfinite(l))
        return diverged(epoch, "the loss", l, o->lr);
    *stop = l < o->tol;
    if (*stop || epoch >= o->max_epochs)
        return LG_OK;
    if ((s = gradients(t, &gw, &gb)) != LG_OK)
        return s;
    double w = res->w - o->lr * gw, b = res->b - o->lr * gb;
    if (t->mode != LG_MODE_FUSED) { /* the tape reads w and b from their tensors */
        lg_scalar_store(t->w, w);   /* the trainer's own leaves: nothing to check */
        lg_scalar_store(t->b, b);
        w = lg_scalar_load(t->w); /* as rounded */
        b = lg_scalar_load(t->b);
    } else { /* fused keeps them in res alone */
        w = to_dtype(t->x->dtype, w);
        b = to_dtype(t->x->dtype, b);
    }
    /* The result keeps the last finite parameters (lingrad.h's table). */
    if (!isfinite(w) || !isfinite(b))
        return diverged(epoch, "a parameter", isfinite(w) ? b : w, o->lr);
    res->w = w;
    res->b = b;
    return record(t, res, (lg_epoch_record){epoch, l, w, b});
}

/* The user's callback runs in the caller's floating-point mode: it is not
 * lingrad's code, and a thread it starts would inherit the flush mode for good. */
static int notify(const lg_train_opts *o, const lg_epoch_record *rec, lg_fpmode *mode)
{
    lg_fpmode_leave(*mode);
    int rc = o->on_epoch(o->ctx, rec);
    *mode = lg_fpmode_enter();
    return rc;
}

typedef struct run_args {
    trainer *t;
    const lg_train_opts *o;
    lg_train_result *res;
    lg_status status;
    long epoch;     /* the next epoch to run */
    bool done;      /* the last epoch ran, or the run stopped */
    bool watch;     /* on one thread, with a team to start once it pays */
    bool declined;  /* the team measured a hand-off too slow to split any call */
    double spent;   /* what the epochs on one thread took */
    double fastest; /* the fastest of them from the second on */
    double team_up; /* when the team's first epoch began */
} run_args;

/* Graph mode plans and compiles in its first epoch: a one-time cost, not what
 * the epochs left would take. */
static double epoch_clock(const trainer *t)
{
    return lg_seconds() - lg_graph_setup_seconds(t->g);
}

/* After epoch `ran` of [0, last]. The epochs left are priced at the fastest
 * epoch from the second on, and the question is first asked after the third:
 * the first epochs are slower than the rest (cold caches and pages, graph
 * mode's first replay), and a team priced on them started too early (graph
 * mode at 2^17, 10 epochs: 0.86-0.94x). */
static bool hand_over(run_args *a, double epoch_seconds, long ran, long last)
{
    a->spent += epoch_seconds;
    if (ran == 1 || (ran > 1 && epoch_seconds < a->fastest))
        a->fastest = epoch_seconds;
    return ran > 1 && lg_team_pays(a->fastest, a->spent, last - ran, !(a->o->tol > 0.0),
                                   lg_team_start_estimate());
}

/* Epochs from a->epoch on. Watched (on one thread, with a team to gain), each is
 * timed, and the loop returns before the last, a->epoch the next and a->done
 * false, when the rest should go to a team. Two copies of the loop, one for
 * each case, cost more: gcc then stops inlining step() into them. */
static lg_status run_epochs(run_args *a, lg_fpmode *mode)
{
    trainer *t = a->t;
    const lg_train_opts *o = a->o;
    lg_train_result *res = a->res;
    /* With no epochs to run, epoch 0 still evaluates the initial loss. */
    long last = o->max_epochs > 0 ? o->max_epochs - 1 : 0;
    const bool watch = a->watch; /* locals, not a's fields: the loop stays lean */
    a->done = true;
    for (long epoch = a->epoch; epoch <= last; epoch++) {
        double began = watch ? epoch_clock(t) : 0.0;
        bool stop = false;
        lg_status s = step(t, o, epoch, res, &stop);
        if (s != LG_OK || stop) {
            res->stopped_early = stop;
            return s;
        }
        if (o->on_epoch && res->n_history > 0 &&
            notify(o, &res->history[res->n_history - 1], mode) != 0) {
            res->interrupted = true;
            return LG_OK;
        }
        if (watch && epoch < last && hand_over(a, epoch_clock(t) - began, epoch, last)) {
            a->epoch = epoch + 1;
            a->done = false;
            return LG_OK;
        }
    }
    return LG_OK;
}

/* The flush-to-zero mode (fpmode.h) is set once for the whole loop, so the many
 * kernel calls of an epoch each find it already on. */
static lg_status run(run_args *a)
{
    lg_fpmode mode = lg_fpmode_enter();
    lg_status s = run_epochs(a, &mode);
    lg_fpmode_leave(mode);
    return s;
}

/* A team that measured its hand-off slower than the least it is counted at
 * (grain.h) may split no call of this run: then it ends at once, and the epochs
 * stay on one thread rather than pay its waits for nothing. */
static void team_body(void *arg)
{
    run_args *a = arg;
    a->team_up = lg_seconds();
    a->watch = false;
    if (lg_par_grain(&a->t->g->ex) > a->t->x->n) {
        a->declined = true;
        return;
    }
    a->status = run(a);
}

/* With threads, the epochs run inside one persistent team: an epoch then costs
 * a few cache-line handoffs per kernel call, not a fork/join each. The team
 * starts when it pays (team_policy.c), or at once with threads_now; its start
 * is timed apart from the epochs, since a process's first one makes threads and
 * may discover the topology (milliseconds). */
static lg_status run_loop(trainer *t, const lg_train_opts *o, lg_train_result *res)
{
    lg_exec *ex = &t->g->ex;
    bool team = lg_par_wants_team(ex, t->x->n);
    run_args a = {.t = t, .o = o, .res = res, .status = LG_OK, .watch = team && !o->threads_now};
    double t0 = lg_seconds();
    /* Epochs before the team run on one thread: a first fork costs what the
     * team's price avoids, and even warm forks lost 1-epoch runs in graph mode
     * at 2^20 (0.69-0.83x: its planning touches n-sized buffers). */
    ex->one_thread = a.watch;
    if (!team || !o->threads_now)
        a.status = run(&a);
    ex->one_thread = false;
    if (team && !a.done && a.status == LG_OK) {
        double before = lg_seconds();
        res->threads_from_epoch = a.epoch;
        lg_team_run(ex, team_body, &a);
        res->start_seconds = a.team_up - before;
    }
    if (a.declined) {
        res->threads_from_epoch = -1;
        ex->one_thread = true;
        a.status = run(&a);
        ex->one_thread = false;
    }
    res->seconds = lg_seconds() - t0 - res->start_seconds;
    return a.status;
}

static lg_status train(const lg_tensor *x, const lg_tensor *y, const lg_train_opts *opts,
                       lg_train_result *res)
{
    lg_status s = check_args(x, y, opts);
    if (s != LG_OK)
        return s;
    res->w = opts->init_w;
    res->b = opts->init_b;
    trainer t;
    s = trainer_init(&t, x, y, opts);
    t.history_cap = opts->max_epochs < 1 ? 1 : opts->max_epochs < 4096 ? (size_t)opts->max_epochs : 4096;
    if (s == LG_OK && !(res->history = malloc(t.history_cap * sizeof *res->history)))
        s = lg_fail(LG_ENOMEM, "train: cannot allocate a history of %zu epochs: out of memory", t.history_cap);
    if (s == LG_OK) {
        res->w = lg_tensor_get(t.w, 0); /* as rounded to the dtype */
        res->b = lg_tensor_get(t.b, 0);
        s = run_loop(&t, opts, res);
        res->setup_seconds = lg_graph_setup_seconds(t.g);
        if (opts->mode == LG_MODE_GRAPH)
            lg_graph_exec_describe(t.g, res->graph_exec, sizeof res->graph_exec);
    }
    trainer_free(&t);
    return s;
}

/* Over ranks, every return is agreed: a rank that failed meets the others at
 * their next exchange (or here), and all return the same status. */
lg_status lg_train(const lg_tensor *x, const lg_tensor *y, const lg_train_opts *opts,
                   lg_train_result *res)
{
    if (!res)
        return lg_fail_null("lg_train", "res");
    memset(res, 0, sizeof *res);
    res->threads_from_epoch = -1;
    lg_status s = train(x, y, opts, res);
    if (opts && opts->ranks)
        s = opts->ranks->vote(opts->ranks, s, false, NULL);
    return s;
}
