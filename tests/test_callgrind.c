/* --measure=instructions without Valgrind: callgrind's output parsed from
 * fixtures (tests/fixtures/callgrind, real dumps of callgrind 3.19 plus
 * broken ones) to exact numbers, the cycle estimate, batch sizing, the
 * exact-count verdicts and the refusal to compare different measures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind.h"
#include "compare.h"
#include "json.h"
#include "profile.h"
#include "report.h"
#include "run.h"

#ifndef CG_FIXTURES
#error "CG_FIXTURES (the fixture directory) must be defined"
#endif

static char *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CG_FIXTURES, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void parse_file(const char *name, cg_part **parts, size_t *n)
{
    size_t len;
    char *text = load(name, &len);
    char err[256] = "";
    mb_status st = cg_parse(text, len, parts, n, err, sizeof err);
    if (st != MB_OK)
        fail_msg("%s: %s", name, err);
    free(text);
}

static const char *const EV13[] = {"Ir",   "Dr",   "Dw",   "I1mr", "D1mr",
                                   "D1mw", "ILmr", "DLmr", "DLmw", "Bc",
                                   "Bcm",  "Bi",   "Bim"};

static void check_events(const cg_part *p)
{
    assert_int_equal(p->nevents, 13);
    for (size_t i = 0; i < 13; i++)
        assert_string_equal(p->events[i], EV13[i]);
}

static void check_totals(const cg_part *p, const uint64_t *want)
{
    for (size_t i = 0; i < 13; i++)
        if (p->total[i] != want[i])
            fail_msg("event %s: %llu, want %llu", p->events[i],
                     (unsigned long long)p->total[i],
                     (unsigned long long)want[i]);
}

/* The two collected batches of add_chain/64 (64 adds per iteration). */
static void test_worker_dumps(void **state)
{
    (void)state;
    cg_part *parts = NULL;
    size_t n = 0;
    parse_file("add_chain64_n1.out", &parts, &n);
    parse_file("add_chain64_n2.out", &parts, &n);
    assert_int_equal(n, 2);
    assert_string_equal(parts[0].trigger,
                        "Client Request: mb 0 n1 1 add_chain/64");
    assert_string_equal(parts[1].trigger,
                        "Client Request: mb 0 n2 101 add_chain/64");
    check_events(&parts[0]);
    check_events(&parts[1]);
    /* Summary lines omit trailing zeros: Bim is 0 in both. */
    static const uint64_t n1[13] = {108, 13, 17, 0, 0, 0, 0, 0, 0, 3, 2, 2, 0};
    static const uint64_t n2[13] = {6708, 13, 17,  0,  0, 0, 0,
                                    0,    0,  103, 10, 2, 0};
    check_totals(&parts[0], n1);
    check_totals(&parts[1], n2);
    assert_string_equal(parts[0].caches,
                        "I1 32768 B/64 B line/8-way, D1 49152 B/64 B "
                        "line/12-way, LL 276824064 B/64 B line/33-way");
    /* Per iteration: the fixed costs cancel, leaving 64 adds plus the
     * loop's decrement and branch. */
    double per =
        (cg_value(&parts[1], "Ir") - cg_value(&parts[0], "Ir")) / (101 - 1);
    assert_true(per == 66.0);
    assert_true(cg_value(&parts[0], "Nope") == -1);
    free(parts);
}

/* --combine-dumps=yes: three parts in one file; events and cache
 * descriptions carry over; "totals:" never overrides "summary:". */
static void test_combined(void **state)
{
    (void)state;
    cg_part *parts = NULL;
    size_t n = 0;
    parse_file("combined.out", &parts, &n);
    assert_int_equal(n, 3);
    assert_string_equal(parts[0].trigger, "Client Request: 0 1");
    assert_string_equal(parts[1].trigger, "Client Request: 0 11");
    assert_string_equal(parts[2].trigger, "Program termination");
    for (size_t i = 0; i < 3; i++) {
        check_events(&parts[i]);
        assert_non_null(strstr(parts[i].caches, "LL 276824064 B"));
    }
    static const uint64_t p1[13] = {15, 0, 7, 2, 0, 1, 2, 0, 0, 0, 0, 0, 0};
    static const uint64_t p2[13] = {81, 0, 7, 3, 0, 0, 3, 0, 0, 11, 10, 0, 0};
    static const uint64_t p3[13] = {0};
    check_totals(&parts[0], p1);
    check_totals(&parts[1], p2);
    check_totals(&parts[2], p3);
    free(parts);
}

static void test_totals_only(void **state)
{
    (void)state;
    cg_part *parts = NULL;
    size_t n = 0;
    parse_file("totals_only.out", &parts, &n);
    assert_int_equal(n, 1);
    assert_string_equal(parts[0].trigger,
                        "Client Request: mb 3 n2 11 group/bench/42");
    assert_int_equal(parts[0].nevents, 9);
    assert_true(cg_value(&parts[0], "Ir") == 1000);
    assert_true(cg_value(&parts[0], "DLmw") == 3);
    assert_string_equal(parts[0].caches, "");
    free(parts);
}

static void expect_corrupt(const char *name, const char *why)
{
    size_t len;
    char *text = load(name, &len);
    cg_part *parts = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(cg_parse(text, len, &parts, &n, err, sizeof err),
                     MB_ERR_CORRUPT);
    assert_int_equal(n, 0);
    if (!strstr(err, why))
        fail_msg("%s: error '%s' lacks '%s'", name, err, why);
    free(parts);
    free(text);
}

static void test_corrupt(void **state)
{
    (void)state;
    expect_corrupt("no_summary.out", "without a summary");
    expect_corrupt("no_events.out", "without an events");
    expect_corrupt("bad_number.out", "line 6: bad summary");
    expect_corrupt("not_callgrind.txt", "not callgrind output");
    /* Empty input, and a NULL err, are fine to pass. */
    cg_part *parts = NULL;
    size_t n = 0;
    assert_int_equal(cg_parse("", 0, &parts, &n, NULL, 0), MB_ERR_CORRUPT);
    free(parts);
}

/* L1 hits + 5 LL hits + 35 RAM + 10 per mispredict (docs/instructions.md):
 * Ir 1000, Dr 300, Dw 200, L1 misses 35, LL misses 6, 4 + 1 mispredicts:
 * (1500 - 35) + 5 (35 - 6) + 35 * 6 + 10 * 5 = 1870. */
static void test_cycles(void **state)
{
    (void)state;
    const char *names[] = {"Ir",   "Dr",   "Dw",   "I1mr", "D1mr", "D1mw",
                           "ILmr", "DLmr", "DLmw", "Bcm",  "Bim"};
    double v[] = {1000, 300, 200, 10, 20, 5, 1, 2, 3, 4, 1};
    assert_true(cg_cycles(names, v, 11) == 1870);
    assert_true(cg_cycles(names, v, 9) == 1820); /* no branch simulation */
    assert_true(isnan(cg_cycles(names, v, 1)));  /* no cache simulation */
}

static void test_sizing(void **state)
{
    (void)state;
    assert_int_equal(callgrind_extra_iters(0), 10);
    assert_int_equal(callgrind_extra_iters(100), 100);
    assert_int_equal(callgrind_extra_iters(40000), 100);
    assert_int_equal(callgrind_extra_iters(100000), 40);
    assert_int_equal(callgrind_extra_iters(4000000), 1);
    assert_int_equal(callgrind_extra_iters(UINT64_C(40000000000)), 1);
}

/* An instructions run with one result per (name, Ir, D1mr per iter). */
static mb_run *counts_run(const char *measure, size_t n, const char **names,
                          const double *ir, const double *d1mr)
{
    mb_run *run = run_create();
    assert_non_null(run);
    run_ctx_str(run, "measure", measure);
    for (size_t i = 0; i < n; i++) {
        mb_result *r = run_add_result(run);
        r->name = strdup(names[i]);
        r->family = strdup(names[i]);
        r->bench = strdup(names[i]);
        r->ncounters = 2;
        r->counter_names = calloc(2, sizeof(char *));
        r->counter_names[0] = strdup("Ir");
        r->counter_names[1] = strdup("D1mr");
        double c[2] = {10 * ir[i], 10 * d1mr[i]};
        assert_true(result_add_sample(r, 10, 10 * ir[i], c, 0, 0));
    }
    run_summarize(run);
    return run;
}

static void test_exact_verdicts(void **state)
{
    (void)state;
    const char *names[] = {"same", "plus2", "plus5", "minus10", "misses"};
    double ir0[] = {1000, 1000, 1000, 1000, 1000};
    double ir1[] = {1000, 1020, 1050, 900, 1000};
    double m0[] = {10, 10, 10, 10, 10};
    double m1[] = {10, 10, 10, 10, 40};
    mb_run *a = counts_run("instructions", 5, names, ir0, m0);
    mb_run *b = counts_run("instructions", 5, names, ir1, m1);
    cmp_opts o = {.alpha = 0.05, .threshold = 0.03, .old_name = "base"};
    cmp_result *c = cmp_runs(a, b, &o);
    assert_non_null(c);
    assert_int_equal(c->n, 5);
    static const cmp_verdict want[] = {CMP_UNCHANGED, CMP_UNCHANGED, CMP_SLOWER,
                                       CMP_FASTER, CMP_UNCHANGED};
    for (size_t i = 0; i < 5; i++)
        if (c->rows[i].verdict != want[i])
            fail_msg("%s: %s", names[i], cmp_verdict_name(c->rows[i].verdict));
    assert_true(c->rows[0].change.p == 1 && c->rows[2].change.p == 0);
    assert_true(fabs(c->rows[2].change.change - 0.05) < 1e-12);
    assert_true(c->rows[2].change.ci.lo == c->rows[2].change.ci.hi);
    assert_null(c->rows[0].moved);
    assert_string_equal(c->rows[2].moved, "Ir");
    /* Same instructions, four times the misses: named, not a verdict. */
    assert_string_equal(c->rows[4].moved, "D1mr");
    assert_true(fabs(c->rows[4].moved_change - 3) < 1e-12);
    assert_true(fabs(cmp_counter_change(&c->rows[4], "D1mr") - 3) < 1e-12);
    assert_int_equal(c->count[CMP_SLOWER], 1);
    assert_string_equal(c->correction, "exact counts");

    /* The console report shows counts with units and the moved counter. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_true(report_write(f, FMT_CONSOLE, b, c, false));
    fclose(f);
    assert_non_null(strstr(text, "instr/iter"));
    assert_non_null(strstr(text, "1.05k instr"));
    assert_non_null(strstr(text, "D1mr +300.0%"));
    assert_non_null(strstr(text, "exact counts"));
    free(text);
    f = open_memstream(&text, &len);
    assert_true(report_write(f, FMT_MARKDOWN, b, c, false));
    fclose(f);
    assert_non_null(strstr(text, "| `plus5` | 1.00k instr | 1.05k instr | "
                                 "+5.00% | Ir +5.0% | **slower** |"));
    free(text);
    cmp_free(c);
    run_free(a);
    run_free(b);
}

static void test_measures_differ(void **state)
{
    (void)state;
    const char *names[] = {"x"};
    double v[] = {100}, m[] = {1};
    mb_run *t = counts_run("time", 1, names, v, m);
    mb_run *i = counts_run("instructions", 1, names, v, m);
    mb_run *old = run_create(); /* from before the key: time */
    char err[256] = "";
    assert_false(cmp_same_measure(t, i, err, sizeof err));
    assert_string_equal(err, "cannot compare runs of different measures: "
                             "the baseline was measured with "
                             "--measure=time, this run with "
                             "--measure=instructions");
    assert_true(cmp_same_measure(old, t, err, sizeof err));
    assert_false(cmp_same_measure(old, i, err, sizeof err));
    assert_true(cmp_same_measure(i, i, err, sizeof err));
    run_free(t);
    run_free(i);
    run_free(old);
}

/* ---- per-function costs (core/profile.c) ------------------------------ */

static const cg_fn *fn_named(const cg_fnset *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->fns[i].name, name) == 0)
            return &s->fns[i];
    return NULL;
}

static void check3(const uint64_t *v, uint64_t a, uint64_t b, uint64_t c)
{
    if (v[0] != a || v[1] != b || v[2] != c)
        fail_msg("costs %llu %llu %llu, want %llu %llu %llu",
                 (unsigned long long)v[0], (unsigned long long)v[1],
                 (unsigned long long)v[2], (unsigned long long)a,
                 (unsigned long long)b, (unsigned long long)c);
}

/* functions.out, costs by construction (its comments): body's own lines
 * 5 + 20 + 50 (inlined from hash.h) + 30 Ir; its calls 300 (hash) and 50
 * (leaf); leaf's call to itself is already inside leaf; main has no cost
 * of its own and is left out. */
static void test_functions(void **state)
{
    (void)state;
    size_t len;
    char *text = load("functions.out", &len);
    cg_fnset *s = NULL;
    size_t n = 0;
    char err[256] = "";
    if (cg_parse_functions(text, len, &s, &n, err, sizeof err) != MB_OK)
        fail_msg("%s", err);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].nevents, 3);
    assert_string_equal(s[0].events[2], "D1mr");
    assert_int_equal(s[0].n, 3);
    assert_null(fn_named(&s[0], "main"));
    const cg_fn *body = fn_named(&s[0], "body"),
                *hash = fn_named(&s[0], "hash"),
                *leaf = fn_named(&s[0], "leaf");
    assert_non_null(body);
    assert_non_null(hash);
    assert_non_null(leaf);
    check3(body->self, 105, 11, 1);
    check3(body->incl, 455, 52, 5);
    assert_string_equal(body->file, "prog.c");
    assert_string_equal(body->object, "/bin/prog");
    assert_int_equal(body->line, 12); /* 20 + 30 Ir; line 40 is hash.h's */
    check3(hash->self, 300, 30, 3);
    check3(hash->incl, 300, 30, 3);
    assert_string_equal(hash->file, "hash.h");
    assert_int_equal(hash->line, 40);
    check3(leaf->self, 50, 11, 1);
    check3(leaf->incl, 50, 11, 1);
    assert_string_equal(leaf->file, "other.c");
    assert_int_equal(leaf->line, 5);
    /* The call graph among functions with a cost of their own: body calls
     * hash (300) and leaf (50); main's call is gone with main, leaf's call
     * to itself is no edge. */
    assert_int_equal(s[0].ncalls, 2);
    for (size_t k = 0; k < s[0].ncalls; k++) {
        const cg_call *c = &s[0].calls[k];
        assert_ptr_equal(&s[0].fns[c->from], body);
        const cg_fn *to = &s[0].fns[c->to];
        assert_true((to == hash && c->cost == 300) ||
                    (to == leaf && c->cost == 50));
    }
    cg_fnsets_free(s, n);
    free(text);

    /* Combined dumps: one set per part, as cg_parse finds parts. */
    text = load("combined.out", &len);
    assert_int_equal(cg_parse_functions(text, len, &s, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(s[1].trigger, "Client Request: 0 11");
    cg_fnsets_free(s, n);
    free(text);

    /* Not callgrind output, a bad cost line, an undefined id. */
    static const char *const bad[] = {
        "hello\n",
        "events: Ir\nfn=(1) f\n12 x\n",
        /* Found by fuzzing: more events after costs overflowed the
         * accumulators sized by the first line. */
        "events: Ir\nfn=(1) f\n1 2\nevents: Ir Dr D1mr\n1 2 3 4\n",
        "events: Ir\nfn=(7)\n1 2\n",
        "fn=(1) f\n1 2\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s = NULL;
        n = 7;
        assert_int_equal(
            cg_parse_functions(bad[i], strlen(bad[i]), &s, &n, NULL, 0),
            MB_ERR_CORRUPT);
        assert_null(s);
        assert_int_equal(n, 0);
    }

    /* Found by fuzzing: text that ends in a number, with no NUL after it
     * (the buffer is exactly the text), was read past its end; the
     * sanitizer build catches any such read. Positions may be hex. */
    static const char tail[] = "events: Ir\nfn=(1) f\n0x1f 12\n+2 30";
    char *exact = malloc(sizeof tail - 1);
    assert_non_null(exact);
    memcpy(exact, tail, sizeof tail - 1);
    assert_int_equal(
        cg_parse_functions(exact, sizeof tail - 1, &s, &n, err, sizeof err),
        MB_OK);
    const cg_fn *f = fn_named(&s[0], "f");
    assert_non_null(f);
    assert_true(f->self[0] == 42);
    assert_int_equal(f->line, 0x1f + 2); /* the costlier of its lines */
    cg_fnsets_free(s, n);
    free(exact);
}

static cg_fnset *parse_sets(const char *name, size_t *n)
{
    size_t len;
    char *text = load(name, &len);
    cg_fnset *s = NULL;
    char err[256] = "";
    if (cg_parse_functions(text, len, &s, n, err, sizeof err) != MB_OK)
        fail_msg("%s: %s", name, err);
    free(text);
    return s;
}

static double self_ir(const mb_profile *p, const char *name)
{
    const mb_fn_cost *f = profile_find(p, name, NULL);
    if (!f)
        fail_msg("%s not in the profile", name);
    return f->self[0];
}

/* The two measured batches of find_duplicates/hash/1024 (1 and 101
 * iterations, bench_find_dups built -O3 -g). Reference: callgrind_annotate
 * 3.19 --inclusive=no on each file, (n2 - n1) / 100: dup_hash
 * (1,579,640 - 15,640) / 100 = 15,640 Ir; __memset_avx2_unaligned_erms
 * (829,816 - 8,216) / 100 = 8,216; mb_fn_hash (520 - 20) / 100 = 5. All
 * of one iteration: (2,440,810 - 24,210) / 100 = 24,166 (--inclusive=yes
 * of mb_fn_hash), of which dup_hash and what it calls are all but
 * mb_fn_hash's own 5. */
static void test_profile_batches(void **state)
{
    (void)state;
    size_t n1 = 0, n2 = 0;
    cg_fnset *a = parse_sets("find_dups_hash1024_n1.out", &n1);
    cg_fnset *b = parse_sets("find_dups_hash1024_n2.out", &n2);
    assert_int_equal(n1, 1);
    assert_int_equal(n2, 1);
    mb_profile *p = profile_from_batches(&a[0], &b[0], 100);
    assert_non_null(p);
    assert_int_equal(p->nevents, 13);
    assert_string_equal(p->events[0], "Ir");
    assert_string_equal(p->fns[0].name, "dup_hash");
    assert_true(self_ir(p, "dup_hash") == 15640);
    assert_true(self_ir(p, "__memset_avx2_unaligned_erms") == 8216);
    /* mb_fn_hash's own 5 (the loop) fall outside the 99% kept. */
    assert_null(profile_find(p, "mb_fn_hash", NULL));
    assert_true(p->left_out > 0);
    const mb_fn_cost *dh = profile_find(p, "dup_hash", NULL);
    assert_true(dh->incl[0] == 24166 - 5);
    assert_non_null(strstr(dh->file, "bench/find_duplicates.h"));
    assert_true(dh->line > 0);
    assert_string_equal(p->fns[1].name, "__memset_avx2_unaligned_erms");
    assert_true(p->total_ir == 24166);
    /* What both batches pay once cancels: the collection toggles and the
     * frames below the body are not in the profile. */
    assert_null(profile_find(p, "callgrind_collect", NULL));
    assert_null(profile_find(p, "mb_batch_end", NULL));
    assert_null(profile_find(p, "harness_call", NULL));
    /* The kept functions cover at least 99% of the instructions. */
    double kept = 0;
    for (size_t i = 0; i < p->n; i++)
        kept += p->fns[i].self[0];
    assert_true(kept >= PROFILE_COVER * p->total_ir);
    mb_profile *c = profile_copy(p);
    assert_non_null(c);
    assert_int_equal(c->n, p->n);
    assert_true(self_ir(c, "dup_hash") == 15640);
    assert_int_equal(c->ncalls, p->ncalls);
    profile_free(c);
    /* The calls per iteration: dup_hash's to calloc, calloc's to memset
     * (8,216, all of memset's cost). */
    const mb_fn_cost *ms =
        profile_find(p, "__memset_avx2_unaligned_erms", NULL);
    bool memset_call = false;
    for (size_t k = 0; k < p->ncalls; k++)
        memset_call |= &p->fns[p->calls[k].to] == ms && p->calls[k].ir == 8216;
    assert_true(memset_call);

    /* Archived and read back unchanged (JSON under microbe.profile). */
    mb_run *run = run_create();
    mb_result *r = run_add_result(run);
    r->name = strdup("find_duplicates/hash/1024");
    r->family = strdup("find_duplicates/hash");
    r->bench = strdup("hash");
    r->ncounters = 0;
    assert_true(result_add_sample(r, 100, 2416600, NULL, 0, 0));
    r->profile = profile_copy(p);
    run_summarize(run);
    size_t jl = 0;
    char *js = json_dump_run_compact(run, &jl);
    assert_non_null(js);
    mb_run *back = NULL;
    char jerr[256] = "";
    if (json_load_run(js, jl, "mem", &back, jerr, sizeof jerr) != MB_OK)
        fail_msg("%s", jerr);
    const mb_profile *q = back->results[0].profile;
    assert_non_null(q);
    assert_int_equal(q->n, p->n);
    assert_int_equal(q->nevents, p->nevents);
    assert_int_equal(q->ncalls, p->ncalls);
    assert_true(q->total_ir == p->total_ir && q->left_out == p->left_out);
    for (size_t i = 0; i < p->n; i++) {
        assert_string_equal(q->fns[i].name, p->fns[i].name);
        assert_string_equal(q->fns[i].file, p->fns[i].file);
        assert_int_equal(q->fns[i].line, p->fns[i].line);
        assert_memory_equal(q->fns[i].self, p->fns[i].self,
                            p->nevents * sizeof(double));
        assert_memory_equal(q->fns[i].incl, p->fns[i].incl,
                            p->nevents * sizeof(double));
    }
    /* A damaged profile is refused with one line naming it. */
    char *bad = strstr(js, "\"calls\":[[");
    assert_non_null(bad);
    memcpy(bad + 10, "99", 2);
    run_free(back);
    back = NULL;
    assert_int_equal(json_load_run(js, jl, "mem", &back, jerr, sizeof jerr),
                     MB_ERR_CORRUPT);
    assert_non_null(strstr(jerr, "profile: calls[0]"));
    free(js);
    run_free(run);
    profile_free(p);
    cg_fnsets_free(a, n1);
    cg_fnsets_free(b, n2);
}

/* A profile of functions (name, self Ir, self D1mr) per iteration. */
static mb_profile *mk_profile(size_t n, const char **names, const double *ir,
                              const double *d1)
{
    char buf[4096];
    size_t used =
        (size_t)snprintf(buf, sizeof buf, "events: Ir D1mr\npositions: line\n");
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used,
                                 "fl=(%zu) src/%s.c\nfn=(%zu) %s\n%zu %.0f "
                                 "%.0f\n",
                                 i + 1, names[i], i + 1, names[i], 10 + i,
                                 ir[i], d1[i]);
    cg_fnset *s = NULL, *z = NULL;
    size_t ns = 0, nz = 0;
    assert_int_equal(cg_parse_functions(buf, used, &s, &ns, NULL, 0), MB_OK);
    const char *empty = "events: Ir D1mr\n";
    assert_int_equal(cg_parse_functions(empty, strlen(empty), &z, &nz, NULL, 0),
                     MB_OK);
    mb_profile *p = profile_from_batches(&z[0], &s[0], 1);
    cg_fnsets_free(s, ns);
    cg_fnsets_free(z, nz);
    assert_non_null(p);
    return p;
}

/* One helper does more work: it alone is named, with its change; a new
 * and a gone function are listed; nothing unchanged appears. */
static void test_profile_diff(void **state)
{
    (void)state;
    const char *n0[] = {"body", "dup_hash", "memset", "old_helper"};
    double i0[] = {1000, 10240, 512, 400}, d0[] = {0, 30, 8, 0};
    const char *n1[] = {"body", "dup_hash", "memset", "new_helper"};
    double i1[] = {1000, 11264, 524, 300}, d1[] = {0, 30, 8, 0};
    mb_profile *a = mk_profile(4, n0, i0, d0), *b = mk_profile(4, n1, i1, d1);
    pf_diff *d = profile_diff(a, b);
    assert_non_null(d);
    assert_false(d->ir_unchanged);
    assert_string_equal(d->event, "Ir");
    assert_int_equal(d->n, 4); /* body did not move */
    assert_string_equal(d->fns[0].name, "dup_hash");
    assert_true(d->fns[0].self_new - d->fns[0].self_old == 1024);
    assert_int_equal(d->fns[0].line, 11);
    assert_string_equal(d->fns[1].name, "old_helper");
    assert_int_equal(d->fns[1].status, PF_GONE);
    assert_string_equal(d->fns[2].name, "new_helper");
    assert_int_equal(d->fns[2].status, PF_NEW);
    assert_string_equal(d->fns[3].name, "memset");
    char text[512];
    pf_diff_text(d, 8, text, sizeof text);
    assert_string_equal(text, "dup_hash +1,024 Ir/iter (dup_hash.c:11), "
                              "gone: old_helper -400 (old_helper.c:13), "
                              "new: new_helper +300 (new_helper.c:13), "
                              "memset +12 (memset.c:12)");
    pf_diff_text(d, 2, text, sizeof text);
    assert_string_equal(text, "dup_hash +1,024 Ir/iter (dup_hash.c:11), "
                              "gone: old_helper -400 (old_helper.c:13), 2 "
                              "more");
    pf_diff_free(d);
    profile_free(b);

    /* Same instructions, more misses in one function: ranked by the
     * cycle estimate, and the event that moved is listed. */
    double d2[] = {0, 330, 8, 0};
    b = mk_profile(4, n0, i0, d2);
    d = profile_diff(a, b);
    assert_true(d->ir_unchanged);
    assert_string_equal(d->event, "est_cycles");
    assert_int_equal(d->n, 1);
    assert_string_equal(d->fns[0].name, "dup_hash");
    assert_int_equal(d->nevents, 1);
    assert_string_equal(d->events[0].name, "D1mr");
    assert_true(d->events[0].old == 38 && d->events[0].now == 338);
    pf_diff_text(d, 8, text, sizeof text);
    assert_string_equal(text, "dup_hash +1,200 est. cycles/iter "
                              "(dup_hash.c:11)");
    pf_diff_free(d);
    profile_free(b);

    /* Identical profiles: nothing moved. */
    d = profile_diff(a, a);
    assert_int_equal(d->n, 0);
    assert_int_equal(d->nevents, 0);
    assert_true(d->ir_unchanged);
    pf_diff_free(d);
    profile_free(a);

    char c[32];
    pf_count(1024, true, c, sizeof c);
    assert_string_equal(c, "+1,024");
    pf_count(-1234567, true, c, sizeof c);
    assert_string_equal(c, "-1,234,567");
    pf_count(2.5, false, c, sizeof c);
    assert_string_equal(c, "2.5");
    pf_count(0, true, c, sizeof c);
    assert_string_equal(c, "+0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_dumps),
        cmocka_unit_test(test_combined),
        cmocka_unit_test(test_totals_only),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_cycles),
        cmocka_unit_test(test_sizing),
        cmocka_unit_test(test_exact_verdicts),
        cmocka_unit_test(test_measures_differ),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_profile_batches),
        cmocka_unit_test(test_profile_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
