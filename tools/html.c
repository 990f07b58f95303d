/* microbe report: one self-contained HTML page (inline CSS and SVG, no
 * scripts, nothing fetched) about the archive: the latest run's sample
 * distributions, complexity curves per group (log-log) and each
 * benchmark's median across the archived runs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "report.h"
#include "run.h"
#include "tool.h"

/* Enough to tell variants apart; colour-blind safe (Okabe-Ito). */
static const char *const palette[] = {"#0072b2", "#d55e00", "#009e73",
                                      "#cc79a7", "#e69f00", "#56b4e9",
                                      "#000000", "#f0e442"};
#define NPALETTE (sizeof palette / sizeof *palette)

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

static const char *tm(double ns, char *buf, size_t len)
{
    report_time(ns, buf, len);
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

/* ---- distributions: one strip + box plot per benchmark ------------------ */

#define DIST_W 560
#define DIST_H 34

static void distribution(FILE *f, const mb_result *r)
{
    double *x = malloc((r->n + 1) * sizeof *x);
    if (!x)
        return;
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        double v = result_per_iter(r, i);
        if (isfinite(v) && v > 0)
            x[n++] = v;
    }
    char b1[32], b2[32], b3[32];
    fputs("<tr><td class=\"name\">", f);
    esc(f, r->name);
    fputs("</td>", f);
    if (n == 0) {
        fprintf(f, "<td colspan=\"2\">%s</td></tr>\n",
                r->error ? "failed" : "no samples");
        free(x);
        return;
    }
    qsort(x, n, sizeof *x, cmp_dbl);
    double q1 = quantile(x, n, 0.25), q2 = quantile(x, n, 0.5),
           q3 = quantile(x, n, 0.75), iqr = q3 - q1;
    /* The axis spans the samples, but stops 3 IQR beyond the box so that
     * one far outlier does not squash the box into a line; samples beyond
     * sit on the edge, drawn as outliers. */
    double lo = fmax(x[0], q1 - 3 * iqr), hi = fmin(x[n - 1], q3 + 3 * iqr);
    if (!(hi > lo)) {
        lo = x[0];
        hi = x[n - 1];
    }
    double pad = (hi - lo) * 0.04 + hi * 1e-9;
    lo -= pad;
    hi += pad;
#define PX(v) (8 + (fmin(fmax((v), lo), hi) - lo) / (hi - lo) * (DIST_W - 16))
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
            "<td><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" "
            "role=\"img\"><title>",
            DIST_W, DIST_H, DIST_W, DIST_H);
    esc(f, r->name);
    fprintf(f, ": %zu samples, median %s, IQR %s to %s</title>\n", n,
            tm(q2, b1, sizeof b1), tm(q1, b2, sizeof b2),
            tm(q3, b3, sizeof b3));
    fprintf(
        f,
        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"17\" y2=\"17\" class=\"whisker\" />"
        "<rect x=\"%.1f\" y=\"8\" width=\"%.1f\" height=\"18\" class=\"box\" />"
        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"6\" y2=\"28\" class=\"median\" "
        "/>\n",
        PX(wl), PX(wh), PX(q1), PX(q3) - PX(q1) > 1 ? PX(q3) - PX(q1) : 1,
        PX(q2), PX(q2));
    /* Jitter from the sample's index: deterministic, no PRNG. */
    for (size_t i = 0; i < n; i++) {
        double y =
            17 + 10 * (((double)((i * 2654435761u) % 1000)) / 1000 - 0.5);
        bool out = x[i] < q1 - 1.5 * iqr || x[i] > q3 + 1.5 * iqr;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" class=\"%s\" />",
                PX(x[i]), y, out ? "out" : "dot");
    }
#undef PX
    fprintf(
        f,
        "\n</svg></td><td class=\"num\">%s<br><span class=\"dim\">%s &ndash; "
        "%s</span></td></tr>\n",
        tm(q2, b1, sizeof b1), tm(x[0], b2, sizeof b2),
        tm(x[n - 1], b3, sizeof b3));
    free(x);
}

/* ---- complexity: log-log curves per group -------------------------------- */

#define CX_W 520
#define CX_H 320
#define CX_L 64 /* left margin for the time labels */
#define CX_B 36 /* bottom margin for the argument labels */

/* The families to plot together: a group's members, or one ungrouped
 * family. */
static bool same_plot(const mb_result *a, const mb_result *b)
{
    if (a->group || b->group)
        return a->group && b->group && strcmp(a->group, b->group) == 0;
    return strcmp(a->family, b->family) == 0;
}

static void log_ticks(FILE *f, double lo, double hi, bool xaxis, double x0,
                      double x1, double y0, double y1)
{
    for (int e = (int)floor(log10(lo)); e <= (int)ceil(log10(hi)); e++) {
        for (int m = 1; m <= 9; m++) {
            double v = m * pow(10, e);
            if (v < lo * 0.999 || v > hi * 1.001)
                continue;
            double t = (log(v) - log(lo)) / (log(hi) - log(lo));
            bool major = m == 1;
            if (xaxis) {
                double px = x0 + t * (x1 - x0);
                fprintf(f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                        "class=\"%s\" />",
                        px, px, y0, y1, major ? "grid" : "grid2");
                if (major)
                    fprintf(f,
                            "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                            "text-anchor=\"middle\">%g</text>",
                            px, y0 + 14, v);
            } else {
                double py = y0 - t * (y0 - y1);
                fprintf(f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                        "class=\"%s\" />",
                        x0, x1, py, py, major ? "grid" : "grid2");
                if (major) {
                    char b[32];
                    fprintf(f,
                            "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                            "text-anchor=\"end\">%s</text>",
                            x0 - 4, py + 4, tm(v, b, sizeof b));
                }
            }
        }
    }
}

static void complexity_plot(FILE *f, const mb_run *run, size_t first)
{
    const mb_result *g = &run->results[first];
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
    size_t points = 0;
    for (size_t i = first; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (!same_plot(g, r) || !r->has_arg || r->arg <= 0 ||
            !(r->time.median > 0))
            continue;
        xlo = fmin(xlo, (double)r->arg);
        xhi = fmax(xhi, (double)r->arg);
        ylo = fmin(ylo, r->time.median);
        yhi = fmax(yhi, r->time.median);
        points++;
    }
    if (points < 2 || xlo == xhi)
        return;
    if (ylo == yhi) {
        ylo /= 1.5;
        yhi *= 1.5;
    }
    /* Round the axes out to the decade around the data. */
    xlo = pow(10, floor(log10(xlo) * 4) / 4);
    xhi = pow(10, ceil(log10(xhi) * 4) / 4);
    ylo = pow(10, floor(log10(ylo)));
    yhi = pow(10, ceil(log10(yhi)));
    double x0 = CX_L, x1 = CX_W - 10, y0 = CX_H - CX_B, y1 = 10;
#define PX(v) (x0 + (log(v) - log(xlo)) / (log(xhi) - log(xlo)) * (x1 - x0))
#define PY(v) (y0 - (log(v) - log(ylo)) / (log(yhi) - log(ylo)) * (y0 - y1))
    fputs("<figure><figcaption>", f);
    esc(f, g->group ? g->group : g->family);
    fprintf(f,
            "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "role=\"img\">\n",
            CX_W, CX_H, CX_W, CX_H);
    log_ticks(f, xlo, xhi, true, x0, x1, y0, y1);
    log_ticks(f, ylo, yhi, false, x0, x1, y0, y1);
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "class=\"frame\" />"
            "<text x=\"%.1f\" y=\"%d\" class=\"tick\" "
            "text-anchor=\"middle\">argument "
            "(n)</text>\n",
            x0, y1, x1 - x0, y0 - y1, (x0 + x1) / 2, CX_H - 4);
    /* One curve per family, in order of first appearance. */
    size_t k = 0;
    for (size_t i = first; i < run->nresults; i++) {
        const mb_result *fam = &run->results[i];
        if (!same_plot(g, fam))
            continue;
        bool seen = false;
        for (size_t j = first; j < i && !seen; j++)
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
                fprintf(f, "%.1f,%.1f ", PX((double)r->arg),
                        PY(r->time.median));
        }
        fputs("\" />\n", f);
        for (size_t j = i; j < run->nresults; j++) {
            const mb_result *r = &run->results[j];
            if (strcmp(r->family, fam->family) != 0 || !r->has_arg ||
                r->arg <= 0 || !(r->time.median > 0))
                continue;
            char b[32];
            fprintf(
                f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>",
                PX((double)r->arg), PY(r->time.median), col);
            esc(f, r->name);
            fprintf(f, ": %s</title></circle>",
                    tm(r->time.median, b, sizeof b));
        }
        /* The fitted curve, dashed, where run_summarize found one. */
        if (fam->complexity[0] && fam->fit.coef > 0) {
            fprintf(
                f,
                "\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1\" "
                "stroke-dasharray=\"4 3\" points=\"",
                col);
            for (int s = 0; s <= 40; s++) {
                double n = xlo * pow(xhi / xlo, s / 40.0);
                double t = fam->fit.intercept +
                           fam->fit.coef * st_big_o_eval(fam->fit.big_o, n);
                if (t >= ylo && t <= yhi)
                    fprintf(f, "%.1f,%.1f ", PX(n), PY(t));
            }
            fputs("\" />", f);
        }
        fputs("\n", f);
    }
#undef PX
#undef PY
    fputs("</svg><ul class=\"legend\">", f);
    k = 0;
    for (size_t i = first; i < run->nresults; i++) {
        const mb_result *fam = &run->results[i];
        bool seen = !same_plot(g, fam);
        for (size_t j = first; j < i && !seen; j++)
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
    fputs("</ul></figure>\n", f);
}

/* ---- history: each benchmark's median over the archived runs ------------ */

#define HI_W 420
#define HI_H 60

typedef struct hist_run {
    mb_run *run;
    const char *name; /* run id */
    const char *date;
} hist_run;

static void history_row(FILE *f, const char *bench, const hist_run *h,
                        size_t nh)
{
    double lo = INFINITY, hi = 0;
    size_t have = 0;
    for (size_t i = 0; i < nh; i++) {
        const mb_result *r = run_find(h[i].run, bench);
        if (r && r->time.median > 0) {
            lo = fmin(lo, r->time.median);
            hi = fmax(hi, r->time.median);
            have++;
        }
    }
    fputs("<tr><td class=\"name\">", f);
    esc(f, bench);
    fputs("</td>", f);
    if (have == 0) {
        fputs("<td colspan=\"2\">-</td></tr>\n", f);
        return;
    }
    double pad = (hi - lo) * 0.1 + hi * 0.01;
    double ylo = lo - pad, yhi = hi + pad;
    if (ylo < 0)
        ylo = 0;
    double x0 = 6, x1 = HI_W - 6;
#define PX(i)                                                                  \
    (nh > 1 ? x0 + (double)(i) / (double)(nh - 1) * (x1 - x0) : HI_W / 2.0)
#define PY(v) (HI_H - 6 - ((v)-ylo) / (yhi - ylo) * (HI_H - 12))
    fprintf(f,
            "<td><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" "
            "role=\"img\">",
            HI_W, HI_H, HI_W, HI_H);
    fputs("<polyline fill=\"none\" class=\"hist\" points=\"", f);
    for (size_t i = 0; i < nh; i++) {
        const mb_result *r = run_find(h[i].run, bench);
        if (r && r->time.median > 0)
            fprintf(f, "%.1f,%.1f ", PX(i), PY(r->time.median));
    }
    fputs("\" />", f);
    double last = NAN;
    for (size_t i = 0; i < nh; i++) {
        const mb_result *r = run_find(h[i].run, bench);
        if (!(r && r->time.median > 0))
            continue;
        char b[32];
        fprintf(
            f,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"hpt\"><title>",
            PX(i), PY(r->time.median));
        esc(f, h[i].name);
        fputs(" (", f);
        esc(f, h[i].date);
        fprintf(f, "): %s</title></circle>", tm(r->time.median, b, sizeof b));
        last = r->time.median;
    }
#undef PX
#undef PY
    char b1[32], b2[32], b3[32];
    fprintf(f,
            "</svg></td><td class=\"num\">%s<br><span class=\"dim\">%s &ndash; "
            "%s</span></td></tr>\n",
            tm(last, b1, sizeof b1), tm(lo, b2, sizeof b2),
            tm(hi, b3, sizeof b3));
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px}"
    "table{border-collapse:collapse}td{padding:2px 8px;vertical-align:"
    "middle}tr:nth-child(even){background:#f6f6f6}"
    ".name{font-family:ui-monospace,monospace;white-space:nowrap}"
    ".num{text-align:right;font-family:ui-monospace,monospace;white-space:"
    "nowrap}.dim{color:#888;font-size:12px}"
    ".box{fill:#cfe3f3;stroke:#0072b2}.median{stroke:#d55e00;stroke-width:2}"
    ".whisker{stroke:#0072b2}.dot{fill:#333;opacity:.55}.out{fill:#d55e00}"
    ".grid{stroke:#ccc}.grid2{stroke:#eee}.frame{fill:none;stroke:#888}"
    ".tick{font-size:11px;fill:#555}"
    "figure{display:inline-block;margin:0 24px 24px 0;vertical-align:top}"
    "figcaption{font-weight:600}"
    ".legend{list-style:none;padding:0;margin:4px 0}"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;"
    "vertical-align:-1px}"
    ".hist{stroke:#0072b2;stroke-width:1.5}.hpt{fill:#0072b2}"
    ".warn{color:#a04000}";

static void ctx_line(FILE *f, const mb_run *run)
{
    static const char *const keys[] = {"date",     "cpu_brand", "git_commit",
                                       "compiler", "os",        "executable"};
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
                 const hist_run *h, size_t nh, const char *dir)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>microbe report</title><style>",
          f);
    fputs(css, f);
    fputs("</style></head><body>\n<h1>microbe report: ", f);
    esc(f, label);
    fputs("</h1>\n", f);
    ctx_line(f, run);

    fputs(
        "<h2>Sample distributions</h2>\n<p class=\"dim\">Time per iteration of "
        "every sample: box from the first to the third quartile, median in "
        "red, whiskers to 1.5 IQR, outliers in red; each row has its own "
        "linear scale.</p>\n<table>\n",
        f);
    for (size_t i = 0; i < run->nresults; i++)
        distribution(f, &run->results[i]);
    fputs("</table>\n", f);

    fputs("<h2>Complexity</h2>\n<p class=\"dim\">Median time per iteration "
          "against the argument, log-log, per group (or per benchmark "
          "family); dashed: the fitted complexity class.</p>\n",
          f);
    size_t plots = 0;
    for (size_t i = 0; i < run->nresults; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same_plot(&run->results[j], &run->results[i]);
        if (!seen && run->results[i].has_arg) {
            complexity_plot(f, run, i);
            plots++;
        }
    }
    if (!plots)
        fputs("<p>No benchmark takes an argument.</p>\n", f);

    fputs(
        "<h2>History</h2>\n<p class=\"dim\">Median time per iteration of each "
        "benchmark in every archived run of ",
        f);
    esc(f, dir);
    fprintf(f,
            ", oldest to newest (%zu run%s); the right column: the latest "
            "value and the range.</p>\n",
            nh, nh == 1 ? "" : "s");
    if (nh == 0) {
        fputs("<p>No runs archived.</p>\n", f);
    } else {
        fputs("<table>\n", f);
        /* Every benchmark seen in any run, first appearance order, newest
         * run first so that current names lead. */
        for (size_t i = nh; i-- > 0;)
            for (size_t k = 0; k < h[i].run->nresults; k++) {
                const char *name = h[i].run->results[k].name;
                bool seen = false;
                for (size_t j = nh; j-- > i + 1 && !seen;)
                    seen = run_find(h[j].run, name) != NULL;
                for (size_t q = 0; q < k && !seen; q++)
                    seen = strcmp(h[i].run->results[q].name, name) == 0;
                if (!seen)
                    history_row(f, name, h, nh);
            }
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
    hist_run *h = calloc(n + 1, sizeof *h);
    if (!h) {
        archive_list_free(e, n);
        return tool_fail("report: out of memory");
    }
    size_t nh = 0, bad = 0;
    char first_bad[768] = "";
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind != ARCHIVE_RUN)
            continue;
        if (e[i].status != MB_OK ||
            archive_load_entry(&e[i], &h[nh].run, err, sizeof err) != MB_OK) {
            if (!bad++)
                snprintf(first_bad, sizeof first_bad, "%s",
                         e[i].error ? e[i].error : err);
            continue;
        }
        h[nh].name = e[i].name;
        h[nh].date = e[i].date;
        nh++;
    }
    int code = 0;
    mb_run *run = NULL;
    char label[256];
    if (o->npos > 0) {
        if (archive_load(o->archive, o->pos[0], &run, err, sizeof err) != MB_OK)
            code = tool_fail("report: %s", err);
        snprintf(label, sizeof label, "%s", o->pos[0]);
    } else if (nh > 0) {
        /* The newest run: archive_list gives runs oldest first. */
        for (size_t i = n; i-- > 0 && !run;)
            if (e[i].kind == ARCHIVE_RUN && e[i].status == MB_OK &&
                archive_load_entry(&e[i], &run, err, sizeof err) == MB_OK)
                snprintf(label, sizeof label, "run %s (latest)", e[i].name);
    } else {
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
    const char *out = o->out ? o->out : "microbe-report.html";
    FILE *f = NULL;
    if (code == 0) {
        run_summarize(run); /* fits for the dashed curves */
        f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
        if (!f)
            code = tool_fail("report: cannot write '%s': %s", out,
                             strerror(errno));
    }
    if (code == 0) {
        page(f, run, label, h, nh, o->archive);
        bool ok = fflush(f) == 0 && !ferror(f);
        if (f != stdout)
            ok &= fclose(f) == 0;
        if (!ok)
            code = tool_fail("report: cannot write '%s': %s", out,
                             strerror(errno));
        /* Said only on success, so that a failure stays one line. */
        if (ok && bad)
            fprintf(stderr,
                    "microbe: warning: report: skipped %zu unreadable "
                    "file%s (%s)\n",
                    bad, bad == 1 ? "" : "s", first_bad);
        if (ok && f != stdout)
            printf("wrote %s: %s, %zu benchmark%s, history of %zu run%s%s\n",
                   out, label, run->nresults, run->nresults == 1 ? "" : "s", nh,
                   nh == 1 ? "" : "s",
                   bad ? " (unreadable files skipped)" : "");
    }
    run_free(run);
    for (size_t i = 0; i < nh; i++)
        run_free(h[i].run);
    free(h);
    archive_list_free(e, n);
    return code;
}
