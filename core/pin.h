/* Choosing a CPU and pinning the process to it.
 *
 * With no --cpu, the run takes the least busy allowed CPU that no other
 * microbe run holds: each CPU's busy share is measured from /proc/stat over
 * a short window, and an advisory lock per CPU (flock on DIR/cpuN.lock, in
 * a per-user directory) tells concurrent microbe runs apart, so that two
 * runs started together land on different CPUs while free ones exist. The
 * lock is held until the process ends (or pin_release). */
#ifndef MB_PIN_H
#define MB_PIN_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

#include "microbe.h"

/* Busy-time window at start: /proc/stat counts in 10 ms ticks, so this
 * gives each CPU's busy share in steps of a third; enough to tell an idle
 * CPU from one another process keeps busy. */
#define PIN_WINDOW_S 0.03
/* A CPU this busy (share of the window) is "busy": choosing it warns. */
#define PIN_BUSY 0.5
/* Busy shares closer than this count as equal: then the higher CPU wins
 * (CPU 0 takes most interrupts). */
#define PIN_TIE 0.1

/* Env: a caller that holds CPU N's lock for its children (microbe ab) sets
 * MICROBE_CPU_HELD=N; a run given --cpu=N then neither locks nor warns. */
#define PIN_HELD_ENV "MICROBE_CPU_HELD"
/* Env: the lock directory (tests; default below). */
#define PIN_DIR_ENV "MICROBE_LOCK_DIR"

typedef struct pin_cfg {
    const char *proc_root; /* NULL or "/": the real /proc; a fake in tests */
    const char *lock_dir;  /* NULL: pin_lock_dir() */
    double window_s;       /* 0: PIN_WINDOW_S */
    /* Called between the two /proc/stat reads instead of sleeping the
     * window (tests rewrite the fake file there). */
    void (*between)(void *arg);
    void *arg;
    const cpu_set_t *allowed; /* NULL: this process's affinity */
    bool no_affinity;         /* choose and lock, but do not pin (ab) */
} pin_cfg;

typedef struct pin_choice {
    int cpu;           /* the CPU chosen */
    double busy;       /* its busy share over the window; NAN: unknown */
    int lock_fd;       /* -1: no lock held */
    char reason[160];  /* "least busy, 2% busy", "--cpu=1", ... */
    char warning[320]; /* one warning, or "" */
} pin_choice;

/* Chooses a CPU (want: CPU_AUTO, or a CPU number to force), takes its lock
 * where it can and pins the process to it (unless cfg->no_affinity).
 * MB_ERR_USAGE with err set when a forced CPU does not exist or is not
 * allowed, or the affinity cannot be read or set. A lock directory that
 * cannot be used is no error: the choice goes on without locks, and the
 * warning says why. */
mb_status pin_choose(int want, const pin_cfg *cfg, pin_choice *out, char *err,
                     size_t errlen);
/* Drops the lock (the process's end does the same). */
void pin_release(pin_choice *c);

/* The per-user lock directory: $MICROBE_LOCK_DIR, else
 * $XDG_RUNTIME_DIR/microbe, else /tmp/microbe-UID. Into buf. */
void pin_lock_dir(char *buf, size_t len);

/* Busy shares of cpus[n] from two /proc/stat texts (before, after):
 * (non-idle ticks) / (all ticks) per CPU, NAN where a CPU is missing or
 * no tick passed. Pure, for tests. */
void pin_busy_from_stat(const char *before, const char *after, const int *cpus,
                        int n, double *busy);

/* Steal time of CPU cpu so far (the hypervisor ran something else on
 * this virtual CPU), in ns, from proc_root's /proc/stat (NULL: the real
 * one); -1 where it is not reported. */
double pin_steal_ns(const char *proc_root, int cpu);

#endif
