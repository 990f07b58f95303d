/* microbe: micro-benchmarks in C with regression detection.
 * The one header a user includes; everything a user sees is documented here. */
#ifndef MICROBE_H
#define MICROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MB_VERSION "0.1.0"

#if defined(_WIN32)
#define MB_API
#else
#define MB_API __attribute__((visibility("default")))
#endif

/* Status codes shared by the library; new codes only at the end. */
typedef enum mb_status {
    MB_OK = 0,
    MB_ERR_USAGE,     /* bad flag, number, regex, format, CPU ... */
    MB_ERR_IO,        /* a file could not be read or written */
    MB_ERR_CORRUPT,   /* a file exists but is not a valid microbe run */
    MB_ERR_VERSION,   /* a file of a newer, unknown format version */
    MB_ERR_NOT_FOUND, /* a named baseline or run does not exist */
    MB_ERR_NO_MEMORY,
    MB_ERR_COUNTERS,    /* a requested hardware counter does not exist */
    MB_ERR_CRASHED,     /* a benchmark crashed, called exit or timed out */
    MB_ERR_UNSUPPORTED, /* e.g. valgrind missing for --measure=instructions */
} mb_status;

/* A static text for a status code; never NULL. */
MB_API const char *mb_strerror(mb_status status);

/* The run state a benchmark body receives as `state`. Opaque. */
typedef struct mb_state mb_state;

/* A list of integer arguments: build it with MB_ARGS(...). */
typedef struct mb_arglist {
    const int64_t *v;
    size_t n;
} mb_arglist;

/* A geometric range lo, lo*mult, lo*mult^2, ... up to and including hi
 * (hi is always included): build it with MB_RANGE(lo, hi, mult). */
typedef struct mb_range {
    int64_t lo, hi, mult;
} mb_range;

/* One benchmark's definition. BENCH fills it; options are designated
 * initialisers: BENCH(x, .group = "g", .args = MB_ARGS(1, 2)). */
typedef struct mb_bench {
    void (*fn)(mb_state *state); /* set by BENCH */
    const char *name;            /* set by BENCH */
    const char *file;            /* set by BENCH */
    int line;                    /* set by BENCH */
    const char *group;           /* variants compared with each other */
    mb_arglist args;             /* explicit arguments ... */
    mb_range range;              /* ... or a geometric range (not both) */
    double items;          /* items processed per iteration (throughput) */
    double bytes;          /* bytes processed per iteration (throughput) */
    double min_time;       /* seconds of measurement; 0: the run's default */
    int samples;           /* samples to collect; 0: the run's default */
    const char *counters;  /* PAPI events "EV1,EV2"; NULL: the run's set */
    const char *unit;      /* time unit of its rows: "ns", "us", "ms" or
                              "s" (wins over --time-unit); NULL: by size */
    const char *compiler;  /* set by BENCH: the compiler of its file */
    int optimized;         /* set by BENCH: 2 built with -O, 1 without */
    struct mb_bench *next; /* registry link, owned by the library */
} mb_bench;

/* How the benchmark's own file was compiled, recorded in the run's context
 * (a benchmark built without optimisation measures nothing useful). */
#ifdef __OPTIMIZE__
#define MB_OPTIMIZED_ 2
#else
#define MB_OPTIMIZED_ 1
#endif

#define MB_ARGS(...)                                                           \
    {                                                                          \
        .v = (const int64_t[]){__VA_ARGS__},                                   \
        .n = sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)          \
    }
#define MB_RANGE(lo_, hi_, mult_)                                              \
    {                                                                          \
        .lo = (lo_), .hi = (hi_), .mult = (mult_)                              \
    }

/* Adds a benchmark to the registry. BENCH calls it from a constructor; call it
 * yourself only for benchmarks built at run time. The definition must outlive
 * the run; it is never freed. */
MB_API void mb_register(mb_bench *bench);

/* Defines and registers a benchmark. The body sees `state`. */
#define BENCH(...) MB_BENCH_(__VA_ARGS__, )
#define MB_BENCH_(name_, ...)                                                  \
    static void mb_fn_##name_(mb_state *state);                                \
    static mb_bench mb_def_##name_ = {.fn = mb_fn_##name_,                     \
                                      .name = #name_,                          \
                                      .file = __FILE__,                        \
                                      .line = __LINE__,                        \
                                      .compiler = __VERSION__,                 \
                                      .optimized = MB_OPTIMIZED_,              \
                                      __VA_ARGS__};                            \
    __attribute__((constructor)) static void mb_reg_##name_(void)              \
    {                                                                          \
        mb_register(&mb_def_##name_);                                          \
    }                                                                          \
    static void mb_fn_##name_(mb_state *state)

/* The harness's side of MB_LOOP. mb_batch_begin returns how many iterations
 * the next batch must run (0: the benchmark is done) and starts the clock as
 * its very last step; mb_batch_end stops it as its very first. */
MB_API uint64_t mb_batch_begin(mb_state *state);
MB_API void mb_batch_end(mb_state *state);

/* The timed region. The harness chooses how many times the body runs, in
 * batches; everything outside it (setup, teardown) is never timed. Use it
 * exactly once per benchmark body; `break` out of it is not allowed. */
#define MB_LOOP(st)                                                            \
    for (uint64_t mb_n_ = mb_batch_begin(st); mb_n_ != 0;                      \
         mb_batch_end(st), mb_n_ = mb_batch_begin(st))                         \
        for (; mb_n_ != 0; mb_n_--)

/* The current argument (from .args or .range); 0 for a benchmark without. */
MB_API int64_t mb_arg(const mb_state *state);

/* Keeps `value` alive without costing more than the value itself. */
#if defined(__GNUC__) || defined(__clang__)
#define mb_do_not_optimize(value)                                              \
    do {                                                                       \
        __typeof__(value) mb_v_ = (value);                                     \
        __asm__ volatile("" : : "r,m"(mb_v_) : "memory");                      \
    } while (0)
/* Makes the compiler assume all memory was read and written. */
#define mb_clobber_memory() __asm__ volatile("" : : : "memory")
#else
#error "microbe needs GCC or Clang (inline asm, constructor attribute)"
#endif

/* Runs the registered benchmarks as the command line asks (SPEC §2) and
 * returns the process exit code: 0 ok, 1 regression with
 * --fail-on-regression, 2 usage error, unreadable archive or crash. */
MB_API int mb_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
