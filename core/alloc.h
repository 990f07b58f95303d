/* Allocation counting: the malloc family, interposed (core/alloc.c), counts
 * what a benchmark body allocates while a counting pass is on, and
 * forwards every call to glibc's allocator. The pass is a separate batch
 * after a round's samples, never a timed one. */
#ifndef MB_ALLOC_H
#define MB_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

/* What one counting pass saw: allocations (malloc, calloc, realloc,
 * reallocarray, memalign, posix_memalign, aligned_alloc, valloc,
 * pvalloc, strdup and whatever else calls them), bytes requested, the
 * peak of bytes live (blocks allocated in the pass and not yet freed) and
 * the net growth (allocated minus freed of the pass's blocks). */
typedef struct alloc_counts {
    uint64_t allocs, bytes, peak;
    int64_t net;
} alloc_counts;

/* Whether this build counts (false in sanitizer builds, whose runtimes
 * own malloc, and with -Dalloc_counting=false). */
bool alloc_supported(void);
/* Starts a pass (counts zeroed); alloc_end stops it and returns them. */
void alloc_begin(void);
void alloc_end(alloc_counts *out);

#endif
