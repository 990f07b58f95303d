/* The time backends: the harness's clock around each batch, with hardware
 * counters, disturbance signals and the process's CPU time read outside
 * the timed region; mb_pause/mb_resume take the paused interval and the
 * pair's own measured cost out. The manual variant keeps all of that but
 * takes the batch's length from mb_set_iteration_time. */
#include <math.h>

#include "measure.h"

static void time_begin(mb_state *st)
{
    st->paused_ticks = 0;
    st->pairs = 0;
    st->manual_ns = 0;
    if (st->thread != 0)
        return; /* the leader counts for the team */
    disturb_begin(&st->dist);
    st->cpu0 = st->cfg->cpu_now ? st->cfg->cpu_now(st->cfg->cpu_ctx) : NAN;
    counters_start(st->ctr);
}

/* Everything here is outside the timed region. */
static bool time_end(mb_state *st, uint64_t t1, batch *b)
{
    const harness_cfg *cfg = st->cfg;
    b->flags = 0;
    b->cpu_ns = NAN;
    b->waited_ns = 0;
    if (st->thread == 0) {
        counters_stop(st->ctr, st->vals);
        if (cfg->cpu_now)
            b->cpu_ns = cfg->cpu_now(cfg->cpu_ctx) - st->cpu0;
        b->flags = disturb_end(&st->dist);
        b->waited_ns = (double)st->dist.waited_ns;
    }
    double ticks = (double)(t1 - st->t0) - cfg->overhead_ticks -
                   st->paused_ticks - (double)st->pairs * cfg->pause_ticks;
    /* Whole nanoseconds: a sample lasts >= 1000 clock resolutions, so
     * rounding costs < 0.01%, and the archive stays small (17 noisy digits
     * compress badly: 90 KiB against 35 KiB for 100 x 100 samples). */
    b->ns = ticks > 0 ? round(ticks * cfg->ns_per_tick) : 0;
    double wall = (double)(t1 - st->t0) - cfg->overhead_ticks;
    b->wall_ns = wall > 0 ? wall * cfg->ns_per_tick : 0;
    if (st->phase == PHASE_SAMPLE) {
        st->call_paused += st->paused_ticks;
        st->call_timed += ticks > 0 ? ticks : 0;
    }
    return true;
}

static void time_pause(mb_state *st)
{
    st->tp = st->cfg->now(st->cfg->clock_ctx);
}

static void time_resume(mb_state *st)
{
    uint64_t t = st->cfg->now(st->cfg->clock_ctx);
    st->paused_ticks += (double)(t - st->tp);
    st->pairs++;
}

const measure_backend *measure_time(void)
{
    static const measure_backend be = {
        .name = "time",
        .begin = time_begin,
        .end = time_end,
        .pause = time_pause,
        .resume = time_resume,
    };
    return &be;
}

static bool manual_end(mb_state *st, uint64_t t1, batch *b)
{
    time_end(st, t1, b);
    b->ns = round(st->manual_ns);
    return true;
}

/* Pausing means nothing when the body times itself. */
static void manual_pause(mb_state *st)
{
    (void)st;
}

const measure_backend *measure_manual(void)
{
    static const measure_backend be = {
        .name = "manual",
        .begin = time_begin,
        .end = manual_end,
        .pause = manual_pause,
        .resume = manual_pause,
    };
    return &be;
}
