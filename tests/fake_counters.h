/* A counter backend for tests: events with known values per start/stop,
 * configurable missing and uncountable events, conflicting pairs, failing
 * init, start or stop. Use it wherever counters_open takes a backend. */
#ifndef MB_FAKE_COUNTERS_H
#define MB_FAKE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "counters.h"

#define FAKE_MAX_EVENTS    16
#define FAKE_MAX_CONFLICTS 8

typedef struct fake_event {
    const char *name;
    bool uncountable;   /* exists, but open fails with it in the set */
    long long overhead; /* what every start/stop pair counts, even empty */
    long long work;     /* added by every stop: set it after counters_open */
    long long acc;      /* fake_counters_tick() since the last start */
} fake_event;

typedef struct fake_counters {
    fake_event ev[FAKE_MAX_EVENTS]; /* the events that exist */
    size_t nev;
    const char *conflict[FAKE_MAX_CONFLICTS][2]; /* never in one set */
    size_t nconflict;
    size_t max_events; /* more in one set conflict; 0: no limit */
    bool fail_init;    /* init fails with "FAKE: no PMU (fake)" */
    bool fail_start;   /* start fails (open's own test start passes) */
    bool fail_stop;
    /* Observations. */
    int init_calls, open_calls, start_calls, stop_calls, close_calls;
    int live_sets; /* opened and not yet closed */
    bool running;
    counter_backend be;
} fake_counters;

/* Empty: no events at all. */
void fake_counters_setup(fake_counters *f);
/* The PAPI default presets (PAPI_TOT_INS, PAPI_TOT_CYC, PAPI_L1_DCM,
 * PAPI_L2_TCM, PAPI_BR_MSP; no PAPI_L3_TCM), all countable, with overheads
 * 100, 200, 300, ... */
void fake_counters_setup_defaults(fake_counters *f);
/* Adds an event; returns it (NULL when full). name is borrowed. */
fake_event *fake_counters_add(fake_counters *f, const char *name,
                              long long overhead);
fake_event *fake_counters_find(fake_counters *f, const char *name);
void fake_counters_conflict(fake_counters *f, const char *a, const char *b);
/* Adds v to event name while started (e.g. once per iteration of a body). */
void fake_counters_tick(fake_counters *f, const char *name, long long v);
/* The backend; valid while f is. */
const counter_backend *fake_counters_backend(fake_counters *f);

#endif
