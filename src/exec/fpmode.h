/*
 * The floating-point mode lingrad computes in: subnormal inputs read as zero and
 * subnormal results are flushed to zero (x86 MXCSR DAZ+FTZ; AArch64 FPCR.FZ).
 *
 * Why: on the development machine (Zen 4) subnormal operands made the scalar
 * kernels up to 2.6x and the AVX2 ones up to 1.75x slower (median of 8 rounds,
 * bench/subnormals.sh), and in this mode none slower at all; Intel cores handle
 * subnormals with microcode assists too. Numbers below
 * FLT_MIN (1.2e-38) or DBL_MIN (2.2e-308) carry less than full precision anyway;
 * data made of them trains as zeros. The mode is set only while lingrad's own
 * blocks run, on each thread that runs them, and the caller's mode is restored.
 */
#ifndef LG_FPMODE_H
#define LG_FPMODE_H

#include <stdbool.h>
#include <stdint.h>

/* 32-bit x86 only with SSE2: x87 arithmetic ignores MXCSR, and the first SSE
 * CPUs fault on the DAZ bit. */
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
#include <xmmintrin.h>
#define LG_FP_FLUSH 0x8040u /* MXCSR bit 15 FTZ, bit 6 DAZ */
static inline unsigned long lg_fp_get(void) { return _mm_getcsr(); }
static inline void lg_fp_set(unsigned long v) { _mm_setcsr((unsigned)v); }
#elif defined(__aarch64__)
#define LG_FP_FLUSH (1ul << 24) /* FPCR.FZ: both inputs and results, f32 and f64 */
static inline unsigned long lg_fp_get(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v) : : "memory");
    return (unsigned long)v;
}
static inline void lg_fp_set(unsigned long v)
{
    __asm__ volatile("msr fpcr, %0" : : "r"((uint64_t)v) : "memory");
}
#else
#define LG_FP_FLUSH 0ul /* elsewhere: IEEE gradual underflow, whatever it costs */
static inline unsigned long lg_fp_get(void) { return 0; }
static inline void lg_fp_set(unsigned long v) { (void)v; }
#endif

/* Whether this thread is inside lingrad's mode: per-thread state mirroring the
 * register between an enter and its leave, not shared state. Nested enters
 * could read the register instead, but enter runs on every kernel call, and
 * that read (stmxcsr) made an eager n = 100 epoch (about 14 calls) 0.034 us
 * slower: 0.475 vs 0.441 us, same build otherwise. In fpmode.c. */
extern _Thread_local bool lg_fp_flushing;

/* What lg_fpmode_leave undoes: nothing for a nested enter (the outermost one
 * restores), else the control register if enter had to change it. */
typedef struct lg_fpmode {
    unsigned long saved;
    bool outer, changed;
} lg_fpmode;

static inline lg_fpmode lg_fpmode_enter(void)
{
    lg_fpmode m = {0, false, false};
    if (lg_fp_flushing)
        return m;
    m.outer = true;
    m.saved = lg_fp_get();
    if ((m.saved & LG_FP_FLUSH) != LG_FP_FLUSH) {
        lg_fp_set(m.saved | LG_FP_FLUSH);
        m.changed = true;
    }
    lg_fp_flushing = true;
    return m;
}

static inline void lg_fpmode_leave(lg_fpmode m)
{
    if (!m.outer)
        return;
    /* Only the flush bits go back: exception flags our work raised stay raised,
     * as they would have without the mode switch. */
    if (m.changed)
        lg_fp_set((lg_fp_get() & ~LG_FP_FLUSH) | (m.saved & LG_FP_FLUSH));
    lg_fp_flushing = false;
}

#endif
