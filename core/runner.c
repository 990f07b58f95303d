/* The worker processes and their protocol with the parent. Each round runs
 * in a fresh process (fork, then exec of the same program, so address-space
 * layout and heap state are drawn anew, as they are between two runs): a
 * run's spread between rounds then shows the process-to-process variation
 * that a later comparison must allow for. The worker streams records
 * through a pipe; the parent keeps every sample, so a crash loses only the
 * benchmark that crashed, and a new worker continues after it. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "lockstep.h"
#include "proc.h"
#include "timer.h"

enum rec_kind {
    REC_BEGIN = 1,
    REC_COUNTERS,
    REC_SAMPLES,
    REC_WARN,
    REC_ERROR,
    REC_FATAL,
    REC_DONE,
    REC_VALUES /* what the body set: result_values_text's lines */
};

typedef struct rec_hdr {
    uint32_t kind, inst, round, len;
} rec_hdr;

/* ---- worker side ------------------------------------------------------ */

/* What the harness does between counters_start and counters_stop besides
 * the body: its two clock reads. */
static void two_reads(void *arg)
{
    const harness_cfg *h = arg;
    (void)h->now(h->clock_ctx);
    (void)h->now(h->clock_ctx);
}

static bool write_all(int fd, const void *p, size_t len)
{
    const char *c = p;
    while (len) {
        ssize_t w = write(fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        len -= (size_t)w;
    }
    return true;
}

static void put_all(int fd, const void *p, size_t len)
{
    if (!write_all(fd, p, len))
        _exit(4); /* the parent is gone: nobody to report to */
}

static void put(int fd, enum rec_kind k, size_t inst, int round,
                const void *payload, size_t len)
{
    rec_hdr h = {k, (uint32_t)inst, (uint32_t)round, (uint32_t)len};
    put_all(fd, &h, sizeof h);
    if (len)
        put_all(fd, payload, len);
}

static void put_text(int fd, enum rec_kind k, size_t inst, int round,
                     const char *s)
{
    put(fd, k, inst, round, s, strlen(s));
}

/* Forwards warnings the worker's scratch run collected since `from`. */
static void put_warnings(int fd, const mb_run *scratch, size_t *from)
{
    for (; *from < scratch->nwarnings; (*from)++)
        put_text(fd, REC_WARN, 0, 0, scratch->warnings[*from]);
}

static void put_samples(int fd, size_t i, int round, const harness_memo *m,
                        const mb_result *r)
{
    size_t per = 4 + r->ncounters;
    size_t len = sizeof *m + r->n * per * sizeof(double);
    char *buf = malloc(len);
    if (!buf)
        _exit(5);
    memcpy(buf, m, sizeof *m);
    double *d = (double *)(buf + sizeof *m);
    for (size_t s = 0; s < r->n; s++, d += per) {
        d[0] = r->iters[s];
        d[1] = r->ns[s];
        d[2] = r->flags[s];
        d[3] = r->cpu_ns[s];
        for (size_t c = 0; c < r->ncounters; c++)
            d[4 + c] = r->counters[s * r->ncounters + c];
    }
    put(fd, REC_SAMPLES, i, round, buf, len);
    free(buf);
}

/* "EV1,EV2,...": up to COUNTERS_MAX names of up to 127 characters. */
static void put_counter_names(int fd, size_t i, const counters *c)
{
    size_t len = 1;
    for (size_t k = 0; k < counters_n(c); k++)
        len += strlen(counters_name(c, k)) + 1;
    char *names = malloc(len);
    if (!names)
        _exit(5);
    char *p = names;
    for (size_t k = 0; k < counters_n(c); k++) {
        const char *name = counters_name(c, k);
        size_t l = strlen(name);
        if (k)
            *p++ = ',';
        memcpy(p, name, l);
        p += l;
    }
    *p = '\0';
    put_text(fd, REC_COUNTERS, i, 0, names);
    free(names);
}

/* What a benchmark's process tells the worker beside its records, in
 * memory the two share (a body may close every file descriptor). */
typedef struct one_note {
    volatile int done;       /* run_one returned */
    volatile int fds_closed; /* the body closed the record pipe */
    volatile int stray_fork; /* harness_cfg.stray_fork */
} one_note;

/* How long a body's children get to come back into the harness. */
#define RUNNER_CHILDREN_S 0.1

/* Reaps this process's ended children and waits up to limit_s for the
 * others to end. */
static void await_children(double limit_s)
{
    for (int waited_ms = 0;;) {
        pid_t w = waitpid(-1, NULL, WNOHANG);
        if (w > 0 || (w < 0 && errno == EINTR))
            continue;
        if (w < 0 || waited_ms >= limit_s * 1000)
            return; /* none left, or the time is up */
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
        waited_ms++;
    }
}

/* The counters instance inst asks for: its own, else the run's. */
static const char *bench_spec(const runner_cfg *cfg, const instance *inst)
{
    return inst->bench->counters ? inst->bench->counters : cfg->counters_spec;
}

/* Does spec name the default set (as counters_open reads it)? */
static bool default_spec(const char *spec)
{
    return !spec || spec[strspn(spec, " \t")] == '\0';
}

/* Runs instance i of round r and writes its records to fd: counters
 * opened for it alone (none when the default set is known to be empty
 * here), then the harness. */
static void run_one(const runner_cfg *cfg, const instance *inst, size_t i,
                    int r, harness_memo *memo, int fd, one_note *note)
{
    mb_run *scratch = run_create(); /* collects counter warnings */
    size_t warned = 0;
    counters *ctr = NULL;
    const char *spec = bench_spec(cfg, inst);
    char err[256] = "";
    if (!(cfg->no_default_counters && default_spec(spec)) &&
        counters_open(cfg->backend, spec, scratch, &ctr, err, sizeof err) !=
            MB_OK) {
        put_text(fd, REC_FATAL, i, r, err);
        _exit(3);
    }
    counters_calibrate(ctr, two_reads, (void *)&cfg->h);
    put_warnings(fd, scratch, &warned);
    put_counter_names(fd, i, ctr);
    mb_result tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.ncounters = counters_n(ctr);
    char warn[512];
    /* The benchmark's own .min_time and .samples win over the run's
     * defaults (not over explicit flags). */
    harness_cfg h = cfg->h;
    const mb_bench *b = inst->bench;
    if (b->min_time > 0 && !cfg->min_time_forced) {
        h.min_time_ns = b->min_time * 1e9;
        h.max_warmup_ns = h.min_time_ns / h.rounds;
    }
    if (b->samples > 0 && !h.samples_fixed) {
        h.samples = b->samples;
        h.samples_fixed = true;
    }
    h.stray_fork = &note->stray_fork;
    /* Timed rounds only: the probe, before and after, says what state
     * the machine was in; the slower of the two counts, so that a round
     * in which the state flipped is not taken for one in the fast state. */
    bool probe = !h.measure && !h.dry_run && !h.count_allocs;
    double probe_before = probe ? harness_probe(&h) : NAN;
    struct stat before, after;
    bool have_fd = fstat(fd, &before) == 0;
    bool entered =
        harness_call(&h, inst, r, memo, ctr, &tmp, warn, sizeof warn);
    /* Children the body left, back in the harness, end at their next
     * batch boundary and say so: a moment for the last ones. */
    await_children(RUNNER_CHILDREN_S);
    memo->probe_ns = probe ? fmax(probe_before, harness_probe(&h)) : NAN;
    if (!tmp.error && note->stray_fork)
        tmp.error = strdup(HARNESS_FORKED);
    /* A body that closed the pipe (or opened something else in its
     * place): nothing can go through it; the worker says why. */
    if (have_fd && (fstat(fd, &after) != 0 || after.st_ino != before.st_ino ||
                    after.st_dev != before.st_dev)) {
        note->fds_closed = 1;
    } else if (!entered) {
        put_text(fd, REC_ERROR, i, r, "its body never reaches MB_LOOP");
    } else {
        put_samples(fd, i, r, memo, &tmp);
        /* The counting pass sends its counts (in the memo) only: what the
         * body set came from the timed rounds. */
        char *values = cfg->h.count_allocs ? NULL : result_values_text(&tmp);
        if (!values && !cfg->h.count_allocs)
            _exit(5);
        if (values && values[0])
            put_text(fd, REC_VALUES, i, r, values);
        free(values);
    }
    if (warn[0] && !note->fds_closed)
        put_text(fd, REC_WARN, i, r, warn);
    tmp.ncounters = 0; /* the names are the counters module's */
    result_clear(&tmp);
    counters_free(ctr);
    run_free(scratch);
}

typedef struct one_ctx {
    const runner_cfg *cfg;
    const instance *inst;
    size_t i;
    int r;
    harness_memo *memo;
    int fd;
    one_note *note;
} one_ctx;

static int run_one_child(void *arg)
{
    one_ctx *c = arg;
    run_one(c->cfg, c->inst, c->i, c->r, c->memo, c->fd, c->note);
    c->note->done = !c->note->fds_closed;
    fflush(NULL); /* what the body printed, before _exit */
    return 0;
}

/* Each benchmark runs in a fork of the worker taken before any benchmark
 * ran, so that none inherits the heap, caches and allocator state another
 * left behind. Measured (docs/design.md): hash/1024 of the evaluation
 * suite, run after nine other benchmarks in one process, came out >5% slow
 * in 28-35% of processes, against 8-15% when run alone. A child that dies
 * in its benchmark takes the worker down the same way, so the runner
 * blames that benchmark as before. */
static void worker(const runner_cfg *cfg, const instance *insts, size_t n,
                   const bool *skip, harness_memo *memo, int r, size_t i0,
                   int fd)
{
    if (cfg->h.count_allocs && !alloc_supported()) {
        /* The counting worker without its library: nothing to count. */
        put_text(fd, REC_WARN, 0, r,
                 "allocations not counted: the counting library did not "
                 "load into its worker (LD_PRELOAD)");
        put(fd, REC_DONE, 0, 0, NULL, 0);
        return;
    }
    one_note *note = mmap(NULL, sizeof *note, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (size_t i = i0; i < n; i++) {
        if (skip[i])
            continue;
        put(fd, REC_BEGIN, i, r, NULL, 0);
        one_ctx c = {cfg, &insts[i], i, r, &memo[i], fd, note};
        /* A worker killed for a timeout takes its child along. */
        proc_spec s = {.run = run_one_child,
                       .ctx = &c,
                       .die_with_parent = true,
                       .no_forward = true};
        proc p;
        char why[128];
        if (note != MAP_FAILED)
            note->done = note->fds_closed = note->stray_fork = 0;
        if (note == MAP_FAILED || !proc_spawn(&p, &s, why, sizeof why)) {
            /* No fork: in this process, as a last resort. */
            one_note here = {0};
            c.note = &here;
            run_one(cfg, &insts[i], i, r, &memo[i], fd, &here);
            continue;
        }
        proc_wait(&p, -1);
        if (note->done)
            continue;
        if (note->fds_closed) {
            put_text(fd, REC_ERROR, i, r,
                     "its body closes file descriptors microbe needs (the pipe "
                     "that carries its samples)");
            continue;
        }
        int status = p.status;
        if (WIFSIGNALED(status)) {
            signal(WTERMSIG(status), SIG_DFL);
            raise(WTERMSIG(status));
        }
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
    }
    put(fd, REC_DONE, 0, 0, NULL, 0);
    if (note != MAP_FAILED)
        munmap(note, sizeof *note);
}

/* ---- the plan: what a fresh worker process is told ------------------- */

#define PLAN_MAGIC 0x4d42504cu /* "MBPL" */

typedef struct plan_hdr {
    uint32_t magic;
    int32_t samples, rounds, round;
    double ns_per_tick, overhead_ticks, resolution_ns, min_time_ns,
        max_warmup_ns, pause_ticks;
    uint8_t samples_fixed, min_time_forced, dry_run, count_allocs, pin_threads,
        no_default_counters;
    uint32_t i0, n, spec_len; /* spec_len UINT32_MAX: no spec */
} plan_hdr;

typedef struct plan_inst {
    harness_memo memo;
    uint8_t skip;
    uint16_t name_len;
} plan_inst;

static bool read_all(int fd, void *p, size_t len)
{
    char *c = p;
    while (len) {
        ssize_t got = read(fd, c, len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        c += got;
        len -= (size_t)got;
    }
    return true;
}

static bool send_plan(int fd, const runner_cfg *cfg, const instance *insts,
                      size_t n, const bool *skip, const harness_memo *memo,
                      int round, size_t i0)
{
    const harness_cfg *h = &cfg->h;
    plan_hdr hd = {
        .magic = PLAN_MAGIC,
        .samples = h->samples,
        .rounds = h->rounds,
        .round = round,
        .ns_per_tick = h->ns_per_tick,
        .overhead_ticks = h->overhead_ticks,
        .resolution_ns = h->resolution_ns,
        .min_time_ns = h->min_time_ns,
        .max_warmup_ns = h->max_warmup_ns,
        .pause_ticks = h->pause_ticks,
        .samples_fixed = h->samples_fixed,
        .pin_threads = h->pin_threads,
        .min_time_forced = cfg->min_time_forced,
        .dry_run = h->dry_run,
        .count_allocs = h->count_allocs,
        .no_default_counters = cfg->no_default_counters,
        .i0 = (uint32_t)i0,
        .n = (uint32_t)n,
        .spec_len = cfg->counters_spec ? (uint32_t)strlen(cfg->counters_spec)
                                       : UINT32_MAX,
    };
    if (!proc_write_all(fd, &hd, sizeof hd) ||
        (cfg->counters_spec &&
         !proc_write_all(fd, cfg->counters_spec, hd.spec_len)))
        return false;
    for (size_t i = 0; i < n; i++) {
        plan_inst pi = {.memo = memo[i],
                        .skip = skip[i],
                        .name_len = (uint16_t)strlen(insts[i].name)};
        if (!proc_write_all(fd, &pi, sizeof pi) ||
            !proc_write_all(fd, insts[i].name, pi.name_len))
            return false;
    }
    return true;
}

/* --mb-worker=run:PLANFD:RECFD:PARENT from this module's spawn: two pipes,
 * and the process that passed them is our parent. Anything else was given
 * by hand. */
static bool from_runner(const char *arg, int *in, int *out)
{
    long parent = 0;
    int used = 0;
    struct stat a, b;
    return sscanf(arg, "run:%d:%d:%ld%n", in, out, &parent, &used) == 3 &&
           arg[used] == '\0' && parent > 1 && parent == (long)getppid() &&
           fstat(*in, &a) == 0 && S_ISFIFO(a.st_mode) && fstat(*out, &b) == 0 &&
           S_ISFIFO(b.st_mode);
}

int runner_worker_main(const char *arg)
{
    int in = -1, out = -1;
    plan_hdr hd;
    if (!from_runner(arg, &in, &out) || !read_all(in, &hd, sizeof hd) ||
        hd.magic != PLAN_MAGIC)
        return -1;
    /* What the bodies print goes to stderr: stdout is the report's, and
     * the parent alone writes it. */
    dup2(STDERR_FILENO, STDOUT_FILENO);
    char *spec = NULL;
    if (hd.spec_len != UINT32_MAX) {
        spec = calloc(hd.spec_len + 1, 1);
        if (!spec || !read_all(in, spec, hd.spec_len))
            return 3;
    }
    instance *all = NULL;
    size_t nall = 0;
    char err[256];
    if (registry_expand(registry_first(), &all, &nall, err, sizeof err) !=
        MB_OK)
        return 3;
    instance *insts = calloc(hd.n + 1, sizeof *insts);
    bool *skip = calloc(hd.n + 1, sizeof *skip);
    harness_memo *memo = calloc(hd.n + 1, sizeof *memo);
    if (!insts || !skip || !memo)
        return 3;
    for (uint32_t i = 0; i < hd.n; i++) {
        plan_inst pi;
        char name[sizeof insts[0].name] = "";
        if (!read_all(in, &pi, sizeof pi) || pi.name_len >= sizeof name ||
            !read_all(in, name, pi.name_len))
            return 3;
        memo[i] = pi.memo;
        skip[i] = pi.skip;
        size_t k = 0;
        while (k < nall && strcmp(all[k].name, name) != 0)
            k++;
        if (k == nall) {
            snprintf(err, sizeof err,
                     "benchmark %s is missing from the "
                     "worker",
                     name);
            put_text(out, REC_FATAL, i, hd.round, err);
            return 3;
        }
        insts[i] = all[k];
    }
    close(in);
    runner_cfg cfg = {
        .h = {.now = timer_now,
              .cpu_now = harness_cpu_now,
              .turn = lockstep_hook(),
              .pause_ticks = hd.pause_ticks,
              .pin_threads = hd.pin_threads,
              .ns_per_tick = hd.ns_per_tick,
              .overhead_ticks = hd.overhead_ticks,
              .resolution_ns = hd.resolution_ns,
              .min_time_ns = hd.min_time_ns,
              .max_warmup_ns = hd.max_warmup_ns,
              .samples = hd.samples,
              .samples_fixed = hd.samples_fixed,
              .rounds = hd.rounds,
              .dry_run = hd.dry_run,
              .count_allocs = hd.count_allocs},
        .counters_spec = spec,
        .no_default_counters = hd.no_default_counters,
        .backend = counters_papi(),
        .min_time_forced = hd.min_time_forced,
    };
    worker(&cfg, insts, hd.n, skip, memo, hd.round, hd.i0, out);
    free(insts);
    free(skip);
    free(memo);
    free(all);
    free(spec);
    return 0;
}

/* What the child of a fresh worker runs: the exec, or without one (no
 * /proc, or a test) the round in this fork. */
typedef struct spawn_ctx {
    const runner_cfg *cfg;
    const instance *insts;
    size_t n;
    const bool *skip;
    harness_memo *memo;
    int r;
    size_t i0;
    int rec[2], plan[2];
    int lib_fd; /* the counting library for LD_PRELOAD; -1: none */
} spawn_ctx;

static void close_parent_ends(void *arg)
{
    spawn_ctx *c = arg;
    close(c->rec[0]);
    close(c->plan[1]);
    if (c->lib_fd >= 0) /* kept open across the exec, for the loader */
        fcntl(c->lib_fd, F_SETFD, 0);
}

/* This process's environment with LD_PRELOAD naming the counting library
 * (/proc/self/fd/N, ahead of any the user preloads); NULL on no memory.
 * The array and its one new string are freed with free_env. */
extern char **environ;
static char **preload_env(int lib_fd)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    const char *old = getenv("LD_PRELOAD");
    size_t len = 64 + (old ? strlen(old) : 0);
    char *pre = malloc(len);
    if (!env || !pre) {
        free(env);
        free(pre);
        return NULL;
    }
    snprintf(pre, len, "LD_PRELOAD=/proc/self/fd/%d%s%s", lib_fd,
             old && *old ? ":" : "", old ? old : "");
    size_t k = 0;
    env[k++] = pre;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            env[k++] = environ[i];
    env[k] = NULL;
    return env;
}

static void free_env(char **env)
{
    if (env)
        free(env[0]);
    free(env);
}

static int round_in_fork(void *arg)
{
    spawn_ctx *c = arg;
    close(c->plan[0]);
    dup2(STDERR_FILENO, STDOUT_FILENO); /* as runner_worker_main does */
    worker(c->cfg, c->insts, c->n, c->skip, c->memo, c->r, c->i0, c->rec[1]);
    return 0;
}

/* Starts a worker for round r from instance i0; *rfd gets its records.
 * Round cfg->h.rounds is the counting pass: its worker alone has the
 * counting library (lib_fd) preloaded. */
static bool spawn(proc *p, const runner_cfg *run_cfg, const instance *insts,
                  size_t n, const bool *skip, harness_memo *memo, int r,
                  size_t i0, int lib_fd, int *rfd, char *err, size_t errlen)
{
    runner_cfg counting = *run_cfg;
    counting.h.count_allocs = r >= run_cfg->h.rounds;
    const runner_cfg *cfg = &counting;
    if (!counting.h.count_allocs)
        lib_fd = -1;
    spawn_ctx c = {cfg, insts, n,        skip,     memo,
                   r,   i0,    {-1, -1}, {-1, -1}, lib_fd};
    char flag[64], why[128] = "";
    char *argv[] = {(char *)cfg->argv0, flag, NULL};
    char **env = lib_fd >= 0 ? preload_env(lib_fd) : NULL;
    proc_spec s = {
        .exe = cfg->argv0 ? "/proc/self/exe" : NULL,
        .argv = argv,
        .envp = env,
        .run = round_in_fork,
        .ctx = &c,
        .in_child = close_parent_ends,
        .die_with_parent = true,
    };
    bool ok = pipe(c.rec) == 0 && pipe(c.plan) == 0;
    if (!ok)
        snprintf(why, sizeof why, "%s", strerror(errno));
    if (ok) {
        snprintf(flag, sizeof flag, "--mb-worker=run:%d:%d:%ld", c.plan[0],
                 c.rec[1], (long)getpid());
        ok = proc_spawn(p, &s, why, sizeof why);
    }
    free_env(env);
    if (!ok) {
        snprintf(err, errlen, "cannot start a benchmark worker: %s", why);
        for (int k = 0; k < 2; k++) {
            if (c.rec[k] >= 0)
                close(c.rec[k]);
            if (c.plan[k] >= 0)
                close(c.plan[k]);
        }
        return false;
    }
    close(c.rec[1]);
    close(c.plan[0]);
    /* The child reads the whole plan before it writes: no deadlock. A
     * worker that died early is seen on the record pipe. */
    send_plan(c.plan[1], cfg, insts, n, skip, memo, r, i0);
    close(c.plan[1]);
    *rfd = c.rec[0];
    return true;
}

/* ---- parent side ------------------------------------------------------ */

/* Reads exactly len bytes; false on EOF, error, timeout or a signal. */
static bool get_all(int fd, void *p, size_t len, int timeout_ms,
                    bool *timed_out)
{
    char *c = p;
    while (len) {
        int rc = proc_wait_fd(fd, timeout_ms);
        if (rc <= 0) {
            *timed_out = rc == 0;
            return false;
        }
        ssize_t got = read(fd, c, len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        c += got;
        len -= (size_t)got;
    }
    return true;
}

static void set_names(mb_result *r, const char *list)
{
    if (r->ncounters || !*list)
        return;
    size_t k = 1;
    for (const char *p = list; *p; p++)
        k += *p == ',';
    r->counter_names = calloc(k, sizeof(char *));
    if (!r->counter_names)
        return;
    const char *p = list;
    for (size_t c = 0; c < k; c++) {
        size_t len = strcspn(p, ",");
        r->counter_names[c] = strndup(p, len);
        p += len + (p[len] == ',');
    }
    r->ncounters = k;
}

static void add_samples(mb_result *r, harness_memo *m, int round,
                        const char *buf, size_t len)
{
    if (len < sizeof *m)
        return;
    memcpy(m, buf, sizeof *m);
    size_t per = 4 + r->ncounters;
    size_t ns = (len - sizeof *m) / sizeof(double) / per;
    const double *d = (const double *)(buf + sizeof *m);
    for (size_t s = 0; s < ns; s++, d += per)
        result_add_sample_cpu(r, d[0], d[1], d[3], d + 4, (uint8_t)d[2],
                              (uint16_t)round);
    if (isfinite(m->probe_ns) && m->probe_ns > 0 && round >= 0 &&
        round <= UINT16_MAX)
        (void)result_set_probe(r, (uint16_t)round, m->probe_ns);
}

/* Merges a round's values into r; a skipped or failed benchmark is not
 * run again in later rounds. */
static void add_values(mb_result *r, char *text, bool *skip)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        (void)result_value_line(r, line);
    if (r->skipped || r->error)
        *skip = true;
}

mb_status runner_add_results(mb_run *run, const instance *insts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mb_result *r = run_add_result(run);
        if (!r)
            return MB_ERR_NO_MEMORY;
        const mb_bench *b = insts[i].bench;
        r->name = strdup(insts[i].name);
        r->family = strdup(insts[i].family);
        r->group = b->group ? strdup(b->group) : NULL;
        r->bench = strdup(b->name);
        r->arg = insts[i].arg;
        r->has_arg = insts[i].has_arg;
        r->nargs = insts[i].nargs;
        memcpy(r->args, insts[i].args, sizeof r->args);
        r->others = strdup(insts[i].others);
        r->threads = insts[i].threads;
        r->items = b->items;
        r->bytes = b->bytes;
        if (!r->name || !r->family || !r->bench || !r->others ||
            (b->group && !r->group))
            return MB_ERR_NO_MEMORY;
    }
    return MB_OK;
}

/* The interference the harness saw, into the results, and one warning
 * when rounds had to be measured again. */
static void runner_interference(mb_run *run, size_t base,
                                const harness_memo *memo, size_t n)
{
    size_t again = 0, benches = 0;
    for (size_t i = 0; i < n; i++) {
        mb_result *r = &run->results[base + i];
        r->remeasured = memo[i].remeasured > 0 ? (size_t)memo[i].remeasured : 0;
        r->run_delay_ns = memo[i].run_delay_ns;
        r->steal_ns = memo[i].steal_ns;
        again += r->remeasured;
        benches += r->remeasured > 0;
    }
    if (again)
        run_warn(run,
                 "%zu round%s of %zu benchmark%s measured again: most of "
                 "their samples were disturbed (another task had the CPU); "
                 "see remeasured_rounds and run_delay_ns in the JSON",
                 again, again > 1 ? "s" : "", benches, benches > 1 ? "s" : "");
}

/* The probe's child: when the default set yields no counter here, its
 * warnings (the reason) and REC_DONE go to fd[1]; when it yields some,
 * nothing. */
typedef struct probe_ctx {
    const counter_backend *be;
    int fd[2];
} probe_ctx;

static int probe_child(void *arg)
{
    probe_ctx *c = arg;
    mb_run *scratch = run_create();
    counters *ctr = NULL;
    size_t warned = 0;
    close(c->fd[0]);
    if (scratch &&
        counters_open(c->be, NULL, scratch, &ctr, NULL, 0) == MB_OK &&
        counters_n(ctr) == 0) {
        put_warnings(c->fd[1], scratch, &warned);
        put(c->fd[1], REC_DONE, 0, 0, NULL, 0);
    }
    counters_free(ctr);
    run_free(scratch);
    return 0;
}

/* True when some instance counts the default set and that set yields no
 * counter on this machine; the reason then goes into run's warnings. Found
 * once per run instead of in every benchmark's process (starting PAPI takes
 * milliseconds each), and in a short-lived child, so that this process,
 * whose forks may run benchmarks without an exec, never starts the counter
 * library. False when the set yields some, or the child could not say:
 * each benchmark's process then opens its own set, as it always does. */
static bool no_default_counters(const runner_cfg *cfg, const instance *insts,
                                size_t n, const bool *skip, mb_run *run,
                                double timeout_s)
{
    bool wanted = false;
    for (size_t i = 0; i < n && !wanted; i++)
        wanted = !skip[i] && default_spec(bench_spec(cfg, &insts[i]));
    probe_ctx c = {cfg->backend, {-1, -1}};
    proc_spec s = {.run = probe_child,
                   .ctx = &c,
                   .die_with_parent = true,
                   .no_forward = true};
    proc p;
    char why[128];
    if (!wanted || cfg->h.dry_run || pipe(c.fd) != 0)
        return false;
    bool spawned = proc_spawn(&p, &s, why, sizeof why), none = false,
         timed_out = false;
    close(c.fd[1]);
    rec_hdr h;
    char buf[512];
    int ms = (int)(timeout_s * 1000);
    while (spawned && !none && get_all(c.fd[0], &h, sizeof h, ms, &timed_out) &&
           h.len < sizeof buf && get_all(c.fd[0], buf, h.len, ms, &timed_out)) {
        buf[h.len] = '\0';
        if (h.kind == REC_WARN)
            run_warn(run, "%s", buf);
        none = h.kind == REC_DONE;
    }
    close(c.fd[0]);
    if (spawned && (timed_out || proc_wait(&p, timeout_s) != PROC_ENDED))
        proc_kill(&p);
    return none;
}

/* After a signal: the worker was sent it too; it gets a moment to go,
 * then SIGKILL. */
#define RUNNER_GRACE_S 2.0

mb_status runner_run(const runner_cfg *cfg, const instance *insts, size_t n,
                     mb_run *run, char *err, size_t errlen)
{
    if (cfg->more && run->nresults < n)
        return MB_ERR_USAGE;
    size_t base = cfg->more ? run->nresults - n : run->nresults;
    if (!cfg->more && runner_add_results(run, insts, n) != MB_OK)
        return MB_ERR_NO_MEMORY;
    bool *skip = calloc(n ? n : 1, sizeof *skip);
    harness_memo *own = cfg->memo ? NULL : calloc(n ? n : 1, sizeof *own);
    harness_memo *memo = cfg->memo ? cfg->memo : own;
    if (!skip || !memo) {
        free(skip);
        free(own);
        return MB_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < n; i++)
        skip[i] = (cfg->only && !cfg->only[i]) ||
                  (cfg->more && (run->results[base + i].error ||
                                 run->results[base + i].skipped));
    double timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s
                                          : 60 + 20 * cfg->h.min_time_ns / 1e9;
    /* After the timed rounds, the counting pass: one more "round" in a
     * worker of its own, with the counting library preloaded there only
     * (not when adding rounds: the first rounds' pass counted). */
    int lib_fd = -1;
    if (cfg->h.count_allocs && !cfg->h.dry_run && !cfg->more && cfg->argv0 &&
        alloc_library()) {
        char why[160];
        lib_fd = alloc_library_fd(why, sizeof why);
        if (lib_fd < 0)
            run_warn(run, "allocations not counted: %s", why);
    }
    runner_cfg probed = *cfg;
    probed.no_default_counters =
        no_default_counters(cfg, insts, n, skip, run, timeout_s);
    cfg = &probed;
    int rounds = cfg->h.rounds + (lib_fd >= 0);
    mb_status st = MB_OK;
    int r0 = cfg->more ? cfg->first_round : 0;
    size_t i0 = 0;
    bool done = n == 0 || r0 >= rounds;
    proc_hold(); /* a signal between two workers is not lost either */
    while (!done && st == MB_OK) {
        int rfd;
        proc p;
        if (!spawn(&p, cfg, insts, n, skip, memo, r0, i0, lib_fd, &rfd, err,
                   errlen)) {
            st = MB_ERR_CRASHED;
            break;
        }
        long cur = -1;
        int cur_round = r0;
        bool finished = false, timed_out = false;
        rec_hdr h;
        char *buf = NULL;
        while (
            get_all(rfd, &h, sizeof h, (int)(timeout_s * 1000), &timed_out)) {
            char *nb = realloc(buf, h.len + 1);
            if (!nb)
                break;
            buf = nb;
            if (h.len &&
                !get_all(rfd, buf, h.len, (int)(timeout_s * 1000), &timed_out))
                break;
            buf[h.len] = '\0';
            mb_result *r = h.inst < n ? &run->results[base + h.inst] : NULL;
            if (h.kind == REC_BEGIN) {
                cur = h.inst;
                cur_round = (int)h.round;
                if (cfg->progress && (int)h.round >= cfg->h.rounds)
                    fprintf(stderr, "\rcounting allocations  %-60.60s",
                            insts[h.inst].name);
                else if (cfg->progress)
                    fprintf(stderr, "\rround %u/%d  %-60.60s", h.round + 1,
                            cfg->h.rounds, insts[h.inst].name);
            } else if (h.kind == REC_COUNTERS && r) {
                set_names(r, buf);
            } else if (h.kind == REC_SAMPLES && r) {
                add_samples(r, &memo[h.inst], (int)h.round, buf, h.len);
            } else if (h.kind == REC_VALUES && r) {
                add_values(r, buf, &skip[h.inst]);
            } else if (h.kind == REC_WARN) {
                run_warn(run, "%s", buf);
            } else if (h.kind == REC_ERROR && r) {
                free(r->error);
                r->error = strdup(buf);
                skip[h.inst] = true;
            } else if (h.kind == REC_FATAL) {
                snprintf(err, errlen, "%s", buf);
                st = MB_ERR_COUNTERS;
                break;
            } else if (h.kind == REC_DONE) {
                finished = true;
                break;
            }
        }
        free(buf);
        close(rfd);
        if (timed_out)
            proc_kill_timed_out(&p, timeout_s);
        else if (st != MB_OK)
            proc_kill(&p);
        else /* its pipe is closed: it has nothing more to say */
            proc_stop(&p, finished && !proc_interrupted() ? timeout_s
                                                          : RUNNER_GRACE_S);
        int sig = proc_interrupted();
        if (sig) {
            char name[32];
            snprintf(err, errlen,
                     "interrupted by %s%s%s; its worker was stopped",
                     proc_signame(sig, name, sizeof name),
                     cur >= 0 ? " while running " : "",
                     cur >= 0 ? insts[cur].name : "");
            st = MB_ERR_CRASHED;
            break;
        }
        if (cfg->progress)
            fprintf(stderr, "\r%80s\r", "");
        if (st != MB_OK)
            break;
        if (finished) {
            /* The round is complete: the next one in a fresh process. */
            r0++;
            i0 = 0;
            done = r0 >= rounds;
            continue;
        }
        char why[200];
        proc_describe(&p, why, sizeof why);
        if (p.timed_out)
            snprintf(why + strlen(why), sizeof why - strlen(why),
                     " (too slow for its time budget, or hung)");
        if (cur < 0) {
            snprintf(err, errlen,
                     "the benchmark worker %s before running any benchmark",
                     why);
            st = MB_ERR_CRASHED;
            break;
        }
        mb_result *r = &run->results[base + (size_t)cur];
        free(r->error);
        r->error = strdup(why);
        skip[cur] = true;
        /* Continue right after the benchmark that died. */
        r0 = cur_round;
        i0 = (size_t)cur + 1;
        if (i0 >= n) {
            r0++;
            i0 = 0;
        }
        done = r0 >= rounds;
    }
    if (st == MB_OK)
        runner_interference(run, base, memo, n);
    /* What each instance's allocation counting pass saw. */
    for (size_t i = 0; i < n; i++) {
        mb_result *r = &run->results[base + i];
        r->alloc_iters = (double)memo[i].alloc_iters;
        r->allocs = (double)memo[i].allocs;
        r->alloc_bytes = (double)memo[i].alloc_bytes;
        r->alloc_peak = (double)memo[i].alloc_peak;
        r->alloc_net = (double)memo[i].alloc_net;
    }
    proc_release();
    free(skip);
    free(own);
    return st;
}
