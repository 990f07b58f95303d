/* --measure=instructions: the parent starts Valgrind's callgrind once for
 * the whole selection, re-executing this program as a worker that switches
 * collection on only around MB_LOOP's batches and dumps the counts of two
 * batches of known iteration counts per benchmark; the parent parses the
 * dumps and keeps the difference per iteration. docs/instructions.md. */
#include "callgrind.h"

#include "file.h"
#include "profile.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "measure.h"
#include "measure_cg.h"
#include "proc.h"

/* ---- callgrind's output format ---------------------------------------- */

/* Copies the rest of a "key: value" line after its key, trimmed. */
static void copy_value(char *dst, size_t cap, const char *v, size_t len)
{
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\r'))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static bool starts(const char *line, size_t len, const char *key)
{
    size_t k = strlen(key);
    return len >= k && memcmp(line, key, k) == 0;
}

/* A "desc: X cache: ..." line. */
static bool has_cache(const char *line, size_t len)
{
    for (size_t i = 0; i + 7 <= len; i++)
        if (memcmp(line + i, " cache:", 7) == 0)
            return true;
    return false;
}

/* "Ir Dr Dw ..." -> p->events. False when there are too many or none. */
static bool parse_events(cg_part *p, const char *v, size_t len)
{
    p->nevents = 0;
    const char *w;
    for (size_t at = 0, l; (l = cg_next_word(v, len, &at, &w)) > 0;) {
        if (p->nevents == CG_MAX_EVENTS || l >= sizeof p->events[0])
            return false;
        memcpy(p->events[p->nevents], w, l);
        p->events[p->nevents++][l] = '\0';
    }
    return p->nevents > 0;
}

/* "15 0 7 2" -> p->total (missing trailing values are 0). */
static bool parse_totals(cg_part *p, const char *v, size_t len)
{
    char buf[CG_MAX_EVENTS * 24];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, v, len);
    buf[len] = '\0';
    memset(p->total, 0, sizeof p->total);
    char *s = buf;
    for (size_t k = 0;; k++) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (!*s)
            return k > 0;
        if (k == CG_MAX_EVENTS || *s < '0' || *s > '9')
            return false;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (errno || (*end && *end != ' ' && *end != '\t' && *end != '\r'))
            return false;
        p->total[k] = x;
        s = end;
    }
}

/* "I1 cache: 32768 B, 64 B, 8-way associative" -> "I1 32768 B 64 B 8-way". */
static void add_cache(cg_part *p, const char *v, size_t len)
{
    char one[96], brief[96];
    copy_value(one, sizeof one, v, len);
    unsigned long size = 0, line = 0, ways = 0;
    char name[8];
    if (sscanf(one, "%7s cache: %lu B, %lu B, %lu-way", name, &size, &line,
               &ways) != 4)
        return;
    snprintf(brief, sizeof brief, "%s%s %lu B/%lu B line/%lu-way",
             p->caches[0] ? ", " : "", name, size, line, ways);
    size_t used = strlen(p->caches);
    snprintf(p->caches + used, sizeof p->caches - used, "%s", brief);
}

mb_status cg_parse(const char *text, size_t len, cg_part **parts, size_t *n,
                   char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    size_t n0 = *n;
    cg_part cur;
    memset(&cur, 0, sizeof cur);
    bool open = false, have_sum = false, any = false;
    size_t lineno = 0;
    const char *p = text, *end = text + len;
#define CG_FAIL(...)                                                           \
    do {                                                                       \
        snprintf(err, errlen, __VA_ARGS__);                                    \
        *n = n0;                                                               \
        return MB_ERR_CORRUPT;                                                 \
    } while (0)
    /* Closes the part in cur, appending it. */
#define CG_FLUSH()                                                             \
    do {                                                                       \
        if (open) {                                                            \
            if (!cur.nevents)                                                  \
                CG_FAIL("line %zu: a part without an events: line", lineno);   \
            if (!have_sum)                                                     \
                CG_FAIL("line %zu: a part without a summary: line", lineno);   \
            cg_part *g = realloc(*parts, (*n + 1) * sizeof *g);                \
            if (!g) {                                                          \
                *n = n0;                                                       \
                snprintf(err, errlen, "out of memory");                        \
                return MB_ERR_NO_MEMORY;                                       \
            }                                                                  \
            *parts = g;                                                        \
            g[(*n)++] = cur;                                                   \
        }                                                                      \
    } while (0)
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        lineno++;
        if (starts(line, l, "part:")) {
            /* A new part of a combined file: events and caches carry. */
            if (open && (have_sum || cur.trigger[0])) {
                CG_FLUSH();
                cur.trigger[0] = '\0';
                memset(cur.total, 0, sizeof cur.total);
                have_sum = false;
            }
            open = any = true;
        } else if (starts(line, l, "desc: Trigger:")) {
            copy_value(cur.trigger, sizeof cur.trigger, line + 14, l - 14);
            open = any = true;
        } else if (starts(line, l, "desc: ") && has_cache(line, l)) {
            add_cache(&cur, line + 6, l - 6);
        } else if (starts(line, l, "events:")) {
            if (!parse_events(&cur, line + 7, l - 7))
                CG_FAIL("line %zu: bad events: line", lineno);
            open = any = true;
        } else if (starts(line, l, "summary:") ||
                   (starts(line, l, "totals:") && !have_sum)) {
            size_t k = line[0] == 's' ? 8 : 7;
            if (!parse_totals(&cur, line + k, l - k))
                CG_FAIL("line %zu: bad %.*s line", lineno, (int)k, line);
            have_sum = open = any = true;
        }
    }
    if (!any)
        CG_FAIL("not callgrind output (no events: or summary: line)");
    CG_FLUSH();
#undef CG_FLUSH
#undef CG_FAIL
    return MB_OK;
}

double cg_value(const cg_part *p, const char *name)
{
    for (size_t i = 0; i < p->nevents; i++)
        if (strcmp(p->events[i], name) == 0)
            return (double)p->total[i];
    return -1;
}

static double get(const char *const *names, const double *v, size_t n,
                  const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return v[i];
    return NAN;
}

double cg_cycles(const char *const *names, const double *v, size_t n)
{
#define G(x) get(names, v, n, x)
    double ir = G("Ir"), dr = G("Dr"), dw = G("Dw");
    double l1m = G("I1mr") + G("D1mr") + G("D1mw");
    double llm = G("ILmr") + G("DLmr") + G("DLmw");
    double bm = 0;
    if (!isnan(G("Bcm")))
        bm += G("Bcm");
    if (!isnan(G("Bim")))
        bm += G("Bim");
#undef G
    double l1_hits = ir + dr + dw - l1m, ll_hits = l1m - llm;
    return l1_hits + CG_LL_HIT_CYCLES * ll_hits + CG_RAM_CYCLES * llm +
           CG_MISPREDICT_CYCLES * bm;
}

/* ---- worker side (inside Valgrind) ------------------------------------ */

/* Iterations of the second collected batch beyond the first, chosen from
 * the probe's instruction count: enough to average over iterations that
 * differ, few enough that a slow benchmark stays quick under Valgrind
 * (~30-50 M simulated instructions a second with cache simulation). */
#define CG_BUDGET_IR 4e6
#define CG_MAX_EXTRA 100
/* Iterations of the first collected batch. */
#define CG_N1 1

/* The probe's dump -> iterations of the second collected batch beyond
 * the first (the instructions backend asks, core/measure_cg.c). */
static uint64_t size_from_probe(const char *path)
{
    size_t len = 0;
    char *text = file_text(path, &len);
    uint64_t ir = 0;
    if (text) {
        cg_part *parts = NULL;
        size_t n = 0;
        if (cg_parse(text, len, &parts, &n, NULL, 0) == MB_OK && n > 0) {
            double v = cg_value(&parts[n - 1], "Ir");
            ir = v > 0 ? (uint64_t)v : 0;
        }
        free(parts);
        free(text);
    }
    return callgrind_extra_iters(ir);
}

uint64_t callgrind_extra_iters(uint64_t probe_ir)
{
    if (probe_ir == 0)
        return 10;
    double k = floor(CG_BUDGET_IR / (double)probe_ir);
    return k < 1 ? 1 : k > CG_MAX_EXTRA ? CG_MAX_EXTRA : (uint64_t)k;
}

/* The clock in instructions mode: none (the harness reads it at each
 * batch's start and end inside the collected region; a constant cancels). */
static uint64_t no_clock(void *ctx)
{
    (void)ctx;
    return 0;
}

int callgrind_worker(const char *spec, const instance *insts, size_t n)
{
    char dir[PATH_MAX - 64];
    unsigned long first = 0;
    int used = 0;
    if (sscanf(spec, "instructions:%lu:%n", &first, &used) != 1 || !used ||
        strlen(spec + used) >= sizeof dir - 32) {
        fprintf(stderr, "error: --mb-worker is internal to microbe\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", spec + used);
#ifdef MB_HAVE_CALLGRIND_H
    if (!measure_cg_on_valgrind()) {
        fprintf(stderr, "error: --mb-worker=instructions runs only under "
                        "valgrind\n");
        return 2;
    }
#else
    fprintf(stderr, "error: this program was built without "
                    "<valgrind/callgrind.h>\n");
    return 2;
#endif
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/status.%lu", dir, first);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
        return 2;
    }
    char base[PATH_MAX + 32];
    snprintf(base, sizeof base, "%s/cg.%lu.out", dir, first);
    measure_cg_init(base, size_from_probe);
    harness_cfg h = {
        .now = no_clock,
        .ns_per_tick = 1,
        .resolution_ns = 1,
        .min_time_ns = 1,
        .samples = 1,
        .rounds = 1,
        .measure = measure_instructions(),
    };
    for (size_t i = first; i < n; i++) {
        /* Written before the benchmark runs: if Valgrind dies, the parent
         * knows which benchmark took it down. */
        dprintf(fd, "begin %zu\n", i);
        measure_cg_instance(i, insts[i].name);
        harness_memo memo;
        memset(&memo, 0, sizeof memo);
        mb_result tmp;
        memset(&tmp, 0, sizeof tmp);
        char warn[512];
        if (!harness_call(&h, &insts[i], 0, &memo, NULL, &tmp, warn,
                          sizeof warn)) {
            dprintf(fd, "error %zu its body never reaches MB_LOOP\n", i);
        } else {
            /* What the body set, a line each, before the end. */
            char *values = result_values_text(&tmp);
            for (char *line = values ? strtok(values, "\n") : NULL; line;
                 line = strtok(NULL, "\n"))
                dprintf(fd, "value %zu %s\n", i, line);
            free(values);
            dprintf(fd, "end %zu\n", i);
        }
        result_clear(&tmp);
    }
    dprintf(fd, "done\n");
    close(fd);
    return 0;
}

/* ---- parent side -------------------------------------------------------- */

bool callgrind_available(char *err, size_t errlen)
{
#ifndef MB_HAVE_CALLGRIND_H
    snprintf(err, errlen,
             "--measure=instructions needs valgrind, and this "
             "program was built without <valgrind/callgrind.h> (apt-get "
             "install valgrind, then rebuild)");
    return false;
#else
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t l = strcspn(path, ":");
        char cand[PATH_MAX];
        if (l > 0 && l < sizeof cand - 16) {
            snprintf(cand, sizeof cand, "%.*s/valgrind", (int)l, path);
            if (access(cand, X_OK) == 0)
                return true;
        }
        path += l + (path[l] == ':');
    }
    snprintf(err, errlen,
             "--measure=instructions needs valgrind (apt-get "
             "install valgrind)");
    return false;
#endif
}

/* The two collected batches of one instance. */
typedef struct slot {
    bool has1, has2;
    uint64_t n1, n2;
    cg_part p1, p2;
    const cg_fnset *f1, *f2; /* their functions (in a parsed file kept in
                                the dump list) */
} slot;

/* The per-function records of every dump read, freed at the end. */
typedef struct dumps {
    cg_fnset **sets;
    size_t *nsets;
    size_t n;
} dumps;

static void dumps_free(dumps *d)
{
    for (size_t i = 0; i < d->n; i++)
        cg_fnsets_free(d->sets[i], d->nsets[i]);
    free(d->sets);
    free(d->nsets);
}

/* Parses the functions of text and keeps them in d; NULL (no profile for
 * these batches, the totals still count) when they do not parse. */
static cg_fnset *keep_functions(dumps *d, const char *text, size_t len,
                                size_t *n)
{
    cg_fnset *sets = NULL;
    *n = 0;
    if (cg_parse_functions(text, len, &sets, n, NULL, 0) != MB_OK)
        return NULL;
    cg_fnset **g = realloc(d->sets, (d->n + 1) * sizeof *g);
    size_t *h = g ? realloc(d->nsets, (d->n + 1) * sizeof *h) : NULL;
    if (g)
        d->sets = g;
    if (!g || !h) {
        cg_fnsets_free(sets, *n);
        *n = 0;
        return NULL;
    }
    d->nsets = h;
    d->sets[d->n] = sets;
    d->nsets[d->n++] = *n;
    return sets;
}

/* What a launch's status file says. */
typedef struct progress {
    long last_begin; /* -1: none */
    bool last_ended, done;
} progress;

static void read_status(const char *path, size_t first, progress *s,
                        mb_run *run, size_t base, size_t n, bool *failed)
{
    s->last_begin = -1;
    s->last_ended = s->done = false;
    size_t len = 0;
    char *text = file_text(path, &len);
    if (!text)
        return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long i = 0;
        int off = 0;
        if (sscanf(line, "begin %lu", &i) == 1 && i >= first && i < n) {
            s->last_begin = (long)i;
            s->last_ended = false;
        } else if (sscanf(line, "value %lu %n", &i, &off) == 1 && off &&
                   i < n) {
            mb_result *r = &run->results[base + i];
            (void)result_value_line(r, line + off);
            if (r->error || r->skipped)
                failed[i] = true;
        } else if (sscanf(line, "end %lu", &i) == 1) {
            s->last_ended = true;
        } else if (sscanf(line, "error %lu %n", &i, &off) == 1 && off &&
                   i < n) {
            mb_result *r = &run->results[base + i];
            free(r->error);
            r->error = strdup(line + off);
            failed[i] = true;
            s->last_ended = true;
        } else if (strcmp(line, "done") == 0) {
            s->done = true;
        }
    }
    free(text);
}

/* Reads the dumps of one launch into the slots. */
static mb_status read_dumps(const char *dir, size_t first, slot *slots,
                            dumps *kept, const instance *insts, size_t n,
                            char *caches, size_t capc, char *err, size_t errlen)
{
    for (unsigned k = 1;; k++) {
        char path[PATH_MAX + 48];
        snprintf(path, sizeof path, "%s/cg.%zu.out.%u", dir, first, k);
        size_t len = 0;
        char *text = file_text(path, &len);
        if (!text)
            return MB_OK;
        cg_part *parts = NULL;
        size_t np = 0;
        char why[256];
        mb_status st = cg_parse(text, len, &parts, &np, why, sizeof why);
        size_t nf = 0;
        cg_fnset *fs =
            st == MB_OK ? keep_functions(kept, text, len, &nf) : NULL;
        free(text);
        if (st != MB_OK) {
            snprintf(err, errlen, "callgrind output %s: %s", path, why);
            free(parts);
            return st;
        }
        for (size_t j = 0; j < np; j++) {
            const cg_part *p = &parts[j];
            unsigned long i = 0;
            unsigned long long iters = 0;
            char what[16];
            int off = 0;
            if (sscanf(p->trigger, "Client Request: mb %lu %15s %llu %n", &i,
                       what, &iters, &off) != 3 ||
                !off || i >= n || strcmp(p->trigger + off, insts[i].name) != 0)
                continue;
            if (!caches[0] && p->caches[0])
                snprintf(caches, capc, "%s", p->caches);
            if (strcmp(what, "n1") == 0) {
                slots[i].has1 = true;
                slots[i].n1 = iters;
                slots[i].p1 = *p;
                slots[i].f1 = nf == np ? &fs[j] : NULL;
            } else if (strcmp(what, "n2") == 0) {
                slots[i].has2 = true;
                slots[i].n2 = iters;
                slots[i].p2 = *p;
                slots[i].f2 = nf == np ? &fs[j] : NULL;
            }
        }
        free(parts);
    }
}

/* The result of one instance from its two batches: per-iteration counts
 * are (count(N2) - count(N1)) / (N2 - N1); the sample holds N2 - N1
 * iterations and their totals. */
static void fill_result(mb_result *r, const slot *s)
{
    const cg_part *a = &s->p1, *b = &s->p2;
    if (s->n2 <= s->n1 || a->nevents != b->nevents || a->nevents == 0) {
        r->error = strdup("callgrind's dumps of this benchmark do not "
                          "match");
        return;
    }
    size_t ne = a->nevents;
    double v[CG_MAX_EVENTS + 1];
    const char *names[CG_MAX_EVENTS + 1];
    double ir = 0;
    for (size_t e = 0; e < ne; e++) {
        names[e] = b->events[e];
        v[e] = (double)b->total[e] - (double)a->total[e];
        /* Simulated caches and branch predictors carry state from the
         * first batch into the second, so a difference can come out a
         * little below zero; no count is negative. */
        if (v[e] < 0)
            v[e] = 0;
        if (strcmp(names[e], "Ir") == 0)
            ir = v[e];
    }
    double cyc = cg_cycles(names, v, ne);
    size_t nc = ne + !isnan(cyc);
    if (!isnan(cyc)) {
        names[ne] = CG_CYCLES_NAME;
        v[ne] = cyc;
    }
    r->counter_names = calloc(nc, sizeof *r->counter_names);
    if (!r->counter_names)
        return;
    for (size_t c = 0; c < nc; c++)
        r->counter_names[c] = strdup(names[c]);
    r->ncounters = nc;
    result_add_sample(r, (double)(s->n2 - s->n1), ir, v, 0, 0);
    /* The functions of the same two batches, per iteration. */
    if (s->f1 && s->f2)
        r->profile =
            profile_from_batches(s->f1, s->f2, (double)(s->n2 - s->n1));
}

static void tail_of(const char *path, char *out, size_t cap)
{
    size_t len = 0;
    char *text = file_text(path, &len);
    out[0] = '\0';
    if (!text)
        return;
    /* The last non-empty line that is not a "==pid==" blank. */
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    char *last = strrchr(text, '\n');
    snprintf(out, cap, "%s", last ? last + 1 : text);
    free(text);
}

static void show_file(const char *path, const char *what)
{
    size_t len = 0;
    char *text = file_text(path, &len);
    if (text && len) {
        fprintf(stderr, "---- %s ----\n%s", what, text);
        if (text[len - 1] != '\n')
            fputc('\n', stderr);
    }
    free(text);
}

static void remove_dir(const char *dir, size_t launches_end)
{
    static const char *const fixed[] = {"valgrind.log", "client.log"};
    char path[PATH_MAX + 48];
    for (size_t f = 0; f <= launches_end; f++) {
        snprintf(path, sizeof path, "%s/status.%zu", dir, f);
        unlink(path);
        snprintf(path, sizeof path, "%s/cg.%zu.out", dir, f);
        unlink(path);
        for (unsigned k = 1;; k++) {
            snprintf(path, sizeof path, "%s/cg.%zu.out.%u", dir, f, k);
            if (unlink(path) != 0)
                break;
        }
    }
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, fixed[i]);
        unlink(path);
    }
    rmdir(dir);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The benchmarks' own output is kept for a failure report. */
static void to_client_log(void *arg)
{
    int fd = open(arg, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
}

/* Starts Valgrind on this program for insts[first..); false with err set. */
static bool launch(proc *p, const char *exe, const char *dir, size_t first,
                   const char *filter, char *err, size_t errlen)
{
    char log[PATH_MAX + 32], out[PATH_MAX + 32], worker[PATH_MAX + 48],
        clog[PATH_MAX + 32];
    /* A filter of any length, not cut to a buffer's: a cut one would
     * select other benchmarks under valgrind than outside. */
    char *flt = filter ? malloc(strlen(filter) + sizeof "--filter=") : NULL;
    if (filter && !flt) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    snprintf(log, sizeof log, "--log-file=%s/valgrind.log", dir);
    snprintf(out, sizeof out, "--callgrind-out-file=%s/cg.%zu.out", dir, first);
    snprintf(worker, sizeof worker, "--mb-worker=instructions:%zu:%s", first,
             dir);
    snprintf(clog, sizeof clog, "%s/client.log", dir);
    char *argv[16];
    int a = 0;
    argv[a++] = "valgrind";
    argv[a++] = "--tool=callgrind";
    argv[a++] = "--collect-atstart=no";
    argv[a++] = "--cache-sim=yes";
    argv[a++] = "--branch-sim=yes";
    argv[a++] = log;
    argv[a++] = out;
    argv[a++] = (char *)exe;
    argv[a++] = worker;
    if (filter) {
        strcpy(flt, "--filter=");
        strcat(flt, filter);
        argv[a++] = flt;
    }
    argv[a] = NULL;
    proc_spec s = {.exe = "valgrind",
                   .search_path = true,
                   .argv = argv,
                   .in_child = to_client_log,
                   .ctx = clog,
                   .die_with_parent = true};
    char why[128];
    bool ok = proc_spawn(p, &s, why, sizeof why);
    free(flt);
    if (!ok)
        snprintf(err, errlen, "cannot start valgrind: %s", why);
    return ok;
}

static void valgrind_version(mb_run *run, const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/valgrind.log", dir);
    size_t len = 0;
    char *text = file_text(path, &len);
    const char *v = text ? strstr(text, "Using Valgrind-") : NULL;
    if (v) {
        char ver[32];
        if (sscanf(v + 15, "%31[0-9.]", ver) == 1)
            run_ctx_str(run, "valgrind_version", ver);
    }
    free(text);
}

mb_status callgrind_run(const callgrind_cfg *cfg, const instance *insts,
                        size_t n, mb_run *run, char *err, size_t errlen)
{
    size_t base = run->nresults;
    if (runner_add_results(run, insts, n) != MB_OK)
        return MB_ERR_NO_MEMORY;
    if (!callgrind_available(err, errlen))
        return MB_ERR_UNSUPPORTED;
    char exe[PATH_MAX];
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (el <= 0) {
        snprintf(err, errlen,
                 "cannot find this program to run it under "
                 "valgrind: /proc/self/exe: %s",
                 strerror(errno));
        return MB_ERR_IO;
    }
    exe[el] = '\0';
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX - 64];
    snprintf(dir, sizeof dir, "%s/microbe-cg-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen,
                 "cannot create a directory in %s for "
                 "callgrind's output: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return MB_ERR_IO;
    }
    slot *slots = calloc(n ? n : 1, sizeof *slots);
    bool *failed = calloc(n ? n : 1, sizeof *failed);
    if (!slots || !failed) {
        free(slots);
        free(failed);
        rmdir(dir);
        return MB_ERR_NO_MEMORY;
    }
    double timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 600;
    char caches[160] = "";
    dumps kept = {0};
    mb_status st = MB_OK;
    size_t first = 0, last_first = 0;
    proc_hold(); /* a signal between two launches is not lost either */
    while (first < n && st == MB_OK) {
        last_first = first;
        proc p;
        if (!launch(&p, exe, dir, first, cfg->filter, err, errlen)) {
            st = MB_ERR_CRASHED;
            break;
        }
        char spath[PATH_MAX + 32];
        snprintf(spath, sizeof spath, "%s/status.%zu", dir, first);
        off_t seen = -1;
        long shown = -1;
        double last_change = now_s();
        /* Progress is the status file growing: looked at every 20 ms. */
        enum proc_wait_result w;
        while ((w = proc_wait(&p, 0.02)) == PROC_RUNNING) {
            struct stat sb;
            off_t size = stat(spath, &sb) == 0 ? sb.st_size : 0;
            if (size != seen) {
                seen = size;
                last_change = now_s();
                if (cfg->progress) {
                    progress s;
                    read_status(spath, first, &s, run, base, n, failed);
                    if (s.last_begin >= 0 && s.last_begin != shown) {
                        shown = s.last_begin;
                        fprintf(stderr, "\rinstructions  %-60.60s",
                                insts[shown].name);
                    }
                }
            } else if (now_s() - last_change > timeout_s) {
                proc_kill_timed_out(&p, timeout_s);
                break;
            }
        }
        if (w == PROC_INTERRUPTED) {
            proc_stop(&p, 2.0);
            char name[32];
            snprintf(err, errlen, "interrupted by %s; valgrind was stopped",
                     proc_signame(proc_interrupted(), name, sizeof name));
            st = MB_ERR_CRASHED;
            break;
        }
        bool timed_out = p.timed_out;
        int wst = p.status;
        if (cfg->progress)
            fprintf(stderr, "\r%80s\r", "");
        progress s;
        read_status(spath, first, &s, run, base, n, failed);
        mb_status rs = read_dumps(dir, first, slots, &kept, insts, n, caches,
                                  sizeof caches, err, errlen);
        if (rs != MB_OK) {
            st = rs;
            break;
        }
        bool ok_exit = WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
        if (s.done && ok_exit && !timed_out)
            break;
        char logp[PATH_MAX + 32], clogp[PATH_MAX + 32];
        snprintf(logp, sizeof logp, "%s/valgrind.log", dir);
        snprintf(clogp, sizeof clogp, "%s/client.log", dir);
        if (s.last_begin < 0 || (s.last_ended && !timed_out)) {
            /* Valgrind failed before or after any benchmark: nothing to
             * blame a benchmark for. */
            char last[200];
            tail_of(logp, last, sizeof last);
            if (!last[0])
                tail_of(clogp, last, sizeof last);
            show_file(logp, "valgrind's output");
            show_file(clogp, "the benchmark program's output");
            char why[160];
            proc_describe(&p, why, sizeof why);
            snprintf(err, errlen, "valgrind %s%s%s%s", why,
                     timed_out ? " without progress" : "", last[0] ? ": " : "",
                     last);
            st = MB_ERR_CRASHED;
            break;
        }
        mb_result *r = &run->results[base + (size_t)s.last_begin];
        char why[200];
        proc_describe(&p, why, sizeof why);
        snprintf(why + strlen(why), sizeof why - strlen(why), "%s",
                 timed_out ? " without progress under valgrind"
                           : " under valgrind");
        free(r->error);
        r->error = strdup(why);
        failed[s.last_begin] = true;
        first = (size_t)s.last_begin + 1;
    }
    proc_release();
    if (st == MB_OK) {
        valgrind_version(run, dir);
        if (caches[0])
            run_ctx_str(run, "callgrind_caches", caches);
        for (size_t i = 0; i < n; i++) {
            mb_result *r = &run->results[base + i];
            if (failed[i] || r->error)
                continue;
            if (!slots[i].has1 || !slots[i].has2) {
                r->error = strdup("no callgrind counts came back for it");
                continue;
            }
            fill_result(r, &slots[i]);
        }
    }
    remove_dir(dir, last_first);
    dumps_free(&kept);
    free(slots);
    free(failed);
    return st;
}
