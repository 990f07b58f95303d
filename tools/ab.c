/* microbe ab: two bench programs measured interleaved, round by round, on
 * one CPU, and compared paired by round.
 *
 * The protocol (docs/ab.md says the same for users):
 *  1. Both programs must be microbe bench programs: `BIN --version` prints
 *     "microbe VERSION".
 *  2. `BIN --list [bench flags]` gives each side's benchmarks; benchmarks on
 *     one side only are reported new/gone; no benchmark in common is an
 *     error.
 *  3. R rounds (--rounds; default 24, more for huge suites, see below).
 *     In each round both programs run once, one after the other, as
 *         BIN --format=json --out=TMP --rounds=1 --min-time=T --cpu=C FLAGS
 *     that is, a short measurement (T = --min-time, default 0.1 s / R per
 *     benchmark) of every selected benchmark, both pinned to the same CPU C
 *     (--cpu, default the least busy CPU no other microbe run holds:
 *     core/pin.c; ab holds its lock for all rounds). Which side
 *     goes first is drawn per pair of rounds from a seeded PRNG (--seed):
 *     rounds 2j and 2j+1 run in opposite orders, so each side goes first
 *     equally often and a "second process is faster" effect cancels out.
 *     After the first invocation, MICROBE_TSC_GHZ hands its measured TSC
 *     frequency to the later ones (saving 50 ms of calibration each).
 *  4. Each side's samples are accumulated into one run, tagged with the
 *     round they came from; the comparison is paired: per benchmark, the
 *     10th percentile ("floor") of the time per iteration in round k on the
 *     old side against round k on the new side (core/compare.c says why
 *     not the median); the change is the median of the per-round log
 *     ratios with a bootstrap interval and Wilcoxon's exact signed-rank
 *     test of them (st_compare_paired_ac: rounds whose ratios drift, the
 *     lag-1 autocorrelation pooled over the suite, widen the interval and
 *     weaken the p, with a note; docs/ab.md); Holm over the suite,
 *     --threshold and --alpha as everywhere.
 *  5. The looks after the first (benchmarks still inconclusive) measure
 *     their rounds in lockstep: both programs at once on CPU C, taking
 *     turns sample by sample (core/lockstep.h), AB_LOCKSTEP_SPAN rounds a
 *     run of both (docs/ab.md, "Looks in lockstep").
 * Pairing by round is what makes this robust on a noisy machine: a slow
 * phase of the host (2x swings lasting seconds, docs/design.md) hits both
 * sides of a round alike and cancels in their ratio.
 *
 * Defaults: R * T = 0.1 s of measuring per benchmark and side, what one
 * ordinary run spends (HARNESS_DEFAULT_MIN_TIME), plus R process starts
 * (~45 ms each) per side. R = max(24, log2(4 m / alpha) + 4) for m
 * benchmarks in common. The signed-rank test over R pairs cannot give a
 * p-value below 2 / 2^R, and Holm asks the smallest p to be below
 * alpha / m: log2(4 m / alpha) rounds is the least that can flag anything
 * at all, and only when every round agrees. The spare rounds let a few
 * rounds disagree, as on a noisy machine they do: at m = 10, alpha = 0.05,
 * 10 rounds fail the test when one discordant round has rank 2 or more;
 * 16 rounds tolerate discordant ranks summing to 15, 24 rounds 54.
 * Measured (docs/eval.md, 20 trials each, 10% slowdown): 16 rounds of
 * round medians caught it 15-18/20; 24 rounds of round floors 20/20; no
 * A/A trial failed with either. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "compare.h"
#include "file.h"
#include "json.h"
#include "lockstep.h"
#include "pin.h"
#include "proc.h"
#include "profile.h"
#include "report.h"
#include "sequential.h"
#include "run.h"
#include "tool.h"
#include "why.h"

/* $GITHUB_STEP_SUMMARY as ab found it ("" when unset). */
static char step_summary[4096];

/* Fewest rounds by default, and the rounds added to the least that can
 * reach significance at all (see the top of this file). */
#define AB_MIN_ROUNDS   24
#define AB_SPARE_ROUNDS 4
/* Measuring time per benchmark and side over all rounds: an ordinary run's
 * (HARNESS_DEFAULT_MIN_TIME). */
#define AB_TOTAL_MIN_TIME 0.1
/* --version and --list answer at once; anything slower is hung. */
#define AB_QUICK_TIMEOUT 30
/* A round's invocation may take this plus 50x its measuring time: warm-up,
 * calibration and benchmarks too slow for their budget take longer than T,
 * but not 50 times. */
#define AB_ROUND_TIMEOUT 120

/* Rounds per lockstep run of both sides (a look's rounds take several):
 * the two processes' own levels differ (their data's place in the shared
 * cache: an 8 MiB chase 5-10% apart, and more, between two processes
 * taking turns), so a look's rounds come from more than one pair. */
#define AB_LOCKSTEP_SPAN 4

/* The temp files, one set per side (in lockstep both sides run at once). */
static char tmp_dir[512], tmp_out[2][600], tmp_err[2][600], tmp_json[2][600];

static void cleanup(void)
{
    if (!tmp_dir[0])
        return;
    for (int i = 0; i < 2; i++) {
        unlink(tmp_out[i]);
        unlink(tmp_err[i]);
        unlink(tmp_json[i]);
    }
    rmdir(tmp_dir);
}

typedef struct side {
    const char *label; /* "OLD_BIN" / "NEW_BIN" */
    const char *path;
    int idx;      /* 0 old, 1 new: its temp files */
    char **names; /* --list output */
    size_t nnames;
    mb_run *acc;
} side;

/* What a child gets before exec: its side's temp files and, in lockstep,
 * its two pipe ends (-1: none). */
typedef struct child_io {
    int idx;
    int lock[2];
} child_io;

/* In the child: stdin from /dev/null, stdout into tmp_out, stderr into
 * tmp_err; in lockstep, the ends kept open across exec and named in
 * MICROBE_LOCKSTEP (the other ends close at exec). */
static void redirect(void *ctx)
{
    const child_io *c = ctx;
    int in = open("/dev/null", O_RDONLY);
    int out = open(tmp_out[c->idx], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int er = open(tmp_err[c->idx], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || er < 0)
        _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(er, 2);
    if (c->lock[0] >= 0) {
        char v[32];
        snprintf(v, sizeof v, "%d,%d", c->lock[0], c->lock[1]);
        if (fcntl(c->lock[0], F_SETFD, 0) != 0 ||
            fcntl(c->lock[1], F_SETFD, 0) != 0 ||
            setenv(LOCKSTEP_ENV, v, 1) != 0)
            _exit(126);
    }
}

/* Starts argv as redirect() says (io), in its own process group (killed
 * as one); the program dies with this one. False with err set when it
 * could not be started. */
static bool start(proc *p, char *const argv[], child_io *io, char *err,
                  size_t errlen)
{
    proc_spec s = {.exe = argv[0],
                   .argv = argv,
                   .in_child = redirect,
                   .ctx = io,
                   .own_group = true,
                   .die_with_parent = true};
    return proc_spawn(p, &s, err, errlen);
}

/* Says how an interruption ended p (it got the signal too). */
static void interrupted(proc *p, char *err, size_t errlen)
{
    proc_stop(p, 2.0);
    char name[32];
    snprintf(err, errlen, "interrupted by %s",
             proc_signame(proc_interrupted(), name, sizeof name));
}

/* Runs argv as start() does, with side idx's temp files, killed after
 * timeout_s. True when it ran (*p says how it ended); false with err set
 * when it could not be started or this process was interrupted (SIGINT,
 * SIGTERM, SIGHUP: the program got it too). */
static bool spawn(proc *p, char *const argv[], int idx, unsigned timeout_s,
                  char *err, size_t errlen)
{
    child_io io = {.idx = idx, .lock = {-1, -1}};
    if (!start(p, argv, &io, err, errlen))
        return false;
    /* A blocking wait: no polling that would compete with the
     * measurement. */
    enum proc_wait_result w = proc_wait(p, timeout_s);
    if (w == PROC_RUNNING)
        proc_kill_timed_out(p, timeout_s);
    if (w == PROC_INTERRUPTED) {
        interrupted(p, err, errlen);
        return false;
    }
    return true;
}

static bool exited_0(const proc *p)
{
    return !p->timed_out && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

/* Why a child failed, in words, with its last error line (proc_why). */
static void why(const proc *p, int idx, char *buf, size_t len)
{
    proc_why(p, tmp_err[idx], buf, len);
}

/* Step 1: is s->path a microbe bench program? 0 or 2 after the message. */
static int check_program(const side *s)
{
    struct stat st;
    if (stat(s->path, &st) != 0)
        return tool_fail("ab: %s '%s': %s", s->label, s->path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return tool_fail("ab: %s '%s' is not a regular file", s->label,
                         s->path);
    if (access(s->path, X_OK) != 0)
        return tool_fail("ab: %s '%s' is not executable: %s", s->label, s->path,
                         strerror(errno));
    char *argv[] = {(char *)s->path, "--version", NULL};
    proc p;
    char err[128];
    if (!spawn(&p, argv, s->idx, AB_QUICK_TIMEOUT, err, sizeof err))
        return tool_fail("ab: cannot run %s '%s': %s", s->label, s->path, err);
    char *out = file_text(tmp_out[s->idx], NULL);
    bool ok = exited_0(&p) && out && strncmp(out, "microbe ", 8) == 0;
    if (!ok) {
        char seen[64] = "";
        if (out)
            snprintf(seen, sizeof seen, "%.*s", (int)strcspn(out, "\n"), out);
        free(out);
        char w[600];
        why(&p, s->idx, w, sizeof w);
        return tool_fail("ab: %s '%s' is not a microbe bench program "
                         "('--version' printed \"%s\", %s; expected "
                         "\"microbe VERSION\")",
                         s->label, s->path, seen, w);
    }
    free(out);
    return 0;
}

/* Step 2: the benchmarks s would run with the bench flags. */
static int list_program(side *s, const tool_opts *o)
{
    char **argv = calloc((size_t)o->npass + 3, sizeof *argv);
    if (!argv)
        return tool_fail("ab: out of memory");
    int k = 0;
    argv[k++] = (char *)s->path;
    argv[k++] = "--list";
    for (int i = 0; i < o->npass; i++)
        argv[k++] = o->pass[i];
    proc pr;
    char err[128];
    bool ran = spawn(&pr, argv, s->idx, AB_QUICK_TIMEOUT, err, sizeof err);
    free(argv);
    if (!ran)
        return tool_fail("ab: cannot run %s '%s': %s", s->label, s->path, err);
    if (!exited_0(&pr)) {
        char w[600];
        why(&pr, s->idx, w, sizeof w);
        return tool_fail("ab: %s '%s' --list failed: %s", s->label, s->path, w);
    }
    char *text = file_text(tmp_out[s->idx], NULL);
    if (!text)
        return tool_fail("ab: cannot read %s: %s", tmp_out[s->idx],
                         strerror(errno));
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
        char **g = realloc(s->names, (s->nnames + 1) * sizeof *g);
        if (!g || !(g[s->nnames] = strdup(p))) {
            free(g ? g : s->names);
            s->names = NULL;
            free(text);
            return tool_fail("ab: out of memory");
        }
        s->names = g;
        s->nnames++;
    }
    free(text);
    if (s->nnames == 0)
        return tool_fail("ab: %s '%s' selects no benchmark%s", s->label,
                         s->path,
                         o->npass ? " with the given bench flags" : "");
    return 0;
}

static bool has_name(const side *s, const char *name)
{
    for (size_t i = 0; i < s->nnames; i++)
        if (strcmp(s->names[i], name) == 0)
            return true;
    return false;
}

/* Flags ab sets itself or that make no sense per round. */
static int check_pass(const tool_opts *o)
{
    static const char *const own[] = {
        "format",     "out",      "rounds",        "min-time",
        "cpu",        "baseline", "save-baseline", "fail-on-regression",
        "threshold",  "alpha",    "archive",       "list",
        "help",       "version",  "mb-worker",     "dry-run",
        "out-format",
    };
    for (int i = 0; i < o->npass; i++) {
        const char *a = o->pass[i];
        if (strncmp(a, "--", 2) != 0)
            continue;
        size_t nl = strcspn(a + 2, "=");
        if ((nl == 20 && strncmp(a + 2, "fail-on-inconclusive", nl) == 0) ||
            (nl == 8 && strncmp(a + 2, "max-time", nl) == 0))
            return tool_fail("ab: '%s' cannot be passed to the bench "
                             "programs; give it to microbe ab itself, "
                             "before '--'",
                             a);
        for (size_t k = 0; k < sizeof own / sizeof *own; k++)
            if (strlen(own[k]) == nl && strncmp(a + 2, own[k], nl) == 0) {
                bool ab_has = k < 5 || (k >= 7 && k <= 9);
                return tool_fail("ab: '%s' cannot be passed to the bench "
                                 "programs%s",
                                 a,
                                 ab_has ? "; give it to microbe ab itself, "
                                          "before '--'"
                                        : " (ab sets it or it has no "
                                          "meaning per round)");
            }
    }
    return 0;
}

/* Adds one invocation's run r (side s) to s->acc as rounds k .. k + span
 * - 1: a benchmark's samples, in the order taken, spread evenly over
 * them (span 1: one round, as measured). */
static int absorb(side *s, const mb_run *r, int k, int span, int nrounds)
{
    mb_run *acc = s->acc;
    if (acc->nctx == 0) {
        for (size_t i = 0; i < r->nctx; i++) {
            const ctx_entry *e = &r->ctx[i];
            if (e->type == CTX_STR)
                run_ctx_str(acc, e->key, e->str);
            else if (e->type == CTX_BOOL)
                run_ctx_bool(acc, e->key, e->num != 0);
            else
                run_ctx_num(acc, e->key, e->num);
        }
        for (size_t i = 0; i < r->nwarnings; i++)
            run_warn(acc, "%s", r->warnings[i]);
    }
    for (size_t i = 0; i < r->nresults; i++) {
        const mb_result *src = &r->results[i];
        if (src->error)
            return tool_fail("ab: %s '%s' failed in round %d/%d: %s: %s",
                             s->label, s->path, k + 1, nrounds, src->name,
                             src->error);
        mb_result *dst = run_find(acc, src->name);
        if (!dst) {
            if (!(dst = run_add_result(acc)))
                return tool_fail("ab: out of memory");
            dst->name = strdup(src->name);
            dst->family = strdup(src->family ? src->family : src->name);
            dst->group = src->group ? strdup(src->group) : NULL;
            dst->bench = strdup(src->bench ? src->bench : src->name);
            dst->arg = src->arg;
            dst->has_arg = src->has_arg;
            dst->items = src->items;
            dst->bytes = src->bytes;
            if (src->ncounters) {
                dst->counter_names =
                    calloc(src->ncounters, sizeof *dst->counter_names);
                if (dst->counter_names) {
                    dst->ncounters = src->ncounters;
                    for (size_t c = 0; c < src->ncounters; c++)
                        dst->counter_names[c] = strdup(src->counter_names[c]);
                }
            }
            if (!dst->name || !dst->family || !dst->bench)
                return tool_fail("ab: out of memory");
        }
        /* Allocation counts are exact: the first round's stand. */
        if (!(dst->alloc_iters > 0) && src->alloc_iters > 0) {
            dst->alloc_iters = src->alloc_iters;
            dst->allocs = src->allocs;
            dst->alloc_bytes = src->alloc_bytes;
            dst->alloc_peak = src->alloc_peak;
            dst->alloc_net = src->alloc_net;
        }
        /* Counters read back as NaN where a round measured another set. */
        bool same = dst->ncounters == src->ncounters;
        for (size_t c = 0; same && c < src->ncounters; c++)
            same = dst->counter_names[c] && src->counter_names[c] &&
                   strcmp(dst->counter_names[c], src->counter_names[c]) == 0;
        double *nan_row = NULL;
        if (!same && dst->ncounters) {
            nan_row = malloc(dst->ncounters * sizeof *nan_row);
            if (!nan_row)
                return tool_fail("ab: out of memory");
            for (size_t c = 0; c < dst->ncounters; c++)
                nan_row[c] = NAN;
        }
        dst->remeasured += src->remeasured;
        dst->run_delay_ns += src->run_delay_ns;
        dst->steal_ns += src->steal_ns;
        for (size_t j = 0; j < src->n; j++) {
            const double *ctr = !dst->ncounters ? NULL
                                : same ? &src->counters[j * src->ncounters]
                                       : nan_row;
            int kj = k + (int)((size_t)span * j / src->n);
            if (!result_add_sample(dst, src->iters[j], src->ns[j], ctr,
                                   src->flags[j], (uint16_t)kj)) {
                free(nan_row);
                return tool_fail("ab: out of memory");
            }
        }
        free(nan_row);
        /* The round's machine-state probe (docs/design.md, "Machine
         * state"), as round k. */
        for (int q = 0; q < span; q++)
            if (src->nprobe && isfinite(src->probe_ns[0]) &&
                !result_set_probe(dst, (uint16_t)(k + q), src->probe_ns[0]))
                return tool_fail("ab: out of memory");
        /* --measure=instructions: every round counts the same, so the
         * first round's profile stands for all. */
        if (!dst->profile && src->profile &&
            !(dst->profile = profile_copy(src->profile)))
            return tool_fail("ab: out of memory");
    }
    return 0;
}

/* ---- --why: the slower benchmarks again, under callgrind ------------------
 */

/* --why: the benchmarks that came out slower, measured once more on both
 * sides under callgrind (core/why.c). The runs are kept in instr[2]
 * (they must outlive cmp). */
static int why_attach(side sides[2], const tool_opts *o, cmp_result *cmp,
                      mb_run *instr[2])
{
    why_cfg c = {.prog = {sides[0].path, sides[1].path},
                 .label = {sides[0].label, sides[1].label},
                 .flags = o->pass,
                 .nflags = o->npass,
                 .who = "microbe ab",
                 .progress = isatty(STDERR_FILENO)};
    char err[1024];
    if (why_explain(&c, cmp, instr, err, sizeof err) != MB_OK)
        return tool_fail("ab: --why: %s", err);
    return 0;
}

/* The command line of side s for one invocation (free it): a measurement
 * of min_time per benchmark in one round, pinned to cpu. */
static char **round_argv(const side *s, const tool_opts *o, double min_time,
                         int cpu, const char *filter, char bufs[3][700])
{
    snprintf(bufs[0], 700, "--out=%s", tmp_json[s->idx]);
    snprintf(bufs[1], 700, "--min-time=%.9g", min_time);
    if (cpu == CPU_NONE)
        snprintf(bufs[2], 700, "--cpu=none");
    else
        snprintf(bufs[2], 700, "--cpu=%d", cpu);
    char **argv = calloc((size_t)o->npass + 9, sizeof *argv);
    if (!argv)
        return NULL;
    int n = 0;
    argv[n++] = (char *)s->path;
    argv[n++] = "--format=json";
    argv[n++] = bufs[0];
    argv[n++] = "--rounds=1";
    argv[n++] = bufs[1];
    argv[n++] = bufs[2];
    for (int i = 0; i < o->npass; i++)
        argv[n++] = o->pass[i];
    if (filter) /* last: it narrows the bench flags' own --filter */
        argv[n++] = (char *)filter;
    return argv;
}

/* What side s's invocation p left: its exit, its JSON, absorbed as rounds
 * k .. k + span - 1 of nrounds. */
static int collect(side *s, const proc *p, int k, int span, int nrounds)
{
    if (!exited_0(p)) {
        char w[700];
        why(p, s->idx, w, sizeof w);
        return tool_fail("ab: %s '%s' failed in round %d/%d: %s", s->label,
                         s->path, k + 1, nrounds, w);
    }
    char err[768];
    char *text = NULL;
    size_t len = 0;
    mb_run *r = NULL;
    const char *json = tmp_json[s->idx];
    mb_status st = archive_read_file(json, &text, &len, err, sizeof err);
    if (st == MB_OK)
        st = json_load_run(text, len, json, &r, err, sizeof err);
    free(text);
    if (st != MB_OK)
        return tool_fail("ab: %s '%s' in round %d/%d wrote no usable JSON: "
                         "%s",
                         s->label, s->path, k + 1, nrounds, err);
    int code = absorb(s, r, k, span, nrounds);
    /* Later rounds, of either side, take the TSC frequency this one
     * measured rather than spend 50 ms each measuring it again. */
    const char *src = run_ctx_gets(r, "timer_source");
    const ctx_entry *ghz = run_ctx_get(r, "timer_ghz");
    if (!getenv("MICROBE_TSC_GHZ") && src && strcmp(src, "tsc") == 0 && ghz &&
        ghz->type == CTX_NUM) {
        char v[64];
        snprintf(v, sizeof v, "%.9g", ghz->num);
        setenv("MICROBE_TSC_GHZ", v, 1);
    }
    run_free(r);
    return code;
}

/* One invocation: side s in round k. */
static int measure(side *s, const tool_opts *o, double min_time, int cpu, int k,
                   int nrounds, unsigned timeout_s, const char *filter)
{
    char bufs[3][700];
    char **argv = round_argv(s, o, min_time, cpu, filter, bufs);
    if (!argv)
        return tool_fail("ab: out of memory");
    unlink(tmp_json[s->idx]);
    proc p;
    char why_not[128];
    bool ran = spawn(&p, argv, s->idx, timeout_s, why_not, sizeof why_not);
    free(argv);
    if (!ran)
        return tool_fail("ab: cannot run %s '%s' in round %d/%d: %s", s->label,
                         s->path, k + 1, nrounds, why_not);
    return collect(s, &p, k, 1, nrounds);
}

/* A look in lockstep (docs/ab.md): both sides run once, at the same
 * time, on the same CPU, taking turns sample by sample (core/lockstep.h),
 * each measuring min_time per benchmark; each side's samples of a
 * benchmark, in the order taken, become rounds k .. k + span - 1. */
static int measure_lockstep(side sides[2], const tool_opts *o, double min_time,
                            int cpu, int k, int span, int nrounds,
                            unsigned timeout_s, const char *filter, int first)
{
    int go[2][2] = {{-1, -1}, {-1, -1}}, back[2][2] = {{-1, -1}, {-1, -1}};
    proc p[2];
    bool started[2] = {false, false};
    char why_not[128] = "", bufs[2][3][700];
    int code = 0;
    for (int i = 0; i < 2 && !code; i++)
        if (pipe2(go[i], O_CLOEXEC) != 0 || pipe2(back[i], O_CLOEXEC) != 0)
            code = tool_fail("ab: cannot make a pipe: %s", strerror(errno));
    for (int i = 0; i < 2 && !code; i++) {
        side *s = &sides[i];
        char **argv = round_argv(s, o, min_time, cpu, filter, bufs[i]);
        if (!argv) {
            code = tool_fail("ab: out of memory");
            break;
        }
        unlink(tmp_json[i]);
        child_io io = {.idx = i, .lock = {go[i][0], back[i][1]}};
        started[i] = start(&p[i], argv, &io, why_not, sizeof why_not);
        free(argv);
        if (!started[i])
            code = tool_fail("ab: cannot run %s '%s' in round %d/%d: %s",
                             s->label, s->path, k + 1, nrounds, why_not);
    }
    for (int i = 0; i < 2; i++) { /* the children's ends */
        if (go[i][0] >= 0)
            close(go[i][0]);
        if (back[i][1] >= 0)
            close(back[i][1]);
    }
    int ends_back[2] = {back[0][0], back[1][0]};
    int ends_go[2] = {go[0][1], go[1][1]};
    bool late = false;
    if (!code && lockstep_conduct(ends_back, ends_go, first, timeout_s) != 0) {
        if (proc_interrupted()) {
            for (int i = 0; i < 2; i++)
                interrupted(&p[i], why_not, sizeof why_not);
            code = tool_fail("ab: cannot run %s and %s in round %d/%d: %s",
                             sides[0].label, sides[1].label, k + 1, nrounds,
                             why_not);
        } else
            late = true;
    }
    for (int i = 0; i < 2; i++) {
        close(ends_back[i]);
        close(ends_go[i]);
    }
    for (int i = 0; i < 2 && started[i] && !code; i++) {
        /* Both ended their turns: what is left is writing the JSON. */
        enum proc_wait_result w = late ? PROC_RUNNING : proc_wait(&p[i], 60);
        if (w == PROC_RUNNING)
            proc_kill_timed_out(&p[i], timeout_s);
        if (w == PROC_INTERRUPTED) {
            interrupted(&p[i], why_not, sizeof why_not);
            code = tool_fail("ab: cannot run %s '%s' in round %d/%d: %s",
                             sides[i].label, sides[i].path, k + 1, nrounds,
                             why_not);
        }
    }
    for (int i = 0; i < 2 && !code; i++)
        code = collect(&sides[i], &p[i], k, span, nrounds);
    for (int i = 0; i < 2; i++)
        if (started[i])
            proc_kill(&p[i]); /* no-op once reaped */
    return code;
}

/* What measuring a look's rounds needs (seq_loop.measure). */
typedef struct ab_rounds {
    side *sides;
    const tool_opts *o;
    double t;
    int cpu;
    unsigned timeout_s;
    size_t most;        /* benchmarks of the larger side */
    bool lockstep;      /* looks after the first in lockstep */
    int lockstep_looks; /* taken so far */
    st_rng rng;
    int first; /* which side went first in the last round */
} ab_rounds;

/* Rounds [from, to): both sides, in an order balanced over each pair of
 * rounds, of every benchmark at look 1 (last NULL), later only of those
 * inconclusive in last. */
static int ab_measure(void *ctx, const cmp_result *last, int from, int to)
{
    ab_rounds *a = ctx;
    char *filter = NULL;
    if (last && !(filter = cmp_filter(last, CMP_INCONCLUSIVE, false, NULL)))
        return tool_fail("ab: out of memory");
    bool tty = isatty(STDERR_FILENO);
    double t1 = seq_clock();
    int code = 0;
    if (last && a->lockstep) {
        /* The look's rounds in lockstep runs of both sides, AB_LOCKSTEP_SPAN
         * rounds each; which side goes first balanced as for rounds. */
        for (int k = from; k < to && !code; k += AB_LOCKSTEP_SPAN) {
            int span = to - k < AB_LOCKSTEP_SPAN ? to - k : AB_LOCKSTEP_SPAN;
            double t = a->t * span;
            double limit = 2 * (AB_ROUND_TIMEOUT + 50.0 * t * (double)a->most);
            if (tty)
                fprintf(stderr,
                        "\rmicrobe ab: rounds %d-%d/%d in lockstep\033[K",
                        k + 1, k + span, to);
            a->first = (k - from) / AB_LOCKSTEP_SPAN % 2 == 0
                           ? (int)st_rng_below(&a->rng, 2)
                           : 1 - a->first;
            code = measure_lockstep(a->sides, a->o, t, a->cpu, k, span, to,
                                    limit > 86400 ? 86400u : (unsigned)limit,
                                    filter, a->first);
        }
        a->lockstep_looks++;
        to = from; /* no rounds left to measure one by one */
    }
    for (int k = from; k < to && !code; k++) {
        /* Balanced: the second round of each pair reverses the first. */
        a->first = k % 2 == 0 ? (int)st_rng_below(&a->rng, 2) : 1 - a->first;
        if (tty) {
            char eta[32] = "";
            if (k > from)
                snprintf(eta, sizeof eta, ", ETA %.0f s",
                         (seq_clock() - t1) / (k - from) * (to - k));
            fprintf(stderr, "\rmicrobe ab: round %d/%d%s\033[K", k + 1, to,
                    eta);
        }
        for (int j = 0; j < 2 && !code; j++) {
            side *sd = &a->sides[j == 0 ? a->first : 1 - a->first];
            code = measure(sd, a->o, a->t, a->cpu, k, to, a->timeout_s, filter);
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    free(filter);
    if (!code)
        for (int i = 0; i < 2; i++)
            run_summarize(a->sides[i].acc);
    return code;
}

static int run_ab(side sides[2], const tool_opts *o, pin_choice *pin)
{
    int code;
    for (int i = 0; i < 2; i++)
        if ((code = check_program(&sides[i])) != 0)
            return code;
    if ((code = check_pass(o)) != 0)
        return code;
    for (int i = 0; i < 2; i++)
        if ((code = list_program(&sides[i], o)) != 0)
            return code;
    size_t common = 0;
    for (size_t i = 0; i < sides[1].nnames; i++)
        common += has_name(&sides[0], sides[1].names[i]);
    if (common == 0)
        return tool_fail("ab: OLD_BIN and NEW_BIN have no benchmark in "
                         "common (%zu and %zu benchmarks, none of the same "
                         "name)",
                         sides[0].nnames, sides[1].nnames);

    /* Rounds: the test's smallest p-value, 2 / 2^R, must be below the
     * Holm threshold of the smallest p, alpha / m, with room to spare. */
    int need = (int)ceil(log2(4.0 * (double)common / o->alpha));
    int want = need + AB_SPARE_ROUNDS;
    int nrounds = o->rounds > 0 ? (int)o->rounds
                                : (want > AB_MIN_ROUNDS ? want : AB_MIN_ROUNDS);
    if (nrounds > 1000)
        nrounds = 1000;
    /* The measuring time of one ordinary run, spread over the rounds. */
    double t =
        o->min_time > 0 ? o->min_time : AB_TOTAL_MIN_TIME / (double)nrounds;
    /* ab chooses the CPU (least busy, not held by another microbe run)
     * and holds its lock for all its rounds; the bench programs it starts
     * are told so (MICROBE_CPU_HELD) and take it without locking. */
    int cpu = o->cpu;
    if (cpu != CPU_NONE) {
        pin_cfg pc = {.no_affinity = true};
        char perr[256];
        if (pin_choose(cpu, &pc, pin, perr, sizeof perr) != MB_OK)
            return tool_fail("ab: %s", perr);
        cpu = pin->cpu;
        char held[16];
        snprintf(held, sizeof held, "%d", cpu);
        setenv(PIN_HELD_ENV, held, 1);
    }
    size_t most =
        sides[0].nnames > sides[1].nnames ? sides[0].nnames : sides[1].nnames;
    double limit = AB_ROUND_TIMEOUT + 50.0 * t * (double)most;
    unsigned timeout_s = limit > 86400 ? 86400u : (unsigned)limit;

    for (int i = 0; i < 2; i++)
        if (!(sides[i].acc = run_create()))
            return tool_fail("ab: out of memory");
    /* Counts (--measure=instructions) are compared exactly: no test, no
     * need of rounds in lockstep. */
    bool exact = false;
    for (int i = 0; i < o->npass; i++)
        exact |= strcmp(o->pass[i], "--measure=instructions") == 0 ||
                 (i + 1 < o->npass && strcmp(o->pass[i], "--measure") == 0 &&
                  strcmp(o->pass[i + 1], "instructions") == 0);
    ab_rounds ar = {.sides = sides,
                    .o = o,
                    .t = t,
                    .cpu = cpu,
                    .timeout_s = timeout_s,
                    .most = most,
                    .lockstep = !exact};
    st_rng_seed(&ar.rng, o->seed);
    double t0 = seq_clock();
    char label[600];
    snprintf(label, sizeof label, "%s", sides[0].path);
    cmp_opts co = {
        .threshold = o->threshold, .paired = true, .old_name = label};
    /* Measuring until decided (docs/sequential.md): looks after nrounds,
     * then every nrounds / 2 more rounds of the benchmarks still
     * inconclusive, up to SEQ_MAX_LOOKS looks or --max-time; Pocock-type
     * alpha spending over the looks. --max-time=0: one look at alpha. */
    seq_plan plan = {
        .alpha = o->alpha,
        .first = nrounds,
        .step = nrounds / 2 + nrounds / 2 % 2,
        .max_looks = o->max_time_set && o->max_time == 0 ? 1 : SEQ_MAX_LOOKS,
        .spending = ST_SPEND_POCOCK};
    if (plan.step < 2)
        plan.step = 2;
    seq_state *seq = seq_new(&plan);
    if (!seq)
        return tool_fail("ab: out of memory");
    seq_loop loop = {.plan = plan,
                     .max_time = o->max_time_set ? o->max_time : -1,
                     .measure = ab_measure,
                     .ctx = &ar,
                     .old = sides[0].acc,
                     .now = sides[1].acc,
                     .co = &co,
                     .started = t0};
    cmp_result *cmp = NULL;
    seq_outcome so;
    code = seq_until_decided(seq, &loop, &cmp, &so);
    if (code) {
        seq_free(seq);
        return code < 0 ? tool_fail("ab: out of memory") : code;
    }
    int done = so.rounds;
    /* Said after measuring, so that a failure stays one line. */
    double alpha1 = seq_look_alpha(&plan, 1);
    if (!exact && ldexp(2.0, -nrounds) > alpha1 / (double)common)
        fprintf(stderr,
                "microbe: warning: ab: with %d rounds no benchmark of %zu "
                "can reach significance at alpha %g; use --rounds=%d or "
                "more\n",
                nrounds, common, alpha1, want);
    for (int i = 0; i < 2; i++) {
        mb_run *acc = sides[i].acc;
        run_ctx_num(acc, "rounds", done);
        run_ctx_num(acc, "min_time", t * nrounds);
        run_ctx_str(acc, "executable", sides[i].path);
        run_ctx_str(acc, "ab_side", i == 0 ? "old" : "new");
        run_ctx_num(acc, "ab_round_min_time", t);
        run_ctx_num(acc, "ab_seed", (double)o->seed);
        run_ctx_num(acc, "ab_lockstep_looks", ar.lockstep_looks);
        if (cpu >= 0) {
            run_ctx_str(acc, "cpu_choice", pin->reason);
            if (isfinite(pin->busy))
                run_ctx_num(acc, "cpu_busy", pin->busy);
            /* With the report's warnings: an error stays one line. */
            if (pin->warning[0])
                run_warn(acc, "%s", pin->warning);
        }
        seq_context(acc, "ab", &so);
    }
    mb_run *instr[2] = {NULL, NULL};
    if (o->why && (code = why_attach(sides, o, cmp, instr)) != 0) {
        cmp_free(cmp);
        seq_free(seq);
        run_free(instr[0]);
        run_free(instr[1]);
        return code;
    }
    if (cli_format_is_data(o->format))
        for (size_t i = 0; i < sides[1].acc->nwarnings; i++)
            fprintf(stderr, "microbe: warning: %s\n",
                    sides[1].acc->warnings[i]);
    char sig[32];
    if (proc_interrupted()) {
        cmp_free(cmp);
        return tool_fail("ab: interrupted by %s",
                         proc_signame(proc_interrupted(), sig, sizeof sig));
    }
    bool ok = tool_write(stdout, o->format, sides[1].acc, cmp);
    if (ok && step_summary[0]) {
        setenv("GITHUB_STEP_SUMMARY", step_summary, 1);
        report_step_summary("microbe", sides[1].acc, cmp, o->no_step_summary);
    }
    if (!ok || fflush(stdout) != 0)
        code = tool_fail("ab: cannot write the report: %s",
                         errno ? strerror(errno) : "out of memory");
    else
        code = tool_verdict_exit(cmp, o, label);
    cmp_free(cmp);
    run_free(instr[0]);
    run_free(instr[1]);
    seq_free(seq); /* after the report: it holds the correction's text */
    return code;
}

int tool_ab(const tool_opts *o)
{
    side sides[2] = {{.label = "OLD_BIN", .path = o->pos[0], .idx = 0},
                     {.label = "NEW_BIN", .path = o->pos[1], .idx = 1}};
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/microbe-ab.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        int e = errno;
        char dir[512];
        snprintf(dir, sizeof dir, "%s", tmp_dir);
        tmp_dir[0] = '\0';
        return tool_fail("ab: cannot create a temporary directory '%s': %s",
                         dir, strerror(e));
    }
    for (int i = 0; i < 2; i++) {
        snprintf(tmp_out[i], sizeof tmp_out[i], "%s/stdout%d", tmp_dir, i);
        snprintf(tmp_err[i], sizeof tmp_err[i], "%s/stderr%d", tmp_dir, i);
        snprintf(tmp_json[i], sizeof tmp_json[i], "%s/round%d.json", tmp_dir,
                 i);
    }
    /* SIGINT, SIGTERM, SIGHUP: forwarded to the program running, the
     * temporary files removed, then the signal takes its course. */
    proc_hold();
    /* The bench programs get ab's flags and nothing else: the MICROBE_*
     * variables that stand for their flags are not handed on, nor the job
     * summary, which gets ab's comparison (not each round's table). */
    const char *sum = getenv("GITHUB_STEP_SUMMARY");
    snprintf(step_summary, sizeof step_summary, "%s", sum ? sum : "");
    unsetenv("GITHUB_STEP_SUMMARY");
    const char *vars[64];
    size_t nv = cli_env_names(vars, 64);
    for (size_t i = 0; i < nv && i < 64; i++)
        unsetenv(vars[i]);
    pin_choice pin = {.lock_fd = -1};
    int code = run_ab(sides, o, &pin);
    pin_release(&pin);
    cleanup();
    proc_release();
    proc_reraise();
    for (int i = 0; i < 2; i++) {
        for (size_t k = 0; k < sides[i].nnames; k++)
            free(sides[i].names[k]);
        free(sides[i].names);
        run_free(sides[i].acc);
    }
    return code;
}
