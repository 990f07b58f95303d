/* Measuring until decided: a comparison looked at several times as rounds
 * are added, with the error rate controlled over the looks (alpha
 * spending, stats/sequential.c; docs/sequential.md). Used by `microbe ab`
 * and by a bench program's --baseline comparison. Benchmarks decided at a
 * look (slower, faster, unchanged) keep that verdict and are measured no
 * more; the inconclusive ones get more rounds, up to max_looks looks. */
#ifndef MB_SEQUENTIAL_H
#define MB_SEQUENTIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"

/* Looks at most, by default: the first look and up to three more. */
#define SEQ_MAX_LOOKS 4

typedef struct seq_plan {
    double alpha;  /* over all looks and the whole suite */
    int first;     /* rounds at the first look */
    int step;      /* rounds added at each later look */
    int max_looks; /* 1: a single look at alpha, as without sequencing */
    st_spending spending;
    /* Rounds of the side that does not grow (a saved baseline's); 0:
     * both sides grow alike (ab). The spending is in information time,
     * t_k = I(n_k) / I(n_last): I(n) = n, or with a fixed side of f
     * rounds n f / (n + f), so that look 1, which holds most of what the
     * looks can learn, gets most of alpha. */
    int fixed;
} seq_plan;

typedef struct seq_state seq_state;

seq_state *seq_new(const seq_plan *plan); /* NULL: no memory */
void seq_free(seq_state *s);              /* NULL ok */

/* The plan of a run against a saved baseline of `rounds` rounds a run
 * (docs/sequential.md, "Against a saved baseline"): looks after rounds,
 * then ceil(rounds / 2) more each, Pocock-type spending in information
 * time with the baseline's rounds fixed; max_looks 1: one look. */
seq_plan seq_baseline_plan(double alpha, int rounds, int max_looks);

/* Rounds after look k (1-based), and the alpha look k may spend. */
int seq_rounds_at(const seq_plan *plan, int look);
double seq_look_alpha(const seq_plan *plan, int look);

/* Look k (1, 2, ... in order) at old against now, with base's threshold,
 * pairing and label (its alpha, skip and family are set here). Rows
 * decided at earlier looks keep their verdicts; rows decided now are
 * frozen. Returns the whole comparison (caller frees with cmp_free; its
 * rows point into old and now, which must outlive it and keep their
 * results), NULL on no memory; *undecided gets the number of rows still
 * inconclusive. */
cmp_result *seq_look(seq_state *s, const mb_run *old, const mb_run *now,
                     const cmp_opts *base, int look, size_t *undecided);

/* Whether benchmark name was decided at a look so far. */
bool seq_decided(const seq_state *s, const char *name);

/* The last look taken (0: none). */
int seq_looks(const seq_state *s);

/* ---- the loop: measure, look, measure the undecided again -------------
 * One loop for `microbe ab` and a bench program's --baseline comparison:
 * look after the rounds measured so far; while benchmarks are
 * inconclusive, looks are left and the next look fits in the budget,
 * measure plan.step more rounds of those and look again. */

/* Default budget (max_time < 0): this many times the first look's wall
 * time, so a comparison that needs every look takes at most about that
 * much longer than one that does not. */
#define SEQ_MAX_TIME_FACTOR 3.0

typedef struct seq_loop {
    seq_plan plan;
    double max_time; /* s over all looks from `started`; < 0: default */
    /* Measures rounds [from, to) of the benchmarks inconclusive in last
     * (the latest look), adds them to the runs and summarises them;
     * returns 0, or an exit code after saying why. */
    int (*measure)(void *ctx, const cmp_result *last, int from, int to);
    void *ctx;
    const mb_run *old, *now; /* what each look compares */
    const cmp_opts *co;      /* as for seq_look */
    int done;                /* rounds measured before the loop */
    double started;          /* when measuring began (seq_clock's time) */
} seq_loop;

/* How the looks ended, for the report (seq_context). */
typedef struct seq_outcome {
    int looks, max_looks;
    int rounds;          /* rounds of the benchmarks measured longest */
    double max_time;     /* the budget, s (the default resolved) */
    double seconds;      /* from started to the last look */
    const char *stopped; /* "decided", "looks" or "max-time" */
    size_t undecided;    /* still inconclusive after the last look */
} seq_outcome;

/* Seconds of CLOCK_MONOTONIC. */
double seq_clock(void);

/* Runs the looks. *cmp gets the last look's comparison (caller frees it
 * with cmp_free before seq_free), *out how it ended. Returns 0, what
 * measure returned when not 0 (*cmp NULL), or -1 on no memory. */
int seq_until_decided(seq_state *s, const seq_loop *loop, cmp_result **cmp,
                      seq_outcome *out);

/* Into run's context: PREFIX_looks, PREFIX_max_looks, PREFIX_max_time,
 * PREFIX_seconds, PREFIX_rounds and PREFIX_stopped (docs/sequential.md),
 * and, if benchmarks stay inconclusive, one warning saying so. */
void seq_context(mb_run *run, const char *prefix, const seq_outcome *o);

#endif
