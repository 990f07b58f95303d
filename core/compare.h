/* A run against a baseline: per-benchmark change, suite-level error control
 * and verdicts, plus what else differs (complexity class, environment). */
#ifndef MB_COMPARE_H
#define MB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"

typedef enum cmp_verdict {
    CMP_UNCHANGED = ST_UNCHANGED,
    CMP_SLOWER = ST_SLOWER,
    CMP_FASTER = ST_FASTER,
    CMP_INCONCLUSIVE = ST_INCONCLUSIVE, /* the interval reaches past the
                                           threshold: cannot tell */
    CMP_NEW,
    CMP_GONE,
    CMP_FAILED,  /* crashed on one side: not compared */
    CMP_SKIPPED, /* mb_skip on one side: not compared, not a failure */
    CMP_NVERDICTS
} cmp_verdict;

typedef struct cmp_row {
    const char *name;           /* borrowed from a run */
    const mb_result *old, *now; /* either may be NULL */
    /* What the change compares: change.unit says which statistic (each
     * run's level from its rounds' 10th percentiles, the geometric mean of
     * paired rounds' 10th percentiles, or the medians of the samples);
     * instruction counts: medians per iteration. */
    double old_value, new_value;
    /* change.ci is the interval the verdict used: at level ci_level, the
     * one that agrees with Holm over the suite (st_holm_levels);
     * ci_unadjusted is the plain 95% interval. */
    st_change change;
    double ci_level;
    st_interval ci_unadjusted;
    double p_adj;
    /* Paired (ab): the lag-1 autocorrelation of the rounds' ratios that
     * the test and the interval allow for (pooled over the suite; NaN when
     * not paired or not compared); change.widen says by how much the
     * interval grew for it. */
    double round_autocorr;
    /* Machine state (unpaired; docs/design.md, "Machine state"): rounds and
     * saved runs left out because their probe was more than 15% off the
     * baseline's; probe_shift, when not 0, how far the new run's probe was off
     * that of the rounds it was compared with (too few rounds in the baseline's
     * state were left to leave the others out); probe_overruled: the
     * shift could explain the change, so the verdict is inconclusive;
     * probe_state_ratio (history only; 0 when unknown): how much slower
     * this benchmark ran in the saved runs' rounds of the slower state
     * than in those of the baseline's, which the overruling allows for. */
    size_t probe_rounds_out, probe_runs_out;
    double probe_shift, probe_state_ratio;
    bool probe_overruled;
    cmp_verdict verdict;
    bool has_ins; /* instruction counters on both sides */
    double ins_change;
    /* --measure=instructions on both sides: the callgrind counter whose
     * per-iteration count changed most (relative; counters too small to
     * matter left out) and that change; NULL when none changed. */
    const char *moved;
    double moved_change;
    /* Allocations per iteration (counting passes on both sides): any
     * increase is reported and fails --fail-on-regression, whatever the
     * time says (counts are exact). */
    bool has_allocs, more_allocs;
    double old_allocs, new_allocs;
    /* Both sides profiled (instructions runs, or cmp_attach_why): the
     * functions whose cost moved (core/profile.h); NULL otherwise. */
    struct pf_diff *why;
} cmp_row;

typedef struct cmp_result {
    cmp_row *rows;
    size_t n;
    size_t count[CMP_NVERDICTS];
    size_t compared;    /* rows that took part in the error control */
    size_t more_allocs; /* rows whose allocations per iteration rose */
    /* Rows with one measurement on a side (a Google Benchmark file
     * without repetitions): no test is possible, the change is shown
     * without an interval, the verdict is inconclusive, and
     * --fail-on-regression fails (cmp_gate). */
    size_t untested;
    size_t on_aggregates; /* rows compared on aggregates alone */
    double alpha, threshold;
    const char *correction; /* "Holm" */
    bool paired;
    char **notes; /* complexity changes, environment differences */
    size_t nnotes;
    char *old_label; /* "baseline \"main\" (same CPU, date, commit)" */
} cmp_result;

typedef struct cmp_opts {
    double alpha, threshold;
    bool paired; /* rounds of both runs were interleaved: pair by round */
    const char *old_name; /* label for the old side, e.g. baseline name */
    /* Sequential looks (measuring until decided, docs/sequential.md): rows
     * for which skip(name, skip_ctx) is true were decided at an earlier
     * look; they are not compared (left unchanged, p 1: the caller puts
     * their earlier verdict back), and Holm runs as if the family had
     * `family` hypotheses (0: the rows compared), the ones left out with
     * p = 1, so that each look's error rate is at most its alpha over the
     * whole suite. */
    bool (*skip)(const char *name, void *ctx);
    void *skip_ctx;
    size_t family;
    /* The baseline's saved runs, newest first (old among them), for a
     * comparison that knows how much whole runs move: with
     * ST_HISTORY_MIN_RUNS (3) or more, each benchmark's interval includes
     * their run-to-run spread (st_compare_history); with 1 or 2, old (the
     * newest) alone, and a note says there is no such estimate yet.
     * NULL/0: old alone, no note. */
    const mb_run *const *history;
    size_t nhistory;
} cmp_opts;

/* Compares now against old. NULL on no memory. */
cmp_result *cmp_runs(const mb_run *old, const mb_run *now,
                     const cmp_opts *opts);
void cmp_free(cmp_result *c); /* NULL ok */

/* Runs can be compared only when measured alike (context "measure": "time",
 * the default for runs without it, or "instructions"). True when they
 * were; else false with one line in err saying how they differ. */
bool cmp_same_measure(const mb_run *old, const mb_run *now, char *err,
                      size_t errlen);

/* Attaches to each row of c the difference between the profiles of its
 * benchmark in old and now (instructions runs: the profiles of the same
 * benchmarks, possibly measured apart from the runs c compared, as
 * `microbe ab --why` does). old and now must outlive c. Rows whose
 * benchmark lacks a profile on either side are left alone. */
void cmp_attach_why(cmp_result *c, const mb_run *old, const mb_run *now);

/* "--filter=^(a|b)$", the bench flag that selects exactly the benchmarks
 * of c's rows with verdict v (with unexplained, those of them without a
 * profile difference yet), names escaped; *n (may be NULL) gets their
 * count. NULL on no memory. */
char *cmp_filter(const cmp_result *c, cmp_verdict v, bool unexplained,
                 size_t *n);

/* The change of counter `name` per iteration between row->old and
 * row->now (new/old - 1); NAN when either lacks it or old is 0. */
double cmp_counter_change(const cmp_row *row, const char *name);
const char *cmp_verdict_name(cmp_verdict v);

/* The gate after a comparison: 1 when fail_slower and a benchmark is
 * slower or allocates more per iteration, or fail_inconclusive and one is
 * slower, allocates more or is inconclusive, with one
 * line in msg naming them ("2 benchmarks slower than baseline \"main\":
 * a (+5.1%) ..."; `what` names the old side); else 0 and msg "". */
int cmp_gate(const cmp_result *c, bool fail_slower, bool fail_inconclusive,
             const char *what, char *msg, size_t len);

#endif
