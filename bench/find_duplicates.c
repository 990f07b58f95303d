/* The example users copy: three ways to find duplicates in an array,
 * compared as variants of one group over a geometric range of sizes.
 *
 *   quadratic  compares every pair                      O(n^2)
 *   sorted     sorts a copy, then scans neighbours      O(n log n)
 *   hash       inserts into a freshly allocated hash set O(n)
 *
 * Each reports its throughput per argument, in items a second
 * (mb_set_items: n items per iteration).
 *
 * MICROBE_EXAMPLE_SLOWDOWN=hash:25 makes the hash variant 25% slower (extra
 * work proportional to its own), to try the regression gate. */
#include <microbe.h>

#include <math.h>
#include <stdlib.h>

#include "find_duplicates.h"

BENCH(quadratic, .group = "find_duplicates", .range = MB_RANGE(4, 4096, 4))
{
    size_t n = (size_t)mb_arg(state);
    uint32_t *items = make_items(n);
    /* pct% more work: a prefix of m items costs (m/n)^2 of the whole. */
    size_t extra = (size_t)((double)n * sqrt(slowdown("quadratic") / 100.0));
    MB_LOOP(state)
    {
        mb_do_not_optimize(dup_quadratic(items, n));
        if (extra)
            mb_do_not_optimize(dup_quadratic(items, extra));
    }
    mb_set_items(state, (double)n);
    free(items);
}

BENCH(sorted, .group = "find_duplicates", .range = MB_RANGE(4, 4096, 4))
{
    size_t n = (size_t)mb_arg(state);
    uint32_t *items = make_items(n);
    uint32_t *scratch = malloc(n * sizeof *scratch);
    size_t extra = n * slowdown("sorted") / 100;
    MB_LOOP(state)
    {
        mb_do_not_optimize(dup_sorted(items, n, scratch));
        if (extra)
            mb_do_not_optimize(dup_sorted(items, extra, scratch));
    }
    mb_set_items(state, (double)n);
    free(scratch);
    free(items);
}

BENCH(hash, .group = "find_duplicates", .range = MB_RANGE(4, 4096, 4))
{
    size_t n = (size_t)mb_arg(state);
    uint32_t *items = make_items(n);
    /* pct% more work: hash a prefix of the input once more. */
    size_t extra = n * slowdown("hash") / 100;
    MB_LOOP(state)
    {
        mb_do_not_optimize(dup_hash(items, n));
        if (extra)
            mb_do_not_optimize(dup_hash(items, extra));
    }
    mb_set_items(state, (double)n);
    free(items);
}
