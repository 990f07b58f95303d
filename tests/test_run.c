/* Unit tests of core/run.c: the hashed name lookups (run_find, context
 * keys, run_index_find) give what a scan from the front would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/run.h"

static char *name(const char *fmt, size_t i)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, i);
    char *s = strdup(buf);
    assert_non_null(s);
    return s;
}

static void test_find_results(void **state)
{
    (void)state;
    mb_run *run = run_create();
    enum { N = 5000 };
    for (size_t i = 0; i < N; i++) {
        mb_result *r = run_add_result(run);
        assert_non_null(r);
        r->name = name("g/b%zu/8", i % (N / 2)); /* every name twice */
        r->arg = (int64_t)i;
        /* Looked up between being added and being named: not yet found,
         * then found once named. */
        if (i % 97 == 0) {
            free(r->name);
            r->name = NULL;
            char *late = name("late%zu", i);
            assert_null(run_find(run, late));
            run->results[i].name = late;
            assert_int_equal(run_find(run, late)->arg, (int64_t)i);
        }
    }
    for (size_t j = 0; j < N / 2; j++) {
        char *want = name("g/b%zu/8", j);
        mb_result *r = run_find(run, want);
        /* The first of the two that kept the name wins, as in a scan. */
        if (j % 97 != 0)
            assert_int_equal(r->arg, (int64_t)j);
        else if ((j + N / 2) % 97 != 0)
            assert_int_equal(r->arg, (int64_t)(j + N / 2));
        else
            assert_null(r);
        free(want);
    }
    assert_null(run_find(run, "absent"));
    assert_null(run_find(run, ""));
    run_free(run);
}

static void test_context_keys(void **state)
{
    (void)state;
    mb_run *run = run_create();
    enum { N = 20000 };
    for (size_t i = 0; i < N; i++) {
        char *k = name("key%zu", i);
        run_ctx_num(run, k, (double)i);
        free(k);
    }
    for (size_t i = 0; i < N; i += 3) { /* replace, never add */
        char *k = name("key%zu", i);
        run_ctx_str(run, k, "again");
        free(k);
    }
    assert_int_equal(run->nctx, N);
    for (size_t i = 0; i < N; i++) {
        char *k = name("key%zu", i);
        const ctx_entry *e = run_ctx_get(run, k);
        assert_non_null(e);
        assert_string_equal(e->key, k);
        if (i % 3 == 0)
            assert_string_equal(run_ctx_gets(run, k), "again");
        else
            assert_true(e->type == CTX_NUM && e->num == (double)i);
        free(k);
    }
    assert_null(run_ctx_get(run, "key"));
    run_free(run);
}

static const char *str_at(const void *base, size_t i)
{
    return ((const char *const *)base)[i];
}

static void test_index_of_growing_array(void **state)
{
    (void)state;
    const char *a[] = {"x", "y", "x", NULL, "z", "y"};
    run_index x = {0};
    assert_int_equal(run_index_find(&x, a, 0, str_at, "x"), SIZE_MAX);
    assert_int_equal(run_index_find(&x, a, 3, str_at, "x"), 0);
    assert_int_equal(run_index_find(&x, a, 3, str_at, "y"), 1);
    assert_int_equal(run_index_find(&x, a, 6, str_at, "z"), 4);
    assert_int_equal(run_index_find(&x, a, 6, str_at, "y"), 1);
    assert_int_equal(run_index_find(&x, a, 6, str_at, "w"), SIZE_MAX);
    run_index_free(&x);
    assert_null(x.slot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_results),
        cmocka_unit_test(test_context_keys),
        cmocka_unit_test(test_index_of_growing_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
