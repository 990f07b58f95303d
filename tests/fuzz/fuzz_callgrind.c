/* libFuzzer target: callgrind's output files as --measure=instructions
 * reads them (cg_parse). */
#include <stdint.h>
#include <stdlib.h>

#include "callgrind.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_part *parts = NULL;
    size_t n = 0;
    char err[256];
    if (cg_parse((const char *)data, size, &parts, &n, err, sizeof err) ==
        MB_OK)
        for (size_t i = 0; i < n; i++)
            (void)cg_value(&parts[i], "Ir");
    free(parts);
    return 0;
}
