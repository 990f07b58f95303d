/* libFuzzer target: a JSON document as `microbe compare` reads a Google
 * Benchmark file (json_load_run; documents without microbe_format go to
 * the importer, core/gbench.c). */
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    mb_run *run = NULL;
    if (json_load_run((const char *)data, size, "<fuzz>", &run, err,
                      sizeof err) == MB_OK &&
        !run)
        abort();
    run_free(run);
    return 0;
}
