/* Per-function costs from callgrind's output, per iteration, and the
 * difference between two of them. The format is callgrind's
 * (https://valgrind.org/docs/manual/cl-format.html): "fl=", "fi=", "fe="
 * (the file, an inlined file, back to the function's file), "fn=" (the
 * function), "ob=" (the object), each possibly compressed as "(id) name"
 * and later "(id)"; cost lines "POSITIONS COSTS..." with positions
 * absolute, "+n", "-n" or "*" (same); "cob=", "cfi=", "cfn=" name the
 * callee of the next "calls=COUNT TARGET" line, whose following cost line
 * is the inclusive cost of those calls. */
#include "profile.h"

#include "callgrind.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- profiles ------------------------------------------------------------ */

void profile_free(mb_profile *p)
{
    if (!p)
        return;
    for (size_t e = 0; e < p->nevents; e++)
        free(p->events[e]);
    free(p->events);
    for (size_t i = 0; i < p->n; i++) {
        free(p->fns[i].name);
        free(p->fns[i].file);
        free(p->fns[i].object);
        free(p->fns[i].self);
        free(p->fns[i].incl);
    }
    free(p->fns);
    free(p->calls);
    free(p);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* An empty profile for nevents events (names copied), n functions. */
static mb_profile *profile_new(size_t nevents, char *const *events, size_t n)
{
    mb_profile *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->events = calloc(nevents ? nevents : 1, sizeof *p->events);
    p->fns = calloc(n ? n : 1, sizeof *p->fns);
    if (!p->events || !p->fns) {
        profile_free(p);
        return NULL;
    }
    for (; p->nevents < nevents; p->nevents++)
        if (!(p->events[p->nevents] = strdup(events[p->nevents]))) {
            profile_free(p);
            return NULL;
        }
    return p;
}

/* Fills p->fns[p->n] (and counts it); false on no memory. */
static bool profile_add(mb_profile *p, const char *name, const char *file,
                        const char *object, unsigned line, const double *self,
                        const double *incl)
{
    mb_fn_cost *f = &p->fns[p->n++];
    f->name = dup_or_empty(name);
    f->file = dup_or_empty(file);
    f->object = dup_or_empty(object);
    f->line = line;
    f->self = malloc((p->nevents ? p->nevents : 1) * sizeof *f->self);
    f->incl = malloc((p->nevents ? p->nevents : 1) * sizeof *f->incl);
    if (!f->name || !f->file || !f->object || !f->self || !f->incl)
        return false;
    memcpy(f->self, self, p->nevents * sizeof *self);
    memcpy(f->incl, incl, p->nevents * sizeof *incl);
    return true;
}

mb_profile *profile_copy(const mb_profile *p)
{
    if (!p)
        return NULL;
    mb_profile *c = profile_new(p->nevents, p->events, p->n);
    if (!c)
        return NULL;
    for (size_t i = 0; i < p->n; i++) {
        const mb_fn_cost *f = &p->fns[i];
        if (!profile_add(c, f->name, f->file, f->object, f->line, f->self,
                         f->incl)) {
            profile_free(c);
            return NULL;
        }
    }
    c->left_out = p->left_out;
    c->total_ir = p->total_ir;
    if (p->ncalls) {
        if (!(c->calls = malloc(p->ncalls * sizeof *c->calls))) {
            profile_free(c);
            return NULL;
        }
        memcpy(c->calls, p->calls, p->ncalls * sizeof *c->calls);
        c->ncalls = p->ncalls;
    }
    return c;
}

int profile_event(const mb_profile *p, const char *name)
{
    for (size_t e = 0; p && e < p->nevents; e++)
        if (strcmp(p->events[e], name) == 0)
            return (int)e;
    return -1;
}

const mb_fn_cost *profile_find(const mb_profile *p, const char *name,
                               const char *file)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->fns[i].name, name) == 0 &&
            (!file || strcmp(p->fns[i].file, file) == 0))
            return &p->fns[i];
    return NULL;
}

static const char *base_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

const mb_fn_cost *profile_match(const mb_profile *p, const mb_fn_cost *f)
{
    const mb_fn_cost *first = NULL, *by_file = NULL;
    for (size_t i = 0; p && i < p->n; i++) {
        const mb_fn_cost *g = &p->fns[i];
        if (strcmp(g->name, f->name) != 0)
            continue;
        if (strcmp(base_of(g->object), base_of(f->object)) == 0)
            return g;
        if (!by_file && strcmp(base_of(g->file), base_of(f->file)) == 0)
            by_file = g;
        if (!first)
            first = g;
    }
    return by_file ? by_file : first;
}

/* ---- parsing ------------------------------------------------------------- */

/* Names by compression id, one table per kind (files, functions,
 * objects), as the format keeps them; ids above this are refused. */
#define MAX_ID (1u << 20)

typedef struct names {
    char **v;
    size_t cap;
} names;

/* Distinct lines tracked per function for its costliest line. */
#define MAX_LINES 4096

typedef struct acc_fn {
    const char *name, *file, *object;
    uint64_t *self, *incl;
    unsigned *lines;   /* distinct lines in its own file ... */
    uint64_t *line_ir; /* ... and the first event's cost on each */
    size_t nlines, caplines;
    size_t next; /* hash chain */
} acc_fn;

typedef struct parser {
    /* everything malloc'd for the sets, freed with them */
    void **owned;
    size_t nowned, capowned;
    names files, fns, objs;
    /* the part being read */
    cg_fnset *cur;
    acc_fn *acc;
    size_t nacc, capacc;
    size_t *buckets; /* head index + 1, 0 empty */
    size_t nbuckets;
    size_t npos, line_col; /* position columns; which is "line" (or npos) */
    uint64_t pos[4];
    const char *ob, *fl, *fi, *fn; /* current object, file, inlined file,
                                      function */
    const char *cfn, *cfi, *cob;   /* callee of the next calls= (file and
                                      object NULL: the caller's) */
    cg_call *calls;                /* by accumulator index */
    size_t ncalls, capcalls;
    long f;         /* current function's acc index, -1 */
    bool call_next; /* the next cost line is a call's */
    char *err;
    size_t errlen;
    size_t lineno;
} parser;

static bool own(parser *ps, void *p)
{
    if (!p)
        return false;
    if (ps->nowned == ps->capowned) {
        size_t cap = ps->capowned ? 2 * ps->capowned : 64;
        void **g = realloc(ps->owned, cap * sizeof *g);
        if (!g) {
            free(p);
            return false;
        }
        ps->owned = g;
        ps->capowned = cap;
    }
    ps->owned[ps->nowned++] = p;
    return true;
}

static char *own_str(parser *ps, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    return own(ps, c) ? c : NULL;
}

/* "(id) name", "(id)" or "name" -> the name (stored), NULL with err set. */
static const char *resolve(parser *ps, names *t, const char *v, size_t len)
{
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == ' '))
        len--;
    if (!len || *v != '(')
        return own_str(ps, v, len);
    size_t i = 1, id = 0;
    while (i < len && v[i] >= '0' && v[i] <= '9' && id <= MAX_ID)
        id = id * 10 + (size_t)(v[i++] - '0');
    if (i == 1 || i >= len || v[i] != ')' || id > MAX_ID) {
        snprintf(ps->err, ps->errlen, "line %zu: bad name id", ps->lineno);
        return NULL;
    }
    i++;
    while (i < len && v[i] == ' ')
        i++;
    if (i < len) { /* a definition */
        if (id >= t->cap) {
            size_t cap = t->cap ? t->cap : 256;
            while (cap <= id)
                cap *= 2;
            char **g = realloc(t->v, cap * sizeof *g);
            if (!g)
                return NULL;
            memset(g + t->cap, 0, (cap - t->cap) * sizeof *g);
            t->v = g;
            t->cap = cap;
        }
        t->v[id] = own_str(ps, v + i, len - i);
        return t->v[id];
    }
    if (id >= t->cap || !t->v[id]) {
        snprintf(ps->err, ps->errlen,
                 "line %zu: name id %zu used before it "
                 "is defined",
                 ps->lineno, id);
        return NULL;
    }
    return t->v[id];
}

static size_t hash2(const char *a, const char *c)
{
    /* The strings are interned per id, but an uncompressed file repeats
     * them: hash the text. FNV-1a. */
    uint64_t h = 1469598103934665603ull;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ 1) * 1099511628211ull;
    for (const char *s = c; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* The accumulator of (name, object), created when new; -1 on no memory.
 * A function is one per object, whatever files its lines come from
 * (callgrind lists calloc under malloc.c and, for its inlined part, under
 * arena.c); its file is the one of its first fn= block (file, or NULL
 * when it is first seen as a callee). */
static long acc_of(parser *ps, const char *name, const char *file,
                   const char *obj)
{
    size_t ne = ps->cur->nevents;
    if (ps->nacc * 2 >= ps->nbuckets) {
        size_t nb = ps->nbuckets ? 2 * ps->nbuckets : 256;
        size_t *b = calloc(nb, sizeof *b);
        if (!b)
            return -1;
        free(ps->buckets);
        ps->buckets = b;
        ps->nbuckets = nb;
        for (size_t i = 0; i < ps->nacc; i++) {
            acc_fn *a = &ps->acc[i];
            size_t h = hash2(a->name, a->object) & (nb - 1);
            a->next = b[h];
            b[h] = i + 1;
        }
    }
    size_t h = hash2(name, obj) & (ps->nbuckets - 1);
    for (size_t i = ps->buckets[h]; i; i = ps->acc[i - 1].next) {
        acc_fn *a = &ps->acc[i - 1];
        if (strcmp(a->name, name) == 0 && strcmp(a->object, obj) == 0) {
            if (!a->file)
                a->file = file;
            return (long)(i - 1);
        }
    }
    if (ps->nacc == ps->capacc) {
        size_t cap = ps->capacc ? 2 * ps->capacc : 64;
        acc_fn *g = realloc(ps->acc, cap * sizeof *g);
        if (!g)
            return -1;
        ps->acc = g;
        ps->capacc = cap;
    }
    acc_fn *a = &ps->acc[ps->nacc];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->file = file;
    a->object = obj;
    a->self = calloc(ne ? ne : 1, sizeof *a->self);
    a->incl = calloc(ne ? ne : 1, sizeof *a->incl);
    if (!a->self || !a->incl) {
        free(a->self);
        free(a->incl);
        return -1;
    }
    a->next = ps->buckets[h];
    ps->buckets[h] = ps->nacc + 1;
    return (long)ps->nacc++;
}

static void acc_line(acc_fn *a, unsigned line, uint64_t ir)
{
    for (size_t i = a->nlines; i-- > 0;)
        if (a->lines[i] == line) {
            a->line_ir[i] += ir;
            return;
        }
    if (a->nlines == a->caplines) {
        if (a->caplines >= MAX_LINES)
            return;
        size_t cap = a->caplines ? 2 * a->caplines : 16;
        unsigned *l = realloc(a->lines, cap * sizeof *l);
        if (!l)
            return;
        a->lines = l;
        uint64_t *c = realloc(a->line_ir, cap * sizeof *c);
        if (!c)
            return;
        a->line_ir = c;
        a->caplines = cap;
    }
    a->lines[a->nlines] = line;
    a->line_ir[a->nlines++] = ir;
}

static void acc_clear(parser *ps)
{
    for (size_t i = 0; i < ps->nacc; i++) {
        free(ps->acc[i].self);
        free(ps->acc[i].incl);
        free(ps->acc[i].lines);
        free(ps->acc[i].line_ir);
    }
    ps->nacc = 0;
    if (ps->buckets)
        memset(ps->buckets, 0, ps->nbuckets * sizeof *ps->buckets);
}

/* Moves the accumulated functions with self cost into the current set. */
static bool close_part(parser *ps)
{
    cg_fnset *s = ps->cur;
    if (!s)
        return true;
    size_t ne = s->nevents, keep = 0;
    for (size_t i = 0; i < ps->nacc; i++) {
        bool any = false;
        for (size_t e = 0; e < ne; e++)
            any |= ps->acc[i].self[e] != 0;
        keep += any;
    }
    s->fns = calloc(keep ? keep : 1, sizeof *s->fns);
    size_t *map = calloc(ps->nacc + 1, sizeof *map); /* index + 1, 0: gone */
    s->calls = calloc(ps->ncalls + 1, sizeof *s->calls);
    if (!map || !s->fns || !own(ps, s->fns) || !s->calls ||
        !own(ps, s->calls)) {
        free(map);
        s->fns = NULL;
        acc_clear(ps);
        return false;
    }
    for (size_t i = 0; i < ps->nacc; i++) {
        acc_fn *a = &ps->acc[i];
        bool any = false;
        for (size_t e = 0; e < ne; e++)
            any |= a->self[e] != 0;
        if (!any)
            continue;
        map[i] = s->n + 1;
        cg_fn *f = &s->fns[s->n++];
        f->name = a->name;
        /* Without debug information callgrind names the file "???". */
        f->file = !a->file || strcmp(a->file, "???") == 0 ? "" : a->file;
        f->object = a->object;
        uint64_t best = 0;
        for (size_t k = 0; k < a->nlines; k++)
            if (a->line_ir[k] > best ||
                (a->line_ir[k] == best && best && a->lines[k] < f->line)) {
                best = a->line_ir[k];
                f->line = a->lines[k];
            }
        f->self = a->self;
        f->incl = a->incl;
        a->self = a->incl = NULL;
        if (!own(ps, f->self) || !own(ps, f->incl)) {
            free(map);
            return false;
        }
    }
    for (size_t k = 0; k < ps->ncalls; k++) {
        const cg_call *c = &ps->calls[k];
        if (map[c->from] && map[c->to])
            s->calls[s->ncalls++] =
                (cg_call){map[c->from] - 1, map[c->to] - 1, c->cost};
    }
    free(map);
    ps->ncalls = 0;
    acc_clear(ps);
    ps->cur = NULL;
    return true;
}

static bool starts(const char *line, size_t len, const char *key)
{
    size_t k = strlen(key);
    return len >= k && memcmp(line, key, k) == 0;
}

/* A number in [*s, end), decimal or 0x-prefixed hex, into *v; *s past it.
 * Bounded by end: the text need not end in a NUL (strtoull would read on
 * past it; found by fuzzing, an input ending in a digit). False on no
 * digit or overflow. */
static bool parse_u64(const char **s, const char *end, bool hex_ok, uint64_t *v)
{
    const char *p = *s;
    unsigned base = 10;
    if (hex_ok && end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        isxdigit((unsigned char)p[2])) {
        base = 16;
        p += 2;
    }
    uint64_t x = 0;
    const char *start = p;
    for (; p < end; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && isxdigit((unsigned char)*p))
            d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
        else
            break;
        if (x > (UINT64_MAX - d) / base)
            return false;
        x = x * base + d;
    }
    if (p == start)
        return false;
    *v = x;
    *s = p;
    return true;
}

/* Parses one position column at *s: absolute, +n, -n, or *. */
static bool parse_pos(const char **s, const char *end, uint64_t *v)
{
    const char *p = *s;
    if (p >= end)
        return false;
    if (*p == '*') {
        *s = p + 1;
        return true;
    }
    int sign = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '+' ? 1 : -1;
    uint64_t x;
    if (!parse_u64(&p, end, true, &x))
        return false;
    if (sign > 0)
        *v += x;
    else if (sign < 0)
        *v = x > *v ? 0 : *v - x;
    else
        *v = x;
    *s = p;
    return true;
}

/* Adds cost to the call from accumulator from to accumulator to. */
static bool add_call(parser *ps, size_t from, size_t to, uint64_t cost)
{
    for (size_t i = ps->ncalls; i-- > 0;)
        if (ps->calls[i].from == from && ps->calls[i].to == to) {
            ps->calls[i].cost += cost;
            return true;
        }
    if (ps->ncalls == ps->capcalls) {
        size_t cap = ps->capcalls ? 2 * ps->capcalls : 64;
        cg_call *g = realloc(ps->calls, cap * sizeof *g);
        if (!g)
            return false;
        ps->calls = g;
        ps->capcalls = cap;
    }
    ps->calls[ps->ncalls++] = (cg_call){from, to, cost};
    return true;
}

/* A cost line: positions, then up to nevents counts. */
static bool cost_line(parser *ps, const char *line, size_t len)
{
    const char *s = line, *end = line + len;
    for (size_t c = 0; c < ps->npos; c++) {
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (!parse_pos(&s, end, &ps->pos[c]))
            return false;
    }
    uint64_t v[CG_MAX_EVENTS] = {0};
    size_t ne = ps->cur ? ps->cur->nevents : 0;
    for (size_t k = 0;; k++) {
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s >= end)
            break;
        if (k >= ne || !parse_u64(&s, end, false, &v[k]))
            return false;
    }
    if (!ps->cur || ps->f < 0)
        return true; /* costs outside any function: nothing to add to */
    if (ps->call_next) {
        ps->call_next = false;
        const char *cfn = ps->cfn, *cfi = ps->cfi ? ps->cfi : ps->fl,
                   *cob = ps->cob ? ps->cob : ps->ob;
        ps->cfi = ps->cob = NULL;
        if (!cfn)
            return true;
        (void)cfi;
        long to = acc_of(ps, cfn, NULL, cob);
        if (to < 0)
            return false;
        acc_fn *a = &ps->acc[ps->f];
        if (to == ps->f)
            return true; /* a direct recursion is already inside */
        for (size_t e = 0; e < ne; e++)
            a->incl[e] += v[e];
        return add_call(ps, (size_t)ps->f, (size_t)to, ne ? v[0] : 0);
    }
    acc_fn *a = &ps->acc[ps->f];
    for (size_t e = 0; e < ne; e++) {
        a->self[e] += v[e];
        a->incl[e] += v[e];
    }
    /* The costliest line: in the function's own file (not an inlined
     * one), by the first event (Ir). */
    if (ps->line_col < ps->npos && ne && ps->pos[ps->line_col] && a->file &&
        strcmp(ps->fi, ps->fl) == 0 && strcmp(ps->fl, a->file) == 0)
        acc_line(a, (unsigned)ps->pos[ps->line_col], v[0]);
    return true;
}

size_t cg_next_word(const char *v, size_t len, size_t *at, const char **word)
{
    size_t i = *at;
    while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r'))
        i++;
    size_t b = i;
    while (i < len && v[i] != ' ' && v[i] != '\t' && v[i] != '\r')
        i++;
    *word = v + b;
    *at = i;
    return i - b;
}

static bool set_events(parser *ps, const char *v, size_t len)
{
    cg_fnset *s = ps->cur;
    s->nevents = 0;
    s->events = calloc(CG_MAX_EVENTS, sizeof *s->events);
    if (!s->events || !own(ps, s->events))
        return false;
    const char *w;
    for (size_t at = 0, l; (l = cg_next_word(v, len, &at, &w)) > 0;) {
        if (s->nevents == CG_MAX_EVENTS)
            return false;
        if (!(s->events[s->nevents++] = own_str(ps, w, l)))
            return false;
    }
    return s->nevents > 0;
}

static bool set_positions(parser *ps, const char *v, size_t len)
{
    ps->npos = 0;
    ps->line_col = 4;
    const char *w;
    for (size_t at = 0, l; (l = cg_next_word(v, len, &at, &w)) > 0;) {
        if (ps->npos == 4)
            return false;
        if (l == 4 && memcmp(w, "line", 4) == 0)
            ps->line_col = ps->npos;
        ps->npos++;
    }
    return ps->npos > 0;
}

static void parser_free(parser *ps)
{
    acc_clear(ps);
    free(ps->acc);
    free(ps->calls);
    free(ps->buckets);
    free(ps->files.v);
    free(ps->fns.v);
    free(ps->objs.v);
}

void cg_fnsets_free(cg_fnset *sets, size_t n)
{
    (void)n;
    if (!sets)
        return;
    /* The first set holds the parse's allocations for all of them. */
    parser *ps = sets[0].priv;
    if (ps) {
        for (size_t i = 0; i < ps->nowned; i++)
            free(ps->owned[i]);
        free(ps->owned);
        free(ps);
    }
    free(sets);
}

mb_status cg_parse_functions(const char *text, size_t len, cg_fnset **sets,
                             size_t *n, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    *sets = NULL;
    *n = 0;
    parser *ps = calloc(1, sizeof *ps);
    if (!ps)
        return MB_ERR_NO_MEMORY;
    ps->err = err;
    ps->errlen = errlen;
    ps->npos = 1;
    ps->line_col = 0;
    ps->f = -1;
    cg_fnset *out = NULL;
    size_t nout = 0;
    bool any = false;
    mb_status st = MB_OK;
    const char *empty = "";
    ps->ob = ps->fl = ps->fi = ps->fn = empty;
    const char *p = text, *end = text + len;
#define FAIL(code, ...)                                                        \
    do {                                                                       \
        if (!err[0])                                                           \
            snprintf(err, errlen, __VA_ARGS__);                                \
        st = code;                                                             \
        goto out;                                                              \
    } while (0)
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        ps->lineno++;
        while (l && line[l - 1] == '\r')
            l--;
        if (!l || line[0] == '#')
            continue;
        bool new_part = starts(line, l, "part:");
        bool hdr =
            starts(line, l, "desc: Trigger:") || starts(line, l, "events:");
        if (new_part || (hdr && !ps->cur)) {
            /* A new part begins: close the one before. */
            if (!close_part(ps))
                FAIL(MB_ERR_NO_MEMORY, "out of memory");
            cg_fnset *g = realloc(out, (nout + 1) * sizeof *g);
            if (!g)
                FAIL(MB_ERR_NO_MEMORY, "out of memory");
            out = g;
            memset(&out[nout], 0, sizeof out[nout]);
            /* Events carry over between the parts of a combined file. */
            if (nout > 0) {
                out[nout].nevents = out[nout - 1].nevents;
                out[nout].events = out[nout - 1].events;
            }
            ps->cur = &out[nout++];
            ps->f = -1;
            ps->call_next = false;
            any = true;
        }
        if (new_part)
            continue;
        if (starts(line, l, "desc: Trigger:")) {
            const char *v = line + 14;
            size_t vl = l - 14;
            while (vl && *v == ' ')
                v++, vl--;
            snprintf(ps->cur->trigger, sizeof ps->cur->trigger, "%.*s", (int)vl,
                     v);
        } else if (starts(line, l, "events:")) {
            /* The accumulators are sized by the events: no second events
             * line once costs were read (fuzzing found one). */
            if (ps->nacc)
                FAIL(MB_ERR_CORRUPT, "line %zu: events: after costs",
                     ps->lineno);
            if (!set_events(ps, line + 7, l - 7))
                FAIL(MB_ERR_CORRUPT, "line %zu: bad events: line", ps->lineno);
        } else if (starts(line, l, "positions:")) {
            if (!set_positions(ps, line + 10, l - 10))
                FAIL(MB_ERR_CORRUPT, "line %zu: bad positions: line",
                     ps->lineno);
        } else if (starts(line, l, "calls=")) {
            ps->call_next = true;
        } else if (line[0] >= 'a' && line[0] <= 'z' && l > 3 &&
                   (line[2] == '=' || line[3] == '=')) {
            size_t k = line[2] == '=' ? 3 : 4;
            const char *v = line + k;
            size_t vl = l - k;
            const char **slot = NULL;
            names *t = NULL;

            if (starts(line, l, "ob=")) {
                slot = &ps->ob;
                t = &ps->objs;
            } else if (starts(line, l, "fl=")) {
                slot = &ps->fl;
                t = &ps->files;
            } else if (starts(line, l, "fi=") || starts(line, l, "fe=")) {
                slot = &ps->fi;
                t = &ps->files;
            } else if (starts(line, l, "fn=")) {
                slot = &ps->fn;
                t = &ps->fns;
            } else if (starts(line, l, "cfn=")) {
                slot = &ps->cfn;
                t = &ps->fns;
            } else if (starts(line, l, "cob=")) {
                slot = &ps->cob;
                t = &ps->objs;
            } else if (starts(line, l, "cfi=") || starts(line, l, "cfl=")) {
                slot = &ps->cfi;
                t = &ps->files;
            } else {
                continue; /* jump=, jcnd= and keys we do not use */
            }
            const char *name = resolve(ps, t, v, vl);
            if (!name)
                FAIL(err[0] ? MB_ERR_CORRUPT : MB_ERR_NO_MEMORY,
                     "out of memory");
            *slot = name;
            if (slot == &ps->fl)
                ps->fi = name; /* a new file: not inside an inlined one */
            if (slot == &ps->fn) {
                ps->fi = ps->fl;
                if (!ps->cur)
                    FAIL(MB_ERR_CORRUPT,
                         "line %zu: fn= before events:", ps->lineno);
                if ((ps->f = acc_of(ps, name, ps->fl, ps->ob)) < 0)
                    FAIL(MB_ERR_NO_MEMORY, "out of memory");
            }
        } else if ((line[0] >= '0' && line[0] <= '9') || line[0] == '+' ||
                   line[0] == '-' || line[0] == '*') {
            if (!cost_line(ps, line, l))
                FAIL(MB_ERR_CORRUPT, "line %zu: bad cost line", ps->lineno);
        }
        /* version:, creator:, cmd:, pid:, summary:, totals:, desc: ... */
    }
    if (!any)
        FAIL(MB_ERR_CORRUPT, "not callgrind output (no events: line)");
    if (!close_part(ps))
        FAIL(MB_ERR_NO_MEMORY, "out of memory");
#undef FAIL
out:
    if (st != MB_OK) {
        parser_free(ps);
        for (size_t i = 0; i < ps->nowned; i++)
            free(ps->owned[i]);
        free(ps->owned);
        free(ps);
        free(out);
        return st;
    }
    parser_free(ps);
    out[0].priv = ps;
    *sets = out;
    *n = nout;
    return MB_OK;
}

/* ---- a benchmark's profile from its two batches ------------------------ */

static const cg_fn *set_find(const cg_fnset *s, const cg_fn *f)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->fns[i].name, f->name) == 0 &&
            strcmp(s->fns[i].object, f->object) == 0)
            return &s->fns[i];
    return NULL;
}

typedef struct ranked {
    size_t idx;
    double key;
} ranked;

static int by_key_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The index in p of set function f, or -1. */
static long kept_index(const mb_profile *p, const cg_fn *f)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->fns[i].name, f->name) == 0 &&
            strcmp(p->fns[i].object, f->object) == 0)
            return (long)i;
    return -1;
}

/* The calls among p's functions, per iteration (b - a) / iters. */
static bool profile_calls(mb_profile *p, const cg_fnset *a, const cg_fnset *b,
                          double iters)
{
    p->calls = calloc(b->ncalls + 1, sizeof *p->calls);
    if (!p->calls)
        return false;
    for (size_t k = 0; k < b->ncalls; k++) {
        const cg_call *c = &b->calls[k];
        long from = kept_index(p, &b->fns[c->from]),
             to = kept_index(p, &b->fns[c->to]);
        if (from < 0 || to < 0)
            continue;
        double before = 0;
        const cg_fn *af = set_find(a, &b->fns[c->from]),
                    *at = set_find(a, &b->fns[c->to]);
        for (size_t j = 0; af && at && j < a->ncalls; j++)
            if (&a->fns[a->calls[j].from] == af &&
                &a->fns[a->calls[j].to] == at)
                before = (double)a->calls[j].cost;
        double d = ((double)c->cost - before) / iters;
        if (d > 0)
            p->calls[p->ncalls++] = (mb_fn_call){(size_t)from, (size_t)to, d};
    }
    return true;
}

mb_profile *profile_from_batches(const cg_fnset *a, const cg_fnset *b,
                                 double iters)
{
    if (!(iters > 0) || a->nevents != b->nevents)
        return NULL;
    size_t ne = b->nevents;
    for (size_t e = 0; e < ne; e++)
        if (strcmp(a->events[e], b->events[e]) != 0)
            return NULL;
    double *self = calloc((b->n + 1) * ne + 1, sizeof *self);
    double *incl = calloc((b->n + 1) * ne + 1, sizeof *incl);
    ranked *rk = calloc(b->n + 1, sizeof *rk);
    mb_profile *p = profile_new(ne, b->events, b->n);
    if (!self || !incl || !rk || !p) {
        free(self);
        free(incl);
        free(rk);
        profile_free(p);
        return NULL;
    }
    /* Functions only in the first batch would have a negative difference
     * in every event: nothing the loop does per iteration. */
    size_t nr = 0;
    double total = 0;
    for (size_t i = 0; i < b->n; i++) {
        const cg_fn *f = &b->fns[i], *g = set_find(a, f);
        bool moved = false;
        for (size_t e = 0; e < ne; e++) {
            double s = (double)f->self[e] - (g ? (double)g->self[e] : 0);
            double c = (double)f->incl[e] - (g ? (double)g->incl[e] : 0);
            self[i * ne + e] = s > 0 ? s / iters : 0;
            incl[i * ne + e] = c > 0 ? c / iters : 0;
            moved |= s > 0;
        }
        if (!moved)
            continue;
        double key = ne ? self[i * ne] : 0;
        total += key;
        rk[nr].idx = i;
        rk[nr++].key = key;
    }
    qsort(rk, nr, sizeof *rk, by_key_desc);
    double covered = 0;
    for (size_t k = 0; k < nr; k++) {
        if (p->n >= PROFILE_MAX_FNS ||
            (total > 0 && covered >= PROFILE_COVER * total) ||
            (total > 0 && rk[k].key <= 0)) {
            p->left_out = nr - k;
            break;
        }
        const cg_fn *f = &b->fns[rk[k].idx];
        if (!profile_add(p, f->name, f->file, f->object, f->line,
                         &self[rk[k].idx * ne], &incl[rk[k].idx * ne])) {
            profile_free(p);
            p = NULL;
            break;
        }
        covered += rk[k].key;
    }
    if (p) {
        p->total_ir = total;
        if (!profile_calls(p, a, b, iters)) {
            profile_free(p);
            p = NULL;
        }
    }
    free(self);
    free(incl);
    free(rk);
    return p;
}

/* ---- comparing ------------------------------------------------------------
 */

void pf_diff_free(pf_diff *d)
{
    if (!d)
        return;
    free(d->fns);
    free(d->events);
    free(d);
}

/* est_cycles of one function's self costs (docs/instructions.md's
 * formula, rewritten as Ir + Dr + Dw + 4 L1 misses + 30 LL misses + 10
 * mispredicts, so that an event the run lacks counts as 0). */
static double fn_cycles(const mb_profile *p, const mb_fn_cost *f)
{
    static const struct {
        const char *name;
        double w;
    } wt[] = {
        {"Ir", 1},
        {"Dr", 1},
        {"Dw", 1},
        {"I1mr", CG_LL_HIT_CYCLES - 1},
        {"D1mr", CG_LL_HIT_CYCLES - 1},
        {"D1mw", CG_LL_HIT_CYCLES - 1},
        {"ILmr", CG_RAM_CYCLES - CG_LL_HIT_CYCLES},
        {"DLmr", CG_RAM_CYCLES - CG_LL_HIT_CYCLES},
        {"DLmw", CG_RAM_CYCLES - CG_LL_HIT_CYCLES},
        {"Bcm", CG_MISPREDICT_CYCLES},
        {"Bim", CG_MISPREDICT_CYCLES},
    };
    if (!f)
        return 0;
    double c = 0;
    for (size_t k = 0; k < sizeof wt / sizeof *wt; k++) {
        int e = profile_event(p, wt[k].name);
        if (e >= 0)
            c += wt[k].w * f->self[e];
    }
    return c;
}

static double fn_val(const mb_profile *p, const mb_fn_cost *f, int e, bool incl)
{
    if (!f)
        return 0;
    if (e < 0)
        return fn_cycles(p, f);
    return incl ? f->incl[e] : f->self[e];
}

static int by_change(const void *a, const void *b)
{
    const pf_change *x = a, *y = b;
    double dx = fabs(x->self_new - x->self_old),
           dy = fabs(y->self_new - y->self_old);
    if (dx != dy)
        return dx < dy ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int by_event_change(const void *a, const void *b)
{
    const pf_event *x = a, *y = b;
    double dx = fabs(x->now - x->old), dy = fabs(y->now - y->old);
    if (dx != dy)
        return dx < dy ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* The total of event name over a profile's kept functions (self). */
static double total_of(const mb_profile *p, const char *name)
{
    int e = profile_event(p, name);
    double t = 0;
    for (size_t i = 0; e >= 0 && i < p->n; i++)
        t += p->fns[i].self[e];
    return t;
}

pf_diff *profile_diff(const mb_profile *old, const mb_profile *now)
{
    if (!old || !now)
        return NULL;
    pf_diff *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->fns = calloc(old->n + now->n + 1, sizeof *d->fns);
    d->events = calloc(now->nevents + 1, sizeof *d->events);
    if (!d->fns || !d->events) {
        pf_diff_free(d);
        return NULL;
    }
    int io = profile_event(old, "Ir"), in = profile_event(now, "Ir");
    d->ir_old = old->total_ir > 0 ? old->total_ir : total_of(old, "Ir");
    d->ir_new = now->total_ir > 0 ? now->total_ir : total_of(now, "Ir");
    /* Rank by Ir; when no function's Ir moved, by estimated cycles (the
     * cause is then in the simulated caches or branches). */
    bool ir_moved = io < 0 || in < 0 || d->ir_old != d->ir_new;
    for (size_t i = 0; i < now->n && !ir_moved; i++) {
        const mb_fn_cost *f = &now->fns[i];
        const mb_fn_cost *g = profile_match(old, f);
        if (g || !old->left_out)
            ir_moved = fn_val(old, g, io, false) != fn_val(now, f, in, false);
    }
    for (size_t i = 0; i < old->n && !ir_moved; i++)
        ir_moved = !now->left_out && !profile_match(now, &old->fns[i]);
    d->ir_unchanged = !ir_moved;
    d->event = ir_moved || io < 0 ? "Ir" : CG_CYCLES_NAME;
    int eo = ir_moved ? io : -1, en = ir_moved ? in : -1;
    for (size_t i = 0; i < now->n; i++) {
        const mb_fn_cost *f = &now->fns[i];
        const mb_fn_cost *g = profile_match(old, f);
        if (!g && old->left_out)
            continue; /* below what the base kept: its cost is unknown */
        pf_change c = {.old = g,
                       .now = f,
                       .name = f->name,
                       .file = f->file,
                       .line = f->line,
                       .status = g ? PF_CHANGED : PF_NEW,
                       .self_old = fn_val(old, g, eo, false),
                       .self_new = fn_val(now, f, en, false),
                       .incl_old = fn_val(old, g, eo, true),
                       .incl_new = fn_val(now, f, en, true)};
        if (c.self_old != c.self_new)
            d->fns[d->n++] = c;
    }
    for (size_t i = 0; i < old->n; i++) {
        const mb_fn_cost *g = &old->fns[i];
        if (profile_match(now, g) || now->left_out)
            continue;
        pf_change c = {.old = g,
                       .name = g->name,
                       .file = g->file,
                       .line = g->line,
                       .status = PF_GONE,
                       .self_old = fn_val(old, g, eo, false),
                       .incl_old = fn_val(old, g, eo, true)};
        if (c.self_old != 0)
            d->fns[d->n++] = c;
    }
    qsort(d->fns, d->n, sizeof *d->fns, by_change);
    for (size_t e = 0; e < now->nevents; e++) {
        const char *name = now->events[e];
        if (strcmp(name, "Ir") == 0 || profile_event(old, name) < 0)
            continue;
        /* Less than one event in two iterations is the batch's own edges
         * (its last branch, a miss on entry) spread over its iterations,
         * not the body: "Bcm -0.0/iter (1.1 -> 1.1)" said nothing. */
        double a = total_of(old, name), b = total_of(now, name);
        if (fabs(b - a) >= 0.5)
            d->events[d->nevents++] = (pf_event){name, a, b};
    }
    qsort(d->events, d->nevents, sizeof *d->events, by_event_change);
    return d;
}

void pf_count(double v, bool sign, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return;
    }
    double a = fabs(v);
    char digits[64];
    /* Whole counts as integers, fractions of an event with one decimal. */
    if (a >= 100 || a == floor(a))
        snprintf(digits, sizeof digits, "%.0f", a);
    else
        snprintf(digits, sizeof digits, "%.1f", a);
    char *dot = strchr(digits, '.');
    size_t intlen = dot ? (size_t)(dot - digits) : strlen(digits);
    char out[96];
    size_t o = 0;
    if (v < 0 && a > 0)
        out[o++] = '-';
    else if (sign)
        out[o++] = '+';
    for (size_t i = 0; i < intlen; i++) {
        if (i && (intlen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    snprintf(out + o, sizeof out - o, "%s", dot ? dot : "");
    snprintf(buf, len, "%s", out);
}

/* "find_duplicates.h:70" from a path: its last component and the line. */
static void where(const pf_change *c, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!c->file || !*c->file || strcmp(c->file, "???") == 0)
        return;
    const char *base = strrchr(c->file, '/');
    base = base ? base + 1 : c->file;
    if (c->line)
        snprintf(buf, len, "%s:%u", base, c->line);
    else
        snprintf(buf, len, "%s", base);
}

void pf_diff_text(const pf_diff *d, size_t max, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    bool cyc = strcmp(d->event, "Ir") != 0;
    for (size_t i = 0; i < d->n && i < max && used + 1 < len; i++) {
        const pf_change *c = &d->fns[i];
        char delta[48], at[300];
        pf_count(c->self_new - c->self_old, true, delta, sizeof delta);
        where(c, at, sizeof at);
        used += (size_t)snprintf(
            buf + used, len - used, "%s%s%s %s%s%s%s%s", i ? ", " : "",
            c->status == PF_NEW    ? "new: "
            : c->status == PF_GONE ? "gone: "
                                   : "",
            c->name, delta,
            i == 0 ? (cyc ? " est. cycles/iter" : " Ir/iter") : "",
            at[0] ? " (" : "", at, at[0] ? ")" : "");
        if (used >= len)
            used = len - 1;
    }
    if (d->n > max && used + 1 < len)
        snprintf(buf + used, len - used, ", %zu more", d->n - max);
}

void pf_why_text(const pf_diff *d, size_t max, char *buf, size_t len)
{
    if (!d->ir_unchanged) {
        pf_diff_text(d, max, buf, len);
        return;
    }
    char ir[48];
    pf_count(d->ir_new, false, ir, sizeof ir);
    if (d->nevents == 0) {
        snprintf(buf, len,
                 "instructions unchanged (%s Ir/iter), and no simulated "
                 "cache or branch event moved: the cause is outside what "
                 "callgrind simulates (memory layout, alignment, the "
                 "machine)",
                 ir);
        return;
    }
    size_t used = (size_t)snprintf(buf, len,
                                   "instructions unchanged (%s Ir/iter); "
                                   "simulated events that moved:",
                                   ir);
    for (size_t i = 0; i < d->nevents && i < 4 && used < len; i++) {
        const pf_event *e = &d->events[i];
        char delta[48], a[48], b[48];
        pf_count(e->now - e->old, true, delta, sizeof delta);
        pf_count(e->old, false, a, sizeof a);
        pf_count(e->now, false, b, sizeof b);
        used +=
            (size_t)snprintf(buf + used, len - used, "%s %s %s/iter (%s -> %s)",
                             i ? "," : "", e->name, delta, a, b);
    }
    if (d->n && used < len) {
        used +=
            (size_t)snprintf(buf + used, len - used, "; by estimated cycles: ");
        if (used < len)
            pf_diff_text(d, max, buf + used, len - used);
    }
}
