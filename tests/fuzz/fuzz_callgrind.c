/* libFuzzer target: callgrind's output files as --measure=instructions
 * reads them: the totals (cg_parse) and the per-function records
 * (cg_parse_functions), the profile of two parts of the same input taken
 * as batches (profile_from_batches) and the difference of two such
 * profiles (profile_diff). */
#include <stdint.h>
#include <stdlib.h>

#include "callgrind.h"
#include "profile.h"

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

    cg_fnset *sets = NULL;
    size_t ns = 0;
    if (cg_parse_functions((const char *)data, size, &sets, &ns, err,
                           sizeof err) != MB_OK)
        return 0;
    /* The first part as the short batch, the last as the long one, and
     * the other way round. */
    mb_profile *a = profile_from_batches(&sets[0], &sets[ns - 1], 3);
    mb_profile *b = profile_from_batches(&sets[ns - 1], &sets[0], 1);
    if (a && b) {
        pf_diff *d = profile_diff(a, b);
        if (d) {
            char text[1024];
            pf_why_text(d, PF_MAX_LISTED, text, sizeof text);
        }
        pf_diff_free(d);
    }
    profile_free(a);
    profile_free(b);
    cg_fnsets_free(sets, ns);
    return 0;
}
