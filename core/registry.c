/* Registration by constructor, expansion of arguments and full names. */
#include "registry.h"

#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Constructors run before main, single-threaded: a plain list is safe.
 * Appending at the tail keeps definition order within and across files. */
static mb_bench *head;
static mb_bench **tail = &head;

void mb_register(mb_bench *bench)
{
    bench->next = NULL;
    *tail = bench;
    tail = &bench->next;
}

const mb_bench *registry_first(void)
{
    return head;
}

void registry_reset(void)
{
    head = NULL;
    tail = &head;
}

static bool push(instance **v, size_t *n, size_t *cap, const mb_bench *b,
                 int64_t arg, bool has_arg)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        instance *g = realloc(*v, c * sizeof *g);
        if (!g)
            return false;
        *v = g;
        *cap = c;
    }
    instance *in = &(*v)[(*n)++];
    memset(in, 0, sizeof *in);
    in->bench = b;
    in->arg = arg;
    in->has_arg = has_arg;
    if (b->group)
        snprintf(in->family, sizeof in->family, "%s/%s", b->group, b->name);
    else
        snprintf(in->family, sizeof in->family, "%s", b->name);
    if (has_arg)
        snprintf(in->name, sizeof in->name, "%s/%" PRId64, in->family, arg);
    else
        snprintf(in->name, sizeof in->name, "%s", in->family);
    return true;
}

static mb_status expand_one(const mb_bench *b, instance **v, size_t *n,
                            size_t *cap, char *err, size_t errlen)
{
    const mb_range *r = &b->range;
    bool has_range = r->lo || r->hi || r->mult;
    if (b->args.n && has_range) {
        snprintf(err, errlen,
                 "benchmark %s (%s:%d): give .args or .range, "
                 "not both",
                 b->name, b->file, b->line);
        return MB_ERR_USAGE;
    }
    if (b->unit && strcmp(b->unit, "ns") != 0 && strcmp(b->unit, "us") != 0 &&
        strcmp(b->unit, "ms") != 0 && strcmp(b->unit, "s") != 0) {
        snprintf(err, errlen,
                 "benchmark %s (%s:%d): unknown .unit \"%.16s\" (ns, us, "
                 "ms or s)",
                 b->name, b->file, b->line, b->unit);
        return MB_ERR_USAGE;
    }
    if (has_range) {
        if (r->lo < 0 || r->hi < r->lo || r->mult < 2) {
            snprintf(err, errlen,
                     "benchmark %s (%s:%d): invalid .range "
                     "(need 0 <= lo <= hi and mult >= 2)",
                     b->name, b->file, b->line);
            return MB_ERR_USAGE;
        }
        /* Like Google Benchmark: lo, the powers of mult between, hi. */
        if (!push(v, n, cap, b, r->lo, true))
            return MB_ERR_NO_MEMORY;
        int64_t p = 1;
        while (p <= r->lo && p <= INT64_MAX / r->mult)
            p *= r->mult;
        if (p <= r->lo) /* no power of mult above lo fits in int64_t */
            p = r->hi;
        for (; p < r->hi; p = p <= INT64_MAX / r->mult ? p * r->mult : r->hi)
            if (!push(v, n, cap, b, p, true))
                return MB_ERR_NO_MEMORY;
        if (r->hi != r->lo && !push(v, n, cap, b, r->hi, true))
            return MB_ERR_NO_MEMORY;
        return MB_OK;
    }
    if (b->args.n) {
        for (size_t i = 0; i < b->args.n; i++)
            if (!push(v, n, cap, b, b->args.v[i], true))
                return MB_ERR_NO_MEMORY;
        return MB_OK;
    }
    return push(v, n, cap, b, 0, false) ? MB_OK : MB_ERR_NO_MEMORY;
}

mb_status registry_expand(const mb_bench *first, instance **out, size_t *n,
                          char *err, size_t errlen)
{
    instance *v = NULL;
    size_t len = 0, cap = 0;
    mb_status st = MB_OK;
    for (const mb_bench *b = first; b && st == MB_OK; b = b->next)
        st = expand_one(b, &v, &len, &cap, err, errlen);
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
