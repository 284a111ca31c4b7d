/* A minimal assertion kit for the CTest programs: failures are counted and
 * reported with their location, and the program's exit status says pass/fail. */
#ifndef LG_CHECK_H
#define LG_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lingrad.h"

static int check_failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

/* |got - want| <= tol * max(1, |want|): relative for large values, absolute near 0. */
#define CHECK_REL(got, want, tol)                                                      \
    do {                                                                               \
        double g_ = (got), w_ = (want), t_ = (tol);                                    \
        double s_ = fabs(w_) > 1.0 ? fabs(w_) : 1.0;                                   \
        if (!(fabs(g_ - w_) <= t_ * s_)) {                                             \
            fprintf(stderr, "%s:%d: CHECK_REL failed: %s = %.17g, want %s = %.17g "    \
                    "(tol %g, rel err %.3g)\n", __FILE__, __LINE__, #got, g_, #want,   \
                    w_, t_, fabs(g_ - w_) / s_);                                       \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

/* Strictly relative: for values that are far from zero by construction. */
#define CHECK_RELATIVE(got, want, tol)                                                 \
    do {                                                                               \
        double g_ = (got), w_ = (want), t_ = (tol);                                    \
        if (!(fabs(g_ - w_) <= t_ * fabs(w_))) {                                       \
            fprintf(stderr, "%s:%d: CHECK_RELATIVE failed: %s = %.17g, want %s = %.17g " \
                    "(tol %g, rel err %.3g)\n", __FILE__, __LINE__, #got, g_, #want,   \
                    w_, t_, fabs(g_ - w_) / fabs(w_));                                 \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

#define CHECK_STATUS(expr, want)                                                       \
    do {                                                                               \
        lg_status got_ = (expr);                                                       \
        if (got_ != (want)) {                                                          \
            fprintf(stderr, "%s:%d: %s returned %s, want %s (%s)\n", __FILE__,         \
                    __LINE__, #expr, lg_status_name(got_), lg_status_name(want),       \
                    lg_last_error());                                                  \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, LG_OK)

/* The last error message mentions `needle`. */
#define CHECK_ERROR_HAS(needle)                                                        \
    do {                                                                               \
        if (!strstr(lg_last_error(), (needle))) {                                      \
            fprintf(stderr, "%s:%d: error '%s' does not mention '%s'\n", __FILE__,     \
                    __LINE__, lg_last_error(), (needle));                              \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

/* Per-ISA test programs run under LINGRAD_ISA=<isa>: if this build or CPU cannot
 * run that table, the test is skipped (exit 77), never passed. */
static inline void check_isa_or_skip(const char *name)
{
    const char *isa = lg_isa_default(), *want = getenv("LINGRAD_ISA");
    if (!isa) {
        printf("%s: skipped: %s\n", name, lg_last_error());
        exit(77);
    }
    if (want && *want && strcmp(isa, want) != 0) { /* a silent fallback would pass */
        printf("%s: LINGRAD_ISA=%s but the library chose %s\n", name, want, isa);
        exit(1);
    }
    printf("%s: kernel table %s\n", name, isa);
}

/* The largest n a test should allocate: n itself, or LINGRAD_TEST_MAX_N when set.
 * Emulated CPU models (make cpus) run 50-150x slower than native, so
 * they cap the few sizes that exist only to be large; what is checked stays the
 * same. Says so once per size, so a log shows what was reduced. */
static inline size_t check_max_n(size_t n)
{
    const char *env = getenv("LINGRAD_TEST_MAX_N");
    char *end;
    unsigned long long cap = env && *env ? strtoull(env, &end, 10) : 0;
    if (env && *env && (*end || cap == 0)) {
        fprintf(stderr, "LINGRAD_TEST_MAX_N=%s: expected a whole number >= 1\n", env);
        exit(1);
    }
    if (cap == 0 || n <= cap)
        return n;
    printf("n = %zu reduced to %llu (LINGRAD_TEST_MAX_N)\n", n, cap);
    return (size_t)cap;
}

static inline int check_done(const char *name)
{
    if (check_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
