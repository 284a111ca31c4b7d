/*
 * The compiler as a peer (issue 14): bench/peers.c's plain loops, one copy per
 * (compiler, ISA) built into this binary, at the kernel suite's f32 sizes.
 *
 *   peer/<kernel>/f32/<compiler>_<isa>_<acc>/threads:1/n:N/<level>
 *
 * acc is acc32 (f32 accumulators) or acc64 (f64); axpb has none. One thread,
 * called directly on the main thread: the peers have no parallel driver, and
 * the question is what the compiler makes of one core's loop. Reductions report
 * rel_err (and per sum for fused_mse) against bench/ref_sums.c's reference.
 *
 * Beside them, lingrad's own tables measured the same way (issue 14's harness
 * gap): the same entries called directly through lg_kop_call on the main
 * thread, in the same loop, under lingrad's floating-point mode:
 *
 *   direct/<kernel>/f32/<isa>/threads:1/n:N/<level>
 *
 * The kernel/ rows go through the parallel driver, as training does; a direct
 * row against a peer row compares kernel with kernel.
 */
#include <stdio.h>

#include "bench.h"
#include "exec/fpmode.h"
#include "kop_args.h"
#include "peer_tables.h" /* generated: LG_PEER_TABLES(X), LG_PEER_MISSING */
#include "peers.h"
#include "ref_sums.h"

#define X(name) extern const lg_peer lg_peer_##name##_table;
LG_PEER_TABLES(X)
#undef X

#define X(name) &lg_peer_##name##_table,
static const lg_peer *const peers[] = {LG_PEER_TABLES(X) NULL};
#undef X

typedef enum pkernel { P_MSE, P_AXPB, P_DOT } pkernel;

typedef struct pbench {
    const lg_bench_data *d;
    const lg_peer *peer;      /* a compiler's loop, or */
    const lg_kernels *table;  /* lingrad's table, called directly */
    pkernel kernel;
    int acc64; /* f64 accumulators */
    size_t n;
} pbench;

static const lg_kop kops[] = {[P_MSE] = LG_KOP_MSE, [P_AXPB] = LG_KOP_AXPB, [P_DOT] = LG_KOP_DOT};

/* One call; the sums it returns (dot's in .r). */
static lg_mse_sums call(const pbench *b)
{
    const float *x = b->d->x[LG_F32], *y = b->d->y[LG_F32];
    lg_kop_args a = lg_bench_kop_args(kops[b->kernel], x, y, b->d->out[LG_F32]);
    if (b->table)
        return lg_kop_call(b->table, LG_F32, kops[b->kernel], &a, 0, b->n);
    switch (b->kernel) {
    case P_MSE:
        return (b->acc64 ? b->peer->mse_acc64 : b->peer->mse_acc32)(x, y, b->n, (float)a.a,
                                                                     (float)a.b);
    case P_AXPB:
        b->peer->axpb(x, b->n, (float)a.a, (float)a.b, b->d->out[LG_F32]);
        return (lg_mse_sums){0};
    case P_DOT:
        break;
    }
    return (lg_mse_sums){(b->acc64 ? b->peer->dot_acc64 : b->peer->dot_acc32)(x, y, b->n), 0, 0};
}

/* The error of one untimed call's result against the long-double reference. */
static void err_counters(lg_bench_state *st, const pbench *b)
{
    if (b->kernel == P_AXPB)
        return;
    lg_mse_sums got = call(b);
    const lg_bench_ref *ref = lg_bench_ref_for(b->d, LG_F32, b->n);
    if (b->kernel == P_MSE)
        lg_bench_mse_err_counters(st, got, ref);
    else
        lg_bench_counter(st, "rel_err", lg_bench_rel_err(got.r, ref->dot), 0);
}

static void bm_peer(lg_bench_state *st, void *arg)
{
    const pbench *b = arg;
    /* lingrad's kernels run under its mode (flush-to-zero) in training; the
     * peers under the default, as a plain C program runs them. Normal data
     * makes the two modes equally fast. */
    lg_fpmode mode = b->table ? lg_fpmode_enter() : (lg_fpmode){0};
    for (size_t k; (k = lg_bench_batch(st)) != 0;)
        for (size_t i = 0; i < k; i++) {
            lg_mse_sums s = call(b);
            lg_bench_do_not_optimize(&s);
            lg_bench_clobber_memory(); /* axpb's stores count as used */
        }
    if (b->table)
        lg_fpmode_leave(mode);
    int64_t it = lg_bench_iterations(st), n = (int64_t)b->n;
    const int64_t arrays = 2; /* mse, dot: x and y read; axpb: x read, out written */
    lg_bench_set_items(st, it * n);
    lg_bench_set_bytes(st, it * n * arrays * (int64_t)sizeof(float));
    err_counters(st, b);
}

static const char *kernel_name(pkernel k)
{
    return k == P_MSE ? "fused_mse" : k == P_AXPB ? "axpb" : "dot";
}

static void add(const lg_bench_data *d, const lg_peer *p, pkernel k, int acc64, size_t n,
                const char *level)
{
    pbench *b = lg_bench_alloc(sizeof *b);
    *b = (pbench){d, p, NULL, k, acc64, n};
    char name[160], variant[48];
    snprintf(variant, sizeof variant, "%s%s", p->name,
             k == P_AXPB ? "" : acc64 ? "_acc64" : "_acc32");
    snprintf(name, sizeof name, "peer/%s/f32/%s/threads:1/n:%zu/%s", kernel_name(k), variant, n,
             level);
    lg_bench_use_real_time(lg_bench_register(name, bm_peer, b));
}

static void add_direct(const lg_bench_data *d, const lg_kernels *t, pkernel k, size_t n,
                       const char *level)
{
    pbench *b = lg_bench_alloc(sizeof *b);
    *b = (pbench){d, NULL, t, k, 0, n};
    char name[160];
    snprintf(name, sizeof name, "direct/%s/f32/%s/threads:1/n:%zu/%s", kernel_name(k), t->name,
             n, level);
    lg_bench_use_real_time(lg_bench_register(name, bm_peer, b));
}

static void bm_skipped(lg_bench_state *st, void *arg)
{
    lg_bench_skip(st, arg);
}

/* A peer this CPU cannot run (an avx512 copy on a Zen 3), or a compiler this
 * build did not find, is one skipped row with the reason, not silence. */
static void add_skipped(const char *what, const char *why_fmt)
{
    char *why = lg_bench_alloc(128), name[96];
    snprintf(why, 128, why_fmt, what);
    snprintf(name, sizeof name, "peer/%s/skipped", what);
    lg_bench_register(name, bm_skipped, why);
}

/* The dispatcher decides, on the bits the copy's flags imply. */
static bool runnable(const lg_peer *p)
{
    lg_kernels probe = {.name = p->name, .needs = p->needs};
    return lg_kernels_runnable(&probe);
}

/* The rows of one kernel at one size: lingrad's tables called directly, then
 * every peer's variants, next to each other so that they run minutes apart at
 * most (the machine drifts; docs/benchmarks.md). */
static void add_size(const lg_bench_data *d, pkernel k, size_t n, const char *level)
{
    for (size_t i = 0; i < lg_kernels_count(); i++)
        if (lg_kernels_runnable(lg_kernels_at(i)))
            add_direct(d, lg_kernels_at(i), k, n, level);
    for (const lg_peer *const *p = peers; *p; p++)
        if (runnable(*p))
            for (int acc64 = 0; acc64 <= (k == P_AXPB ? 0 : 1); acc64++)
                add(d, *p, k, acc64, n, level);
}

void lg_bench_register_peers(const lg_bench_data *d, int quick)
{
    if (LG_PEER_MISSING[0])
        add_skipped(LG_PEER_MISSING, "%s was not found when this build was configured: no peers");
    for (const lg_peer *const *p = peers; *p; p++)
        if (!runnable(*p))
            add_skipped((*p)->name, "this CPU cannot run the %s peer");
    /* the quick suite keeps the headline only, as the kernel rows do; 10^8
     * only the fused loop */
    lg_bench_sizes sz = lg_bench_sizes_for(sizeof(float), quick);
    for (int k = P_MSE; k <= (quick ? P_MSE : P_DOT); k++)
        for (int s = 0; s < sz.count; s++)
            if (sz.n[s] < 100000000 || k == P_MSE)
                add_size(d, (pkernel)k, sz.n[s], sz.level[s]);
}
