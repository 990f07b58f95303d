/* The instructions backend's setup (core/measure_cg.c, the only file that
 * includes <valgrind/callgrind.h>): the worker under Valgrind
 * (core/callgrind.c) says where callgrind's dumps go, how to size the
 * batches from the probe's dump, and which instance runs. */
#ifndef MB_MEASURE_CG_H
#define MB_MEASURE_CG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Iterations the second collected batch runs beyond the first, from the
 * dump file of the probe batch. */
typedef uint64_t (*measure_cg_sizer)(const char *probe_dump);

/* dump_base: callgrind's --callgrind-out-file (dumps are base.1, base.2,
 * ...). Call once before the first instance. */
void measure_cg_init(const char *dump_base, measure_cg_sizer sizer);
/* The instance about to run: its index and full name label its dumps. */
void measure_cg_instance(size_t inst, const char *name);
/* True when this process runs under Valgrind (false when built without
 * <valgrind/callgrind.h>). */
bool measure_cg_on_valgrind(void);

#endif
