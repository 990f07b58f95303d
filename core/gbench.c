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
    if (rt && strcmp(json_string_value(rt), "aggregate") == 0)
        return true;
    json_t *rn = jl_get(l, b, where, "run_name", K_STR, false);
    if (!rn && l->st != MB_OK)
        return false;
    const char *full = json_string_value(rn ? rn : name);
    snprintf(where, sizeof where, "benchmarks[%zu] ('%.30s')", i, full);

    json_t *eo = jl_get(l, b, where, "error_occurred", K_BOOL, false);
    if (!eo && l->st != MB_OK)
        return false;
    bool failed = eo && json_is_true(eo);
    double iters = 0, t = 0, cpu = 0, scale = 1;
    if (!failed) {
        json_t *vi = jl_get(l, b, where, "iterations", K_NUM, true);
        json_t *vt = vi ? jl_get(l, b, where, "real_time", K_NUM, true) : NULL;
        if (!vt)
            return false;
        json_t *tu = jl_get(l, b, where, "time_unit", K_STR, false);
        if (!tu && l->st != MB_OK)
            return false;
        if (tu && !cli_parse_time_unit(json_string_value(tu), &scale))
            return jl_fail(l, MB_ERR_CORRUPT, "%s: unknown time_unit '%s'",
                           where, json_string_value(tu));
        iters = json_number_value(vi);
        t = json_number_value(vt) * scale;
        /* GB divides items and bytes by CPU time, not real time. */
        json_t *vc = json_object_get(b, "cpu_time");
        cpu = json_is_number(vc) ? json_number_value(vc) * scale : t;
        if (!(iters > 0) || !(t >= 0))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "%s: iterations must be > 0 and real_time >= 0",
                           where);
    }

    mb_result *r = run_find(run, full);
    if (!r) {
        if (!(r = run_add_result(run)))
            return jl_nomem(l);
        if (!gb_names(l, r, full))
            return false;
        json_t *v = json_object_get(b, "items_per_second");
        if (json_is_number(v) && cpu > 0)
            r->items = json_number_value(v) * cpu / 1e9;
        v = json_object_get(b, "bytes_per_second");
        if (json_is_number(v) && cpu > 0)
            r->bytes = json_number_value(v) * cpu / 1e9;
    }
    if (failed) {
        json_t *em = json_object_get(b, "error_message");
        free(r->error);
        r->error = strdup(json_is_string(em) ? json_string_value(em)
                                             : "error occurred");
        return r->error ? true : jl_nomem(l);
    }
    if (!result_add_sample(r, iters, t * iters, NULL, 0,
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
    return true;
}
