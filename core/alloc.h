/* Allocation counting, off the timed path. The malloc family's
 * replacements live in a small library of their own (core/alloc_preload.c,
 * libmicrobe_alloc.so), compiled into libmicrobe as bytes
 * (alloc_blob.c) and preloaded only into the counting pass's worker: the
 * runner writes it to a memfd (alloc_library_fd) and starts that worker
 * with LD_PRELOAD naming it. Timed processes never load it, so their
 * malloc is glibc's own. In the counting worker the harness reaches the
 * library through dlsym (alloc_supported, alloc_begin, alloc_end). */
#ifndef MB_ALLOC_H
#define MB_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
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

/* Whether this process counts: the counting library is loaded (found by
 * dlsym), i.e. this is the counting worker. */
bool alloc_supported(void);
/* Starts a pass (counts zeroed); alloc_end stops it and returns them
 * (zeros where the library is not loaded). */
void alloc_begin(void);
void alloc_end(alloc_counts *out);

/* Whether this build carries the counting library (not in sanitizer
 * builds, whose runtimes own malloc, nor with -Dalloc_counting=false). */
bool alloc_library(void);
/* A file descriptor (close-on-exec; the same one on every call) holding
 * the counting library, for LD_PRELOAD=/proc/self/fd/N; -1 with err set
 * when there is none or it cannot be written. */
int alloc_library_fd(char *err, size_t errlen);

/* The library's entry points (core/alloc_preload.c). */
void microbe_alloc_begin(void);
void microbe_alloc_end(alloc_counts *out);

#endif
