/* Per-function costs of the measured work (--measure=instructions): read
 * from callgrind's fl=/fn= records, taken per iteration as the difference
 * of the two batches (n2 - n1, as for the totals), kept with the result,
 * and compared between two runs to name the functions whose cost moved.
 * docs/instructions.md ("Which functions") says what users see. */
#ifndef MB_PROFILE_H
#define MB_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/microbe.h"

/* ---- a run's profile: what is archived with a result ------------------ */

typedef struct mb_fn_cost {
    char *name;    /* as callgrind names it: the symbol, or an address
                      ("0x...") when the object has no symbols */
    char *file;    /* source file, "" without debug info (no -g) */
    char *object;  /* the ELF object it is in, "" when unknown */
    unsigned line; /* its costliest line in its own file, 0 without -g */
    double *self;  /* [nevents]: cost per iteration in the function itself */
    double *incl;  /* [nevents]: itself plus what it calls */
} mb_fn_cost;

/* A call between two kept functions: the instructions per iteration that
 * `from`'s calls to `to` cost (inclusive). */
typedef struct mb_fn_call {
    size_t from, to; /* indexes into mb_profile.fns */
    double ir;
} mb_fn_call;

typedef struct mb_profile {
    size_t nevents;
    char **events; /* callgrind's event names, "Ir" first when present */
    size_t n;
    mb_fn_cost *fns; /* by self Ir per iteration, largest first */
    size_t left_out; /* functions with cost that were not kept (the bound) */
    double total_ir; /* self Ir per iteration of all functions, kept or not */
    size_t ncalls;
    mb_fn_call *calls; /* the call graph among the kept functions */
} mb_profile;

/* Functions kept per benchmark: those covering PROFILE_COVER of the self
 * instructions per iteration, at most PROFILE_MAX_FNS of them. (99% left
 * out the allocator's small functions of find_duplicates/hash, which a
 * change moved; 99.9% keeps them.) */
#define PROFILE_COVER   0.999
#define PROFILE_MAX_FNS 40

void profile_free(mb_profile *p); /* NULL ok */
/* A deep copy; NULL on no memory or when p is NULL. */
mb_profile *profile_copy(const mb_profile *p);
/* The index of event `name`, or -1. */
int profile_event(const mb_profile *p, const char *name);
/* The function of that name (and file, when file is not NULL), or NULL. */
const mb_fn_cost *profile_find(const mb_profile *p, const char *name,
                               const char *file);

/* The function of p that is f (from another profile): the one of that
 * name; where p has several (a wrapper named as what it wraps), the one
 * whose object, else whose file, has the same last path component (two
 * builds of one program differ in their paths). NULL when none. */
const mb_fn_cost *profile_match(const mb_profile *p, const mb_fn_cost *f);

/* ---- callgrind's per-function records -------------------------------- */

/* The next word of v[len] from *at, words separated by spaces, tabs and
 * CRs (callgrind's "events:" and "positions:" lines): *word gets its start,
 * *at moves past it, and its length is returned (0: no word left). */
size_t cg_next_word(const char *v, size_t len, size_t *at, const char **word);

/* One function's costs in one dump: totals over the dump. */
typedef struct cg_fn {
    const char *name, *file, *object; /* owned by the cg_fnset */
    unsigned line;                    /* costliest line in its file */
    uint64_t *self, *incl;            /* [nevents] */
} cg_fn;

/* A call from fns[from] to fns[to]: the first event's inclusive cost. */
typedef struct cg_call {
    size_t from, to;
    uint64_t cost;
} cg_call;

/* The functions of one part (dump) of callgrind's output. */
typedef struct cg_fnset {
    char trigger[256]; /* "desc: Trigger:" text */
    size_t nevents;
    char **events;
    size_t n;
    cg_fn *fns;
    size_t ncalls;
    cg_call *calls; /* between functions with a cost of their own */
    void *priv;     /* strings and arrays, freed with the set */
} cg_fnset;

/* Parses text[len] (one callgrind output file, one part or several) into
 * one set per part (*sets malloc'd, *n of them; free them with
 * cg_fnsets_free). Self cost is the sum of a function's
 * cost lines; inclusive adds the cost of every call it makes to another
 * function (calls= lines), as callgrind_annotate --inclusive=yes does.
 * Functions with no self cost (the frames below MB_LOOP's body, whose
 * only cost is the call into it) are left out. Returns MB_OK, or
 * MB_ERR_CORRUPT with one line in err when the text is not callgrind
 * output, MB_ERR_NO_MEMORY. */
mb_status cg_parse_functions(const char *text, size_t len, cg_fnset **sets,
                             size_t *n, char *err, size_t errlen);
void cg_fnsets_free(cg_fnset *sets, size_t n); /* NULL ok */

/* The profile of one benchmark from its two batches: per function and
 * event (b - a) / iters, negative differences of simulated events read
 * as 0, functions whose difference is zero in every event dropped (what
 * both batches pay once: entering the loop, the collection toggles),
 * then the bound above. NULL on no memory or when iters <= 0. */
mb_profile *profile_from_batches(const cg_fnset *a, const cg_fnset *b,
                                 double iters);

/* ---- comparing two profiles ------------------------------------------ */

typedef enum { PF_CHANGED, PF_NEW, PF_GONE } pf_status;

/* One function whose cost moved between two profiles. */
typedef struct pf_change {
    const mb_fn_cost *old, *now; /* borrowed; one may be NULL */
    const char *name, *file;     /* from now, else old */
    unsigned line;
    pf_status status;
    double self_old, self_new; /* Ir per iteration (or the ranking event) */
    double incl_old, incl_new;
} pf_change;

/* One event whose per-iteration total moved (by 0.5 or more). */
typedef struct pf_event {
    const char *name;
    double old, now;
} pf_event;

typedef struct pf_diff {
    const char *event;     /* what functions are ranked by: "Ir", or
                              "est_cycles" when no Ir moved */
    bool ir_unchanged;     /* no function's Ir moved */
    double ir_old, ir_new; /* total self Ir per iteration */
    pf_change *fns;        /* |self change| largest first, change != 0 */
    size_t n;
    pf_event *events; /* other events that moved, largest first */
    size_t nevents;
} pf_diff;

/* Functions listed per comparison row, at most. */
#define PF_MAX_LISTED 8

/* The difference between two profiles of one benchmark: functions whose
 * self cost moved (nothing below a noise floor of zero: counts are exact),
 * new and gone functions included. A function missing on a side whose
 * profile left functions out is not listed: its cost there is unknown. NULL on
 * no memory or when either profile is NULL. */
pf_diff *profile_diff(const mb_profile *old, const mb_profile *now);
void pf_diff_free(pf_diff *d); /* NULL ok */

/* "dup_hash +1,024 Ir/iter (find_duplicates.h:70), memset +12, new: f +3"
 * for at most max functions, into buf[len]; "" when none moved. */
void pf_diff_text(const pf_diff *d, size_t max, char *buf, size_t len);

/* What moved, in one line, for a benchmark whose verdict it explains:
 * the functions (pf_diff_text), or "instructions unchanged (N Ir/iter);
 * simulated events that moved: D1mr +300/iter (38 -> 338), ...; by
 * estimated cycles: f +1,200 est. cycles/iter (file:line)", or
 * "instructions unchanged, and no simulated cache or branch event
 * moved". */
void pf_why_text(const pf_diff *d, size_t max, char *buf, size_t len);

/* Thousands separated: "1,024", "-12", "+3.5" with sign when sign. */
void pf_count(double v, bool sign, char *buf, size_t len);

#endif
