/* Timing of the analysis the SPEC holds stats/ to: 100 benchmarks x 100
 * samples in 5 rounds, 10,000 resamples where they are used (st_summarize:
 * order statistics and the rounds' t interval, no resampling;
 * st_compare, st_compare_paired and st_compare_rounds against a second
 * sample), and the full path per benchmark: summarize both sides, then
 * compare. Not a test: run by hand, ./build/bench/stats_speed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stats.h"

enum { BENCHES = 100, SAMPLES = 100 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    static double old[BENCHES][SAMPLES], new_[BENCHES][SAMPLES];
    st_rng r;
    st_rng_seed(&r, 1);
    for (int b = 0; b < BENCHES; b++)
        for (int i = 0; i < SAMPLES; i++) {
            old[b][i] = 100 * exp(0.1 * (st_rng_uniform(&r) - 0.5));
            new_[b][i] = 103 * exp(0.1 * (st_rng_uniform(&r) - 0.5));
        }
    st_boot_opts o = {10000, 0.95, 0, ST_MEDIAN};
    size_t ns = st_compare_scratch_size(SAMPLES, SAMPLES, &o),
           np_ = st_compare_paired_scratch_size(SAMPLES, &o);
    double *s = malloc((ns > np_ ? ns : np_) * sizeof *s);
    if (!s)
        return 1;
    static uint16_t round[SAMPLES];
    for (int i = 0; i < SAMPLES; i++)
        round[i] = (uint16_t)(i % 5);
    mb_summary sum;
    double sink = 0, t0 = now();
    for (int b = 0; b < BENCHES; b++) {
        st_summarize(old[b], round, SAMPLES, 0.95, s, &sum);
        sink += sum.median_ci.lo;
    }
    double t1 = now();
    for (int b = 0; b < BENCHES; b++)
        sink += st_compare(old[b], SAMPLES, new_[b], SAMPLES, &o, s).p;
    double t2 = now();
    for (int b = 0; b < BENCHES; b++)
        sink += st_compare_paired(old[b], new_[b], SAMPLES, &o, s).p;
    double t3 = now();
    for (int b = 0; b < BENCHES; b++)
        sink += st_compare_rounds(old[b], round, SAMPLES, new_[b], round,
                                  SAMPLES, 0.5, &o, s)
                    .p;
    double t4 = now();
    for (int b = 0; b < BENCHES; b++) {
        st_summarize(old[b], round, SAMPLES, 0.95, s, &sum);
        sink += sum.median_ci.lo;
        st_summarize(new_[b], round, SAMPLES, 0.95, s, &sum);
        sink += sum.median_ci.lo;
        sink += st_compare(old[b], SAMPLES, new_[b], SAMPLES, &o, s).p;
    }
    double t5 = now();
    for (int b = 0; b < BENCHES; b++) /* A/A: p large, stops early */
        sink +=
            st_compare(old[b], SAMPLES, old[(b + 1) % BENCHES], SAMPLES, &o, s)
                .p;
    double t6 = now();
    printf("%d benchmarks x %d samples x %zu resamples (BCa, median):\n",
           BENCHES, SAMPLES, o.resamples);
    printf("  st_summarize (median, rounds' t interval): %.3f s\n", t1 - t0);
    printf("  st_compare (CI + rank-sum p): %.3f s\n", t2 - t1);
    printf("  st_compare_paired (CI + signed-rank p): %.3f s\n", t3 - t2);
    printf("  st_compare_rounds (5 rounds, Welch): %.3f s\n", t4 - t3);
    printf("  full path (summarize both + st_compare): %.3f s\n", t5 - t4);
    printf("  st_compare, A/A (no change): %.3f s\n", t6 - t5);
    printf("  (checksum %g)\n", sink);
    free(s);
    return 0;
}
