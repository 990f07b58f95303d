/* The run model: context entries, warnings and results with raw samples. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mb_run *run_create(void)
{
    return calloc(1, sizeof(mb_run));
}

static void result_clear(mb_result *r)
{
    free(r->name);
    free(r->family);
    free(r->group);
    free(r->bench);
    free(r->iters);
    free(r->ns);
    free(r->flags);
    free(r->round);
    for (size_t c = 0; c < r->ncounters; c++)
        free(r->counter_names[c]);
    free(r->counter_names);
    free(r->counters);
    free(r->error);
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
    free(run);
}

static ctx_entry *ctx_slot(mb_run *run, const char *key)
{
    for (size_t i = 0; i < run->nctx; i++)
        if (strcmp(run->ctx[i].key, key) == 0) {
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
    for (size_t i = 0; i < run->nctx; i++)
        if (strcmp(run->ctx[i].key, key) == 0)
            return &run->ctx[i];
    return NULL;
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
    size_t n = r->n;
    if (needs_growth(n)) {
        size_t cap = n ? 2 * n : 1;
        if (!grow((void **)&r->iters, sizeof(double), cap) ||
            !grow((void **)&r->ns, sizeof(double), cap) ||
            !grow((void **)&r->flags, 1, cap) ||
            !grow((void **)&r->round, sizeof(uint16_t), cap) ||
            (r->ncounters &&
             !grow((void **)&r->counters, sizeof(double) * r->ncounters, cap)))
            return false;
    }
    r->iters[n] = iters;
    r->ns[n] = ns;
    r->flags[n] = flags;
    r->round[n] = round;
    for (size_t k = 0; k < r->ncounters; k++)
        r->counters[n * r->ncounters + k] = counters ? counters[k] : 0;
    r->n = n + 1;
    return true;
}

mb_result *run_find(const mb_run *run, const char *name)
{
    for (size_t i = 0; i < run->nresults; i++)
        if (strcmp(run->results[i].name, name) == 0)
            return &run->results[i];
    return NULL;
}
