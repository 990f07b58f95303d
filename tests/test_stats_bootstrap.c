/* Unit tests of stats/rng.c and stats/bootstrap.c: the PRNG against the
 * reference algorithm, bootstrap intervals against scipy.stats.bootstrap,
 * coverage by simulation, and degenerate input. References: see
 * tests/ref/gen_stats_ref.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "stats.h"

static const double A[] = {101.2, 99.8,  100.5, 103.9, 98.7,
                           100.1, 131.0, 102.2, 99.5,  100.9,
                           104.6, 97.9,  101.7, 100.3, 112.4};
static const double B[] = {52.0, 50.5,  51.25, 49.75, 50.5, 53.5,  48.0,
                           50.0, 51.0,  52.75, 50.5,  30.0, 54.25, 49.5,
                           51.5, 50.25, 57.0,  50.75, 49.0, 52.25};
#define NA (sizeof A / sizeof *A)
#define NB (sizeof B / sizeof *B)

static void test_rng_reference(void **state)
{
    (void)state;
    /* splitmix64 state and xoshiro256** outputs from the generator's
     * transcription of the authors' C code. */
    st_rng r;
    st_rng_seed(&r, 0);
    assert_true(r.s[0] == 0xe220a8397b1dcdafu);
    assert_true(r.s[3] == 0xf88bb8a8724c81ecu);
    assert_true(st_rng_next(&r) == 0x99ec5f36cb75f2b4u);
    assert_true(st_rng_next(&r) == 0xbf6e1f784956452au);
    assert_true(st_rng_next(&r) == 0x1a5f849d4933e6e0u);
    st_rng_seed(&r, 42);
    assert_true(st_rng_next(&r) == 0x15780b2e0c2ec716u);
    assert_true(st_rng_next(&r) == 0x6104d9866d113a7eu);
}

static void test_rng_ranges(void **state)
{
    (void)state;
    st_rng r;
    st_rng_seed(&r, 3);
    size_t hist[7] = {0};
    const size_t draws = 70000;
    for (size_t i = 0; i < draws; i++) {
        size_t k = st_rng_below(&r, 7);
        assert_true(k < 7);
        hist[k]++;
        double u = st_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
    }
    /* Chi-square with 6 degrees of freedom; 22.5 is its 0.999 quantile. */
    double chi = 0;
    for (int k = 0; k < 7; k++) {
        double d = (double)hist[k] - (double)draws / 7;
        chi += d * d / ((double)draws / 7);
    }
    assert_true(chi < 22.5);
    assert_int_equal(st_rng_below(&r, 1), 0);
    assert_int_equal(st_rng_below(&r, 0), 0);
}

/* scipy.stats.bootstrap(confidence_level=0.95, n_resamples=200000). Our
 * replicates differ from scipy's, so endpoints agree only up to Monte
 * Carlo error: 3% of the interval's width. Medians of these small samples
 * have a discrete bootstrap distribution, so their endpoints are data
 * values and usually match exactly. */
static void check_ci(const double *x, size_t n, st_estimator e, double lo,
                     double hi, double lo_alt, double hi_alt)
{
    st_boot_opts o = {200000, 0.95, 11, e};
    double *scratch = malloc(st_boot_scratch_size(n, &o) * sizeof *scratch);
    st_interval ci = st_bootstrap_ci(x, n, &o, scratch);
    double tol = 0.03 * (hi - lo);
    print_message("ci %s BCa: [%.6g, %.6g] vs scipy [%.6g, %.6g]\n",
                  e == ST_MEAN ? "mean" : "median", ci.lo, ci.hi, lo, hi);
    /* *_alt: for medians, where the endpoint's level lies within Monte
     * Carlo error of a step of the (discrete) replicate distribution, the
     * neighbouring data value is as right: it must be one of the two. */
    /* Negated so that a NaN alternative (none) still checks. */
    if (!(fabs(ci.lo - lo_alt) <= 1e-9))
        assert_float_equal(ci.lo, lo, tol);
    if (!(fabs(ci.hi - hi_alt) <= 1e-9))
        assert_float_equal(ci.hi, hi, tol);
    free(scratch);
}

static void test_ci_scipy(void **state)
{
    (void)state;
    /* A's median: the levels 0.025 and 0.975 fall on steps (numpy gives
     * 102.2 at the 97.5th percentile of scipy's replicates, 103.9 at the
     * 98th), so the neighbours 100.1 and 103.9 / 102.2 are accepted. The
     * exact bootstrap law of the median (gen_stats_ref.py) puts BCa's
     * upper level at 0.97472 and P(median <= 102.2) at 0.97455, a tenth
     * of the Monte Carlo sd apart: either neighbour is right there too. */
    check_ci(A, NA, ST_MEDIAN, 99.799999999999997, 103.90000000000001, 100.1,
             102.2);
    check_ci(A, NA, ST_MEAN, 101.00000000000001, 111.09999999999999, NAN, NAN);
    check_ci(B, NB, ST_MEDIAN, 50, 51.75, NAN, NAN);
    check_ci(B, NB, ST_MEAN, 46.287500000000001, 51.625, NAN, NAN);
}

static void test_ci_seeded(void **state)
{
    (void)state;
    st_boot_opts o = {0, 0, 5, ST_MEDIAN};
    double *scratch = malloc(st_boot_scratch_size(NA, &o) * sizeof *scratch);
    st_interval a = st_bootstrap_ci(A, NA, &o, scratch);
    st_interval b = st_bootstrap_ci(A, NA, &o, scratch);
    assert_float_equal(a.lo, b.lo, 0);
    assert_float_equal(a.hi, b.hi, 0);
    /* The defaults (NULL opts) are 10000 resamples at 0.95. */
    assert_int_equal(st_boot_scratch_size(NA, NULL), 3 * NA + 10000);
    free(scratch);
}

/* Coverage of the median's and the mean's 95% BCa interval on log-normal
 * samples of 40 (1000 resamples each, to keep the test quick): the true
 * value must be inside in 90..99% of 400 trials. */
static void test_ci_coverage(void **state)
{
    (void)state;
    enum { N = 40, TRIALS = 400 };
    st_rng r;
    st_rng_seed(&r, 99);
    double x[N];
    st_boot_opts o = {1000, 0.95, 0, ST_MEDIAN};
    double *scratch = malloc(st_boot_scratch_size(N, &o) * sizeof *scratch);
    int hit_med = 0, hit_mean = 0;
    for (int t = 0; t < TRIALS; t++) {
        for (int i = 0; i < N; i++) {
            double u1 = 1 - st_rng_uniform(&r), u2 = st_rng_uniform(&r);
            x[i] = exp(0.3 * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
        }
        o.seed = (uint64_t)t;
        o.estimator = ST_MEDIAN;
        st_interval ci = st_bootstrap_ci(x, N, &o, scratch);
        hit_med += ci.lo <= 1 && 1 <= ci.hi;
        o.estimator = ST_MEAN;
        ci = st_bootstrap_ci(x, N, &o, scratch);
        double mean = exp(0.045); /* exp(sigma^2 / 2) */
        hit_mean += ci.lo <= mean && mean <= ci.hi;
    }
    print_message("coverage median %d/%d mean %d/%d\n", hit_med, TRIALS,
                  hit_mean, TRIALS);
    assert_in_range(hit_med, TRIALS * 90 / 100, TRIALS * 99 / 100);
    assert_in_range(hit_mean, TRIALS * 90 / 100, TRIALS * 99 / 100);
    free(scratch);
}

static void test_ci_degenerate(void **state)
{
    (void)state;
    double scratch[64 + 2000];
    st_boot_opts o = {2000, 0.95, 1, ST_MEDIAN};
    st_interval ci = st_bootstrap_ci(A, 0, &o, scratch);
    assert_true(isnan(ci.lo) && isnan(ci.hi));
    ci = st_bootstrap_ci(A, 1, &o, scratch);
    assert_float_equal(ci.lo, A[0], 0);
    assert_float_equal(ci.hi, A[0], 0);
    const double same[] = {7, 7, 7, 7, 7};
    for (int m = 0; m < 2; m++) {
        o.estimator = m ? ST_MEAN : ST_MEDIAN;
        ci = st_bootstrap_ci(same, 5, &o, scratch);
        assert_float_equal(ci.lo, 7, 0);
        assert_float_equal(ci.hi, 7, 0);
        /* Two values: the interval spans (part of) them, finite. */
        ci = st_bootstrap_ci(A, 2, &o, scratch);
        assert_true(ci.lo >= 99.8 && ci.hi <= 101.2 && ci.lo <= ci.hi);
    }
    /* Non-finite values are left out; zeros are ordinary values. */
    const double mix[] = {0, 0, 0, INFINITY, NAN, 0, 0};
    ci = st_bootstrap_ci(mix, 7, &o, scratch);
    assert_float_equal(ci.lo, 0, 0);
    assert_float_equal(ci.hi, 0, 0);
    const double inf[] = {INFINITY, -INFINITY, NAN};
    ci = st_bootstrap_ci(inf, 3, &o, scratch);
    assert_true(isnan(ci.lo));
    /* A value BCa cannot correct (every replicate above the estimate
     * would give z0 = -inf) still gives a finite interval. */
    const double skew[] = {1, 2, 2, 2, 2, 2, 2, 2, 2, 50};
    o.estimator = ST_MEDIAN;
    ci = st_bootstrap_ci(skew, 10, &o, scratch);
    assert_true(isfinite(ci.lo) && isfinite(ci.hi) && ci.lo <= ci.hi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_reference),
        cmocka_unit_test(test_rng_ranges),
        cmocka_unit_test(test_ci_scipy),
        cmocka_unit_test(test_ci_seeded),
        cmocka_unit_test(test_ci_coverage),
        cmocka_unit_test(test_ci_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
