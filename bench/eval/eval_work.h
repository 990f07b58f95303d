/* The evaluation's workloads, shared by the microbe suite (eval_bench.c)
 * and its Google Benchmark twin (eval_gb.cc): the example's find_duplicates
 * code, written in the common subset of C and C++ so both measure the very
 * same code, plus an injectable slowdown.
 *
 * EVAL_SLOWDOWN="hash/1024:10,quadratic/64:25" makes the named benchmark
 * (bench/arg) do that many percent more work per iteration: quadratic
 * compares a prefix of sqrt(pct) * n more items (pairs grow as the square),
 * hash and sorted process a prefix of pct% of the items once more. The
 * extra work runs inside the timed loop, so the slowdown is real work, as
 * a regression would be. */
#ifndef EVAL_WORK_H
#define EVAL_WORK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The workloads themselves: the example's (make_items, dup_quadratic,
 * dup_hash, dup_sorted). */
#include "../find_duplicates.h"

/* Percent of extra work for bench/arg from EVAL_SLOWDOWN; 0 if none. */
static inline double eval_slowdown(const char *bench, long long arg)
{
    char key[96];
    snprintf(key, sizeof key, "%s/%lld:", bench, arg);
    const char *s = getenv("EVAL_SLOWDOWN");
    size_t len = strlen(key);
    while (s && *s) {
        if (strncmp(s, key, len) == 0)
            return strtod(s + len, NULL);
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    return 0;
}

/* Items of the extra pass for pct% more work. */
static inline size_t eval_extra(const char *bench, size_t n, double pct)
{
    if (pct <= 0)
        return 0;
    if (strcmp(bench, "quadratic") == 0)
        return (size_t)((double)n * sqrt(pct / 100.0) + 0.5);
    return (size_t)((double)n * pct / 100.0 + 0.5);
}

#endif
