/* core/lockstep.c: MICROBE_LOCKSTEP read or refused; the turn given up
 * and waited for; the conductor alternating two real processes, one that
 * ends early leaving the other to go on alone, one that hangs timed out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lockstep.h"

static void refused(const char *value)
{
    int fds[2];
    char err[256] = "";
    setenv(LOCKSTEP_ENV, value, 1);
    assert_false(lockstep_parse(fds, err, sizeof err));
    assert_non_null(strstr(err, LOCKSTEP_ENV));
    assert_non_null(strstr(err, value));
    unsetenv(LOCKSTEP_ENV);
}

static void bad_values_refused(void **unused)
{
    (void)unused;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char same[32], closed[32];
    snprintf(same, sizeof same, "%d,%d", p[0], p[0]);
    snprintf(closed, sizeof closed, "%d,%d", p[0], 1000);
    refused("x");
    refused("3");
    refused("3,");
    refused(",3");
    refused("3,4,5");
    refused("-1,3");
    refused(same);
    refused(closed); /* 1000 is not open */
    close(p[0]);
    close(p[1]);
}

static void unset_or_empty_is_none(void **unused)
{
    (void)unused;
    int fds[2] = {7, 7};
    char err[64];
    unsetenv(LOCKSTEP_ENV);
    assert_true(lockstep_parse(fds, err, sizeof err));
    assert_int_equal(fds[0], -1);
    setenv(LOCKSTEP_ENV, "", 1);
    assert_true(lockstep_parse(fds, err, sizeof err));
    assert_int_equal(fds[1], -1);
    unsetenv(LOCKSTEP_ENV);
}

/* ---- two processes in lockstep ------------------------------------------ */

/* In a child: `turns` turns under lockstep on go/back, each writing its
 * letter to log before giving up the turn; then exits (or hangs). */
static void child(int go, int back, int log, char letter, int turns, bool hang)
{
    char v[32], err[256];
    snprintf(v, sizeof v, "%d,%d", go, back);
    setenv(LOCKSTEP_ENV, v, 1);
    if (!lockstep_start(err, sizeof err))
        _exit(3);
    for (int k = 0; k < turns; k++) {
        if (write(log, &letter, 1) != 1)
            _exit(4);
        lockstep_turn();
    }
    if (write(log, &letter, 1) != 1) /* the last stretch, then the end */
        _exit(4);
    while (hang)
        pause();
    _exit(0);
}

/* Two children with turns[i] turns each (hang[i]: never ends), conducted
 * from `first`; *order gets the letters in the order written. */
static int conduct(const int turns[2], const bool hang[2], int first,
                   double timeout_s, char *order, size_t len)
{
    int go[2][2], back[2][2], log[2];
    assert_int_equal(pipe(log), 0);
    pid_t pid[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pipe(go[i]), 0);
        assert_int_equal(pipe(back[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            close(log[0]);
            for (int j = 0; j < 2; j++) {
                close(go[j][1]);
                close(back[j][0]);
                if (j != i) {
                    close(go[j][0]);
                    close(back[j][1]);
                }
            }
            child(go[i][0], back[i][1], log[1], (char)('A' + i), turns[i],
                  hang[i]);
        }
    }
    close(log[1]);
    for (int i = 0; i < 2; i++) {
        close(go[i][0]);
        close(back[i][1]);
    }
    int b[2] = {back[0][0], back[1][0]}, g[2] = {go[0][1], go[1][1]};
    int rc = lockstep_conduct(b, g, first, timeout_s);
    for (int i = 0; i < 2; i++) { /* one left waiting sees ab gone */
        close(b[i]);
        close(g[i]);
    }
    for (int i = 0; i < 2; i++) {
        if (hang[i])
            kill(pid[i], SIGKILL);
        int st;
        assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
    }
    ssize_t n = read(log[0], order, len - 1);
    order[n > 0 ? n : 0] = '\0';
    close(log[0]);
    return rc;
}

/* conduct's return and the letters' order are rc and want. */
static void expect(const int turns[2], const bool hang[2], int first,
                   double timeout_s, int rc, const char *want)
{
    char order[64];
    assert_int_equal(
        conduct(turns, hang, first, timeout_s, order, sizeof order), rc);
    assert_string_equal(order, want);
}

static void turns_alternate(void **unused)
{
    (void)unused;
    expect((const int[]){3, 3}, (const bool[]){0, 0}, 1, 30, 0, "BABABABA");
    expect((const int[]){3, 3}, (const bool[]){0, 0}, 0, 30, 0, "ABABABAB");
}

/* One that ends first leaves the turn to the other, which goes on alone. */
static void one_ends_other_goes_on(void **unused)
{
    (void)unused;
    expect((const int[]){1, 4}, (const bool[]){0, 0}, 0, 30, 0, "ABABBBB");
}

/* A program that never gives its turn back is not waited for forever; B,
 * never given a turn, goes on alone once ab's ends close. */
static void hung_program_times_out(void **unused)
{
    (void)unused;
    expect((const int[]){0, 2}, (const bool[]){1, 0}, 0, 0.3, -1, "ABBB");
}

/* Without ab (its ends closed) the program goes on alone, and says
 * nothing more on the pipe. */
static void alone_once_ab_is_gone(void **unused)
{
    (void)unused;
    int go[2], back[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(back), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(go[1]);
        close(back[0]);
        char v[32], err[256];
        snprintf(v, sizeof v, "%d,%d", go[0], back[1]);
        setenv(LOCKSTEP_ENV, v, 1);
        if (!lockstep_start(err, sizeof err) || lockstep_hook() == NULL)
            _exit(3);
        for (int k = 0; k < 3; k++)
            lockstep_turn(); /* the first meets EOF, the others nothing */
        _exit(0);
    }
    close(go[0]);
    close(back[1]);
    assert_int_equal(write(go[1], "g", 1), 1); /* its first turn */
    close(go[1]);                              /* ab is gone */
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char buf[8];
    assert_int_equal(read(back[0], buf, sizeof buf), 1); /* one turn given */
    close(back[0]);
}

static void no_hook_without_lockstep(void **unused)
{
    (void)unused;
    unsetenv(LOCKSTEP_ENV);
    assert_null(lockstep_hook());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_values_refused),
        cmocka_unit_test(unset_or_empty_is_none),
        cmocka_unit_test(turns_alternate),
        cmocka_unit_test(one_ends_other_goes_on),
        cmocka_unit_test(hung_program_times_out),
        cmocka_unit_test(alone_once_ab_is_gone),
        cmocka_unit_test(no_hook_without_lockstep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
