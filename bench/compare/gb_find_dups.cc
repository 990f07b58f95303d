// The find_duplicates suite under Google Benchmark, for the side-by-side
// numbers in bench/compare/cv.sh: the same code (find_duplicates.h), the
// quadratic and hash variants at n = 16 ... 4096.
#include <benchmark/benchmark.h>

extern "C" {
#include "../find_duplicates.h"
}

static void quadratic(benchmark::State &state)
{
    size_t n = (size_t)state.range(0);
    uint32_t *items = make_items(n);
    for (auto _ : state)
        benchmark::DoNotOptimize(dup_quadratic(items, n));
    free(items);
}
BENCHMARK(quadratic)->RangeMultiplier(4)->Range(16, 4096);

static void hash(benchmark::State &state)
{
    size_t n = (size_t)state.range(0);
    uint32_t *items = make_items(n);
    for (auto _ : state)
        benchmark::DoNotOptimize(dup_hash(items, n));
    free(items);
}
BENCHMARK(hash)->RangeMultiplier(4)->Range(16, 4096);

BENCHMARK_MAIN();
