/* lingrad info: what this build is, what this CPU offers, which kernels run,
 * the machine's topology, threads and pinning. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "exec/grain.h"
#include "exec/parallel.h"
#include "exec/team.h"
#include "jit/jit.h"

static void print_size(const char *name, size_t bytes)
{
    if (!bytes)
        printf(" %s ?", name);
    else if (bytes >= (1u << 20))
        printf(" %s %zu MiB", name, bytes >> 20);
    else
        printf(" %s %zu KiB", name, bytes >> 10);
}

static void print_topology(void)
{
    lg_topology_info t;
    lg_topology(&t);
    printf("topology: %d package%s, %d core%s, %d PU%s, %d NUMA node%s (%s)\n", t.packages,
           t.packages == 1 ? "" : "s", t.cores, t.cores == 1 ? "" : "s", t.pus,
           t.pus == 1 ? "" : "s", t.numa_nodes, t.numa_nodes == 1 ? "" : "s",
           t.from_hwloc ? "hwloc" : "sysconf: see pinning");
    printf("caches:  ");
    print_size("L1d", t.l1d), print_size("L2", t.l2), print_size("L3", t.l3);
    printf(" (per instance)\n");
    if (t.implausible_caches)
        fprintf(stderr, "lingrad: warning: the cache sizes above look invented (a VM?); "
                        "benchmark sweeps fall back to typical sizes\n");
    const char *env = getenv("LINGRAD_THREADS");
    int threads = lg_default_threads();
    if (threads)
        printf("threads:  %d (%s)\n", threads,
               env && *env ? "from LINGRAD_THREADS" : "one per core; set LINGRAD_THREADS or --threads");
    if (t.pinning)
        printf("pinning:  worker i -> core (the caller's + i) mod %d (hwloc_set_cpubind)\n",
               t.cores);
    else
        printf("pinning:  none: %s\n", t.pinning_why);
}

/* info --modes: the names alone, one a line, so that scripts (tools/bench_check.py)
 * read the library's list instead of keeping a copy of it. */
static int print_modes(void)
{
    for (int m = 0; m < LG_MODE_COUNT; m++)
        printf("%s\n", lg_mode_name((lg_mode)m));
    return CLI_OK;
}

/* A team started for info alone: what it measured, read while it runs. */
typedef struct team_probe {
    lg_exec *ex;
    double handoff;
    size_t grain;
} team_probe;

static void read_team(void *arg)
{
    team_probe *p = arg;
    p->handoff = lg_team_handoff(p->ex->team);
    p->grain = lg_team_grain(p->ex->team);
}

/* When a training run's team starts (team_policy.c): what its start is priced
 * at in this process now, before any thread of lingrad's exists; then a team
 * started here, to say what hand-off it measures and what grain it takes. */
static void print_team(void)
{
    printf("team:     a training run's starts once the epochs left would save twice its start "
           "(priced %.2f ms now, %.2f ms once threads exist); --threads-now: at once\n",
           1e3 * lg_team_start_estimate(), 1e3 * lg_team_start_price(true, true));
    lg_exec ex;
    if (lg_exec_default(&ex) != LG_OK || ex.threads <= 1)
        return; /* the threads line said why, or there is one thread: no team */
    team_probe p = {.ex = &ex};
    lg_team_run(&ex, read_team, &p);
    printf("          a team of %d started now measured a hand-off of %.2f us: its calls split "
           "from %zu elements\n", ex.threads, p.handoff * 1e6, p.grain);
}

/* From what size a call splits over threads with the chosen table, and why:
 * the grain's model (exec/grain.h) priced at this CPU's measured speed. */
static void print_grain(const char *isa)
{
    const lg_kernels *k = lg_kernels_find(isa);
    if (!k)
        return;
    double rate = lg_grain_rate(k);
    printf("grain:    threads from %zu elements a call in a training run's team (from %zu at the "
           "least), %zu otherwise (a fork): where half a call's work (%s at %.1f G elements/s, "
           "measured now) takes %.2f hand-offs of %.2f us (at least %.2f: a team prices what it "
           "measures at its start; a fork %.2f)\n",
           lg_grain_of(k, LG_GRAIN_TEAM), lg_grain_of(k, LG_GRAIN_LEAST),
           lg_grain_of(k, LG_GRAIN_FORK), isa, rate * 1e-9, LG_HANDOFFS_PER_SPLIT,
           LG_HANDOFF_EXPECTED * 1e6, LG_HANDOFF_QUIET * 1e6, LG_FORK_COST * 1e6);
}

/* Where graph mode's compiled sweeps come from, or why there are none. */
static void print_jit(void)
{
    const lg_jit_config *c = lg_jit_config_get();
    if (c->enabled)
        printf("compile:  graph sweeps by %s, cached in %s\n", c->compiler, c->cache_dir);
    else
        printf("compile:  off, graph sweeps run interpreted (%s)\n", c->why);
}

int cli_info(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--modes") == 0)
        return print_modes();
    if (argc > 2)
        return cli_error(CLI_USAGE, "info takes no arguments but --modes (got '%s')",
                         argc == 3 || strcmp(argv[2], "--modes") != 0 ? argv[2] : argv[3]);
    char cpu[160];
    lg_cpu_describe(cpu, sizeof cpu);
    printf("lingrad %s\n", LG_VERSION_STRING);
    printf("build:    %s, %s\n", lg_build_type(), lg_build_compiler());
    printf("flags:    %s\n", lg_build_flags());
    printf("cpu:      %s\n", cpu);
    lg_cpu_id id;
    lg_cpu_identify(&id);
    printf("model:    %s (%s family %d model %d stepping %d)\n", id.brand[0] ? id.brand : "?",
           id.vendor, id.family, id.model, id.stepping);
    char kernels[200];
    lg_isa_names(kernels, sizeof kernels, " ", " (not on this CPU)");
    printf("kernels:  %s\n", kernels);
    const char *env = getenv("LINGRAD_ISA"), *chosen = lg_isa_default();
    printf("chosen:   %s (%s)\n", chosen ? chosen : "none",
           env && *env ? "from LINGRAD_ISA" : "the best this CPU runs; set LINGRAD_ISA or --isa to choose");
    if (!chosen)
        return cli_error(CLI_FAILED, "%s", lg_last_error());
    lg_train_opts defaults;
    lg_train_opts_default(&defaults);
    printf("modes:   ");
    for (int m = 0; m < LG_MODE_COUNT; m++)
        printf("%s %s%s", m ? "," : "", lg_mode_name((lg_mode)m),
               m == (int)defaults.mode ? " (default)" : "");
    printf(" (train --mode; bitwise equal: graph and eager)\n");
    print_topology();
    print_grain(chosen);
    print_team();
    print_jit();
    return lg_default_threads() ? CLI_OK : cli_error(CLI_FAILED, "%s", lg_last_error());
}
