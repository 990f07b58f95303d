/* Measurement backends: what one batch of MB_LOOP measures. The harness
 * (core/harness.c) runs the one loop of calibration, warm-up and sampling;
 * a backend, chosen once per benchmark, starts and stops what a batch
 * measures: time with CPU time beside it (measure_time.c), manual time
 * (the same file), or instruction counts under callgrind (measure_cg.c).
 * Threads run the same backend in every thread of a team. This header also
 * defines the run state a body holds, shared by the harness and backends. */
#ifndef MB_MEASURE_H
#define MB_MEASURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "harness.h"
#include "registry.h"
#include "run.h"

/* PHASE_ALLOCS: one untimed batch after the samples that counts
 * allocations (core/alloc.c), once per instance. */
enum harness_phase {
    PHASE_CALIBRATE,
    PHASE_WARMUP,
    PHASE_SAMPLE,
    PHASE_DONE,
    PHASE_ALLOCS
};

/* What one batch measured, for the harness's loop. */
typedef struct batch {
    double ns;        /* the batch's measured time, overheads removed */
    double wall_ns;   /* the whole batch, pauses included, overhead removed */
    double cpu_ns;    /* CPU time of the process over the batch; NAN: none */
    uint8_t flags;    /* SAMPLE_* */
    double waited_ns; /* run delay during the batch (runnable, waiting) */
} batch;

/* Counters a body sets with mb_counter (per thread; merged at the end). */
#define HARNESS_MAX_USER 32
typedef struct user_counter {
    char name[64];
    double value;
    int flags;
} user_counter;

typedef struct team team; /* the threads of one .threads benchmark */

struct mb_state {
    const harness_cfg *cfg;
    const struct measure_backend *be;
    const instance *inst;
    harness_memo *memo;
    counters *ctr;
    mb_result *out;
    double *vals; /* counter values of the last batch */
    int round;
    enum harness_phase phase;
    uint64_t n; /* iterations of the batch in flight */
    uint64_t t0;
    double cpu0; /* CPU clock at the batch's start (thread 0) */
    disturb dist;
    bool entered;
    /* mb_pause / mb_resume, this batch */
    bool paused;
    uint64_t tp;         /* clock at mb_pause */
    double paused_ticks; /* between pause and resume */
    uint64_t pairs;      /* pause/resume pairs */
    double call_paused;  /* ticks paused this call, sampled batches */
    double call_timed;   /* ticks timed this call, sampled batches */
    uint64_t call_pairs; /* pairs this call */
    double manual_ns;    /* mb_set_iteration_time, this batch */
    double iters_run;    /* iterations this thread ran, every batch */
    /* calibration and warm-up */
    double target_ns; /* wanted length of one sample */
    double warm_ns;   /* time spent warming up this round */
    double recent[3]; /* last warm-up speeds, ns per iteration */
    int nrecent;
    int round_samples; /* to take in this round */
    int round_taken;
    int round_disturbed; /* of those taken */
    int retries;         /* times this round was measured again */
    char *warn;
    size_t warnlen;
    /* what the body set: mb_set_items/bytes (< 0: not set), counters,
     * label, skip and error (first wins) */
    double items, bytes;
    user_counter user[HARNESS_MAX_USER];
    size_t nuser;
    char *label;
    char *skip;
    char *error;
    bool stop; /* skip or error: end MB_LOOP at the next batch */
    /* threads */
    int thread, nthreads;
    team *team;
    batch last; /* this thread's last batch, for the team's leader */
    /* misuse of MB_LOOP, checked outside the timed region */
    int pid;         /* the measuring process */
    bool in_batch;   /* between mb_batch_begin and mb_batch_end */
    bool loop_ended; /* mb_batch_begin returned 0 */
};

/* A backend: begin runs in mb_batch_begin just before the clock starts,
 * end in mb_batch_end right after it stopped at t1 (both outside the timed
 * region). end fills *b and returns true for the harness's loop to take
 * it, or false when the backend advanced the batch itself (instructions).
 * pause and resume implement mb_pause / mb_resume. */
typedef struct measure_backend {
    const char *name;
    void (*begin)(mb_state *st);
    bool (*end)(mb_state *st, uint64_t t1, batch *b);
    void (*pause)(mb_state *st);
    void (*resume)(mb_state *st);
} measure_backend;

/* Wall-clock time (TSC or clock_gettime), CPU time beside it. */
const measure_backend *measure_time(void);
/* Like measure_time, but a batch lasts what mb_set_iteration_time said. */
const measure_backend *measure_manual(void);
/* Callgrind's counts around each batch (core/measure_cg.c). */
const measure_backend *measure_instructions(void);

#endif
