/* --why: the slower benchmarks again, under callgrind, on both programs
 * (core/why.h). */
#include "why.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "file.h"
#include "json.h"
#include "proc.h"

void why_record_program(mb_run *run, const char *path)
{
    char abs[PATH_MAX];
    if (!realpath(path ? path : "/proc/self/exe", abs))
        return;
    run_ctx_str(run, "executable_path", abs);
    uint64_t h;
    long long size;
    if (file_hash(abs, &h, &size, NULL, 0) != MB_OK)
        return;
    char hex[24];
    snprintf(hex, sizeof hex, "%016" PRIx64, h);
    run_ctx_num(run, "executable_bytes", (double)size);
    run_ctx_str(run, "executable_hash", hex);
}

mb_status why_saved_program(const mb_run *run, char *path, size_t pathlen,
                            char *msg, size_t msglen)
{
    const char *p = run_ctx_gets(run, "executable_path");
    const char *want = run_ctx_gets(run, "executable_hash");
    const ctx_entry *bytes = run_ctx_get(run, "executable_bytes");
    if (!p || !want || !bytes || bytes->type != CTX_NUM) {
        snprintf(msg, msglen, "was not recorded (saved by an older microbe)");
        return MB_ERR_NOT_FOUND;
    }
    struct stat sb;
    if (stat(p, &sb) != 0) {
        snprintf(msg, msglen, "%s is gone (%s)", p, strerror(errno));
        return MB_ERR_NOT_FOUND;
    }
    uint64_t h = 0;
    long long size = 0;
    char hex[24] = "";
    if (file_hash(p, &h, &size, NULL, 0) == MB_OK)
        snprintf(hex, sizeof hex, "%016" PRIx64, h);
    if ((double)size != bytes->num || strcmp(hex, want) != 0) {
        snprintf(msg, msglen, "%s has changed since (its content differs)", p);
        return MB_ERR_NOT_FOUND;
    }
    snprintf(path, pathlen, "%s", p);
    return MB_OK;
}

/* The child's files: stderr captured for the error line, the JSON. */
typedef struct why_tmp {
    char dir[512], err[600], json[600];
} why_tmp;

/* In the child: stdin and stdout from and to /dev/null, stderr into the
 * file; the variables that stand for the bench program's flags unset (a
 * MICROBE_BASELINE would make the callgrind run compare and fail), and the
 * job summary (the comparison's report writes it, not this run). */
static void child_io(void *ctx)
{
    const why_tmp *t = ctx;
    int null = open("/dev/null", O_RDWR);
    int er = open(t->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null < 0 || er < 0)
        _exit(126);
    dup2(null, 0);
    dup2(null, 1);
    dup2(er, 2);
    const char *vars[64];
    size_t nv = cli_env_names(vars, 64);
    for (size_t i = 0; i < nv && i < 64; i++)
        unsetenv(vars[i]);
    unsetenv("GITHUB_STEP_SUMMARY");
}

static mb_status failed(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mb_status failed(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return MB_ERR_IO;
}

/* Side j's benchmarks matching filter, under callgrind, into *out. */
static mb_status measure(const why_cfg *c, int j, const why_tmp *t,
                         const char *filter, mb_run **out, char *err,
                         size_t errlen)
{
    const char *label = c->label[j], *prog = c->prog[j];
    char a_out[700];
    snprintf(a_out, sizeof a_out, "--out=%s", t->json);
    char **argv = calloc((size_t)c->nflags + 6, sizeof *argv);
    if (!argv)
        return failed(err, errlen, "out of memory");
    int n = 0;
    argv[n++] = (char *)prog;
    argv[n++] = "--measure=instructions";
    argv[n++] = "--format=json";
    argv[n++] = a_out;
    argv[n++] = (char *)filter;
    static const char *const skip[] = {"--filter", "--measure", "--samples",
                                       "--counters", "--max-time"};
    for (int i = 0; i < c->nflags; i++) {
        bool drop = false;
        for (size_t k = 0; k < sizeof skip / sizeof *skip; k++) {
            size_t l = strlen(skip[k]);
            drop |= strncmp(c->flags[i], skip[k], l) == 0 &&
                    (c->flags[i][l] == '=' || c->flags[i][l] == '\0');
        }
        if (!drop)
            argv[n++] = c->flags[i];
    }
    unlink(t->json);
    proc_spec s = {.exe = prog,
                   .argv = argv,
                   .in_child = child_io,
                   .ctx = (void *)t,
                   .own_group = true,
                   .die_with_parent = true};
    proc p;
    char why_not[128];
    bool ran = proc_spawn(&p, &s, why_not, sizeof why_not);
    free(argv);
    if (!ran)
        return failed(err, errlen, "cannot run %s '%s': %s", label, prog,
                      why_not);
    enum proc_wait_result w = proc_wait(&p, WHY_TIMEOUT);
    if (w == PROC_RUNNING)
        proc_kill_timed_out(&p, WHY_TIMEOUT);
    if (w == PROC_INTERRUPTED) {
        proc_stop(&p, 2.0);
        char sig[32];
        return failed(err, errlen, "interrupted by %s",
                      proc_signame(proc_interrupted(), sig, sizeof sig));
    }
    if (p.timed_out || !WIFEXITED(p.status) || WEXITSTATUS(p.status) != 0) {
        char how[700];
        proc_why(&p, t->err, how, sizeof how);
        return failed(err, errlen, "%s '%s' --measure=instructions failed: %s",
                      label, prog, how);
    }
    char e[768];
    char *text = NULL;
    size_t len = 0;
    mb_status st = archive_read_file(t->json, &text, &len, e, sizeof e);
    if (st == MB_OK)
        st = json_load_run(text, len, t->json, out, e, sizeof e);
    free(text);
    if (st != MB_OK)
        return failed(err, errlen, "%s '%s' wrote no usable JSON: %s", label,
                      prog, e);
    return MB_OK;
}

mb_status why_explain(const why_cfg *c, cmp_result *cmp, mb_run *instr[2],
                      char *err, size_t errlen)
{
    instr[0] = instr[1] = NULL;
    size_t k = 0;
    char *filter = cmp_filter(cmp, CMP_SLOWER, true, &k);
    if (!filter)
        return failed(err, errlen, "out of memory");
    if (!k) {
        free(filter);
        return MB_OK;
    }
    why_tmp t;
    const char *tmp = getenv("TMPDIR");
    snprintf(t.dir, sizeof t.dir, "%s/microbe-why.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t.dir)) {
        int e = errno;
        free(filter);
        return failed(err, errlen,
                      "cannot create a temporary directory "
                      "'%s': %s",
                      t.dir, strerror(e));
    }
    snprintf(t.err, sizeof t.err, "%s/stderr", t.dir);
    snprintf(t.json, sizeof t.json, "%s/run.json", t.dir);
    if (c->progress)
        fprintf(stderr, "\r%s: --why: %zu benchmark%s under callgrind\033[K",
                c->who, k, k == 1 ? "" : "s");
    mb_status st = MB_OK;
    for (int j = 0; j < 2 && st == MB_OK; j++)
        st = measure(c, j, &t, filter, &instr[j], err, errlen);
    if (c->progress)
        fprintf(stderr, "\r\033[K");
    unlink(t.err);
    unlink(t.json);
    rmdir(t.dir);
    free(filter);
    if (st == MB_OK)
        cmp_attach_why(cmp, instr[0], instr[1]);
    return st;
}

mb_status why_runs(const why_runs_cfg *c, cmp_result *cmp, mb_run *instr[2],
                   char *err, size_t errlen)
{
    instr[0] = instr[1] = NULL;
    size_t k = 0;
    for (size_t i = 0; i < cmp->n; i++)
        k += cmp->rows[i].verdict == CMP_SLOWER && !cmp->rows[i].why;
    if (!k)
        return MB_OK;
    char path[2][PATH_MAX], why[PATH_MAX + 128];
    const char *prog[2];
    for (int j = 0; j < 2; j++) {
        prog[j] = c->prog[j];
        if (prog[j])
            continue;
        if (why_saved_program(c->run[j], path[j], sizeof path[j], why,
                              sizeof why) != MB_OK) {
            run_warn(c->report,
                     "--why: %zu slower benchmark%s not explained: the "
                     "program of %s %s%s%s%s",
                     k, k == 1 ? "" : "s", c->name[j], why,
                     c->flag[j] ? "; give that build with " : "",
                     c->flag[j] ? c->flag[j] : "",
                     c->flag[j] ? "=PROGRAM" : "");
            return MB_OK;
        }
        prog[j] = path[j];
    }
    char label[2][400];
    for (int j = 0; j < 2; j++)
        snprintf(label[j], sizeof label[j], "the program of %s", c->name[j]);
    why_cfg w = {.prog = {prog[0], prog[1]},
                 .label = {label[0], label[1]},
                 .who = c->who,
                 .progress = c->progress};
    return why_explain(&w, cmp, instr, err, errlen);
}
