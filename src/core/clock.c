/* One monotonic clock for every duration lingrad reports or waits on: the
 * training loop, graph mode's one-time costs, the JIT's compile and timeout. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "core/clock.h"

double lg_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
