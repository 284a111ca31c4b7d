/* Results do not depend on the thread count: reductions, elementwise ops, eager
 * gradients and whole training histories are bitwise identical for 1, 2, 3, 4
 * and 7 threads (more threads than this machine's cores included), for the
 * kernel table chosen by LINGRAD_ISA. Also: the topology is sane and pinning
 * works for any thread id. */
#include <stdlib.h>

#include "check.h"
#include "exec.h"
#include "parallel.h"

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
    for (size_t t = 1; t < N_T; t++) {
        o.threads = thread_counts[t];
        CHECK_OK(lg_train(x, y, &o, &many));
        CHECK(many.n_history == one.n_history && one.n_history == 25);
        CHECK(memcmp(one.history, many.history, one.n_history * sizeof *one.history) == 0);
        lg_train_result_free(&many);
    }
    lg_train_result_free(&one);
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
    check_topology();
    lg_exec ex;
    CHECK_OK(lg_exec_default(&ex));
    for (int d = 0; d < 2; d++) {
        lg_dtype dt = d ? LG_F64 : LG_F32;
        for (size_t i = 0; i < N_N; i++) {
            lg_tensor *x, *y;
            CHECK_OK(lg_make_linear(0.3, 0.5, sizes[i], 0.01, 9, dt, &x, &y));
            if (!x)
                continue;
            check_reductions(ex, dt, x, y);
            check_elementwise(ex, dt, x, y);
            check_eager(x, y);
            check_training(x, y, LG_MODE_FUSED);
            check_training(x, y, LG_MODE_EAGER);
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
