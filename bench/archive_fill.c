/* Builds an archive of many runs, to measure `microbe list` and `microbe
 * report` at scale (issue 14: list of 10,000 runs under 1 s):
 *   ./build/bench/archive_fill DIR [RUNS [BENCHMARKS [SAMPLES]]]
 * saves RUNS (default 10000) runs of BENCHMARKS (default 12, the example
 * suite's size) x SAMPLES (default 50) through archive_save, as bench
 * programs do, then e.g.
 *   /usr/bin/time -v build/tools/microbe list --archive=DIR >/dev/null
 * Not a test: the figures depend on the machine. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"

static mb_run *make(int nb, int ns, int k)
{
    mb_run *run = run_create();
    unsigned s = 1u + (unsigned)k;
    run_ctx_str(run, "cpu_brand", "Intel(R) Xeon(R) Platinum 8480+");
    run_ctx_str(run, "date", "2026-12-01T10:00:00+0000");
    for (int b = 0; b < nb; b++) {
        mb_result *r = run_add_result(run);
        char nm[64];
        snprintf(nm, sizeof nm, "find_duplicates/v%d/%d", b % 2, 4 << (b / 2));
        r->name = strdup(nm);
        snprintf(nm, sizeof nm, "find_duplicates/v%d", b % 2);
        r->family = strdup(nm);
        r->group = strdup("find_duplicates");
        r->bench = strdup(nm + 16);
        r->arg = 4 << (b / 2);
        r->has_arg = true;
        double per = 10.0 * (1 + b), iters = floor(1e5 / per) + 1;
        for (int i = 0; i < ns; i++) {
            s = s * 1103515245u + 12345u;
            double v = per * iters * (1 + 0.05 * ((s >> 8) / 16777216.0 - 0.5));
            result_add_sample(r, iters, round(v), NULL, 0,
                              (uint16_t)(i * 5 / ns));
        }
    }
    return run;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: archive_fill DIR [RUNS [BENCHMARKS "
                        "[SAMPLES]]]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 10000;
    int nb = argc > 3 ? atoi(argv[3]) : 12;
    int ns = argc > 4 ? atoi(argv[4]) : 50;
    char err[512];
    /* One run summarised once (as a bench program would), saved with a
     * different commit each time. */
    mb_run *run = make(nb, ns, 0);
    run_summarize(run);
    for (int k = 0; k < runs; k++) {
        char commit[48];
        snprintf(commit, sizeof commit, "%08x%032d", (unsigned)k * 2654435761u, 0);
        run_ctx_str(run, "git_commit", commit);
        mb_status st = archive_save(argv[1], run, k == 0 ? "main" : NULL, NULL,
                                    0, err, sizeof err);
        if (st != MB_OK) {
            fprintf(stderr, "archive_fill: %s\n", err);
            return 2;
        }
    }
    run_free(run);
    printf("saved %d runs of %d benchmarks x %d samples in %s\n", runs, nb, ns,
           argv[1]);
    return 0;
}
