/* --why: from a timed verdict to its cause. The benchmarks that came out
 * slower run once more on both programs under callgrind, and the
 * difference of their profiles is attached to the comparison's rows, which
 * the reports then print as for two instructions runs. One piece for
 * `microbe ab OLD NEW --why` and a bench program's `--baseline=NAME --why`;
 * for the latter a run records which program made it (why_record_program)
 * and the baseline's program is used again only while it is unchanged.
 * docs/instructions.md (`microbe ab --why` and on) says what
 * users see. */
#ifndef MB_WHY_H
#define MB_WHY_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "run.h"

/* Records in run's context the program at path (this process's own
 * executable when NULL): "executable_path" (absolute), "executable_bytes"
 * and "executable_hash" (file_hash's, 16 hex digits). Best effort: what
 * cannot be found out is left out. */
void why_record_program(mb_run *run, const char *path);

/* The program that made run, while it is still there and unchanged: MB_OK
 * with its path in path[pathlen]; else MB_ERR_NOT_FOUND with the reason in
 * msg[msglen], to follow "its program" or the like ("/x/bench has changed
 * since (its content differs)", "/x/bench is gone (No such file or
 * directory)", "was not recorded (saved by an older microbe)"). */
mb_status why_saved_program(const mb_run *run, char *path, size_t pathlen,
                            char *msg, size_t msglen);

typedef struct why_cfg {
    const char *prog[2];  /* old and new bench program */
    const char *label[2]; /* how messages name them: "OLD_BIN", ... */
    /* Bench flags for both (ab's after "--"), less those the callgrind run
     * replaces or that do not apply to it (--filter, --measure,
     * --samples, --counters, --max-time). */
    char *const *flags;
    int nflags;
    const char *who; /* the progress line's "microbe ab", "bench" */
    bool progress;   /* a progress line on stderr (a terminal) */
} why_cfg;

/* A callgrind run of both sides takes about 50x native time plus a
 * Valgrind start; each is given this long. */
#define WHY_TIMEOUT 1200

/* For the rows of cmp that came out slower and carry no profile
 * difference yet: runs their benchmarks on each program as
 *     PROG --measure=instructions --format=json --out=TMP
 *          --filter=^(names)$ FLAGS
 * (without the MICROBE_* variables that stand for flags, nor
 * $GITHUB_STEP_SUMMARY) and attaches the difference of the profiles
 * (cmp_attach_why). instr[0] and instr[1] get the two runs, which must
 * outlive cmp (both NULL when nothing was slower). MB_OK, or an error with
 * one line in err ("OLD_BIN '/x' --measure=instructions failed: ..."). */
mb_status why_explain(const why_cfg *c, cmp_result *cmp, mb_run *instr[2],
                      char *err, size_t errlen);

/* --why for two compared runs whose programs are to be found: each side's
 * program is the one given (prog[j]), else the one its run records while
 * unchanged (why_saved_program). Where one cannot be had, a warning on
 * c->report (the run the report prints) says which and how to give it,
 * "--why: 2 slower benchmarks not explained: the program of baseline
 * "main" /x/bench has changed since (its content differs); give that
 * build with --why-old=PROGRAM", and nothing runs: MB_OK. Otherwise
 * why_explain's. Nothing slower: nothing to do. */
typedef struct why_runs_cfg {
    const mb_run *run[2]; /* old and new */
    const char *prog[2];  /* given programs; NULL: the recorded one */
    const char *name[2];  /* the sides in the warning: "baseline \"main\"" */
    const char *flag[2];  /* the flags that give them: "--why-old"; NULL:
                             none */
    mb_run *report;
    const char *who;
    bool progress;
} why_runs_cfg;
mb_status why_runs(const why_runs_cfg *c, cmp_result *cmp, mb_run *instr[2],
                   char *err, size_t errlen);

#endif
