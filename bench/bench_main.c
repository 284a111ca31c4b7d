/*
 * lingrad-bench: the Google Benchmark suite, written in C over bench/shim.h.
 *
 *   build/lingrad-bench [--quick] [--benchmark_filter=...] [--benchmark_out=f.json
 *                        --benchmark_out_format=json] [--benchmark_repetitions=N] ...
 *
 * Suites: kernel/... (every kernel x ISA x dtype x n x threads, with the roofline
 * read beside them), peer/... (the compiler's own loops, bench/peers.c),
 * direct/... (lingrad's tables called as the peers are) and train/... (the
 * tutorial workload; time per epoch).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "git_sha.h" /* generated at every build: LG_GIT_SHA */
#include "exec/topology.h"

extern char **environ;


/* What the registered benchmarks point into, freed after they have run. */
enum { MAX_KEPT = 8192 };
static void *kept[MAX_KEPT];
static lg_tensor *kept_tensors[MAX_KEPT];
static size_t n_kept, n_kept_tensors;

static void die(const char *why)
{
    fprintf(stderr, "lingrad-bench: error: %s\n", why);
    exit(1);
}

void *lg_bench_alloc(size_t bytes)
{
    void *p = n_kept < MAX_KEPT ? calloc(1, bytes) : NULL;
    if (!p)
        die("out of memory for benchmark arguments");
    return kept[n_kept++] = p;
}

void lg_bench_keep_tensor(lg_tensor *t)
{
    if (n_kept_tensors == MAX_KEPT)
        die("too many tensors");
    kept_tensors[n_kept_tensors++] = t;
}

static void free_kept(void)
{
    for (size_t i = 0; i < n_kept; i++)
        free(kept[i]);
    for (size_t i = 0; i < n_kept_tensors; i++)
        lg_tensor_free(kept_tensors[i]);
}

static size_t half_or(size_t bytes, size_t fallback)
{
    return bytes ? bytes / 2 : fallback / 2;
}

lg_bench_sizes lg_bench_sizes_for(size_t elem_size, int quick)
{
    const lg_topology_info *t = lg_topology_get();
    const size_t kib = 1024, mib = kib * kib;
    bool fake = t->implausible_caches;
    /* bytes for x and y together: half of each level, 4x L3, and the headline */
    size_t l1 = half_or(fake ? 0 : t->l1d, 32 * kib), l2 = half_or(fake ? 0 : t->l2, mib);
    size_t l3 = half_or(fake ? 0 : t->l3, 32 * mib);
    lg_bench_sizes s = {{l1 / (2 * elem_size), l2 / (2 * elem_size), l3 / (2 * elem_size),
                         8 * l3 / (2 * elem_size), 100000000},
                        {"L1", "L2", "L3", "DRAM", "DRAM"}, 5};
    if (quick) { /* L1, L2 and 10^8 */
        s.n[2] = s.n[4], s.level[2] = "DRAM";
        s.count = 3;
    }
    return s;
}

static void add_topology_context(void)
{
    const lg_topology_info *t = lg_topology_get();
    char buf[256];
    snprintf(buf, sizeof buf, "%d packages, %d cores, %d PUs, %d NUMA nodes; L1d %zu, L2 %zu, "
             "L3 %zu bytes%s (%s)", t->packages, t->cores, t->pus, t->numa_nodes, t->l1d, t->l2,
             t->l3, t->implausible_caches ? " (implausible: fallbacks used)" : "",
             t->from_hwloc ? "hwloc" : "sysconf");
    lg_bench_context("lingrad_topology", buf);
    if (t->pinning)
        snprintf(buf, sizeof buf, "worker i -> core (the caller's + i) mod %d (hwloc_set_cpubind)",
                 t->cores);
    else
        snprintf(buf, sizeof buf, "none: %s", t->pinning_why);
    lg_bench_context("lingrad_pinning", buf);
}

/* What benchmark baselines are keyed by (tools/machine_class.py). */
static void add_cpu_id_context(void)
{
    char buf[32];
    lg_cpu_id id;
    lg_cpu_identify(&id);
    lg_bench_context("lingrad_cpu_vendor", id.vendor);
    lg_bench_context("lingrad_cpu_brand", id.brand[0] ? id.brand : "?");
    snprintf(buf, sizeof buf, "%d", id.family);
    lg_bench_context("lingrad_cpu_family", buf);
    snprintf(buf, sizeof buf, "%d", id.model);
    lg_bench_context("lingrad_cpu_model", buf);
    snprintf(buf, sizeof buf, "%d", id.stepping);
    lg_bench_context("lingrad_cpu_stepping", buf);
}

void lg_bench_add_context(void)
{
    char buf[512] = "";
    lg_bench_context("lingrad_version", LG_VERSION_STRING);
    lg_bench_context("lingrad_git_sha", LG_GIT_SHA);
    snprintf(buf, sizeof buf, "%s, %s", lg_build_compiler(), lg_build_flags());
    lg_bench_context("lingrad_compiler", buf);
    lg_cpu_describe(buf, sizeof buf);
    lg_bench_context("lingrad_cpu", buf);
    add_cpu_id_context();
    lg_isa_names(buf, sizeof buf, " ", NULL);
    lg_bench_context("lingrad_isa_available", buf);
    lg_bench_context("lingrad_isa_chosen", lg_isa_default() ? lg_isa_default() : "none");
    snprintf(buf, sizeof buf, "%d", lg_default_threads());
    lg_bench_context("lingrad_threads_default", buf);
    add_topology_context();
    buf[0] = '\0';
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "OMP_", 4) == 0 || strncmp(*e, "LINGRAD_", 8) == 0)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? " " : "", *e);
    lg_bench_context("lingrad_env", buf[0] ? buf : "(none set)");
}

/* x, y and an output buffer for the largest n, per dtype, made in parallel. */
static lg_bench_data make_data(int quick)
{
    lg_bench_data d = {0};
    for (int di = 0; di < 2; di++) {
        lg_dtype dt = di ? LG_F64 : LG_F32;
        lg_bench_sizes sz = lg_bench_sizes_for(lg_dtype_size(dt), quick);
        size_t cap = 0;
        for (int i = 0; i < sz.count; i++)
            cap = sz.n[i] > cap ? sz.n[i] : cap;
        lg_tensor *x = NULL, *y = NULL, *out = NULL;
        if (lg_make_linear(0.3, 0.5, cap, 0.01, 7, dt, &x, &y) != LG_OK ||
            lg_tensor_new(dt, cap, false, &out) != LG_OK)
            die(lg_last_error());
        lg_bench_keep_tensor(x), lg_bench_keep_tensor(y), lg_bench_keep_tensor(out);
        d.cap = cap > d.cap ? cap : d.cap;
        d.x[dt] = lg_tensor_cdata(x), d.y[dt] = lg_tensor_cdata(y), d.out[dt] = lg_tensor_data(out);
    }
    return d;
}

int main(int argc, char **argv)
{
    int quick = 0, kept = 1;
    lg_skip_hwloc_plugins(); /* before any thread: it sets an environment variable */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    if (!lg_isa_default() || !lg_default_threads()) {
        fprintf(stderr, "lingrad-bench: error: %s\n", lg_last_error());
        return 1;
    }
    static lg_bench_data data;
    data = make_data(quick);
    lg_bench_add_context();
    lg_bench_context("lingrad_suite", quick ? "quick" : "full");
    lg_bench_register_kernels(&data, quick);
    lg_bench_register_peers(&data, quick);
    lg_bench_register_train(quick);
    int rc = lg_bench_main(argc, argv);
    free_kept();
    return rc;
}
