/* Change between two samples: relative change of the estimator, bootstrap
 * interval, and a permutation (independent) or sign-flip (paired) p-value.
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

/* Estimator of the values of sorted pool[n] whose flag equals want; there
 * are m of them. */
static double flagged_estimate(const double *pool, const double *flag, size_t n,
                               double want, size_t m, st_estimator e)
{
    size_t k = (m - 1) / 2, seen = 0;
    double sum = 0, a = 0;
    for (size_t j = 0; j < n; j++) {
        if (flag[j] != want)
            continue;
        sum += pool[j];
        if (e == ST_MEAN)
            continue;
        if (seen == k && m % 2)
            return pool[j];
        if (seen == k)
            a = pool[j];
        if (seen == k + 1)
            return a + 0.5 * (pool[j] - a);
        seen++;
    }
    return sum / (double)m;
}

/* Permutation test of |log(est(new)/est(old))|: under "no change" (the two
 * samples come from one distribution) every split of the pooled values is
 * equally likely, so the p-value is exact up to Monte Carlo error. */
static double perm_p(const double *so, size_t mo, const double *sn, size_t mn,
                     double stat, const st_boot_opts *o, double *pool,
                     double *idx, double *flag, st_rng *rng)
{
    size_t n = mo + mn;
    for (size_t i = 0; i < mo; i++)
        pool[i] = so[i];
    for (size_t i = 0; i < mn; i++)
        pool[mo + i] = sn[i];
    stats_sort(pool, n);
    for (size_t i = 0; i < n; i++)
        idx[i] = (double)i;
    size_t hits = 0;
    for (size_t b = 0; b < o->resamples; b++) {
        for (size_t i = 0; i < n; i++)
            flag[i] = 0;
        /* A partial Fisher-Yates shuffle of a permutation gives a uniform
         * subset whatever order the previous round left idx in. */
        for (size_t i = 0; i < mo; i++) {
            size_t j = i + stats_pick(rng, n - i);
            double t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            flag[(size_t)idx[i]] = 1;
        }
        double eo = flagged_estimate(pool, flag, n, 1, mo, o->estimator);
        double en = flagged_estimate(pool, flag, n, 0, mn, o->estimator);
        hits += fabs(log(en / eo)) >= stat * (1 - TIE_TOL);
    }
    return (double)(hits + 1) / (double)(o->resamples + 1);
}

st_change st_compare(const double *old, size_t n_old, const double *new_,
                     size_t n_new, const st_boot_opts *opts, double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    size_t n = n_old + n_new;
    double *so = scratch, *sn = scratch + n_old, *work = scratch + n,
           *pool = work + n, *idx = pool + n, *est = idx + n;
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
    for (size_t b = 0; b < o.resamples; b++) {
        double ro = stats_resample(&rng, so, mo, o.estimator, work);
        double rn = stats_resample(&rng, sn, mn, o.estimator, work);
        est[b] = log(rn / ro);
    }
    double accel = 0;
    if (o.method == ST_BCA) {
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
                work[i] =
                    log((o.estimator == ST_MEAN
                             ? (tn * (double)mn - sn[i]) / (double)(mn - 1)
                             : stats_loo_median(sn, mn, i)) /
                        to);
            stats_jack_sums(work, mn, &num, &den);
        }
        accel = stats_jack_accel(num, den);
    }
    c.ci = rel(stats_boot_interval(est, o.resamples, lr, accel, &o));
    c.p = perm_p(so, mo, sn, mn, fabs(lr), &o, pool, idx, work, &rng);
    return c;
}

/* rank-th smallest (0-based) of the values of sorted a[n] whose flag is
 * want, given that there are at least rank + 1 of them. */
static double nth_flagged(const double *a, const double *flag, size_t n,
                          double want, size_t rank)
{
    for (size_t j = 0; j < n; j++)
        if (flag[j] == want && rank-- == 0)
            return a[j];
    return 0; /* not reached when the count is right */
}

/* Order statistic r of {+-a[j]}: negatives (flag 1) come first, largest
 * magnitude first. */
static double flipped_order(const double *a, const double *neg, size_t n,
                            size_t nneg, size_t r)
{
    return r < nneg ? -nth_flagged(a, neg, n, 1, nneg - 1 - r)
                    : nth_flagged(a, neg, n, 0, r - nneg);
}

/* Sign-flip test of |est(d)| for the log ratios d: with no change, each
 * log ratio is as likely negative as positive (the order within a pair is
 * exchangeable), so flipping signs at random draws from the null. */
static double flip_p(const double *d, size_t n, double stat,
                     const st_boot_opts *o, double *a, double *neg, st_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        a[i] = fabs(d[i]);
    stats_sort(a, n);
    size_t hits = 0, k = (n - 1) / 2;
    for (size_t b = 0; b < o->resamples; b++) {
        size_t nneg = 0;
        double sum = 0;
        uint64_t bits = 0;
        for (size_t i = 0; i < n; i++) {
            if (i % 64 == 0)
                bits = stats_next(rng);
            neg[i] = (double)(bits & 1);
            nneg += bits & 1;
            sum += bits & 1 ? -a[i] : a[i];
            bits >>= 1;
        }
        double t;
        if (o->estimator == ST_MEAN) {
            t = sum / (double)n;
        } else {
            t = flipped_order(a, neg, n, nneg, k);
            if (n % 2 == 0)
                t += 0.5 * (flipped_order(a, neg, n, nneg, k + 1) - t);
        }
        hits += fabs(t) >= stat * (1 - TIE_TOL);
    }
    return (double)(hits + 1) / (double)(o->resamples + 1);
}

st_change st_compare_paired(const double *old, const double *new_, size_t n,
                            const st_boot_opts *opts, double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    double *d = scratch, *work = d + n, *a = work + n, *neg = a + n,
           *est = neg + n;
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
        for (size_t b = 0; b < o.resamples; b++)
            est[b] = stats_resample(&rng, d, m, o.estimator, work);
        double accel = 0;
        if (o.method == ST_BCA) {
            double num = 0, den = 0, sum = 0;
            for (size_t i = 0; i < m; i++)
                sum += d[i];
            for (size_t i = 0; i < m; i++)
                work[i] = o.estimator == ST_MEAN
                              ? (sum - d[i]) / (double)(m - 1)
                              : stats_loo_median(d, m, i);
            stats_jack_sums(work, m, &num, &den);
            accel = stats_jack_accel(num, den);
        }
        ci = stats_boot_interval(est, o.resamples, theta, accel, &o);
    }
    c.ci = rel(ci);
    c.p = flip_p(d, m, fabs(theta), &o, a, neg, &rng);
    return c;
}
