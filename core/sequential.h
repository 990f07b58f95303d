/* Measuring until decided: a comparison looked at several times as rounds
 * are added, with the error rate controlled over the looks (alpha
 * spending, stats/sequential.c; docs/sequential.md). Used by `microbe ab`
 * and by a bench program's --baseline comparison. Benchmarks decided at a
 * look (slower, faster, unchanged) keep that verdict and are measured no
 * more; the inconclusive ones get more rounds, up to max_looks looks. */
#ifndef MB_SEQUENTIAL_H
#define MB_SEQUENTIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"

/* Looks at most, by default: the first look and up to three more. */
#define SEQ_MAX_LOOKS 4

typedef struct seq_plan {
    double alpha;  /* over all looks and the whole suite */
    int first;     /* rounds at the first look */
    int step;      /* rounds added at each later look */
    int max_looks; /* 1: a single look at alpha, as without sequencing */
    st_spending spending;
} seq_plan;

typedef struct seq_state seq_state;

seq_state *seq_new(const seq_plan *plan); /* NULL: no memory */
void seq_free(seq_state *s);              /* NULL ok */

/* Rounds after look k (1-based), and the alpha look k may spend. */
int seq_rounds_at(const seq_plan *plan, int look);
double seq_look_alpha(const seq_plan *plan, int look);

/* Look k (1, 2, ... in order) at old against now, with base's threshold,
 * pairing and label (its alpha, skip and family are set here). Rows
 * decided at earlier looks keep their verdicts; rows decided now are
 * frozen. Returns the whole comparison (caller frees with cmp_free; its
 * rows point into old and now, which must outlive it and keep their
 * results), NULL on no memory; *undecided gets the number of rows still
 * inconclusive. */
cmp_result *seq_look(seq_state *s, const mb_run *old, const mb_run *now,
                     const cmp_opts *base, int look, size_t *undecided);

/* Whether benchmark name was decided at a look so far. */
bool seq_decided(const seq_state *s, const char *name);

/* The last look taken (0: none). */
int seq_looks(const seq_state *s);

#endif
