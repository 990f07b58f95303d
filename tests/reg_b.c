/* Benchmarks of the second of two files linked into test_registry. */
#include <microbe.h>

BENCH(reg_gamma, .group = "reg", .range = MB_RANGE(1, 8, 2))
{
    MB_LOOP(state)
    {
    }
}

BENCH(reg_delta)
{
    MB_LOOP(state)
    {
    }
}
