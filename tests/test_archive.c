/* Unit tests of core/archive.c: layout, loading by reference, damaged
 * files, atomic replacement under SIGKILL, concurrent savers, pruning. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/archive.h"
#include "../core/file.h"
#include "../core/json.h"

/* ---- Helpers ---------------------------------------------------------------
 */

/* A run of nb benchmarks x ns samples, tagged so loads can be told apart. */
static mb_run *make_run(size_t nb, size_t ns, double tag)
{
    mb_run *run = run_create();
    assert_non_null(run);
    run_ctx_str(run, "cpu_brand", "Test CPU 9000");
    run_ctx_str(run, "date", "2026-11-25T12:34:56Z");
    run_ctx_str(run, "git_commit", "3f2a1c0");
    run_ctx_num(run, "tag", tag);
    run_ctx_bool(run, "pinned", true);
    run_warn(run, "hypervisor detected");
    for (size_t b = 0; b < nb; b++) {
        mb_result *r = run_add_result(run);
        assert_non_null(r);
        char name[64];
        snprintf(name, sizeof name, "bench%zu/%zu", b / 10, b % 10);
        r->name = strdup(name);
        snprintf(name, sizeof name, "bench%zu", b / 10);
        r->family = strdup(name);
        r->bench = strdup(name);
        r->has_arg = true;
        r->arg = (int64_t)(b % 10);
        for (size_t i = 0; i < ns; i++)
            assert_true(result_add_sample(
                r, 1000,
                41234.5678 * (1 + 0.05 * ((double)(i * 37 % 100) / 100)), NULL,
                i % 9 == 0, (uint16_t)i));
        r->time.n = ns;
        r->time.median = 41.5 + (double)b;
        r->time.confidence = 0.95;
    }
    return run;
}

static double tag_of(const mb_run *run)
{
    const ctx_entry *e = run_ctx_get(run, "tag");
    assert_non_null(e);
    return e->num;
}

static char *make_dir(void)
{
    char tmpl[] = "/tmp/mb_test_archive_XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void remove_dir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static char *path_of(const char *dir, const char *sub, const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%.800s/%.20s/%.100s.json.zst", dir, sub, name);
    return buf;
}

static void write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void *read_raw(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Files in dir/sub whose name contains part. */
static size_t count_files(const char *dir, const char *sub, const char *part)
{
    char path[1024];
    snprintf(path, sizeof path, "%.900s/%.100s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
            n += strstr(de->d_name, part) != NULL;
    closedir(d);
    return n;
}

static void expect_error(mb_status st, mb_status want, const char *err,
                         const char *needle1, const char *needle2)
{
    if (st != want)
        fail_msg("expected status %d, got %d: %s", want, st, err);
    assert_null(strchr(err, '\n'));
    if (needle1 && !strstr(err, needle1))
        fail_msg("message '%s' lacks '%s'", err, needle1);
    if (needle2 && !strstr(err, needle2))
        fail_msg("message '%s' lacks '%s'", err, needle2);
}

/* ---- Tests
 * --------------------------------------------------------------------- */

static void test_default_dir(void **state)
{
    (void)state;
    unsetenv("MICROBE_ARCHIVE");
    assert_string_equal(archive_default_dir(), "./.microbe");
    setenv("MICROBE_ARCHIVE", "", 1);
    assert_string_equal(archive_default_dir(), "./.microbe");
    setenv("MICROBE_ARCHIVE", "/srv/bench", 1);
    assert_string_equal(archive_default_dir(), "/srv/bench");
    unsetenv("MICROBE_ARCHIVE");
}

static void test_baseline_names(void **state)
{
    (void)state;
    assert_true(archive_valid_name("main"));
    assert_true(archive_valid_name("v1.2_rc-3"));
    assert_true(archive_valid_name(
        "a234567890123456789012345678901234567890123456789012345678901234"));
    assert_false(archive_valid_name(
        "a2345678901234567890123456789012345678901234567890123456789012345"));
    assert_false(archive_valid_name(""));
    assert_false(archive_valid_name(NULL));
    assert_false(archive_valid_name("a/b"));
    assert_false(archive_valid_name("a b"));
    assert_false(archive_valid_name("caf\xc3\xa9"));

    char *dir = make_dir();
    mb_run *run = make_run(1, 3, 0);
    char err[512];
    expect_error(archive_save(dir, run, "../evil", NULL, 0, err, sizeof err),
                 MB_ERR_USAGE, err, "invalid baseline name '../evil'", NULL);
    assert_int_equal(count_files(dir, "runs", ".json.zst"), 0);
    run_free(run);
    remove_dir(dir);
}

static void test_save_and_load(void **state)
{
    (void)state;
    char *dir = make_dir();
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/nested/archive", dir);
    char err[512], id1[ARCHIVE_ID_MAX], id2[ARCHIVE_ID_MAX];
    mb_run *a = make_run(12, 50, 1), *b = make_run(3, 5, 2), *got;

    assert_int_equal(
        archive_save(sub, a, "main", id1, sizeof id1, err, sizeof err), MB_OK);
    assert_int_equal(
        archive_save(sub, b, NULL, id2, sizeof id2, err, sizeof err), MB_OK);
    /* Ids: YYYYmmddTHHMMSS.mmmZ-xxxx, increasing. */
    assert_int_equal(strlen(id1), 25);
    assert_int_equal(id1[8], 'T');
    assert_int_equal(id1[19], 'Z');
    assert_true(strcmp(id1, id2) < 0);

    /* By baseline name: the whole run, bit for bit. */
    assert_int_equal(archive_load(sub, "main", &got, err, sizeof err), MB_OK);
    char *x = json_dump_compared(a, NULL, NULL),
         *y = json_dump_compared(got, NULL, NULL);
    assert_string_equal(x, y);
    free(x);
    free(y);
    run_free(got);
    assert_int_equal(archive_load_baseline(sub, "main", &got, err, sizeof err),
                     MB_OK);
    assert_true(tag_of(got) == 1);
    run_free(got);

    /* By id, unique prefix, "latest", path. */
    assert_int_equal(archive_load(sub, id1, &got, err, sizeof err), MB_OK);
    assert_true(tag_of(got) == 1);
    run_free(got);
    assert_int_equal(archive_load(sub, "latest", &got, err, sizeof err), MB_OK);
    assert_true(tag_of(got) == 2);
    run_free(got);
    char prefix[ARCHIVE_ID_MAX];
    snprintf(prefix, sizeof prefix, "%s", id2);
    prefix[strlen(prefix) - 2] = '\0'; /* still unique in practice */
    if (strncmp(id1, prefix, strlen(prefix)) != 0) {
        assert_int_equal(archive_load(sub, prefix, &got, err, sizeof err),
                         MB_OK);
        assert_true(tag_of(got) == 2);
        run_free(got);
    }
    expect_error(archive_load(sub, "2", &got, err, sizeof err), MB_ERR_USAGE,
                 err, "run id prefix '2' is ambiguous", "2 runs match");
    assert_int_equal(
        archive_load(sub, path_of(sub, "runs", id2), &got, err, sizeof err),
        MB_OK);
    assert_true(tag_of(got) == 2);
    run_free(got);

    /* A plain --format=json file loads too. */
    char plain[1024];
    snprintf(plain, sizeof plain, "%s/out.json", dir);
    x = json_dump_compared(b, NULL, NULL);
    write_raw(plain, x, strlen(x));
    free(x);
    assert_int_equal(archive_load(sub, plain, &got, err, sizeof err), MB_OK);
    assert_true(tag_of(got) == 2);
    run_free(got);

    /* A newer baseline of the same name replaces the older one. */
    assert_int_equal(archive_save(sub, b, "main", NULL, 0, err, sizeof err),
                     MB_OK);
    assert_int_equal(archive_load(sub, "main", &got, err, sizeof err), MB_OK);
    assert_true(tag_of(got) == 2);
    run_free(got);
    assert_int_equal(count_files(sub, "runs", ".json.zst"), 3);
    assert_int_equal(count_files(sub, "runs", ".tmp."), 0);

    /* Files are readable by others (mkstemp makes 0600). */
    struct stat sb;
    assert_int_equal(stat(path_of(sub, "baselines", "main"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);

    run_free(a);
    run_free(b);
    remove_dir(dir);
}

static void test_zstd_cli_and_jq_read_it(void **state)
{
    (void)state;
    /* These tools are part of the promise: missing means failing. */
    assert_int_equal(system("command -v zstd >/dev/null 2>&1"), 0);
    assert_int_equal(system("command -v jq >/dev/null 2>&1"), 0);
    char *dir = make_dir();
    mb_run *run = make_run(7, 20, 5);
    char err[512];
    assert_int_equal(archive_save(dir, run, "ci", NULL, 0, err, sizeof err),
                     MB_OK);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "zstd -q -dc '%s' | jq -r '[.benchmarks[] | select(.microbe)] "
             "as $m | [($m | length), "
             ".context.git_commit, $m[3].microbe.samples.ns[0], "
             ".context.microbe_format] | join(\" \")'",
             path_of(dir, "baselines", "ci"));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[256] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_string_equal(out, "7 3f2a1c0 41234.5678 2\n");
    /* And zstd -t vouches for the frame (with its checksum). */
    snprintf(cmd, sizeof cmd, "zstd -q -t '%s'",
             path_of(dir, "baselines", "ci"));
    assert_int_equal(system(cmd), 0);
    run_free(run);
    remove_dir(dir);
}

static void test_write_and_read_file(void **state)
{
    (void)state;
    char *dir = make_dir();
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/doc.json.zst", dir);
    const char *text = "{\"hello\": \"world\"}";
    assert_int_equal(
        archive_write_file(path, text, strlen(text), err, sizeof err), MB_OK);
    char *data;
    size_t len;
    assert_int_equal(archive_read_file(path, &data, &len, err, sizeof err),
                     MB_OK);
    assert_int_equal(len, strlen(text));
    assert_string_equal(data, text);
    free(data);

    /* Uncompressed JSON is accepted as is. */
    snprintf(path, sizeof path, "%s/plain.json", dir);
    write_raw(path, "  \n{\"a\": 1}", 11);
    assert_int_equal(archive_read_file(path, &data, &len, err, sizeof err),
                     MB_OK);
    assert_string_equal(data, "  \n{\"a\": 1}");
    free(data);

    snprintf(path, sizeof path, "%s/missing.json.zst", dir);
    expect_error(archive_read_file(path, &data, &len, err, sizeof err),
                 MB_ERR_NOT_FOUND, err, path, "No such file");
    assert_null(data);
    expect_error(archive_read_file(dir, &data, &len, err, sizeof err),
                 MB_ERR_IO, err, dir, "a directory");

    /* Writing where no directory exists fails cleanly. */
    snprintf(path, sizeof path, "%s/no/such/dir/x.json.zst", dir);
    expect_error(archive_write_file(path, "{}", 2, err, sizeof err), MB_ERR_IO,
                 err, path, "No such file");
    remove_dir(dir);
}

/* The archive of the damage tests: two good runs and a baseline. */
static void save_good(const char *dir, char *id1, char *id2)
{
    char err[512];
    mb_run *run = make_run(4, 10, 1);
    assert_int_equal(
        archive_save(dir, run, "good", id1, ARCHIVE_ID_MAX, err, sizeof err),
        MB_OK);
    run_free(run);
    run = make_run(4, 10, 2);
    assert_int_equal(
        archive_save(dir, run, NULL, id2, ARCHIVE_ID_MAX, err, sizeof err),
        MB_OK);
    run_free(run);
}

static void test_damaged_files(void **state)
{
    (void)state;
    char *dir = make_dir();
    char id1[ARCHIVE_ID_MAX], id2[ARCHIVE_ID_MAX], err[512];
    save_good(dir, id1, id2);
    size_t len;
    unsigned char *good = read_raw(path_of(dir, "runs", id1), &len);
    assert_true(len > 100);

    /* Names sort after the good runs, so "latest" would find them. */
    char p_trunc[1024], p_flip[1024], p_empty[1024], p_ver[1024], p_text[1024],
        p_badjson[1024];
    snprintf(p_trunc, sizeof p_trunc, "%s",
             path_of(dir, "runs", "30000101T000000.000Z-0001"));
    snprintf(p_flip, sizeof p_flip, "%s",
             path_of(dir, "runs", "30000101T000000.000Z-0002"));
    snprintf(p_empty, sizeof p_empty, "%s",
             path_of(dir, "runs", "30000101T000000.000Z-0003"));
    snprintf(p_ver, sizeof p_ver, "%s",
             path_of(dir, "runs", "30000101T000000.000Z-0004"));
    snprintf(p_text, sizeof p_text, "%s", path_of(dir, "baselines", "text"));
    snprintf(p_badjson, sizeof p_badjson, "%s",
             path_of(dir, "baselines", "badjson"));

    write_raw(p_trunc, good, len / 2);
    good[len / 2] ^= 0x10;
    write_raw(p_flip, good, len);
    good[len / 2] ^= 0x10;
    write_raw(p_empty, "", 0);
    /* A newer format, properly compressed. */
    mb_run *run = make_run(1, 2, 9);
    char *text = json_dump_compared(run, NULL, NULL);
    run_free(run);
    char *v = strstr(text, "\"microbe_format\": 2");
    assert_non_null(v);
    v[strlen("\"microbe_format\": ")] = '7';
    assert_int_equal(
        archive_write_file(p_ver, text, strlen(text), err, sizeof err), MB_OK);
    free(text);
    write_raw(p_text, "hello, I am not zstd", 20);
    assert_int_equal(
        archive_write_file(p_badjson, "{\"context\": 3", 13, err, sizeof err),
        MB_OK);

    mb_run *got = NULL;
    expect_error(archive_load_file(p_trunc, &got, err, sizeof err),
                 MB_ERR_CORRUPT, err, p_trunc, "truncated");
    assert_null(got);
    expect_error(archive_load_file(p_flip, &got, err, sizeof err),
                 MB_ERR_CORRUPT, err, p_flip, "zstd: ");
    expect_error(archive_load_file(p_empty, &got, err, sizeof err),
                 MB_ERR_CORRUPT, err, p_empty, "empty file");
    expect_error(archive_load_file(p_ver, &got, err, sizeof err),
                 MB_ERR_VERSION, err, p_ver,
                 "format version 7 is newer than this microbe understands "
                 "(2); upgrade microbe");
    expect_error(archive_load(dir, "text", &got, err, sizeof err),
                 MB_ERR_CORRUPT, err, p_text,
                 "neither zstd-compressed (bad magic number) nor JSON");
    expect_error(archive_load(dir, "badjson", &got, err, sizeof err),
                 MB_ERR_CORRUPT, err, p_badjson, "invalid JSON");
    expect_error(archive_load(dir, "latest", &got, err, sizeof err),
                 MB_ERR_VERSION, err, p_ver, NULL);

    /* The good ones still load. */
    assert_int_equal(archive_load(dir, id1, &got, err, sizeof err), MB_OK);
    run_free(got);
    assert_int_equal(archive_load(dir, id2, &got, err, sizeof err), MB_OK);
    run_free(got);
    assert_int_equal(archive_load(dir, "good", &got, err, sizeof err), MB_OK);
    run_free(got);

    /* And the listing shows everything, the damaged ones flagged. */
    archive_entry *e;
    size_t n;
    assert_int_equal(archive_list(dir, &e, &n, err, sizeof err), MB_OK);
    assert_int_equal(n, 9);
    const struct {
        const char *name;
        archive_kind kind;
        mb_status st;
    } want[] = {
        {"badjson", ARCHIVE_BASELINE, MB_ERR_CORRUPT},
        {"good", ARCHIVE_BASELINE, MB_OK},
        {"text", ARCHIVE_BASELINE, MB_ERR_CORRUPT},
        {id1, ARCHIVE_RUN, MB_OK},
        {id2, ARCHIVE_RUN, MB_OK},
        {"30000101T000000.000Z-0001", ARCHIVE_RUN, MB_ERR_CORRUPT},
        /* A flipped bit inside the compressed run: the listing reads the
         * index frame only (and checks it and the file's size), so the
         * damage shows when the run is loaded, as above. */
        {"30000101T000000.000Z-0002", ARCHIVE_RUN, MB_OK},
        {"30000101T000000.000Z-0003", ARCHIVE_RUN, MB_ERR_CORRUPT},
        {"30000101T000000.000Z-0004", ARCHIVE_RUN, MB_ERR_VERSION},
    };
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(e[i].name, want[i].name);
        assert_int_equal(e[i].kind, want[i].kind);
        assert_int_equal(e[i].status, want[i].st);
        if (want[i].st == MB_OK && i == 5) {
            assert_null(e[i].error);
        } else if (want[i].st == MB_OK) {
            assert_null(e[i].error);
            assert_int_equal(e[i].nbench, 4);
            assert_string_equal(e[i].commit, "3f2a1c0");
            assert_string_equal(e[i].cpu, "Test CPU 9000");
            assert_string_equal(e[i].date, "2026-11-25T12:34:56Z");
            assert_true(e[i].size > 100);
        } else {
            assert_non_null(e[i].error);
            assert_non_null(strstr(e[i].error, e[i].path));
        }
    }
    assert_string_equal(e[7].date, "3000-01-01T00:00:00Z"); /* from the id */
    archive_list_free(e, n);
    free(good);
    remove_dir(dir);
}

/* Every single-bit flip anywhere in a file is caught: an error, never a
 * silently different run (a few flips land in bits the decoder never
 * uses and change nothing: those must load as the original). */
static void test_every_bit_flip_is_caught(void **state)
{
    (void)state;
    char *dir = make_dir();
    char id[ARCHIVE_ID_MAX], err[512];
    mb_run *run = make_run(2, 4, 3);
    assert_int_equal(
        archive_save(dir, run, NULL, id, sizeof id, err, sizeof err), MB_OK);
    run_free(run);
    size_t len;
    unsigned char *data = read_raw(path_of(dir, "runs", id), &len);
    char path[1024];
    snprintf(path, sizeof path, "%s/flipped.json.zst", dir);
    mb_run *orig;
    assert_int_equal(archive_load(dir, id, &orig, err, sizeof err), MB_OK);
    char *want = json_dump_compared(orig, NULL, NULL);
    run_free(orig);
    size_t caught = 0, harmless = 0, tried = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            data[i] ^= (unsigned char)(1u << bit);
            write_raw(path, data, len);
            data[i] ^= (unsigned char)(1u << bit);
            mb_run *got = NULL;
            mb_status st = archive_load_file(path, &got, err, sizeof err);
            tried++;
            if (st != MB_OK) {
                assert_true(st == MB_ERR_CORRUPT || st == MB_ERR_VERSION);
                assert_null(got);
                assert_non_null(strstr(err, path));
                caught++;
            } else {
                char *have = json_dump_compared(got, NULL, NULL);
                if (strcmp(have, want) != 0)
                    fail_msg("flip of bit %d at byte %zu of %zu changed the "
                             "run undetected",
                             bit, i, len);
                free(have);
                run_free(got);
                harmless++;
            }
        }
    print_message("%zu flips: %zu caught, %zu harmless\n", tried, caught,
                  harmless);
    assert_int_equal(caught + harmless, tried);
    assert_true(caught > tried * 9 / 10);
    free(want);
    free(data);
    remove_dir(dir);
}

static void test_missing_baseline(void **state)
{
    (void)state;
    char *dir = make_dir();
    char err[512];
    mb_run *got;
    expect_error(archive_load_baseline(dir, "main", &got, err, sizeof err),
                 MB_ERR_NOT_FOUND, err, "no baseline 'main' in ",
                 "(no saved baselines)");
    mb_run *run = make_run(1, 2, 0);
    assert_int_equal(archive_save(dir, run, "b-two", NULL, 0, err, sizeof err),
                     MB_OK);
    assert_int_equal(archive_save(dir, run, "a.one", NULL, 0, err, sizeof err),
                     MB_OK);
    run_free(run);
    char want[1024];
    snprintf(want, sizeof want,
             "no baseline 'main' in %s (saved baselines: a.one, b-two)", dir);
    expect_error(archive_load_baseline(dir, "main", &got, err, sizeof err),
                 MB_ERR_NOT_FOUND, err, NULL, NULL);
    assert_string_equal(err, want);
    assert_null(got);
    expect_error(archive_load(dir, "main", &got, err, sizeof err),
                 MB_ERR_NOT_FOUND, err, "no baseline, run or file 'main'",
                 "(saved baselines: a.one, b-two); 2 runs");
    expect_error(archive_load(dir, "nope.json", &got, err, sizeof err),
                 MB_ERR_NOT_FOUND, err, "cannot open nope.json", NULL);

    /* A missing archive lists as empty. */
    archive_entry *e;
    size_t n;
    char missing[1024];
    snprintf(missing, sizeof missing, "%s/absent", dir);
    assert_int_equal(archive_list(missing, &e, &n, err, sizeof err), MB_OK);
    assert_int_equal(n, 0);
    archive_list_free(e, n);
    remove_dir(dir);
}

/* Kills this process when the write of a baseline is half done (the run
 * itself is saved first, in full). */
static void die_half_way(const char *tmp, size_t written, size_t total)
{
    if (strstr(tmp, "/baselines/") && written * 2 >= total)
        kill(getpid(), SIGKILL);
}

/* Kills this process once the temp file is complete, before the rename. */
static void die_before_rename(const char *tmp, size_t written, size_t total)
{
    if (strstr(tmp, "/baselines/") && written == total)
        kill(getpid(), SIGKILL);
}

static void test_killed_writer_keeps_old_baseline(void **state)
{
    (void)state;
    char *dir = make_dir();
    char err[512];
    mb_run *old = make_run(1, 3, -1);
    assert_int_equal(archive_save(dir, old, "main", NULL, 0, err, sizeof err),
                     MB_OK);
    run_free(old);
    void (*hooks[])(const char *, size_t, size_t) = {die_half_way,
                                                     die_before_rename};
    mb_run *big = make_run(300, 200, 7);
    for (size_t h = 0; h < 2; h++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            file_write_hook = hooks[h];
            archive_save(dir, big, "main", NULL, 0, NULL, 0);
            _exit(0); /* not reached */
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* A temp file was left behind (the killed saver's; the one an
         * earlier killed saver left was removed when this one saved), and
         * the old baseline is intact. */
        assert_int_equal(count_files(dir, "baselines", ".json.zst.tmp."), 1);
        mb_run *got;
        assert_int_equal(archive_load(dir, "main", &got, err, sizeof err),
                         MB_OK);
        assert_true(tag_of(got) == -1);
        run_free(got);
        archive_entry *e;
        size_t n;
        assert_int_equal(archive_list(dir, &e, &n, err, sizeof err), MB_OK);
        /* Baseline main, its run, and the complete runs of the killed
         * savers: no temp file among them. */
        assert_int_equal(n, 3 + h);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(e[i].status, MB_OK);
        archive_list_free(e, n);
    }

    /* A full disk (here: a file size limit) fails the save cleanly. */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        char e2[512];
        mb_status st = archive_save(dir, big, "main", NULL, 0, e2, sizeof e2);
        _exit(st == MB_ERR_IO && strstr(e2, "File too large") ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(count_files(dir, "runs", ".tmp."), 0);
    mb_run *got;
    assert_int_equal(archive_load(dir, "main", &got, err, sizeof err), MB_OK);
    assert_true(tag_of(got) == -1);
    run_free(got);
    run_free(big);
    remove_dir(dir);
}

/* A writer killed at random points leaves a loadable baseline (old or
 * new) and no temp file that passes for a run. */
static void test_sigkill_mid_write(void **state)
{
    (void)state;
    char *dir = make_dir();
    char err[512];
    mb_run *small = make_run(1, 3, -1);
    assert_int_equal(archive_save(dir, small, "main", NULL, 0, err, sizeof err),
                     MB_OK);
    run_free(small);
    mb_run *big = make_run(200, 100, 0);
    /* Kill within about two saves' time, so that kills land before, in
     * and after the write. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(archive_save(dir, big, NULL, NULL, 0, err, sizeof err),
                     MB_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long save_us = (t1.tv_sec - t0.tv_sec) * 1000000L +
                   (t1.tv_nsec - t0.tv_nsec) / 1000 + 1;
    srand((unsigned)time(NULL));
    size_t attempts = 0;
    while (attempts < 20) {
        attempts++;
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (int i = 1;; i++) {
                run_ctx_num(big, "tag", i);
                if (archive_save(dir, big, "main", NULL, 0, NULL, 0) != MB_OK)
                    _exit(3);
            }
        }
        usleep((useconds_t)(rand() % (2 * save_us)));
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));

        mb_run *got;
        mb_status st = archive_load(dir, "main", &got, err, sizeof err);
        if (st != MB_OK)
            fail_msg("after kill %zu: %s", attempts, err);
        assert_true(got->nresults == 1 || got->nresults == 200);
        run_free(got);
    }
    archive_entry *e;
    size_t n;
    assert_int_equal(archive_list(dir, &e, &n, err, sizeof err), MB_OK);
    size_t runs = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].status != MB_OK)
            fail_msg("listed as damaged: %s", e[i].error);
        assert_null(strstr(e[i].name, ".tmp"));
        runs += e[i].kind == ARCHIVE_RUN;
    }
    assert_int_equal(runs, count_files(dir, "runs", ".json.zst") -
                               count_files(dir, "runs", ".json.zst.tmp."));
    archive_list_free(e, n);

    /* Each save removed the temp files of the savers killed before it; the
     * last one's go at the next save. */
    assert_true(count_files(dir, "runs", ".tmp.") +
                    count_files(dir, "baselines", ".tmp.") <=
                2);
    mb_run *again = make_run(1, 3, -1);
    assert_int_equal(archive_save(dir, again, "main", NULL, 0, err, sizeof err),
                     MB_OK);
    run_free(again);
    assert_int_equal(count_files(dir, "runs", ".tmp.") +
                         count_files(dir, "baselines", ".tmp."),
                     0);
    run_free(big);
    remove_dir(dir);
}

static void test_concurrent_savers(void **state)
{
    (void)state;
    char *dir = make_dir();
    pid_t kids[2];
    fflush(NULL);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            mb_run *run = make_run(20, 30, 100 * (k + 1));
            for (int i = 0; i < 20; i++) {
                run_ctx_num(run, "tag", 100 * (k + 1) + i);
                char err[512];
                if (archive_save(dir, run, "shared", NULL, 0, err,
                                 sizeof err) != MB_OK) {
                    fprintf(stderr, "child %d: %s\n", k, err);
                    _exit(1);
                }
            }
            run_free(run);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    archive_entry *e;
    size_t n;
    char err[512];
    assert_int_equal(archive_list(dir, &e, &n, err, sizeof err), MB_OK);
    assert_int_equal(n, 41);
    assert_int_equal(e[0].kind, ARCHIVE_BASELINE);
    char seen[2][20] = {{0}};
    for (size_t i = 1; i < n; i++) {
        assert_int_equal(e[i].kind, ARCHIVE_RUN);
        assert_int_equal(e[i].status, MB_OK);
        mb_run *got;
        assert_int_equal(archive_load(dir, e[i].name, &got, err, sizeof err),
                         MB_OK);
        int tag = (int)tag_of(got);
        assert_true(tag >= 100 && tag < 220 && tag % 100 < 20);
        seen[tag / 100 - 1][tag % 100]++;
        run_free(got);
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 20; i++)
            assert_int_equal(seen[k][i], 1);
    mb_run *got;
    assert_int_equal(archive_load(dir, "shared", &got, err, sizeof err), MB_OK);
    assert_true((int)tag_of(got) % 100 == 19); /* one of the last saves */
    run_free(got);
    archive_list_free(e, n);
    assert_int_equal(count_files(dir, "runs", ".tmp."), 0);
    remove_dir(dir);
}

static void test_prune(void **state)
{
    (void)state;
    char *dir = make_dir();
    char err[512], ids[8][ARCHIVE_ID_MAX];
    mb_run *run = make_run(1, 2, 0);
    for (int i = 0; i < 8; i++) {
        run_ctx_num(run, "tag", i);
        assert_int_equal(archive_save(dir, run, i == 0 ? "first" : NULL, ids[i],
                                      sizeof ids[i], err, sizeof err),
                         MB_OK);
    }
    run_free(run);
    size_t removed;
    assert_int_equal(archive_prune(dir, 3, &removed, err, sizeof err), MB_OK);
    assert_int_equal(removed, 5);
    archive_entry *e;
    size_t n;
    assert_int_equal(archive_list(dir, &e, &n, err, sizeof err), MB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(e[0].name, "first");
    for (int i = 0; i < 3; i++)
        assert_string_equal(e[1 + i].name, ids[5 + i]);
    archive_list_free(e, n);
    mb_run *got;
    assert_int_equal(archive_load(dir, "first", &got, err, sizeof err), MB_OK);
    assert_true(tag_of(got) == 0);
    run_free(got);
    assert_int_equal(archive_prune(dir, 0, &removed, err, sizeof err), MB_OK);
    assert_int_equal(removed, 3);
    assert_int_equal(count_files(dir, "baselines", ".json.zst"), 1);
    remove_dir(dir);
}

/* A baseline keeps its last ARCHIVE_HISTORY saved runs, newest first; a
 * save without a baseline name adds none; another name has its own. */
static void test_history_kept_and_bounded(void **state)
{
    (void)state;
    char *dir = make_dir();
    char err[512];
    mb_run **h = NULL;
    size_t n = 9;
    assert_int_equal(archive_load_history(dir, "main", &h, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, 0); /* nothing saved yet */
    for (int i = 0; i < 7; i++) {
        mb_run *run = make_run(2, 5, i);
        assert_int_equal(
            archive_save(dir, run, "main", NULL, 0, err, sizeof err), MB_OK);
        run_free(run);
    }
    mb_run *other = make_run(1, 5, 100);
    assert_int_equal(archive_save(dir, other, NULL, NULL, 0, err, sizeof err),
                     MB_OK);
    assert_int_equal(archive_save(dir, other, "side", NULL, 0, err, sizeof err),
                     MB_OK);
    run_free(other);
    assert_int_equal(archive_load_history(dir, "main", &h, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, ARCHIVE_HISTORY);
    for (size_t i = 0; i < n; i++) { /* tags 6, 5, 4, 3, 2 */
        const ctx_entry *t = run_ctx_get(h[i], "tag");
        assert_non_null(t);
        assert_true(t->num == 6.0 - (double)i);
        run_free(h[i]);
    }
    free(h);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "test $(ls '%s/history/main' | wc -l) -eq %d",
             dir, ARCHIVE_HISTORY);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(archive_load_history(dir, "side", &h, &n, err, sizeof err),
                     MB_OK);
    assert_int_equal(n, 1);
    run_free(h[0]);
    free(h);
    /* The history is no baseline of its own: listing shows two. */
    archive_entry *e;
    size_t ne;
    assert_int_equal(archive_list(dir, &e, &ne, err, sizeof err), MB_OK);
    size_t bases = 0;
    for (size_t i = 0; i < ne; i++)
        bases += e[i].kind == ARCHIVE_BASELINE;
    assert_int_equal(bases, 2);
    archive_list_free(e, ne);
    assert_int_equal(archive_load_history(dir, "../x", &h, &n, err, sizeof err),
                     MB_ERR_USAGE);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_kept_and_bounded),
        cmocka_unit_test(test_default_dir),
        cmocka_unit_test(test_baseline_names),
        cmocka_unit_test(test_save_and_load),
        cmocka_unit_test(test_zstd_cli_and_jq_read_it),
        cmocka_unit_test(test_write_and_read_file),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_every_bit_flip_is_caught),
        cmocka_unit_test(test_missing_baseline),
        cmocka_unit_test(test_killed_writer_keeps_old_baseline),
        cmocka_unit_test(test_sigkill_mid_write),
        cmocka_unit_test(test_concurrent_savers),
        cmocka_unit_test(test_prune),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
