/* JSON -> run: the loader of microbe's own documents (strict), and the
 * entry point that hands Google Benchmark documents to gbench.c. */
#include "json_impl.h"
#include "profile.h"

#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool jl_fail(json_ld *l, mb_status st, const char *fmt, ...)
{
    l->st = st;
    if (l->err && l->errlen) {
        int n = snprintf(l->err, l->errlen, "%s: ", l->src);
        if (n >= 0 && (size_t)n < l->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return false;
}

bool jl_nomem(json_ld *l)
{
    return jl_fail(l, MB_ERR_NO_MEMORY, "out of memory while loading");
}

static const char *kind_name(enum jl_kind k)
{
    static const char *const names[] = {
        "a string",      "a number", "a number or null", "an integer",
        "true or false", "an array", "an object"};
    return names[k];
}

bool jl_is_kind(const json_t *v, enum jl_kind k)
{
    switch (k) {
    case K_STR:
        return json_is_string(v);
    case K_NUM:
        return json_is_number(v);
    case K_NUMN:
        return json_is_number(v) || json_is_null(v);
    case K_INT:
        return json_is_integer(v);
    case K_BOOL:
        return json_is_boolean(v);
    case K_ARR:
        return json_is_array(v);
    case K_OBJ:
        return json_is_object(v);
    }
    return false;
}

/* The member key of obj, which must be of kind k; where names obj. NULL
 * (with the error set) when absent and required or of the wrong kind. An
 * optional key that is absent gives NULL with l->st still MB_OK. */
json_t *jl_get(json_ld *l, const json_t *obj, const char *where,
               const char *key, enum jl_kind k, bool required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            jl_fail(l, MB_ERR_CORRUPT, "%s: missing key '%s'", where, key);
        return NULL;
    }
    if (!jl_is_kind(v, k)) {
        jl_fail(l, MB_ERR_CORRUPT, "%s: '%s' is not %s", where, key,
                kind_name(k));
        return NULL;
    }
    return v;
}

static double numval(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Reads a required number (or null) key into *x. */
static bool getnum(json_ld *l, const json_t *obj, const char *where,
                   const char *key, double *x)
{
    json_t *v = jl_get(l, obj, where, key, K_NUMN, true);
    if (!v)
        return false;
    *x = numval(v);
    return true;
}

/* Reads a required non-negative integer key. */
static bool getcount(json_ld *l, const json_t *obj, const char *where,
                     const char *key, size_t *x)
{
    json_t *v = jl_get(l, obj, where, key, K_INT, true);
    if (!v)
        return false;
    json_int_t i = json_integer_value(v);
    if (i < 0)
        return jl_fail(l, MB_ERR_CORRUPT, "%s: '%s' is negative (%lld)", where,
                       key, (long long)i);
    *x = (size_t)i;
    return true;
}

bool jl_measure(json_ld *l, const json_t *v, const char *where,
                const char *field, bool positive, double *x)
{
    if (!v)
        return jl_fail(l, MB_ERR_CORRUPT, "%s: missing key '%s'", where, field);
    if (!json_is_number(v))
        return jl_fail(l, MB_ERR_CORRUPT, "%s: '%s' is %s, not a number", where,
                       field, json_is_null(v) ? "null" : "not a number");
    *x = json_number_value(v);
    if (!isfinite(*x) || (positive ? !(*x > 0) : !(*x >= 0)))
        return jl_fail(l, MB_ERR_CORRUPT, "%s: '%s' must be %s (got %g)", where,
                       field, positive ? "> 0" : ">= 0", *x);
    return true;
}

bool jl_dupstr(json_ld *l, char **dst, const json_t *s)
{
    *dst = strdup(json_string_value(s));
    return *dst ? true : jl_nomem(l);
}

static bool load_context(json_ld *l, const json_t *ctx, mb_run *run,
                         bool strict)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ctx, key, v)
    {
        if (strcmp(key, "warnings") == 0 || strcmp(key, "microbe_format") == 0)
            continue;
        if (json_is_string(v))
            run_ctx_str(run, key, json_string_value(v));
        else if (json_is_number(v))
            run_ctx_num(run, key, json_number_value(v));
        else if (json_is_boolean(v))
            run_ctx_bool(run, key, json_is_true(v));
        else if (strict)
            return jl_fail(l, MB_ERR_CORRUPT,
                           "context: '%s' is not a string, number or bool",
                           key);
        else
            continue; /* GB's "caches" array and the like */
        const ctx_entry *e = run_ctx_get(run, key);
        if (!e || (e->type == CTX_STR && !e->str))
            return jl_nomem(l);
    }
    json_t *w = jl_get(l, ctx, "context", "warnings", K_ARR, false);
    if (!w)
        return l->st == MB_OK;
    size_t n = json_array_size(w);
    if (n) {
        run->warnings = calloc(n, sizeof *run->warnings);
        if (!run->warnings)
            return jl_nomem(l);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(w, i);
        if (!json_is_string(s))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "context.warnings[%zu] is not a string", i);
        if (!jl_dupstr(l, &run->warnings[i], s))
            return false;
        run->nwarnings++;
    }
    return true;
}

/* An array member of obj holding exactly want elements (want == SIZE_MAX:
 * any number, stored into *n). */
static json_t *getarr(json_ld *l, const json_t *obj, const char *where,
                      const char *key, size_t want)
{
    json_t *a = jl_get(l, obj, where, key, K_ARR, true);
    if (a && want != SIZE_MAX && json_array_size(a) != want) {
        jl_fail(l, MB_ERR_CORRUPT, "%s: '%s' has %zu values, expected %zu",
                where, key, json_array_size(a), want);
        return NULL;
    }
    return a;
}

static bool load_interval(json_ld *l, const json_t *obj, const char *where,
                          const char *key, st_interval *iv)
{
    json_t *a = getarr(l, obj, where, key, 2);
    if (!a)
        return false;
    for (size_t i = 0; i < 2; i++)
        if (!jl_is_kind(json_array_get(a, i), K_NUMN))
            return jl_fail(l, MB_ERR_CORRUPT, "%s: '%s'[%zu] is not a number",
                           where, key, i);
    iv->lo = numval(json_array_get(a, 0));
    iv->hi = numval(json_array_get(a, 1));
    return true;
}

/* Optional (older files have "mean_ci" instead, which is ignored). */
static bool load_ci_rounds(json_ld *l, const json_t *s, const char *where,
                           size_t *x)
{
    *x = 0;
    return !json_object_get(s, "ci_rounds") ||
           getcount(l, s, where, "ci_rounds", x);
}

static bool load_summary(json_ld *l, const json_t *s, const char *where,
                         mb_summary *t)
{
    char w2[160];
    json_t *o;
    snprintf(w2, sizeof w2, "%.140s.outliers", where);
    return getcount(l, s, where, "n", &t->n) &&
           getnum(l, s, where, "median", &t->median) &&
           getnum(l, s, where, "mean", &t->mean) &&
           getnum(l, s, where, "stddev", &t->stddev) &&
           getnum(l, s, where, "mad", &t->mad) &&
           getnum(l, s, where, "min", &t->min) &&
           getnum(l, s, where, "max", &t->max) &&
           load_interval(l, s, where, "median_ci", &t->median_ci) &&
           load_ci_rounds(l, s, where, &t->ci_rounds) &&
           getnum(l, s, where, "confidence", &t->confidence) &&
           (o = jl_get(l, s, where, "outliers", K_OBJ, true)) &&
           getcount(l, o, w2, "low_severe", &t->outliers.low_severe) &&
           getcount(l, o, w2, "low_mild", &t->outliers.low_mild) &&
           getcount(l, o, w2, "high_mild", &t->outliers.high_mild) &&
           getcount(l, o, w2, "high_severe", &t->outliers.high_severe);
}

static bool load_counter_names(json_ld *l, const json_t *c, const char *where,
                               mb_result *r)
{
    json_t *names = getarr(l, c, where, "names", SIZE_MAX);
    if (!names)
        return false;
    size_t k = json_array_size(names);
    if (k == 0)
        return true;
    r->counter_names = calloc(k, sizeof *r->counter_names);
    if (!r->counter_names)
        return jl_nomem(l);
    for (size_t i = 0; i < k; i++) {
        json_t *s = json_array_get(names, i);
        if (!json_is_string(s))
            return jl_fail(l, MB_ERR_CORRUPT, "%s: names[%zu] is not a string",
                           where, i);
        if (!jl_dupstr(l, &r->counter_names[i], s))
            return false;
        r->ncounters = i + 1; /* so that run_free frees what is set */
    }
    return true;
}

static bool load_samples(json_ld *l, const json_t *m, const char *where,
                         mb_result *r)
{
    char ws[160], wc[160];
    snprintf(ws, sizeof ws, "%.140s.samples", where);
    snprintf(wc, sizeof wc, "%.140s.counters", where);
    json_t *s = jl_get(l, m, where, "samples", K_OBJ, true);
    json_t *it = s ? getarr(l, s, ws, "iters", SIZE_MAX) : NULL;
    if (!it)
        return false;
    size_t n = json_array_size(it);
    json_t *ns_a = getarr(l, s, ws, "ns", n);
    json_t *rd = ns_a ? getarr(l, s, ws, "round", n) : NULL;
    json_t *fl = rd ? getarr(l, s, ws, "flags", n) : NULL;
    if (!fl)
        return false;

    json_t *c = jl_get(l, m, where, "counters", K_OBJ, false);
    json_t *vals = NULL;
    if (c) {
        if (!load_counter_names(l, c, wc, r) ||
            !(vals = getarr(l, c, wc, "values", n)))
            return false;
    } else if (l->st != MB_OK)
        return false;

    json_t *cpu = jl_get(l, s, ws, "cpu_ns", K_ARR, false);
    if (!cpu && l->st != MB_OK)
        return false;
    if (cpu && !getarr(l, s, ws, "cpu_ns", n))
        return false;

    /* The machine-state probe by round: finite and > 0, or null. */
    json_t *pr = jl_get(l, s, ws, "probe_ns", K_ARR, false);
    if (!pr && l->st != MB_OK)
        return false;
    for (size_t k = 0; pr && k < json_array_size(pr); k++) {
        json_t *x = json_array_get(pr, k);
        double v = json_is_number(x) ? json_number_value(x) : NAN;
        if (k > UINT16_MAX || (!json_is_null(x) && !(isfinite(v) && v > 0)))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "%s: probe_ns[%zu] is not a time > 0 or null", ws,
                           k);
        if (!result_set_probe(r, (uint16_t)k, v))
            return jl_nomem(l);
    }

    double *row = calloc(r->ncounters ? r->ncounters : 1, sizeof *row);
    if (!row)
        return jl_nomem(l);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        json_t *vr = json_array_get(rd, i), *vf = json_array_get(fl, i);
        char wi[200];
        snprintf(wi, sizeof wi, "%.150s: sample %zu", ws, i);
        double iters = 0, ns = 0;
        /* What no measurement gives: no iterations, negative time, NaN.
         * 0 ns is a measurement (an empty body, its overhead removed). */
        ok = jl_measure(l, json_array_get(it, i), wi, "iters", true, &iters) &&
             jl_measure(l, json_array_get(ns_a, i), wi, "ns", false, &ns);
        if (!ok)
            break;
        if (!json_is_integer(vr) || json_integer_value(vr) < 0 ||
            json_integer_value(vr) > UINT16_MAX)
            ok = jl_fail(l, MB_ERR_CORRUPT,
                         "%s: 'round' is not an integer in 0..65535", wi);
        else if (!json_is_integer(vf) || json_integer_value(vf) < 0 ||
                 json_integer_value(vf) > UINT8_MAX)
            ok = jl_fail(l, MB_ERR_CORRUPT,
                         "%s: 'flags' is not an integer in 0..255", wi);
        json_t *cv = vals ? json_array_get(vals, i) : NULL;
        if (ok && vals &&
            (!json_is_array(cv) || json_array_size(cv) != r->ncounters))
            ok = jl_fail(l, MB_ERR_CORRUPT,
                         "%s: values[%zu] is not an array of %zu numbers", wc,
                         i, r->ncounters);
        for (size_t k = 0; ok && k < r->ncounters; k++) {
            json_t *x = json_array_get(cv, k);
            if (!jl_is_kind(x, K_NUMN))
                ok = jl_fail(l, MB_ERR_CORRUPT,
                             "%s: values[%zu][%zu] is not a number", wc, i, k);
            row[k] = numval(x);
        }
        json_t *vc = cpu ? json_array_get(cpu, i) : NULL;
        double cpu_v = NAN; /* null: not measured for this sample */
        if (ok && vc && !json_is_null(vc))
            ok = jl_measure(l, vc, wi, "cpu_ns", false, &cpu_v);
        if (ok && !result_add_sample_cpu(r, iters, ns, cpu_v, row,
                                         (uint8_t)json_integer_value(vf),
                                         (uint16_t)json_integer_value(vr)))
            ok = jl_nomem(l);
    }
    free(row);
    return ok;
}

/* An array of n costs (finite, >= 0) into v. */
static bool load_costs(json_ld *l, const json_t *a, const char *where,
                       const char *key, size_t n, double *v)
{
    if (json_array_size(a) != n)
        return jl_fail(l, MB_ERR_CORRUPT,
                       "%s: '%s' has %zu values for %zu events", where, key,
                       json_array_size(a), n);
    for (size_t e = 0; e < n; e++) {
        json_t *x = json_array_get(a, e);
        v[e] = json_is_number(x) ? json_number_value(x) : NAN;
        if (!(isfinite(v[e]) && v[e] >= 0))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "%s: '%s'[%zu] is not a count >= 0", where, key, e);
    }
    return true;
}

/* microbe.profile: the functions of an instructions run. */
static bool load_profile(json_ld *l, const json_t *p, const char *where,
                         mb_result *r)
{
    json_t *ev = jl_get(l, p, where, "events", K_ARR, true);
    json_t *fns = ev ? jl_get(l, p, where, "functions", K_ARR, true) : NULL;
    if (!fns)
        return false;
    size_t ne = json_array_size(ev), nf = json_array_size(fns);
    if (ne == 0 || ne > 64)
        return jl_fail(l, MB_ERR_CORRUPT, "%s: %zu events (1 to 64)", where,
                       ne);
    mb_profile *pr = calloc(1, sizeof *pr);
    if (!pr || !(pr->events = calloc(ne, sizeof *pr->events)) ||
        !(pr->fns = calloc(nf ? nf : 1, sizeof *pr->fns))) {
        profile_free(pr);
        return jl_nomem(l);
    }
    r->profile = pr; /* freed with r from here on */
    for (; pr->nevents < ne; pr->nevents++) {
        json_t *e = json_array_get(ev, pr->nevents);
        if (!json_is_string(e))
            return jl_fail(l, MB_ERR_CORRUPT, "%s: events[%zu] is not a string",
                           where, pr->nevents);
        if (!jl_dupstr(l, &pr->events[pr->nevents], e))
            return false;
    }
    json_t *v = jl_get(l, p, where, "total_ir", K_NUM, false);
    if (v)
        pr->total_ir = json_number_value(v);
    if ((v = jl_get(l, p, where, "left_out", K_INT, false)))
        pr->left_out =
            json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
    if (l->st != MB_OK)
        return false;
    for (size_t i = 0; i < nf; i++) {
        char wf[200];
        snprintf(wf, sizeof wf, "%.160s.functions[%zu]", where, i);
        json_t *f = json_array_get(fns, i);
        if (!json_is_object(f))
            return jl_fail(l, MB_ERR_CORRUPT, "%s is not an object", wf);
        mb_fn_cost *c = &pr->fns[pr->n++];
        json_t *name = jl_get(l, f, wf, "name", K_STR, true);
        json_t *file = name ? jl_get(l, f, wf, "file", K_STR, true) : NULL;
        json_t *obj = file ? jl_get(l, f, wf, "object", K_STR, true) : NULL;
        json_t *line = obj ? jl_get(l, f, wf, "line", K_INT, true) : NULL;
        json_t *self = line ? jl_get(l, f, wf, "self", K_ARR, true) : NULL;
        json_t *incl = self ? jl_get(l, f, wf, "inclusive", K_ARR, true) : NULL;
        if (!incl)
            return false;
        if (json_integer_value(line) < 0 ||
            json_integer_value(line) > 0x7fffffff)
            return jl_fail(l, MB_ERR_CORRUPT, "%s: 'line' out of range", wf);
        c->line = (unsigned)json_integer_value(line);
        if (!jl_dupstr(l, &c->name, name) || !jl_dupstr(l, &c->file, file) ||
            !jl_dupstr(l, &c->object, obj))
            return false;
        if (!(c->self = malloc(ne * sizeof *c->self)) ||
            !(c->incl = malloc(ne * sizeof *c->incl)))
            return jl_nomem(l);
        if (!load_costs(l, self, wf, "self", ne, c->self) ||
            !load_costs(l, incl, wf, "inclusive", ne, c->incl))
            return false;
    }
    json_t *calls = jl_get(l, p, where, "calls", K_ARR, false);
    if (!calls)
        return l->st == MB_OK;
    size_t nc = json_array_size(calls);
    if (!(pr->calls = calloc(nc ? nc : 1, sizeof *pr->calls)))
        return jl_nomem(l);
    for (size_t i = 0; i < nc; i++) {
        json_t *c = json_array_get(calls, i);
        json_t *a = json_array_get(c, 0), *b = json_array_get(c, 1),
               *x = json_array_get(c, 2);
        double ir = json_is_number(x) ? json_number_value(x) : NAN;
        if (!json_is_array(c) || json_array_size(c) != 3 ||
            !json_is_integer(a) || !json_is_integer(b) ||
            json_integer_value(a) < 0 || json_integer_value(b) < 0 ||
            (size_t)json_integer_value(a) >= pr->n ||
            (size_t)json_integer_value(b) >= pr->n ||
            !(isfinite(ir) && ir >= 0))
            return jl_fail(l, MB_ERR_CORRUPT,
                           "%s: calls[%zu] is not [from, to, instructions] "
                           "of its functions",
                           where, i);
        pr->calls[pr->ncalls++] = (mb_fn_call){
            (size_t)json_integer_value(a), (size_t)json_integer_value(b), ir};
    }
    return true;
}

/* What the body set (label, skip, user counters, arguments, threads);
 * all optional: older archives have none of it. */
static bool load_body_values(json_ld *l, const json_t *b, const json_t *m,
                             const char *where, const char *wm, mb_result *r)
{
    json_t *v = jl_get(l, b, where, "label", K_STR, false);
    if (v && !jl_dupstr(l, &r->label, v))
        return false;
    if (!v && l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "skipped", K_STR, false))) {
        if (!jl_dupstr(l, &r->skipped, v))
            return false;
    } else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, b, where, "threads", K_INT, false))) {
        json_int_t t = json_integer_value(v);
        if (t < 1 || t > 1 << 20)
            return jl_fail(l, MB_ERR_CORRUPT, "%s: 'threads' is not 1 or more",
                           where);
        r->threads = (int)t;
    } else if (l->st != MB_OK)
        return false;
    v = jl_get(l, m, wm, "others", K_STR, false);
    if (!v && l->st != MB_OK)
        return false;
    if (v ? !jl_dupstr(l, &r->others, v) : !(r->others = strdup("")))
        return v ? false : jl_nomem(l);
    if ((v = jl_get(l, m, wm, "args", K_ARR, false))) {
        size_t n = json_array_size(v);
        if (n > RUN_MAX_ARGS)
            return jl_fail(l, MB_ERR_CORRUPT, "%s: more than %d 'args'", wm,
                           RUN_MAX_ARGS);
        for (size_t k = 0; k < n; k++) {
            json_t *a = json_array_get(v, k);
            if (!json_is_integer(a))
                return jl_fail(l, MB_ERR_CORRUPT,
                               "%s: args[%zu] is not an integer", wm, k);
            r->args[k] = json_integer_value(a);
        }
        r->nargs = n;
    } else if (l->st != MB_OK) {
        return false;
    } else if (r->has_arg) {
        r->nargs = 1;
        r->args[0] = r->arg;
    }
    if ((v = jl_get(l, m, wm, "user_counters", K_ARR, false))) {
        for (size_t k = 0; k < json_array_size(v); k++) {
            json_t *c = json_array_get(v, k);
            json_t *cn = json_is_object(c) ? json_object_get(c, "name") : NULL;
            json_t *cv = cn ? json_object_get(c, "value") : NULL;
            json_t *cf = cv ? json_object_get(c, "flags") : NULL;
            if (!json_is_string(cn) || !jl_is_kind(cv, K_NUMN) ||
                !json_is_integer(cf) || json_integer_value(cf) < 0 ||
                json_integer_value(cf) >
                    (MB_COUNTER_RATE | MB_COUNTER_PER_ITER))
                return jl_fail(l, MB_ERR_CORRUPT,
                               "%s: user_counters[%zu] is not {name, value, "
                               "flags}",
                               wm, k);
            if (!result_set_user(r, json_string_value(cn), numval(cv),
                                 (int)json_integer_value(cf)))
                return jl_nomem(l);
        }
    } else if (l->st != MB_OK) {
        return false;
    }
    return true;
}

/* "aggregates" (optional): a result known by its aggregates only. */
static bool load_aggregates(json_ld *l, const json_t *m, const char *where,
                            mb_result *r)
{
    char wa[200];
    snprintf(wa, sizeof wa, "%.150s.aggregates", where);
    json_t *a = jl_get(l, m, where, "aggregates", K_OBJ, false);
    if (!a)
        return l->st == MB_OK;
    size_t reps = 0;
    struct mb_aggregates *g = &r->agg;
    if (!getcount(l, a, wa, "repetitions", &reps) ||
        !jl_measure(l, json_object_get(a, "mean"), wa, "mean", true,
                    &g->mean) ||
        !jl_measure(l, json_object_get(a, "median"), wa, "median", true,
                    &g->median) ||
        !getnum(l, a, wa, "stddev", &g->stddev) ||
        !getnum(l, a, wa, "cpu_mean", &g->cpu_mean) ||
        !getnum(l, a, wa, "cpu_median", &g->cpu_median) ||
        !getnum(l, a, wa, "cpu_stddev", &g->cpu_stddev))
        return false;
    if (reps < 1 || r->n)
        return jl_fail(l, MB_ERR_CORRUPT,
                       "%s: aggregates need repetitions > 0 and no samples",
                       wa);
    g->repetitions = reps;
    return true;
}

static bool load_microbe(json_ld *l, const json_t *b, size_t i, mb_result *r)
{
    char where[160], wm[160];
    snprintf(where, sizeof where, "benchmarks[%zu]", i);
    snprintf(wm, sizeof wm, "%.140s.microbe", where);

    json_t *name = jl_get(l, b, where, "name", K_STR, true);
    json_t *m = name ? jl_get(l, b, where, "microbe", K_OBJ, true) : NULL;
    json_t *fam = m ? jl_get(l, m, wm, "family", K_STR, true) : NULL;
    json_t *bench = fam ? jl_get(l, m, wm, "bench", K_STR, true) : NULL;
    if (!bench || !jl_dupstr(l, &r->name, name) ||
        !jl_dupstr(l, &r->family, fam) || !jl_dupstr(l, &r->bench, bench))
        return false;
    snprintf(where, sizeof where, "benchmarks[%zu] ('%.30s')", i, r->name);
    snprintf(wm, sizeof wm, "%.140s.microbe", where);

    json_t *v = jl_get(l, m, wm, "group", K_STR, false);
    if (v && !jl_dupstr(l, &r->group, v))
        return false;
    if (!v && l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "arg", K_INT, false))) {
        r->arg = json_integer_value(v);
        r->has_arg = true;
    } else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "items", K_NUM, false)))
        r->items = json_number_value(v);
    else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "bytes", K_NUM, false)))
        r->bytes = json_number_value(v);
    else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "unit", K_STR, false))) {
        if (!cli_parse_time_unit(json_string_value(v), NULL))
            return jl_fail(l, MB_ERR_CORRUPT, "%s: unknown 'unit'", wm);
        snprintf(r->unit, sizeof r->unit, "%s", json_string_value(v));
    } else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "remeasured_rounds", K_INT, false)))
        r->remeasured =
            json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
    else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "run_delay_ns", K_NUM, false)))
        r->run_delay_ns = fmax(json_number_value(v), 0);
    else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "steal_ns", K_NUM, false)))
        r->steal_ns = fmax(json_number_value(v), 0);
    else if (l->st != MB_OK)
        return false;
    if ((v = jl_get(l, m, wm, "complexity", K_STR, false))) {
        if (json_string_length(v) >= sizeof r->complexity)
            return jl_fail(l, MB_ERR_CORRUPT, "%s: 'complexity' is too long",
                           wm);
        memcpy(r->complexity, json_string_value(v), json_string_length(v) + 1);
    } else if (l->st != MB_OK)
        return false;

    json_t *eo = jl_get(l, b, where, "error_occurred", K_BOOL, false);
    if (!eo && l->st != MB_OK)
        return false;
    if (eo && json_is_true(eo)) {
        json_t *em = jl_get(l, b, where, "error_message", K_STR, true);
        if (!em || !jl_dupstr(l, &r->error, em))
            return false;
    }
    if (!load_body_values(l, b, m, where, wm, r))
        return false;

    if ((v = jl_get(l, m, wm, "alloc", K_OBJ, false))) {
        static const char *const keys[] = {"iterations", "allocs", "bytes",
                                           "peak", "net"};
        double *dst[] = {&r->alloc_iters, &r->allocs, &r->alloc_bytes,
                         &r->alloc_peak, &r->alloc_net};
        char wa[180];
        snprintf(wa, sizeof wa, "%.160s.alloc", wm);
        for (size_t k = 0; k < 5; k++) {
            json_t *x = jl_get(l, v, wa, keys[k], K_NUM, true);
            if (!x)
                return false;
            *dst[k] = json_number_value(x);
            if (!(k == 4 || *dst[k] >= 0) || (k == 0 && *dst[k] < 1))
                return jl_fail(l, MB_ERR_CORRUPT, "%s: '%s' out of range", wa,
                               keys[k]);
        }
    } else if (l->st != MB_OK)
        return false;
    if (!load_samples(l, m, wm, r) || !load_aggregates(l, m, wm, r))
        return false;
    if ((v = jl_get(l, m, wm, "profile", K_OBJ, false))) {
        char wp[180];
        snprintf(wp, sizeof wp, "%.160s.profile", wm);
        if (!load_profile(l, v, wp, r))
            return false;
    } else if (l->st != MB_OK)
        return false;
    char wsum[160];
    snprintf(wsum, sizeof wsum, "%.140s.summary", wm);
    json_t *s = jl_get(l, m, wm, "summary", K_OBJ, true);
    return s && load_summary(l, s, wsum, &r->time);
}

/* ---- Entry point -----------------------------------------------------------
 */

static mb_status load(json_ld *l, const char *text, size_t len, mb_run **out)
{
    if (len == 0) {
        jl_fail(l, MB_ERR_CORRUPT, "empty document");
        return l->st;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        jl_fail(l, MB_ERR_CORRUPT, "invalid JSON at line %d column %d: %s",
                je.line, je.column, je.text);
        return l->st;
    }
    mb_run *run = NULL;
    json_t *ctx = NULL, *fmt, *benches;
    if (!json_is_object(root)) {
        jl_fail(l, MB_ERR_CORRUPT, "top level is not an object");
        goto done;
    }
    if (!(ctx = jl_get(l, root, "top level", "context", K_OBJ, true)))
        goto done;
    fmt = jl_get(l, ctx, "context", "microbe_format", K_INT, false);
    if (!fmt && l->st != MB_OK)
        goto done;
    if (fmt && json_integer_value(fmt) > RUN_FORMAT_VERSION) {
        jl_fail(l, MB_ERR_VERSION,
                "format version %lld is newer than this microbe understands "
                "(%d); upgrade microbe",
                (long long)json_integer_value(fmt), RUN_FORMAT_VERSION);
        goto done;
    }
    if (fmt && json_integer_value(fmt) < 1) {
        jl_fail(l, MB_ERR_CORRUPT, "context: invalid microbe_format %lld",
                (long long)json_integer_value(fmt));
        goto done;
    }
    if (!(benches = jl_get(l, root, "top level", "benchmarks", K_ARR, true)))
        goto done;
    if (!(run = run_create())) {
        jl_nomem(l);
        goto done;
    }
    if (!load_context(l, ctx, run, fmt != NULL))
        goto done;
    if (!fmt) {
        gbench_load(l, benches, run);
        goto done;
    }
    for (size_t i = 0; i < json_array_size(benches); i++) {
        json_t *b = json_array_get(benches, i);
        if (!json_is_object(b)) {
            jl_fail(l, MB_ERR_CORRUPT, "benchmarks[%zu] is not an object", i);
            goto done;
        }
        /* From version 2 on, the rounds' and aggregates' rows carry no
         * data of microbe's own: the first row of each benchmark does. */
        if (json_integer_value(fmt) >= 2 && !json_object_get(b, "microbe"))
            continue;
        mb_result *r = run_add_result(run);
        if (!r) {
            jl_nomem(l);
            goto done;
        }
        if (!load_microbe(l, b, i, r))
            goto done;
    }
done:
    json_decref(root);
    if (l->st != MB_OK) {
        run_free(run);
        return l->st;
    }
    *out = run;
    return MB_OK;
}

mb_status json_load_run(const char *text, size_t len, const char *source_name,
                        mb_run **out, char *err, size_t errlen)
{
    json_ld l = {source_name ? source_name : "<input>", err, errlen, MB_OK};
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!text && len) {
        jl_fail(&l, MB_ERR_CORRUPT, "no input");
        return l.st;
    }
    return load(&l, text ? text : "", len, out);
}
