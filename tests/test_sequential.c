/* Measuring until decided (core/sequential.c, stats/sequential.c): the
 * spending functions against reference values, the look schedule, frozen
 * verdicts, and a seeded A/A simulation: with looks added while the
 * comparison is inconclusive, the chance that any benchmark of a suite
 * comes out slower or faster stays at or below alpha. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "run.h"
#include "run_warnings.h"
#include "sequential.h"

static void close_to(double a, double b, double tol)
{
    if (!(fabs(a - b) <= tol))
        fail_msg("%.17g is not within %g of %.17g", a, tol, b);
}

/* References: /usr/bin/python3, scipy 1.10:
 *   a * math.log(1 + (math.e - 1) * t)                         (Pocock)
 *   2 - 2 * norm.cdf(norm.ppf(1 - a / 2) / math.sqrt(t))       (OBF) */
static void spending_reference_values(void **state)
{
    (void)state;
    close_to(st_alpha_spent(ST_SPEND_POCOCK, 0.05, 0.25), 0.01786870097543942,
             1e-15);
    close_to(st_alpha_spent(ST_SPEND_POCOCK, 0.05, 0.4), 0.026156858180579275,
             1e-15);
    close_to(st_alpha_spent(ST_SPEND_POCOCK, 0.05, 0.7), 0.03948640217888157,
             1e-15);
    close_to(st_alpha_spent(ST_SPEND_OBF, 0.05, 0.25), 8.857543832130332e-05,
             1e-9);
    close_to(st_alpha_spent(ST_SPEND_OBF, 0.05, 0.5), 0.005574596680784305,
             1e-9);
    close_to(st_alpha_spent(ST_SPEND_OBF, 0.05, 0.7), 0.019149643385582893,
             1e-9);
    for (int k = 0; k < 2; k++) {
        st_spending s = k ? ST_SPEND_OBF : ST_SPEND_POCOCK;
        assert_true(st_alpha_spent(s, 0.05, 0) == 0);
        assert_true(st_alpha_spent(s, 0.05, 1) == 0.05);
        assert_true(st_alpha_spent(s, 0.05, 2) == 0.05);
        close_to(st_look_alpha(s, 0.05, 0.4, 0.7),
                 st_alpha_spent(s, 0.05, 0.7) - st_alpha_spent(s, 0.05, 0.4),
                 1e-15);
    }
}

static void schedule(void **state)
{
    (void)state;
    seq_plan p = {.alpha = 0.05, .first = 24, .step = 12, .max_looks = 4};
    assert_int_equal(seq_rounds_at(&p, 1), 24);
    assert_int_equal(seq_rounds_at(&p, 4), 60);
    double sum = 0;
    for (int k = 1; k <= 4; k++)
        sum += seq_look_alpha(&p, k);
    close_to(sum, 0.05, 1e-15); /* all spent at the end */
    close_to(seq_look_alpha(&p, 1), 0.026156858180579275, 1e-15); /* t=0.4 */
    p.max_looks = 1; /* one look: all of alpha */
    assert_true(seq_look_alpha(&p, 1) == 0.05);
    /* Against a saved baseline of 5 rounds: information time, t_k =
     * I(n_k) / I(14), I(n) = 5 n / (n + 5). Reference: /usr/bin/python3,
     *   A = lambda t: 0.05 * math.log(1 + (math.e - 1) * t)
     *   I = lambda n: 5 * n / (n + 5)
     *   A(I(5) / I(14)), A(I(8) / I(14)) - A(I(5) / I(14)), ... */
    seq_plan b = {
        .alpha = 0.05, .first = 5, .step = 3, .max_looks = 4, .fixed = 5};
    close_to(seq_look_alpha(&b, 1), 0.038643575455329315, 1e-15);
    close_to(seq_look_alpha(&b, 2), 0.005854759487364088, 1e-15);
    close_to(seq_look_alpha(&b, 3), 0.0033390896734488903, 1e-15);
    close_to(seq_look_alpha(&b, 4), 0.0021625753838577094, 1e-15);
}

/* ---- synthetic runs ----------------------------------------------------- */

#define SAMPLES 6

static double gauss(st_rng *r)
{
    double u = st_rng_uniform(r), v = st_rng_uniform(r);
    return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

static void add_result(mb_run *run, const char *name)
{
    mb_result *r = run_add_result(run);
    assert_non_null(r);
    r->name = strdup(name);
    r->family = strdup(name);
    r->bench = strdup(name);
}

/* Rounds [from, to) of benchmark i on both sides: a machine level per
 * round shared by the pair (drift, cancels in the ratio), its own noise per
 * side and round, sample noise with an occasional 40% burst. */
static void add_rounds(mb_run *old, mb_run *now, size_t i, int from, int to,
                       double slowdown, st_rng *rng)
{
    for (int k = from; k < to; k++) {
        double machine = exp(0.10 * gauss(rng));
        for (int side = 0; side < 2; side++) {
            mb_result *r = side ? &now->results[i] : &old->results[i];
            double level = 100 * machine * exp(0.03 * gauss(rng)) *
                           (side ? 1 + slowdown : 1);
            for (int s = 0; s < SAMPLES; s++) {
                double x = level * exp(0.01 * gauss(rng));
                if (st_rng_uniform(rng) < 0.1)
                    x *= 1.4;
                assert_true(
                    result_add_sample(r, 1000, 1000 * x, NULL, 0, (uint16_t)k));
            }
        }
    }
}

typedef struct sim {
    int trials, m, looks; /* looks: later looks taken, over all trials */
    int any_flag;         /* trials with any slower/faster verdict */
    int target;           /* trials with benchmark 0 slower */
    double rounds;        /* mean rounds of benchmark 0 */
    int inconclusive;     /* rows left inconclusive, over all trials */
} sim;

static void simulate(sim *out, int trials, int m, double slowdown,
                     double threshold, seq_plan plan, uint64_t seed)
{
    st_rng rng;
    st_rng_seed(&rng, seed);
    memset(out, 0, sizeof *out);
    out->trials = trials;
    out->m = m;
    char name[32];
    for (int t = 0; t < trials; t++) {
        mb_run *old = run_create(), *now = run_create();
        for (int i = 0; i < m; i++) {
            snprintf(name, sizeof name, "b%d", i);
            add_result(old, name);
            add_result(now, name);
        }
        seq_state *s = seq_new(&plan);
        cmp_opts co = {.threshold = threshold, .paired = true};
        cmp_result *c = NULL;
        int done = 0, r0 = 0;
        for (int look = 1; look <= plan.max_looks; look++) {
            int target = seq_rounds_at(&plan, look);
            for (int i = 0; i < m; i++) {
                snprintf(name, sizeof name, "b%d", i);
                if (!seq_decided(s, name)) {
                    add_rounds(old, now, (size_t)i, done, target,
                               i == 0 ? slowdown : 0, &rng);
                    if (i == 0)
                        r0 = target;
                }
            }
            done = target;
            run_summarize(old);
            run_summarize(now);
            size_t left;
            cmp_free(c);
            c = seq_look(s, old, now, &co, look, &left);
            assert_non_null(c);
            if (left == 0)
                break;
        }
        bool any = false;
        for (size_t i = 0; i < c->n; i++) {
            cmp_verdict v = c->rows[i].verdict;
            any |= v == CMP_SLOWER || v == CMP_FASTER;
            if (strcmp(c->rows[i].name, "b0") == 0 && v == CMP_SLOWER)
                out->target++;
        }
        out->any_flag += any;
        out->rounds += r0;
        cmp_free(c);
        seq_free(s);
        run_free(old);
        run_free(now);
    }
    out->rounds /= trials;
}

/* A/A, threshold 0 (every significant difference counts, so no verdict is
 * ever "unchanged" and every benchmark goes through every look: the worst
 * case for the error rate), Pocock spending over 4 looks. */
static void aa_sequential_at_most_alpha(void **state)
{
    (void)state;
    seq_plan plan = {.alpha = 0.05,
                     .first = 12,
                     .step = 6,
                     .max_looks = 4,
                     .spending = ST_SPEND_POCOCK};
    sim s;
    simulate(&s, 200, 4, 0, 0, plan, 42);
    printf("A/A, 4 looks, Pocock spending: %d of %d trials flagged anything "
           "(%.3f; alpha 0.05)\n",
           s.any_flag, s.trials, (double)s.any_flag / s.trials);
    assert_true(s.any_flag <= 0.05 * s.trials);
}

/* A real 10% slowdown with the usual 3% threshold: caught, and decided
 * benchmarks stop early (the unchanged ones at the first look mostly). */
static void slowdown_caught_and_early_stop(void **state)
{
    (void)state;
    seq_plan plan = {.alpha = 0.05,
                     .first = 12,
                     .step = 6,
                     .max_looks = 4,
                     .spending = ST_SPEND_POCOCK};
    sim s;
    simulate(&s, 20, 4, 0.10, 0.03, plan, 7);
    printf("10%% slowdown: caught in %d of %d, %.1f rounds on average\n",
           s.target, s.trials, s.rounds);
    assert_true(s.target >= 19);
    assert_true(s.rounds < seq_rounds_at(&plan, 4));
}

/* ---- against a saved baseline (a bench program's --baseline) -----------
 * Unpaired: the new run's rounds against a baseline saved earlier, by the
 * round-level test (st_compare_rounds; with a history of saved runs,
 * st_compare_history), not ab's paired signed-rank test. The looks add
 * rounds to the new run only, as core/mbmain.c does: half the first
 * look's rounds again per look, for the benchmarks still inconclusive. */

#define BASE_ROUNDS  5
#define BASE_SAMPLES 10

/* Rounds [from, to) of result r: each round a fresh process at level
 * 100 * shift * (1 + slowdown), moved by 3% (lognormal) from process to
 * process, samples 1% apart with 10% of them in 40% bursts. */
static void add_base_rounds(mb_result *r, int from, int to, double shift,
                            double slowdown, double noise, st_rng *rng)
{
    for (int k = from; k < to; k++) {
        double level = 100 * shift * (1 + slowdown) * exp(noise * gauss(rng));
        for (int s = 0; s < BASE_SAMPLES; s++) {
            double x = level * exp(0.01 * gauss(rng));
            if (st_rng_uniform(rng) < 0.1)
                x *= 1.4;
            assert_true(
                result_add_sample(r, 1000, 1000 * x, NULL, 0, (uint16_t)k));
        }
    }
}

/* A whole run of m benchmarks, shifted by run_sd (lognormal) as a whole
 * (the machine's state for the run), BASE_ROUNDS rounds each. */
static mb_run *base_run(int m, double run_sd, double slowdown, double noise,
                        st_rng *rng, double *shift)
{
    mb_run *run = run_create();
    assert_non_null(run);
    *shift = exp(run_sd * gauss(rng));
    char name[32];
    for (int i = 0; i < m; i++) {
        snprintf(name, sizeof name, "b%d", i);
        add_result(run, name);
        add_base_rounds(&run->results[i], 0, BASE_ROUNDS, *shift,
                        i == 0 ? slowdown : 0, noise, rng);
    }
    run_summarize(run);
    return run;
}

/* trials comparisons of a new run against a baseline of `saved` runs
 * (1: the saved run alone; more: a history, the newest the baseline),
 * with looks as core/mbmain.c takes them. */
static void simulate_baseline(sim *out, int trials, int m, int saved,
                              double run_sd, double noise_old, double noise_new,
                              double slowdown, double threshold, int max_looks,
                              uint64_t seed)
{
    st_rng rng;
    st_rng_seed(&rng, seed);
    memset(out, 0, sizeof *out);
    out->trials = trials;
    out->m = m;
    /* The plan a bench program run with --baseline takes. */
    seq_plan plan = seq_baseline_plan(0.05, BASE_ROUNDS, max_looks);
    char name[32];
    for (int t = 0; t < trials; t++) {
        mb_run *hist[8];
        double shift;
        for (int j = 0; j < saved; j++)
            hist[j] = base_run(m, run_sd, 0, noise_old, &rng, &shift);
        mb_run *now = base_run(m, run_sd, slowdown, noise_new, &rng, &shift);
        cmp_opts co = {.threshold = threshold,
                       .history = (const mb_run *const *)hist,
                       .nhistory = (size_t)saved};
        seq_state *s = seq_new(&plan);
        cmp_result *c = NULL;
        int done = BASE_ROUNDS, r0 = BASE_ROUNDS;
        for (int look = 1; look <= plan.max_looks; look++) {
            int target = seq_rounds_at(&plan, look);
            for (int i = 0; i < m && target > done; i++) {
                snprintf(name, sizeof name, "b%d", i);
                if (seq_decided(s, name))
                    continue;
                add_base_rounds(&now->results[i], done, target, shift,
                                i == 0 ? slowdown : 0, noise_new, &rng);
                if (i == 0)
                    r0 = target;
            }
            done = target;
            run_summarize(now);
            size_t left;
            cmp_free(c);
            c = seq_look(s, hist[0], now, &co, look, &left);
            assert_non_null(c);
            out->looks += look == 1 ? 0 : 1;
            if (left == 0)
                break;
        }
        bool any = false;
        for (size_t i = 0; i < c->n; i++) {
            cmp_verdict v = c->rows[i].verdict;
            any |= v == CMP_SLOWER || v == CMP_FASTER;
            if (strcmp(c->rows[i].name, "b0") == 0 && v == CMP_SLOWER)
                out->target++;
            out->inconclusive += v == CMP_INCONCLUSIVE;
        }
        out->any_flag += any;
        out->rounds += r0;
        cmp_free(c);
        seq_free(s);
        for (int j = 0; j < saved; j++)
            run_free(hist[j]);
        run_free(now);
    }
    out->rounds /= trials;
}

/* A/A against one saved run, threshold 0 (nothing is ever "unchanged":
 * every benchmark not flagged goes through all 4 looks, the worst case),
 * processes that differ by 3% but no whole-run shift (one saved run cannot
 * know one: the comparison says so); then the case the looks are for, a
 * new run on a busier machine (4% between processes) than the baseline's
 * (1%). */
static void baseline_aa_sequential_at_most_alpha(void **state)
{
    (void)state;
    sim s;
    simulate_baseline(&s, 400, 4, 1, 0, 0.03, 0.03, 0, 0, SEQ_MAX_LOOKS, 11);
    printf("baseline A/A (one saved run), 4 looks: %d of %d trials flagged "
           "anything (%.3f; alpha 0.05), %.1f rounds\n",
           s.any_flag, s.trials, (double)s.any_flag / s.trials, s.rounds);
    assert_true(s.any_flag <= 0.05 * s.trials);
    assert_true(s.rounds > BASE_ROUNDS); /* the looks did add rounds */
    simulate_baseline(&s, 1500, 4, 1, 0, 0.01, 0.04, 0, 0, SEQ_MAX_LOOKS, 500);
    printf("baseline A/A (one saved run, new run busier), 4 looks: %d of %d "
           "trials flagged anything (%.3f; alpha 0.05)\n",
           s.any_flag, s.trials, (double)s.any_flag / s.trials);
    assert_true(s.any_flag <= 0.05 * s.trials);
}

/* Against a history of 5 saved runs with whole-run shifts of 5%
 * (st_compare_history): the history's own test, one look at alpha,
 * already flags more than alpha in this simulation (about 7% of A/A
 * trials, docs/sequential.md), which no rule over looks can repair; the
 * looks must not add to it beyond chance (two standard errors of the
 * difference). */
static void baseline_history_looks_add_no_alarms(void **state)
{
    (void)state;
    sim one, four;
    int n = 600;
    simulate_baseline(&one, n, 4, 5, 0.05, 0.03, 0.03, 0, 0, 1, 14);
    simulate_baseline(&four, n, 4, 5, 0.05, 0.03, 0.03, 0, 0, SEQ_MAX_LOOKS,
                      14);
    printf("baseline A/A (history of 5, 5%% run shifts): %d of %d trials "
           "flagged anything with one look, %d with 4 looks\n",
           one.any_flag, n, four.any_flag);
    double p = (double)one.any_flag / n;
    assert_true(four.any_flag <= one.any_flag + 2 * sqrt(2 * n * p * (1 - p)));
}

/* A 10% slowdown at the usual 3% threshold, the new run on a busier
 * machine than the baseline's: the looks catch it where one look often
 * cannot decide. */
static void baseline_slowdown_caught(void **state)
{
    (void)state;
    sim one, four;
    simulate_baseline(&one, 40, 4, 1, 0, 0.01, 0.04, 0.10, 0.03, 1, 13);
    simulate_baseline(&four, 40, 4, 1, 0, 0.01, 0.04, 0.10, 0.03, SEQ_MAX_LOOKS,
                      13);
    printf("baseline 10%% slowdown, new run busier: caught in %d of 40 with "
           "one look, %d of 40 with 4 looks (%.1f rounds)\n",
           one.target, four.target, four.rounds);
    assert_true(four.target >= 38);
    assert_true(four.target > one.target);
}

/* Frozen verdicts: a row decided at look 1 keeps it whatever comes after. */
static void decided_rows_are_frozen(void **state)
{
    (void)state;
    st_rng rng;
    st_rng_seed(&rng, 3);
    mb_run *old = run_create(), *now = run_create();
    add_result(old, "slow");
    add_result(now, "slow");
    add_result(old, "same");
    add_result(now, "same");
    add_rounds(old, now, 0, 0, 16, 0.25, &rng);
    add_rounds(old, now, 1, 0, 16, 0, &rng);
    run_summarize(old);
    run_summarize(now);
    seq_plan plan = {.alpha = 0.05, .first = 16, .step = 8, .max_looks = 3};
    seq_state *s = seq_new(&plan);
    cmp_opts co = {.threshold = 0, .paired = true};
    size_t left;
    cmp_result *c = seq_look(s, old, now, &co, 1, &left);
    assert_int_equal(c->rows[0].verdict, CMP_SLOWER);
    assert_true(seq_decided(s, "slow"));
    double p1 = c->rows[0].p_adj;
    cmp_free(c);
    /* More rounds for "same" only; "slow" is not compared again. */
    add_rounds(old, now, 1, 16, 24, 0, &rng);
    run_summarize(old);
    run_summarize(now);
    c = seq_look(s, old, now, &co, 2, &left);
    assert_int_equal(c->rows[0].verdict, CMP_SLOWER);
    assert_true(c->rows[0].p_adj == p1);
    assert_int_equal(c->count[CMP_SLOWER], 1);
    assert_int_equal(c->compared, 2);
    assert_non_null(strstr(c->correction, "sequential: look 2 of at most 3"));
    cmp_free(c);
    seq_free(s);
    run_free(old);
    run_free(now);
}

/* The warning for benchmarks left inconclusive names what would help:
 * --max-time only while more time buys more looks (not after the last
 * look; it did say so then), and against a saved baseline the paired
 * comparison of two builds (microbe ab). */
static void undecided_warning_names_what_helps(void **state)
{
    (void)state;
    struct {
        const char *prefix, *stopped;
        int max_looks;
        double max_time;
        int max_time_hint, ab_hint;
    } cases[] = {
        {"baseline", "looks", 4, 6.0, 0, 1},
        {"baseline", "max-time", 4, 6.0, 1, 1},
        {"baseline", "looks", 1, 0.0, 1, 1}, /* --max-time=0 */
        {"ab", "looks", 4, 12.0, 0, 0},
        {"ab", "max-time", 4, 12.0, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mb_run *run = run_create();
        assert_non_null(run);
        seq_outcome o = {.looks = cases[i].max_looks,
                         .max_looks = cases[i].max_looks,
                         .max_time = cases[i].max_time,
                         .rounds = 14,
                         .stopped = cases[i].stopped,
                         .undecided = 2};
        seq_context(run, cases[i].prefix, &o);
        assert_int_equal(warnings_with(run, "2 benchmarks still inconclusive"),
                         1);
        assert_int_equal(warnings_with(run, "raise --max-time"),
                         cases[i].max_time_hint);
        assert_int_equal(warnings_with(run, "(microbe ab)"), cases[i].ab_hint);
        run_free(run);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spending_reference_values),
        cmocka_unit_test(schedule),
        cmocka_unit_test(decided_rows_are_frozen),
        cmocka_unit_test(slowdown_caught_and_early_stop),
        cmocka_unit_test(aa_sequential_at_most_alpha),
        cmocka_unit_test(baseline_aa_sequential_at_most_alpha),
        cmocka_unit_test(baseline_history_looks_add_no_alarms),
        cmocka_unit_test(baseline_slowdown_caught),
        cmocka_unit_test(undecided_warning_names_what_helps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
