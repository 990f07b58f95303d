/* microbe report: one self-contained HTML page (inline CSS and SVG, no
 * scripts, nothing fetched) about a run and the archive:
 *
 *   - a comparison view, against a baseline (--baseline=NAME) or between
 *     two runs (report OLD NEW): per benchmark both distributions overlaid
 *     on the group's axis, the change with its interval against the
 *     threshold, the verdict; for instructions runs with profiles, a
 *     differential flame graph and the table of the functions that moved;
 *   - the run's sample distributions, one labelled axis per group (log
 *     when the range calls for it), drawn from the samples the statistics
 *     used, the excluded (disturbed) ones apart and marked;
 *   - complexity curves per group with the medians' intervals and the
 *     crossovers marked;
 *   - each benchmark's history over the newest HISTORY_MAX archived runs,
 *     with axes, the interval band and the regressions marked.
 *
 * The archive's runs are read one at a time and only their medians and
 * intervals kept (a 10,000-run archive is not held in memory). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "compare.h"
#include "file.h"
#include "profile.h"
#include "report.h"
#include "run.h"
#include "tool.h"

/* Runs the history shows at most: the newest. */
#define HISTORY_MAX 500

/* Enough to tell variants apart; colour-blind safe (Okabe-Ito). */
static const char *const palette[] = {"#0072b2", "#d55e00", "#009e73",
                                      "#cc79a7", "#e69f00", "#56b4e9",
                                      "#000000", "#f0e442"};
#define NPALETTE  (sizeof palette / sizeof *palette)
#define COLOR_OLD "#0072b2"
#define COLOR_NEW "#d55e00"

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Values are times (ns) or, for --measure=instructions, counts. */
static bool g_counts;

static const char *val(double v, char *buf, size_t len)
{
    if (!g_counts) {
        report_time(v, buf, len);
        return buf;
    }
    static const char *const pre[] = {"", "k", "M", "G", "T"};
    int p = 0;
    while (p < 4 && fabs(v) >= 999.5) {
        v /= 1000;
        p++;
    }
    snprintf(buf, len, "%.3g%s", v, pre[p]);
    return buf;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return sorted[n - 1];
    return sorted[i] + (pos - (double)i) * (sorted[i + 1] - sorted[i]);
}

/* Whether sample i entered r's statistics: disturbed samples are left out
 * while at least 5 clean ones remain (core/analysis.c, summarize_one). */
static bool excluded(const mb_result *r, size_t i)
{
    size_t dist = 0;
    for (size_t k = 0; k < r->n; k++)
        dist += (r->flags[k] & SAMPLE_DISTURBED) != 0;
    return r->n - dist >= 5 && (r->flags[i] & SAMPLE_DISTURBED);
}

/* Per-iteration values of r's samples, used (used = true) or excluded;
 * sorted; malloc'd, *n of them. */
static double *samples(const mb_result *r, bool used, size_t *n)
{
    double *x = malloc((r->n + 1) * sizeof *x);
    *n = 0;
    for (size_t i = 0; x && i < r->n; i++) {
        double v = result_per_iter(r, i);
        if (isfinite(v) && v > 0 && excluded(r, i) != used)
            x[(*n)++] = v;
    }
    if (x)
        qsort(x, *n, sizeof *x, cmp_dbl);
    return x;
}

/* ---- axes ------------------------------------------------------------------
 */

typedef struct axis {
    double lo, hi; /* data range shown */
    bool log;
    double p0, p1; /* pixels */
} axis;

static double ax_px(const axis *a, double v)
{
    double t =
        a->log ? (log(fmax(v, a->lo)) - log(a->lo)) / (log(a->hi) - log(a->lo))
               : (v - a->lo) / (a->hi - a->lo);
    t = fmin(fmax(t, 0), 1);
    return a->p0 + t * (a->p1 - a->p0);
}

/* An axis over [lo, hi] (positive values): log when they span more than
 * a factor of 20, padded a little. */
static void ax_fit(axis *a, double lo, double hi, double p0, double p1,
                   bool may_log)
{
    if (!(hi > lo)) {
        lo = lo > 0 ? lo * 0.9 : lo - 1;
        hi = hi > 0 ? hi * 1.1 : hi + 1;
    }
    a->log = may_log && lo > 0 && hi / lo > 20;
    if (a->log) {
        a->lo = lo / 1.15;
        a->hi = hi * 1.15;
    } else {
        double pad = (hi - lo) * 0.06;
        a->lo = lo - pad > 0 || lo <= 0 ? lo - pad : 0;
        a->hi = hi + pad;
    }
    a->p0 = p0;
    a->p1 = p1;
}

/* Tick values of a: decades (and 2, 5 between when few), or 1-2-5 steps
 * about 60 px apart; up to 16 into t; their number. */
static size_t ax_ticks(const axis *a, double *t)
{
    double span = fabs(a->p1 - a->p0);
    double want = fmax(2, fmin(6, span / 60));
    size_t n = 0;
    if (a->log) {
        int e0 = (int)floor(log10(a->lo)), e1 = (int)ceil(log10(a->hi));
        bool fine = e1 - e0 <= 2 && span >= 120;
        for (int e = e0; e <= e1 && n < 16; e++)
            for (int m = 1; m <= 5 && n < 16;
                 m += fine ? (m == 1 ? 1 : 3) : 9) {
                double v = m * pow(10, e);
                if (v >= a->lo && v <= a->hi)
                    t[n++] = v;
            }
        return n;
    }
    double range = a->hi - a->lo, raw = range / want;
    double mag = pow(10, floor(log10(raw)));
    double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : 5 * mag;
    for (double v = ceil(a->lo / step) * step; v <= a->hi && n < 16; v += step)
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

/* A horizontal axis at y with its ticks, labels and title. */
static void ax_draw_x(FILE *f, const axis *a, double y, double grid_top,
                      const char *title)
{
    double t[16];
    size_t n = ax_ticks(a, t);
    fprintf(f,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
            "class=\"axis\" />",
            a->p0, a->p1, y, y);
    for (size_t i = 0; i < n; i++) {
        char b[32];
        double x = ax_px(a, t[i]);
        fprintf(f,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                "class=\"grid\" /><text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                "text-anchor=\"middle\">%s</text>",
                x, x, grid_top, y + 4, x, y + 15, val(t[i], b, sizeof b));
    }
    if (title) {
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                "text-anchor=\"middle\">",
                (a->p0 + a->p1) / 2, y + 29);
        esc(f, title);
        fputs(a->log ? " (log scale)</text>\n" : "</text>\n", f);
    }
}

/* A vertical axis at x (p0 at the bottom). */
static void ax_draw_y(FILE *f, const axis *a, double x, double x_right)
{
    double t[16];
    size_t n = ax_ticks(a, t);
    fprintf(f,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
            "class=\"axis\" />",
            x, x, a->p0, a->p1);
    for (size_t i = 0; i < n; i++) {
        char b[32];
        double y = ax_px(a, t[i]);
        fprintf(f,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                "class=\"grid\" /><text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                "text-anchor=\"end\">%s</text>",
                x - 3, x_right, y, y, x - 5, y + 4, val(t[i], b, sizeof b));
    }
}

static const char *axis_title(void)
{
    return g_counts ? "instructions per iteration" : "time per iteration";
}

/* ---- blocks: a group, or the ungrouped benchmarks --------------------------
 */

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static const char *short_name(const mb_result *r)
{
    if (r->group) {
        size_t g = strlen(r->group);
        if (strncmp(r->name, r->group, g) == 0 && r->name[g] == '/')
            return r->name + g + 1;
    }
    return r->name;
}

/* The first result of each block, in order: *n of them (malloc'd). */
static size_t *block_heads(const mb_run *run, size_t *n)
{
    size_t *h = malloc((run->nresults + 1) * sizeof *h);
    *n = 0;
    for (size_t i = 0; h && i < run->nresults; i++) {
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = same_str(run->results[h[k]].group, run->results[i].group);
        if (!seen)
            h[(*n)++] = i;
    }
    return h;
}

/* ---- distributions ---------------------------------------------------------
 */

#define DW    900 /* svg width */
#define DL    200 /* label column */
#define DR    110 /* right column: median */
#define DROW  30
#define DLANE 12 /* excluded samples' lane below a row */

static void box_row(FILE *f, const axis *a, const double *x, size_t n,
                    double yc, double h, const char *cls)
{
    double q1 = quantile(x, n, 0.25), q2 = quantile(x, n, 0.5),
           q3 = quantile(x, n, 0.75), iqr = q3 - q1;
    double wl = x[0], wh = x[n - 1];
    for (size_t i = 0; i < n; i++)
        if (x[i] >= q1 - 1.5 * iqr) {
            wl = x[i];
            break;
        }
    for (size_t i = n; i-- > 0;)
        if (x[i] <= q3 + 1.5 * iqr) {
            wh = x[i];
            break;
        }
    fprintf(f,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
            "class=\"whisker %s\" />"
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "class=\"box %s\" />"
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
            "class=\"median\" />",
            ax_px(a, wl), ax_px(a, wh), yc, yc, cls, ax_px(a, q1), yc - h / 2,
            fmax(ax_px(a, q3) - ax_px(a, q1), 1), h, cls, ax_px(a, q2),
            ax_px(a, q2), yc - h / 2 - 2, yc + h / 2 + 2);
    for (size_t i = 0; i < n; i++) {
        /* Jitter from the index: deterministic, no PRNG. */
        double j = ((double)((i * 2654435761u) % 1000) / 1000 - 0.5) * h * 0.8;
        bool out = x[i] < q1 - 1.5 * iqr || x[i] > q3 + 1.5 * iqr;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\" class=\"%s\" />",
                ax_px(a, x[i]), yc + j, out ? "out" : "dot");
    }
}

static void distributions(FILE *f, const mb_run *run)
{
    size_t nh = 0, *heads = block_heads(run, &nh);
    for (size_t b = 0; heads && b < nh; b++) {
        const char *g = run->results[heads[b]].group;
        double lo = INFINITY, hi = 0;
        size_t rows = 0, lanes = 0;
        for (size_t i = 0; i < run->nresults; i++) {
            const mb_result *r = &run->results[i];
            if (!same_str(r->group, g))
                continue;
            rows++;
            bool lane = false;
            for (size_t k = 0; k < r->n; k++) {
                double v = result_per_iter(r, k);
                if (!(isfinite(v) && v > 0))
                    continue;
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                lane |= excluded(r, k);
            }
            lanes += lane;
        }
        if (!rows)
            continue;
        if (!(hi > 0))
            lo = hi = 1;
        axis a;
        ax_fit(&a, lo, hi, DL, DW - DR, true);
        double height = 14 + rows * DROW + lanes * DLANE + 40;
        fputs("<figure class=\"wide\"><figcaption>", f);
        esc(f, g ? g : "benchmarks");
        fprintf(f,
                "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
                "width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
                "role=\"img\" class=\"dist\">\n",
                DW, height, DW, height);
        double y = 14, axis_y = height - 34;
        for (size_t i = 0; i < run->nresults; i++) {
            const mb_result *r = &run->results[i];
            if (!same_str(r->group, g))
                continue;
            size_t nu = 0, ne = 0;
            double *u = samples(r, true, &nu), *x = samples(r, false, &ne);
            double yc = y + DROW / 2.0;
            fprintf(f, "<text x=\"4\" y=\"%.1f\" class=\"label\">", yc + 4);
            esc(f, short_name(r));
            fputs("</text>", f);
            if (r->error || !nu) {
                fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"warn\">%s</text>",
                        DL, yc + 4, r->error ? "failed" : "no samples");
            } else {
                char b1[32], b2[32], b3[32];
                fprintf(f, "<g><title>");
                esc(f, r->name);
                fprintf(f,
                        ": %zu samples used, median %s, IQR %s to %s; the "
                        "statistics' median %s</title>",
                        nu, val(quantile(u, nu, 0.5), b1, sizeof b1),
                        val(quantile(u, nu, 0.25), b2, sizeof b2),
                        val(quantile(u, nu, 0.75), b3, sizeof b3),
                        val(r->time.median, b1, sizeof b1));
                box_row(f, &a, u, nu, yc, 16, "");
                fputs("</g>", f);
                fprintf(f,
                        "<text x=\"%d\" y=\"%.1f\" class=\"num\" "
                        "text-anchor=\"end\">%s</text>",
                        DW - 4, yc + 4, val(r->time.median, b1, sizeof b1));
            }
            y += DROW;
            if (ne) {
                fprintf(f,
                        "<g class=\"excl\"><title>%zu disturbed sample%s "
                        "left out of the statistics</title>",
                        ne, ne == 1 ? "" : "s");
                for (size_t k = 0; k < ne; k++)
                    fprintf(f,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" "
                            "class=\"xdot\" />",
                            ax_px(&a, x[k]), y + DLANE / 2.0 - 2);
                fprintf(f,
                        "<text x=\"%d\" y=\"%.1f\" class=\"xlabel\">%zu "
                        "excluded (disturbed)</text></g>",
                        DL - 6, y + DLANE / 2.0 + 1, ne);
                y += DLANE;
            }
            free(u);
            free(x);
        }
        ax_draw_x(f, &a, axis_y, 8, axis_title());
        fputs("</svg></figure>\n", f);
    }
    free(heads);
}

/* ---- complexity ------------------------------------------------------------
 */

#define CX_W 560
#define CX_H 340
#define CX_L 70
#define CX_B 44

static void complexity_plot(FILE *f, const mb_run *run, const char *group,
                            const crossover *xs, size_t nx)
{
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
    size_t points = 0;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (!same_str(r->group, group) || !r->has_arg || r->arg <= 0 ||
            !(r->time.median > 0))
            continue;
        xlo = fmin(xlo, (double)r->arg);
        xhi = fmax(xhi, (double)r->arg);
        double lo =
            r->time.median_ci.lo > 0 ? r->time.median_ci.lo : r->time.median;
        ylo = fmin(ylo, lo);
        yhi = fmax(yhi, fmax(r->time.median_ci.hi, r->time.median));
        points++;
    }
    if (points < 2 || xlo == xhi)
        return;
    axis ax, ay;
    ax_fit(&ax, xlo, xhi, CX_L, CX_W - 12, false);
    ax.log = true;
    ax.lo = xlo / 1.3;
    ax.hi = xhi * 1.3;
    ax_fit(&ay, ylo, yhi, CX_H - CX_B, 12, false);
    ay.log = true;
    ay.lo = ylo / 1.3;
    ay.hi = yhi * 1.3;
    fputs("<figure><figcaption>", f);
    esc(f, group ? group : "benchmarks");
    fprintf(f,
            "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "class=\"cx\">\n",
            CX_W, CX_H, CX_W, CX_H);
    ax_draw_y(f, &ay, CX_L, CX_W - 12);
    {
        /* The x axis labels plain numbers (arguments), not times. */
        bool counts = g_counts;
        g_counts = true;
        ax_draw_x(f, &ax, CX_H - CX_B, 12, "argument n");
        g_counts = counts;
    }
    fprintf(f,
            "<text x=\"12\" y=\"%.1f\" class=\"tick\" transform=\"rotate(-90 "
            "12 %.1f)\" text-anchor=\"middle\">",
            (CX_H - CX_B + 12) / 2.0, (CX_H - CX_B + 12) / 2.0);
    esc(f, axis_title());
    fputs(" (log)</text>\n", f);
    size_t k = 0;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *fam = &run->results[i];
        if (!same_str(fam->group, group) || !fam->has_arg)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(run->results[j].family, fam->family) == 0;
        if (seen)
            continue;
        const char *col = palette[k++ % NPALETTE];
        fprintf(f,
                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                "points=\"",
                col);
        for (size_t j = i; j < run->nresults; j++) {
            const mb_result *r = &run->results[j];
            if (strcmp(r->family, fam->family) == 0 && r->has_arg &&
                r->arg > 0 && r->time.median > 0)
                fprintf(f, "%.1f,%.1f ", ax_px(&ax, (double)r->arg),
                        ax_px(&ay, r->time.median));
        }
        fputs("\" />\n", f);
        for (size_t j = i; j < run->nresults; j++) {
            const mb_result *r = &run->results[j];
            if (strcmp(r->family, fam->family) != 0 || !r->has_arg ||
                r->arg <= 0 || !(r->time.median > 0))
                continue;
            double px = ax_px(&ax, (double)r->arg);
            char b[32], b1[32], b2[32];
            /* The median's interval as an error bar. */
            if (r->time.median_ci.lo > 0 && r->time.median_ci.hi > 0)
                fprintf(f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\" stroke-width=\"1.5\" />"
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\" /><line x1=\"%.1f\" x2=\"%.1f\" "
                        "y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" />",
                        px, px, ax_px(&ay, r->time.median_ci.lo),
                        ax_px(&ay, r->time.median_ci.hi), col, px - 4, px + 4,
                        ax_px(&ay, r->time.median_ci.lo),
                        ax_px(&ay, r->time.median_ci.lo), col, px - 4, px + 4,
                        ax_px(&ay, r->time.median_ci.hi),
                        ax_px(&ay, r->time.median_ci.hi), col);
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
                    "fill=\"%s\"><title>",
                    px, ax_px(&ay, r->time.median), col);
            esc(f, r->name);
            fprintf(f, ": %s [%s, %s]</title></circle>",
                    val(r->time.median, b, sizeof b),
                    val(r->time.median_ci.lo, b1, sizeof b1),
                    val(r->time.median_ci.hi, b2, sizeof b2));
        }
        if (fam->complexity[0] && fam->fit.coef > 0) {
            fprintf(f,
                    "\n<polyline fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"1\" stroke-dasharray=\"4 3\" points=\"",
                    col);
            for (int s = 0; s <= 40; s++) {
                double n = ax.lo * pow(ax.hi / ax.lo, s / 40.0);
                double t = fam->fit.intercept +
                           fam->fit.coef * st_big_o_eval(fam->fit.big_o, n);
                if (t >= ay.lo && t <= ay.hi)
                    fprintf(f, "%.1f,%.1f ", ax_px(&ax, n), ax_px(&ay, t));
            }
            fputs("\" />", f);
        }
        fputs("\n", f);
    }
    for (size_t i = 0; i < nx; i++) {
        if (!same_str(xs[i].group, group) || !(xs[i].at >= ax.lo) ||
            !(xs[i].at <= ax.hi))
            continue;
        double px = ax_px(&ax, xs[i].at);
        fprintf(f,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"12\" y2=\"%d\" "
                "class=\"cross\" /><text x=\"%.1f\" y=\"%d\" "
                "class=\"crosslabel\"><title>",
                px, px, CX_H - CX_B, px + 3, 24 + (int)(i % 3) * 12);
        esc(f, xs[i].faster);
        fputs(" is faster than ", f);
        esc(f, xs[i].slower);
        fprintf(f, " from n ≈ %.0f</title>crossover n≈%.0f</text>\n", xs[i].at,
                xs[i].at);
    }
    fputs("</svg><ul class=\"legend\">", f);
    k = 0;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *fam = &run->results[i];
        bool seen = !same_str(fam->group, group) || !fam->has_arg;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(run->results[j].family, fam->family) == 0;
        if (seen)
            continue;
        fprintf(f, "<li><span class=\"swatch\" style=\"background:%s\"></span>",
                palette[k++ % NPALETTE]);
        esc(f, fam->group && fam->bench ? fam->bench : fam->family);
        if (fam->complexity[0]) {
            fputs(" &mdash; ", f);
            esc(f, fam->complexity);
            fputs(" (dashed)", f);
        }
        fputs("</li>", f);
    }
    for (size_t i = 0; i < nx; i++)
        if (same_str(xs[i].group, group)) {
            fputs("<li>crossover: ", f);
            esc(f, xs[i].faster);
            fputs(" is faster than ", f);
            esc(f, xs[i].slower);
            fprintf(f, " from n ≈ %.0f (dotted)</li>", xs[i].at);
        }
    fputs("</ul></figure>\n", f);
}

/* ---- history: the archive's runs, one at a time ---------------------------
 */

typedef struct hpoint {
    uint32_t run; /* index into hist.runs */
    float med, lo, hi;
} hpoint;

typedef struct hseries {
    char *name;
    hpoint *pts;
    size_t n, cap;
} hseries;

typedef struct hist {
    char **ids, **dates; /* per run */
    size_t nruns;
    hseries *s;
    size_t ns, caps;
    run_index index; /* name -> position in s */
} hist;

static const char *series_name(const void *base, size_t i)
{
    return ((const hseries *)base)[i].name;
}

static hseries *hist_series(hist *h, const char *name)
{
    size_t i = run_index_find(&h->index, h->s, h->ns, series_name, name);
    if (i != SIZE_MAX)
        return &h->s[i];
    if (h->ns == h->caps) {
        size_t cap = h->caps ? 2 * h->caps : 64;
        hseries *g = realloc(h->s, cap * sizeof *g);
        if (!g)
            return NULL;
        h->s = g;
        h->caps = cap;
    }
    hseries *s = &h->s[h->ns];
    memset(s, 0, sizeof *s);
    if (!(s->name = strdup(name)))
        return NULL;
    h->ns++;
    return s;
}

/* Keeps run's medians and intervals as run number h->nruns. */
static bool hist_add(hist *h, const mb_run *run, const char *id,
                     const char *date)
{
    char **ids = realloc(h->ids, (h->nruns + 1) * sizeof *ids);
    if (!ids)
        return false;
    h->ids = ids;
    char **dates = realloc(h->dates, (h->nruns + 1) * sizeof *dates);
    if (!dates)
        return false;
    h->dates = dates;
    h->ids[h->nruns] = strdup(id);
    h->dates[h->nruns] = strdup(date);
    uint32_t k = (uint32_t)h->nruns++;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (!(r->time.median > 0))
            continue;
        hseries *s = hist_series(h, r->name);
        if (!s)
            return false;
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            hpoint *g = realloc(s->pts, cap * sizeof *g);
            if (!g)
                return false;
            s->pts = g;
            s->cap = cap;
        }
        s->pts[s->n++] =
            (hpoint){k, (float)r->time.median, (float)r->time.median_ci.lo,
                     (float)r->time.median_ci.hi};
    }
    return true;
}

static void hist_free(hist *h)
{
    for (size_t i = 0; i < h->nruns; i++) {
        free(h->ids[i]);
        free(h->dates[i]);
    }
    free(h->ids);
    free(h->dates);
    for (size_t i = 0; i < h->ns; i++) {
        free(h->s[i].name);
        free(h->s[i].pts);
    }
    free(h->s);
    run_index_free(&h->index);
}

#define HI_W 620
#define HI_H 110
#define HI_L 70

/* A point is marked a regression when its interval lies wholly above the
 * one before and its median is more than the threshold higher. */
static bool regression(const hpoint *a, const hpoint *b, double threshold)
{
    return a->hi > 0 && b->lo > a->hi && b->med > a->med * (1 + threshold);
}

static void history_row(FILE *f, const hist *h, const hseries *s,
                        double threshold)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < s->n; i++) {
        lo = fmin(lo, s->pts[i].lo > 0 ? s->pts[i].lo : s->pts[i].med);
        hi = fmax(hi, fmax(s->pts[i].hi, s->pts[i].med));
    }
    fputs("<tr><td class=\"name\">", f);
    esc(f, s->name);
    fputs("</td><td>", f);
    axis ay, ax;
    ax_fit(&ay, lo, hi, HI_H - 30, 8, true);
    ax.log = false;
    ax.lo = 0;
    ax.hi = h->nruns > 1 ? (double)(h->nruns - 1) : 1;
    ax.p0 = HI_L + 6;
    ax.p1 = HI_W - 10;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "class=\"hist\">",
            HI_W, HI_H, HI_W, HI_H);
    ax_draw_y(f, &ay, HI_L, HI_W - 10);
    /* The runs' interval band, then the medians. */
    fputs("<polygon class=\"band\" points=\"", f);
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "%.1f,%.1f ", ax_px(&ax, s->pts[i].run),
                ax_px(&ay, s->pts[i].hi > 0 ? s->pts[i].hi : s->pts[i].med));
    for (size_t i = s->n; i-- > 0;)
        fprintf(f, "%.1f,%.1f ", ax_px(&ax, s->pts[i].run),
                ax_px(&ay, s->pts[i].lo > 0 ? s->pts[i].lo : s->pts[i].med));
    fputs("\" /><polyline class=\"hline\" points=\"", f);
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "%.1f,%.1f ", ax_px(&ax, s->pts[i].run),
                ax_px(&ay, s->pts[i].med));
    fputs("\" />", f);
    size_t nreg = 0;
    bool dots = s->n <= 60;
    for (size_t i = 0; i < s->n; i++) {
        bool reg = i > 0 && regression(&s->pts[i - 1], &s->pts[i], threshold);
        if (!reg && !dots)
            continue;
        char b[32], b1[32], b2[32];
        double x = ax_px(&ax, s->pts[i].run), y = ax_px(&ay, s->pts[i].med);
        if (reg) {
            nreg++;
            fprintf(f,
                    "<path d=\"M%.1f %.1f l5 9 h-10 z\" class=\"reg\">"
                    "<title>regression: ",
                    x, y - 12);
        } else {
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" "
                    "class=\"hpt\"><title>",
                    x, y);
        }
        esc(f, h->ids[s->pts[i].run]);
        fputs(" (", f);
        esc(f, h->dates[s->pts[i].run]);
        fprintf(f, "): %s [%s, %s]</title>%s", val(s->pts[i].med, b, sizeof b),
                val(s->pts[i].lo, b1, sizeof b1),
                val(s->pts[i].hi, b2, sizeof b2),
                reg ? "</path>" : "</circle>");
    }
    /* The x axis: first and last run by date. */
    fprintf(f,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"axis\" "
            "/><text x=\"%.1f\" y=\"%d\" class=\"tick\">",
            ax.p0, ax.p1, HI_H - 30, HI_H - 30, ax.p0, HI_H - 16);
    esc(f, h->nruns ? h->dates[0] : "");
    fprintf(f,
            "</text><text x=\"%.1f\" y=\"%d\" class=\"tick\" "
            "text-anchor=\"end\">",
            ax.p1, HI_H - 16);
    esc(f, h->nruns ? h->dates[h->nruns - 1] : "");
    fprintf(f,
            "</text><text x=\"%.1f\" y=\"%d\" class=\"tick\" "
            "text-anchor=\"middle\">run (oldest to newest, %zu)</text>",
            (ax.p0 + ax.p1) / 2, HI_H - 4, h->nruns);
    char b1[32];
    fprintf(
        f,
        "</svg></td><td class=\"num\">%s<br><span class=\"dim\">%zu "
        "run%s%s</span></td></tr>\n",
        val(s->pts[s->n - 1].med, b1, sizeof b1), s->n, s->n == 1 ? "" : "s",
        nreg ? (nreg == 1 ? ", 1 regression" : ", regressions marked") : "");
}

/* ---- the comparison view ---------------------------------------------------
 */

#define CW   900
#define CLB  200 /* labels */
#define CD1  540 /* distributions end */
#define CC0  560 /* change plot */
#define CC1  735
#define CROW 40

/* A Gaussian kernel density of sorted x on axis a (in the axis' scale),
 * as a closed path on the baseline y0, height h at its peak. */
static void density(FILE *f, const axis *a, const double *x, size_t n,
                    double y0, double h, const char *cls)
{
    if (n < 3) {
        for (size_t i = 0; i < n; i++)
            fprintf(f,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                    "class=\"%s\" stroke-width=\"2\" />",
                    ax_px(a, x[i]), ax_px(a, x[i]), y0, y0 - h, cls);
        return;
    }
    double *t = malloc(n * sizeof *t);
    if (!t)
        return;
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++) {
        t[i] = a->log ? log(x[i]) : x[i];
        mean += t[i];
    }
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (t[i] - mean) * (t[i] - mean);
    double sd = sqrt(var / (double)(n - 1));
    double iqr = (a->log ? log(quantile(x, n, 0.75)) - log(quantile(x, n, 0.25))
                         : quantile(x, n, 0.75) - quantile(x, n, 0.25)) /
                 1.34;
    double s = fmin(sd, iqr > 0 ? iqr : sd);
    double bw = 0.9 * (s > 0 ? s : fabs(mean) * 1e-3 + 1e-12) *
                pow((double)n, -0.2); /* Silverman */
    enum { NP = 80 };
    double d[NP + 1], peak = 0;
    double t0 = a->log ? log(a->lo) : a->lo, t1 = a->log ? log(a->hi) : a->hi;
    for (int k = 0; k <= NP; k++) {
        double u = t0 + (t1 - t0) * k / NP, sum = 0;
        for (size_t i = 0; i < n; i++) {
            double z = (u - t[i]) / bw;
            if (fabs(z) < 6)
                sum += exp(-0.5 * z * z);
        }
        d[k] = sum;
        peak = fmax(peak, sum);
    }
    fprintf(f, "<path class=\"%s\" d=\"M%.1f %.1f", cls, a->p0, y0);
    for (int k = 0; k <= NP; k++)
        fprintf(f, " L%.1f %.1f", a->p0 + (a->p1 - a->p0) * k / NP,
                y0 - (peak > 0 ? d[k] / peak : 0) * h);
    fprintf(f, " L%.1f %.1f Z\" />", a->p1, y0);
    free(t);
}

static const char *verdict_class(cmp_verdict v)
{
    return v == CMP_SLOWER ? "slower" : v == CMP_FASTER ? "faster" : "same";
}

/* The change axis shared by all rows: covers every interval and the
 * threshold, in percent. */
static void change_axis(const cmp_result *c, axis *a)
{
    /* Wide enough for every change and twice the threshold; an interval
     * reaching further is drawn to the edge (clipped). */
    double m = 2 * c->threshold;
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        if (r->old && r->now && r->verdict != CMP_FAILED &&
            r->verdict != CMP_SKIPPED && isfinite(r->change.change))
            m = fmax(m, 1.25 * fabs(r->change.change));
    }
    a->log = false;
    a->lo = -m;
    a->hi = m;
    a->p0 = CC0;
    a->p1 = CC1;
}

static void compare_group(FILE *f, const cmp_result *c, const char *group,
                          const axis *ca)
{
    size_t rows = 0;
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        const mb_result *any = r->now ? r->now : r->old;
        if (!same_str(any->group, group))
            continue;
        rows++;
        for (int side = 0; side < 2; side++) {
            const mb_result *x = side ? r->now : r->old;
            for (size_t k = 0; x && k < x->n; k++) {
                double v = result_per_iter(x, k);
                if (isfinite(v) && v > 0 && !excluded(x, k)) {
                    lo = fmin(lo, v);
                    hi = fmax(hi, v);
                }
            }
        }
    }
    if (!rows)
        return;
    if (!(hi > 0))
        lo = hi = 1;
    axis a;
    ax_fit(&a, lo, hi, CLB, CD1, true);
    double height = 16 + rows * CROW + 44;
    fputs("<figure class=\"wide\"><figcaption>", f);
    esc(f, group ? group : "benchmarks");
    fprintf(f,
            "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
            "role=\"img\" class=\"cmp\">\n",
            CW, height, CW, height);
    /* The threshold band and zero of the change plot. */
    fprintf(f,
            "<rect x=\"%.1f\" y=\"12\" width=\"%.1f\" height=\"%.0f\" "
            "class=\"thr\" /><line x1=\"%.1f\" x2=\"%.1f\" y1=\"12\" "
            "y2=\"%.0f\" class=\"zero\" />",
            ax_px(ca, -c->threshold),
            ax_px(ca, c->threshold) - ax_px(ca, -c->threshold),
            rows * (double)CROW + 4, ax_px(ca, 0), ax_px(ca, 0),
            16 + rows * (double)CROW);
    double y = 16;
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        const mb_result *any = r->now ? r->now : r->old;
        if (!same_str(any->group, group))
            continue;
        double base = y + CROW - 6;
        fprintf(f, "<text x=\"4\" y=\"%.1f\" class=\"label\">", y + CROW / 2.0);
        esc(f, short_name(any));
        fputs("</text>", f);
        for (int side = 0; side < 2; side++) {
            const mb_result *x = side ? r->now : r->old;
            if (!x || x->error)
                continue;
            size_t n = 0;
            double *v = samples(x, true, &n);
            if (v && n)
                density(f, &a, v, n, base, CROW - 10, side ? "dnew" : "dold");
            if (x->time.median > 0)
                fprintf(f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                        "y2=\"%.1f\" class=\"%s\" />",
                        ax_px(&a, x->time.median), ax_px(&a, x->time.median),
                        base, base - (CROW - 8), side ? "mnew" : "mold");
            free(v);
        }
        const char *cls = verdict_class(r->verdict);
        if (r->old && r->now && r->verdict != CMP_FAILED &&
            r->verdict != CMP_SKIPPED && isfinite(r->change.change)) {
            double yc = y + CROW / 2.0;
            fprintf(f,
                    "<g><title>%+.2f%% [%+.2f%%, %+.2f%%]: %s</title>"
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                    "class=\"ci %s\" /><circle cx=\"%.1f\" cy=\"%.1f\" "
                    "r=\"4\" class=\"pt %s\" /></g>",
                    100 * r->change.change, 100 * r->change.ci.lo,
                    100 * r->change.ci.hi, cmp_verdict_name(r->verdict),
                    ax_px(ca, r->change.ci.lo), ax_px(ca, r->change.ci.hi), yc,
                    yc, cls, ax_px(ca, r->change.change), yc, cls);
            fprintf(f,
                    "<text x=\"%d\" y=\"%.1f\" class=\"vtext %s\" "
                    "text-anchor=\"end\">%+.1f%% %s</text>",
                    CW - 4, yc + 4, cls, 100 * r->change.change,
                    cmp_verdict_name(r->verdict));
        } else {
            fprintf(f,
                    "<text x=\"%d\" y=\"%.1f\" class=\"vtext\" "
                    "text-anchor=\"end\">%s</text>",
                    CW - 4, y + CROW / 2.0 + 4, cmp_verdict_name(r->verdict));
        }
        y += CROW;
    }
    ax_draw_x(f, &a, y + 6, 12, axis_title());
    /* The change axis, in percent. */
    double t[16];
    axis pa = *ca;
    size_t nt = ax_ticks(&pa, t);
    fprintf(f,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\" "
            "/>",
            CC0, CC1, y + 6, y + 6);
    for (size_t k = 0; k < nt; k++)
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                "text-anchor=\"middle\">%+.0f%%</text>",
                ax_px(ca, t[k]), y + 21, 100 * t[k]);
    fprintf(f,
            "<text x=\"%d\" y=\"%.1f\" class=\"tick\" "
            "text-anchor=\"middle\">change, %g%% interval; shaded: "
            "&#177;%g%% threshold</text>\n",
            (CC0 + CC1) / 2, y + 35, 100 * (1 - c->alpha), 100 * c->threshold);
    fputs("</svg></figure>\n", f);
}

/* ---- the differential flame graph ------------------------------------------
 */

#define FW        900
#define FROW      18
#define FMAXDEPTH 16

/* Cost of the call from->to in p, 0 when there is none. */
static double call_ir(const mb_profile *p, size_t from, size_t to)
{
    for (size_t i = 0; i < p->ncalls; i++)
        if (p->calls[i].from == from && p->calls[i].to == to)
            return p->calls[i].ir;
    return 0;
}

/* The index in p of f's function (profile_match), or -1. */
static long fn_index(const mb_profile *p, const mb_fn_cost *f)
{
    const mb_fn_cost *g = profile_match(p, f);
    return g ? (long)(g - p->fns) : -1;
}

/* A colour for a relative change: red slower, blue faster, grey none. */
static void change_color(double now, double old, char *buf, size_t len)
{
    if (!(old > 0)) {
        snprintf(buf, len, "#d62728"); /* new */
        return;
    }
    double r = now / old - 1;
    double t = fmin(fabs(r) / 0.25, 1); /* full colour at 25% */
    if (fabs(r) < 1e-9)
        snprintf(buf, len, "#d9d9d9");
    else if (r > 0)
        snprintf(buf, len, "#%02x%02x%02x", 0xf2, (int)(0xd9 - t * 0xa0),
                 (int)(0xd9 - t * 0xb0));
    else
        snprintf(buf, len, "#%02x%02x%02x", (int)(0xd9 - t * 0xb0),
                 (int)(0xd9 - t * 0x70), 0xf2);
}

typedef struct flame {
    FILE *f;
    const mb_profile *now, *old;
    double scale; /* px per instruction */
    size_t path[FMAXDEPTH];
    int depth_max;
} flame;

static void flame_node(flame *fl, size_t i, double cost, double old_cost,
                       double x, int depth)
{
    double w = cost * fl->scale;
    if (w < 0.5 || depth >= FMAXDEPTH)
        return;
    const mb_fn_cost *fn = &fl->now->fns[i];
    fl->path[depth] = i;
    if (depth > fl->depth_max)
        fl->depth_max = depth;
    char col[16], b1[48], b2[48];
    change_color(cost, old_cost, col, sizeof col);
    double y = -(depth + 1) * FROW; /* upward from the bottom edge */
    fprintf(fl->f, "<g><title>%s", "");
    esc(fl->f, fn->name);
    if (fn->file[0]) {
        const char *base = strrchr(fn->file, '/');
        fputs(" (", fl->f);
        esc(fl->f, base ? base + 1 : fn->file);
        fprintf(fl->f, ":%u)", fn->line);
    }
    pf_count(cost, false, b1, sizeof b1);
    pf_count(old_cost, false, b2, sizeof b2);
    if (old_cost > 0)
        fprintf(fl->f, ": %s Ir/iter here, base %s (%+.1f%%)", b1, b2,
                100 * (cost / old_cost - 1));
    else
        fprintf(fl->f, ": %s Ir/iter here, not in the base", b1);
    fprintf(fl->f,
            "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%d\" fill=\"%s\" class=\"fl\" />",
            x, y, w, FROW - 1, col);
    if (w > 36) {
        int chars = (int)(w / 6.5);
        fprintf(fl->f,
                "<text x=\"%.1f\" y=\"%.1f\" class=\"fltext\">%.*s</text>",
                x + 3, y + FROW - 5, chars, fn->name);
    }
    fputs("</g>\n", fl->f);
    /* Callees: their share of i's inclusive cost, split in proportion
     * where i is reached by several paths (a call graph, not stacks). */
    double incl = fn->incl[0] > 0 ? fn->incl[0] : cost;
    long oi = fn_index(fl->old, fn);
    double oincl = oi >= 0 ? fl->old->fns[oi].incl[0] : 0;
    double cx = x;
    for (size_t k = 0; k < fl->now->ncalls; k++) {
        const mb_fn_call *c = &fl->now->calls[k];
        if (c->from != i)
            continue;
        bool cycle = false;
        for (int d = 0; d <= depth && !cycle; d++)
            cycle = fl->path[d] == c->to;
        if (cycle)
            continue;
        double ccost = c->ir * cost / incl;
        double cold = 0;
        long oj = fn_index(fl->old, &fl->now->fns[c->to]);
        if (oi >= 0 && oj >= 0 && oincl > 0)
            cold = call_ir(fl->old, (size_t)oi, (size_t)oj) * old_cost / oincl;
        flame_node(fl, c->to, ccost, cold, cx, depth + 1);
        cx += ccost * fl->scale;
    }
}

static void flame_graph(FILE *f, const mb_profile *old, const mb_profile *now)
{
    /* Roots: kept functions no kept function calls. */
    double total = 0, old_total = 0;
    bool *root = calloc(now->n + 1, sizeof *root);
    if (!root)
        return;
    for (size_t i = 0; i < now->n; i++)
        root[i] = true;
    for (size_t k = 0; k < now->ncalls; k++)
        if (now->calls[k].from != now->calls[k].to)
            root[now->calls[k].to] = false;
    for (size_t i = 0; i < now->n; i++)
        if (root[i])
            total += now->fns[i].incl[0];
    if (!(total > 0)) {
        free(root);
        return;
    }
    /* Drawn into memory first: the height is known once the deepest
     * path is. Callers at the bottom, callees above, as flame graphs
     * are. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        free(root);
        return;
    }
    flame fl = {.f = m, .now = now, .old = old, .scale = FW / total};
    double x = 0;
    for (size_t i = 0; i < now->n; i++) {
        if (!root[i])
            continue;
        long oi = fn_index(old, &now->fns[i]);
        double oc = oi >= 0 ? old->fns[oi].incl[0] : 0;
        old_total += oc;
        flame_node(&fl, i, now->fns[i].incl[0], oc, x, 0);
        x += now->fns[i].incl[0] * fl.scale;
    }
    fclose(m);
    int h = (fl.depth_max + 1) * FROW;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "class=\"flame\"><g transform=\"translate(0 %d)\">\n",
            FW, h, FW, h, h);
    if (buf)
        fwrite(buf, 1, len, f);
    free(buf);
    fputs("</g>", f);
    fputs("</svg>\n", f);
    (void)old_total;
    free(root);
}

static void function_table(FILE *f, const pf_diff *d)
{
    static const char *const st[] = {"", "new", "gone"};
    fprintf(f, "<table class=\"fns\"><tr><th>function</th><th>where</th>"
               "<th>self base</th><th>self now</th><th>change</th>"
               "<th>inclusive base</th><th>inclusive now</th></tr>\n");
    for (size_t i = 0; i < d->n && i < 20; i++) {
        const pf_change *c = &d->fns[i];
        char a[48], b[48], ch[48], ia[48], ib[48];
        pf_count(c->self_old, false, a, sizeof a);
        pf_count(c->self_new, false, b, sizeof b);
        pf_count(c->self_new - c->self_old, true, ch, sizeof ch);
        pf_count(c->incl_old, false, ia, sizeof ia);
        pf_count(c->incl_new, false, ib, sizeof ib);
        fputs("<tr><td class=\"name\">", f);
        esc(f, c->name);
        if (c->status != PF_CHANGED)
            fprintf(f, " <span class=\"dim\">(%s)</span>", st[c->status]);
        fputs("</td><td class=\"name\">", f);
        if (c->file && c->file[0]) {
            const char *base = strrchr(c->file, '/');
            esc(f, base ? base + 1 : c->file);
            if (c->line)
                fprintf(f, ":%u", c->line);
        }
        fprintf(f,
                "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                "<td class=\"num %s\">%s</td><td class=\"num\">%s</td>"
                "<td class=\"num\">%s</td></tr>\n",
                a, b, c->self_new > c->self_old ? "slower" : "faster", ch, ia,
                ib);
    }
    fputs("</table>\n", f);
}

static void attribution(FILE *f, const cmp_result *c)
{
    bool any = false;
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        if (!r->why || !r->old || !r->now || !r->old->profile ||
            !r->now->profile ||
            (r->verdict != CMP_SLOWER && r->verdict != CMP_FASTER))
            continue;
        if (!any)
            fputs("<h2>Why: the functions whose cost moved</h2>\n<p "
                  "class=\"dim\">Per attributed benchmark, a differential "
                  "flame graph of the measured work under callgrind: "
                  "width by the new cost (instructions per iteration), "
                  "colour by the change against the base (red: more, "
                  "blue: less, grey: unchanged, dark red: new); callees "
                  "sit above their callers, split in proportion where a "
                  "function is reached from several places. Then the "
                  "functions whose own cost moved, largest change "
                  "first.</p>\n",
                  f);
        any = true;
        char text[2048];
        pf_why_text(r->why, PF_MAX_LISTED, text, sizeof text);
        fputs("<h3 class=\"name\">", f);
        esc(f, r->name);
        fprintf(f, " <span class=\"%s\">%+.1f%% %s</span></h3>\n<p>",
                verdict_class(r->verdict), 100 * r->change.change,
                cmp_verdict_name(r->verdict));
        esc(f, text[0] ? text : "no function's cost moved");
        fputs("</p>\n", f);
        flame_graph(f, r->old->profile, r->now->profile);
        function_table(f, r->why);
    }
}

static void comparison(FILE *f, const cmp_result *c, const mb_run *now)
{
    fputs("<h2>Comparison</h2>\n<p>Against ", f);
    esc(f, c->old_label ? c->old_label : "the base");
    fprintf(f, ": <b>%zu slower, %zu faster, %zu unchanged</b>",
            c->count[CMP_SLOWER], c->count[CMP_FASTER],
            c->count[CMP_UNCHANGED]);
    if (c->count[CMP_INCONCLUSIVE])
        fprintf(f, ", %zu inconclusive", c->count[CMP_INCONCLUSIVE]);
    if (c->count[CMP_NEW])
        fprintf(f, ", %zu new", c->count[CMP_NEW]);
    if (c->count[CMP_GONE])
        fprintf(f, ", %zu gone", c->count[CMP_GONE]);
    fputs(". ", f);
    if (g_counts)
        fprintf(f, "Exact counts (callgrind), threshold %g%%.</p>\n",
                100 * c->threshold);
    else
        fprintf(f, "alpha %g (%s, %zu compared), threshold %g%%.</p>\n",
                c->alpha, c->correction ? c->correction : "Holm", c->compared,
                100 * c->threshold);
    for (size_t i = 0; i < c->nnotes; i++) {
        fputs("<p class=\"warn\">note: ", f);
        esc(f, c->notes[i]);
        fputs("</p>\n", f);
    }
    fprintf(f,
            "<p class=\"dim\">Left: the distributions of the samples the "
            "statistics used, <span style=\"color:%s\">base</span> and "
            "<span style=\"color:%s\">now</span> overlaid (kernel density, "
            "medians as lines), on one axis per group. Right: the change "
            "with its interval, the verdict.</p>\n",
            COLOR_OLD, COLOR_NEW);
    axis ca;
    change_axis(c, &ca);
    size_t nh = 0, *heads = block_heads(now, &nh);
    for (size_t b = 0; heads && b < nh; b++)
        compare_group(f, c, now->results[heads[b]].group, &ca);
    free(heads);
    /* Gone benchmarks have no row in now's blocks. */
    if (c->count[CMP_GONE]) {
        fputs("<p>gone:", f);
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].verdict == CMP_GONE) {
                fputs(" <span class=\"name\">", f);
                esc(f, c->rows[i].name);
                fputs("</span>", f);
            }
        fputs("</p>\n", f);
    }
    attribution(f, c);
}

/* ---- the page
 * ------------------------------------------------------------------ */

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;"
    "max-width:1000px}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px}"
    "table{border-collapse:collapse}td,th{padding:2px 8px;vertical-align:"
    "middle}tr:nth-child(even){background:#f6f6f6}th{text-align:left}"
    ".name{font-family:ui-monospace,monospace;white-space:nowrap}"
    ".num{text-align:right;font-family:ui-monospace,monospace;white-space:"
    "nowrap}.dim{color:#777;font-size:12px}"
    "svg text{font-family:system-ui,sans-serif}"
    ".label{font:12px ui-monospace,monospace;fill:#222}"
    "svg .num{font:12px ui-monospace,monospace;fill:#222}"
    ".box{fill:#cfe3f3;stroke:#0072b2}.median{stroke:#d55e00;stroke-width:2}"
    ".whisker{stroke:#0072b2}.dot{fill:#333;opacity:.55}.out{fill:#d55e00}"
    ".xdot{fill:none;stroke:#b00;stroke-width:1}"
    ".xlabel{font-size:10px;fill:#b00;text-anchor:end}"
    ".grid{stroke:#e4e4e4}.axis{stroke:#666}"
    ".tick{font-size:11px;fill:#555}"
    "figure{display:inline-block;margin:0 24px 24px 0;vertical-align:top}"
    "figure.wide{display:block}figcaption{font-weight:600}"
    ".legend{list-style:none;padding:0;margin:4px 0}"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;"
    "vertical-align:-1px}"
    ".cross{stroke:#555;stroke-dasharray:1 3;stroke-width:1.5}"
    ".crosslabel{font-size:10px;fill:#333}"
    ".band{fill:#0072b2;opacity:.18;stroke:none}"
    ".hline{fill:none;stroke:#0072b2;stroke-width:1.5}.hpt{fill:#0072b2}"
    ".reg{fill:#c00}"
    ".dold{fill:#0072b2;opacity:.35;stroke:#0072b2}"
    ".dnew{fill:#d55e00;opacity:.35;stroke:#d55e00}"
    ".mold{stroke:#0072b2;stroke-width:2}.mnew{stroke:#d55e00;stroke-width:2}"
    ".thr{fill:#eee}.zero{stroke:#999}"
    ".ci{stroke-width:2.5}.ci.slower,.pt.slower{stroke:#c00;fill:#c00}"
    ".ci.faster,.pt.faster{stroke:#080;fill:#080}"
    ".ci.same,.pt.same{stroke:#666;fill:#666}"
    ".vtext{font-size:12px;fill:#444}.vtext.slower{fill:#c00;font-weight:600}"
    ".vtext.faster{fill:#080;font-weight:600}"
    "span.slower,td.slower{color:#c00}span.faster,td.faster{color:#080}"
    ".fl{stroke:#fff;stroke-width:.5}"
    ".fltext{font:11px ui-monospace,monospace;fill:#111;pointer-events:none}"
    ".fns{margin:8px 0 24px}"
    ".warn{color:#a04000}";

static void ctx_line(FILE *f, const mb_run *run)
{
    static const char *const keys[] = {"date",     "cpu_brand", "git_commit",
                                       "compiler", "os",        "executable",
                                       "measure"};
    fputs("<p class=\"dim\">", f);
    bool first = true;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *v = run_ctx_gets(run, keys[i]);
        if (!v || !*v)
            continue;
        fputs(first ? "" : " &middot; ", f);
        esc(f, keys[i]);
        fputs(": ", f);
        esc(f, v);
        first = false;
    }
    fputs("</p>\n", f);
    for (size_t i = 0; i < run->nwarnings; i++) {
        fputs("<p class=\"warn\">warning: ", f);
        esc(f, run->warnings[i]);
        fputs("</p>\n", f);
    }
}

static void page(FILE *f, const mb_run *run, const char *label,
                 const cmp_result *cmp, const hist *h, size_t total_runs,
                 const char *dir)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>microbe report</title><style>",
          f);
    fputs(css, f);
    fputs("</style></head><body>\n<h1>microbe report: ", f);
    esc(f, label);
    fputs("</h1>\n", f);
    ctx_line(f, run);
    if (cmp)
        comparison(f, cmp, run);

    fputs("<h2>Sample distributions</h2>\n<p class=\"dim\">Per iteration, "
          "the samples the statistics used: box from the first to the "
          "third quartile, median in red, whiskers to 1.5 IQR, outliers in "
          "red; samples left out as disturbed (a context switch or "
          "migration) are drawn apart below their row, hollow. One axis "
          "per group, logarithmic when the values span more than a factor "
          "of 20; the right column is the median the tables show.</p>\n",
          f);
    distributions(f, run);

    fputs("<h2>Complexity</h2>\n<p class=\"dim\">Median per iteration "
          "against the argument, log-log, per group, with the medians' 95% "
          "intervals as error bars; dashed: the fitted complexity class; "
          "dotted: where one variant overtakes another.</p>\n",
          f);
    size_t nx = 0;
    crossover *xs = run_crossovers(run, &nx);
    size_t nh = 0, *heads = block_heads(run, &nh), plots = 0;
    for (size_t b = 0; heads && b < nh; b++) {
        const char *g = run->results[heads[b]].group;
        bool args = false;
        for (size_t i = 0; i < run->nresults && !args; i++)
            args =
                same_str(run->results[i].group, g) && run->results[i].has_arg;
        if (args) {
            complexity_plot(f, run, g, xs, nx);
            plots++;
        }
    }
    free(heads);
    free(xs);
    if (!plots)
        fputs("<p>No benchmark takes an argument.</p>\n", f);

    fputs("<h2>History</h2>\n<p class=\"dim\">Median per iteration of each "
          "benchmark in the archived runs of ",
          f);
    esc(f, dir);
    fprintf(f,
            ", oldest to newest (the newest %zu of %zu run%s), with the "
            "runs' 95%% intervals as a band; a red triangle marks a run "
            "whose interval lies wholly above the one before, by more than "
            "the 3%% threshold.</p>\n",
            h->nruns, total_runs, total_runs == 1 ? "" : "s");
    if (h->nruns == 0) {
        fputs("<p>No runs archived.</p>\n", f);
    } else {
        fputs("<table>\n", f);
        /* Current names first: the newest run's order, then the rest. */
        for (size_t i = 0; i < run->nresults; i++)
            for (size_t k = 0; k < h->ns; k++)
                if (strcmp(h->s[k].name, run->results[i].name) == 0 &&
                    h->s[k].n)
                    history_row(f, h, &h->s[k], 0.03);
        for (size_t k = 0; k < h->ns; k++)
            if (h->s[k].n && !run_find(run, h->s[k].name))
                history_row(f, h, &h->s[k], 0.03);
        fputs("</table>\n", f);
    }
    fputs("<p class=\"dim\">Generated by microbe " MB_VERSION "</p>\n"
          "</body></html>\n",
          f);
}

int tool_report(const tool_opts *o)
{
    archive_entry *e = NULL;
    size_t n = 0;
    char err[768];
    if (archive_list(o->archive, &e, &n, err, sizeof err) != MB_OK)
        return tool_fail("report: %s", err);
    int code = 0;
    mb_run *run = NULL, *old = NULL;
    char label[512] = "", old_label[512] = "";
    /* What to show: NEW (or RUN), else the newest readable run, else the
     * first baseline; against OLD or --baseline when given. */
    const char *new_ref = o->npos == 2   ? o->pos[1]
                          : o->npos == 1 ? o->pos[0]
                                         : NULL;
    const char *old_ref = o->npos == 2 ? o->pos[0] : o->baseline;
    if (new_ref) {
        if (archive_load(o->archive, new_ref, &run, err, sizeof err) != MB_OK)
            code = tool_fail("report: %s", err);
        snprintf(label, sizeof label, "%s", new_ref);
    } else {
        for (size_t i = n; i-- > 0 && !run;)
            if (e[i].kind == ARCHIVE_RUN && e[i].status == MB_OK &&
                archive_load_entry(&e[i], &run, err, sizeof err) == MB_OK)
                snprintf(label, sizeof label, "run %s (latest)", e[i].name);
        for (size_t i = 0; i < n && !run; i++)
            if (e[i].kind == ARCHIVE_BASELINE && e[i].status == MB_OK &&
                archive_load_entry(&e[i], &run, err, sizeof err) == MB_OK)
                snprintf(label, sizeof label, "baseline \"%s\"", e[i].name);
    }
    if (!run && code == 0)
        code = tool_fail("report: nothing to report in %s: no readable run "
                         "or baseline (save one with a bench program's "
                         "--save-baseline=NAME)",
                         o->archive);
    if (code == 0 && old_ref) {
        if (archive_load(o->archive, old_ref, &old, err, sizeof err) != MB_OK)
            code = tool_fail("report: %s", err);
        else if (!cmp_same_measure(old, run, err, sizeof err))
            code = tool_fail("report: %s", err);
        snprintf(old_label, sizeof old_label, "%s%s%s",
                 o->npos == 2 ? "" : "baseline \"", old_ref,
                 o->npos == 2 ? "" : "\"");
    }
    /* The history: the newest HISTORY_MAX runs, one loaded at a time. */
    hist h;
    memset(&h, 0, sizeof h);
    size_t nruns = 0, bad = 0, first = 0;
    char first_bad[768] = "";
    for (size_t i = 0; i < n; i++)
        nruns += e[i].kind == ARCHIVE_RUN;
    for (size_t i = 0, k = 0; i < n; i++)
        if (e[i].kind == ARCHIVE_RUN &&
            k++ == (nruns > HISTORY_MAX ? nruns - HISTORY_MAX : 0)) {
            first = i;
            break;
        }
    for (size_t i = first; code == 0 && i < n; i++) {
        if (e[i].kind != ARCHIVE_RUN)
            continue;
        mb_run *r = NULL;
        if (e[i].status != MB_OK ||
            archive_load_entry(&e[i], &r, err, sizeof err) != MB_OK) {
            if (!bad++)
                snprintf(first_bad, sizeof first_bad, "%s",
                         e[i].error ? e[i].error : err);
            continue;
        }
        bool ok = hist_add(&h, r, e[i].name, e[i].date);
        run_free(r);
        if (!ok)
            code = tool_fail("report: out of memory");
    }
    const char *out = o->out ? o->out : "microbe-report.html";
    FILE *f = NULL;
    cmp_result *cmp = NULL;
    if (code == 0) {
        g_counts =
            strcmp(run_ctx_gets(run, "measure") ? run_ctx_gets(run, "measure")
                                                : "time",
                   "instructions") == 0;
        run_summarize(run); /* fits for the dashed curves */
        if (old) {
            run_summarize(old);
            cmp_opts co = {.alpha = o->alpha,
                           .threshold = o->threshold,
                           .old_name = old_label};
            if (!(cmp = cmp_runs(old, run, &co)))
                code = tool_fail("report: out of memory");
        }
    }
    bool to_stdout = strcmp(out, "-") == 0;
    char *buf = NULL;
    size_t len = 0;
    if (code == 0 && !to_stdout && file_check_out(out, err, sizeof err))
        code = tool_fail("report: %s", err);
    if (code == 0 && !(f = to_stdout ? stdout : open_memstream(&buf, &len)))
        code = tool_fail("report: out of memory");
    if (code == 0) {
        /* The page is written whole at the end (file_write_out): a report
         * that fails or is stopped leaves the old one. */
        page(f, run, label, cmp, &h, nruns, o->archive);
        bool ok = fflush(f) == 0 && !ferror(f);
        if (f != stdout) {
            ok &= fclose(f) == 0;
            if (ok && file_write_out(out, buf, len, err, sizeof err) != MB_OK)
                code = tool_fail("report: %s", err);
            else if (!ok)
                code =
                    tool_fail("report: cannot write '%s': out of memory", out);
            ok = code == 0;
        } else if (!ok)
            code = tool_fail("report: cannot write '%s': %s", out,
                             strerror(errno));
        free(buf);
        /* Said only on success, so that a failure stays one line. */
        if (ok && bad)
            fprintf(stderr,
                    "microbe: warning: report: skipped %zu unreadable "
                    "file%s (%s)\n",
                    bad, bad == 1 ? "" : "s", first_bad);
        if (ok && f != stdout)
            printf("wrote %s: %s%s%s, %zu benchmark%s, history of %zu "
                   "run%s%s\n",
                   out, label, cmp ? " against " : "", cmp ? old_label : "",
                   run->nresults, run->nresults == 1 ? "" : "s", h.nruns,
                   h.nruns == 1 ? "" : "s",
                   bad ? " (unreadable files skipped)" : "");
    }
    cmp_free(cmp);
    run_free(run);
    run_free(old);
    hist_free(&h);
    archive_list_free(e, n);
    return code;
}
