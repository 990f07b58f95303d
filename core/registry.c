/* Registration by constructor, expansion of arguments and full names. */
#include "registry.h"

#include <inttypes.h>
#include <stdbool.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Constructors run before main, single-threaded: a plain list is safe.
 * Appending at the tail keeps definition order within and across files. */
static mb_bench *head;
static mb_bench **tail = &head;
static char reg_error[256];

/* Full-size copies of definitions from an older, smaller header. */
typedef struct copy {
    mb_bench bench; /* first: the registry links it like any definition */
    struct copy *next;
} copy;
static copy *copies;

void mb_register(mb_bench *bench)
{
    if (!bench)
        return;
    if (bench->size < MB_BENCH_MIN_SIZE || bench->size > sizeof(mb_bench)) {
        /* Nothing else in it can be trusted: not even its name. */
        if (!reg_error[0])
            snprintf(reg_error, sizeof reg_error,
                     "a benchmark definition of %zu bytes was refused (this "
                     "microbe reads %zu to %zu): rebuild the bench program "
                     "against this library's microbe.h",
                     bench->size, (size_t)MB_BENCH_MIN_SIZE, sizeof(mb_bench));
        return;
    }
    if (bench->size < sizeof(mb_bench)) {
        copy *c = calloc(1, sizeof *c);
        if (!c) {
            snprintf(reg_error, sizeof reg_error,
                     "out of memory registering benchmark %s", bench->name);
            return;
        }
        memcpy(&c->bench, bench, bench->size);
        c->bench.size = sizeof(mb_bench);
        c->next = copies;
        copies = c;
        bench = &c->bench;
    }
    bench->next = NULL;
    *tail = bench;
    tail = &bench->next;
}

const mb_bench *registry_first(void)
{
    return head;
}

const char *registry_error(void)
{
    return reg_error[0] ? reg_error : NULL;
}

void registry_reset(void)
{
    head = NULL;
    tail = &head;
    reg_error[0] = '\0';
    while (copies) {
        copy *c = copies;
        copies = c->next;
        free(c);
    }
}

/* Most threads a benchmark may ask for. */
#define MAX_THREADS 1024

typedef struct vec {
    instance *v;
    size_t n, cap;
} vec;

/* Appends the instance of b with args[0..nargs) and `threads` threads
 * (0: no .threads, no suffix). */
static bool push(vec *out, const mb_bench *b, const int64_t *args, size_t nargs,
                 int threads)
{
    if (out->n == out->cap) {
        size_t c = out->cap ? 2 * out->cap : 16;
        instance *g = realloc(out->v, c * sizeof *g);
        if (!g)
            return false;
        out->v = g;
        out->cap = c;
    }
    instance *in = &out->v[out->n++];
    memset(in, 0, sizeof *in);
    in->bench = b;
    in->nargs = nargs;
    memcpy(in->args, args, nargs * sizeof *args);
    in->arg = nargs ? args[0] : 0;
    in->has_arg = nargs > 0;
    in->threads = threads > 0 ? threads : 1;
    if (b->group)
        snprintf(in->family, sizeof in->family, "%s/%s", b->group, b->name);
    else
        snprintf(in->family, sizeof in->family, "%s", b->name);
    char first[96] = "";
    size_t used = 0;
    for (size_t i = 0; i < nargs; i++) {
        char one[96];
        if (b->arg_names.n)
            snprintf(one, sizeof one, "/%s:%" PRId64, b->arg_names.v[i],
                     args[i]);
        else
            snprintf(one, sizeof one, "/%" PRId64, args[i]);
        if (i == 0)
            snprintf(first, sizeof first, "%s", one);
        else if (used < sizeof in->others)
            used += (size_t)snprintf(in->others + used,
                                     sizeof in->others - used, "%s", one);
    }
    if (threads > 0 && used < sizeof in->others)
        snprintf(in->others + used, sizeof in->others - used, "/threads:%d",
                 threads);
    snprintf(in->name, sizeof in->name, "%s%s%s", in->family, first,
             in->others);
    return true;
}

/* The values of a geometric range: like Google Benchmark, lo, the powers
 * of mult between, hi. *out is malloc'd. */
static bool range_values(const mb_range *r, int64_t **out, size_t *n)
{
    size_t cap = 66; /* at most 63 powers of 2 fit, plus lo and hi */
    int64_t *v = malloc(cap * sizeof *v);
    if (!v)
        return false;
    size_t k = 0;
    v[k++] = r->lo;
    int64_t p = 1;
    while (p <= r->lo && p <= INT64_MAX / r->mult)
        p *= r->mult;
    if (p <= r->lo) /* no power of mult above lo fits in int64_t */
        p = r->hi;
    for (; p < r->hi && k < cap - 1;
         p = p <= INT64_MAX / r->mult ? p * r->mult : r->hi)
        v[k++] = p;
    if (r->hi != r->lo)
        v[k++] = r->hi;
    *out = v;
    *n = k;
    return true;
}

#define BAD(...)                                                               \
    do {                                                                       \
        snprintf(err, errlen, __VA_ARGS__);                                    \
        return MB_ERR_USAGE;                                                   \
    } while (0)

static mb_status expand_one(const mb_bench *b, vec *out, char *err,
                            size_t errlen)
{
    const mb_range *r = &b->range;
    bool has_range = r->lo || r->hi || r->mult;
    if ((b->args.n > 0) + has_range + (b->product.n > 0) > 1)
        BAD("benchmark %s (%s:%d): give one of .args, .range and .product",
            b->name, b->file, b->line);
    if (has_range && (r->lo < 0 || r->hi < r->lo || r->mult < 2))
        BAD("benchmark %s (%s:%d): invalid .range (need 0 <= lo <= hi and "
            "mult >= 2)",
            b->name, b->file, b->line);
    if (b->unit && strcmp(b->unit, "ns") != 0 && strcmp(b->unit, "us") != 0 &&
        strcmp(b->unit, "ms") != 0 && strcmp(b->unit, "s") != 0) {
        snprintf(err, errlen,
                 "benchmark %s (%s:%d): unknown .unit \"%.16s\" (ns, us, "
                 "ms or s)",
                 b->name, b->file, b->line, b->unit);
        return MB_ERR_USAGE;
    }
    mb_arglist lists[RUN_MAX_ARGS];
    size_t nl = 0;
    int64_t *rv = NULL;
    if (has_range) {
        size_t k = 0;
        if (!range_values(r, &rv, &k))
            return MB_ERR_NO_MEMORY;
        lists[nl++] = (mb_arglist){.v = rv, .n = k};
    } else if (b->args.n) {
        lists[nl++] = b->args;
    } else if (b->product.n) {
        if (b->product.n > RUN_MAX_ARGS)
            BAD("benchmark %s (%s:%d): .product of %zu lists (at most %d)",
                b->name, b->file, b->line, b->product.n, RUN_MAX_ARGS);
        for (size_t i = 0; i < b->product.n; i++) {
            if (!b->product.lists[i].n)
                BAD("benchmark %s (%s:%d): .product's list %zu is empty",
                    b->name, b->file, b->line, i + 1);
            lists[nl++] = b->product.lists[i];
        }
    }
    mb_status st = MB_OK;
    if (b->arg_names.n && b->arg_names.n != nl) {
        snprintf(err, errlen,
                 "benchmark %s (%s:%d): %zu .arg_names for %zu argument%s",
                 b->name, b->file, b->line, b->arg_names.n, nl,
                 nl == 1 ? "" : "s");
        st = MB_ERR_USAGE;
    }
    for (size_t i = 0; st == MB_OK && i < b->arg_names.n; i++)
        if (!b->arg_names.v[i] || !b->arg_names.v[i][0] ||
            strpbrk(b->arg_names.v[i], "/: \t\n")) {
            snprintf(err, errlen,
                     "benchmark %s (%s:%d): argument name %zu is empty or "
                     "holds '/', ':' or a space",
                     b->name, b->file, b->line, i + 1);
            st = MB_ERR_USAGE;
        }
    for (size_t i = 0; st == MB_OK && i < b->threads.n; i++)
        if (b->threads.v[i] < 1 || b->threads.v[i] > MAX_THREADS) {
            snprintf(err, errlen,
                     "benchmark %s (%s:%d): .threads value %" PRId64
                     " is not in 1..%d",
                     b->name, b->file, b->line, b->threads.v[i], MAX_THREADS);
            st = MB_ERR_USAGE;
        }
    /* Every combination, the last list fastest (Google Benchmark's order),
     * each with every thread count. */
    size_t idx[RUN_MAX_ARGS] = {0};
    size_t nt = b->threads.n ? b->threads.n : 1;
    while (st == MB_OK) {
        int64_t args[RUN_MAX_ARGS];
        for (size_t i = 0; i < nl; i++)
            args[i] = lists[i].v[idx[i]];
        for (size_t t = 0; st == MB_OK && t < nt; t++)
            if (!push(out, b, args, nl,
                      b->threads.n ? (int)b->threads.v[t] : 0))
                st = MB_ERR_NO_MEMORY;
        size_t i = nl;
        while (i > 0 && ++idx[i - 1] == lists[i - 1].n)
            idx[--i] = 0;
        if (i == 0)
            break;
    }
    free(rv);
    return st;
}

/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF). */
static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p++, need, min;
        if (c < 0x80)
            continue;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, min = 0x10000;
        else
            return false;
        unsigned cp = c & (0x3F >> need);
        for (unsigned k = 0; k < need; k++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (*p & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

mb_status registry_expand(const mb_bench *first, instance **out, size_t *n,
                          char *err, size_t errlen)
{
    vec all = {0};
    mb_status st = MB_OK;
    for (const mb_bench *b = first; b && st == MB_OK; b = b->next)
        st = expand_one(b, &all, err, errlen);
    instance *v = all.v;
    size_t len = all.n;
    /* Names are stored in JSON, which holds UTF-8 only: a name that is not
     * would come back changed and miss its baseline. */
    for (size_t i = 0; st == MB_OK && i < len; i++)
        if (!utf8_valid(v[i].name)) {
            char shown[200];
            size_t k = 0;
            for (const char *c = v[i].name; *c && k + 5 < sizeof shown; c++)
                if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                    k += (size_t)snprintf(shown + k, sizeof shown - k,
                                          "\\x%02x", (unsigned char)*c);
                else
                    shown[k++] = *c;
            shown[k] = '\0';
            snprintf(err, errlen,
                     "benchmark name '%s' (%s:%d) is not valid UTF-8: "
                     "names are stored as JSON, which holds UTF-8 only",
                     shown, v[i].bench->file, v[i].bench->line);
            st = MB_ERR_USAGE;
        }
    for (size_t i = 0; st == MB_OK && i < len; i++)
        for (size_t j = i + 1; j < len; j++)
            if (strcmp(v[i].name, v[j].name) == 0) {
                snprintf(err, errlen,
                         "benchmark name %s defined twice (%s:%d and %s:%d)",
                         v[i].name, v[i].bench->file, v[i].bench->line,
                         v[j].bench->file, v[j].bench->line);
                st = MB_ERR_USAGE;
                break;
            }
    if (st == MB_ERR_NO_MEMORY)
        snprintf(err, errlen, "out of memory expanding benchmarks");
    if (st != MB_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = len;
    return MB_OK;
}

mb_status registry_filter(instance *insts, size_t *n, const char *regex,
                          char *err, size_t errlen)
{
    if (!regex)
        return MB_OK;
    /* A leading '-' keeps what does not match (Google Benchmark's). */
    bool negate = regex[0] == '-';
    regex_t re;
    int rc = regcomp(&re, regex + negate, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, &re, why, sizeof why);
        snprintf(err, errlen, "--filter: invalid regular expression '%s': %s",
                 regex, why);
        return MB_ERR_USAGE;
    }
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++)
        if ((regexec(&re, insts[i].name, 0, NULL, 0) == 0) != negate)
            insts[kept++] = insts[i];
    regfree(&re);
    if (kept == 0) {
        snprintf(err, errlen,
                 negate ? "--filter: '%s' leaves no benchmark "
                          "(--list shows them)"
                        : "--filter: '%s' matches no benchmark "
                          "(--list shows them)",
                 regex);
        return MB_ERR_USAGE;
    }
    *n = kept;
    return MB_OK;
}
