/* Bootstrap confidence intervals (BCa) of the median and the
 * mean of one sample, and the per-benchmark summary built on them. */
#include <math.h>

#include "internal.h"

enum { DEFAULT_RESAMPLES = 10000 };

st_boot_opts stats_opts(const st_boot_opts *o)
{
    st_boot_opts r = {0, 0, 0, ST_MEDIAN};
    if (o)
        r = *o;
    if (r.resamples == 0)
        r.resamples = DEFAULT_RESAMPLES;
    if (!(r.confidence > 0 && r.confidence < 1))
        r.confidence = 0.95;
    return r;
}

double stats_norm_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

double stats_norm_ppf(double p)
{
    /* Acklam's rational approximation (relative error 1.2e-9), then one
     * Halley step against erfc to reach full double precision. */
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    if (!(p > 0 && p < 1))
        return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    double x, q, r;
    if (p < 0.02425 || p > 1 - 0.02425) {
        q = sqrt(-2 * log(p < 0.5 ? p : 1 - p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
             c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        if (p > 0.5)
            x = -x;
    } else {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r +
             a[5]) *
            q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    double e = stats_norm_cdf(x) - p;
    double u = e * 2.5066282746310002 * exp(x * x / 2); /* sqrt(2 pi) */
    return x - u / (1 + x * u / 2);
}

void stats_jack_sums(const double *jk, size_t n, double *num, double *den)
{
    double mean = 0, s3 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        mean += jk[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = mean - jk[i];
        s3 += d * d * d;
        s2 += d * d;
    }
    /* scipy's weights for several samples; they cancel for one. */
    double w = (double)(n - 1) / (double)n;
    *num += w * w * w * s3;
    *den += w * w * s2;
}

double stats_jack_accel(double num, double den)
{
    /* No jackknife spread (e.g. a median that no single value moves): no
     * skewness correction. */
    return den > 0 ? num / (6 * pow(den, 1.5)) : 0;
}

double stats_loo_median(const double *s, size_t n, size_t i)
{
    size_t m = n - 1, k = (m - 1) / 2;
    /* Index t of the sample without element i is index t or t+1 of s. */
    double a = s[k < i ? k : k + 1];
    if (m % 2)
        return a;
    double b = s[k + 1 < i ? k + 1 : k + 2];
    return a + 0.5 * (b - a);
}

void stats_med_prep(size_t n, double *tab)
{
    /* The median of a resample is an order statistic of the drawn indices,
     * whose law follows from binomial counts: the resample's rank-k value
     * is at index <= j iff at least k + 1 of the n draws are <= j, and
     * P(Bin(n, p) >= k + 1) = I_p(k + 1, n - k). So instead of drawing n
     * indices, one uniform picks the index from this exact CDF. */
    double *cdf = tab, *tie = tab + n;
    size_t k = (n - 1) / 2;
    double a = (double)(k + 1), b = (double)(n - k), dn = (double)n;
    double lb = stats_lbeta(a, b);
    for (size_t j = 0; j + 1 < n; j++)
        cdf[j] = stats_incbeta_lb(a, b, (double)(j + 1) / dn, lb);
    cdf[n - 1] = 1;
    if (n % 2)
        return;
    /* Even n: the median also needs the rank-(k+1) value. With A draws
     * below j and B at j, both ranks sit at j iff A <= k and A + B >= k + 2,
     * whose probability is P(A <= k) - P(A + B <= k + 1) + P(A = k + 1,
     * B = 0); tie[j] is that given the lower one is at j. */
    double lb2 = stats_lbeta(a + 1, b - 1);
    double lchoose = lgamma(dn + 1) - lgamma(a + 1) - lgamma(b);
    for (size_t j = 0; j < n; j++) {
        double below = j ? cdf[j - 1] : 0, pj = cdf[j] - below;
        double both = stats_incbeta_lb(a + 1, b - 1, (double)(j + 1) / dn, lb2);
        both -= below;
        if (j > 0 && j + 1 < n)
            both += exp(lchoose + a * log((double)j / dn) +
                        (b - 1) * log((double)(n - 1 - j) / dn));
        tie[j] = pj > 0 ? fmin(1, fmax(0, both / pj)) : 1;
    }
}

double stats_med_draw(st_rng *r, const double *s, size_t n, const double *tab)
{
    double u = st_rng_uniform(r);
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tab[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (n % 2 || st_rng_uniform(r) < tab[n + lo])
        return s[lo];
    /* The upper one is above lo: exactly k + 1 draws were <= lo, and the
     * other m fell uniformly on the rest, so it is their minimum, whose
     * survival function ((rest - t) / rest)^m inverts in closed form. */
    size_t rest = n - 1 - lo, m = n - (n - 1) / 2 - 1;
    double w = 1 - st_rng_uniform(r);
    double t = floor((double)rest * (1 - pow(w, 1.0 / (double)m))) + 1;
    size_t up = lo + (t < (double)rest ? (size_t)t : rest);
    return s[lo] + 0.5 * (s[up] - s[lo]);
}

double stats_mean_draw(st_rng *r, const double *s, size_t n)
{
    st_rng g = *r; /* a local copy stays in registers */
    double sum = 0;
    if (n > 1u << 16) {
        for (size_t i = 0; i < n; i++)
            sum += s[stats_pick(&g, n)];
        *r = g;
        return sum / (double)n;
    }
    /* Lemire's multiply-shift on 16-bit slices: four draws per generator
     * step. Rejecting a low half below 2^16 mod n keeps each exactly
     * uniform. */
    uint32_t n32 = (uint32_t)n, lim = (1u << 16) % n32;
    size_t i = 0;
    while (i < n) {
        uint64_t bits = stats_next(&g);
        for (int c = 0; c < 4; c++, bits >>= 16) {
            uint32_t m = (uint32_t)(bits & 0xffff) * n32;
            if ((m & 0xffff) < lim)
                continue;
            sum += s[m >> 16];
            if (++i == n)
                break;
        }
    }
    *r = g;
    return sum / (double)n;
}

st_interval stats_boot_interval(double *est, size_t b, double theta,
                                double accel, const st_boot_opts *o)
{
    double alpha = (1 - o->confidence) / 2;
    double plo = alpha, phi = 1 - alpha;
    /* Bias correction from the share of replicates below the estimate,
     * ties counting half (as scipy does): medians of small samples tie
     * with the estimate in a fifth of the replicates or more, and
     * counting those as above would shift the interval down. */
    size_t below = 0, ties = 0;
    for (size_t i = 0; i < b; i++) {
        below += est[i] < theta;
        ties += est[i] == theta;
    }
    double z0 =
        stats_norm_ppf(((double)below + 0.5 * (double)ties) / (double)b);
    double zl = z0 + stats_norm_ppf(alpha), zh = z0 + stats_norm_ppf(phi);
    double dl = 1 - accel * zl, dh = 1 - accel * zh;
    /* All replicates on one side, or a correction that leaves [0, 1]:
     * BCa is undefined there, so keep the percentile interval. */
    if (isfinite(z0) && dl > 0 && dh > 0) {
        plo = stats_norm_cdf(z0 + zl / dl);
        phi = stats_norm_cdf(z0 + zh / dh);
    }
    st_interval ci = {stats_quantile_inplace(est, b, plo),
                      stats_quantile_inplace(est, b, phi)};
    return ci;
}

double stats_estimate(const double *s, size_t n, st_estimator e)
{
    return e == ST_MEAN ? st_mean(s, n) : st_quantile_sorted(s, n, 0.5);
}

size_t st_boot_scratch_size(size_t n, const st_boot_opts *opts)
{
    return 3 * n + stats_opts(opts).resamples;
}

/* Estimate, replicates and interval for the finite values sorted in s[m];
 * cnt[2m], est[resamples]. */
static st_interval ci_sorted(double *s, size_t m, const st_boot_opts *o,
                             double *cnt, double *est)
{
    double theta = stats_estimate(s, m, o->estimator);
    st_interval ci = {theta, theta};
    if (m < 2 || s[0] == s[m - 1])
        return ci;
    st_rng rng;
    st_rng_seed(&rng, o->seed);
    if (o->estimator == ST_MEAN) {
        for (size_t b = 0; b < o->resamples; b++)
            est[b] = stats_mean_draw(&rng, s, m);
    } else {
        stats_med_prep(m, cnt);
        for (size_t b = 0; b < o->resamples; b++)
            est[b] = stats_med_draw(&rng, s, m, cnt);
    }
    double sum = 0;
    for (size_t i = 0; i < m; i++)
        sum += s[i];
    for (size_t i = 0; i < m; i++)
        cnt[i] = o->estimator == ST_MEAN ? (sum - s[i]) / (double)(m - 1)
                                         : stats_loo_median(s, m, i);
    double num = 0, den = 0;
    stats_jack_sums(cnt, m, &num, &den);
    double accel = stats_jack_accel(num, den);
    return stats_boot_interval(est, o->resamples, theta, accel, o);
}

st_interval st_bootstrap_ci(const double *x, size_t n, const st_boot_opts *opts,
                            double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    size_t m = stats_finite(x, n, scratch);
    if (m == 0) {
        st_interval nan = {NAN, NAN};
        return nan;
    }
    stats_sort(scratch, m);
    return ci_sorted(scratch, m, &o, scratch + n, scratch + 3 * n);
}
