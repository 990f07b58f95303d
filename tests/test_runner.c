/* The runner's worker protocol, rounds in forks of this process (no exec),
 * against the fake counter backend: counter names of the longest allowed
 * kind all arrive; a signal to the parent reaches the worker; the default
 * set is found empty once per run, not once per benchmark and round. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_counters.h"
#include "proc.h"
#include "run_warnings.h"
#include "runner.h"

static uint64_t ticks;
static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return ticks += 1000;
}

static void body(mb_state *state)
{
    MB_LOOP(state)
    {
        mb_clobber_memory();
    }
}

static mb_bench bench_def = {.fn = body, .name = "plain"};

static runner_cfg quick_cfg(const counter_backend *be, const char *spec)
{
    runner_cfg cfg = {
        .h =
            {
                .now = fake_now,
                .ns_per_tick = 1,
                .resolution_ns = 1,
                .min_time_ns = 1e6,
                .max_warmup_ns = 1e5,
                .samples = 5,
                .samples_fixed = true,
                .rounds = 2,
            },
        .counters_spec = spec,
        .backend = be,
        .timeout_s = 30,
    };
    return cfg;
}

static instance plain_inst(void)
{
    instance in = {.bench = &bench_def, .threads = 1};
    snprintf(in.name, sizeof in.name, "plain");
    snprintf(in.family, sizeof in.family, "plain");
    return in;
}

/* 12 events of 127 characters (the most counters_open takes per name):
 * their list is 1,500 bytes, more than the 1,024 the worker once had on
 * its stack for it. */
static void long_counter_names_arrive(void **unused)
{
    (void)unused;
    enum { NEV = 12, LEN = 127 };
    static char names[NEV][LEN + 1];
    char spec[NEV * (LEN + 1) + 1] = "";
    fake_counters f;
    fake_counters_setup(&f);
    for (int k = 0; k < NEV; k++) {
        memset(names[k], 'A' + k, LEN);
        names[k][LEN] = '\0';
        assert_non_null(fake_counters_add(&f, names[k], 10));
        strcat(spec, k ? "," : "");
        strcat(spec, names[k]);
    }
    runner_cfg cfg = quick_cfg(fake_counters_backend(&f), spec);
    instance in = plain_inst();
    mb_run *run = run_create();
    char err[256] = "";
    assert_int_equal(runner_run(&cfg, &in, 1, run, err, sizeof err), MB_OK);
    assert_int_equal(run->nresults, 1);
    const mb_result *r = &run->results[0];
    assert_null(r->error);
    assert_int_equal(r->n, 5);
    assert_int_equal(r->ncounters, NEV);
    for (int k = 0; k < NEV; k++)
        assert_string_equal(r->counter_names[k], names[k]);
    run_free(run);
}

/* More rounds of a run measured before (the looks of a baseline
 * comparison): into the same results, only for the instances asked, with
 * the rounds numbered on and the memo's calibration kept. */
static void more_rounds_go_into_the_same_results(void **unused)
{
    (void)unused;
    fake_counters f;
    fake_counters_setup(&f);
    runner_cfg cfg = quick_cfg(fake_counters_backend(&f), NULL);
    instance in[2] = {plain_inst(), plain_inst()};
    snprintf(in[1].name, sizeof in[1].name, "other");
    harness_memo memo[2] = {{0}};
    cfg.memo = memo;
    mb_run *run = run_create();
    char err[256] = "";
    assert_int_equal(runner_run(&cfg, in, 2, run, err, sizeof err), MB_OK);
    assert_int_equal(run->results[0].n, 5);
    uint64_t iters = memo[0].iters;
    assert_true(iters > 0);
    bool only[2] = {true, false};
    memo[0].samples_total = 10; /* as many again for 2 more rounds */
    cfg.more = true;
    cfg.first_round = 2;
    cfg.h.rounds = 4;
    cfg.only = only;
    assert_int_equal(runner_run(&cfg, in, 2, run, err, sizeof err), MB_OK);
    assert_int_equal(run->nresults, 2);
    const mb_result *a = &run->results[0], *b = &run->results[1];
    assert_int_equal(a->n, 10);
    assert_int_equal(b->n, 5);
    int per[4] = {0};
    for (size_t i = 0; i < a->n; i++) {
        assert_true(a->round[i] < 4);
        per[a->round[i]]++;
        assert_true(a->iters[i] == (double)iters);
    }
    assert_true(per[2] > 0 && per[3] > 0 && per[0] + per[1] == 5);
    for (size_t i = 0; i < b->n; i++)
        assert_true(b->round[i] < 2);
    run_free(run);
}

/* A fake whose observations the forked workers and their children
 * share with the test. */
static fake_counters *shared_fake(void)
{
    fake_counters *f = mmap(NULL, sizeof *f, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(f != MAP_FAILED);
    fake_counters_setup(f);
    return f;
}

static mb_bench own_def = {.fn = body, .name = "own", .counters = "OWN_EV"};

/* No default event exists: the backend starts once for the whole run (not
 * in each of the 3 x 2 benchmark processes), the reason is said once, and
 * a benchmark with counters of its own still opens them in each round. */
static void empty_default_set_is_found_once(void **unused)
{
    (void)unused;
    fake_counters *f = shared_fake();
    fake_counters_add(f, "OWN_EV", 10);
    runner_cfg cfg = quick_cfg(fake_counters_backend(f), NULL);
    instance in[4] = {plain_inst(), plain_inst(), plain_inst(), plain_inst()};
    snprintf(in[1].name, sizeof in[1].name, "second");
    snprintf(in[2].name, sizeof in[2].name, "third");
    in[3].bench = &own_def;
    snprintf(in[3].name, sizeof in[3].name, "own");
    mb_run *run = run_create();
    char err[256] = "";
    assert_int_equal(runner_run(&cfg, in, 4, run, err, sizeof err), MB_OK);
    assert_int_equal(run->nresults, 4);
    for (size_t i = 0; i < 3; i++) {
        assert_null(run->results[i].error);
        assert_int_equal(run->results[i].n, 5);
        assert_int_equal(run->results[i].ncounters, 0);
    }
    assert_int_equal(run->results[3].ncounters, 1);
    assert_string_equal(run->results[3].counter_names[0], "OWN_EV");
    /* The probe, then "own" in each of its 2 rounds. */
    assert_int_equal(f->init_calls, 1 + 2);
    assert_int_equal(f->live_sets, 0);
    assert_int_equal(warnings_with(run, "no hardware counters here (FAKE: "
                                        "Event does not exist)"),
                     1);
    run_free(run);
    munmap(f, sizeof *f);
}

/* The default set yields counters: every benchmark's process opens its
 * own set, as without the probe, and nothing is said about counters. */
static void default_set_with_counters_opens_per_benchmark(void **unused)
{
    (void)unused;
    fake_counters *f = shared_fake();
    fake_counters_setup_defaults(f);
    runner_cfg cfg = quick_cfg(fake_counters_backend(f), NULL);
    instance in[3] = {plain_inst(), plain_inst(), plain_inst()};
    snprintf(in[1].name, sizeof in[1].name, "second");
    snprintf(in[2].name, sizeof in[2].name, "third");
    mb_run *run = run_create();
    char err[256] = "";
    assert_int_equal(runner_run(&cfg, in, 3, run, err, sizeof err), MB_OK);
    for (size_t i = 0; i < 3; i++) {
        const mb_result *r = &run->results[i];
        assert_null(r->error);
        assert_int_equal(r->n, 5);
        assert_int_equal(r->ncounters, 5);
        assert_string_equal(r->counter_names[0], "PAPI_TOT_INS");
        for (size_t k = 0; k < r->n * r->ncounters; k++)
            assert_false(isnan(r->counters[k]));
    }
    assert_true(f->init_calls >= 3 * 2);
    assert_int_equal(f->live_sets, 0);
    assert_int_equal(warnings_with(run, "counter"), 0);
    run_free(run);
    munmap(f, sizeof *f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_counter_names_arrive),
        cmocka_unit_test(more_rounds_go_into_the_same_results),
        cmocka_unit_test(empty_default_set_is_found_once),
        cmocka_unit_test(default_set_with_counters_opens_per_benchmark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
