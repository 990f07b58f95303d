/* The harness: runs one benchmark instance for one round through MB_LOOP's
 * batches: calibrates the iteration count, warms up until the speed is
 * stable, then takes samples. What a batch measures is a backend chosen once
 * (core/measure.h: time, manual time, instruction counts); threads run the
 * same loop together. The clocks are injectable (tests use fakes). */
#ifndef MB_HARNESS_H
#define MB_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "registry.h"
#include "run.h"

/* A sample must last this many timer resolutions (or read costs) at least,
 * so the clock's granularity is below 0.1% of it. */
#define HARNESS_MIN_SAMPLE_FACTOR 1000.0
/* Iterations per batch never exceed this: an empty body stays ~0 ns and
 * calibration still ends. */
#define HARNESS_MAX_ITERS (UINT64_C(1) << 32)
/* Fewest samples a benchmark gets in each round, however slow. */
#define HARNESS_MIN_SAMPLES 5

struct measure_backend;

typedef struct harness_cfg {
    uint64_t (*now)(void *ctx); /* the clock, in ticks */
    void *clock_ctx;
    /* CPU time of the process in ns, read outside the timed region once
     * per batch; NULL: not measured (samples get NAN). */
    double (*cpu_now)(void *ctx);
    void *cpu_ctx;
    /* What a batch measures; NULL: time (measure_time(), or
     * measure_manual() for a .manual_time benchmark). */
    const struct measure_backend *measure;
    double pause_ticks; /* the cost of an mb_pause/mb_resume pair beyond
                           the paused interval, removed per pair */
    double ns_per_tick;
    double overhead_ticks; /* removed from every batch */
    double resolution_ns;
    double min_time_ns;   /* measuring time per instance, over all rounds */
    int samples;          /* wanted per instance over all rounds; 0: auto */
    bool samples_fixed;   /* --samples or .samples given: exactly that many */
    int rounds;           /* rounds the samples are spread over */
    double max_warmup_ns; /* per round */
    /* --dry-run: one batch of one iteration, no calibration or warm-up. */
    bool dry_run;
    /* The disturbance sources (NULL: the real ones): the thread's
     * schedstat file, and the root under which /proc/stat gives steal
     * time. Tests give fakes. */
    const char *schedstat_path;
    const char *proc_root;
    /* This call is the counting pass (core/alloc.h): no calibration and
     * no samples, one untimed batch of at most HARNESS_ALLOC_ITERS
     * iterations that counts allocations, in the counting worker. */
    bool count_allocs;
    bool pin_threads; /* pin each thread of .threads to its own CPU */
    /* Before each sample's batch, outside the timed region:
     * gives the CPU to another program and waits for it back
     * (core/lockstep.h, under microbe ab); NULL: nothing. */
    void (*turn)(void);
    /* Shared memory (MAP_SHARED) that a process the body forked sets when
     * it comes back into the harness; it then ends at once, and the
     * measuring process reports HARNESS_FORKED. NULL: it just ends. */
    volatile int *stray_fork;
} harness_cfg;

/* The error a benchmark gets (out->error) when its body misuses MB_LOOP
 * or its process. */
#define HARNESS_BREAK "its body leaves MB_LOOP with break"
#define HARNESS_LEFT_EARLY                                                     \
    "its body leaves MB_LOOP early (return, goto or longjmp)"
#define HARNESS_TWO_LOOPS "its body runs MB_LOOP more than once"
#define HARNESS_FORKED                                                         \
    "its body calls fork() and the child goes on measuring (a child must "     \
    "exec or _exit)"

/* Iterations of the counting batch: as Google Benchmark's memory manager,
 * at most 16, never more than a sample's. */
#define HARNESS_ALLOC_ITERS 16

/* What carries from one round of an instance to the next. */
typedef struct harness_memo {
    uint64_t iters;     /* calibrated iterations per sample; 0: not yet */
    double ns_per_iter; /* estimate from calibration */
    int samples_total;  /* decided at calibration */
    int samples_taken;
    /* Interference seen, over the rounds so far: rounds whose samples were
     * mostly disturbed and that were measured again; the run delay of all
     * samples kept or not (ns runnable but waiting for the CPU); the
     * steal time of the CPU while the benchmark ran (ns; 0 also where
     * the machine does not report it). */
    int remeasured;
    double run_delay_ns, steal_ns;
    /* This round's machine-state probe (harness_probe), NAN: none. */
    double probe_ns;
    /* The allocation counting pass, once per instance: iterations counted
     * (0: not yet) and what it saw (core/alloc.h). */
    uint64_t alloc_iters;
    uint64_t allocs, alloc_bytes, alloc_peak;
    int64_t alloc_net;
} harness_memo;

/* The machine-state probe (docs/design.md, "Machine state"): the
 * fastest of a few timings of a fixed small hash-set fill (1024 keys into
 * a 16 KiB table: loads, stores and branches on data in L1), in ns per
 * key, by h's clock. On a shared host the benchmark's CPU flips between
 * states where such code runs at one speed or ~1.5x slower (another
 * tenant on the core's caches, measured on this VM: a register-only
 * chain does not move, this does, and with it the benchmarks); the probe
 * says which state a round was measured in. About 40 us. NAN when the
 * clock gives nothing. */
double harness_probe(const harness_cfg *h);

/* A round whose samples are more than half disturbed is measured again,
 * this many times at most; then it is kept as it is (the analysis leaves
 * disturbed samples out while enough clean ones remain). */
#define HARNESS_MAX_REMEASURE 2

/* Runs inst once (.setup, the body, .teardown) for round `round`,
 * appending its samples to out (whose counter names must match ctr). ctr
 * may be NULL. What the body set besides samples (mb_set_items/bytes,
 * mb_counter per iteration, mb_label, mb_skip, mb_error) goes into out's
 * items, bytes, user, label, skipped and error. Warnings (e.g. too slow for
 * the budget, pauses dwarfing the timed work) go to warn (may be "").
 * Returns false if the body never entered MB_LOOP (and did not skip or
 * fail by itself). */
bool harness_call(const harness_cfg *cfg, const instance *inst, int round,
                  harness_memo *memo, counters *ctr, mb_result *out, char *warn,
                  size_t warnlen);

/* The cost in ticks of an mb_pause/mb_resume pair beyond the interval it
 * excludes (median of many), measured with `now` the way the harness reads
 * it. */
double harness_pause_cost(uint64_t (*now)(void *), void *ctx);

/* CPU time of this process in ns (CLOCK_PROCESS_CPUTIME_ID): the cpu_now
 * of a real run. */
double harness_cpu_now(void *unused);

/* Defaults for the run: min_time (s), samples, rounds. */
#define HARNESS_DEFAULT_MIN_TIME 0.1
#define HARNESS_DEFAULT_SAMPLES  50
#define HARNESS_DEFAULT_ROUNDS   5

#endif
