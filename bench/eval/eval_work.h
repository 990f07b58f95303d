/* The evaluation's workloads, shared by the microbe suite (eval_bench.c)
 * and its Google Benchmark twin (eval_gb.cc): the example's find_duplicates
 * code, written in the common subset of C and C++ so both measure the very
 * same code, plus an injectable slowdown.
 *
 * EVAL_SLOWDOWN_SPEC="hash/1024:10,quadratic/64:25", compiled in, makes
 * the named benchmark (bench/arg) do that many percent more work per
 * iteration: quadratic
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
#include "eval_slow.h"

#endif
