/* The counting library (core/alloc_preload.c, preloaded into this test by
 * meson, as into the counting worker) through libmicrobe's side
 * (core/alloc.c): exact counts of the malloc family inside a counting
 * pass, nothing outside one, blocks from before the pass never
 * subtracted; and the library's bytes that libmicrobe carries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"

/* The compiler may drop a malloc/free pair it can see through. */
static void *volatile sink;
#define KEEP(p) (sink = (p))

static void counts_each_function(void **unused)
{
    (void)unused;
    if (!alloc_supported())
        skip();
    alloc_counts c;
    alloc_begin();
    void *a = KEEP(malloc(100));     /* 1: 100 */
    void *b = KEEP(calloc(7, 9));    /* 2: 63 */
    char *d = KEEP(strdup("hello")); /* 3: 6 */
    void *e = NULL;
    assert_int_equal(posix_memalign(&e, 64, 40), 0); /* 4: 40 */
    void *f = KEEP(aligned_alloc(32, 96));           /* 5: 96 */
    a = KEEP(realloc(a, 300));                       /* 6: 300, 100 freed */
    void *g = KEEP(reallocarray(NULL, 5, 4));        /* 7: 20 */
    free(b);
    free(d);
    free(e);
    free(f);
    alloc_end(&c);
    assert_int_equal(c.allocs, 7);
    assert_int_equal(c.bytes, 100 + 63 + 6 + 40 + 96 + 300 + 20);
    /* Live at most after g: a grown to 300, b, d, e, f and g. */
    assert_int_equal(c.peak, 300 + 63 + 6 + 40 + 96 + 20);
    assert_int_equal(c.net, 300 + 20); /* a and g are still live */
    free(a);
    free(g);
}

static void nothing_outside_a_pass(void **unused)
{
    (void)unused;
    if (!alloc_supported())
        skip();
    alloc_counts c;
    void *before = KEEP(malloc(1000));
    alloc_begin();
    alloc_end(&c);
    void *after = KEEP(malloc(10));
    assert_int_equal(c.allocs, 0);
    assert_int_equal(c.bytes, 0);
    alloc_begin();
    free(before); /* made before the pass: not the pass's */
    void *x = KEEP(malloc(8));
    free(x);
    alloc_end(&c);
    assert_int_equal(c.allocs, 1);
    assert_int_equal(c.bytes, 8);
    assert_int_equal(c.peak, 8);
    assert_int_equal(c.net, 0);
    free(after);
}

static void realloc_in_place_and_to_zero(void **unused)
{
    (void)unused;
    if (!alloc_supported())
        skip();
    alloc_counts c;
    alloc_begin();
    void *p = KEEP(malloc(16));
    p = KEEP(realloc(p, 64));
    p = KEEP(realloc(p, 8));
    free(p);
    void *q = KEEP(realloc(NULL, 24)); /* realloc(NULL, n) is malloc(n) */
    free(q);
    alloc_end(&c);
    assert_int_equal(c.allocs, 4);
    assert_int_equal(c.bytes, 16 + 64 + 8 + 24);
    assert_int_equal(c.peak, 64);
    assert_int_equal(c.net, 0);
}

/* Many live blocks: all tracked up to the table's half, exact. */
static void many_blocks(void **unused)
{
    (void)unused;
    if (!alloc_supported())
        skip();
    enum { N = 20000 };
    void **v = malloc(N * sizeof *v);
    assert_non_null(v);
    alloc_counts c;
    alloc_begin();
    for (int i = 0; i < N; i++)
        v[i] = KEEP(malloc((size_t)(i % 7) + 1));
    for (int i = 0; i < N; i++)
        free(v[i]);
    alloc_end(&c);
    uint64_t bytes = 0;
    for (int i = 0; i < N; i++)
        bytes += (uint64_t)(i % 7) + 1;
    assert_int_equal(c.allocs, N);
    assert_int_equal(c.bytes, bytes);
    assert_int_equal(c.peak, bytes);
    assert_int_equal(c.net, 0);
    free(v);
}

/* libmicrobe carries the library (an ELF file, written to a memfd once);
 * meson preloads the built one here, so counting is on. */
static void library_embedded(void **unused)
{
    (void)unused;
    char err[160] = "";
    if (!alloc_library()) {
        assert_int_equal(alloc_library_fd(err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_false(alloc_supported());
        skip();
    }
    int fd = alloc_library_fd(err, sizeof err);
    assert_true(fd >= 0);
    assert_int_equal(alloc_library_fd(err, sizeof err), fd);
    char head[4];
    assert_int_equal(pread(fd, head, 4, 0), 4);
    assert_memory_equal(head, "\177ELF", 4);
    assert_true(alloc_supported()); /* LD_PRELOAD from meson */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(library_embedded),
        cmocka_unit_test(counts_each_function),
        cmocka_unit_test(nothing_outside_a_pass),
        cmocka_unit_test(realloc_in_place_and_to_zero),
        cmocka_unit_test(many_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
