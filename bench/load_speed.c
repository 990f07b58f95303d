/* Load time of documents that used to take quadratic time (issue 14): a
 * run with 100,000 context keys, a Google Benchmark file of 50,000 names,
 * a run of one benchmark with 1,000,000 samples; each at a tenth of its
 * size too, so that a linear load shows as ~10x. Only json_load_run, not
 * the summary. Run by hand: ./build/bench/load_speed. Not a test: the
 * figures depend on the machine. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void add(buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap ? 2 * b->cap : 1 << 16;
        if (!(b->s = realloc(b->s, b->cap))) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
    }
}

#define SUMMARY                                                                \
    "\"summary\": {\"n\": 1, \"median\": 10, \"mean\": 10, \"stddev\": 0, "    \
    "\"mad\": 0, \"min\": 10, \"max\": 10, \"median_ci\": [10, 10], "          \
    "\"mean_ci\": [10, 10], \"confidence\": 0.95, \"outliers\": "              \
    "{\"low_severe\": 0, \"low_mild\": 0, \"high_mild\": 0, "                  \
    "\"high_severe\": 0}}"

static void ctx_keys(buf *b, size_t n)
{
    add(b, "{\"context\": {\"microbe_format\": 1");
    for (size_t i = 0; i < n; i++)
        add(b, ", \"key%zu\": \"value %zu\"", i, i);
    add(b, "}, \"benchmarks\": [{\"name\": \"b\", \"microbe\": {\"family\": "
           "\"b\", \"bench\": \"b\", \"samples\": {\"iters\": [1], \"ns\": "
           "[10], \"round\": [0], \"flags\": [0]}, " SUMMARY "}}]}");
}

static void gb_names(buf *b, size_t n)
{
    add(b, "{\"context\": {\"host_name\": \"h\"}, \"benchmarks\": [");
    for (size_t i = 0; i < n; i++)
        add(b,
            "%s{\"name\": \"BM_f%zu/%zu\", \"run_name\": \"BM_f%zu/%zu\", "
            "\"run_type\": \"iteration\", \"repetitions\": 1, "
            "\"repetition_index\": 0, \"iterations\": 1000, \"real_time\": "
            "%zu.5, \"cpu_time\": %zu.5, \"time_unit\": \"ns\"}",
            i ? ", " : "", i / 8, i % 8, i / 8, i % 8, 10 + i % 7, 10 + i % 7);
    add(b, "]}");
}

static void samples(buf *b, size_t n)
{
    static const char *const keys[] = {"iters", "ns", "round", "flags"};
    add(b, "{\"context\": {\"microbe_format\": 1}, \"benchmarks\": [{\"name\": "
           "\"b\", \"microbe\": {\"family\": \"b\", \"bench\": \"b\", "
           "\"samples\": {");
    for (int k = 0; k < 4; k++) {
        add(b, "%s\"%s\": [", k ? ", " : "", keys[k]);
        for (size_t i = 0; i < n; i++)
            add(b, "%s%zu", i ? ", " : "",
                k == 0   ? (size_t)100
                : k == 1 ? 1000 + i % 97
                : k == 2 ? i % 5
                         : (size_t)0);
        add(b, "]");
    }
    add(b, "}, " SUMMARY "}}]}");
}

static void time_load(const char *what, void (*make)(buf *, size_t), size_t n)
{
    buf b = {0};
    make(&b, n);
    mb_run *run = NULL;
    char err[512];
    double t0 = now();
    mb_status st = json_load_run(b.s, b.n, what, &run, err, sizeof err);
    double t1 = now();
    if (st != MB_OK)
        fprintf(stderr, "%s\n", err);
    printf("%-28s n = %8zu  %6.1f MB  %8.3f s\n", what, n, (double)b.n / 1e6,
           t1 - t0);
    run_free(run);
    free(b.s);
}

int main(void)
{
    time_load("context keys", ctx_keys, 10000);
    time_load("context keys", ctx_keys, 100000);
    time_load("Google Benchmark names", gb_names, 5000);
    time_load("Google Benchmark names", gb_names, 50000);
    time_load("samples of one benchmark", samples, 100000);
    time_load("samples of one benchmark", samples, 1000000);
    return 0;
}
