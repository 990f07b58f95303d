/* Child processes: spawn, wait with a timeout, forward signals, kill, reap
 * and describe. One table of the children alive lets a SIGINT, SIGTERM or
 * SIGHUP sent to this process alone reach them too, so that killing a
 * bench program by its PID leaves none of its workers running. */
#include "proc.h"

#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* More than any caller has at once (one, today). */
#define PROC_MAX_LIVE 16

static const int fwd_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define NSIGS (sizeof fwd_sigs / sizeof *fwd_sigs)

static volatile sig_atomic_t caught;
/* kill() targets of the forwarded children alive: -pgid for a group. */
static volatile pid_t live[PROC_MAX_LIVE];
static int holds;
static struct sigaction saved[NSIGS];
static bool installed[NSIGS];
static int wake[2] = {-1, -1}; /* the handler writes here: waits wake up */

static void on_signal(int sig)
{
    int e = errno;
    if (!caught)
        caught = sig;
    for (size_t i = 0; i < PROC_MAX_LIVE; i++) {
        pid_t t = live[i];
        if (t)
            kill(t, sig);
    }
    if (wake[1] >= 0) {
        char c = 1;
        ssize_t w = write(wake[1], &c, 1);
        (void)w; /* full: a wake-up is pending anyway */
    }
    errno = e;
}

void proc_hold(void)
{
    if (holds++ > 0)
        return;
    if (pipe(wake) == 0) {
        for (int k = 0; k < 2; k++) {
            fcntl(wake[k], F_SETFD, FD_CLOEXEC);
            fcntl(wake[k], F_SETFL, O_NONBLOCK);
        }
    } else {
        wake[0] = wake[1] = -1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < NSIGS; k++)
        sigaddset(&sa.sa_mask, fwd_sigs[k]);
    for (size_t k = 0; k < NSIGS; k++) {
        installed[k] = false;
        if (sigaction(fwd_sigs[k], NULL, &saved[k]) != 0)
            continue;
        /* Ignored when we started (nohup, a background job): stays so. */
        if (!(saved[k].sa_flags & SA_SIGINFO) && saved[k].sa_handler == SIG_IGN)
            continue;
        installed[k] = sigaction(fwd_sigs[k], &sa, NULL) == 0;
    }
}

static void restore_handlers(void)
{
    for (size_t k = 0; k < NSIGS; k++)
        if (installed[k]) {
            sigaction(fwd_sigs[k], &saved[k], NULL);
            installed[k] = false;
        }
}

void proc_release(void)
{
    if (holds == 0 || --holds > 0)
        return;
    restore_handlers();
    for (int k = 0; k < 2; k++)
        if (wake[k] >= 0) {
            close(wake[k]);
            wake[k] = -1;
        }
}

int proc_interrupted(void)
{
    return caught;
}

void proc_reraise(void)
{
    int sig = caught;
    if (!sig)
        return;
    caught = 0;
    restore_handlers();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

const char *proc_signame(int sig, char *buf, size_t len)
{
    const char *s = sigabbrev_np(sig);
    if (s)
        snprintf(buf, len, "SIG%s", s);
    else
        snprintf(buf, len, "signal %d", sig);
    return buf;
}

static void block_fwd(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t k = 0; k < NSIGS; k++)
        sigaddset(&set, fwd_sigs[k]);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void forget(proc *p)
{
    if (p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
    if (!p->forwarded)
        return;
    pid_t t = p->own_group ? -p->pid : p->pid;
    for (size_t i = 0; i < PROC_MAX_LIVE; i++)
        if (live[i] == t) {
            live[i] = 0;
            break;
        }
    p->forwarded = false;
    proc_release();
}

bool proc_spawn(proc *p, const proc_spec *s, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->pidfd = -1;
    p->own_group = s->own_group;
    bool fwd = !s->no_forward;
    size_t slot = PROC_MAX_LIVE;
    if (fwd) {
        proc_hold();
        for (slot = 0; slot < PROC_MAX_LIVE && live[slot]; slot++)
            ;
        char name[32];
        if (caught || slot == PROC_MAX_LIVE) {
            if (caught)
                snprintf(err, errlen, "interrupted by %s",
                         proc_signame(caught, name, sizeof name));
            else
                snprintf(err, errlen, "too many child processes");
            proc_release();
            return false;
        }
    }
    sigset_t old;
    block_fwd(&old); /* no signal between fork and the table entry */
    fflush(NULL);    /* nothing buffered is written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (fwd)
            proc_release();
        snprintf(err, errlen, "fork: %s", strerror(e));
        return false;
    }
    if (pid == 0) {
        if (s->die_with_parent) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            /* The parent died before the line above: nobody waits. */
            if (getppid() != parent)
                _exit(127);
        }
        if (s->own_group)
            setpgid(0, 0);
        /* The child is nobody's parent yet, and the code it runs sees the
         * dispositions its program had before we took them. */
        restore_handlers();
        for (size_t i = 0; i < PROC_MAX_LIVE; i++)
            live[i] = 0;
        holds = 0;
        for (int k = 0; k < 2; k++)
            if (wake[k] >= 0) {
                close(wake[k]);
                wake[k] = -1;
            }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (s->in_child)
            s->in_child(s->ctx);
        if (s->exe) {
            if (s->search_path && s->envp)
                execvpe(s->exe, s->argv, s->envp);
            else if (s->search_path)
                execvp(s->exe, s->argv);
            else if (s->envp)
                execve(s->exe, s->argv, s->envp);
            else
                execv(s->exe, s->argv);
            if (!s->run) {
                dprintf(STDERR_FILENO, "cannot run %s: %s\n", s->exe,
                        strerror(errno));
                _exit(127);
            }
        }
        _exit(s->run ? s->run(s->ctx) : 127);
    }
    if (s->own_group)
        setpgid(pid, pid); /* both sides set it: a kill below finds it */
    p->pid = pid;
    if (fwd) {
        live[slot] = s->own_group ? -pid : pid;
        p->forwarded = true;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
#ifdef SYS_pidfd_open
    p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (p->pidfd >= 0)
        fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
#endif
    return true;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds poll() may sleep until deadline (< 0: none). */
static int ms_left(double deadline)
{
    if (deadline < 0)
        return -1;
    double left = (deadline - now_s()) * 1e3;
    return left <= 0 ? 0 : left > 1e9 ? 1000000000 : (int)left + 1;
}

/* Polls fd (may be -1) and, if `woken`, the wake-up pipe: > 0 fd ready,
 * 0 time up or woken. */
static int wait_on(int fd, int timeout_ms, bool woken)
{
    struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN},
                            {.fd = woken ? wake[0] : -1, .events = POLLIN}};
    int rc = poll(pfd, 2, timeout_ms);
    if (rc <= 0)
        return rc < 0 && errno != EINTR ? 1 : 0;
    return pfd[0].revents != 0;
}

static enum proc_wait_result wait_for(proc *p, double timeout_s,
                                      bool interruptible)
{
    if (p->reaped)
        return PROC_ENDED;
    double deadline = timeout_s < 0 ? -1 : now_s() + timeout_s;
    for (;;) {
        int st = 0;
        pid_t w = waitpid(p->pid, &st, WNOHANG);
        if (w == p->pid || (w < 0 && errno == ECHILD)) {
            p->status = w == p->pid ? st : 0;
            p->reaped = true;
            forget(p);
            return PROC_ENDED;
        }
        bool woken = interruptible && p->forwarded;
        if (woken && caught)
            return PROC_INTERRUPTED;
        int ms = ms_left(deadline);
        if (ms == 0)
            return PROC_RUNNING;
        /* Without a pidfd (kernels before 5.3): look again every 10 ms. */
        if (p->pidfd < 0 && (ms < 0 || ms > 10))
            ms = 10;
        (void)wait_on(p->pidfd, ms, woken);
    }
}

enum proc_wait_result proc_wait(proc *p, double timeout_s)
{
    return wait_for(p, timeout_s, true);
}

void proc_stop(proc *p, double grace_s)
{
    if (wait_for(p, grace_s, false) != PROC_ENDED)
        proc_kill(p);
}

int proc_wait_fd(int fd, int timeout_ms)
{
    double deadline = timeout_ms < 0 ? -1 : now_s() + timeout_ms / 1e3;
    for (;;) {
        if (caught && holds)
            return -1;
        int ms = ms_left(deadline);
        if (wait_on(fd, ms, holds > 0) > 0)
            return 1;
        if (caught && holds)
            return -1;
        if (ms_left(deadline) == 0)
            return 0;
    }
}

bool proc_write_all(int fd, const void *p, size_t len)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    const char *c = p;
    bool ok = true;
    while (len && ok) {
        ssize_t w = write(fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok) {
            c += w;
            len -= (size_t)w;
        }
    }
    /* A SIGPIPE this write raised is taken back before unblocking. */
    if (!ok && errno == EPIPE && !was_pending) {
        int e = errno;
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
        errno = e;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

void proc_kill(proc *p)
{
    if (p->reaped || p->pid <= 0)
        return;
    if (p->own_group)
        kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
    int st = 0;
    pid_t w;
    while ((w = waitpid(p->pid, &st, 0)) < 0 && errno == EINTR)
        ;
    p->status = w == p->pid ? st : 0;
    p->reaped = true;
    forget(p);
}

void proc_kill_timed_out(proc *p, double limit_s)
{
    if (p->reaped)
        return;
    proc_kill(p);
    p->timed_out = true;
    p->limit_s = limit_s;
}

void proc_describe(const proc *p, char *buf, size_t len)
{
    if (p->timed_out)
        snprintf(buf, len, "timed out after %.3g s", p->limit_s);
    else if (!p->reaped)
        snprintf(buf, len, "is still running");
    else if (WIFSIGNALED(p->status))
        snprintf(buf, len, "crashed (signal %d: %s)", WTERMSIG(p->status),
                 strsignal(WTERMSIG(p->status)));
    else if (WIFEXITED(p->status))
        snprintf(buf, len, "called exit(%d)", WEXITSTATUS(p->status));
    else
        snprintf(buf, len, "ended with wait status %#x", p->status);
}

/* The most telling line of a child's stderr captured in path: its last
 * "error:" (or "regression:") line, else its last non-empty line, else "". */
static void err_line(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    char *s = file_text(path, NULL);
    if (!s)
        return;
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0;
    for (char *p = s; *p;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l) {
            last = p;
            last_len = l;
            char save = p[l];
            p[l] = '\0';
            if (strstr(p, "error:") || strstr(p, "regression:")) {
                best = p;
                best_len = l;
            }
            p[l] = save;
        }
        p += l + (nl != NULL);
    }
    if (!best) {
        best = last;
        best_len = last_len;
    }
    if (best)
        snprintf(buf, len, "%.*s", (int)best_len, best);
    free(s);
}

/* Why a child failed, in words: "called exit(2): its error line",
 * "crashed (signal 11: Segmentation fault)", "timed out after N s". */
void proc_why(const proc *p, const char *err_path, char *buf, size_t len)
{
    char line[512], how[128];
    line[0] = '\0';
    if (err_path)
        err_line(err_path, line, sizeof line);
    proc_describe(p, how, sizeof how);
    bool exited = !p->timed_out && WIFEXITED(p->status);
    snprintf(buf, len, "%s%s%s", how, exited && line[0] ? ": " : "",
             exited ? line : "");
}
