/* Where a worker starts: before main(). A worker is this program run again
 * with --mb-worker=... as its first argument (core/runner.c, and Valgrind
 * for --measure=instructions). glibc calls __libc_start_main with the
 * program's main after the dynamic loader ran every library's
 * constructors and before the executable's; this one, found before
 * glibc's (it is in the executable, or in libmicrobe.so ahead of libc.so),
 * hands glibc a main that runs mb_main for a worker and the program's own
 * main otherwise. glibc then runs the executable's constructors (every
 * BENCH registers itself there) and calls it. So a main() of the user's
 * own, which does its own setup (printing, reading files, parsing its
 * flags) before calling mb_main, runs once, in the parent, and never in a
 * worker; the workers are still fresh processes (docs/design.md).
 * Elsewhere (not glibc, or a fully static program whose libc.a provides
 * the strong definition) the user's main runs and mb_main takes the flag
 * there, as before. */
#include "microbe.h"

#if defined(__GLIBC__) && !defined(MB_NO_ENTRY_HOOK)
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                        void (*)(void), void *);

static main_fn program_main;

static int worker_or_main(int argc, char **argv, char **envp)
{
    if (argc >= 2 && argv[1] && strncmp(argv[1], "--mb-worker=", 12) == 0)
        return mb_main(argc, argv);
    return program_main(argc, argv, envp);
}

/* Declared here only: glibc's own header does not. Weak, so that a fully
 * static link keeps libc.a's. */
MB_API __attribute__((weak)) int
__libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                  void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void),
                      void *stack_end)
{
    start_fn next = (start_fn)(uintptr_t)dlsym(RTLD_NEXT, "__libc_start_main");
    if (!next)
        abort(); /* no libc after us: nothing can start the program */
    program_main = main;
    return next(worker_or_main, argc, argv, init, fini, rtld_fini, stack_end);
}
#endif
