/* The registry: benchmarks added by BENCH's constructors, expanded into
 * instances (one per argument) with their full names, and filtered. */
#ifndef MB_REGISTRY_H
#define MB_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microbe.h"
#include "run.h"

typedef struct instance {
    const mb_bench *bench;
    int64_t arg; /* args[0] */
    bool has_arg;
    size_t nargs;
    int64_t args[RUN_MAX_ARGS];
    int threads;      /* 1 without .threads */
    char name[448];   /* family, then /arg per argument (/n:arg with
                         .arg_names), then /threads:T with .threads */
    char family[192]; /* group/bench or bench */
    char others[128]; /* the name after the first argument: "" or e.g.
                         "/k:8/threads:2" */
} instance;

/* The registered benchmarks in definition order (linked through ->next). */
const mb_bench *registry_first(void);
/* Forgets every registration (tests only). */
void registry_reset(void);
/* The first registration mb_register refused (one line), or NULL. */
const char *registry_error(void);

/* Expands benchmarks into instances: one per argument (or combination of
 * .product's lists, the first varying slowest) and thread count. *out is
 * malloc'd (caller frees). Returns MB_ERR_USAGE with err set for an invalid
 * definition (bad range, more than one of .args/.range/.product, names
 * that do not match the arguments, bad thread counts, duplicate full
 * names). */
mb_status registry_expand(const mb_bench *first, instance **out, size_t *n,
                          char *err, size_t errlen);

/* Keeps the instances whose full name matches the POSIX extended regex.
 * MB_ERR_USAGE with err set for a regex that does not compile or one that
 * matches nothing. NULL regex keeps all. */
mb_status registry_filter(instance *insts, size_t *n, const char *regex,
                          char *err, size_t errlen);

#endif
