/* The instructions backend: callgrind collects only around MB_LOOP's
 * batches, in place of the clock: a probe batch of one iteration sizes the
 * batches, a warm-up batch restores the simulated caches, then batches of
 * N1 and N2 iterations are dumped; the parent keeps their difference
 * (docs/instructions.md). The only file that includes
 * <valgrind/callgrind.h>. */
#include "measure_cg.h"

#include <limits.h>
#include <stdio.h>

#include "measure.h"

#ifdef MB_HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#endif

static struct {
    char base[PATH_MAX]; /* callgrind's --callgrind-out-file */
    unsigned dumps;      /* dumps written so far: files base.1 ... */
    size_t inst;         /* the instance being run */
    const char *name;
    measure_cg_sizer sizer;
} wk;

void measure_cg_init(const char *dump_base, measure_cg_sizer sizer)
{
    snprintf(wk.base, sizeof wk.base, "%s", dump_base);
    wk.dumps = 0;
    wk.sizer = sizer;
}

void measure_cg_instance(size_t inst, const char *name)
{
    wk.inst = inst;
    wk.name = name;
}

#ifdef MB_HAVE_CALLGRIND_H
bool measure_cg_on_valgrind(void)
{
    return RUNNING_ON_VALGRIND;
}

/* With --collect-atstart=no collection starts off, and every switch on is
 * paired with a switch off: a toggle switches it as asked. */
static void toggle(void)
{
    CALLGRIND_TOGGLE_COLLECT;
}

static void zero(void)
{
    CALLGRIND_ZERO_STATS;
}

static void dump(const char *what, uint64_t n)
{
    char desc[320];
    snprintf(desc, sizeof desc, "mb %zu %s %llu %s", wk.inst, what,
             (unsigned long long)n, wk.name ? wk.name : "?");
    CALLGRIND_DUMP_STATS_AT(desc);
    wk.dumps++;
}
#else
bool measure_cg_on_valgrind(void)
{
    return false;
}
static void toggle(void)
{
}
static void zero(void)
{
}
static void dump(const char *what, uint64_t n)
{
    (void)what;
    (void)n;
    wk.dumps++;
}
#endif

static void cg_begin(mb_state *st)
{
    zero();
    toggle(); /* last, as the clock would be */
}

/* The batch just ran with collection on. The probe (one iteration,
 * warming lazy binding) sizes the batches; a warm-up batch then puts the
 * simulated caches back in the state that reading the probe's counts
 * disturbed, so that the N1 and N2 batches, whose difference the parent
 * keeps, both start after a batch and a dump. */
static bool cg_end(mb_state *st, uint64_t t1, batch *b)
{
    (void)t1;
    (void)b;
    toggle();
    if (st->phase == PHASE_CALIBRATE) {
        dump("probe", st->n);
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s.%u", wk.base, wk.dumps);
        st->memo->iters = wk.sizer ? wk.sizer(path) : 10;
        st->n = 1;
        st->phase = PHASE_WARMUP;
    } else if (st->phase == PHASE_WARMUP) {
        dump("warm", st->n);
        st->round_taken = 0;
        st->phase = PHASE_SAMPLE;
    } else if (st->phase == PHASE_SAMPLE && st->round_taken == 0) {
        dump("n1", st->n);
        st->n += st->memo->iters;
        st->round_taken = 1;
    } else {
        dump("n2", st->n);
        st->phase = PHASE_DONE;
    }
    return false;
}

/* What a pause leaves out is not collected; the pair's own few
 * instructions outside the toggles are counted (docs/instructions.md). */
static void cg_pause(mb_state *st)
{
    (void)st;
    toggle();
}

static void cg_resume(mb_state *st)
{
    (void)st;
    toggle();
}

const measure_backend *measure_instructions(void)
{
    static const measure_backend be = {
        .name = "instructions",
        .begin = cg_begin,
        .end = cg_end,
        .pause = cg_pause,
        .resume = cg_resume,
    };
    return &be;
}
