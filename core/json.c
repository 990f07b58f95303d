/* Run <-> JSON (Google Benchmark's schema plus microbe's raw data). The only
 * file that includes <jansson.h>. */
#include "json.h"

#include "compare.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2^53: the largest range in which every integer is an exact double, so an
 * integral value in it can be written as a JSON integer and read back. */
#define EXACT_INT_MAX 9007199254740992.0

/* %.17g is enough digits for any double to read back to the same bits. */
#define DUMP_FLAGS    (JSON_INDENT(2) | JSON_REAL_PRECISION(17))
#define COMPACT_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

/* ---- Writing ------------------------------------------------------------- */

static json_t *num(double x)
{
    if (!isfinite(x))
        return json_null();
    if (fabs(x) <= EXACT_INT_MAX && x == trunc(x) && !(x == 0 && signbit(x)))
        return json_integer((json_int_t)x);
    return json_real(x);
}

/* A GB number must be a number: non-finite becomes 0, as GB itself writes
 * for a benchmark that failed. */
static json_t *gbnum(double x)
{
    return num(isfinite(x) ? x : 0);
}

/* Strings from the environment (CPU brand, flags) may hold bytes that are
 * not UTF-8, which jansson refuses: replace each bad byte by '?' rather
 * than lose the entry. */
static json_t *str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = u[i] < 0x80             ? 1
                   : (u[i] & 0xE0) == 0xC0 ? 2
                   : (u[i] & 0xF0) == 0xE0 ? 3
                   : (u[i] & 0xF8) == 0xF0 ? 4
                                           : 0;
        bool ok = k > 0 && i + k <= n;
        for (size_t m = 1; ok && m < k; m++)
            ok = (u[i + m] & 0xC0) == 0x80;
        /* Let jansson judge overlong forms and surrogates. */
        if (ok && k > 1) {
            json_t *t = json_stringn(s + i, k);
            ok = t != NULL;
            json_decref(t);
        }
        if (!ok) {
            c[i++] = '?';
            continue;
        }
        memcpy(c + i, s + i, k);
        i += k;
    }
    c[n] = '\0';
    j = json_string(c);
    free(c);
    return j;
}

/* json_object_set_new that remembers a failure: building continues and the
 * caller checks once at the end. */
static void put(json_t *obj, const char *key, json_t *val, bool *ok)
{
    if (!val || json_object_set_new(obj, key, val) != 0)
        *ok = false;
}

static void push(json_t *arr, json_t *val, bool *ok)
{
    if (!val || json_array_append_new(arr, val) != 0)
        *ok = false;
}

static json_t *interval(st_interval iv, bool *ok)
{
    json_t *a = json_array();
    if (!a) {
        *ok = false;
        return NULL;
    }
    push(a, num(iv.lo), ok);
    push(a, num(iv.hi), ok);
    return a;
}

static json_t *summary_json(const mb_summary *s, bool *ok)
{
    json_t *o = json_object();
    json_t *out = json_object();
    if (!o || !out) {
        json_decref(o);
        json_decref(out);
        *ok = false;
        return NULL;
    }
    put(o, "n", json_integer((json_int_t)s->n), ok);
    put(o, "median", num(s->median), ok);
    put(o, "mean", num(s->mean), ok);
    put(o, "stddev", num(s->stddev), ok);
    put(o, "mad", num(s->mad), ok);
    put(o, "min", num(s->min), ok);
    put(o, "max", num(s->max), ok);
    put(o, "median_ci", interval(s->median_ci, ok), ok);
    put(o, "mean_ci", interval(s->mean_ci, ok), ok);
    put(o, "confidence", num(s->confidence), ok);
    put(out, "low_severe", json_integer((json_int_t)s->outliers.low_severe),
        ok);
    put(out, "low_mild", json_integer((json_int_t)s->outliers.low_mild), ok);
    put(out, "high_mild", json_integer((json_int_t)s->outliers.high_mild), ok);
    put(out, "high_severe", json_integer((json_int_t)s->outliers.high_severe),
        ok);
    put(o, "outliers", out, ok);
    return o;
}

static json_t *samples_json(const mb_result *r, bool *ok)
{
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    json_t *it = json_array(), *ns = json_array(), *rd = json_array(),
           *fl = json_array();
    put(o, "iters", it, ok);
    put(o, "ns", ns, ok);
    put(o, "round", rd, ok);
    put(o, "flags", fl, ok);
    if (!*ok)
        return o;
    for (size_t i = 0; i < r->n && *ok; i++) {
        push(it, num(r->iters[i]), ok);
        push(ns, num(r->ns[i]), ok);
        push(rd, json_integer(r->round[i]), ok);
        push(fl, json_integer(r->flags[i]), ok);
    }
    return o;
}

static json_t *counters_json(const mb_result *r, bool *ok)
{
    json_t *o = json_object();
    json_t *names = json_array(), *values = json_array();
    if (!o || !names || !values) {
        json_decref(o);
        json_decref(names);
        json_decref(values);
        *ok = false;
        return NULL;
    }
    put(o, "names", names, ok);
    put(o, "values", values, ok);
    for (size_t c = 0; c < r->ncounters; c++)
        push(names, str(r->counter_names[c]), ok);
    for (size_t i = 0; i < r->n && *ok; i++) {
        json_t *row = json_array();
        push(values, row, ok);
        for (size_t c = 0; row && c < r->ncounters; c++)
            push(row, num(r->counters[i * r->ncounters + c]), ok);
    }
    return o;
}

static json_t *result_json(const mb_result *r, size_t family_index,
                           size_t instance_index, bool *ok)
{
    json_t *b = json_object();
    json_t *m = json_object();
    if (!b || !m) {
        json_decref(b);
        json_decref(m);
        *ok = false;
        return NULL;
    }
    double iterations = 0;
    for (size_t i = 0; i < r->n; i++)
        iterations += r->iters[i];
    double median = r->time.median;

    put(b, "name", str(r->name), ok);
    put(b, "run_name", str(r->name), ok);
    put(b, "run_type", json_string("iteration"), ok);
    put(b, "repetitions", json_integer(1), ok);
    put(b, "repetition_index", json_integer(0), ok);
    put(b, "threads", json_integer(1), ok);
    put(b, "family_index", json_integer((json_int_t)family_index), ok);
    put(b, "per_family_instance_index",
        json_integer((json_int_t)instance_index), ok);
    put(b, "iterations", gbnum(iterations), ok);
    put(b, "real_time", gbnum(median), ok);
    put(b, "cpu_time", gbnum(median), ok);
    put(b, "time_unit", json_string("ns"), ok);
    if (r->items > 0 && median > 0)
        put(b, "items_per_second", gbnum(r->items * 1e9 / median), ok);
    if (r->bytes > 0 && median > 0)
        put(b, "bytes_per_second", gbnum(r->bytes * 1e9 / median), ok);
    if (r->error) {
        put(b, "error_occurred", json_true(), ok);
        put(b, "error_message", str(r->error), ok);
    }

    put(m, "family", str(r->family), ok);
    if (r->group)
        put(m, "group", str(r->group), ok);
    put(m, "bench", str(r->bench), ok);
    if (r->has_arg)
        put(m, "arg", json_integer((json_int_t)r->arg), ok);
    if (r->items > 0)
        put(m, "items", num(r->items), ok);
    if (r->bytes > 0)
        put(m, "bytes", num(r->bytes), ok);
    put(m, "samples", samples_json(r, ok), ok);
    if (r->ncounters)
        put(m, "counters", counters_json(r, ok), ok);
    put(m, "summary", summary_json(&r->time, ok), ok);
    if (r->complexity[0]) {
        put(m, "complexity", json_string(r->complexity), ok);
        json_t *fit = json_object();
        put(fit, "coef", num(r->fit.coef), ok);
        put(fit, "intercept", num(r->fit.intercept), ok);
        put(fit, "error", num(r->fit.error), ok);
        put(m, "complexity_fit", fit, ok);
    }
    if (r->vs_fastest > 0)
        put(m, "vs_fastest", num(r->vs_fastest), ok);
    if (r->ndisturbed)
        put(m, "disturbed_samples", json_integer((json_int_t)r->ndisturbed),
            ok);
    put(b, "microbe", m, ok);
    return b;
}

static json_t *context_json(const mb_run *run, bool *ok)
{
    json_t *c = json_object();
    json_t *w = json_array();
    if (!c || !w) {
        json_decref(c);
        json_decref(w);
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < run->nctx; i++) {
        const ctx_entry *e = &run->ctx[i];
        if (strcmp(e->key, "warnings") == 0 ||
            strcmp(e->key, "microbe_format") == 0)
            continue;
        json_t *v = e->type == CTX_STR    ? str(e->str ? e->str : "")
                    : e->type == CTX_BOOL ? json_boolean(e->num != 0)
                                          : num(e->num);
        /* A key that is not UTF-8 cannot be an object key: sanitise it. */
        json_t *k = str(e->key);
        if (k)
            put(c, json_string_value(k), v, ok);
        else {
            json_decref(v);
            *ok = false;
        }
        json_decref(k);
    }
    for (size_t i = 0; i < run->nwarnings; i++)
        push(w, str(run->warnings[i]), ok);
    put(c, "warnings", w, ok);
    put(c, "microbe_format", json_integer(RUN_FORMAT_VERSION), ok);
    return c;
}

static json_t *run_json(const mb_run *run)
{
    bool ok = true;
    json_t *root = json_object();
    json_t *benches = json_array();
    if (!root || !benches) {
        json_decref(root);
        json_decref(benches);
        return NULL;
    }
    put(root, "context", context_json(run, &ok), &ok);
    put(root, "benchmarks", benches, &ok);

    /* family_index: families numbered in order of first appearance. */
    size_t *fam = calloc(run->nresults ? run->nresults : 1, sizeof *fam);
    size_t nfam = 0;
    if (!fam)
        ok = false;
    for (size_t i = 0; i < run->nresults && ok; i++) {
        const mb_result *r = &run->results[i];
        const char *f = r->family ? r->family : r->name;
        size_t fi = 0, inst = 0;
        for (size_t j = 0; j < i; j++) {
            const mb_result *q = &run->results[j];
            const char *g = q->family ? q->family : q->name;
            if (g && f && strcmp(f, g) == 0) {
                fi = fam[j];
                inst++;
            }
        }
        if (inst == 0)
            fi = nfam++;
        fam[i] = fi;
        push(benches, result_json(r, fi, inst, &ok), &ok);
    }
    free(fam);
    /* Where variants of a group cross over (SPEC §4). */
    size_t nx = 0;
    crossover *x = run_crossovers(run, &nx);
    if (nx) {
        json_t *arr = json_array();
        for (size_t i = 0; i < nx; i++) {
            json_t *o = json_object();
            put(o, "group", str(x[i].group), &ok);
            put(o, "faster", str(x[i].faster), &ok);
            put(o, "slower", str(x[i].slower), &ok);
            put(o, "from", num(x[i].at), &ok);
            push(arr, o, &ok);
        }
        put(root, "crossovers", arr, &ok);
    }
    free(x);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static json_t *comparison_json(const cmp_result *c, bool *ok)
{
    json_t *o = json_object();
    put(o, "against", str(c->old_label ? c->old_label : ""), ok);
    put(o, "alpha", num(c->alpha), ok);
    put(o, "threshold", num(c->threshold), ok);
    put(o, "correction", str(c->correction ? c->correction : ""), ok);
    put(o, "paired", json_boolean(c->paired), ok);
    put(o, "compared", json_integer((json_int_t)c->compared), ok);
    json_t *counts = json_object();
    for (int v = 0; v < CMP_NVERDICTS; v++)
        put(counts, cmp_verdict_name((cmp_verdict)v),
            json_integer((json_int_t)c->count[v]), ok);
    put(o, "counts", counts, ok);
    json_t *notes = json_array();
    for (size_t i = 0; i < c->nnotes; i++)
        push(notes, str(c->notes[i]), ok);
    put(o, "notes", notes, ok);
    json_t *rows = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const cmp_row *r = &c->rows[i];
        json_t *row = json_object();
        put(row, "name", str(r->name), ok);
        put(row, "verdict", str(cmp_verdict_name(r->verdict)), ok);
        if (r->old)
            put(row, "base", num(r->old_value), ok);
        if (r->now)
            put(row, "now", num(r->new_value), ok);
        if (r->old && r->now && r->verdict != CMP_FAILED) {
            put(row, "change", num(r->change.change), ok);
            json_t *ci = json_array();
            push(ci, num(r->change.ci.lo), ok);
            push(ci, num(r->change.ci.hi), ok);
            put(row, "change_ci", ci, ok);
            put(row, "p", num(r->change.p), ok);
            put(row, "p_adjusted", num(r->p_adj), ok);
        }
        if (r->has_ins)
            put(row, "instructions_change", num(r->ins_change), ok);
        /* Per-counter breakdown (--measure=instructions: which callgrind
         * counter moved): each counter's change per iteration. */
        if (r->old && r->now && r->verdict != CMP_FAILED && r->now->ncounters) {
            json_t *cc = json_object();
            for (size_t k = 0; k < r->now->ncounters; k++) {
                const char *cn = r->now->counter_names[k];
                double d = cmp_counter_change(r, cn);
                if (isfinite(d))
                    put(cc, cn, num(d), ok);
            }
            put(row, "counters_change", cc, ok);
        }
        if (r->moved) {
            put(row, "moved_most", str(r->moved), ok);
            put(row, "moved_change", num(r->moved_change), ok);
        }
        push(rows, row, ok);
    }
    put(o, "rows", rows, ok);
    return o;
}

static char *dump(json_t *root, size_t flags, size_t *len)
{
    char *s = root ? json_dumps(root, flags) : NULL;
    json_decref(root);
    if (s && len)
        *len = strlen(s);
    return s;
}

char *json_dump_compared(const mb_run *run, const cmp_result *cmp, size_t *len)
{
    json_t *root = run_json(run);
    if (root && cmp) {
        bool ok = true;
        put(root, "comparison", comparison_json(cmp, &ok), &ok);
        if (!ok) {
            json_decref(root);
            return NULL;
        }
    }
    return dump(root, DUMP_FLAGS, len);
}

bool json_write_compared(FILE *f, const mb_run *run, const cmp_result *cmp)
{
    size_t len = 0;
    char *text = json_dump_compared(run, cmp, &len);
    if (!text)
        return false;
    bool ok = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
    free(text);
    return ok;
}

char *json_dump_run_compact(const mb_run *run, size_t *len)
{
    return dump(run_json(run), COMPACT_FLAGS, len);
}

/* ---- Reading ------------------------------------------------------------- */

/* The loader's state: where in the document it is, for error messages. */
typedef struct ld {
    const char *src;
    char *err;
    size_t errlen;
    mb_status st;
} ld;

static bool fail(ld *l, mb_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(ld *l, mb_status st, const char *fmt, ...)
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

static bool nomem(ld *l)
{
    return fail(l, MB_ERR_NO_MEMORY, "out of memory while loading");
}

enum kind { K_STR, K_NUM, K_NUMN, K_INT, K_BOOL, K_ARR, K_OBJ };

static const char *kind_name(enum kind k)
{
    static const char *const names[] = {
        "a string",      "a number", "a number or null", "an integer",
        "true or false", "an array", "an object"};
    return names[k];
}

static bool is_kind(const json_t *v, enum kind k)
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
static json_t *get(ld *l, const json_t *obj, const char *where, const char *key,
                   enum kind k, bool required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            fail(l, MB_ERR_CORRUPT, "%s: missing key '%s'", where, key);
        return NULL;
    }
    if (!is_kind(v, k)) {
        fail(l, MB_ERR_CORRUPT, "%s: '%s' is not %s", where, key, kind_name(k));
        return NULL;
    }
    return v;
}

static double numval(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Reads a required number (or null) key into *x. */
static bool getnum(ld *l, const json_t *obj, const char *where, const char *key,
                   double *x)
{
    json_t *v = get(l, obj, where, key, K_NUMN, true);
    if (!v)
        return false;
    *x = numval(v);
    return true;
}

/* Reads a required non-negative integer key. */
static bool getcount(ld *l, const json_t *obj, const char *where,
                     const char *key, size_t *x)
{
    json_t *v = get(l, obj, where, key, K_INT, true);
    if (!v)
        return false;
    json_int_t i = json_integer_value(v);
    if (i < 0)
        return fail(l, MB_ERR_CORRUPT, "%s: '%s' is negative (%lld)", where,
                    key, (long long)i);
    *x = (size_t)i;
    return true;
}

static bool dupstr(ld *l, char **dst, const json_t *s)
{
    *dst = strdup(json_string_value(s));
    return *dst ? true : nomem(l);
}

static bool load_context(ld *l, const json_t *ctx, mb_run *run, bool strict)
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
            return fail(l, MB_ERR_CORRUPT,
                        "context: '%s' is not a string, number or bool", key);
        else
            continue; /* GB's "caches" array and the like */
        const ctx_entry *e = run_ctx_get(run, key);
        if (!e || (e->type == CTX_STR && !e->str))
            return nomem(l);
    }
    json_t *w = get(l, ctx, "context", "warnings", K_ARR, false);
    if (!w)
        return l->st == MB_OK;
    size_t n = json_array_size(w);
    if (n) {
        run->warnings = calloc(n, sizeof *run->warnings);
        if (!run->warnings)
            return nomem(l);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(w, i);
        if (!json_is_string(s))
            return fail(l, MB_ERR_CORRUPT,
                        "context.warnings[%zu] is not a string", i);
        if (!dupstr(l, &run->warnings[i], s))
            return false;
        run->nwarnings++;
    }
    return true;
}

/* An array member of obj holding exactly want elements (want == SIZE_MAX:
 * any number, stored into *n). */
static json_t *getarr(ld *l, const json_t *obj, const char *where,
                      const char *key, size_t want)
{
    json_t *a = get(l, obj, where, key, K_ARR, true);
    if (a && want != SIZE_MAX && json_array_size(a) != want) {
        fail(l, MB_ERR_CORRUPT, "%s: '%s' has %zu values, expected %zu", where,
             key, json_array_size(a), want);
        return NULL;
    }
    return a;
}

static bool load_interval(ld *l, const json_t *obj, const char *where,
                          const char *key, st_interval *iv)
{
    json_t *a = getarr(l, obj, where, key, 2);
    if (!a)
        return false;
    for (size_t i = 0; i < 2; i++)
        if (!is_kind(json_array_get(a, i), K_NUMN))
            return fail(l, MB_ERR_CORRUPT, "%s: '%s'[%zu] is not a number",
                        where, key, i);
    iv->lo = numval(json_array_get(a, 0));
    iv->hi = numval(json_array_get(a, 1));
    return true;
}

static bool load_summary(ld *l, const json_t *s, const char *where,
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
           load_interval(l, s, where, "mean_ci", &t->mean_ci) &&
           getnum(l, s, where, "confidence", &t->confidence) &&
           (o = get(l, s, where, "outliers", K_OBJ, true)) &&
           getcount(l, o, w2, "low_severe", &t->outliers.low_severe) &&
           getcount(l, o, w2, "low_mild", &t->outliers.low_mild) &&
           getcount(l, o, w2, "high_mild", &t->outliers.high_mild) &&
           getcount(l, o, w2, "high_severe", &t->outliers.high_severe);
}

static bool load_counter_names(ld *l, const json_t *c, const char *where,
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
        return nomem(l);
    for (size_t i = 0; i < k; i++) {
        json_t *s = json_array_get(names, i);
        if (!json_is_string(s))
            return fail(l, MB_ERR_CORRUPT, "%s: names[%zu] is not a string",
                        where, i);
        if (!dupstr(l, &r->counter_names[i], s))
            return false;
        r->ncounters = i + 1; /* so that run_free frees what is set */
    }
    return true;
}

static bool load_samples(ld *l, const json_t *m, const char *where,
                         mb_result *r)
{
    char ws[160], wc[160];
    snprintf(ws, sizeof ws, "%.140s.samples", where);
    snprintf(wc, sizeof wc, "%.140s.counters", where);
    json_t *s = get(l, m, where, "samples", K_OBJ, true);
    json_t *it = s ? getarr(l, s, ws, "iters", SIZE_MAX) : NULL;
    if (!it)
        return false;
    size_t n = json_array_size(it);
    json_t *ns = getarr(l, s, ws, "ns", n);
    json_t *rd = ns ? getarr(l, s, ws, "round", n) : NULL;
    json_t *fl = rd ? getarr(l, s, ws, "flags", n) : NULL;
    if (!fl)
        return false;

    json_t *c = get(l, m, where, "counters", K_OBJ, false);
    json_t *vals = NULL;
    if (c) {
        if (!load_counter_names(l, c, wc, r) ||
            !(vals = getarr(l, c, wc, "values", n)))
            return false;
    } else if (l->st != MB_OK)
        return false;

    double *row = calloc(r->ncounters ? r->ncounters : 1, sizeof *row);
    if (!row)
        return nomem(l);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        json_t *vi = json_array_get(it, i), *vn = json_array_get(ns, i);
        json_t *vr = json_array_get(rd, i), *vf = json_array_get(fl, i);
        if (!is_kind(vi, K_NUMN) || !is_kind(vn, K_NUMN))
            ok = fail(l, MB_ERR_CORRUPT, "%s: sample %zu: '%s' is not a number",
                      ws, i, is_kind(vi, K_NUMN) ? "ns" : "iters");
        else if (!json_is_integer(vr) || json_integer_value(vr) < 0 ||
                 json_integer_value(vr) > UINT16_MAX)
            ok = fail(l, MB_ERR_CORRUPT,
                      "%s: sample %zu: 'round' is not an integer in "
                      "0..65535",
                      ws, i);
        else if (!json_is_integer(vf) || json_integer_value(vf) < 0 ||
                 json_integer_value(vf) > UINT8_MAX)
            ok = fail(l, MB_ERR_CORRUPT,
                      "%s: sample %zu: 'flags' is not an integer in 0..255", ws,
                      i);
        json_t *cv = vals ? json_array_get(vals, i) : NULL;
        if (ok && vals &&
            (!json_is_array(cv) || json_array_size(cv) != r->ncounters))
            ok = fail(l, MB_ERR_CORRUPT,
                      "%s: values[%zu] is not an array of %zu numbers", wc, i,
                      r->ncounters);
        for (size_t k = 0; ok && k < r->ncounters; k++) {
            json_t *x = json_array_get(cv, k);
            if (!is_kind(x, K_NUMN))
                ok = fail(l, MB_ERR_CORRUPT,
                          "%s: values[%zu][%zu] is not a number", wc, i, k);
            row[k] = numval(x);
        }
        if (ok && !result_add_sample(r, numval(vi), numval(vn), row,
                                     (uint8_t)json_integer_value(vf),
                                     (uint16_t)json_integer_value(vr)))
            ok = nomem(l);
    }
    free(row);
    return ok;
}

static bool load_microbe(ld *l, const json_t *b, size_t i, mb_result *r)
{
    char where[160], wm[160];
    snprintf(where, sizeof where, "benchmarks[%zu]", i);
    snprintf(wm, sizeof wm, "%.140s.microbe", where);

    json_t *name = get(l, b, where, "name", K_STR, true);
    json_t *m = name ? get(l, b, where, "microbe", K_OBJ, true) : NULL;
    json_t *fam = m ? get(l, m, wm, "family", K_STR, true) : NULL;
    json_t *bench = fam ? get(l, m, wm, "bench", K_STR, true) : NULL;
    if (!bench || !dupstr(l, &r->name, name) || !dupstr(l, &r->family, fam) ||
        !dupstr(l, &r->bench, bench))
        return false;
    snprintf(where, sizeof where, "benchmarks[%zu] ('%.30s')", i, r->name);
    snprintf(wm, sizeof wm, "%.140s.microbe", where);

    json_t *v = get(l, m, wm, "group", K_STR, false);
    if (v && !dupstr(l, &r->group, v))
        return false;
    if (!v && l->st != MB_OK)
        return false;
    if ((v = get(l, m, wm, "arg", K_INT, false))) {
        r->arg = json_integer_value(v);
        r->has_arg = true;
    } else if (l->st != MB_OK)
        return false;
    if ((v = get(l, m, wm, "items", K_NUM, false)))
        r->items = json_number_value(v);
    else if (l->st != MB_OK)
        return false;
    if ((v = get(l, m, wm, "bytes", K_NUM, false)))
        r->bytes = json_number_value(v);
    else if (l->st != MB_OK)
        return false;
    if ((v = get(l, m, wm, "complexity", K_STR, false))) {
        if (json_string_length(v) >= sizeof r->complexity)
            return fail(l, MB_ERR_CORRUPT, "%s: 'complexity' is too long", wm);
        memcpy(r->complexity, json_string_value(v), json_string_length(v) + 1);
    } else if (l->st != MB_OK)
        return false;

    json_t *eo = get(l, b, where, "error_occurred", K_BOOL, false);
    if (!eo && l->st != MB_OK)
        return false;
    if (eo && json_is_true(eo)) {
        json_t *em = get(l, b, where, "error_message", K_STR, true);
        if (!em || !dupstr(l, &r->error, em))
            return false;
    }

    if (!load_samples(l, m, wm, r))
        return false;
    char wsum[160];
    snprintf(wsum, sizeof wsum, "%.140s.summary", wm);
    json_t *s = get(l, m, wm, "summary", K_OBJ, true);
    return s && load_summary(l, s, wsum, &r->time);
}

/* ---- Google Benchmark input ------------------------------------------------
 */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_sorted(const double *x, size_t n)
{
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* Point estimates of the per-iteration times of r (see json.h). */
static bool point_summary(ld *l, mb_result *r)
{
    mb_summary *s = &r->time;
    memset(s, 0, sizeof *s);
    s->n = r->n;
    if (r->n == 0) {
        s->median = s->mean = s->stddev = s->mad = s->min = s->max = NAN;
        s->median_ci.lo = s->median_ci.hi = NAN;
        s->mean_ci.lo = s->mean_ci.hi = NAN;
        return true;
    }
    double *t = malloc(r->n * sizeof *t);
    if (!t)
        return nomem(l);
    double sum = 0;
    for (size_t i = 0; i < r->n; i++) {
        t[i] = r->ns[i] / r->iters[i];
        sum += t[i];
    }
    qsort(t, r->n, sizeof *t, cmp_double);
    s->median = median_sorted(t, r->n);
    s->mean = sum / (double)r->n;
    s->min = t[0];
    s->max = t[r->n - 1];
    double ss = 0;
    for (size_t i = 0; i < r->n; i++)
        ss += (t[i] - s->mean) * (t[i] - s->mean);
    s->stddev = r->n > 1 ? sqrt(ss / (double)(r->n - 1)) : 0;
    for (size_t i = 0; i < r->n; i++)
        t[i] = fabs(t[i] - s->median);
    qsort(t, r->n, sizeof *t, cmp_double);
    s->mad = median_sorted(t, r->n);
    s->median_ci.lo = s->median_ci.hi = s->median;
    s->mean_ci.lo = s->mean_ci.hi = s->mean;
    free(t);
    return true;
}

static bool unit_ns(const char *u, double *scale)
{
    static const struct {
        const char *name;
        double ns;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(u, units[i].name) == 0) {
            *scale = units[i].ns;
            return true;
        }
    return false;
}

/* Splits a GB name: a trailing all-digit component is the argument. */
static bool gb_names(ld *l, mb_result *r, const char *name)
{
    const char *slash = strrchr(name, '/');
    bool digits = slash && slash[1] && strlen(slash + 1) < 19;
    for (const char *p = slash ? slash + 1 : ""; digits && *p; p++)
        digits = *p >= '0' && *p <= '9';
    r->name = strdup(name);
    if (digits) {
        r->has_arg = true;
        r->arg = strtoll(slash + 1, NULL, 10);
        r->family = strndup(name, (size_t)(slash - name));
    } else
        r->family = strdup(name);
    r->bench = r->family ? strdup(r->family) : NULL;
    return r->name && r->family && r->bench ? true : nomem(l);
}

static bool load_gb(ld *l, const json_t *b, size_t i, mb_run *run)
{
    char where[160];
    snprintf(where, sizeof where, "benchmarks[%zu]", i);
    json_t *name = get(l, b, where, "name", K_STR, true);
    if (!name)
        return false;
    json_t *rt = get(l, b, where, "run_type", K_STR, false);
    if (!rt && l->st != MB_OK)
        return false;
    if (rt && strcmp(json_string_value(rt), "aggregate") == 0)
        return true;
    json_t *rn = get(l, b, where, "run_name", K_STR, false);
    if (!rn && l->st != MB_OK)
        return false;
    const char *full = json_string_value(rn ? rn : name);
    snprintf(where, sizeof where, "benchmarks[%zu] ('%.30s')", i, full);

    json_t *eo = get(l, b, where, "error_occurred", K_BOOL, false);
    if (!eo && l->st != MB_OK)
        return false;
    bool failed = eo && json_is_true(eo);
    double iters = 0, t = 0, cpu = 0, scale = 1;
    if (!failed) {
        json_t *vi = get(l, b, where, "iterations", K_NUM, true);
        json_t *vt = vi ? get(l, b, where, "real_time", K_NUM, true) : NULL;
        if (!vt)
            return false;
        json_t *tu = get(l, b, where, "time_unit", K_STR, false);
        if (!tu && l->st != MB_OK)
            return false;
        if (tu && !unit_ns(json_string_value(tu), &scale))
            return fail(l, MB_ERR_CORRUPT, "%s: unknown time_unit '%s'", where,
                        json_string_value(tu));
        iters = json_number_value(vi);
        t = json_number_value(vt) * scale;
        /* GB divides items and bytes by CPU time, not real time. */
        json_t *vc = json_object_get(b, "cpu_time");
        cpu = json_is_number(vc) ? json_number_value(vc) * scale : t;
        if (!(iters > 0) || !(t >= 0))
            return fail(l, MB_ERR_CORRUPT,
                        "%s: iterations must be > 0 and real_time >= 0", where);
    }

    mb_result *r = run_find(run, full);
    if (!r) {
        if (!(r = run_add_result(run)))
            return nomem(l);
        if (!gb_names(l, r, full))
            return false;
        json_t *v = json_object_get(b, "items_per_second");
        if (json_is_number(v) && cpu > 0)
            r->items = json_number_value(v) * cpu / 1e9;
        v = json_object_get(b, "bytes_per_second");
        if (json_is_number(v) && cpu > 0)
            r->bytes = json_number_value(v) * cpu / 1e9;
    }
    if (failed) {
        json_t *em = json_object_get(b, "error_message");
        free(r->error);
        r->error = strdup(json_is_string(em) ? json_string_value(em)
                                             : "error occurred");
        return r->error ? true : nomem(l);
    }
    if (!result_add_sample(r, iters, t * iters, NULL, 0,
                           (uint16_t)(r->n < UINT16_MAX ? r->n : UINT16_MAX)))
        return nomem(l);
    return true;
}

/* ---- Entry point -----------------------------------------------------------
 */

static mb_status load(ld *l, const char *text, size_t len, mb_run **out)
{
    if (len == 0) {
        fail(l, MB_ERR_CORRUPT, "empty document");
        return l->st;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        fail(l, MB_ERR_CORRUPT, "invalid JSON at line %d column %d: %s",
             je.line, je.column, je.text);
        return l->st;
    }
    mb_run *run = NULL;
    json_t *ctx = NULL, *fmt, *benches;
    if (!json_is_object(root)) {
        fail(l, MB_ERR_CORRUPT, "top level is not an object");
        goto done;
    }
    if (!(ctx = get(l, root, "top level", "context", K_OBJ, true)))
        goto done;
    fmt = get(l, ctx, "context", "microbe_format", K_INT, false);
    if (!fmt && l->st != MB_OK)
        goto done;
    if (fmt && json_integer_value(fmt) > RUN_FORMAT_VERSION) {
        fail(l, MB_ERR_VERSION,
             "format version %lld is newer than this microbe understands "
             "(%d); upgrade microbe",
             (long long)json_integer_value(fmt), RUN_FORMAT_VERSION);
        goto done;
    }
    if (fmt && json_integer_value(fmt) < 1) {
        fail(l, MB_ERR_CORRUPT, "context: invalid microbe_format %lld",
             (long long)json_integer_value(fmt));
        goto done;
    }
    if (!(benches = get(l, root, "top level", "benchmarks", K_ARR, true)))
        goto done;
    if (!(run = run_create())) {
        nomem(l);
        goto done;
    }
    if (!load_context(l, ctx, run, fmt != NULL))
        goto done;
    for (size_t i = 0; i < json_array_size(benches); i++) {
        json_t *b = json_array_get(benches, i);
        if (!json_is_object(b)) {
            fail(l, MB_ERR_CORRUPT, "benchmarks[%zu] is not an object", i);
            goto done;
        }
        if (fmt) {
            mb_result *r = run_add_result(run);
            if (!r) {
                nomem(l);
                goto done;
            }
            if (!load_microbe(l, b, i, r))
                goto done;
        } else if (!load_gb(l, b, i, run))
            goto done;
    }
    for (size_t i = 0; !fmt && i < run->nresults; i++)
        if (!point_summary(l, &run->results[i]))
            goto done;
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
    ld l = {source_name ? source_name : "<input>", err, errlen, MB_OK};
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!text && len) {
        fail(&l, MB_ERR_CORRUPT, "no input");
        return l.st;
    }
    return load(&l, text ? text : "", len, out);
}
