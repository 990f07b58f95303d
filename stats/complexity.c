/* Asymptotic complexity: which of O(1) ... O(n^3) best explains times
 * measured at several sizes, and where two measured curves cross. */
#include <math.h>

#include "internal.h"

/* How a class is chosen (st_fit_complexity): O(1) is nested in every
 * other class (coef = 0), so it gives way only to a significant gain, an F
 * test at FIT_ALPHA; the others all have two parameters and are not
 * nested, so the best fit among them wins. A best fit worse than
 * FIT_POOR is no clear class. */
#define FIT_ALPHA 0.05
#define FIT_POOR  0.10

double st_big_o_eval(st_big_o o, double n)
{
    switch (o) {
    case ST_O1:
        return 1;
    case ST_OLOGN:
        return log2(n);
    case ST_ON:
        return n;
    case ST_ONLOGN:
        return n * log2(n);
    case ST_ON2:
        return n * n;
    case ST_ON3:
        return n * n * n;
    default:
        return NAN;
    }
}

const char *st_big_o_name(st_big_o o)
{
    static const char *const names[] = {"O(1)",       "O(log n)", "O(n)",
                                        "O(n log n)", "O(n^2)",   "O(n^3)"};
    return (unsigned)o < ST_NBIG_O ? names[o] : "O(?)";
}

/* RMS relative error of t ~ a + c f(n). */
static double rel_error(const double *n, const double *t, size_t k, st_big_o o,
                        double a, double c)
{
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        double r = (t[i] - a - c * st_big_o_eval(o, n[i])) / t[i];
        s += r * r;
    }
    return sqrt(s / (double)k);
}

/* Weighted least squares of t = a + c f(n), weights 1/t^2 (relative error,
 * as timings span decades), with a >= 0 and c >= 0: a is the constant
 * per-call overhead, which would otherwise bend O(n) towards O(log n). */
static st_fit fit_class(const double *n, const double *t, size_t k, st_big_o o)
{
    double sw = 0, sf = 0, sff = 0, st = 0, sft = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1 / (t[i] * t[i]), f = st_big_o_eval(o, n[i]);
        sw += w;
        sf += w * f;
        sff += w * f * f;
        st += w * t[i];
        sft += w * f * t[i];
    }
    /* Candidates: the constant alone, the class alone, and both when the
     * unconstrained solution is feasible; keep the best. */
    st_fit best = {o, 0, st / sw, rel_error(n, t, k, o, st / sw, 0), true};
    if (o == ST_O1) {
        best.coef = best.intercept;
        best.intercept = 0;
        return best;
    }
    if (sff > 0 && sft > 0) {
        double c = sft / sff, e = rel_error(n, t, k, o, 0, c);
        if (e < best.error) {
            st_fit f = {o, c, 0, e, true};
            best = f;
        }
    }
    double det = sw * sff - sf * sf;
    if (det > 0) {
        double c = (sw * sft - sf * st) / det, a = (st - c * sf) / sw;
        double e = rel_error(n, t, k, o, a, c);
        if (a >= 0 && c >= 0 && e < best.error) {
            st_fit f = {o, c, a, e, true};
            best = f;
        }
    }
    return best;
}

bool st_fit_complexity(const double *n, const double *t, size_t k, st_fit *out)
{
    size_t distinct = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(isfinite(n[i]) && isfinite(t[i]) && n[i] > 0 && t[i] > 0))
            return false;
        distinct += i > 0 && n[i] != n[0];
    }
    if (k < 4 || distinct == 0)
        return false;
    st_fit fits[ST_NBIG_O];
    for (int o = 0; o < ST_NBIG_O; o++)
        fits[o] = fit_class(n, t, k, (st_big_o)o);
    /* The best of the two-parameter classes; ties go to the simpler. */
    int best = ST_OLOGN;
    for (int o = ST_OLOGN + 1; o < ST_NBIG_O; o++)
        if (fits[o].error < fits[best].error)
            best = o;
    /* O(1) unless the coefficient buys a significant share of its
     * residual: F = (RSS_1 - RSS_best) / (RSS_best / (k - 2)), RSS = k
     * error^2. With no residual at all, any gain is significant and none
     * is not (F is NaN). */
    double e1 = fits[ST_O1].error, eb = fits[best].error;
    double f = (e1 * e1 - eb * eb) * (double)(k - 2) / (eb * eb);
    double crit = st_t_ppf(1 - FIT_ALPHA / 2, (double)(k - 2));
    if (!(f > crit * crit))
        best = ST_O1;
    if (isnan(fits[best].error))
        return false;
    *out = fits[best];
    out->clear = !(out->error > FIT_POOR);
    return true;
}

static bool usable(double n, double ta, double tb)
{
    return n > 0 && ta > 0 && tb > 0 && isfinite(n) && isfinite(ta) &&
           isfinite(tb);
}

size_t st_crossovers(const double *n, const double *ta, const double *tb,
                     const double *p, size_t k, double alpha, st_crossing *out,
                     size_t max)
{
    size_t found = 0, last = 0;
    bool have = false;
    for (size_t i = 0; i < k && found < max; i++) {
        if (!usable(n[i], ta[i], tb[i]))
            continue;
        double g = log(ta[i] / tb[i]);
        if (!(p[i] <= alpha) || g == 0)
            continue; /* no significant difference here */
        double gl = have ? log(ta[last] / tb[last]) : 0;
        if (have && (g > 0) != (gl > 0)) {
            /* The estimate: the first sign change after last, on straight
             * lines in log-log space between the points (the log ratio is
             * linear in log n there, so its zero is exact). */
            size_t prev = last;
            double g0 = gl, at = n[i];
            for (size_t m = last + 1; m <= i; m++) {
                if (!usable(n[m], ta[m], tb[m]))
                    continue;
                double gm = log(ta[m] / tb[m]);
                if (gm == 0) {
                    at = n[m]; /* a measured tie */
                    break;
                }
                if ((gm > 0) != (g0 > 0)) {
                    double l0 = log(n[prev]), l1 = log(n[m]);
                    at = exp(l0 + g0 / (g0 - gm) * (l1 - l0));
                    break;
                }
                prev = m;
                g0 = gm;
            }
            out[found].at = at;
            out[found].lo = n[last];
            out[found].hi = n[i];
            out[found].a_faster_after = g < 0;
            found++;
        }
        last = i;
        have = true;
    }
    return found;
}
