/* The clock: serialised TSC on x86-64 (frequency calibrated against
 * CLOCK_MONOTONIC_RAW), clock_gettime elsewhere. Its cost and resolution are
 * measured at start so the harness can account for them. */
#ifndef MB_TIMER_H
#define MB_TIMER_H

#include <stdint.h>

typedef struct timer_info {
    const char *source;    /* "tsc" or "clock_gettime" */
    double ns_per_tick;    /* tick length */
    double ghz;            /* ticks per ns (TSC frequency) */
    double overhead_ticks; /* median cost of an empty start/stop pair */
    double resolution_ns;  /* smallest step the clock shows */
    double read_ns;        /* cost of one read */
} timer_info;

/* Reads the clock in ticks. Serialised: earlier instructions retire first. */
uint64_t timer_now(void *unused);

/* Measures frequency (~50 ms), read cost and resolution. With known_ghz > 0
 * the TSC frequency is taken as given instead (a frequency measured moments
 * earlier on the same machine: see MICROBE_TSC_GHZ in docs/ab.md). */
void timer_calibrate(timer_info *ti, double known_ghz);

/* Measures the median ticks of an empty start/stop pair using `now` the
 * way the harness does (a call through a pointer). */
double timer_overhead(uint64_t (*now)(void *), void *ctx);

/* Nanoseconds of CLOCK_MONOTONIC_RAW, for budgets (not for samples). */
double timer_wall_ns(void);

#endif
