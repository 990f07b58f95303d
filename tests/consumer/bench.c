/* A user's bench file, built out of tree against the installed library:
 *   cc bench.c $(pkg-config --cflags --libs microbe microbe-main)
 * Its main() comes from microbe-main. */
#include <microbe.h>

#include <stdint.h>

static uint64_t sum_to(uint64_t n)
{
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++)
        s += i;
    return s;
}

BENCH(sum, .group = "consumer", .args = MB_ARGS(10, 1000))
{
    uint64_t n = (uint64_t)mb_arg(state);
    MB_LOOP(state)
    {
        mb_do_not_optimize(sum_to(n));
    }
}

BENCH(noop)
{
    MB_LOOP(state)
    {
        mb_clobber_memory();
    }
}
