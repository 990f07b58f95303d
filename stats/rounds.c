/* Change between two runs with the round as the unit of replication: the
 * samples of one round share the machine's state, so only the rounds are
 * independent draws of a run's level. */
#include <math.h>

#include "internal.h"

/* The q-quantile of m normal values has variance
 * q (1 - q) / phi(z_q)^2 sigma^2 / m for large m (pi / 2 for the median);
 * 1.4826 MAD estimates sigma robustly (spikes do not inflate it). */
#define MAD_TO_SIGMA 1.4826

typedef struct side {
    size_t rounds, used;
    double mean, var; /* of the log round levels */
    double floor_var; /* what within-round scatter alone gives a level */
} side;

size_t stats_round_levels(const double *x, const uint16_t *round, size_t n,
                          double q, double *buf, double *lev, double *floor_var,
                          size_t *used)
{
    double z = stats_norm_ppf(q);
    double phi = exp(-z * z / 2) / sqrt(2 * acos(-1.0));
    double var_factor = q * (1 - q) / (phi * phi);
    double fv = 0;
    size_t r = 0, u = 0;
    uint32_t prev = 0, first = 1; /* round indices seen so far: < prev */
    for (;;) {
        uint32_t cur = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i]) && x[i] > 0 && (first || round[i] > prev) &&
                round[i] < cur)
                cur = round[i];
        if (cur == UINT32_MAX)
            break;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i]) && x[i] > 0 && round[i] == cur)
                buf[m++] = log(x[i]);
        double level = stats_quantile_inplace(buf, m, q);
        double med = stats_quantile_inplace(buf, m, 0.5);
        for (size_t i = 0; i < m; i++)
            buf[i] = fabs(buf[i] - med);
        double sd = MAD_TO_SIGMA * stats_quantile_inplace(buf, m, 0.5);
        fv += var_factor * sd * sd / (double)m;
        lev[r++] = level;
        u += m;
        prev = cur;
        first = 0;
    }
    *floor_var = r ? fv / (double)r : 0;
    if (used)
        *used = u;
    return r;
}

/* A side's round levels lev[] and their mean and variance. */
static side round_levels(const double *x, const uint16_t *round, size_t n,
                         double q, double *buf, double *lev)
{
    side s = {0, 0, 0, 0, 0};
    s.rounds =
        stats_round_levels(x, round, n, q, buf, lev, &s.floor_var, &s.used);
    if (s.rounds == 0)
        return s;
    s.mean = st_mean(lev, s.rounds);
    s.var = st_stddev(lev, s.rounds);
    s.var *= s.var;
    return s;
}

double st_round_level(const double *x, const uint16_t *round, size_t n,
                      double q, double *scratch)
{
    if (!(q > 0 && q < 1))
        q = 0.5;
    side s = round_levels(x, round, n, q, scratch, scratch + n);
    return s.rounds >= 3 ? exp(s.mean) : NAN;
}

size_t st_compare_rounds_scratch_size(size_t n_old, size_t n_new,
                                      const st_boot_opts *opts)
{
    /* The fallback needs st_compare's; the rounds need 2 (n_old + n_new). */
    return st_compare_scratch_size(n_old, n_new, opts);
}

/* log C(n, k) */
static double lchoose(double n, double k)
{
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

st_change st_compare_rounds(const double *old, const uint16_t *old_round,
                            size_t n_old, const double *new_,
                            const uint16_t *new_round, size_t n_new, double q,
                            const st_boot_opts *opts, double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    size_t n = n_old + n_new;
    double *buf = scratch, *mo = buf + n, *mn = mo + n_old;
    if (!(q > 0 && q < 1))
        q = 0.5;
    side a = round_levels(old, old_round, n_old, q, buf, mo);
    side b = round_levels(new_, new_round, n_new, q, buf, mn);
    /* Fewer than 3 rounds give no usable estimate of the between-round
     * variance (2 give one with 1 degree of freedom, whose t interval is
     * uselessly wide): compare the samples instead. */
    if (a.rounds < 3 || b.rounds < 3)
        return st_compare(old, n_old, new_, n_new, opts, scratch);

    double diff = b.mean - a.mean;
    st_change c = {expm1(diff),
                   {expm1(diff), expm1(diff)},
                   1,
                   n - a.used - b.used,
                   exp(a.mean),
                   exp(b.mean),
                   ST_UNIT_ROUNDS,
                   0,
                   0};
    /* Three to five round levels estimate their variance poorly; when the
     * estimate falls below what the within-round scatter alone implies for
     * such a quantile, it is an underestimate by chance, and would make t
     * (and the claimed evidence) too large. */
    double va = fmax(a.var, a.floor_var) / (double)a.rounds;
    double vb = fmax(b.var, b.floor_var) / (double)b.rounds;
    double se = sqrt(va + vb);
    if (!(se > 0)) {
        /* No spread at all: the only evidence is that every old round is
         * on one side of every new one, which a permutation of the rounds
         * finds in 2 of C(a + b, a) orders. */
        if (diff != 0)
            c.p = fmin(1, 2 * exp(-lchoose((double)(a.rounds + b.rounds),
                                           (double)a.rounds)));
        return c;
    }
    /* Welch-Satterthwaite degrees of freedom. */
    double df =
        (va + vb) * (va + vb) /
        (va * va / (double)(a.rounds - 1) + vb * vb / (double)(b.rounds - 1));
    double h = st_t_ppf(1 - (1 - o.confidence) / 2, df) * se;
    c.ci.lo = expm1(diff - h);
    c.ci.hi = expm1(diff + h);
    /* The t tail itself, however small: a floor (this function once kept
     * p >= 1 / (1 + resamples), the bootstrap tests' resolution) would let
     * Holm over more than ~500 benchmarks never flag even a 2x change. */
    c.p = st_t_two_sided(diff / se, df);
    return c;
}

size_t st_compare_history_scratch_size(size_t n_total)
{
    return 2 * n_total + 8;
}

st_change st_compare_history(const double *const *old,
                             const uint16_t *const *old_round,
                             const size_t *n_old, size_t runs,
                             const double *new_, const uint16_t *new_round,
                             size_t n_new, double q, const st_boot_opts *opts,
                             double *scratch)
{
    st_boot_opts o = stats_opts(opts);
    if (!(q > 0 && q < 1))
        q = 0.5;
    st_change c = {NAN, {NAN, NAN}, 1, 0, NAN, NAN, ST_UNIT_ROUNDS, 0, 0};
    /* Each saved run's mean log round level and within-run variance. */
    double sum_m = 0, sum_m2 = 0, sum_w = 0, sum_r = 0;
    size_t h = 0, hw = 0;
    for (size_t j = 0; j < runs; j++) {
        side s = round_levels(old[j], old_round[j], n_old[j], q, scratch,
                              scratch + n_old[j]);
        if (s.rounds == 0)
            continue;
        h++;
        sum_m += s.mean;
        sum_m2 += s.mean * s.mean;
        sum_r += (double)s.rounds;
        if (s.rounds >= 2) {
            sum_w += fmax(s.var, s.floor_var);
            hw++;
        }
    }
    side b = round_levels(new_, new_round, n_new, q, scratch, scratch + n_new);
    if (h < ST_HISTORY_MIN_RUNS || b.rounds < 2 || hw == 0)
        return c;
    double mean = sum_m / (double)h;
    double between = (sum_m2 - (double)h * mean * mean) / (double)(h - 1);
    double w_old = sum_w / (double)hw, r_old = sum_r / (double)h;
    /* A run's mean varies by the run effect plus its rounds' scatter / r:
     * what is left of the spread of the saved runs' means once the
     * scatter is taken out is the run-to-run variance. */
    double run_var = fmax(0, between - w_old / r_old);
    double va = run_var * (1 + 1 / (double)h); /* the new run's, the mean's */
    double vb = fmax(b.var, b.floor_var) / (double)b.rounds;
    double vc = w_old / (r_old * (double)h);
    double v = va + vb + vc, diff = b.mean - mean;
    c.change = expm1(diff);
    c.base = exp(mean); /* the saved runs' mean level */
    c.now = exp(b.mean);
    c.ci.lo = c.ci.hi = c.change;
    if (!(v > 0)) {
        c.p = diff != 0 ? 0 : 1;
        return c;
    }
    /* Welch-Satterthwaite over the three parts. */
    double den = vb * vb / (double)(b.rounds - 1) +
                 vc * vc / ((double)h * fmax(r_old - 1, 1));
    if (va > 0)
        den += va * va / (double)(h - 1);
    double df = v * v / den, se = sqrt(v);
    double half = st_t_ppf(1 - (1 - o.confidence) / 2, df) * se;
    c.ci.lo = expm1(diff - half);
    c.ci.hi = expm1(diff + half);
    c.p = st_t_two_sided(diff / se, df);
    return c;
}
