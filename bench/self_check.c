/* The framework's own checks (SPEC §8): an empty MB_LOOP must report ~0 ns,
 * and dependent chains of k integer adds must take k times one add's
 * latency, so chain/512 is 8x chain/64 (one cycle per add). */
#include <microbe.h>

#include <stdint.h>

BENCH(empty)
{
    MB_LOOP(state)
    {
    }
}

/* k dependent adds: each needs the previous result, so they cannot overlap.
 * The asm keeps the compiler from folding them into one multiply, and the
 * register operand keeps newer cores from folding immediates at rename
 * (Golden Cove runs `add $1` chains several per cycle). */
#define ADD1   "add %1, %0\n\t"
#define ADD8   ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1
#define ADD64  ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8
#define ADD512 ADD64 ADD64 ADD64 ADD64 ADD64 ADD64 ADD64 ADD64

#if defined(__x86_64__)
BENCH(add_chain, .args = MB_ARGS(64, 512))
{
    uint64_t x = 0, one = 1;
    mb_do_not_optimize(one);
    if (mb_arg(state) == 64) {
        MB_LOOP(state)
        {
            __asm__ volatile(ADD64 : "+r"(x) : "r"(one));
        }
    } else {
        MB_LOOP(state)
        {
            __asm__ volatile(ADD512 : "+r"(x) : "r"(one));
        }
    }
    mb_do_not_optimize(x);
}
#endif
