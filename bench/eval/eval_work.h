/* The evaluation's workloads, shared by the microbe suite (eval_bench.c)
 * and its Google Benchmark twin (eval_gb.cc): written in the common subset
 * of C and C++ so both measure the very same code.
 *
 * EVAL_SLOWDOWN="hash/1024:10,quadratic/64:25" makes the named benchmark
 * (bench/arg) do that many percent more work per iteration: quadratic
 * compares a prefix of sqrt(pct) * n more items (pairs grow as the square),
 * hash and sorted process a prefix of pct% of the items once more. The
 * extra work runs inside the timed loop, so the slowdown is real work, as
 * a regression would be. */
#ifndef EVAL_WORK_H
#define EVAL_WORK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reproducible input: n values from [0, 2n), so about a third repeat. */
static inline uint32_t *eval_items(size_t n)
{
    uint32_t *v = (uint32_t *)malloc(n * sizeof *v);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; v && i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (uint32_t)(x % (2 * n));
    }
    return v;
}

static inline size_t eval_quadratic(const uint32_t *v, size_t n)
{
    size_t dups = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (v[i] == v[j]) {
                dups++;
                break;
            }
    return dups;
}

/* Open addressing in a fresh zeroed table twice the input's size. */
static inline size_t eval_hash(const uint32_t *v, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap <<= 1;
    uint32_t *table = (uint32_t *)calloc(cap, sizeof *table);
    if (!table)
        abort();
    size_t dups = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t key = v[i] + 1;
        size_t h = (key * 2654435761u) & (cap - 1);
        while (table[h] && table[h] != key)
            h = (h + 1) & (cap - 1);
        if (table[h] == key)
            dups++;
        else
            table[h] = key;
    }
    free(table);
    return dups;
}

static inline int eval_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static inline size_t eval_sorted(const uint32_t *v, size_t n, uint32_t *scratch)
{
    memcpy(scratch, v, n * sizeof *v);
    qsort(scratch, n, sizeof *scratch, eval_cmp_u32);
    size_t dups = 0;
    for (size_t i = 1; i < n; i++)
        dups += scratch[i] == scratch[i - 1];
    return dups;
}

/* Percent of extra work for bench/arg from EVAL_SLOWDOWN; 0 if none. */
static inline double eval_slowdown(const char *bench, long long arg)
{
    char key[96];
    snprintf(key, sizeof key, "%s/%lld:", bench, arg);
    const char *s = getenv("EVAL_SLOWDOWN");
    size_t len = strlen(key);
    while (s && *s) {
        if (strncmp(s, key, len) == 0)
            return strtod(s + len, NULL);
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    return 0;
}

/* Items of the extra pass for pct% more work. */
static inline size_t eval_extra(const char *bench, size_t n, double pct)
{
    if (pct <= 0)
        return 0;
    if (strcmp(bench, "quadratic") == 0)
        return (size_t)((double)n * sqrt(pct / 100.0) + 0.5);
    return (size_t)((double)n * pct / 100.0 + 0.5);
}

#endif
