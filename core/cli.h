/* The bench program's command line (SPEC §2). */
#ifndef MB_CLI_H
#define MB_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "microbe.h"

typedef enum { FMT_CONSOLE, FMT_JSON, FMT_CSV, FMT_MARKDOWN } out_format;
typedef enum { MEASURE_TIME, MEASURE_INSTRUCTIONS } measure_kind;

#define CPU_AUTO (-1)
#define CPU_NONE (-2)

/* Smallest slowdown that matters, and the suite-wide significance level. */
#define CLI_DEFAULT_THRESHOLD 0.03
#define CLI_DEFAULT_ALPHA     0.05

typedef struct cli_opts {
    bool list, help, version;
    const char *filter;
    double min_time; /* seconds; 0: default */
    int samples;     /* 0: default */
    int rounds;      /* 0: default */
    int cpu;         /* CPU_AUTO, CPU_NONE or a CPU number */
    const char *counters;
    measure_kind measure;
    out_format format;
    const char *out;
    const char *save_baseline, *baseline;
    bool fail_on_regression;
    double threshold; /* fraction */
    double alpha;
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
/* "console" ... "markdown" -> format; false when unknown. */
bool cli_parse_format(const char *s, out_format *out);

#endif
