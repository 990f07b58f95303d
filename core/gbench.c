/* The Google Benchmark importer: a document that Google Benchmark wrote
 * (--benchmark_format=json or --benchmark_out) as a run, so that `microbe
 * show` and `microbe compare` read it. No statistics here: the results
 * hold raw samples, and run_summarize() (core/analysis.c) summarises them
 * as it does microbe's own runs. */
#include "json_impl.h"

#include "cli.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits a GB name: a trailing all-digit component is the argument. */
static bool gb_names(json_ld *l, mb_result *r, const char *name)
{
    const char *slash = strrchr(name, '/');
    bool digits = slash && slash[1] && strlen(slash + 1) < 19;
    for (const char *p = slash ? slash + 1 : ""; digits && *p; p++)
        digits = *p >= '0' && *p <= '9';
    r->name = strdup(name);
    if (digits) {
        r->has_arg = true;
        r->arg = strtoll(slash + 1, NULL, 10);
        r->family = strndup(name, (size_t)(slash - name));
    } else
        r->family = strdup(name);
    r->bench = r->family ? strdup(r->family) : NULL;
    return r->name && r->family && r->bench ? true : jl_nomem(l);
}

/* The time field of b in ns per iteration, validated: real_time > 0
 * (Google Benchmark removes no overhead, so no measurement is 0), cpu_time
 * >= 0 (a benchmark that waits uses next to none). Absent and optional:
 * NaN. */
static bool gb_time(json_ld *l, const json_t *b, const char *where,
                    const char *field, bool required, double scale, double *x)
{
    json_t *v = json_object_get(b, field);
    *x = NAN;
    if (!v && !required)
        return true;
    if (!jl_measure(l, v, where, field, strcmp(field, "real_time") == 0, x))
        return false;
    *x *= scale;
    return true;
}

/* The result named full: found, or added (and named) when absent. */
static mb_result *result_of(json_ld *l, mb_run *run, const char *full)
{
    mb_result *r = run_find(run, full);
    if (r)
        return r;
    if (!(r = run_add_result(run))) {
        jl_nomem(l);
        return NULL;
    }
    r->agg.mean = r->agg.median = r->agg.stddev = NAN;
    r->agg.cpu_mean = r->agg.cpu_median = r->agg.cpu_stddev = NAN;
    return gb_names(l, r, full) ? r : NULL;
}

/* Items and bytes per iteration: GB divides them by CPU time (or by real
 * time with UseRealTime; the CPU time is then what it reports too). */
static void throughput(mb_result *r, const json_t *b, double t_ns)
{
    if (!(t_ns > 0))
        return;
    json_t *v = json_object_get(b, "items_per_second");
    if (json_is_number(v) && r->items == 0)
        r->items = json_number_value(v) * t_ns / 1e9;
    v = json_object_get(b, "bytes_per_second");
    if (json_is_number(v) && r->bytes == 0)
        r->bytes = json_number_value(v) * t_ns / 1e9;
}

/* An "aggregate" row: its mean, median and stddev (of time) are kept for
 * a benchmark that has no repetition rows (--benchmark_report_aggregates_
 * only); other aggregates (cv, user statistics) are not needed. */
static bool load_aggregate(json_ld *l, const json_t *b, const char *where,
                           const char *full, double scale, mb_run *run)
{
    json_t *an = jl_get(l, b, where, "aggregate_name", K_STR, false);
    if (!an)
        return l->st == MB_OK;
    const char *a = json_string_value(an);
    int k = strcmp(a, "mean") == 0     ? 0
            : strcmp(a, "median") == 0 ? 1
            : strcmp(a, "stddev") == 0 ? 2
                                       : -1;
    if (k < 0)
        return true;
    json_t *reps = jl_get(l, b, where, "repetitions", K_INT, true);
    if (!reps)
        return false;
    if (json_integer_value(reps) < 1)
        return jl_fail(l, MB_ERR_CORRUPT, "%s: 'repetitions' must be > 0",
                       where);
    double t, cpu;
    /* A stddev of 0 is a measurement (identical repetitions). */
    if (k == 2) {
        json_t *v = json_object_get(b, "real_time");
        if (!jl_measure(l, v, where, "real_time", false, &t))
            return false;
        t *= scale;
        if (!gb_time(l, b, where, "cpu_time", false, scale, &cpu))
            return false;
    } else if (!gb_time(l, b, where, "real_time", true, scale, &t) ||
               !gb_time(l, b, where, "cpu_time", false, scale, &cpu))
        return false;
    mb_result *r = result_of(l, run, full);
    if (!r)
        return false;
    r->agg.repetitions = (size_t)json_integer_value(reps);
    double *real[] = {&r->agg.mean, &r->agg.median, &r->agg.stddev};
    double *cpus[] = {&r->agg.cpu_mean, &r->agg.cpu_median, &r->agg.cpu_stddev};
    *real[k] = t;
    *cpus[k] = cpu;
    if (k == 0)
        throughput(r, b, isfinite(cpu) ? cpu : t);
    return true;
}

static bool load_gb(json_ld *l, const json_t *b, size_t i, mb_run *run)
{
    char where[160];
    snprintf(where, sizeof where, "benchmarks[%zu]", i);
    json_t *name = jl_get(l, b, where, "name", K_STR, true);
    if (!name)
        return false;
    json_t *rt = jl_get(l, b, where, "run_type", K_STR, false);
    if (!rt && l->st != MB_OK)
        return false;
    json_t *rn = jl_get(l, b, where, "run_name", K_STR, false);
    if (!rn && l->st != MB_OK)
        return false;
    const char *full = json_string_value(rn ? rn : name);
    snprintf(where, sizeof where, "benchmarks[%zu] ('%.30s')", i, full);

    json_t *eo = jl_get(l, b, where, "error_occurred", K_BOOL, false);
    if (!eo && l->st != MB_OK)
        return false;
    bool failed = eo && json_is_true(eo);
    double scale = 1;
    json_t *tu = jl_get(l, b, where, "time_unit", K_STR, false);
    if (!tu && l->st != MB_OK)
        return false;
    if (tu && !cli_parse_time_unit(json_string_value(tu), &scale))
        return jl_fail(l, MB_ERR_CORRUPT, "%s: unknown time_unit '%s'", where,
                       json_string_value(tu));
    if (rt && strcmp(json_string_value(rt), "aggregate") == 0)
        return failed || load_aggregate(l, b, where, full, scale, run);

    double iters = 0, t = 0, cpu = NAN;
    if (!failed) {
        json_t *vi = json_object_get(b, "iterations");
        if (!jl_measure(l, vi, where, "iterations", true, &iters) ||
            !gb_time(l, b, where, "real_time", true, scale, &t) ||
            !gb_time(l, b, where, "cpu_time", false, scale, &cpu))
            return false;
    }
    mb_result *r = result_of(l, run, full);
    if (!r)
        return false;
    if (failed) {
        json_t *em = json_object_get(b, "error_message");
        free(r->error);
        r->error = strdup(json_is_string(em) ? json_string_value(em)
                                             : "error occurred");
        return r->error ? true : jl_nomem(l);
    }
    throughput(r, b, isfinite(cpu) ? cpu : t);
    /* CPU time kept as Google Benchmark measured it: not wall time. */
    if (!result_add_sample_cpu(
            r, iters, t * iters, cpu * iters, NULL, 0,
            (uint16_t)(r->n < UINT16_MAX ? r->n : UINT16_MAX)))
        return jl_nomem(l);
    return true;
}

bool gbench_load(json_ld *l, const json_t *benches, mb_run *run)
{
    for (size_t i = 0; i < json_array_size(benches); i++) {
        json_t *b = json_array_get(benches, i);
        if (!json_is_object(b))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "benchmarks[%zu] is not an object", i);
        if (!load_gb(l, b, i, run))
            return false;
    }
    /* Repetitions, where a file has them, are the data; aggregates stand
     * in only for benchmarks that have nothing else. */
    for (size_t i = 0; i < run->nresults; i++) {
        mb_result *r = &run->results[i];
        if (r->n || r->error) {
            r->agg.repetitions = 0;
            continue;
        }
        if (r->agg.repetitions &&
            !(isfinite(r->agg.mean) && isfinite(r->agg.median)))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "'%s': aggregates without a mean and a median",
                           r->name);
    }
    return true;
}
