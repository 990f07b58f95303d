/* Pinning the process to one CPU. */
#ifndef MB_PIN_H
#define MB_PIN_H

#include <stddef.h>

#include "microbe.h"

/* Pins to CPU `want` (>= 0), or to a CPU chosen among the allowed ones when
 * want is CPU_AUTO (the highest allowed: CPU 0 takes most interrupts).
 * Returns the pinned CPU in *cpu. MB_ERR_USAGE with err set when the CPU
 * does not exist or is not allowed. */
mb_status pin_cpu(int want, int *cpu, char *err, size_t errlen);

#endif
