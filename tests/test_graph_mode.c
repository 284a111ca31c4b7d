/* Graph mode (lg_graph_set_deferred) must be eager mode run another way, bit for
 * bit. Thousands of seeded random DAGs over every op and broadcast form are built
 * twice from identical leaves, once per mode, for every kernel table and 1, 2 and
 * 3 threads: the loss, every scalar output, every leaf gradient and (through
 * lg_graph_eval) vector outputs must have the same bits. Also: outputs read as
 * not computed until a run, errors come at op time in both modes, lg_train's
 * graph mode gives eager's history, and graph-mode gradients match finite
 * differences.
 *
 * A failing case prints its number, the seed, the DAG and the plan, and the
 * command that reruns just it:
 *   LINGRAD_ISA=<table> LG_GRAPH_SEED=<seed> LG_GRAPH_CASE=<case> test_graph_mode
 * LG_GRAPH_CASES=<count> runs more or fewer cases per kernel table, and another
 * LG_GRAPH_SEED other DAGs. With LINGRAD_ISA set (as CTest sets it) only that
 * table runs; without it, every table this CPU runs. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include "check.h"
#include "jit/jit.h"

/* Cases per kernel table: a couple of seconds at -O2 on two cores. The build
 * may lower it (emulated targets); sanitizers and qemu CPU models (make cpus
 * sets LINGRAD_TEST_MAX_N) run 10-100x slower, so they take a fraction. */
#ifndef LG_GRAPH_CASES_DEFAULT
#define LG_GRAPH_CASES_DEFAULT 2000
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* Of those, the first this many also run compiled, on every table. */
#ifndef LG_GRAPH_COMPILED_DEFAULT
#define LG_GRAPH_COMPILED_DEFAULT 48
#endif

#define DEFAULT_SEED UINT64_C(20261201)

/* ---- a deterministic generator (splitmix64): the same seed, the same DAGs ---- */

typedef struct rng { uint64_t s; } rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static size_t below(rng *r, size_t k)
{
    return (size_t)(next(r) % k);
}

static double unit(rng *r)
{
    return (double)(next(r) >> 11) * 0x1p-53;
}

static bool chance(rng *r, double p)
{
    return unit(r) < p;
}

static uint64_t case_seed(uint64_t seed, size_t index)
{
    rng r = {seed ^ ((uint64_t)index * UINT64_C(0xD1B54A32D192ED03))};
    next(&r);
    return next(&r);
}

/* ---- random DAGs -------------------------------------------------------------- */

enum { MAX_T = 160, GROW_TO = 45 };
/* A mul, square or mse_linear whose output could pass this in magnitude is not
 * made, so f32 values stay finite (and comparisons mean something). */
#define LIMIT 1e3

typedef enum kind { LEAF, ADD, SUB, MUL, SQUARE, MEAN, MSE, NEG, SUM } kind;
static const char *const kind_names[] = {"leaf", "add", "sub", "mul", "square", "mean", "mse_linear",
                                         "neg", "sum"};
static const int arity[] = {0, 2, 2, 2, 1, 1, 4, 1, 1};

typedef struct node {
    kind k;
    int in[4];
    bool vec;     /* n elements, else one */
    bool grad;    /* requires_grad */
    double bound; /* |value| <= bound */
} node;

typedef struct dag {
    size_t n;
    lg_dtype dt;
    int count, loss;
    node t[MAX_T];
} dag;

static int add_node(dag *d, kind k, int a, int b, int c, int e)
{
    node *t = &d->t[d->count], *in[4];
    *t = (node){.k = k, .in = {a, b, c, e}};
    for (int i = 0; i < arity[k]; i++) {
        in[i] = &d->t[t->in[i]];
        t->grad = t->grad || in[i]->grad;
    }
    switch (k) {
    case ADD:
    case SUB: t->bound = in[0]->bound + in[1]->bound; break;
    case MUL: t->bound = in[0]->bound * in[1]->bound; break;
    case SQUARE: t->bound = in[0]->bound * in[0]->bound; break;
    case MEAN:
    case NEG: t->bound = in[0]->bound; break;
    case SUM: t->bound = in[0]->bound * (in[0]->vec ? (double)d->n : 1.0); break;
    case MSE: {
        double r = in[2]->bound * in[0]->bound + in[3]->bound + in[1]->bound;
        t->bound = r * r;
        break;
    }
    case LEAF: break;
    }
    t->vec = (k == ADD || k == SUB || k == MUL) ? in[0]->vec || in[1]->vec
             : k == SQUARE || k == NEG          ? in[0]->vec
                                                : false;
    return d->count++;
}

typedef enum want { ANY, VEC, SCALAR, DATA /* a vector without requires_grad */ } want;

static bool fits(const node *t, want w)
{
    return w == ANY || (w == VEC && t->vec) || (w == SCALAR && !t->vec) ||
           (w == DATA && t->vec && !t->grad);
}

/* A tensor of the kind wanted, -1 if there is none; half the time one of the
 * newest three, so graphs grow long chains and not only wide fans. */
static int pick(rng *r, const dag *d, want w)
{
    int cand[MAX_T], k = 0;
    for (int i = 0; i < d->count; i++)
        if (fits(&d->t[i], w))
            cand[k++] = i;
    if (k == 0)
        return -1;
    if (chance(r, 0.5))
        return cand[k - 1 - (int)below(r, k < 3 ? (size_t)k : 3)];
    return cand[below(r, (size_t)k)];
}

static int pick_or_any(rng *r, const dag *d, want w)
{
    int i = pick(r, d, w);
    return i >= 0 ? i : pick(r, d, ANY);
}

/* A second operand for a: mostly another tensor (the patterns below use one
 * tensor twice on purpose; picking among the newest would do it too often). */
static int other(rng *r, const dag *d, want w, int a)
{
    int b = pick_or_any(r, d, w);
    for (int tries = 0; b == a && tries < 3; tries++)
        b = pick_or_any(r, d, chance(r, 0.5) ? w : ANY);
    return b;
}

/* a (op) b, where a mul that could grow too large becomes an add. */
static int binary(dag *d, kind k, int a, int b)
{
    if (k == MUL && d->t[a].bound * d->t[b].bound > LIMIT)
        k = ADD;
    return add_node(d, k, a, b, -1, -1);
}

static int square(dag *d, int a)
{
    if (d->t[a].bound * d->t[a].bound > LIMIT)
        return add_node(d, SUB, a, a, -1, -1);
    return add_node(d, SQUARE, a, -1, -1, -1);
}

/* One step of growth: an op or a small pattern of them. */
static void grow(rng *r, dag *d)
{
    size_t move = below(r, 20);
    if (move < 8) { /* a binary op in one of the four broadcast forms */
        kind k = (kind)(ADD + below(r, 3));
        size_t form = below(r, 4); /* vector-vector, vector-scalar, scalar-vector, scalar-scalar */
        int a = pick_or_any(r, d, form < 2 ? VEC : SCALAR);
        int b = other(r, d, form % 2 == 0 ? VEC : SCALAR, a);
        binary(d, k, a, b);
    } else if (move < 10) {
        int a = pick(r, d, ANY);
        if (chance(r, 0.3))
            add_node(d, NEG, a, -1, -1, -1);
        else
            square(d, a);
    } else if (move < 12) { /* a reduction, now and then of a scalar; a sum if small enough */
        int a = chance(r, 0.85) ? pick_or_any(r, d, VEC) : pick(r, d, ANY);
        bool small = d->t[a].bound * (double)d->n <= LIMIT;
        add_node(d, small && chance(r, 0.4) ? SUM : MEAN, a, -1, -1, -1);
    } else if (move < 14) { /* one tensor as both operands (x - x only now and then: 0) */
        int a = pick(r, d, ANY);
        binary(d, chance(r, 0.45) ? MUL : chance(r, 0.75) ? ADD : SUB, a, a);
    } else if (move < 16) { /* a reduction feeding elementwise ops: mean((v - mean(v))^2) */
        int v = pick_or_any(r, d, VEC), m = add_node(d, MEAN, v, -1, -1, -1);
        int c = chance(r, 0.5) ? binary(d, SUB, v, m) : binary(d, SUB, m, v);
        add_node(d, MEAN, square(d, c), -1, -1, -1);
    } else if (move < 18) { /* the fused op: x, y data; w, b any scalars */
        int x = pick(r, d, DATA), y = pick(r, d, DATA);
        int w = pick_or_any(r, d, SCALAR), b = pick_or_any(r, d, SCALAR);
        double res = d->t[w].bound * d->t[x].bound + d->t[b].bound + d->t[y].bound;
        if (d->t[w].vec || d->t[b].vec || res * res > LIMIT)
            add_node(d, MEAN, x, -1, -1, -1);
        else
            add_node(d, MSE, x, y, w, b);
    } else { /* a chain of scalar ops */
        int s = pick_or_any(r, d, SCALAR);
        for (size_t i = 1 + below(r, 4); i > 0; i--) {
            int o = other(r, d, SCALAR, s);
            s = chance(r, 0.5) ? binary(d, (kind)(ADD + below(r, 3)), s, o)
                               : binary(d, (kind)(ADD + below(r, 3)), o, s);
        }
    }
}

/* The loss: most reductions of the unused outputs that require grad, summed;
 * the rest stay unused branches (which backward must still compute if scalar). */
static void finish(rng *r, dag *d)
{
    bool used[MAX_T] = {false};
    for (int i = 0; i < d->count; i++)
        for (int j = 0; j < arity[d->t[i].k]; j++)
            used[d->t[i].in[j]] = true;
    int terms[MAX_T], k = 0, count = d->count;
    for (int i = 0; i < count; i++) {
        const node *t = &d->t[i];
        if (t->k == LEAF || used[i] || !t->grad)
            continue;
        if (t->vec ? chance(r, 0.7) : chance(r, 0.8))
            terms[k++] = t->vec ? add_node(d, MEAN, i, -1, -1, -1) : i;
    }
    if (k == 0) /* leaf 0 requires grad */
        terms[k++] = add_node(d, MEAN, 0, -1, -1, -1);
    int loss = terms[0];
    for (int j = 1; j < k; j++)
        loss = binary(d, chance(r, 0.75) ? ADD : chance(r, 0.5) ? SUB : MUL, loss, terms[j]);
    d->loss = loss;
}

/* Mostly 1..5000, some sizes at and across the 2,048-element block, a few near
 * 3e5 (several blocks, and above the grain where kernels use threads). */
static size_t case_n(rng *r, size_t index)
{
    static const size_t edges[] = {2047, 2048, 2049, 4095, 4096, 4097, 6143, 6145, 8192, 10001};
    if (index % 200 == 199)
        return check_max_n(270000 + below(r, 40000));
    if (index % 10 == 3)
        return edges[below(r, sizeof edges / sizeof edges[0])];
    if (index % 25 == 7)
        return 1;
    if (chance(r, 0.5))
        return 1 + below(r, 5000);
    size_t top = (size_t)1 << below(r, 13); /* many small ones; integers only, so */
    return 1 + below(r, top < 5000 ? top : 5000); /* every platform makes the same */
}

static void generate(dag *d, uint64_t seed, size_t index)
{
    rng r = {seed};
    /* One draw per statement: the order of evaluation in an initializer list,
     * or of a call's arguments, is unspecified. */
    *d = (dag){.n = case_n(&r, index)};
    d->dt = chance(&r, 0.5) ? LG_F32 : LG_F64;
    int leaves = 2 + (int)below(&r, 5);
    for (int i = 0; i < leaves; i++) {
        node *t = &d->t[d->count++];
        *t = (node){.k = LEAF, .in = {-1, -1, -1, -1}, .bound = 1.5};
        t->vec = chance(&r, 0.6);
        t->grad = chance(&r, 0.6);
        /* Subnormal results, which lingrad's kernels flush (exec/fpmode.h) and
         * the scalar arithmetic around them, in the caller's mode, does not:
         * products of tiny values, and means of values near the smallest normal
         * number whose signs cancel. */
        if (chance(&r, 0.06))
            t->bound = d->dt == LG_F32 ? 1e-20 : 1e-160;
        else if (chance(&r, 0.06))
            t->bound = d->dt == LG_F32 ? 4e-38 : 4e-307;
        else if (chance(&r, 0.05))
            t->bound = 0; /* all zeros */
    }
    d->t[0].grad = true;                    /* something to differentiate */
    d->t[1].vec = true, d->t[1].grad = false; /* data for mse_linear */
    for (size_t moves = 1 + below(&r, 30); moves > 0 && d->count < GROW_TO; moves--)
        grow(&r, d);
    finish(&r, d);
}

static bool is_scalar(const dag *d, int i)
{
    return !d->t[i].vec || d->n == 1;
}

static void describe(FILE *f, const dag *d)
{
    fprintf(f, "  n = %zu, %s, %d tensors, loss t%d\n", d->n, lg_dtype_name(d->dt), d->count, d->loss);
    for (int i = 0; i < d->count; i++) {
        const node *t = &d->t[i];
        fprintf(f, "  t%d = %s", i, kind_names[t->k]);
        if (t->k == LEAF)
            fprintf(f, " values in [-%g, %g)", t->bound, t->bound);
        for (int j = 0; j < arity[t->k]; j++)
            fprintf(f, "%st%d%s", j ? ", " : "(", t->in[j], j + 1 == arity[t->k] ? ")" : "");
        fprintf(f, "  %s%s\n", t->vec ? "vector" : "scalar", t->grad ? " requires_grad" : "");
    }
}

/* ---- building a DAG in a graph -------------------------------------------------- */

/* Two identical sets of leaves (op slots stay NULL), filled from vseed. */
static bool make_leaves(const dag *d, uint64_t vseed, lg_tensor *t[], lg_tensor *copy[])
{
    rng r = {vseed};
    bool ok = true;
    for (int i = 0; i < d->count; i++)
        t[i] = copy[i] = NULL;
    for (int i = 0; ok && i < d->count; i++) {
        if (d->t[i].k != LEAF)
            continue;
        size_t n = d->t[i].vec ? d->n : 1;
        ok = lg_tensor_new(d->dt, n, d->t[i].grad, &t[i]) == LG_OK &&
             lg_tensor_new(d->dt, n, d->t[i].grad, &copy[i]) == LG_OK;
        if (!ok)
            break;
        void *p = lg_tensor_data(t[i]);
        for (size_t j = 0; j < n; j++) {
            double v = d->t[i].bound * (2 * unit(&r) - 1);
            if (d->dt == LG_F32)
                ((float *)p)[j] = (float)v;
            else
                ((double *)p)[j] = v;
        }
        memcpy(lg_tensor_data(copy[i]), p, n * lg_dtype_size(d->dt));
    }
    return ok;
}

static void free_leaves(const dag *d, lg_tensor *t[])
{
    for (int i = 0; i < d->count; i++)
        if (d->t[i].k == LEAF)
            lg_tensor_free(t[i]);
}

/* The ops of d on g over the leaves in t; false if an op failed. */
static bool build(lg_graph *g, const dag *d, lg_tensor *t[])
{
    for (int i = 0; i < d->count; i++) {
        const int *in = d->t[i].in;
        switch (d->t[i].k) {
        case LEAF: break;
        case ADD: t[i] = lg_add(g, t[in[0]], t[in[1]]); break;
        case SUB: t[i] = lg_sub(g, t[in[0]], t[in[1]]); break;
        case MUL: t[i] = lg_mul(g, t[in[0]], t[in[1]]); break;
        case SQUARE: t[i] = lg_square(g, t[in[0]]); break;
        case MEAN: t[i] = lg_mean(g, t[in[0]]); break;
        case NEG: t[i] = lg_neg(g, t[in[0]]); break;
        case SUM: t[i] = lg_sum(g, t[in[0]]); break;
        case MSE: t[i] = lg_mse_linear(g, t[in[0]], t[in[1]], t[in[2]], t[in[3]]); break;
        }
    }
    return lg_graph_status(g) == LG_OK && t[d->loss] != NULL;
}

/* ---- one case: eager against graph mode ----------------------------------------- */

typedef struct run {
    const char *isa;
    /* graph[i] is deferred, with i % 3 + 1 threads, its sweeps interpreted for
     * i < 3 and compiled above; compiled: how many of them this case runs. */
    lg_graph *eager, *graph[6];
    size_t graphs;
    uint64_t seed;
    size_t index;
    uint64_t cseed;
    const dag *d;
    lg_graph *g; /* the graph being compared with eager */
    const char *phase;
    bool reported;
    int messages;
    size_t compiled_cases; /* cases below this index also run compiled */
    /* statistics, for the summary line */
    size_t cases, reruns, evals, replays, failed_cases, nonfinite;
} run;

static int shown; /* failing cases printed so far: the first few in full */

static void fail(run *c, const char *fmt, ...);

/* Graph k ran the way it was asked to: interpreted, or compiled whenever the
 * plan has a sweep and the JIT is on. */
static void check_compiled(run *c, size_t k)
{
    char how[256];
    lg_graph_exec_describe(c->g, how, sizeof how);
    bool interpreted = strncmp(how, "interpreted: ", 13) == 0;
    bool no_sweeps = strstr(how, "no sweeps") != NULL;
    if (k < 3 && !interpreted)
        fail(c, "the sweeps should run interpreted; they ran: '%s'", how);
    else if (k >= 3 && interpreted && !no_sweeps && lg_jit_config_get()->enabled)
        fail(c, "the sweeps should run compiled; they ran: '%s'", how);
}

static void print_plan(lg_graph *g)
{
    char buf[4096];
    size_t len = lg_graph_plan_describe(g, buf, sizeof buf);
    fprintf(stderr, "  plan of the last run (%zu characters):\n%s%s\n", len, buf,
            len >= sizeof buf ? "\n  ..." : "");
}

static void fail(run *c, const char *fmt, ...)
{
    check_failures++;
    if (!c->reported) {
        c->reported = true;
        c->failed_cases++;
        if (shown < 20)
            fprintf(stderr, "FAIL case %zu (case seed 0x%016" PRIx64 "), %s, %d thread(s); rerun: "
                    "LINGRAD_ISA=%s LG_GRAPH_SEED=%" PRIu64 " LG_GRAPH_CASE=%zu\n", c->index,
                    c->cseed, c->phase, lg_graph_threads(c->g), c->isa, c->seed, c->index);
        else if (shown == 20)
            fprintf(stderr, "(further failing cases are counted, not shown)\n");
        if (shown < 3) {
            describe(stderr, c->d);
            if (c->g != c->eager)
                print_plan(c->g);
        }
        shown++;
    }
    if (shown <= 20 && c->messages++ < 8) {
        va_list ap;
        va_start(ap, fmt);
        fputs("  ", stderr);
        vfprintf(stderr, fmt, ap);
        fputs("\n", stderr);
        va_end(ap);
    }
}

static double elem(const void *p, lg_dtype dt, size_t i)
{
    return dt == LG_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

static uint64_t elem_bits(const void *p, lg_dtype dt, size_t i)
{
    if (dt == LG_F32) {
        uint32_t u;
        memcpy(&u, (const float *)p + i, sizeof u);
        return u;
    }
    uint64_t u;
    memcpy(&u, (const double *)p + i, sizeof u);
    return u;
}

/* got has the bits of want (NaN equal to NaN only with the same bits). */
static void same_bits(run *c, const char *what, int i, const void *want, const void *got, size_t n)
{
    lg_dtype dt = c->d->dt;
    if (!got) {
        fail(c, "%s of t%d: NULL (not computed)", what, i);
        return;
    }
    size_t es = lg_dtype_size(dt);
    if (memcmp(want, got, n * es) == 0)
        return;
    size_t j = 0;
    while (memcmp((const char *)want + j * es, (const char *)got + j * es, es) == 0)
        j++;
    fail(c, "%s of t%d differs at element %zu of %zu: eager %.17g (0x%" PRIx64 "), graph "
         "%.17g (0x%" PRIx64 ")", what, i, j, n, elem(want, dt, j), elem_bits(want, dt, j),
         elem(got, dt, j), elem_bits(got, dt, j));
}

/* Before any run an op output has its shape and requires_grad, and no values. */
static void check_pending(run *c, lg_tensor *const e[], lg_tensor *const t[])
{
    const dag *d = c->d;
    for (int i = 0; i < d->count; i++) {
        if (d->t[i].k == LEAF)
            continue;
        if (lg_tensor_size(t[i]) != lg_tensor_size(e[i]) || lg_tensor_dtype(t[i]) != d->dt ||
            lg_tensor_requires_grad(t[i]) != lg_tensor_requires_grad(e[i]))
            fail(c, "t%d: size %zu, %s, requires_grad %d; eager: size %zu, requires_grad %d", i,
                 lg_tensor_size(t[i]), lg_dtype_name(lg_tensor_dtype(t[i])),
                 lg_tensor_requires_grad(t[i]), lg_tensor_size(e[i]), lg_tensor_requires_grad(e[i]));
        if (lg_tensor_data(t[i]) || lg_tensor_cdata(t[i]) || !isnan(lg_tensor_get(t[i], 0)) ||
            lg_tensor_grad(t[i]))
            fail(c, "t%d has data, a value (%g) or a gradient before any run", i,
                 lg_tensor_get(t[i], 0));
    }
}

/* After a run: every scalar output has eager's bits; a vector output is either
 * not kept (NULL, NaN) or has eager's bits: never garbage. A vector output kept
 * by lg_graph_eval (kept[i]) must be there. */
static void check_outputs(run *c, lg_tensor *const e[], lg_tensor *const t[], const bool kept[])
{
    const dag *d = c->d;
    for (int i = 0; i < d->count; i++) {
        if (d->t[i].k == LEAF)
            continue;
        size_t n = lg_tensor_size(e[i]);
        const void *want = lg_tensor_cdata(e[i]), *got = lg_tensor_cdata(t[i]);
        if (lg_tensor_size(t[i]) != n) /* check_pending said so */
            continue;
        if (is_scalar(d, i) || (kept && kept[i])) {
            same_bits(c, is_scalar(d, i) ? "value" : "evaluated vector", i, want, got, n);
        } else if (got) {
            same_bits(c, "vector left after the run", i, want, got, n);
        } else if (!isnan(lg_tensor_get(t[i], 0))) {
            fail(c, "t%d: data NULL but element 0 reads %g", i, lg_tensor_get(t[i], 0));
        }
    }
}

/* After lg_backward: the leaves' gradients (and data, untouched) are eager's;
 * vector outputs have no gradient. */
static void check_grads(run *c, lg_tensor *const e[], lg_tensor *const t[])
{
    const dag *d = c->d;
    for (int i = 0; i < d->count; i++) {
        if (d->t[i].k != LEAF) {
            if (!is_scalar(d, i) && lg_tensor_grad(t[i]))
                fail(c, "vector output t%d kept a gradient", i);
            continue;
        }
        size_t n = lg_tensor_size(e[i]);
        same_bits(c, "leaf data", i, lg_tensor_cdata(e[i]), lg_tensor_cdata(t[i]), n);
        if (!d->t[i].grad) {
            if (lg_tensor_grad(t[i]))
                fail(c, "leaf t%d without requires_grad has a gradient", i);
            continue;
        }
        same_bits(c, "gradient", i, lg_tensor_grad(e[i]), lg_tensor_grad(t[i]), n);
    }
}

static void zero_grads(const dag *d, lg_tensor *t[])
{
    for (int i = 0; i < d->count; i++)
        if (d->t[i].k == LEAF && d->t[i].grad)
            lg_zero_grad(t[i]);
}

/* Non-finite scalars and gradients in eager's results (a statistic: the bounds
 * are meant to keep them rare). */
static size_t nonfinite(const dag *d, lg_tensor *const e[])
{
    size_t bad = 0;
    for (int i = 0; i < d->count; i++) {
        const void *p = d->t[i].k == LEAF ? lg_tensor_grad(e[i])
                        : is_scalar(d, i) ? lg_tensor_cdata(e[i]) : NULL;
        for (size_t j = 0; p && j < lg_tensor_size(e[i]); j++)
            bad += !isfinite(elem(p, d->dt, j));
    }
    return bad;
}

/* Leaves from vseed (two identical sets: e and t) and eager's results in e. */
static bool eager_run(run *c, const dag *d, uint64_t vseed, lg_tensor *e[], lg_tensor *t[])
{
    c->d = d;
    c->g = c->eager;
    c->phase = "eager";
    if (!make_leaves(d, vseed, e, t)) {
        fail(c, "cannot make the leaves: %s", lg_last_error());
        return false;
    }
    lg_graph_reset(c->eager);
    lg_status s = build(c->eager, d, e) ? lg_backward(c->eager, e[d->loss]) : lg_graph_status(c->eager);
    if (s != LG_OK) { /* the generator made something eager refuses */
        fail(c, "eager: %s (%s)", lg_status_name(s), lg_last_error());
        return false;
    }
    c->nonfinite += nonfinite(d, e);
    return true;
}

enum { PLAN_MAX = 1 << 16 };

/* d with leaf values from vseed: eager (one thread: its bits do not depend on
 * the count, test_threads.c) against graph mode with 1, 2 and 3 threads. With
 * plans, the backward plans are stored there, or compared with those already
 * there (the same DAG and n again: the same plan). */
static void check_dag(run *c, const dag *d, uint64_t vseed, char (*plans)[PLAN_MAX], bool compare)
{
    lg_tensor *e[MAX_T], *t[MAX_T];
    bool ok = eager_run(c, d, vseed, e, t);
    for (size_t k = 0; ok && k < c->graphs; k++) {
        c->g = c->graph[k];
        c->phase = compare ? k < 3 ? "graph mode (interpreted): lg_backward, the same DAG again"
                                   : "graph mode (compiled): lg_backward, the same DAG again"
                 : k < 3 ? "graph mode (interpreted): lg_backward"
                         : "graph mode (compiled): lg_backward";
        zero_grads(d, t);
        lg_graph_reset(c->g);
        if (!build(c->g, d, t)) {
            fail(c, "build failed: %s", lg_last_error());
            continue;
        }
        check_pending(c, e, t);
        lg_status s = lg_backward(c->g, t[d->loss]);
        if (s != LG_OK) {
            fail(c, "lg_backward: %s (%s)", lg_status_name(s), lg_last_error());
            continue;
        }
        check_outputs(c, e, t, NULL);
        check_grads(c, e, t);
        check_compiled(c, k);
        char plan[PLAN_MAX];
        size_t len = lg_graph_plan_describe(c->g, plan, sizeof plan);
        if (len == 0)
            fail(c, "lg_graph_plan_describe is empty after lg_backward");
        if (plans && !compare)
            memcpy(plans[k], plan, sizeof plan);
        else if (plans && strcmp(plans[k], plan) != 0)
            fail(c, "the same tape and n gave another plan:\n%s\nthen\n%s", plans[k], plan);
    }
    free_leaves(d, e);
    free_leaves(d, t);
}

/* A run on graph k that evaluates one to three outputs (mostly vectors), one at
 * a time, then runs backward: each eval keeps its tensor until the reset. Its
 * own leaf values (vseed), so that a buffer left by the run before on this graph
 * cannot pass for a computed one. */
static void check_eval(run *c, const dag *d, uint64_t vseed, size_t k)
{
    lg_tensor *e[MAX_T], *t[MAX_T];
    bool kept[MAX_T] = {false};
    rng r = {vseed ^ UINT64_C(0x5EED)};
    if (!eager_run(c, d, vseed, e, t))
        goto out;
    c->g = c->graph[k];
    c->phase = k < 3 ? "graph mode (interpreted): lg_graph_eval, then lg_backward"
                     : "graph mode (compiled): lg_graph_eval, then lg_backward";
    lg_graph_reset(c->g);
    if (!build(c->g, d, t)) {
        fail(c, "build failed: %s", lg_last_error());
        goto out;
    }
    check_pending(c, e, t);
    int ops[MAX_T], vecs[MAX_T], n_ops = 0, n_vecs = 0;
    for (int i = 0; i < d->count; i++)
        if (d->t[i].k != LEAF) {
            ops[n_ops++] = i;
            if (!is_scalar(d, i))
                vecs[n_vecs++] = i;
        }
    for (size_t j = 1 + below(&r, 3); j > 0; j--) {
        int i = n_vecs && chance(&r, 0.8) ? vecs[below(&r, (size_t)n_vecs)] : ops[below(&r, (size_t)n_ops)];
        lg_status s = lg_graph_eval(c->g, t[i]);
        if (s != LG_OK) {
            fail(c, "lg_graph_eval(t%d): %s (%s)", i, lg_status_name(s), lg_last_error());
            goto out;
        }
        kept[i] = true;
        check_outputs(c, e, t, kept);
        c->evals++;
    }
    lg_status s = lg_backward(c->g, t[d->loss]);
    if (s != LG_OK) {
        fail(c, "lg_backward after lg_graph_eval: %s (%s)", lg_status_name(s), lg_last_error());
        goto out;
    }
    check_outputs(c, e, t, kept);
    check_grads(c, e, t);
    check_compiled(c, k);
out:
    free_leaves(d, e);
    free_leaves(d, t);
}

/* Copies every leaf's values from src to dst (same DAG, same sizes). */
static void copy_leaf_values(const dag *d, lg_tensor *const src[], lg_tensor *dst[])
{
    for (int i = 0; i < d->count; i++)
        if (d->t[i].k == LEAF)
            memcpy(lg_tensor_data(dst[i]), lg_tensor_cdata(src[i]),
                   lg_tensor_size(src[i]) * lg_dtype_size(d->dt));
}

/* Graph k records d and runs backward over leaves with other values, then the
 * leaves get eager's values and lg_graph_replay runs the step again: outputs and
 * gradients must be eager's, bit for bit, with no trace of the first values. */
static void check_replay(run *c, const dag *d, uint64_t vseed, size_t k)
{
    lg_tensor *e[MAX_T], *t[MAX_T], *o[MAX_T], *o2[MAX_T];
    for (int i = 0; i < d->count; i++)
        o[i] = o2[i] = NULL;
    if (!eager_run(c, d, vseed, e, t))
        goto out;
    c->g = c->graph[k];
    c->phase = k < 3 ? "graph mode (interpreted): lg_backward on other values, then lg_graph_replay"
                     : "graph mode (compiled): lg_backward on other values, then lg_graph_replay";
    if (!make_leaves(d, vseed ^ UINT64_C(0x0DDBA11), o, o2)) {
        fail(c, "cannot make the leaves: %s", lg_last_error());
        goto out;
    }
    copy_leaf_values(d, o, t);
    zero_grads(d, t);
    lg_graph_reset(c->g);
    lg_status s = build(c->g, d, t) ? lg_backward(c->g, t[d->loss]) : lg_graph_status(c->g);
    copy_leaf_values(d, e, t);
    zero_grads(d, t);
    if (s == LG_OK)
        s = lg_graph_replay(c->g);
    if (s != LG_OK) {
        fail(c, "lg_graph_replay: %s (%s)", lg_status_name(s), lg_last_error());
        goto out;
    }
    check_outputs(c, e, t, NULL);
    check_grads(c, e, t);
    check_compiled(c, k);
    c->replays++;
out:
    free_leaves(d, e), free_leaves(d, t), free_leaves(d, o), free_leaves(d, o2);
}

static void run_case(run *c, size_t index)
{
    static char plans[6][PLAN_MAX];
    static dag d, again;
    c->index = index;
    c->cseed = case_seed(c->seed, index);
    c->reported = false;
    c->messages = 0;
    c->graphs = index < c->compiled_cases ? 6 : 3;
    generate(&d, c->cseed, index);
    rng r = {c->cseed ^ UINT64_C(0xF00D)};
    bool rerun = chance(&r, 0.25);
    size_t variant = below(&r, 3); /* of the rerun: as it was, another n, another dtype */
    check_dag(c, &d, next(&r), rerun && variant == 0 ? plans : NULL, false);
    if (chance(&r, 0.3)) {
        uint64_t vseed = next(&r);
        check_eval(c, &d, vseed, below(&r, c->graphs));
    }
    rng rr = {c->cseed ^ UINT64_C(0x2E91A7)}; /* its own draws: r's stay as they were */
    if (chance(&rr, 0.2)) {
        uint64_t vseed = next(&rr);
        check_replay(c, &d, vseed, below(&rr, c->graphs));
    }
    c->cases++;
    if (!rerun)
        return;
    /* The same ops again with new values: a reused plan must still be right,
     * and the same tape give the same plan. Or the same ops for another n or
     * dtype, which a plan must not be reused for blindly. */
    again = d;
    if (variant == 1)
        again.n = d.n == 1 ? 2 + below(&r, 3000) : chance(&r, 0.5) ? d.n + 1 : 1 + below(&r, d.n);
    else if (variant == 2)
        again.dt = d.dt == LG_F32 ? LG_F64 : LG_F32;
    check_dag(c, &again, next(&r), variant == 0 ? plans : NULL, variant == 0);
    c->reruns++;
}

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *s = getenv(name);
    char *end;
    if (!s || !*s)
        return fallback;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end) {
        fprintf(stderr, "%s=%s: expected a whole number\n", name, s);
        exit(1);
    }
    return (uint64_t)v;
}

/* The tables to run: every one this CPU runs, or LINGRAD_ISA's alone when set
 * (CTest runs this program once per table: running all in each would repeat). */
static size_t tables(const char *names[], size_t cap)
{
    const char *want = getenv("LINGRAD_ISA");
    size_t k = 0;
    for (size_t i = 0; i < lg_isa_count() && k < cap; i++)
        if (lg_isa_supported(i) && (!want || !*want || strcmp(want, lg_isa_name(i)) == 0))
            names[k++] = lg_isa_name(i);
    return k;
}

static bool graph_for(const char *isa, int threads, bool deferred, bool compile, lg_graph **g)
{
    lg_status s = lg_graph_new(g);
    if (s == LG_OK)
        s = lg_graph_set_isa(*g, isa);
    if (s == LG_OK)
        s = lg_graph_set_threads(*g, threads);
    if (s == LG_OK)
        s = lg_graph_set_deferred(*g, deferred);
    if (s == LG_OK)
        s = lg_graph_set_compile(*g, compile);
    CHECK_OK(s);
    return s == LG_OK;
}

/* Compiling a plan takes the system compiler ~0.1 s (and each case's DAG is a
 * new plan), so only the first cases also run compiled; every case runs
 * interpreted. A case asked for alone always runs both ways. */
static size_t compiled_cases(size_t cases, bool one)
{
    const lg_jit_config *jit = lg_jit_config_get();
    if (!jit->enabled) {
        printf("compiled sweeps not tested: %s\n", jit->why);
        return 0;
    }
    if (one)
        return SIZE_MAX;
    size_t want = (size_t)env_u64("LG_GRAPH_COMPILED_CASES", LG_GRAPH_COMPILED_DEFAULT);
    if (!getenv("LG_GRAPH_COMPILED_CASES") && (SANITIZED || getenv("LINGRAD_TEST_MAX_N")))
        want /= 4;
    return want < cases ? want : cases;
}

static double setup_seconds(const run *c)
{
    double s = 0.0;
    for (int i = 3; i < 6; i++)
        s += lg_graph_setup_seconds(c->graph[i]);
    return s;
}

static void test_random_dags(void)
{
    uint64_t seed = env_u64("LG_GRAPH_SEED", DEFAULT_SEED);
    size_t cases = (size_t)env_u64("LG_GRAPH_CASES", 0), only = SIZE_MAX;
    if (cases == 0) {
        cases = LG_GRAPH_CASES_DEFAULT / (SANITIZED ? 5 : 1);
        if (getenv("LINGRAD_TEST_MAX_N"))
            cases /= 10;
    }
    if (getenv("LG_GRAPH_CASE")) {
        only = (size_t)env_u64("LG_GRAPH_CASE", 0);
        cases = 1;
    }
    size_t compiled = compiled_cases(cases, only != SIZE_MAX);
    const char *isas[16];
    size_t n_isas = tables(isas, 16);
    CHECK(n_isas > 0);
    for (size_t k = 0; k < n_isas; k++) {
        run c = {.isa = isas[k], .seed = seed, .compiled_cases = compiled};
        bool ok = graph_for(isas[k], 1, false, false, &c.eager);
        for (int i = 0; i < 6; i++)
            ok = graph_for(isas[k], i % 3 + 1, true, i >= 3, &c.graph[i]) && ok;
        double t0 = now();
        for (size_t i = 0; ok && i < cases; i++)
            run_case(&c, only != SIZE_MAX ? only : i);
        printf("random DAGs, table %s: %zu cases (seed %" PRIu64 "), the first %zu also compiled "
               "(%.2f s planning and compiling), %zu run again, %zu evals, %zu replays, %zu "
               "non-finite eager values, %zu failed; %.2f s\n", isas[k], c.cases, seed,
               compiled < c.cases ? compiled : c.cases, setup_seconds(&c), c.reruns, c.evals,
               c.replays, c.nonfinite, c.failed_cases, now() - t0);
        lg_graph_free(c.eager);
        for (int i = 0; i < 6; i++)
            lg_graph_free(c.graph[i]);
    }
}

/* ---- the contract of graph mode, statement by statement ---------------------------- */

/* Op outputs have no values until a run; lg_tensor_set on them fails and harms
 * nothing; the mode survives resets; changing it resets. */
static void test_pending(void)
{
    lg_graph *g;
    lg_tensor *v, *w;
    CHECK_OK(lg_graph_new(&g));
    CHECK(!lg_graph_deferred(g));
    CHECK_OK(lg_tensor_new(LG_F64, 5, true, &v));
    CHECK_OK(lg_tensor_scalar(LG_F64, 3.0, true, &w));
    for (size_t i = 0; i < 5; i++)
        lg_tensor_set(v, i, (double)i);

    lg_tensor *before = lg_mul(g, v, w); /* eager: computed at once */
    CHECK(before && lg_tensor_get(before, 4) == 12.0);
    CHECK_OK(lg_graph_set_deferred(g, true));
    CHECK(lg_graph_deferred(g));
    CHECK(lg_tensor_data(before) == NULL); /* the mode change reset the graph */
    CHECK(lg_square(g, before) == NULL);
    CHECK_ERROR_HAS("earlier step");
    lg_graph_reset(g);
    CHECK(lg_graph_deferred(g));

    lg_tensor *p = lg_mul(g, v, w), *m = lg_mean(g, p), *l = lg_square(g, m);
    CHECK(p && m && l && lg_graph_status(g) == LG_OK);
    CHECK(lg_tensor_size(p) == 5 && lg_tensor_size(m) == 1 && lg_tensor_requires_grad(l));
    CHECK(lg_tensor_data(p) == NULL && lg_tensor_cdata(m) == NULL && lg_tensor_grad(p) == NULL);
    CHECK(isnan(lg_tensor_get(p, 0)) && isnan(lg_tensor_get(l, 0)));
    CHECK_STATUS(lg_tensor_set(p, 0, 1.0), LG_EINVAL);
    CHECK_STATUS(lg_tensor_set(m, 0, 1.0), LG_EINVAL);
    CHECK_STATUS(lg_tensor_free(p), LG_EINVAL);
    CHECK_ERROR_HAS("owned by its graph");
    CHECK(lg_graph_status(g) == LG_OK);
    CHECK_OK(lg_graph_eval(g, p)); /* p, and every scalar: m and l */
    CHECK(lg_tensor_get(p, 4) == 12.0 && lg_tensor_get(m, 0) == 6.0 && lg_tensor_get(l, 0) == 36.0);
    CHECK_OK(lg_backward(g, l)); /* after an eval: d(mean(3v)^2)/dv_i = 2 * 6 * 3 / 5 */
    CHECK_REL(lg_tensor_grad_get(v, 2), 7.2, 1e-15);
    CHECK_REL(lg_tensor_grad_get(w, 0), 24.0, 1e-15); /* 2 * 6 * mean(v) */
    CHECK(lg_tensor_get(p, 4) == 12.0); /* kept until the reset */
    CHECK(lg_tensor_grad(p) == NULL);   /* no gradient of a vector output */

    lg_graph_reset(g);
    CHECK(lg_tensor_data(p) == NULL && isnan(lg_tensor_get(p, 4)));
    CHECK_STATUS(lg_graph_eval(g, p), LG_EINVAL); /* stale */
    CHECK_ERROR_HAS("earlier step");
    lg_tensor *q = lg_add(g, v, w);
    CHECK_OK(lg_graph_set_isa(g, lg_graph_isa(g))); /* resets, keeps the mode */
    CHECK(lg_graph_deferred(g));
    CHECK(lg_tensor_data(q) == NULL && isnan(lg_tensor_get(q, 0)));
    CHECK_OK(lg_graph_set_deferred(g, false));
    CHECK(!lg_graph_deferred(g));
    lg_tensor *r = lg_add(g, v, w);
    CHECK(r && lg_tensor_get(r, 1) == 4.0); /* eager again */
    lg_tensor_free(v), lg_tensor_free(w);
    lg_graph_free(g);
}

/* test_autograd.c's errors, in either mode: each is reported by the op that
 * causes it (a NULL result, the status, the message, all at once) and none
 * waits for backward. */
static void test_errors(bool deferred)
{
    lg_graph *g, *other;
    lg_tensor *v3, *v4, *f3, *s, *x, *f1;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_new(&other));
    CHECK_OK(lg_graph_set_deferred(g, deferred));
    CHECK_OK(lg_graph_set_deferred(other, deferred));
    CHECK_OK(lg_tensor_new(LG_F64, 3, true, &v3));
    CHECK_OK(lg_tensor_new(LG_F64, 4, false, &v4));
    CHECK_OK(lg_tensor_new(LG_F32, 3, false, &f3));
    CHECK_OK(lg_tensor_scalar(LG_F64, 1.0, true, &s));
    CHECK_OK(lg_tensor_scalar(LG_F32, 1.0, true, &f1));
    CHECK_OK(lg_tensor_new(LG_F64, 4, true, &x));

    /* a size mismatch two ops down a valid chain */
    lg_tensor *ok = lg_mean(g, lg_square(g, v3));
    CHECK(ok != NULL);
    CHECK(lg_add(g, lg_square(g, v3), v4) == NULL);
    CHECK_ERROR_HAS("sizes 3 and 4");
    CHECK(lg_graph_status(g) == LG_EINVAL);
    CHECK(lg_square(g, v3) == NULL); /* the graph stays failed until reset */
    CHECK_STATUS(lg_backward(g, ok), LG_EINVAL);
    CHECK_ERROR_HAS("earlier failure");
    if (deferred)
        CHECK(lg_graph_eval(g, ok) != LG_OK);
    lg_graph_reset(g);
    CHECK(lg_graph_status(g) == LG_OK);
    CHECK(lg_mul(g, v3, f3) == NULL);
    CHECK_ERROR_HAS("dtypes");
    lg_graph_reset(g);
    CHECK(lg_sub(g, s, f1) == NULL); /* scalars too */
    CHECK_ERROR_HAS("dtypes");
    lg_graph_reset(g);
    CHECK(lg_mean(g, NULL) == NULL);
    CHECK(lg_graph_status(g) == LG_EINVAL);
    CHECK_ERROR_HAS("NULL");
    lg_graph_reset(g);
    CHECK(lg_add(g, v3, NULL) == NULL && lg_graph_status(g) == LG_EINVAL);
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, NULL), LG_EINVAL);
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, lg_square(g, v3)), LG_EINVAL);
    CHECK_ERROR_HAS("must be a scalar");
    lg_graph_reset(g);
    lg_tensor *l = lg_mean(g, lg_square(g, v3));
    CHECK_OK(lg_backward(g, l));
    CHECK_STATUS(lg_backward(g, l), LG_EINVAL);
    CHECK_ERROR_HAS("already ran");
    CHECK(lg_add(g, l, l) == NULL);
    CHECK_ERROR_HAS("already ran backward");
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, lg_mean(g, v4)), LG_EINVAL);
    CHECK_ERROR_HAS("requires_grad");
    lg_graph_reset(g);
    CHECK(lg_mse_linear(g, x, v4, s, s) == NULL);
    CHECK_ERROR_HAS("x or y");
    lg_graph_reset(g);
    CHECK(lg_mse_linear(g, v4, lg_square(g, v4), v3, s) == NULL);
    CHECK_ERROR_HAS("scalars");
    lg_graph_reset(g);
    CHECK(lg_mse_linear(g, v4, f3, s, s) == NULL);
    CHECK_ERROR_HAS("same dtype");
    lg_graph_reset(g);
    CHECK(lg_mse_linear(g, v4, lg_square(g, lg_add(g, v3, s)), s, s) == NULL);
    CHECK_ERROR_HAS("same number of elements");
    lg_graph_reset(g);
    lg_tensor *foreign = lg_square(g, v3);
    CHECK(lg_mean(other, foreign) == NULL);
    CHECK_ERROR_HAS("another graph");
    lg_graph_reset(other);
    CHECK_STATUS(lg_backward(other, lg_mean(g, foreign)), LG_EINVAL);
    CHECK_ERROR_HAS("another graph");

    /* stale outputs after a reset */
    lg_graph_reset(g);
    lg_tensor *sq = lg_square(g, v3), *loss = lg_mean(g, sq);
    CHECK(sq && loss);
    lg_graph_reset(g);
    CHECK(lg_add(g, sq, v3) == NULL);
    CHECK_ERROR_HAS("earlier step");
    lg_graph_reset(g);
    CHECK_STATUS(lg_backward(g, loss), LG_EINVAL);
    CHECK_ERROR_HAS("earlier step");
    CHECK(lg_tensor_data(sq) == NULL && lg_tensor_cdata(sq) == NULL && lg_tensor_grad(sq) == NULL);
    CHECK(isnan(lg_tensor_get(sq, 0)) && isnan(lg_tensor_grad_get(sq, 0)));
    CHECK_STATUS(lg_tensor_set(sq, 0, 1.0), LG_EINVAL);
    CHECK_STATUS(lg_zero_grad(sq), LG_EINVAL);
    CHECK(lg_tensor_size(sq) == 0); /* stale: as for NULL, without the message */

    /* and after all that, the graph works */
    lg_graph_reset(g);
    lg_zero_grad(v3);
    for (size_t i = 0; i < 3; i++)
        lg_tensor_set(v3, i, (double)i);
    CHECK_OK(lg_backward(g, lg_mean(g, lg_square(g, v3))));
    CHECK_REL(lg_tensor_grad_get(v3, 2), 4.0 / 3.0, 1e-15);

    lg_tensor_free(v3), lg_tensor_free(v4), lg_tensor_free(f3), lg_tensor_free(s);
    lg_tensor_free(f1), lg_tensor_free(x);
    lg_graph_free(g);
    lg_graph_free(other);
}

/* lg_graph_plan_describe writes as snprintf does; empty before the first run,
 * and the same tape run again has the same plan. */
static void test_plan_text(void)
{
    lg_graph *g;
    lg_tensor *x, *y, *w, *b;
    char buf[8192], small[8], first[8192];
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_set_deferred(g, true));
    memset(buf, 'x', sizeof buf);
    CHECK(lg_graph_plan_describe(g, buf, sizeof buf) == 0 && buf[0] == '\0');
    CHECK_OK(lg_make_linear(0.3, 0.5, 5000, 0.01, 7, LG_F32, &x, &y));
    CHECK_OK(lg_tensor_scalar(LG_F32, 0.8, true, &w));
    CHECK_OK(lg_tensor_scalar(LG_F32, 0.1, true, &b));
    for (int run = 0; run < 2; run++) {
        lg_graph_reset(g);
        CHECK_OK(lg_backward(g, lg_mean(g, lg_square(g, lg_sub(g, lg_add(g, lg_mul(g, x, w), b), y)))));
        size_t len = lg_graph_plan_describe(g, buf, sizeof buf);
        CHECK(len > 0 && len < sizeof buf && strlen(buf) == len);
        if (run == 0)
            memcpy(first, buf, sizeof buf);
        else
            CHECK(strcmp(first, buf) == 0);
        memset(small, 'x', sizeof small);
        CHECK(lg_graph_plan_describe(g, small, sizeof small) == len);
        CHECK(strlen(small) == (len < sizeof small ? len : sizeof small - 1));
        CHECK(strncmp(small, buf, strlen(small)) == 0);
        memset(small, 'x', sizeof small);
        CHECK(lg_graph_plan_describe(g, small, 0) == len && small[0] == 'x');
    }
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(w), lg_tensor_free(b);
    lg_graph_free(g);
}

/* ---- gradients against finite differences, in graph mode ---------------------------- */

typedef struct tutorial { lg_tensor *x, *y, *w, *b; } tutorial;

static lg_tensor *tutorial_graph(lg_graph *g, tutorial *t)
{
    return lg_mean(g, lg_square(g, lg_sub(g, lg_add(g, lg_mul(g, t->x, t->w), t->b), t->y)));
}

static double loss_at(lg_graph *g, tutorial *t)
{
    lg_graph_reset(g);
    lg_tensor *l = tutorial_graph(g, t);
    return l && lg_graph_eval(g, l) == LG_OK ? lg_tensor_get(l, 0) : NAN;
}

static double numeric_grad(lg_graph *g, tutorial *t, lg_tensor *p)
{
    double v = lg_tensor_get(p, 0), h = 1e-6 * (fabs(v) > 1 ? fabs(v) : 1);
    lg_tensor_set(p, 0, v + h);
    double up = loss_at(g, t);
    lg_tensor_set(p, 0, v - h);
    double down = loss_at(g, t);
    lg_tensor_set(p, 0, v);
    return (up - down) / (2 * h);
}

static void test_finite_differences(size_t n)
{
    lg_graph *g;
    tutorial t;
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_set_deferred(g, true));
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 7, LG_F64, &t.x, &t.y));
    CHECK_OK(lg_tensor_scalar(LG_F64, 0.8, true, &t.w));
    CHECK_OK(lg_tensor_scalar(LG_F64, 0.1, true, &t.b));
    lg_graph_reset(g);
    lg_tensor *l = tutorial_graph(g, &t);
    CHECK(l && isnan(lg_tensor_get(l, 0)));
    CHECK_OK(lg_backward(g, l));
    double loss = lg_tensor_get(l, 0), gw = lg_tensor_grad_get(t.w, 0), gb = lg_tensor_grad_get(t.b, 0);
    CHECK(loss > 0 && gw != 0 && gb != 0);
    CHECK(loss_at(g, &t) == loss); /* eval gives backward's loss */
    CHECK_RELATIVE(gw, numeric_grad(g, &t, t.w), 1e-6);
    CHECK_RELATIVE(gb, numeric_grad(g, &t, t.b), 1e-6);
    CHECK(lg_tensor_grad(t.x) == NULL && lg_tensor_grad(t.y) == NULL);
    lg_tensor_free(t.x), lg_tensor_free(t.y), lg_tensor_free(t.w), lg_tensor_free(t.b);
    lg_graph_free(g);
}

/* ---- lg_graph_replay: when it runs, and that a refusal changes nothing ----------------- */

static void check_replay_refused(lg_graph *g, tutorial *t, const char *why)
{
    lg_zero_grad(t->w); /* a refused replay leaves it at 0 */
    lg_status s = lg_graph_replay(g);
    if (s != LG_EINVAL)
        fprintf(stderr, "lg_graph_replay %s: %s, want LG_EINVAL\n", why, lg_status_name(s));
    CHECK(s == LG_EINVAL && strstr(lg_last_error(), "lg_graph_replay") != NULL);
    CHECK(lg_tensor_grad_get(t->w, 0) == 0.0);
}

static void test_replay_contract(void)
{
    lg_graph *g, *eager;
    tutorial t;
    CHECK_STATUS(lg_graph_replay(NULL), LG_EINVAL);
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_new(&eager));
    CHECK_OK(lg_make_linear(0.3, 0.5, 3000, 0.01, 7, LG_F32, &t.x, &t.y));
    CHECK_OK(lg_tensor_scalar(LG_F32, 0.8, true, &t.w));
    CHECK_OK(lg_tensor_scalar(LG_F32, 0.1, true, &t.b));
    check_replay_refused(eager, &t, "on a new graph");
    lg_tensor *l = tutorial_graph(eager, &t);
    CHECK_OK(lg_backward(eager, l));
    check_replay_refused(eager, &t, "in eager mode");
    CHECK_OK(lg_graph_set_deferred(g, true));
    l = tutorial_graph(g, &t);
    check_replay_refused(g, &t, "before lg_backward");
    CHECK_OK(lg_backward(g, l));
    /* Twice with the same values: the gradients add up, as two backwards would. */
    lg_zero_grad(t.w);
    CHECK_OK(lg_graph_replay(g));
    double once = lg_tensor_grad_get(t.w, 0);
    CHECK_OK(lg_graph_replay(g));
    CHECK(lg_tensor_grad_get(t.w, 0) == (double)(float)(once + once) && once != 0);
    CHECK_OK(lg_graph_set_threads(g, lg_graph_threads(g))); /* the same count: still fits */
    CHECK_OK(lg_graph_replay(g));
    CHECK_OK(lg_graph_set_threads(g, lg_graph_threads(g) + 1));
    check_replay_refused(g, &t, "after lg_graph_set_threads changed the count");
    lg_graph_reset(g);
    l = tutorial_graph(g, &t);
    lg_tensor *r = lg_sub(g, lg_mul(g, t.x, t.w), t.y); /* a vector output: its own plan */
    CHECK_OK(lg_backward(g, l));
    CHECK_OK(lg_graph_eval(g, r));
    check_replay_refused(g, &t, "after lg_graph_eval ran another plan");
    lg_graph_reset(g);
    check_replay_refused(g, &t, "after lg_graph_reset");
    lg_tensor_free(t.x), lg_tensor_free(t.y), lg_tensor_free(t.w), lg_tensor_free(t.b);
    lg_graph_free(g);
    lg_graph_free(eager);
}

/* ---- lg_train: LG_MODE_GRAPH's history is LG_MODE_EAGER's ------------------------------ */

static void test_train(lg_dtype dt, size_t n, int threads)
{
    lg_tensor *x, *y;
    n = check_max_n(n);
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 11, dt, &x, &y));
    lg_train_opts o;
    lg_train_opts_default(&o); /* the tutorial's run at n = 100 stops early: both must */
    o.threads = threads, o.init_w = 0.7, o.init_b = -0.2;
    if (n > 1000) /* one differing bit would carry on to the end: a few epochs show it */
        o.max_epochs = n > 10000 ? 10 : 40, o.tol = 0;
    lg_train_result re, rg;
    o.mode = LG_MODE_EAGER;
    CHECK_OK(lg_train(x, y, &o, &re));
    o.mode = LG_MODE_GRAPH;
    CHECK_OK(lg_train(x, y, &o, &rg));
    bool same = re.n_history == rg.n_history && re.n_history > 0 &&
                memcmp(re.history, rg.history, re.n_history * sizeof *re.history) == 0 &&
                memcmp(&re.final_loss, &rg.final_loss, sizeof re.final_loss) == 0 &&
                memcmp(&re.w, &rg.w, sizeof re.w) == 0 && memcmp(&re.b, &rg.b, sizeof re.b) == 0 &&
                re.last_epoch == rg.last_epoch && re.stopped_early == rg.stopped_early;
    if (!same) {
        fprintf(stderr, "lg_train, %s, n = %zu, %d thread(s): graph mode's history differs from "
                "eager's (%zu and %zu epochs; final loss %.17g and %.17g)\n", lg_dtype_name(dt), n,
                threads, re.n_history, rg.n_history, re.final_loss, rg.final_loss);
        for (size_t i = 0; i < re.n_history && i < rg.n_history; i++)
            if (memcmp(&re.history[i], &rg.history[i], sizeof re.history[i]) != 0) {
                fprintf(stderr, "  first at epoch %zu: loss %.17g / %.17g, w %.17g / %.17g, b %.17g / "
                        "%.17g\n", i, re.history[i].loss, rg.history[i].loss, re.history[i].w,
                        rg.history[i].w, re.history[i].b, rg.history[i].b);
                break;
            }
    }
    CHECK(same);
    CHECK(n > 1000 || rg.stopped_early);
    lg_train_result_free(&re), lg_train_result_free(&rg);
    lg_tensor_free(x), lg_tensor_free(y);
}

static void test_train_modes(void)
{
    static const size_t ns[] = {100, 5000, 300000};
    CHECK(strcmp(lg_mode_name(LG_MODE_GRAPH), "graph") == 0);
    for (int dt = 0; dt < 2; dt++)
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
            for (int threads = 1; threads <= 2; threads++)
                test_train(dt ? LG_F64 : LG_F32, ns[i], threads);
    lg_tensor *x, *y;
    lg_train_opts o;
    lg_train_result r;
    CHECK_OK(lg_make_linear(0.3, 0.5, 10, 0.01, 1, LG_F64, &x, &y));
    lg_train_opts_default(&o);
    o.mode = (lg_mode)3; /* still refused */
    CHECK_STATUS(lg_train(x, y, &o, &r), LG_EINVAL);
    lg_train_result_free(&r);
    lg_tensor_free(x), lg_tensor_free(y);
}

int main(void)
{
    check_isa_or_skip("test_graph_mode");
    double t0 = now();
    test_pending();
    test_errors(false);
    test_errors(true);
    test_plan_text();
    test_finite_differences(100);
    test_finite_differences(5000);
    test_replay_contract();
    test_train_modes();
    printf("contract, finite differences, lg_train: %.2f s\n", now() - t0);
    test_random_dags();
    return check_done("test_graph_mode");
}
