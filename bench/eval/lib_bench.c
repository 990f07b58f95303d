/* The second evaluation suite, microbe side (lib_work.h): library calls,
 * a ~50 ns string hash and a pointer chase over 8 MiB. run_eval.sh drives
 * it (SUITE=lib); the slowdown targets are tiny_hash and chase_8m. */
#include <microbe.h>

#include "lib_work.h"

BENCH(zstd_compress_16k, .bytes = 16384)
{
    char *src = lib_text(16384);
    size_t cap = ZSTD_compressBound(16384);
    void *dst = malloc(cap);
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    MB_LOOP(state)
    {
        mb_do_not_optimize(ZSTD_compressCCtx(cx, dst, cap, src, 16384, 1));
    }
    ZSTD_freeCCtx(cx);
    free(dst);
    free(src);
}

BENCH(qsort_1k)
{
    uint32_t *items = lib_items(1024);
    uint32_t *work = malloc(1024 * sizeof *work);
    MB_LOOP(state)
    {
        memcpy(work, items, 1024 * sizeof *work);
        qsort(work, 1024, sizeof *work, lib_cmp_u32);
        mb_clobber_memory();
    }
    free(work);
    free(items);
}

BENCH(memcpy_64k, .bytes = 65536)
{
    char *src = lib_text(65536), *dst = malloc(65536);
    MB_LOOP(state)
    {
        memcpy(dst, src, 65536);
        mb_clobber_memory();
    }
    free(dst);
    free(src);
}

BENCH(snprintf_g17)
{
    char buf[64];
    double x = 3.141592653589793;
    MB_LOOP(state)
    {
        mb_do_not_optimize(snprintf(buf, sizeof buf, "%.17g", x));
        mb_clobber_memory();
    }
}

BENCH(regexec_email)
{
    regex_t re;
    if (regcomp(&re, LIB_REGEX, REG_EXTENDED | REG_NOSUB) != 0)
        return;
    MB_LOOP(state)
    {
        mb_do_not_optimize(regexec(&re, LIB_REGEX_INPUT, 0, NULL, 0));
    }
    regfree(&re);
}

BENCH(tiny_hash)
{
    char s[LIB_TINY_LEN * 2] = "microbe: a forty-byte string to hash!!!";
    size_t n = lib_tiny_len();
    memset(s + LIB_TINY_LEN - 1, '#', sizeof s - LIB_TINY_LEN + 1);
    const char *sp = s;
    MB_LOOP(state)
    {
        mb_do_not_optimize(sp); /* s may have changed: hash it again */
        mb_do_not_optimize(lib_fnv1a(sp, n));
    }
}

BENCH(chase_8m)
{
    lib_line *v = lib_chase_make();
    size_t steps = lib_chase_steps();
    lib_line *p = v;
    MB_LOOP(state)
    {
        p = lib_chase(p, steps);
        mb_do_not_optimize(p);
    }
    free(v);
}
