/* The three find_duplicates implementations of the example, shared by the
 * microbe suite (find_duplicates.c) and its Google Benchmark twin
 * (compare/gb_find_dups.cc) so both measure exactly the same code. */
#ifndef FIND_DUPLICATES_H
#define FIND_DUPLICATES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reproducible input: n values from [0, 2n), so about a third repeat. */
static inline uint32_t *make_items(size_t n)
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

static inline size_t dup_quadratic(const uint32_t *v, size_t n)
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

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static inline size_t dup_sorted(const uint32_t *v, size_t n, uint32_t *scratch)
{
    memcpy(scratch, v, n * sizeof *v);
    qsort(scratch, n, sizeof *scratch, cmp_u32);
    size_t dups = 0;
    for (size_t i = 1; i < n; i++)
        dups += scratch[i] == scratch[i - 1];
    return dups;
}

/* Open addressing in a fresh zeroed table twice the input's size, as a
 * hash set is usually built: its allocation is a fixed cost that the
 * quadratic loop does not pay, so quadratic wins for small n. Values are
 * stored +1 so that 0 marks an empty slot. Not inlined, so that
 * --measure=instructions attributes its cost to it by name (an inlined
 * function's cost belongs to its caller in callgrind's profile). */
/* Percent of dup_hash's lookups done a second time: 0 in the example;
 * built with -DFIND_DUPS_HASH_EXTRA=10 it is the "hash function does 10%
 * more work" build that docs/instructions.md runs `microbe ab --why` on. */
#ifndef FIND_DUPS_HASH_EXTRA
#define FIND_DUPS_HASH_EXTRA 0
#endif

#if defined(__GNUC__)
__attribute__((noinline)) /* a function of its own in profiles */
#endif
static size_t dup_hash(const uint32_t *v, size_t n)
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
    for (size_t i = 0; i < n * FIND_DUPS_HASH_EXTRA / 100; i++) {
        uint32_t key = v[i] + 1;
        size_t h = (key * 2654435761u) & (cap - 1);
        while (table[h] && table[h] != key)
            h = (h + 1) & (cap - 1);
        dups += table[h] != key; /* 0: every key is in by now */
    }
    free(table);
    return dups;
}

/* Percent of extra work for variant `name` from MICROBE_EXAMPLE_SLOWDOWN
 * ("hash:25,sorted:10"). */
static inline unsigned slowdown(const char *name)
{
    const char *s = getenv("MICROBE_EXAMPLE_SLOWDOWN");
    size_t len = strlen(name);
    while (s && *s) {
        if (strncmp(s, name, len) == 0 && s[len] == ':')
            return (unsigned)strtoul(s + len + 1, NULL, 10);
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    return 0;
}

#endif
