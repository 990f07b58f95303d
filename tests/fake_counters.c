/* A counter backend for tests: see fake_counters.h. */
#include "fake_counters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fake_set {
    size_t n;
    size_t idx[FAKE_MAX_EVENTS];
} fake_set;

fake_event *fake_counters_find(fake_counters *f, const char *name)
{
    for (size_t i = 0; i < f->nev; i++)
        if (strcmp(f->ev[i].name, name) == 0)
            return &f->ev[i];
    return NULL;
}

static int f_init(void *ctx, char *err, size_t errlen)
{
    fake_counters *f = ctx;
    f->init_calls++;
    if (f->fail_init) {
        snprintf(err, errlen, "FAKE: no PMU (fake)");
        return -1;
    }
    return 0;
}

static int f_exists(void *ctx, const char *event)
{
    return fake_counters_find(ctx, event) != NULL;
}

static void f_missing(void *ctx, const char *event, char *err, size_t errlen)
{
    (void)ctx;
    (void)event;
    snprintf(err, errlen, "FAKE: Event does not exist");
}

static int conflicts(const fake_counters *f, const char *a, const char *b)
{
    for (size_t i = 0; i < f->nconflict; i++)
        if ((strcmp(f->conflict[i][0], a) == 0 &&
             strcmp(f->conflict[i][1], b) == 0) ||
            (strcmp(f->conflict[i][0], b) == 0 &&
             strcmp(f->conflict[i][1], a) == 0))
            return 1;
    return 0;
}

static int f_open(void *ctx, const char *const *events, size_t n, void **set,
                  char *err, size_t errlen)
{
    fake_counters *f = ctx;
    f->open_calls++;
    *set = NULL;
    if (n == 0 || n > FAKE_MAX_EVENTS) {
        snprintf(err, errlen, "FAKE: bad set size %zu", n);
        return -2;
    }
    if (f->max_events && n > f->max_events) {
        snprintf(err, errlen, "FAKE: only %zu counters", f->max_events);
        return -3;
    }
    fake_set *s = calloc(1, sizeof *s);
    if (!s)
        return -4;
    for (size_t i = 0; i < n; i++) {
        fake_event *e = fake_counters_find(f, events[i]);
        if (!e) {
            snprintf(err, errlen, "FAKE: Event does not exist");
            free(s);
            return -5;
        }
        if (e->uncountable) {
            snprintf(err, errlen, "FAKE: component disabled (fake)");
            free(s);
            return -6;
        }
        for (size_t j = 0; j < i; j++)
            if (conflicts(f, events[j], events[i])) {
                snprintf(err, errlen, "FAKE: %s conflicts with %s", events[i],
                         events[j]);
                free(s);
                return -7;
            }
        s->idx[s->n++] = (size_t)(e - f->ev);
    }
    f->live_sets++;
    *set = s;
    return 0;
}

static int f_start(void *ctx, void *set)
{
    fake_counters *f = ctx;
    (void)set;
    f->start_calls++;
    if (f->fail_start)
        return -8;
    for (size_t i = 0; i < f->nev; i++)
        f->ev[i].acc = 0;
    f->running = true;
    return 0;
}

static int f_stop(void *ctx, void *set, long long *values)
{
    fake_counters *f = ctx;
    fake_set *s = set;
    f->stop_calls++;
    f->running = false;
    if (f->fail_stop)
        return -9;
    for (size_t i = 0; i < s->n; i++) {
        const fake_event *e = &f->ev[s->idx[i]];
        values[i] = e->overhead + e->work + e->acc;
    }
    return 0;
}

static void f_close(void *ctx, void *set)
{
    fake_counters *f = ctx;
    f->close_calls++;
    if (set)
        f->live_sets--;
    free(set);
}

static const char *f_strerror(void *ctx, int code)
{
    (void)ctx;
    return code == -8 ? "FAKE: start failed" : "FAKE: failed";
}

void fake_counters_setup(fake_counters *f)
{
    memset(f, 0, sizeof *f);
    f->be = (counter_backend){
        .name = "fake",
        .ctx = f,
        .init = f_init,
        .exists = f_exists,
        .open = f_open,
        .start = f_start,
        .stop = f_stop,
        .close = f_close,
        .missing = f_missing,
        .strerror = f_strerror,
    };
}

void fake_counters_setup_defaults(fake_counters *f)
{
    static const char *const names[] = {"PAPI_TOT_INS", "PAPI_TOT_CYC",
                                        "PAPI_L1_DCM", "PAPI_L2_TCM",
                                        "PAPI_BR_MSP"};
    fake_counters_setup(f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        fake_counters_add(f, names[i], 100 * (long long)(i + 1));
}

fake_event *fake_counters_add(fake_counters *f, const char *name,
                              long long overhead)
{
    if (f->nev == FAKE_MAX_EVENTS)
        return NULL;
    fake_event *e = &f->ev[f->nev++];
    memset(e, 0, sizeof *e);
    e->name = name;
    e->overhead = overhead;
    return e;
}

void fake_counters_conflict(fake_counters *f, const char *a, const char *b)
{
    if (f->nconflict < FAKE_MAX_CONFLICTS) {
        f->conflict[f->nconflict][0] = a;
        f->conflict[f->nconflict][1] = b;
        f->nconflict++;
    }
}

void fake_counters_tick(fake_counters *f, const char *name, long long v)
{
    fake_event *e = fake_counters_find(f, name);
    if (e && f->running)
        e->acc += v;
}

const counter_backend *fake_counters_backend(fake_counters *f)
{
    return &f->be;
}
