/* Descriptive statistics of one sample: quantiles, centre, spread and Tukey
 * outlier fences. Non-finite values (NaN, +-inf) are ignored throughout. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

size_t stats_finite(const double *x, size_t n, double *dst)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            dst[m++] = x[i];
    return m;
}

static void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static double median3(double a, double b, double c)
{
    if (a > b)
        swap(&a, &b);
    return c < a ? a : c > b ? b : c;
}

double stats_select(double *x, size_t n, size_t k)
{
    /* Wirth's selection: Hoare partitions that stop on keys equal to the
     * pivot, so the runs of ties that coarse timers produce stay linear. */
    ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (l < r) {
        /* Median of three keeps sorted and reversed input linear too; the
         * pivot is a value present in [l, r], which bounds the scans. */
        double pivot = median3(x[l], x[l + (r - l) / 2], x[r]);
        ptrdiff_t i = l, j = r;
        do {
            while (x[i] < pivot)
                i++;
            while (pivot < x[j])
                j--;
            if (i <= j) {
                swap(&x[i], &x[j]);
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk)
            l = i;
        if (kk < i)
            r = j;
    }
    return x[k];
}

double stats_quantile_inplace(double *x, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t k = (size_t)pos;
    if (k >= n - 1)
        return stats_select(x, n, n - 1);
    double a = stats_select(x, n, k);
    double frac = pos - (double)k;
    if (frac == 0)
        return a;
    /* After the selection everything past k is >= x[k]; the next order
     * statistic is their minimum. */
    double b = x[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (x[i] < b)
            b = x[i];
    return a + frac * (b - a);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

void stats_sort(double *x, size_t n)
{
    if (n > 1)
        qsort(x, n, sizeof *x, cmp_double);
}

double st_quantile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    double pos = q * (double)(n - 1);
    size_t k = (size_t)pos;
    if (k >= n - 1)
        return sorted[n - 1];
    double a = sorted[k], b = sorted[k + 1], frac = pos - (double)k;
    /* Equal neighbours return as is, so infinities do not become NaN. */
    return frac == 0 || a == b ? a : a + frac * (b - a);
}

double st_quantile(const double *x, size_t n, double q, double *scratch)
{
    if (!(q >= 0 && q <= 1))
        return NAN;
    size_t m = stats_finite(x, n, scratch);
    return stats_quantile_inplace(scratch, m, q);
}

double st_median(const double *x, size_t n, double *scratch)
{
    return st_quantile(x, n, 0.5, scratch);
}

double st_mean(const double *x, size_t n)
{
    /* A running mean cannot overflow the way a plain sum of large values
     * can. */
    double mean = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            mean += (x[i] - mean) / (double)++k;
    return k ? mean : NAN;
}

double st_stddev(const double *x, size_t n)
{
    double mean = 0, m2 = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        double d = x[i] - mean;
        mean += d / (double)++k;
        m2 += d * (x[i] - mean); /* Welford: stable for large offsets */
    }
    return k < 2 ? 0 : sqrt(m2 / (double)(k - 1));
}

double st_mad(const double *x, size_t n, double *scratch)
{
    size_t m = stats_finite(x, n, scratch);
    if (m == 0)
        return NAN;
    double med = stats_quantile_inplace(scratch, m, 0.5);
    for (size_t i = 0; i < m; i++)
        scratch[i] = fabs(scratch[i] - med);
    return stats_quantile_inplace(scratch, m, 0.5);
}

st_outliers st_tukey(const double *x, size_t n, double *scratch,
                     signed char *cls)
{
    st_outliers o = {0, 0, 0, 0};
    size_t m = stats_finite(x, n, scratch);
    double q1 = stats_quantile_inplace(scratch, m, 0.25);
    double q3 = stats_quantile_inplace(scratch, m, 0.75);
    double iqr = q3 - q1;
    for (size_t i = 0; i < n; i++) {
        signed char c = 0;
        if (m > 0 && isfinite(x[i])) {
            if (x[i] < q1 - 3 * iqr)
                c = -2;
            else if (x[i] < q1 - 1.5 * iqr)
                c = -1;
            else if (x[i] > q3 + 3 * iqr)
                c = 2;
            else if (x[i] > q3 + 1.5 * iqr)
                c = 1;
        }
        o.low_severe += c == -2;
        o.low_mild += c == -1;
        o.high_mild += c == 1;
        o.high_severe += c == 2;
        if (cls)
            cls[i] = c;
    }
    return o;
}

size_t st_summary_scratch_size(size_t n)
{
    return 2 * n + 1;
}

/* The distribution-free interval of the median of sorted s[n]: order
 * statistics l and n + 1 - l (1-based) cover it with probability
 * 1 - 2 P(Bin(n, 1/2) <= l - 1); the largest l that keeps that at least
 * conf. */
static st_interval median_order_ci(const double *s, size_t n, double conf)
{
    st_interval ci = {s[0], s[n - 1]};
    /* P(Bin(n, 1/2) <= k) summed in logs: n may be 10^6. */
    double lp = -(double)n * log(2.0), cdf = exp(lp);
    for (size_t l = 1; 2 * l <= n; l++) {
        /* cdf = P(Bin <= l - 1) */
        if (1 - 2 * cdf < conf)
            break;
        ci.lo = s[l - 1];
        ci.hi = s[n - l];
        lp += log((double)(n - l + 1)) - log((double)l);
        cdf += exp(lp);
    }
    return ci;
}

void st_summarize(const double *x, const uint16_t *round, size_t n,
                  double confidence, double *scratch, mb_summary *out)
{
    double *s = scratch;
    if (!(confidence > 0 && confidence < 1))
        confidence = 0.95;
    size_t m = stats_finite(x, n, s);
    stats_sort(s, m);
    out->n = m;
    out->n_ignored = n - m;
    out->confidence = confidence;
    out->median = st_quantile_sorted(s, m, 0.5);
    out->mean = st_mean(s, m);
    out->stddev = st_stddev(s, m);
    out->min = m ? s[0] : NAN;
    out->max = m ? s[m - 1] : NAN;
    out->outliers = st_tukey(x, n, scratch + n, NULL);
    out->ci_rounds = 0;
    out->rounds = m > 0;
    out->round_sd = 0;
    if (m == 0) {
        out->mad = NAN;
        out->median_ci.lo = out->median_ci.hi = NAN;
        return;
    }
    out->median_ci = median_order_ci(s, m, confidence);
    /* The MAD from the sorted copy, before the rounds reuse it. */
    out->mad = st_mad(s, m, scratch + n);
    if (!round || !(out->median > 0))
        return;
    /* Round medians (of the logs) into s; scratch + n is their buffer. */
    double floor_var;
    size_t r =
        stats_round_levels(x, round, n, 0.5, scratch + n, s, &floor_var, NULL);
    out->rounds = r;
    if (r >= 2) {
        double sd = st_stddev(s, r);
        out->round_sd = sd;
        if (r >= 3) {
            double var = fmax(sd * sd, floor_var);
            double h = st_t_ppf(1 - (1 - confidence) / 2, (double)(r - 1)) *
                       sqrt(var / (double)r);
            out->median_ci.lo = out->median * exp(-h);
            out->median_ci.hi = out->median * exp(h);
            out->ci_rounds = r;
        }
    }
}
