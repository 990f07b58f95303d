/* The analysis itself, measured by microbe (SPEC §8): summarising two runs
 * of N benchmarks × 100 samples (10,000 bootstrap resamples each) and
 * comparing them with suite-level error control, as --baseline does. Target:
 * well under a second for N = 100. */
#include <microbe.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "run.h"

/* A run of n benchmarks, 5 rounds × 20 samples, log-normal around a level
 * that differs per benchmark; shift multiplies every level. */
static mb_run *synthetic(size_t n, double shift, uint64_t seed)
{
    mb_run *run = run_create();
    st_rng rng;
    st_rng_seed(&rng, seed);
    for (size_t b = 0; b < n; b++) {
        mb_result *r = run_add_result(run);
        char name[32];
        snprintf(name, sizeof name, "bench%zu", b);
        r->name = strdup(name);
        r->family = strdup(name);
        r->bench = strdup(name);
        double level = 100.0 * (1 + (double)b) * shift;
        for (int round = 0; round < 5; round++) {
            double drift = exp(0.05 * (st_rng_uniform(&rng) - 0.5));
            for (int s = 0; s < 20; s++) {
                /* Box-Muller: a normal from two uniforms. */
                double u = st_rng_uniform(&rng) + 1e-12;
                double v = st_rng_uniform(&rng);
                double z = sqrt(-2 * log(u)) * cos(2 * M_PI * v);
                result_add_sample(r, 1000, 1000 * level * drift * exp(0.03 * z),
                                  NULL, 0, (uint16_t)round);
            }
        }
    }
    return run;
}

BENCH(analysis, .args = MB_ARGS(10, 100), .samples = 5)
{
    size_t n = (size_t)mb_arg(state);
    mb_run *old = synthetic(n, 1.0, 1);
    mb_run *now = synthetic(n, 1.05, 2);
    cmp_opts o = {.alpha = 0.05, .threshold = 0.03};
    MB_LOOP(state)
    {
        run_summarize(old);
        run_summarize(now);
        cmp_result *c = cmp_runs(old, now, &o);
        mb_do_not_optimize(c->count[CMP_SLOWER]);
        cmp_free(c);
    }
    run_free(old);
    run_free(now);
}
