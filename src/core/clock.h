/* The library's one clock for durations (internal). */
#ifndef LG_CLOCK_H
#define LG_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: for differences only. */
double lg_seconds(void);

#endif
