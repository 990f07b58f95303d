/* Runs the selected instances in rounds inside a worker process, so that a
 * benchmark that crashes, calls exit or hangs is reported by name while the
 * rest of the suite goes on. */
#ifndef MB_RUNNER_H
#define MB_RUNNER_H

#include "counters.h"
#include "harness.h"
#include "registry.h"
#include "run.h"

typedef struct runner_cfg {
    harness_cfg h;
    const char *counters_spec; /* NULL: the default set */
    /* Set by runner_run itself, for its workers: the default set yields no
     * counter here (it found out once), so benchmarks on it open none. */
    bool no_default_counters;
    const counter_backend *backend;
    double timeout_s;     /* per instance and round; 0: derived from min_time */
    bool progress;        /* progress lines on stderr */
    bool min_time_forced; /* --min-time given: overrides .min_time */
    const char *argv0;    /* the program, re-executed per round; NULL:
                             rounds run in forks of this process */
    /* Measuring more rounds of instances measured before (the looks of a
     * baseline comparison, core/sequential.h). memo: n entries the caller
     * keeps across calls (NULL: fresh ones), so that calibration and
     * samples per round carry over; with more, the results are the last n
     * of run (not appended again), rounds first_round .. h.rounds - 1 are
     * measured and only[i] false leaves instance i out (NULL: all). */
    harness_memo *memo;
    bool more;
    int first_round;
    const bool *only;
} runner_cfg;

/* Appends one result per instance (in order) to run and fills them
 * (with cfg->more: adds rounds to the last n results of run).
 * A crashed instance gets r->error and the run goes on. Returns MB_OK,
 * or MB_ERR_COUNTERS (unknown event) / MB_ERR_CRASHED (the worker could
 * not run at all) with err set. */
mb_status runner_run(const runner_cfg *cfg, const instance *insts, size_t n,
                     mb_run *run, char *err, size_t errlen);

/* Appends one empty result per instance (names, group, argument,
 * throughput) to run, for runner_run and the callgrind driver alike. */
mb_status runner_add_results(mb_run *run, const instance *insts, size_t n);

/* The worker side: mb_main calls it for --mb-worker=run:... and returns
 * what it returns: -1 when the flag did not come from runner_run (a user
 * typed it), with nothing said. */
int runner_worker_main(const char *arg);

#endif
