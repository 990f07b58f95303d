/* Helpers shared by the stats/ files: not part of the API, never installed. */
#ifndef MB_STATS_INTERNAL_H
#define MB_STATS_INTERNAL_H

#include "stats.h"

/* xoshiro256** step, inline because the resampling loops call it 10^6+ times
 * per benchmark and a call per draw would dominate them. */
static inline uint64_t stats_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t stats_next(st_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = stats_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = stats_rotl(s[3], 45);
    return out;
}

/* Uniform index in [0, n): Lemire's multiply-shift on 32 bits with exact
 * rejection, so it is unbiased yet needs no division on the common path. */
static inline size_t stats_pick(st_rng *r, size_t n)
{
    if (n > UINT32_MAX)
        return st_rng_below(r, n);
    uint32_t n32 = (uint32_t)n;
    uint64_t m = (stats_next(r) >> 32) * n32;
    if ((uint32_t)m < n32) {
        uint32_t t = (uint32_t)(-n32) % n32;
        while ((uint32_t)m < t)
            m = (stats_next(r) >> 32) * n32;
    }
    return (size_t)(m >> 32);
}

/* Rearranges x so that x[k] is the k-th smallest, smaller before it and
 * larger after it (C++'s nth_element); returns x[k]. x holds no NaN. */
double stats_select(double *x, size_t n, size_t k);
/* Type-7 quantile of x[n], reordering x; NaN when n == 0. */
double stats_quantile_inplace(double *x, size_t n, double q);
/* Ascending sort of x[n] (no NaN). */
void stats_sort(double *x, size_t n);
/* Copies the finite values of x into dst; returns how many. */
size_t stats_finite(const double *x, size_t n, double *dst);

/* The log q-quantile ("level") of each round of x[n] in lev[] (rounds in
 * ascending order of their index, empty ones skipped), and in *floor_var
 * the variance such a level has from within-round scatter alone,
 * q (1 - q) / phi(z_q)^2 sigma^2 / m with sigma = 1.4826 MAD (pi / 2
 * sigma^2 / m for the median), averaged over rounds. Only finite positive
 * values count; *used (if not NULL) gets how many. buf[n]. Returns the
 * number of rounds. O(n x rounds): rounds are few. */
size_t stats_round_levels(const double *x, const uint16_t *round, size_t n,
                          double q, double *buf, double *lev, double *floor_var,
                          size_t *used);

/* Standard normal CDF and its inverse. */
double stats_norm_cdf(double z);
double stats_norm_ppf(double p);

/* Interval from bootstrap replicates est[b] (reordered) of a statistic whose
 * estimate is theta and jackknife acceleration accel. */
st_interval stats_boot_interval(double *est, size_t b, double theta,
                                double accel, const st_boot_opts *o);
/* Adds one sample's leave-one-out values jk[n] to the sums from which
 * stats_jack_accel gives the BCa acceleration (several samples add up). */
void stats_jack_sums(const double *jk, size_t n, double *num, double *den);
double stats_jack_accel(double num, double den);
/* Estimator of sorted s[n]: median (type 7) or mean. */
double stats_estimate(const double *s, size_t n, st_estimator e);
/* Median of the sorted sample s[n] with element i left out. */
double stats_loo_median(const double *s, size_t n, size_t i);
/* Bootstrap replicates of sorted s[n] (n >= 1). The median's: tab[2n]
 * filled once by stats_med_prep(n) (it depends on n only), then
 * O(log n) per draw. The mean's: n draws. */
void stats_med_prep(size_t n, double *tab);
double stats_med_draw(st_rng *r, const double *s, size_t n, const double *tab);
double stats_mean_draw(st_rng *r, const double *s, size_t n);
/* Estimator of sorted s[n]'s resample; tab as prepared for the median. */
static inline double stats_draw(st_rng *r, const double *s, size_t n,
                                st_estimator e, const double *tab)
{
    return e == ST_MEAN ? stats_mean_draw(r, s, n)
                        : stats_med_draw(r, s, n, tab);
}

/* Regularized incomplete beta I_x(a, b) given lbeta = log B(a, b). */
double stats_incbeta_lb(double a, double b, double x, double lbeta);
double stats_lbeta(double a, double b);

/* Options with defaults filled in. */
st_boot_opts stats_opts(const st_boot_opts *o);

#endif
