/*
 * Which kernel tables this build has and which this CPU can run. Built for the
 * baseline target (no ISA flags), so it is safe to call on any CPU.
 *
 * x86: a table is runnable only if CPUID reports the instructions AND XGETBV
 * reports that the OS saves the registers they use (YMM for AVX2, ZMM and mask
 * registers for AVX-512); a CPU can have AVX-512 that the OS has not enabled.
 * AArch64: NEON is part of the baseline.
 *
 * Adding an ISA: its table here (under its LG_HAVE_* build flag) and a line in
 * lg_kernels_runnable().
 */
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LG_X86 1
#endif

/* In order of preference: the last runnable one is the best. */
static const lg_kernels *const tables[] = {
    &lg_kernels_scalar,
#ifdef LG_HAVE_NEON
    &lg_kernels_neon,
#endif
#ifdef LG_HAVE_AVX2
    &lg_kernels_avx2,
#endif
#ifdef LG_HAVE_AVX512
    &lg_kernels_avx512,
#endif
};

#define N_TABLES (sizeof tables / sizeof tables[0])

#ifdef LG_X86
/* XCR0: which register states the OS saves on a context switch. */
static unsigned long long xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

lg_cpu_features lg_cpu_detect(void)
{
    lg_cpu_features f = {0};
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    f.fma = (c >> 12) & 1;
    bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = (b >> 5) & 1;
        f.avx512f = (b >> 16) & 1;
    }
    if (osxsave && avx) {
        unsigned long long xcr0 = xgetbv0();
        f.os_ymm = (xcr0 & 0x6) == 0x6;         /* SSE and AVX state */
        f.os_zmm = f.os_ymm && (xcr0 & 0xE0) == 0xE0; /* opmask, ZMM_Hi256, Hi16_ZMM */
    }
    return f;
}
#else
lg_cpu_features lg_cpu_detect(void)
{
    lg_cpu_features f = {0};
#if defined(__aarch64__)
    f.neon = true;
#endif
    return f;
}
#endif

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
    if (k == &lg_kernels_scalar)
        return true;
    lg_cpu_features f = lg_cpu_detect();
    if (strcmp(k->name, "avx2") == 0)
        return f.avx2 && f.fma && f.os_ymm;
    if (strcmp(k->name, "avx512") == 0)
        return f.avx512f && f.fma && f.os_zmm;
    if (strcmp(k->name, "neon") == 0)
        return f.neon;
    return false;
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
