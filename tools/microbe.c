/* microbe: the command-line tool over the archive and bench programs:
 * list, show, compare, ab, report and prune (SPEC §6). Exit codes as the
 * bench programs': 0 ok, 1 significant slowdown with --fail-on-regression,
 * 2 anything wrong, always with one line on stderr saying why. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "compare.h"
#include "json.h"
#include "report.h"
#include "run.h"
#include "tool.h"
#include "why.h"

static const char usage[] =
    "usage: microbe COMMAND [options]             (man microbe for more)\n"
    "  list                    runs and baselines in the archive\n"
    "  show RUN                one run as a table\n"
    "  compare OLD NEW         verdicts between two runs, baselines or files\n"
    "  ab OLD_BIN NEW_BIN [-- BENCH FLAGS]\n"
    "                          two bench programs run interleaved on one CPU,\n"
    "                          round by round, compared paired\n"
    "  report [RUN]            one HTML page: RUN's samples and complexity "
    "curves,\n"
    "                          the archive's history (RUN default: the "
    "latest)\n"
    "  report OLD NEW, report --baseline=OLD [RUN]\n"
    "                          the same with a comparison view\n"
    "  prune --keep=N          delete all but the newest N runs\n"
    "RUN, OLD, NEW: a baseline name, a run id or unique prefix, \"latest\", or "
    "a\n"
    "file (.json.zst, .json; Google Benchmark's JSON too)\n"
    "options (where they apply)\n"
    "  --archive=DIR           archive location (./.microbe, or "
    "$MICROBE_ARCHIVE)\n"
    "  --format=FMT            show, compare, ab: console (default), json, "
    "csv,\n"
    "                          markdown, bmf (Bencher), gh-bench\n"
    "  --fail-on-regression    exit 1 if one is slower or allocates more per "
    "iter\n"
    "  --fail-on-inconclusive  exit 1 also if a verdict is inconclusive\n"
    "  --threshold=PCT         smallest change that matters (3)\n"
    "  --alpha=P               significance level over the whole suite (0.05)\n"
    "  --no-step-summary       compare, ab: nothing into $GITHUB_STEP_SUMMARY\n"
    "  --rounds=N              ab: rounds (24; more for very large suites)\n"
    "  --min-time=SEC          ab: measuring time per benchmark and round\n"
    "                          (0.1 s / rounds)\n"
    "  --max-time=SEC          ab: wall-time budget: rounds are added while a\n"
    "                          verdict is inconclusive (3x the first look; 0: "
    "none)\n"
    "  --cpu=N|none            ab: the CPU both sides are pinned to (default: "
    "the\n"
    "                          least busy one no other microbe run holds)\n"
    "  --seed=N                ab: seed of the order within rounds\n"
    "  --why                   ab, compare: rerun the slower benchmarks under\n"
    "                          callgrind, name the functions whose cost moved\n"
    "  --why-old=BIN, --why-new=BIN  compare: the programs (default: those "
    "the\n"
    "                          runs record, while unchanged)\n"
    "  --out=FILE              report: the HTML file (microbe-report.html; -: "
    "stdout)\n"
    "  --keep=N                prune: runs to keep\n"
    "  --help, --version       (COMMAND --help: its usage line)\n"
    "The comparison table: base, now, change (now/base - 1), CI (suite 95%: "
    "the\n"
    "interval, Holm-adjusted over the suite, the verdict is decided by), "
    "verdict:\n"
    "slower/faster (significant and past --threshold), unchanged (inside\n"
    "+-threshold), inconclusive (reaches past it), new, gone, failed; note: "
    "lines\n"
    "for more allocations, a changed complexity, a different environment.\n"
    "show's table: as a bench program's (see its --help or microbe-bench(7)).\n"
    "exit: 0 ok; 1 regression (with --fail-on-...); 2 error\n";

int tool_fail(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cli_print_error("microbe", "error", buf);
    return 2;
}

bool tool_write(FILE *f, out_format fmt, const mb_run *run,
                const cmp_result *cmp)
{
    if (fmt != FMT_JSON)
        return report_write(f, fmt, run, cmp,
                            f == stdout && isatty(STDOUT_FILENO));
    /* The bench programs' document: Google Benchmark's keys, microbe's
     * samples, and the verdicts under "comparison". */
    return json_write_compared(f, run, cmp);
}

int tool_verdict_exit(const cmp_result *cmp, const tool_opts *o,
                      const char *what)
{
    char msg[1024];
    if (!cmp_gate(cmp, o->fail_on_regression, o->fail_on_inconclusive, what,
                  msg, sizeof msg))
        return 0;
    cli_print_error("microbe", "regression", msg);
    return 1;
}

/* ---- Options ------------------------------------------------------------- */

/* Flag bits: which flags a subcommand accepts. */
enum {
    F_ARCHIVE = 1 << 0,
    F_FORMAT = 1 << 1,
    F_VERDICT = 1 << 2, /* --threshold, --alpha, --fail-on-... */
    F_KEEP = 1 << 3,
    F_AB = 1 << 4,  /* --rounds, --min-time, --cpu, --seed */
    F_OUT = 1 << 5, /* report: --out, --baseline, --threshold, --alpha */
    F_WHY = 1 << 6, /* compare: --why, --why-old, --why-new */
};

typedef struct command {
    const char *name;
    int flags;
    int min_pos, max_pos;
    const char *pos_usage;
    int (*run)(const tool_opts *o);
} command;

/* Parses argv[1..] of subcommand c into *o. 0 on success, else 2 after
 * printing why. */
static int parse(const command *c, int argc, char **argv, tool_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = CLI_DEFAULT_THRESHOLD;
    o->alpha = CLI_DEFAULT_ALPHA;
    o->keep = -1;
    o->cpu = CPU_AUTO;
    o->seed = 0x6d6963726f6265ull; /* "microbe" */
    static const char *const valued[] = {
        "archive",  "format",   "threshold", "alpha",   "keep",
        "rounds",   "min-time", "cpu",       "seed",    "out",
        "baseline", "max-time", "why-old",   "why-new",
    };
    /* With valued, every flag some command takes (a new flag goes into
     * one of the two, or it is reported unknown). */
    static const char *const plain[] = {
        "fail-on-regression", "fail-on-inconclusive", "why", "no-step-summary"};
    const char
        *known[sizeof valued / sizeof *valued + sizeof plain / sizeof *plain];
    size_t nknown = 0;
    for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
        known[nknown++] = valued[k];
    for (size_t k = 0; k < sizeof plain / sizeof *plain; k++)
        known[nknown++] = plain[k];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            if (!(c->flags & F_AB))
                return tool_fail("%s: unexpected '--' (see microbe --help)",
                                 c->name);
            o->pass = argv + i + 1;
            o->npass = argc - i - 1;
            break;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (o->npos >= c->max_pos)
                return tool_fail("%s: unexpected argument '%s' (usage: "
                                 "microbe %s %s)",
                                 c->name, a, c->name, c->pos_usage);
            o->pos[o->npos++] = a;
            continue;
        }
        char name[32];
        const char *eq = strchr(a + 2, '=');
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nl >= sizeof name)
            return tool_fail("%s: unknown flag '%s' (see microbe --help)",
                             c->name, a);
        memcpy(name, a + 2, nl);
        name[nl] = '\0';
        const char *v = eq ? eq + 1 : NULL;
        bool takes = false, is_known = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
            takes |= strcmp(name, valued[k]) == 0;
        for (size_t k = 0; k < nknown; k++)
            is_known |= strcmp(name, known[k]) == 0;
        if (!is_known) {
            const char *near = cli_suggest(name, known, nknown);
            if (near)
                return tool_fail("%s: unknown flag '%s' (did you mean --%s? "
                                 "see microbe --help)",
                                 c->name, a, near);
            return tool_fail("%s: unknown flag '%s' (see microbe --help)",
                             c->name, a);
        }
        if (takes && !v) {
            if (i + 1 >= argc)
                return tool_fail("%s: --%s needs a value", c->name, name);
            v = argv[++i];
        }
        if (!takes && v)
            return tool_fail("%s: --%s takes no value", c->name, name);
        long l;
        double d;
        int f = c->flags;
#define BAD(...) return tool_fail(__VA_ARGS__)
        if ((f & F_ARCHIVE) && strcmp(name, "archive") == 0) {
            if (!*v)
                BAD("%s: --archive needs a directory", c->name);
            o->archive = v;
        } else if ((f & F_FORMAT) && strcmp(name, "format") == 0) {
            if (!cli_parse_format(v, &o->format))
                BAD("%s: --format: unknown format '%s' (" CLI_FORMATS ")",
                    c->name, v);
        } else if ((f & (F_VERDICT | F_OUT)) &&
                   strcmp(name, "threshold") == 0) {
            if (!cli_parse_double(v, &d) || d < 0 || d >= 1000)
                BAD("%s: --threshold: '%s' is not a percentage in [0, "
                    "1000)",
                    c->name, v);
            o->threshold = d / 100;
        } else if ((f & (F_VERDICT | F_OUT)) && strcmp(name, "alpha") == 0) {
            if (!cli_parse_double(v, &d) || d <= 0 || d >= 1)
                BAD("%s: --alpha: '%s' is not a probability in (0, 1)", c->name,
                    v);
            o->alpha = d;
        } else if ((f & F_VERDICT) && strcmp(name, "fail-on-regression") == 0) {
            o->fail_on_regression = true;
        } else if ((f & F_VERDICT) &&
                   strcmp(name, "fail-on-inconclusive") == 0) {
            o->fail_on_inconclusive = true;
        } else if ((f & F_VERDICT) && strcmp(name, "no-step-summary") == 0) {
            o->no_step_summary = true;
        } else if ((f & F_KEEP) && strcmp(name, "keep") == 0) {
            if (!cli_parse_int(v, 0, 1000000000, &l))
                BAD("%s: --keep: '%s' is not a whole number >= 0", c->name, v);
            o->keep = l;
        } else if ((f & F_AB) && strcmp(name, "rounds") == 0) {
            if (!cli_parse_int(v, 2, 1000, &l))
                BAD("%s: --rounds: '%s' is not a whole number from 2 to "
                    "1000",
                    c->name, v);
            o->rounds = l;
        } else if ((f & F_AB) && strcmp(name, "min-time") == 0) {
            if (!cli_parse_double(v, &d) || d <= 0 || d > 3600)
                BAD("%s: --min-time: '%s' is not a number of seconds in "
                    "(0, 3600]",
                    c->name, v);
            o->min_time = d;
        } else if ((f & F_AB) && strcmp(name, "max-time") == 0) {
            if (!cli_parse_double(v, &d) || d < 0 || d > 86400)
                BAD("%s: --max-time: '%s' is not a number of seconds in "
                    "[0, 86400]",
                    c->name, v);
            o->max_time = d;
            o->max_time_set = true;
        } else if ((f & F_AB) && strcmp(name, "cpu") == 0) {
            if (strcmp(v, "none") == 0)
                o->cpu = CPU_NONE;
            else if (!cli_parse_int(v, 0, 1 << 20, &l))
                BAD("%s: --cpu: '%s' is not a CPU number or 'none'", c->name,
                    v);
            else
                o->cpu = (int)l;
        } else if ((f & (F_AB | F_WHY)) && strcmp(name, "why") == 0) {
            o->why = true;
        } else if ((f & F_WHY) && (strcmp(name, "why-old") == 0 ||
                                   strcmp(name, "why-new") == 0)) {
            if (!*v)
                BAD("%s: --%s needs a bench program", c->name, name);
            struct stat sb;
            errno = 0;
            if (stat(v, &sb) != 0 || !S_ISREG(sb.st_mode) ||
                access(v, X_OK) != 0)
                BAD("%s: --%s: '%s' is not an executable file%s%s", c->name,
                    name, v, errno ? ": " : "", errno ? strerror(errno) : "");
            o->why = true;
            o->why_prog[name[4] == 'n'] = v;
        } else if ((f & F_AB) && strcmp(name, "seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 0);
            if (!*v || *end || errno || *v == '-')
                BAD("%s: --seed: '%s' is not a whole number >= 0", c->name, v);
            o->seed = s;
        } else if ((f & F_OUT) && strcmp(name, "baseline") == 0) {
            if (!*v)
                BAD("%s: --baseline needs a baseline name or run", c->name);
            o->baseline = v;
        } else if ((f & F_OUT) && strcmp(name, "out") == 0) {
            if (!*v)
                BAD("%s: --out needs a file name", c->name);
            o->out = v;
        } else {
            BAD("%s: --%s does not apply to %s (see microbe --help)", c->name,
                name, c->name);
        }
#undef BAD
    }
    if (o->npos < c->min_pos)
        return tool_fail("%s: missing argument (usage: microbe %s %s)", c->name,
                         c->name, c->pos_usage);
    if (!o->archive)
        o->archive = archive_default_dir();
    return 0;
}

/* ---- list ---------------------------------------------------------------- */

static int cmd_list(const tool_opts *o)
{
    archive_entry *e = NULL;
    size_t n = 0;
    char err[512];
    if (archive_list(o->archive, &e, &n, err, sizeof err) != MB_OK)
        return tool_fail("list: %s", err);
    if (n == 0) {
        printf("no runs or baselines in %s\n", o->archive);
        archive_list_free(e, n);
        return 0;
    }
    int wname = 4, wdate = 4;
    for (size_t i = 0; i < n; i++) {
        int l = (int)strlen(e[i].name);
        wname = l > wname ? l : wname;
        l = (int)strlen(e[i].date);
        wdate = l > wdate ? l : wdate;
    }
    printf("%-9s %-*s %-*s %-8s %10s  %s\n", "kind", wname, "name", wdate,
           "date", "commit", "benchmarks", "cpu");
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        const char *kind = e[i].kind == ARCHIVE_BASELINE ? "baseline" : "run";
        if (e[i].status != MB_OK) {
            printf("%-9s %-*s error: %s\n", kind, wname, e[i].name,
                   e[i].error ? e[i].error : mb_strerror(e[i].status));
            bad++;
            continue;
        }
        printf("%-9s %-*s %-*s %-8.7s %10zu  %s\n", kind, wname, e[i].name,
               wdate, e[i].date[0] ? e[i].date : "-",
               e[i].commit[0] ? e[i].commit : "-", e[i].nbench,
               e[i].cpu[0] ? e[i].cpu : "-");
    }
    if (bad)
        fprintf(stderr,
                "microbe: warning: %zu file%s in %s could not be "
                "read (listed above)\n",
                bad, bad > 1 ? "s" : "", o->archive);
    archive_list_free(e, n);
    return 0;
}

/* ---- show and compare ---------------------------------------------------- */

/* Loads ref (baseline, run id, "latest" or file) and summarises it. */
static mb_run *load(const tool_opts *o, const char *ref, int *code)
{
    mb_run *run = NULL;
    char err[768];
    if (archive_load(o->archive, ref, &run, err, sizeof err) != MB_OK) {
        *code = tool_fail("%s", err);
        return NULL;
    }
    /* Google Benchmark documents come with point estimates only; a
     * deterministic re-summary gives every run the same intervals. */
    run_summarize(run);
    return run;
}

static int finish_output(int code)
{
    if (!cli_stdout_ok())
        return tool_fail("cannot write to stdout: %s", strerror(errno));
    return code;
}

static int cmd_show(const tool_opts *o)
{
    int code = 2;
    mb_run *run = load(o, o->pos[0], &code);
    if (!run)
        return code;
    bool ok = tool_write(stdout, o->format, run, NULL);
    run_free(run);
    if (!ok)
        return tool_fail("show: cannot write the report: %s",
                         errno ? strerror(errno) : "out of memory");
    return finish_output(0);
}

/* "baseline \"main\"", "the latest run", "run ID" or the file name, in
 * the order archive_load resolves a reference. */
static void describe(const tool_opts *o, const char *ref, char *buf, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/baselines/%s.json.zst", o->archive, ref);
    if (archive_ref_is_path(ref))
        snprintf(buf, len, "%s", ref);
    else if (archive_valid_name(ref) && access(path, F_OK) == 0)
        snprintf(buf, len, "baseline \"%s\"", ref);
    else if (strcmp(ref, "latest") == 0)
        snprintf(buf, len, "the latest run");
    else
        snprintf(buf, len, "run %s", ref);
}

static int cmd_compare(const tool_opts *o)
{
    int code = 2;
    mb_run *old = load(o, o->pos[0], &code), *now = NULL;
    if (!old || !(now = load(o, o->pos[1], &code))) {
        run_free(old);
        return code;
    }
    char err[512];
    if (!cmp_same_measure(old, now, err, sizeof err)) {
        run_free(old);
        run_free(now);
        return tool_fail("compare %s %s: %s", o->pos[0], o->pos[1], err);
    }
    char label[512];
    describe(o, o->pos[0], label, sizeof label);
    cmp_opts co = {
        .alpha = o->alpha, .threshold = o->threshold, .old_name = label};
    cmp_result *cmp = cmp_runs(old, now, &co);
    if (!cmp) {
        run_free(old);
        run_free(now);
        return tool_fail("compare: out of memory");
    }
    /* --why (core/why.c): the slower benchmarks under callgrind on the
     * programs the runs record, or those given. */
    mb_run *instr[2] = {NULL, NULL};
    char now_label[512], werr[1024] = "";
    describe(o, o->pos[1], now_label, sizeof now_label);
    why_runs_cfg wc = {.run = {old, now},
                       .prog = {o->why_prog[0], o->why_prog[1]},
                       .name = {label, now_label},
                       .flag = {"--why-old", "--why-new"},
                       .report = now,
                       .who = "microbe compare",
                       .progress = isatty(STDERR_FILENO)};
    if (o->why && why_runs(&wc, cmp, instr, werr, sizeof werr) != MB_OK) {
        cmp_free(cmp);
        run_free(instr[0]);
        run_free(instr[1]);
        run_free(old);
        run_free(now);
        return tool_fail("compare: --why: %s", werr);
    }
    bool ok = tool_write(stdout, o->format, now, cmp);
    if (ok)
        report_step_summary("microbe", now, cmp, o->no_step_summary);
    if (!ok)
        code = tool_fail("compare: cannot write the report: %s",
                         errno ? strerror(errno) : "out of memory");
    else if ((code = finish_output(0)) == 0)
        code = tool_verdict_exit(cmp, o, label);
    cmp_free(cmp);
    run_free(instr[0]);
    run_free(instr[1]);
    run_free(old);
    run_free(now);
    return code;
}

/* ---- prune --------------------------------------------------------------- */

static int cmd_prune(const tool_opts *o)
{
    if (o->keep < 0)
        return tool_fail("prune: --keep=N is required (the number of "
                         "newest runs to keep)");
    size_t removed = 0;
    char err[512];
    if (archive_prune(o->archive, (size_t)o->keep, &removed, err, sizeof err) !=
        MB_OK)
        return tool_fail("prune: %s", err);
    printf("removed %zu run%s from %s, kept the newest %ld (baselines are "
           "never pruned)\n",
           removed, removed == 1 ? "" : "s", o->archive, o->keep);
    return finish_output(0);
}

static const command commands[] = {
    {"list", F_ARCHIVE, 0, 0, "[--archive=DIR]", cmd_list},
    {"show", F_ARCHIVE | F_FORMAT, 1, 1, "RUN|BASELINE|FILE", cmd_show},
    {"compare", F_ARCHIVE | F_FORMAT | F_VERDICT | F_WHY, 2, 2, "OLD NEW",
     cmd_compare},
    {"ab", F_FORMAT | F_VERDICT | F_AB, 2, 2,
     "OLD_BIN NEW_BIN [options] [-- bench flags]", tool_ab},
    {"report", F_ARCHIVE | F_OUT, 0, 2,
     "[RUN | --baseline=OLD RUN | OLD NEW] [--out=FILE.html]", tool_report},
    {"prune", F_ARCHIVE | F_KEEP, 0, 0, "--keep=N", cmd_prune},
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return tool_fail("no command given (usage: microbe "
                         "list|show|compare|ab|report|prune ...; see "
                         "microbe --help)");
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
        strcmp(a, "help") == 0) {
        fputs(usage, stdout);
        return finish_output(0);
    }
    if (strcmp(a, "--version") == 0) {
        printf("microbe %s\n", MB_VERSION);
        return finish_output(0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(a, commands[i].name) != 0)
            continue;
        for (int k = 2; k < argc; k++) {
            if (strcmp(argv[k], "--") == 0)
                break;
            if (strcmp(argv[k], "--help") == 0) {
                printf("usage: microbe %s %s\n\n", a, commands[i].pos_usage);
                fputs(usage, stdout);
                return finish_output(0);
            }
        }
        tool_opts o;
        int code = parse(&commands[i], argc - 1, argv + 1, &o);
        if (code)
            return code;
        code = commands[i].run(&o);
        /* Whatever a command printed must have arrived (a full disk, a
         * closed pipe): a failure it did not report itself is one here. */
        return code == 2 ? code : finish_output(code);
    }
    if (a[0] == '-')
        return tool_fail("unknown flag '%s' before the command (see "
                         "microbe --help)",
                         a);
    return tool_fail("unknown command '%s' (list, show, compare, ab, report "
                     "or prune; see microbe --help)",
                     a);
}
