/* What the machine is and how trustworthy it is for timing: CPU identity
 * (libcpuid, core/cpuinfo.c) and the environment check (core/env.c). Both
 * write context entries and warnings into a run. */
#ifndef MB_ENV_H
#define MB_ENV_H

struct mb_run;

/* CPU identity: vendor, brand (trimmed), codename, family/model/stepping,
 * cores and logical CPUs (cross-checked with sysconf; untrusted fields
 * marked), cache sizes. Context keys start with "cpu_". */
void cpuinfo_probe(struct mb_run *run);

/* Environment check under root ("/" normally; a fake tree in tests):
 * governor, boost/turbo, SMT siblings of pinned_cpu (-1: not pinned),
 * isolated and nohz_full CPUs, ASLR, load average, hypervisor,
 * perf_event_paranoid. Problems become warnings saying what to do.
 * Call it after cpuinfo_probe: it names the hypervisor from the
 * "cpu_hypervisor"/"cpu_hypervisor_vendor" entries (CPUID) when present.
 * Keys: governor, cpu_scaling_enabled, boost, smt, smt_siblings,
 * isolated_cpus, nohz_full, aslr, perf_event_paranoid, load_avg,
 * hypervisor ("none" when none); a fact that cannot be read is absent. */
void env_probe(struct mb_run *run, const char *root, int pinned_cpu);

#endif
