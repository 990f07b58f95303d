/* Run -> the JSON that CI benchmark trackers read: Bencher's Metric Format
 * (--format=bmf) and github-action-benchmark's customSmallerIsBetter input
 * (--format=gh-bench). Both carry the median time per iteration and the
 * interval the console table shows (the result's time summary); failed and
 * skipped benchmarks, and those without a time, are left out. */
#include "json_impl.h"

#include "report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* A result the trackers can take: it ran and has a positive median. */
static bool usable(const mb_result *r)
{
    return !r->error && !r->skipped && isfinite(r->time.median) &&
           r->time.median > 0;
}

/* The interval of the median, clamped so that lo <= median <= hi (a
 * degenerate or missing interval reads as the median itself). */
static void bounds(const mb_result *r, double *lo, double *hi)
{
    double m = r->time.median;
    *lo = r->time.median_ci.lo;
    *hi = r->time.median_ci.hi;
    if (!isfinite(*lo) || *lo <= 0 || *lo > m)
        *lo = m;
    if (!isfinite(*hi) || *hi < m)
        *hi = m;
}

static json_t *measure(double value, double lo, double hi, bool range, bool *ok)
{
    json_t *o = json_object();
    jw_put(o, "value", jw_num(value), ok);
    if (range) {
        jw_put(o, "lower_value", jw_num(lo), ok);
        jw_put(o, "upper_value", jw_num(hi), ok);
    }
    return o;
}

static json_t *bmf_json(const mb_run *run)
{
    bool ok = true;
    json_t *root = json_object();
    for (size_t i = 0; root && i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (!usable(r))
            continue;
        double lo, hi, m = r->time.median;
        bounds(r, &lo, &hi);
        json_t *b = json_object();
        jw_put(b, "latency", measure(m, lo, hi, true, &ok), &ok);
        /* Per second, bytes before items (as the tables show it): the
         * slowest time gives the lowest rate. */
        double per = r->bytes > 0 ? r->bytes : r->items;
        if (per > 0)
            jw_put(b, "throughput",
                   measure(per * 1e9 / m, per * 1e9 / hi, per * 1e9 / lo, true,
                           &ok),
                   &ok);
        for (size_t c = 0; c < r->ncounters; c++) {
            double v = result_counter_median(r, r->counter_names[c]);
            if (isfinite(v))
                jw_put(b, r->counter_names[c], measure(v, 0, 0, false, &ok),
                       &ok);
        }
        jw_put(root, r->name, b, &ok);
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static json_t *gh_bench_json(const mb_run *run)
{
    bool ok = true;
    json_t *root = json_array();
    for (size_t i = 0; root && i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (!usable(r))
            continue;
        double lo, hi;
        bounds(r, &lo, &hi);
        char range[64], extra[160];
        snprintf(range, sizeof range, "\xC2\xB1 %.4g", (hi - lo) / 2);
        snprintf(extra, sizeof extra, "%g%% CI [%.6g, %.6g] ns; rounds %zu",
                 100 * (r->time.confidence > 0 ? r->time.confidence : 0.95), lo,
                 hi, r->nrounds);
        json_t *o = json_object();
        jw_put(o, "name", jw_str(r->name), &ok);
        jw_put(o, "unit", json_string("ns"), &ok);
        jw_put(o, "value", jw_num(r->time.median), &ok);
        jw_put(o, "range", json_string(range), &ok);
        jw_put(o, "extra", json_string(extra), &ok);
        jw_push(root, o, &ok);
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

bool report_write_ci(FILE *f, out_format fmt, const mb_run *run)
{
    size_t len = 0;
    char *text = jw_dump(fmt == FMT_BMF ? bmf_json(run) : gh_bench_json(run),
                         JW_DUMP_FLAGS, &len);
    if (!text)
        return false;
    bool ok = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
    free(text);
    return ok;
}
