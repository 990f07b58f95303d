/* The analysis along the first argument with .product: one complexity fit
 * and one set of crossovers per value of the other arguments (a result's
 * `others`), never mixing two lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* A result of bench b in group g at arg n, on line `others`, whose five
 * samples all take t ns an iteration. */
static void add(mb_run *run, const char *g, const char *b, const char *others,
                int64_t n, double t)
{
    mb_result *r = run_add_result(run);
    assert_non_null(r);
    char name[128], fam[64];
    snprintf(fam, sizeof fam, "%s/%s", g, b);
    snprintf(name, sizeof name, "%s/n:%lld%s", fam, (long long)n, others);
    r->name = strdup(name);
    r->family = strdup(fam);
    r->group = strdup(g);
    r->bench = strdup(b);
    r->others = strdup(others);
    r->arg = n;
    r->has_arg = true;
    for (int i = 0; i < 5; i++)
        assert_true(
            result_add_sample(r, 1000, 1000 * t, NULL, 0, (uint16_t)(i % 2)));
}

static void fits_per_line(void **unused)
{
    (void)unused;
    mb_run *run = run_create();
    static const int64_t ns[] = {16, 64, 256, 1024, 4096};
    for (size_t i = 0; i < 5; i++) {
        double n = (double)ns[i];
        add(run, "g", "a", "/k:1", ns[i], 2 * n);       /* O(n) */
        add(run, "g", "a", "/k:8", ns[i], 0.5 * n * n); /* O(n^2) */
        add(run, "g", "b", "/k:1", ns[i], 3 * n);       /* slower than a */
        add(run, "g", "b", "/k:8", ns[i], 40 * n);      /* a wins below 80 */
    }
    run_summarize(run);
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        const char *want =
            strcmp(r->bench, "a") == 0 && strcmp(r->others, "/k:8") == 0
                ? "O(n^2)"
                : "O(n)";
        assert_string_equal(r->complexity, want);
        /* Relative speed within the line only: a/k:1 is fastest there,
         * though b/k:8 is not slower than a/k:8 everywhere. */
        if (strcmp(r->others, "/k:1") == 0)
            assert_true(r->vs_fastest == (strcmp(r->bench, "a") ? 1.5 : 1));
    }
    size_t nx = 0;
    crossover *x = run_crossovers(run, &nx);
    assert_int_equal(nx, 1);
    assert_string_equal(x[0].others, "/k:8");
    assert_string_equal(x[0].faster, "b");
    assert_string_equal(x[0].slower, "a");
    assert_true(x[0].at > 64 && x[0].at < 256);
    free(x);
    run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits_per_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
