/* core/file.c: whole files read safely (FIFOs, links, directories, size
 * bound), written atomically (over a link: the link is replaced, its
 * target untouched), and the temp files of dead writers removed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/file.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mb_test_file_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *at(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void expect(mb_status got, mb_status want, const char *err,
                   const char *part)
{
    if (got != want || (part && !strstr(err, part)))
        fail_msg("status %d (want %d), message '%s' (want '%s')", got, want,
                 err, part ? part : "");
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "a read blocked: opened a FIFO\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

/* A FIFO is refused without blocking (no writer will ever come). */
static void test_fifo_does_not_block(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(at("pipe.json.zst"), 0644), 0);
    signal(SIGALRM, on_alarm);
    alarm(5);
    char *data = (char *)1, err[256] = "";
    size_t len;
    expect(file_read(at("pipe.json.zst"), 0, 1 << 20, &data, &len, err,
                     sizeof err),
           MB_ERR_IO, err, "a FIFO");
    assert_null(data);
    assert_non_null(strstr(err, at("pipe.json.zst")));
    char head[16];
    size_t got;
    long long size;
    expect(file_read_head(at("pipe.json.zst"), FILE_NOFOLLOW, head, sizeof head,
                          &got, &size, err, sizeof err),
           MB_ERR_IO, err, "a FIFO");
    alarm(0);
}

static void test_read(void **state)
{
    (void)state;
    put(at("a.txt"), "hello");
    char *data, err[256] = "";
    size_t len;
    assert_int_equal(
        file_read(at("a.txt"), 0, 100, &data, &len, err, sizeof err), MB_OK);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    free(data);
    /* The bound: a file of max bytes or more is refused. */
    expect(file_read(at("a.txt"), 0, 5, &data, &len, err, sizeof err),
           MB_ERR_CORRUPT, err, "larger than");
    expect(file_read(at("none"), 0, 5, &data, &len, err, sizeof err),
           MB_ERR_NOT_FOUND, err, "No such file");
    expect(file_read(dir, 0, 5, &data, &len, err, sizeof err), MB_ERR_IO, err,
           "a directory");
    /* A link is followed unless FILE_NOFOLLOW. */
    assert_int_equal(symlink(at("a.txt"), at("link.txt")), 0);
    assert_int_equal(
        file_read(at("link.txt"), 0, 100, &data, &len, err, sizeof err), MB_OK);
    free(data);
    expect(file_read(at("link.txt"), FILE_NOFOLLOW, 100, &data, &len, err,
                     sizeof err),
           MB_ERR_IO, err, "symbolic link");
    assert_null(file_text(at("pipe.json.zst"), NULL));
    char *t = file_text(at("a.txt"), &len);
    assert_non_null(t);
    assert_int_equal(len, 5);
    free(t);
    /* /proc files say size 0: read to the end all the same (pin.c reads
     * /proc/stat, env.c /proc/cpuinfo this way), and bounded. */
    t = file_text("/proc/self/status", &len);
    assert_non_null(t);
    assert_true(len > 100 && strlen(t) == len);
    assert_non_null(strstr(t, "Name:"));
    free(t);
    expect(file_read("/proc/self/status", 0, 64, &data, &len, err, sizeof err),
           MB_ERR_CORRUPT, err, "larger than");
    /* A file just over the first 4096-byte buffer and one of exactly it. */
    static char big[9001];
    memset(big, 'x', sizeof big - 1);
    put(at("big.txt"), big);
    t = file_text(at("big.txt"), &len);
    assert_non_null(t);
    assert_int_equal(len, sizeof big - 1);
    free(t);
    big[4096] = '\0';
    put(at("page.txt"), big);
    assert_int_equal(
        file_read(at("page.txt"), 0, 4097, &data, &len, err, sizeof err),
        MB_OK);
    assert_int_equal(len, 4096);
    free(data);
    expect(file_read(at("page.txt"), 0, 4096, &data, &len, err, sizeof err),
           MB_ERR_CORRUPT, err, "larger than");
}

/* A report named by the user: a plain file is replaced whole; a link is
 * written through (the link stays); a directory is refused up front. */
static void test_write_out(void **state)
{
    (void)state;
    char err[256] = "";
    put(at("r.txt"), "old");
    assert_int_equal(file_check_out(at("r.txt"), err, sizeof err), MB_OK);
    assert_int_equal(file_write_out(at("r.txt"), "new", 3, err, sizeof err),
                     MB_OK);
    char *t = file_text(at("r.txt"), NULL);
    assert_string_equal(t, "new");
    free(t);
    put(at("real.txt"), "old");
    assert_int_equal(symlink(at("real.txt"), at("via.txt")), 0);
    assert_int_equal(
        file_write_out(at("via.txt"), "through", 7, err, sizeof err), MB_OK);
    struct stat sb;
    assert_int_equal(lstat(at("via.txt"), &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    t = file_text(at("real.txt"), NULL);
    assert_string_equal(t, "through");
    free(t);
    expect(file_check_out(dir, err, sizeof err), MB_ERR_IO, err, "a directory");
    expect(file_check_out("/nonexistent-dir/x", err, sizeof err), MB_ERR_IO,
           err, "No such file");
}

/* file_hash: FNV-1a's step over 8-byte little-endian words, then the
 * bytes of the short tail. Reference values from Python:
 *   h = 0xcbf29ce484222325; P = 0x100000001b3
 *   h = ((h ^ int.from_bytes(b"abcdefgh", "little")) * P) % 2**64
 *   for b in b"ij": h = ((h ^ b) * P) % 2**64        # 0xb7dc09287fb59bcf
 * and the empty file keeps the offset basis. */
static void test_hash(void **state)
{
    (void)state;
    put(at("h.bin"), "abcdefghij");
    uint64_t h;
    long long size;
    char err[256] = "";
    assert_int_equal(file_hash(at("h.bin"), &h, &size, err, sizeof err), MB_OK);
    assert_int_equal(size, 10);
    assert_true(h == 0xb7dc09287fb59bcfu);
    put(at("e.bin"), "");
    assert_int_equal(file_hash(at("e.bin"), &h, &size, err, sizeof err), MB_OK);
    assert_true(h == 0xcbf29ce484222325u && size == 0);
    expect(file_hash(at("none"), &h, &size, err, sizeof err), MB_ERR_NOT_FOUND,
           err, "No such file");
    expect(file_hash(dir, &h, &size, err, sizeof err), MB_ERR_IO, err,
           "a directory");
}

/* Writing over a link replaces the link: its target is left alone. */
static void test_write_over_link(void **state)
{
    (void)state;
    put(at("target"), "precious");
    assert_int_equal(symlink(at("target"), at("out.json.zst")), 0);
    char err[256] = "";
    assert_int_equal(
        file_write_atomic(at("out.json.zst"), "new", 3, 0, err, sizeof err),
        MB_OK);
    char *data;
    assert_int_equal(
        file_read(at("target"), 0, 100, &data, NULL, err, sizeof err), MB_OK);
    assert_string_equal(data, "precious");
    free(data);
    struct stat sb;
    assert_int_equal(lstat(at("out.json.zst"), &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    /* NOCLOBBER leaves an existing file alone, without a message. */
    err[0] = '\0';
    assert_int_equal(file_write_atomic(at("out.json.zst"), "x", 1,
                                       FILE_NOCLOBBER, err, sizeof err),
                     MB_ERR_USAGE);
    assert_string_equal(err, "");
    assert_int_equal(
        file_read(at("out.json.zst"), 0, 100, &data, NULL, err, sizeof err),
        MB_OK);
    assert_string_equal(data, "new");
    free(data);
}

static void die_now(const char *tmp, size_t written, size_t total)
{
    (void)tmp;
    (void)written;
    (void)total;
    kill(getpid(), SIGKILL);
}

static size_t temps(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '%s'", dir, FILE_TMP_TAG);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    unsigned long n = 0;
    assert_int_equal(fscanf(p, "%lu", &n), 1);
    pclose(p);
    return n;
}

/* A writer killed half way leaves its temp file; the next clean-up removes
 * it at once (its process is gone), while the temp of a live writer (its
 * lock held) stays, however old. */
static void test_stale_temps(void **state)
{
    (void)state;
    size_t before = temps();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static char big[3 * FILE_CHUNK];
        file_write_hook = die_now;
        (void)file_write_atomic(at("run.json.zst"), big, sizeof big, 0, NULL,
                                0);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(temps(), before + 1);

    /* A live writer: a child holding the lock of an hour-old temp. */
    char live[256];
    snprintf(live, sizeof live, "%s/x.json.zst" FILE_TMP_TAG "1.abcdef", dir);
    put(live, "partial");
    struct timespec old[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
    assert_int_equal(utimensat(AT_FDCWD, live, old, 0), 0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t holder = fork();
    assert_true(holder >= 0);
    if (holder == 0) {
        int fd = open(live, O_RDONLY);
        if (fd < 0 || flock(fd, LOCK_EX) != 0)
            _exit(1);
        (void)!write(ready[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    /* A fresh temp of a process that is alive (this one) stays too. */
    char mine[256];
    snprintf(mine, sizeof mine, "%s/y.json.zst" FILE_TMP_TAG "%ld.abcdef", dir,
             (long)getpid());
    put(mine, "partial");

    assert_int_equal(file_remove_stale(dir, 3600), 1); /* the killed one */
    assert_int_equal(temps(), before + 2);
    assert_int_equal(access(live, F_OK), 0);
    assert_int_equal(access(mine, F_OK), 0);
    kill(holder, SIGKILL);
    waitpid(holder, &status, 0);
    /* Its lock gone, the hour-old temp goes; the fresh one stays. */
    assert_int_equal(file_remove_stale(dir, 3600), 1);
    assert_int_equal(access(mine, F_OK), 0);
    unlink(mine);
    close(ready[0]);
    close(ready[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_does_not_block),
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_write_over_link),
        cmocka_unit_test(test_write_out),
        cmocka_unit_test(test_stale_temps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
