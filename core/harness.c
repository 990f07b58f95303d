/* MB_LOOP's batches: calibration, warm-up until stable, sampling. */
#include "harness.h"

#include "alloc.h"
#include "callgrind.h"
#include "pin.h"

#include <math.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

enum phase { CALIBRATE, WARMUP, SAMPLE, DONE, ALLOCS };

struct mb_state {
    const harness_cfg *cfg;
    const instance *inst;
    harness_memo *memo;
    counters *ctr;
    mb_result *out;
    double *vals; /* counter values of the last batch */
    int round;
    enum phase phase;
    uint64_t n; /* iterations of the batch in flight */
    uint64_t t0;
    disturb dist;
    bool entered;
    double target_ns; /* wanted length of one sample */
    double warm_ns;   /* time spent warming up this round */
    double recent[3]; /* last warm-up speeds, ns per iteration */
    int nrecent;
    int round_samples; /* to take in this round */
    int round_taken;
    int round_disturbed; /* of those taken */
    int retries;         /* times this round was measured again */
    char *warn;
    size_t warnlen;
};

int64_t mb_arg(const mb_state *state)
{
    return state->inst->arg;
}

uint64_t mb_batch_begin(mb_state *st)
{
    st->entered = true;
    if (st->phase == DONE) {
        /* Once per instance, after its samples: a batch that counts the
         * allocations, not timed (the samples are all taken). */
        if (!st->cfg->count_allocs || st->memo->alloc_iters ||
            st->round_taken == 0 || st->cfg->instructions || st->cfg->dry_run ||
            !alloc_supported())
            return 0;
        st->phase = ALLOCS;
        st->n = st->memo->iters < HARNESS_ALLOC_ITERS ? st->memo->iters
                                                      : HARNESS_ALLOC_ITERS;
        if (st->n == 0)
            st->n = 1;
        alloc_begin(); /* last: the body's allocations follow */
        return st->n;
    }
    if (st->cfg->instructions) {
        callgrind_zero();
        callgrind_toggle(); /* on: last, as the clock would be */
        return st->n;
    }
    disturb_begin(&st->dist);
    counters_start(st->ctr);
    /* The clock starts last: nothing above is timed. */
    st->t0 = st->cfg->now(st->cfg->clock_ctx);
    return st->n;
}

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
         * fit, but never fewer than the minimum. */
        double fit = floor(cfg->min_time_ns / fmax(per_iter_ns, 1));
        if (fit < want)
            want = fit < HARNESS_MIN_SAMPLES ? HARNESS_MIN_SAMPLES : (int)fit;
        if (per_iter_ns * HARNESS_MIN_SAMPLES > 2 * cfg->min_time_ns)
            snprintf(st->warn, st->warnlen,
                     "%s: one iteration takes %.3g ms, more than its time "
                     "budget allows (%.3g ms for %d samples); raise "
                     "--min-time",
                     st->inst->name, per_iter_ns / 1e6, cfg->min_time_ns / 1e6,
                     HARNESS_MIN_SAMPLES);
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
    st->phase = st->round_samples > 0 ? WARMUP : DONE;
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

/* Instructions mode: the batch just ran with collection on. The probe
 * (one iteration, warming lazy binding) sizes the batches; a warm-up batch
 * then puts the simulated caches back in the state that reading the
 * probe's counts disturbed, so that the N1 and N2 batches, whose
 * difference the parent keeps, both start after a batch and a dump. */
static void instr_end(mb_state *st)
{
    if (st->phase == CALIBRATE) {
        callgrind_dump("probe", st->n);
        st->memo->iters = callgrind_extra_iters(callgrind_last_ir());
        st->n = 1;
        st->phase = WARMUP;
    } else if (st->phase == WARMUP) {
        callgrind_dump("warm", st->n);
        st->round_taken = 0;
        st->phase = SAMPLE;
    } else if (st->phase == SAMPLE && st->round_taken == 0) {
        callgrind_dump("n1", st->n);
        st->n += st->memo->iters;
        st->round_taken = 1;
    } else {
        callgrind_dump("n2", st->n);
        st->phase = DONE;
    }
}

void mb_batch_end(mb_state *st)
{
    uint64_t t1 = st->cfg->now(st->cfg->clock_ctx);
    /* Tested after the clock read, so the timed path gains nothing inside
     * its timed region; in instructions mode that read is a stub whose
     * constant cost cancels in the N2 - N1 difference. */
    if (st->cfg->instructions) {
        callgrind_toggle(); /* off */
        instr_end(st);
        return;
    }
    if (st->phase == ALLOCS) {
        alloc_counts c;
        alloc_end(&c);
        harness_memo *m = st->memo;
        m->alloc_iters = st->n;
        m->allocs = c.allocs;
        m->alloc_bytes = c.bytes;
        m->alloc_peak = c.peak;
        m->alloc_net = c.net;
        st->phase = DONE;
        return;
    }
    /* Everything below is outside the timed region. */
    counters_stop(st->ctr, st->vals);
    uint8_t flags = disturb_end(&st->dist);
    const harness_cfg *cfg = st->cfg;
    double ticks = (double)(t1 - st->t0) - cfg->overhead_ticks;
    /* Whole nanoseconds: a sample lasts >= 1000 clock resolutions, so
     * rounding costs < 0.01%, and the archive stays small (17 noisy digits
     * compress badly: 90 KiB against 35 KiB for 100 x 100 samples). */
    double ns = ticks > 0 ? round(ticks * cfg->ns_per_tick) : 0;
    double per_iter = ns / (double)st->n;

    switch (st->phase) {
    case CALIBRATE:
        if (ns >= st->target_ns || st->n >= HARNESS_MAX_ITERS) {
            decide_samples(st, per_iter);
            start_round(st);
            st->warm_ns = ns; /* calibration batches warmed up too */
            (void)warm(st, per_iter);
        } else if (ns < st->target_ns / 10) {
            st->n =
                st->n * 10 < HARNESS_MAX_ITERS ? st->n * 10 : HARNESS_MAX_ITERS;
        } else {
            double next = ceil((double)st->n * st->target_ns / ns * 1.2);
            st->n = next < (double)HARNESS_MAX_ITERS ? (uint64_t)next
                                                     : HARNESS_MAX_ITERS;
        }
        break;
    case WARMUP:
        st->warm_ns += ns;
        if (warm(st, per_iter))
            st->phase = SAMPLE;
        break;
    case SAMPLE:
        result_add_sample(st->out, (double)st->n, ns, st->vals, flags,
                          (uint16_t)st->round);
        st->memo->samples_taken++;
        st->memo->run_delay_ns += (double)st->dist.waited_ns;
        st->round_disturbed += (flags & SAMPLE_DISTURBED) != 0;
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
        st->phase = DONE;
        break;
    case DONE:
    case ALLOCS:
        break;
    }
}

bool harness_call(const harness_cfg *cfg, const instance *inst, int round,
                  harness_memo *memo, counters *ctr, mb_result *out, char *warn,
                  size_t warnlen)
{
    mb_state st = {
        .cfg = cfg,
        .inst = inst,
        .memo = memo,
        .ctr = ctr,
        .out = out,
        .round = round,
        .n = 1,
        .warn = warn,
        .warnlen = warnlen,
    };
    if (warnlen)
        warn[0] = '\0';
    size_t nc = counters_n(ctr);
    st.vals = nc ? calloc(nc, sizeof(double)) : NULL;
    int want = cfg->samples > 0 ? cfg->samples : HARNESS_DEFAULT_SAMPLES;
    double floor_ns =
        HARNESS_MIN_SAMPLE_FACTOR *
        fmax(cfg->resolution_ns, cfg->overhead_ticks * cfg->ns_per_tick);
    st.target_ns = fmax(floor_ns, cfg->min_time_ns / want);
    if (memo->iters == 0 || cfg->instructions)
        st.phase = CALIBRATE;
    else
        start_round(&st);
    if (cfg->dry_run && !cfg->instructions) {
        st.phase = SAMPLE;
        st.n = 1;
        st.round_samples = 1;
    }
    st.dist.fd = cfg->instructions ? -1 : disturb_open(cfg->schedstat_path);
    int cpu = sched_getcpu();
    double steal0 = cfg->instructions ? -1 : pin_steal_ns(cfg->proc_root, cpu);
    inst->bench->fn(&st);
    double steal1 = steal0 >= 0 ? pin_steal_ns(cfg->proc_root, cpu) : -1;
    if (steal0 >= 0 && steal1 >= steal0)
        memo->steal_ns += steal1 - steal0;
    if (st.dist.fd >= 0)
        close(st.dist.fd);
    free(st.vals);
    return st.entered;
}
