/*
 * A small C API over Google Benchmark, so the benchmarks themselves are C.
 * bench/shim.cc is the only C++ in the project.
 *
 *   static void bm(lg_bench_state *st, void *arg) {
 *       for (size_t n; (n = lg_bench_batch(st)) != 0;)
 *           for (size_t i = 0; i < n; i++)
 *               lg_bench_do_not_optimize(work(arg));
 *       lg_bench_set_items(st, elements * lg_bench_iterations(st));
 *   }
 *   lg_bench_register("name", bm, arg);
 *   return lg_bench_main(argc, argv);   // takes --benchmark_* flags
 */
#ifndef LG_BENCH_SHIM_H
#define LG_BENCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lg_bench_state lg_bench_state; /* a benchmark::State */
typedef struct lg_bench lg_bench;             /* a registered benchmark */
typedef void lg_bench_fn(lg_bench_state *st, void *arg);

/* Registers fn(st, arg) under name; arg must outlive lg_bench_main(). */
lg_bench *lg_bench_register(const char *name, lg_bench_fn *fn, void *arg);
/* Measure wall-clock time (for threaded code), not the main thread's CPU time. */
void lg_bench_use_real_time(lg_bench *b);
void lg_bench_min_time(lg_bench *b, double seconds);
/* The benchmark reports the time it gives with lg_bench_add_time, not a clock of
 * its own: for work whose one-time part only the code under test can tell apart
 * (graph mode's planning and compiling inside lg_train). Google Benchmark then
 * names the row .../manual_time instead of .../real_time. */
void lg_bench_use_manual_time(lg_bench *b);
/* Adds seconds to the time of the current batch (manual time only). */
void lg_bench_add_time(lg_bench_state *st, double seconds);

/* The iteration loop, batched so the C/C++ crossing costs nothing measurable:
 * returns how many iterations to run now, 0 when done. */
size_t lg_bench_batch(lg_bench_state *st);
int64_t lg_bench_iterations(const lg_bench_state *st);
void lg_bench_pause(lg_bench_state *st);
void lg_bench_resume(lg_bench_state *st);

void lg_bench_set_bytes(lg_bench_state *st, int64_t bytes);
void lg_bench_set_items(lg_bench_state *st, int64_t items);
/* A user counter; is_rate divides it by the measured time (per second). */
void lg_bench_counter(lg_bench_state *st, const char *name, double value, int is_rate);
/* Marks the benchmark skipped, with the reason in its output. */
void lg_bench_skip(lg_bench_state *st, const char *why);
/* Keeps the compiler from dropping a result: the value at p is "used". */
void lg_bench_do_not_optimize(const void *p);
void lg_bench_clobber_memory(void);

/* A key/value added to the JSON context (machine, build, ...). */
void lg_bench_context(const char *key, const char *value);

/* Parses --benchmark_* flags, runs, returns an exit status: 0, or 2 for an unknown
 * flag (Google Benchmark names each) or a --benchmark_filter that selects no
 * benchmark, with or without --benchmark_list_tests (one line on stderr: Google
 * Benchmark alone exits 0 with no rows, so a typo would pass as a run). */
int lg_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
