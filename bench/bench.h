/* Shared pieces of the lingrad-bench suites (C, over bench/shim.h). */
#ifndef LG_BENCH_H
#define LG_BENCH_H

#include <stddef.h>

#include "exec/exec.h"
#include "shim.h"

/* Input data for the kernel suites: x, y and an output buffer of `cap`
 * elements per dtype, generated once and first-touched by the threads. */
typedef struct lg_bench_data {
    size_t cap;
    const void *x[2], *y[2]; /* [LG_F32], [LG_F64] */
    void *out[2];
} lg_bench_data;

/* The problem sizes: n so that x and y together fill half of L1d, of L2, of
 * L3, four times L3 (DRAM), and 10^8. From hwloc, with typical sizes where the
 * machine reports none or implausible ones. */
typedef struct lg_bench_sizes {
    size_t n[5];
    const char *level[5]; /* "L1", "L2", "L3", "DRAM", "DRAM" */
    int count;
} lg_bench_sizes;

lg_bench_sizes lg_bench_sizes_for(size_t elem_size, int quick);
/* Records the machine, build and settings in the JSON context. */
void lg_bench_add_context(void);

/* Zeroed memory and tensors that live until the benchmarks have run; freed
 * together at the end, so leak checkers stay quiet. Exits on failure. */
void *lg_bench_alloc(size_t bytes);
void lg_bench_keep_tensor(lg_tensor *t);

void lg_bench_register_kernels(const lg_bench_data *d, int quick);
void lg_bench_register_train(int quick);
/* The compiler's loops beside the tables (bench/suite_peers.c). */
void lg_bench_register_peers(const lg_bench_data *d, int quick);

#endif
