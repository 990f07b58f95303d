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

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The same arguments after the first (and threads): one line along the
 * first argument (.product: a fit and crossovers per value of the rest). */
static bool same_others(const mb_result *a, const mb_result *b)
{
    return strcmp(a->others ? a->others : "", b->others ? b->others : "") == 0;
}

static void fit_families(mb_run *run)
{
    size_t n = run->nresults;
    double *args = malloc((n ? n : 1) * sizeof *args);
    double *t = malloc((n ? n : 1) * sizeof *t);
    if (!args || !t)
        goto out;
    for (size_t i = 0; i < n; i++) {
        mb_result *r = &run->results[i];
        bool first = true;
        for (size_t j = 0; j < i; j++)
            first &= !(same(run->results[j].family, r->family) &&
                       same_others(&run->results[j], r));
        if (!first)
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            mb_result *q = &run->results[j];
            if (same(q->family, r->family) && same_others(q, r) && q->has_arg &&
                q->arg > 0 && q->time.n > 0 && !q->error) {
                args[k] = (double)q->arg;
                t[k++] = q->time.median;
            }
        }
        st_fit fit;
        if (k < 4 || !st_fit_complexity(args, t, k, &fit))
            continue;
        for (size_t j = i; j < n; j++) {
            mb_result *q = &run->results[j];
            if (same(q->family, r->family) && same_others(q, r)) {
                q->fit = fit;
                /* A fit that misses by more than 10% names no class. */
                strncpy(q->complexity,
                        fit.clear ? st_big_o_name(fit.big_o)
                                  : ST_NO_CLEAR_CLASS,
                        sizeof q->complexity - 1);
            }
        }
    }
out:
    free(args);
    free(t);
}

static void relative_speed(mb_run *run)
{
    for (size_t i = 0; i < run->nresults; i++) {
        mb_result *r = &run->results[i];
        r->vs_fastest = 0;
        if (!r->group || r->time.n == 0)
            continue;
        double best = INFINITY;
        size_t peers = 0;
        for (size_t j = 0; j < run->nresults; j++) {
            mb_result *q = &run->results[j];
            if (same(q->group, r->group) && q->arg == r->arg &&
                same_others(q, r) && q->time.n > 0) {
                peers++;
                best = fmin(best, q->time.median);
            }
        }
        if (peers > 1 && best > 0)
            r->vs_fastest = r->time.median / best;
    }
}

void run_summarize(mb_run *run)
{
    for (size_t i = 0; i < run->nresults; i++)
        summarize_one(&run->results[i]);
    fit_families(run);
    relative_speed(run);
}

/* The result of bench b of group g at arg on line's line, or NULL. */
static const mb_result *result_at(const mb_run *run, const char *g,
                                  const char *b, const mb_result *line,
                                  int64_t arg)
{
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (same(r->group, g) && same(r->bench, b) && r->arg == arg &&
            same_others(r, line) && r->time.n > 0 && !r->error)
            return r;
    }
    return NULL;
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

/* Whether results[i] is the first of its bench within its group and
 * line. */
static bool is_first_bench(const mb_run *run, size_t i)
{
    const mb_result *r = &run->results[i];
    for (size_t j = 0; j < i; j++)
        if (same(run->results[j].group, r->group) &&
            same(run->results[j].bench, r->bench) &&
            same_others(&run->results[j], r))
            return false;
    return true;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

crossover *run_crossovers(const mb_run *run, size_t *nout)
{
    size_t n = run->nresults, cnt = 0, cap = 0;
    crossover *out = NULL;
    int64_t *args = malloc((n ? n : 1) * sizeof *args);
    double *xa = malloc((n ? n : 1) * sizeof *xa);
    double *ta = malloc((n ? n : 1) * sizeof *ta);
    double *tb = malloc((n ? n : 1) * sizeof *tb);
    double *pv = malloc((n ? n : 1) * sizeof *pv);
    *nout = 0;
    if (!args || !xa || !ta || !tb || !pv)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const mb_result *r = &run->results[i];
        bool first = r->group && r->has_arg;
        for (size_t j = 0; j < i && first; j++)
            first = !(same(run->results[j].group, r->group) &&
                      same_others(&run->results[j], r));
        if (!first)
            continue;
        /* The line's arguments, ascending and distinct. */
        size_t na = 0;
        for (size_t j = i; j < n; j++)
            if (same(run->results[j].group, r->group) &&
                same_others(&run->results[j], r))
                args[na++] = run->results[j].arg;
        qsort(args, na, sizeof *args, cmp_i64);
        size_t u = 0;
        for (size_t j = 0; j < na; j++)
            if (u == 0 || args[u - 1] != args[j])
                args[u++] = args[j];
        na = u;
        /* Every pair of variants, in definition order: where their
         * ranking changes between neighbouring args. */
        for (size_t p = i; p < n; p++) {
            const mb_result *va = &run->results[p];
            if (!same(va->group, r->group) || !same_others(va, r) ||
                !is_first_bench(run, p))
                continue;
            for (size_t q = p + 1; q < n; q++) {
                const mb_result *vb = &run->results[q];
                if (!same(vb->group, r->group) || !same_others(vb, r) ||
                    !is_first_bench(run, q) || same(va->bench, vb->bench))
                    continue;
                size_t k = 0;
                for (size_t b = 0; b < na; b++) {
                    const mb_result *x =
                        result_at(run, r->group, va->bench, r, args[b]);
                    const mb_result *y =
                        result_at(run, r->group, vb->bench, r, args[b]);
                    if (x && y && x->time.median > 0 && y->time.median > 0 &&
                        isfinite(x->time.median) && isfinite(y->time.median)) {
                        xa[k] = (double)args[b];
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
                    out[cnt++] = (crossover){r->group,
                                             b_wins ? vb->bench : va->bench,
                                             b_wins ? va->bench : vb->bench,
                                             at[c].at,
                                             r->others ? r->others : "",
                                             at[c].lo,
                                             at[c].hi};
                }
            }
        }
    }
    *nout = cnt;
done:
    free(args);
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
