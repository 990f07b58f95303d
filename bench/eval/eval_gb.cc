// The evaluation suite, Google Benchmark side: the same ten workloads as
// eval_bench.c (same code, eval_work.h) and the same EVAL_SLOWDOWN.
#include <benchmark/benchmark.h>

#include <vector>

#include "eval_work.h"

static void quadratic(benchmark::State &state)
{
    size_t n = (size_t)state.range(0);
    uint32_t *items = make_items(n);
    size_t extra =
        eval_extra("quadratic", n, eval_slowdown("quadratic", state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(dup_quadratic(items, n));
        if (extra)
            benchmark::DoNotOptimize(dup_quadratic(items, extra));
    }
    free(items);
}
BENCHMARK(quadratic)->RangeMultiplier(4)->Range(16, 1024);

static void hash(benchmark::State &state)
{
    size_t n = (size_t)state.range(0);
    uint32_t *items = make_items(n);
    size_t extra = eval_extra("hash", n, eval_slowdown("hash", state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(dup_hash(items, n));
        if (extra)
            benchmark::DoNotOptimize(dup_hash(items, extra));
    }
    free(items);
}
BENCHMARK(hash)->RangeMultiplier(4)->Range(16, 4096);

static void sorted(benchmark::State &state)
{
    size_t n = (size_t)state.range(0);
    uint32_t *items = make_items(n);
    std::vector<uint32_t> scratch(n);
    size_t extra =
        eval_extra("sorted", n, eval_slowdown("sorted", state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(dup_sorted(items, n, scratch.data()));
        if (extra)
            benchmark::DoNotOptimize(dup_sorted(items, extra, scratch.data()));
    }
    free(items);
}
BENCHMARK(sorted)->Arg(1024);

BENCHMARK_MAIN();
