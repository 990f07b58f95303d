/* What a person reads: the console table, CSV and markdown. JSON comes from
 * core/json_write.c. */
#ifndef MB_REPORT_H
#define MB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "compare.h"
#include "run.h"

/* Writes run (and the comparison, when cmp is not NULL) in format fmt.
 * color: ANSI colours (console only, callers pass isatty()). Returns false
 * on a write error. */
bool report_write(FILE *f, out_format fmt, const mb_run *run,
                  const cmp_result *cmp, bool color);

/* fmt FMT_BMF or FMT_GH_BENCH: the run as Bencher Metric Format or
 * github-action-benchmark's customSmallerIsBetter JSON (core/format_ci.c).
 * False on no memory or a write error. */
bool report_write_ci(FILE *f, out_format fmt, const mb_run *run);

/* Appends the markdown report to the file $GITHUB_STEP_SUMMARY names
 * (GitHub Actions' job summary) when it is set and off is false; a
 * warning on stderr, prefixed prog, when it cannot. */
void report_step_summary(const char *prog, const mb_run *run,
                         const cmp_result *cmp, bool off);

/* "41.2 ns", "1.10 µs": three significant digits, unit chosen by size. */
void report_time(double ns, char *buf, size_t len);
/* The same in a fixed unit ("ns", "us", "ms", "s"; NULL or "": by size),
 * with as many decimals as a small value needs: "0.0412 us". */
void report_time_in(double ns, const char *unit, char *buf, size_t len);

#endif
