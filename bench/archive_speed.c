/* Archive footprint and speed (SPEC 8): size of an archived run of 100
 * benchmarks x 100 samples, and its save and load times. Run by hand:
 * ./build/bench/archive_speed. Not a test: the figures depend on the
 * machine. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "json.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Constant iterations per benchmark, ns varying by ~5%. tick_ns: samples
 * as a TSC harness makes them (ticks / 2.096018 GHz: every digit used);
 * otherwise whole nanoseconds. */
static mb_run *make(int tick_ns)
{
    mb_run *run = run_create();
    unsigned s = 1;
    run_ctx_str(run, "cpu_brand", "AMD EPYC 9R14 96-Core Processor");
    run_ctx_str(run, "date", "2026-11-25T12:34:56Z");
    for (int b = 0; b < 100; b++) {
        mb_result *r = run_add_result(run);
        char nm[64];
        snprintf(nm, sizeof nm, "group/bench%d/%d", b / 10, 1 << (b % 10));
        r->name = strdup(nm);
        snprintf(nm, sizeof nm, "group/bench%d", b / 10);
        r->family = strdup(nm);
        r->group = strdup("group");
        r->bench = strdup(nm + 6);
        r->arg = 1 << (b % 10);
        r->has_arg = true;
        double per = 10.0 * (1 << (b % 10)) * (1 + b / 10);
        double iters = floor(1e6 / per) + 1;
        for (int i = 0; i < 100; i++) {
            s = s * 1103515245u + 12345u;
            double ns =
                per * iters * (1 + 0.05 * ((s >> 8) / 16777216.0 - 0.5));
            ns = tick_ns ? round(ns * 2.096018) / 2.096018 : round(ns);
            result_add_sample(r, iters, ns, NULL, 0, (uint16_t)i);
        }
        r->time.n = 100;
        r->time.median = per;
    }
    return run;
}

int main(void)
{
    char tmpl[] = "/tmp/mb_archive_speed_XXXXXX";
    char *dir = mkdtemp(tmpl);
    char err[512], id[ARCHIVE_ID_MAX];
    if (!dir)
        return 1;
    for (int tick = 1; tick >= 0; tick--) {
        mb_run *run = make(tick);
        size_t len;
        free(json_dump_run_compact(run, &len));
        const int reps = 20;
        double t0 = now();
        for (int i = 0; i < reps; i++)
            if (archive_save(dir, run, "speed", id, sizeof id, err,
                             sizeof err) != MB_OK) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
        double t1 = now();
        mb_run *got = NULL;
        for (int i = 0; i < reps; i++) {
            run_free(got);
            if (archive_load(dir, "speed", &got, err, sizeof err) != MB_OK) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
        }
        double t2 = now();
        char path[1024];
        snprintf(path, sizeof path, "%s/baselines/speed.json.zst", dir);
        struct stat sb;
        stat(path, &sb);
        printf("100 x 100 samples, %s ns: JSON %zu bytes, archived %lld "
               "bytes (%.1f KiB), save %.2f ms, load %.2f ms\n",
               tick ? "tick-derived (17 digits)" : "whole", len,
               (long long)sb.st_size, (double)sb.st_size / 1024,
               (t1 - t0) / reps * 1e3, (t2 - t1) / reps * 1e3);
        run_free(got);
        run_free(run);
        archive_prune(dir, 0, NULL, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) != 0;
}
