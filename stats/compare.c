/* Change between two samples: relative change of the estimator, bootstrap
 * interval, and a permutation (independent) or Wilcoxon signed-rank
 * (paired) p-value.
 * Times are ratios' numerators and denominators, so only positive finite
 * values are used; the others are counted in n_ignored. */
#include <math.h>

#include "internal.h"

/* Two statistics equal in exact arithmetic may differ in the last bits after
 * summing in another order; count those as ties (as at least as extreme). */
#define TIE_TOL 1e-12

static size_t positive(const double *x, size_t n, double *dst)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && x[i] > 0)
            dst[m++] = x[i];
    return m;
}

size_t st_compare_scratch_size(size_t n_old, size_t n_new,
                               const st_boot_opts *opts)
{
    return 4 * (n_old + n_new) + stats_opts(opts).resamples;
}

static st_change no_data(size_t ignored)
{
    /* Nothing to compare: no evidence of change, so p = 1. */
    st_change c = {NAN, {NAN, NAN}, 1, ignored};
    return c;
}

static st_interval rel(st_interval log_ci)
{
    st_interval ci = {expm1(log_ci.lo), expm1(log_ci.hi)};
    return ci;
}

/* Permutations stop early once SEQ_HITS of them are as extreme as the
 * data (Besag and Clifford's sequential p-value, p = SEQ_HITS / count):
 * a large p is then known to be large after ~SEQ_HITS / p permutations,
 * while a small p, the one Holm divides by the number of benchmarks, still
 * gets all of them. The estimate of a stopped p is within ~1/sqrt(40) =
 * 16% of the true one, ample for a value that is not near significance,
 * and the p-value stays exactly valid (P(p <= a) <= a). */
#ifndef SEQ_HITS
#define SEQ_HITS 40
#endif

/* Uniform draws below a bound, 16 bits of a generator step at a time (four
 * per step), Lemire's multiply-shift with exact rejection. */
typedef struct bits16 {
    uint64_t bits;
    int left;
} bits16;

static inline uint32_t pick16(st_rng *r, bits16 *b, uint32_t n)
{
    for (;;) {
        if (b->left == 0) {
            b->bits = stats_next(r);
            b->left = 4;
        }
        uint32_t m = (uint32_t)(b->bits & 0xffff) * n;
        b->bits >>= 16;
        b->left--;
        /* The division only when the low half is small (rare). */
        if ((m & 0xffff) >= n || (m & 0xffff) >= (1u << 16) % n)
            return m >> 16;
    }
}

static inline size_t pick_small(st_rng *r, bits16 *b, size_t n)
{
    return n <= 1u << 16 ? pick16(r, b, (uint32_t)n) : stats_pick(r, n);
}

/* Medians of a random split of sorted pool[n] into mo "old" and n - mo
 * "new" values, by selection sampling (Knuth's Algorithm S) from the
 * bottom: each value is old with probability (old left) / (values left),
 * which draws every split with equal probability, and the walk stops as
 * soon as the middle ranks of both groups are seen, about half-way. */
static void split_medians(const double *pool, size_t n, size_t mo, st_rng *r,
                          bits16 *b, double *eo, double *en)
{
    size_t mn = n - mo, ko = (mo - 1) / 2, kn = (mn - 1) / 2;
    size_t need_o = ko + 1 + (mo % 2 == 0), need_n = kn + 1 + (mn % 2 == 0);
    size_t co = 0, cn = 0;
    double o_lo = 0, o_hi = 0, n_lo = 0, n_hi = 0;
    /* Branch-free body: which group a value joins is a coin flip that no
     * predictor can learn, and mispredictions would dominate the walk. */
    for (size_t j = 0; co < need_o || cn < need_n; j++) {
        size_t old_ = pick_small(r, b, n - j) < mo - co;
        double v = pool[j];
        o_lo = old_ && co == ko ? v : o_lo;
        o_hi = old_ && co == ko + 1 ? v : o_hi;
        n_lo = !old_ && cn == kn ? v : n_lo;
        n_hi = !old_ && cn == kn + 1 ? v : n_hi;
        co += old_;
        cn += 1 - old_;
    }
    *eo = mo % 2 ? o_lo : o_lo + 0.5 * (o_hi - o_lo);
    *en = mn % 2 ? n_lo : n_lo + 0.5 * (n_hi - n_lo);
}

/* Mean of the old group of a random split (the new group's follows from
 * the total): selection sampling until one group is complete. */
static double split_old_sum(const double *pool, size_t n, size_t mo,
                            double total, st_rng *r, bits16 *b)
{
    size_t co = 0, j = 0;
    double sum = 0, rest = total;
    for (; co < mo && mo - co < n - j; j++) {
        if (pick_small(r, b, n - j) < mo - co) {
            sum += pool[j];
            co++;
        }
        rest -= pool[j];
    }
    /* Every value left is old, or none is. */
    return co < mo ? sum + rest : sum;
}

/* Permutation test of |log(est(new)/est(old))|: under "no change" (the two
 * samples come from one distribution) every split of the pooled values is
 * equally likely, so the p-value is exact up to Monte Carlo error. */
static double perm_p(const double *so, size_t mo, const double *sn, size_t mn,
                     double stat, const st_boot_opts *o, double *pool,
                     st_rng *rng)
{
    size_t n = mo + mn;
    double total = 0;
    for (size_t i = 0; i < mo; i++)
        pool[i] = so[i];
    for (size_t i = 0; i < mn; i++)
        pool[mo + i] = sn[i];
    stats_sort(pool, n);
    for (size_t i = 0; i < n; i++)
        total += pool[i];
    bits16 bits = {0, 0};
    size_t hits = 0;
    double lim = stat * (1 - TIE_TOL);
    for (size_t b = 0; b < o->resamples; b++) {
        double eo, en;
        if (o->estimator == ST_MEAN) {
            double so_ = split_old_sum(pool, n, mo, total, rng, &bits);
            eo = so_ / (double)mo;
            en = (total - so_) / (double)mn;
        } else {
            split_medians(pool, n, mo, rng, &bits, &eo, &en);
        }
        hits += fabs(log(en / eo)) >= lim;
        if (hits == SEQ_HITS)
            return (double)SEQ_HITS / (double)(b + 1);
    }
    return (double)(hits + 1) / (double)(o->resamples + 1);
}

st_change st_compare(const double *old, size_t n_old, const double *new_,
                     size_t n_new, const st_boot_opts *opts, double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    size_t n = n_old + n_new;
    double *so = scratch, *sn = scratch + n_old, *tab = scratch + n,
           *work = tab + n, *pool = work + n, *est = pool + n;
    size_t mo = positive(old, n_old, so), mn = positive(new_, n_new, sn);
    if (mo == 0 || mn == 0)
        return no_data(n - mo - mn);
    stats_sort(so, mo);
    stats_sort(sn, mn);
    double to = stats_estimate(so, mo, o.estimator);
    double tn = stats_estimate(sn, mn, o.estimator);
    double lr = log(tn / to);
    st_change c = {tn / to - 1, {tn / to - 1, tn / to - 1}, 1, n - mo - mn};
    if ((so[0] == so[mo - 1]) && (sn[0] == sn[mn - 1]) && lr == 0)
        return c;

    st_rng rng;
    st_rng_seed(&rng, o.seed);
    /* Each side resampled on its own: the samples are independent. Work
     * in the log so the interval is symmetric in old and new. */
    double *to_tab = tab, *tn_tab = tab + 2 * mo;
    if (o.estimator == ST_MEDIAN) {
        stats_med_prep(mo, to_tab);
        stats_med_prep(mn, tn_tab);
    }
    for (size_t b = 0; b < o.resamples; b++) {
        double ro = stats_draw(&rng, so, mo, o.estimator, to_tab);
        double rn = stats_draw(&rng, sn, mn, o.estimator, tn_tab);
        est[b] = log(rn / ro);
    }
    double num = 0, den = 0;
    if (mo > 1) {
        for (size_t i = 0; i < mo; i++)
            work[i] =
                log(tn / (o.estimator == ST_MEAN
                              ? (to * (double)mo - so[i]) / (double)(mo - 1)
                              : stats_loo_median(so, mo, i)));
        stats_jack_sums(work, mo, &num, &den);
    }
    if (mn > 1) {
        for (size_t i = 0; i < mn; i++)
            work[i] = log((o.estimator == ST_MEAN
                               ? (tn * (double)mn - sn[i]) / (double)(mn - 1)
                               : stats_loo_median(sn, mn, i)) /
                          to);
        stats_jack_sums(work, mn, &num, &den);
    }
    double accel = stats_jack_accel(num, den);
    c.ci = rel(stats_boot_interval(est, o.resamples, lr, accel, &o));
    c.p = perm_p(so, mo, sn, mn, fabs(lr), &o, pool, &rng);
    return c;
}

/* End of the run of equal magnitudes that starts at w[a]. */
static size_t tie_end(const double *w, size_t m, size_t a)
{
    size_t b = a + 1;
    while (b < m && fabs(w[b]) == fabs(w[a]))
        b++;
    return b;
}

/* Two-sided p of Wilcoxon's signed-rank test of the sorted log ratios
 * d[n]; see stats.h. With no change, which side of a pair is which does
 * not matter, so the sum S of the positive ranks is the sum over the ranks
 * of fair coin flips: its law is counted rank by rank, in doubled ranks so
 * that mid-ranks stay whole. The law is symmetric about T/2 (T, the sum of
 * all doubled ranks, is m (m + 1)), so p = 2 P(S <= min(s, T - s)) for the
 * observed s, and only the probabilities up to T/2 are needed: w holds
 * n + n (n + 1) / 2 + 1 doubles. Probabilities rather than counts, so that
 * 2^n cannot overflow. Why ranks: the sign-flip test of the median log
 * ratio, this function's predecessor, is weak with ~10 pairs (microbe ab,
 * 10 of 10 rounds +27%: p = 0.031, 0.31 after Holm over 10 benchmarks);
 * the mean's is strong, but one round that met a host hiccup on one side
 * drags it anywhere, where here it counts as one rank. */
static double signed_rank_p(const double *d, size_t n, double *w)
{
    size_t neg = 0, pos;
    while (neg < n && d[neg] < 0)
        neg++;
    for (pos = neg; pos < n && d[pos] == 0; pos++)
        ; /* zeros dropped */
    /* Merge both signs by magnitude: the negatives from the middle down. */
    size_t m = 0, i = neg, j = pos;
    while (i > 0 || j < n)
        w[m++] = j == n || (i > 0 && -d[i - 1] <= d[j]) ? d[--i] : d[j++];
    /* Ranks a + 1 .. b share the doubled mid-rank a + b + 1. */
    size_t s = 0, t = m * (m + 1);
    for (size_t a = 0, b; a < m; a = b) {
        b = tie_end(w, m, a);
        for (size_t k = a; k < b; k++)
            s += w[k] > 0 ? a + b + 1 : 0;
    }
    size_t lo = s < t - s ? s : t - s;
    double *pr = w + m; /* pr[k] = P(S = k), k <= lo */
    pr[0] = 1;
    for (size_t k = 1; k <= lo; k++)
        pr[k] = 0;
    for (size_t a = 0, b; a < m; a = b) {
        b = tie_end(w, m, a);
        for (size_t k = a, r = a + b + 1; k < b; k++)
            for (size_t v = lo + 1; v-- > 0;)
                pr[v] = 0.5 * (pr[v] + (v >= r ? pr[v - r] : 0));
    }
    double p = 0;
    for (size_t k = 0; k <= lo; k++)
        p += pr[k];
    return 2 * p < 1 ? 2 * p : 1;
}

size_t st_compare_paired_scratch_size(size_t n, const st_boot_opts *opts)
{
    /* The log ratios, then the interval's 3n + resamples or the test's. */
    size_t boot = 3 * n + stats_opts(opts).resamples;
    size_t test = n + n * (n + 1) / 2 + 1;
    return n + (boot > test ? boot : test);
}

st_change st_compare_paired(const double *old, const double *new_, size_t n,
                            const st_boot_opts *opts, double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    double *d = scratch, *tab = d + n, *work = tab + 2 * n, *est = work + n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(old[i]) && isfinite(new_[i]) && old[i] > 0 && new_[i] > 0)
            d[m++] = log(new_[i] / old[i]);
    if (m == 0)
        return no_data(n);
    stats_sort(d, m);
    double theta = stats_estimate(d, m, o.estimator);
    st_change c = {expm1(theta), {expm1(theta), expm1(theta)}, 1, n - m};
    if (d[0] == d[m - 1] && theta == 0)
        return c;

    st_rng rng;
    st_rng_seed(&rng, o.seed);
    st_interval ci = {theta, theta};
    if (m > 1 && d[0] != d[m - 1]) {
        if (o.estimator == ST_MEDIAN)
            stats_med_prep(m, tab);
        for (size_t b = 0; b < o.resamples; b++)
            est[b] = stats_draw(&rng, d, m, o.estimator, tab);
        double num = 0, den = 0, sum = 0;
        for (size_t i = 0; i < m; i++)
            sum += d[i];
        for (size_t i = 0; i < m; i++)
            work[i] = o.estimator == ST_MEAN ? (sum - d[i]) / (double)(m - 1)
                                             : stats_loo_median(d, m, i);
        stats_jack_sums(work, m, &num, &den);
        double accel = stats_jack_accel(num, den);
        ci = stats_boot_interval(est, o.resamples, theta, accel, &o);
    }
    c.ci = rel(ci);
    c.p = signed_rank_p(d, m, d + n);
    return c;
}
