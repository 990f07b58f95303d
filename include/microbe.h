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

/* Several argument lists, every combination of them one run (the first
 * list varies slowest): build it with MB_PRODUCT(MB_ARGS(...), ...). */
typedef struct mb_product {
    const mb_arglist *lists;
    size_t n;
} mb_product;

/* Names of the arguments, one per argument: build it with
 * MB_NAMES("n", "k"). Full names then read name/n:64/k:8, not name/64/8. */
typedef struct mb_names {
    const char *const *v;
    size_t n;
} mb_names;

/* One benchmark's definition. BENCH fills it; options are designated
 * initialisers in C (BENCH(x, .group = "g", .args = MB_ARGS(1, 2))), and
 * the same text works from C++17 and C++20, in any order. `size` lets the
 * definition grow: a program built against an older, smaller mb_bench
 * keeps working (the fields it lacks read as 0). */
typedef struct mb_bench {
    size_t size;                 /* set by BENCH: sizeof(mb_bench) */
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
    /* ---- MB_BENCH_MIN_SIZE ends here; added since: ---- */
    mb_product product; /* every combination of several argument lists
                           (instead of .args or .range) */
    mb_names arg_names; /* one name per argument */
    mb_arglist threads; /* run the body in this many threads, each */
    void (*setup)(mb_state *state);    /* before the body, untimed: once
                                          per benchmark, argument, round */
    void (*teardown)(mb_state *state); /* after the body, the same */
    void *data;                        /* read with mb_data(state) */
    int manual_time; /* 1: the body times each iteration itself with
                        mb_set_iteration_time */
} mb_bench;

/* The smallest definition this library accepts: one from a header whose
 * mb_bench ended at `next`. */
#define MB_BENCH_MIN_SIZE (offsetof(mb_bench, next) + sizeof(mb_bench *))

/* How the benchmark's own file was compiled, recorded in the run's context
 * (a benchmark built without optimisation measures nothing useful). */
#ifdef __OPTIMIZE__
#define MB_OPTIMIZED_ 2
#else
#define MB_OPTIMIZED_ 1
#endif

/* Adds a benchmark to the registry. BENCH calls it from a constructor; call it
 * yourself only for benchmarks built at run time. The definition must outlive
 * the run; it is never freed. A definition whose size is below
 * MB_BENCH_MIN_SIZE or above this library's sizeof(mb_bench) is refused:
 * mb_main then exits 2 with one line that says so. */
MB_API void mb_register(mb_bench *bench);

/* Defines and registers a benchmark. The body sees `state`. */
#define BENCH(...) MB_BENCH_(__VA_ARGS__, )
/* Registers an existing body function `fn` (void fn(mb_state *)) under
 * `name`, with options: one body serves several registrations (e.g. with
 * different .data), as Google Benchmark's BENCHMARK_CAPTURE does. */
#define BENCH_FN(name_, ...) MB_BENCH_FN_(name_, __VA_ARGS__, )

#ifndef __cplusplus
#define MB_ARGS(...)                                                           \
    {                                                                          \
        .v = (const int64_t[]){__VA_ARGS__},                                   \
        .n = sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)          \
    }
#define MB_RANGE(lo_, hi_, mult_)                                              \
    {                                                                          \
        .lo = (lo_), .hi = (hi_), .mult = (mult_)                              \
    }
#define MB_PRODUCT(...)                                                        \
    {                                                                          \
        .lists = (const mb_arglist[]){__VA_ARGS__},                            \
        .n = sizeof((const mb_arglist[]){__VA_ARGS__}) / sizeof(mb_arglist)    \
    }
#define MB_NAMES(...)                                                          \
    {                                                                          \
        .v = (const char *const[]){__VA_ARGS__},                               \
        .n = sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)       \
    }
#define MB_DEF_(name_, fn_, ...)                                               \
    static mb_bench mb_def_##name_ = {.size = sizeof(mb_bench),                \
                                      .fn = fn_,                               \
                                      .name = #name_,                          \
                                      .file = __FILE__,                        \
                                      .line = __LINE__,                        \
                                      .compiler = __VERSION__,                 \
                                      .optimized = MB_OPTIMIZED_,              \
                                      __VA_ARGS__};
#else
/* C++: each option `.x = v` becomes the statement `b.x = v;` of a lambda
 * that fills the definition, so options come in any order (C++20's
 * designated initialisers need declaration order; C++17 has none). */
#define MB_SET_(opt) mb_b_ opt;
#define MB_DEF_(name_, fn_, ...)                                               \
    static mb_bench mb_def_##name_ = [] {                                      \
        mb_bench mb_b_{};                                                      \
        mb_b_.size = sizeof(mb_bench);                                         \
        mb_b_.fn = fn_;                                                        \
        mb_b_.name = #name_;                                                   \
        mb_b_.file = __FILE__;                                                 \
        mb_b_.line = __LINE__;                                                 \
        mb_b_.compiler = __VERSION__;                                          \
        mb_b_.optimized = MB_OPTIMIZED_;                                       \
        MB_EACH_(MB_SET_, __VA_ARGS__)                                         \
        return mb_b_;                                                          \
    }();
/* MB_EACH_(m, a, b, ..., <empty>): m(a) m(b) ..., dropping the trailing
 * empty argument that BENCH appends; up to 23 options. */
#define MB_EACH_(m, ...) MB_CAT_(MB_EACH_, MB_NM1_(__VA_ARGS__))(m, __VA_ARGS__)
#define MB_CAT_(a, b)    MB_CAT2_(a, b)
#define MB_CAT2_(a, b)   a##b
#define MB_NM1_(...)                                                           \
    MB_NTH_(__VA_ARGS__, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,   \
            10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, ~)
#define MB_NTH_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14,   \
                _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, N, ...)      \
    N
#define MB_EACH_0(m, ...)
#define MB_EACH_1(m, a, ...)  m(a)
#define MB_EACH_2(m, a, ...)  m(a) MB_EACH_1(m, __VA_ARGS__)
#define MB_EACH_3(m, a, ...)  m(a) MB_EACH_2(m, __VA_ARGS__)
#define MB_EACH_4(m, a, ...)  m(a) MB_EACH_3(m, __VA_ARGS__)
#define MB_EACH_5(m, a, ...)  m(a) MB_EACH_4(m, __VA_ARGS__)
#define MB_EACH_6(m, a, ...)  m(a) MB_EACH_5(m, __VA_ARGS__)
#define MB_EACH_7(m, a, ...)  m(a) MB_EACH_6(m, __VA_ARGS__)
#define MB_EACH_8(m, a, ...)  m(a) MB_EACH_7(m, __VA_ARGS__)
#define MB_EACH_9(m, a, ...)  m(a) MB_EACH_8(m, __VA_ARGS__)
#define MB_EACH_10(m, a, ...) m(a) MB_EACH_9(m, __VA_ARGS__)
#define MB_EACH_11(m, a, ...) m(a) MB_EACH_10(m, __VA_ARGS__)
#define MB_EACH_12(m, a, ...) m(a) MB_EACH_11(m, __VA_ARGS__)
#define MB_EACH_13(m, a, ...) m(a) MB_EACH_12(m, __VA_ARGS__)
#define MB_EACH_14(m, a, ...) m(a) MB_EACH_13(m, __VA_ARGS__)
#define MB_EACH_15(m, a, ...) m(a) MB_EACH_14(m, __VA_ARGS__)
#define MB_EACH_16(m, a, ...) m(a) MB_EACH_15(m, __VA_ARGS__)
#define MB_EACH_17(m, a, ...) m(a) MB_EACH_16(m, __VA_ARGS__)
#define MB_EACH_18(m, a, ...) m(a) MB_EACH_17(m, __VA_ARGS__)
#define MB_EACH_19(m, a, ...) m(a) MB_EACH_18(m, __VA_ARGS__)
#define MB_EACH_20(m, a, ...) m(a) MB_EACH_19(m, __VA_ARGS__)
#define MB_EACH_21(m, a, ...) m(a) MB_EACH_20(m, __VA_ARGS__)
#define MB_EACH_22(m, a, ...) m(a) MB_EACH_21(m, __VA_ARGS__)
#define MB_EACH_23(m, a, ...) m(a) MB_EACH_22(m, __VA_ARGS__)
/* The lists live in function-local statics: C++ has no compound
 * literals. */
#define MB_ARGS(...)                                                           \
    ([] {                                                                      \
        static const int64_t mb_v_[] = {__VA_ARGS__};                          \
        return mb_arglist{mb_v_, sizeof mb_v_ / sizeof mb_v_[0]};              \
    }())
#define MB_RANGE(lo_, hi_, mult_) (mb_range{(lo_), (hi_), (mult_)})
#define MB_PRODUCT(...)                                                        \
    ([] {                                                                      \
        static const mb_arglist mb_v_[] = {__VA_ARGS__};                       \
        return mb_product{mb_v_, sizeof mb_v_ / sizeof mb_v_[0]};              \
    }())
#define MB_NAMES(...)                                                          \
    ([] {                                                                      \
        static const char *const mb_v_[] = {__VA_ARGS__};                      \
        return mb_names{mb_v_, sizeof mb_v_ / sizeof mb_v_[0]};                \
    }())
#endif

#ifndef __cplusplus
#define MB_REG_(name_)                                                         \
    __attribute__((constructor)) static void mb_reg_##name_(void)              \
    {                                                                          \
        mb_register(&mb_def_##name_);                                          \
    }
#else
/* After the definition's own (dynamic) initialisation, in file order: a
 * constructor function could run before it. */
#define MB_REG_(name_)                                                         \
    [[maybe_unused]] static const int mb_reg_##name_ =                         \
        (mb_register(&mb_def_##name_), 0);
#endif
#define MB_BENCH_(name_, ...)                                                  \
    static void mb_fn_##name_(mb_state *state);                                \
    MB_DEF_(name_, mb_fn_##name_, __VA_ARGS__)                                 \
    MB_REG_(name_)                                                             \
    static void mb_fn_##name_(mb_state *state)
#define MB_BENCH_FN_(name_, fn_, ...)                                          \
    MB_DEF_(name_, fn_, __VA_ARGS__)                                           \
    MB_REG_(name_)                                                             \
    typedef int mb_registered_##name_

/* The harness's side of MB_LOOP. mb_batch_begin returns how many iterations
 * the next batch must run (0: the benchmark is done) and starts the clock as
 * its very last step; mb_batch_end stops it as its very first. */
MB_API uint64_t mb_batch_begin(mb_state *state);
MB_API void mb_batch_end(mb_state *state);
/* MB_LOOP calls it, after mb_batch_end, when the batch was left with
 * `break`: the benchmark is then reported as failed. */
MB_API void mb_batch_left(mb_state *state);

/* The timed region. The harness chooses how many times the body runs, in
 * batches; everything outside it (setup, teardown) is never timed. Use it
 * exactly once per benchmark body; `break` out of it is not allowed (either
 * fails the benchmark, reported by name). */
#define MB_LOOP(st)                                                            \
    for (uint64_t mb_n_ = mb_batch_begin(st); mb_n_ != 0;                      \
         mb_batch_end(st), mb_n_ ? mb_batch_left(st) : (void)0,               \
                           mb_n_ = mb_batch_begin(st))                         \
        for (; mb_n_ != 0; mb_n_--)

/* The current argument (from .args or .range, or the first of .product);
 * 0 for a benchmark without. */
MB_API int64_t mb_arg(const mb_state *state);
/* Argument i (0 is mb_arg's; .product gives one per list); 0 when the
 * benchmark has no argument i. */
MB_API int64_t mb_arg_at(const mb_state *state, size_t i);
/* The benchmark's .data pointer (NULL when not set). */
MB_API void *mb_data(const mb_state *state);
/* With .threads: this thread's index (0 to count - 1) and the count of
 * threads running the body; 0 and 1 without .threads. */
MB_API int mb_thread_index(const mb_state *state);
MB_API int mb_thread_count(const mb_state *state);

/* Inside MB_LOOP: stop the clock around work that must not be timed (e.g.
 * restoring an input). The cost of a pair is measured at start and
 * subtracted, but it is not free (two clock reads): a warning says so when
 * the paused work dwarfs the timed work. Under --measure=instructions
 * collection pauses instead. Ignored with .manual_time. */
MB_API void mb_pause(mb_state *state);
MB_API void mb_resume(mb_state *state);
/* With .manual_time = 1: the time the current iteration took, measured by
 * the body itself (GPU, I/O, asynchronous work); a batch lasts the sum of
 * its iterations' times. */
MB_API void mb_set_iteration_time(mb_state *state, double seconds);

/* Throughput per iteration set from the body (so it may depend on the
 * argument); replaces the .items/.bytes constants. Callable anywhere in
 * the body, inside MB_LOOP or after it; the last value wins. */
MB_API void mb_set_items(mb_state *state, double items_per_iteration);
MB_API void mb_set_bytes(mb_state *state, double bytes_per_iteration);

/* mb_counter's flags: 0 shows the value as set; MB_COUNTER_PER_ITER takes
 * it as a total over the loop's iterations and shows it per iteration;
 * MB_COUNTER_RATE takes it as such a total and shows it per second. */
enum { MB_COUNTER_RATE = 1, MB_COUNTER_PER_ITER = 2 };
/* Sets the user counter `name` (copied) for this run of the body,
 * replacing an earlier value; with .threads the threads' values add up.
 * At most 32 counters, names of at most 63 bytes (longer ones are cut). */
MB_API void mb_counter(mb_state *state, const char *name, double value,
                       int flags);

/* A label shown beside the result (printf format; the last one wins). */
MB_API void mb_label(mb_state *state, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Skips this benchmark with a message: reported as skipped, not as a
 * failure. MB_LOOP ends after the batch in flight (call it before MB_LOOP
 * to run nothing); later rounds do not run it. The first skip or error
 * wins. */
MB_API void mb_skip(mb_state *state, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Fails this benchmark with a message: reported as failed, the others run
 * on, and the program exits 2 at the end. MB_LOOP ends as with mb_skip. */
MB_API void mb_error(mb_state *state, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#if defined(__GNUC__) || defined(__clang__)
/* Keeps the value of `expr` as if it were used, at no cost beyond
 * computing it: no copy, large values and arrays included (the compiler
 * may leave them in memory). */
#define mb_do_not_optimize(expr) __asm__ volatile("" : : "r,m"(expr) : "memory")
/* Makes the compiler assume the variable `var` (an lvalue: a scalar, a
 * struct or an array) was read and changed here, so work on it is redone
 * each time: mb_opaque(a); mb_opaque(b); mb_do_not_optimize(a / b); keeps
 * the division inside the loop. */
#define mb_opaque(var)                                                         \
    __asm__ volatile("" : "+r,m"(*(__typeof__(var) *)&(var)) : : "memory")
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
