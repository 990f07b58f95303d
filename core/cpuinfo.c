/* CPU identity through libcpuid: the one file that includes <libcpuid.h>.
 * libcpuid's answers are claims: counts and caches are checked against what
 * the OS sees (sysconf, sysfs), and what disagrees is listed in
 * "cpu_untrusted" and replaced or left out. */
#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "run.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <libcpuid.h>
#define HAVE_X86 1
#endif

#define CPU_DIR  "/sys/devices/system/cpu"
#define MAX_CPUS 4096

/* Adds name to the comma-separated list in buf. */
static void note(char *buf, size_t len, const char *name)
{
    size_t at = strlen(buf);
    snprintf(buf + at, len - at, "%s%s", at ? "," : "", name);
}

/* The first len - 1 bytes of a small file (/sys), NUL-terminated. */
static int read_small(const char *path, char *buf, size_t len)
{
    size_t n;
    long long size;
    if (file_read_head(path, 0, buf, len - 1, &n, &size, NULL, 0) != MB_OK)
        return -1;
    buf[n] = '\0';
    return 0;
}

static int read_long(const char *path, long *v)
{
    char buf[64], *end;
    if (read_small(path, buf, sizeof buf) != 0)
        return -1;
    *v = strtol(buf, &end, 10);
    return end == buf ? -1 : 0;
}

/* Cores as the OS sees them: distinct (package, core) pairs, and in
 * *npkg the packages; 0 unknown. */
static int sysfs_cores(int nlogical, int *npkg)
{
    static long pkgs[MAX_CPUS];
    static long seen[MAX_CPUS][2];
    int n = 0;
    *npkg = 0;
    for (int cpu = 0; cpu < nlogical && cpu < MAX_CPUS; cpu++) {
        char p[256];
        long pkg, core;
        snprintf(p, sizeof p, CPU_DIR "/cpu%d/topology/physical_package_id",
                 cpu);
        if (read_long(p, &pkg) != 0)
            continue;
        snprintf(p, sizeof p, CPU_DIR "/cpu%d/topology/core_id", cpu);
        if (read_long(p, &core) != 0)
            continue;
        int dup = 0;
        for (int i = 0; i < *npkg && !dup; i++)
            dup = pkgs[i] == pkg;
        if (!dup)
            pkgs[(*npkg)++] = pkg;
        dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = seen[i][0] == pkg && seen[i][1] == core;
        if (!dup) {
            seen[n][0] = pkg;
            seen[n][1] = core;
            n++;
        }
    }
    return n;
}

/* Size in KiB of cpu0's cache at level with type ("Data", "Instruction",
 * "Unified"); -1 unknown. */
static long sysfs_cache_kb(int level, const char *type)
{
    for (int i = 0; i < 16; i++) {
        char p[256], buf[64];
        long lv;
        snprintf(p, sizeof p, CPU_DIR "/cpu0/cache/index%d/level", i);
        if (read_long(p, &lv) != 0)
            return -1;
        if (lv != level)
            continue;
        snprintf(p, sizeof p, CPU_DIR "/cpu0/cache/index%d/type", i);
        if (read_small(p, buf, sizeof buf) != 0 ||
            strncmp(buf, type, strlen(type)) != 0)
            continue;
        snprintf(p, sizeof p, CPU_DIR "/cpu0/cache/index%d/size", i);
        long kb;
        if (read_long(p, &kb) == 0) /* "48K": the unit is always K */
            return kb;
    }
    return -1;
}

#ifdef HAVE_X86
/* The hypervisor's own name from CPUID leaf 0x40000000, or "". */
static void hv_vendor(char *out, size_t len)
{
    static const struct {
        const char *sig, *name;
    } known[] = {
        {"KVMKVMKVM", "KVM"},          {"Microsoft Hv", "Hyper-V"},
        {"VMwareVMware", "VMware"},    {"XenVMMXenVMM", "Xen"},
        {"TCGTCGTCGTCG", "QEMU"},      {"VBoxVBoxVBox", "VirtualBox"},
        {"ACRNACRNACRN", "ACRN"},      {"bhyve bhyve ", "bhyve"},
        {" lrpepyh  vr", "Parallels"},
    };
    unsigned a, b, c, d;
    char sig[13];
    out[0] = '\0';
    __cpuid(0x40000000, a, b, c, d);
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = '\0';
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(sig, known[i].sig) == 0) {
            snprintf(out, len, "%s", known[i].name);
            return;
        }
    for (int i = 0; i < 12; i++) /* an unknown one: its printable name */
        if (sig[i] < 0x20 || sig[i] > 0x7e)
            sig[i] = '\0';
    snprintf(out, len, "%s", sig);
}

/* Is this CPU newer than libcpuid 0.6.2's database? Then its codename is a
 * guess from an older part with a similar model number (0.6.2 names Intel
 * family 6 up to model 0xBF and AMD up to family 19h). */
static int newer_than_db(const struct cpu_id_t *id)
{
    if (id->vendor == VENDOR_INTEL)
        return id->ext_family != 6 || id->ext_model > 0xBF;
    if (id->vendor == VENDOR_AMD || id->vendor == VENDOR_HYGON)
        return id->ext_family > 0x19;
    return 1;
}

static void trim_into(char *dst, size_t len, const char *src)
{
    while (*src == ' ')
        src++;
    size_t n = strlen(src);
    while (n && (src[n - 1] == ' ' || src[n - 1] == '\n'))
        n--;
    snprintf(dst, len, "%.*s", (int)n, src);
}

static void cache(mb_run *run, const char *key, const char *what, long claim,
                  long os, char *untrusted, size_t ulen)
{
    if (os > 0) {
        if (claim != os)
            note(untrusted, ulen, what);
        run_ctx_num(run, key, (double)os);
    } else if (claim > 0) {
        run_ctx_num(run, key, (double)claim);
    }
}
#endif

void cpuinfo_probe(struct mb_run *run)
{
    char untrusted[256] = "";
    if (!run)
        return;
    long logical = sysconf(_SC_NPROCESSORS_CONF);
    if (logical > 0)
        run_ctx_num(run, "cpu_logical", (double)logical);
    int npkg = 0;
    int cores = sysfs_cores(logical > 0 ? (int)logical : 0, &npkg);

#ifdef HAVE_X86
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int hv = (c >> 31) & 1; /* CPUID.1:ECX.31, set by hypervisors */
        run_ctx_bool(run, "cpu_hypervisor", hv);
        if (hv) {
            char name[16];
            hv_vendor(name, sizeof name);
            if (name[0])
                run_ctx_str(run, "cpu_hypervisor_vendor", name);
        }
    }
    /* Flags that matter for timing, straight from CPUID: libcpuid 0.6.2
     * misses some on newer CPUs. */
    char flags[128] = "";
    int rdtscp = 0, avx512f = 0;
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (d >> 27 & 1)) {
        note(flags, sizeof flags, "rdtscp");
        rdtscp = 1;
    }
    if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d >> 8 & 1))
        note(flags, sizeof flags, "invariant_tsc");
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if (b >> 5 & 1)
            note(flags, sizeof flags, "avx2");
        if (b >> 16 & 1) {
            note(flags, sizeof flags, "avx512f");
            avx512f = 1;
        }
    }
    run_ctx_str(run, "cpu_flags", flags);

    struct cpu_raw_data_t raw;
    struct cpu_id_t id;
    if (!cpuid_present() || cpuid_get_raw_data(&raw) < 0 ||
        cpu_identify(&raw, &id) < 0) {
        run_warn(run, "CPU identification failed (libcpuid: %s)",
                 cpuid_error());
    } else {
        char s[128];
        trim_into(s, sizeof s, id.vendor_str);
        run_ctx_str(run, "cpu_vendor", s);
        trim_into(s, sizeof s, id.brand_str);
        run_ctx_str(run, "cpu_brand", s);
        if (newer_than_db(&id))
            note(untrusted, sizeof untrusted, "codename");
        else
            run_ctx_str(run, "cpu_codename", id.cpu_codename);
        run_ctx_num(run, "cpu_family", id.ext_family);
        run_ctx_num(run, "cpu_model", id.ext_model);
        run_ctx_num(run, "cpu_stepping", id.stepping);
        /* Per-package claims; the OS's view decides. */
        if (cores > 0 && npkg > 0 && id.num_cores != cores / npkg)
            note(untrusted, sizeof untrusted, "cores");
        if (logical > 0 && (id.num_logical_cpus > logical ||
                            id.num_logical_cpus < id.num_cores))
            note(untrusted, sizeof untrusted, "logical_cpus");
        if ((id.flags[CPU_FEATURE_RDTSCP] != 0) != rdtscp)
            note(untrusted, sizeof untrusted, "rdtscp");
        if ((id.flags[CPU_FEATURE_AVX512F] != 0) != avx512f)
            note(untrusted, sizeof untrusted, "avx512f");
        cache(run, "cpu_l1d_kb", "l1d_cache", id.l1_data_cache,
              sysfs_cache_kb(1, "Data"), untrusted, sizeof untrusted);
        cache(run, "cpu_l1i_kb", "l1i_cache", id.l1_instruction_cache,
              sysfs_cache_kb(1, "Instruction"), untrusted, sizeof untrusted);
        cache(run, "cpu_l2_kb", "l2_cache", id.l2_cache,
              sysfs_cache_kb(2, "Unified"), untrusted, sizeof untrusted);
        cache(run, "cpu_l3_kb", "l3_cache", id.l3_cache,
              sysfs_cache_kb(3, "Unified"), untrusted, sizeof untrusted);
        if (cores <= 0 && !strstr(untrusted, "cores") && id.num_cores > 0 &&
            id.num_cores <= logical)
            cores = id.num_cores;
    }
#else
    long l1 = sysfs_cache_kb(1, "Data"), l2 = sysfs_cache_kb(2, "Unified"),
         l3 = sysfs_cache_kb(3, "Unified");
    if (l1 > 0)
        run_ctx_num(run, "cpu_l1d_kb", (double)l1);
    if (l2 > 0)
        run_ctx_num(run, "cpu_l2_kb", (double)l2);
    if (l3 > 0)
        run_ctx_num(run, "cpu_l3_kb", (double)l3);
#endif
    if (cores > 0)
        run_ctx_num(run, "cpu_cores", cores);
    run_ctx_str(run, "cpu_untrusted", untrusted);
}
