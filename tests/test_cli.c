/* cli_parse: every flag of a bench program (SPEC §2) and every way to get
 * one wrong (SPEC §7): strict, one-line errors, never a silent default. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARGV(...) ((char *[]){"bench", __VA_ARGS__, NULL})
#define ARGC(...)                                                              \
    ((int)(sizeof((char *[]){"bench", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, err, ...)                                                     \
    cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (err), sizeof(err))

/* Expects MB_ERR_USAGE with a one-line message containing every `want`. */
#define REJECTS(want, ...)                                                     \
    do {                                                                       \
        cli_opts o_;                                                           \
        char e_[512] = "";                                                     \
        assert_int_equal(PARSE(&o_, e_, __VA_ARGS__), MB_ERR_USAGE);           \
        assert_true(e_[0] != '\0');                                            \
        assert_null(strchr(e_, '\n'));                                         \
        if (strstr(e_, (want)) == NULL)                                        \
            fail_msg("error '%s' lacks '%s'", e_, (want));                     \
    } while (0)

static void defaults(void **unused)
{
    (void)unused;
    cli_opts o;
    char err[256] = "";
    char *argv[] = {"bench", NULL};
    assert_int_equal(cli_parse(1, argv, &o, err, sizeof err), MB_OK);
    assert_false(o.list || o.help || o.version || o.fail_on_regression);
    assert_null(o.filter);
    assert_true(o.min_time == 0);
    assert_int_equal(o.samples, 0);
    assert_int_equal(o.rounds, 0);
    assert_int_equal(o.cpu, CPU_AUTO);
    assert_null(o.counters);
    assert_int_equal(o.measure, MEASURE_TIME);
    assert_int_equal(o.format, FMT_CONSOLE);
    assert_null(o.out);
    assert_null(o.save_baseline);
    assert_null(o.baseline);
    assert_true(o.threshold == CLI_DEFAULT_THRESHOLD);
    assert_true(o.alpha == CLI_DEFAULT_ALPHA);
    assert_null(o.archive);
    assert_null(o.worker);
}

static void every_flag(void **unused)
{
    (void)unused;
    cli_opts o;
    char err[256] = "";
    assert_int_equal(
        PARSE(&o, err, "--list", "--help", "--version", "--filter=hash/(4|16)$",
              "--min-time=0.25", "--samples=30", "--rounds=3", "--cpu=1",
              "--counters=PAPI_TOT_INS,PAPI_TOT_CYC", "--measure=instructions",
              "--format=json", "--out=res.json", "--save-baseline=new",
              "--baseline=main", "--fail-on-regression", "--threshold=2.5",
              "--alpha=0.01", "--archive=/tmp/arch", "--mb-worker=3"),
        MB_OK);
    assert_true(o.list && o.help && o.version && o.fail_on_regression);
    assert_string_equal(o.filter, "hash/(4|16)$");
    assert_true(o.min_time == 0.25);
    assert_int_equal(o.samples, 30);
    assert_int_equal(o.rounds, 3);
    assert_int_equal(o.cpu, 1);
    assert_string_equal(o.counters, "PAPI_TOT_INS,PAPI_TOT_CYC");
    assert_int_equal(o.measure, MEASURE_INSTRUCTIONS);
    assert_int_equal(o.format, FMT_JSON);
    assert_string_equal(o.out, "res.json");
    assert_string_equal(o.save_baseline, "new");
    assert_string_equal(o.baseline, "main");
    assert_true(o.threshold > 0.0249999 && o.threshold < 0.0250001);
    assert_true(o.alpha == 0.01);
    assert_string_equal(o.archive, "/tmp/arch");
    assert_string_equal(o.worker, "3");
}

static void value_as_next_argument(void **unused)
{
    (void)unused;
    cli_opts o;
    char err[256] = "";
    assert_int_equal(PARSE(&o, err, "--filter", "quad", "--samples", "7",
                           "--format", "csv", "--cpu", "none"),
                     MB_OK);
    assert_string_equal(o.filter, "quad");
    assert_int_equal(o.samples, 7);
    assert_int_equal(o.format, FMT_CSV);
    assert_int_equal(o.cpu, CPU_NONE);
}

static void formats_and_measures(void **unused)
{
    (void)unused;
    const char *names[] = {"console", "json", "csv", "markdown"};
    const out_format want[] = {FMT_CONSOLE, FMT_JSON, FMT_CSV, FMT_MARKDOWN};
    for (int i = 0; i < 4; i++) {
        cli_opts o;
        char err[256] = "", flag[64];
        snprintf(flag, sizeof flag, "--format=%s", names[i]);
        assert_int_equal(PARSE(&o, err, flag), MB_OK);
        assert_int_equal(o.format, want[i]);
    }
    cli_opts o;
    char err[256] = "";
    assert_int_equal(PARSE(&o, err, "--measure=instructions", "--measure=time"),
                     MB_OK);
    assert_int_equal(o.measure, MEASURE_TIME); /* the last one wins */
}

static void boundaries_accepted(void **unused)
{
    (void)unused;
    cli_opts o;
    char err[256] = "";
    assert_int_equal(PARSE(&o, err, "--min-time=3600", "--samples=1", "--cpu=0",
                           "--threshold=0", "--alpha=0.999"),
                     MB_OK);
    assert_true(o.min_time == 3600);
    assert_int_equal(o.samples, 1);
    assert_int_equal(o.cpu, 0);
    assert_true(o.threshold == 0);
    assert_true(o.alpha == 0.999);
    assert_int_equal(PARSE(&o, err, "--min-time=1e-3", "--samples=1000000"),
                     MB_OK);
    assert_true(o.min_time == 1e-3);
    assert_int_equal(o.samples, 1000000);
}

static void parse_helpers(void **unused)
{
    (void)unused;
    double d = -7;
    long l = -7;
    assert_true(cli_parse_double("1.5", &d) && d == 1.5);
    assert_false(cli_parse_double("", &d));
    assert_false(cli_parse_double(NULL, &d));
    assert_false(cli_parse_double("1.5s", &d));
    assert_false(cli_parse_double("inf", &d));
    assert_false(cli_parse_double("nan", &d));
    assert_false(cli_parse_double("1e999", &d));
    assert_true(d == 1.5); /* untouched by failures */
    assert_true(cli_parse_int("12", 0, 20, &l) && l == 12);
    assert_false(cli_parse_int("21", 0, 20, &l));
    assert_false(cli_parse_int("-1", 0, 20, &l));
    assert_false(cli_parse_int("1.0", 0, 20, &l));
    assert_false(cli_parse_int("", 0, 20, &l));
    assert_false(cli_parse_int("99999999999999999999999", 0, 20, &l));
    assert_int_equal(l, 12);
    out_format f = FMT_JSON;
    assert_false(cli_parse_format("JSON", &f));
    assert_false(cli_parse_format("", &f));
    assert_int_equal(f, FMT_JSON);
}

static void unknown_flags(void **unused)
{
    (void)unused;
    REJECTS("--bogus", "--bogus");
    REJECTS("unknown flag", "--lis");
    REJECTS("unknown flag", "--a-very-long-flag-name-that-overflows-the-"
                            "name-buffer=1");
    REJECTS("-l", "-l");
    REJECTS("positional", "--list", "positional");
    REJECTS("--list takes no value", "--list=yes");
    REJECTS("--fail-on-regression takes no value", "--fail-on-regression=1",
            "--baseline=x");
}

/* An unknown flag with a value is unknown, not "takes no value". */
static void unknown_flag_with_value(void **unused)
{
    (void)unused;
    REJECTS("unknown flag '--bogus=1'", "--bogus=1");
}

static void malformed_numbers(void **unused)
{
    (void)unused;
    REJECTS("--min-time: 'abc'", "--min-time=abc");
    REJECTS("--min-time: '-1'", "--min-time=-1");
    REJECTS("--min-time: '0'", "--min-time=0");
    REJECTS("--min-time", "--min-time=");
    REJECTS("--min-time", "--min-time=1s");
    REJECTS("--min-time", "--min-time=nan");
    REJECTS("--min-time", "--min-time=inf");
    REJECTS("--min-time", "--min-time=3601");
    REJECTS("--samples: '0'", "--samples=0");
    REJECTS("--samples: '1.5'", "--samples=1.5");
    REJECTS("--samples: '-5'", "--samples=-5");
    REJECTS("--samples", "--samples=");
    REJECTS("--samples", "--samples=1000001");
    REJECTS("--samples", "--samples=99999999999999999999");
    REJECTS("--rounds: '0'", "--rounds=0");
    REJECTS("--rounds", "--rounds=x");
    REJECTS("--cpu: '-3'", "--cpu=-3");
    REJECTS("--cpu: 'one'", "--cpu=one");
    REJECTS("--cpu", "--cpu=");
    REJECTS("--cpu", "--cpu=1.5");
    REJECTS("--threshold: 'x'", "--threshold=x");
    REJECTS("--threshold", "--threshold=-1");
    REJECTS("--threshold", "--threshold=1000");
    REJECTS("--alpha: '1'", "--alpha=1");
    REJECTS("--alpha: '0'", "--alpha=0");
    REJECTS("--alpha", "--alpha=-0.1");
    REJECTS("--alpha", "--alpha=x");
}

static void unknown_words(void **unused)
{
    (void)unused;
    REJECTS("--format: unknown format 'xml'", "--format=xml");
    REJECTS("--format", "--format=");
    REJECTS("--format", "--format=JSON");
    REJECTS("--measure: unknown measure 'cycles'", "--measure=cycles");
    REJECTS("--measure", "--measure=");
    REJECTS("--out needs a file name", "--out=");
    REJECTS("--archive needs a directory", "--archive=");
}

static void missing_values(void **unused)
{
    (void)unused;
    const char *flags[] = {
        "--filter",   "--min-time",  "--samples", "--rounds", "--cpu",
        "--counters", "--measure",   "--format",  "--out",    "--save-baseline",
        "--baseline", "--threshold", "--alpha",   "--archive"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        char want[64];
        snprintf(want, sizeof want, "%s needs a value", flags[i]);
        REJECTS(want, (char *)flags[i]);
        REJECTS(want, "--list", (char *)flags[i]);
    }
}

static void fail_on_regression_needs_baseline(void **unused)
{
    (void)unused;
    REJECTS("--fail-on-regression needs --baseline", "--fail-on-regression");
    REJECTS("--fail-on-regression needs --baseline", "--fail-on-regression",
            "--save-baseline=x");
    cli_opts o;
    char err[256] = "";
    assert_int_equal(PARSE(&o, err, "--fail-on-regression", "--baseline=b"),
                     MB_OK);
    assert_true(o.fail_on_regression);
    /* Order does not matter. */
    assert_int_equal(PARSE(&o, err, "--baseline=b", "--fail-on-regression"),
                     MB_OK);
    /* --fail-on-inconclusive: the same rules. */
    REJECTS("--fail-on-inconclusive needs --baseline",
            "--fail-on-inconclusive");
    assert_int_equal(PARSE(&o, err, "--fail-on-inconclusive", "--baseline=b"),
                     MB_OK);
    assert_true(o.fail_on_inconclusive && !o.fail_on_regression);
}

/* The flags Google Benchmark users reach for. */
static void gb_flags(void **unused)
{
    (void)unused;
    cli_opts o;
    char err[256] = "";
    assert_int_equal(PARSE(&o, err, "--dry-run", "--time-unit=ms",
                           "--out=r.csv", "--out-format=csv", "--filter=-hash",
                           "--no-step-summary", "--count-allocs=no"),
                     MB_OK);
    assert_true(o.dry_run && o.no_step_summary && o.no_alloc_count);
    assert_string_equal(o.time_unit, "ms");
    assert_true(o.has_out_format);
    assert_int_equal(o.out_format, FMT_CSV);
    assert_int_equal(o.format, FMT_CONSOLE); /* stdout keeps the table */
    assert_string_equal(o.filter, "-hash");
    assert_int_equal(PARSE(&o, err, "--count-allocs=yes"), MB_OK);
    assert_false(o.no_alloc_count || o.dry_run || o.has_out_format);
    assert_null(o.time_unit);
    const char *units[] = {"ns", "us", "ms", "s"};
    const double ns[] = {1, 1e3, 1e6, 1e9};
    for (int i = 0; i < 4; i++) {
        char flag[32];
        double d = 0;
        snprintf(flag, sizeof flag, "--time-unit=%s", units[i]);
        assert_int_equal(PARSE(&o, err, flag), MB_OK);
        assert_true(cli_parse_time_unit(o.time_unit, &d) && d == ns[i]);
    }
    REJECTS("--time-unit: unknown time unit 'sec'", "--time-unit=sec");
    REJECTS("--time-unit: unknown time unit 'µs'", "--time-unit=µs");
    REJECTS("--out-format: unknown format 'xml'", "--out=x",
            "--out-format=xml");
    REJECTS("--out-format needs --out=FILE", "--out-format=json");
    REJECTS("--count-allocs: 'maybe' is not yes or no", "--count-allocs=maybe");
    REJECTS("--dry-run takes no value", "--dry-run=1");
}

/* Every flag but --list/--help/--version has a MICROBE_ variable; the
 * command line wins; a bad value names the variable. */
static void environment(void **unused)
{
    (void)unused;
    const char *names[64];
    size_t n = cli_env_names(names, 64);
    assert_true(n >= 18 && n <= 64);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strncmp(names[i], "MICROBE_", 8), 0);
        assert_null(strchr(names[i], '-'));
    }
    cli_opts o;
    char err[256] = "";
    setenv("MICROBE_MIN_TIME", "0.5", 1);
    setenv("MICROBE_FILTER", "-quad", 1);
    setenv("MICROBE_SAMPLES", "12", 1);
    setenv("MICROBE_TIME_UNIT", "us", 1);
    setenv("MICROBE_DRY_RUN", "yes", 1);
    setenv("MICROBE_CPU", "none", 1);
    setenv("MICROBE_THRESHOLD", "7", 1);
    assert_int_equal(PARSE(&o, err, "--samples=9", "--list"), MB_OK);
    assert_true(o.min_time == 0.5);
    assert_string_equal(o.filter, "-quad");
    assert_int_equal(o.samples, 9); /* the flag wins */
    assert_string_equal(o.time_unit, "us");
    assert_true(o.dry_run);
    assert_int_equal(o.cpu, CPU_NONE);
    assert_true(o.threshold > 0.0699 && o.threshold < 0.0701);
    /* A bad value in a variable a flag overrides is never read. */
    setenv("MICROBE_SAMPLES", "lots", 1);
    assert_int_equal(PARSE(&o, err, "--samples=3"), MB_OK);
    REJECTS("MICROBE_SAMPLES: 'lots' is not a whole number", "--list");
    unsetenv("MICROBE_SAMPLES");
    setenv("MICROBE_DRY_RUN", "maybe", 1);
    REJECTS("MICROBE_DRY_RUN: 'maybe' is not 1/true/yes/on", "--list");
    setenv("MICROBE_DRY_RUN", "0", 1);
    assert_int_equal(PARSE(&o, err, "--list"), MB_OK);
    assert_false(o.dry_run);
    /* Empty means unset. */
    setenv("MICROBE_MIN_TIME", "", 1);
    assert_int_equal(PARSE(&o, err, "--list"), MB_OK);
    assert_true(o.min_time == 0);
    setenv("MICROBE_FAIL_ON_REGRESSION", "1", 1);
    REJECTS("--fail-on-regression needs --baseline", "--list");
    setenv("MICROBE_BASELINE", "main", 1);
    assert_int_equal(PARSE(&o, err, "--list"), MB_OK);
    assert_true(o.fail_on_regression);
    assert_string_equal(o.baseline, "main");
    /* A worker process ignores them all (its parent sends the plan). */
    setenv("MICROBE_SAMPLES", "lots", 1);
    assert_int_equal(PARSE(&o, err, "--mb-worker=run:3:4"), MB_OK);
    assert_int_equal(o.samples, 0);
    /* Not for --list, --help, --version. */
    unsetenv("MICROBE_BASELINE");
    unsetenv("MICROBE_FAIL_ON_REGRESSION");
    unsetenv("MICROBE_SAMPLES");
    setenv("MICROBE_LIST", "1", 1);
    setenv("MICROBE_HELP", "1", 1);
    assert_int_equal(PARSE(&o, err, "--dry-run"), MB_OK);
    assert_false(o.list || o.help);
    for (size_t i = 0; i < n; i++)
        unsetenv(names[i]);
    unsetenv("MICROBE_LIST");
    unsetenv("MICROBE_HELP");
}

static void error_names_first_bad_flag(void **unused)
{
    (void)unused;
    REJECTS("--samples", "--list", "--samples=0", "--alpha=2");
    REJECTS("--bogus", "--bogus", "--samples=0");
}

int main(void)
{
    /* The flags' variables of whoever runs the tests do not count. */
    const char *vars[64];
    size_t nv = cli_env_names(vars, 64);
    for (size_t i = 0; i < nv && i < 64; i++)
        unsetenv(vars[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(every_flag),
        cmocka_unit_test(value_as_next_argument),
        cmocka_unit_test(formats_and_measures),
        cmocka_unit_test(boundaries_accepted),
        cmocka_unit_test(parse_helpers),
        cmocka_unit_test(unknown_flags),
        cmocka_unit_test(unknown_flag_with_value),
        cmocka_unit_test(malformed_numbers),
        cmocka_unit_test(unknown_words),
        cmocka_unit_test(missing_values),
        cmocka_unit_test(fail_on_regression_needs_baseline),
        cmocka_unit_test(error_names_first_bad_flag),
        cmocka_unit_test(gb_flags),
        cmocka_unit_test(environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
