/* MB_LOOP's batches: calibration, warm-up until stable, sampling, for any
 * measurement backend (core/measure.h) and for teams of threads; and what
 * a body may call on its state. */
#include "harness.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "measure.h"
#include "pin.h"

/* A team: the threads of one .threads benchmark, one state each. Thread 0
 * (the caller's) leads: at the start of every batch all threads meet at
 * barrier `a`, the leader takes the previous batch (the mean of the
 * threads' times) through the loop and decides the next, and barrier `b`
 * releases them together into it. */
struct team {
    pthread_barrier_t a, b;
    pthread_mutex_t gate_lock; /* threads start once all exist */
    pthread_cond_t gate_cond;
    int gate; /* 0: wait, 1: run, -1: not all could start: return */
    mb_state *st;
    int n;
    bool started;
    uint64_t next; /* iterations of the next batch; 0: done */
    enum harness_phase phase;
};

/* ---- what a body calls ------------------------------------------------- */

int64_t mb_arg(const mb_state *state)
{
    return state->inst->arg;
}

int64_t mb_arg_at(const mb_state *state, size_t i)
{
    return i < state->inst->nargs ? state->inst->args[i] : 0;
}

void *mb_data(const mb_state *state)
{
    return state->inst->bench->data;
}

int mb_thread_index(const mb_state *state)
{
    return state->thread;
}

int mb_thread_count(const mb_state *state)
{
    return state->nthreads;
}

void mb_pause(mb_state *st)
{
    if (st->paused)
        return;
    st->paused = true;
    st->be->pause(st);
}

void mb_resume(mb_state *st)
{
    if (!st->paused)
        return;
    st->be->resume(st);
    st->paused = false;
}

void mb_set_iteration_time(mb_state *st, double seconds)
{
    if (seconds > 0)
        st->manual_ns += seconds * 1e9;
}

void mb_set_items(mb_state *st, double n)
{
    if (n >= 0)
        st->items = n;
}

void mb_set_bytes(mb_state *st, double n)
{
    if (n >= 0)
        st->bytes = n;
}

void mb_counter(mb_state *st, const char *name, double value, int flags)
{
    if (!name || !*name)
        return;
    size_t k = 0;
    while (k < st->nuser &&
           strncmp(st->user[k].name, name, sizeof st->user[k].name - 1) != 0)
        k++;
    if (k == st->nuser) {
        if (k == HARNESS_MAX_USER)
            return;
        snprintf(st->user[k].name, sizeof st->user[k].name, "%s", name);
        st->nuser++;
    }
    st->user[k].value = value;
    st->user[k].flags = flags & (MB_COUNTER_RATE | MB_COUNTER_PER_ITER);
}

/* A printf-formatted message on one line, malloc'd (NULL: no memory). */
static char *format_line(const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt ? fmt : "", ap);
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return strdup(buf);
}

void mb_label(mb_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = format_line(fmt, ap);
    va_end(ap);
    free(st->label);
    st->label = s;
}

void mb_skip(mb_state *st, const char *fmt, ...)
{
    if (st->skip || st->error)
        return;
    va_list ap;
    va_start(ap, fmt);
    st->skip = format_line(fmt, ap);
    va_end(ap);
    st->stop = true;
}

void mb_error(mb_state *st, const char *fmt, ...)
{
    if (st->skip || st->error)
        return;
    va_list ap;
    va_start(ap, fmt);
    st->error = format_line(fmt, ap);
    va_end(ap);
    st->stop = true;
}

/* ---- misuse ------------------------------------------------------------ */

/* The body misused MB_LOOP: the benchmark fails with `what`, and its loop
 * ends at the next batch. */
static void misuse(mb_state *st, const char *what)
{
    if (!st->error && !st->skip)
        st->error = strdup(what);
    st->stop = true;
}

/* A process the body forked, back in the harness: it must neither measure
 * nor report. It tells the measuring process and ends. */
static void not_ours(const mb_state *st)
{
    if (getpid() == st->pid)
        return;
    if (st->cfg->stray_fork)
        *st->cfg->stray_fork = 1;
    _exit(0);
}

void mb_batch_left(mb_state *st)
{
    misuse(st, HARNESS_BREAK);
}

/* ---- the loop ---------------------------------------------------------- */

/* Pauses cost two clock reads each; when the paused work is most of the
 * batch, the subtraction of their cost carries the result (a warning),
 * and batches are sized by wall time instead (advance). */
#define PAUSE_DWARF_FACTOR 10.0

static void decide_samples(mb_state *st, double per_iter_ns)
{
    const harness_cfg *cfg = st->cfg;
    harness_memo *m = st->memo;
    double iters = ceil(st->target_ns / fmax(per_iter_ns, 1e-3));
    if (iters > (double)HARNESS_MAX_ITERS)
        iters = (double)HARNESS_MAX_ITERS;
    m->iters = iters < 1 ? 1 : (uint64_t)iters;
    m->ns_per_iter = per_iter_ns;
    int want = cfg->samples > 0 ? cfg->samples : HARNESS_DEFAULT_SAMPLES;
    if (!cfg->samples_fixed && m->iters == 1) {
        /* Slower than a sample's share of the budget: as many samples as
         * fit, but never fewer than the minimum in each round, so that no
         * round's level (its 10th percentile, core/compare.c) rests on one
         * or two samples. */
        int rounds = cfg->rounds > 0 ? cfg->rounds : 1;
        int least = HARNESS_MIN_SAMPLES * rounds;
        double fit = floor(cfg->min_time_ns / fmax(per_iter_ns, 1));
        if (fit < want)
            want = fit < least ? least : (int)fit;
        if (want < least)
            want = least;
        if (per_iter_ns * least > 2 * cfg->min_time_ns)
            snprintf(st->warn, st->warnlen,
                     "%s: one iteration takes %.3g ms, more than its time "
                     "budget allows (%.3g ms for %d samples, %d a round); "
                     "raise --min-time",
                     st->inst->name, per_iter_ns / 1e6, cfg->min_time_ns / 1e6,
                     least, HARNESS_MIN_SAMPLES);
    }
    m->samples_total = want;
}

static void start_round(mb_state *st)
{
    harness_memo *m = st->memo;
    int left = m->samples_total - m->samples_taken;
    int rounds_left = st->cfg->rounds - st->round;
    if (rounds_left < 1)
        rounds_left = 1;
    st->round_samples = (left + rounds_left - 1) / rounds_left;
    st->n = m->iters;
    st->phase = st->round_samples > 0 ? PHASE_WARMUP : PHASE_DONE;
}

/* Stable: the last three warm-up batches agree within 5%. */
static bool warm(mb_state *st, double per_iter)
{
    st->recent[st->nrecent++ % 3] = per_iter;
    if (st->warm_ns >= st->cfg->max_warmup_ns)
        return true;
    if (st->nrecent < 3)
        return false;
    double lo = fmin(st->recent[0], fmin(st->recent[1], st->recent[2]));
    double hi = fmax(st->recent[0], fmax(st->recent[1], st->recent[2]));
    return hi <= lo * 1.05 || hi - lo < st->cfg->resolution_ns;
}

/* Takes one measured batch of st->n iterations (in each of the team's
 * threads) through calibration, warm-up and sampling. Calibration counts
 * a thread's iterations; a sample holds all threads' iterations, so its
 * time per iteration is Google Benchmark's for threads (the threads' mean
 * time over their total iterations). */
static void advance(mb_state *st, const batch *b)
{
    double ns = b->ns;
    double per_iter = ns / (double)st->n;
    /* What the batch cost, for sizing batches and the warm-up budget: its
     * measured time, or a PAUSE_DWARF_FACTOR-th of its wall time when
     * that is more. A body whose work is (nearly) all paused, or whose
     * manual time is far below what it runs, measures ~0: sized by the
     * measured time alone its batches grew to HARNESS_MAX_ITERS (hours of
     * paused work). So no batch runs longer than PAUSE_DWARF_FACTOR times
     * the target; a body pausing less than that is sized as before. */
    double cost = fmax(ns, b->wall_ns / PAUSE_DWARF_FACTOR);
    double cost_per_iter = cost / (double)st->n;
    switch (st->phase) {
    case PHASE_CALIBRATE:
        if (cost >= st->target_ns || st->n >= HARNESS_MAX_ITERS) {
            decide_samples(st, cost_per_iter);
            st->memo->ns_per_iter = per_iter; /* what it measured */
            start_round(st);
            st->warm_ns = cost; /* calibration batches warmed up too */
            (void)warm(st, per_iter);
        } else if (cost < st->target_ns / 10) {
            st->n =
                st->n * 10 < HARNESS_MAX_ITERS ? st->n * 10 : HARNESS_MAX_ITERS;
        } else {
            double next = ceil((double)st->n * st->target_ns / cost * 1.2);
            st->n = next < (double)HARNESS_MAX_ITERS ? (uint64_t)next
                                                     : HARNESS_MAX_ITERS;
        }
        break;
    case PHASE_WARMUP:
        st->warm_ns += cost;
        if (warm(st, per_iter))
            st->phase = PHASE_SAMPLE;
        break;
    case PHASE_SAMPLE:
        result_add_sample_cpu(st->out, (double)st->n * st->nthreads, ns,
                              b->cpu_ns, st->vals, b->flags,
                              (uint16_t)st->round);
        st->memo->samples_taken++;
        st->memo->run_delay_ns += b->waited_ns;
        st->round_disturbed += (b->flags & SAMPLE_DISTURBED) != 0;
        if (++st->round_taken < st->round_samples)
            break;
        if (!st->cfg->dry_run && 2 * st->round_disturbed > st->round_taken &&
            st->retries < HARNESS_MAX_REMEASURE) {
            /* Mostly disturbed: other work had the CPU for much of the
             * round. Its samples go, and the round is taken again. */
            st->out->n -= (size_t)st->round_taken;
            st->memo->samples_taken -= st->round_taken;
            st->memo->remeasured++;
            st->retries++;
            st->round_taken = st->round_disturbed = 0;
            break;
        }
        st->phase = PHASE_DONE;
        break;
    case PHASE_DONE:
    case PHASE_ALLOCS:
        break;
    }
}

#define PROBE_KEYS  1024
#define PROBE_SLOTS 4096 /* 16 KiB: in L1 */
#define PROBE_REPS  16

/* One probe step: PROBE_KEYS keys into an open-addressing table, as a
 * hash set does (loads, stores and branches on L1-resident data). */
static uint32_t probe_table(uint32_t *t)
{
    uint32_t x = 12345, dups = 0;
    memset(t, 0, PROBE_SLOTS * sizeof *t);
    for (int i = 0; i < PROBE_KEYS; i++) {
        x = x * 1664525u + 1013904223u;
        uint32_t key = (x >> 8) | 1,
                 h = (key * 2654435761u) & (PROBE_SLOTS - 1);
        while (t[h] && t[h] != key)
            h = (h + 1) & (PROBE_SLOTS - 1);
        if (t[h] == key)
            dups++;
        else
            t[h] = key;
    }
    return dups;
}

double harness_probe(const harness_cfg *h)
{
    static uint32_t table[PROBE_SLOTS];
    uint64_t best = UINT64_MAX;
    volatile uint32_t sink = 0;
    for (int k = 0; k < PROBE_REPS; k++) {
        uint64_t t0 = h->now(h->clock_ctx);
        sink += probe_table(table);
        uint64_t t1 = h->now(h->clock_ctx);
        if (t1 > t0 && t1 - t0 < best)
            best = t1 - t0;
    }
    (void)sink;
    double ticks = (double)best - h->overhead_ticks;
    return best != UINT64_MAX && ticks > 0 ? ticks * h->ns_per_tick / PROBE_KEYS
                                           : NAN;
}

/* The counting pass (cfg->count_allocs, in the counting worker, after
 * every timed round): one batch that counts the allocations, never timed.
 * Not for teams, nor for an instance never calibrated. */
static bool start_allocs(mb_state *st)
{
    if (!st->cfg->count_allocs || st->memo->alloc_iters ||
        st->memo->iters == 0 || st->be == measure_instructions() ||
        st->cfg->dry_run || st->stop || !alloc_supported())
        return false;
    st->phase = PHASE_ALLOCS;
    st->n = st->memo->iters < HARNESS_ALLOC_ITERS ? st->memo->iters
                                                  : HARNESS_ALLOC_ITERS;
    if (st->n == 0)
        st->n = 1;
    alloc_begin(); /* last: the body's allocations follow */
    return true;
}

static void end_allocs(mb_state *st)
{
    alloc_counts c;
    alloc_end(&c);
    harness_memo *m = st->memo;
    m->alloc_iters = st->n;
    m->allocs = c.allocs;
    m->alloc_bytes = c.bytes;
    m->alloc_peak = c.peak;
    m->alloc_net = c.net;
    st->phase = PHASE_DONE;
}

/* Under lockstep (harness_cfg.turn): the other program's turn before
 * each sample, so that the two alternate sample by sample, the k-th
 * sample of one next to the k-th of the other. */
static void take_turn(const mb_state *st)
{
    if (st->cfg->turn && st->phase == PHASE_SAMPLE)
        st->cfg->turn();
}

/* The team's leader, all threads stopped at barrier a: the previous batch
 * (each thread's own time, averaged) through the loop. */
static void lead(mb_state *st)
{
    team *t = st->team;
    if (t->started) {
        batch b = st->last;
        double sum = 0;
        for (int k = 0; k < t->n; k++)
            sum += t->st[k].last.ns;
        b.ns = round(sum / t->n);
        advance(st, &b);
    }
    t->started = true;
    for (int k = 0; k < t->n; k++)
        if (t->st[k].stop)
            st->phase = PHASE_DONE;
    t->phase = st->phase;
    t->next = st->phase == PHASE_DONE ? 0 : st->n;
    take_turn(st);
}

static uint64_t team_begin(mb_state *st)
{
    team *t = st->team;
    pthread_barrier_wait(&t->a);
    if (st->thread == 0)
        lead(st);
    pthread_barrier_wait(&t->b);
    if (t->next == 0) {
        st->loop_ended = true;
        return 0;
    }
    st->n = t->next;
    st->phase = t->phase;
    st->in_batch = true;
    st->be->begin(st);
    /* The clock starts last: nothing above is timed. */
    st->t0 = st->cfg->now(st->cfg->clock_ctx);
    return st->n;
}

uint64_t mb_batch_begin(mb_state *st)
{
    not_ours(st);
    if (st->loop_ended) {
        misuse(st, HARNESS_TWO_LOOPS);
        return 0;
    }
    if (st->cfg->stray_fork && *st->cfg->stray_fork)
        misuse(st, HARNESS_FORKED);
    st->entered = true;
    if (st->team)
        return team_begin(st);
    if (st->stop)
        st->phase = PHASE_DONE;
    st->in_batch = true;
    if (st->phase == PHASE_DONE) {
        if (start_allocs(st))
            return st->n;
        st->in_batch = false;
        st->loop_ended = true;
        return 0;
    }
    take_turn(st);
    st->be->begin(st);
    /* The clock starts last: nothing above is timed. */
    st->t0 = st->cfg->now(st->cfg->clock_ctx);
    return st->n;
}

void mb_batch_end(mb_state *st)
{
    uint64_t t1 = st->cfg->now(st->cfg->clock_ctx);
    /* Everything below is outside the timed region (in instructions mode
     * inside the collected one, at a cost the same in every batch, which
     * cancels in the N2 - N1 difference). */
    not_ours(st);
    st->in_batch = false;
    st->iters_run += (double)st->n;
    if (st->phase == PHASE_ALLOCS) {
        end_allocs(st);
        return;
    }
    if (st->paused) { /* a pause left open: the batch ends paused */
        st->be->resume(st);
        st->paused = false;
    }
    batch b;
    if (!st->be->end(st, t1, &b))
        return;
    if (st->team)
        st->last = b; /* the leader takes it at the next batch */
    else
        advance(st, &b);
}

/* ---- one call ---------------------------------------------------------- */

/* Appends `what` to the call's warning, "; "-separated. */
static void add_warn(mb_state *st, const char *what)
{
    size_t used = strlen(st->warn);
    if (used + 3 < st->warnlen)
        snprintf(st->warn + used, st->warnlen - used, "%s%s", used ? "; " : "",
                 what);
}

static void warn_pauses(const mb_state *st, int nst, mb_state *lead_st)
{
    double paused = 0, timed = 0;
    for (int k = 0; k < nst; k++) {
        paused += st[k].call_paused;
        timed += st[k].call_timed;
    }
    if (paused > PAUSE_DWARF_FACTOR * timed && paused > 0) {
        char w[640], times[48] = "far more than";
        if (timed > 0)
            snprintf(times, sizeof times, "%.0fx", paused / timed);
        snprintf(w, sizeof w,
                 "%.250s: the paused work takes %s the timed work; each "
                 "mb_pause/mb_resume pair costs ~%.0f ns (subtracted), so "
                 "the result rests on that subtraction: move the work out "
                 "of MB_LOOP or time more per pause",
                 st->inst->name, times,
                 (lead_st->cfg->overhead_ticks + lead_st->cfg->pause_ticks) *
                     lead_st->cfg->ns_per_tick);
        add_warn(lead_st, w);
    }
}

/* What the body set, from every thread, into out. */
static void collect(mb_state *st, int nst)
{
    mb_result *out = st[0].out;
    double iters = 0;
    for (int k = 0; k < nst; k++)
        iters += st[k].iters_run;
    for (int k = 0; k < nst; k++) {
        if (st[k].items >= 0 && out->items <= 0)
            out->items = st[k].items;
        if (st[k].bytes >= 0 && out->bytes <= 0)
            out->bytes = st[k].bytes;
        if (st[k].label && !out->label) {
            out->label = st[k].label;
            st[k].label = NULL;
        }
        if (st[k].error && !out->error && !out->skipped) {
            out->error = st[k].error;
            st[k].error = NULL;
        }
        if (st[k].skip && !out->error && !out->skipped) {
            out->skipped = st[k].skip;
            st[k].skip = NULL;
        }
    }
    /* Counters: the threads' values add up, then totals become per
     * iteration (over every batch this call ran, in all threads). */
    user_counter sum[HARNESS_MAX_USER];
    size_t ns = 0;
    for (int k = 0; k < nst; k++)
        for (size_t c = 0; c < st[k].nuser; c++) {
            const user_counter *u = &st[k].user[c];
            size_t j = 0;
            while (j < ns && strcmp(sum[j].name, u->name) != 0)
                j++;
            if (j == ns)
                sum[ns++] = *u;
            else
                sum[j].value += u->value;
        }
    for (size_t j = 0; j < ns; j++)
        result_set_user(out, sum[j].name,
                        sum[j].flags && iters > 0 ? sum[j].value / iters
                                                  : sum[j].value,
                        sum[j].flags);
    for (int k = 0; k < nst; k++) {
        free(st[k].label);
        free(st[k].skip);
        free(st[k].error);
    }
}

typedef struct thread_arg {
    mb_state *st;
    int cpu; /* -1: not pinned; -2: pinning refused */
} thread_arg;

/* A thread whose body ended without entering MB_LOOP (or left early) still
 * meets the others at each batch until the team is done. */
static void run_body(mb_state *st)
{
    st->inst->bench->fn(st);
    not_ours(st);
    if (st->in_batch) {
        misuse(st, HARNESS_LEFT_EARLY);
        if (st->team) { /* the others wait for this batch, and the next */
            mb_batch_end(st);
            while (team_begin(st) != 0)
                mb_batch_end(st);
        }
    }
    if (st->team && !st->entered) {
        if (!st->error && !st->skip) {
            char why[96];
            snprintf(why, sizeof why, "thread %d of %d never reached MB_LOOP",
                     st->thread, st->nthreads);
            st->error = strdup(why);
        }
        st->stop = true;
        while (team_begin(st) != 0)
            mb_batch_end(st);
    }
}

static void *thread_main(void *p)
{
    thread_arg *a = p;
    if (a->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(a->cpu, &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
            a->cpu = -2; /* not allowed there */
    }
    team *t = a->st->team;
    pthread_mutex_lock(&t->gate_lock);
    while (t->gate == 0)
        pthread_cond_wait(&t->gate_cond, &t->gate_lock);
    int go = t->gate;
    pthread_mutex_unlock(&t->gate_lock);
    if (go > 0)
        run_body(a->st);
    return NULL;
}

/* CPUs for threads 1..n-1: the CPUs after the caller's (wrapping), so each
 * thread has its own while there are enough. Returns how many distinct
 * CPUs that gives (counting the caller's). */
static int thread_cpus(int *cpus, int n)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int ncpu = online > 0 ? (int)online : 1;
    int self = sched_getcpu();
    if (self < 0)
        self = 0;
    for (int k = 0; k < n; k++)
        cpus[k] = (self + k) % ncpu;
    return n < ncpu ? n : ncpu;
}

static void open_gate(team *t, int how)
{
    pthread_mutex_lock(&t->gate_lock);
    t->gate = how;
    pthread_cond_broadcast(&t->gate_cond);
    pthread_mutex_unlock(&t->gate_lock);
}

static void run_team(mb_state *st, int n)
{
    team t = {.st = st, .n = n};
    pthread_t *tid = calloc((size_t)n, sizeof *tid);
    thread_arg *args = calloc((size_t)n, sizeof *args);
    int *cpus = calloc((size_t)n, sizeof *cpus);
    if (!tid || !args || !cpus) {
        free(tid);
        free(args);
        free(cpus);
        st[0].error = strdup("out of memory starting threads");
        return;
    }
    pthread_barrier_init(&t.a, NULL, (unsigned)n);
    pthread_barrier_init(&t.b, NULL, (unsigned)n);
    pthread_mutex_init(&t.gate_lock, NULL);
    pthread_cond_init(&t.gate_cond, NULL);
    bool pin = st[0].cfg->pin_threads;
    int distinct = pin ? thread_cpus(cpus, n) : n;
    for (int k = 0; k < n; k++)
        st[k].team = &t;
    int started = 1;
    for (int k = 1; k < n; k++) {
        args[k] = (thread_arg){.st = &st[k], .cpu = pin ? cpus[k] : -1};
        if (pthread_create(&tid[k], NULL, thread_main, &args[k]) != 0)
            break;
        started++;
    }
    if (started == n) {
        open_gate(&t, 1);
        run_body(&st[0]);
    } else {
        open_gate(&t, -1);
        char why[128];
        snprintf(why, sizeof why, "cannot start %d threads: %s", n,
                 strerror(errno));
        st[0].error = strdup(why);
    }
    bool unpinned = false;
    for (int k = 1; k < started; k++) {
        pthread_join(tid[k], NULL);
        unpinned |= args[k].cpu == -2;
    }
    char w[640] = "";
    if (started == n && unpinned)
        snprintf(w, sizeof w,
                 "%.250s: some of its %d threads could not be pinned to a CPU "
                 "of their own (not allowed here)",
                 st[0].inst->name, n);
    else if (started == n && pin && distinct < n)
        snprintf(w, sizeof w,
                 "%.250s: %d threads on %d CPUs: threads share CPUs, so their "
                 "times include waiting for each other",
                 st[0].inst->name, n, distinct);
    else if (started == n && !pin)
        snprintf(w, sizeof w, "%.250s: %d threads, not pinned (--cpu=none)",
                 st[0].inst->name, n);
    if (w[0])
        add_warn(&st[0], w);
    pthread_barrier_destroy(&t.a);
    pthread_barrier_destroy(&t.b);
    pthread_mutex_destroy(&t.gate_lock);
    pthread_cond_destroy(&t.gate_cond);
    free(tid);
    free(args);
    free(cpus);
}

bool harness_call(const harness_cfg *cfg, const instance *inst, int round,
                  harness_memo *memo, counters *ctr, mb_result *out, char *warn,
                  size_t warnlen)
{
    if (warnlen)
        warn[0] = '\0';
    const mb_bench *b = inst->bench;
    const measure_backend *be = cfg->measure     ? cfg->measure
                                : b->manual_time ? measure_manual()
                                                 : measure_time();
    int nt = inst->threads > 1 ? inst->threads : 1;
    mb_state *st = calloc((size_t)nt, sizeof *st);
    size_t nc = counters_n(ctr);
    double *vals = nc ? calloc(nc, sizeof(double)) : NULL;
    if (!st || (nc && !vals)) {
        free(st);
        free(vals);
        out->error = strdup("out of memory");
        return true;
    }
    int want = cfg->samples > 0 ? cfg->samples : HARNESS_DEFAULT_SAMPLES;
    double floor_ns =
        HARNESS_MIN_SAMPLE_FACTOR *
        fmax(cfg->resolution_ns, cfg->overhead_ticks * cfg->ns_per_tick);
    for (int k = 0; k < nt; k++) {
        st[k] = (mb_state){
            .cfg = cfg,
            .be = be,
            .inst = inst,
            .memo = memo,
            .ctr = k == 0 ? ctr : NULL,
            .out = out,
            .vals = k == 0 ? vals : NULL,
            .round = round,
            .n = 1,
            .warn = warn,
            .warnlen = warnlen,
            .items = -1,
            .bytes = -1,
            .thread = k,
            .nthreads = nt,
            .target_ns = fmax(floor_ns, cfg->min_time_ns / want),
            .pid = getpid(),
        };
        if (cfg->count_allocs)
            st[k].phase = PHASE_DONE; /* the counting batch only */
        else if (memo->iters == 0 || be == measure_instructions())
            st[k].phase = PHASE_CALIBRATE;
        else
            start_round(&st[k]);
        if (cfg->dry_run && be != measure_instructions()) {
            st[k].phase = PHASE_SAMPLE;
            st[k].n = 1;
            st[k].round_samples = 1;
        }
        st[k].dist.fd = -1;
    }
    /* Interference: the leader's run delay per sample, the CPU's steal
     * time over the call. */
    bool timed = be != measure_instructions();
    st[0].dist.fd = timed ? disturb_open(cfg->schedstat_path) : -1;
    int cpu = sched_getcpu();
    double steal0 = timed ? pin_steal_ns(cfg->proc_root, cpu) : -1;
    if (nt > 1 && be == measure_instructions()) {
        st[0].error = strdup("threads are not measured under "
                             "--measure=instructions");
        st[0].stop = true;
    }
    if (b->setup && !st[0].stop)
        b->setup(&st[0]);
    if (!st[0].stop) {
        if (nt > 1) {
            run_team(st, nt);
        } else {
            run_body(&st[0]);
        }
    }
    if (b->teardown)
        b->teardown(&st[0]);
    double steal1 = steal0 >= 0 ? pin_steal_ns(cfg->proc_root, cpu) : -1;
    if (steal0 >= 0 && steal1 >= steal0)
        memo->steal_ns += steal1 - steal0;
    if (st[0].dist.fd >= 0)
        close(st[0].dist.fd);
    warn_pauses(st, nt, &st[0]);
    bool entered = st[0].entered;
    bool stopped = false;
    for (int k = 0; k < nt; k++)
        stopped |= st[k].skip || st[k].error;
    collect(st, nt);
    free(st);
    free(vals);
    return entered || stopped;
}

/* ---- costs measured at start ------------------------------------------- */

#define PAUSE_REPS 1001

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double harness_pause_cost(uint64_t (*now)(void *), void *ctx)
{
    harness_cfg cfg = {.now = now, .clock_ctx = ctx};
    mb_state st = {.cfg = &cfg, .be = measure_time()};
    double *empty = malloc(PAUSE_REPS * sizeof *empty);
    double *pair = malloc(PAUSE_REPS * sizeof *pair);
    if (!empty || !pair) {
        free(empty);
        free(pair);
        return 0;
    }
    for (int i = 0; i < PAUSE_REPS; i++) {
        uint64_t t0 = now(ctx);
        uint64_t t1 = now(ctx);
        empty[i] = (double)(t1 - t0);
        st.paused_ticks = 0;
        t0 = now(ctx);
        mb_pause(&st);
        mb_resume(&st);
        t1 = now(ctx);
        pair[i] = (double)(t1 - t0) - st.paused_ticks;
    }
    qsort(empty, PAUSE_REPS, sizeof *empty, cmp_d);
    qsort(pair, PAUSE_REPS, sizeof *pair, cmp_d);
    double cost = pair[PAUSE_REPS / 2] - empty[PAUSE_REPS / 2];
    free(empty);
    free(pair);
    return cost > 0 ? cost : 0;
}

double harness_cpu_now(void *unused)
{
    (void)unused;
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return NAN;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
