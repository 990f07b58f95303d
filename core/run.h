/* The in-memory model of one run: its context and, per benchmark, every raw
 * sample plus the summary. Everything after measuring (reports, archive,
 * comparison, the tool) works on this. */
#ifndef MB_RUN_H
#define MB_RUN_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../stats/stats.h"
#include "microbe.h"

/* 1: one row per benchmark, each with "microbe"; 2: Google Benchmark's
 * repetition and aggregate rows, "microbe" on the first row of each
 * benchmark. The loader reads both. */
#define RUN_FORMAT_VERSION 2

/* One context entry. Numbers keep their type so JSON stays typed. */
typedef enum { CTX_STR, CTX_NUM, CTX_BOOL } ctx_type;
typedef struct ctx_entry {
    char *key;
    ctx_type type;
    char *str;  /* CTX_STR */
    double num; /* CTX_NUM, CTX_BOOL (0/1) */
} ctx_entry;

/* Per-sample flags. */
enum { SAMPLE_DISTURBED = 1 }; /* context switch or migration seen */

/* A counter the body set with mb_counter. */
typedef struct mb_user_counter {
    char *name;
    double value;  /* per iteration with MB_COUNTER_PER_ITER or
                      MB_COUNTER_RATE (shown per second: see
                      result_user_value), else as set; the mean over the
                      rounds that set it */
    int flags;     /* MB_COUNTER_* */
    size_t rounds; /* rounds that set it (not archived) */
} mb_user_counter;

/* Most arguments an instance has (.product of up to this many lists). */
#define RUN_MAX_ARGS 8

typedef struct mb_result {
    char *name;   /* full name: group/bench/arg, bench/arg or bench */
    char *family; /* name without the argument: group/bench or bench */
    char *group;  /* NULL when not grouped */
    char *bench;  /* the BENCH name */
    int64_t arg;  /* the first argument */
    bool has_arg;
    size_t nargs; /* arguments (.product: one per list) */
    int64_t args[RUN_MAX_ARGS];
    char *others;        /* the name's part after the first argument ("/k:8",
                            "/threads:2", ...; "" when none): results of one family
                            with equal `others` form one line along the first
                            argument (complexity fits, crossovers) */
    int threads;         /* threads the body ran in (1 without .threads) */
    double items, bytes; /* per iteration, 0 when not declared; set by the
                            body with mb_set_items/mb_set_bytes or constant */
    char unit[4];        /* time unit of its rows ("us"); "": by size */
    char *label;         /* mb_label's text; NULL when none */
    char *skipped;       /* mb_skip's message: skipped, not failed */
    size_t nuser;
    mb_user_counter *user; /* mb_counter's counters, in the order first set */

    size_t n;        /* samples */
    double *iters;   /* iterations in sample i */
    double *ns;      /* elapsed ns of sample i, timer overhead removed */
    double *cpu_ns;  /* CPU time of the process over sample i (all its
                        threads), read outside the timed region once per
                        batch; NAN when not measured (instructions mode,
                        older archives) */
    uint8_t *flags;  /* SAMPLE_* of sample i */
    uint16_t *round; /* the round sample i was taken in (0-based) */
    /* The machine-state probe of each round (harness_probe: ns per step
     * of a fixed chain, measured just before the round's samples), by
     * round index, NAN where none was measured; nprobe rounds. */
    double *probe_ns;
    size_t nprobe;

    size_t ncounters;
    char **counter_names; /* [ncounters] */
    double *counters;     /* [n * ncounters]: counter c of sample i at
                             i * ncounters + c, totals over the sample */

    char *error; /* non-NULL: the benchmark crashed/timed out; says why */

    /* Interference while it was measured (core/harness.c): rounds that
     * were mostly disturbed and measured again, the run delay (ns the
     * benchmark was runnable but another task had its CPU) over all its
     * samples, the CPU's steal time while it ran (ns, 0 where not
     * reported). */
    size_t remeasured;
    double run_delay_ns, steal_ns;
    /* Allocations in MB_LOOP, from one untimed counting pass of
     * alloc_iters iterations (core/alloc.c); totals over the pass. 0
     * alloc_iters: not counted. */
    double alloc_iters, allocs, alloc_bytes, alloc_peak, alloc_net;

    /* --measure=instructions: the functions inside MB_LOOP and their
     * costs per iteration (core/profile.h); NULL when not profiled. */
    struct mb_profile *profile;

    /* A result known only by aggregates over its repetitions (a Google
     * Benchmark file written with --benchmark_report_aggregates_only): no
     * samples (n == 0), repetitions > 0; ns per iteration, NaN when the
     * file had none (stddev, the cpu_ ones). repetitions 0 otherwise. */
    struct mb_aggregates {
        size_t repetitions;
        double mean, median, stddev;
        double cpu_mean, cpu_median, cpu_stddev;
    } agg;

    /* Filled by run_summarize(). */
    mb_summary time;     /* ns per iteration, disturbed samples left out */
    size_t ndisturbed;   /* samples flagged SAMPLE_DISTURBED */
    char complexity[16]; /* family fit, "" when none; set on every member */
    st_fit fit;          /* the family's fit when complexity[0] */
    double vs_fastest;   /* median / fastest median of its group at its arg;
                            0 when not grouped with others */
    size_t nrounds;      /* rounds with samples */
    double round_spread; /* stddev of log round medians (~ relative spread
                            between rounds, i.e. between processes); 0 when
                            fewer than 2 rounds */
} mb_result;

/* A name -> position index (run.c): lookups in constant time, so that
 * loading a file of n names or keys takes time linear in n. */
typedef struct run_index {
    size_t *slot; /* [cap]: position + 1, 0 empty */
    size_t cap;   /* a power of two, or 0 */
    size_t count; /* positions indexed: 0..count-1 */
} run_index;

typedef struct mb_run {
    size_t nctx;
    ctx_entry *ctx;
    size_t nwarnings;
    char **warnings;
    size_t nresults;
    mb_result *results;
    /* Kept by run.c: change ctx and results only through its functions. */
    run_index ctx_index, result_index;
} mb_run;

/* name_of(base, i): the name at position i of an array (NULL: not named
 * yet, looked for by scanning until it is). */
typedef const char *(*name_fn)(const void *base, size_t i);
/* The first position i < n with name_of(base, i) equal to name, or
 * SIZE_MAX. *x (zeroed before first use) indexes the array as it grows:
 * pass the same array each time (it may have moved: positions are kept,
 * not pointers), n never smaller, and names once set never changed. Amortised
 * constant time; falls back to a scan when out of memory. */
size_t run_index_find(run_index *x, const void *base, size_t n, name_fn name_of,
                      const char *name);
void run_index_free(run_index *x); /* leaves *x zeroed */

/* Allocation: everything in a run is owned by it. */
mb_run *run_create(void);
void run_free(mb_run *run); /* NULL ok */

/* Context setters copy their arguments; a later set of the same key
 * replaces the earlier value. */
void run_ctx_str(mb_run *run, const char *key, const char *value);
void run_ctx_num(mb_run *run, const char *key, double value);
void run_ctx_bool(mb_run *run, const char *key, bool value);
/* Returns the entry or NULL. Borrowed, valid until the run changes. */
const ctx_entry *run_ctx_get(const mb_run *run, const char *key);
/* The string value of key, or NULL when absent or not a string. */
const char *run_ctx_gets(const mb_run *run, const char *key);

void run_warn(mb_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends an empty result (zeroed) and returns it; NULL on no memory.
 * Pointers to earlier results may move. */
mb_result *run_add_result(mb_run *run);
/* Appends one sample to r (growing its arrays). Set r->ncounters and
 * r->counter_names before the first sample; counters may be NULL when
 * r->ncounters is 0. Returns false on no memory. */
bool result_add_sample(mb_result *r, double iters, double ns,
                       const double *counters, uint8_t flags, uint16_t round);
/* The same with the sample's CPU time (NAN: not measured). */
bool result_add_sample_cpu(mb_result *r, double iters, double ns, double cpu_ns,
                           const double *counters, uint8_t flags,
                           uint16_t round);
/* Frees everything r holds and zeroes it. */
void result_clear(mb_result *r);

/* What a body set besides samples (items, bytes, label, skip, error, user
 * counters) as text, one value a line, for a worker to hand to its parent:
 * malloc'd, "" when nothing was set; NULL on no memory. */
char *result_values_text(const mb_result *r);
/* Applies one line of that text to r, as the parent merges a round:
 * items, bytes and label replace, the first skip or error stays, a counter
 * becomes the mean over the rounds that set it. False for a line that is
 * not one of them. */
bool result_value_line(mb_result *r, const char *line);

/* Records round's probe (NAN entries fill rounds not yet seen). */
bool result_set_probe(mb_result *r, uint16_t round, double ns);

/* Looks a result up by full name; NULL when absent. */
mb_result *run_find(const mb_run *run, const char *name);

/* Computes r->time for every result, the complexity per family and the
 * speed relative to the fastest variant per group and argument,
 * deterministically (fixed seed). In core/analysis.c. */
void run_summarize(mb_run *run);

/* A group's crossover: where `faster` overtakes `slower` at arg ~ at,
 * somewhere between lo and hi (the arguments on either side at which the
 * two differ significantly). */
typedef struct crossover {
    const char *group, *faster, *slower; /* borrowed from the run */
    double at;
    const char *others; /* the line ("" or e.g. "/k:8"), borrowed */
    double lo, hi;
} crossover;
/* The crossovers of all groups (malloc'd; caller frees), in group order. */
crossover *run_crossovers(const mb_run *run, size_t *n);

/* The median per iteration of the named counter over r's samples, or NAN
 * when r has no such counter. In core/analysis.c. */
double result_counter_median(const mb_result *r, const char *name);

/* The value of user counter k as shown: per second for MB_COUNTER_RATE
 * (its per-iteration value over the median time per iteration; NAN
 * without a time), else as stored. */
double result_user_value(const mb_result *r, size_t k);
/* Sets user counter `name` of r (copying the name), replacing an earlier
 * value; false on no memory. */
bool result_set_user(mb_result *r, const char *name, double value, int flags);

/* The median CPU time per iteration over r's samples (ns), or NAN when
 * none was measured. In core/analysis.c. */
double result_cpu_median(const mb_result *r);

/* Per-iteration time of sample i in ns. */
static inline double result_per_iter(const mb_result *r, size_t i)
{
    return r->iters[i] > 0 ? r->ns[i] / r->iters[i] : 0;
}

/* Per-iteration CPU time of sample i in ns; NAN when not measured. */
static inline double result_cpu_per_iter(const mb_result *r, size_t i)
{
    return r->cpu_ns && r->iters[i] > 0 ? r->cpu_ns[i] / r->iters[i]
                                        : (double)NAN;
}

#endif
