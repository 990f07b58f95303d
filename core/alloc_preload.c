/* The allocation counting library (libmicrobe_alloc.so): malloc, free and
 * the rest, defined here, replace glibc's in the one process that loads
 * this library, the counting pass's worker, which the runner starts with
 * it in LD_PRELOAD (core/runner.c). No timed process has it: there malloc
 * is glibc's own. glibc supports replacing them (its own calls, strdup's
 * or fopen's, come here too); each forwards to glibc's __libc_* entry
 * point. Inside a pass a table of the pass's live blocks (pointer -> size)
 * gives exact bytes live and their peak. Glibc 2.34 removed the malloc
 * hooks, so interposing is the way left. libmicrobe reaches the pass's
 * switch through dlsym (core/alloc.c): microbe_alloc_begin/end below. */
#include "alloc.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <malloc.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#define API __attribute__((visibility("default")))

static int counting; /* a pass is on */
static int lock;     /* spin lock for the slow path (threads) */
static alloc_counts pass;
static int64_t live;

/* The pass's live blocks: open addressing on the pointer, tombstones
 * left by frees. Past SLOTS / 2 blocks made in one pass, later ones are
 * not tracked: their frees are not subtracted, so peak and net then
 * count them as never freed (an upper bound). */
#define SLOTS (1u << 16)
#define TOMB  ((void *)1)
static struct slot {
    void *p;
    size_t n;
} table[SLOTS];
static unsigned used;

static unsigned slot_of(const void *p)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= UINT64_C(0xed5ad4bb);
    h ^= h >> 11;
    return (unsigned)h & (SLOTS - 1);
}

static void take(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        ;
}
static void give(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static bool on(void)
{
    return __builtin_expect(__atomic_load_n(&counting, __ATOMIC_RELAXED), 0);
}

/* A block of n bytes came into being at p. */
static void note_alloc(void *p, size_t n)
{
    if (!p)
        return;
    take();
    if (counting) {
        pass.allocs++;
        pass.bytes += n;
        live += (int64_t)n;
        if (live > (int64_t)pass.peak)
            pass.peak = (uint64_t)live;
        if (used < SLOTS / 2) {
            unsigned i = slot_of(p);
            while (table[i].p && table[i].p != TOMB)
                i = (i + 1) & (SLOTS - 1);
            table[i].p = p;
            table[i].n = n;
            used++;
        }
    }
    give();
}

/* The block at p is going away: if the pass made it, it is no longer
 * live. Blocks from before the pass do not count. */
static void note_free(void *p)
{
    if (!p)
        return;
    take();
    if (counting) {
        unsigned i = slot_of(p);
        for (unsigned k = 0; k < SLOTS && table[i].p; k++) {
            if (table[i].p == p) {
                live -= (int64_t)table[i].n;
                table[i].p = TOMB;
                break;
            }
            i = (i + 1) & (SLOTS - 1);
        }
    }
    give();
}

API void microbe_alloc_begin(void)
{
    take();
    memset(&pass, 0, sizeof pass);
    memset(table, 0, sizeof table);
    used = 0;
    live = 0;
    __atomic_store_n(&counting, 1, __ATOMIC_RELAXED);
    give();
}

API void microbe_alloc_end(alloc_counts *out)
{
    take();
    __atomic_store_n(&counting, 0, __ATOMIC_RELAXED);
    pass.net = live;
    *out = pass;
    give();
}

/* Outside a pass each function is a test and a tail call into glibc,
 * so the timed path pays one load, one not-taken branch and one jump. */
API void *malloc(size_t n)
{
    if (!on())
        return __libc_malloc(n);
    void *p = __libc_malloc(n);
    note_alloc(p, n);
    return p;
}

API void free(void *p)
{
    if (on())
        note_free(p);
    __libc_free(p);
}

API void *calloc(size_t k, size_t n)
{
    if (!on())
        return __libc_calloc(k, n);
    void *p = __libc_calloc(k, n);
    note_alloc(p, k * n); /* no overflow: calloc checked it */
    return p;
}

API void *realloc(void *old, size_t n)
{
    if (!on())
        return __libc_realloc(old, n);
    void *p = __libc_realloc(old, n);
    if (p || n == 0) /* on failure the old block stays */
        note_free(old);
    note_alloc(p, n);
    return p;
}

API void *reallocarray(void *old, size_t k, size_t n)
{
    size_t bytes;
    if (__builtin_mul_overflow(k, n, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, bytes);
}

API void *memalign(size_t align, size_t n)
{
    if (!on())
        return __libc_memalign(align, n);
    void *p = __libc_memalign(align, n);
    note_alloc(p, n);
    return p;
}

API void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

API int posix_memalign(void **out, size_t align, size_t n)
{
    if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0)
        return EINVAL;
    void *p = memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

API void *valloc(size_t n)
{
    if (!on())
        return __libc_valloc(n);
    void *p = __libc_valloc(n);
    note_alloc(p, n);
    return p;
}

API void *pvalloc(size_t n)
{
    if (!on())
        return __libc_pvalloc(n);
    void *p = __libc_pvalloc(n);
    note_alloc(p, n);
    return p;
}
