/*
 * Which kernel tables this build has and which this CPU can run. Built for the
 * baseline target (no ISA flags), so it is safe to call on any CPU.
 *
 * x86: a table is runnable only if CPUID reports the instructions AND XGETBV
 * reports that the OS saves the registers they use (YMM for AVX2, ZMM and mask
 * registers for AVX-512); a CPU can have AVX-512 that the OS has not enabled.
 * AArch64: NEON is part of the baseline.
 *
 * No name is compared here. The list of tables comes from CMakeLists.txt (one
 * lg_kernel_isa() line per ISA, in order of preference) as LG_TABLES; each
 * table says what it needs (lg_kernels.needs) and is runnable when the CPU
 * offers all of it. Adding an ISA: its kernels/<isa>.c and its lg_kernel_isa()
 * line; and only if it needs a feature not detected yet, its LG_NEEDS_ bit
 * (kernels.h) and its detection in lg_cpu_detect() and offered() below.
 * docs/kernels.md, "Adding an ISA", has the whole recipe.
 */
#include <stdatomic.h>
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LG_X86 1
#endif

#ifndef LG_TABLES /* "LG_TABLE(scalar) LG_TABLE(avx2) ...", from CMakeLists.txt */
#error "build dispatch.c with CMake: LG_TABLES lists the tables this build compiles"
#endif

#define LG_TABLE(isa) extern const lg_kernels lg_kernels_##isa;
LG_TABLES
#undef LG_TABLE

/* In order of preference: the last runnable one is the best. */
#define LG_TABLE(isa) &lg_kernels_##isa,
static const lg_kernels *const tables[] = {LG_TABLES};
#undef LG_TABLE

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

static unsigned detect_offered(void)
{
    lg_cpu_features f = lg_cpu_detect();
    return LG_NEEDS_BASELINE | (f.avx2 ? LG_NEEDS_AVX2 : 0u) | (f.fma ? LG_NEEDS_FMA : 0u) |
           (f.os_ymm ? LG_NEEDS_OS_YMM : 0u) | (f.avx512f ? LG_NEEDS_AVX512F : 0u) |
           (f.os_zmm ? LG_NEEDS_OS_ZMM : 0u) | (f.neon ? LG_NEEDS_NEON : 0u);
}

/* The LG_NEEDS_* bits this CPU and its OS offer. Asked once: in a VM each CPUID
 * traps to the hypervisor (15 us per check on the development VM, which made
 * every lg_train with opts.isa set 13 us slower). Every thread computes the same
 * value, so a relaxed atomic is enough; 0 means not asked yet, since the
 * baseline bit is always set. */
static unsigned offered(void)
{
    static atomic_uint cache;
    unsigned v = atomic_load_explicit(&cache, memory_order_relaxed);
    if (v == 0) {
        v = detect_offered();
        atomic_store_explicit(&cache, v, memory_order_relaxed);
    }
    return v;
}

/* A table that needs nothing has forgotten to say what it needs: refused. */
bool lg_kernels_runnable(const lg_kernels *k)
{
    return k->needs != 0 && (offered() & k->needs) == k->needs;
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
