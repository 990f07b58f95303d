/* The bench program's command line (SPEC §2). */
#ifndef MB_CLI_H
#define MB_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "microbe.h"

/* bmf: Bencher Metric Format; gh-bench: github-action-benchmark's
 * customSmallerIsBetter input (core/format_ci.c). */
typedef enum {
    FMT_CONSOLE,
    FMT_JSON,
    FMT_CSV,
    FMT_MARKDOWN,
    FMT_BMF,
    FMT_GH_BENCH
} out_format;
typedef enum { MEASURE_TIME, MEASURE_INSTRUCTIONS } measure_kind;

#define CPU_AUTO (-1)
#define CPU_NONE (-2)

/* Smallest slowdown that matters, and the suite-wide significance level. */
#define CLI_DEFAULT_THRESHOLD 0.03
#define CLI_DEFAULT_ALPHA     0.05

typedef struct cli_opts {
    bool list, help, version;
    bool dry_run;         /* --dry-run: each benchmark once, no statistics */
    bool no_step_summary; /* do not append to $GITHUB_STEP_SUMMARY */
    bool no_alloc_count;  /* --count-allocs=no */
    const char *filter;   /* a leading '-' negates (Google Benchmark's) */
    double min_time;      /* seconds; 0: default */
    int samples;          /* 0: default */
    int rounds;           /* 0: default */
    int cpu;              /* CPU_AUTO, CPU_NONE or a CPU number */
    const char *counters;
    measure_kind measure;
    out_format format;
    const char *out;
    out_format out_format; /* --out-format: what --out gets ... */
    bool has_out_format;   /* ... while stdout keeps --format */
    const char *time_unit; /* "ns", "us", "ms", "s"; NULL: per row */
    const char *save_baseline, *baseline;
    bool fail_on_regression;
    bool fail_on_inconclusive;
    bool why;            /* --why: slower rows explained under callgrind */
    const char *why_old; /* --why-old: the baseline's program */
    double threshold;    /* fraction */
    double alpha;
    /* --max-time: seconds the looks of a --baseline comparison may take
     * (docs/sequential.md); 0: one look. Not given: a default. */
    double max_time;
    bool max_time_set;
    const char *archive;
    const char *worker; /* internal: --mb-worker=... (valgrind re-exec) */
} cli_opts;

/* Parses argv into *o (defaults first). MB_ERR_USAGE with a one-line
 * reason in err for anything wrong. */
mb_status cli_parse(int argc, char **argv, cli_opts *o, char *err,
                    size_t errlen);

/* The --help text. */
extern const char cli_usage[];

/* Helpers shared with the tool: strict number parsing. */
bool cli_parse_double(const char *s, double *out);
bool cli_parse_int(const char *s, long lo, long hi, long *out);
/* "console" ... "gh-bench" -> format; false when unknown. */
bool cli_parse_format(const char *s, out_format *out);
/* The names cli_parse_format knows, for error messages. */
#define CLI_FORMATS "console, json, csv, markdown, bmf or gh-bench"
/* True for the formats programs read (json, csv, bmf, gh-bench): warnings
 * then go to stderr. */
bool cli_format_is_data(out_format f);
/* "ns", "us", "ms", "s": true, and *ns_per_unit (may be NULL) set. */
bool cli_parse_time_unit(const char *s, double *ns_per_unit);

/* The environment variables that stand for flags (MICROBE_MIN_TIME, ...):
 * up to max of them into names; returns how many there are. Flags given
 * on the command line win over them; worker processes ignore them. */
size_t cli_env_names(const char **names, size_t max);

/* The known name nearest to name (edit distance at most 2, and less than
 * half its length), for "did you mean" hints; NULL when none is near. */
const char *cli_suggest(const char *name, const char *const *known, size_t n);

/* Prints "prog: kind: msg" and a newline to stderr as one line whatever
 * msg holds: control characters (a newline in a name or path) are written
 * as \xNN. */
void cli_print_error(const char *prog, const char *kind, const char *msg);

/* Flushes stdout and tells whether everything written to it arrived: false
 * (errno says why) when a write failed, e.g. on a full device. */
bool cli_stdout_ok(void);

#endif
