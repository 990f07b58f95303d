/* Lockstep with another bench program under `microbe ab` (core/lockstep.h,
 * docs/ab.md). */
#include "lockstep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* The two ends, once looked for (-1: none, or ab gone). */
static int ends[2] = {-1, -1};
static bool looked;

static bool open_fd(long fd)
{
    return fd >= 0 && fd <= INT_MAX && fcntl((int)fd, F_GETFD) != -1;
}

bool lockstep_parse(int fds[2], char *err, size_t errlen)
{
    fds[0] = fds[1] = -1;
    const char *v = getenv(LOCKSTEP_ENV);
    if (!v || !*v)
        return true;
    char *end;
    errno = 0;
    long r = strtol(v, &end, 10);
    long w = -1;
    bool ok = errno == 0 && end != v && *end == ',';
    if (ok) {
        const char *p = end + 1;
        w = strtol(p, &end, 10);
        ok = errno == 0 && end != p && *end == '\0';
    }
    if (!ok || !open_fd(r) || !open_fd(w) || r == w) {
        snprintf(err, errlen,
                 "%s='%s' does not name two open pipe ends (it is internal "
                 "to microbe ab: unset it)",
                 LOCKSTEP_ENV, v);
        return false;
    }
    fds[0] = (int)r;
    fds[1] = (int)w;
    return true;
}

/* One byte read from the read end; false once ab is gone. */
static bool wait_turn(void)
{
    char c;
    ssize_t k;
    do
        k = read(ends[0], &c, 1);
    while (k < 0 && errno == EINTR);
    return k == 1;
}

static void alone(void)
{
    ends[0] = ends[1] = -1;
}

static bool active(void)
{
    if (!looked) {
        looked = true;
        char err[256];
        if (!lockstep_parse(ends, err, sizeof err))
            alone();
    }
    return ends[0] >= 0;
}

bool lockstep_start(char *err, size_t errlen)
{
    looked = true;
    if (!lockstep_parse(ends, err, errlen))
        return false;
    if (ends[0] >= 0 && !wait_turn())
        alone();
    return true;
}

void lockstep_turn(void)
{
    if (active() && !(proc_write_all(ends[1], "t", 1) && wait_turn()))
        alone();
}

void (*lockstep_hook(void))(void)
{
    return active() ? lockstep_turn : NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int lockstep_conduct(const int back[2], const int go[2], int first,
                     double timeout_s)
{
    bool alive[2] = {true, true}, give = true;
    double deadline = now_s() + timeout_s;
    int holder = first;
    while (alive[0] || alive[1]) {
        if (!alive[holder]) {
            holder = 1 - holder;
            give = true;
        }
        if (give) {
            give = false;
            if (!proc_write_all(go[holder], "g", 1)) {
                alive[holder] = false; /* gone */
                continue;
            }
        }
        double left = deadline - now_s();
        if (left <= 0 || proc_wait_fd(back[holder], (int)(left * 1e3) + 1) <= 0)
            return -1;
        char c;
        ssize_t got = read(back[holder], &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got != 1) {
            alive[holder] = false; /* ended: the other goes on alone */
            continue;
        }
        if (alive[1 - holder])
            holder = 1 - holder;
        give = true;
    }
    return 0;
}
