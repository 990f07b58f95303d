/* libFuzzer target: an archive file as `microbe show` reads it (zstd with
 * or without the index frame, or plain JSON) through archive_decode and
 * json_load_run; what loads must serialise and load again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "json.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL, err[512];
    size_t len = 0;
    if (archive_decode("<fuzz>", data, size, &text, &len, err, sizeof err) !=
        MB_OK)
        return 0;
    mb_run *run = NULL;
    if (json_load_run(text, len, "<fuzz>", &run, err, sizeof err) == MB_OK) {
        size_t n = 0;
        char *again = json_dump_run_compact(run, &n);
        mb_run *back = NULL;
        if (again &&
            json_load_run(again, n, "<again>", &back, err, sizeof err) != MB_OK)
            abort(); /* the writer wrote what the loader refuses */
        run_free(back);
        free(again);
    }
    run_free(run);
    free(text);
    return 0;
}
