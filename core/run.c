/* The run model: context entries, warnings and results with raw samples. */
#include "run.h"

#include "profile.h"

#include <math.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mb_run *run_create(void)
{
    return calloc(1, sizeof(mb_run));
}

void result_clear(mb_result *r)
{
    free(r->name);
    free(r->family);
    free(r->group);
    free(r->bench);
    free(r->iters);
    free(r->ns);
    free(r->cpu_ns);
    free(r->flags);
    free(r->round);
    free(r->probe_ns);
    for (size_t c = 0; c < r->ncounters; c++)
        free(r->counter_names[c]);
    free(r->counter_names);
    free(r->counters);
    free(r->error);
    profile_free(r->profile);
    free(r->others);
    free(r->label);
    free(r->skipped);
    for (size_t k = 0; k < r->nuser; k++)
        free(r->user[k].name);
    free(r->user);
    memset(r, 0, sizeof *r);
}

/* ---- Name index ----------------------------------------------------------
 * Open addressing with linear probing over positions in an array; the
 * array is the truth, the index only finds in it. */

/* FNV-1a: cheap, and spreads names that differ only in a trailing number. */
static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static void index_put(run_index *x, const char *name, size_t pos)
{
    size_t m = x->cap - 1;
    for (size_t h = hash_name(name) & m;; h = (h + 1) & m)
        if (!x->slot[h]) {
            x->slot[h] = pos + 1;
            return;
        }
}

/* Indexes positions x->count..n-1; false on no memory (the index is then
 * dropped, and lookups fall back to scanning). */
static bool index_update(run_index *x, const void *base, size_t n,
                         name_fn name_of)
{
    if (2 * n >= x->cap) { /* load factor below 1/2 */
        size_t cap = 64;
        while (cap <= 2 * n)
            cap *= 2;
        size_t *slot = calloc(cap, sizeof *slot);
        if (!slot) {
            free(x->slot);
            *x = (run_index){0};
            return false;
        }
        free(x->slot);
        x->slot = slot;
        x->cap = cap;
        x->count = 0;
    }
    for (; x->count < n; x->count++) {
        const char *name = name_of(base, x->count);
        if (!name)
            break; /* named later: indexed on the next lookup */
        /* First of equal names wins, as a scan from the front would. */
        size_t m = x->cap - 1, h = hash_name(name) & m;
        bool dup = false;
        for (; x->slot[h]; h = (h + 1) & m) {
            const char *o = name_of(base, x->slot[h] - 1);
            if (o && strcmp(o, name) == 0) {
                dup = true;
                break;
            }
        }
        if (!dup)
            index_put(x, name, x->count);
    }
    return true;
}

size_t run_index_find(run_index *x, const void *base, size_t n, name_fn name_of,
                      const char *name)
{
    if (n && (x->count < n || !x->cap) && !index_update(x, base, n, name_of)) {
        for (size_t i = 0; i < n; i++) { /* no memory: scan */
            const char *o = name_of(base, i);
            if (o && strcmp(o, name) == 0)
                return i;
        }
        return SIZE_MAX;
    }
    if (!x->cap)
        return SIZE_MAX;
    size_t m = x->cap - 1;
    for (size_t h = hash_name(name) & m; x->slot[h]; h = (h + 1) & m) {
        const char *o = name_of(base, x->slot[h] - 1);
        if (o && strcmp(o, name) == 0)
            return x->slot[h] - 1;
    }
    /* Positions past the first unnamed one are not indexed yet. */
    for (size_t i = x->count; i < n; i++) {
        const char *o = name_of(base, i);
        if (o && strcmp(o, name) == 0)
            return i;
    }
    return SIZE_MAX;
}

void run_index_free(run_index *x)
{
    free(x->slot);
    *x = (run_index){0};
}

static const char *ctx_name(const void *base, size_t i)
{
    return ((const ctx_entry *)base)[i].key;
}

static const char *result_name(const void *base, size_t i)
{
    return ((const mb_result *)base)[i].name;
}

void run_free(mb_run *run)
{
    if (!run)
        return;
    for (size_t i = 0; i < run->nctx; i++) {
        free(run->ctx[i].key);
        free(run->ctx[i].str);
    }
    free(run->ctx);
    for (size_t i = 0; i < run->nwarnings; i++)
        free(run->warnings[i]);
    free(run->warnings);
    for (size_t i = 0; i < run->nresults; i++)
        result_clear(&run->results[i]);
    free(run->results);
    run_index_free(&run->ctx_index);
    run_index_free(&run->result_index);
    free(run);
}

static ctx_entry *ctx_slot(mb_run *run, const char *key)
{
    size_t i =
        run_index_find(&run->ctx_index, run->ctx, run->nctx, ctx_name, key);
    if (i != SIZE_MAX) {
        free(run->ctx[i].str);
        run->ctx[i].str = NULL;
        return &run->ctx[i];
    }
    ctx_entry *grown = realloc(run->ctx, (run->nctx + 1) * sizeof *grown);
    char *k = strdup(key);
    if (!grown || !k) {
        if (grown)
            run->ctx = grown;
        free(k);
        return NULL;
    }
    run->ctx = grown;
    ctx_entry *e = &run->ctx[run->nctx++];
    memset(e, 0, sizeof *e);
    e->key = k;
    return e;
}

void run_ctx_str(mb_run *run, const char *key, const char *value)
{
    ctx_entry *e = ctx_slot(run, key);
    if (e) {
        e->type = CTX_STR;
        e->str = strdup(value ? value : "");
    }
}

void run_ctx_num(mb_run *run, const char *key, double value)
{
    ctx_entry *e = ctx_slot(run, key);
    if (e) {
        e->type = CTX_NUM;
        e->num = value;
    }
}

void run_ctx_bool(mb_run *run, const char *key, bool value)
{
    ctx_entry *e = ctx_slot(run, key);
    if (e) {
        e->type = CTX_BOOL;
        e->num = value;
    }
}

const ctx_entry *run_ctx_get(const mb_run *run, const char *key)
{
    /* The index is a cache: updating it does not change the run. */
    size_t i = run_index_find((run_index *)&run->ctx_index, run->ctx, run->nctx,
                              ctx_name, key);
    return i == SIZE_MAX ? NULL : &run->ctx[i];
}

const char *run_ctx_gets(const mb_run *run, const char *key)
{
    const ctx_entry *e = run_ctx_get(run, key);
    return e && e->type == CTX_STR ? e->str : NULL;
}

void run_warn(mb_run *run, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < run->nwarnings; i++)
        if (strcmp(run->warnings[i], buf) == 0)
            return; /* each problem is said once */
    char **grown = realloc(run->warnings, (run->nwarnings + 1) * sizeof *grown);
    if (!grown)
        return;
    run->warnings = grown;
    if ((grown[run->nwarnings] = strdup(buf)))
        run->nwarnings++;
}

mb_result *run_add_result(mb_run *run)
{
    mb_result *grown =
        realloc(run->results, (run->nresults + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    run->results = grown;
    mb_result *r = &grown[run->nresults++];
    memset(r, 0, sizeof *r);
    return r;
}

/* Capacity is derived from n: arrays grow at powers of two. */
static bool needs_growth(size_t n)
{
    return n == 0 || (n & (n - 1)) == 0;
}

static bool grow(void **p, size_t elem, size_t cap)
{
    void *q = realloc(*p, elem * cap);
    if (!q)
        return false;
    *p = q;
    return true;
}

bool result_add_sample(mb_result *r, double iters, double ns,
                       const double *counters, uint8_t flags, uint16_t round)
{
    return result_add_sample_cpu(r, iters, ns, NAN, counters, flags, round);
}

bool result_add_sample_cpu(mb_result *r, double iters, double ns, double cpu_ns,
                           const double *counters, uint8_t flags,
                           uint16_t round)
{
    size_t n = r->n;
    if (needs_growth(n)) {
        size_t cap = n ? 2 * n : 1;
        if (!grow((void **)&r->iters, sizeof(double), cap) ||
            !grow((void **)&r->ns, sizeof(double), cap) ||
            !grow((void **)&r->cpu_ns, sizeof(double), cap) ||
            !grow((void **)&r->flags, 1, cap) ||
            !grow((void **)&r->round, sizeof(uint16_t), cap) ||
            (r->ncounters &&
             !grow((void **)&r->counters, sizeof(double) * r->ncounters, cap)))
            return false;
    }
    r->iters[n] = iters;
    r->ns[n] = ns;
    r->cpu_ns[n] = cpu_ns;
    r->flags[n] = flags;
    r->round[n] = round;
    for (size_t k = 0; k < r->ncounters; k++)
        r->counters[n * r->ncounters + k] = counters ? counters[k] : 0;
    r->n = n + 1;
    return true;
}

bool result_set_probe(mb_result *r, uint16_t round, double ns)
{
    if (round >= r->nprobe) {
        if (!grow((void **)&r->probe_ns, sizeof(double), (size_t)round + 1))
            return false;
        for (size_t k = r->nprobe; k <= round; k++)
            r->probe_ns[k] = NAN;
        r->nprobe = (size_t)round + 1;
    }
    r->probe_ns[round] = ns;
    return true;
}

mb_result *run_find(const mb_run *run, const char *name)
{
    size_t i = run_index_find((run_index *)&run->result_index, run->results,
                              run->nresults, result_name, name);
    return i == SIZE_MAX ? NULL : &run->results[i];
}

bool result_set_user(mb_result *r, const char *name, double value, int flags)
{
    for (size_t k = 0; k < r->nuser; k++)
        if (strcmp(r->user[k].name, name) == 0) {
            r->user[k].value = value;
            r->user[k].flags = flags;
            return true;
        }
    mb_user_counter *g = realloc(r->user, (r->nuser + 1) * sizeof *g);
    if (!g)
        return false;
    r->user = g;
    char *copy = strdup(name);
    if (!copy)
        return false;
    g[r->nuser++] = (mb_user_counter){
        .name = copy, .value = value, .flags = flags, .rounds = 1};
    return true;
}

double result_user_value(const mb_result *r, size_t k)
{
    const mb_user_counter *u = &r->user[k];
    if (!(u->flags & MB_COUNTER_RATE))
        return u->value;
    return r->time.median > 0 ? u->value * 1e9 / r->time.median : NAN;
}

/* Appends a printf-formatted line to the growing text *buf. */
static bool add_line(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool add_line(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return false;
    char *g = realloc(*buf, *len + (size_t)k + 2);
    if (!g)
        return false;
    *buf = g;
    va_start(ap, fmt);
    vsnprintf(g + *len, (size_t)k + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)k;
    g[(*len)++] = '\n';
    g[*len] = '\0';
    return true;
}

char *result_values_text(const mb_result *r)
{
    char *buf = calloc(1, 1);
    size_t len = 0;
    bool ok = buf != NULL;
    /* %a: exact, so a value survives the trip unchanged. */
    if (ok && r->items > 0)
        ok = add_line(&buf, &len, "items %a", r->items);
    if (ok && r->bytes > 0)
        ok = add_line(&buf, &len, "bytes %a", r->bytes);
    if (ok && r->label)
        ok = add_line(&buf, &len, "label %s", r->label);
    if (ok && r->skipped)
        ok = add_line(&buf, &len, "skip %s", r->skipped);
    if (ok && r->error)
        ok = add_line(&buf, &len, "error %s", r->error);
    for (size_t k = 0; ok && k < r->nuser; k++)
        ok = add_line(&buf, &len, "counter %d %a %s", r->user[k].flags,
                      r->user[k].value, r->user[k].name);
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

static bool set_text(char **dst, const char *v, bool replace)
{
    if (*dst && !replace)
        return true;
    char *c = strdup(v);
    if (!c)
        return false;
    free(*dst);
    *dst = c;
    return true;
}

bool result_value_line(mb_result *r, const char *line)
{
    int off = 0, flags = 0;
    double v = 0;
    if (sscanf(line, "items %la%n", &v, &off) == 1 && !line[off]) {
        r->items = v;
        return true;
    }
    if (sscanf(line, "bytes %la%n", &v, &off) == 1 && !line[off]) {
        r->bytes = v;
        return true;
    }
    if (strncmp(line, "label ", 6) == 0)
        return set_text(&r->label, line + 6, true);
    if (strncmp(line, "skip ", 5) == 0)
        return r->error || set_text(&r->skipped, line + 5, false);
    if (strncmp(line, "error ", 6) == 0) {
        if (r->skipped)
            return true;
        return set_text(&r->error, line + 6, false);
    }
    if (sscanf(line, "counter %d %la %n", &flags, &v, &off) == 2 && off &&
        line[off]) {
        const char *name = line + off;
        for (size_t k = 0; k < r->nuser; k++)
            if (strcmp(r->user[k].name, name) == 0) {
                mb_user_counter *u = &r->user[k];
                u->value = (u->value * (double)u->rounds + v) /
                           (double)(u->rounds + 1);
                u->rounds++;
                u->flags = flags;
                return true;
            }
        return result_set_user(r, name, v, flags);
    }
    return false;
}
