/*
 * Which kernel tables this build has and which this CPU can run. Built for the
 * baseline target (no ISA flags), so it is safe to call on any CPU. Adding an ISA
 * means adding its table to `tables` (guarded by its build option) and a CPU
 * check to lg_kernels_runnable().
 */
#include <string.h>

#include "kernels.h"

/* In order of preference: the last runnable one is the best. */
static const lg_kernels *const tables[] = {
    &lg_kernels_scalar,
};

#define N_TABLES (sizeof tables / sizeof tables[0])

size_t lg_kernels_count(void)
{
    return N_TABLES;
}

const lg_kernels *lg_kernels_at(size_t i)
{
    return i < N_TABLES ? tables[i] : NULL;
}

bool lg_kernels_runnable(const lg_kernels *k)
{
    /* Only the scalar table exists so far; it runs everywhere. */
    return k == &lg_kernels_scalar;
}

const lg_kernels *lg_kernels_find(const char *name)
{
    for (size_t i = 0; i < N_TABLES; i++)
        if (strcmp(tables[i]->name, name) == 0)
            return tables[i];
    return NULL;
}

const lg_kernels *lg_kernels_best(void)
{
    for (size_t i = N_TABLES; i-- > 0;)
        if (lg_kernels_runnable(tables[i]))
            return tables[i];
    return &lg_kernels_scalar;
}
