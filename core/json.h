/* A run as JSON and back: the --format=json output and the archive payload
 * are the same document, readable by Google Benchmark's consumers. Written by
 * json_write.c, read by json_load.c (microbe's own documents) and gbench.c
 * (Google Benchmark's); they share the jansson wrapper json_impl.h, and
 * this interface is plain C strings. */
#ifndef MB_JSON_H
#define MB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../include/microbe.h"
#include "run.h"

/* The document (numbers are written so that every double reads back
 * bit-for-bit: integers when integral and |x| <= 2^53, else %.17g; NaN and
 * infinities as null, which reads back as NaN):
 *
 * { "context": { each ctx entry (string, number or bool),
 *                "warnings": [...], "microbe_format": RUN_FORMAT_VERSION },
 *   "benchmarks": [ per benchmark, as Google Benchmark writes a run with
 *     --benchmark_repetitions: one row per round, { "name", "run_name",
 *       "run_type": "iteration", "repetitions" (rounds), "repetition_index",
 *       "threads", "family_index", "per_family_instance_index",
 *       "iterations" (the round's), "real_time" (the round's total time
 *       over its iterations; its undisturbed samples when it has any),
 *       "cpu_time" (the same of the CPU time, only where measured),
 *       "time_unit", "items_per_second", "bytes_per_second" (of real
 *       time), "error_occurred", "error_message" }, then, with two rounds
 *       or more, the rows "NAME_mean", "_median", "_stddev", "_cv" over the
 *       rounds ("run_type": "aggregate", "aggregate_name",
 *       "aggregate_unit"). The first row of each benchmark also holds
 *       "microbe": { "family", "group", "bench", "arg", "items", "bytes",
 *         "samples": { "iters", "ns", "round", "flags", "cpu_ns" },
 *         "counters": { "names": [...], "values": [[per sample], ...] },
 *         "summary": { "n", "median", "mean", "stddev", "mad", "min",
 *           "max", "median_ci", "ci_rounds", "confidence", "outliers" },
 *         "aggregates" (a result imported from aggregates only),
 *         "complexity", ... } } ] }
 *
 * Format 1 (archives before repetition rows) had one row per benchmark,
 * each with "microbe"; it loads as before. From format 2 on, rows without
 * "microbe" are Google Benchmark's view of the same data and are skipped
 * on load.
 *
 * Context keys named "warnings" or "microbe_format" are not written (they
 * would collide with the document's own keys). Unknown keys are ignored on
 * load, so a later writer may add keys without a version change. */

/* Serialises run without white space: what the archive stores (about
 * 2.5x smaller before compression, ~10% smaller after). Returns a malloc'd
 * NUL-terminated string the caller frees; *len (when len is not NULL) gets
 * its length. NULL on no memory. */
char *json_dump_run_compact(const mb_run *run, size_t *len);

/* The run indented by 2 (no trailing newline), as json_dump_run_compact,
 * plus the top-level key "comparison" when cmp is not
 * NULL: { "against", "alpha", "threshold", "correction", "paired",
 * "compared", "counts": {verdict: n}, "notes": [...], "rows": [{ "name",
 * "verdict" (unchanged, slower, faster, inconclusive, new, gone, failed),
 * "base", "now", "change", "change_ci" (the interval the verdict used, at
 * "change_ci_confidence": Holm's level for the suite),
 * "change_ci_unadjusted" (the plain 95% one), "p", "p_adjusted",
 * "instructions_change", "counters_change": {counter: change per
 * iteration}, "moved_most", "moved_change" (instructions runs: the counter
 * that moved most) }] }. Caller frees; NULL on no memory. */
struct cmp_result;
char *json_dump_compared(const mb_run *run, const struct cmp_result *cmp,
                         size_t *len);
/* json_dump_compared written to f with a final newline; false when it
 * could not be made or written. */
bool json_write_compared(FILE *f, const mb_run *run,
                         const struct cmp_result *cmp);

/* Parses text[len] (need not be NUL-terminated) into a new run in *out,
 * which the caller frees with run_free(). source_name (a path, "<stdin>")
 * names the input in error messages; NULL reads as "<input>".
 *
 * A microbe document (context.microbe_format present) is validated
 * strictly: missing keys, wrong types, bad values and sample arrays of
 * unequal length give MB_ERR_CORRUPT; a microbe_format newer than
 * RUN_FORMAT_VERSION gives MB_ERR_VERSION. A sample must have iterations
 * > 0 and a time >= 0 (0: an empty body, its timer overhead removed),
 * finite; a CPU time is >= 0 or null.
 *
 * A plain Google Benchmark document (no microbe_format) loads too (see
 * gbench.c): each "iteration" entry becomes one sample (iterations,
 * real_time and cpu_time times iterations, converted to ns from
 * time_unit) of the result of its run_name, so repetitions become
 * samples; iterations must be > 0, real_time > 0, cpu_time (optional)
 * >= 0. A benchmark with aggregate rows only (--benchmark_report_
 * aggregates_only) keeps its mean, median and stddev in r->agg, with no
 * samples. Items and bytes per iteration come from items_per_second /
 * bytes_per_second (times cpu_time: GB divides by CPU time); user
 * counters are ignored; a trailing all-digit name component becomes the
 * argument. Such results hold raw samples only (their summary is
 * zeroed): call run_summarize(), which summarises imported and native
 * runs alike.
 *
 * On failure *out is NULL and err (errlen bytes, may be NULL) holds one
 * line: "SOURCE: where: why". Returns MB_OK, MB_ERR_CORRUPT,
 * MB_ERR_VERSION or MB_ERR_NO_MEMORY. */
mb_status json_load_run(const char *text, size_t len, const char *source_name,
                        mb_run **out, char *err, size_t errlen);

#endif
