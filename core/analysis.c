/* From raw samples to what a report shows: summaries, complexity fits per
 * family, relative speed and crossovers per group. The statistics are in
 * stats/; this file only arranges the data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* The summary of r's samples, leaving disturbed ones out while enough
 * clean ones remain; each sample's round goes with it, so that the
 * interval takes the rounds (fresh processes) as its unit. */
static void summarize_one(mb_result *r)
{
    memset(&r->time, 0, sizeof r->time);
    r->ndisturbed = 0;
    r->nrounds = 0;
    r->round_spread = 0;
    if (r->n == 0 && r->agg.repetitions) {
        /* Known by its aggregates only (a Google Benchmark file written
         * with --benchmark_report_aggregates_only): what they say, and no
         * interval, which would need the repetitions. */
        mb_summary *t = &r->time;
        t->n = r->agg.repetitions;
        t->median = r->agg.median;
        t->mean = r->agg.mean;
        t->stddev = r->agg.stddev;
        t->mad = t->min = t->max = NAN;
        t->median_ci = (st_interval){NAN, NAN};
        return;
    }
    if (r->n == 0)
        return;
    double *x = malloc(r->n * sizeof *x);
    uint16_t *rd = malloc(r->n * sizeof *rd);
    double *scratch = malloc(st_summary_scratch_size(r->n) * sizeof(double));
    if (x && rd && scratch) {
        for (size_t i = 0; i < r->n; i++)
            if (r->flags[i] & SAMPLE_DISTURBED)
                r->ndisturbed++;
        bool drop = r->n - r->ndisturbed >= 5;
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++)
            if (!drop || !(r->flags[i] & SAMPLE_DISTURBED)) {
                rd[k] = r->round[i];
                x[k++] = result_per_iter(r, i);
            }
        st_summarize(x, rd, k, 0.95, scratch, &r->time);
        r->nrounds = r->time.rounds;
        r->round_spread = r->time.round_sd;
    }
    free(scratch);
    free(rd);
    free(x);
}

/* Results are put into lines and groups by sorting their positions once
 * on the keys involved (n log n in the results), the position last so
 * that members keep their definition order. */
typedef struct keyed {
    const mb_result *r;
    size_t i; /* position in run->results */
} keyed;

/* NULL before any string, as one value of its own. */
static int cmp_str(const char *a, const char *b)
{
    if (a == b)
        return 0;
    if (!a || !b)
        return a ? 1 : -1;
    return strcmp(a, b);
}

/* The arguments after the first (and threads): one line along the first
 * argument (.product: a fit and crossovers per value of the rest). */
static int cmp_others(const mb_result *a, const mb_result *b)
{
    return strcmp(a->others ? a->others : "", b->others ? b->others : "");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_pos(const keyed *a, const keyed *b)
{
    return (a->i > b->i) - (a->i < b->i);
}

/* By family, then line. */
static int cmp_family_line(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    int c = cmp_str(a->r->family, b->r->family);
    if (!c)
        c = cmp_others(a->r, b->r);
    return c ? c : cmp_pos(a, b);
}

/* By group, argument, line. */
static int cmp_group_arg_line(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    int c = cmp_str(a->r->group, b->r->group);
    if (!c)
        c = cmp_i64(&a->r->arg, &b->r->arg);
    if (!c)
        c = cmp_others(a->r, b->r);
    return c ? c : cmp_pos(a, b);
}

/* By group, line, bench, argument. */
static int cmp_group_line_bench(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    int c = cmp_str(a->r->group, b->r->group);
    if (!c)
        c = cmp_others(a->r, b->r);
    if (!c)
        c = cmp_str(a->r->bench, b->r->bench);
    if (!c)
        c = cmp_i64(&a->r->arg, &b->r->arg);
    return c ? c : cmp_pos(a, b);
}

/* The results for which keep() holds, sorted with cmp; *k of them.
 * malloc'd; NULL on no memory. */
static keyed *sorted(const mb_run *run, bool (*keep)(const mb_result *),
                     int (*cmp)(const void *, const void *), size_t *k)
{
    keyed *e = malloc((run->nresults ? run->nresults : 1) * sizeof *e);
    *k = 0;
    if (!e)
        return NULL;
    for (size_t i = 0; i < run->nresults; i++)
        if (!keep || keep(&run->results[i]))
            e[(*k)++] = (keyed){&run->results[i], i};
    qsort(e, *k, sizeof *e, cmp);
    return e;
}

static void fit_families(mb_run *run)
{
    size_t n = run->nresults, ne;
    double *args = malloc((n ? n : 1) * sizeof *args);
    double *t = malloc((n ? n : 1) * sizeof *t);
    keyed *e = sorted(run, NULL, cmp_family_line, &ne);
    if (!args || !t || !e)
        goto out;
    for (size_t s = 0, end; s < ne; s = end) {
        const mb_result *r = e[s].r;
        for (end = s + 1; end < ne && !cmp_str(e[end].r->family, r->family) &&
                          !cmp_others(e[end].r, r);
             end++)
            ;
        size_t k = 0;
        for (size_t j = s; j < end; j++) {
            const mb_result *q = e[j].r;
            if (q->has_arg && q->arg > 0 && q->time.n > 0 && !q->error) {
                args[k] = (double)q->arg;
                t[k++] = q->time.median;
            }
        }
        st_fit fit;
        if (k < 4 || !st_fit_complexity(args, t, k, &fit))
            continue;
        for (size_t j = s; j < end; j++) {
            mb_result *q = &run->results[e[j].i];
            q->fit = fit;
            /* A fit that misses by more than 10% names no class. */
            strncpy(q->complexity,
                    fit.clear ? st_big_o_name(fit.big_o) : ST_NO_CLEAR_CLASS,
                    sizeof q->complexity - 1);
        }
    }
out:
    free(e);
    free(args);
    free(t);
}

static bool timed_in_group(const mb_result *r)
{
    return r->group && r->time.n > 0;
}

static void relative_speed(mb_run *run)
{
    for (size_t i = 0; i < run->nresults; i++)
        run->results[i].vs_fastest = 0;
    size_t ne;
    keyed *e = sorted(run, timed_in_group, cmp_group_arg_line, &ne);
    if (!e)
        return;
    for (size_t s = 0, end; s < ne; s = end) {
        const mb_result *r = e[s].r;
        double best = INFINITY;
        for (end = s; end < ne && !cmp_str(e[end].r->group, r->group) &&
                      e[end].r->arg == r->arg && !cmp_others(e[end].r, r);
             end++)
            best = fmin(best, e[end].r->time.median);
        if (end - s > 1 && best > 0)
            for (size_t j = s; j < end; j++)
                run->results[e[j].i].vs_fastest =
                    run->results[e[j].i].time.median / best;
    }
    free(e);
}

void run_summarize(mb_run *run)
{
    for (size_t i = 0; i < run->nresults; i++)
        summarize_one(&run->results[i]);
    fit_families(run);
    relative_speed(run);
}

/* Per-iteration values and rounds of r's samples, disturbed ones left out
 * while enough remain (as the summary does). */
static size_t clean_samples(const mb_result *r, double *x, uint16_t *rd)
{
    bool drop = r->n - r->ndisturbed >= 5;
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!drop || !(r->flags[i] & SAMPLE_DISTURBED)) {
            rd[k] = r->round[i];
            x[k++] = result_per_iter(r, i);
        }
    return k;
}

/* The p-value of the difference between two variants at one argument:
 * their round medians, Welch's t (st_compare_rounds; the samples when a
 * side has fewer than 3 rounds). Counts under callgrind are exact: any
 * difference is real. */
static double diff_p(const mb_run *run, const mb_result *a, const mb_result *b)
{
    const char *m = run_ctx_gets(run, "measure");
    if (m && strcmp(m, "instructions") == 0)
        return a->time.median != b->time.median ? 0 : 1;
    st_boot_opts o = {.seed = 0x63726f7373ull, .resamples = 2000};
    double *xa = malloc((a->n + 1) * sizeof *xa);
    double *xb = malloc((b->n + 1) * sizeof *xb);
    uint16_t *ra = malloc((a->n + 1) * sizeof *ra);
    uint16_t *rb = malloc((b->n + 1) * sizeof *rb);
    double *s =
        malloc(st_compare_rounds_scratch_size(a->n, b->n, &o) * sizeof *s);
    double p = 1;
    if (xa && xb && ra && rb && s) {
        size_t na = clean_samples(a, xa, ra), nb = clean_samples(b, xb, rb);
        p = st_compare_rounds(xa, ra, na, xb, rb, nb, 0.5, &o, s).p;
    }
    free(xa);
    free(xb);
    free(ra);
    free(rb);
    free(s);
    return p;
}

/* A crossing is real only where the variants differ at this level on
 * both sides of it. */
#define CROSS_ALPHA 0.05

/* One bench's results on a line, or one line: e[s..end) of the sorted
 * positions, first: the least position among them. */
typedef struct span {
    size_t s, end, first;
} span;

static int cmp_span(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

static bool in_group(const mb_result *r)
{
    return r->group != NULL;
}

/* A bench's points: per argument its first result with a time and no
 * error, ascending by argument. */
static size_t bench_points(const keyed *e, span b, const mb_result **pt)
{
    size_t k = 0;
    for (size_t j = b.s; j < b.end; j++) {
        const mb_result *r = e[j].r;
        if (r->time.n == 0 || r->error)
            continue;
        if (k && pt[k - 1]->arg == r->arg)
            continue;
        pt[k++] = r;
    }
    return k;
}

crossover *run_crossovers(const mb_run *run, size_t *nout)
{
    size_t n = run->nresults, cnt = 0, cap = 0, ne = 0, nl = 0;
    crossover *out = NULL;
    size_t m1 = n ? n : 1;
    keyed *e = sorted(run, in_group, cmp_group_line_bench, &ne);
    span *lines = malloc(m1 * sizeof *lines);
    span *benches = malloc(m1 * sizeof *benches);
    const mb_result **pt = malloc(m1 * sizeof *pt);
    size_t *off = malloc((m1 + 1) * sizeof *off);
    double *xa = malloc(m1 * sizeof *xa);
    double *ta = malloc(m1 * sizeof *ta);
    double *tb = malloc(m1 * sizeof *tb);
    double *pv = malloc(m1 * sizeof *pv);
    *nout = 0;
    if (!e || !lines || !benches || !pt || !off || !xa || !ta || !tb || !pv)
        goto done;
    /* The lines (group and the arguments after the first), in the order
     * of their first results. */
    for (size_t s = 0, end; s < ne; s = end) {
        size_t first = e[s].i;
        for (end = s + 1;
             end < ne && !cmp_str(e[end].r->group, e[s].r->group) &&
             !cmp_others(e[end].r, e[s].r);
             end++)
            first = e[end].i < first ? e[end].i : first;
        lines[nl++] = (span){s, end, first};
    }
    qsort(lines, nl, sizeof *lines, cmp_span);
    for (size_t l = 0; l < nl; l++) {
        const mb_result *r = &run->results[lines[l].first];
        if (!r->has_arg)
            continue;
        /* Its benches in definition order, each with its points. */
        size_t nb = 0;
        for (size_t s = lines[l].s, end; s < lines[l].end; s = end) {
            size_t first = e[s].i;
            for (end = s + 1;
                 end < lines[l].end && !cmp_str(e[end].r->bench, e[s].r->bench);
                 end++)
                first = e[end].i < first ? e[end].i : first;
            benches[nb++] = (span){s, end, first};
        }
        qsort(benches, nb, sizeof *benches, cmp_span);
        off[0] = 0;
        for (size_t b = 0; b < nb; b++)
            off[b + 1] = off[b] + bench_points(e, benches[b], pt + off[b]);
        /* Every pair of variants, in definition order: where their
         * ranking changes between neighbouring args at which both have a
         * result. */
        for (size_t p = 0; p < nb; p++) {
            const char *va = run->results[benches[p].first].bench;
            for (size_t q = p + 1; q < nb; q++) {
                const char *vb = run->results[benches[q].first].bench;
                size_t k = 0;
                for (size_t i = off[p], j = off[q];
                     i < off[p + 1] && j < off[q + 1];) {
                    const mb_result *x = pt[i], *y = pt[j];
                    if (x->arg != y->arg) {
                        x->arg < y->arg ? i++ : j++;
                        continue;
                    }
                    i++, j++;
                    if (x->time.median > 0 && y->time.median > 0 &&
                        isfinite(x->time.median) && isfinite(y->time.median)) {
                        xa[k] = (double)x->arg;
                        ta[k] = x->time.median;
                        tb[k] = y->time.median;
                        pv[k++] = diff_p(run, x, y);
                    }
                }
                st_crossing at[8];
                size_t m = st_crossovers(xa, ta, tb, pv, k, CROSS_ALPHA, at, 8);
                for (size_t c = 0; c < m; c++) {
                    bool b_wins = !at[c].a_faster_after;
                    if (cnt == cap) {
                        cap = cap ? 2 * cap : 4;
                        crossover *g = realloc(out, cap * sizeof *g);
                        if (!g)
                            goto done;
                        out = g;
                    }
                    out[cnt++] = (crossover){
                        r->group, b_wins ? vb : va,           b_wins ? va : vb,
                        at[c].at, r->others ? r->others : "", at[c].lo,
                        at[c].hi};
                }
            }
        }
    }
    *nout = cnt;
done:
    free(e);
    free(lines);
    free(benches);
    free(pt);
    free(off);
    free(xa);
    free(ta);
    free(tb);
    free(pv);
    return out;
}

double result_cpu_median(const mb_result *r)
{
    if (!r->cpu_ns || r->n == 0)
        return NAN;
    double *x = malloc(2 * r->n * sizeof *x);
    if (!x)
        return NAN;
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (isfinite(result_cpu_per_iter(r, i)))
            x[k++] = result_cpu_per_iter(r, i);
    double m = k ? st_median(x, k, x + r->n) : NAN;
    free(x);
    return m;
}

double result_counter_median(const mb_result *r, const char *name)
{
    size_t c = 0;
    while (c < r->ncounters && strcmp(r->counter_names[c], name) != 0)
        c++;
    if (c == r->ncounters || r->n == 0)
        return NAN;
    double *x = malloc(2 * r->n * sizeof *x);
    if (!x)
        return NAN;
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->iters[i] > 0)
            x[k++] = r->counters[i * r->ncounters + c] / r->iters[i];
    double m = st_median(x, k, x + r->n);
    free(x);
    return m;
}
