/* Child processes, in one place: start one (fork, then exec or a function),
 * wait for it with a timeout, forward this process's SIGINT, SIGTERM and
 * SIGHUP to the children alive, kill, reap, and say in a few words how one
 * ended. The bench program's workers (core/runner.c), Valgrind
 * (core/callgrind.c) and `microbe ab`'s bench programs (tools/ab.c) all
 * start here. */
#ifndef MB_PROC_H
#define MB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What to start. Exactly one of exe and run is used: exe when set (run
 * then only if the exec fails), else run. */
typedef struct proc_spec {
    const char *exe;       /* the file to exec; NULL: run only */
    bool search_path;      /* exe is a name looked up in $PATH */
    char *const *argv;     /* for exe */
    char *const *envp;     /* for exe; NULL: this process's environment */
    int (*run)(void *ctx); /* in the child, its return value the exit code */
    void *ctx;
    /* In the child before exec or run: close, dup2 and the like. */
    void (*in_child)(void *ctx);
    bool own_group;       /* a process group of its own, killed as one */
    bool die_with_parent; /* SIGKILL when this process (thread) dies */
    /* Not forwarded this process's signals; no handlers installed. The
     * worker's per-benchmark children: they die with their parent. */
    bool no_forward;
} proc_spec;

typedef struct proc {
    pid_t pid;
    int pidfd;  /* -1: none (old kernel) */
    int status; /* waitpid's, once reaped */
    bool reaped;
    bool timed_out; /* killed by proc_kill_timed_out */
    double limit_s; /* the timeout it was killed for */
    bool own_group;
    bool forwarded;
} proc;

/* Starts a child as spec says. True with *p filled; false with err set
 * ("cannot start NAME: REASON" is the caller's to phrase; err says why). */
bool proc_spawn(proc *p, const proc_spec *spec, char *err, size_t errlen);

enum proc_wait_result { PROC_ENDED, PROC_RUNNING, PROC_INTERRUPTED };

/* Waits up to timeout_s (< 0: no limit) for p to end, and reaps it:
 * PROC_ENDED (p->status set), PROC_RUNNING (the time is up) or
 * PROC_INTERRUPTED (this process got SIGINT, SIGTERM or SIGHUP; it was
 * forwarded to the children). */
enum proc_wait_result proc_wait(proc *p, double timeout_s);

/* After an interruption: gives p up to grace_s to end (it got the signal
 * too), then kills it; p is reaped either way. */
void proc_stop(proc *p, double grace_s);

/* Waits up to timeout_ms (< 0: no limit) for fd to become readable (or
 * closed): 1, 0 when the time is up, -1 when interrupted as above. */
int proc_wait_fd(int fd, int timeout_ms);

/* Writes all of p to fd, a pipe to a child, without SIGPIPE when the
 * child is gone (false then, as on any error). */
bool proc_write_all(int fd, const void *p, size_t len);

/* Kills p (its group too if it has one) with SIGKILL and reaps it; no-op
 * once reaped. proc_kill_timed_out also records the timeout for
 * proc_describe. */
void proc_kill(proc *p);
void proc_kill_timed_out(proc *p, double limit_s);

/* How p ended, in a few words to follow its name: "called exit(3)",
 * "crashed (signal 11: Segmentation fault)", "timed out after 60 s". */
void proc_describe(const proc *p, char *buf, size_t len);

/* Why p failed, in words: proc_describe's, and where it exited, the most
 * telling line of its stderr as captured in the file err_path (NULL: none;
 * its last "error:" line, else its last non-empty line): "called exit(2):
 * bench: error: ...", "crashed (signal 11: Segmentation fault)". */
void proc_why(const proc *p, const char *err_path, char *buf, size_t len);

/* Signal handling while children run. proc_hold installs the forwarding
 * handlers for SIGINT, SIGTERM and SIGHUP (spawning does so too, for as
 * long as a forwarded child lives) and proc_release puts back what was
 * there before once nothing holds them. proc_interrupted: the signal that
 * arrived while held (0: none); it stays set until proc_reraise. proc_reraise
 * sends it to this process again with the disposition it had before (by default
 * that ends the process); it returns if that disposition lets the process go
 * on. */
void proc_hold(void);
void proc_release(void);
int proc_interrupted(void);
void proc_reraise(void);

/* The signal's name without "SIG": "TERM" (a number if unknown). */
const char *proc_signame(int sig, char *buf, size_t len);

#endif
