/* The evaluation's compiled-in slowdown, shared by both suites
 * (eval_work.h, lib_work.h) and their Google Benchmark twins. */
#ifndef EVAL_SLOW_H
#define EVAL_SLOW_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The slowdown compiled into this build: -DEVAL_SLOWDOWN_SPEC=
 * "hash/1024:10,quadratic/64:25" (bench/eval/meson.build builds one
 * program per scenario). Never read at run time: OLD and NEW are two
 * separately compiled programs, as in a real comparison of two builds. */
#ifndef EVAL_SLOWDOWN_SPEC
#define EVAL_SLOWDOWN_SPEC ""
#endif

/* Percent of extra work for key ("hash/1024", "tiny_hash"); 0 if none. */
static inline double eval_slowdown_key(const char *key)
{
    char k[104];
    snprintf(k, sizeof k, "%s:", key);
    /* Hidden too, or a build whose spec is "" folds the parse away. */
    const char *s = EVAL_SLOWDOWN_SPEC;
    __asm__ volatile("" : "+r"(s));
    size_t len = strlen(k);
    while (s && *s) {
        if (strncmp(s, k, len) == 0)
            return strtod(s + len, NULL);
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    return 0;
}

/* Percent of extra work for bench/arg; 0 if none. */
static inline double eval_slowdown(const char *bench, long long arg)
{
    char key[96];
    snprintf(key, sizeof key, "%s/%lld", bench, arg);
    return eval_slowdown_key(key);
}

/* The amount of extra work, hidden from the optimiser: every build then
 * has the same code (the extra pass, its branch), whatever its compiled-in
 * slowdown, and two builds differ only in that number, as two commits of
 * one function would differ in what it does, not in where the compiler
 * put the code around it. */
static inline size_t eval_hide(size_t v)
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* Items of the extra pass for pct% more work. */
static inline size_t eval_extra(const char *bench, size_t n, double pct)
{
    if (pct <= 0)
        return eval_hide(0);
    if (strcmp(bench, "quadratic") == 0)
        return eval_hide((size_t)((double)n * sqrt(pct / 100.0) + 0.5));
    return eval_hide((size_t)((double)n * pct / 100.0 + 0.5));
}

#endif
