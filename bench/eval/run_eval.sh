#!/bin/bash
# The verdict-quality evaluation (SPEC §8): over TRIALS trials, how often
# each method raises a false alarm comparing a build with itself (A/A), and
# how often it catches a 5%, 10% and 25% slowdown of one benchmark, with the
# wall time each method takes per comparison. Writes docs/eval.md (after
# every trial, so an interrupted run still leaves its numbers).
#
#   bench/eval/run_eval.sh [BUILD_DIR]      (default: build)
#
# Environment: TRIALS (20), TARGET (the benchmark slowed: hash/1024),
# SLOWDOWNS ("5 10 25"), OUT (docs/eval.md), EVAL_BENCH, EVAL_GB, MICROBE
# (the programs; default under BUILD_DIR), KEEP=1 keeps the work directory,
# RESULTS=FILE saves the raw per-trial table (TSV), REPORT_ONLY=FILE
# writes OUT from such a saved table without measuring (LOAD_START then
# gives the load average it began with), METHODS (default
# "baseline ab gb": which to run), AB_FLAGS (more flags for microbe ab,
# e.g. --rounds=20).
#
# Methods, each comparing an "old" and a "new" build of the same ten
# benchmarks (bench/eval/eval_bench.c; new = old with EVAL_SLOWDOWN):
#  (a) microbe baseline then compare: one process saves a baseline, a later
#      process measures again with --baseline --fail-on-regression (default
#      settings: 0.1 s per benchmark, threshold 3%, alpha 0.05, Holm).
#  (b) microbe ab OLD NEW --fail-on-regression (default settings).
#  (c) Google Benchmark (eval_gb.cc, same code): each side one process with
#      --benchmark_repetitions=10 --benchmark_min_time=0.01 (0.1 s per
#      benchmark, as microbe), pinned with taskset to the CPU microbe uses;
#      then per benchmark scipy.stats.mannwhitneyu(new, old,
#      alternative='two-sided') on the repetitions' real_time, flagged
#      "slower" when p < 0.05 and the new median is higher: what GB's
#      tools/compare.py U test reports, with no correction for the number of
#      benchmarks and no threshold.
# A trial counts as an alarm (A/A) or a detection (slowdown) when the
# method flags the target benchmark slower; "others" counts trials where a
# benchmark that was not slowed was flagged slower.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
TRIALS=${TRIALS:-20}
TARGET=${TARGET:-hash/1024}
SLOWDOWNS=${SLOWDOWNS:-5 10 25}
OUT=${OUT:-$ROOT/docs/eval.md}
MB=${EVAL_BENCH:-$BUILD/bench/eval/eval_bench}
GB=${EVAL_GB:-$BUILD/bench/eval/eval_gb}
TOOL=${MICROBE:-$BUILD/tools/microbe}
PY=/usr/bin/python3
METHODS=${METHODS:-baseline ab gb}
AB_FLAGS=${AB_FLAGS:-}
LOAD_START=${LOAD_START:-$(cut -d' ' -f1-3 /proc/loadavg)}

die() { echo "run_eval.sh: $*" >&2; exit 2; }
[ -x "$MB" ] || die "no microbe suite at $MB (build first: ninja -C $BUILD, or set EVAL_BENCH)"
[ -x "$TOOL" ] || die "no microbe tool at $TOOL (set MICROBE)"
HAVE_GB=1
[ -x "$GB" ] || { HAVE_GB=0; echo "run_eval.sh: no $GB: Google Benchmark method skipped" >&2; }
$PY -c 'import scipy.stats' 2>/dev/null || { HAVE_GB=0; echo "run_eval.sh: no scipy for $PY: Google Benchmark method skipped" >&2; }
"$MB" --list | grep -qx "$TARGET" || die "no benchmark '$TARGET' in $MB"

W=$(mktemp -d "${TMPDIR:-/tmp}/microbe-eval.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
CPU=$($PY -c 'import os; print(max(os.sched_getaffinity(0)))')
RES=$W/results.tsv
: >"$RES"
now() { date +%s.%N; }

# Wrappers give each side of `microbe ab` its own environment.
wrapper() { # NAME SLOWDOWN_SPEC
    printf '#!/bin/sh\nEVAL_SLOWDOWN="%s" exec "%s" "$@"\n' "$2" "$MB" >"$W/$1"
    chmod +x "$W/$1"
}

# Names flagged slower in a "regression:" line (microbe, tool or program).
flagged() { # STDERR_FILE
    grep -h 'regression:' "$1" | sed 's/^[^:]*: regression: [^:]*://' |
        grep -o '[^ ]* (+[0-9.]*%)' | sed 's/ (.*//'
}

record() { # METHOD SCENARIO TRIAL RC FLAGGED_FILE WALL
    local hit=0 others=0 status=ok
    if [ "$4" = 2 ]; then status=error; fi
    if grep -qx "$TARGET" "$5"; then hit=1; fi
    others=$(grep -vxc "$TARGET" "$5")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$hit" "$others" "$6" "$status" >>"$RES"
}

spec_of() { [ "$1" = aa ] && echo "" || echo "$TARGET:$1"; }

# A microbe method's trial: what $W/err flagged, an error line if it
# failed, the wall time since T0.
record_microbe() { # METHOD SCENARIO TRIAL RC T0
    local t1; t1=$(now)
    flagged "$W/err" >"$W/flag"
    [ "$4" = 2 ] && { echo "$1 trial $3 $2:"; tail -1 "$W/err"; } >>"$W/errors.log"
    record "$1" "$2" "$3" "$4" "$W/flag" "$(echo "$t1 - $5" | bc)"
}

method_baseline() { # SCENARIO TRIAL
    local spec; spec=$(spec_of "$1")
    local t0; t0=$(now)
    rm -rf "$W/arch"
    "$MB" --save-baseline=base --archive="$W/arch" --format=csv --out=/dev/null 2>"$W/err1"
    EVAL_SLOWDOWN=$spec "$MB" --baseline=base --archive="$W/arch" \
        --fail-on-regression --format=csv --out=/dev/null 2>"$W/err"
    local rc=$?
    record_microbe baseline "$1" "$2" "$rc" "$t0"
}

method_ab() {
    local spec; spec=$(spec_of "$1")
    wrapper old ""
    wrapper new "$spec"
    local t0; t0=$(now)
    # shellcheck disable=SC2086
    "$TOOL" ab "$W/old" "$W/new" --fail-on-regression --format=csv $AB_FLAGS >/dev/null 2>"$W/err"
    local rc=$?
    record_microbe ab "$1" "$2" "$rc" "$t0"
}

method_gb() {
    local spec; spec=$(spec_of "$1")
    local gbflags=(--benchmark_repetitions=10 --benchmark_min_time=0.01
                   --benchmark_format=json --benchmark_out_format=json)
    local t0; t0=$(now)
    taskset -c "$CPU" "$GB" "${gbflags[@]}" --benchmark_out="$W/gb_old.json" >/dev/null 2>"$W/err" &&
    EVAL_SLOWDOWN=$spec taskset -c "$CPU" "$GB" "${gbflags[@]}" --benchmark_out="$W/gb_new.json" >/dev/null 2>>"$W/err"
    local rc=$?
    local t1; t1=$(now)
    $PY - "$W/gb_old.json" "$W/gb_new.json" >"$W/flag" 2>>"$W/err" <<'PY'
import json, statistics, sys
from scipy.stats import mannwhitneyu
def load(p):
    runs = {}
    for b in json.load(open(p))["benchmarks"]:
        if b.get("run_type") == "iteration":
            runs.setdefault(b["run_name"], []).append(b["real_time"])
    return runs
old, new = load(sys.argv[1]), load(sys.argv[2])
for name in old:
    if name in new:
        p = mannwhitneyu(new[name], old[name], alternative="two-sided").pvalue
        if p < 0.05 and statistics.median(new[name]) > statistics.median(old[name]):
            print(name)
PY
    [ "$rc" != 0 ] && rc=2
    record gb "$1" "$2" "$rc" "$W/flag" "$(echo "$t1 - $t0" | bc)"
}

# How much work the slowdown really adds, in instructions (callgrind),
# when valgrind is there: the injected percentages are nominal.
REALIZED=""
if command -v valgrind >/dev/null; then
    for s in $SLOWDOWNS; do
        a=$(timeout 300 "$MB" --measure=instructions --filter="^$TARGET\$" --format=json 2>/dev/null |
            $PY -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b["real_time"])' 2>/dev/null)
        b=$(EVAL_SLOWDOWN=$TARGET:$s timeout 300 "$MB" --measure=instructions --filter="^$TARGET\$" --format=json 2>/dev/null |
            $PY -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b["real_time"])' 2>/dev/null)
        if [ -n "$a" ] && [ -n "$b" ]; then
            REALIZED="$REALIZED $s:$($PY -c "print('%+.1f%%' % (100 * ($b / $a - 1)))")"
        fi
    done
fi

write_md() { # TRIALS_DONE
    $PY - "$RES" "$OUT" "$1" "$TRIALS" "$TARGET" "$SLOWDOWNS" "$HAVE_GB" "$REALIZED" "$LOAD_START" "$AB_FLAGS" <<'PY'
import collections, os, platform, statistics, subprocess, sys, time
res, out, done, want, target, slowdowns, have_gb, realized, load0, abflags = sys.argv[1:11]
load1 = " ".join(open("/proc/loadavg").read().split()[:3])
slowdowns = slowdowns.split()
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
by = collections.defaultdict(list)
for m, sc, tr, hit, others, wall, status in rows:
    by[(m, sc)].append((int(hit), int(others), float(wall), status))
cpu = "unknown CPU"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip()
            break
except OSError:
    pass
hyp = ""
try:
    if "hypervisor" in open("/proc/cpuinfo").read():
        hyp = ", virtual machine (hypervisor flag set)"
except OSError:
    pass
names = {"baseline": "(a) microbe baseline, then compare (2 processes)",
         "ab": "(b) microbe ab (interleaved rounds, paired)",
         "gb": "(c) Google Benchmark, 10 repetitions + Mann-Whitney U"}
realized_map = dict(x.split(":", 1) for x in realized.split())
L = []
L.append("# Verdict quality: microbe vs Google Benchmark on a noisy machine\n")
L.append("Generated by `bench/eval/run_eval.sh` on %s: %s, %d CPUs%s, %s.\n"
         % (time.strftime("%Y-%m-%d %H:%M %Z"), cpu, os.cpu_count(), hyp,
            platform.platform()))
L.append("Load average (1, 5, 15 min) at the start: %s; at the last "
         "update: %s (the machine is shared: other work ran alongside).\n"
         % (load0, load1))
L.append("**Trials completed: %s of %s** per method and scenario.%s\n"
         % (done, want, "" if done == want else
            " (The run was stopped or is still going; the numbers are from "
            "the trials that finished.)"))
L.append("Suite: ten find-duplicates benchmarks (`bench/eval/eval_bench.c`; "
         "the Google Benchmark twin `eval_gb.cc` runs the same code). "
         "Slowdown scenarios make `%s` do 5%%, 10%% or 25%% more work per "
         "iteration (`EVAL_SLOWDOWN`); A/A compares the build with itself. "
         "A cell counts the trials in which the method flagged `%s` as "
         "slower: in A/A that is a false alarm, otherwise a detection. "
         "\"A/A builds failed\" counts the A/A trials in which any "
         "benchmark was flagged slower, which is what fails a CI build "
         "with `--fail-on-regression`. "
         "\"Other flagged\" counts trials (over all scenarios) in which some "
         "benchmark that was *not* slowed was flagged slower.\n" % (target, target))
if realized_map:
    L.append("Work actually added, measured in instructions under callgrind: "
             + ", ".join("nominal %s%% -> %s" % (k, v) for k, v in realized_map.items())
             + ".\n")
methods_run = sorted({r[0] for r in rows}, key=["baseline", "ab", "gb"].index)
hdr = ["method", "A/A false alarms", "A/A builds failed"] + \
      ["%s%% caught" % s for s in slowdowns] + \
      ["other flagged", "errors", "wall time / comparison (median)"]
L.append("| " + " | ".join(hdr) + " |")
L.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
for m in methods_run:
    cells = [names[m]]
    walls, others, errors, total = [], 0, 0, 0
    for sc in ["aa"] + slowdowns:
        v = by.get((m, sc), [])
        hits = sum(x[0] for x in v)
        cells.append("%d / %d" % (hits, len(v)) if v else "-")
        if sc == "aa":  # a build fails when anything is flagged slower
            failed = sum(1 for x in v if x[0] or x[1] > 0)
            cells.append("%d / %d" % (failed, len(v)) if v else "-")
        walls += [x[2] for x in v]
        others += sum(1 for x in v if x[1] > 0)
        errors += sum(1 for x in v if x[3] != "ok")
        total += len(v)
    cells.append("%d / %d" % (others, total))
    cells.append(str(errors))
    cells.append("%.1f s" % statistics.median(walls) if walls else "-")
    L.append("| " + " | ".join(cells) + " |")
L.append("")
L.append("Targets (SPEC §8): A/A fails the build in at most 1 of 20; a 10% slowdown is "
         "caught in at least 19 of 20.\n")
L.append("## How each method was run\n")
L.append("- **(a)** `eval_bench --save-baseline=base` in one process, then "
         "`EVAL_SLOWDOWN=... eval_bench --baseline=base --fail-on-regression` "
         "in the next: defaults (0.1 s per benchmark in 5 rounds, threshold "
         "3%, alpha 0.05 with Holm over the 10 benchmarks).")
L.append("- **(b)** `microbe ab OLD NEW --fail-on-regression%s` "
         "(defaults: 24 rounds of 0.1/24 s per benchmark for a 10-benchmark "
         "suite; sides alternate in balanced random order on one CPU, "
         "paired by round on each round's 10th percentile, Wilcoxon "
         "signed-rank per benchmark, Holm; see "
         "docs/ab.md). OLD and "
         "NEW are the same program, NEW with `EVAL_SLOWDOWN` set by a "
         "two-line shell wrapper." % (" " + abflags if abflags else ""))
L.append("- **(c)** `eval_gb --benchmark_repetitions=10 "
         "--benchmark_min_time=0.01` for each side (0.1 s per benchmark), "
         "pinned with `taskset` to the CPU microbe uses; per benchmark "
         "`scipy.stats.mannwhitneyu(new, old, alternative='two-sided')` on "
         "the repetitions' `real_time`, \"slower\" when p < 0.05 and the new "
         "median is higher (what GB's `tools/compare.py` U test reports: no "
         "multiple-comparison correction, no threshold).")
L.append("- Wall time is one comparison end to end: both sides measured "
         "(and, for GB, the test).")
L.append("\nReproduce: `meson setup build && ninja -C build && "
         "TRIALS=%s bench/eval/run_eval.sh build` (about 15 s per trial and "
         "scenario for the three methods together on this machine).\n" % want)
open(out, "w").write("\n".join(L) + "\n")
PY
}

if [ -n "${REPORT_ONLY:-}" ]; then
    cp "$REPORT_ONLY" "$RES" || die "cannot read $REPORT_ONLY"
    write_md "$(cut -f3 "$RES" | sort -n | tail -1)"
    echo "run_eval.sh: wrote $OUT from $REPORT_ONLY" >&2
    exit 0
fi
echo "run_eval.sh: $TRIALS trials, target $TARGET, slowdowns $SLOWDOWNS, CPU $CPU, work dir $W" >&2
[ -n "$REALIZED" ] && echo "run_eval.sh: realized work increase:$REALIZED" >&2
for ((t = 1; t <= TRIALS; t++)); do
    # The scenario order rotates so that no scenario always meets the same
    # phase of the host.
    scen=(aa $SLOWDOWNS)
    n=${#scen[@]}
    for ((k = 0; k < n; k++)); do
        sc=${scen[$(((k + t) % n))]}
        for m in $METHODS; do
            case $m in
            baseline) method_baseline "$sc" "$t" ;;
            ab) method_ab "$sc" "$t" ;;
            gb) [ "$HAVE_GB" = 1 ] && method_gb "$sc" "$t" ;;
            esac
        done
    done
    write_md "$t"
    echo "run_eval.sh: trial $t/$TRIALS done ($(date +%T))" >&2
done
[ -s "$W/errors.log" ] && { echo "run_eval.sh: errors:" >&2; cat "$W/errors.log" >&2; }
[ -n "${RESULTS:-}" ] && cp "$RES" "$RESULTS"
echo "run_eval.sh: wrote $OUT" >&2
