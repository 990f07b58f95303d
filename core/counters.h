/* Hardware counters around each timed batch, behind a backend seam: PAPI on
 * real machines (core/papi.c), a fake in tests. Disturbance signals (context
 * switches, migrations, page faults) per sample live here too. */
#ifndef MB_COUNTERS_H
#define MB_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microbe.h"

struct mb_run;

/* What a counter library must offer. Every function returns 0 on success or
 * a negative backend code, with a readable reason in err where given. */
typedef struct counter_backend {
    const char *name; /* "papi", "fake" */
    void *ctx;
    /* Once per process. Fails when the library cannot start at all. */
    int (*init)(void *ctx, char *err, size_t errlen);
    /* Does the named event (preset or native) exist on this machine? 1 yes,
     * 0 no such event; counted or not is a separate question (add). */
    int (*exists)(void *ctx, const char *event);
    /* Builds an event set from names; fails when they cannot be counted
     * together or at all, err says why. *set is the backend's handle. */
    int (*open)(void *ctx, const char *const *events, size_t n, void **set,
                char *err, size_t errlen);
    int (*start)(void *ctx, void *set);
    /* Stops and reads n values (totals since start). */
    int (*stop)(void *ctx, void *set, long long *values);
    void (*close)(void *ctx, void *set);
    /* Optional (NULL: a generic text). Why exists() said no, as the
     * library says it ("PAPI: Event does not exist"). */
    void (*missing)(void *ctx, const char *event, char *err, size_t errlen);
    /* Optional (NULL: the number). A negative backend code as text. */
    const char *(*strerror)(void *ctx, int code);
} counter_backend;

/* The PAPI backend; never NULL (a build without PAPI gets one whose init
 * fails with a reason). */
const counter_backend *counters_papi(void);

typedef struct counters counters;

/* Opens the events of spec ("EV1,EV2"; NULL or "": the default set chosen
 * from what the machine offers). On success *out is the set (possibly with 0
 * events, when none can be counted here: a one-line reason goes into run's
 * warnings once). Returns MB_ERR_COUNTERS with err set when an explicitly
 * requested event does not exist; events that exist but cannot be counted
 * are dropped with a warning. */
mb_status counters_open(const counter_backend *be, const char *spec,
                        struct mb_run *run, counters **out, char *err,
                        size_t errlen);
void counters_free(counters *c);      /* NULL ok */
size_t counters_n(const counters *c); /* 0 for NULL */
/* Names of what counters_stop reports, in order; borrowed. */
const char *counters_name(const counters *c, size_t i);
/* Around the timed batch, outside the timer reads. No-ops for NULL or 0
 * events. counters_stop writes counters_n() values (totals for the batch,
 * the fixed cost of an empty batch already removed). */
void counters_start(counters *c);
void counters_stop(counters *c, double *values);
/* Re-measures the fixed cost of an empty batch with between(arg) called
 * where the batch would run (e.g. the harness's two timer reads), so that
 * what the harness adds inside the counted region is removed too.
 * counters_open already measured it with nothing in between. No-op for
 * NULL or 0 events. */
void counters_calibrate(counters *c, void (*between)(void *), void *arg);
/* Batches whose start or stop failed; their values were NAN. */
size_t counters_failures(const counters *c);

/* The default set, in order of preference: an entry "A|B" takes the first
 * of A, B that can be counted. Keeps PAPI's names so that reports find
 * PAPI_TOT_INS and PAPI_TOT_CYC to derive IPC. */
extern const char *const counters_defaults[];
extern const size_t counters_ndefaults;

/* Disturbance signals per sample, snapshots taken outside the timed
 * region: context switches (getrusage), the CPU (sched_getcpu), and the
 * time this thread spent runnable but waiting for a CPU, its run delay
 * (the second field of /proc/thread-self/schedstat: another task ran
 * while it could have). About 2 us per snapshot here (two system calls). */
typedef struct disturb {
    long nvcsw, nivcsw, minflt, majflt;
    int cpu;
    int fd;              /* schedstat, or -1 */
    long long delay_ns;  /* run delay at disturb_begin; -1 unknown */
    long long waited_ns; /* disturb_end: run delay during the sample */
} disturb;
/* Opens the schedstat file (NULL: /proc/thread-self/schedstat; tests give
 * a fake) for the calling thread; -1 when there is none. */
int disturb_open(const char *schedstat_path);
/* The run delay in ns from the schedstat file fd; -1 when unreadable. */
long long disturb_run_delay(int fd);
/* d->fd must be set (disturb_open, or -1). */
void disturb_begin(disturb *d);
/* SAMPLE_DISTURBED when a context switch, a migration or any run delay
 * happened since disturb_begin, else 0; d->waited_ns gets the run delay
 * (0 when unknown). */
uint8_t disturb_end(disturb *d);

#endif
