/* Results do not depend on the thread count: reductions, elementwise ops, eager
 * gradients and whole training histories are bitwise identical for 1, 2, 3, 4
 * and 7 threads (more threads than this machine's cores included), for the
 * kernel table chosen by LINGRAD_ISA. Also: the topology is sane and pinning
 * works for any thread id. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <math.h>
#include <sched.h>
#include <stdlib.h>

#include "check.h"
#include "exec/exec.h"
#include "exec/grain.h"
#include "exec/parallel.h"
#include "exec/team.h"

static const int thread_counts[] = {1, 2, 3, 4, 7};
/* 1 and 100 stay serial; 4097 is several blocks; the last two cross the grains. */
static const size_t sizes[] = {1, 100, 4097, ((size_t)1 << 18) + 5, 1000003};
#define N_T (sizeof thread_counts / sizeof thread_counts[0])
#define N_N (sizeof sizes / sizeof sizes[0])

#define SAME(a, b) (memcmp(&(a), &(b), sizeof(a)) == 0)

static void check_reductions(lg_exec ex, lg_dtype dt, const lg_tensor *x, const lg_tensor *y)
{
    size_t n = lg_tensor_size(x);
    const void *px = lg_tensor_cdata(x), *py = lg_tensor_cdata(y);
    ex.threads = 1;
    lg_mse_sums m1 = lg_par_mse(&ex, dt, px, py, n, 0.25, 0.125);
    double s1 = lg_par_sum(&ex, dt, px, n), d1 = lg_par_dot(&ex, dt, px, py, n);
    for (size_t t = 1; t < N_T; t++) {
        ex.threads = thread_counts[t];
        lg_mse_sums m = lg_par_mse(&ex, dt, px, py, n, 0.25, 0.125);
        double s = lg_par_sum(&ex, dt, px, n), d = lg_par_dot(&ex, dt, px, py, n);
        CHECK(SAME(m, m1) && SAME(s, s1) && SAME(d, d1));
    }
}

static void check_elementwise(lg_exec ex, lg_dtype dt, const lg_tensor *x, const lg_tensor *y)
{
    size_t n = lg_tensor_size(x), bytes = n * lg_dtype_size(dt);
    const void *px = lg_tensor_cdata(x), *py = lg_tensor_cdata(y);
    unsigned char *one = malloc(bytes), *many = malloc(bytes);
    CHECK(one && many);
    if (!one || !many)
        return;
    ex.threads = 1;
    lg_par_binary(&ex, dt, LG_BIN_SUB, px, py, n, one);
    lg_par_mulacc(&ex, dt, px, py, n, 2.0, one);
    lg_par_axpb(&ex, dt, one, n, 1.5, -0.25, one);
    for (size_t t = 1; t < N_T; t++) {
        ex.threads = thread_counts[t];
        lg_par_binary(&ex, dt, LG_BIN_SUB, px, py, n, many);
        lg_par_mulacc(&ex, dt, px, py, n, 2.0, many);
        lg_par_axpb(&ex, dt, many, n, 1.5, -0.25, many);
        CHECK(memcmp(one, many, bytes) == 0);
    }
    free(one), free(many);
}

/* Loss and gradients of the tutorial's eager graph, for a given thread count. */
static void eager_grads(int threads, lg_tensor *x, lg_tensor *y, double out[3])
{
    lg_graph *g;
    lg_tensor *w, *b;
    lg_dtype dt = lg_tensor_dtype(x);
    CHECK_OK(lg_graph_new(&g));
    CHECK_OK(lg_graph_set_threads(g, threads));
    CHECK_OK(lg_tensor_scalar(dt, 0.9, true, &w));
    CHECK_OK(lg_tensor_scalar(dt, 0.05, true, &b));
    lg_tensor *loss = lg_mean(g, lg_square(g, lg_sub(g, lg_add(g, lg_mul(g, x, w), b), y)));
    CHECK_OK(lg_backward(g, loss));
    out[0] = loss ? lg_tensor_get(loss, 0) : NAN;
    out[1] = lg_tensor_grad_get(w, 0);
    out[2] = lg_tensor_grad_get(b, 0);
    lg_tensor_free(w), lg_tensor_free(b);
    lg_graph_free(g);
}

static void check_eager(lg_tensor *x, lg_tensor *y)
{
    double one[3], many[3];
    eager_grads(1, x, y, one);
    for (size_t t = 1; t < N_T; t++) {
        eager_grads(thread_counts[t], x, y, many);
        CHECK(memcmp(one, many, sizeof one) == 0);
    }
}

static void check_training(const lg_tensor *x, const lg_tensor *y, lg_mode mode)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.mode = mode, o.tol = 0, o.max_epochs = 25, o.init_w = 0.7, o.init_b = 0.1, o.threads = 1;
    lg_train_result one, many;
    CHECK_OK(lg_train(x, y, &o, &one));
    CHECK(one.threads_from_epoch == -1 && one.start_seconds == 0.0);
    for (size_t t = 1; t < N_T; t++) {
        o.threads = thread_counts[t];
        for (int now = 0; now < 2; now++) { /* the team when it pays, and from epoch 0 */
            o.threads_now = now;
            CHECK_OK(lg_train(x, y, &o, &many));
            CHECK(many.n_history == one.n_history && one.n_history == 25);
            CHECK(memcmp(one.history, many.history, one.n_history * sizeof *one.history) == 0);
            lg_exec ex;
            CHECK_OK(lg_exec_default(&ex));
            bool team = lg_par_wants_team(&ex, lg_tensor_size(x));
            /* a team that started may end at once: its hand-off too slow for n */
            bool declined = many.threads_from_epoch == -1 && many.start_seconds > 0.0;
            CHECK(many.threads_from_epoch == (now && team && !declined ? 0 : many.threads_from_epoch));
            CHECK(team || (many.threads_from_epoch == -1 && !declined));
            lg_train_result_free(&many);
        }
    }
    o.threads_now = false;
    lg_train_result_free(&one);
}

/* A run that starts on one thread and hands the rest to its team once that pays:
 * the same bits as one thread all along. With a team started before in this
 * process, starting one is priced at 250 us, and 299 epochs left of at least
 * 2^18 f64 pairs each (4 MiB: 20 us at 200 GB/s) save about 2 ms, more than
 * twice that. */
static void check_hand_over(const lg_tensor *x, const lg_tensor *y)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.tol = 0, o.max_epochs = 300, o.threads = 1;
    lg_train_result one, handed;
    CHECK_OK(lg_train(x, y, &o, &one));
    o.threads = 2;
    CHECK_OK(lg_train(x, y, &o, &handed));
    /* or a team that ended at once: its hand-off measured too slow for n (a
     * machine busy with other work) */
    CHECK(lg_team_start_estimate() < 1e-3 && handed.start_seconds > 0.0);
    CHECK((handed.threads_from_epoch >= 3 && handed.threads_from_epoch < 300) ||
          handed.threads_from_epoch == -1);
    CHECK(one.n_history == handed.n_history &&
          memcmp(one.history, handed.history, one.n_history * sizeof *one.history) == 0);
    o.max_epochs = 1; /* nothing left after the only epoch: never a team */
    lg_train_result_free(&handed);
    CHECK_OK(lg_train(x, y, &o, &handed));
    CHECK(handed.threads_from_epoch == -1 && handed.start_seconds == 0.0);
    lg_train_result_free(&handed);
    lg_train_result_free(&one);
}

/* The rule itself: a start is bought only when the epochs left repay it, and
 * where the run may stop any epoch, only once 19 starts' worth were spent. */
static void check_team_policy(void)
{
    CHECK(!lg_team_pays(1e-3, 1e-3, 0, true, 1e-6));   /* nothing left */
    CHECK(!lg_team_pays(0.0, 0.0, 1000, true, 1e-6));  /* no time measured */
    CHECK(lg_team_pays(1e-3, 1e-3, 100, true, 1e-3));  /* saves ~33 ms for 1 ms */
    CHECK(!lg_team_pays(1e-5, 1e-5, 100, true, 1e-3)); /* saves 0.33 ms for 1 ms */
    CHECK(!lg_team_pays(1e-5, 1e-5, 450, true, 1e-3)); /* 1.5 ms: not twice the start */
    CHECK(lg_team_pays(1e-5, 1e-5, 650, true, 1e-3));  /* 2.2 ms */
    CHECK(!lg_team_pays(1e-3, 1e-3, 100, false, 1e-3)); /* may stop: 1 ms spent of 19 */
    CHECK(lg_team_pays(1e-3, 19e-3, 100, false, 1e-3));
    CHECK(lg_team_start_estimate() > 0.0);
}

static int is_pow2(size_t n)
{
    return n && (n & (n - 1)) == 0;
}

/* The grain's model: a power of two within its bounds, never smaller for a
 * faster table or a slower hand-off; priced with a speed measured once. */
static void check_grain_model(void)
{
    const double rates[] = {0.0, 1e6, 1e9, 3e10, 1e13, 1e30}, handoffs[] = {0.0, 4e-7, 1e-6, 1e-3};
    size_t last_rate = 0;
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        size_t last = 0;
        for (size_t h = 0; h < sizeof handoffs / sizeof handoffs[0]; h++) {
            size_t g = lg_grain_model(rates[r], handoffs[h]);
            CHECK(is_pow2(g) && g >= LG_GRAIN_MIN && g <= LG_GRAIN_MAX && g >= last);
            last = g;
        }
        CHECK(last >= last_rate);
        last_rate = last;
    }
    CHECK(lg_grain_model(1e9, 1e-6) == 8192); /* half of 8,192 at 1 G/s: 4.1 us >= 2.25 us */
    CHECK(lg_grain_model(1e9, NAN) == LG_GRAIN_MIN);
    CHECK(lg_grain_model(1e30, 1.0) == LG_GRAIN_MAX);
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        if (!lg_kernels_runnable(k))
            continue;
        double rate = lg_grain_rate(k);
        CHECK(rate > 0.0 && rate == lg_grain_rate(k)); /* measured once */
        size_t least = lg_grain_of(k, LG_GRAIN_LEAST), team = lg_grain_of(k, LG_GRAIN_TEAM);
        CHECK(least <= team && team <= lg_grain_of(k, LG_GRAIN_FORK)); /* the prices' order */
    }
}

typedef struct team_seen {
    lg_exec *ex;
    size_t grain;
    double handoff;
} team_seen;

static void see_team(void *arg)
{
    team_seen *s = arg;
    s->grain = lg_par_grain(s->ex);
    s->handoff = lg_team_handoff(s->ex->team);
}

/* A running team prices its grain at the hand-off it measured: never below the
 * least grain, by which per-worker scratch is sized. */
static void check_team_grain(lg_exec ex)
{
    ex.threads = 2;
    team_seen seen = {.ex = &ex};
    lg_team_run(&ex, see_team, &seen);
    CHECK(seen.handoff > 0.0 && is_pow2(seen.grain));
    CHECK(seen.grain >= lg_grain_of(ex.k, LG_GRAIN_LEAST));
    CHECK(seen.grain == lg_grain_model(lg_grain_rate(ex.k), seen.handoff > LG_HANDOFF_QUIET
                                                                 ? seen.handoff
                                                                 : LG_HANDOFF_QUIET));
}

/* Blocks depend on n only: a multiple of 64 long, at most LG_MAX_BLOCKS of them,
 * covering [0, n) exactly, also far beyond the sizes the tests allocate. */
static void check_blocks(void)
{
    const size_t ns[] = {0, 1, 63, 2048, 2049, 131072, 1000003, (size_t)1 << 24,
                         ((size_t)1 << 24) + 1, (size_t)1e9, (size_t)1e12 + 7};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        lg_blocks b = lg_blocks_of(ns[i]);
        CHECK(b.n == ns[i] && b.len % 64 == 0 && b.len >= LG_BLOCK_MIN);
        CHECK(b.count <= LG_MAX_BLOCKS);
        CHECK(b.len * b.count >= b.n && (b.count == 0 || (b.count - 1) * b.len < b.n));
        CHECK(b.n < LG_MAX_BLOCKS * LG_BLOCK_MAX ? b.len <= LG_BLOCK_MAX : 1);
    }
}

/* The caller's own thread is never moved, and an on_epoch callback may open its
 * own parallel regions (inside lingrad's team they run on one thread). */
static int omp_callback(void *ctx, const lg_epoch_record *rec)
{
    long sum = 0;
#pragma omp parallel for reduction(+ : sum) num_threads(2)
    for (long i = 0; i < 1000; i++)
        sum += i;
    *(long *)ctx += sum == 499500 && rec->epoch >= 0;
    return 0;
}

/* The team holds the caller on its core while it runs: afterwards the caller's
 * binding is what it was, whether it was the whole machine or one CPU the
 * application chose. */
static void train_keeps_affinity(const lg_tensor *x, const lg_tensor *y)
{
    cpu_set_t before, after;
    CHECK(sched_getaffinity(0, sizeof before, &before) == 0);
    lg_train_opts o;
    lg_train_opts_default(&o);
    long good = 0;
    o.tol = 0, o.max_epochs = 5, o.threads = 2, o.on_epoch = omp_callback, o.ctx = &good;
    o.threads_now = true;
    lg_train_result r;
    CHECK_OK(lg_train(x, y, &o, &r));
    CHECK(good == 5);
    CHECK(r.start_seconds > 0.0 && r.seconds >= 0.0 && r.threads_from_epoch <= 0);
    lg_train_result_free(&r);
    CHECK(sched_getaffinity(0, sizeof after, &after) == 0);
    CHECK(CPU_EQUAL(&before, &after));
}

/* The caller's affinity when main began: every lg_train before this one (with
 * teams, at the larger sizes) must have left it so. */
static cpu_set_t initial_affinity;

static void check_caller_untouched(const lg_tensor *x, const lg_tensor *y)
{
    cpu_set_t all, one;
    CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
    CHECK(CPU_EQUAL(&all, &initial_affinity));
    train_keeps_affinity(x, y);
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all))
            last = c;
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
    train_keeps_affinity(x, y);
    CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
}

static void check_topology(void)
{
    lg_topology_info t;
    lg_topology(&t);
    CHECK(t.packages >= 1 && t.cores >= 1 && t.pus >= t.cores && t.numa_nodes >= 1);
    CHECK(t.pinning || t.pinning_why[0] != '\0');
    printf("topology: %d cores, L1d %zu, L2 %zu, L3 %zu, pinning %s\n", t.cores, t.l1d, t.l2,
           t.l3, t.pinning ? "on" : t.pinning_why);
    lg_exec ex;
    CHECK_OK(lg_exec_default(&ex));
    CHECK(ex.threads >= 1);
    CHECK(lg_default_threads() == ex.threads);
}

int main(void)
{
    check_isa_or_skip("test_threads");
    CHECK(sched_getaffinity(0, sizeof initial_affinity, &initial_affinity) == 0);
    check_topology();
    check_blocks();
    check_team_policy();
    check_grain_model();
    lg_exec ex;
    CHECK_OK(lg_exec_default(&ex));
    check_team_grain(ex);
    for (int d = 0; d < 2; d++) {
        lg_dtype dt = d ? LG_F64 : LG_F32;
        for (size_t i = 0; i < N_N; i++) {
            lg_tensor *x, *y;
            size_t n = check_max_n(sizes[i]);
            if (n < sizes[i] && i > 0 && sizes[i - 1] >= n)
                continue; /* capped below a size already tested */
            CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 9, dt, &x, &y));
            if (!x)
                continue;
            check_reductions(ex, dt, x, y);
            check_elementwise(ex, dt, x, y);
            check_eager(x, y);
            check_training(x, y, LG_MODE_FUSED);
            check_training(x, y, LG_MODE_EAGER);
            check_training(x, y, LG_MODE_GRAPH);
            if (n >= ((size_t)1 << 18)) { /* large enough for training to run in the team */
                check_caller_untouched(x, y);
                if (dt == LG_F64 && n < 1000000) /* once: 600 epochs */
                    check_hand_over(x, y);
            }
            lg_tensor_free(x), lg_tensor_free(y);
        }
    }
    lg_graph *g;
    CHECK_OK(lg_graph_new(&g));
    CHECK_STATUS(lg_graph_set_threads(g, 0), LG_EINVAL);
    CHECK_STATUS(lg_graph_set_threads(g, -3), LG_EINVAL);
    lg_graph_free(g);
    return check_done("test_threads");
}
