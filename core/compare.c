/* Verdicts of a run against a baseline, with the error rate controlled over
 * the whole suite (Holm) and a threshold below which nothing matters. */
#include "compare.h"

#include "profile.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPARE_SEED 0x636f6d70617265ull
/* Paired rows whose interval the rounds' autocorrelation widened this much
 * or more (r >= 1/3: the test's variance at least doubled) get a note. */
#define CMP_DRIFT_WIDEN 1.414

const char *cmp_verdict_name(cmp_verdict v)
{
    static const char *const names[] = {"unchanged",    "slower", "faster",
                                        "inconclusive", "new",    "gone",
                                        "failed",       "skipped"};
    return v < CMP_NVERDICTS ? names[v] : "?";
}

static void note(cmp_result *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(cmp_result *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **g = realloc(c->notes, (c->nnotes + 1) * sizeof *g);
    if (!g)
        return;
    c->notes = g;
    if ((g[c->nnotes] = strdup(buf)))
        c->nnotes++;
}

/* Machine state (docs/design.md, "Machine state"): a round whose probe
 * (harness_probe) is more than PROBE_TOL off the baseline's ran with the
 * machine in another state. Here the probe holds within about 2% while the
 * host's state does; when it flips, it moves 40-60%, and so do the benchmarks.
 */
#define PROBE_TOL   0.15
#define PROBE_REF_Q 0.25

/* Two probes (either may be NAN: then not) in different states. */
static bool probe_apart(double a, double b)
{
    return isfinite(a) && isfinite(b) && fabs(log(a / b)) > log1p(PROBE_TOL);
}

static bool probe_off(const mb_result *r, size_t k, double ref)
{
    return k < r->nprobe && probe_apart(r->probe_ns[k], ref);
}

/* What per_iter did with the probe: rounds left out, and the median
 * probe of the rounds it kept (NAN: none had one). */
typedef struct probe_use {
    size_t dropped;
    double level;
} probe_use;

/* Per-iteration times of r's samples, leaving disturbed ones out while
 * enough remain (as the summary does), and the rounds whose probe is off
 * ref (NAN: none is) while at least `keep` rounds remain; *pu (may be
 * NULL) says what that did. */
static size_t per_iter_probe(const mb_result *r, double ref, size_t keep,
                             double *x, uint16_t *round, probe_use *pu)
{
    size_t clean = 0, k = 0, nr = 0, off = 0, np = 0;
    for (size_t i = 0; i < r->n; i++)
        clean += !(r->flags[i] & SAMPLE_DISTURBED);
    bool drop = clean >= 5;
    /* The rounds with samples, and those off ref. */
    uint8_t *seen = calloc(r->nprobe + 1, 1);
    for (size_t i = 0; seen && i < r->n; i++)
        if (r->round[i] < r->nprobe && !seen[r->round[i]]) {
            seen[r->round[i]] = 1;
            nr++;
            off += probe_off(r, r->round[i], ref);
        }
    bool cut = seen && off > 0 && nr - off >= keep;
    for (size_t i = 0; i < r->n; i++)
        if ((!drop || !(r->flags[i] & SAMPLE_DISTURBED)) &&
            !(cut && probe_off(r, r->round[i], ref))) {
            round[k] = r->round[i];
            x[k++] = result_per_iter(r, i);
        }
    if (pu) {
        double *lv = malloc((r->nprobe + 1) * sizeof *lv);
        double *tmp = malloc((r->nprobe + 1) * sizeof *tmp);
        for (size_t j = 0; lv && tmp && seen && j < r->nprobe; j++)
            if (seen[j] && isfinite(r->probe_ns[j]) &&
                !(cut && probe_off(r, j, ref)))
                lv[np++] = r->probe_ns[j];
        pu->dropped = cut ? off : 0;
        pu->level = np ? st_median(lv, np, tmp) : NAN;
        free(lv);
        free(tmp);
    }
    free(seen);
    return k;
}

static size_t per_iter(const mb_result *r, double *x, uint16_t *round)
{
    return per_iter_probe(r, NAN, 0, x, round, NULL);
}

/* The baseline's probe for row: over the rounds of every saved run (the
 * history, else old alone), the PROBE_REF_Q quantile, NAN when it has
 * none. On a host whose state flips the probe is two-valued (1.40 and
 * 1.9-2.3 ns per key here), and rounds in the faster state cost what the
 * code does alone: the quantile picks that state when it holds for a
 * quarter of the baseline's rounds or more, else the state it was in. */
static double probe_ref(const cmp_row *row, const cmp_opts *o)
{
    size_t h = o->nhistory >= ST_HISTORY_MIN_RUNS ? o->nhistory : 0;
    size_t cap = 0, n = 0, k = 0;
    const mb_result **rs = malloc((h + 1) * sizeof *rs);
    for (size_t j = 0; rs && j < h; j++) {
        const mb_result *r = run_find(o->history[j], row->name);
        if (r && !r->error && r->nprobe)
            rs[k++] = r;
    }
    if (rs && k == 0 && row->old && row->old->nprobe)
        rs[k++] = row->old;
    for (size_t j = 0; j < k; j++)
        cap += rs[j]->nprobe;
    double *v = malloc((cap + 1) * sizeof *v);
    double *tmp = malloc((cap + 1) * sizeof *tmp);
    for (size_t j = 0; v && tmp && j < k; j++)
        for (size_t q = 0; q < rs[j]->nprobe; q++)
            if (isfinite(rs[j]->probe_ns[q]))
                v[n++] = rs[j]->probe_ns[q];
    double ref = v && tmp && n ? st_quantile(v, n, PROBE_REF_Q, tmp) : NAN;
    free(rs);
    free(v);
    free(tmp);
    return ref;
}

/* What a comparison, paired or not, takes of each round: the round's 10th
 * percentile of per-iteration time, its "floor". Within one round a shared
 * machine slows the code down in bursts (here: runs of a few samples 40%
 * slower, on memory-bound benchmarks, from the other tenants), and the
 * bursts only ever add time, so the low end of a round is what the code
 * costs; a median moves with how much of the round a burst covered. On the
 * evaluation suite (docs/eval.md) the per-round log ratio of hash/1024
 * scattered by 12% (MAD) between medians and 7% between 10th percentiles,
 * which took a 10% slowdown from being caught in ~60% of simulated 16-round
 * trials to ~99%, with A/A unchanged. Not the minimum: one lucky sample
 * would decide it, and the 5th percentile already did worse. Unpaired
 * (a run against a baseline, st_compare_rounds), 20 trials in one hour
 * with medians then floors: A/A 0 and 0 builds failed, 5% caught 2 and 4,
 * 10% 8 and 8, 25% 16 and 20 (docs/design.md). */
#define ROUND_FLOOR_QUANTILE 0.10

/* ROUND_FLOOR_QUANTILE of r's per-iteration times in each round
 * 0..nr-1 (NAN if none). */
static void round_floors(const mb_result *r, size_t nr, double *out,
                         double *scratch)
{
    for (size_t k = 0; k < nr; k++) {
        size_t m = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->round[i] == k)
                scratch[m++] = result_per_iter(r, i);
        out[k] = st_quantile(scratch, m, ROUND_FLOOR_QUANTILE, scratch + r->n);
    }
}

static size_t rounds_of(const mb_result *r)
{
    size_t nr = 0;
    for (size_t i = 0; i < r->n; i++)
        nr = r->round[i] + 1u > nr ? r->round[i] + 1u : nr;
    return nr;
}

/* What a side offers a test: per-iteration mean, standard deviation and
 * number of replicates, from its aggregates when it has nothing else
 * (a Google Benchmark file of aggregates only), else from its samples. */
typedef struct side_stats {
    double mean, sd;
    size_t n;
} side_stats;

static side_stats side_of(const mb_result *r)
{
    if (r->n == 0)
        return (side_stats){r->agg.mean, r->agg.stddev, r->agg.repetitions};
    double sum = 0, ss = 0;
    for (size_t i = 0; i < r->n; i++)
        sum += result_per_iter(r, i);
    double mean = sum / (double)r->n;
    for (size_t i = 0; i < r->n; i++)
        ss += (result_per_iter(r, i) - mean) * (result_per_iter(r, i) - mean);
    return (side_stats){mean, r->n > 1 ? sqrt(ss / (double)(r->n - 1)) : NAN,
                        r->n};
}

/* Replicated enough for a test: two measurements or more, with a spread. */
static bool testable(side_stats s)
{
    return s.n >= 2 && isfinite(s.sd) && s.mean > 0;
}

/* The change of the means from aggregates (mean, stddev, repetitions per
 * side): Welch's t on the log of the means, each side's variance of the
 * log mean taken by the delta method, (sd / mean)^2 / n, with
 * Welch-Satterthwaite degrees of freedom; the interval of the ratio of
 * means at `confidence`. The same as scipy.stats.ttest_ind_from_stats(
 * log(m_old), sd_old / m_old, n_old, log(m_new), sd_new / m_new, n_new,
 * equal_var=False). */
static st_change compare_aggregates(side_stats a, side_stats b,
                                    double confidence)
{
    double diff = log(b.mean / a.mean);
    st_change c = {.change = expm1(diff),
                   .ci = {NAN, NAN},
                   .p = 1,
                   .base = a.mean,
                   .now = b.mean,
                   /* None of stats' units: the legend under the table and
                    * the JSON's "statistic" leave it to the note. */
                   .unit = (st_unit)3};
    double va = (a.sd / a.mean) * (a.sd / a.mean) / (double)a.n;
    double vb = (b.sd / b.mean) * (b.sd / b.mean) / (double)b.n;
    double se = sqrt(va + vb);
    if (!(se > 0)) { /* identical repetitions on both sides */
        c.ci.lo = c.ci.hi = c.change;
        c.p = diff != 0 ? 0 : 1;
        return c;
    }
    double df = (va + vb) * (va + vb) /
                (va * va / (double)(a.n - 1) + vb * vb / (double)(b.n - 1));
    double h = st_t_ppf(1 - (1 - confidence) / 2, df) * se;
    c.ci.lo = expm1(diff - h);
    c.ci.hi = expm1(diff + h);
    c.p = st_t_two_sided(diff / se, df);
    return c;
}

/* How much slower this benchmark ran in the saved runs' rounds whose
 * probe was more than PROBE_TOL above ref than in those within it: exp of
 * the difference of the median log floors, 0 with fewer than 3 rounds of
 * either. A new run wholly in the slower state can show that much of a
 * change without any change of the code. */
static double state_ratio(const mb_result *const *rs, size_t k, double ref)
{
    size_t cap = 0;
    for (size_t j = 0; j < k; j++)
        cap += rs[j]->n + rs[j]->nprobe;
    double *fast = malloc((cap + 1) * sizeof *fast);
    double *slow = malloc((cap + 1) * sizeof *slow);
    double *tmp = malloc((3 * cap + 1) * sizeof *tmp);
    size_t nf = 0, ns = 0;
    for (size_t j = 0; fast && slow && tmp && j < k; j++) {
        const mb_result *r = rs[j];
        size_t nr = rounds_of(r) < r->nprobe ? rounds_of(r) : r->nprobe;
        round_floors(r, nr, tmp, tmp + nr); /* 2 n after the nr floors */
        for (size_t q = 0; q < nr; q++) {
            double f = tmp[q], p = r->probe_ns[q];
            if (!(isfinite(f) && f > 0 && isfinite(p)))
                continue;
            if (!probe_apart(p, ref))
                fast[nf++] = log(f);
            else if (p > ref)
                slow[ns++] = log(f);
        }
    }
    double ratio = 0;
    if (nf >= 3 && ns >= 3)
        ratio = exp(st_median(slow, ns, tmp) - st_median(fast, nf, tmp + ns));
    free(fast);
    free(slow);
    free(tmp);
    return ratio;
}

/* Against the saved runs of a baseline (opts->history, newest first,
 * ST_HISTORY_MIN_RUNS or more): st_compare_history on every saved run's
 * samples of this benchmark. False when fewer runs have it or no estimate
 * came of them (the caller then compares with the baseline alone). */
static bool compare_history(cmp_row *row, const cmp_opts *o,
                            const st_boot_opts *bo)
{
    size_t h = o->nhistory, total = row->now->n, k = 0;
    const mb_result **rs = calloc(h + 1, sizeof *rs);
    double **x = calloc(h + 1, sizeof *x);
    uint16_t **rd = calloc(h + 1, sizeof *rd);
    size_t *n = calloc(h + 1, sizeof *n);
    bool ok = rs && x && rd && n;
    for (size_t j = 0; ok && j < h; j++) {
        const mb_result *r = run_find(o->history[j], row->name);
        if (r && !r->error && r->n)
            total += (rs[k++] = r)->n;
    }
    /* Saved runs whose rounds ran with the CPU in another state than
     * most of the history's are left out of it, or only those rounds. */
    double ref = probe_ref(row, o);
    size_t used = 0;
    row->probe_rounds_out = row->probe_runs_out = 0;
    row->probe_shift = 0;
    for (size_t j = 0; ok && j <= k; j++) {
        const mb_result *r = j < k ? rs[j] : row->now;
        x[used] = malloc((r->n + 1) * sizeof **x);
        rd[used] = malloc((r->n + 1) * sizeof **rd);
        ok = x[used] && rd[used];
        if (!ok)
            break;
        probe_use pu;
        n[used] = per_iter_probe(r, ref, j < k ? 2 : 3, x[used], rd[used], &pu);
        row->probe_rounds_out += pu.dropped;
        bool off = probe_apart(pu.level, ref);
        if (j == k && off)
            row->probe_shift = pu.level / ref - 1;
        if (j < k && off) {
            row->probe_runs_out++;
            free(x[used]);
            free(rd[used]);
            x[used] = NULL;
            rd[used] = NULL;
            continue;
        }
        used++;
    }
    row->probe_state_ratio = ok ? state_ratio(rs, k, ref) : 0;
    k = used ? used - 1 : 0;
    double *scratch =
        ok && k >= ST_HISTORY_MIN_RUNS
            ? malloc(st_compare_history_scratch_size(total) * sizeof *scratch)
            : NULL;
    if (scratch)
        row->change = st_compare_history(
            (const double *const *)x, (const uint16_t *const *)rd, n, k, x[k],
            rd[k], n[k], ROUND_FLOOR_QUANTILE, bo, scratch);
    bool done = scratch != NULL && !isnan(row->change.change);
    free(scratch);
    for (size_t j = 0; x && rd && j <= h; j++) {
        free(x[j]);
        free(rd[j]);
    }
    free(rs);
    free(x);
    free(rd);
    free(n);
    return done;
}

/* A change that the machine's own shift (row->probe_shift) could make
 * is no evidence of the code's: slower while the machine ran slower, with
 * the interval's low end within PROBE_SPAN times that shift, or within
 * what this benchmark moved between the states in the saved runs
 * (row->probe_state_ratio), or faster likewise. In logs, benchmarks moved
 * up to 1.7 times as far as the probe when the state flipped in one hour
 * (+65% to +88% against +44% to +60%), and 2.4 times in A/A runs of two
 * other loaded hours: hash/1024 +82% against +30% (its saved runs' slow
 * rounds: 1.8x), snprintf_g17 +80% against +27% (its saved runs' slow
 * rounds barely slower: 1.04x), both "slower" with a span of 2. */
#define PROBE_SPAN 2.5
static void probe_overrule(cmp_row *r)
{
    double s = log1p(r->probe_shift);
    double st = r->probe_state_ratio > 1 ? log(r->probe_state_ratio) : 0;
    if ((r->verdict == CMP_SLOWER && s > 0 &&
         log1p(r->change.ci.lo) <= fmax(PROBE_SPAN * s, st)) ||
        (r->verdict == CMP_FASTER && s < 0 &&
         log1p(r->change.ci.hi) >= fmin(PROBE_SPAN * s, -st))) {
        r->verdict = CMP_INCONCLUSIVE;
        r->probe_overruled = true;
    }
}

/* One note on what the machine-state probe did over the comparison. */
static void probe_notes(cmp_result *c)
{
    size_t rounds = 0, runs = 0, rows = 0, shifted = 0, overruled = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        rounds += r->probe_rounds_out;
        runs += r->probe_runs_out;
        rows += r->probe_rounds_out || r->probe_runs_out;
        overruled += r->probe_overruled;
        if (r->probe_shift != 0) {
            shifted++;
            lo = fmin(lo, r->probe_shift);
            hi = fmax(hi, r->probe_shift);
        }
    }
    char saved[64] = "";
    if (runs)
        snprintf(saved, sizeof saved, " and %zu saved run%s", runs,
                 runs == 1 ? "" : "s");
    if (rows)
        note(c,
             "machine state: %zu round%s%s measured while the machine ran "
             "more than %.0f%% off its reference speed (the probe) left out, "
             "in %zu benchmark%s",
             rounds, rounds == 1 ? "" : "s", saved, 100 * PROBE_TOL, rows,
             rows == 1 ? "" : "s");
    if (shifted)
        note(c,
             "machine state: in %zu benchmark%s the machine ran %+.0f%% to "
             "%+.0f%% off the baseline's speed (the probe) in most rounds; "
             "%zu change%s of that size made inconclusive; measure again "
             "later, or save the baseline again if the machine changed",
             shifted, shifted == 1 ? "" : "s", 100 * lo, 100 * hi, overruled,
             overruled == 1 ? "" : "s");
}

/* An inconclusive row whose interval lies wholly beyond the threshold:
 * the interval (a bootstrap of the median or a t interval) and the test
 * that Holm ran on (the signed-rank test's p, say) disagree, and the
 * verdict goes with the test, whose error rate is the one controlled. Said,
 * so that the row's interval does not seem to contradict its verdict. */
static void disagree_notes(cmp_result *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        if (r->verdict != CMP_INCONCLUSIVE || r->probe_overruled ||
            !(r->change.ci.lo >= c->threshold ||
              r->change.ci.hi <= -c->threshold))
            continue;
        note(c,
             "%s: its interval lies beyond the threshold but its test is not "
             "significant over the suite (adjusted p %.2g > %.2g): "
             "inconclusive; more rounds would tell",
             r->name, r->p_adj, c->alpha);
    }
}

/* Paired (ab): the floors of the rounds both sides measured, in round
 * order, in xa[] and xb[] (cap >= rounds of either side); tmp: 2 (a->n +
 * b->n) doubles. Returns how many. */
static size_t paired_floors(const mb_result *a, const mb_result *b, double *xa,
                            double *xb, double *tmp)
{
    size_t nr = rounds_of(a) < rounds_of(b) ? rounds_of(a) : rounds_of(b);
    size_t na = 0;
    round_floors(a, nr, xa, tmp);
    round_floors(b, nr, xb, tmp + 2 * a->n);
    for (size_t k = 0; k < nr; k++)
        if (isfinite(xa[k]) && isfinite(xb[k]) && xa[k] > 0 && xb[k] > 0) {
            xa[na] = xa[k];
            xb[na++] = xb[k];
        }
    return na;
}

/* Paired rows: the lag-1 autocorrelation of each row's per-round log
 * ratios in round order, pooled over the rows compared
 * (st_pool_autocorr: one benchmark's 24 rounds estimate it to +-0.2,
 * the suite's to a few hundredths), into row->round_autocorr, which
 * st_compare_paired_ac allows for. */
static void paired_autocorr(cmp_result *c, const size_t *which, size_t m)
{
    double *r_hat = malloc((m + 1) * sizeof *r_hat);
    double *use = malloc((m + 1) * sizeof *use);
    size_t *len = malloc((m + 1) * sizeof *len);
    for (size_t k = 0; r_hat && use && len && k < m; k++) {
        cmp_row *row = &c->rows[which[k]];
        const mb_result *a = row->old, *b = row->now;
        size_t cap = a->n + b->n + rounds_of(a) + rounds_of(b) + 8;
        double *xa = malloc(cap * sizeof *xa), *xb = malloc(cap * sizeof *xb);
        double *tmp = malloc(2 * cap * sizeof *tmp);
        r_hat[k] = NAN;
        len[k] = 0;
        if (xa && xb && tmp && a->n && b->n) {
            len[k] = paired_floors(a, b, xa, xb, tmp);
            for (size_t i = 0; i < len[k]; i++)
                xa[i] = log(xb[i] / xa[i]);
            r_hat[k] = st_rank_lag1(xa, len[k], tmp);
        }
        free(xa);
        free(xb);
        free(tmp);
    }
    if (r_hat && use && len) {
        st_pool_autocorr(r_hat, len, m, use);
        for (size_t k = 0; k < m; k++)
            c->rows[which[k]].round_autocorr = use[k];
    }
    free(r_hat);
    free(use);
    free(len);
}

static void compare_pair(cmp_row *row, const cmp_opts *o, double confidence)
{
    const mb_result *a = row->old, *b = row->now;
    if (a->n == 0 || b->n == 0) {
        row->change = compare_aggregates(side_of(a), side_of(b), confidence);
        return;
    }
    st_boot_opts bo = {
        .seed = COMPARE_SEED, .resamples = 10000, .confidence = confidence};
    size_t cap = a->n + b->n + rounds_of(a) + rounds_of(b) + 8; /* >= nr */
    double *xa = malloc(cap * sizeof *xa), *xb = malloc(cap * sizeof *xb);
    double *tmp = malloc(2 * cap * sizeof *tmp);
    uint16_t *ra = malloc(cap * sizeof *ra), *rb = malloc(cap * sizeof *rb);
    size_t na = 0, nb = 0;
    if (!xa || !xb || !tmp || !ra || !rb)
        goto out;
    if (!o->paired && o->nhistory >= ST_HISTORY_MIN_RUNS &&
        compare_history(row, o, &bo))
        goto out;
    if (o->paired) {
        na = nb = paired_floors(a, b, xa, xb, tmp); /* 2 (n_a + n_b) <= 2 cap */
    } else {
        /* Rounds in another machine state than most of the baseline's
         * are left out while 3 a side remain (docs/design.md, "Machine state").
         */
        double ref = probe_ref(row, o);
        probe_use pa, pb;
        na = per_iter_probe(a, ref, 3, xa, ra, &pa);
        nb = per_iter_probe(b, ref, 3, xb, rb, &pb);
        row->probe_rounds_out = pa.dropped + pb.dropped;
        row->probe_runs_out = 0;
        row->probe_shift =
            probe_apart(pb.level, pa.level) ? pb.level / pa.level - 1 : 0;
    }
    if (na == 0 || nb == 0)
        goto out;
    double *scratch =
        malloc((o->paired ? st_compare_paired_scratch_size(na, &bo)
                          : st_compare_rounds_scratch_size(na, nb, &bo)) *
               sizeof(double));
    if (!scratch)
        goto out;
    /* Unpaired runs are compared round against round: rounds ran in fresh
     * processes, so their spread is the process-to-process variation that
     * two runs differ by (st_compare_rounds falls back to the samples
     * when a side has fewer than 3 rounds). */
    row->change = o->paired
                      ? st_compare_paired_ac(xa, xb, na, row->round_autocorr,
                                             &bo, scratch)
                      : st_compare_rounds(xa, ra, na, xb, rb, nb,
                                          ROUND_FLOOR_QUANTILE, &bo, scratch);
    free(scratch);
out:
    /* base and now show what the change compares (the table says which
     * statistic that is; against a history, base is the saved runs' mean
     * level), not the medians of the run tables. */
    if (isfinite(row->change.base) && isfinite(row->change.now)) {
        row->old_value = row->change.base;
        row->new_value = row->change.now;
    }
    free(xa);
    free(xb);
    free(tmp);
    free(ra);
    free(rb);
}

/* A benchmark on one side only (new or gone): that side's value as the
 * compared rows' base and now are computed (the table's legend names the
 * statistic), not the median of its samples, which a table of round
 * levels would show as if it were one. Runs without samples (aggregates)
 * and exact counts keep the median. */
static void one_side_value(cmp_row *row, const cmp_opts *o)
{
    const mb_result *x = row->old ? row->old : row->now;
    double *v = row->old ? &row->old_value : &row->new_value;
    if (!x || x->error || x->n == 0)
        return;
    size_t nr = rounds_of(x), cap = x->n + nr + 8;
    double *xs = malloc(cap * sizeof *xs), *tmp = malloc(2 * cap * sizeof *tmp);
    uint16_t *rd = malloc(cap * sizeof *rd);
    if (xs && tmp && rd) {
        if (o->paired) {
            /* The geometric mean of its rounds' floors. */
            round_floors(x, nr, xs, tmp);
            double sum = 0;
            size_t k = 0;
            for (size_t i = 0; i < nr; i++)
                if (isfinite(xs[i]) && xs[i] > 0) {
                    sum += log(xs[i]);
                    k++;
                }
            if (k) {
                *v = exp(sum / (double)k);
                row->change.unit = ST_UNIT_PAIRS;
            }
        } else {
            size_t n = per_iter(x, xs, rd);
            double lev = st_round_level(xs, rd, n, ROUND_FLOOR_QUANTILE, tmp);
            if (isfinite(lev)) {
                *v = lev;
                row->change.unit = ST_UNIT_ROUNDS;
            }
        }
    }
    free(xs);
    free(tmp);
    free(rd);
}

static void add_row(cmp_result *c, const char *name, const mb_result *old,
                    const mb_result *now)
{
    cmp_row *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    r->name = name;
    r->old = old;
    r->now = now;
    r->old_value = old ? old->time.median : NAN;
    r->new_value = now ? now->time.median : NAN;
    r->change.p = 1;
    r->p_adj = 1;
    r->round_autocorr = NAN;
    if (!old)
        r->verdict = CMP_NEW;
    else if (!now)
        r->verdict = CMP_GONE;
    else if (!old->error && !now->error && (old->skipped || now->skipped))
        r->verdict = CMP_SKIPPED;
    else if (old->error || now->error ||
             (old->n == 0 && !old->agg.repetitions) ||
             (now->n == 0 && !now->agg.repetitions))
        r->verdict = CMP_FAILED;
    else
        r->verdict = CMP_UNCHANGED;
    if (r->verdict == CMP_UNCHANGED) {
        side_stats a = side_of(old), b = side_of(now);
        if (old->n == 0 || now->n == 0) {
            /* Aggregates: the change is of the means, so show those. */
            r->old_value = a.mean;
            r->new_value = b.mean;
            c->on_aggregates++;
        }
        if (!testable(a) || !testable(b)) {
            /* One measurement (or no spread given) on a side: nothing to
             * test against. The change, without a claim. */
            r->change.change = r->new_value / r->old_value - 1;
            r->change.ci.lo = r->change.ci.hi = NAN;
            r->change.p = r->p_adj = NAN;
            r->verdict = CMP_INCONCLUSIVE;
            c->untested++;
        }
    }
    if (old && now) {
        double i0 = result_counter_median(old, "PAPI_TOT_INS");
        double i1 = result_counter_median(now, "PAPI_TOT_INS");
        if (isfinite(i0) && isfinite(i1) && i0 > 0) {
            r->has_ins = true;
            r->ins_change = i1 / i0 - 1;
        }
    }
}

/* Environment facts whose difference makes a comparison suspect. */
static void env_notes(cmp_result *c, const mb_run *old, const mb_run *now)
{
    static const char *const keys[] = {
        "cpu_brand",      "microbe_version", "compiler",   "library_build_type",
        "governor",       "boost",           "hypervisor", "measure",
        "bench_compiler", "bench_optimized",
    };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const ctx_entry *a = run_ctx_get(old, keys[i]);
        const ctx_entry *b = run_ctx_get(now, keys[i]);
        if (!a || !b || a->type != b->type)
            continue;
        if (a->type == CTX_STR ? strcmp(a->str, b->str) != 0
                               : a->num != b->num) {
            char va[128], vb[128];
            if (a->type == CTX_STR) {
                snprintf(va, sizeof va, "%s", a->str);
                snprintf(vb, sizeof vb, "%s", b->str);
            } else {
                snprintf(va, sizeof va, "%g", a->num);
                snprintf(vb, sizeof vb, "%g", b->num);
            }
            note(c, "%s differs: %s (base) vs %s (now)%s", keys[i], va, vb,
                 strcmp(keys[i], "cpu_brand") == 0
                     ? "; timings from different CPUs are not comparable"
                     : "");
        }
    }
}

static void complexity_notes(cmp_result *c, const mb_run *old,
                             const mb_run *now)
{
    for (size_t i = 0; i < now->nresults; i++) {
        const mb_result *r = &now->results[i];
        if (!r->complexity[0] || strcmp(r->complexity, ST_NO_CLEAR_CLASS) == 0)
            continue;
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(now->results[j].family, r->family) != 0;
        if (!first)
            continue;
        for (size_t j = 0; j < old->nresults; j++) {
            const mb_result *q = &old->results[j];
            if (strcmp(q->family, r->family) == 0 && q->complexity[0] &&
                strcmp(q->complexity, ST_NO_CLEAR_CLASS) != 0) {
                if (strcmp(q->complexity, r->complexity) != 0)
                    note(c, "%s: complexity changed from %s to %s", r->family,
                         q->complexity, r->complexity);
                break;
            }
        }
    }
}

/* Allocation counts are exact: any rise per iteration is a regression. */
static void alloc_verdicts(cmp_result *c)
{
    for (size_t i = 0; i < c->n; i++) {
        cmp_row *r = &c->rows[i];
        if (!r->old || !r->now || r->verdict == CMP_FAILED ||
            r->verdict == CMP_SKIPPED || !(r->old->alloc_iters > 0) ||
            !(r->now->alloc_iters > 0))
            continue;
        r->has_allocs = true;
        r->old_allocs = r->old->allocs / r->old->alloc_iters;
        r->new_allocs = r->now->allocs / r->now->alloc_iters;
        double b0 = r->old->alloc_bytes / r->old->alloc_iters;
        double b1 = r->now->alloc_bytes / r->now->alloc_iters;
        if (r->new_allocs > r->old_allocs * (1 + 1e-9) + 1e-9) {
            r->more_allocs = true;
            c->more_allocs++;
            note(c,
                 "%s: allocations per iteration rose from %.4g to %.4g "
                 "(%.4g to %.4g bytes)",
                 r->name, r->old_allocs, r->new_allocs, b0, b1);
        }
    }
}

/* " name (1 -> 2 allocs/iter)" for each row whose allocations per
 * iteration rose, appended to buf[len] from *used (which it advances). */
static void more_allocs_text(const cmp_result *c, char *buf, size_t len,
                             size_t *used)
{
    for (size_t i = 0; i < c->n && *used < len; i++)
        if (c->rows[i].more_allocs)
            *used += (size_t)snprintf(
                buf + *used, len - *used, " %s (%.4g -> %.4g allocs/iter)",
                c->rows[i].name, c->rows[i].old_allocs, c->rows[i].new_allocs);
}

/* "time" unless the run says otherwise (runs from before the key). */
static const char *measure_of(const mb_run *run)
{
    const char *m = run_ctx_gets(run, "measure");
    return m && *m ? m : "time";
}

double cmp_counter_change(const cmp_row *row, const char *name)
{
    if (!row->old || !row->now)
        return NAN;
    double a = result_counter_median(row->old, name);
    double b = result_counter_median(row->now, name);
    return isfinite(a) && isfinite(b) && a != 0 ? b / a - 1 : NAN;
}

/* Counters below this share of the instructions per iteration (and below
 * one event per iteration) are too small for "moved most". */
#define CMP_MOVED_FLOOR 0.001
/* Smaller relative changes are not worth naming. */
#define CMP_MOVED_MIN 0.001

/* Both runs under callgrind: the counts are exact and repeat run after
 * run, so a change beyond the threshold is real and needs no test or
 * error control. p is 0 for any change and 1 for none. */
static void exact_verdicts(cmp_result *c, const cmp_opts *o)
{
    c->correction = "exact counts";
    for (size_t i = 0; i < c->n; i++) {
        cmp_row *r = &c->rows[i];
        if (!r->old || !r->now || r->verdict == CMP_FAILED ||
            r->verdict == CMP_SKIPPED || r->verdict == CMP_NEW ||
            r->verdict == CMP_GONE)
            continue;
        double a = r->old_value, b = r->new_value;
        double ch = a > 0 ? b / a - 1 : b > 0 ? INFINITY : 0;
        r->change.change = ch;
        r->change.ci.lo = r->change.ci.hi = ch;
        r->ci_unadjusted = r->change.ci;
        r->ci_level = 1;
        r->change.p = r->p_adj = ch != 0 ? 0 : 1;
        r->change.autocorr = r->change.widen = 0; /* no test, no rounds */
        r->verdict = !(fabs(ch) > o->threshold) ? CMP_UNCHANGED
                     : ch > 0                   ? CMP_SLOWER
                                                : CMP_FASTER;
        double ir = fmax(a, b), best = 0;
        for (size_t k = 0; k < r->now->ncounters; k++) {
            const char *name = r->now->counter_names[k];
            double x = result_counter_median(r->old, name);
            double y = result_counter_median(r->now, name);
            double d = cmp_counter_change(r, name);
            if (!isfinite(d) || fabs(d) < CMP_MOVED_MIN ||
                fmax(fabs(x), fabs(y)) < 1 ||
                fmax(fabs(x), fabs(y)) < CMP_MOVED_FLOOR * ir)
                continue;
            if (fabs(d) > fabs(best)) {
                best = d;
                r->moved = name;
                r->moved_change = d;
            }
        }
    }
}

bool cmp_same_measure(const mb_run *old, const mb_run *now, char *err,
                      size_t errlen)
{
    const char *a = measure_of(old), *b = measure_of(now);
    if (strcmp(a, b) == 0)
        return true;
    snprintf(err, errlen,
             "cannot compare runs of different measures: the "
             "baseline was measured with --measure=%s, this run with "
             "--measure=%s",
             a, b);
    return false;
}

cmp_result *cmp_runs(const mb_run *old, const mb_run *now, const cmp_opts *opts)
{
    cmp_result *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rows = calloc(old->nresults + now->nresults + 1, sizeof *c->rows);
    if (!c->rows) {
        free(c);
        return NULL;
    }
    c->alpha = opts->alpha;
    c->threshold = opts->threshold;
    c->paired = opts->paired;
    c->correction = "Holm";
    for (size_t i = 0; i < now->nresults; i++)
        add_row(c, now->results[i].name, run_find(old, now->results[i].name),
                &now->results[i]);
    for (size_t i = 0; i < old->nresults; i++)
        if (!run_find(now, old->results[i].name))
            add_row(c, old->results[i].name, &old->results[i], NULL);
    bool exact = strcmp(measure_of(old), "instructions") == 0 &&
                 strcmp(measure_of(now), "instructions") == 0;
    for (size_t i = 0; !exact && i < c->n; i++)
        if (c->rows[i].verdict == CMP_NEW || c->rows[i].verdict == CMP_GONE)
            one_side_value(&c->rows[i], opts);

    double *p = malloc((c->n + 1) * 5 * sizeof *p);
    size_t *which = malloc((c->n + 1) * sizeof *which);
    size_t m = 0;
    if (p && which) {
        double *adj = p + c->n + 1, *level = adj + c->n + 1,
               *tmp = level + c->n + 1;
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].verdict == CMP_UNCHANGED &&
                !(opts->skip && opts->skip(c->rows[i].name, opts->skip_ctx)))
                which[m++] = i;
        if (opts->paired)
            paired_autocorr(c, which, m);
        for (size_t k = 0; k < m; k++) {
            cmp_row *r = &c->rows[which[k]];
            compare_pair(r, opts, 0.95);
            r->ci_unadjusted = r->change.ci;
            p[k] = r->change.p;
        }
        /* Rows decided at an earlier look stay in the family with p = 1. */
        size_t fam = m;
        if (opts->family > m)
            fam = opts->family < c->n ? opts->family : c->n;
        for (size_t k = m; k < fam; k++)
            p[k] = 1;
        st_holm(p, fam, adj, tmp);
        /* The interval the verdict is decided by, and the one shown:
         * at the level that agrees with Holm over the suite. */
        st_holm_levels(p, fam, opts->alpha, level, tmp);
        for (size_t k = 0; k < m; k++) {
            cmp_row *r = &c->rows[which[k]];
            r->p_adj = adj[k];
            r->ci_level = level[k];
            if (level[k] != 0.95)
                compare_pair(r, opts, level[k]);
            r->verdict = (cmp_verdict)st_decide(&r->change, r->p_adj,
                                                opts->alpha, opts->threshold);
            probe_overrule(r);
        }
    }
    free(p);
    free(which);
    c->compared = m;
    /* Said where the allowance at least doubled the test's variance. */
    for (size_t i = 0; opts->paired && i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        if (r->change.widen >= CMP_DRIFT_WIDEN)
            note(c,
                 "%s: rounds drift (lag-1 autocorrelation %.2f): interval "
                 "widened %.2fx",
                 r->name, r->change.autocorr, r->change.widen);
    }
    probe_notes(c);
    disagree_notes(c);
    if (exact) {
        exact_verdicts(c, opts);
        cmp_attach_why(c, old, now);
        c->untested = 0; /* exact counts need no replicates */
    }
    for (size_t i = 0; i < c->n; i++)
        c->count[c->rows[i].verdict]++;
    alloc_verdicts(c);
    if (c->on_aggregates)
        note(c,
             "%zu benchmark%s compared on Google Benchmark's aggregates "
             "(mean and stddev over the repetitions; Welch's t on the log of "
             "the means): the file holds no repetitions",
             c->on_aggregates, c->on_aggregates > 1 ? "s" : "");
    if (c->untested)
        note(c,
             "%zu benchmark%s with one measurement on a side (Google "
             "Benchmark without --benchmark_repetitions): no significance "
             "claim, the change is shown without an interval",
             c->untested, c->untested > 1 ? "s" : "");
    complexity_notes(c, old, now);
    env_notes(c, old, now);
    /* Two saved runs would give the run-to-run variance one degree of
     * freedom: an interval of [-96%, +8020%] for a 2x slowdown. */
    if (opts->history && opts->nhistory == 1 && !opts->paired)
        note(c, "the baseline has one saved run: no run-to-run estimate yet, "
                "so a shift of the whole machine between the two runs counts "
                "as a change; save the baseline again to add runs");
    else if (opts->history && opts->nhistory < ST_HISTORY_MIN_RUNS &&
             !opts->paired)
        note(c,
             "the baseline has %zu saved runs; %d are needed for a "
             "run-to-run estimate, so this run is compared with the newest "
             "saved run alone (no run-to-run estimate yet: a shift of the "
             "whole machine between the two runs counts as a change); save "
             "the baseline again to add runs",
             opts->nhistory, ST_HISTORY_MIN_RUNS);
    else if (opts->nhistory >= ST_HISTORY_MIN_RUNS && !opts->paired)
        note(c,
             "run-to-run spread from the baseline's %zu saved runs is part "
             "of each interval",
             opts->nhistory);

    char label[256];
    const char *date = run_ctx_gets(old, "date");
    const char *commit = run_ctx_gets(old, "git_commit");
    const char *ca = run_ctx_gets(old, "cpu_brand");
    const char *cb = run_ctx_gets(now, "cpu_brand");
    snprintf(label, sizeof label, "%s (%s CPU%s%s%s%.7s)",
             opts->old_name ? opts->old_name : "baseline",
             !ca || !cb            ? "unknown"
             : strcmp(ca, cb) == 0 ? "same"
                                   : "DIFFERENT",
             date ? ", " : "", date ? date : "", commit ? ", commit " : "",
             commit ? commit : "");
    c->old_label = strdup(label);
    return c;
}

int cmp_gate(const cmp_result *c, bool fail_slower, bool fail_inconclusive,
             const char *what, char *msg, size_t len)
{
    /* Untested rows are inconclusive too, but are said apart below. */
    size_t slow = c->count[CMP_SLOWER],
           unsure = c->count[CMP_INCONCLUSIVE] - c->untested;
    bool fail = ((fail_slower || fail_inconclusive) &&
                 (slow || c->more_allocs || c->untested)) ||
                (fail_inconclusive && (unsure || c->untested));
    if (len)
        msg[0] = '\0';
    if (!fail)
        return 0;
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++) {
        cmp_verdict v = pass == 0 ? CMP_SLOWER : CMP_INCONCLUSIVE;
        size_t k = pass == 0 ? slow : unsure;
        if (!k || (pass == 1 && !fail_inconclusive))
            continue;
        if (used < len)
            used += (size_t)snprintf(
                msg + used, len - used,
                "%s%zu benchmark%s %s %s%s:", used ? "; " : "", k,
                k > 1 ? "s" : "",
                pass == 0 ? "significantly slower than"
                          : "inconclusive against",
                what, pass == 0 ? "" : " (interval past the threshold)");
        for (size_t i = 0; i < c->n && used < len; i++)
            if (c->rows[i].verdict == v && !isnan(c->rows[i].change.p))
                used += (size_t)snprintf(msg + used, len - used,
                                         " %s (%+.1f%%)", c->rows[i].name,
                                         100 * c->rows[i].change.change);
    }
    /* A gate that cannot test does not pass. */
    if (c->untested && (fail_slower || fail_inconclusive) && used < len) {
        used += (size_t)snprintf(
            msg + used, len - used,
            "%s%zu benchmark%s cannot be tested against %s (one measurement "
            "on a side; run Google Benchmark with --benchmark_repetitions=9 "
            "or more):",
            used ? "; " : "", c->untested, c->untested > 1 ? "s" : "", what);
        for (size_t i = 0; i < c->n && used < len; i++)
            if (c->rows[i].verdict == CMP_INCONCLUSIVE &&
                isnan(c->rows[i].change.p))
                used += (size_t)snprintf(msg + used, len - used,
                                         " %s (%+.1f%%)", c->rows[i].name,
                                         100 * c->rows[i].change.change);
    }
    /* Counts are exact: any rise is a regression, without a test. */
    if (c->more_allocs && used < len) {
        used += (size_t)snprintf(
            msg + used, len - used,
            "%s%zu benchmark%s allocate%s more per iteration than %s:",
            used ? "; " : "", c->more_allocs, c->more_allocs > 1 ? "s" : "",
            c->more_allocs > 1 ? "" : "s", what);
        more_allocs_text(c, msg, len, &used);
    }
    return 1;
}

void cmp_attach_why(cmp_result *c, const mb_run *old, const mb_run *now)
{
    for (size_t i = 0; i < c->n; i++) {
        cmp_row *r = &c->rows[i];
        const mb_result *a = run_find(old, r->name),
                        *b = run_find(now, r->name);
        if (!a || !b || !a->profile || !b->profile)
            continue;
        pf_diff_free(r->why);
        r->why = profile_diff(a->profile, b->profile);
    }
}

void cmp_free(cmp_result *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        pf_diff_free(c->rows[i].why);
    for (size_t i = 0; i < c->nnotes; i++)
        free(c->notes[i]);
    free(c->notes);
    free(c->rows);
    free(c->old_label);
    free(c);
}

/* Appends name to the extended regular expression in re as an exact
 * alternative; false when re[cap] is too small. */
static bool re_add(char *re, size_t cap, const char *name)
{
    size_t u = strlen(re);
    if (u + 2 >= cap)
        return false;
    if (u)
        re[u++] = '|';
    for (const char *p = name; *p; p++) {
        if (strchr("\\^$.|?*+()[]{}", *p)) {
            if (u + 1 >= cap)
                return false;
            re[u++] = '\\';
        }
        if (u + 1 >= cap)
            return false;
        re[u++] = *p;
    }
    re[u] = '\0';
    return true;
}

char *cmp_filter(const cmp_result *c, cmp_verdict v, bool unexplained,
                 size_t *n)
{
    size_t cap = 64, k = 0;
    for (size_t i = 0; i < c->n; i++)
        cap += 2 * strlen(c->rows[i].name) + 1;
    char *re = calloc(cap, 1), *f = malloc(cap + 16);
    if (!re || !f) {
        free(re);
        free(f);
        return NULL;
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->rows[i].verdict == v && !(unexplained && c->rows[i].why)) {
            re_add(re, cap, c->rows[i].name);
            k++;
        }
    snprintf(f, cap + 16, "--filter=^(%s)$", re);
    free(re);
    if (n)
        *n = k;
    return f;
}
