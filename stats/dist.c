/* Distribution functions: the regularized incomplete beta function and,
 * from it, Student's t (for the round-level comparison) and the binomial
 * tails that give the exact bootstrap distribution of a median. */
#include <float.h>
#include <math.h>

#include "internal.h"

/* Continued fraction of I_x(a, b) (Numerical Recipes' betacf), evaluated
 * with the modified Lentz method; converges fast for x < (a+1)/(a+b+2). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    /* Each step gains about as much as sqrt(max(a, b)) steps lose, so 1000
     * covers a and b up to ~10^5 with room to spare. */
    for (int m = 1; m <= 1000; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 4 * DBL_EPSILON)
            break;
    }
    return h;
}

double stats_incbeta_lb(double a, double b, double x, double lbeta)
{
    if (!(x > 0))
        return x == 0 ? 0 : NAN;
    if (!(x < 1))
        return x == 1 ? 1 : NAN;
    double front = exp(a * log(x) + b * log1p(-x) - lbeta);
    /* The fraction converges on the side of the mean; the symmetry
     * I_x(a, b) = 1 - I_{1-x}(b, a) covers the other side. */
    if (x < (a + 1) / (a + b + 2))
        return front * betacf(a, b, x) / a;
    return 1 - front * betacf(b, a, 1 - x) / b;
}

double stats_lbeta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

double st_incbeta(double a, double b, double x)
{
    if (!(a > 0 && b > 0))
        return NAN;
    return stats_incbeta_lb(a, b, x, stats_lbeta(a, b));
}

/* Two-sided tail P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2); the form
 * keeps full relative precision far out in the tail. */
static double t_two_sided(double t, double df)
{
    if (isinf(t))
        return 0;
    double x = df / (df + t * t);
    return st_incbeta(df / 2, 0.5, x);
}

/* The CDF, for st_t_ppf's Newton steps; t not NaN, df > 0. */
static double t_cdf(double t, double df)
{
    double tail = 0.5 * t_two_sided(t, df);
    return t < 0 ? tail : 1 - tail;
}

double st_t_two_sided(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    return t_two_sided(t, df);
}

double st_t_ppf(double p, double df)
{
    if (!(p >= 0 && p <= 1) || !(df > 0))
        return NAN;
    if (p == 0 || p == 1)
        return p == 0 ? -INFINITY : INFINITY;
    if (p == 0.5)
        return 0;
    /* Solve I_x(df/2, 1/2) = 2 min(p, 1-p) for x = df/(df+t^2) by
     * bisection: monotone, and x in (0, 1] keeps the relative precision of
     * t even for tiny tails where Newton on t would overshoot. */
    double target = 2 * (p < 0.5 ? p : 1 - p);
    double lb = stats_lbeta(df / 2, 0.5), lo = 0, hi = 1;
    for (int i = 0; i < 2000 && hi - lo > 1e-17 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (mid == lo || mid == hi)
            break;
        if (stats_incbeta_lb(df / 2, 0.5, mid, lb) < target)
            lo = mid;
        else
            hi = mid;
    }
    double x = 0.5 * (lo + hi);
    double t = sqrt(df * (1 - x) / x);
    if (p < 0.5)
        t = -t;
    /* Near t = 0, 1 - x has lost digits: two Newton steps on the CDF
     * restore them. Only there: in the tails the CDF is 1 - tiny and its
     * rounding over a tiny density would send Newton astray. */
    double lc = lgamma((df + 1) / 2) - lgamma(df / 2) -
                0.5 * log(df * 3.14159265358979323846);
    for (int i = 0; i < 2 && p > 0.1 && p < 0.9; i++) {
        double pdf = exp(lc - (df + 1) / 2 * log1p(t * t / df));
        double step = (t_cdf(t, df) - p) / pdf;
        if (!isfinite(step))
            break;
        t -= step;
    }
    return t;
}
