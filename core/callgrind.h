/* --measure=instructions: benchmarks re-run under Valgrind's callgrind with
 * collection switched on only around MB_LOOP's batches. The parent side
 * starts Valgrind once for the whole selection and parses callgrind's dumps;
 * the worker side (the bench program re-executed under Valgrind) runs the
 * harness with the instructions backend (core/measure_cg.c), which toggles
 * collection and dumps.
 * How it works and the cycle estimate: docs/instructions.md. */
#ifndef MB_CALLGRIND_H
#define MB_CALLGRIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "run.h"

/* ---- callgrind's output format ---------------------------------------- */

/* Events a part can hold: callgrind with --cache-sim and --branch-sim
 * gives 13 (Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim). */
#define CG_MAX_EVENTS 24

/* One dump ("part") of callgrind's output: its trigger and its totals. */
typedef struct cg_part {
    char trigger[256]; /* "desc: Trigger: " text, e.g. "Client Request: x" */
    size_t nevents;
    char events[CG_MAX_EVENTS][16]; /* from "events:" */
    uint64_t total[CG_MAX_EVENTS];  /* from "summary:" (or "totals:");
                                       missing trailing values are 0 */
    char caches[160]; /* "I1 32768 B 64 B 8-way, D1 ..., LL ..." or "" */
} cg_part;

/* Parses callgrind output text[len] (one file: one part, or several when
 * written with --combine-dumps=yes) and appends its parts to *parts
 * (realloc'd; *n counts them; the caller frees *parts). Returns MB_OK, or
 * MB_ERR_CORRUPT with one line in err (may be NULL) when the text is not
 * callgrind output or a part lacks its events or summary. */
mb_status cg_parse(const char *text, size_t len, cg_part **parts, size_t *n,
                   char *err, size_t errlen);

/* The value of event `name` in p, or -1 when p has no such event. */
double cg_value(const cg_part *p, const char *name);

/* Estimated cycles from callgrind counts: names[i] has count v[i]. Needs
 * Ir, Dr, Dw and the I1/D1/LL miss events; uses Bcm and Bim when present.
 * The formula is in docs/instructions.md. NAN when a cache event is
 * missing (a run without --cache-sim). */
double cg_cycles(const char *const *names, const double *v, size_t n);
/* The weights of that formula. */
#define CG_LL_HIT_CYCLES     5.0  /* an L1 miss that hits the last level */
#define CG_RAM_CYCLES        35.0 /* a last-level miss */
#define CG_MISPREDICT_CYCLES 10.0 /* a mispredicted branch */

/* The name of the estimated-cycles counter in results. */
#define CG_CYCLES_NAME "est_cycles"

/* ---- parent side -------------------------------------------------------- */

typedef struct callgrind_cfg {
    const char *filter; /* the run's --filter, NULL for all */
    double timeout_s;   /* per benchmark without progress; 0: 600 s */
    bool progress;      /* progress lines on stderr */
} callgrind_cfg;

/* True when a `valgrind` is on PATH; else false with the one line the user
 * sees in err. */
bool callgrind_available(char *err, size_t errlen);

/* Runs insts[0..n) under callgrind (re-executing this program) and appends
 * one result per instance to run, in order: one sample per instance whose
 * iterations are N2 - N1 and whose ns field holds the instructions (Ir)
 * of those iterations, with every callgrind event and est_cycles as
 * counters (totals over the sample). A benchmark that crashes gets
 * r->error and the rest goes on. Adds the context keys valgrind_version
 * and callgrind_caches. Returns MB_OK, or MB_ERR_UNSUPPORTED /
 * MB_ERR_CRASHED / MB_ERR_IO with err set when Valgrind itself could not
 * run. */
mb_status callgrind_run(const callgrind_cfg *cfg, const instance *insts,
                        size_t n, mb_run *run, char *err, size_t errlen);

/* ---- worker side (inside Valgrind) ------------------------------------ */

/* The worker's entry: spec is the --mb-worker= value the parent passed
 * ("instructions:FIRST:DIR"). Runs insts[FIRST..n) and returns the exit
 * code (0 done, 2 bad spec or not under Valgrind). */
int callgrind_worker(const char *spec, const instance *insts, size_t n);

/* Iterations the second collected batch runs beyond the first, from the
 * probe batch's Ir (1 to 100; deterministic, so reruns measure alike). */
uint64_t callgrind_extra_iters(uint64_t probe_ir);

#endif
