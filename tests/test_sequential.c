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
    int trials, m, looks;
    int any_flag;  /* trials with any slower/faster verdict */
    int target;    /* trials with benchmark 0 slower */
    double rounds; /* mean rounds of benchmark 0 */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spending_reference_values),
        cmocka_unit_test(schedule),
        cmocka_unit_test(decided_rows_are_frozen),
        cmocka_unit_test(slowdown_caught_and_early_stop),
        cmocka_unit_test(aa_sequential_at_most_alpha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
