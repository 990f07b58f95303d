/* Flag parsing for bench programs; strict: every malformed value is an
 * error, never silently a default. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_usage[] =
    "usage: %s [options]            (man microbe-bench for more)\n"
    "Selecting and running\n"
    "  --list                 full names of the benchmarks, one a line\n"
    "  --filter=REGEX         only names matching the POSIX ERE; -REGEX: not "
    "matching\n"
    "  --dry-run              each benchmark once, one iteration: do they all "
    "run?\n"
    "  --min-time=SEC         measuring time per benchmark and argument (0.1)\n"
    "  --samples=N            samples per benchmark (50; what fits for slow "
    "bodies)\n"
    "  --rounds=N             rounds, each in a fresh process (5)\n"
    "  --cpu=N|none           pin to CPU N (default: the least busy one, "
    "reported)\n"
    "  --counters=EV1,EV2     PAPI events (default: what the machine offers)\n"
    "  --measure=time|instructions  time, or exact counts under Valgrind\n"
    "  --count-allocs=yes|no  count allocations per iteration, untimed (yes)\n"
    "Output\n"
    "  --format=FMT           what stdout gets: console (default), json, csv,\n"
    "                         markdown, bmf (Bencher) or gh-bench\n"
    "                         (github-action-benchmark)\n"
    "  --out=FILE             the report into FILE instead of stdout, or with\n"
    "  --out-format=FMT       FILE in FMT while stdout keeps --format\n"
    "  --time-unit=ns|us|ms|s one unit for every time (default: by size)\n"
    "  --no-step-summary      no markdown appended to $GITHUB_STEP_SUMMARY\n"
    "Baselines and the gate\n"
    "  --save-baseline=NAME   archive the run as baseline NAME (./.microbe)\n"
    "  --baseline=NAME        compare with baseline NAME: change and verdict\n"
    "  --fail-on-regression   exit 1 if one is slower or allocates more per "
    "iter\n"
    "  --fail-on-inconclusive exit 1 also if a verdict is inconclusive\n"
    "  --threshold=PCT        smallest change that matters (3)\n"
    "  --alpha=P              significance level over the whole suite (0.05)\n"
    "  --why, --why-old=PROG  slower ones: the functions that moved "
    "(callgrind)\n"
    "  --max-time=SEC         rounds added while inconclusive, within SEC (0: "
    "none)\n"
    "  --archive=DIR          archive location (./.microbe); --help, "
    "--version\n"
    "The table\n"
    "  time/iter      median time per iteration (ns, µs, ms or s)\n"
    "  95%% CI (runs)  where the median of a fresh run would fall; *: < 3 "
    "rounds\n"
    "  rounds ±N%%     spread between the rounds' medians (fresh processes)\n"
    "  outliers       Tukey fences: N mild (beyond 1.5 IQR), N severe (3 "
    "IQR),\n"
    "                 3+2 sev: 3 mild and 2 severe; -: none\n"
    "  throughput     items or bytes per second (.items, .bytes)\n"
    "  PAPI_*, IPC    hardware counters per iteration, where the machine has "
    "them\n"
    "  allocs alloc'd allocations and bytes per iteration (the counting pass)\n"
    "  vs fastest     median over the group's fastest at the same argument\n"
    "  then each variant's fitted complexity, and the n where variants cross "
    "over\n"
    "  instr/iter, est. cycles, L1/LL/br miss: --measure=instructions' "
    "columns\n"
    "  against a baseline: base, now, change, CI (suite 95%%: Holm-adjusted),\n"
    "  verdict: slower/faster (significant and past --threshold), unchanged\n"
    "  (interval inside +-threshold), inconclusive (reaches past it), new, "
    "gone,\n"
    "  failed; note: lines for more allocations, complexity, environment\n"
    "Every flag but --list/--help/--version also from MICROBE_<FLAG>\n"
    "(MICROBE_MIN_TIME=0.5, MICROBE_FILTER=-hash); the flag wins.\n"
    "exit: 0 ok; 1 regression (with --fail-on-...); 2 usage error, archive or\n"
    "baseline unreadable, a benchmark crashed\n";

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
    static const char *const names[] = {"console",  "json", "csv",
                                        "markdown", "bmf",  "gh-bench"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (out_format)i;
            return true;
        }
    return false;
}

bool cli_format_is_data(out_format f)
{
    return f != FMT_CONSOLE && f != FMT_MARKDOWN;
}

/* Every flag; the value may follow after '=' or as the next argument.
 * env: the flag may also come from MICROBE_<NAME> (upper case, '-' as
 * '_'); a flag on the command line wins over its variable. */
static const struct flag {
    const char *name;
    bool takes, env;
} flags[] = {
    {"list", false, false},
    {"help", false, false},
    {"version", false, false},
    {"dry-run", false, true},
    {"fail-on-regression", false, true},
    {"fail-on-inconclusive", false, true},
    {"no-step-summary", false, true},
    {"why", false, true},
    {"filter", true, true},
    {"min-time", true, true},
    {"samples", true, true},
    {"rounds", true, true},
    {"cpu", true, true},
    {"counters", true, true},
    {"measure", true, true},
    {"format", true, true},
    {"out", true, true},
    {"out-format", true, true},
    {"time-unit", true, true},
    {"count-allocs", true, true},
    {"save-baseline", true, true},
    {"baseline", true, true},
    {"why-old", true, true},
    {"threshold", true, true},
    {"alpha", true, true},
    {"max-time", true, true},
    {"archive", true, true},
    {"mb-worker", true, false},
};
#define NFLAGS (sizeof flags / sizeof *flags)

static const struct flag *find_flag(const char *name)
{
    for (size_t k = 0; k < NFLAGS; k++)
        if (strcmp(name, flags[k].name) == 0)
            return &flags[k];
    return NULL;
}

/* "MICROBE_MIN_TIME" for "min-time". */
static void env_name(const char *flag, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "MICROBE_");
    for (const char *c = flag; *c && k + 1 < len; c++)
        buf[k++] = *c == '-'
                       ? '_'
                       : (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    buf[k < len ? k : len - 1] = '\0';
}

size_t cli_env_names(const char **names, size_t max)
{
    static char buf[NFLAGS][40];
    size_t n = 0;
    for (size_t k = 0; k < NFLAGS; k++)
        if (flags[k].env) {
            env_name(flags[k].name, buf[k], sizeof buf[k]);
            if (n < max)
                names[n] = buf[k];
            n++;
        }
    return n;
}

bool cli_parse_time_unit(const char *s, double *ns)
{
    static const char *const names[] = {"ns", "us", "ms", "s"};
    static const double scale[] = {1, 1e3, 1e6, 1e9};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) {
            if (ns)
                *ns = scale[i];
            return true;
        }
    return false;
}

/* A yes/no value of a boolean variable. */
static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off", ""};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(v, yes[i]) == 0)
            return *out = true;
    for (size_t i = 0; i < 5; i++)
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    return false;
}

/* Sets flag f from value v (NULL for a plain flag given on the command
 * line). `who` names where it came from in errors: "--min-time" or
 * "MICROBE_MIN_TIME". */
static mb_status apply(cli_opts *o, const struct flag *f, const char *v,
                       const char *who, char *err, size_t errlen)
{
#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(err, errlen, __VA_ARGS__);                                    \
        return MB_ERR_USAGE;                                                   \
    } while (0)
    const char *name = f->name;
    long l;
    double d;
    if (!f->takes) {
        bool on = true;
        if (v && !parse_bool(v, &on))
            FAIL("%s: '%s' is not 1/true/yes/on or 0/false/no/off", who, v);
        if (strcmp(name, "list") == 0)
            o->list = on;
        else if (strcmp(name, "help") == 0)
            o->help = on;
        else if (strcmp(name, "version") == 0)
            o->version = on;
        else if (strcmp(name, "dry-run") == 0)
            o->dry_run = on;
        else if (strcmp(name, "no-step-summary") == 0)
            o->no_step_summary = on;
        else if (strcmp(name, "fail-on-inconclusive") == 0)
            o->fail_on_inconclusive = on;
        else if (strcmp(name, "why") == 0)
            o->why = on;
        else
            o->fail_on_regression = on;
        return MB_OK;
    }
    if (strcmp(name, "filter") == 0)
        o->filter = v;
    else if (strcmp(name, "min-time") == 0) {
        if (!cli_parse_double(v, &d) || d <= 0 || d > 3600)
            FAIL("%s: '%s' is not a number of seconds in (0, 3600]", who, v);
        o->min_time = d;
    } else if (strcmp(name, "samples") == 0) {
        if (!cli_parse_int(v, 1, 1000000, &l))
            FAIL("%s: '%s' is not a whole number from 1 to 1000000", who, v);
        o->samples = (int)l;
    } else if (strcmp(name, "rounds") == 0) {
        if (!cli_parse_int(v, 1, 1000, &l))
            FAIL("%s: '%s' is not a whole number from 1 to 1000", who, v);
        o->rounds = (int)l;
    } else if (strcmp(name, "cpu") == 0) {
        if (strcmp(v, "none") == 0)
            o->cpu = CPU_NONE;
        else if (!cli_parse_int(v, 0, 1 << 20, &l))
            FAIL("%s: '%s' is not a CPU number or 'none'", who, v);
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
            FAIL("%s: unknown measure '%s' (time or instructions)", who, v);
    } else if (strcmp(name, "format") == 0 || strcmp(name, "out-format") == 0) {
        out_format fmt;
        if (!cli_parse_format(v, &fmt))
            FAIL("%s: unknown format '%s' (" CLI_FORMATS ")", who, v);
        if (name[0] == 'f')
            o->format = fmt;
        else {
            o->out_format = fmt;
            o->has_out_format = true;
        }
    } else if (strcmp(name, "time-unit") == 0) {
        if (!cli_parse_time_unit(v, NULL))
            FAIL("%s: unknown time unit '%s' (ns, us, ms or s)", who, v);
        o->time_unit = v;
    } else if (strcmp(name, "count-allocs") == 0) {
        bool on;
        if (!parse_bool(v, &on) || !*v)
            FAIL("%s: '%s' is not yes or no", who, v);
        o->no_alloc_count = !on;
    } else if (strcmp(name, "out") == 0) {
        if (!*v)
            FAIL("%s needs a file name", who);
        o->out = v;
    } else if (strcmp(name, "save-baseline") == 0)
        o->save_baseline = v;
    else if (strcmp(name, "baseline") == 0)
        o->baseline = v;
    else if (strcmp(name, "why-old") == 0) {
        if (!*v)
            FAIL("%s needs the old build's program", who);
        o->why_old = v;
    } else if (strcmp(name, "threshold") == 0) {
        if (!cli_parse_double(v, &d) || d < 0 || d >= 1000)
            FAIL("%s: '%s' is not a percentage in [0, 1000)", who, v);
        o->threshold = d / 100;
    } else if (strcmp(name, "alpha") == 0) {
        if (!cli_parse_double(v, &d) || d <= 0 || d >= 1)
            FAIL("%s: '%s' is not a probability in (0, 1)", who, v);
        o->alpha = d;
    } else if (strcmp(name, "max-time") == 0) {
        if (!cli_parse_double(v, &d) || d < 0 || d > 86400)
            FAIL("%s: '%s' is not a number of seconds in [0, 86400]", who, v);
        o->max_time = d;
        o->max_time_set = true;
    } else if (strcmp(name, "archive") == 0) {
        if (!*v)
            FAIL("%s needs a directory", who);
        o->archive = v;
    } else if (strcmp(name, "mb-worker") == 0)
        o->worker = v;
    return MB_OK;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return SIZE_MAX;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cli_suggest(const char *name, const char *const *known, size_t n)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t k = 0; k < n; k++) {
        size_t d = edit_distance(name, known[k]);
        if (d < bd && 2 * d < strlen(known[k])) {
            bd = d;
            best = known[k];
        }
    }
    return best;
}

void cli_print_error(const char *prog, const char *kind, const char *msg)
{
    char line[2048];
    size_t k = 0;
    for (const char *c = msg; *c && k + 5 < sizeof line; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x20 || u == 0x7f)
            k += (size_t)snprintf(line + k, sizeof line - k, "\\x%02x", u);
        else
            line[k++] = *c;
    }
    line[k] = '\0';
    fprintf(stderr, "%s: %s: %s\n", prog, kind, line);
}

bool cli_stdout_ok(void)
{
    /* fflush reports the failure of what is still buffered, ferror that
     * of what was written before. */
    errno = 0;
    bool ok = fflush(stdout) == 0 && !ferror(stdout);
    if (!ok && errno == 0)
        errno = EIO;
    return ok;
}

/* "(did you mean --x? see --help)" or "(see --help)" into buf. */
static const char *hint(const char *name, char *buf, size_t n)
{
    const char *known[NFLAGS];
    size_t k = 0;
    for (size_t i = 0; i < NFLAGS; i++)
        if (strcmp(flags[i].name, "mb-worker") != 0)
            known[k++] = flags[i].name;
    const char *s = cli_suggest(name, known, k);
    if (s)
        snprintf(buf, n, "(did you mean --%s? see --help)", s);
    else
        snprintf(buf, n, "(see --help)");
    return buf;
}

mb_status cli_parse(int argc, char **argv, cli_opts *o, char *err,
                    size_t errlen)
{
    char why[80];
    memset(o, 0, sizeof *o);
    o->cpu = CPU_AUTO;
    o->threshold = CLI_DEFAULT_THRESHOLD;
    o->alpha = CLI_DEFAULT_ALPHA;
    /* Which flags the command line sets: their variables are not read. */
    bool given[NFLAGS] = {false};
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
        const struct flag *f = find_flag(name);
        if (!f)
            FAIL("unknown flag '%s' %s", a, hint(name, why, sizeof why));
        if (f->takes && !v) {
            if (i + 1 >= argc)
                FAIL("--%s needs a value", name);
            v = argv[++i];
        }
        if (!f->takes && v)
            FAIL("--%s takes no value", name);
        char who[40];
        snprintf(who, sizeof who, "--%s", name);
        mb_status st = apply(o, f, v, who, err, errlen);
        if (st != MB_OK)
            return st;
        given[f - flags] = true;
    }
    /* The worker processes of a run take their orders from the parent. */
    if (o->worker)
        return MB_OK;
    for (size_t k = 0; k < NFLAGS; k++) {
        if (!flags[k].env || given[k])
            continue;
        char var[40];
        env_name(flags[k].name, var, sizeof var);
        const char *v = getenv(var);
        if (!v || (!*v && flags[k].takes))
            continue;
        mb_status st = apply(o, &flags[k], v, var, err, errlen);
        if (st != MB_OK)
            return st;
    }
    if (o->fail_on_regression && !o->baseline)
        FAIL("--fail-on-regression needs --baseline=NAME to compare with");
    if (o->fail_on_inconclusive && !o->baseline)
        FAIL("--fail-on-inconclusive needs --baseline=NAME to compare with");
    if (o->why_old)
        o->why = true;
    if (o->why && !o->baseline)
        FAIL("--why explains a comparison: it needs --baseline=NAME");
    if (o->max_time_set && !o->baseline)
        FAIL("--max-time needs --baseline=NAME: it bounds the looks of a "
             "baseline comparison");
    if (o->has_out_format && !o->out)
        FAIL("--out-format needs --out=FILE to write to");
#undef FAIL
    return MB_OK;
}
