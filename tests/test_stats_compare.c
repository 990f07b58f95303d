/* Unit tests of stats/compare.c and stats/adjust.c: change and interval
 * against scipy.stats.bootstrap, Holm/BH against statsmodels, the verdict
 * rule, false-positive rate and power by simulation, degenerate input.
 * References: tests/ref/gen_stats_ref.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "stats.h"

static const double OLD[] = {10.1, 10.4, 9.9,  10.0,  10.7,  10.2,
                             9.8,  10.3, 12.5, 10.05, 10.15, 9.95};
static const double NEW[] = {10.6, 10.9,  10.4, 11.2,  10.5,  10.55, 10.8,
                             13.1, 10.45, 10.7, 10.35, 10.65, 10.95, 10.5};
#define NO (sizeof OLD / sizeof *OLD)
#define NN (sizeof NEW / sizeof *NEW)

/* Enough for st_compare(a, b) and for st_compare_paired(a). */
static double *scratch_for(size_t a, size_t b, const st_boot_opts *o)
{
    size_t n = st_compare_scratch_size(a, b, o),
           np_ = st_compare_paired_scratch_size(a, o);
    double *s = malloc((n > np_ ? n : np_) * sizeof *s);
    assert_non_null(s);
    return s;
}

/* scipy's interval is of the log ratio; ours is reported as ratio - 1.
 * Tolerance: 3% of the width (Monte Carlo error, as in the bootstrap
 * tests). */
static void check_log_ci(st_interval ci, double lo, double hi)
{
    double tol = 0.03 * (expm1(hi) - expm1(lo));
    print_message("ci [%.6g, %.6g] vs scipy [%.6g, %.6g]\n", ci.lo, ci.hi,
                  expm1(lo), expm1(hi));
    assert_float_equal(ci.lo, expm1(lo), tol);
    assert_float_equal(ci.hi, expm1(hi), tol);
}

static void test_compare_scipy(void **state)
{
    (void)state;
    st_boot_opts o = {200000, 0.95, 2, ST_MEDIAN};
    double *s = scratch_for(NO, NN, &o);
    st_change c = st_compare(OLD, NO, NEW, NN, &o, s);
    assert_float_equal(c.change, 0.049382716049382713, 1e-12);
    check_log_ci(c.ci, 0.021609484332854909, 0.074464160937541102);
    /* scipy.stats.mannwhitneyu(NEW, OLD, method='asymptotic') (ties: 10.4
     * on both sides), U = 145. */
    assert_float_equal(c.p, 0.0018495693038800742, 1e-12);
    /* Paired: the first 12 of NEW against OLD. */
    c = st_compare_paired(OLD, NEW, NO, &o, s);
    assert_float_equal(c.change, expm1(0.048794813138795287), 1e-12);
    check_log_ci(c.ci, 0.026625476927715955, 0.082575544719290239);
    /* scipy.stats.wilcoxon(log(NEW[:12] / OLD), method='exact'). */
    assert_float_equal(c.p, 0.0341796875, 1e-15);
    /* Swapping the sides mirrors the change in the log, same p. */
    st_change d = st_compare_paired(NEW, OLD, NO, &o, s);
    assert_float_equal(log1p(d.change), -log1p(c.change), 1e-12);
    assert_float_equal(d.p, c.p, 1e-15);
    free(s);
}

/* The signed-rank p in the cases scipy's exact method does not cover
 * alike (see tests/ref/gen_stats_ref.py). */
static void test_signed_rank(void **state)
{
    (void)state;
    st_boot_opts o = {1000, 0.95, 1, ST_MEDIAN};
    double *s = scratch_for(12, 12, &o);
    double old[12], up[10];
    for (int i = 0; i < 12; i++)
        old[i] = 1;
    for (int i = 0; i < 10; i++)
        up[i] = 1 + 0.01 * (i + 1);
    /* Every pair agrees: 2 / 2^10, scipy.stats.wilcoxon(method='exact'). */
    st_change c = st_compare_paired(old, up, 10, &o, s);
    assert_float_equal(c.p, 0.001953125, 1e-15);
    /* Tied magnitudes (mid-ranks, across signs too) and a zero (dropped):
     * the exact sign-flip law of the signed-rank statistic,
     * scipy.stats.permutation_test over the 2^12 signs. */
    const double ties[12] = {2, 2, 0.5, 1, 4, 1.5, 0.25, 2, 3, 1.25, 8, 1.1};
    c = st_compare_paired(old, ties, 12, &o, s);
    assert_float_equal(c.p, 0.1171875, 1e-15);
    c = st_compare_paired(ties, old, 12, &o, s);
    assert_float_equal(c.p, 0.1171875, 1e-15);
    free(s);
}

/* The rank-sum p: exact for small samples without ties, the normal tail
 * with no floor for large ones (tests/ref/gen_stats_ref.py). */
static void test_rank_sum(void **state)
{
    (void)state;
    st_boot_opts o = {1000, 0.95, 1, ST_MEDIAN};
    double *s = scratch_for(100, 100, &o);
    const double a[] = {1.5, 2.25, 3.0, 0.75, 4.5};
    const double b[] = {2.0, 5.0, 6.0, 7.5, 3.5, 8.0, 2.6};
    /* scipy.stats.mannwhitneyu(b, a, method='exact'): U 29 */
    st_change c = st_compare(a, 5, b, 7, &o, s);
    assert_float_equal(c.p, 0.07323232323232323, 1e-12);
    c = st_compare(b, 7, a, 5, &o, s);
    assert_float_equal(c.p, 0.07323232323232323, 1e-12);
    /* 100 against 100 twice as slow: mannwhitneyu(2x, x, 'asymptotic')
     * 3.66e-28, far below any resampling p-value's 1 / (1 + B). */
    double x[100], y[100];
    for (int i = 0; i < 100; i++) {
        x[i] = exp(i / 99.0);
        y[i] = 2 * x[i];
    }
    c = st_compare(x, 100, y, 100, &o, s);
    assert_float_equal(c.p, 3.6635330721969004e-28, 1e-9 * 3.66e-28);
    free(s);
}

static const double P[] = {0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9, 0.0001};
#define NP (sizeof P / sizeof *P)

static void test_adjust_statsmodels(void **state)
{
    (void)state;
    /* statsmodels.stats.multitest.multipletests(P, method=...)[1] */
    const double holm[] = {0.06, 0.16, 0.15, 0.035, 0.4, 0.16, 0.9, 0.0008};
    double adj[NP], scratch[2 * NP];
    st_holm(P, NP, adj, scratch);
    for (size_t i = 0; i < NP; i++)
        assert_float_equal(adj[i], holm[i], 1e-12);
    /* In place, and capped at 1. */
    double q[] = {0.5, 0.6, NAN};
    st_holm(q, 3, q, scratch);
    assert_float_equal(q[0], 1, 0);
    assert_float_equal(q[1], 1, 0);
    assert_float_equal(q[2], 1, 0);
    double one[] = {0.03};
    st_holm(one, 1, one, scratch);
    assert_float_equal(one[0], 0.03, 0);
    st_holm(P, 0, adj, scratch); /* m = 0: nothing to do, no crash */
}

/* Adjusted p-values are monotone in p on a large random input (exercises
 * the sort past its first gaps). */
static void test_adjust_monotone(void **state)
{
    (void)state;
    enum { M = 3000 };
    double *p = malloc(M * sizeof *p), *h = malloc(M * sizeof *h),
           *s = malloc(2 * M * sizeof *s);
    st_rng r;
    st_rng_seed(&r, 4);
    for (int i = 0; i < M; i++)
        p[i] = st_rng_uniform(&r) * st_rng_uniform(&r);
    st_holm(p, M, h, s);
    for (int i = 0; i < M; i++)
        for (int j = i + 1; j < i + 40 && j < M; j++)
            if (p[i] < p[j]) {
                assert_true(h[i] <= h[j]);
            }
    for (int i = 0; i < M; i++) {
        assert_true(h[i] >= p[i] && h[i] <= 1);
    }
    free(p);
    free(h);
    free(s);
}

/* The three verdicts on constructed changes and intervals: significant
 * and beyond the threshold is slower/faster, an interval inside
 * +-threshold unchanged, one that reaches past it inconclusive. */
static void test_decide(void **state)
{
    (void)state;
    st_change up = {.change = 0.10, .ci = {0.05, 0.15}, .p = 0.001};
    st_change down = {.change = -0.10, .ci = {-0.15, -0.05}, .p = 0.001};
    st_change wide = {.change = 0.10, .ci = {-0.01, 0.2}, .p = 0.001};
    st_change inside = {.change = 0.005, .ci = {-0.02, 0.025}, .p = 0.6};
    st_change straddle = {.change = 0.01, .ci = {-0.02, 0.045}, .p = 0.4};
    st_change small = {
        .change = 0.01, .ci = {0.005, 0.015}, .p = 0.001}; /* real, tiny */
    st_change nan = {.change = NAN, .ci = {NAN, NAN}, .p = 1};
    assert_int_equal(st_decide(&up, 0.01, 0.05, 0.02), ST_SLOWER);
    assert_int_equal(st_decide(&down, 0.01, 0.05, 0.02), ST_FASTER);
    assert_int_equal(st_decide(&up, 0.05, 0.05, 0.10), ST_SLOWER);
    /* Not significant after adjustment, interval past the threshold. */
    assert_int_equal(st_decide(&up, 0.051, 0.05, 0.02), ST_INCONCLUSIVE);
    /* Significant but the change below the threshold: the interval
     * reaches past it (inconclusive) or lies within it (unchanged). */
    assert_int_equal(st_decide(&up, 0.01, 0.05, 0.11), ST_INCONCLUSIVE);
    assert_int_equal(st_decide(&down, 0.01, 0.05, 0.11), ST_INCONCLUSIVE);
    assert_int_equal(st_decide(&up, 0.01, 0.05, 0.16), ST_UNCHANGED);
    assert_int_equal(st_decide(&small, 0.001, 0.05, 0.03), ST_UNCHANGED);
    assert_int_equal(st_decide(&wide, 0.01, 0.05, 0.02), ST_INCONCLUSIVE);
    assert_int_equal(st_decide(&inside, 0.6, 0.05, 0.03), ST_UNCHANGED);
    assert_int_equal(st_decide(&straddle, 0.4, 0.05, 0.03), ST_INCONCLUSIVE);
    assert_int_equal(st_decide(&straddle, 0.4, 0.05, 0.05), ST_UNCHANGED);
    assert_int_equal(st_decide(&nan, 0.01, 0.05, 0.02), ST_INCONCLUSIVE);
    /* A NaN p is no evidence: the interval alone decides. */
    assert_int_equal(st_decide(&up, NAN, 0.05, 0.02), ST_INCONCLUSIVE);
    assert_int_equal(st_decide(&inside, NAN, 0.05, 0.03), ST_UNCHANGED);
    assert_string_equal(st_verdict_name(ST_SLOWER), "slower");
    assert_string_equal(st_verdict_name(ST_FASTER), "faster");
    assert_string_equal(st_verdict_name(ST_UNCHANGED), "unchanged");
    assert_string_equal(st_verdict_name(ST_INCONCLUSIVE), "inconclusive");
}

/* Levels that agree with Holm: the two smallest p are rejected (0.001 <=
 * 0.05/5, 0.004 <= 0.05/4), the third is not (0.03 > 0.05/3), so the
 * rejected get 1 - 0.05/5 and 1 - 0.05/4 and the rest 1 - 0.05/3. */
static void test_holm_levels(void **state)
{
    (void)state;
    const double p[] = {0.5, 0.004, 0.03, 0.001, NAN};
    double lv[5], s[10], adj[5];
    st_holm_levels(p, 5, 0.05, lv, s);
    assert_float_equal(lv[3], 1 - 0.05 / 5, 1e-15);
    assert_float_equal(lv[1], 1 - 0.05 / 4, 1e-15);
    assert_float_equal(lv[2], 1 - 0.05 / 3, 1e-15);
    assert_float_equal(lv[0], 1 - 0.05 / 3, 1e-15);
    assert_float_equal(lv[4], 1 - 0.05 / 3, 1e-15);
    /* Dual: p <= 1 - level exactly for those Holm rejects. */
    st_holm(p, 5, adj, s);
    for (int i = 0; i < 5; i++)
        assert_int_equal(adj[i] <= 0.05, p[i] <= 1 - lv[i]);
    /* One test: the plain 1 - alpha. */
    st_holm_levels(p, 1, 0.05, lv, s);
    assert_float_equal(lv[0], 0.95, 1e-15);
}

/* A benchmark's times: log-normal (10% spread) with rare spikes of 1.5-4x,
 * the shape preemption and interrupts give. */
static double noisy(st_rng *r, double scale)
{
    double u1 = 1 - st_rng_uniform(r), u2 = st_rng_uniform(r);
    double z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
    double t = scale * exp(0.1 * z);
    if (st_rng_uniform(r) < 0.03)
        t *= 1.5 + 2.5 * st_rng_uniform(r);
    return t;
}

enum { SIMS = 1000, PER_SIDE = 50, SIM_RESAMPLES = 1000 };

/* Share of SIMS comparisons with p <= 0.05 when new is `factor` times old.
 * Paired runs also share a per-round drift (the host's state) of +-30%,
 * which pairing must cancel. 1000 resamples, not 10000, to keep it fast. */
static double rejection_rate(double factor, bool paired, uint64_t seed)
{
    st_boot_opts o = {SIM_RESAMPLES, 0.95, 0, ST_MEDIAN};
    double old[PER_SIDE], new_[PER_SIDE];
    double *s = scratch_for(PER_SIDE, PER_SIDE, &o);
    st_rng r;
    st_rng_seed(&r, seed);
    int hits = 0;
    for (int k = 0; k < SIMS; k++) {
        for (int i = 0; i < PER_SIDE; i++) {
            double drift = paired ? exp(0.3 * (st_rng_uniform(&r) - 0.5)) : 1;
            old[i] = noisy(&r, 100 * drift);
            new_[i] = noisy(&r, 100 * factor * drift);
        }
        o.seed = (uint64_t)k;
        st_change c = paired ? st_compare_paired(old, new_, PER_SIDE, &o, s)
                             : st_compare(old, PER_SIDE, new_, PER_SIDE, &o, s);
        hits += c.p <= 0.05;
    }
    free(s);
    return (double)hits / SIMS;
}

/* Binomial error of a 5% rate over 1000 trials is 0.7%: 0.07 is ~3 sigma
 * above alpha. */
static void test_calibration_independent(void **state)
{
    (void)state;
    double fpr = rejection_rate(1.0, false, 1);
    double power = rejection_rate(1.1, false, 2);
    print_message("independent: A/A p<=0.05 in %.3f, +10%% in %.3f\n", fpr,
                  power);
    assert_true(fpr <= 0.07);
    assert_true(power >= 0.95);
}

static void test_calibration_paired(void **state)
{
    (void)state;
    double fpr = rejection_rate(1.0, true, 3);
    double power = rejection_rate(1.1, true, 4);
    print_message("paired: A/A p<=0.05 in %.3f, +10%% in %.3f\n", fpr, power);
    assert_true(fpr <= 0.07);
    assert_true(power >= 0.95);
}

static void test_compare_degenerate(void **state)
{
    (void)state;
    st_boot_opts o = {500, 0.95, 1, ST_MEDIAN};
    double *s = scratch_for(16, 16, &o);
    const double x[] = {5, 5, 5, 5}, y[] = {0, -1, NAN, INFINITY};
    /* No usable value on a side: NaN change, p = 1, never a verdict. */
    st_change c = st_compare(x, 4, y, 4, &o, s);
    assert_true(isnan(c.change) && isnan(c.ci.lo) && isnan(c.ci.hi));
    assert_float_equal(c.p, 1, 0);
    assert_int_equal(c.n_ignored, 4);
    assert_int_equal(st_decide(&c, c.p, 0.05, 0), ST_INCONCLUSIVE);
    c = st_compare(x, 0, x, 4, &o, s);
    assert_true(isnan(c.change));
    c = st_compare_paired(x, y, 4, &o, s);
    assert_true(isnan(c.change) && c.p == 1);
    assert_int_equal(c.n_ignored, 4);
    /* Identical constant samples: no change, p = 1. */
    for (int e = 0; e < 2; e++) {
        o.estimator = e ? ST_MEAN : ST_MEDIAN;
        c = st_compare(x, 4, x, 4, &o, s);
        assert_float_equal(c.change, 0, 0);
        assert_float_equal(c.ci.lo, 0, 0);
        assert_float_equal(c.p, 1, 0);
        c = st_compare_paired(x, x, 4, &o, s);
        assert_float_equal(c.change, 0, 0);
        assert_float_equal(c.p, 1, 0);
    }
    o.estimator = ST_MEDIAN;
    /* One value a side: a change, but no evidence for it. */
    const double one[] = {10}, two[] = {12};
    c = st_compare(one, 1, two, 1, &o, s);
    assert_float_equal(c.change, 0.2, 1e-12);
    assert_float_equal(c.ci.lo, 0.2, 1e-12);
    assert_float_equal(c.ci.hi, 0.2, 1e-12);
    assert_float_equal(c.p, 1, 0);
    c = st_compare_paired(one, two, 1, &o, s);
    assert_float_equal(c.change, 0.2, 1e-12);
    assert_float_equal(c.p, 1, 0);
    /* Constant but different samples: an exact shift. Of the 70 splits
     * of the pooled values only the 2 that separate them are as extreme
     * for the mean (the median ties in many more). */
    const double z[] = {6, 6, 6, 6};
    o.estimator = ST_MEAN;
    c = st_compare(x, 4, z, 4, &o, s);
    o.estimator = ST_MEDIAN;
    assert_float_equal(c.change, 0.2, 1e-12);
    assert_float_equal(c.ci.lo, 0.2, 1e-12);
    assert_true(c.p < 0.05);
    /* Ignored values are counted, the rest compared. */
    const double xa[] = {5, 5.1, 4.9, 0, 5}, xb[] = {5, 5.1, 4.9, 5, NAN};
    c = st_compare(xa, 5, xb, 5, &o, s);
    assert_int_equal(c.n_ignored, 2);
    assert_float_equal(c.change, 0, 1e-12);
    assert_true(c.p > 0.5);
    c = st_compare_paired(xa, xb, 5, &o, s);
    assert_int_equal(c.n_ignored, 2);
    assert_float_equal(c.change, 0, 1e-12);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_scipy),
        cmocka_unit_test(test_signed_rank),
        cmocka_unit_test(test_rank_sum),
        cmocka_unit_test(test_adjust_statsmodels),
        cmocka_unit_test(test_adjust_monotone),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_holm_levels),
        cmocka_unit_test(test_calibration_independent),
        cmocka_unit_test(test_calibration_paired),
        cmocka_unit_test(test_compare_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
