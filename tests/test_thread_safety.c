/* The thread-safety statements of include/lingrad.h: concurrent graphs and training
 * runs sharing read-only data, calls from inside the caller's OpenMP region, and
 * what pinning leaves on OpenMP's pooled threads. Run under TSan by make tsan. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include "check.h"

enum { N = 1 << 20, RUNNERS = 3, EPOCHS = 15 };

static const lg_tensor *shared_x, *shared_y;

static lg_train_opts opts(int threads)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.max_epochs = EPOCHS;
    o.tol = 0;
    o.init_w = 0.1;
    o.init_b = 0.2;
    o.threads = threads;
    o.threads_now = true; /* the team from the first epoch: what TSan should watch */
    return o;
}

/* d(loss)/dw and d(loss)/db of the eager graph, on a graph of this thread's own. */
static void eager_grads(double out[2])
{
    lg_graph *g;
    lg_tensor *w = NULL, *b = NULL;
    out[0] = out[1] = NAN;
    if (lg_graph_new(&g) != LG_OK)
        return;
    lg_status s = lg_graph_set_threads(g, 2);
    if (s == LG_OK)
        s = lg_tensor_scalar(LG_F64, 0.1, true, &w);
    if (s == LG_OK)
        s = lg_tensor_scalar(LG_F64, 0.2, true, &b);
    for (int step = 0; s == LG_OK && step < 3; step++) {
        lg_graph_reset(g);
        lg_zero_grad(w);
        lg_zero_grad(b);
        lg_tensor *x = (lg_tensor *)shared_x, *y = (lg_tensor *)shared_y;
        lg_tensor *loss = lg_mean(g, lg_square(g, lg_sub(g, lg_add(g, lg_mul(g, x, w), b), y)));
        s = lg_backward(g, loss);
    }
    if (s == LG_OK) { /* else out[] stays NaN and the caller's check fails */
        out[0] = lg_tensor_grad_get(w, 0);
        out[1] = lg_tensor_grad_get(b, 0);
    }
    lg_tensor_free(w);
    lg_tensor_free(b);
    lg_graph_free(g);
}

typedef struct runner {
    double grads[2];
    lg_train_result r;
    lg_status s;
} runner;

static void *run_both(void *arg)
{
    runner *u = arg;
    eager_grads(u->grads);
    lg_train_opts o = opts(2);
    u->s = lg_train(shared_x, shared_y, &o, &u->r);
    return NULL;
}

static void test_concurrent_graphs_and_runs(const lg_train_result *ref, const double ref_grads[2])
{
    pthread_t th[RUNNERS];
    runner u[RUNNERS];
    for (int i = 0; i < RUNNERS; i++)
        CHECK(pthread_create(&th[i], NULL, run_both, &u[i]) == 0);
    for (int i = 0; i < RUNNERS; i++) {
        pthread_join(th[i], NULL);
        CHECK_OK(u[i].s);
        CHECK(u[i].grads[0] == ref_grads[0] && u[i].grads[1] == ref_grads[1]);
        CHECK(u[i].r.w == ref->w && u[i].r.b == ref->b && u[i].r.final_loss == ref->final_loss);
        lg_train_result_free(&u[i].r);
    }
}

/* Each thread of the caller's region trains with 2 threads of its own: the inner
 * regions nest, and the bits do not change. */
static void test_inside_callers_region(const lg_train_result *ref)
{
    int same[2] = {0, 0}, team = 0;
    lg_status s[2] = {LG_EINVAL, LG_EINVAL};
#pragma omp parallel num_threads(2)
    {
        int tid = omp_get_thread_num();
        lg_train_opts o = opts(2);
        lg_train_result r;
        if (tid < 2) {
            if (tid == 0)
                team = omp_get_num_threads();
            s[tid] = lg_train(shared_x, shared_y, &o, &r);
            same[tid] = r.w == ref->w && r.b == ref->b && r.final_loss == ref->final_loss;
            lg_train_result_free(&r);
        }
    }
    CHECK(s[0] == LG_OK && same[0]);
    if (team >= 2) /* the second thread, when OpenMP gave one, agrees too */
        CHECK(s[1] == LG_OK && same[1]);
}

/* After a parallel run, OpenMP's pooled worker carries lingrad's binding into the
 * caller's next region; the calling thread keeps its own. */
static void test_pinning_aftermath(const cpu_set_t *before)
{
    lg_topology_info t;
    lg_topology(&t);
    lg_train_opts o = opts(2);
    lg_train_result r;
    CHECK_OK(lg_train(shared_x, shared_y, &o, &r));
    lg_train_result_free(&r);
    cpu_set_t mine, worker;
    CPU_ZERO(&worker);
    int team = 0;
    CHECK(sched_getaffinity(0, sizeof mine, &mine) == 0);
    CHECK(CPU_EQUAL(&mine, before));
#pragma omp parallel num_threads(2)
    {
        if (omp_get_thread_num() == 1) {
            team = omp_get_num_threads();
            sched_getaffinity(0, sizeof worker, &worker);
        }
    }
    if (team < 2 || CPU_COUNT(before) < 2) {
        printf("test_thread_safety: pinning aftermath not checked (team %d, %d CPUs)\n", team,
               CPU_COUNT(before));
        return;
    }
    if (t.pinning) {
        CPU_AND(&mine, &worker, before);
        CHECK(CPU_EQUAL(&mine, &worker) && CPU_COUNT(&worker) < CPU_COUNT(before));
        printf("test_thread_safety: worker 1 stays bound to %d of %d CPUs\n", CPU_COUNT(&worker),
               CPU_COUNT(before));
    } else {
        CHECK(CPU_EQUAL(&worker, before)); /* no pinning: nothing is bound */
        printf("test_thread_safety: pinning off (%s): workers unbound\n", t.pinning_why);
    }
}

int main(void)
{
    cpu_set_t before;
    CHECK(sched_getaffinity(0, sizeof before, &before) == 0);
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, check_max_n(N), 0.01, 11, LG_F64, &x, &y));
    shared_x = x;
    shared_y = y;
    double ref_grads[2];
    eager_grads(ref_grads);
    lg_train_opts o = opts(1);
    lg_train_result ref;
    CHECK_OK(lg_train(x, y, &o, &ref));
    CHECK(isfinite(ref_grads[0]) && ref.n_history == EPOCHS);
    test_concurrent_graphs_and_runs(&ref, ref_grads);
    test_inside_callers_region(&ref);
    test_pinning_aftermath(&before);
    lg_train_result_free(&ref);
    lg_tensor_free(x);
    lg_tensor_free(y);
    return check_done("test_thread_safety");
}
