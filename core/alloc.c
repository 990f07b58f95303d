/* Allocation counting, libmicrobe's side: the counting library's bytes
 * (alloc_blob.c, generated from libmicrobe_alloc.so by core/embed.py),
 * written to a memfd for the counting worker's LD_PRELOAD, and the pass's
 * switch, reached through dlsym where that library is loaded. Nothing
 * here replaces malloc: timed processes run glibc's. */
#include "alloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "file.h"

#if defined(MB_ALLOC_BLOB) && defined(__SANITIZE_ADDRESS__)
#undef MB_ALLOC_BLOB /* ASan's runtime owns malloc */
#endif

#ifdef MB_ALLOC_BLOB
extern const unsigned char mb_alloc_blob[];
extern const size_t mb_alloc_blob_len;
#endif

typedef void (*begin_fn)(void);
typedef void (*end_fn)(alloc_counts *);
static begin_fn begin_p;
static end_fn end_p;
static bool resolved;

static void resolve(void)
{
    if (resolved)
        return;
    resolved = true;
    void *b = dlsym(RTLD_DEFAULT, "microbe_alloc_begin");
    void *e = dlsym(RTLD_DEFAULT, "microbe_alloc_end");
    if (b && e) {
        begin_p = (begin_fn)(uintptr_t)b;
        end_p = (end_fn)(uintptr_t)e;
    }
}

bool alloc_supported(void)
{
    resolve();
    return begin_p != NULL;
}

void alloc_begin(void)
{
    resolve();
    if (begin_p)
        begin_p();
}

void alloc_end(alloc_counts *out)
{
    memset(out, 0, sizeof *out);
    if (end_p)
        end_p(out);
}

bool alloc_library(void)
{
#ifdef MB_ALLOC_BLOB
    return true;
#else
    return false;
#endif
}

int alloc_library_fd(char *err, size_t errlen)
{
#ifdef MB_ALLOC_BLOB
    static int fd = -1;
    if (fd >= 0)
        return fd;
    int f = memfd_create("libmicrobe_alloc.so", MFD_CLOEXEC);
    if (f < 0) {
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        return -1;
    }
    int e = file_write_fd(f, mb_alloc_blob, mb_alloc_blob_len);
    if (e) {
        snprintf(err, errlen, "writing it to a memfd: %s", strerror(e));
        close(f);
        return -1;
    }
    fd = f;
    return fd;
#else
    snprintf(err, errlen, "this build has no allocation counting library");
    return -1;
#endif
}
