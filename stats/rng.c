/* Seeded PRNG for resampling: xoshiro256** with its state filled through
 * splitmix64, as the xoshiro authors recommend. */
#include "internal.h"

void st_rng_seed(st_rng *rng, uint64_t seed)
{
    /* splitmix64 spreads any seed, 0 included, over a state that is never
     * all zero (the one state xoshiro cannot leave). */
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        rng->s[i] = z ^ (z >> 31);
    }
}

uint64_t st_rng_next(st_rng *rng)
{
    return stats_next(rng);
}

size_t st_rng_below(st_rng *rng, size_t n)
{
    if (n <= 1)
        return 0;
    /* Reject the top partial block so every residue is equally likely. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = stats_next(rng);
    while (x >= lim);
    return (size_t)(x % n);
}

double st_rng_uniform(st_rng *rng)
{
    /* The top 53 bits fill a double's mantissa exactly. */
    return (double)(stats_next(rng) >> 11) * 0x1.0p-53;
}
