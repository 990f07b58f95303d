/* stats: pure computation on arrays of doubles. No I/O, no globals, no clock,
 * no dependency on core/. Every function is deterministic for a given seed.
 * Functions that need working memory take caller-provided scratch so that no
 * allocation happens per resample.
 *
 * Non-finite values (NaN, +-inf) are ignored by every summary and bootstrap
 * function (counted in mb_summary.n_ignored); the comparisons also ignore
 * values <= 0, which have no ratio. NaN comes back only where no usable
 * value is left (the n == 0 case), as documented per function. */
#ifndef MB_STATS_H
#define MB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- PRNG: xoshiro256**, seeded through splitmix64 ---------------------- */
typedef struct st_rng {
    uint64_t s[4];
} st_rng;
void st_rng_seed(st_rng *rng, uint64_t seed);
uint64_t st_rng_next(st_rng *rng);
/* Uniform in [0, n) without modulo bias; n > 0. */
size_t st_rng_below(st_rng *rng, size_t n);
/* Uniform in [0, 1). */
double st_rng_uniform(st_rng *rng);

/* ---- Summaries ----------------------------------------------------------- */
/* Linear-interpolation quantile (numpy's default, "type 7") of sorted x;
 * q in [0, 1]. NaN when n == 0 or q is outside [0, 1]. The one function that
 * takes x as is: it must hold no NaN. */
double st_quantile_sorted(const double *sorted, size_t n, double q);
/* Type-7 quantile q of the finite values of x (not modified), using
 * scratch[n]. NaN when none is finite or q is outside [0, 1]. */
double st_quantile(const double *x, size_t n, double q, double *scratch);
/* st_quantile(x, n, 0.5, scratch). */
double st_median(const double *x, size_t n, double *scratch);
/* NaN when no finite value. */
double st_mean(const double *x, size_t n);
/* Sample standard deviation (n - 1); 0 when n < 2. */
double st_stddev(const double *x, size_t n);
/* Median absolute deviation, unscaled; scratch[n]. NaN when n == 0. */
double st_mad(const double *x, size_t n, double *scratch);

/* Tukey fences on quartiles: mild beyond 1.5 IQR, severe beyond 3 IQR. */
typedef struct st_outliers {
    size_t low_severe, low_mild, high_mild, high_severe;
} st_outliers;
/* Classifies x; scratch[n]. If cls is not NULL, cls[i] gets -2, -1, 0, 1, 2
 * (low severe ... high severe) for x[i]; non-finite values get 0 and are not
 * counted. Fences are strict: a value on a fence is not an outlier. */
st_outliers st_tukey(const double *x, size_t n, double *scratch,
                     signed char *cls);

/* ---- Bootstrap ------------------------------------------------------------
 */
typedef enum st_estimator { ST_MEDIAN, ST_MEAN } st_estimator;

typedef struct st_boot_opts {
    size_t resamples;  /* 0: default 10000 */
    double confidence; /* 0: default 0.95 */
    uint64_t seed;     /* 0 is a valid seed like any other */
    st_estimator estimator;
} st_boot_opts;

typedef struct st_interval {
    double lo, hi;
} st_interval;

/* Doubles of scratch that st_bootstrap_ci needs for n values:
 * 3 n + resamples. opts may be NULL (all defaults) here and below. */
size_t st_boot_scratch_size(size_t n, const st_boot_opts *opts);
/* Confidence interval of the estimator of x. Degenerate input (n < 2, all
 * equal) gives lo == hi == the estimate; n == 0 gives NaNs. BCa counts the
 * replicates below the estimate, ties as half (as scipy 1.10 does), and
 * falls back to
 * the percentile interval where BCa is undefined (all replicates on one
 * side of the estimate). A resample's median is drawn from the exact law
 * of its sorted index (binomial counts): O(log n) per resample, no sort,
 * no allocation. */
st_interval st_bootstrap_ci(const double *x, size_t n, const st_boot_opts *opts,
                            double *scratch);

/* Everything a report shows about one benchmark's per-iteration times. */
typedef struct mb_summary {
    size_t n;
    double median, mean, stddev, mad, min, max;
    /* The interval of median, at level confidence. With rounds >= 3 (each a
     * fresh process) it is an interval for the level a fresh run would
     * show: ci_rounds = rounds, see st_summarize. Otherwise ci_rounds = 0
     * and it is the distribution-free interval of this sample's median
     * (order statistics), which says nothing of how runs differ. */
    st_interval median_ci;
    double confidence;
    size_t ci_rounds;
    size_t rounds;   /* rounds with values */
    double round_sd; /* SD of the log round medians; 0 below 2 rounds */
    st_outliers outliers;
    size_t n_ignored; /* non-finite values left out (n counts the others) */
} mb_summary;
/* Doubles of scratch that st_summarize needs for n values. */
size_t st_summary_scratch_size(size_t n);
/* Fills *out from x[n], x[i] measured in round round[i] (round may be
 * NULL: one round). confidence in (0, 1), else 0.95.
 *
 * The interval: samples of one round share their process's state (heap
 * and page placement, a neighbour's load), so pooling them as independent
 * draws gives an interval of this process's median, which a fresh run
 * misses far more often than 5% (70% coverage at 20 samples, 40% at 100,
 * for 5 rounds of 5% round spread). With 3 or more rounds it is
 * median x exp(+-t(r - 1) se), se^2 = max(s^2, floor) / r, s^2 the
 * variance of the r log round medians and floor what the within-round
 * scatter alone gives a median, (pi / 2) sigma^2 / m averaged over the
 * rounds (sigma from the MAD): the t interval of a mean of r values, which
 * covers the level of a fresh run (the rounds' common median) at its
 * nominal level when round levels scatter normally in the log. With fewer
 * rounds: [x(l), x(n + 1 - l)], l the largest with
 * 1 - 2 P(Bin(n, 1/2) < l) >= confidence ([min, max] when none is). No
 * resampling: O(n log n + n x rounds). */
void st_summarize(const double *x, const uint16_t *round, size_t n,
                  double confidence, double *scratch, mb_summary *out);

/* ---- Change between two samples ------------------------------------------ */
/* The values a comparison took as its units. */
typedef enum st_unit {
    ST_UNIT_SAMPLES, /* st_compare: the samples */
    ST_UNIT_ROUNDS,  /* st_compare_rounds: one level per round */
    ST_UNIT_PAIRS    /* st_compare_paired: pairs of values */
} st_unit;

typedef struct st_change {
    double change;    /* relative: new/old - 1 of the estimator */
    st_interval ci;   /* interval of the relative change */
    double p;         /* two-sided p-value for "no change" */
    size_t n_ignored; /* values (pairs) left out: non-finite or <= 0 */
    /* Each side's statistic that the change compares: change = now / base
     * - 1 for st_compare (the estimator of each side) and
     * st_compare_rounds (exp of the mean log round level); for
     * st_compare_paired the geometric means of each side's values, while
     * the change is the estimator of the per-pair ratios. NaN when a side
     * has no usable value. */
    double base, now;
    st_unit unit; /* what base and now are of */
    /* st_compare_paired: the lag-1 autocorrelation r of the rounds that
     * was allowed for (0 when none), and the factor by which the test's
     * standard error and the interval's half-widths were widened for it,
     * sqrt((1 + r) / (1 - r)) (1: not widened). Both 0 from the other
     * comparisons. */
    double autocorr, widen;
} st_change;

/* How the comparisons work. The change and its interval are computed on the
 * log of the ratio (symmetric in old and new) and reported as ratio - 1.
 * Independent: each side is resampled on its own for the interval; p is
 * the two-sided Wilcoxon-Mann-Whitney rank-sum test (scipy.stats.
 * mannwhitneyu, method 'auto': exact when nothing ties and the smaller
 * side has at most 8 values, else the normal approximation with tie and
 * continuity corrections). Deterministic, O(n log n), and no floor: a
 * resampling p-value cannot go below 1 / (1 + resamples), which Holm over
 * more than ~500 benchmarks can never call significant. Paired: the estimator
 * (median by default, mean = geometric mean of the ratios) of d[i] = log(new[i]
 * / old[i]), pairs resampled for the interval; p is the exact two-sided
 * Wilcoxon signed-rank test of the d[i] (scipy.stats.wilcoxon's
 * method='exact' when nothing ties): zero log ratios are dropped (scipy's
 * zero_method='wilcox'), tied magnitudes get their mid-rank, and the law
 * of the positive-rank sum is counted over all 2^m sign assignments of
 * the m ranks left, so p is exact for "the order within a pair does not
 * matter" with ties too, deterministic (no resampling) and at least
 * 2 / 2^m (it underflows to 0 past ~1000 pairs). Ranks, not the estimator:
 * with ~10-16 pairs the sign-flip test of the median has little power, and
 * one wild pair counts as one rank however far out. Cost O(m^3) (m^3 / 2
 * steps). No usable value on a side: change and interval NaN, p = 1. */

/* Doubles of scratch that st_compare needs: 4 (n_old + n_new) + resamples. */
size_t st_compare_scratch_size(size_t n_old, size_t n_new,
                               const st_boot_opts *opts);
/* Independent samples: old[n_old] against new[n_new]. */
st_change st_compare(const double *old, size_t n_old, const double *new_,
                     size_t n_new, const st_boot_opts *opts, double *scratch);
/* Doubles of scratch that st_compare_paired needs for n pairs:
 * n + max(3 n + resamples, n + n (n + 1) / 2 + 1), the second term being
 * the signed-rank law's n (n + 1) / 2 + 1 probabilities. */
size_t st_compare_paired_scratch_size(size_t n, const st_boot_opts *opts);
/* Paired samples (round i of old against round i of new, i in round
 * order): the change is the estimator of the per-pair ratios
 * new[i]/old[i], minus 1.
 * Rounds that are not independent: when one side's round levels persist
 * (a slow phase of one process lasting several rounds), neighbouring
 * ratios resemble each other and the pairs carry less evidence than their
 * number says (A/A suites of 10 benchmarks x 24 rounds falsely flagged in
 * 24% at lag-1 autocorrelation 0.4, 75% at 0.7). So the lag-1
 * autocorrelation of the ratios' ranks in round order is estimated and,
 * when positive after st_paired_autocorr's correction, the signed-rank
 * statistic's variance is taken (1 + r) / (1 - r) times larger: the
 * normal score of the exact p is divided by the square root of that, and
 * the interval's half-widths multiplied by it: change.widen > 1 says so.
 * A suite's rounds estimate r far better than one benchmark's: see
 * st_compare_paired_ac and st_pool_autocorr. */
st_change st_compare_paired(const double *old, const double *new_, size_t n,
                            const st_boot_opts *opts, double *scratch);
/* The same with the lag-1 autocorrelation to allow for given: autocorr in
 * [0, 0.8] (clamped), e.g. from st_pool_autocorr over the suite; NaN:
 * estimated from these pairs alone (st_paired_autocorr of their
 * st_rank_lag1). */
st_change st_compare_paired_ac(const double *old, const double *new_, size_t n,
                               double autocorr, const st_boot_opts *opts,
                               double *scratch);
/* Lag-1 autocorrelation of the ranks of x[m] in their given order
 * (statsmodels.tsa.stattools.acf(scipy.stats.rankdata(x), nlags=1)[1]);
 * NaN when m < 2 or all equal. scratch: m doubles. O(m^2). */
double st_rank_lag1(const double *x, size_t m, double *scratch);
/* The autocorrelation to allow for, from an estimate r_hat of m values:
 * corrected for the estimator's small-sample bias (E r_hat ~ rho - (1 + 4
 * rho) / m, Marriott and Pope 1954), clamped to [0, 0.8]; 0 with fewer
 * than 10 values. */
double st_paired_autocorr(double r_hat, size_t m);
/* The same for k series at once (a suite's benchmarks, r_hat[i] from m[i]
 * rounds; NaN: none): each series' bias-corrected estimate shrunk toward
 * their m-weighted mean by the share of its scatter that sampling explains
 * (empirical Bayes: w = tau^2 / (tau^2 + (1 - mean^2) / m[i]), tau^2 the
 * scatter of the estimates beyond sampling), then clamped, in out[k]. 24
 * rounds estimate one series' autocorrelation to +-0.2: far too loosely to
 * tell rho = 0.7 from 0.3, which a whole suite's rounds can. */
void st_pool_autocorr(const double *r_hat, const size_t *m, size_t k,
                      double *out);

/* Runs gathered in rounds (round-robin over benchmarks), old[i] taken in
 * round old_round[i]: the change with the round, not the sample, as the
 * unit of replication. Samples of one round share the machine's state, so
 * a sample-level test between two runs takes a shift of a few rounds for
 * a change; here each round contributes one value, its level: the
 * q-quantile (type 7; q in (0, 1), else the median) of the logs of its
 * positive finite samples, and the change is exp(mean(new round levels) -
 * mean(old round levels)) - 1 whatever opts->estimator says. Interval and
 * p come from Welch's t on the log round levels, each side's variance
 * never taken below what its within-round scatter alone gives such a
 * quantile, q (1 - q) / phi(z_q)^2 sigma^2 / m with sigma from the MAD
 * (few rounds can underestimate it by chance). p is the t tail, with no
 * floor; with no spread at all it is 2 / C(r_old + r_new, r_old), what
 * ordering the rounds can show.
 * With fewer than 3 rounds on a side there is no between-round variance
 * to speak of: it returns st_compare on the samples. Round indices need
 * not be contiguous; cost O(n x rounds). Scratch of
 * st_compare_rounds_scratch_size(n_old, n_new, opts) doubles. */
size_t st_compare_rounds_scratch_size(size_t n_old, size_t n_new,
                                      const st_boot_opts *opts);
st_change st_compare_rounds(const double *old, const uint16_t *old_round,
                            size_t n_old, const double *new_,
                            const uint16_t *new_round, size_t n_new, double q,
                            const st_boot_opts *opts, double *scratch);

/* One run's level as st_compare_rounds computes it for a side: exp of the
 * mean over its rounds of the log q-quantile of each round's positive
 * finite values; NaN with fewer than 3 rounds (st_compare_rounds then
 * compares samples). For a benchmark on one side of a comparison only,
 * shown in the same column as the others' levels. scratch: 2 n doubles. */
double st_round_level(const double *x, const uint16_t *round, size_t n,
                      double q, double *scratch);

/* A run against several saved runs of a baseline (the newest last saved
 * runs of one name), each gathered in rounds as for st_compare_rounds:
 * the change of now's mean log round level (q-quantile per round)
 * against the mean over the saved runs, with a variance that includes how
 * much whole runs move: the spread of the saved runs' means, less what
 * their within-run scatter explains, is the run-to-run variance s_run^2;
 * the difference then has variance s_run^2 (1 + 1/h) (the new run's run
 * effect and the saved mean's) + w_new / r_new + w_old / (r_old h), w the
 * within-run variance of round levels (never below what the within-round
 * scatter gives, as st_compare_rounds), Welch-Satterthwaite degrees of
 * freedom, Student's t for p and the interval at opts->confidence. old[j]
 * of n_old[j] values in rounds old_round[j], j < runs. Needs
 * ST_HISTORY_MIN_RUNS runs with rounds and 2 rounds in now, else change
 * NAN and p 1: two saved runs give s_run^2 one degree of freedom, and an
 * interval of a 2x slowdown of [-96%, +8020%] (seen in CI), no estimate
 * at all. Scratch of st_compare_history_scratch_size(largest n) doubles. */
#define ST_HISTORY_MIN_RUNS 3
size_t st_compare_history_scratch_size(size_t n_total);
st_change st_compare_history(const double *const *old,
                             const uint16_t *const *old_round,
                             const size_t *n_old, size_t runs,
                             const double *new_, const uint16_t *new_round,
                             size_t n_new, double q, const st_boot_opts *opts,
                             double *scratch);

/* ---- Distributions --------------------------------------------------------
 */
/* Regularized incomplete beta I_x(a, b), a, b > 0, x in [0, 1] (NaN
 * otherwise); continued fraction (modified Lentz), ~1e-14 relative. */
double st_incbeta(double a, double b, double x);
/* Student's t with df > 0 (not necessarily whole) degrees of freedom:
 * two-sided tail P(|T| >= |t|) (full precision far out), quantile (p in
 * [0, 1]; +-inf at the ends). NaN for NaN or df <= 0. */
double st_t_two_sided(double t, double df);
double st_t_ppf(double p, double df);

/* ---- Suite-level error control ---------------------------------------------
 */
/* Holm's adjusted p-values, in the input order; adj may alias p. scratch[2m].
 * Monotone in p and capped at 1; a NaN p counts as 1. */
void st_holm(const double *p, size_t m, double *adj, double *scratch);

/* ---- Verdicts --------------------------------------------------------------
 */
typedef enum st_verdict {
    ST_UNCHANGED,
    ST_SLOWER,
    ST_FASTER,
    ST_INCONCLUSIVE
} st_verdict;
/* The verdict on a change whose interval c->ci is the one to decide by
 * (adjusted for the suite: st_holm_levels). threshold as a fraction: 0.03
 * for 3%.
 *  - slower/faster: significant (p_adj <= alpha and the interval excludes
 *    0 on the side of the change) and |change| >= threshold;
 *  - unchanged: otherwise, when the whole interval lies within
 *    [-threshold, +threshold]: whatever the change is, it is too small to
 *    matter;
 *  - inconclusive: otherwise (the interval reaches past the threshold, so
 *    the data cannot tell), and whenever the change or interval is NaN. */
st_verdict st_decide(const st_change *c, double p_adj, double alpha,
                     double threshold);
/* "unchanged", "slower", "faster", "inconclusive". */
const char *st_verdict_name(st_verdict v);
/* The confidence level at which each of m intervals agrees with Holm's
 * decisions at alpha over the p-values p[m]: with p sorted ascending,
 * Holm rejects the i-th smallest (i = 0, 1, ...) at alpha / (m - i) while
 * every earlier one was rejected, and stops at the first i0 that is not.
 * A rejected hypothesis of rank i gets 1 - alpha / (m - i), every other
 * 1 - alpha / (m - i0): an interval dual to its test (t intervals and
 * Welch's t; Walsh averages and the signed-rank test) then excludes 0
 * exactly when the Holm-adjusted p is <= alpha, and the intervals of the
 * hypotheses not rejected hold together at 1 - alpha (Bonferroni over the
 * m - i0 left). level may alias nothing; scratch[2m]. NaN p counts as 1. */
void st_holm_levels(const double *p, size_t m, double alpha, double *level,
                    double *scratch);

/* ---- Sequential looks -----------------------------------------------------
 * Alpha spending (Lan and DeMets 1983): st_alpha_spent(kind, alpha, t) is
 * the error rate that may be spent once a fraction t in [0, 1] of the
 * largest possible amount of data has been looked at; 0 at t <= 0, alpha
 * at t >= 1, increasing between. Pocock-type: alpha ln(1 + (e - 1) t);
 * O'Brien-Fleming-type: 2 - 2 Phi(z_{1 - alpha / 2} / sqrt(t)), which
 * spends almost nothing early. st_look_alpha is what a look at t_now may
 * spend after one at t_prev: testing each look at that level (whatever the
 * looks' dependence, by the union bound) keeps the chance of any false
 * rejection over all looks at or below alpha. */
typedef enum st_spending { ST_SPEND_POCOCK, ST_SPEND_OBF } st_spending;
double st_alpha_spent(st_spending kind, double alpha, double t);
double st_look_alpha(st_spending kind, double alpha, double t_prev,
                     double t_now);

/* ---- Complexity
 * -------------------------------------------------------------- */
typedef enum st_big_o {
    ST_O1,
    ST_OLOGN,
    ST_ON,
    ST_ONLOGN,
    ST_ON2,
    ST_ON3,
    ST_NBIG_O
} st_big_o;

typedef struct st_fit {
    st_big_o big_o;
    double coef; /* t ~ coef * f(n) (+ intercept when used) */
    double intercept;
    double error; /* normalised RMS error of the fit, e.g. 0.03 = 3% */
    bool clear;   /* false: even the best class misses by more than 10% RMS
                     (no clear class; big_o is still the best one) */
} st_fit;

/* Best fit of t[i] at n[i] (k >= 4 points, n > 0). Returns false (and
 * leaves *out untouched) when k < 4 or the input is degenerate (a
 * non-positive or non-finite n or t, or a single distinct n). Each class is
 * fitted as t = intercept + coef f(n) with both >= 0, weighted least squares
 * of the relative error; error is the RMS relative residual. O(1) is the
 * others with coef = 0, so it gives way only when the best other class
 * explains significantly more (F test at 1%: (RSS_1 - RSS) (k - 2) / RSS
 * > t(0.995, k - 2)^2); the other classes have the same two parameters and
 * are not nested, so the best fit among them wins. (A rule that took the
 * simplest class within 1.3 x best + 2% error let O(n) win over O(n log n)
 * whenever a constant term flattened the small sizes: right in 36% of
 * curves n log n + 10^4 at 3% noise over 4..4096, now 95%.) */
bool st_fit_complexity(const double *n, const double *t, size_t k, st_fit *out);
const char *st_big_o_name(st_big_o o); /* "O(1)", "O(log n)", ... "O(n^3)" */
/* What a report calls a fit that is not clear. */
#define ST_NO_CLEAR_CLASS "no clear class"
/* f(n) of the class (logs base 2). */
double st_big_o_eval(st_big_o o, double n);

/* A crossing of two measured curves. */
typedef struct st_crossing {
    double at;           /* estimate: where log(ta/tb), linear in log n between
                            measured points, first changes sign */
    double lo, hi;       /* the n of the significant points on either side: the
                            crossing lies between them */
    bool a_faster_after; /* curve a is the faster one after the crossing */
} st_crossing;
/* Where curve a stops/starts being faster than curve b, both measured at
 * n[0..k) (ascending), p[i] the p-value of their difference at n[i]. A
 * crossing is reported only where the curves differ significantly
 * (p <= alpha) on both sides of it, with opposite signs: between two such
 * points, from the last significant point of one sign to the next of the
 * other. Noise between two identical curves changes the sign of their
 * ratio at nearly every run (97% of identical 6-point curves at 3% noise),
 * a crossing by this rule needs two significant differences of opposite
 * signs. Points with a non-positive or non-finite value are skipped.
 * Writes at most max; returns how many. */
size_t st_crossovers(const double *n, const double *ta, const double *tb,
                     const double *p, size_t k, double alpha, st_crossing *out,
                     size_t max);

#endif
