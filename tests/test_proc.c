/* core/proc.c: how a child ended, in words; the timeout; a signal to this
 * process reaching the child; writes to a pipe nobody reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static int exits_3(void *ctx)
{
    (void)ctx;
    return 3;
}

static int segfaults(void *ctx)
{
    (void)ctx;
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    return 0;
}

static int sleeps(void *ctx)
{
    (void)ctx;
    for (;;)
        pause();
    return 0;
}

static proc start(int (*run)(void *))
{
    proc p;
    char err[128] = "";
    proc_spec s = {.run = run, .die_with_parent = true};
    assert_true(proc_spawn(&p, &s, err, sizeof err));
    return p;
}

static void described(void **unused)
{
    (void)unused;
    char why[128];
    proc p = start(exits_3);
    assert_int_equal(proc_wait(&p, -1), PROC_ENDED);
    proc_describe(&p, why, sizeof why);
    assert_string_equal(why, "called exit(3)");
    p = start(segfaults);
    assert_int_equal(proc_wait(&p, 10), PROC_ENDED);
    proc_describe(&p, why, sizeof why);
    assert_non_null(strstr(why, "crashed (signal 11: "));
}

static void timeout_kills(void **unused)
{
    (void)unused;
    proc p = start(sleeps);
    assert_int_equal(proc_wait(&p, 0.05), PROC_RUNNING);
    proc_kill_timed_out(&p, 0.05);
    assert_true(p.reaped);
    assert_true(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGKILL);
    char why[128];
    proc_describe(&p, why, sizeof why);
    assert_string_equal(why, "timed out after 0.05 s");
}

static void signal_forwarded(void **unused)
{
    (void)unused;
    proc_hold();
    proc p = start(sleeps);
    assert_int_equal(proc_wait(&p, 0.05), PROC_RUNNING);
    raise(SIGTERM); /* caught: passed on to the child */
    assert_int_equal(proc_interrupted(), SIGTERM);
    assert_int_equal(proc_wait(&p, 1), PROC_INTERRUPTED);
    /* The child got it: it ends by itself, within the grace. */
    proc_hold(); /* nested: the state stays */
    proc_release();
    proc_stop(&p, 10);
    assert_true(p.reaped);
    assert_true(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGTERM);
    /* Another start while interrupted is refused. */
    proc q;
    char err[128] = "";
    proc_spec s = {.run = sleeps};
    assert_false(proc_spawn(&q, &s, err, sizeof err));
    assert_string_equal(err, "interrupted by SIGTERM");
    proc_release(); /* the spawn's hold went when p was reaped */
    struct sigaction sa;
    sigaction(SIGTERM, NULL, &sa);
    assert_true(sa.sa_handler == SIG_DFL);
}

static void write_to_gone_reader(void **unused)
{
    (void)unused;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    close(fd[0]);
    char buf[64] = "x";
    assert_false(proc_write_all(fd[1], buf, sizeof buf));
    assert_int_equal(errno, EPIPE);
    close(fd[1]);
    sigset_t pending;
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
    struct sigaction sa;
    sigaction(SIGPIPE, NULL, &sa);
    assert_true(sa.sa_handler == SIG_DFL); /* nothing ignored it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(described),
        cmocka_unit_test(timeout_kills),
        cmocka_unit_test(signal_forwarded),
        cmocka_unit_test(write_to_gone_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
