/* Environment check against fake /sys and /proc trees built under mkdtemp,
 * and CPU identity on this machine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "run.h"

static char root[64];

/* Writes root/rel (creating directories) with content. */
static void put(const char *rel, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
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
    snprintf(root, sizeof root, "/tmp/mb_env_XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A quiet two-CPU machine: nothing to warn about. */
static void quiet_machine(void)
{
    put("sys/devices/system/cpu/online", "0-1\n");
    for (int c = 0; c < 2; c++) {
        char p[128], v[16];
        snprintf(p, sizeof p,
                 "sys/devices/system/cpu/cpu%d/cpufreq/"
                 "scaling_governor",
                 c);
        put(p, "performance\n");
        snprintf(p, sizeof p,
                 "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
                 c);
        snprintf(v, sizeof v, "%d\n", c);
        put(p, v);
    }
    put("sys/devices/system/cpu/cpufreq/boost", "0\n");
    put("sys/devices/system/cpu/isolated", "\n");
    put("sys/devices/system/cpu/nohz_full", "(null)\n");
    put("proc/sys/kernel/randomize_va_space", "2\n");
    put("proc/sys/kernel/perf_event_paranoid", "2\n");
    put("proc/loadavg", "0.10 0.20 0.30 1/84 6059\n");
    put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme sse2 avx2\n\n"
                        "processor\t: 1\nflags\t\t: fpu vme sse2 avx2\n");
}

static double num(const mb_run *run, const char *key)
{
    const ctx_entry *e = run_ctx_get(run, key);
    assert_non_null(e);
    assert_true(e->type == CTX_NUM || e->type == CTX_BOOL);
    return e->num;
}

static const char *str(const mb_run *run, const char *key)
{
    const char *s = run_ctx_gets(run, key);
    assert_non_null(s);
    return s;
}

/* The one warning that contains text; fails when none or several do. */
static const char *warning(const mb_run *run, const char *text)
{
    const char *w = NULL;
    for (size_t i = 0; i < run->nwarnings; i++)
        if (strstr(run->warnings[i], text)) {
            assert_null(w);
            w = run->warnings[i];
        }
    assert_non_null(w);
    return w;
}

static void quiet_machine_has_no_warnings(void **state)
{
    (void)state;
    quiet_machine();
    mb_run *run = run_create();
    env_probe(run, root, 1);
    for (size_t i = 0; i < run->nwarnings; i++)
        print_message("unexpected: %s\n", run->warnings[i]);
    assert_int_equal(run->nwarnings, 0);
    assert_string_equal(str(run, "governor"), "performance");
    assert_true(num(run, "cpu_scaling_enabled") == 0);
    assert_int_equal(run_ctx_get(run, "cpu_scaling_enabled")->type, CTX_BOOL);
    assert_true(num(run, "boost") == 0);
    assert_true(num(run, "smt") == 0);
    assert_string_equal(str(run, "smt_siblings"), "");
    assert_string_equal(str(run, "isolated_cpus"), "");
    assert_string_equal(str(run, "nohz_full"), "");
    assert_true(num(run, "aslr") == 2);
    assert_true(num(run, "load_avg") == 0.10);
    assert_true(num(run, "perf_event_paranoid") == 2);
    assert_string_equal(str(run, "hypervisor"), "none");
    run_free(run);
}

static void powersave_and_turbo(void **state)
{
    (void)state;
    quiet_machine();
    put("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
    put("sys/devices/system/cpu/intel_pstate/no_turbo", "0\n");
    mb_run *run = run_create();
    env_probe(run, root, 1);
    assert_string_equal(str(run, "governor"), "powersave");
    assert_true(num(run, "cpu_scaling_enabled") == 1);
    assert_true(num(run, "boost") == 1);
    assert_int_equal(run->nwarnings, 2);
    assert_string_equal(
        warning(run, "governor"),
        "CPU frequency governor is 'powersave' on CPU 1: the clock follows "
        "the load; set 'performance' (sudo cpupower frequency-set -g "
        "performance)");
    assert_string_equal(
        warning(run, "turbo"),
        "turbo boost is on: the clock varies with temperature and load; turn "
        "it off (echo 1 | sudo tee "
        "/sys/devices/system/cpu/intel_pstate/no_turbo)");
    run_free(run);

    /* Pinned to the CPU that runs at full speed: only mixed, no warning
     * about the pinned one, but GB's flag still says scaling exists. */
    run = run_create();
    env_probe(run, root, 0);
    assert_string_equal(str(run, "governor"), "performance");
    assert_true(num(run, "cpu_scaling_enabled") == 1);
    assert_int_equal(run->nwarnings, 1);
    warning(run, "turbo");
    run_free(run);

    /* Not pinned: the two CPUs differ. */
    run = run_create();
    env_probe(run, root, -1);
    assert_string_equal(str(run, "governor"), "mixed");
    warning(run, "'powersave' on CPU 1");
    run_free(run);
}

static void amd_boost_on(void **state)
{
    (void)state;
    quiet_machine();
    put("sys/devices/system/cpu/cpufreq/boost", "1\n");
    mb_run *run = run_create();
    env_probe(run, root, 0);
    assert_true(num(run, "boost") == 1);
    assert_int_equal(run->nwarnings, 1);
    assert_non_null(strstr(warning(run, "turbo"),
                           "echo 0 | sudo tee "
                           "/sys/devices/system/cpu/cpufreq/boost"));
    run_free(run);
}

static void smt_siblings(void **state)
{
    (void)state;
    quiet_machine();
    put("sys/devices/system/cpu/online", "0-3\n");
    const char *sib[] = {"0,2\n", "1,3\n", "0,2\n", "1,3\n"};
    for (int c = 0; c < 4; c++) {
        char p[128];
        snprintf(p, sizeof p,
                 "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
                 c);
        put(p, sib[c]);
    }
    mb_run *run = run_create();
    env_probe(run, root, 1);
    assert_true(num(run, "smt") == 1);
    assert_string_equal(str(run, "smt_siblings"), "3");
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(warning(run, "SMT"),
                        "CPU 1 shares its core with CPU 3 (SMT): keep it idle "
                        "or turn SMT off (echo off | sudo tee "
                        "/sys/devices/system/cpu/smt/control)");
    run_free(run);

    run = run_create();
    env_probe(run, root, -1);
    assert_null(run_ctx_get(run, "smt_siblings"));
    assert_int_equal(run->nwarnings, 1);
    warning(run, "SMT is on and the run is not pinned");
    run_free(run);
}

static void isolated_cpus(void **state)
{
    (void)state;
    quiet_machine();
    put("sys/devices/system/cpu/isolated", "2-3\n");
    put("sys/devices/system/cpu/nohz_full", "2-3\n");
    mb_run *run = run_create();
    env_probe(run, root, 1);
    assert_string_equal(str(run, "isolated_cpus"), "2-3");
    assert_string_equal(str(run, "nohz_full"), "2-3");
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(
        run->warnings[0],
        "CPU 1 is not isolated although CPUs 2-3 are: use --cpu=2");
    run_free(run);

    run = run_create();
    env_probe(run, root, 3);
    assert_int_equal(run->nwarnings, 0);
    run_free(run);

    run = run_create();
    env_probe(run, root, -1);
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(
        run->warnings[0],
        "CPUs 2-3 are isolated but the run is not pinned: use --cpu=2");
    run_free(run);
}

static void aslr_and_paranoid(void **state)
{
    (void)state;
    quiet_machine();
    put("proc/sys/kernel/randomize_va_space", "0\n");
    put("proc/sys/kernel/perf_event_paranoid", "3\n");
    mb_run *run = run_create();
    env_probe(run, root, 0);
    assert_true(num(run, "aslr") == 0);
    assert_true(num(run, "perf_event_paranoid") == 3);
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(
        run->warnings[0],
        "perf_event_paranoid is 3: hardware counters are off for "
        "unprivileged users; allow them with sudo sysctl "
        "kernel.perf_event_paranoid=2");
    run_free(run);
}

static void busy_machine(void **state)
{
    (void)state;
    quiet_machine();
    put("proc/loadavg", "3.50 2.00 1.00 5/120 999\n");
    mb_run *run = run_create();
    env_probe(run, root, 0);
    assert_true(num(run, "load_avg") == 3.5);
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "load average is 3.50 on 2 CPUs: other work competes "
                        "for the CPU; run on an idle machine");
    run_free(run);

    /* One busy CPU of 16 is not a problem. */
    put("sys/devices/system/cpu/online", "0-15\n");
    put("proc/loadavg", "1.20 1.00 1.00 2/120 999\n");
    run = run_create();
    env_probe(run, root, 0);
    assert_int_equal(run->nwarnings, 0);
    run_free(run);
}

static void hypervisor(void **state)
{
    (void)state;
    quiet_machine();
    put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor avx2\n");
    mb_run *run = run_create();
    run_ctx_bool(run, "cpu_hypervisor", true); /* as cpuinfo_probe says */
    run_ctx_str(run, "cpu_hypervisor_vendor", "KVM");
    env_probe(run, root, 0);
    assert_string_equal(str(run, "hypervisor"), "KVM");
    assert_int_equal(run->nwarnings, 1);
    assert_string_equal(run->warnings[0],
                        "hypervisor detected (KVM): timings vary more than "
                        "on bare metal; prefer --measure=instructions or "
                        "`microbe ab` for CI gating");
    run_free(run);

    /* Xen names itself in sysfs; the flag alone suffices too. */
    put("sys/hypervisor/type", "xen\n");
    run = run_create();
    env_probe(run, root, 0);
    assert_string_equal(str(run, "hypervisor"), "xen");
    warning(run, "hypervisor detected (xen)");
    run_free(run);
}

static void empty_tree_says_nothing(void **state)
{
    (void)state;
    mb_run *run = run_create();
    env_probe(run, root, 0);
    assert_int_equal(run->nwarnings, 0);
    assert_null(run_ctx_get(run, "governor"));
    assert_null(run_ctx_get(run, "boost"));
    assert_null(run_ctx_get(run, "hypervisor"));
    assert_true(num(run, "cpu_scaling_enabled") == 0);
    env_probe(NULL, root, 0); /* NULL run: nothing happens */
    run_free(run);
}

static void real_machine(void **state)
{
    (void)state;
    mb_run *run = run_create();
    cpuinfo_probe(run);
    env_probe(run, "/", 0);
    assert_true(num(run, "load_avg") >= 0);
    assert_true(num(run, "aslr") >= 0);
    assert_non_null(run_ctx_get(run, "hypervisor"));
    /* Said once each, whatever the machine. */
    for (size_t i = 0; i < run->nwarnings; i++)
        for (size_t j = i + 1; j < run->nwarnings; j++)
            assert_string_not_equal(run->warnings[i], run->warnings[j]);
    run_free(run);
}

static void trimmed(const char *s)
{
    assert_true(s[0] != '\0');
    assert_true(s[0] != ' ' && s[strlen(s) - 1] != ' ');
}

static void cpu_identity(void **state)
{
    (void)state;
    mb_run *run = run_create();
    cpuinfo_probe(run);
    trimmed(str(run, "cpu_vendor"));
    trimmed(str(run, "cpu_brand"));
    assert_true(num(run, "cpu_logical") ==
                (double)sysconf(_SC_NPROCESSORS_CONF));
    double cores = num(run, "cpu_cores");
    assert_true(cores >= 1 && cores <= num(run, "cpu_logical"));
    const char *untrusted = str(run, "cpu_untrusted");
    if (strstr(untrusted, "codename"))
        assert_null(run_ctx_get(run, "cpu_codename"));
    else
        assert_non_null(run_ctx_get(run, "cpu_codename"));
    assert_true(num(run, "cpu_l1d_kb") > 0);
    assert_true(num(run, "cpu_family") > 0);
    assert_int_equal(run_ctx_get(run, "cpu_hypervisor")->type, CTX_BOOL);
    assert_non_null(run_ctx_gets(run, "cpu_flags"));
    assert_int_equal(run->nwarnings, 0);
    run_free(run);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(quiet_machine_has_no_warnings),
        T(powersave_and_turbo),
        T(amd_boost_on),
        T(smt_siblings),
        T(isolated_cpus),
        T(aslr_and_paranoid),
        T(busy_machine),
        T(hypervisor),
        T(empty_tree_says_nothing),
        cmocka_unit_test(real_machine),
        cmocka_unit_test(cpu_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
