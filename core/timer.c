/* The harness's clock and its calibration. */
#include "timer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

double timer_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

uint64_t timer_now(void *unused)
{
    (void)unused;
#ifdef HAVE_TSC
    /* lfence: the read waits for earlier instructions (the timed body) to
     * finish, and later ones do not start before it (PLATFORM: ~19 ns). */
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The pointer keeps the call as real as the harness's own (no inlining). */
double timer_overhead(uint64_t (*now)(void *), void *ctx)
{
    enum { N = 1001 };
    uint64_t d[N];
    uint64_t (*volatile fn)(void *) = now;
    for (int i = 0; i < N; i++) {
        uint64_t t0 = fn(ctx);
        uint64_t t1 = fn(ctx);
        d[i] = t1 - t0;
    }
    qsort(d, N, sizeof d[0], cmp_u64);
    /* A read's cost shows up once per pair: the stop read's own latency
     * up to its sample point plus the start read's after it. */
    return (double)d[N / 2];
}

void timer_calibrate(timer_info *ti, double known_ghz)
{
    memset(ti, 0, sizeof *ti);
#ifdef HAVE_TSC
    ti->source = "tsc";
    if (known_ghz > 0) {
        ti->ghz = known_ghz;
    } else {
        /* 50 ms against the raw monotonic clock gives ~5 significant
         * digits; the invariant TSC needs no more (PLATFORM: 100 ms gives
         * 6). */
        double w0 = timer_wall_ns();
        uint64_t t0 = timer_now(NULL);
        double w1;
        do
            w1 = timer_wall_ns();
        while (w1 - w0 < 50e6);
        uint64_t t1 = timer_now(NULL);
        ti->ghz = (double)(t1 - t0) / (w1 - w0);
    }
    ti->ns_per_tick = 1.0 / ti->ghz;
#else
    (void)known_ghz;
    ti->source = "clock_gettime";
    ti->ghz = 1.0;
    ti->ns_per_tick = 1.0;
#endif
    /* Resolution: the smallest non-zero step between consecutive reads. */
    uint64_t step = UINT64_MAX;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = timer_now(NULL), b;
        while ((b = timer_now(NULL)) == a)
            ;
        if (b - a < step)
            step = b - a;
    }
    ti->resolution_ns = (double)step * ti->ns_per_tick;
    ti->overhead_ticks = timer_overhead(timer_now, NULL);
    ti->read_ns = ti->overhead_ticks * ti->ns_per_tick;
}
