/* libFuzzer harness: the input as a program of public API calls (tensors, ops,
 * graphs, backward, eval, replay, the graph's settings), checked against the
 * contract in include/lingrad.h:
 *
 *  - nothing crashes, leaks or reads freed memory (ASan, LSan, UBSan);
 *  - a call that fails leaves a message in lg_last_error(), and an op that
 *    returns NULL leaves one or a failed lg_graph_status(); a failed call that
 *    makes an object sets its out-parameter to NULL;
 *  - eager and graph mode give the same bits: the program runs twice, every
 *    graph deferred in the first run and eager in the second, and each call
 *    must return the same status in both, and each value read back that both
 *    modes have computed (leaf values and gradients; scalar op outputs after a
 *    lg_backward, lg_graph_eval or lg_graph_replay of their step; gradients of
 *    scalar outputs) must be bitwise the same (NaN too).
 *
 * The documented differences between the modes, and how they are handled:
 *  - "Until an op output is computed, its accessors give NULL (data) or NaN
 *    (get), and lg_tensor_set on it fails with LG_EINVAL": reads of op outputs
 *    are compared only once their step has run, and an lg_tensor_set that the
 *    deferred run found pending is not made in the eager run.
 *  - "it keeps no vector output and no gradient of a vector output": only
 *    scalar outputs are compared.
 *  - lg_graph_replay "Fails with LG_EINVAL ... unless the last run on g was
 *    lg_backward in graph mode": where it succeeded in the deferred run, the
 *    eager run does what the header says it is bitwise equal to: lg_graph_reset,
 *    recording the same ops on the same leaves, and lg_backward.
 *
 * Each graph is made with lg_graph_set_compile(g, false) (and LINGRAD_JIT=0):
 * the compiled sweeps call the system C compiler, far too slow here.
 *
 * Compile-time switches:
 *  FUZZ_API_NAN_ANY_SIGN      any NaN equals any NaN (the modes gave a subtracted
 *                             scalar's gradient NaNs of opposite signs).
 *
 * FUZZ_API_TRACE=1 in the environment prints each call of both runs to stderr:
 * what a reproducer is written from. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h" /* lg_error_clear, lg_error_is_set; includes lingrad.h */

enum { N_SLOTS = 8, N_GRAPHS = 2, MAX_CALLS = 64, MAX_N = 64, MAX_EVENTS = 8192 };

/* ---- what each run saw, for the comparison ---------------------------------- */

enum ev_kind { EV_STATUS, EV_VALUE, EV_GRAD, EV_INFO, EV_SKIP };

typedef struct event {
    uint16_t call;
    uint8_t kind; /* enum ev_kind */
    uint8_t cmp;  /* compared with the other run */
    uint64_t bits;
} event;

typedef struct trace {
    event ev[MAX_EVENTS];
    size_t n;
    lg_status status[MAX_CALLS]; /* per call: the status of its main function */
    bool pending[MAX_CALLS];     /* the deferred run: lg_tensor_set on a pending output */
} trace;

static trace traces[2]; /* [0] deferred, [1] eager */
static bool verbose;

static const char *const op_names[] = {
    "new", "scalar", "wrap", "free", "set", "get", "zero_grad", "op", "reset", "backward",
    "eval", "replay", "set_deferred", "set_threads", "set_isa", "set_compile", "graph_new",
    "graph_free", "status", "describe", "nulls"};
enum { OP_NEW, OP_SCALAR, OP_WRAP, OP_FREE, OP_SET, OP_GET, OP_ZERO_GRAD, OP_OP, OP_RESET,
       OP_BACKWARD, OP_EVAL, OP_REPLAY, OP_SET_DEFERRED, OP_SET_THREADS, OP_SET_ISA,
       OP_SET_COMPILE, OP_GRAPH_NEW, OP_GRAPH_FREE, OP_STATUS, OP_DESCRIBE, OP_NULLS, N_OPS };

static const char *const fn_names[] = {"add", "sub", "mul", "square", "neg", "mean", "sum",
                                       "mse_linear"};
static const int fn_arity[] = {2, 2, 2, 1, 1, 1, 1, 4};

/* ---- the interpreter's state ------------------------------------------------ */

typedef enum { S_EMPTY, S_LEAF, S_OUT } slot_kind;

typedef struct slot {
    lg_tensor *t;
    slot_kind kind;
    void *buf;           /* lg_tensor_wrap's data: the harness's, freed after the tensor */
    int graph;           /* S_OUT: the graph that made it */
    uint64_t step;       /* S_OUT: the harness's step of that graph it was made in */
    unsigned node;       /* S_OUT: its op's place on that step's tape */
    bool used[N_GRAPHS]; /* graph i's current step read it (an op, or eval) */
    bool op_read[N_GRAPHS]; /* an op of graph i's current step read it */
} slot;

typedef struct tape_node {
    int fn;
    lg_tensor *in[4];
    lg_tensor *out;
} tape_node;

typedef struct gslot {
    lg_graph *g;
    uint64_t step;     /* bumped by everything that drops the graph's outputs */
    unsigned n_nodes;  /* ops recorded this step */
    unsigned computed; /* outputs of ops [0, computed) have been run */
    bool dirty;        /* a tensor the step read was set since: the step must not run */
    tape_node tape[MAX_CALLS];
    lg_tensor *loss;   /* the last successful lg_backward's */
} gslot;

typedef struct state {
    bool deferred;
    int run;            /* index into traces */
    const trace *other; /* the eager run: the deferred run's trace */
    trace *tr;
    uint16_t call;
    slot s[N_SLOTS];
    gslot gs[N_GRAPHS];
} state;

static _Noreturn void die(const state *st, const char *fmt, ...)
{
    va_list ap;
    if (st)
        fprintf(stderr, "fuzz_api: %s run, call %u: ", st->deferred ? "deferred" : "eager", st->call);
    else
        fprintf(stderr, "fuzz_api: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (rerun with FUZZ_API_TRACE=1 for the calls)\n");
    abort();
}

static void note(const state *st, const char *fmt, ...)
{
    if (!verbose)
        return;
    va_list ap;
    fprintf(stderr, "[%s #%u] ", st->deferred ? "graph" : "eager", st->call);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void log_ev(state *st, enum ev_kind kind, bool cmp, uint64_t bits)
{
    trace *tr = st->tr;
    if (tr->n < MAX_EVENTS)
        tr->ev[tr->n++] = (event){st->call, (uint8_t)kind, cmp, bits};
}

static void log_double(state *st, enum ev_kind kind, bool cmp, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    log_ev(st, kind, cmp, bits);
}

static void log_status(state *st, lg_status s)
{
    st->tr->status[st->call] = s;
    log_ev(st, EV_STATUS, true, (uint64_t)s);
}

/* A failure must say why: "lg_last_error() holds a one-line message". The
 * message was cleared before the call, unless `explained` (a NULL input whose
 * failure an earlier call recorded). */
static void check_status(const state *st, const char *fn, lg_status s, bool explained)
{
    if ((unsigned)s > LG_EUNSUPPORTED)
        die(st, "%s returned %d, no lg_status", fn, (int)s);
    if (s == LG_OK || explained)
        return;
    const char *m = lg_last_error();
    if (!lg_error_is_set() || !m || !*m || strcmp(m, "no error") == 0)
        die(st, "%s failed (%s) without a message", fn, lg_status_name(s));
}

/* ---- the input -------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static uint8_t u8(reader *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static const size_t sizes[16] = {1, 1, 1, 2, 3, 4, 4, 8, 16, 17, 31, 32, 33, 63, 64, 0};

static double value_of(uint8_t b)
{
    static const double v[32] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 1e-3, 1e300, -1e300, INFINITY, -INFINITY, NAN,
        1e-310, 3.4028234663852886e38, 3.5e38, 1e-45, 123.456, -7.25, 1e10, 0.1, -0.1, 4.0,
        0.25, 1e-7, 7.0, -3.0, 1.5, 65504.0, 1e-20, -2.5, 10.0};
    return v[b % 32];
}

static lg_dtype dtype_of(uint8_t b)
{
    return (b & 1) ? LG_F64 : LG_F32;
}

/* ---- bookkeeping -------------------------------------------------------------- */

static bool slot_current(const state *st, const slot *sl)
{
    return sl->kind == S_OUT && st->gs[sl->graph].g && sl->step == st->gs[sl->graph].step;
}

/* The graph dropped its outputs (lg_graph_reset and whatever resets). */
static void graph_dropped(state *st, int gi)
{
    gslot *gs = &st->gs[gi];
    gs->step++;
    gs->n_nodes = gs->computed = 0;
    gs->dirty = false;
    gs->loss = NULL;
    for (int i = 0; i < N_SLOTS; i++)
        st->s[i].used[gi] = st->s[i].op_read[gi] = false;
}

static void mark_used(state *st, int gi, const lg_tensor *t, bool by_op)
{
    for (int i = 0; t && i < N_SLOTS; i++)
        if (st->s[i].t == t) {
            st->s[i].used[gi] = true;
            st->s[i].op_read[gi] = st->s[i].op_read[gi] || by_op;
        }
}

/* Frees the leaf in slot i. A graph whose tape reads it is reset first: "The
 * tape's leaves must still be alive, as for any op input". */
static void free_leaf(state *st, int i)
{
    slot *sl = &st->s[i];
    for (int gi = 0; gi < N_GRAPHS; gi++)
        if (sl->used[gi] && st->gs[gi].g) {
            lg_graph_reset(st->gs[gi].g);
            graph_dropped(st, gi);
        }
    lg_error_clear();
    lg_status s = lg_tensor_free(sl->t);
    if (s != LG_OK)
        die(st, "lg_tensor_free of a leaf failed: %s", lg_last_error());
    free(sl->buf);
    *sl = (slot){0};
}

static void drop_slot(state *st, int i)
{
    if (st->s[i].kind == S_LEAF)
        free_leaf(st, i);
    else
        st->s[i] = (slot){0};
}

static void free_graph(state *st, int gi)
{
    if (!st->gs[gi].g)
        return;
    lg_graph_free(st->gs[gi].g);
    /* "After lg_graph_free its outputs must not be touched at all." */
    for (int i = 0; i < N_SLOTS; i++)
        if (st->s[i].kind == S_OUT && st->s[i].graph == gi)
            st->s[i] = (slot){0};
    graph_dropped(st, gi);
    st->gs[gi].g = NULL;
}

static void new_graph(state *st, int gi)
{
    free_graph(st, gi);
    lg_graph *g = (lg_graph *)&st->gs; /* not NULL: the failure must set it to NULL */
    lg_error_clear();
    lg_status s = lg_graph_new(&g);
    check_status(st, "lg_graph_new", s, false);
    if (s != LG_OK) {
        if (g)
            die(st, "lg_graph_new failed and left its out-parameter set");
        return;
    }
    if (lg_graph_set_compile(g, false) != LG_OK || lg_graph_set_deferred(g, st->deferred) != LG_OK)
        die(st, "cannot configure a new graph: %s", lg_last_error());
    st->gs[gi].g = g;
    graph_dropped(st, gi);
}

/* A new leaf into slot i (after whatever was there is dropped). */
static void put_leaf(state *st, int i, lg_tensor *t, void *buf)
{
    drop_slot(st, i);
    st->s[i] = (slot){.t = t, .kind = S_LEAF, .buf = buf};
}

static lg_tensor *slot_tensor(const state *st, uint8_t b)
{
    return b >= 0xF0 ? NULL : st->s[b % N_SLOTS].t;
}

static lg_tensor *apply_fn(int fn, lg_graph *g, lg_tensor *const in[4])
{
    switch (fn) {
    case 0: return lg_add(g, in[0], in[1]);
    case 1: return lg_sub(g, in[0], in[1]);
    case 2: return lg_mul(g, in[0], in[1]);
    case 3: return lg_square(g, in[0]);
    case 4: return lg_neg(g, in[0]);
    case 5: return lg_mean(g, in[0]);
    case 6: return lg_sum(g, in[0]);
    default: return lg_mse_linear(g, in[0], in[1], in[2], in[3]);
    }
}

/* The step is known to have run: its outputs so far are computed. */
static void step_ran(state *st, int gi)
{
    st->gs[gi].computed = st->gs[gi].n_nodes;
}

/* ---- the calls ---------------------------------------------------------------- */

static void do_new(state *st, reader *r, int which)
{
    uint8_t a = u8(r), b = u8(r), c = u8(r), d = u8(r);
    int i = a % N_SLOTS;
    lg_dtype dt = dtype_of(b);
    bool rg = (b >> 1) & 1;
    size_t n = sizes[c % 16];
    lg_tensor *t = (lg_tensor *)st; /* not NULL: a failure must set it to NULL */
    void *buf = NULL;
    lg_status s;
    const char *fn;
    lg_error_clear();
    if (which == OP_NEW) {
        fn = "lg_tensor_new";
        s = lg_tensor_new(dt, n, rg, &t);
    } else if (which == OP_SCALAR) {
        fn = "lg_tensor_scalar";
        s = lg_tensor_scalar(dt, value_of(d), rg, &t);
    } else {
        fn = "lg_tensor_wrap";
        size_t esize = dt == LG_F64 ? 8 : 4;
        buf = aligned_alloc(64, MAX_N * 8 + 64);
        if (!buf)
            die(st, "out of memory");
        for (size_t k = 0; k < MAX_N; k++) {
            /* d < 128: finite values of either sign; else the awkward ones too */
            double v = d & 0x80 ? value_of((uint8_t)(d + 7 * k))
                                : (double)((d * 31 + k * 7) % 29) / 8.0 - 1.0;
            if (dt == LG_F64)
                memcpy((char *)buf + 8 * k, &v, 8);
            else {
                float f = (float)v;
                memcpy((char *)buf + 4 * k, &f, 4);
            }
        }
        /* aligned, one element past it, misaligned for both, misaligned for f64, NULL */
        static const size_t offs[5] = {0, 1, 2, 3, 4};
        size_t o = offs[(b >> 2) % 5];
        char *data = o == 0 ? buf : o == 1 ? (char *)buf + esize : o == 2 ? (char *)buf + 1
                   : o == 3 ? (char *)buf + 4 : NULL;
        s = lg_tensor_wrap(dt, n, data, rg, &t);
    }
    check_status(st, fn, s, false);
    note(st, "%s(%s, n=%zu, rg=%d) -> %s, slot %d", fn, lg_dtype_name(dt), which == OP_SCALAR ? 1 : n,
         rg, lg_status_name(s), i);
    log_status(st, s);
    if (s != LG_OK) {
        if (t)
            die(st, "%s failed and left its out-parameter set", fn);
        free(buf);
        return;
    }
    put_leaf(st, i, t, buf);
}

static void do_free(state *st, reader *r)
{
    int i = u8(r) % N_SLOTS;
    slot *sl = &st->s[i];
    if (sl->kind == S_LEAF) {
        note(st, "lg_tensor_free(leaf %d)", i);
        free_leaf(st, i);
        log_status(st, LG_OK);
        return;
    }
    /* NULL is a no-op; an op output (live or stale) is the graph's: LG_EINVAL. */
    lg_error_clear();
    lg_status s = lg_tensor_free(sl->t);
    check_status(st, "lg_tensor_free", s, false);
    note(st, "lg_tensor_free(%s %d) -> %s", sl->t ? "output" : "NULL", i, lg_status_name(s));
    if (!sl->t && s != LG_OK)
        die(st, "lg_tensor_free(NULL) failed");
    if (sl->t && s == LG_OK)
        die(st, "lg_tensor_free freed an op output");
    log_status(st, s);
}

static void do_set(state *st, reader *r)
{
    int i = u8(r) % N_SLOTS;
    size_t idx = u8(r) % 72;
    double v = value_of(u8(r));
    slot *sl = &st->s[i];
    if (!sl->t) {
        lg_error_clear();
        lg_status s = lg_tensor_set(NULL, idx, v);
        check_status(st, "lg_tensor_set", s, false);
        if (s == LG_OK)
            die(st, "lg_tensor_set(NULL) succeeded");
        log_status(st, s);
        return;
    }
    bool current = slot_current(st, sl);
    /* Pending: an output of this step that graph mode has not computed: no data,
     * and not stale (a stale output's gradient reads NaN, a pending one's 0 or its
     * value). */
    if (st->deferred)
        st->tr->pending[st->call] = sl->kind == S_OUT && lg_tensor_cdata(sl->t) == NULL &&
                                    !isnan(lg_tensor_grad_get(sl->t, 0));
    else if (st->other->pending[st->call]) {
        /* Graph mode refused it ("lg_tensor_set on it fails with LG_EINVAL"); eager
         * would change a value graph mode never had. */
        note(st, "lg_tensor_set(slot %d) skipped: pending in graph mode", i);
        log_ev(st, EV_STATUS, false, 0);
        return;
    }
    lg_error_clear();
    lg_status s = lg_tensor_set(sl->t, idx, v);
    check_status(st, "lg_tensor_set", s, false);
    note(st, "lg_tensor_set(slot %d%s, %zu, %g) -> %s%s%s", i, current ? " current" : "", idx, v,
         lg_status_name(s), s ? ": " : "", s ? lg_last_error() : "");
    /* lingrad.h: an op output from an earlier step is caught always. */
    if (sl->kind == S_OUT && !current && s == LG_OK)
        die(st, "lg_tensor_set wrote an op output from an earlier step");
    if (st->deferred && st->tr->pending[st->call]) {
        if (s == LG_OK)
            die(st, "lg_tensor_set changed a pending output");
        log_ev(st, EV_STATUS, false, (uint64_t)s);
        return;
    }
    log_status(st, s);
    if (s == LG_OK) {
        for (int gi = 0; gi < N_GRAPHS; gi++)
            if (sl->op_read[gi])
                st->gs[gi].dirty = true;
        if (current) /* an op's own output written: its step must not run either */
            st->gs[sl->graph].dirty = true;
    }
}

/* What both modes must agree on about slot i, element idx. */
static void read_slot(state *st, int i, size_t idx)
{
    slot *sl = &st->s[i];
    if (!sl->t) {
        log_ev(st, EV_SKIP, true, 0);
        return;
    }
    lg_tensor *t = sl->t;
    double v = lg_tensor_get(t, idx), gr = lg_tensor_grad_get(t, idx);
    bool leaf = sl->kind == S_LEAF;
    bool current = slot_current(st, sl);
    size_t n = lg_tensor_size(t);
    bool scalar_out = current && n == 1;
    bool computed = scalar_out && sl->node < st->gs[sl->graph].computed;
    log_ev(st, EV_INFO, true, n);
    log_ev(st, EV_INFO, true, (uint64_t)lg_tensor_dtype(t) * 2 + lg_tensor_requires_grad(t));
    log_double(st, EV_VALUE, leaf || computed, v);
    log_double(st, EV_GRAD, leaf || scalar_out, gr);
    note(st, "get(slot %d%s, %zu): value %a grad %a%s", i, leaf ? " leaf" : "", idx, v, gr,
         leaf || computed ? "" : " (value not compared)");
    /* The accessors agree with each other. */
    const void *d = lg_tensor_cdata(t);
    if (d && idx < n) {
        double dv = lg_tensor_dtype(t) == LG_F64 ? ((const double *)d)[idx]
                                                 : (double)((const float *)d)[idx];
        if (memcmp(&dv, &v, sizeof v) != 0)
            die(st, "lg_tensor_get and lg_tensor_cdata disagree");
    }
    if (leaf && (!d || lg_tensor_data(t) != d))
        die(st, "a leaf's data is NULL");
}

static void do_get(state *st, reader *r)
{
    int i = u8(r) % N_SLOTS;
    size_t idx = u8(r) % 72;
    read_slot(st, i, idx);
}

static void do_zero_grad(state *st, reader *r)
{
    int i = u8(r) % N_SLOTS;
    lg_tensor *t = st->s[i].t;
    lg_error_clear();
    lg_status s = lg_zero_grad(t);
    check_status(st, "lg_zero_grad", s, false);
    note(st, "lg_zero_grad(slot %d) -> %s", i, lg_status_name(s));
    if (!t && s == LG_OK)
        die(st, "lg_zero_grad(NULL) succeeded");
    log_status(st, s);
}

static void do_op(state *st, reader *r)
{
    int fn = u8(r) % 8;
    int gi = u8(r) % N_GRAPHS;
    int dest = u8(r) % N_SLOTS;
    uint8_t ib[4] = {u8(r), u8(r), u8(r), u8(r)};
    gslot *gs = &st->gs[gi];
    lg_tensor *in[4] = {NULL};
    for (int k = 0; k < fn_arity[fn]; k++)
        in[k] = slot_tensor(st, ib[k]);
    lg_error_clear();
    lg_tensor *out = apply_fn(fn, gs->g, in);
    note(st, "lg_%s(g%d%s, slots %d %d %d %d) -> %s", fn_names[fn], gi, gs->g ? "" : "=NULL",
         ib[0] >= 0xF0 ? -1 : ib[0] % N_SLOTS, ib[1] >= 0xF0 ? -1 : ib[1] % N_SLOTS,
         ib[2] >= 0xF0 ? -1 : ib[2] % N_SLOTS, ib[3] >= 0xF0 ? -1 : ib[3] % N_SLOTS,
         out ? "tensor" : "NULL");
    if (!out) {
        note(st, "  graph status %s: %s", gs->g ? lg_status_name(lg_graph_status(gs->g)) : "-", lg_last_error());
        bool explained = gs->g && lg_graph_status(gs->g) != LG_OK;
        check_status(st, fn_names[fn], LG_EINVAL, explained);
        log_status(st, gs->g ? lg_graph_status(gs->g) : LG_EINVAL);
        return;
    }
    if (!gs->g)
        die(st, "lg_%s on a NULL graph gave a tensor", fn_names[fn]);
    if (lg_graph_status(gs->g) != LG_OK)
        die(st, "lg_%s gave a tensor in a failed graph", fn_names[fn]);
    log_status(st, LG_OK);
    for (int k = 0; k < fn_arity[fn]; k++)
        mark_used(st, gi, in[k], true);
    unsigned node = gs->n_nodes++;
    gs->tape[node] = (tape_node){fn, {in[0], in[1], in[2], in[3]}, out};
    /* Into dest, unless a leaf is there: freeing it would reset the graph. */
    for (int k = 0; k < N_SLOTS; k++) {
        int i = (dest + k) % N_SLOTS;
        if (st->s[i].kind != S_LEAF) {
            st->s[i] = (slot){.t = out, .kind = S_OUT, .graph = gi, .step = gs->step, .node = node};
            note(st, "  output n=%zu in slot %d", lg_tensor_size(out), i);
            break;
        }
    }
}

static void do_reset(state *st, reader *r)
{
    int gi = u8(r) % N_GRAPHS;
    if (!st->gs[gi].g) {
        lg_graph_reset(NULL);
        log_ev(st, EV_SKIP, true, 0);
        return;
    }
    note(st, "lg_graph_reset(g%d)", gi);
    lg_graph_reset(st->gs[gi].g);
    graph_dropped(st, gi);
    log_ev(st, EV_SKIP, true, 1);
}

/* lg_backward (backward) or lg_graph_eval. */
static void do_run(state *st, reader *r, bool backward)
{
    int gi = u8(r) % N_GRAPHS;
    uint8_t lb = u8(r);
    gslot *gs = &st->gs[gi];
    lg_tensor *t = slot_tensor(st, lb);
    const char *fn = backward ? "lg_backward" : "lg_graph_eval";
    lg_error_clear();
    lg_status s = backward ? lg_backward(gs->g, t) : lg_graph_eval(gs->g, t);
    /* "A NULL input makes an op return NULL without touching the message, so
     * expressions can be chained and checked once": a NULL loss in a graph that
     * recorded a failure gives that failure. */
    bool explained = !t && gs->g && lg_graph_status(gs->g) == s;
    check_status(st, fn, s, explained);
    note(st, "%s(g%d%s, %s) -> %s", fn, gi, gs->g ? "" : "=NULL", t ? "tensor" : "NULL",
         lg_status_name(s));
    if ((!gs->g || !t) && s == LG_OK)
        die(st, "%s with a NULL argument succeeded", fn);
    /* lingrad.h, "Versions": a step one of whose inputs lg_tensor_set changed
     * after an op used it must not run, in either mode. */
    if (gs->dirty && s == LG_OK)
        die(st, "%s ran a step whose input lg_tensor_set changed after an op used it", fn);
    log_status(st, s);
    if (s != LG_OK)
        return;
    mark_used(st, gi, t, false);
    const slot *target = NULL;
    for (int i = 0; i < N_SLOTS; i++)
        if (st->s[i].t == t)
            target = &st->s[i];
    if (backward) {
        step_ran(st, gi);
        gs->loss = t;
    } else if (target && slot_current(st, target) && target->graph == gi &&
               target->node >= gs->computed) {
        /* "lg_graph_eval(g, t) computes t and every scalar output"; one computed
         * already runs nothing. */
        step_ran(st, gi);
    }
}

/* Eager mode's stand-in for a replay that graph mode ran: "bitwise as
 * lg_graph_reset, recording the same ops on the same leaves and lg_backward
 * would". */
static lg_status replay_eagerly(state *st, int gi)
{
    gslot *gs = &st->gs[gi];
    lg_tensor *old[MAX_CALLS], *neu[MAX_CALLS];
    lg_graph_reset(gs->g);
    for (unsigned k = 0; k < gs->n_nodes; k++) {
        tape_node *nd = &gs->tape[k];
        lg_tensor *in[4];
        for (int a = 0; a < 4; a++) {
            in[a] = nd->in[a];
            for (unsigned j = 0; j < k; j++)
                if (nd->in[a] && nd->in[a] == old[j])
                    in[a] = neu[j];
        }
        old[k] = nd->out;
        neu[k] = apply_fn(nd->fn, gs->g, in);
        if (!neu[k])
            die(st, "replaying lg_%s eagerly failed: %s", fn_names[nd->fn], lg_last_error());
        nd->out = neu[k];
        memcpy(nd->in, in, sizeof in);
    }
    lg_tensor *loss = gs->loss;
    for (unsigned j = 0; j < gs->n_nodes; j++)
        if (loss == old[j])
            loss = neu[j];
    gs->loss = loss;
    for (int i = 0; i < N_SLOTS; i++)
        if (slot_current(st, &st->s[i]) && st->s[i].graph == gi)
            st->s[i].t = gs->tape[st->s[i].node].out;
    return lg_backward(gs->g, loss);
}

static void do_replay(state *st, reader *r)
{
    int gi = u8(r) % N_GRAPHS;
    gslot *gs = &st->gs[gi];
    /* Replay keeps a failure an op recorded after lg_backward (that op did not
     * drop the tape), where the reset it stands for would clear it: not made. */
    if (gs->g && lg_graph_status(gs->g) != LG_OK) {
        log_ev(st, EV_SKIP, true, 3);
        return;
    }
    lg_error_clear();
    lg_status s;
    if (!st->deferred && st->other->status[st->call] == LG_OK && gs->g) {
        s = replay_eagerly(st, gi);
        note(st, "lg_graph_replay(g%d) made eagerly -> %s", gi, lg_status_name(s));
        if (s != LG_OK)
            die(st, "the eager stand-in for lg_graph_replay failed: %s", lg_last_error());
    } else {
        s = lg_graph_replay(gs->g);
        check_status(st, "lg_graph_replay", s, false);
        note(st, "lg_graph_replay(g%d) -> %s", gi, lg_status_name(s));
    }
    log_status(st, s);
    if (s == LG_OK) {
        gs->dirty = false; /* a replay runs on the current values: the tape's from now on */
        step_ran(st, gi);
    }
}

static void do_setting(state *st, reader *r, int which)
{
    int gi = u8(r) % N_GRAPHS;
    uint8_t b = u8(r);
    gslot *gs = &st->gs[gi];
    lg_status s;
    const char *fn;
    bool resets = true;
    char isa[32] = "";
    lg_error_clear();
    switch (which) {
    case OP_SET_DEFERRED: /* the run's own mode: only its reset */
        fn = "lg_graph_set_deferred";
        s = lg_graph_set_deferred(gs->g, st->deferred);
        break;
    case OP_SET_COMPILE:
        fn = "lg_graph_set_compile";
        s = lg_graph_set_compile(gs->g, false);
        break;
    case OP_SET_THREADS: {
        static const int counts[8] = {1, 2, 3, 0, -1, 100000, INT_MIN, 2};
        fn = "lg_graph_set_threads";
        s = lg_graph_set_threads(gs->g, counts[b % 8]);
        snprintf(isa, sizeof isa, "%d", counts[b % 8]);
        resets = false;
        break;
    }
    default: { /* OP_SET_ISA */
        fn = "lg_graph_set_isa";
        const char *name;
        size_t k = b % 8;
        if (k == 0)
            name = "scalar";
        else if (k == 1)
            name = "no-such-isa";
        else if (k == 2)
            name = "";
        else if (k == 3) {
            name = NULL; /* the default, if NULL is one */
        } else
            name = lg_isa_name((k - 4) % (lg_isa_count() + 1)); /* NULL past the end */
        snprintf(isa, sizeof isa, "%s", name ? name : "NULL");
        s = lg_graph_set_isa(gs->g, name);
        break;
    }
    }
    check_status(st, fn, s, false);
    note(st, "%s(g%d%s, %s) -> %s", fn, gi, gs->g ? "" : "=NULL", isa, lg_status_name(s));
    if (!gs->g && s == LG_OK)
        die(st, "%s(NULL) succeeded", fn);
    log_status(st, s);
    if (s == LG_OK && resets && gs->g)
        graph_dropped(st, gi);
}

static void do_graph_status(state *st, reader *r)
{
    int gi = u8(r) % N_GRAPHS;
    lg_graph *g = st->gs[gi].g;
    if (!g) {
        log_ev(st, EV_SKIP, true, 0);
        return;
    }
    log_ev(st, EV_INFO, true, (uint64_t)lg_graph_status(g));
    log_ev(st, EV_INFO, true, (uint64_t)(int64_t)lg_graph_threads(g));
    const char *isa = lg_graph_isa(g);
    log_ev(st, EV_INFO, true, isa ? (uint64_t)isa[0] << 8 | strlen(isa) : 0);
    if (lg_graph_deferred(g) != st->deferred)
        die(st, "lg_graph_deferred changed");
    if (lg_graph_compile(g))
        die(st, "lg_graph_compile is on");
    note(st, "status(g%d): %s, %d threads, %s", gi, lg_status_name(lg_graph_status(g)),
         lg_graph_threads(g), isa ? isa : "NULL");
}

static void do_describe(state *st, reader *r)
{
    int gi = u8(r) % N_GRAPHS;
    size_t len = u8(r) % 80;
    lg_graph *g = st->gs[gi].g;
    if (!g) {
        log_ev(st, EV_SKIP, true, 0);
        return;
    }
    char buf[80];
    memset(buf, 'x', sizeof buf);
    size_t whole = lg_graph_plan_describe(g, len ? buf : NULL, len);
    if (len && strnlen(buf, len) != (whole < len ? whole : len - 1))
        die(st, "lg_graph_plan_describe wrote %zu characters of %zu into %zu", strnlen(buf, len),
            whole, len);
    memset(buf, 'x', sizeof buf);
    whole = lg_graph_exec_describe(g, len ? buf : NULL, len);
    if (len && strnlen(buf, len) != (whole < len ? whole : len - 1))
        die(st, "lg_graph_exec_describe wrote %zu characters of %zu into %zu", strnlen(buf, len),
            whole, len);
    if (len > 8 && strncmp(buf, "compiled", 8) == 0)
        die(st, "sweeps compiled with lg_graph_set_compile(g, false): %s", buf);
    (void)lg_graph_setup_seconds(g);
    log_ev(st, EV_SKIP, true, 4);
}

/* NULL where the header allows none: a failure with a message, never a crash. */
static void do_nulls(state *st, reader *r)
{
    uint8_t b = u8(r);
    lg_graph *g = st->gs[0].g;
    lg_tensor *t = st->s[0].t;
    lg_status s = LG_OK;
    bool status_fn = true;
    lg_error_clear();
    switch (b % 24) {
    case 0: s = lg_tensor_new(LG_F64, 4, false, NULL); break;
    case 1: s = lg_tensor_scalar(LG_F32, 1.0, true, NULL); break;
    case 2: {
        static double d[4];
        s = lg_tensor_wrap(LG_F64, 4, d, false, NULL);
        break;
    }
    case 3: s = lg_tensor_set(NULL, 0, 1.0); break;
    case 4: s = lg_zero_grad(NULL); break;
    case 5: s = lg_graph_new(NULL); break;
    case 6: s = lg_graph_set_isa(NULL, "scalar"); break;
    case 7: s = lg_graph_set_threads(NULL, 1); break;
    case 8: s = lg_graph_set_deferred(NULL, true); break;
    case 9: s = lg_graph_set_compile(NULL, false); break;
    case 10: s = lg_backward(NULL, t); break;
    case 11: s = lg_graph_eval(NULL, t); break;
    case 12: s = lg_graph_replay(NULL); break;
    default:
        status_fn = false;
        switch (b % 24) {
        case 13: (void)lg_tensor_size(NULL); break;
        case 14: (void)lg_tensor_dtype(NULL); (void)lg_tensor_requires_grad(NULL); break;
        case 15: (void)lg_tensor_data(NULL); (void)lg_tensor_cdata(NULL); break;
        case 16: (void)lg_tensor_grad(NULL); break;
        case 17: (void)lg_tensor_get(NULL, 0); (void)lg_tensor_grad_get(NULL, 0); break;
        case 18: lg_graph_reset(NULL); (void)lg_graph_status(NULL); break;
        case 19: (void)lg_graph_isa(NULL); (void)lg_graph_threads(NULL); break;
        case 20: (void)lg_graph_deferred(NULL); (void)lg_graph_compile(NULL); break;
        case 21: {
            char buf[16];
            (void)lg_graph_plan_describe(NULL, buf, sizeof buf);
            (void)lg_graph_exec_describe(NULL, buf, sizeof buf);
            (void)lg_graph_setup_seconds(NULL);
            break;
        }
        case 22: lg_graph_free(NULL); (void)lg_tensor_free(NULL); break;
        default:
            if (g) { /* a NULL tensor to the graph's own functions */
                status_fn = true;
                s = lg_graph_set_isa(g, NULL);
                if (s == LG_OK) /* NULL named the default: a reset */
                    graph_dropped(st, 0);
            }
            break;
        }
    }
    note(st, "nulls %d -> %s", b % 24, lg_status_name(s));
    if (status_fn) {
        check_status(st, "a call with NULL", s, false);
        if (s == LG_OK && b % 24 != 23)
            die(st, "a call with a NULL argument (case %d) succeeded", b % 24);
    }
    log_status(st, s);
}

/* ---- one run, and the comparison ------------------------------------------ */

static void run(const uint8_t *data, size_t size, int which)
{
    static state st;
    memset(&st, 0, sizeof st);
    st.deferred = which == 0;
    st.run = which;
    st.tr = &traces[which];
    st.other = &traces[0];
    st.tr->n = 0;
    memset(st.tr->status, 0, sizeof st.tr->status);
    memset(st.tr->pending, 0, sizeof st.tr->pending);
    reader r = {data, data + size};
    new_graph(&st, 0);
    for (st.call = 0; st.call < MAX_CALLS && r.p < r.end; st.call++) {
        int op = u8(&r) % N_OPS;
        if (verbose)
            fprintf(stderr, "[%s #%u] %s\n", st.deferred ? "graph" : "eager", st.call, op_names[op]);
        switch (op) {
        case OP_NEW:
        case OP_SCALAR:
        case OP_WRAP: do_new(&st, &r, op); break;
        case OP_FREE: do_free(&st, &r); break;
        case OP_SET: do_set(&st, &r); break;
        case OP_GET: do_get(&st, &r); break;
        case OP_ZERO_GRAD: do_zero_grad(&st, &r); break;
        case OP_OP: do_op(&st, &r); break;
        case OP_RESET: do_reset(&st, &r); break;
        case OP_BACKWARD: do_run(&st, &r, true); break;
        case OP_EVAL: do_run(&st, &r, false); break;
        case OP_REPLAY: do_replay(&st, &r); break;
        case OP_SET_DEFERRED:
        case OP_SET_THREADS:
        case OP_SET_ISA:
        case OP_SET_COMPILE: do_setting(&st, &r, op); break;
        case OP_GRAPH_NEW: new_graph(&st, u8(&r) % N_GRAPHS); log_ev(&st, EV_SKIP, true, 5); break;
        case OP_GRAPH_FREE: free_graph(&st, u8(&r) % N_GRAPHS); log_ev(&st, EV_SKIP, true, 6); break;
        case OP_STATUS: do_graph_status(&st, &r); break;
        case OP_DESCRIBE: do_describe(&st, &r); break;
        default:
            do_nulls(&st, &r);
            break;
        }
    }
    /* At the end, everything both modes have: every leaf's values and gradient,
     * each computed scalar output. Then free it all. */
    for (int i = 0; i < N_SLOTS; i++)
        if (st.s[i].t) {
            size_t n = lg_tensor_size(st.s[i].t);
            for (size_t k = 0; k < n && (st.s[i].kind == S_LEAF || slot_current(&st, &st.s[i])); k++)
                read_slot(&st, i, k);
        }
    for (int gi = 0; gi < N_GRAPHS; gi++)
        free_graph(&st, gi);
    for (int i = 0; i < N_SLOTS; i++)
        drop_slot(&st, i);
}

static void compare(void)
{
    const trace *a = &traces[0], *b = &traces[1];
    for (size_t k = 0; k < a->n || k < b->n; k++) {
        if (k >= a->n || k >= b->n)
            die(NULL, "the runs made different calls: %zu events in graph mode, %zu in eager",
                a->n, b->n);
        const event *x = &a->ev[k], *y = &b->ev[k];
        if (x->call != y->call || x->kind != y->kind)
            die(NULL, "the runs diverged at event %zu: call %u kind %u (graph) vs call %u kind %u "
                "(eager)", k, x->call, x->kind, y->call, y->kind);
        if (!x->cmp || !y->cmp || x->bits == y->bits)
            continue;
#ifdef FUZZ_API_NAN_ANY_SIGN
        double nx, ny;
        memcpy(&nx, &x->bits, 8);
        memcpy(&ny, &y->bits, 8);
        if ((x->kind == EV_VALUE || x->kind == EV_GRAD) && isnan(nx) && isnan(ny))
            continue;
#endif
        static const char *const kinds[] = {"status", "value", "gradient", "size/dtype/graph",
                                            "skip"};
        if (x->kind == EV_VALUE || x->kind == EV_GRAD) {
            double dx, dy;
            memcpy(&dx, &x->bits, 8);
            memcpy(&dy, &y->bits, 8);
            die(NULL, "call %u: graph and eager mode differ: %s %a (graph) vs %a (eager)",
                x->call, kinds[x->kind], dx, dy);
        }
        die(NULL, "call %u: graph and eager mode differ: %s %llu (graph) vs %llu (eager)%s%s",
            x->call, kinds[x->kind], (unsigned long long)x->bits, (unsigned long long)y->bits,
            x->kind == EV_STATUS ? ": " : "",
            x->kind == EV_STATUS ? lg_status_name((lg_status)x->bits) : "");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("LINGRAD_JIT", "0", 1); /* besides lg_graph_set_compile(g, false) on each graph */
    verbose = getenv("FUZZ_API_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, 0);
    run(data, size, 1);
    compare();
    return 0;
}
