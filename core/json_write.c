/* Run -> JSON: the --format=json document and the archive payload (Google
 * Benchmark's schema plus microbe's raw data, see json.h). */
#include "json_impl.h"
#include "profile.h"

#include "cli.h"
#include "compare.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2^53: the largest range in which every integer is an exact double, so an
 * integral value in it can be written as a JSON integer and read back. */
#define EXACT_INT_MAX 9007199254740992.0

json_t *jw_num(double x)
{
    if (!isfinite(x))
        return json_null();
    if (fabs(x) <= EXACT_INT_MAX && x == trunc(x) && !(x == 0 && signbit(x)))
        return json_integer((json_int_t)x);
    return json_real(x);
}

/* A GB number must be a number: non-finite becomes 0, as GB itself writes
 * for a benchmark that failed. */
static json_t *gbnum(double x)
{
    return jw_num(isfinite(x) ? x : 0);
}

/* Strings from the environment (CPU brand, flags) may hold bytes that are
 * not UTF-8, which jansson refuses: replace each bad byte by '?' rather
 * than lose the entry. */
json_t *jw_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = u[i] < 0x80             ? 1
                   : (u[i] & 0xE0) == 0xC0 ? 2
                   : (u[i] & 0xF0) == 0xE0 ? 3
                   : (u[i] & 0xF8) == 0xF0 ? 4
                                           : 0;
        bool ok = k > 0 && i + k <= n;
        for (size_t m = 1; ok && m < k; m++)
            ok = (u[i + m] & 0xC0) == 0x80;
        /* Let jansson judge overlong forms and surrogates. */
        if (ok && k > 1) {
            json_t *t = json_stringn(s + i, k);
            ok = t != NULL;
            json_decref(t);
        }
        if (!ok) {
            c[i++] = '?';
            continue;
        }
        memcpy(c + i, s + i, k);
        i += k;
    }
    c[n] = '\0';
    j = json_string(c);
    free(c);
    return j;
}

/* json_object_set_new that remembers a failure: building continues and the
 * caller checks once at the end. */
void jw_put(json_t *obj, const char *key, json_t *val, bool *ok)
{
    if (!val || json_object_set_new(obj, key, val) != 0)
        *ok = false;
}

void jw_push(json_t *arr, json_t *val, bool *ok)
{
    if (!val || json_array_append_new(arr, val) != 0)
        *ok = false;
}

static json_t *interval(st_interval iv, bool *ok)
{
    json_t *a = json_array();
    if (!a) {
        *ok = false;
        return NULL;
    }
    jw_push(a, jw_num(iv.lo), ok);
    jw_push(a, jw_num(iv.hi), ok);
    return a;
}

static json_t *summary_json(const mb_summary *s, bool *ok)
{
    json_t *o = json_object();
    json_t *out = json_object();
    if (!o || !out) {
        json_decref(o);
        json_decref(out);
        *ok = false;
        return NULL;
    }
    jw_put(o, "n", json_integer((json_int_t)s->n), ok);
    jw_put(o, "median", jw_num(s->median), ok);
    jw_put(o, "mean", jw_num(s->mean), ok);
    jw_put(o, "stddev", jw_num(s->stddev), ok);
    jw_put(o, "mad", jw_num(s->mad), ok);
    jw_put(o, "min", jw_num(s->min), ok);
    jw_put(o, "max", jw_num(s->max), ok);
    jw_put(o, "median_ci", interval(s->median_ci, ok), ok);
    /* Rounds the interval came from (0: this sample's median only). */
    jw_put(o, "ci_rounds", json_integer((json_int_t)s->ci_rounds), ok);
    jw_put(o, "confidence", jw_num(s->confidence), ok);
    jw_put(out, "low_severe", json_integer((json_int_t)s->outliers.low_severe),
           ok);
    jw_put(out, "low_mild", json_integer((json_int_t)s->outliers.low_mild), ok);
    jw_put(out, "high_mild", json_integer((json_int_t)s->outliers.high_mild),
           ok);
    jw_put(out, "high_severe",
           json_integer((json_int_t)s->outliers.high_severe), ok);
    jw_put(o, "outliers", out, ok);
    return o;
}

static json_t *samples_json(const mb_result *r, bool *ok)
{
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    json_t *it = json_array(), *ns = json_array(), *rd = json_array(),
           *fl = json_array();
    jw_put(o, "iters", it, ok);
    jw_put(o, "ns", ns, ok);
    jw_put(o, "round", rd, ok);
    jw_put(o, "flags", fl, ok);
    if (!*ok)
        return o;
    for (size_t i = 0; i < r->n && *ok; i++) {
        jw_push(it, jw_num(r->iters[i]), ok);
        jw_push(ns, jw_num(r->ns[i]), ok);
        jw_push(rd, json_integer(r->round[i]), ok);
        jw_push(fl, json_integer(r->flags[i]), ok);
    }
    /* CPU time per sample, whole ns as the times are; absent when none
     * was measured (instructions mode). */
    bool any_cpu = false;
    for (size_t i = 0; i < r->n && r->cpu_ns; i++)
        any_cpu |= isfinite(r->cpu_ns[i]);
    if (any_cpu && *ok) {
        json_t *cpu = json_array();
        jw_put(o, "cpu_ns", cpu, ok);
        for (size_t i = 0; i < r->n && *ok; i++)
            jw_push(cpu, jw_num(round(r->cpu_ns[i])), ok);
    }
    /* The machine-state probe by round (null: none that round). */
    if (r->nprobe && *ok) {
        json_t *pr = json_array();
        jw_put(o, "probe_ns", pr, ok);
        for (size_t k = 0; k < r->nprobe && *ok; k++)
            jw_push(pr, jw_num(r->probe_ns[k]), ok);
    }
    return o;
}

static json_t *counters_json(const mb_result *r, bool *ok)
{
    json_t *o = json_object();
    json_t *names = json_array(), *values = json_array();
    if (!o || !names || !values) {
        json_decref(o);
        json_decref(names);
        json_decref(values);
        *ok = false;
        return NULL;
    }
    jw_put(o, "names", names, ok);
    jw_put(o, "values", values, ok);
    for (size_t c = 0; c < r->ncounters; c++)
        jw_push(names, jw_str(r->counter_names[c]), ok);
    for (size_t i = 0; i < r->n && *ok; i++) {
        json_t *row = json_array();
        jw_push(values, row, ok);
        for (size_t c = 0; row && c < r->ncounters; c++)
            jw_push(row, jw_num(r->counters[i * r->ncounters + c]), ok);
    }
    return o;
}

static json_t *costs_json(const double *v, size_t n, bool *ok)
{
    json_t *a = json_array();
    if (!a)
        *ok = false;
    for (size_t e = 0; a && e < n; e++)
        jw_push(a, jw_num(v[e]), ok);
    return a;
}

/* --measure=instructions: the functions inside MB_LOOP, per iteration. */
static json_t *profile_json(const mb_profile *p, bool *ok)
{
    json_t *o = json_object(), *ev = json_array(), *fns = json_array();
    if (!o || !ev || !fns) {
        json_decref(o);
        json_decref(ev);
        json_decref(fns);
        *ok = false;
        return NULL;
    }
    for (size_t e = 0; e < p->nevents; e++)
        jw_push(ev, jw_str(p->events[e]), ok);
    jw_put(o, "events", ev, ok);
    jw_put(o, "total_ir", jw_num(p->total_ir), ok);
    jw_put(o, "left_out", json_integer((json_int_t)p->left_out), ok);
    for (size_t i = 0; i < p->n && *ok; i++) {
        const mb_fn_cost *f = &p->fns[i];
        json_t *fo = json_object();
        jw_push(fns, fo, ok);
        if (!fo)
            break;
        jw_put(fo, "name", jw_str(f->name), ok);
        jw_put(fo, "file", jw_str(f->file), ok);
        jw_put(fo, "object", jw_str(f->object), ok);
        jw_put(fo, "line", json_integer((json_int_t)f->line), ok);
        jw_put(fo, "self", costs_json(f->self, p->nevents, ok), ok);
        jw_put(fo, "inclusive", costs_json(f->incl, p->nevents, ok), ok);
    }
    jw_put(o, "functions", fns, ok);
    json_t *calls = json_array();
    for (size_t i = 0; calls && i < p->ncalls && *ok; i++) {
        json_t *c = json_array();
        jw_push(calls, c, ok);
        jw_push(c, json_integer((json_int_t)p->calls[i].from), ok);
        jw_push(c, json_integer((json_int_t)p->calls[i].to), ok);
        jw_push(c, jw_num(p->calls[i].ir), ok);
    }
    jw_put(o, "calls", calls, ok);
    return o;
}

/* microbe's own data of r: what the loader reads back. */
static json_t *microbe_json(const mb_result *r, bool *ok)
{
    json_t *m = json_object();
    if (!m) {
        *ok = false;
        return NULL;
    }
    jw_put(m, "family", jw_str(r->family), ok);
    if (r->group)
        jw_put(m, "group", jw_str(r->group), ok);
    jw_put(m, "bench", jw_str(r->bench), ok);
    if (r->has_arg)
        jw_put(m, "arg", json_integer((json_int_t)r->arg), ok);
    if (r->items > 0)
        jw_put(m, "items", jw_num(r->items), ok);
    if (r->bytes > 0)
        jw_put(m, "bytes", jw_num(r->bytes), ok);
    if (r->unit[0])
        jw_put(m, "unit", json_string(r->unit), ok);
    if (r->nargs > 1) {
        json_t *a = json_array();
        jw_put(m, "args", a, ok);
        for (size_t k = 0; a && k < r->nargs; k++)
            jw_push(a, json_integer((json_int_t)r->args[k]), ok);
    }
    if (r->others && r->others[0])
        jw_put(m, "others", jw_str(r->others), ok);
    if (r->skipped)
        jw_put(m, "skipped", jw_str(r->skipped), ok);
    if (r->nuser) {
        /* As measured: per iteration (MB_COUNTER_PER_ITER, _RATE) or as
         * set, with the flags that say how to show it. */
        json_t *u = json_array();
        jw_put(m, "user_counters", u, ok);
        for (size_t k = 0; u && k < r->nuser; k++) {
            json_t *c = json_object();
            jw_push(u, c, ok);
            jw_put(c, "name", jw_str(r->user[k].name), ok);
            jw_put(c, "value", jw_num(r->user[k].value), ok);
            jw_put(c, "flags", json_integer(r->user[k].flags), ok);
        }
    }
    jw_put(m, "samples", samples_json(r, ok), ok);
    if (r->ncounters)
        jw_put(m, "counters", counters_json(r, ok), ok);
    jw_put(m, "summary", summary_json(&r->time, ok), ok);
    if (r->profile)
        jw_put(m, "profile", profile_json(r->profile, ok), ok);
    if (r->complexity[0]) {
        jw_put(m, "complexity", json_string(r->complexity), ok);
        json_t *fit = json_object();
        jw_put(fit, "coef", jw_num(r->fit.coef), ok);
        jw_put(fit, "intercept", jw_num(r->fit.intercept), ok);
        jw_put(fit, "error", jw_num(r->fit.error), ok);
        /* false: even the best class misses by more than 10% */
        jw_put(fit, "clear", json_boolean(r->fit.clear), ok);
        jw_put(m, "complexity_fit", fit, ok);
    }
    if (r->vs_fastest > 0)
        jw_put(m, "vs_fastest", jw_num(r->vs_fastest), ok);
    if (r->ndisturbed)
        jw_put(m, "disturbed_samples", json_integer((json_int_t)r->ndisturbed),
               ok);
    if (r->remeasured)
        jw_put(m, "remeasured_rounds", json_integer((json_int_t)r->remeasured),
               ok);
    if (r->run_delay_ns > 0)
        jw_put(m, "run_delay_ns", jw_num(r->run_delay_ns), ok);
    if (r->steal_ns > 0)
        jw_put(m, "steal_ns", jw_num(r->steal_ns), ok);
    if (r->agg.repetitions) {
        const struct mb_aggregates *g = &r->agg;
        json_t *a = json_object();
        jw_put(a, "repetitions", json_integer((json_int_t)g->repetitions), ok);
        jw_put(a, "mean", jw_num(g->mean), ok);
        jw_put(a, "median", jw_num(g->median), ok);
        jw_put(a, "stddev", jw_num(g->stddev), ok);
        jw_put(a, "cpu_mean", jw_num(g->cpu_mean), ok);
        jw_put(a, "cpu_median", jw_num(g->cpu_median), ok);
        jw_put(a, "cpu_stddev", jw_num(g->cpu_stddev), ok);
        jw_put(m, "aggregates", a, ok);
    }
    if (r->alloc_iters > 0) {
        json_t *a = json_object();
        jw_put(a, "iterations", jw_num(r->alloc_iters), ok);
        jw_put(a, "allocs", jw_num(r->allocs), ok);
        jw_put(a, "bytes", jw_num(r->alloc_bytes), ok);
        jw_put(a, "peak", jw_num(r->alloc_peak), ok);
        jw_put(a, "net", jw_num(r->alloc_net), ok);
        jw_put(m, "alloc", a, ok);
    }
    return m;
}

/* What Google Benchmark writes on every row of a benchmark run: its error
 * or skip message, label, user counters and memory manager keys. */
static void gb_body(json_t *b, const mb_result *r, bool *ok)
{
    if (r->error) {
        jw_put(b, "error_occurred", json_true(), ok);
        jw_put(b, "error_message", jw_str(r->error), ok);
    } else if (r->skipped) {
        /* Google Benchmark's SkipWithMessage: not an error, a message. */
        jw_put(b, "error_occurred", json_false(), ok);
        jw_put(b, "error_message", jw_str(r->skipped), ok);
    }
    if (r->label)
        jw_put(b, "label", jw_str(r->label), ok);
    /* User counters as Google Benchmark writes them: a key each, beside
     * the standard ones (never replacing one). */
    for (size_t k = 0; k < r->nuser; k++)
        if (!json_object_get(b, r->user[k].name))
            jw_put(b, r->user[k].name, gbnum(result_user_value(r, k)), ok);
    /* Google Benchmark's memory manager keys, with its meanings (totals
     * over the counting pass but for allocs_per_iter). */
    if (r->alloc_iters > 0) {
        jw_put(b, "allocs_per_iter", jw_num(r->allocs / r->alloc_iters), ok);
        jw_put(b, "max_bytes_used", jw_num(r->alloc_peak), ok);
        jw_put(b, "total_allocated_bytes", jw_num(r->alloc_bytes), ok);
        jw_put(b, "net_heap_growth", jw_num(r->alloc_net), ok);
    }
}

/* One Google Benchmark repetition: a round of r, as Google Benchmark
 * measures a repetition (its total time over its iterations). */
typedef struct rep {
    double iters, ns, cpu; /* cpu NaN when not every sample has one */
} rep;

/* The rounds of r that have samples, in round order; each counts its
 * undisturbed samples, or all of them when none is undisturbed. *nrep
 * gets their number; NULL on no memory (or no samples). */
static rep *reps_of(const mb_result *r, size_t *nrep)
{
    size_t nr = 0;
    *nrep = 0;
    for (size_t i = 0; i < r->n; i++)
        nr = r->round[i] + 1u > nr ? r->round[i] + 1u : nr;
    rep *all = calloc(2 * nr + 1, sizeof *all), *clean = all + nr;
    if (!all)
        return NULL;
    size_t *seen = calloc(2 * nr + 1, sizeof *seen), *nclean = seen + nr;
    if (!seen) {
        free(all);
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++) {
        size_t k = r->round[i];
        double cpu = r->cpu_ns ? r->cpu_ns[i] : NAN;
        rep *t[2] = {&all[k],
                     !(r->flags[i] & SAMPLE_DISTURBED) ? &clean[k] : NULL};
        for (int j = 0; j < 2 && t[j]; j++) {
            t[j]->iters += r->iters[i];
            t[j]->ns += r->ns[i];
            t[j]->cpu += cpu;
        }
        seen[k]++;
        nclean[k] += t[1] != NULL;
    }
    size_t m = 0;
    for (size_t k = 0; k < nr; k++)
        if (seen[k])
            all[m++] = nclean[k] ? clean[k] : all[k];
    free(seen);
    *nrep = m;
    return all;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Google Benchmark's aggregates of x[n] (n >= 2): mean, median, sample
 * standard deviation, and cv = stddev / mean. x is reordered. */
static void aggregates(double *x, size_t n, double out[4])
{
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    qsort(x, n, sizeof *x, cmp_double);
    out[0] = mean;
    out[1] = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
    out[2] = sqrt(ss / (double)(n - 1));
    out[3] = mean != 0 ? out[2] / mean : NAN;
}

/* The keys every row of r shares. */
static json_t *gb_row(const mb_result *r, const char *name, const char *type,
                      size_t family_index, size_t instance_index,
                      size_t repetitions, bool *ok)
{
    json_t *b = json_object();
    if (!b) {
        *ok = false;
        return NULL;
    }
    jw_put(b, "name", jw_str(name), ok);
    jw_put(b, "family_index", json_integer((json_int_t)family_index), ok);
    jw_put(b, "per_family_instance_index",
           json_integer((json_int_t)instance_index), ok);
    jw_put(b, "run_name", jw_str(r->name), ok);
    jw_put(b, "run_type", json_string(type), ok);
    jw_put(b, "repetitions", json_integer((json_int_t)repetitions), ok);
    return b;
}

/* real_time, cpu_time (only when measured: never wall time under its
 * name) and time_unit, in the row's unit (.unit, --time-unit) as Google
 * Benchmark writes it; throughput per second of real time. */
static void gb_times(json_t *b, const mb_result *r, double real_ns,
                     double cpu_ns, bool per_iter_rates, bool *ok)
{
    double scale = 1;
    if (r->unit[0] && !cli_parse_time_unit(r->unit, &scale))
        scale = 1;
    jw_put(b, "real_time", gbnum(real_ns / scale), ok);
    if (isfinite(cpu_ns))
        jw_put(b, "cpu_time", gbnum(cpu_ns / scale), ok);
    jw_put(b, "time_unit", json_string(scale == 1 ? "ns" : r->unit), ok);
    if (per_iter_rates && r->items > 0 && real_ns > 0)
        jw_put(b, "items_per_second", gbnum(r->items * 1e9 / real_ns), ok);
    if (per_iter_rates && r->bytes > 0 && real_ns > 0)
        jw_put(b, "bytes_per_second", gbnum(r->bytes * 1e9 / real_ns), ok);
}

/* The aggregate rows mean, median, stddev, cv of r over its repetitions,
 * real[4] and cpu[4] (NaN: no CPU time); with_microbe: the first row
 * holds microbe's data (a result known by its aggregates only). */
static void push_aggregates(json_t *benches, const mb_result *r,
                            size_t family_index, size_t instance_index,
                            size_t nrep, const double real[4],
                            const double cpu[4], bool with_microbe, bool *ok)
{
    static const char *const names[] = {"mean", "median", "stddev", "cv"};
    for (int a = 0; a < 4 && *ok; a++) {
        char name[1024];
        snprintf(name, sizeof name, "%s_%s", r->name, names[a]);
        json_t *b = gb_row(r, name, "aggregate", family_index, instance_index,
                           nrep, ok);
        jw_put(b, "threads", json_integer(r->threads > 1 ? r->threads : 1), ok);
        jw_put(b, "aggregate_name", json_string(names[a]), ok);
        jw_put(b, "aggregate_unit", json_string(a == 3 ? "percentage" : "time"),
               ok);
        jw_put(b, "iterations", json_integer((json_int_t)nrep), ok);
        if (a == 3) { /* fractions, not times */
            jw_put(b, "real_time", gbnum(real[3]), ok);
            if (isfinite(cpu[3]))
                jw_put(b, "cpu_time", gbnum(cpu[3]), ok);
            jw_put(b, "time_unit", json_string("ns"), ok);
        } else
            gb_times(b, r, real[a], cpu[a], a != 2, ok);
        if (a == 0 && with_microbe)
            jw_put(b, "microbe", microbe_json(r, ok), ok);
        jw_push(benches, b, ok);
    }
}

/* r as Google Benchmark writes a benchmark run with
 * --benchmark_repetitions: one "iteration" row per round (the first also
 * holding microbe's data under "microbe"), then, with two rounds or more,
 * the "aggregate" rows mean, median, stddev and cv over the rounds. A
 * failed benchmark, or one without samples, is one row. */
static void push_result(json_t *benches, const mb_result *r,
                        size_t family_index, size_t instance_index, bool *ok)
{
    if (r->n == 0 && r->agg.repetitions && !r->error) {
        const struct mb_aggregates *g = &r->agg;
        double real[4] = {g->mean, g->median, g->stddev, g->stddev / g->mean};
        double cpu[4] = {g->cpu_mean, g->cpu_median, g->cpu_stddev,
                         g->cpu_stddev / g->cpu_mean};
        push_aggregates(benches, r, family_index, instance_index,
                        g->repetitions, real, cpu, true, ok);
        return;
    }
    size_t nrep = 0;
    rep *reps = r->error ? NULL : reps_of(r, &nrep);
    if (!r->error && r->n && !reps) {
        *ok = false;
        return;
    }
    size_t rows = nrep ? nrep : 1;
    for (size_t k = 0; k < rows && *ok; k++) {
        json_t *b = gb_row(r, r->name, "iteration", family_index,
                           instance_index, rows, ok);
        jw_put(b, "repetition_index", json_integer((json_int_t)k), ok);
        jw_put(b, "threads", json_integer(r->threads > 1 ? r->threads : 1), ok);
        const rep *p = nrep ? &reps[k] : NULL;
        jw_put(b, "iterations", gbnum(p ? p->iters : 0), ok);
        gb_times(b, r, p && p->iters > 0 ? p->ns / p->iters : 0,
                 p && p->iters > 0 ? p->cpu / p->iters : NAN, true, ok);
        gb_body(b, r, ok);
        if (k == 0)
            jw_put(b, "microbe", microbe_json(r, ok), ok);
        jw_push(benches, b, ok);
    }
    if (nrep >= 2 && *ok) {
        double *x = malloc(2 * nrep * sizeof *x), real[4], cpu[4];
        if (!x) {
            *ok = false;
            free(reps);
            return;
        }
        for (size_t k = 0; k < nrep; k++) {
            x[k] = reps[k].ns / reps[k].iters;
            x[nrep + k] = reps[k].cpu / reps[k].iters;
        }
        bool have_cpu = true;
        for (size_t k = 0; k < nrep; k++)
            have_cpu &= isfinite(x[nrep + k]) != 0;
        aggregates(x, nrep, real);
        if (have_cpu)
            aggregates(x + nrep, nrep, cpu);
        else
            cpu[0] = cpu[1] = cpu[2] = cpu[3] = NAN;
        push_aggregates(benches, r, family_index, instance_index, nrep, real,
                        cpu, false, ok);
        free(x);
    }
    free(reps);
}

static const char *family_of(const void *results, size_t i)
{
    const mb_result *r = (const mb_result *)results + i;
    return r->family ? r->family : r->name;
}

static json_t *context_json(const mb_run *run, bool *ok)
{
    json_t *c = json_object();
    json_t *w = json_array();
    if (!c || !w) {
        json_decref(c);
        json_decref(w);
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < run->nctx; i++) {
        const ctx_entry *e = &run->ctx[i];
        if (strcmp(e->key, "warnings") == 0 ||
            strcmp(e->key, "microbe_format") == 0)
            continue;
        json_t *v = e->type == CTX_STR    ? jw_str(e->str ? e->str : "")
                    : e->type == CTX_BOOL ? json_boolean(e->num != 0)
                                          : jw_num(e->num);
        /* A key that is not UTF-8 cannot be an object key: sanitise it. */
        json_t *k = jw_str(e->key);
        if (k)
            jw_put(c, json_string_value(k), v, ok);
        else {
            json_decref(v);
            *ok = false;
        }
        json_decref(k);
    }
    for (size_t i = 0; i < run->nwarnings; i++)
        jw_push(w, jw_str(run->warnings[i]), ok);
    jw_put(c, "warnings", w, ok);
    jw_put(c, "microbe_format", json_integer(RUN_FORMAT_VERSION), ok);
    return c;
}

static json_t *run_json(const mb_run *run)
{
    bool ok = true;
    json_t *root = json_object();
    json_t *benches = json_array();
    if (!root || !benches) {
        json_decref(root);
        json_decref(benches);
        return NULL;
    }
    jw_put(root, "context", context_json(run, &ok), &ok);
    jw_put(root, "benchmarks", benches, &ok);

    /* family_index: families numbered in order of first appearance;
     * per_family_instance_index: the result's place within its family. */
    size_t *fam = calloc(2 * run->nresults + 1, sizeof *fam);
    size_t *inst = fam + run->nresults, nfam = 0;
    run_index families = {0};
    if (!fam)
        ok = false;
    for (size_t i = 0; i < run->nresults && ok; i++) {
        size_t first = run_index_find(&families, run->results, i, family_of,
                                      family_of(run->results, i));
        if (first == SIZE_MAX) {
            fam[i] = nfam++;
            inst[i] = 0;
        } else { /* inst[first]: members seen after the first */
            fam[i] = fam[first];
            inst[i] = ++inst[first];
        }
        push_result(benches, &run->results[i], fam[i],
                    first == SIZE_MAX ? 0 : inst[i], &ok);
    }
    run_index_free(&families);
    free(fam);
    /* Where variants of a group cross over (SPEC §4). */
    size_t nx = 0;
    crossover *x = run_crossovers(run, &nx);
    if (nx) {
        json_t *arr = json_array();
        for (size_t i = 0; i < nx; i++) {
            json_t *o = json_object();
            jw_put(o, "group", jw_str(x[i].group), &ok);
            jw_put(o, "faster", jw_str(x[i].faster), &ok);
            jw_put(o, "slower", jw_str(x[i].slower), &ok);
            jw_put(o, "from", jw_num(x[i].at), &ok);
            /* the arguments on either side where the two differ
             * significantly: the crossing lies between them */
            json_t *between = json_array();
            jw_push(between, jw_num(x[i].lo), &ok);
            jw_push(between, jw_num(x[i].hi), &ok);
            jw_put(o, "between", between, &ok);
            jw_push(arr, o, &ok);
        }
        jw_put(root, "crossovers", arr, &ok);
    }
    free(x);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* A row's "why": the functions whose cost moved, and the events. */
static json_t *why_json(const pf_diff *d, bool *ok)
{
    static const char *const status[] = {"changed", "new", "gone"};
    json_t *o = json_object(), *fns = json_array(), *evs = json_array();
    if (!o || !fns || !evs) {
        json_decref(o);
        json_decref(fns);
        json_decref(evs);
        *ok = false;
        return NULL;
    }
    jw_put(o, "event", jw_str(d->event), ok);
    jw_put(o, "instructions_unchanged", json_boolean(d->ir_unchanged), ok);
    jw_put(o, "base_ir", jw_num(d->ir_old), ok);
    jw_put(o, "now_ir", jw_num(d->ir_new), ok);
    for (size_t i = 0; i < d->n && *ok; i++) {
        const pf_change *c = &d->fns[i];
        json_t *f = json_object();
        jw_push(fns, f, ok);
        if (!f)
            break;
        jw_put(f, "name", jw_str(c->name), ok);
        jw_put(f, "file", jw_str(c->file), ok);
        jw_put(f, "line", json_integer((json_int_t)c->line), ok);
        jw_put(f, "status", json_string(status[c->status]), ok);
        jw_put(f, "self_base", jw_num(c->self_old), ok);
        jw_put(f, "self_now", jw_num(c->self_new), ok);
        jw_put(f, "self_change", jw_num(c->self_new - c->self_old), ok);
        jw_put(f, "inclusive_base", jw_num(c->incl_old), ok);
        jw_put(f, "inclusive_now", jw_num(c->incl_new), ok);
    }
    jw_put(o, "functions", fns, ok);
    for (size_t i = 0; i < d->nevents && *ok; i++) {
        json_t *e = json_object();
        jw_push(evs, e, ok);
        if (!e)
            break;
        jw_put(e, "name", jw_str(d->events[i].name), ok);
        jw_put(e, "base", jw_num(d->events[i].old), ok);
        jw_put(e, "now", jw_num(d->events[i].now), ok);
    }
    jw_put(o, "events", evs, ok);
    return o;
}

/* What "base" and "now" of a comparison row are, by st_unit. */
static const char *const stat_names[] = {"sample_median", "round_p10_level",
                                         "paired_round_p10"};

static json_t *comparison_json(const cmp_result *c, bool *ok)
{
    json_t *o = json_object();
    jw_put(o, "against", jw_str(c->old_label ? c->old_label : ""), ok);
    jw_put(o, "alpha", jw_num(c->alpha), ok);
    jw_put(o, "threshold", jw_num(c->threshold), ok);
    jw_put(o, "correction", jw_str(c->correction ? c->correction : ""), ok);
    jw_put(o, "paired", json_boolean(c->paired), ok);
    jw_put(o, "compared", json_integer((json_int_t)c->compared), ok);
    json_t *counts = json_object();
    for (int v = 0; v < CMP_NVERDICTS; v++)
        jw_put(counts, cmp_verdict_name((cmp_verdict)v),
               json_integer((json_int_t)c->count[v]), ok);
    jw_put(o, "counts", counts, ok);
    json_t *notes = json_array();
    for (size_t i = 0; i < c->nnotes; i++)
        jw_push(notes, jw_str(c->notes[i]), ok);
    jw_put(o, "notes", notes, ok);
    json_t *rows = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        json_t *row = json_object();
        jw_put(row, "name", jw_str(r->name), ok);
        jw_put(row, "verdict", jw_str(cmp_verdict_name(r->verdict)), ok);
        /* Only the side a benchmark exists on (new, gone: one of them). */
        if (r->old)
            jw_put(row, "base", jw_num(r->old_value), ok);
        if (r->now)
            jw_put(row, "now", jw_num(r->new_value), ok);
        if ((r->verdict == CMP_NEW || r->verdict == CMP_GONE) &&
            (unsigned)r->change.unit < 3)
            jw_put(row, "statistic", jw_str(stat_names[r->change.unit]), ok);
        if (r->old && r->now && r->verdict != CMP_FAILED &&
            r->verdict != CMP_SKIPPED) {
            jw_put(row, "change", jw_num(r->change.change), ok);
            json_t *ci = json_array();
            jw_push(ci, jw_num(r->change.ci.lo), ok);
            jw_push(ci, jw_num(r->change.ci.hi), ok);
            jw_put(row, "change_ci", ci, ok);
            /* change_ci is the interval the verdict used, at Holm's level
             * for the suite; the plain 95% one beside it. */
            jw_put(row, "change_ci_confidence", jw_num(r->ci_level), ok);
            /* What "base" and "now" are (and the change compares). */
            if (!r->moved && (unsigned)r->change.unit < 3)
                jw_put(row, "statistic", jw_str(stat_names[r->change.unit]),
                       ok);
            json_t *ci95 = json_array();
            jw_push(ci95, jw_num(r->ci_unadjusted.lo), ok);
            jw_push(ci95, jw_num(r->ci_unadjusted.hi), ok);
            jw_put(row, "change_ci_unadjusted", ci95, ok);
            jw_put(row, "p", jw_num(r->change.p), ok);
            jw_put(row, "p_adjusted", jw_num(r->p_adj), ok);
            /* ab: the rounds' lag-1 autocorrelation allowed for, and how
             * much it widened the interval (1: not at all). */
            if (c->paired && r->change.unit == ST_UNIT_PAIRS &&
                r->change.widen > 0) {
                jw_put(row, "round_autocorr", jw_num(r->change.autocorr), ok);
                jw_put(row, "interval_widened", jw_num(r->change.widen), ok);
            }
            /* Machine state (docs/design.md, "Machine state"): what the probe
             * left out, and the shift it saw when too little could be left out.
             */
            if (r->probe_rounds_out)
                jw_put(row, "probe_rounds_out",
                       json_integer((json_int_t)r->probe_rounds_out), ok);
            if (r->probe_runs_out)
                jw_put(row, "probe_runs_out",
                       json_integer((json_int_t)r->probe_runs_out), ok);
            if (r->probe_shift != 0)
                jw_put(row, "probe_shift", jw_num(r->probe_shift), ok);
            if (r->probe_overruled)
                jw_put(row, "probe_overruled", json_true(), ok);
            if (r->probe_state_ratio > 0)
                jw_put(row, "probe_state_ratio", jw_num(r->probe_state_ratio),
                       ok);
        }
        if (r->has_ins)
            jw_put(row, "instructions_change", jw_num(r->ins_change), ok);
        /* Per-counter breakdown (--measure=instructions: which callgrind
         * counter moved): each counter's change per iteration. */
        if (r->old && r->now && r->verdict != CMP_FAILED &&
            r->verdict != CMP_SKIPPED && r->now->ncounters) {
            json_t *cc = json_object();
            for (size_t k = 0; k < r->now->ncounters; k++) {
                const char *cn = r->now->counter_names[k];
                double d = cmp_counter_change(r, cn);
                if (isfinite(d))
                    jw_put(cc, cn, jw_num(d), ok);
            }
            jw_put(row, "counters_change", cc, ok);
        }
        if (r->moved) {
            jw_put(row, "moved_most", jw_str(r->moved), ok);
            jw_put(row, "moved_change", jw_num(r->moved_change), ok);
        }
        if (r->why)
            jw_put(row, "why", why_json(r->why, ok), ok);
        jw_push(rows, row, ok);
    }
    jw_put(o, "rows", rows, ok);
    return o;
}

char *jw_dump(json_t *root, size_t flags, size_t *len)
{
    char *s = root ? json_dumps(root, flags) : NULL;
    json_decref(root);
    if (s && len)
        *len = strlen(s);
    return s;
}

char *json_dump_compared(const mb_run *run, const cmp_result *cmp, size_t *len)
{
    json_t *root = run_json(run);
    if (root && cmp) {
        bool ok = true;
        jw_put(root, "comparison", comparison_json(cmp, &ok), &ok);
        if (!ok) {
            json_decref(root);
            return NULL;
        }
    }
    return jw_dump(root, JW_DUMP_FLAGS, len);
}

bool json_write_compared(FILE *f, const mb_run *run, const cmp_result *cmp)
{
    size_t len = 0;
    char *text = json_dump_compared(run, cmp, &len);
    if (!text)
        return false;
    bool ok = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
    free(text);
    return ok;
}

char *json_dump_run_compact(const mb_run *run, size_t *len)
{
    return jw_dump(run_json(run), JW_COMPACT_FLAGS, len);
}
