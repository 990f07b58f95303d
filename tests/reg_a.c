/* Benchmarks of the first of two files linked into test_registry: each
 * registers itself by constructor, with nothing listed by hand. */
#include <microbe.h>

BENCH(reg_alpha)
{
    MB_LOOP(state)
    {
    }
}

BENCH(reg_beta, .args = MB_ARGS(2, 1))
{
    MB_LOOP(state)
    {
    }
}
