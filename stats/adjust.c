/* Suite-level error control (Holm) and the verdict that
 * combines significance, size and interval of a change. */
#include <math.h>

#include "internal.h"

/* p-values as used: NaN or out of range p counts as 1 (no evidence). */
static double clean_p(double p)
{
    return p >= 0 && p <= 1 ? p : p < 0 ? 0 : 1;
}

/* Sorts ord[m] (indices stored as doubles) by ascending key[ord[i]]; Shell
 * sort because C11 has no qsort with a context pointer. */
static void order_by(const double *key, double *ord, size_t m)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t i = 0; i < m; i++)
        ord[i] = (double)i;
    for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
        /* Ciura's gaps, extended by x2.25 for large m. */
        size_t gap = gaps[g];
        if (g == 0)
            while (gap * 9 / 4 < m)
                gap = gap * 9 / 4;
        for (size_t i = gap; i < m; i++) {
            double t = ord[i];
            size_t j = i;
            for (; j >= gap && key[(size_t)ord[j - gap]] > key[(size_t)t];
                 j -= gap)
                ord[j] = ord[j - gap];
            ord[j] = t;
        }
    }
}

void st_holm(const double *p, size_t m, double *adj, double *scratch)
{
    double *key = scratch, *ord = scratch + m;
    for (size_t i = 0; i < m; i++)
        key[i] = clean_p(p[i]);
    order_by(key, ord, m);
    /* Step-down: the i-th smallest is multiplied by m - i, and an adjusted
     * p-value never drops below an earlier one. */
    double run = 0;
    for (size_t i = 0; i < m; i++) {
        double v = fmin(1, (double)(m - i) * key[(size_t)ord[i]]);
        run = fmax(run, v);
        adj[(size_t)ord[i]] = run;
    }
}

void st_holm_levels(const double *p, size_t m, double alpha, double *level,
                    double *scratch)
{
    double *key = scratch, *ord = scratch + m;
    for (size_t i = 0; i < m; i++)
        key[i] = clean_p(p[i]);
    order_by(key, ord, m);
    size_t stop = 0;
    while (stop < m && key[(size_t)ord[stop]] <= alpha / (double)(m - stop))
        stop++;
    for (size_t i = 0; i < m; i++) {
        size_t k = i < stop ? m - i : m - stop;
        level[(size_t)ord[i]] = 1 - alpha / (double)k;
    }
}

st_verdict st_decide(const st_change *c, double p_adj, double alpha,
                     double threshold)
{
    double ch = c->change, lo = c->ci.lo, hi = c->ci.hi;
    if (isnan(ch) || isnan(lo) || isnan(hi))
        return ST_INCONCLUSIVE;
    if (p_adj <= alpha && fabs(ch) >= threshold) {
        if (ch > 0 && lo > 0)
            return ST_SLOWER;
        if (ch < 0 && hi < 0)
            return ST_FASTER;
    }
    if (lo >= -threshold && hi <= threshold)
        return ST_UNCHANGED;
    return ST_INCONCLUSIVE;
}

const char *st_verdict_name(st_verdict v)
{
    switch (v) {
    case ST_SLOWER:
        return "slower";
    case ST_FASTER:
        return "faster";
    case ST_INCONCLUSIVE:
        return "inconclusive";
    default:
        return "unchanged";
    }
}
