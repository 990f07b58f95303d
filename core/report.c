/* Console, CSV and markdown reports of a run and its comparison. */
#include "report.h"

#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_time(double ns, char *buf, size_t len)
{
    report_time_in(ns, NULL, buf, len);
}

void report_time_in(double ns, const char *fixed, char *buf, size_t len)
{
    static const char *const unit[] = {"ns", "µs", "ms", "s"};
    static const char *const ascii[] = {"ns", "us", "ms", "s"};
    if (!isfinite(ns)) {
        snprintf(buf, len, "-");
        return;
    }
    int u = 0;
    double v = ns;
    if (fixed && *fixed) {
        while (u < 3 && strcmp(fixed, ascii[u]) != 0) {
            v /= 1000;
            u++;
        }
    } else
        while (u < 3 && fabs(v) >= 999.5) {
            v /= 1000;
            u++;
        }
    int digits = fabs(v) >= 99.95 ? 0 : fabs(v) >= 9.995 ? 1 : 2;
    if (fixed && *fixed && fabs(v) < 0.995 && v != 0)
        digits = 3 + (int)fmin(6, floor(-log10(fabs(v)))); /* 0.00123 ms */
    if (v == 0)
        digits = 2;
    snprintf(buf, len, "%.*f %s", digits, v, unit[u]);
}

/* Prints s padded to width display columns (UTF-8 aware: "µs" is two
 * bytes, one column); right-aligned when right, else left. */
static void pad(FILE *f, const char *s, int width, bool right)
{
    int cols = 0;
    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xc0) != 0x80;
    if (right)
        fprintf(f, "%*s%s", width > cols ? width - cols : 0, "", s);
    else
        fprintf(f, "%s%*s", s, width > cols ? width - cols : 0, "");
}

/* The same three significant digits for a plain count. */
static void fmt_count(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (fabs(v) >= 1e9)
        snprintf(buf, len, "%.3gG", v / 1e9);
    else if (fabs(v) >= 1e6)
        snprintf(buf, len, "%.3gM", v / 1e6);
    else if (fabs(v) >= 1e4)
        snprintf(buf, len, "%.3gk", v / 1e3);
    else
        snprintf(buf, len, "%.4g", v);
}

static void fmt_rate(double per_s, const char *unit, char *buf, size_t len)
{
    static const char *const pre[] = {"", "k", "M", "G", "T"};
    int p = 0;
    while (p < 4 && per_s >= 1000) {
        per_s /= 1000;
        p++;
    }
    snprintf(buf, len, "%.3g %s%s/s", per_s, pre[p], unit);
}

/* Short labels for the counters a report shows. */
/* Bytes with a binary prefix: "64 B", "1.5 KiB". */
static void fmt_bytes(double v, char *buf, size_t len)
{
    static const char *const pre[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int p = 0;
    while (p < 4 && fabs(v) >= 1024) {
        v /= 1024;
        p++;
    }
    snprintf(buf, len, p ? "%.3g %s" : "%.4g %s", v, pre[p]);
}

/* Whether r's allocation counting pass saw any allocation. */
static bool allocates(const mb_result *r)
{
    return r->alloc_iters > 0 && r->allocs > 0;
}

static const char *counter_label(const char *name)
{
    static const struct {
        const char *papi, *label;
    } map[] = {
        {"PAPI_TOT_INS", "ins"},     {"PAPI_TOT_CYC", "cycles"},
        {"PAPI_L1_DCM", "L1d miss"}, {"PAPI_L2_TCM", "L2 miss"},
        {"PAPI_L3_TCM", "LLC miss"}, {"PAPI_BR_MSP", "br miss"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(name, map[i].papi) == 0)
            return map[i].label;
    return name;
}

static void fmt_outliers(const mb_summary *s, char *buf, size_t len)
{
    size_t mild = s->outliers.low_mild + s->outliers.high_mild;
    size_t severe = s->outliers.low_severe + s->outliers.high_severe;
    if (!mild && !severe)
        snprintf(buf, len, "-");
    else if (!severe)
        snprintf(buf, len, "%zu mild", mild);
    else if (!mild)
        snprintf(buf, len, "%zu severe", severe);
    else
        snprintf(buf, len, "%zu+%zu sev", mild, severe);
}

/* The row name inside its group's block: bench/arg. */
static const char *short_name(const mb_result *r)
{
    if (r->group) {
        size_t g = strlen(r->group);
        if (strncmp(r->name, r->group, g) == 0 && r->name[g] == '/')
            return r->name + g + 1;
    }
    return r->name;
}

/* A row's name, padded to width w; a failed benchmark's row is finished
 * with its error (red on a terminal) and false comes back. */
static bool name_cell(FILE *f, const mb_result *r, int w, bool color)
{
    fprintf(f, "  %-*s", w - 2, short_name(r));
    if (r->error) {
        fprintf(f, "  %s%s%s\n", color ? "\033[31m" : "", r->error,
                color ? "\033[0m" : "");
        return false;
    }
    if (r->skipped) {
        fprintf(f, "  %sskipped: %s%s\n", color ? "\033[33m" : "", r->skipped,
                color ? "\033[0m" : "");
        return false;
    }
    return true;
}

/* The user counters (mb_counter) of results[idx[0..k)] (all when idx is
 * NULL), by name in first-seen order. */
typedef struct ucols {
    const char *names[16];
    size_t n;
} ucols;

static void user_cols(const mb_run *run, const size_t *idx, size_t k, ucols *u)
{
    u->n = 0;
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx ? idx[i] : i];
        for (size_t c = 0; c < r->nuser; c++) {
            size_t j = 0;
            while (j < u->n && strcmp(u->names[j], r->user[c].name) != 0)
                j++;
            if (j == u->n && u->n < sizeof u->names / sizeof *u->names)
                u->names[u->n++] = r->user[c].name;
        }
    }
}

/* User counter `name` of r as shown (per second for MB_COUNTER_RATE), or
 * "" when r has none such. */
static void user_cell(const mb_result *r, const char *name, char *buf,
                      size_t len)
{
    buf[0] = '\0';
    for (size_t c = 0; c < r->nuser; c++)
        if (strcmp(r->user[c].name, name) == 0) {
            double v = result_user_value(r, c);
            if (!isfinite(v))
                snprintf(buf, len, "-");
            else if (r->user[c].flags & MB_COUNTER_RATE)
                fmt_rate(v, "", buf, len);
            else
                fmt_count(v, buf, len);
        }
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The columns of counters present in any result, in first-seen order. */
typedef struct cols {
    const char *names[16];
    size_t n;
    bool ipc;
} cols;

static void counter_cols(const mb_run *run, cols *c)
{
    memset(c, 0, sizeof *c);
    bool ins = false, cyc = false;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        for (size_t k = 0; k < r->ncounters; k++) {
            bool seen = false;
            for (size_t j = 0; j < c->n; j++)
                seen |= strcmp(c->names[j], r->counter_names[k]) == 0;
            if (!seen && c->n < 16)
                c->names[c->n++] = r->counter_names[k];
            ins |= strcmp(r->counter_names[k], "PAPI_TOT_INS") == 0;
            cyc |= strcmp(r->counter_names[k], "PAPI_TOT_CYC") == 0;
        }
    }
    c->ipc = ins && cyc;
}

static const char *ctx_s(const mb_run *run, const char *key, const char *def)
{
    const char *s = run_ctx_gets(run, key);
    return s && *s ? s : def;
}

static double ctx_n(const mb_run *run, const char *key)
{
    const ctx_entry *e = run_ctx_get(run, key);
    return e && e->type != CTX_STR ? e->num : NAN;
}

static void console_header(FILE *f, const mb_run *run, bool color)
{
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    fprintf(f, "%smicrobe %s%s · %s", bold,
            ctx_s(run, "microbe_version", MB_VERSION), off,
            ctx_s(run, "cpu_brand", "unknown CPU"));
    double cpu = ctx_n(run, "pinned_cpu");
    const char *why = ctx_s(run, "cpu_choice", "");
    if (isfinite(cpu) && cpu >= 0)
        fprintf(f, " · CPU %.0f pinned%s%s", cpu, why[0] ? ": " : "", why);
    else
        fprintf(f, " · not pinned");
    const char *measure = ctx_s(run, "measure", "time");
    if (strcmp(measure, "time") == 0) {
        const char *src = ctx_s(run, "timer_source", "clock");
        double ghz = ctx_n(run, "timer_ghz");
        double rd = ctx_n(run, "timer_read_ns");
        if (strcmp(src, "tsc") == 0 && isfinite(ghz))
            fprintf(f, " · TSC %.3f GHz", ghz);
        else
            fprintf(f, " · %s", src);
        if (isfinite(rd))
            fprintf(f, ", read %.0f ns (accounted)", rd);
    } else {
        fprintf(f, " · measure: %s (callgrind)", measure);
    }
    fputc('\n', f);
    const char *yellow = color ? "\033[33m" : "";
    for (size_t i = 0; i < run->nwarnings; i++)
        fprintf(f, "%swarning:%s %s\n", yellow, off, run->warnings[i]);
    fputc('\n', f);
}

/* Results of one block (a group, or everything ungrouped), ordered by
 * argument and then definition order, as the SPEC's table shows. */
static size_t block(const mb_run *run, const char *group, size_t *idx)
{
    size_t k = 0;
    for (size_t i = 0; i < run->nresults; i++)
        if (same(run->results[i].group, group))
            idx[k++] = i;
    if (!group)
        return k;
    /* Stable insertion sort by arg. */
    for (size_t a = 1; a < k; a++) {
        size_t v = idx[a], b = a;
        while (b > 0 && run->results[idx[b - 1]].arg > run->results[v].arg) {
            idx[b] = idx[b - 1];
            b--;
        }
        idx[b] = v;
    }
    return k;
}

static void report_count(double v, const char *unit, char *buf, size_t len);

/* "1.23 ns·n log n + 16.0 µs": the fitted coefficient with its function
 * of n, and the constant term when the fit has one. */
static void fit_formula(const st_fit *fit, bool counts, char *buf, size_t len)
{
    static const char *const fn[] = {"",         "·log n", "·n",
                                     "·n log n", "·n²",    "·n³"};
    char coef[32], icpt[32];
    if (counts) {
        report_count(fit->coef, "instr", coef, sizeof coef);
        report_count(fit->intercept, "instr", icpt, sizeof icpt);
    } else {
        report_time(fit->coef, coef, sizeof coef);
        report_time(fit->intercept, icpt, sizeof icpt);
    }
    if (fit->big_o != ST_O1 && fit->intercept > 0)
        snprintf(buf, len, "%s%s + %s", coef, fn[fit->big_o], icpt);
    else
        snprintf(buf, len, "%s%s", coef, fn[fit->big_o]);
}

/* The fitted complexity of r's family, or "no clear class" with the best
 * fit's error when even that misses by more than 10%. */
static void print_fit(FILE *f, const mb_result *r, int w, bool counts)
{
    char who[160], form[96];
    /* With .product: the fit of one line, e.g. "quadratic/k:8". */
    snprintf(who, sizeof who, "%s%s", r->bench, r->others ? r->others : "");
    fit_formula(&r->fit, counts, form, sizeof form);
    if (!r->fit.clear)
        fprintf(f,
                "  %-*s no clear class (fit error %.1f%%; the best, %s, "
                "%s)\n",
                w, who, 100 * r->fit.error, st_big_o_name(r->fit.big_o), form);
    else
        fprintf(f, "  %-*s %-11s %s   fit error %.1f%%\n", w, who,
                r->complexity, form, 100 * r->fit.error);
}

static void console_block(FILE *f, const mb_run *run, const char *group,
                          const cols *cc, bool color)
{
    size_t *idx = malloc((run->nresults + 1) * sizeof *idx);
    if (!idx)
        return;
    size_t k = block(run, group, idx);
    if (!k) {
        free(idx);
        return;
    }
    int w = (int)strlen(group ? group : "benchmark");
    bool thr = false, rel = false, mem = false;
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx[i]];
        int l = 2 + (int)strlen(short_name(r));
        w = l > w ? l : w;
        thr |= r->items > 0 || r->bytes > 0;
        rel |= r->vs_fastest > 0;
        mem |= allocates(r);
    }
    ucols uc;
    user_cols(run, idx, k, &uc);
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    fprintf(f, "%s%-*s  %10s  %-21s %-7s %-10s", bold, w,
            group ? group : "benchmark", "time/iter", "95% CI (runs)", "rounds",
            "outliers");
    if (thr)
        fprintf(f, " %14s", "throughput");
    for (size_t c = 0; c < cc->n; c++)
        fprintf(f, " %9s", counter_label(cc->names[c]));
    if (cc->ipc)
        fprintf(f, " %5s", "IPC");
    if (mem)
        fprintf(f, " %9s %10s", "allocs", "alloc'd");
    if (rel)
        fprintf(f, " %10s", "vs fastest");
    for (size_t c = 0; c < uc.n; c++)
        fprintf(f, " %10.10s", uc.names[c]);
    fprintf(f, "%s\n", off);
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx[i]];
        if (!name_cell(f, r, w, color))
            continue;
        char t[32], lo[32], hi[32], ci[80], out[48];
        report_time_in(r->time.median, r->unit, t, sizeof t);
        report_time_in(r->time.median_ci.lo, r->unit, lo, sizeof lo);
        report_time_in(r->time.median_ci.hi, r->unit, hi, sizeof hi);
        /* One unit for the interval: strip the unit of the lower end
         * when both share it. */
        char *sp = strchr(lo, ' ');
        if (sp && strcmp(sp, strchr(hi, ' ') ? strchr(hi, ' ') : "") == 0)
            *sp = '\0';
        /* "*": fewer than 3 rounds, the interval of this run's median
         * only (see the legend). */
        snprintf(ci, sizeof ci, "[%s, %s]%s", lo, hi,
                 r->time.ci_rounds ? "" : "*");
        fmt_outliers(&r->time, out, sizeof out);
        fputs("  ", f);
        pad(f, t, 10, true);
        fputs("  ", f);
        pad(f, ci, 21, false);
        char spread[16] = "-";
        if (r->nrounds >= 2)
            snprintf(spread, sizeof spread, "±%.0f%%", 100 * r->round_spread);
        fputc(' ', f);
        pad(f, spread, 7, false);
        fprintf(f, " %-10s", out);
        if (thr) {
            char buf[32] = "";
            double per_s = r->time.median > 0 ? 1e9 / r->time.median : 0;
            if (r->bytes > 0)
                fmt_rate(r->bytes * per_s, "B", buf, sizeof buf);
            else if (r->items > 0)
                fmt_rate(r->items * per_s, "it", buf, sizeof buf);
            fprintf(f, " %14s", buf);
        }
        for (size_t c = 0; c < cc->n; c++) {
            char buf[32];
            fmt_count(result_counter_median(r, cc->names[c]), buf, sizeof buf);
            fprintf(f, " %9s", buf);
        }
        if (cc->ipc) {
            double ipc = result_counter_median(r, "PAPI_TOT_INS") /
                         result_counter_median(r, "PAPI_TOT_CYC");
            if (isfinite(ipc))
                fprintf(f, " %5.2f", ipc);
            else
                fprintf(f, " %5s", "-");
        }
        if (mem) {
            /* Per iteration, from the counting pass. */
            char na[32] = "-", nb[32] = "-";
            if (r->alloc_iters > 0) {
                fmt_count(r->allocs / r->alloc_iters, na, sizeof na);
                fmt_bytes(r->alloc_bytes / r->alloc_iters, nb, sizeof nb);
            }
            fprintf(f, " %9s ", na);
            pad(f, nb, 10, true);
        }
        if (rel) {
            if (r->vs_fastest > 0)
                fprintf(f, " %9.2fx", r->vs_fastest);
            else
                fprintf(f, " %10s", "-");
        }
        for (size_t c = 0; c < uc.n; c++) {
            char buf[32];
            user_cell(r, uc.names[c], buf, sizeof buf);
            fprintf(f, " %10s", buf[0] ? buf : "-");
        }
        if (r->label)
            fprintf(f, "  %s", r->label);
        fputc('\n', f);
    }
    /* Fitted complexity per family, once each. */
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx[i]];
        bool first = r->complexity[0];
        for (size_t j = 0; j < i && first; j++)
            first =
                !(same(run->results[idx[j]].family, r->family) &&
                  same(run->results[idx[j]].others ? run->results[idx[j]].others
                                                   : "",
                       r->others ? r->others : ""));
        if (first)
            print_fit(f, r, w - 2 > 10 ? 10 : w - 2, false);
    }
    size_t nx = 0;
    crossover *x = run_crossovers(run, &nx);
    for (size_t i = 0; i < nx; i++)
        if (same(x[i].group, group))
            fprintf(f,
                    "  crossover%s%s: %s is faster than %s from n ≈ %.0f "
                    "(between %.0f and %.0f, where they differ "
                    "significantly)\n",
                    x[i].others && x[i].others[0] ? " at " : "",
                    x[i].others && x[i].others[0] ? x[i].others + 1 : "",
                    x[i].faster, x[i].slower, x[i].at, x[i].lo, x[i].hi);
    free(x);
    fputc('\n', f);
    free(idx);
}

/* ---- --measure=instructions: counts instead of times ------------------ */

static bool counts_measure(const mb_run *run)
{
    return strcmp(ctx_s(run, "measure", "time"), "instructions") == 0;
}

/* "66.0 instr", "1.23k instr", "33.6M cycles": three significant digits. */
static void report_count(double v, const char *unit, char *buf, size_t len)
{
    static const char *const pre[] = {"", "k", "M", "G", "T"};
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return;
    }
    int p = 0;
    while (p < 4 && fabs(v) >= 999.5) {
        v /= 1000;
        p++;
    }
    int digits = fabs(v) >= 99.95 ? 0 : fabs(v) >= 9.995 ? 1 : 2;
    if (p == 0 && v == floor(v))
        digits = 0; /* exact counts print as integers */
    snprintf(buf, len, "%.*f%s%s%s", digits, v, pre[p], *unit ? " " : "", unit);
}

/* Sum of the named callgrind counters per iteration; NAN when r has none
 * of them. */
static double per_iter_sum(const mb_result *r, const char *const *names,
                           size_t n)
{
    double sum = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        double v = result_counter_median(r, names[i]);
        if (isfinite(v)) {
            sum += v;
            any = true;
        }
    }
    return any ? sum : NAN;
}

static const char *const l1_miss[] = {"I1mr", "D1mr", "D1mw"};
static const char *const ll_miss[] = {"ILmr", "DLmr", "DLmw"};
static const char *const br_miss[] = {"Bcm", "Bim"};

/* The cells of one instructions-mode row, each of 32 bytes: counts per
 * iteration, the cycle estimate (labelled cyc_unit) and the misses. */
static void instr_cells(const mb_result *r, const char *cyc_unit, char *ir,
                        char *cyc, char *l1, char *ll, char *br)
{
    report_count(r->time.median, "instr", ir, 32);
    report_count(result_counter_median(r, "est_cycles"), cyc_unit, cyc, 32);
    fmt_count(per_iter_sum(r, l1_miss, 3), l1, 32);
    fmt_count(per_iter_sum(r, ll_miss, 3), ll, 32);
    fmt_count(per_iter_sum(r, br_miss, 2), br, 32);
}

static void instr_block(FILE *f, const mb_run *run, const char *group,
                        bool color)
{
    size_t *idx = malloc((run->nresults + 1) * sizeof *idx);
    if (!idx)
        return;
    size_t k = block(run, group, idx);
    int w = (int)strlen(group ? group : "benchmark");
    bool rel = false;
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx[i]];
        int l = 2 + (int)strlen(short_name(r));
        w = l > w ? l : w;
        rel |= r->vs_fastest > 0;
    }
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    if (k)
        fprintf(f, "%s%-*s  %14s  %14s  %9s  %9s  %9s%s%s\n", bold, w,
                group ? group : "benchmark", "instr/iter", "est. cycles",
                "L1 miss", "LL miss", "br miss", rel ? "  vs fastest" : "",
                off);
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx[i]];
        if (!name_cell(f, r, w, color))
            continue;
        char ir[32], cyc[32], l1[32], ll[32], br[32];
        instr_cells(r, "cycles", ir, cyc, l1, ll, br);
        fputs("  ", f);
        pad(f, ir, 14, true);
        fputs("  ", f);
        pad(f, cyc, 14, true);
        fprintf(f, "  %9s  %9s  %9s", l1, ll, br);
        if (rel && r->vs_fastest > 0)
            fprintf(f, "  %9.2fx", r->vs_fastest);
        fputc('\n', f);
    }
    for (size_t i = 0; i < k; i++) {
        const mb_result *r = &run->results[idx[i]];
        bool first = r->complexity[0];
        for (size_t j = 0; j < i && first; j++)
            first = !same(run->results[idx[j]].family, r->family);
        if (first)
            print_fit(f, r, 10, true);
    }
    size_t nx = 0;
    crossover *x = run_crossovers(run, &nx);
    for (size_t i = 0; i < nx; i++)
        if (same(x[i].group, group))
            fprintf(f,
                    "  crossover: %s needs fewer instructions than %s "
                    "from n ≈ %.0f (between %.0f and %.0f)\n",
                    x[i].faster, x[i].slower, x[i].at, x[i].lo, x[i].hi);
    free(x);
    if (k)
        fputc('\n', f);
    free(idx);
}

/* ---- Comparisons: one table for both measures --------------------------- */

/* The text of one comparison row's cells. instr: exact counts, whose
 * fourth column names the counter that moved most; else times with the
 * change's interval and, when counted, the instruction change. */
typedef struct cells {
    char base[32], now[32], change[32], extra[64], ins[32];
} cells;

static void row_cells(const cmp_row *r, bool instr, cells *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->base, "-");
    strcpy(c->now, "-");
    if (r->old) {
        if (instr)
            report_count(r->old_value, "instr", c->base, sizeof c->base);
        else
            report_time(r->old_value, c->base, sizeof c->base);
    }
    if (r->now) {
        if (instr)
            report_count(r->new_value, "instr", c->now, sizeof c->now);
        else
            report_time(r->new_value, c->now, sizeof c->now);
    }
    if (r->old && r->now && r->verdict != CMP_FAILED &&
        r->verdict != CMP_SKIPPED) {
        snprintf(c->change, sizeof c->change, instr ? "%+.2f%%" : "%+.1f%%",
                 100 * r->change.change);
        if (instr && r->moved)
            snprintf(c->extra, sizeof c->extra, "%s %+.1f%%", r->moved,
                     100 * r->moved_change);
        else if (!instr && isnan(r->change.ci.lo))
            snprintf(c->extra, sizeof c->extra, "no test"); /* no replicates */
        else if (!instr)
            snprintf(c->extra, sizeof c->extra, "[%+.1f%%, %+.1f%%]",
                     100 * r->change.ci.lo, 100 * r->change.ci.hi);
    }
    if (r->has_ins)
        snprintf(c->ins, sizeof c->ins, "%+.2f%%", 100 * r->ins_change);
}

/* What base and now are, for the units the table's rows used. */
static void base_legend(FILE *f, const cmp_result *c, const char *pre,
                        const char *post)
{
    bool u[3] = {false, false, false};
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        if (r->old && r->now && r->verdict != CMP_FAILED &&
            r->verdict != CMP_NEW && r->verdict != CMP_GONE &&
            (unsigned)r->change.unit < 3)
            u[r->change.unit] = true;
    }
    if (u[ST_UNIT_ROUNDS])
        fprintf(f,
                "%sbase, now: each run's level, the geometric mean of its "
                "rounds' 10th percentiles (not the medians above); change = "
                "now / base - 1%s\n",
                pre, post);
    if (u[ST_UNIT_PAIRS])
        fprintf(f,
                "%sbase, now: geometric means of the rounds' 10th "
                "percentiles; change: the median of the paired rounds' "
                "ratios%s\n",
                pre, post);
    if (u[ST_UNIT_SAMPLES])
        fprintf(f,
                "%sbase, now: medians of the samples (fewer than 3 rounds); "
                "change = now / base - 1%s\n",
                pre, post);
}

/* What the interval column is, printed under every timed comparison. */
static const char ci_legend[] =
    "CI (suite 95%): adjusted over the suite (Holm's levels), the one the "
    "verdict used; unchanged = inside ±threshold, inconclusive = reaches "
    "past it.";

/* "alpha 0.05 (Holm, 18 compared) · threshold 3%", or for exact counts
 * "exact counts (callgrind), 4 compared · threshold 3%". */
static void method_text(const cmp_result *c, bool instr, char *buf, size_t len)
{
    if (instr)
        snprintf(buf, len,
                 "exact counts (callgrind), %zu compared · "
                 "threshold %g%%",
                 c->compared, 100 * c->threshold);
    else
        snprintf(buf, len, "alpha %g (%s, %zu compared) · threshold %g%%",
                 c->alpha, c->correction ? c->correction : "Holm", c->compared,
                 100 * c->threshold);
}

/* The functions behind each slower or faster verdict, where both sides
 * were profiled under callgrind (instructions runs, or ab --why). */
static void why_lines(FILE *f, const cmp_result *c, bool md)
{
    bool any = false;
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        if (!r->why || (r->verdict != CMP_SLOWER && r->verdict != CMP_FASTER))
            continue;
        if (!any)
            fputs(md ? "**Why** (callgrind, per iteration, functions whose "
                       "cost moved most):\n\n"
                     : "why (callgrind, per iteration, functions whose cost "
                       "moved most):\n",
                  f);
        any = true;
        char text[2048];
        pf_why_text(r->why, PF_MAX_LISTED, text, sizeof text);
        if (!text[0])
            snprintf(text, sizeof text, "no function's cost moved");
        if (md)
            fprintf(f, "- `%s` %+.1f%%: %s\n", r->name, 100 * r->change.change,
                    text);
        else
            fprintf(f, "  %s %+.1f%%: %s\n", r->name, 100 * r->change.change,
                    text);
    }
    if (any && md)
        fputc('\n', f);
}

static void compare_console(FILE *f, const cmp_result *c, bool color,
                            bool instr)
{
    int w = (int)strlen("benchmark");
    bool ins = false;
    for (size_t i = 0; i < c->n; i++) {
        int l = (int)strlen(c->rows[i].name);
        w = l > w ? l : w;
        ins |= !instr && c->rows[i].has_ins;
    }
    int vw = instr ? 14 : 10, xw = instr ? 16 : 20;
    fprintf(f, "against %s\n", c->old_label ? c->old_label : "baseline");
    for (size_t i = 0; i < c->nnotes; i++)
        fprintf(f, "note: %s\n", c->notes[i]);
    fprintf(f, "%-*s  %*s  %*s  %8s  %-*s %s%s\n", w, "benchmark", vw, "base",
            vw, "now", "change", xw, instr ? "moved most" : "CI (suite 95%)",
            ins ? "instructions  " : "", "verdict");
    const char *off = color ? "\033[0m" : "";
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        cells cl;
        row_cells(r, instr, &cl);
        const char *col = "";
        if (color && r->verdict == CMP_SLOWER)
            col = "\033[31m";
        else if (color && r->verdict == CMP_FASTER)
            col = "\033[32m";
        else if (color && r->verdict == CMP_INCONCLUSIVE)
            col = "\033[33m";
        fprintf(f, "%-*s  ", w, r->name);
        pad(f, cl.base, vw, true);
        fputs("  ", f);
        pad(f, cl.now, vw, true);
        fprintf(f, "  %8s  %-*s ", cl.change, xw, cl.extra);
        if (ins)
            fprintf(f, "%-12s  ", cl.ins);
        fprintf(f, "%s%s%s\n", col, cmp_verdict_name(r->verdict), off);
    }
    char method[128];
    method_text(c, instr, method, sizeof method);
    fprintf(f, "%zu slower, %zu faster, %zu unchanged", c->count[CMP_SLOWER],
            c->count[CMP_FASTER], c->count[CMP_UNCHANGED]);
    if (c->count[CMP_INCONCLUSIVE])
        fprintf(f, ", %zu inconclusive", c->count[CMP_INCONCLUSIVE]);
    if (c->count[CMP_NEW])
        fprintf(f, ", %zu new", c->count[CMP_NEW]);
    if (c->count[CMP_GONE])
        fprintf(f, ", %zu gone", c->count[CMP_GONE]);
    fprintf(f, " · %s\n", method);
    if (!instr) {
        base_legend(f, c, "", "");
        fprintf(f, "%s\n", ci_legend);
    }
    why_lines(f, c, false);
}

static void compare_markdown(FILE *f, const cmp_result *c, bool instr)
{
    char method[128];
    method_text(c, instr, method, sizeof method);
    fprintf(f, "### microbe: %zu slower, %zu faster, %zu unchanged",
            c->count[CMP_SLOWER], c->count[CMP_FASTER],
            c->count[CMP_UNCHANGED]);
    if (c->count[CMP_INCONCLUSIVE])
        fprintf(f, ", %zu inconclusive", c->count[CMP_INCONCLUSIVE]);
    fprintf(f, "\n\n");
    fprintf(f, "Against %s · %s\n\n", c->old_label ? c->old_label : "baseline",
            method);
    for (size_t i = 0; i < c->nnotes; i++)
        fprintf(f, "> %s\n", c->notes[i]);
    if (c->nnotes)
        fputc('\n', f);
    fprintf(f,
            "| benchmark | base | now | change | %s | verdict "
            "|\n|---|---:|---:|---:|---|---|\n",
            instr ? "moved most" : "CI (suite 95%)");
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        cells cl;
        row_cells(r, instr, &cl);
        const char *v = cmp_verdict_name(r->verdict);
        bool loud = r->verdict == CMP_SLOWER || r->verdict == CMP_FAILED;
        bool soft = r->verdict == CMP_INCONCLUSIVE;
        fprintf(f, "| `%s` | %s | %s | %s | %s | %s%s%s |\n", r->name, cl.base,
                cl.now, cl.change, cl.extra,
                loud   ? "**"
                : soft ? "_"
                       : "",
                v,
                loud   ? "**"
                : soft ? "_"
                       : "");
    }
    fputc('\n', f);
    if (!instr) {
        base_legend(f, c, "", "  ");
        fprintf(f, "%s\n\n", ci_legend);
    }
    why_lines(f, c, true);
}

/* A single instructions run: each benchmark's costliest functions by self
 * instructions per iteration, at most REPORT_TOP_FNS of them, fewer when
 * they cover REPORT_TOP_COVER of its instructions; the rest summed. Left
 * out (one line says so) for suites of more than REPORT_TOP_MAX_BENCH
 * benchmarks, where the JSON has them (microbe.profile). */
#define REPORT_TOP_FNS       3
#define REPORT_TOP_COVER     0.9
#define REPORT_TOP_MAX_BENCH 30
static void top_functions(FILE *f, const mb_run *run)
{
    size_t n = 0;
    for (size_t i = 0; i < run->nresults; i++)
        n += run->results[i].profile && run->results[i].profile->n;
    if (!n)
        return;
    if (n > REPORT_TOP_MAX_BENCH) {
        fprintf(f,
                "top functions: left out for %zu benchmarks (more than %d); "
                "--format=json has them (microbe.profile)\n\n",
                n, REPORT_TOP_MAX_BENCH);
        return;
    }
    fprintf(f, "top functions (callgrind, self instructions per iteration, "
               "share of the benchmark's):\n");
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        const mb_profile *p = r->profile;
        if (!p || !p->n || r->error)
            continue;
        int ir = profile_event(p, "Ir");
        if (ir < 0)
            ir = 0;
        double total = p->total_ir > 0 ? p->total_ir : 0, shown = 0;
        fprintf(f, "  %s:", r->name);
        size_t m = 0; /* functions listed */
        for (size_t k = 0; k < p->n && k < REPORT_TOP_FNS; k++) {
            const mb_fn_cost *fn = &p->fns[k];
            double v = fn->self[ir];
            char c[40], where[300] = "";
            pf_count(v, false, c, sizeof c);
            const char *file = strrchr(fn->file, '/');
            file = file ? file + 1 : fn->file;
            if (file[0] && fn->line)
                snprintf(where, sizeof where, ", %s:%u", file, fn->line);
            fprintf(f, "%s %s %s (%.1f%%%s)", k ? "," : "", fn->name, c,
                    total > 0 ? 100 * v / total : 0, where);
            shown += v;
            m++;
            if (total > 0 && shown >= REPORT_TOP_COVER * total)
                break;
        }
        size_t rest = p->n - m + p->left_out;
        if (rest && total > shown)
            fprintf(f, ", %zu other%s %.1f%%", rest, rest == 1 ? "" : "s",
                    100 * (total - shown) / total);
        fputc('\n', f);
    }
    fputc('\n', f);
}

static void instr_console(FILE *f, const mb_run *run, const cmp_result *cmp,
                          bool color)
{
    instr_block(f, run, NULL, color);
    for (size_t i = 0; i < run->nresults; i++) {
        const char *g = run->results[i].group;
        bool first = g != NULL;
        for (size_t j = 0; j < i && first; j++)
            first = !same(run->results[j].group, g);
        if (first)
            instr_block(f, run, g, color);
    }
    if (cmp)
        compare_console(f, cmp, color, true);
    else
        top_functions(f, run);
}

static void instr_markdown(FILE *f, const mb_run *run)
{
    fprintf(f, "### microbe %s · instructions (callgrind)\n\n",
            ctx_s(run, "microbe_version", MB_VERSION));
    fprintf(f, "| benchmark | instr/iter | est. cycles | L1 miss | LL miss | "
               "br miss |\n|---|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (r->error) {
            fprintf(f, "| `%s` | **%s** | | | | |\n", r->name, r->error);
            continue;
        }
        char ir[32], cyc[32], l1[32], ll[32], br[32];
        instr_cells(r, "", ir, cyc, l1, ll, br);
        fprintf(f, "| `%s` | %s | %s | %s | %s | %s |\n", r->name, ir, cyc, l1,
                ll, br);
    }
    fputc('\n', f);
}

/* What the per-benchmark interval estimates, once under the tables. */
static void console_legend(FILE *f, const mb_run *run)
{
    size_t rounds = 0, few = 0;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (r->error || r->time.n == 0)
            continue;
        if (r->time.ci_rounds)
            rounds = r->time.ci_rounds > rounds ? r->time.ci_rounds : rounds;
        else
            few++;
    }
    if (rounds)
        fprintf(f, "95%% CI (runs): interval for the median a run of this "
                   "build measures here, from the spread between its rounds "
                   "(each a fresh process)\n");
    if (few)
        fprintf(f, "*: fewer than 3 rounds: the interval of this run's median "
                   "only; fresh runs vary more\n");
    if (rounds || few)
        fputc('\n', f);
}

static void console(FILE *f, const mb_run *run, const cmp_result *cmp,
                    bool color)
{
    console_header(f, run, color);
    if (counts_measure(run)) {
        instr_console(f, run, cmp, color);
        return;
    }
    cols cc;
    counter_cols(run, &cc);
    console_block(f, run, NULL, &cc, color);
    for (size_t i = 0; i < run->nresults; i++) {
        const char *g = run->results[i].group;
        bool first = g != NULL;
        for (size_t j = 0; j < i && first; j++)
            first = !same(run->results[j].group, g);
        if (first)
            console_block(f, run, g, &cc, color);
    }
    console_legend(f, run);
    if (cmp)
        compare_console(f, cmp, color, false);
}

/* CSV fields never contain commas or quotes except names: quote those. */
static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv(FILE *f, const mb_run *run, const cmp_result *cmp)
{
    cols cc;
    counter_cols(run, &cc);
    /* Instructions runs hold instructions where timed runs hold ns. */
    const char *u = counts_measure(run) ? "instr" : "ns";
    fprintf(f,
            "name,group,bench,arg,samples,median_%s,mean_%s,ci_lo_%s,"
            "ci_hi_%s,mad_%s,stddev_%s,outliers,complexity,vs_fastest",
            u, u, u, u, u, u);
    for (size_t c = 0; c < cc.n; c++)
        fprintf(f, ",%s", cc.names[c]);
    fprintf(f, ",allocs_per_iter,bytes_per_iter,max_bytes_used");
    /* Throughput per argument, what the body set, user counters. */
    ucols uc;
    user_cols(run, NULL, run->nresults, &uc);
    fprintf(f, ",threads,items_per_second,bytes_per_second,label,skipped");
    for (size_t c = 0; c < uc.n; c++) {
        fputc(',', f);
        csv_str(f, uc.names[c]);
    }
    if (cmp)
        fprintf(f, ",base_%s,change,change_lo,change_hi,p_adj,verdict", u);
    fprintf(f, ",error\n");
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        const mb_summary *s = &r->time;
        csv_str(f, r->name);
        fputc(',', f);
        csv_str(f, r->group ? r->group : "");
        fputc(',', f);
        csv_str(f, r->bench);
        if (r->has_arg)
            fprintf(f, ",%" PRId64, r->arg);
        else
            fprintf(f, ",");
        fprintf(f, ",%zu,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%zu,%s,", s->n,
                s->median, s->mean, s->median_ci.lo, s->median_ci.hi, s->mad,
                s->stddev,
                s->outliers.low_mild + s->outliers.low_severe +
                    s->outliers.high_mild + s->outliers.high_severe,
                r->complexity);
        if (r->vs_fastest > 0)
            fprintf(f, "%.4g", r->vs_fastest);
        for (size_t c = 0; c < cc.n; c++) {
            double v = result_counter_median(r, cc.names[c]);
            fputc(',', f);
            if (isfinite(v))
                fprintf(f, "%.6g", v);
        }
        if (r->alloc_iters > 0)
            fprintf(f, ",%.6g,%.6g,%.6g", r->allocs / r->alloc_iters,
                    r->alloc_bytes / r->alloc_iters, r->alloc_peak);
        else
            fprintf(f, ",,,");
        double per_s = s->median > 0 ? 1e9 / s->median : 0;
        fprintf(f, ",%d,", r->threads > 1 ? r->threads : 1);
        if (r->items > 0 && per_s > 0)
            fprintf(f, "%.6g", r->items * per_s);
        fputc(',', f);
        if (r->bytes > 0 && per_s > 0)
            fprintf(f, "%.6g", r->bytes * per_s);
        fputc(',', f);
        csv_str(f, r->label ? r->label : "");
        fputc(',', f);
        csv_str(f, r->skipped ? r->skipped : "");
        for (size_t c = 0; c < uc.n; c++) {
            fputc(',', f);
            for (size_t k = 0; k < r->nuser; k++)
                if (strcmp(r->user[k].name, uc.names[c]) == 0 &&
                    isfinite(result_user_value(r, k)))
                    fprintf(f, "%.6g", result_user_value(r, k));
        }
        if (cmp) {
            const cmp_row *row = NULL;
            for (size_t j = 0; j < cmp->n; j++)
                if (cmp->rows[j].now == r)
                    row = &cmp->rows[j];
            if (row && row->old)
                fprintf(f, ",%.6g,%.6g,%.6g,%.6g,%.4g,%s", row->old_value,
                        row->change.change, row->change.ci.lo,
                        row->change.ci.hi, row->p_adj,
                        cmp_verdict_name(row->verdict));
            else
                fprintf(f, ",,,,,,%s",
                        row ? cmp_verdict_name(row->verdict) : "");
        }
        fputc(',', f);
        csv_str(f, r->error ? r->error : "");
        fputc('\n', f);
    }
    if (cmp)
        for (size_t j = 0; j < cmp->n; j++)
            if (cmp->rows[j].verdict == CMP_GONE) {
                csv_str(f, cmp->rows[j].name);
                fprintf(f, ",,,,0,,,,,,,0,,");
                for (size_t c = 0; c < cc.n; c++)
                    fputc(',', f);
                fprintf(f, ",,,");
                fprintf(f, ",,,,,");
                for (size_t c = 0; c < uc.n; c++)
                    fputc(',', f);
                fprintf(f, ",%.6g,,,,,gone,\n", cmp->rows[j].old_value);
            }
}

static void markdown(FILE *f, const mb_run *run, const cmp_result *cmp)
{
    if (cmp) {
        compare_markdown(f, cmp, counts_measure(run));
        return;
    }
    if (counts_measure(run)) {
        instr_markdown(f, run);
        return;
    }
    fprintf(f, "### microbe %s · %s\n\n",
            ctx_s(run, "microbe_version", MB_VERSION),
            ctx_s(run, "cpu_brand", "unknown CPU"));
    for (size_t i = 0; i < run->nwarnings; i++)
        fprintf(f, "> warning: %s\n", run->warnings[i]);
    if (run->nwarnings)
        fputc('\n', f);
    bool mem = false, thr = false, lab = false;
    for (size_t i = 0; i < run->nresults; i++) {
        mem |= allocates(&run->results[i]);
        thr |= run->results[i].items > 0 || run->results[i].bytes > 0;
        lab |= run->results[i].label != NULL;
    }
    ucols uc;
    user_cols(run, NULL, run->nresults, &uc);
    fprintf(
        f,
        "| benchmark | time/iter | 95%% CI (runs) | outliers | complexity | "
        "vs fastest |%s%s",
        mem ? " allocs/iter | bytes/iter |" : "", thr ? " throughput |" : "");
    for (size_t c = 0; c < uc.n; c++)
        fprintf(f, " %s |", uc.names[c]);
    fprintf(f, "%s\n|---|---:|---|---|---|---:|%s%s", lab ? " label |" : "",
            mem ? "---:|---:|" : "", thr ? "---:|" : "");
    for (size_t c = 0; c < uc.n; c++)
        fprintf(f, "---:|");
    fprintf(f, "%s\n", lab ? "---|" : "");
    /* Empty cells after a row's first two. */
    int rest = 4 + 2 * mem + thr + (int)uc.n + lab;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (r->error || r->skipped) {
            if (r->error)
                fprintf(f, "| `%s` | **%s** |", r->name, r->error);
            else
                fprintf(f, "| `%s` | skipped: %s |", r->name, r->skipped);
            for (int c = 0; c < rest; c++)
                fputs(" |", f);
            fputc('\n', f);
            continue;
        }
        char na[32] = "", nb[32] = "";
        if (mem && r->alloc_iters > 0) {
            fmt_count(r->allocs / r->alloc_iters, na, sizeof na);
            fmt_bytes(r->alloc_bytes / r->alloc_iters, nb, sizeof nb);
        }
        char t[32], lo[32], hi[32], out[48], rel[32] = "";
        report_time_in(r->time.median, r->unit, t, sizeof t);
        report_time_in(r->time.median_ci.lo, r->unit, lo, sizeof lo);
        report_time_in(r->time.median_ci.hi, r->unit, hi, sizeof hi);
        fmt_outliers(&r->time, out, sizeof out);
        if (r->vs_fastest > 0)
            snprintf(rel, sizeof rel, "%.2fx", r->vs_fastest);
        fprintf(f, "| `%s` | %s | [%s, %s]%s | %s | %s | %s |", r->name, t, lo,
                hi, r->time.ci_rounds ? "" : "\\*", out, r->complexity, rel);
        if (mem)
            fprintf(f, " %s | %s |", na, nb);
        if (thr) {
            char buf[32] = "";
            double per_s = r->time.median > 0 ? 1e9 / r->time.median : 0;
            if (r->bytes > 0)
                fmt_rate(r->bytes * per_s, "B", buf, sizeof buf);
            else if (r->items > 0)
                fmt_rate(r->items * per_s, "it", buf, sizeof buf);
            fprintf(f, " %s |", buf);
        }
        for (size_t c = 0; c < uc.n; c++) {
            char buf[32];
            user_cell(r, uc.names[c], buf, sizeof buf);
            fprintf(f, " %s |", buf);
        }
        if (lab)
            fprintf(f, " %s |", r->label ? r->label : "");
        fputc('\n', f);
    }
    fputc('\n', f);
}

bool report_write(FILE *f, out_format fmt, const mb_run *run,
                  const cmp_result *cmp, bool color)
{
    switch (fmt) {
    case FMT_CONSOLE:
        console(f, run, cmp, color);
        break;
    case FMT_CSV:
        csv(f, run, cmp);
        break;
    case FMT_MARKDOWN:
        markdown(f, run, cmp);
        break;
    case FMT_JSON:
        return false; /* core/json_write.c writes JSON */
    case FMT_BMF:
    case FMT_GH_BENCH:
        return report_write_ci(f, fmt, run) && !ferror(f);
    }
    return !ferror(f);
}

void report_step_summary(const char *prog, const mb_run *run,
                         const cmp_result *cmp, bool off)
{
    const char *path = getenv("GITHUB_STEP_SUMMARY");
    if (off || !path || !*path)
        return;
    FILE *f = fopen(path, "a");
    bool ok = f && report_write(f, FMT_MARKDOWN, run, cmp, false);
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr,
                "%s: warning: cannot append to GITHUB_STEP_SUMMARY '%s': %s\n",
                prog, path, strerror(errno));
}
