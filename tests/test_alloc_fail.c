/* Every allocation the library makes can fail, one at a time, and each failure
 * comes back as LG_ENOMEM with a message, frees everything the call had taken,
 * and never crashes or is silently ignored.
 *
 * The allocator and mmap are wrapped at link time (-Wl,--wrap=...), so only
 * calls made from lingrad's own code are counted and failed; the C library's,
 * hwloc's and OpenMP's internal allocations are not. For each operation the
 * test fails allocation 1, then 2, ... until a run reaches no k-th allocation.
 *
 * One failure may be absorbed rather than reported: the arena frees its blocks
 * at a reset to merge them into one, and if that block cannot be had, the next
 * step allocates afresh (and reports a failure there). Such a run must still
 * succeed with the same results as a clean one, and must have asked again. */
#define _GNU_SOURCE /* MAP_FAILED, strdup */
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "data/csv.h"

static atomic_long calls;       /* allocations seen since the run began */
static atomic_long fail_at;     /* the call number that fails; 0: none */
static atomic_bool failed;      /* the injected failure happened */
static atomic_long live_blocks; /* heap blocks from lingrad not yet freed */
static atomic_long live_mapped; /* bytes lingrad has mapped and not unmapped */

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);
void *__real_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off);
int __real_munmap(void *a, size_t n);

/* True when this call is the one chosen to fail. */
static bool inject(void)
{
    long k = atomic_fetch_add(&calls, 1) + 1;
    if (k != atomic_load(&fail_at))
        return false;
    atomic_store(&failed, true);
    return true;
}

static void *counted(void *p)
{
    if (p)
        atomic_fetch_add(&live_blocks, 1);
    return p;
}

void *__wrap_malloc(size_t n) { return inject() ? NULL : counted(__real_malloc(n)); }
void *__wrap_calloc(size_t m, size_t n) { return inject() ? NULL : counted(__real_calloc(m, n)); }
void *__wrap_aligned_alloc(size_t a, size_t n)
{
    return inject() ? NULL : counted(__real_aligned_alloc(a, n));
}
char *__wrap_strdup(const char *s) { return inject() ? NULL : counted(__real_strdup(s)); }

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    if (inject())
        return ENOMEM;
    int rc = __real_posix_memalign(p, a, n);
    if (rc == 0)
        counted(*p);
    return rc;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (inject())
        return NULL;
    void *q = __real_realloc(p, n);
    return p ? q : counted(q);
}

void __wrap_free(void *p)
{
    if (p)
        atomic_fetch_sub(&live_blocks, 1);
    __real_free(p);
}

void *__wrap_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    if (inject()) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    void *p = __real_mmap(a, n, prot, flags, fd, off);
    if (p != MAP_FAILED)
        atomic_fetch_add(&live_mapped, (long)n);
    return p;
}

int __wrap_munmap(void *a, size_t n)
{
    int rc = __real_munmap(a, n);
    if (rc == 0)
        atomic_fetch_sub(&live_mapped, (long)n);
    return rc;
}

/* ---- the operations: each releases everything it made, whatever happens ------ */

/* What an operation computed, to compare an absorbed failure with a clean run. */
static double digest;

static double sum_of(const lg_tensor *t)
{
    double s = 0;
    for (size_t i = 0; t && i < lg_tensor_size(t); i++)
        s += lg_tensor_get(t, i) + (double)i * lg_tensor_grad_get(t, i);
    return s;
}

static char dir[] = "/tmp/lingrad-test-alloc-XXXXXX";
static char csv_path[300], out_path[300];

/* Records what a pair-making call produced, then frees the pair. Call it after
 * that call, not around it: argument order would leave x and y unset. */
static lg_status digest_and_free(lg_status s, lg_tensor *x, lg_tensor *y)
{
    digest = s == LG_OK ? sum_of(x) + sum_of(y) : 0;
    lg_tensor_free(x), lg_tensor_free(y);
    return s;
}

static lg_status op_make_heap(void)
{
    lg_tensor *x, *y;
    lg_status s = lg_make_linear(0.3, 0.5, 1000, 0.01, 1, LG_F32, &x, &y);
    return digest_and_free(s, x, y);
}

/* Over 2 MiB per buffer: these come from mmap. */
static lg_status op_make_mapped(void)
{
    lg_tensor *x, *y;
    lg_status s = lg_make_linear(0.3, 0.5, 300000, 0.01, 1, LG_F64, &x, &y);
    return digest_and_free(s, x, y);
}

/* Rows into the reader's first chunk of its largest size, which it maps: each of
 * its chunk allocations fails too, with the ones before it to free. */
static lg_status op_csv_read(void)
{
    lg_tensor *x, *y;
    lg_status s = lg_csv_read(csv_path, LG_F64, &x, &y);
    return digest_and_free(s, x, y);
}

static lg_status op_csv_write(void)
{
    lg_tensor *x, *y;
    lg_status s = lg_make_linear(0.3, 0.5, 100, 0.01, 1, LG_F64, &x, &y);
    if (s == LG_OK)
        s = lg_csv_write(out_path, x, y);
    lg_tensor_free(x), lg_tensor_free(y);
    return s;
}

/* The tutorial's eager graph by hand, forward and backward. */
static lg_status op_graph(void)
{
    lg_graph *g = NULL;
    lg_tensor *x = NULL, *y = NULL, *w = NULL, *b = NULL;
    lg_status s = lg_make_linear(0.3, 0.5, 5000, 0.01, 1, LG_F64, &x, &y);
    if (s == LG_OK)
        s = lg_tensor_new(LG_F64, 1, true, &w);
    if (s == LG_OK)
        s = lg_tensor_new(LG_F64, 1, true, &b);
    if (s == LG_OK)
        s = lg_graph_new(&g);
    if (s == LG_OK) {
        lg_tensor *loss = lg_mean(g, lg_square(g, lg_sub(g, lg_add(g, lg_mul(g, w, x), b), y)));
        s = lg_backward(g, loss);
    }
    digest = s == LG_OK ? sum_of(w) + sum_of(b) : 0;
    lg_graph_free(g);
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(w), lg_tensor_free(b);
    return s;
}

/* Training and its history file, per mode and thread count. The size is above
 * the team grain, so two threads run the persistent team. */
static lg_tensor *train_x, *train_y;
static lg_mode train_mode;
static int train_threads;
static long train_epochs = 3;

static lg_status op_train(void)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.mode = train_mode;
    o.threads = train_threads;
    o.max_epochs = train_epochs;
    o.tol = 0;
    lg_train_result r;
    lg_status s = lg_train(train_x, train_y, &o, &r);
    if (s == LG_OK)
        s = lg_history_write(out_path, &r);
    for (size_t i = 0; s == LG_ENOMEM && i < r.n_history; i++)
        CHECK(r.history[i].epoch == (long)i); /* a partial history is kept whole */
    digest = 0;
    for (size_t i = 0; s == LG_OK && i < r.n_history; i++)
        digest += r.history[i].loss + 3 * r.history[i].w + 7 * r.history[i].b;
    lg_train_result_free(&r);
    return s;
}

/* ---- the driver ----------------------------------------------------------------- */

/* Checks the run that failed allocation k; returns whether it absorbed it. */
static bool check_failed_run(const char *name, long k, lg_status s, double clean_digest,
                             long clean_calls)
{
    if (s == LG_OK) {
        bool same = digest == clean_digest, retried = atomic_load(&calls) > clean_calls;
        if (!same || !retried)
            fprintf(stderr, "%s: failing allocation %ld was ignored (%s)\n", name, k,
                    same ? "it never asked again" : "the results differ");
        CHECK(same && retried);
        return true;
    }
    if (s != LG_ENOMEM || !strstr(lg_last_error(), "out of memory"))
        fprintf(stderr, "%s: failing allocation %ld gave %s: '%s'\n", name, k,
                lg_status_name(s), lg_last_error());
    CHECK(s == LG_ENOMEM);
    CHECK(strstr(lg_last_error(), "out of memory") != NULL);
    return false;
}

static void fail_each(const char *name, lg_status (*op)(void))
{
    CHECK_OK(op()); /* once-only set-up (the kernel table, the topology) happens here */
    long base_blocks = atomic_load(&live_blocks), base_mapped = atomic_load(&live_mapped);
    atomic_store(&calls, 0);
    CHECK_OK(op());
    double clean_digest = digest;
    long clean_calls = atomic_load(&calls), k = 1, absorbed = 0;
    for (;; k++) {
        atomic_store(&calls, 0);
        atomic_store(&failed, false);
        atomic_store(&fail_at, k);
        lg_status s = op();
        atomic_store(&fail_at, 0);
        if (!atomic_load(&failed)) {
            CHECK_OK(s); /* past the last allocation: the run must succeed */
            break;
        }
        absorbed += check_failed_run(name, k, s, clean_digest, clean_calls);
        if (atomic_load(&live_blocks) != base_blocks || atomic_load(&live_mapped) != base_mapped)
            fprintf(stderr, "%s: failing allocation %ld leaks %ld blocks, %ld mapped bytes\n",
                    name, k, atomic_load(&live_blocks) - base_blocks,
                    atomic_load(&live_mapped) - base_mapped);
        CHECK(atomic_load(&live_blocks) == base_blocks);
        CHECK(atomic_load(&live_mapped) == base_mapped);
    }
    printf("%-23s %2ld allocations, each failed in turn: %ld LG_ENOMEM, %ld absorbed, "
           "nothing leaked\n", name, k - 1, k - 1 - absorbed, absorbed);
    CHECK(k > 1); /* the wrappers saw the operation allocate at all */
}

int main(void)
{
    if (!mkdtemp(dir))
        return fprintf(stderr, "cannot create %s\n", dir), 1;
    snprintf(csv_path, sizeof csv_path, "%s/in.csv", dir);
    snprintf(out_path, sizeof out_path, "%s/out.csv", dir);
    lg_tensor *x, *y;
    size_t rows = 1;
    for (size_t k = 0; lg_csv_chunk_rows(LG_F64, k) < lg_csv_chunk_rows(LG_F64, k + 1); k++)
        rows += lg_csv_chunk_rows(LG_F64, k);
    CHECK_OK(lg_make_linear(0.3, 0.5, rows, 0.01, 2, LG_F64, &x, &y));
    CHECK_OK(lg_csv_write(csv_path, x, y));
    lg_tensor_free(x), lg_tensor_free(y);

    fail_each("make_linear (heap)", op_make_heap);
    fail_each("make_linear (mmap)", op_make_mapped);
    fail_each("csv_read", op_csv_read);
    fail_each("csv_write", op_csv_write);
    fail_each("graph + backward", op_graph);
    CHECK_OK(lg_make_linear(0.3, 0.5, 300000, 0.01, 3, LG_F64, &train_x, &train_y));
    for (int m = 0; m < LG_MODE_COUNT; m++)
        for (int t = 1; t <= 2; t++) {
            char name[64];
            snprintf(name, sizeof name, "train %s, %d thread%s", lg_mode_name((lg_mode)m), t,
                     t == 1 ? "" : "s");
            train_mode = (lg_mode)m;
            train_threads = t;
            fail_each(name, op_train);
        }
    lg_tensor_free(train_x), lg_tensor_free(train_y);
    /* Past 4,096 epochs the history grows: that reallocation fails too. */
    CHECK_OK(lg_make_linear(0.3, 0.5, 1000, 0.01, 3, LG_F64, &train_x, &train_y));
    train_mode = LG_MODE_FUSED, train_threads = 1, train_epochs = 5000;
    fail_each("train, 5000 epochs", op_train);
    lg_tensor_free(train_x), lg_tensor_free(train_y);

    unlink(csv_path), unlink(out_path), rmdir(dir);
    return check_done("test_alloc_fail");
}
