/* The PAPI counter backend: the one file that includes <papi.h>. PAPI's
 * negative codes become text here, with PAPI's own reason kept. */
#include "counters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MB_NO_PAPI
#include <papi.h>

typedef struct papi_set {
    int es;
} papi_set;

/* PAPI_library_init may run once per process; its result is kept. */
static int init_rc = 1; /* 1: not tried yet */
static char init_why[256];

/* A component's disabled_reason without PAPI's "Error " prefix. */
static const char *disabled_reason(int cidx, char *buf, size_t len)
{
    const PAPI_component_info_t *ci = PAPI_get_component_info(cidx);
    if (!ci || !ci->disabled)
        return NULL;
    const char *r = ci->disabled_reason;
    if (strncmp(r, "Error ", 6) == 0)
        r += 6;
    /* Bounded so the whole line fits one warning. */
    snprintf(buf, len, "%.40s component disabled: %.180s", ci->name,
             r[0] ? r : PAPI_strerror(ci->disabled));
    return buf;
}

/* "PAPI: <why>" for a code from adding code (an event) to a set. */
static void explain(int rc, int code, char *err, size_t errlen)
{
    char buf[256];
    const char *why = NULL;
    if (!err || !errlen)
        return;
    if (rc == PAPI_ECMP_DISABLED || rc == PAPI_ENOCMP) {
        int cidx = PAPI_get_event_component(code);
        if (cidx >= 0)
            why = disabled_reason(cidx, buf, sizeof buf);
    }
    if (!why) {
        const char *s = PAPI_strerror(rc);
        why = s ? s : "unknown error";
    }
    snprintf(err, errlen, "PAPI: %s%s", why,
             rc == PAPI_EPERM ? " (see /proc/sys/kernel/perf_event_paranoid)"
                              : "");
}

static int p_init(void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    if (init_rc == 1) {
        int v = PAPI_library_init(PAPI_VER_CURRENT);
        if (v == PAPI_VER_CURRENT) {
            init_rc = 0;
        } else if (v > 0) {
            init_rc = PAPI_EINVAL;
            snprintf(init_why, sizeof init_why,
                     "PAPI: library version %d.%d differs from the headers'",
                     PAPI_VERSION_MAJOR(v), PAPI_VERSION_MINOR(v));
        } else {
            init_rc = v;
            snprintf(init_why, sizeof init_why, "PAPI: %s", PAPI_strerror(v));
        }
    }
    if (init_rc != 0 && err && errlen)
        snprintf(err, errlen, "%s", init_why);
    return init_rc;
}

static int p_exists(void *ctx, const char *event)
{
    int code;
    (void)ctx;
    return PAPI_event_name_to_code(event, &code) == PAPI_OK;
}

static void p_missing(void *ctx, const char *event, char *err, size_t errlen)
{
    (void)ctx;
    (void)event;
    /* PAPI answers an unknown name with the code of whichever component
     * looked last (ENOSUPP, ECMP, ENOEVNT); to a user they all mean this. */
    snprintf(err, errlen, "PAPI: %s", PAPI_strerror(PAPI_ENOEVNT));
}

static void p_close(void *ctx, void *set)
{
    papi_set *s = set;
    (void)ctx;
    if (!s)
        return;
    PAPI_cleanup_eventset(s->es);
    PAPI_destroy_eventset(&s->es);
    free(s);
}

static int p_open(void *ctx, const char *const *events, size_t n, void **set,
                  char *err, size_t errlen)
{
    papi_set *s = calloc(1, sizeof *s);
    int rc, code = 0;
    (void)ctx;
    *set = NULL;
    if (!s) {
        snprintf(err, errlen, "PAPI: out of memory");
        return PAPI_ENOMEM;
    }
    s->es = PAPI_NULL;
    if ((rc = PAPI_create_eventset(&s->es)) != PAPI_OK) {
        explain(rc, 0, err, errlen);
        free(s);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = PAPI_event_name_to_code(events[i], &code)) != PAPI_OK ||
            (rc = PAPI_add_event(s->es, code)) != PAPI_OK) {
            explain(rc, code, err, errlen);
            p_close(ctx, s);
            return rc;
        }
    }
    /* Some conflicts only show when the kernel schedules the events. */
    long long scratch[64];
    if (n > 64 || (rc = PAPI_start(s->es)) != PAPI_OK ||
        (rc = PAPI_stop(s->es, scratch)) != PAPI_OK) {
        if (n > 64)
            rc = PAPI_ECNFLCT;
        explain(rc, code, err, errlen);
        p_close(ctx, s);
        return rc;
    }
    *set = s;
    return 0;
}

static int p_start(void *ctx, void *set)
{
    (void)ctx;
    return PAPI_start(((papi_set *)set)->es);
}

static int p_stop(void *ctx, void *set, long long *values)
{
    (void)ctx;
    return PAPI_stop(((papi_set *)set)->es, values);
}

static const char *p_strerror(void *ctx, int code)
{
    (void)ctx;
    const char *s = PAPI_strerror(code);
    return s ? s : "unknown PAPI error";
}

const counter_backend *counters_papi(void)
{
    static const counter_backend be = {
        .name = "papi",
        .init = p_init,
        .exists = p_exists,
        .open = p_open,
        .start = p_start,
        .stop = p_stop,
        .close = p_close,
        .missing = p_missing,
        .strerror = p_strerror,
    };
    return &be;
}

#else /* a build without PAPI: nothing can be counted, and it says so */

static int n_init(void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    snprintf(err, errlen, "PAPI: not built in");
    return -1;
}

static int n_exists(void *ctx, const char *event)
{
    (void)ctx;
    (void)event;
    return 0;
}

static int n_open(void *ctx, const char *const *events, size_t n, void **set,
                  char *err, size_t errlen)
{
    (void)ctx;
    (void)events;
    (void)n;
    *set = NULL;
    snprintf(err, errlen, "PAPI: not built in");
    return -1;
}

static int n_start(void *ctx, void *set)
{
    (void)ctx;
    (void)set;
    return -1;
}

static int n_stop(void *ctx, void *set, long long *values)
{
    (void)ctx;
    (void)set;
    (void)values;
    return -1;
}

static void n_close(void *ctx, void *set)
{
    (void)ctx;
    (void)set;
}

const counter_backend *counters_papi(void)
{
    static const counter_backend be = {
        .name = "papi",
        .init = n_init,
        .exists = n_exists,
        .open = n_open,
        .start = n_start,
        .stop = n_stop,
        .close = n_close,
    };
    return &be;
}
#endif
