/* Unit tests of core/gbench.c and what core/compare.c does with what it
 * imports: aggregates-only files compared on their aggregates (checked
 * against scipy), one-row files not tested at all. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/compare.h"
#include "../core/json.h"

/* A Google Benchmark document of aggregates only for BM_x: mean and
 * stddev in ns over reps repetitions (median = mean). */
static mb_run *aggregates(double mean, double sd, int reps)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"context\": {\"num_cpus\": 2}, \"benchmarks\": ["
             "{\"name\": \"BM_x_mean\", \"run_name\": \"BM_x\", \"run_type\": "
             "\"aggregate\", \"repetitions\": %d, \"aggregate_name\": "
             "\"mean\", \"aggregate_unit\": \"time\", \"iterations\": %d, "
             "\"real_time\": %.17g, \"cpu_time\": %.17g, \"time_unit\": "
             "\"ns\"},"
             "{\"name\": \"BM_x_median\", \"run_name\": \"BM_x\", "
             "\"run_type\": \"aggregate\", \"repetitions\": %d, "
             "\"aggregate_name\": \"median\", \"iterations\": %d, "
             "\"real_time\": %.17g, \"cpu_time\": %.17g, \"time_unit\": "
             "\"ns\"},"
             "{\"name\": \"BM_x_stddev\", \"run_name\": \"BM_x\", "
             "\"run_type\": \"aggregate\", \"repetitions\": %d, "
             "\"aggregate_name\": \"stddev\", \"iterations\": %d, "
             "\"real_time\": %.17g, \"cpu_time\": %.17g, \"time_unit\": "
             "\"ns\"},"
             "{\"name\": \"BM_x_cv\", \"run_name\": \"BM_x\", \"run_type\": "
             "\"aggregate\", \"repetitions\": %d, \"aggregate_name\": \"cv\", "
             "\"aggregate_unit\": \"percentage\", \"iterations\": %d, "
             "\"real_time\": %.17g, \"cpu_time\": %.17g, \"time_unit\": "
             "\"ns\"}]}",
             reps, reps, mean, mean / 2, reps, reps, mean, mean / 2, reps, reps,
             sd, sd / 2, reps, reps, sd / mean, sd / mean);
    mb_run *run = NULL;
    char err[256];
    if (json_load_run(text, strlen(text), "agg.json", &run, err, sizeof err) !=
        MB_OK)
        fail_msg("%s", err);
    run_summarize(run);
    return run;
}

static void test_aggregates_import(void **state)
{
    (void)state;
    mb_run *run = aggregates(100, 10, 5);
    assert_int_equal(run->nresults, 1);
    mb_result *r = &run->results[0];
    assert_string_equal(r->name, "BM_x");
    assert_int_equal(r->n, 0);
    assert_int_equal(r->agg.repetitions, 5);
    assert_true(r->agg.mean == 100 && r->agg.median == 100 &&
                r->agg.stddev == 10);
    assert_true(r->agg.cpu_mean == 50 && r->agg.cpu_stddev == 5);
    /* The summary says what the aggregates say, no interval. */
    assert_true(r->time.median == 100 && r->time.n == 5);
    assert_true(isnan(r->time.median_ci.lo));
    run_free(run);
}

static void test_aggregates_compared(void **state)
{
    (void)state;
    mb_run *old = aggregates(100, 10, 5), *now = aggregates(130, 20, 7);
    cmp_opts o = {.alpha = 0.05, .threshold = 0.03, .old_name = "old"};
    cmp_result *c = cmp_runs(old, now, &o);
    assert_non_null(c);
    assert_int_equal(c->n, 1);
    cmp_row *r = &c->rows[0];
    assert_int_equal(r->verdict, CMP_SLOWER);
    assert_int_equal(c->compared, 1);
    assert_int_equal(c->on_aggregates, 1);
    assert_float_equal(r->change.change, 0.3, 1e-12);
    /* scipy 1.10: stats.ttest_ind_from_stats(log(100), 10 / 100, 5,
     * log(130), 20 / 130, 7, equal_var=False).pvalue; the interval
     * expm1(log(1.3) -+ t.ppf(0.975, df) * se), se^2 = 0.1^2 / 5 +
     * (20 / 130)^2 / 7, df = 9.96665138332546 (Welch-Satterthwaite). */
    assert_float_equal(r->change.p, 0.005067195873441505, 1e-9);
    assert_float_equal(r->change.ci.lo, 0.10389049385138618, 1e-9);
    assert_float_equal(r->change.ci.hi, 0.5309489568152039, 1e-9);
    /* The columns show what the change is of: the means. */
    assert_true(r->old_value == 100 && r->new_value == 130);
    char msg[512];
    assert_int_equal(cmp_gate(c, true, false, "old", msg, sizeof msg), 1);
    cmp_free(c);
    /* The same file against itself: unchanged or inconclusive, never a
     * slowdown. */
    c = cmp_runs(old, old, &o);
    assert_true(c->rows[0].verdict != CMP_SLOWER);
    assert_int_equal(cmp_gate(c, true, false, "old", msg, sizeof msg), 0);
    cmp_free(c);
    run_free(old);
    run_free(now);
}

/* One row per benchmark: no test, and a gate does not pass. */
static mb_run *single(double t)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_100xSlower\", "
             "\"run_type\": \"iteration\", \"repetitions\": 1, "
             "\"iterations\": 1000, \"real_time\": %.17g, \"cpu_time\": "
             "%.17g, \"time_unit\": \"ns\"}]}",
             t, t);
    mb_run *run = NULL;
    char err[256];
    if (json_load_run(text, strlen(text), "one.json", &run, err, sizeof err) !=
        MB_OK)
        fail_msg("%s", err);
    run_summarize(run);
    return run;
}

static void test_single_rows_untested(void **state)
{
    (void)state;
    mb_run *old = single(10), *now = single(1000);
    cmp_opts o = {.alpha = 0.05, .threshold = 0.03, .old_name = "old"};
    cmp_result *c = cmp_runs(old, now, &o);
    cmp_row *r = &c->rows[0];
    assert_int_equal(c->untested, 1);
    assert_int_equal(c->compared, 0);
    assert_int_equal(r->verdict, CMP_INCONCLUSIVE);
    assert_float_equal(r->change.change, 99, 1e-12);
    assert_true(isnan(r->change.ci.lo) && isnan(r->change.p));
    char msg[512];
    assert_int_equal(cmp_gate(c, true, false, "old", msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "1 benchmark cannot be tested against old"));
    assert_non_null(strstr(msg, "BM_100xSlower (+9900.0%)"));
    assert_null(strchr(msg, '\n'));
    /* Without a gate it is not a failure, only said. */
    assert_int_equal(cmp_gate(c, false, false, "old", msg, sizeof msg), 0);
    /* No CPU name on either side: unknown, not different. */
    assert_non_null(strstr(c->old_label, "unknown CPU"));
    cmp_free(c);
    run_free(old);
    run_free(now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregates_import),
        cmocka_unit_test(test_aggregates_compared),
        cmocka_unit_test(test_single_rows_untested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
