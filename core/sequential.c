/* Sequential looks over a comparison: per look, Holm at the alpha the look
 * may spend over the whole suite (rows decided earlier stay in the family
 * with p = 1), decided rows frozen, the others measured again.
 *
 * Why the error rate holds: a false "slower"/"faster" at look k needs a
 * benchmark without a change that was still undecided, so its data there
 * are what they would have been had every benchmark been measured up to
 * look k; Holm over the full family (the decided ones padded with p = 1,
 * which only makes it stricter) then errs with probability at most the
 * look's alpha_k, and the looks together at most sum alpha_k = the spent
 * alpha <= alpha (union bound: no assumption on how looks depend). */
#include "sequential.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct frozen {
    const char *name;
    cmp_row row;
} frozen;

struct seq_state {
    seq_plan plan;
    frozen *rows;
    size_t n, cap;
    size_t family;
    int looks;
    char correction[96];
};

seq_state *seq_new(const seq_plan *plan)
{
    seq_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->plan = *plan;
    if (s->plan.max_looks < 1)
        s->plan.max_looks = 1;
    if (s->plan.step < 1)
        s->plan.step = 1;
    return s;
}

void seq_free(seq_state *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s);
}

seq_plan seq_baseline_plan(double alpha, int rounds, int max_looks)
{
    return (seq_plan){.alpha = alpha,
                      .first = rounds,
                      .step = (rounds + 1) / 2,
                      .max_looks = max_looks,
                      .spending = ST_SPEND_POCOCK,
                      .fixed = rounds};
}

int seq_rounds_at(const seq_plan *plan, int look)
{
    int k = look < 1 ? 1 : look;
    return plan->first + (k - 1) * plan->step;
}

/* The information after n rounds: n when both sides grow by rounds (ab),
 * n f / (n + f) when the other side stays at f rounds (a saved baseline:
 * the inverse of the variance 1/f + 1/n of an unpaired comparison, in
 * units of one round's variance). */
static double information(const seq_plan *plan, int n)
{
    return plan->fixed > 0 ? (double)n * plan->fixed / (n + plan->fixed)
                           : (double)n;
}

double seq_look_alpha(const seq_plan *plan, int look)
{
    int last = plan->max_looks < 1 ? 1 : plan->max_looks;
    if (last == 1)
        return look == 1 ? plan->alpha : 0;
    double imax = information(plan, seq_rounds_at(plan, last));
    double t1 =
        look > 1 ? information(plan, seq_rounds_at(plan, look - 1)) / imax : 0;
    double t2 = information(plan, seq_rounds_at(plan, look)) / imax;
    return st_look_alpha(plan->spending, plan->alpha, t1, t2);
}

static const frozen *find(const seq_state *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].name, name) == 0)
            return &s->rows[i];
    return NULL;
}

bool seq_decided(const seq_state *s, const char *name)
{
    return s && find(s, name) != NULL;
}

int seq_looks(const seq_state *s)
{
    return s ? s->looks : 0;
}

static bool skip_decided(const char *name, void *ctx)
{
    return find(ctx, name) != NULL;
}

static bool freeze(seq_state *s, const cmp_row *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        frozen *g = realloc(s->rows, cap * sizeof *g);
        if (!g)
            return false;
        s->rows = g;
        s->cap = cap;
    }
    s->rows[s->n].name = r->name;
    s->rows[s->n].row = *r;
    s->n++;
    return true;
}

cmp_result *seq_look(seq_state *s, const mb_run *old, const mb_run *now,
                     const cmp_opts *base, int look, size_t *undecided)
{
    cmp_opts o = *base;
    o.alpha = seq_look_alpha(&s->plan, look);
    o.skip = skip_decided;
    o.skip_ctx = s;
    o.family = s->family;
    cmp_result *c = cmp_runs(old, now, &o);
    if (!c)
        return NULL;
    if (look == 1 || s->family == 0)
        s->family = c->compared;
    s->looks = look;
    bool last = look >= s->plan.max_looks;
    size_t left = 0;
    for (size_t i = 0; i < c->n; i++) {
        cmp_row *r = &c->rows[i];
        const frozen *f = find(s, r->name);
        if (f) {
            *r = f->row;
            continue;
        }
        if (r->verdict == CMP_INCONCLUSIVE && !last) {
            left++;
            continue;
        }
        if (r->verdict == CMP_INCONCLUSIVE)
            left++;
        if ((r->verdict == CMP_SLOWER || r->verdict == CMP_FASTER ||
             r->verdict == CMP_UNCHANGED || r->verdict == CMP_INCONCLUSIVE) &&
            !freeze(s, r)) {
            cmp_free(c);
            return NULL;
        }
    }
    memset(c->count, 0, sizeof c->count);
    for (size_t i = 0; i < c->n; i++)
        c->count[c->rows[i].verdict]++;
    c->alpha = s->plan.alpha;
    c->compared = s->family;
    if (s->plan.max_looks > 1) {
        snprintf(s->correction, sizeof s->correction,
                 "Holm, sequential: look %d of at most %d, %s spending", look,
                 s->plan.max_looks,
                 s->plan.spending == ST_SPEND_OBF ? "O'Brien-Fleming"
                                                  : "Pocock");
        c->correction = s->correction;
    }
    *undecided = left;
    return c;
}

double seq_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int seq_until_decided(seq_state *s, const seq_loop *L, cmp_result **cmp,
                      seq_outcome *out)
{
    const seq_plan *plan = &s->plan;
    *cmp = NULL;
    *out = (seq_outcome){.max_looks = plan->max_looks,
                         .max_time = L->max_time,
                         .stopped = "decided"};
    int done = L->done;
    for (int look = 1;; look++) {
        int target = seq_rounds_at(plan, look);
        if (target > done) {
            int code = L->measure(L->ctx, *cmp, done, target);
            if (code) {
                cmp_free(*cmp);
                *cmp = NULL;
                return code;
            }
            done = target;
        }
        cmp_free(*cmp);
        *cmp = seq_look(s, L->old, L->now, L->co, look, &out->undecided);
        if (!*cmp)
            return -1;
        double elapsed = seq_clock() - L->started;
        out->looks = look;
        out->rounds = done;
        out->seconds = elapsed;
        if (look == 1 && L->max_time < 0)
            out->max_time = SEQ_MAX_TIME_FACTOR * elapsed;
        if (out->undecided == 0)
            return 0;
        if (look >= plan->max_looks) {
            out->stopped = "looks";
            return 0;
        }
        /* The next look's time, from the rounds so far (the next rounds
         * run only the benchmarks left, so this overestimates). */
        double per_round = done > 0 ? elapsed / done : elapsed;
        if (elapsed + per_round * plan->step > out->max_time) {
            out->stopped = "max-time";
            return 0;
        }
    }
}

void seq_context(mb_run *run, const char *prefix, const seq_outcome *o)
{
    static const char *const keys[] = {"looks",   "max_looks", "max_time",
                                       "seconds", "rounds",    "stopped"};
    char key[6][64];
    for (int i = 0; i < 6; i++)
        snprintf(key[i], sizeof key[i], "%s_%s", prefix, keys[i]);
    run_ctx_num(run, key[0], o->looks);
    run_ctx_num(run, key[1], o->max_looks);
    run_ctx_num(run, key[2], o->max_time);
    run_ctx_num(run, key[3], o->seconds);
    run_ctx_num(run, key[4], o->rounds);
    run_ctx_str(run, key[5], o->stopped);
    if (!o->undecided)
        return;
    /* What would help: more time only while it buys more looks (budget
     * spent, or --max-time=0's single look), not once all were taken;
     * against a saved baseline, the paired comparison of two builds,
     * which the machine's state moves on both sides alike (docs/eval.md). */
    bool timed_out = strcmp(o->stopped, "max-time") == 0;
    bool more_time = timed_out || (o->max_looks == 1 && o->max_time == 0);
    bool baseline = strcmp(prefix, "baseline") == 0;
    run_warn(run,
             "%zu benchmark%s still inconclusive after %d look%s (%d "
             "rounds%s): the data cannot tell; rerun on a quieter CPU, %s%s"
             "or count instructions (--measure=instructions)",
             o->undecided, o->undecided > 1 ? "s" : "", o->looks,
             o->looks > 1 ? "s" : "", o->rounds,
             timed_out ? ", --max-time reached" : "",
             more_time ? "raise --max-time, " : "",
             baseline ? "compare the two builds paired (microbe ab), " : "");
}
