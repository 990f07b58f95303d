/* The evaluation suite, microbe side: ten find-duplicates benchmarks
 * (quadratic at 16..1024, hash at 16..4096, sorted at 1024) with a
 * slowdown injectable per benchmark at run time (EVAL_SLOWDOWN, see
 * eval_work.h). bench/eval/run_eval.sh drives it. */
#include <microbe.h>

#include "eval_work.h"

BENCH(quadratic, .range = MB_RANGE(16, 1024, 4))
{
    size_t n = (size_t)mb_arg(state);
    uint32_t *items = make_items(n);
    size_t extra =
        eval_extra("quadratic", n, eval_slowdown("quadratic", mb_arg(state)));
    MB_LOOP(state)
    {
        mb_do_not_optimize(dup_quadratic(items, n));
        if (extra)
            mb_do_not_optimize(dup_quadratic(items, extra));
    }
    free(items);
}

BENCH(hash, .range = MB_RANGE(16, 4096, 4))
{
    size_t n = (size_t)mb_arg(state);
    uint32_t *items = make_items(n);
    size_t extra = eval_extra("hash", n, eval_slowdown("hash", mb_arg(state)));
    MB_LOOP(state)
    {
        mb_do_not_optimize(dup_hash(items, n));
        if (extra)
            mb_do_not_optimize(dup_hash(items, extra));
    }
    free(items);
}

BENCH(sorted, .args = MB_ARGS(1024))
{
    size_t n = (size_t)mb_arg(state);
    uint32_t *items = make_items(n);
    uint32_t *scratch = malloc(n * sizeof *scratch);
    size_t extra =
        eval_extra("sorted", n, eval_slowdown("sorted", mb_arg(state)));
    MB_LOOP(state)
    {
        mb_do_not_optimize(dup_sorted(items, n, scratch));
        if (extra)
            mb_do_not_optimize(dup_sorted(items, extra, scratch));
    }
    free(scratch);
    free(items);
}
