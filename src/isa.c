/* The public view of the kernel tables this build has. */
#include "kernels.h"
#include "lingrad.h"

size_t lg_isa_count(void)
{
    return lg_kernels_count();
}

const char *lg_isa_name(size_t i)
{
    const lg_kernels *k = lg_kernels_at(i);
    return k ? k->name : NULL;
}

bool lg_isa_supported(size_t i)
{
    const lg_kernels *k = lg_kernels_at(i);
    return k && lg_kernels_runnable(k);
}

const char *lg_isa_default(void)
{
    return lg_kernels_best()->name;
}
