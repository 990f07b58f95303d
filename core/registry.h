/* The registry: benchmarks added by BENCH's constructors, expanded into
 * instances (one per argument) with their full names, and filtered. */
#ifndef MB_REGISTRY_H
#define MB_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microbe.h"

typedef struct instance {
    const mb_bench *bench;
    int64_t arg;
    bool has_arg;
    char name[256];   /* group/bench/arg, bench/arg or bench */
    char family[192]; /* group/bench or bench */
} instance;

/* The registered benchmarks in definition order (linked through ->next). */
const mb_bench *registry_first(void);
/* Forgets every registration (tests only). */
void registry_reset(void);

/* Expands benchmarks into instances. *out is malloc'd (caller frees).
 * Returns MB_ERR_USAGE with err set for an invalid definition (bad range,
 * both .args and .range, duplicate full names). */
mb_status registry_expand(const mb_bench *first, instance **out, size_t *n,
                          char *err, size_t errlen);

/* Keeps the instances whose full name matches the POSIX extended regex.
 * MB_ERR_USAGE with err set for a regex that does not compile or one that
 * matches nothing. NULL regex keeps all. */
mb_status registry_filter(instance *insts, size_t *n, const char *regex,
                          char *err, size_t errlen);

#endif
