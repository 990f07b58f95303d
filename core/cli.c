/* Flag parsing for bench programs; strict: every malformed value is an
 * error, never silently a default. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_usage[] =
    "usage: %s [options]\n"
    "  --list                     names of all benchmarks, one a line\n"
    "  --filter=REGEX             run only benchmarks whose full name "
    "matches (POSIX ERE)\n"
    "  --min-time=SEC             measurement time per benchmark and "
    "argument (default 0.1)\n"
    "  --samples=N                samples to collect (default 50)\n"
    "  --rounds=N                 rounds the samples are spread over "
    "(default 5)\n"
    "  --cpu=N | --cpu=none       pin to CPU N (default: one CPU, chosen "
    "and reported)\n"
    "  --counters=EV1,EV2         PAPI events, preset or native (default: "
    "what the machine offers)\n"
    "  --measure=time|instructions  time, or instruction counts under "
    "callgrind\n"
    "  --format=console|json|csv|markdown   --out=FILE\n"
    "  --save-baseline=NAME       archive this run as baseline NAME\n"
    "  --baseline=NAME            compare with baseline NAME\n"
    "  --fail-on-regression       exit 1 if any benchmark is significantly "
    "slower\n"
    "  --threshold=PCT            smallest slowdown that matters (default "
    "3)\n"
    "  --alpha=P                  significance level over the whole suite "
    "(default 0.05)\n"
    "  --archive=DIR              archive location (default ./.microbe, env "
    "MICROBE_ARCHIVE)\n"
    "  --help, --version\n"
    "exit: 0 ok, 1 significant slowdown with --fail-on-regression, 2 usage "
    "error, unreadable archive, missing baseline or a crashed benchmark\n";

bool cli_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool cli_parse_int(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool cli_parse_format(const char *s, out_format *out)
{
    static const char *const names[] = {"console", "json", "csv", "markdown"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (out_format)i;
            return true;
        }
    return false;
}

/* Flags that take a value; the value may follow after '=' or as the next
 * argument. */
static const char *const valued[] = {
    "filter",   "min-time",  "samples", "rounds",  "cpu",
    "counters", "measure",   "format",  "out",     "save-baseline",
    "baseline", "threshold", "alpha",   "archive", "mb-worker",
};

mb_status cli_parse(int argc, char **argv, cli_opts *o, char *err,
                    size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->cpu = CPU_AUTO;
    o->threshold = CLI_DEFAULT_THRESHOLD;
    o->alpha = CLI_DEFAULT_ALPHA;
#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(err, errlen, __VA_ARGS__);                                    \
        return MB_ERR_USAGE;                                                   \
    } while (0)
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0)
            FAIL("unexpected argument '%s' (flags start with --; see --help)",
                 a);
        char name[32];
        const char *eq = strchr(a + 2, '=');
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nl >= sizeof name)
            FAIL("unknown flag '%s' (see --help)", a);
        memcpy(name, a + 2, nl);
        name[nl] = '\0';
        const char *v = eq ? eq + 1 : NULL;
        static const char *const plain[] = {"list", "help", "version",
                                            "fail-on-regression"};
        bool takes = false, known = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
            takes |= strcmp(name, valued[k]) == 0;
        for (size_t k = 0; k < sizeof plain / sizeof *plain; k++)
            known |= strcmp(name, plain[k]) == 0;
        if (!takes && !known)
            FAIL("unknown flag '%s' (see --help)", a);
        if (takes && !v) {
            if (i + 1 >= argc)
                FAIL("--%s needs a value", name);
            v = argv[++i];
        }
        if (!takes && v)
            FAIL("--%s takes no value", name);
        long l;
        double d;
        if (strcmp(name, "list") == 0)
            o->list = true;
        else if (strcmp(name, "help") == 0)
            o->help = true;
        else if (strcmp(name, "version") == 0)
            o->version = true;
        else if (strcmp(name, "fail-on-regression") == 0)
            o->fail_on_regression = true;
        else if (strcmp(name, "filter") == 0)
            o->filter = v;
        else if (strcmp(name, "min-time") == 0) {
            if (!cli_parse_double(v, &d) || d <= 0 || d > 3600)
                FAIL("--min-time: '%s' is not a number of seconds in "
                     "(0, 3600]",
                     v);
            o->min_time = d;
        } else if (strcmp(name, "samples") == 0) {
            if (!cli_parse_int(v, 1, 1000000, &l))
                FAIL("--samples: '%s' is not a whole number from 1 to "
                     "1000000",
                     v);
            o->samples = (int)l;
        } else if (strcmp(name, "rounds") == 0) {
            if (!cli_parse_int(v, 1, 1000, &l))
                FAIL("--rounds: '%s' is not a whole number from 1 to 1000", v);
            o->rounds = (int)l;
        } else if (strcmp(name, "cpu") == 0) {
            if (strcmp(v, "none") == 0)
                o->cpu = CPU_NONE;
            else if (!cli_parse_int(v, 0, 1 << 20, &l))
                FAIL("--cpu: '%s' is not a CPU number or 'none'", v);
            else
                o->cpu = (int)l;
        } else if (strcmp(name, "counters") == 0)
            o->counters = v;
        else if (strcmp(name, "measure") == 0) {
            if (strcmp(v, "time") == 0)
                o->measure = MEASURE_TIME;
            else if (strcmp(v, "instructions") == 0)
                o->measure = MEASURE_INSTRUCTIONS;
            else
                FAIL("--measure: unknown measure '%s' (time or "
                     "instructions)",
                     v);
        } else if (strcmp(name, "format") == 0) {
            if (!cli_parse_format(v, &o->format))
                FAIL("--format: unknown format '%s' (console, json, csv or "
                     "markdown)",
                     v);
        } else if (strcmp(name, "out") == 0) {
            if (!*v)
                FAIL("--out needs a file name");
            o->out = v;
        } else if (strcmp(name, "save-baseline") == 0)
            o->save_baseline = v;
        else if (strcmp(name, "baseline") == 0)
            o->baseline = v;
        else if (strcmp(name, "threshold") == 0) {
            if (!cli_parse_double(v, &d) || d < 0 || d >= 1000)
                FAIL("--threshold: '%s' is not a percentage in [0, 1000)", v);
            o->threshold = d / 100;
        } else if (strcmp(name, "alpha") == 0) {
            if (!cli_parse_double(v, &d) || d <= 0 || d >= 1)
                FAIL("--alpha: '%s' is not a probability in (0, 1)", v);
            o->alpha = d;
        } else if (strcmp(name, "archive") == 0) {
            if (!*v)
                FAIL("--archive needs a directory");
            o->archive = v;
        } else if (strcmp(name, "mb-worker") == 0)
            o->worker = v;
        else
            FAIL("unknown flag '%s' (see --help)", a);
    }
    if (o->fail_on_regression && !o->baseline)
        FAIL("--fail-on-regression needs --baseline=NAME to compare with");
#undef FAIL
    return MB_OK;
}
