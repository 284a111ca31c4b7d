/* Training allocates only up front: a run of 300 epochs makes exactly as many
 * allocations as a run of 10, in every mode. Graph mode also never allocates
 * anything of the data's size: its intermediates live in scratch of a block per
 * worker. The allocator is wrapped at link time (-Wl,--wrap=...), so every call
 * from the library is counted. */
#include <stdlib.h>

#include "check.h"

static size_t allocations, largest;

static void note(size_t bytes)
{
    allocations++;
    largest = bytes > largest ? bytes : largest;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);

void *__wrap_malloc(size_t n) { note(n); return __real_malloc(n); }
void *__wrap_calloc(size_t m, size_t n) { note(m * n); return __real_calloc(m, n); }
void *__wrap_realloc(void *p, size_t n) { note(n); return __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { note(n); return __real_aligned_alloc(a, n); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { note(n); return __real_posix_memalign(p, a, n); }

static size_t count_for(const lg_tensor *x, const lg_tensor *y, lg_mode mode, long epochs)
{
    lg_train_opts o;
    lg_train_opts_default(&o);
    o.mode = mode;
    o.tol = 0;
    o.max_epochs = epochs;
    o.init_w = o.init_b = 0.5;
    lg_train_result r;
    size_t before = allocations;
    largest = 0;
    CHECK_OK(lg_train(x, y, &o, &r));
    size_t used = allocations - before;
    CHECK(r.n_history == (size_t)epochs);
    lg_train_result_free(&r);
    return used;
}

int main(void)
{
    lg_tensor *x, *y;
    /* big enough that eager intermediates outgrow the arena's first block */
    CHECK_OK(lg_make_linear(0.3, 0.5, 100000, 0.01, 42, LG_F64, &x, &y));
    for (int m = 0; m < LG_MODE_COUNT; m++) {
        /* Graph mode compiles its plan once per process (or loads it from the
         * cache): a first run does that, so the two counted runs do the same. */
        count_for(x, y, (lg_mode)m, 1);
        size_t short_run = count_for(x, y, (lg_mode)m, 10), long_run = count_for(x, y, (lg_mode)m, 300);
        printf("%s: %zu allocations for 10 epochs, %zu for 300, the largest %zu bytes\n",
               lg_mode_name((lg_mode)m), short_run, long_run, largest);
        CHECK(short_run > 0);
        CHECK(long_run == short_run);
        /* The history is the run's only allocation that grows with it (300 x 32 bytes). */
        if (m == LG_MODE_GRAPH)
            CHECK(largest < 100000 * sizeof(double) / 4);
    }
    lg_tensor_free(x), lg_tensor_free(y);
    return check_done("test_train_alloc");
}
