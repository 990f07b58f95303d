/* The second evaluation suite's workloads (lib_bench.c, and its Google
 * Benchmark twin lib_gb.cc): real library calls of several kinds (zstd,
 * qsort, memcpy, snprintf, regexec), a tiny ~50 ns string hash, and a
 * memory-bound pointer chase over 8 MiB, in the common subset of C and
 * C++. A slowdown is compiled in as for eval_work.h
 * (-DEVAL_SLOWDOWN_SPEC="tiny_hash:10"): the tiny hash then hashes that
 * many percent more bytes, the chase takes that many percent more steps,
 * inside the timed loop. */
#ifndef LIB_WORK_H
#define LIB_WORK_H

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "eval_slow.h"

/* ---- the tiny benchmark: FNV-1a over a 40-byte string ------------------ */
#define LIB_TINY_LEN 40
static inline size_t lib_tiny_len(void)
{
    /* 40 bytes x pct%: 5% -> 2 bytes, 10% -> 4 bytes more. */
    return eval_hide(
        LIB_TINY_LEN +
        (size_t)(LIB_TINY_LEN * eval_slowdown_key("tiny_hash") / 100 + 0.5));
}
static inline uint64_t lib_fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* ---- the pointer chase: one random cycle through 8 MiB ----------------- */
#define LIB_CHASE_BYTES ((size_t)8 << 20)
#define LIB_CHASE_STEPS 1000
/* One pointer per 64-byte line, linked in a random cyclic order. */
typedef struct lib_line {
    struct lib_line *next;
    char pad[64 - sizeof(struct lib_line *)];
} lib_line;
static inline lib_line *lib_chase_make(void)
{
    size_t n = LIB_CHASE_BYTES / sizeof(lib_line);
    lib_line *v = (lib_line *)malloc(n * sizeof *v);
    size_t *order = (size_t *)malloc(n * sizeof *order);
    if (!v || !order) {
        free(v);
        free(order);
        return NULL;
    }
    uint64_t x = 0x2545f4914f6cdd1du;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates, xorshift */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % (i + 1));
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        v[order[i]].next = &v[order[(i + 1) % n]];
    free(order);
    return v;
}
static inline size_t lib_chase_steps(void)
{
    return eval_hide(
        LIB_CHASE_STEPS +
        (size_t)(LIB_CHASE_STEPS * eval_slowdown_key("chase_8m") / 100 + 0.5));
}
static inline lib_line *lib_chase(lib_line *p, size_t steps)
{
    for (size_t i = 0; i < steps; i++)
        p = p->next;
    return p;
}

/* ---- library calls ------------------------------------------------------ */
/* 16 KiB of text that compresses about 3:1. */
static inline char *lib_text(size_t n)
{
    static const char *const words[] = {
        "the ",   "quick ", "brown ",  "fox ",       "jumps ",
        "over ",  "lazy ",  "dog ",    "benchmark ", "micro ",
        "noise ", "round ", "sample ", "42 ",        "\n"};
    char *t = (char *)malloc(n + 1);
    uint64_t x = 0x9e3779b97f4a7c15u;
    size_t at = 0;
    while (t && at < n) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const char *w = words[x % (sizeof words / sizeof *words)];
        size_t l = strlen(w);
        if (l > n - at)
            l = n - at;
        memcpy(t + at, w, l);
        at += l;
    }
    if (t)
        t[n] = '\0';
    return t;
}
/* n pseudo-random values (xorshift), the same in every build. */
static inline uint32_t *lib_items(size_t n)
{
    uint32_t *v = (uint32_t *)malloc(n * sizeof *v);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; v && i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (uint32_t)x;
    }
    return v;
}
static inline int lib_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}
#define LIB_REGEX       "^[a-z0-9._]+@[a-z0-9-]+\\.(com|org|net)$"
#define LIB_REGEX_INPUT "some.body_42@example-mail.org"

#endif
