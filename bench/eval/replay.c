/* A --baseline comparison done again from kept JSON (run_eval.sh
 * REPLAY=DIR): NEW (the report of a bench program run with --baseline,
 * which holds every round it measured) against the saved runs OLD1 (the
 * newest) OLD2 ..., with the sequential looks replayed by cutting NEW to
 * the rounds each look had, on the plan a bench program takes
 * (seq_baseline_plan, at the default alpha of 0.05). So a change to the
 * comparison can be tried on the very data that an evaluation measured,
 * before and after, without the hour-to-hour drift of the host between
 * two live runs. Prints one line per benchmark: name, verdict, change,
 * interval low and high.
 *
 * With --saved-rounds=K each saved run is cut to its first K rounds, so
 * that saved runs measured with more rounds (run_eval.sh SAVE_FLAGS) can
 * be compared, on the same data, with saved runs of fewer.
 *
 * usage: eval_replay [--saved-rounds=K] THRESHOLD NEW.json OLD1.json
 *        [OLD2.json ...] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "compare.h"
#include "sequential.h"

#define MAX_HISTORY 16

/* Keeps the samples of r's first `rounds` rounds (and their probes). */
static void keep_rounds(mb_run *r, unsigned rounds)
{
    for (size_t b = 0; b < r->nresults; b++) {
        mb_result *x = &r->results[b];
        size_t k = 0, nc = x->ncounters;
        for (size_t i = 0; i < x->n; i++) {
            if (x->round[i] >= rounds)
                continue;
            x->iters[k] = x->iters[i];
            x->ns[k] = x->ns[i];
            if (x->cpu_ns)
                x->cpu_ns[k] = x->cpu_ns[i];
            if (x->flags)
                x->flags[k] = x->flags[i];
            x->round[k] = x->round[i];
            for (size_t c = 0; c < nc; c++)
                x->counters[k * nc + c] = x->counters[i * nc + c];
            k++;
        }
        x->n = k;
        if (x->nprobe > rounds)
            x->nprobe = rounds;
    }
    run_summarize(r);
}

static unsigned max_rounds(const mb_run *r)
{
    unsigned m = 0;
    for (size_t b = 0; b < r->nresults; b++)
        for (size_t i = 0; i < r->results[b].n; i++)
            if (r->results[b].round[i] + 1u > m)
                m = r->results[b].round[i] + 1u;
    return m;
}

int main(int argc, char **argv)
{
    unsigned saved_rounds = 0;
    bool cut = argc > 1 && strncmp(argv[1], "--saved-rounds=", 15) == 0;
    if (cut) {
        char *end;
        unsigned long k = strtoul(argv[1] + 15, &end, 10);
        saved_rounds = *end || k < 1 || k > 65535 ? 0 : (unsigned)k;
        argv++;
        argc--;
    }
    if ((cut && saved_rounds == 0) || argc < 4 || argc - 3 > MAX_HISTORY) {
        fprintf(stderr, "usage: eval_replay [--saved-rounds=K] THRESHOLD "
                        "NEW.json OLD1.json [OLD2.json ...] (at most 16 "
                        "saved runs)\n");
        return 2;
    }
    char err[512];
    mb_run *hist[MAX_HISTORY];
    size_t h = (size_t)argc - 3;
    for (size_t j = 0; j < h; j++)
        if (archive_load_file(argv[3 + j], &hist[j], err, sizeof err) !=
            MB_OK) {
            fprintf(stderr, "eval_replay: %s\n", err);
            return 2;
        } else if (saved_rounds > 0) {
            keep_rounds(hist[j], saved_rounds);
        }
    /* NEW read once, whole, for its rounds a look and its rounds measured. */
    mb_run *whole;
    if (archive_load_file(argv[2], &whole, err, sizeof err) != MB_OK) {
        fprintf(stderr, "eval_replay: %s\n", err);
        return 2;
    }
    const ctx_entry *e = run_ctx_get(whole, "rounds");
    double rounds = e && e->type == CTX_NUM ? e->num : 0;
    unsigned measured = max_rounds(whole);
    run_free(whole);

    seq_plan plan =
        seq_baseline_plan(0.05, rounds >= 1 ? (int)rounds : 5, SEQ_MAX_LOOKS);
    seq_state *s = seq_new(&plan);
    cmp_opts co = {.alpha = 0.05,
                   .threshold = atof(argv[1]),
                   .old_name = "baseline",
                   .history = (const mb_run *const *)hist,
                   .nhistory = h};
    cmp_result *c = NULL;
    mb_run *looks[SEQ_MAX_LOOKS] = {0};
    for (int k = 1; s && k <= plan.max_looks; k++) {
        if (archive_load_file(argv[2], &looks[k - 1], err, sizeof err) != MB_OK)
            break;
        unsigned n = (unsigned)seq_rounds_at(&plan, k);
        keep_rounds(looks[k - 1], n);
        size_t undecided = 0;
        cmp_free(c);
        c = seq_look(s, hist[0], looks[k - 1], &co, k, &undecided);
        /* The live run stopped here: decided, or out of rounds. */
        if (!c || undecided == 0 || n >= measured)
            break;
    }
    for (size_t i = 0; c && i < c->n; i++)
        printf("%s %s %.4f %.4f %.4f\n", c->rows[i].name,
               cmp_verdict_name(c->rows[i].verdict), c->rows[i].change.change,
               c->rows[i].change.ci.lo, c->rows[i].change.ci.hi);
    int rc = c ? 0 : 2;
    cmp_free(c);
    seq_free(s);
    for (int k = 0; k < SEQ_MAX_LOOKS; k++)
        run_free(looks[k]);
    for (size_t j = 0; j < h; j++)
        run_free(hist[j]);
    return rc;
}
