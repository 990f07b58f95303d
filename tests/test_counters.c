/* Counters: the backend-independent logic against the fake backend, the
 * PAPI backend as it behaves on this machine, and disturbance signals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "fake_counters.h"
#include "run.h"

static counters *open_ok(const counter_backend *be, const char *spec,
                         mb_run *run)
{
    counters *c = NULL;
    char err[256] = "";
    assert_int_equal(counters_open(be, spec, run, &c, err, sizeof err), MB_OK);
    assert_string_equal(err, "");
    assert_non_null(c);
    return c;
}

static void default_set_prefers_l3(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    fake_counters_add(&f, "PAPI_L3_TCM", 50);
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), NULL, run);
    assert_int_equal(counters_n(c), 5);
    assert_string_equal(counters_name(c, 0), "PAPI_TOT_INS");
    assert_string_equal(counters_name(c, 1), "PAPI_TOT_CYC");
    assert_string_equal(counters_name(c, 2), "PAPI_L1_DCM");
    assert_string_equal(counters_name(c, 3), "PAPI_L3_TCM");
    assert_string_equal(counters_name(c, 4), "PAPI_BR_MSP");
    assert_null(counters_name(c, 5));
    assert_int_equal(run->nwarnings, 0);
    counters_free(c);
    assert_int_equal(f.live_sets, 0);
    run_free(run);
}

static void default_set_falls_back_to_l2(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    fake_counters_add(&f, "PAPI_L3_TCM", 50)->uncountable = true;
    fake_counters_find(&f, "PAPI_L1_DCM")->uncountable = true;
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), "", run);
    assert_int_equal(counters_n(c), 4);
    assert_string_equal(counters_name(c, 2), "PAPI_L2_TCM");
    assert_string_equal(counters_name(c, 3), "PAPI_BR_MSP");
    /* A default the machine lacks is no problem worth a warning. */
    assert_int_equal(run->nwarnings, 0);
    counters_free(c);
    run_free(run);
}

static void default_set_with_conflict_is_split(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    fake_counters_conflict(&f, "PAPI_TOT_CYC", "PAPI_BR_MSP");
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), NULL, run);
    assert_int_equal(counters_n(c), 4);
    assert_string_equal(counters_name(c, 3), "PAPI_L2_TCM");
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(
        run->warnings[0],
        "counter PAPI_BR_MSP dropped: cannot be counted together with "
        "PAPI_TOT_INS,PAPI_TOT_CYC,PAPI_L1_DCM,PAPI_L2_TCM "
        "(FAKE: PAPI_BR_MSP conflicts with PAPI_TOT_CYC)");
    counters_free(c);
    run_free(run);
}

static void unknown_event_is_an_error(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    mb_run *run = run_create();
    counters *c = (counters *)1;
    char err[256];
    assert_int_equal(counters_open(fake_counters_backend(&f),
                                   "PAPI_TOT_INS,NO_SUCH_EVENT", run, &c, err,
                                   sizeof err),
                     MB_ERR_COUNTERS);
    assert_null(c);
    assert_string_equal(err, "unknown counter 'NO_SUCH_EVENT' "
                             "(FAKE: Event does not exist)");
    assert_int_equal(f.live_sets, 0);
    run_free(run);
}

static void uncountable_is_dropped_with_warning(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    fake_counters_find(&f, "PAPI_TOT_INS")->uncountable = true;
    fake_counters_add(&f, "fake::native", 7);
    mb_run *run = run_create();
    counters *c =
        open_ok(fake_counters_backend(&f), "PAPI_TOT_INS, fake::native", run);
    assert_int_equal(counters_n(c), 1);
    assert_string_equal(counters_name(c, 0), "fake::native");
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "counter PAPI_TOT_INS dropped: cannot be counted here "
                        "(FAKE: component disabled (fake))");
    counters_free(c);
    run_free(run);
}

static void uncountable_ones_share_one_line(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    fake_counters_find(&f, "PAPI_TOT_INS")->uncountable = true;
    fake_counters_find(&f, "PAPI_TOT_CYC")->uncountable = true;
    mb_run *run = run_create();
    counters *c =
        open_ok(fake_counters_backend(&f), "PAPI_TOT_INS,PAPI_TOT_CYC", run);
    assert_int_equal(counters_n(c), 0);
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "counters PAPI_TOT_INS,PAPI_TOT_CYC dropped: cannot be "
                        "counted here (FAKE: component disabled (fake))");
    counters_free(c);
    run_free(run);
}

static void conflicting_pair_is_split(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    fake_counters_conflict(&f, "PAPI_L1_DCM", "PAPI_L2_TCM");
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f),
                          "PAPI_L1_DCM,PAPI_L2_TCM,PAPI_TOT_INS", run);
    assert_int_equal(counters_n(c), 2);
    assert_string_equal(counters_name(c, 0), "PAPI_L1_DCM");
    assert_string_equal(counters_name(c, 1), "PAPI_TOT_INS");
    assert_int_equal(run->nwarnings, 1);
    assert_non_null(strstr(run->warnings[0],
                           "counter PAPI_L2_TCM dropped: cannot be counted "
                           "together with PAPI_L1_DCM"));
    /* What is kept still counts. */
    fake_counters_find(&f, "PAPI_TOT_INS")->work = 1000;
    double v[2];
    counters_start(c);
    counters_stop(c, v);
    assert_true(v[0] == 0);
    assert_true(v[1] == 1000);
    counters_free(c);
    assert_int_equal(f.live_sets, 0);
    run_free(run);
}

static void too_many_for_the_pmu_is_split(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    f.max_events = 2;
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), NULL, run);
    assert_int_equal(counters_n(c), 2);
    assert_string_equal(counters_name(c, 0), "PAPI_TOT_INS");
    assert_string_equal(counters_name(c, 1), "PAPI_TOT_CYC");
    assert_int_equal(run->nwarnings, 3);
    assert_non_null(strstr(run->warnings[0], "PAPI_L1_DCM dropped"));
    assert_non_null(strstr(run->warnings[0], "FAKE: only 2 counters"));
    counters_free(c);
    run_free(run);
}

static void values_have_empty_cost_removed(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    mb_run *run = run_create();
    counters *c =
        open_ok(fake_counters_backend(&f), "PAPI_TOT_INS,PAPI_TOT_CYC", run);
    assert_int_equal(counters_n(c), 2);

    double v[2] = {-1, -1};
    counters_start(c);
    counters_stop(c, v);
    assert_true(v[0] == 0 && v[1] == 0);

    fake_counters_find(&f, "PAPI_TOT_INS")->work = 5000;
    counters_start(c);
    for (int i = 0; i < 1000; i++)
        fake_counters_tick(&f, "PAPI_TOT_CYC", 3);
    counters_stop(c, v);
    assert_true(v[0] == 5000);
    assert_true(v[1] == 3000);
    assert_int_equal(counters_failures(c), 0);
    counters_free(c);
    run_free(run);
}

static void between(void *arg)
{
    fake_counters_tick(arg, "PAPI_TOT_INS", 40);
}

static void calibrate_removes_what_harness_adds(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    counters *c = open_ok(fake_counters_backend(&f), "PAPI_TOT_INS", NULL);
    counters_calibrate(c, between, &f);
    /* What the harness adds (between) is removed with the empty cost. */
    double v;
    counters_start(c);
    between(&f);
    counters_stop(c, &v);
    assert_true(v == 0);
    counters_start(c);
    between(&f);
    fake_counters_tick(&f, "PAPI_TOT_INS", 12);
    counters_stop(c, &v);
    assert_true(v == 12);
    counters_free(c);
}

static void zero_events_path(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup(&f); /* a machine with nothing to count */
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), NULL, run);
    assert_int_equal(counters_n(c), 0);
    assert_null(counters_name(c, 0));
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "no hardware counters here (FAKE: Event does not "
                        "exist)");
    int starts = f.start_calls;
    counters_start(c);
    counters_stop(c, NULL);
    counters_calibrate(c, between, &f);
    assert_int_equal(f.start_calls, starts);
    counters_free(c);
    /* NULL is an empty set too. */
    assert_int_equal(counters_n(NULL), 0);
    counters_start(NULL);
    counters_stop(NULL, NULL);
    counters_free(NULL);
    run_free(run);
}

static void failing_init_is_one_warning(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    f.fail_init = true;
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), "PAPI_TOT_INS", run);
    assert_int_equal(counters_n(c), 0);
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "no hardware counters here (FAKE: no PMU (fake))");
    assert_int_equal(f.open_calls, 0);
    counters_free(c);
    run_free(run);
}

static void failing_start_gives_nan(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    counters *c = open_ok(fake_counters_backend(&f), "PAPI_TOT_CYC", NULL);
    f.fail_start = true;
    double v = 0;
    counters_start(c);
    counters_stop(c, &v);
    assert_true(isnan(v));
    assert_int_equal(counters_failures(c), 1);
    f.fail_start = false;
    counters_start(c);
    counters_stop(c, &v);
    assert_true(v == 0);
    counters_free(c);
}

static void failing_start_at_open_means_none(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    f.fail_start = true;
    mb_run *run = run_create();
    counters *c = open_ok(fake_counters_backend(&f), NULL, run);
    assert_int_equal(counters_n(c), 0);
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "no hardware counters here (fake: start or stop "
                        "failed: FAKE: start failed)");
    assert_int_equal(f.live_sets, 0);
    counters_free(c);
    run_free(run);
}

static void spec_parsing(void **state)
{
    (void)state;
    fake_counters f;
    fake_counters_setup_defaults(&f);
    counters *c = open_ok(fake_counters_backend(&f),
                          " PAPI_TOT_CYC ,PAPI_TOT_INS,PAPI_TOT_CYC\t", NULL);
    assert_int_equal(counters_n(c), 2);
    assert_string_equal(counters_name(c, 0), "PAPI_TOT_CYC");
    assert_string_equal(counters_name(c, 1), "PAPI_TOT_INS");
    counters_free(c);

    char err[256];
    assert_int_equal(counters_open(fake_counters_backend(&f), "PAPI_TOT_INS,,",
                                   NULL, &c, err, sizeof err),
                     MB_ERR_USAGE);
    assert_null(c);
    assert_string_equal(err, "empty counter name in 'PAPI_TOT_INS,,'");
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(counters_open(fake_counters_backend(&f), big, NULL, &c,
                                   err, sizeof err),
                     MB_ERR_USAGE);
    assert_non_null(strstr(err, "counter name too long"));
}

/* Runs f with stdout and stderr captured; returns how many bytes it wrote. */
static long silent(void (*fn)(void *), void *arg)
{
    fflush(stdout);
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int o = dup(1), e = dup(2);
    dup2(fileno(tmp), 1);
    dup2(fileno(tmp), 2);
    fn(arg);
    fflush(stdout);
    fflush(stderr);
    dup2(o, 1);
    dup2(e, 2);
    close(o);
    close(e);
    long n = ftell(tmp);
    fseek(tmp, 0, SEEK_END);
    n = ftell(tmp);
    fclose(tmp);
    return n;
}

typedef struct papi_case {
    const char *spec;
    mb_status st;
    counters *c;
    mb_run *run;
    char err[256];
} papi_case;

static void papi_open(void *arg)
{
    papi_case *p = arg;
    p->st = counters_open(counters_papi(), p->spec, p->run, &p->c, p->err,
                          sizeof p->err);
    if (p->c) {
        double v[32];
        counters_start(p->c);
        counters_stop(p->c, v);
    }
}

static void papi_default_set(void **state)
{
    (void)state;
    papi_case p = {.spec = NULL, .run = run_create()};
    assert_int_equal(silent(papi_open, &p), 0);
    assert_int_equal(p.st, MB_OK);
    assert_non_null(p.c);
    if (counters_n(p.c) == 0) { /* this VM: no PMU */
        assert_int_equal(p.run->nwarnings, 1);
        assert_non_null(
            strstr(p.run->warnings[0], "no hardware counters here (PAPI: "));
    } else { /* a machine with counters */
        assert_string_equal(counters_name(p.c, 0), "PAPI_TOT_INS");
        assert_int_equal(p.run->nwarnings, 0);
    }
    counters_free(p.c);
    /* Opening again neither re-initialises PAPI badly nor warns twice. */
    papi_case q = {.spec = "", .run = p.run};
    assert_int_equal(silent(papi_open, &q), 0);
    assert_int_equal(q.st, MB_OK);
    assert_true(p.run->nwarnings <= 1);
    counters_free(q.c);
    run_free(p.run);
}

static void papi_unknown_event(void **state)
{
    (void)state;
    papi_case p = {.spec = "NO_SUCH_EVENT", .run = run_create()};
    assert_int_equal(silent(papi_open, &p), 0);
    assert_int_equal(p.st, MB_ERR_COUNTERS);
    assert_null(p.c);
    assert_string_equal(p.err, "unknown counter 'NO_SUCH_EVENT' "
                               "(PAPI: Event does not exist)");
    p.spec = "perf::NO_SUCH_EVENT";
    assert_int_equal(silent(papi_open, &p), 0);
    assert_int_equal(p.st, MB_ERR_COUNTERS);
    run_free(p.run);
}

static void papi_uncountable_is_a_warning(void **state)
{
    (void)state;
    papi_case p = {.spec = "PAPI_TOT_INS", .run = run_create()};
    assert_int_equal(silent(papi_open, &p), 0);
    assert_int_equal(p.st, MB_OK);
    assert_non_null(p.c);
    if (counters_n(p.c) == 0) {
        assert_int_equal(p.run->nwarnings, 1);
        assert_non_null(strstr(p.run->warnings[0],
                               "counter PAPI_TOT_INS dropped: cannot be "
                               "counted here (PAPI: "));
    } else {
        assert_string_equal(counters_name(p.c, 0), "PAPI_TOT_INS");
    }
    counters_free(p.c);
    run_free(p.run);
}

static void disturb_sees_a_switch(void **state)
{
    (void)state;
    disturb d = {.fd = disturb_open(NULL)};
    disturb_begin(&d);
    assert_true(d.nvcsw >= 0 && d.nivcsw >= 0 && d.minflt >= 0);
    assert_true(d.cpu >= 0);
    usleep(2000); /* sleeping is a voluntary context switch */
    assert_int_equal(disturb_end(&d), SAMPLE_DISTURBED);

    /* Back to back there is (almost always) nothing; retry a few times so
     * that a chance preemption does not fail the test. */
    int quiet = 0;
    for (int i = 0; i < 20 && !quiet; i++) {
        disturb_begin(&d);
        quiet = disturb_end(&d) == 0;
    }
    assert_true(quiet);

    d.cpu = d.cpu + 1000; /* as if it had run elsewhere */
    assert_int_equal(disturb_end(&d), SAMPLE_DISTURBED);
    if (d.fd >= 0)
        close(d.fd);
}

/* Run delay from a fake schedstat: the second field's growth over a
 * sample is the time it waited, and any wait marks it disturbed. */
static void disturb_run_delay_from_schedstat(void **state)
{
    (void)state;
    char path[] = "/tmp/mb_schedstat_XXXXXX";
    int w = mkstemp(path);
    assert_true(w >= 0);
    assert_int_equal(pwrite(w, "5000 1200 3\n", 12, 0), 12);
    disturb d = {.fd = disturb_open(path)};
    assert_true(d.fd >= 0);
    assert_int_equal(disturb_run_delay(d.fd), 1200);
    int quiet = 0;
    for (int i = 0; i < 20 && !quiet; i++) { /* no real switch by chance */
        disturb_begin(&d);
        quiet = disturb_end(&d) == 0;
    }
    assert_true(quiet);
    assert_int_equal(d.waited_ns, 0);
    disturb_begin(&d);
    assert_int_equal(d.delay_ns, 1200);
    assert_int_equal(pwrite(w, "9000 4700 4\n", 12, 0), 12);
    assert_int_equal(disturb_end(&d), SAMPLE_DISTURBED);
    assert_int_equal(d.waited_ns, 3500);
    close(d.fd);
    /* No schedstat (an old kernel): no run delay, nothing flagged by it. */
    unlink(path);
    d.fd = disturb_open(path);
    assert_int_equal(d.fd, -1);
    assert_int_equal(disturb_run_delay(d.fd), -1);
    close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_set_prefers_l3),
        cmocka_unit_test(default_set_falls_back_to_l2),
        cmocka_unit_test(default_set_with_conflict_is_split),
        cmocka_unit_test(unknown_event_is_an_error),
        cmocka_unit_test(uncountable_is_dropped_with_warning),
        cmocka_unit_test(uncountable_ones_share_one_line),
        cmocka_unit_test(conflicting_pair_is_split),
        cmocka_unit_test(too_many_for_the_pmu_is_split),
        cmocka_unit_test(values_have_empty_cost_removed),
        cmocka_unit_test(calibrate_removes_what_harness_adds),
        cmocka_unit_test(zero_events_path),
        cmocka_unit_test(failing_init_is_one_warning),
        cmocka_unit_test(failing_start_gives_nan),
        cmocka_unit_test(failing_start_at_open_means_none),
        cmocka_unit_test(spec_parsing),
        cmocka_unit_test(papi_default_set),
        cmocka_unit_test(papi_unknown_event),
        cmocka_unit_test(papi_uncountable_is_a_warning),
        cmocka_unit_test(disturb_sees_a_switch),
        cmocka_unit_test(disturb_run_delay_from_schedstat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
