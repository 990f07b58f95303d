/* For tests: how many of a run's warnings contain a text. */
#ifndef MB_TEST_RUN_WARNINGS_H
#define MB_TEST_RUN_WARNINGS_H

#include <stddef.h>
#include <string.h>

#include "run.h"

static inline size_t warnings_with(const mb_run *run, const char *text)
{
    size_t k = 0;
    for (size_t i = 0; i < run->nwarnings; i++)
        k += strstr(run->warnings[i], text) != NULL;
    return k;
}

#endif
