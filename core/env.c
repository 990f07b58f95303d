/* The environment check: how much the machine can be trusted for timing.
 * Everything is read under a root prefix so that tests can use a fake tree;
 * facts go into the run's context and problems into warnings that say what
 * to do about them. */
#include "env.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "run.h"

#define CPU_DIR "/sys/devices/system/cpu"
/* Enough for any list a sysfs file holds in practice (kernel_max is 8191
 * on the largest configs, but nobody pins across more than this). */
#define LIST_MAX 1024

/* Reads root/rel into buf, whitespace at the end removed. Returns 0, or
 * -1 when the file cannot be read. */
static int slurp(const char *root, const char *rel, char *buf, size_t len)
{
    char path[4096];
    size_t rl = strlen(root);
    while (rl && root[rl - 1] == '/')
        rl--;
    snprintf(path, sizeof path, "%.*s%s", (int)rl, root, rel);
    size_t n;
    long long size;
    if (file_read_head(path, 0, buf, len - 1, &n, &size, NULL, 0) != MB_OK)
        return -1;
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    return 0;
}

static int slurp_cpu(const char *root, int cpu, const char *rel, char *buf,
                     size_t len)
{
    char p[256];
    snprintf(p, sizeof p, CPU_DIR "/cpu%d/%s", cpu, rel);
    return slurp(root, p, buf, len);
}

/* Parses a kernel CPU list ("0-3,8,10-11") into out; returns the count,
 * or -1 when malformed. */
static int parse_list(const char *s, int *out, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || a < 0)
            return -1;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            if (end == s + 1 || b < a)
                return -1;
            s = end;
        }
        for (long c = a; c <= b && n < max; c++)
            out[n++] = (int)c;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return n;
}

static int list_has(const int *l, int n, int cpu)
{
    for (int i = 0; i < n; i++)
        if (l[i] == cpu)
            return 1;
    return 0;
}

/* The CPUs the tree knows (cpuN directories), sorted; returns the count. */
static int list_cpus(const char *root, int *out, int max)
{
    char path[4096];
    size_t rl = strlen(root);
    while (rl && root[rl - 1] == '/')
        rl--;
    snprintf(path, sizeof path, "%.*s" CPU_DIR, (int)rl, root);
    DIR *d = opendir(path);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        char *end;
        if (strncmp(e->d_name, "cpu", 3) != 0 || !e->d_name[3])
            continue;
        long c = strtol(e->d_name + 3, &end, 10);
        if (*end == '\0' && c >= 0)
            out[n++] = (int)c;
    }
    closedir(d);
    for (int i = 1; i < n; i++) /* insertion sort: a few hundred at most */
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static void check_governor(mb_run *run, const char *root, const int *cpus,
                           int ncpu, int pinned)
{
    char gov[64], first[64] = "", mine[64] = "", odd[64] = "";
    int seen = 0, mixed = 0, odd_cpu = -1;
    for (int i = 0; i < ncpu; i++) {
        if (slurp_cpu(root, cpus[i], "cpufreq/scaling_governor", gov,
                      sizeof gov) != 0 ||
            !gov[0])
            continue;
        if (!seen++)
            snprintf(first, sizeof first, "%s", gov);
        else if (strcmp(first, gov) != 0)
            mixed = 1;
        if (cpus[i] == pinned)
            snprintf(mine, sizeof mine, "%s", gov);
        if (strcmp(gov, "performance") != 0 && odd_cpu < 0) {
            snprintf(odd, sizeof odd, "%s", gov);
            odd_cpu = cpus[i];
        }
    }
    /* Google Benchmark's meaning: some CPU may change its frequency. */
    run_ctx_bool(run, "cpu_scaling_enabled", odd_cpu >= 0);
    if (!seen)
        return;
    const char *g = mine[0] ? mine : mixed ? "mixed" : first;
    run_ctx_str(run, "governor", g);
    int cpu = mine[0] ? pinned : odd_cpu;
    if (mine[0] ? strcmp(mine, "performance") != 0 : odd_cpu >= 0)
        run_warn(run,
                 "CPU frequency governor is '%s' on CPU %d: the clock follows "
                 "the load; set 'performance' (sudo cpupower frequency-set -g "
                 "performance)",
                 mine[0] ? mine : odd, cpu);
}

static void check_boost(mb_run *run, const char *root)
{
    char v[32];
    const char *fix = NULL;
    int boost = -1;
    if (slurp(root, CPU_DIR "/intel_pstate/no_turbo", v, sizeof v) == 0) {
        boost = strcmp(v, "0") == 0;
        fix = "echo 1 | sudo tee " CPU_DIR "/intel_pstate/no_turbo";
    } else if (slurp(root, CPU_DIR "/cpufreq/boost", v, sizeof v) == 0) {
        boost = strcmp(v, "1") == 0;
        fix = "echo 0 | sudo tee " CPU_DIR "/cpufreq/boost";
    }
    if (boost < 0)
        return;
    run_ctx_bool(run, "boost", boost);
    if (boost)
        run_warn(run,
                 "turbo boost is on: the clock varies with temperature and "
                 "load; turn it off (%s)",
                 fix);
}

static void check_smt(mb_run *run, const char *root, const int *cpus, int ncpu,
                      int pinned)
{
    static int sib[LIST_MAX];
    char buf[512];
    int smt = -1;
    for (int i = 0; i < ncpu; i++) {
        if (slurp_cpu(root, cpus[i], "topology/thread_siblings_list", buf,
                      sizeof buf) != 0)
            continue;
        int n = parse_list(buf, sib, LIST_MAX);
        if (n < 0)
            continue;
        if (smt < 0)
            smt = 0;
        if (n > 1)
            smt = 1;
        if (cpus[i] != pinned)
            continue;
        char others[512] = "";
        size_t at = 0;
        for (int j = 0; j < n && at < sizeof others; j++)
            if (sib[j] != pinned)
                at += (size_t)snprintf(others + at, sizeof others - at, "%s%d",
                                       at ? "," : "", sib[j]);
        run_ctx_str(run, "smt_siblings", others);
        if (others[0])
            run_warn(run,
                     "CPU %d shares its core with CPU %s (SMT): keep %s idle "
                     "or turn SMT off (echo off | sudo tee " CPU_DIR
                     "/smt/control)",
                     pinned, others, strchr(others, ',') ? "them" : "it");
    }
    if (smt < 0)
        return;
    run_ctx_bool(run, "smt", smt);
    if (smt && pinned < 0)
        run_warn(run, "SMT is on and the run is not pinned: a sibling thread "
                      "may share the core; pin with --cpu=N");
}

static void check_isolation(mb_run *run, const char *root, int pinned)
{
    static int iso[LIST_MAX];
    char buf[512];
    if (slurp(root, CPU_DIR "/nohz_full", buf, sizeof buf) == 0)
        run_ctx_str(run, "nohz_full", strcmp(buf, "(null)") ? buf : "");
    if (slurp(root, CPU_DIR "/isolated", buf, sizeof buf) != 0)
        return;
    run_ctx_str(run, "isolated_cpus", buf);
    int n = parse_list(buf, iso, LIST_MAX);
    if (n <= 0)
        return;
    if (pinned < 0)
        run_warn(run,
                 "CPUs %s are isolated but the run is not pinned: use "
                 "--cpu=%d",
                 buf, iso[0]);
    else if (!list_has(iso, n, pinned))
        run_warn(run,
                 "CPU %d is not isolated although CPUs %s are: use --cpu=%d",
                 pinned, buf, iso[0]);
}

static void check_load(mb_run *run, const char *root, int ncpu)
{
    char buf[128];
    double load;
    if (slurp(root, "/proc/loadavg", buf, sizeof buf) != 0 ||
        sscanf(buf, "%lf", &load) != 1)
        return;
    run_ctx_num(run, "load_avg", load);
    /* Half the CPUs busy on average: the pinned one is likely shared. */
    if (load >= 1.0 && load > 0.5 * ncpu)
        run_warn(run,
                 "load average is %.2f on %d CPU%s: other work competes for "
                 "the CPU; run on an idle machine",
                 load, ncpu, ncpu == 1 ? "" : "s");
}

/* Does /proc/cpuinfo's flags line carry "hypervisor"? -1: unreadable. */
static int cpuinfo_flag(const char *root)
{
    char path[4096];
    size_t rl = strlen(root);
    while (rl && root[rl - 1] == '/')
        rl--;
    snprintf(path, sizeof path, "%.*s/proc/cpuinfo", (int)rl, root);
    char *text;
    if (file_read(path, 0, (size_t)1 << 24, &text, NULL, NULL, 0) != MB_OK)
        return -1;
    int found = 0;
    for (char *line = text; line && !found;) {
        char *end = strchr(line, '\n');
        if (end)
            *end++ = '\0';
        char *colon = strchr(line, ':');
        if (strncmp(line, "flags", 5) == 0 && colon) {
            for (char *t = strtok(colon + 1, " \t"); t && !found;
                 t = strtok(NULL, " \t"))
                found = strcmp(t, "hypervisor") == 0;
            break; /* every CPU has the same flags */
        }
        line = end;
    }
    free(text);
    return found;
}

static void check_hypervisor(mb_run *run, const char *root)
{
    char type[64] = "";
    int flag = cpuinfo_flag(root);
    int sysfs =
        slurp(root, "/sys/hypervisor/type", type, sizeof type) == 0 && type[0];
    const ctx_entry *cpuid = run_ctx_get(run, "cpu_hypervisor");
    int by_cpuid = cpuid && cpuid->type == CTX_BOOL && cpuid->num != 0;
    const char *vendor = run_ctx_gets(run, "cpu_hypervisor_vendor");
    if (!sysfs && flag < 0 && !cpuid)
        return; /* nothing to go by */
    if (!sysfs && flag <= 0 && !by_cpuid) {
        run_ctx_str(run, "hypervisor", "none");
        return;
    }
    const char *name = vendor && vendor[0] ? vendor : sysfs ? type : "unknown";
    run_ctx_str(run, "hypervisor", name);
    run_warn(run,
             "hypervisor detected (%s): timings vary more than on bare metal; "
             "prefer --measure=instructions or `microbe ab` for CI gating",
             name);
}

static void check_kernel(mb_run *run, const char *root)
{
    char buf[32];
    char *end;
    if (slurp(root, "/proc/sys/kernel/randomize_va_space", buf, sizeof buf) ==
        0) {
        long v = strtol(buf, &end, 10);
        if (end != buf)
            run_ctx_num(run, "aslr", (double)v);
    }
    if (slurp(root, "/proc/sys/kernel/perf_event_paranoid", buf, sizeof buf) ==
        0) {
        long v = strtol(buf, &end, 10);
        if (end == buf)
            return;
        run_ctx_num(run, "perf_event_paranoid", (double)v);
        /* Above 2 (Debian's 3) nothing may be counted without privileges. */
        if (v > 2)
            run_warn(run,
                     "perf_event_paranoid is %ld: hardware counters are off "
                     "for unprivileged users; allow them with sudo sysctl "
                     "kernel.perf_event_paranoid=2",
                     v);
    }
}

void env_probe(struct mb_run *run, const char *root, int pinned_cpu)
{
    static int cpus[LIST_MAX], online[LIST_MAX];
    char buf[512];
    if (!run)
        return;
    if (!root || !root[0])
        root = "/";
    int ncpu = list_cpus(root, cpus, LIST_MAX);
    int nonline = -1;
    if (slurp(root, CPU_DIR "/online", buf, sizeof buf) == 0)
        nonline = parse_list(buf, online, LIST_MAX);
    if (nonline <= 0)
        nonline = ncpu;
    if (nonline <= 0 && strcmp(root, "/") == 0)
        nonline = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nonline <= 0)
        nonline = 1;

    check_governor(run, root, cpus, ncpu, pinned_cpu);
    check_boost(run, root);
    check_smt(run, root, cpus, ncpu, pinned_cpu);
    check_isolation(run, root, pinned_cpu);
    check_kernel(run, root);
    check_load(run, root, nonline);
    check_hypervisor(run, root);
}
