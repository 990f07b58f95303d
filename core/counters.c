/* Hardware counters around each timed batch, independent of the library that
 * counts them (core/papi.c, or a fake in tests), and the per-sample
 * disturbance signals (context switches, migrations) from getrusage. */
#include "counters.h"

#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "run.h"

/* More than any PMU counts at once; a longer list is a typo, not a wish. */
#define COUNTERS_MAX 32
/* PAPI's own limit on an event name (PAPI_MAX_STR_LEN) is 128. */
#define NAME_MAX_LEN 127
/* Empty start/stop pairs measured to find the fixed cost: enough that the
 * least of them is the floor, few enough to cost well under a millisecond
 * even where start and stop are system calls. Two more warm the path. */
#define CAL_ROUNDS 15
#define CAL_WARMUP 2

const char *const counters_defaults[] = {
    "PAPI_TOT_INS",
    "PAPI_TOT_CYC",
    "PAPI_L1_DCM",
    "PAPI_L3_TCM|PAPI_L2_TCM", /* last level: whichever exists */
    "PAPI_BR_MSP",
};
const size_t counters_ndefaults =
    sizeof counters_defaults / sizeof counters_defaults[0];

struct counters {
    const counter_backend *be;
    void *set; /* backend handle; NULL with 0 events */
    size_t n;
    char **names;
    long long *raw;
    double *base; /* fixed cost of an empty batch, per event */
    int started;  /* 1 when the backend's start succeeded */
    size_t failures;
};

/* Why an event was left out; reasons are kept to group the warnings. */
typedef struct dropped {
    const char *name;
    int conflict; /* 0: cannot be counted at all here */
    char why[256];
} dropped;

static void set_err(char *err, size_t errlen, const char *fmt, const char *a,
                    const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void counters_free(counters *c)
{
    if (!c)
        return;
    if (c->set)
        c->be->close(c->be->ctx, c->set);
    free_names(c->names, c->n);
    free(c->raw);
    free(c->base);
    free(c);
}

size_t counters_n(const counters *c)
{
    return c ? c->n : 0;
}

const char *counters_name(const counters *c, size_t i)
{
    return c && i < c->n ? c->names[i] : NULL;
}

size_t counters_failures(const counters *c)
{
    return c ? c->failures : 0;
}

/* Splits spec at commas into trimmed names; duplicates are kept once.
 * Returns MB_OK, MB_ERR_USAGE (malformed) or MB_ERR_NO_MEMORY. */
static mb_status parse_spec(const char *spec, char ***out, size_t *nout,
                            char *err, size_t errlen)
{
    char **names = calloc(COUNTERS_MAX, sizeof *names);
    size_t n = 0;
    if (!names)
        return MB_ERR_NO_MEMORY;
    const char *p = spec;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 0 || len > NAME_MAX_LEN) {
            set_err(err, errlen,
                    len ? "counter name too long in '%s'%s"
                        : "empty counter name in '%s'%s",
                    spec, "");
            free_names(names, n);
            return MB_ERR_USAGE;
        }
        int dup = 0;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strlen(names[i]) == len && memcmp(names[i], s, len) == 0;
        if (!dup) {
            if (n == COUNTERS_MAX) {
                set_err(err, errlen, "too many counters in '%s' (at most %s)",
                        spec, "32");
                free_names(names, n);
                return MB_ERR_USAGE;
            }
            if (!(names[n] = strndup(s, len))) {
                free_names(names, n);
                return MB_ERR_NO_MEMORY;
            }
            n++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    *out = names;
    *nout = n;
    return MB_OK;
}

/* Can these events be counted together? 1 yes (the set is closed again). */
static int try_open(const counter_backend *be, const char *const *names,
                    size_t n, char *why, size_t whylen)
{
    void *set = NULL;
    why[0] = '\0';
    if (be->open(be->ctx, names, n, &set, why, whylen) != 0) {
        if (!why[0])
            snprintf(why, whylen, "%s: cannot be counted", be->name);
        return 0;
    }
    be->close(be->ctx, set);
    return 1;
}

/* Keeps, in order, each event that can be counted together with those kept
 * before it; the others go to drop[] with the reason. Returns how many are
 * kept (moved to the front of names). */
static size_t split(const counter_backend *be, char **names, size_t n,
                    dropped *drop, size_t *ndrop)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        char *ev = names[i];
        names[i] = names[kept];
        names[kept] = ev;
        dropped *d = &drop[*ndrop];
        if (try_open(be, (const char *const *)names, kept + 1, d->why,
                     sizeof d->why)) {
            kept++;
            continue;
        }
        /* Alone it fails too: not a conflict, it cannot be counted here. */
        char alone[256];
        d->conflict = kept > 0 && try_open(be, (const char *const *)&ev, 1,
                                           alone, sizeof alone);
        if (!d->conflict && kept > 0)
            memcpy(d->why, alone, sizeof alone);
        d->name = ev;
        (*ndrop)++;
    }
    return kept;
}

static void join(char *buf, size_t len, char *const *names, size_t n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? "," : "",
                               names[i]);
}

/* One warning per reason: "counters A,B dropped: ..." */
static void warn_dropped(mb_run *run, dropped *drop, size_t ndrop,
                         char *const *kept, size_t nkept)
{
    char list[512], with[512];
    join(with, sizeof with, kept, nkept);
    for (size_t i = 0; i < ndrop; i++) {
        if (!drop[i].name)
            continue;
        size_t at = (size_t)snprintf(list, sizeof list, "%s", drop[i].name);
        size_t count = 1;
        for (size_t j = i + 1; j < ndrop; j++)
            if (drop[j].name && drop[j].conflict == drop[i].conflict &&
                !drop[i].conflict && strcmp(drop[j].why, drop[i].why) == 0) {
                if (at < sizeof list)
                    at += (size_t)snprintf(list + at, sizeof list - at, ",%s",
                                           drop[j].name);
                drop[j].name = NULL;
                count++;
            }
        if (!run)
            continue;
        if (drop[i].conflict)
            run_warn(run,
                     "counter %s dropped: cannot be counted together with %s "
                     "(%s)",
                     list, with, drop[i].why);
        else
            run_warn(run, "counter%s %s dropped: cannot be counted here (%s)",
                     count > 1 ? "s" : "", list, drop[i].why);
    }
}

/* Returns 0, or the backend's code when start or stop failed. */
static int calibrate(counters *c, void (*between)(void *), void *arg)
{
    const counter_backend *be = c->be;
    int rc;
    for (size_t i = 0; i < c->n; i++)
        c->base[i] = INFINITY;
    for (int r = 0; r < CAL_WARMUP + CAL_ROUNDS; r++) {
        if ((rc = be->start(be->ctx, c->set)) != 0)
            return rc;
        if (between)
            between(arg);
        if ((rc = be->stop(be->ctx, c->set, c->raw)) != 0)
            return rc;
        for (size_t i = 0; r >= CAL_WARMUP && i < c->n; i++)
            if ((double)c->raw[i] < c->base[i])
                c->base[i] = (double)c->raw[i];
    }
    return 0;
}

void counters_calibrate(counters *c, void (*between)(void *), void *arg)
{
    if (!c || c->n == 0)
        return;
    double *old = malloc(c->n * sizeof *old);
    if (!old)
        return;
    memcpy(old, c->base, c->n * sizeof *old);
    if (calibrate(c, between, arg) != 0) /* keep what open measured */
        memcpy(c->base, old, c->n * sizeof *old);
    free(old);
}

/* The default set: each entry's first alternative that can be counted on
 * its own. When none can, *why says what the first failure was. */
static mb_status pick_defaults(const counter_backend *be, char ***out,
                               size_t *nout, char *why, size_t whylen)
{
    char **names = calloc(counters_ndefaults, sizeof *names);
    size_t n = 0;
    if (!names)
        return MB_ERR_NO_MEMORY;
    why[0] = '\0';
    for (size_t i = 0; i < counters_ndefaults; i++) {
        const char *p = counters_defaults[i];
        while (*p) {
            size_t len = strcspn(p, "|");
            char *ev = strndup(p, len);
            char w[256];
            if (!ev) {
                free_names(names, n);
                return MB_ERR_NO_MEMORY;
            }
            int ok = be->exists(be->ctx, ev) == 1;
            if (!ok && be->missing)
                be->missing(be->ctx, ev, w, sizeof w);
            else if (!ok)
                snprintf(w, sizeof w, "%s: no event %s", be->name, ev);
            else
                ok = try_open(be, (const char *const *)&ev, 1, w, sizeof w);
            if (ok) {
                names[n++] = ev;
                break;
            }
            if (!why[0])
                snprintf(why, whylen, "%s", w);
            free(ev);
            p += len;
            if (*p == '|')
                p++;
        }
    }
    *out = names;
    *nout = n;
    return MB_OK;
}

mb_status counters_open(const counter_backend *be, const char *spec,
                        struct mb_run *run, counters **out, char *err,
                        size_t errlen)
{
    char why[256] = "";
    char **names = NULL;
    size_t n = 0;
    mb_status st;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    int explicit = spec && spec[strspn(spec, " \t")] != '\0';
    if (explicit && (st = parse_spec(spec, &names, &n, err, errlen)) != MB_OK)
        return st;

    counters *c = calloc(1, sizeof *c);
    if (!c) {
        free_names(names, n);
        return MB_ERR_NO_MEMORY;
    }
    c->be = be;
    if (be->init(be->ctx, why, sizeof why) != 0) {
        if (!why[0])
            snprintf(why, sizeof why, "%s: cannot start", be->name);
        if (run)
            run_warn(run, "no hardware counters here (%s)", why);
        free_names(names, n);
        *out = c;
        return MB_OK;
    }

    if (explicit) {
        for (size_t i = 0; i < n; i++) {
            if (be->exists(be->ctx, names[i]) == 1)
                continue;
            if (be->missing)
                be->missing(be->ctx, names[i], why, sizeof why);
            else
                snprintf(why, sizeof why, "%s: no such event", be->name);
            set_err(err, errlen, "unknown counter '%s' (%s)", names[i], why);
            free_names(names, n);
            free(c);
            return MB_ERR_COUNTERS;
        }
    } else {
        if ((st = pick_defaults(be, &names, &n, why, sizeof why)) != MB_OK) {
            free(c);
            return st;
        }
        if (n == 0) {
            if (run)
                run_warn(run, "no hardware counters here (%s)", why);
            free(names);
            *out = c;
            return MB_OK;
        }
    }

    dropped drop[COUNTERS_MAX];
    size_t ndrop = 0;
    memset(drop, 0, sizeof drop);
    size_t kept = n;
    if (!try_open(be, (const char *const *)names, n, why, sizeof why))
        kept = split(be, names, n, drop, &ndrop);
    warn_dropped(run, drop, ndrop, names, kept);
    for (size_t i = kept; i < n; i++)
        free(names[i]);
    c->names = names;
    c->n = kept;
    if (kept == 0)
        goto done;

    c->raw = calloc(kept, sizeof *c->raw);
    c->base = calloc(kept, sizeof *c->base);
    if (!c->raw || !c->base) {
        counters_free(c);
        return MB_ERR_NO_MEMORY;
    }
    why[0] = '\0';
    int rc = be->open(be->ctx, (const char *const *)names, kept, &c->set, why,
                      sizeof why);
    if (rc == 0)
        rc = calibrate(c, NULL, NULL);
    if (rc != 0) {
        /* It counted a moment ago: say so rather than report nonsense. */
        if (!why[0])
            snprintf(why, sizeof why, "%s: start or stop failed: %s", be->name,
                     be->strerror ? be->strerror(be->ctx, rc) : "error");
        if (run)
            run_warn(run, "no hardware counters here (%s)", why);
        if (c->set)
            be->close(be->ctx, c->set);
        c->set = NULL;
        free_names(c->names, c->n);
        c->names = NULL;
        c->n = 0;
    }
done:
    *out = c;
    return MB_OK;
}

void counters_start(counters *c)
{
    if (!c || c->n == 0)
        return;
    c->started = c->be->start(c->be->ctx, c->set) == 0;
}

void counters_stop(counters *c, double *values)
{
    if (!c || c->n == 0)
        return;
    if (!c->started || c->be->stop(c->be->ctx, c->set, c->raw) != 0) {
        for (size_t i = 0; i < c->n; i++)
            values[i] = NAN;
        c->failures++;
        c->started = 0;
        return;
    }
    c->started = 0;
    for (size_t i = 0; i < c->n; i++) {
        double v = (double)c->raw[i] - c->base[i];
        /* Only noisy events (cycles) dip below their own floor. */
        values[i] = v > 0 ? v : 0;
    }
}

int disturb_open(const char *schedstat_path)
{
    return open(schedstat_path ? schedstat_path : "/proc/thread-self/schedstat",
                O_RDONLY | O_CLOEXEC);
}

long long disturb_run_delay(int fd)
{
    char buf[128];
    if (fd < 0)
        return -1;
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    unsigned long long run, delay;
    return sscanf(buf, "%llu %llu", &run, &delay) == 2 ? (long long)delay : -1;
}

void disturb_begin(disturb *d)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        d->nvcsw = ru.ru_nvcsw;
        d->nivcsw = ru.ru_nivcsw;
        d->minflt = ru.ru_minflt;
        d->majflt = ru.ru_majflt;
    } else {
        d->nvcsw = d->nivcsw = d->minflt = d->majflt = -1;
    }
    d->delay_ns = disturb_run_delay(d->fd);
    d->waited_ns = 0;
    d->cpu = sched_getcpu();
}

uint8_t disturb_end(disturb *d)
{
    struct rusage ru;
    int cpu = sched_getcpu();
    uint8_t flags = 0;
    long long delay = d->delay_ns >= 0 ? disturb_run_delay(d->fd) : -1;
    d->waited_ns = delay > d->delay_ns ? delay - d->delay_ns : 0;
    if (d->waited_ns > 0)
        flags = SAMPLE_DISTURBED;
    if (cpu >= 0 && d->cpu >= 0 && cpu != d->cpu)
        flags = SAMPLE_DISTURBED;
    if (d->nvcsw < 0 || getrusage(RUSAGE_THREAD, &ru) != 0)
        return flags;
    /* Page faults are the benchmark's own work (first touch), not noise. */
    if (ru.ru_nvcsw != d->nvcsw || ru.ru_nivcsw != d->nivcsw)
        flags = SAMPLE_DISTURBED;
    return flags;
}
