/* The microbe command's shared pieces: option parsing, errors and output,
 * used by each subcommand's file. */
#ifndef MB_TOOL_H
#define MB_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "compare.h"
#include "run.h"

/* Every flag any subcommand takes; each subcommand says which it accepts. */
typedef struct tool_opts {
    const char *archive; /* --archive or archive_default_dir() */
    out_format format;
    double threshold, alpha; /* fractions */
    bool fail_on_regression;
    bool fail_on_inconclusive;
    bool why;                /* ab, compare --why */
    const char *why_prog[2]; /* compare --why-old, --why-new */
    bool no_step_summary;    /* compare, ab: not into $GITHUB_STEP_SUMMARY */
    long keep;               /* prune --keep; -1 when not given */
    long rounds;             /* ab --rounds; 0: default */
    double min_time;         /* ab --min-time (s); 0: default */
    double max_time;         /* ab --max-time (s): the budget for added looks */
    bool max_time_set;       /* given; 0 then means a single look */
    int cpu;                 /* CPU_AUTO, CPU_NONE or a CPU */
    uint64_t seed;           /* ab --seed */
    const char *out;         /* report --out */
    const char *baseline;    /* report --baseline */
    const char *pos[4];      /* positional arguments */
    int npos;
    char **pass; /* ab: what follows "--", for the bench programs */
    int npass;
} tool_opts;

/* Prints "microbe: error: MSG" on stderr and returns 2. */
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes run (and cmp when not NULL) to f in fmt; JSON carries the
 * comparison under the key "comparison". False on a write error or no
 * memory. */
bool tool_write(FILE *f, out_format fmt, const mb_run *run,
                const cmp_result *cmp);

/* The exit code and the one line for a finished comparison: 1 with
 * --fail-on-regression and a slower benchmark, or --fail-on-inconclusive
 * and a slower or inconclusive one, else 0. `what` names the old side in
 * the message. */
int tool_verdict_exit(const cmp_result *cmp, const tool_opts *o,
                      const char *what);

/* Subcommands: argc/argv start at the subcommand's name. Return the exit
 * code. */
int tool_ab(const tool_opts *o);
int tool_report(const tool_opts *o);

#endif
