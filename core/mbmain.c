/* mb_main: a bench program's whole life: flags, context, measuring,
 * analysis, baseline comparison, archive and report. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "callgrind.h"
#include "cli.h"
#include "compare.h"
#include "counters.h"
#include "env.h"
#include "file.h"
#include "json.h"
#include "lockstep.h"
#include "pin.h"
#include "proc.h"
#include "registry.h"
#include "report.h"
#include "run.h"
#include "runner.h"
#include "sequential.h"
#include "timer.h"
#include "why.h"

const char *mb_strerror(mb_status s)
{
    static const char *const text[] = {
        "ok",
        "usage error",
        "input/output error",
        "corrupt file",
        "file from a newer microbe",
        "not found",
        "out of memory",
        "counter not available",
        "benchmark crashed",
        "not supported here",
    };
    return (unsigned)s < sizeof text / sizeof *text ? text[s]
                                                    : "unknown status";
}

static int fail(const char *prog, const char *msg)
{
    cli_print_error(prog, "error", msg);
    return 2;
}

/* git's stdout into the pipe, its stdin and stderr from and to nowhere. */
static void git_io(void *ctx)
{
    const int *fd = ctx;
    int null = open("/dev/null", O_RDWR);
    dup2(fd[1], STDOUT_FILENO);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDERR_FILENO);
    }
    close(fd[0]);
}

/* git answers at once; one that does not (a hung network file system)
 * is not waited for. */
#define GIT_TIMEOUT_MS 5000

/* The commit being measured: MICROBE_GIT_COMMIT, else git in the current
 * directory, else nothing. */
static void git_commit(mb_run *run)
{
    const char *env = getenv("MICROBE_GIT_COMMIT");
    if (env && *env) {
        run_ctx_str(run, "git_commit", env);
        return;
    }
    int fd[2];
    if (pipe(fd) != 0)
        return;
    char *argv[] = {"git", "rev-parse", "HEAD", NULL};
    proc_spec s = {.exe = "git",
                   .search_path = true,
                   .argv = argv,
                   .in_child = git_io,
                   .ctx = fd,
                   .die_with_parent = true,
                   .no_forward = true};
    proc p;
    char why[128], buf[64] = "";
    bool ok = proc_spawn(&p, &s, why, sizeof why);
    close(fd[1]);
    size_t len = 0;
    int ready = 1;
    while (ok && len < sizeof buf - 1 &&
           (ready = proc_wait_fd(fd[0], GIT_TIMEOUT_MS)) > 0) {
        ssize_t got = read(fd[0], buf + len, sizeof buf - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd[0]);
    if (ok && ready > 0)
        proc_stop(&p, GIT_TIMEOUT_MS / 1e3);
    else if (ok)
        proc_kill(&p);
    buf[len] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (ok && WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0 &&
        strlen(buf) == 40)
        run_ctx_str(run, "git_commit", buf);
}

/* MICROBE_TSC_GHZ: a TSC frequency measured moments earlier on this
 * machine (microbe ab passes the first round's to the later ones, saving
 * each round the 50 ms calibration). Unset or empty: calibrate. */
static mb_status tsc_from_env(double *ghz, char *err, size_t errlen)
{
    const char *env = getenv("MICROBE_TSC_GHZ");
    *ghz = 0;
    if (!env || !*env)
        return MB_OK;
    char *end;
    errno = 0;
    double v = strtod(env, &end);
    if (errno || *end || !(v >= 0.01 && v <= 100)) {
        snprintf(err, errlen,
                 "MICROBE_TSC_GHZ: '%s' is not a TSC frequency in GHz (0.01 "
                 "to 100; unset it to calibrate)",
                 env);
        return MB_ERR_USAGE;
    }
    *ghz = v;
    return MB_OK;
}

static void base_context(mb_run *run, const cli_opts *o, const char *exe)
{
    char buf[256];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
    run_ctx_str(run, "date", buf);
    if (gethostname(buf, sizeof buf) == 0) {
        buf[sizeof buf - 1] = '\0';
        run_ctx_str(run, "host_name", buf);
    }
    run_ctx_str(run, "executable", exe);
    /* Its absolute path and content, for a later --why (core/why.h). */
    why_record_program(run, NULL);
    run_ctx_num(run, "num_cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
    run_ctx_str(run, "microbe_version", MB_VERSION);
#ifdef __VERSION__
    run_ctx_str(run, "compiler", __VERSION__);
#endif
#ifdef NDEBUG
    run_ctx_str(run, "library_build_type", "release");
#else
    run_ctx_str(run, "library_build_type", "debug");
#endif
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s %s", u.sysname, u.release, u.machine);
        run_ctx_str(run, "os", buf);
    }
    /* How the benchmarks themselves were built (BENCH records it). */
    for (const mb_bench *b = registry_first(); b; b = b->next) {
        if (b->compiler)
            run_ctx_str(run, "bench_compiler", b->compiler);
        if (b->optimized == 1) {
            run_ctx_bool(run, "bench_optimized", false);
            run_warn(run,
                     "%s was compiled without optimisation: its numbers "
                     "say little about release code; build with -O2",
                     b->file);
            break;
        }
        if (b->optimized == 2)
            run_ctx_bool(run, "bench_optimized", true);
    }
    run_ctx_str(run, "measure",
                o->measure == MEASURE_TIME ? "time" : "instructions");
    git_commit(run);
}

static void timer_context(mb_run *run, const timer_info *ti)
{
    run_ctx_str(run, "timer_source", ti->source);
    run_ctx_num(run, "timer_ghz", ti->ghz);
    run_ctx_num(run, "mhz_per_cpu", round(ti->ghz * 1000));
    run_ctx_num(run, "timer_read_ns", ti->read_ns);
    run_ctx_num(run, "timer_resolution_ns", ti->resolution_ns);
}

/* --dry-run: each benchmark ran once; a line for each, no statistics. */
static int dry_report(FILE *out, const mb_run *run, char *err, size_t errlen)
{
    size_t failed = 0;
    const char *first = NULL;
    for (size_t i = 0; i < run->nresults; i++) {
        const mb_result *r = &run->results[i];
        if (r->error && !failed++)
            first = r->name;
        fprintf(out, "%-6s %s%s%s\n", r->error ? "FAILED" : "ran", r->name,
                r->error ? ": " : "", r->error ? r->error : "");
    }
    fprintf(out, "dry run: %zu of %zu benchmarks ran once\n",
            run->nresults - failed, run->nresults);
    if (!failed)
        return 0;
    snprintf(err, errlen, "dry run: %zu benchmark%s failed (first: %s)", failed,
             failed > 1 ? "s" : "", first);
    return 2;
}

static bool write_report(FILE *f, out_format fmt, const mb_run *run,
                         const cmp_result *cmp)
{
    bool ok = fmt == FMT_JSON
                  ? json_write_compared(f, run, cmp)
                  : report_write(f, fmt, run, cmp,
                                 f == stdout && isatty(STDOUT_FILENO));
    return fflush(f) == 0 && !ferror(f) && ok;
}

/* --why (core/why.c): the benchmarks that came out slower, once more under
 * callgrind on the baseline's program (--why-old, else the one the
 * baseline records while it is unchanged) and on this one. A baseline
 * whose program is gone or changed gets a warning in the report, and the
 * verdicts stand as they are. 0, or 2 with err set when a callgrind run
 * failed. */
static int explain(const cli_opts *o, const char *name, const mb_run *base,
                   mb_run *run, cmp_result *cmp, mb_run *instr[2], char *err,
                   size_t errlen)
{
    char what[300];
    snprintf(what, sizeof what, "baseline \"%s\"", o->baseline);
    why_runs_cfg c = {.run = {base, run},
                      .prog = {o->why_old, NULL},
                      .name = {what, "this run"},
                      .flag = {"--why-old", NULL},
                      .report = run,
                      .who = name,
                      .progress =
                          isatty(STDERR_FILENO) && o->format == FMT_CONSOLE};
    char e[1024];
    if (why_runs(&c, cmp, instr, e, sizeof e) != MB_OK) {
        snprintf(err, errlen, "--why: %s", e);
        return 2;
    }
    return 0;
}

/* What measuring more rounds for a look of the baseline comparison needs
 * (seq_loop.measure). */
typedef struct more_ctx {
    runner_cfg rc; /* the first look's, with its memo */
    const instance *insts;
    size_t n;
    mb_run *run;  /* results[i] is insts[i]'s */
    int *samples; /* each instance's samples after the first look */
    char *err;
    size_t errlen;
} more_ctx;

/* Rounds [from, to) of the benchmarks inconclusive at the last look,
 * added to their results: in fresh processes as every round, with the
 * first look's calibration and samples per round (the memo), so that the
 * rounds are alike and their levels comparable. */
static int more_rounds(void *ctx, const cmp_result *last, int from, int to)
{
    more_ctx *m = ctx;
    bool *only = calloc(m->n ? m->n : 1, sizeof *only);
    if (!only) {
        snprintf(m->err, m->errlen, "out of memory");
        return 2;
    }
    for (size_t i = 0; i < last->n; i++) {
        const mb_result *r = last->rows[i].now;
        if (last->rows[i].verdict == CMP_INCONCLUSIVE && r &&
            r >= m->run->results && r < m->run->results + m->n)
            only[r - m->run->results] = true;
    }
    runner_cfg rc = m->rc;
    rc.more = true;
    rc.first_round = from;
    rc.h.rounds = to;
    rc.only = only;
    int first = m->rc.h.rounds;
    for (size_t i = 0; i < m->n; i++)
        if (only[i])
            rc.memo[i].samples_total =
                (int)(((long long)m->samples[i] * to + first - 1) / first);
    mb_status st = runner_run(&rc, m->insts, m->n, m->run, m->err, m->errlen);
    free(only);
    if (st != MB_OK) {
        if (!m->err[0])
            snprintf(m->err, m->errlen, "%s", mb_strerror(st));
        return 2;
    }
    run_summarize(m->run);
    return 0;
}

/* 0 when all that was printed reached stdout, else 2 with one line. */
static int stdout_done(const char *prog)
{
    if (cli_stdout_ok())
        return 0;
    char msg[128];
    snprintf(msg, sizeof msg, "cannot write to stdout: %s", strerror(errno));
    return fail(prog, msg);
}

int mb_main(int argc, char **argv)
{
    const char *prog = argc > 0 && argv[0] ? argv[0] : "bench";
    const char *slash = strrchr(prog, '/');
    const char *name = slash ? slash + 1 : prog;
    char err[512] = "";
    cli_opts o;
    if (cli_parse(argc, argv, &o, err, sizeof err) != MB_OK)
        return fail(name, err);
    /* The instructions worker runs below, once the selection is known. */
    if (o.worker && strncmp(o.worker, "instructions:", 13) != 0) {
        int c = strncmp(o.worker, "run:", 4) == 0 ? runner_worker_main(o.worker)
                                                  : -1;
        if (c >= 0)
            return c;
        return fail(name, "--mb-worker is internal to microbe: it is given "
                          "to the worker processes microbe starts itself; "
                          "run the program without it");
    }
    /* A name the archive would refuse is refused before measuring, not
     * after (the measurement would be lost). */
    if (o.save_baseline &&
        archive_check_name(o.save_baseline, err, sizeof err) != MB_OK)
        return fail(name, err);
    if (o.help || o.version) {
        if (o.help)
            printf(cli_usage, name);
        else
            printf("microbe %s\n", MB_VERSION);
        return stdout_done(name);
    }

    if (registry_error())
        return fail(name, registry_error());
    instance *insts = NULL;
    size_t n = 0;
    mb_status st =
        registry_expand(registry_first(), &insts, &n, err, sizeof err);
    if (st == MB_OK)
        st = registry_filter(insts, &n, o.filter, err, sizeof err);
    if (st != MB_OK) {
        free(insts);
        return fail(name, err);
    }
    if (o.list) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", insts[i].name);
        free(insts);
        return stdout_done(name);
    }
    if (n == 0) {
        free(insts);
        return fail(name, "no benchmarks are registered in this program");
    }
    /* --measure=instructions: the re-executed program under Valgrind. */
    if (o.worker && strncmp(o.worker, "instructions:", 13) == 0) {
        int c = callgrind_worker(o.worker, insts, n);
        free(insts);
        return c;
    }
    if (o.measure == MEASURE_INSTRUCTIONS &&
        !callgrind_available(err, sizeof err)) {
        free(insts);
        return fail(name, err);
    }

    if (o.dry_run && (o.baseline || o.save_baseline)) {
        free(insts);
        return fail(name, "--dry-run measures nothing to compare or save: "
                          "leave out --baseline and --save-baseline");
    }
    struct stat ws;
    errno = 0;
    if (o.why_old && (stat(o.why_old, &ws) != 0 || !S_ISREG(ws.st_mode) ||
                      access(o.why_old, X_OK) != 0)) {
        snprintf(err, sizeof err,
                 "--why-old: '%s' is not an executable "
                 "file%s%s",
                 o.why_old, errno ? ": " : "", errno ? strerror(errno) : "");
        free(insts);
        return fail(name, err);
    }
    if (o.dry_run && o.measure == MEASURE_INSTRUCTIONS) {
        free(insts);
        return fail(name, "--dry-run runs each benchmark once in time mode: "
                          "leave out --measure=instructions");
    }

    /* Under microbe ab's lockstep (core/lockstep.h): nothing that costs
     * time before this program's first turn. */
    if (!lockstep_start(err, sizeof err)) {
        free(insts);
        return fail(name, err);
    }
    int code = 2;
    pin_choice pin = {.lock_fd = -1, .busy = NAN};
    /* The first look's measuring (more rounds may follow, more_rounds). */
    more_ctx more = {.insts = insts, .n = n, .err = err, .errlen = sizeof err};
    seq_state *seq = NULL;
    double started = seq_clock();
    FILE *out = stdout;
    /* --out-format: the file gets that format and stdout keeps --format;
     * without it, --out takes the place of stdout (the older use). */
    FILE *side = NULL;
    /* --out's file is written whole at the end (file_write_out): a run
     * that fails or is stopped leaves what was there. */
    char *out_buf = NULL;
    size_t out_len = 0;
    bool reported = false;
    mb_run *run = NULL, *base = NULL, **hist = NULL;
    size_t nhist = 0;
    cmp_result *cmp = NULL;
    mb_run *instr[2] = {NULL, NULL}; /* --why's, outliving cmp */
    int why_code = 0;
    char why_err[1200] = "";
    const char *dir = o.archive ? o.archive : archive_default_dir();
    if (o.out && file_check_out(o.out, err, sizeof err) != MB_OK)
        goto done;
    if (o.out && !(out = open_memstream(&out_buf, &out_len))) {
        snprintf(err, sizeof err, "out of memory");
        out = stdout;
        goto done;
    }
    if (o.has_out_format) {
        side = out;
        out = stdout;
    }
    /* A missing baseline is an error before spending time measuring. */
    if (o.baseline && (archive_load_baseline(dir, o.baseline, &base, err,
                                             sizeof err) != MB_OK ||
                       archive_load_history(dir, o.baseline, &hist, &nhist, err,
                                            sizeof err) != MB_OK))
        goto done;

    int cpu = -1;
    if (o.cpu != CPU_NONE &&
        pin_choose(o.cpu, NULL, &pin, err, sizeof err) != MB_OK)
        goto done;
    cpu = pin.cpu;
    run = run_create();
    if (!run) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    base_context(run, &o, prog);
    if (base && !cmp_same_measure(base, run, err, sizeof err))
        goto done;
    run_ctx_num(run, "pinned_cpu", cpu);
    if (cpu >= 0) {
        run_ctx_str(run, "cpu_choice", pin.reason);
        if (isfinite(pin.busy))
            run_ctx_num(run, "cpu_busy", pin.busy);
        if (pin.warning[0])
            run_warn(run, "%s", pin.warning);
    }
    cpuinfo_probe(run);
    env_probe(run, "/", cpu);
    if (o.measure == MEASURE_INSTRUCTIONS) {
        /* No clock and no calibration: callgrind's counts. */
        callgrind_cfg cg = {
            .filter = o.filter,
            .progress = isatty(STDERR_FILENO) && o.format == FMT_CONSOLE,
        };
        /* Load, frequency and hypervisor warnings concern time; counts
         * under callgrind do not depend on them. */
        for (size_t i = 0; i < run->nwarnings; i++)
            free(run->warnings[i]);
        run->nwarnings = 0;
        st = callgrind_run(&cg, insts, n, run, err, sizeof err);
        goto measured;
    }
    double known_ghz = 0;
    if (tsc_from_env(&known_ghz, err, sizeof err) != MB_OK)
        goto done;
    timer_info ti;
    timer_calibrate(&ti, known_ghz);
    timer_context(run, &ti);
    if (known_ghz > 0)
        run_ctx_str(run, "timer_ghz_from", "MICROBE_TSC_GHZ");

    runner_cfg rc = {
        .h =
            {
                .now = timer_now,
                .cpu_now = harness_cpu_now,
                .pause_ticks = harness_pause_cost(timer_now, NULL),
                .pin_threads = o.cpu != CPU_NONE,
                .ns_per_tick = ti.ns_per_tick,
                .overhead_ticks = ti.overhead_ticks,
                .resolution_ns = ti.resolution_ns,
                .min_time_ns =
                    1e9 *
                    (o.min_time > 0 ? o.min_time : HARNESS_DEFAULT_MIN_TIME),
                .samples = o.samples,
                .samples_fixed = o.samples > 0,
                .rounds = o.dry_run      ? 1
                          : o.rounds > 0 ? o.rounds
                                         : HARNESS_DEFAULT_ROUNDS,
                .dry_run = o.dry_run,
                .count_allocs = !o.no_alloc_count,
            },
        .counters_spec = o.counters,
        .backend = counters_papi(),
        .progress = isatty(STDERR_FILENO) && o.format == FMT_CONSOLE,
        .min_time_forced = o.min_time > 0,
        .argv0 = prog,
    };
    rc.h.max_warmup_ns = rc.h.min_time_ns / rc.h.rounds;
    run_ctx_num(run, "min_time", rc.h.min_time_ns / 1e9);
    run_ctx_num(run, "pause_resume_ns",
                (rc.h.overhead_ticks + rc.h.pause_ticks) * rc.h.ns_per_tick);
    run_ctx_num(run, "rounds", rc.h.rounds);
    rc.memo = calloc(n, sizeof *rc.memo);
    more.samples = calloc(n, sizeof *more.samples);
    if (!rc.memo || !more.samples) {
        free(rc.memo);
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    started = seq_clock();
    st = runner_run(&rc, insts, n, run, err, sizeof err);
    more.rc = rc;
    more.run = run;
    for (size_t i = 0; i < n; i++)
        more.samples[i] = rc.memo[i].samples_total;
measured:
    if (st != MB_OK)
        goto done;
    if (o.dry_run) {
        code = dry_report(out, run, err, sizeof err);
        reported = true;
        goto done;
    }
    run_summarize(run);
    /* Results are in the order of insts. .unit wins over --time-unit. */
    for (size_t i = 0; i < run->nresults && i < n; i++) {
        const char *u =
            insts[i].bench->unit ? insts[i].bench->unit : o.time_unit;
        if (u)
            snprintf(run->results[i].unit, sizeof run->results[i].unit, "%s",
                     u);
    }

    if (base) {
        cmp_opts co = {
            .alpha = o.alpha, .threshold = o.threshold, .old_name = o.baseline};
        char label[128];
        snprintf(label, sizeof label, "baseline \"%s\"", o.baseline);
        co.old_name = label;
        /* The saved runs of the baseline give the run-to-run spread; a
         * baseline from before histories were kept is its one run. */
        const mb_run *one[1] = {base};
        co.history = nhist ? (const mb_run *const *)hist : one;
        co.nhistory = nhist ? nhist : 1;
        /* Measuring until decided (docs/sequential.md): while benchmarks
         * are inconclusive, half the rounds again of those, up to
         * SEQ_MAX_LOOKS looks within --max-time, alpha spent over the
         * looks. Counts are exact: one look. --max-time=0: one look. */
        int first = more.run ? more.rc.h.rounds : 1;
        seq_plan plan = seq_baseline_plan(
            o.alpha, first,
            more.run && !(o.max_time_set && o.max_time == 0) ? SEQ_MAX_LOOKS
                                                             : 1);
        seq_loop loop = {.plan = plan,
                         .max_time = o.max_time_set ? o.max_time : -1,
                         .measure = more_rounds,
                         .ctx = &more,
                         .old = base,
                         .now = run,
                         .co = &co,
                         .done = first,
                         .started = started};
        seq_outcome so;
        int c = (seq = seq_new(&plan))
                    ? seq_until_decided(seq, &loop, &cmp, &so)
                    : -1;
        if (c) {
            if (c < 0)
                snprintf(err, sizeof err, "out of memory comparing");
            goto done;
        }
        seq_context(run, "baseline", &so);
    }
    if (o.save_baseline) {
        char id[64];
        if (archive_save(dir, run, o.save_baseline, id, sizeof id, err,
                         sizeof err) != MB_OK)
            goto done;
        fprintf(stderr,
                "%s: saved baseline \"%s\" (run %s, %zu benchmarks) in "
                "%s/baselines/%s.json.zst\n",
                name, o.save_baseline, id, run->nresults, dir, o.save_baseline);
    }
    if (cmp && o.why)
        why_code =
            explain(&o, name, base, run, cmp, instr, why_err, sizeof why_err);

    if (!write_report(out, o.format, run, cmp)) {
        snprintf(err, sizeof err, "cannot write the report%s%s: %s",
                 o.out && !side ? " to " : "", o.out && !side ? o.out : "",
                 strerror(errno));
        goto done;
    }
    if (side && !write_report(side, o.out_format, run, cmp)) {
        snprintf(err, sizeof err, "cannot write the report to %s: %s", o.out,
                 strerror(errno));
        goto done;
    }
    reported = true;
    report_step_summary(name, run, cmp, o.no_step_summary);
    /* Warnings go to stderr when stdout carries data for programs. */
    if (cli_format_is_data(o.format) || out != stdout)
        for (size_t i = 0; i < run->nwarnings; i++)
            fprintf(stderr, "%s: warning: %s\n", name, run->warnings[i]);

    code = 0;
    size_t crashed = 0;
    const char *first_crash = NULL;
    for (size_t i = 0; i < run->nresults; i++)
        if (run->results[i].error) {
            if (!crashed++)
                first_crash = run->results[i].name;
        }
    if (crashed) {
        snprintf(err, sizeof err, "%zu benchmark%s failed (first: %s: %s)",
                 crashed, crashed > 1 ? "s" : "", first_crash,
                 run_find(run, first_crash)->error);
        code = 2;
    } else if (cmp) {
        char what[300];
        snprintf(what, sizeof what, "baseline \"%s\"", o.baseline);
        code = cmp_gate(cmp, o.fail_on_regression, o.fail_on_inconclusive, what,
                        err, sizeof err);
    }
    if (why_code && code == 0) {
        snprintf(err, sizeof err, "%s", why_err);
        code = why_code;
    }
done:
    pin_release(&pin);
    if (side || out != stdout) {
        bool closed = fclose(side ? side : out) == 0;
        if (reported && (!closed || file_write_out(o.out, out_buf, out_len, err,
                                                   sizeof err) != MB_OK)) {
            if (!closed)
                snprintf(err, sizeof err, "cannot write %s: out of memory",
                         o.out);
            code = 2;
        }
        free(out_buf);
    }
    if (code != 0)
        cli_print_error(name, code == 1 ? "regression" : "error",
                        err[0] ? err : mb_strerror(st));
    cmp_free(cmp);
    run_free(instr[0]);
    run_free(instr[1]);
    seq_free(seq); /* after the report: it holds the correction's text */
    free(more.rc.memo);
    free(more.samples);
    run_free(run);
    run_free(base);
    for (size_t i = 0; i < nhist; i++)
        run_free(hist[i]);
    free(hist);
    free(insts);
    /* SIGINT, SIGTERM or SIGHUP while measuring: the workers are gone and
     * the line above said so; now the signal takes its course. */
    proc_reraise();
    return code;
}
