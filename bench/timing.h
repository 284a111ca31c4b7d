/* The clock and the sort order every benchmark program here times with. */
#ifndef LG_BENCH_TIMING_H
#define LG_BENCH_TIMING_H

#include <time.h>

/* Monotonic seconds: wall time, never stepped by NTP. */
static inline double lg_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort's order for doubles, for medians. */
static inline int lg_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
