/* Graph lifetime, and the checks that keep a tape healthy. */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "core/error.h"
#include "autograd/graph.h"
#include "exec/isa.h"
#include "exec/parallel.h"

bool lg_graph_reads_grow(lg_graph *g)
{
    struct lg_leaf_read *more = lg_arena_alloc(&g->arena, 2 * g->reads_cap * sizeof *more);
    if (!more) {
        lg_graph_fail(g, LG_ENOMEM, "cannot record the leaves a step reads: out of memory");
        return false;
    }
    memcpy(more, g->reads, g->n_reads * sizeof *more);
    g->reads = more, g->reads_cap *= 2;
    return true;
}

lg_status lg_graph_new(lg_graph **out)
{
    if (!out)
        return lg_fail_null("lg_graph_new", "out");
    *out = NULL;
    lg_exec ex;
    lg_status s = lg_exec_default(&ex);
    if (s != LG_OK)
        return s;
    lg_graph *g = calloc(1, sizeof *g);
    if (!g)
        return lg_fail(LG_ENOMEM, "cannot allocate a graph: out of memory");
    lg_arena_init(&g->arena);
    g->ex = ex;
    g->reads = g->reads_here, g->reads_cap = LG_LEAF_READS;
    *out = g;
    return LG_OK;
}

void lg_graph_free(lg_graph *g)
{
    if (!g)
        return;
    lg_plan_free(g->plan);
    lg_arena_free(&g->arena);
    lg_tensor_pool_free(&g->headers[0]);
    lg_tensor_pool_free(&g->headers[1]);
    lg_tensor_pool_free(&g->retired);
    free(g);
}

/* Without the NULL check: the graph's own callers have a graph. */
static void reset(lg_graph *g)
{
    lg_arena_reset(&g->arena);
    g->generation++;
    g->handle_bits = (uintptr_t)lg_handle_make(NULL, g->generation);
    if (g->handle_bits == 0) { /* the step bits wrapped: no header may alias an old handle */
        lg_tensor_pool_retire(&g->headers[0], &g->retired);
        lg_tensor_pool_retire(&g->headers[1], &g->retired);
    }
    g->reads = g->reads_here, g->n_reads = 0, g->reads_cap = LG_LEAF_READS;
    g->outputs_written = false;
    lg_tensor_pool_rewind(&g->headers[g->generation & 1]);
    g->tail = NULL;
    g->n_nodes = 0;
    g->status = LG_OK;
    g->backward_done = false;
    g->replayable = false;
}

void lg_graph_reset(lg_graph *g)
{
    if (!g)
        lg_fail_null("lg_graph_reset", "g");
    else
        reset(g);
}

lg_status lg_graph_set_deferred(lg_graph *g, bool deferred)
{
    if (!g)
        return lg_fail_null("lg_graph_set_deferred", "g");
    reset(g);
    g->deferred = deferred;
    return LG_OK;
}

bool lg_graph_deferred(const lg_graph *g)
{
    if (!g)
        lg_fail_null("lg_graph_deferred", "g");
    return g && g->deferred;
}

lg_status lg_graph_set_compile(lg_graph *g, bool compile)
{
    if (!g)
        return lg_fail_null("lg_graph_set_compile", "g");
    reset(g);
    g->interpret = !compile;
    return LG_OK;
}

bool lg_graph_compile(const lg_graph *g)
{
    if (!g)
        lg_fail_null("lg_graph_compile", "g");
    return g && !g->interpret;
}

/* NaN for NULL: no time is not the same as none measured. */
double lg_graph_setup_seconds(const lg_graph *g)
{
    if (!g)
        lg_fail_null("lg_graph_setup_seconds", "g");
    return g ? g->setup_seconds : NAN;
}

lg_status lg_graph_status(const lg_graph *g)
{
    return g ? g->status : lg_fail_null("lg_graph_status", "g");
}

lg_status lg_graph_set_isa(lg_graph *g, const char *isa)
{
    if (!g)
        return lg_fail_null("lg_graph_set_isa", "g");
    const lg_kernels *k;
    lg_status s = isa ? LG_OK : lg_kernels_default(&k);
    if (s != LG_OK)
        return s;
    if (isa && !(k = lg_kernels_find(isa)))
        return lg_fail(LG_EUNSUPPORTED, "lg_graph_set_isa: kernel table '%s' is not compiled into "
                       "this build", isa);
    if (!lg_kernels_runnable(k))
        return lg_fail(LG_EUNSUPPORTED, "lg_graph_set_isa: this CPU cannot run the '%s' kernels",
                       k->name);
    reset(g);
    g->ex.k = k;
    return LG_OK;
}

const char *lg_graph_isa(const lg_graph *g)
{
    if (!g)
        lg_fail_null("lg_graph_isa", "g");
    return g ? g->ex.k->name : NULL;
}

lg_status lg_graph_set_threads(lg_graph *g, int threads)
{
    if (!g)
        return lg_fail_null("lg_graph_set_threads", "g");
    if (threads < 1 || threads > LG_MAX_THREADS)
        return lg_fail(LG_EINVAL, "lg_graph_set_threads: threads must be 1 to %d (LG_MAX_THREADS), "
                       "got %d", LG_MAX_THREADS, threads);
    if (threads != g->ex.threads)
        g->replayable = false; /* the plan's scratch is sized for the old count */
    g->ex.threads = threads;
    return LG_OK;
}

int lg_graph_threads(const lg_graph *g)
{
    if (!g)
        lg_fail_null("lg_graph_threads", "g");
    return g ? g->ex.threads : 0;
}

lg_tensor *lg_graph_fail(lg_graph *g, lg_status s, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lg_fail(s, "%s", msg);
    if (g->status == LG_OK)
        g->status = s;
    return NULL;
}

bool lg_graph_owns_live(lg_graph *g, const char *op, const lg_tensor *h, size_t arg)
{
    const lg_tensor *t = lg_handle_tensor(h);
    if (t->kind != LG_TENSOR_LEAF && t->owner != g)
        lg_graph_fail(g, LG_EINVAL, "lg_%s: input %zu belongs to another graph", op, arg);
    else if (lg_tensor_stale(h))
        lg_graph_fail(g, LG_EINVAL, "lg_%s: input %zu is a tensor from an earlier step of this "
                      "graph (lg_graph_reset and lg_graph_set_isa drop every op output)", op, arg);
    else
        return true;
    return false;
}

bool lg_graph_inputs_ok(lg_graph *g, const char *op, lg_tensor *const in[], size_t n_in)
{
    for (size_t i = 0; i < n_in; i++)
        if (!in[i]) {
            if (g->status == LG_OK) /* a NULL that no failure explains */
                lg_graph_fail(g, LG_EINVAL, "lg_%s: %s (input %zu) is NULL", op,
                              lg_op_arg_name(n_in, i), i + 1);
            return false;
        }
    if (g->status != LG_OK)
        return false;
    if (g->backward_done) {
        lg_graph_fail(g, LG_EINVAL, "lg_%s: this graph already ran backward; call lg_graph_reset first",
                      op);
        return false;
    }
    for (size_t i = 0; i < n_in; i++)
        if (!lg_graph_owns_live(g, op, in[i], i + 1))
            return false;
    return true;
}

lg_status lg_graph_ensure_grad(lg_graph *g, lg_tensor *t)
{
    if (t->grad)
        return LG_OK;
    if (t->owner && t->n == 1) {
        t->inline_grad = 0.0;
        t->grad = &t->inline_grad;
        return LG_OK;
    }
    t->grad = lg_arena_alloc(&g->arena, t->n * lg_esize(t->dtype));
    if (!t->grad)
        return lg_fail(LG_ENOMEM, "backward: cannot allocate a gradient of %zu %s values: out of memory",
                       t->n, lg_dtype_name(t->dtype));
    lg_par_zero(&g->ex, t->dtype, t->grad, t->n);
    return LG_OK;
}
