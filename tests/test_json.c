/* Unit tests of core/json_write.c, json_load.c and gbench.c: run <-> JSON round
 * trip, Google Benchmark compatibility both ways, strict validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/json.h"

/* ---- Helpers ---------------------------------------------------------------
 */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

/* A run that exercises every field: grouped and ungrouped results, with
 * and without argument, counters, flags, rounds, throughput, an error,
 * awkward doubles. */
static mb_run *sample_run(void)
{
    mb_run *run = run_create();
    assert_non_null(run);
    run_ctx_str(run, "cpu_brand", "AMD EPYC 9R14 96-Core Processor");
    run_ctx_str(run, "date", "2026-11-25T12:34:56Z");
    run_ctx_str(run, "quote", "say \"hi\"\n\ttab \\ slash \xc3\xa9");
    run_ctx_num(run, "tsc_ghz", 2.096018);
    run_ctx_num(run, "cpu", 1);
    run_ctx_num(run, "tiny", 5e-324);
    run_ctx_bool(run, "pinned", true);
    run_ctx_bool(run, "hypervisor", false);
    run_warn(run, "hypervisor detected; numbers vary more");
    run_warn(run, "no hardware counters here (PAPI: %s)", "disabled");

    static const double odd[] = {0.1,     1.0 / 3,           -0.0,
                                 1e300,   2.5e-310,          9007199254740993.0,
                                 DBL_MAX, 123456789.98765432};
    const char *names[] = {"instructions", "cycles"};
    for (int b = 0; b < 5; b++) {
        mb_result *r = run_add_result(run);
        assert_non_null(r);
        char buf[64];
        bool grouped = b < 3;
        r->has_arg = b != 3;
        r->arg = (int64_t)16 << b;
        r->bench = xstrdup(b < 2 ? "quadratic" : b == 2 ? "hash" : "plain");
        if (grouped) {
            r->group = xstrdup("find_dups");
            snprintf(buf, sizeof buf, "find_dups/%s", r->bench);
        } else
            snprintf(buf, sizeof buf, "%s", r->bench);
        r->family = xstrdup(buf);
        if (r->has_arg)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "/%lld",
                     (long long)r->arg);
        r->name = xstrdup(buf);
        if (b == 1)
            r->items = 16;
        if (b == 2)
            r->bytes = 1.5;
        if (b < 2) {
            r->ncounters = 2;
            r->counter_names = calloc(2, sizeof(char *));
            r->counter_names[0] = xstrdup(names[0]);
            r->counter_names[1] = xstrdup(names[1]);
        }
        if (b == 4)
            r->error = xstrdup("crashed: SIGSEGV in teardown");
        size_t n = b == 4 ? 0 : 37 + (size_t)b;
        for (size_t i = 0; i < n; i++) {
            double c[2] = {1e6 + (double)i * 3.25, odd[i % 8]};
            double ns = 1234.5678 * (1 + 0.05 * sin((double)i)) * (b + 1);
            if (i < 8 && b == 3)
                ns = odd[i];
            assert_true(result_add_sample(r, 1000 + b, ns, c,
                                          (uint8_t)(i % 3 == 0),
                                          (uint16_t)(i * 7 % 65536)));
        }
        /* The machine-state probe of rounds 0 and 2 (1: none, null). */
        if (b == 1) {
            assert_true(result_set_probe(r, 2, 2.0986328125));
            assert_true(result_set_probe(r, 0, 1.3984375));
        }
        r->time.n = n;
        r->time.median = b == 4 ? NAN : 1.2345678901234567 * (b + 1);
        r->time.mean = 1.25 * (b + 1);
        r->time.stddev = 0.0123;
        r->time.mad = 0.01;
        r->time.min = 1.1;
        r->time.max = INFINITY; /* written as null, read back as NaN */
        r->time.median_ci = (st_interval){1.2, 1.3};
        r->time.ci_rounds = 5;
        r->time.confidence = 0.95;
        r->time.outliers = (st_outliers){1, 2, 3, 4};
        if (grouped)
            snprintf(r->complexity, sizeof r->complexity, "%s",
                     b < 2 ? "O(n^2)" : "O(n)");
    }
    return run;
}

static bool same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

static void assert_same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Summary fields written as null (non-finite) come back as NaN. */
static void assert_same_summary(const mb_summary *a, const mb_summary *b)
{
    const double x[] = {a->median,       a->mean,         a->stddev,
                        a->mad,          a->min,          a->max,
                        a->median_ci.lo, a->median_ci.hi, a->confidence};
    const double y[] = {b->median,       b->mean,         b->stddev,
                        b->mad,          b->min,          b->max,
                        b->median_ci.lo, b->median_ci.hi, b->confidence};
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->ci_rounds, b->ci_rounds);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        assert_true(same_double(isfinite(x[i]) ? x[i] : NAN, y[i]));
    assert_memory_equal(&a->outliers, &b->outliers, sizeof a->outliers);
}

/* Everything of a survives in b, every sample bit for bit. */
static void assert_same_run(const mb_run *a, const mb_run *b)
{
    assert_int_equal(a->nctx, b->nctx);
    for (size_t i = 0; i < a->nctx; i++) {
        const ctx_entry *e = &a->ctx[i], *f = &b->ctx[i];
        assert_string_equal(e->key, f->key); /* order kept too */
        assert_int_equal(e->type, f->type);
        if (e->type == CTX_STR)
            assert_string_equal(e->str, f->str);
        else
            assert_true(same_double(e->num, f->num));
    }
    assert_int_equal(a->nwarnings, b->nwarnings);
    for (size_t i = 0; i < a->nwarnings; i++)
        assert_string_equal(a->warnings[i], b->warnings[i]);
    assert_int_equal(a->nresults, b->nresults);
    for (size_t k = 0; k < a->nresults; k++) {
        const mb_result *r = &a->results[k], *s = &b->results[k];
        assert_string_equal(r->name, s->name);
        assert_string_equal(r->family, s->family);
        assert_same_str(r->group, s->group);
        assert_string_equal(r->bench, s->bench);
        assert_int_equal(r->has_arg, s->has_arg);
        if (r->has_arg)
            assert_int_equal(r->arg, s->arg);
        assert_true(same_double(r->items, s->items));
        assert_true(same_double(r->bytes, s->bytes));
        assert_int_equal(r->n, s->n);
        for (size_t i = 0; i < r->n; i++) {
            assert_true(same_double(r->iters[i], s->iters[i]));
            assert_true(same_double(r->ns[i], s->ns[i]));
            assert_int_equal(r->flags[i], s->flags[i]);
            assert_int_equal(r->round[i], s->round[i]);
        }
        assert_int_equal(r->nprobe, s->nprobe);
        for (size_t q = 0; q < r->nprobe; q++)
            assert_true(same_double(r->probe_ns[q], s->probe_ns[q]));
        assert_int_equal(r->ncounters, s->ncounters);
        for (size_t c = 0; c < r->ncounters; c++)
            assert_string_equal(r->counter_names[c], s->counter_names[c]);
        for (size_t i = 0; i < r->n * r->ncounters; i++)
            assert_true(same_double(r->counters[i], s->counters[i]));
        assert_same_str(r->error, s->error);
        assert_same_summary(&r->time, &s->time);
        assert_string_equal(r->complexity, s->complexity);
    }
}

/* Finds tests/fixtures whatever the working directory of the test is. */
static char *fixture(const char *name)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    const char *cands[] = {NULL, "tests/fixtures", "../tests/fixtures",
                           "../../tests/fixtures"};
    if (slash) {
        snprintf(slash, sizeof dir - (size_t)(slash - dir), "/fixtures");
        cands[0] = dir;
    }
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        if (!cands[i])
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", cands[i], name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        return buf;
    }
    fail_msg("fixture %s not found (cwd and tests/fixtures tried)", name);
    return NULL;
}

/* Runs jq filter on text; returns its stdout (trimmed) or fails. */
static char *jq(const char *text, const char *filter)
{
    assert_int_equal(system("command -v jq >/dev/null 2>&1"), 0);
    char in[] = "/tmp/mb_test_json_XXXXXX";
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "jq -r '%s' < %s", filter, in);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[65536];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(in);
    if (rc != 0)
        fail_msg("jq '%s' failed (%d): %s", filter, rc, out);
    while (n && (out[n - 1] == '\n'))
        out[--n] = '\0';
    return out;
}

/* ---- Tests
 * --------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    mb_run *run = sample_run();
    size_t len = 0;
    char *text = json_dump_compared(run, NULL, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));

    mb_run *back = NULL;
    char err[256];
    assert_int_equal(json_load_run(text, len, "mem", &back, err, sizeof err),
                     MB_OK);
    assert_same_run(run, back);

    /* Writing what was read gives the same document. */
    char *again = json_dump_compared(back, NULL, NULL);
    assert_non_null(again);
    assert_string_equal(text, again);

    /* The compact form carries the same data. */
    char *compact = json_dump_run_compact(run, &len);
    assert_non_null(compact);
    assert_null(strchr(compact, '\n'));
    assert_true(len < strlen(text));
    mb_run *back2 = NULL;
    assert_int_equal(
        json_load_run(compact, len, "mem", &back2, err, sizeof err), MB_OK);
    assert_same_run(run, back2);

    /* Loaded results can keep growing (capacity convention of run.c). */
    mb_result *r = &back2->results[0];
    for (int i = 0; i < 100; i++)
        assert_true(result_add_sample(r, 1, 2, NULL, 0, 0));

    free(text);
    free(again);
    free(compact);
    run_free(run);
    run_free(back);
    run_free(back2);
}

static void test_empty_run(void **state)
{
    (void)state;
    mb_run *run = run_create();
    char *text = json_dump_compared(run, NULL, NULL);
    assert_non_null(text);
    mb_run *back;
    char err[256];
    assert_int_equal(
        json_load_run(text, strlen(text), "x", &back, err, sizeof err), MB_OK);
    assert_int_equal(back->nresults, 0);
    assert_int_equal(back->nctx, 0);
    free(text);
    run_free(run);
    run_free(back);
}

/* The rows that hold microbe's data: the first of each benchmark. */
#define M "[.benchmarks[] | select(.microbe)]"

static void test_google_benchmark_keys(void **state)
{
    (void)state;
    mb_run *run = sample_run();
    char *text = json_dump_compared(run, NULL, NULL);
    assert_non_null(text);

    assert_string_equal(jq(text, ".context.microbe_format"), "2");
    assert_string_equal(jq(text, ".context.pinned"), "true");
    assert_string_equal(jq(text, ".context.tsc_ghz"), "2.096018");
    assert_string_equal(jq(text, ".context.warnings | length"), "2");
    assert_string_equal(
        jq(text, "[.benchmarks[] | has(\"name\") and has(\"run_name\") and "
                 "has(\"run_type\") and has(\"iterations\") and "
                 "has(\"real_time\") and has(\"time_unit\") and "
                 "has(\"family_index\") and "
                 "has(\"per_family_instance_index\") and "
                 "has(\"repetitions\") and has(\"threads\")] | all"),
        "true");
    /* No CPU time measured: no cpu_time (never wall time under its name). */
    assert_string_equal(jq(text, "[.benchmarks[] | has(\"cpu_time\")] | any"),
                        "false");
    assert_string_equal(jq(text, "[.benchmarks[].run_type] | unique | "
                                 "join(\",\")"),
                        "aggregate,iteration");
    assert_string_equal(jq(text, "[.benchmarks[].time_unit] | unique | .[]"),
                        "ns");
    /* Families numbered in order of first appearance. */
    assert_string_equal(jq(text, M " | map(\"\\(.family_index)."
                                   "\\(.per_family_instance_index)\") | "
                                   "join(\",\")"),
                        "0.0,0.1,1.0,2.0,2.1");
    assert_string_equal(jq(text, M " | map(.repetition_index) | unique | .[]"),
                        "0");
    assert_string_equal(jq(text, M "[2] | has(\"bytes_per_second\")"), "true");
    assert_string_equal(jq(text, M "[0] | has(\"items_per_second\")"), "false");
    assert_string_equal(jq(text, M "[4].error_occurred"), "true");
    assert_string_equal(jq(text, M "[4].error_message"),
                        "crashed: SIGSEGV in teardown");
    assert_string_equal(jq(text, M "[3].microbe | has(\"group\"), "
                                   "has(\"arg\"), has(\"counters\")"),
                        "false\nfalse\nfalse");
    assert_string_equal(jq(text, M "[0].microbe.counters.names | "
                                   "join(\",\")"),
                        "instructions,cycles");
    assert_string_equal(jq(text,
                           M "[0].microbe.samples | [.iters, .ns, .round, "
                             ".flags] | map(length) | join(\",\")"),
                        "37,37,37,37");
    assert_string_equal(jq(text, M "[0].microbe.summary.outliers | "
                                   "[.low_severe, .high_severe] | join(\",\")"),
                        "1,4");
    assert_string_equal(jq(text, M "[0].microbe.complexity"), "O(n^2)");
    assert_string_equal(jq(text, M "[0].microbe.summary.max"), "null");
    free(text);
    run_free(run);
}

/* --format=json as Google Benchmark writes --benchmark_repetitions: a
 * row per round (its total time over its iterations), then mean, median,
 * stddev and cv over the rounds; cpu_time from the CPU time measured. */
static void test_repetition_rows(void **state)
{
    (void)state;
    mb_run *run = run_create();
    mb_result *r = run_add_result(run);
    r->name = xstrdup("g/b/8");
    r->family = xstrdup("g/b");
    r->group = xstrdup("g");
    r->bench = xstrdup("b");
    r->has_arg = true;
    r->arg = 8;
    r->items = 2;
    /* Round k: samples of 100 iterations; round 1's disturbed sample is
     * left out of its row, round 2 has only a disturbed one: kept. */
    static const struct {
        double ns, cpu;
        uint8_t flags;
        uint16_t round;
    } s[] = {{1000, 900, 0, 0},
             {1400, 1300, 0, 0},
             {2000, 1800, 0, 1},
             {9000, 8000, 1, 1},
             {3000, 2500, 1, 2}};
    for (size_t i = 0; i < 5; i++) {
        assert_true(result_add_sample_cpu(r, 100, s[i].ns, s[i].cpu, NULL,
                                          s[i].flags, s[i].round));
    }
    mb_result *f = run_add_result(run);
    f->name = xstrdup("crash");
    f->family = xstrdup("crash");
    f->bench = xstrdup("crash");
    f->error = xstrdup("SIGSEGV");
    char *text = json_dump_compared(run, NULL, NULL);
    assert_non_null(text);
    assert_string_equal(jq(text, "[.benchmarks[] | \"\\(.name) \\(.run_type) "
                                 "\\(.repetition_index) \\(.repetitions) "
                                 "\\(.iterations) \\(.real_time) "
                                 "\\(.cpu_time) \\(has(\"microbe\"))\"] | "
                                 "join(\";\")"),
                        "g/b/8 iteration 0 3 200 12 11 true;"
                        "g/b/8 iteration 1 3 100 20 18 false;"
                        "g/b/8 iteration 2 3 100 30 25 false;"
                        "g/b/8_mean aggregate null 3 3 "
                        "20.666666666666668 18 false;"
                        "g/b/8_median aggregate null 3 3 20 18 false;"
                        "g/b/8_stddev aggregate null 3 3 "
                        "9.018499505645789 7 false;"
                        "g/b/8_cv aggregate null 3 3 "
                        "0.43637900833769944 0.3888888888888889 false;"
                        "crash iteration 0 1 0 0 null true");
    assert_string_equal(jq(text, "[.benchmarks[] | select(.run_type == "
                                 "\"aggregate\") | \"\\(.run_name) "
                                 "\\(.aggregate_name) \\(.aggregate_unit)\"] | "
                                 "join(\";\")"),
                        "g/b/8 mean time;g/b/8 median time;"
                        "g/b/8 stddev time;g/b/8 cv percentage");
    /* The aggregates as Python computes them: statistics.mean, median,
     * stdev of [12, 20, 30] and [11, 18, 25], stdev / mean. */
    /* Throughput per second of the row's real time. */
    assert_string_equal(jq(text, ".benchmarks[1].items_per_second"),
                        "100000000");
    /* It reads back as the run it was: one result per benchmark. */
    mb_run *back;
    char err[256];
    assert_int_equal(
        json_load_run(text, strlen(text), "x", &back, err, sizeof err), MB_OK);
    assert_int_equal(back->nresults, 2);
    assert_int_equal(back->results[0].n, 5);
    assert_true(back->results[0].cpu_ns[3] == 8000);

    free(text);
    run_free(back);
    run_free(run);
}

/* A document with a top-level key the loader does not know (the verdicts
 * that --format=json writes against a baseline) loads as the run. */
static void test_load_ignores_extra_key(void **state)
{
    (void)state;
    mb_run *run = sample_run();
    char *doc = json_dump_compared(run, NULL, NULL);
    assert_non_null(doc);
    static const char extra[] =
        "{\"comparison\": {\"verdicts\": [{\"name\": \"a\", \"v\": 1}]},";
    char *text = malloc(strlen(doc) + sizeof extra);
    assert_non_null(text);
    strcpy(text, extra);
    strcat(text, doc + 1); /* doc starts with '{' */
    free(doc);
    assert_string_equal(jq(text, ".comparison.verdicts[0].name"), "a");
    mb_run *back;
    char err[256];
    assert_int_equal(
        json_load_run(text, strlen(text), "x", &back, err, sizeof err), MB_OK);
    assert_same_run(run, back);
    run_free(back);
    free(text);
    run_free(run);
}

static void test_non_utf8_strings(void **state)
{
    (void)state;
    mb_run *run = run_create();
    run_ctx_str(run, "cpu_brand", "Weird\xff CPU \xc3(");
    run_warn(run, "bad \xfe byte");
    char *text = json_dump_compared(run, NULL, NULL);
    assert_non_null(text);
    mb_run *back;
    char err[256];
    assert_int_equal(
        json_load_run(text, strlen(text), "x", &back, err, sizeof err), MB_OK);
    assert_string_equal(run_ctx_gets(back, "cpu_brand"), "Weird? CPU ?(");
    assert_string_equal(back->warnings[0], "bad ? byte");
    free(text);
    run_free(run);
    run_free(back);
}

/* A minimal valid microbe document with one benchmark whose parts can be
 * replaced: printf-style holes for context extras, samples, summary. */
static char *doc(const char *fmt_version, const char *bench_extra,
                 const char *samples, const char *summary)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"context\": {\"microbe_format\": %s, \"warnings\": []},"
             " \"benchmarks\": [{\"name\": \"b/1\"%s, \"microbe\": {"
             "\"family\": \"b\", \"bench\": \"b\", \"arg\": 1,"
             " \"samples\": %s, \"summary\": %s}}]}",
             fmt_version, bench_extra, samples, summary);
    return buf;
}

#define GOOD_SAMPLES                                                           \
    "{\"iters\": [1, 2], \"ns\": [10.5, 20], \"round\": [0, 1], "              \
    "\"flags\": [0, 1]}"
#define GOOD_SUMMARY                                                           \
    "{\"n\": 2, \"median\": 1, \"mean\": 1, \"stddev\": 0, \"mad\": 0, "       \
    "\"min\": 1, \"max\": 1, \"median_ci\": [1, 1], \"mean_ci\": [1, 1], "     \
    "\"confidence\": 0.95, \"outliers\": {\"low_severe\": 0, \"low_mild\": "   \
    "0, \"high_mild\": 0, \"high_severe\": 0}}"

static void expect_load(const char *text, mb_status want, const char *needle)
{
    mb_run *run = (mb_run *)1;
    char err[512];
    mb_status st =
        json_load_run(text, strlen(text), "f.json", &run, err, sizeof err);
    if (st != want)
        fail_msg("expected status %d, got %d (%s) for %s", want, st,
                 st == MB_OK ? "ok" : err, text);
    if (want == MB_OK) {
        assert_non_null(run);
        run_free(run);
        return;
    }
    assert_null(run);
    assert_null(strchr(err, '\n'));
    assert_true(strncmp(err, "f.json: ", 8) == 0);
    if (!strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
}

static void test_strict_validation(void **state)
{
    (void)state;
    expect_load(doc("1", "", GOOD_SAMPLES, GOOD_SUMMARY), MB_OK, "");
    expect_load("", MB_ERR_CORRUPT, "empty document");
    expect_load("{\"context\": ", MB_ERR_CORRUPT, "invalid JSON at line 1");
    expect_load("[1, 2]", MB_ERR_CORRUPT, "top level is not an object");
    expect_load("{\"benchmarks\": []}", MB_ERR_CORRUPT,
                "missing key 'context'");
    expect_load("{\"context\": {\"microbe_format\": 1}}", MB_ERR_CORRUPT,
                "missing key 'benchmarks'");
    expect_load("{\"context\": {\"microbe_format\": \"1\"}, \"benchmarks\": "
                "[]}",
                MB_ERR_CORRUPT, "'microbe_format' is not an integer");
    expect_load("{\"context\": {\"microbe_format\": 0}, \"benchmarks\": []}",
                MB_ERR_CORRUPT, "invalid microbe_format 0");
    expect_load("{\"context\": {\"microbe_format\": 1, \"a\": 1, \"a\": 2}, "
                "\"benchmarks\": []}",
                MB_ERR_CORRUPT, "duplicate object key");
    expect_load("{\"context\": {\"microbe_format\": 1, \"x\": [1]}, "
                "\"benchmarks\": []}",
                MB_ERR_CORRUPT, "context: 'x' is not a string, number or bool");
    expect_load("{\"context\": {\"microbe_format\": 1, \"warnings\": [1]}, "
                "\"benchmarks\": []}",
                MB_ERR_CORRUPT, "context.warnings[0] is not a string");
    expect_load("{\"context\": {\"microbe_format\": 1}, \"benchmarks\": "
                "[{\"name\": \"x\"}]}",
                MB_ERR_CORRUPT, "benchmarks[0]: missing key 'microbe'");
    expect_load("{\"context\": {\"microbe_format\": 1}, \"benchmarks\": [7]}",
                MB_ERR_CORRUPT, "benchmarks[0] is not an object");
    expect_load(doc("1", "",
                    "{\"iters\": [1, 2], \"ns\": [1], \"round\": "
                    "[0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT,
                "benchmarks[0] ('b/1').microbe.samples: 'ns' has 1 values, "
                "expected 2");
    expect_load(doc("1", "",
                    "{\"iters\": [1, \"2\"], \"ns\": [1, 2], "
                    "\"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "sample 1: 'iters' is not a number");
    /* Impossible values: no iterations, negative or missing times. */
    expect_load(doc("1", "",
                    "{\"iters\": [1, 0], \"ns\": [1, 2], "
                    "\"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT,
                "benchmarks[0] ('b/1').microbe.samples: sample 1: 'iters' "
                "must be > 0 (got 0)");
    expect_load(doc("2", "",
                    "{\"iters\": [1, 2], \"ns\": [-8.83, 2], "
                    "\"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "sample 0: 'ns' must be >= 0 (got -8.83)");
    expect_load(doc("2", "",
                    "{\"iters\": [1, 2], \"ns\": [1, null], "
                    "\"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "sample 1: 'ns' is null, not a number");
    expect_load(doc("2", "",
                    "{\"iters\": [1, 2], \"ns\": [1, 2], \"cpu_ns\": "
                    "[null, -1], \"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "sample 1: 'cpu_ns' must be >= 0 (got -1)");
    expect_load(doc("2", "",
                    "{\"iters\": [1, 2], \"ns\": [0, 2], \"cpu_ns\": "
                    "[null, 1], \"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_OK, ""); /* 0 ns: an empty body; null: not measured */
    expect_load(doc("2", "",
                    "{\"iters\": [1, 2], \"ns\": [1, 2], \"probe_ns\": "
                    "[1.4, 0], \"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "probe_ns[1] is not a time > 0 or null");
    expect_load(doc("2", "",
                    "{\"iters\": [1, 2], \"ns\": [1, 2], \"probe_ns\": "
                    "\"fast\", \"round\": [0, 1], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "probe_ns");
    expect_load(doc("1", "",
                    "{\"iters\": [1, 2], \"ns\": [1, 2], "
                    "\"round\": [0, 65536], \"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "'round' is not an integer in 0..65535");
    expect_load(doc("1", "",
                    "{\"iters\": [1, 2], \"ns\": [1, 2], "
                    "\"round\": [0, 1], \"flags\": [0, 1.5]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "'flags' is not an integer in 0..255");
    expect_load(doc("1", "",
                    "{\"iters\": [1, 2], \"ns\": [1, 2], "
                    "\"flags\": [0, 0]}",
                    GOOD_SUMMARY),
                MB_ERR_CORRUPT, "missing key 'round'");
    expect_load(doc("1", "", GOOD_SAMPLES, "{\"n\": 2}"), MB_ERR_CORRUPT,
                "summary: missing key 'median'");
    expect_load(doc("1", "", GOOD_SAMPLES, "[]"), MB_ERR_CORRUPT,
                "'summary' is not an object");
    expect_load(
        doc("1", ", \"error_occurred\": true", GOOD_SAMPLES, GOOD_SUMMARY),
        MB_ERR_CORRUPT, "missing key 'error_message'");
    expect_load(doc("1", ", \"error_occurred\": 1", GOOD_SAMPLES, GOOD_SUMMARY),
                MB_ERR_CORRUPT, "'error_occurred' is not true or false");

    /* Counters: names and one row per sample of as many values. */
    char samples[512];
    snprintf(samples, sizeof samples, "%.*s, \"x\": 0}",
             (int)strlen(GOOD_SAMPLES) - 1, GOOD_SAMPLES);
    char d[4096];
    snprintf(d, sizeof d, "%s", doc("1", "", GOOD_SAMPLES, GOOD_SUMMARY));
    char *hole = strstr(d, "\"samples\"");
    char tail[4096];
    snprintf(tail, sizeof tail, "%s", hole);
    snprintf(hole, sizeof d - (size_t)(hole - d),
             "\"counters\": {\"names\": [\"a\"], \"values\": [[1], [2, 3]]}, "
             "%s",
             tail);
    expect_load(d, MB_ERR_CORRUPT,
                "counters: values[1] is not an array of 1 numbers");
    snprintf(hole, sizeof d - (size_t)(hole - d),
             "\"counters\": {\"names\": [\"a\"], \"values\": [[1]]}, %s", tail);
    expect_load(d, MB_ERR_CORRUPT, "'values' has 1 values, expected 2");
    snprintf(hole, sizeof d - (size_t)(hole - d),
             "\"counters\": {\"names\": [\"a\"], \"values\": [[1], [2]]}, %s",
             tail);
    expect_load(d, MB_OK, "");
}

static void test_newer_version(void **state)
{
    (void)state;
    mb_run *run;
    char err[256];
    /* Refused by version before anything else is looked at. */
    const char *text = "{\"context\": {\"microbe_format\": 7}, "
                       "\"benchmarks\": \"whatever 7 means\"}";
    assert_int_equal(
        json_load_run(text, strlen(text), "FILE", &run, err, sizeof err),
        MB_ERR_VERSION);
    assert_null(run);
    assert_string_equal(err, "FILE: format version 7 is newer than this "
                             "microbe understands (2); upgrade microbe");
}

static void test_google_benchmark_input(void **state)
{
    (void)state;
    char *text = fixture("gb_1.7.1.json");
    mb_run *run;
    char err[256];
    assert_int_equal(
        json_load_run(text, strlen(text), "gb.json", &run, err, sizeof err),
        MB_OK);
    assert_int_equal(run->nresults, 4);
    /* Raw samples only: the summary is run_summarize's, as for any run. */
    assert_int_equal(run->results[0].time.n, 0);
    run_summarize(run);
    assert_string_equal(run_ctx_gets(run, "host_name"), "host");
    assert_null(run_ctx_get(run, "caches")); /* not a scalar: skipped */
    assert_int_equal(run_ctx_get(run, "num_cpus")->num, 2);

    mb_result *r = run_find(run, "BM_sum/8");
    assert_non_null(r);
    assert_string_equal(r->family, "BM_sum");
    assert_string_equal(r->bench, "BM_sum");
    assert_null(r->group);
    assert_true(r->has_arg);
    assert_int_equal(r->arg, 8);
    assert_int_equal(r->n, 1);
    assert_true(r->iters[0] == 3791605);
    /* 3.6272161789086183e-03 us per iteration -> ns per sample. */
    assert_float_equal(r->ns[0] / r->iters[0], 3.6272161789086183, 1e-12);
    assert_float_equal(r->time.median, 3.6272161789086183, 1e-12);
    assert_float_equal(r->items, 8, 1e-6);
    assert_float_equal(r->bytes, 32, 1e-6);

    r = run_find(run, "BM_fail");
    assert_non_null(r);
    assert_string_equal(r->error, "no data");
    assert_int_equal(r->n, 0);
    r = run_find(run, "BM_empty");
    assert_false(r->has_arg);
    assert_float_equal(r->time.median, 2.9099999210302485e-07, 1e-20);

    /* What microbe writes from it reads back the same. */
    char *out = json_dump_compared(run, NULL, NULL);
    mb_run *back;
    assert_int_equal(
        json_load_run(out, strlen(out), "out", &back, err, sizeof err), MB_OK);
    assert_same_run(run, back);
    free(out);
    run_free(back);
    run_free(run);
    free(text);

    /* Repetitions become samples; aggregates are skipped. */
    text = fixture("gb_1.7.1_repetitions.json");
    assert_int_equal(
        json_load_run(text, strlen(text), "rep.json", &run, err, sizeof err),
        MB_OK);
    assert_int_equal(run->nresults, 4);
    run_summarize(run);
    r = run_find(run, "BM_sum/8");
    assert_int_equal(r->n, 2);
    assert_int_equal(r->round[1], 1);
    assert_float_equal(r->time.median,
                       (3.7203759285884767 + 3.8390052282027015) / 2, 1e-9);
    assert_null(run_find(run, "BM_sum/8_mean"));
    run_free(run);
    free(text);
}

static void test_google_benchmark_units(void **state)
{
    (void)state;
    const char *units[] = {"ns", "us", "ms", "s"};
    const double scale[] = {1, 1e3, 1e6, 1e9};
    for (size_t u = 0; u < 4; u++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", "
                 "\"iterations\": 10, \"real_time\": 2.5, \"time_unit\": "
                 "\"%s\"}]}",
                 units[u]);
        mb_run *run;
        char err[256];
        assert_int_equal(
            json_load_run(text, strlen(text), "u", &run, err, sizeof err),
            MB_OK);
        assert_float_equal(run->results[0].ns[0], 25 * scale[u],
                           1e-9 * scale[u]);
        run_free(run);
    }
    expect_load("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", "
                "\"iterations\": 10, \"real_time\": 2.5, \"time_unit\": "
                "\"fortnights\"}]}",
                MB_ERR_CORRUPT, "unknown time_unit 'fortnights'");
    expect_load("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", "
                "\"real_time\": 2.5}]}",
                MB_ERR_CORRUPT, "missing key 'iterations'");
    expect_load("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", "
                "\"iterations\": 0, \"real_time\": 2.5}]}",
                MB_ERR_CORRUPT, "'iterations' must be > 0 (got 0)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_run),
        cmocka_unit_test(test_google_benchmark_keys),
        cmocka_unit_test(test_repetition_rows),
        cmocka_unit_test(test_load_ignores_extra_key),
        cmocka_unit_test(test_non_utf8_strings),
        cmocka_unit_test(test_strict_validation),
        cmocka_unit_test(test_newer_version),
        cmocka_unit_test(test_google_benchmark_input),
        cmocka_unit_test(test_google_benchmark_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
