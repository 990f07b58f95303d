/* Unit tests of stats/dist.c and stats/rounds.c: Student's t and the
 * incomplete beta against scipy, the round-level comparison against
 * scipy's Welch test, its calibration under drift between rounds (and the
 * sample-level test's lack of it), fallback and degenerate input.
 * References: tests/ref/gen_stats_ref.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "stats.h"

static void rel_equal(double got, double want, double rel)
{
    assert_float_equal(got, want, rel * fabs(want) + 1e-300);
}

static void test_dist_scipy(void **state)
{
    (void)state;
    /* scipy.special.betainc */
    rel_equal(st_incbeta(0.5, 0.5, 0.3), 0.36901011956554541, 1e-12);
    rel_equal(st_incbeta(2.5, 7.0, 0.2), 0.36749651990402316, 1e-12);
    rel_equal(st_incbeta(50.0, 51.0, 0.52), 0.69184547165940602, 1e-12);
    rel_equal(st_incbeta(1.0, 3.0, 0.999), 0.99999999900000003, 1e-12);
    rel_equal(st_incbeta(0.1, 10.0, 1e-5), 0.41655822619209371, 1e-12);
    assert_float_equal(st_incbeta(2, 3, 0), 0, 0);
    assert_float_equal(st_incbeta(2, 3, 1), 1, 0);
    assert_true(isnan(st_incbeta(2, 3, 1.5)) && isnan(st_incbeta(0, 3, .5)));
    /* scipy.stats.t.cdf(t, df) and 2 * scipy.stats.t.sf(|t|, df): the
     * quantile of the first gives t back (st_t_ppf's Newton steps use the
     * CDF). */
    static const double cdf[][4] = {
        {2.0, 3.0, 0.93033701572057848, 0.13932596855884311},
        {-1.5, 7.3, 0.087781546401543009, 0.17556309280308602},
        {0.3, 1.0, 0.59277357907774231, 0.81445284184451539},
        {12.0, 4.2, 0.99989578666965784, 0.00020842666068435353},
        {-40.0, 2.0, 0.0003122073360923703, 0.0006244146721847406},
        {2.5, 1e6, 0.9937902552489184, 0.012419489502163228},
        {0.0, 5.0, 0.5, 1},
    };
    for (size_t i = 0; i < sizeof cdf / sizeof *cdf; i++) {
        if (cdf[i][0] != 0)
            rel_equal(st_t_ppf(cdf[i][2], cdf[i][1]), cdf[i][0], 1e-9);
        rel_equal(st_t_two_sided(cdf[i][0], cdf[i][1]), cdf[i][3], 1e-11);
    }
    /* scipy.stats.t.ppf(p, df) */
    static const double ppf[][3] = {
        {0.975, 4.0, 2.7764451051977987},  {0.975, 7.6, 2.3273017885122753},
        {0.6, 10.0, 0.26018482949208005},  {1e-10, 5.0, -156.8255928081382},
        {0.999, 1.0, 318.30883898554191},  {0.975, 1e6, 1.9599663568141066},
        {0.025, 2.3, -3.8071632082582783},
    };
    for (size_t i = 0; i < sizeof ppf / sizeof *ppf; i++)
        rel_equal(st_t_ppf(ppf[i][0], ppf[i][1]), ppf[i][2], 1e-10);
    assert_float_equal(st_t_ppf(0.5, 3.0), 0, 1e-15);
    assert_true(isinf(st_t_ppf(1, 3)) && st_t_ppf(0, 3) < 0);
    assert_true(isnan(st_t_ppf(0.5, 0)) && isnan(st_t_two_sided(NAN, 3)));
    assert_float_equal(st_t_two_sided(INFINITY, 3), 0, 0);
}

/* Rounds of the reference data: RO[r] / RN[r] in gen_stats_ref.py. */
static const double RO[] = {10.0,  10.1, 9.9,   10.05, 11.0, 11.2, 10.9, 11.1,
                            11.05, 9.5,  9.6,   9.4,   9.55, 9.45, 9.5,  10.4,
                            10.5,  10.3, 10.45, 10.35, 10.8, 10.7, 10.9, 10.75};
static const uint16_t RO_R[] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2,
                                2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4};
static const double RN[] = {11.5, 11.6,  11.4, 11.55, 11.45, 12.2, 12.1,
                            12.3, 12.25, -1.0, 10.9,  11.0,  10.8, 10.95,
                            NAN,  11.8,  11.9, 11.7,  11.85, 11.75};
/* New's rounds numbered 7, 2, 9, 5 and interleaved: order must not
 * matter, only the grouping. */
static const uint16_t RN_R[] = {7, 7, 7, 7, 7, 2, 2, 2, 2, 2,
                                9, 9, 9, 9, 9, 5, 5, 5, 5, 5};
#define NRO (sizeof RO / sizeof *RO)
#define NRN (sizeof RN / sizeof *RN)

static void test_rounds_scipy(void **state)
{
    (void)state;
    st_boot_opts o = {10000, 0.95, 1, ST_MEDIAN};
    double *s =
        malloc(st_compare_rounds_scratch_size(NRO, NRN, &o) * sizeof *s);
    assert_non_null(s);
    st_change c = st_compare_rounds(RO, RO_R, NRO, RN, RN_R, NRN, 0.5, &o, s);
    /* scipy.stats.ttest_ind(log round medians, equal_var=False): t
     * 3.2416148023462621; interval: statsmodels tconfint_diff. */
    assert_float_equal(c.change, 0.1226344270762975, 1e-12);
    assert_float_equal(c.p, 0.014230735366095613, 1e-9);
    assert_float_equal(c.ci.lo, 0.031782049043098358, 1e-9);
    assert_float_equal(c.ci.hi, 0.22148670644713134, 1e-9);
    assert_int_equal(c.n_ignored, 2);
    /* Swapped sides: the mirror image in the log, same p. */
    st_change d = st_compare_rounds(RN, RN_R, NRN, RO, RO_R, NRO, 0.5, &o, s);
    assert_float_equal(log1p(d.change), -log1p(c.change), 1e-12);
    assert_float_equal(d.p, c.p, 1e-12);
    /* Round levels as 10th percentiles (what core/compare.c uses):
     * gen_stats_ref.py "rounds q=0.1". */
    st_change q = st_compare_rounds(RO, RO_R, NRO, RN, RN_R, NRN, 0.1, &o, s);
    assert_float_equal(q.change, 0.12327758921015333, 1e-12);
    assert_float_equal(q.p, 0.014238893319442955, 1e-9);
    assert_float_equal(q.ci.lo, 0.031935020396270539, 1e-9);
    assert_float_equal(q.ci.hi, 0.22270541989867912, 1e-9);
    /* The same samples as one sample each: the sample-level test sees
     * 42 values and claims far more than the 9 rounds support. */
    st_change e = st_compare(RO, NRO, RN, NRN, &o, s);
    print_message("rounds p %.4g; samples p %.4g\n", c.p, e.p);
    assert_true(e.p < c.p / 10);
    free(s);
}

/* Three rounds a side whose 10th percentiles nearly coincide while each
 * round's samples scatter widely: the floor for a 10th percentile, not
 * the chance agreement of three levels, sets the variance (gen_stats_ref.py
 * "rounds q=0.1, floors active"). */
static void test_rounds_floor_q10(void **state)
{
    (void)state;
    static const double fo[] = {9.0,  10.0, 11.0, 12.0,  13.0, 9.01, 10.0, 11.0,
                                12.0, 13.0, 9.0,  10.02, 11.0, 12.0, 13.0};
    static const uint16_t r[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
    double fn[15];
    for (int i = 0; i < 15; i++)
        fn[i] = fo[i] * 1.02;
    st_boot_opts o = {10000, 0.95, 1, ST_MEDIAN};
    double *s = malloc(st_compare_rounds_scratch_size(15, 15, &o) * sizeof *s);
    assert_non_null(s);
    st_change c = st_compare_rounds(fo, r, 15, fn, r, 15, 0.1, &o, s);
    assert_float_equal(c.change, 0.020000000000000052, 1e-12);
    assert_float_equal(c.p, 0.83222026623146339, 1e-9);
    assert_float_equal(c.ci.lo, -0.20019521984436695, 1e-9);
    assert_float_equal(c.ci.hi, 0.30081743172071301, 1e-9);
    free(s);
}

static void test_rounds_degenerate(void **state)
{
    (void)state;
    st_boot_opts o = {1000, 0.95, 1, ST_MEDIAN};
    double *s = malloc(st_compare_rounds_scratch_size(40, 40, &o) * sizeof *s);
    assert_non_null(s);
    /* Two rounds on a side: st_compare on the samples, exactly. */
    const double x[] = {10, 10.2, 9.9, 10.1, 10.3, 10.0};
    const double y[] = {10.5, 10.7, 10.4, 10.6, 10.8, 10.5};
    const uint16_t r2[] = {0, 0, 0, 1, 1, 1}, r3[] = {0, 0, 1, 1, 2, 2};
    st_change a = st_compare_rounds(x, r2, 6, y, r3, 6, 0.5, &o, s);
    st_change b = st_compare(x, 6, y, 6, &o, s);
    assert_float_equal(a.change, b.change, 0);
    assert_float_equal(a.p, b.p, 0);
    assert_float_equal(a.ci.lo, b.ci.lo, 0);
    /* Nothing usable: NaN change, p = 1 (through the fallback). */
    const double bad[] = {0, -1, NAN, INFINITY, 0, 0};
    a = st_compare_rounds(bad, r3, 6, y, r3, 6, 0.5, &o, s);
    assert_true(isnan(a.change) && a.p == 1);
    /* Constant rounds, same level: no change, p = 1. */
    const double k5[] = {5, 5, 5, 5, 5, 5}, k6[] = {6, 6, 6, 6, 6, 6};
    a = st_compare_rounds(k5, r3, 6, k5, r3, 6, 0.5, &o, s);
    assert_float_equal(a.change, 0, 0);
    assert_float_equal(a.p, 1, 0);
    /* Constant rounds, different levels: the small-sample guard. No
     * spread, so only the order of 3 + 3 rounds is evidence: p =
     * 2 / C(6, 3) = 0.1, not 0. */
    a = st_compare_rounds(k5, r3, 6, k6, r3, 6, 0.5, &o, s);
    assert_float_equal(a.change, 0.2, 1e-12);
    assert_float_equal(a.p, 0.1, 1e-12);
    /* Three rounds that agree by chance while each is noisy: the
     * within-round scatter bounds the variance from below, so p stays
     * modest instead of exploding with a near-zero between-round
     * variance. */
    const double nx[] = {9, 10, 11, 9, 10, 11, 9, 10, 11};
    const double ny[] = {9.5, 10.5, 11.5, 9.5, 10.5, 11.5, 9.5, 10.5, 11.5};
    const uint16_t r9[] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    a = st_compare_rounds(nx, r9, 9, ny, r9, 9, 0.5, &o, s);
    print_message("agreeing noisy rounds: change %.4f p %.4g\n", a.change, a.p);
    assert_true(a.p > 0.05);
    /* No p floor: an enormous t gives the t tail, far below the
     * 1/(1 + resamples) it was once held at. */
    const double fx[] = {10, 10.001, 9.999, 10.0005, 10, 9.9995};
    const double fy[] = {20, 20.001, 19.999, 20.0005, 20, 19.9995};
    a = st_compare_rounds(fx, r3, 6, fy, r3, 6, 0.5, &o, s);
    assert_true(a.p < 1e-6 && a.p >= 0);
    free(s);
}

/* A run of R rounds x PER samples: each round has a log-normal level
 * shift (sd sigma_round), each sample log-normal noise (sd 0.1) and, 3% of
 * the time, a spike of 1.5-4x. */
enum { R = 5, PER = 10, SIMS = 1000 };

static double gauss(st_rng *r)
{
    double u1 = 1 - st_rng_uniform(r), u2 = st_rng_uniform(r);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

static void run(st_rng *r, double scale, double sigma_round, double *x,
                uint16_t *round)
{
    for (int k = 0; k < R; k++) {
        double level = scale * exp(sigma_round * gauss(r));
        for (int i = 0; i < PER; i++) {
            double t = level * exp(0.1 * gauss(r));
            if (st_rng_uniform(r) < 0.03)
                t *= 1.5 + 2.5 * st_rng_uniform(r);
            x[k * PER + i] = t;
            round[k * PER + i] = (uint16_t)k;
        }
    }
}

/* Shares of SIMS comparisons with p <= 0.05, rounds and samples. */
static void rates(double factor, double sigma_round, uint64_t seed, double q,
                  double *by_rounds, double *by_samples)
{
    st_boot_opts o = {1000, 0.95, 0, ST_MEDIAN};
    double old[R * PER], new_[R * PER];
    uint16_t ro[R * PER], rn[R * PER];
    double *s = malloc(st_compare_rounds_scratch_size(R * PER, R * PER, &o) *
                       sizeof *s);
    assert_non_null(s);
    st_rng r;
    st_rng_seed(&r, seed);
    int hr = 0, hs = 0;
    for (int k = 0; k < SIMS; k++) {
        run(&r, 100, sigma_round, old, ro);
        run(&r, 100 * factor, sigma_round, new_, rn);
        o.seed = (uint64_t)k;
        hr += st_compare_rounds(old, ro, R * PER, new_, rn, R * PER, q, &o, s)
                  .p <= 0.05;
        if (by_samples)
            hs += st_compare(old, R * PER, new_, R * PER, &o, s).p <= 0.05;
    }
    free(s);
    *by_rounds = (double)hr / SIMS;
    if (by_samples)
        *by_samples = (double)hs / SIMS;
}

/* 1000 A/A comparisons: the binomial sd of a 5% rate is 0.7%, so 0.065
 * is 2 sd above alpha. Round levels as medians (q = 0.5) and as the 10th
 * percentile that core/compare.c uses. */
static void test_rounds_calibration(void **state)
{
    (void)state;
    static const double sigmas[] = {0.05, 0.10};
    static const double qs[] = {0.5, 0.1};
    /* measured: q .5: .999, .795; q .1: .992, .777 */
    static const double min_power[2][2] = {{0.95, 0.70}, {0.95, 0.70}};
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            double fpr, fpr_samples, power;
            rates(1.0, sigmas[i], 10 + (uint64_t)i, qs[j], &fpr, &fpr_samples);
            rates(1.25, sigmas[i], 20 + (uint64_t)i, qs[j], &power, NULL);
            print_message("q %.1f, round drift sd %.2f: A/A p<=0.05 rounds "
                          "%.3f, samples %.3f; +25%% caught by rounds %.3f\n",
                          qs[j], sigmas[i], fpr, fpr_samples, power);
            assert_true(fpr <= 0.065);
            /* The sample-level test is the anticonservative one. */
            assert_true(fpr_samples > 0.15);
            assert_true(power >= min_power[j][i]);
        }
}

/* A 2x slowdown among 2,000 benchmarks (5 rounds x 20 samples a side, 3%
 * round spread, 2% within): Holm asks its p to be below 0.05 / 2000 =
 * 2.5e-5. With a floor of 1 / (1 + resamples) = 1e-4 under every p it
 * could never get there (flagged at m = 500, never at m = 600); the t
 * tail has no floor. */
static void test_rounds_large_suite(void **state)
{
    (void)state;
    enum { M = 2000, N = 100 };
    st_rng g;
    st_rng_seed(&g, 2000);
    double xo[N], xn[N];
    uint16_t ro[N];
    for (int i = 0; i < N; i++)
        ro[i] = (uint16_t)(i / 20);
    st_boot_opts o = {10000, 0.95, 1, ST_MEDIAN};
    double *s = malloc(st_compare_rounds_scratch_size(N, N, &o) * sizeof *s);
    double *p = malloc(4 * M * sizeof *p); /* p, Holm's, its scratch */
    assert_non_null(s);
    assert_non_null(p);
    st_change slow = {0};
    for (size_t b = 0; b < M; b++) {
        double lo = 0, ln = 0;
        for (int i = 0; i < N; i++) {
            if (i % 20 == 0) {
                lo = 0.03 * gauss(&g);
                ln = 0.03 * gauss(&g);
            }
            xo[i] = 100 * exp(lo + 0.02 * gauss(&g));
            xn[i] = (b == 0 ? 200 : 100) * exp(ln + 0.02 * gauss(&g));
        }
        st_change c = st_compare_rounds(xo, ro, N, xn, ro, N, 0.1, &o, s);
        if (b == 0)
            slow = c;
        p[b] = c.p;
    }
    st_holm(p, M, p + M, p + 2 * M);
    print_message("2x among %d: p %.3g, Holm %.3g\n", M, p[0], p[M]);
    assert_true(p[0] < 1e-6);
    assert_int_equal(st_decide(&slow, p[M], 0.05, 0.03), ST_SLOWER);
    free(s);
    free(p);
}

/* A run against three saved runs: the run-to-run variance (spread of the
 * saved runs' means less their within-run part) enters the interval.
 * Reference (/usr/bin/python3, numpy, scipy 1.10): m = run means, w their
 * within-run variances (ddof 1), run_var = max(0, var(m) - mean(w) / 4),
 * v = run_var (1 + 1/3) + var(new) / 4 + mean(w) / 12, Welch-Satterthwaite
 * df over the three terms (df 2, 3, 9), p = 2 t.sf(|d| / sqrt(v), df),
 * interval d -+ t.ppf(0.975, df) sqrt(v), all as expm1. One sample per
 * round: each round's level is its sample, no within-round floor. */
static void test_history_scipy(void **state)
{
    (void)state;
    static const double logs[3][4] = {{0.00, 0.02, -0.01, 0.01},
                                      {0.05, 0.07, 0.04, 0.06},
                                      {-0.03, -0.01, -0.04, -0.02}};
    static const double newl[4] = {0.10, 0.12, 0.09, 0.11};
    double o[3][4], nw[4];
    uint16_t rd[4] = {0, 1, 2, 3};
    const double *op[3];
    const uint16_t *rp[3];
    size_t n[3] = {4, 4, 4};
    for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++)
            o[j][k] = 100 * exp(logs[j][k]);
        op[j] = o[j];
        rp[j] = rd;
    }
    for (int k = 0; k < 4; k++)
        nw[k] = 100 * exp(newl[k]);
    double scratch[64];
    assert_true(st_compare_history_scratch_size(16) <= 64);
    st_boot_opts bo = {.confidence = 0.95};
    st_change c =
        st_compare_history(op, rp, n, 3, nw, rd, 4, 0.1, &bo, scratch);
    rel_equal(c.change, 0.0978276168233761, 1e-12);
    rel_equal(c.ci.lo, -0.09345589408228194, 1e-9);
    rel_equal(c.ci.hi, 0.32947251919972786, 1e-9);
    rel_equal(c.p, 0.17707708137803005, 1e-9);
    /* The same new run against the saved runs' within-run spread alone
     * (one saved run: st_compare_rounds) would call +10% clear. */
    st_change one =
        st_compare_rounds(o[0], rd, 4, nw, rd, 4, 0.1, &bo, scratch);
    assert_true(one.p < 0.001 && c.p > 0.1);
    /* Fewer than 3 saved runs (ST_HISTORY_MIN_RUNS): no estimate; two
     * would give the run-to-run variance one degree of freedom. */
    for (size_t runs = 1; runs < ST_HISTORY_MIN_RUNS; runs++) {
        st_change none =
            st_compare_history(op, rp, n, runs, nw, rd, 4, 0.1, &bo, scratch);
        assert_true(isnan(none.change) && none.p == 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_scipy),
        cmocka_unit_test(test_rounds_scipy),
        cmocka_unit_test(test_rounds_floor_q10),
        cmocka_unit_test(test_rounds_degenerate),
        cmocka_unit_test(test_rounds_calibration),
        cmocka_unit_test(test_rounds_large_suite),
        cmocka_unit_test(test_history_scipy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
