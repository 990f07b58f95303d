/* CPU choice against a fake /proc/stat and a private lock directory: a busy
 * CPU is avoided, a CPU another run holds is avoided, all taken or all busy
 * gives one warning naming it; --cpu forces; the lock directory is refused
 * when it is a symlink. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pin.h"

static char root[64], locks[128];
static const char *second; /* /proc/stat after the window */

static void put(const char *rel, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    mkdir(root, 0700);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/proc", root);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void rewrite(void *arg)
{
    (void)arg;
    put("proc/stat", second);
}

/* Four CPUs; the first read, then after the window user/system ticks
 * added per CPU as given (of 10 ticks each). */
static void stat_pair(int b0, int b1, int b2, int b3)
{
    put("proc/stat", "cpu  400 0 400 4000 0 0 0 0 0 0\n"
                     "cpu0 100 0 100 1000 0 0 0 0 0 0\n"
                     "cpu1 100 0 100 1000 0 0 0 0 0 0\n"
                     "cpu2 100 0 100 1000 0 0 0 0 0 0\n"
                     "cpu3 100 0 100 1000 0 0 0 0 0 0\n"
                     "intr 12345\n");
    static char buf[512];
    snprintf(buf, sizeof buf,
             "cpu  0 0 0 0 0 0 0 0 0 0\n"
             "cpu0 %d 0 100 %d 0 0 0 0 0 0\n"
             "cpu1 %d 0 100 %d 0 0 0 0 0 0\n"
             "cpu2 %d 0 100 %d 0 0 0 0 0 0\n"
             "cpu3 %d 0 100 %d 0 0 0 0 0 0\n",
             100 + b0, 1010 - b0, 100 + b1, 1010 - b1, 100 + b2, 1010 - b2,
             100 + b3, 1010 - b3);
    second = buf;
}

static pin_cfg cfg4(cpu_set_t *set)
{
    CPU_ZERO(set);
    for (int c = 0; c < 4; c++)
        CPU_SET(c, set);
    pin_cfg c = {.proc_root = root,
                 .lock_dir = locks,
                 .between = rewrite,
                 .allowed = set,
                 .no_affinity = true};
    return c;
}

/* Another run's lock on CPU c: a separate open file description. */
static int hold(int c)
{
    char path[256];
    snprintf(path, sizeof path, "%s/cpu%d.lock", locks, c);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(pwrite(fd, "pid 4242 (other_bench)\n", 23, 0), 23);
    return fd;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/mb_pin_XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(locks, sizeof locks, "%s/locks", root);
    unsetenv(PIN_HELD_ENV);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_busy_from_stat(void **state)
{
    (void)state;
    int cpus[] = {0, 1, 7};
    double b[3];
    pin_busy_from_stat("cpu0 10 0 10 80 0\ncpu1 0 0 0 100 0 0 0 0\n",
                       "cpu0 20 5 15 90 0\ncpu1 0 0 0 150 25 0 0 25\n", cpus, 3,
                       b);
    assert_true(fabs(b[0] - 20.0 / 30) < 1e-12);  /* 20 busy of 30 ticks */
    assert_true(fabs(b[1] - 25.0 / 100) < 1e-12); /* iowait idle, steal busy */
    assert_true(isnan(b[2]));                     /* no such CPU */
    pin_busy_from_stat(NULL, "cpu0 1 1 1 1\n", cpus, 1, b);
    assert_true(isnan(b[0]));
}

static void test_busy_cpu_avoided(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(9, 9, 0, 9); /* cpu2 idle, the others 90% busy */
    pin_choice p;
    char err[256] = "";
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 2);
    assert_true(p.lock_fd >= 0);
    assert_true(fabs(p.busy) < 1e-12);
    assert_string_equal(p.reason, "least busy, 0% busy");
    assert_string_equal(p.warning, "");
    /* The lock directory is ours alone. */
    struct stat st;
    assert_int_equal(lstat(locks, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 077, 0);
    pin_release(&p);
    assert_int_equal(p.lock_fd, -1);
}

static void test_ties_go_high(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(0, 0, 0, 0);
    pin_choice p;
    char err[256];
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 3); /* CPU 0 takes most interrupts */
    pin_release(&p);
}

static void test_locked_cpu_avoided(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(5, 5, 5, 0);
    pin_choice first, p;
    char err[256];
    /* The first run takes the idle CPU 3; the next one avoids it. */
    assert_int_equal(pin_choose(CPU_AUTO, &c, &first, err, sizeof err), MB_OK);
    assert_int_equal(first.cpu, 3);
    stat_pair(5, 5, 5, 0);
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 2);
    assert_non_null(strstr(p.reason, "least busy free CPU, 50% busy"));
    assert_non_null(strstr(p.reason, "CPU 3 held by another microbe run"));
    assert_string_equal(p.warning, "every free allowed CPU is busy: CPU 2 "
                                   "pinned, 50% busy with other work over "
                                   "the last 30 ms; timings will vary with "
                                   "it");
    pin_release(&p);
    /* Once released, CPU 3 is free again. */
    pin_release(&first);
    stat_pair(5, 5, 5, 0);
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 3);
    pin_release(&p);
}

static void test_all_taken_warns(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(1, 3, 3, 3);
    mkdir(locks, 0700);
    int fds[4];
    for (int i = 0; i < 4; i++)
        fds[i] = hold(i);
    pin_choice p;
    char err[256];
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 0); /* the least busy, shared */
    assert_int_equal(p.lock_fd, -1);
    assert_string_equal(p.warning,
                        "every allowed CPU is taken by another microbe run: "
                        "CPU 0 is shared with pid 4242 (other_bench); "
                        "timings will disturb each other");
    for (int i = 0; i < 4; i++)
        close(fds[i]);
}

static void test_forced(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(0, 0, 0, 0);
    mkdir(locks, 0700);
    pin_choice p;
    char err[256];
    assert_int_equal(pin_choose(1, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 1);
    assert_string_equal(p.reason, "--cpu=1");
    assert_string_equal(p.warning, "");
    assert_true(p.lock_fd >= 0);
    pin_release(&p);
    /* Taken by another run: forced still, with a warning naming it. */
    int fd = hold(1);
    assert_int_equal(pin_choose(1, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 1);
    assert_string_equal(p.warning, "CPU 1 (--cpu) is also used by another "
                                   "microbe run, pid 4242 (other_bench): "
                                   "their timings disturb each other");
    /* Held for us by the caller (microbe ab): no warning. */
    setenv(PIN_HELD_ENV, "1", 1);
    assert_int_equal(pin_choose(1, &c, &p, err, sizeof err), MB_OK);
    assert_string_equal(p.warning, "");
    assert_non_null(strstr(p.reason, "held for this run by its caller"));
    unsetenv(PIN_HELD_ENV);
    close(fd);
    /* Not allowed: an error. */
    assert_int_equal(pin_choose(9, &c, &p, err, sizeof err), MB_ERR_USAGE);
    assert_string_equal(err, "--cpu=9: no such CPU, or not allowed for this "
                             "process (allowed: 0-3)");
}

static void test_symlinked_dir_refused(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(0, 0, 0, 0);
    char elsewhere[160];
    snprintf(elsewhere, sizeof elsewhere, "%s/planted", root);
    mkdir(elsewhere, 0700);
    assert_int_equal(symlink(elsewhere, locks), 0);
    pin_choice p;
    char err[256];
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    assert_int_equal(p.cpu, 3);
    assert_int_equal(p.lock_fd, -1);
    assert_non_null(strstr(p.warning, "CPU locks off"));
    /* Nothing was created through the link. */
    char f[200];
    snprintf(f, sizeof f, "%s/cpu3.lock", elsewhere);
    assert_int_not_equal(access(f, F_OK), 0);
}

static void test_open_dir_closed(void **state)
{
    (void)state;
    cpu_set_t set;
    pin_cfg c = cfg4(&set);
    stat_pair(0, 0, 0, 0);
    mkdir(locks, 0700);
    chmod(locks, 0777);
    /* A planted symlink as a lock file is not followed. */
    char target[160], link[160];
    snprintf(target, sizeof target, "%s/victim", root);
    snprintf(link, sizeof link, "%s/cpu3.lock", locks);
    put("victim", "keep me\n");
    assert_int_equal(symlink(target, link), 0);
    pin_choice p;
    char err[256];
    assert_int_equal(pin_choose(CPU_AUTO, &c, &p, err, sizeof err), MB_OK);
    struct stat st;
    assert_int_equal(stat(locks, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    assert_int_equal(p.cpu, 2); /* cpu3.lock cannot be opened */
    pin_release(&p);
    FILE *v = fopen(target, "r");
    char buf[32] = "";
    assert_non_null(v);
    assert_non_null(fgets(buf, sizeof buf, v));
    fclose(v);
    assert_string_equal(buf, "keep me\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_from_stat),
        cmocka_unit_test_setup_teardown(test_busy_cpu_avoided, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties_go_high, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_cpu_avoided, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_all_taken_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_dir_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_dir_closed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
