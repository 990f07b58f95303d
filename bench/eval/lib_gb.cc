// The second evaluation suite, Google Benchmark side: the same workloads
// as lib_bench.c (same code, lib_work.h) and the same compiled-in
// slowdown.
#include <benchmark/benchmark.h>

#include <vector>

#include "lib_work.h"

static void zstd_compress_16k(benchmark::State &state)
{
    char *src = lib_text(16384);
    size_t cap = ZSTD_compressBound(16384);
    std::vector<char> dst(cap);
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    for (auto _ : state)
        benchmark::DoNotOptimize(
            ZSTD_compressCCtx(cx, dst.data(), cap, src, 16384, 1));
    ZSTD_freeCCtx(cx);
    free(src);
}
BENCHMARK(zstd_compress_16k);

static void qsort_1k(benchmark::State &state)
{
    uint32_t *items = lib_items(1024);
    std::vector<uint32_t> work(1024);
    for (auto _ : state) {
        memcpy(work.data(), items, 1024 * sizeof(uint32_t));
        qsort(work.data(), 1024, sizeof(uint32_t), lib_cmp_u32);
        benchmark::ClobberMemory();
    }
    free(items);
}
BENCHMARK(qsort_1k);

static void memcpy_64k(benchmark::State &state)
{
    char *src = lib_text(65536);
    std::vector<char> dst(65536);
    for (auto _ : state) {
        memcpy(dst.data(), src, 65536);
        benchmark::ClobberMemory();
    }
    free(src);
}
BENCHMARK(memcpy_64k);

static void snprintf_g17(benchmark::State &state)
{
    char buf[64];
    double x = 3.141592653589793;
    for (auto _ : state) {
        benchmark::DoNotOptimize(snprintf(buf, sizeof buf, "%.17g", x));
        benchmark::ClobberMemory();
    }
}
BENCHMARK(snprintf_g17);

static void regexec_email(benchmark::State &state)
{
    regex_t re;
    if (regcomp(&re, LIB_REGEX, REG_EXTENDED | REG_NOSUB) != 0)
        return;
    for (auto _ : state)
        benchmark::DoNotOptimize(regexec(&re, LIB_REGEX_INPUT, 0, NULL, 0));
    regfree(&re);
}
BENCHMARK(regexec_email);

static void tiny_hash(benchmark::State &state)
{
    char s[LIB_TINY_LEN * 2] = "microbe: a forty-byte string to hash!!!";
    size_t n = lib_tiny_len();
    memset(s + LIB_TINY_LEN - 1, '#', sizeof s - LIB_TINY_LEN + 1);
    const char *sp = s;
    for (auto _ : state) {
        benchmark::DoNotOptimize(sp);
        benchmark::DoNotOptimize(lib_fnv1a(sp, n));
    }
}
BENCHMARK(tiny_hash);

static void chase_8m(benchmark::State &state)
{
    lib_line *v = lib_chase_make();
    size_t steps = lib_chase_steps();
    lib_line *p = v;
    for (auto _ : state) {
        p = lib_chase(p, steps);
        benchmark::DoNotOptimize(p);
    }
    free(v);
}
BENCHMARK(chase_8m);

BENCHMARK_MAIN();
