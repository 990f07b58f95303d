/* CPU choice (least busy, not held by another microbe run) and pinning.
 * The busy share comes from two reads of /proc/stat a short window apart;
 * the per-CPU advisory locks are flock()s on files in a per-user directory
 * that must be ours, not a symlink, and not open to others, opened without
 * following symlinks, so another user can neither plant nor steal them. */
#include "pin.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"

/* "0-1,4" from a CPU set, for error messages. */
static void describe(const cpu_set_t *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < CPU_SETSIZE && used < len; c++) {
        if (!CPU_ISSET(c, set))
            continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
            e++;
        used +=
            (size_t)snprintf(buf + used, len - used, e > c ? "%s%d-%d" : "%s%d",
                             used ? "," : "", c, e);
        c = e;
    }
}

void pin_lock_dir(char *buf, size_t len)
{
    const char *env = getenv(PIN_DIR_ENV);
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (env && *env)
        snprintf(buf, len, "%s", env);
    else if (xdg && *xdg == '/')
        snprintf(buf, len, "%s/microbe", xdg);
    else
        snprintf(buf, len, "/tmp/microbe-%lu", (unsigned long)geteuid());
}

/* Opens the lock directory, creating it 0700; -1 with why set when it is
 * not safe to use (a symlink, someone else's, open to others). */
static int open_lock_dir(const char *dir, char *why, size_t wlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(why, wlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, wlen, "cannot open %s: %s%s", dir, strerror(errno),
                 errno == ELOOP || errno == ENOTDIR ? " (a symlink?)" : "");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(why, wlen, "%s belongs to uid %lu, not to this user", dir,
                 (unsigned long)st.st_uid);
        close(fd);
        return -1;
    }
    if ((st.st_mode & 077) != 0 && fchmod(fd, 0700) != 0) {
        snprintf(why, wlen,
                 "%s is open to other users and cannot be closed: %s", dir,
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Tries CPU c's lock: the fd holding it, or -1 (taken: holder gets who
 * holds it, as the holder wrote it; or the file could not be opened). */
static int try_lock(int dirfd, int c, char *holder, size_t hlen)
{
    char name[32];
    snprintf(name, sizeof name, "cpu%d.lock", c);
    if (holder && hlen)
        holder[0] = '\0';
    int fd =
        openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (holder && hlen) {
            ssize_t got = pread(fd, holder, hlen - 1, 0);
            holder[got > 0 ? got : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
        }
        close(fd);
        return -1;
    }
    /* Who holds it, for the warning of a run that must share. */
    char me[128];
    char exe[96] = "";
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[el > 0 ? el : 0] = '\0';
    const char *base = strrchr(exe, '/');
    int ml =
        snprintf(me, sizeof me, "pid %ld%s%s%s\n", (long)getpid(),
                 exe[0] ? " (" : "", base ? base + 1 : exe, exe[0] ? ")" : "");
    if (ftruncate(fd, 0) == 0 && ml > 0)
        (void)!pwrite(fd, me, (size_t)ml, 0);
    return fd;
}

/* Reads root/proc/stat (whole) into a malloc'd string; NULL if none. */
static char *read_stat(const char *root)
{
    char path[4096];
    size_t rl = root ? strlen(root) : 0;
    while (rl && root[rl - 1] == '/')
        rl--;
    snprintf(path, sizeof path, "%.*s/proc/stat", (int)rl, root ? root : "");
    char *buf;
    return file_read(path, 0, (size_t)1 << 24, &buf, NULL, NULL, 0) == MB_OK
               ? buf
               : NULL;
}

/* CPU c's busy, total and steal ticks from a /proc/stat text; false if
 * absent (steal NAN when the line has no steal column). */
static bool cpu_ticks(const char *stat, int c, double *busy, double *total,
                      double *steal)
{
    char key[32];
    int kl = snprintf(key, sizeof key, "cpu%d ", c);
    for (const char *p = stat; p && *p;) {
        if (strncmp(p, key, (size_t)kl) == 0) {
            unsigned long long v[10] = {0};
            int n =
                sscanf(p + kl, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
            if (n < 4)
                return false;
            /* user nice system idle iowait irq softirq steal; guest time
             * is already inside user. Idle and iowait are idle; steal is
             * time the hypervisor gave away: busy for our purpose. */
            double all = 0;
            for (int i = 0; i < n; i++)
                all += (double)v[i];
            *total = all;
            *busy = all - (double)v[3] - (n > 4 ? (double)v[4] : 0);
            *steal = n > 7 ? (double)v[7] : NAN;
            return true;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return false;
}

void pin_busy_from_stat(const char *before, const char *after, const int *cpus,
                        int n, double *busy)
{
    for (int i = 0; i < n; i++) {
        double b0, t0, b1, t1, s0, s1;
        busy[i] = NAN;
        if (!before || !after || !cpu_ticks(before, cpus[i], &b0, &t0, &s0) ||
            !cpu_ticks(after, cpus[i], &b1, &t1, &s1) || !(t1 > t0))
            continue;
        double s = (b1 - b0) / (t1 - t0);
        busy[i] = s < 0 ? 0 : s > 1 ? 1 : s;
    }
}

double pin_steal_ns(const char *proc_root, int cpu)
{
    char *stat = cpu >= 0 ? read_stat(proc_root) : NULL;
    double busy, total, steal = NAN;
    bool ok = stat && cpu_ticks(stat, cpu, &busy, &total, &steal);
    free(stat);
    long hz = sysconf(_SC_CLK_TCK);
    return ok && isfinite(steal) ? steal * 1e9 / (double)(hz > 0 ? hz : 100)
                                 : -1;
}

static void sleep_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s,
                          .tv_nsec = (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Preference order: least busy first (shares within PIN_TIE equal), then
 * the higher CPU; unknown busy counts as idle. */
static double busy_key(double b)
{
    return isfinite(b) ? floor(b / PIN_TIE + 0.5) : 0;
}

static void order_cpus(int *cpus, double *busy, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            double ka = busy_key(busy[j - 1]), kb = busy_key(busy[j]);
            if (ka < kb || (ka == kb && cpus[j - 1] > cpus[j]))
                break;
            int tc = cpus[j];
            cpus[j] = cpus[j - 1];
            cpus[j - 1] = tc;
            double tb = busy[j];
            busy[j] = busy[j - 1];
            busy[j - 1] = tb;
        }
}

static void pct(char *buf, size_t len, double b)
{
    if (isfinite(b))
        snprintf(buf, len, "%.0f%% busy", 100 * b);
    else
        snprintf(buf, len, "busy time unknown");
}

static mb_status set_affinity(int cpu, char *err, size_t errlen)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        snprintf(err, errlen, "--cpu=%d: cannot pin: %s", cpu, strerror(errno));
        return MB_ERR_USAGE;
    }
    return MB_OK;
}

/* A forced CPU: locked when free; a warning names who else holds it,
 * unless the caller holds it for us. */
static void choose_forced(int want, int dirfd, const char *nodir,
                          pin_choice *out)
{
    const char *held = getenv(PIN_HELD_ENV);
    char *end;
    long h = held && *held ? strtol(held, &end, 10) : -1;
    if (held && *held && *end == '\0' && h == want) {
        snprintf(out->reason, sizeof out->reason,
                 "--cpu=%d, held for this run by its caller", want);
        return;
    }
    snprintf(out->reason, sizeof out->reason, "--cpu=%d", want);
    if (dirfd < 0) {
        snprintf(out->warning, sizeof out->warning,
                 "CPU locks off (%s): other microbe runs cannot see this one",
                 nodir);
        return;
    }
    char holder[128];
    out->lock_fd = try_lock(dirfd, want, holder, sizeof holder);
    if (out->lock_fd < 0)
        snprintf(out->warning, sizeof out->warning,
                 "CPU %d (--cpu) is also used by another microbe run%s%s: "
                 "their timings disturb each other",
                 want, holder[0] ? ", " : "", holder);
}

static void choose_auto(const pin_cfg *cfg, int *cpus, int n, int dirfd,
                        const char *nodir, pin_choice *out)
{
    double *busy = calloc((size_t)n, sizeof *busy);
    if (!busy) {
        out->cpu = cpus[n - 1];
        out->busy = NAN;
        snprintf(out->reason, sizeof out->reason, "the highest allowed");
        return;
    }
    if (n > 1) {
        char *before = read_stat(cfg->proc_root);
        if (before) {
            if (cfg->between)
                cfg->between(cfg->arg);
            else
                sleep_s(cfg->window_s > 0 ? cfg->window_s : PIN_WINDOW_S);
        }
        char *after = before ? read_stat(cfg->proc_root) : NULL;
        pin_busy_from_stat(before, after, cpus, n, busy);
        free(before);
        free(after);
    } else {
        busy[0] = NAN;
    }
    order_cpus(cpus, busy, n);

    char b[32], taken[160] = "", holder[128] = "", first_holder[128] = "";
    size_t tl = 0;
    int pick = -1;
    for (int i = 0; dirfd >= 0 && i < n && pick < 0; i++) {
        out->lock_fd = try_lock(dirfd, cpus[i], holder, sizeof holder);
        if (out->lock_fd >= 0) {
            pick = i;
            break;
        }
        if (!first_holder[0])
            snprintf(first_holder, sizeof first_holder, "%s", holder);
        if (tl < sizeof taken)
            tl += (size_t)snprintf(taken + tl, sizeof taken - tl, "%s%d",
                                   tl ? "," : "", cpus[i]);
    }
    int shared = dirfd >= 0 && pick < 0;
    if (pick < 0)
        pick = 0;
    out->cpu = cpus[pick];
    out->busy = busy[pick];
    pct(b, sizeof b, busy[pick]);
    if (n == 1)
        snprintf(out->reason, sizeof out->reason, "the only allowed CPU, %s",
                 b);
    else if (shared)
        snprintf(out->reason, sizeof out->reason,
                 "least busy, %s, shared with another microbe run", b);
    else if (pick > 0)
        snprintf(out->reason, sizeof out->reason,
                 "least busy free CPU, %s (CPU %s held by another microbe "
                 "run)",
                 b, taken);
    else
        snprintf(out->reason, sizeof out->reason, "least busy, %s", b);

    if (shared)
        snprintf(out->warning, sizeof out->warning,
                 "every allowed CPU is taken by another microbe run: CPU %d "
                 "is shared with %s; timings will disturb each other",
                 out->cpu, first_holder[0] ? first_holder : "another run");
    else if (isfinite(busy[pick]) && busy[pick] >= PIN_BUSY)
        snprintf(out->warning, sizeof out->warning,
                 "every %sallowed CPU is busy: CPU %d pinned, %s with other "
                 "work over the last %.0f ms; timings will vary with it",
                 pick > 0 ? "free " : "", out->cpu, b,
                 1e3 * (cfg->window_s > 0 ? cfg->window_s : PIN_WINDOW_S));
    else if (dirfd < 0)
        snprintf(out->warning, sizeof out->warning,
                 "CPU locks off (%s): concurrent microbe runs may pick the "
                 "same CPU",
                 nodir);
    free(busy);
}

mb_status pin_choose(int want, const pin_cfg *cfg, pin_choice *out, char *err,
                     size_t errlen)
{
    static const pin_cfg defaults = {0};
    if (!cfg)
        cfg = &defaults;
    memset(out, 0, sizeof *out);
    out->cpu = -1;
    out->busy = NAN;
    out->lock_fd = -1;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (cfg->allowed)
        allowed = *cfg->allowed;
    else if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        snprintf(err, errlen, "cannot read the CPU affinity: %s",
                 strerror(errno));
        return MB_ERR_USAGE;
    }
    int *cpus = malloc(CPU_SETSIZE * sizeof *cpus);
    int n = 0;
    if (!cpus) {
        snprintf(err, errlen, "out of memory");
        return MB_ERR_NO_MEMORY;
    }
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed))
            cpus[n++] = c;
    if (n == 0 || (want != CPU_AUTO && !(want >= 0 && want < CPU_SETSIZE &&
                                         CPU_ISSET(want, &allowed)))) {
        char list[128];
        describe(&allowed, list, sizeof list);
        snprintf(err, errlen,
                 "--cpu=%d: no such CPU, or not allowed for "
                 "this process (allowed: %s)",
                 want, list);
        free(cpus);
        return MB_ERR_USAGE;
    }

    char dir[4096], nodir[4200] = "";
    if (cfg->lock_dir)
        snprintf(dir, sizeof dir, "%s", cfg->lock_dir);
    else
        pin_lock_dir(dir, sizeof dir);
    int dirfd = open_lock_dir(dir, nodir, sizeof nodir);

    if (want != CPU_AUTO) {
        out->cpu = want;
        choose_forced(want, dirfd, nodir, out);
    } else {
        choose_auto(cfg, cpus, n, dirfd, nodir, out);
    }
    if (dirfd >= 0)
        close(dirfd);
    free(cpus);
    if (!cfg->no_affinity && set_affinity(out->cpu, err, errlen) != MB_OK) {
        pin_release(out);
        return MB_ERR_USAGE;
    }
    return MB_OK;
}

void pin_release(pin_choice *c)
{
    if (c && c->lock_fd >= 0) {
        close(c->lock_fd);
        c->lock_fd = -1;
    }
}
