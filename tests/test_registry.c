/* The registry: registration from two linked files (reg_a.c, reg_b.c),
 * expansion of .args/.range into instances with full names, invalid
 * definitions, and --filter's POSIX ERE matching. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* The constructor-registered list, taken in main before any test resets
 * the registry. */
static const mb_bench *linked;

static void noop(mb_state *state)
{
    (void)state;
}

/* BENCH_DEF("name", options...): the name comes first, as in BENCH. */
#define BENCH_DEF(...)                                                         \
    {                                                                          \
        .size = sizeof(mb_bench), .fn = noop, .file = "test_registry.c",       \
        .line = __LINE__, .name = __VA_ARGS__                                  \
    }

/* The same as a value, to pass to a function. */
#define BDEF(...) ((mb_bench)BENCH_DEF(__VA_ARGS__))

/* Links the n definitions by hand, in order, through mb_register. */
static const mb_bench *chain(mb_bench *defs, size_t n)
{
    registry_reset();
    for (size_t i = 0; i < n; i++)
        mb_register(&defs[i]);
    return registry_first();
}

/* Expands first and joins the full names with ',' into buf. */
static mb_status expand_names(const mb_bench *first, char *buf, size_t len,
                              char *err, size_t errlen)
{
    instance *v = NULL;
    size_t n = 0;
    buf[0] = '\0';
    err[0] = '\0';
    mb_status st = registry_expand(first, &v, &n, err, errlen);
    if (st != MB_OK)
        return st;
    size_t used = 0;
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "",
                                 v[i].name);
    free(v);
    return MB_OK;
}

/* Expands one definition (alone in the registry) into its names. */
static void assert_names(mb_bench def, const char *want)
{
    char buf[1024], err[256];
    assert_int_equal(
        expand_names(chain(&def, 1), buf, sizeof buf, err, sizeof err), MB_OK);
    assert_string_equal(buf, want);
}

/* Expands one definition and expects MB_ERR_USAGE with a message naming
 * the benchmark and containing `why`. */
static void assert_invalid(mb_bench *defs, size_t n, const char *name,
                           const char *why)
{
    char buf[1024], err[256];
    assert_int_equal(
        expand_names(chain(defs, n), buf, sizeof buf, err, sizeof err),
        MB_ERR_USAGE);
    assert_non_null(strstr(err, name));
    assert_non_null(strstr(err, why));
    assert_null(strchr(err, '\n'));
}

/* ---- registration from two linked files ------------------------------- */

static void two_files_all_registered_in_order(void **unused)
{
    (void)unused;
    const char *want[] = {"reg_alpha", "reg_beta", "reg_gamma", "reg_delta"};
    size_t k = 0;
    for (const mb_bench *b = linked; b; b = b->next, k++) {
        assert_true(k < 4);
        assert_string_equal(b->name, want[k]);
        assert_non_null(b->fn);
        assert_true(b->line > 0);
        assert_non_null(strstr(b->file, k < 2 ? "reg_a.c" : "reg_b.c"));
    }
    assert_int_equal(k, 4);

    char buf[1024], err[256];
    assert_int_equal(expand_names(linked, buf, sizeof buf, err, sizeof err),
                     MB_OK);
    assert_string_equal(buf, "reg_alpha,reg_beta/2,reg_beta/1,"
                             "reg/reg_gamma/1,reg/reg_gamma/2,"
                             "reg/reg_gamma/4,reg/reg_gamma/8,reg_delta");
}

static void bench_macro_fills_options(void **unused)
{
    (void)unused;
    const mb_bench *gamma = linked->next->next;
    assert_string_equal(gamma->name, "reg_gamma");
    assert_string_equal(gamma->group, "reg");
    assert_int_equal(gamma->range.lo, 1);
    assert_int_equal(gamma->range.hi, 8);
    assert_int_equal(gamma->range.mult, 2);
    assert_int_equal(gamma->args.n, 0);
    const mb_bench *beta = linked->next;
    assert_null(beta->group);
    assert_int_equal(beta->args.n, 2);
    assert_int_equal(beta->args.v[0], 2);
    assert_int_equal(beta->args.v[1], 1);
}

/* ---- expansion and names ---------------------------------------------- */

static void args_in_given_order(void **unused)
{
    (void)unused;
    mb_bench b = BENCH_DEF("b", .args = MB_ARGS(5, 1, -3, 0));
    instance *v = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(registry_expand(chain(&b, 1), &v, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, 4);
    const int64_t want[] = {5, 1, -3, 0};
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(v[i].bench, &b);
        assert_true(v[i].has_arg);
        assert_int_equal(v[i].arg, want[i]);
        assert_string_equal(v[i].family, "b");
    }
    assert_string_equal(v[2].name, "b/-3");
    free(v);
}

static void range_google_benchmark_semantics(void **unused)
{
    (void)unused;
    assert_names(BDEF("r", .range = MB_RANGE(16, 4096, 4)),
                 "r/16,r/64,r/256,r/1024,r/4096");
    assert_names(BDEF("r", .range = MB_RANGE(3, 100, 4)),
                 "r/3,r/4,r/16,r/64,r/100");
    assert_names(BDEF("r", .range = MB_RANGE(8, 8, 2)), "r/8");
    assert_names(BDEF("r", .range = MB_RANGE(1, 1024, 8)),
                 "r/1,r/8,r/64,r/512,r/1024");
    assert_names(BDEF("r", .range = MB_RANGE(0, 8, 2)), "r/0,r/1,r/2,r/4,r/8");
    assert_names(BDEF("r", .range = MB_RANGE(5, 6, 2)), "r/5,r/6");
    assert_names(BDEF("r", .range = MB_RANGE(4, 4096, 4)),
                 "r/4,r/16,r/64,r/256,r/1024,r/4096");
}

/* Near INT64_MAX no power of mult lies strictly between lo and hi: the
 * range is exactly lo, hi, ascending, never a value below lo. */
static void range_near_int64_max(void **unused)
{
    (void)unused;
    assert_names(BDEF("r", .range = MB_RANGE(INT64_MAX - 1, INT64_MAX, 2)),
                 "r/9223372036854775806,r/9223372036854775807");
    assert_names(BDEF("r", .range = MB_RANGE(1, INT64_MAX, INT64_MAX)),
                 "r/1,r/9223372036854775807");
    /* 2^62 is the last power of 2 in range; 2^63 would overflow. */
    assert_names(BDEF("r", .range = MB_RANGE(INT64_C(1) << 61, INT64_MAX, 2)),
                 "r/2305843009213693952,r/4611686018427387904,"
                 "r/9223372036854775807");
}

static void full_names(void **unused)
{
    (void)unused;
    mb_bench defs[] = {
        BENCH_DEF("plain"),
        BENCH_DEF("witharg", .args = MB_ARGS(7)),
        BENCH_DEF("member", .group = "grp", .args = MB_ARGS(7)),
        BENCH_DEF("solo", .group = "grp"),
    };
    instance *v = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(registry_expand(chain(defs, 4), &v, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].name, "plain");
    assert_string_equal(v[0].family, "plain");
    assert_false(v[0].has_arg);
    assert_int_equal(v[0].arg, 0);
    assert_string_equal(v[1].name, "witharg/7");
    assert_string_equal(v[1].family, "witharg");
    assert_string_equal(v[2].name, "grp/member/7");
    assert_string_equal(v[2].family, "grp/member");
    assert_string_equal(v[3].name, "grp/solo");
    assert_string_equal(v[3].family, "grp/solo");
    assert_false(v[3].has_arg);
    free(v);
}

static void empty_registry_expands_to_nothing(void **unused)
{
    (void)unused;
    instance *v = NULL;
    size_t n = 99;
    char err[256];
    registry_reset();
    assert_null(registry_first());
    assert_int_equal(registry_expand(NULL, &v, &n, err, sizeof err), MB_OK);
    assert_int_equal(n, 0);
    free(v);
}

/* ---- invalid definitions ---------------------------------------------- */

static void args_and_range_both(void **unused)
{
    (void)unused;
    mb_bench b =
        BENCH_DEF("both_opts", .args = MB_ARGS(1), .range = MB_RANGE(1, 8, 2));
    assert_invalid(&b, 1, "both_opts",
                   "give one of .args, .range and .product");
}

static void bad_ranges(void **unused)
{
    (void)unused;
    mb_bench neg = BENCH_DEF("neg_lo", .range = MB_RANGE(-1, 8, 2));
    assert_invalid(&neg, 1, "neg_lo", ".range");
    mb_bench inv = BENCH_DEF("hi_below_lo", .range = MB_RANGE(8, 4, 2));
    assert_invalid(&inv, 1, "hi_below_lo", ".range");
    mb_bench m1 = BENCH_DEF("mult_one", .range = MB_RANGE(1, 8, 1));
    assert_invalid(&m1, 1, "mult_one", ".range");
    mb_bench m0 = BENCH_DEF("mult_zero", .range = MB_RANGE(1, 8, 0));
    assert_invalid(&m0, 1, "mult_zero", ".range");
}

static void duplicate_names(void **unused)
{
    (void)unused;
    mb_bench same[] = {BENCH_DEF("twice"), BENCH_DEF("other"),
                       BENCH_DEF("twice")};
    assert_invalid(same, 3, "twice", "defined twice");

    /* Two definitions that differ but give one full name. */
    mb_bench clash[] = {
        BENCH_DEF("x", .group = "g", .args = MB_ARGS(4)),
        BENCH_DEF("x", .group = "g", .range = MB_RANGE(1, 4, 2)),
    };
    assert_invalid(clash, 2, "g/x/4", "defined twice");

    mb_bench rep = BENCH_DEF("rep_arg", .args = MB_ARGS(3, 3));
    assert_invalid(&rep, 1, "rep_arg/3", "defined twice");

    /* Same name in different groups is fine. */
    mb_bench ok[] = {BENCH_DEF("x", .group = "a"), BENCH_DEF("x", .group = "b"),
                     BENCH_DEF("x")};
    char buf[256], err[256];
    assert_int_equal(
        expand_names(chain(ok, 3), buf, sizeof buf, err, sizeof err), MB_OK);
    assert_string_equal(buf, "a/x,b/x,x");
}

static void error_stops_at_first_invalid(void **unused)
{
    (void)unused;
    mb_bench defs[] = {BENCH_DEF("good", .args = MB_ARGS(1, 2)),
                       BENCH_DEF("bad_one", .range = MB_RANGE(9, 1, 2))};
    instance *v = (instance *)(uintptr_t)1; /* must stay untouched */
    size_t n = 42;
    char err[256] = "";
    assert_int_equal(registry_expand(chain(defs, 2), &v, &n, err, sizeof err),
                     MB_ERR_USAGE);
    assert_ptr_equal(v, (instance *)(uintptr_t)1);
    assert_int_equal(n, 42);
    assert_non_null(strstr(err, "bad_one"));
    assert_null(strstr(err, "good"));
}

/* .unit is one of the four units --time-unit knows. */
static void unit_checked(void **unused)
{
    (void)unused;
    const char *good[] = {"ns", "us", "ms", "s"};
    for (size_t k = 0; k < 4; k++) {
        mb_bench defs[] = {BENCH_DEF("u", .unit = good[k])};
        instance *v = NULL;
        size_t n = 0;
        char err[256] = "";
        assert_int_equal(
            registry_expand(chain(defs, 1), &v, &n, err, sizeof err), MB_OK);
        free(v);
    }
    mb_bench defs[] = {BENCH_DEF("bad_unit", .unit = "sec")};
    instance *v = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(registry_expand(chain(defs, 1), &v, &n, err, sizeof err),
                     MB_ERR_USAGE);
    assert_non_null(strstr(err, "bad_unit"));
    assert_non_null(strstr(err, "unknown .unit \"sec\""));
}

/* ---- filtering -------------------------------------------------------- */

static instance *fd_instances(size_t *n)
{
    static mb_bench defs[] = {
        BENCH_DEF("quadratic", .group = "find_duplicates",
                  .range = MB_RANGE(4, 4096, 4)),
        BENCH_DEF("hash", .group = "find_duplicates",
                  .range = MB_RANGE(4, 4096, 4)),
        BENCH_DEF("empty"),
    };
    instance *v = NULL;
    char err[256];
    assert_int_equal(registry_expand(chain(defs, 3), &v, n, err, sizeof err),
                     MB_OK);
    assert_int_equal(*n, 13);
    return v;
}

static void filter_names(const char *regex, const char *want)
{
    size_t n;
    instance *v = fd_instances(&n);
    char err[256] = "", buf[1024] = "";
    assert_int_equal(registry_filter(v, &n, regex, err, sizeof err), MB_OK);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
                                 i ? "," : "", v[i].name);
    assert_string_equal(buf, want);
    free(v);
}

static void filter_posix_ere(void **unused)
{
    (void)unused;
    /* Alternation, grouping and anchors are ERE, not BRE. */
    filter_names("hash/(4|16)$", "find_duplicates/hash/4,"
                                 "find_duplicates/hash/16");
    filter_names("^find_duplicates/quadratic/[0-9]+6$",
                 "find_duplicates/quadratic/16,"
                 "find_duplicates/quadratic/256,"
                 "find_duplicates/quadratic/4096");
    /* Unanchored: matches anywhere in the name, order kept. */
    filter_names("1024", "find_duplicates/quadratic/1024,"
                         "find_duplicates/hash/1024");
    filter_names("^empty$", "empty");
    filter_names("a{2}|^emp", "empty");
}

/* A leading '-' keeps what does not match, as Google Benchmark's
 * --benchmark_filter=-REGEX. */
static void filter_negated(void **unused)
{
    (void)unused;
    filter_names("-^find_duplicates", "empty");
    filter_names("-hash|quadratic/[0-9]{2,}$",
                 "find_duplicates/quadratic/4,empty");
    filter_names("-^$", "find_duplicates/quadratic/4,"
                        "find_duplicates/quadratic/16,"
                        "find_duplicates/quadratic/64,"
                        "find_duplicates/quadratic/256,"
                        "find_duplicates/quadratic/1024,"
                        "find_duplicates/quadratic/4096,"
                        "find_duplicates/hash/4,find_duplicates/hash/16,"
                        "find_duplicates/hash/64,find_duplicates/hash/256,"
                        "find_duplicates/hash/1024,find_duplicates/hash/4096,"
                        "empty");
    size_t n;
    instance *v = fd_instances(&n);
    char err[256] = "";
    assert_int_equal(registry_filter(v, &n, "-.", err, sizeof err),
                     MB_ERR_USAGE);
    assert_non_null(strstr(err, "leaves no benchmark"));
    assert_int_equal(registry_filter(v, &n, "-(", err, sizeof err),
                     MB_ERR_USAGE);
    assert_non_null(strstr(err, "invalid regular expression"));
    free(v);
}

static void filter_null_keeps_all(void **unused)
{
    (void)unused;
    size_t n;
    instance *v = fd_instances(&n);
    char err[64] = "";
    assert_int_equal(registry_filter(v, &n, NULL, err, sizeof err), MB_OK);
    assert_int_equal(n, 13);
    assert_string_equal(v[12].name, "empty");
    free(v);
}

static void filter_matching_nothing(void **unused)
{
    (void)unused;
    size_t n;
    instance *v = fd_instances(&n);
    char err[256] = "";
    assert_int_equal(
        registry_filter(v, &n, "^nothing_like_this$", err, sizeof err),
        MB_ERR_USAGE);
    assert_int_equal(n, 13); /* unchanged on error */
    assert_non_null(strstr(err, "^nothing_like_this$"));
    assert_non_null(strstr(err, "matches no benchmark"));
    assert_null(strchr(err, '\n'));
    free(v);
}

static void filter_bad_regex(void **unused)
{
    (void)unused;
    const char *bad[] = {"(hash", "[a-", "*x{", "a{2,1}"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        size_t n;
        instance *v = fd_instances(&n);
        char err[256] = "";
        assert_int_equal(registry_filter(v, &n, bad[k], err, sizeof err),
                         MB_ERR_USAGE);
        assert_int_equal(n, 13);
        assert_non_null(strstr(err, bad[k]));
        assert_non_null(strstr(err, "invalid regular expression"));
        assert_null(strchr(err, '\n'));
        free(v);
    }
}

/* ---- several arguments, names, threads ------------------------------- */

static void product_every_combination(void **unused)
{
    (void)unused;
    assert_names(
        BDEF("p", .product = MB_PRODUCT(MB_ARGS(64, 4096), MB_ARGS(1, 8))),
        "p/64/1,p/64/8,p/4096/1,p/4096/8");
    assert_names(BDEF("p", .group = "g",
                      .product = MB_PRODUCT(MB_ARGS(64, 4096), MB_ARGS(1, 8)),
                      .arg_names = MB_NAMES("n", "k")),
                 "g/p/n:64/k:1,g/p/n:64/k:8,g/p/n:4096/k:1,g/p/n:4096/k:8");
    assert_names(BDEF("one", .args = MB_ARGS(3), .arg_names = MB_NAMES("n")),
                 "one/n:3");
    assert_names(BDEF("t", .args = MB_ARGS(2, 3), .threads = MB_ARGS(1, 4)),
                 "t/2/threads:1,t/2/threads:4,t/3/threads:1,t/3/threads:4");
    assert_names(BDEF("t0", .threads = MB_ARGS(2)), "t0/threads:2");
}

/* The first argument, the rest (the line a complexity fit runs along),
 * the thread count. */
static void product_instances(void **unused)
{
    (void)unused;
    mb_bench def = BDEF(
        "p", .group = "g",
        .product = MB_PRODUCT(MB_ARGS(64, 4096), MB_ARGS(1, 8), MB_ARGS(5)),
        .arg_names = MB_NAMES("n", "k", "m"), .threads = MB_ARGS(2));
    instance *v = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(registry_expand(chain(&def, 1), &v, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[3].name, "g/p/n:4096/k:8/m:5/threads:2");
    assert_string_equal(v[3].family, "g/p");
    assert_string_equal(v[3].others, "/k:8/m:5/threads:2");
    assert_int_equal(v[3].nargs, 3);
    assert_int_equal(v[3].arg, 4096);
    assert_int_equal(v[3].args[1], 8);
    assert_int_equal(v[3].args[2], 5);
    assert_int_equal(v[3].threads, 2);
    assert_string_equal(v[0].others, "/k:1/m:5/threads:2");
    free(v);
}

static void product_invalid(void **unused)
{
    (void)unused;
    mb_bench two = BDEF("two", .args = MB_ARGS(1),
                        .product = MB_PRODUCT(MB_ARGS(1), MB_ARGS(2)));
    assert_invalid(&two, 1, "two", "one of .args, .range and .product");
    mb_bench names =
        BDEF("names", .product = MB_PRODUCT(MB_ARGS(1), MB_ARGS(2)),
             .arg_names = MB_NAMES("n"));
    assert_invalid(&names, 1, "names", "1 .arg_names for 2 arguments");
    mb_bench slash =
        BDEF("slash", .args = MB_ARGS(1), .arg_names = MB_NAMES("a/b"));
    assert_invalid(&slash, 1, "slash", "argument name 1");
    mb_bench empty = BDEF("empty", .product = MB_PRODUCT(MB_ARGS(1), {0}));
    assert_invalid(&empty, 1, "empty", "list 2 is empty");
    mb_bench zero = BDEF("zero", .threads = MB_ARGS(0));
    assert_invalid(&zero, 1, "zero", ".threads value 0");
    mb_bench many = BDEF("many", .threads = MB_ARGS(1, 100000));
    assert_invalid(&many, 1, "many", ".threads value 100000");
}

/* ---- mb_bench's size ----------------------------------------------------
 * A definition from an older header (smaller, ending at `next`) is
 * accepted, its missing fields read as 0; a bogus size is refused with
 * one line, and nothing in it is read. */
static void size_checked(void **unused)
{
    (void)unused;
    registry_reset();
    /* An old definition: only the bytes up to MB_BENCH_MIN_SIZE exist;
     * what follows in memory must not be read. */
    union {
        mb_bench b;
        unsigned char bytes[sizeof(mb_bench)];
    } old;
    memset(old.bytes, 0xAB, sizeof old.bytes);
    mb_bench proto = BENCH_DEF("old", .args = MB_ARGS(1, 2));
    memcpy(old.bytes, &proto, MB_BENCH_MIN_SIZE);
    old.b.size = MB_BENCH_MIN_SIZE;
    mb_register(&old.b);
    assert_null(registry_error());
    const mb_bench *got = registry_first();
    assert_non_null(got);
    assert_string_equal(got->name, "old");
    assert_true(got->product.n == 0 && got->threads.n == 0 &&
                got->setup == NULL && got->data == NULL);
    char buf[256], err[256];
    assert_int_equal(expand_names(got, buf, sizeof buf, err, sizeof err),
                     MB_OK);
    assert_string_equal(buf, "old/1,old/2");

    mb_bench bogus = BENCH_DEF("bogus");
    bogus.size = 3;
    mb_register(&bogus);
    mb_bench big = BENCH_DEF("big");
    big.size = sizeof(mb_bench) + 64;
    mb_register(&big);
    const char *e = registry_error();
    assert_non_null(e);
    assert_non_null(strstr(e, "of 3 bytes was refused"));
    assert_non_null(strstr(e, "rebuild"));
    assert_null(strchr(e, '\n'));
    /* Only the old one is registered. */
    assert_null(registry_first()->next);
    registry_reset();
    assert_null(registry_error());
}

int main(void)
{
    linked = registry_first();
    const struct CMUnitTest tests[] = {
        /* First: they read the constructor-registered list. */
        cmocka_unit_test(two_files_all_registered_in_order),
        cmocka_unit_test(bench_macro_fills_options),
        cmocka_unit_test(args_in_given_order),
        cmocka_unit_test(range_google_benchmark_semantics),
        cmocka_unit_test(range_near_int64_max),
        cmocka_unit_test(full_names),
        cmocka_unit_test(empty_registry_expands_to_nothing),
        cmocka_unit_test(args_and_range_both),
        cmocka_unit_test(bad_ranges),
        cmocka_unit_test(duplicate_names),
        cmocka_unit_test(error_stops_at_first_invalid),
        cmocka_unit_test(filter_posix_ere),
        cmocka_unit_test(unit_checked),
        cmocka_unit_test(filter_negated),
        cmocka_unit_test(filter_null_keeps_all),
        cmocka_unit_test(filter_matching_nothing),
        cmocka_unit_test(filter_bad_regex),
        cmocka_unit_test(product_every_combination),
        cmocka_unit_test(product_instances),
        cmocka_unit_test(product_invalid),
        cmocka_unit_test(size_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
