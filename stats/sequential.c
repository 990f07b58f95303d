/* Alpha spending for sequential looks (Lan and DeMets 1983): how much of
 * the error rate may be spent by the time a fraction t of the largest
 * possible amount of data has been seen. */
#include "internal.h"

#include <math.h>

double st_alpha_spent(st_spending kind, double alpha, double t)
{
    if (!(alpha > 0) || !(t > 0))
        return 0;
    if (t >= 1)
        return alpha;
    if (kind == ST_SPEND_OBF) {
        /* O'Brien-Fleming-type: 2 - 2 Phi(z_{1 - alpha/2} / sqrt(t)). */
        double z = stats_norm_ppf(1 - alpha / 2);
        return 2 - 2 * stats_norm_cdf(z / sqrt(t));
    }
    /* Pocock-type: alpha ln(1 + (e - 1) t). */
    return alpha * log(1 + (exp(1.0) - 1) * t);
}

double st_look_alpha(st_spending kind, double alpha, double t_prev,
                     double t_now)
{
    double a = st_alpha_spent(kind, alpha, t_now) -
               st_alpha_spent(kind, alpha, t_prev);
    return a > 0 ? a : 0;
}
