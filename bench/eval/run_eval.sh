#!/bin/bash
# The verdict-quality evaluation (SPEC §8), as users run it: over TRIALS
# trials, how often each method fails a CI build comparing two separately
# compiled builds of the same code (A/A), and how often it catches a
# slowdown compiled into the new build, with the wall time per comparison;
# on a quiet machine or under a load this script starts and stops.
# Appends per-trial rows to RESULTS (TSV) and rewrites OUT (markdown) from
# all rows in RESULTS after every trial.
#
#   bench/eval/run_eval.sh [BUILD_DIR]      (default: build)
#
# Environment:
#   SUITE    eval (ten find_duplicates benchmarks; slowdowns of hash/1024
#            by 5, 10, 25%) or lib (library calls, a ~20-60 ns hash, an
#            8 MiB pointer chase; slowdowns of tiny_hash and chase_8m by 5
#            and 10%); default eval
#   LOAD     none (default), stress (stress-ng --cpu 1 --cpu-load 60 for
#            the whole run), or microbe (a second microbe run of the OLD
#            suite, back to back, for the whole run); started here,
#            bounded by LOAD_TIMEOUT (default 7200 s), stopped at exit
#   TRIALS   (20), METHODS ("baseline ab gb"), AB_FLAGS (more microbe ab
#            flags), SAVE_FLAGS (more flags for the baseline method's saved
#            runs, e.g. --rounds=10), RESULTS (default docs/eval-results.tsv),
#            OUT (docs/eval.md), REPORT_ONLY=1 (write OUT from RESULTS only),
#            REALIZED=1 (measure the injected work in instructions under
#            callgrind first), KEEP=1 (keep the work directory), ARCH (the
#            baseline method's archive; default in the work directory: give
#            one to carry its history across invocations),
#            TRIAL_FROM (number of the first trial, default 1), LOGS (a
#            directory: each microbe comparison's stderr and JSON report
#            kept there as SUITE-LOAD-METHOD-SCENARIO-TRIAL.err and .json,
#            to see why a trial missed; for the baseline method also each
#            saved run's JSON and, per comparison, a .history naming the
#            saved runs it met), REPLAY (a LOGS directory of an earlier
#            run: its baseline comparisons done again by this build,
#            nothing measured; prints hits per scenario; SAVED_ROUNDS=K
#            cuts each saved run to its first K rounds)
#
# Programs (bench/eval/meson.build): OLD is SUITE_bench, NEW is
# SUITE_bench_SCENARIO, a separate compilation with the slowdown compiled
# in (-DEVAL_SLOWDOWN_SPEC; "aa" compiled with none). Google Benchmark
# likewise: SUITE_gb and SUITE_gb_SCENARIO.
#
# Methods:
#  baseline  OLD --save-baseline=base (every trial, into one archive, so
#            the baseline's history holds the last 5 OLD runs, as on a main
#            branch that saves on each merge; two OLD runs saved before
#            trial 1), then NEW --baseline=base --fail-on-regression.
#  ab        microbe ab OLD NEW --fail-on-regression (defaults).
#  gb        each side one process, --benchmark_repetitions=10
#            --benchmark_min_time=0.01, pinned with taskset to the highest
#            CPU; per benchmark scipy.stats.mannwhitneyu on the repetitions'
#            real_time, "slower" when p < 0.05 and the new median is higher
#            (GB's compare.py U test: no correction, no threshold).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
SUITE=${SUITE:-eval}
LOAD=${LOAD:-none}
TRIALS=${TRIALS:-20}
METHODS=${METHODS:-baseline ab gb}
AB_FLAGS=${AB_FLAGS:-}
SAVE_FLAGS=${SAVE_FLAGS:-}
RESULTS=${RESULTS:-$ROOT/docs/eval-results.tsv}
OUT=${OUT:-$ROOT/docs/eval.md}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-7200}
TOOL=${MICROBE:-$BUILD/tools/microbe}
D=$BUILD/bench/eval
PY=/usr/bin/python3

die() { echo "run_eval.sh: $*" >&2; exit 2; }
case $SUITE in
eval) SCEN="aa hash5 hash10 hash25" ;;
lib) SCEN="aa tiny5 tiny10 chase5 chase10" ;;
*) die "SUITE must be eval or lib" ;;
esac
target_of() { # SCENARIO -> the benchmark it slows ("" for aa)
    case $1 in
    hash*) echo hash/1024 ;; tiny*) echo tiny_hash ;; chase*) echo chase_8m ;;
    *) echo "" ;;
    esac
}

write_md() {
    $PY - "$RESULTS" "$OUT" <<'PY'
import collections, os, platform, statistics, sys, time
res, out = sys.argv[1:3]
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip() and not l.startswith("#")]
# suite load method scenario trial hit others wall status loadavg
by = collections.defaultdict(list)
loads = collections.defaultdict(list)
for su, lo, m, sc, tr, hit, oth, wall, status, la in rows:
    by[(su, lo, m, sc)].append((int(hit), int(oth), float(wall), status))
    loads[(su, lo)].append(float(la))
cpu = "unknown CPU"
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"):
        cpu = l.split(":", 1)[1].strip(); break
names = {"baseline": "baseline (5-run history), then `--baseline`",
         "ab": "`microbe ab`", "gb": "Google Benchmark + U test"}
scen = {"eval": ["aa", "hash5", "hash10", "hash25"],
        "lib": ["aa", "tiny5", "tiny10", "chase5", "chase10"]}
label = {"hash5": "hash/1024 +5%", "hash10": "hash/1024 +10%",
         "hash25": "hash/1024 +25%", "tiny5": "tiny_hash +5%",
         "tiny10": "tiny_hash +10%", "chase5": "chase_8m +5%",
         "chase10": "chase_8m +10%"}
loadname = {"none": "no added load (others' work only)", "stress": "stress-ng --cpu 1 --cpu-load 60",
            "microbe": "a second microbe run at the same time"}
L = ["# Verdict quality: microbe vs Google Benchmark, quiet and loaded\n",
     "Generated by `bench/eval/run_eval.sh` (last update %s) on %s, %d CPUs, %s. "
     "OLD and NEW are two separately compiled builds of the same code; the "
     "slowdown is compiled into NEW (`-DEVAL_SLOWDOWN_SPEC`), A/A compiles NEW "
     "without one.\n" % (time.strftime("%Y-%m-%d %H:%M %Z"), cpu, os.cpu_count(),
                          platform.platform()),
     "A/A cell: trials in which the build failed (any benchmark flagged "
     "slower). Slowdown cells: trials in which the slowed benchmark was "
     "flagged slower. \"Other flagged\": trials in which a benchmark that "
     "was not slowed was flagged slower. Load average: the 1-minute value "
     "at each trial's start, median (min-max).\n"]
for su in ("eval", "lib"):
    present = sorted({lo for (s, lo, m, sc) in by if s == su},
                     key=["none", "stress", "microbe"].index)
    if not present:
        continue
    L.append("## Suite `%s`\n" % su)
    hdr = ["method", "load", "trials", "A/A builds failed"] + \
          [label[s] + " caught" for s in scen[su][1:]] + \
          ["other flagged", "errors", "wall / comparison (median)", "load average"]
    L.append("| " + " | ".join(hdr) + " |")
    L.append("|" + "|".join(["---", "---"] + ["---:"] * (len(hdr) - 2)) + "|")
    for m in ("ab", "baseline", "gb"):
        for lo in present:
            if not any(by.get((su, lo, m, s)) for s in scen[su]):
                continue
            cells = [names[m], loadname[lo]]
            trials = max(len(by.get((su, lo, m, s), [])) for s in scen[su])
            cells.append(str(trials))
            walls, others, errors, total = [], 0, 0, 0
            for s in scen[su]:
                v = by.get((su, lo, m, s), [])
                if s == "aa":
                    f = sum(1 for x in v if x[0] or x[1] > 0)
                    cells.append("%d / %d" % (f, len(v)) if v else "-")
                else:
                    cells.append("%d / %d" % (sum(x[0] for x in v), len(v)) if v else "-")
                    others += sum(1 for x in v if x[1] > 0)
                    total += len(v)
                walls += [x[2] for x in v]
                errors += sum(1 for x in v if x[3] != "ok")
            cells.append("%d / %d" % (others, total))
            cells.append(str(errors))
            cells.append("%.1f s" % statistics.median(walls) if walls else "-")
            la = loads[(su, lo)]
            cells.append("%.1f (%.1f-%.1f)" % (statistics.median(la), min(la), max(la)))
            L.append("| " + " | ".join(cells) + " |")
    L.append("")
# A page of its own (OUT not there yet) has no tail to keep.
old = open(out).read() if os.path.exists(out) else ""
tail = old.split("<!-- run_eval.sh: end of generated part -->", 1)
L.append("<!-- run_eval.sh: end of generated part -->")
open(out, "w").write("\n".join(L) + (tail[1] if len(tail) == 2 else "\n"))
PY
}

[ "${REPORT_ONLY:-0}" = 1 ] && { write_md; echo "run_eval.sh: wrote $OUT" >&2; exit 0; }

# REPLAY=DIR: the baseline method's comparisons kept in DIR (LOGS of an
# earlier run) done again by this build's comparison (eval_replay), each
# against the saved runs it met; hits per scenario, as the tables count
# them. Measures nothing: a change to the comparison is tried on the same
# data before and after.
if [ -n "${REPLAY:-}" ]; then
    [ -x "$D/eval_replay" ] || die "no $D/eval_replay (build first: ninja -C $BUILD)"
    for sc in $SCEN; do
        t=$(target_of "$sc") n=0 hit=0 oth=0
        for h in "$REPLAY/$SUITE-$LOAD-baseline-$sc-"*.history; do
            [ -f "$h" ] || continue
            out=$("$D/eval_replay" ${SAVED_ROUNDS:+--saved-rounds=$SAVED_ROUNDS} 0.03 "${h%.history}.json" $(cat "$h")) || die "replay of ${h%.history}.json failed"
            n=$((n + 1))
            slow=$(echo "$out" | awk '$2 == "slower" {print $1}')
            [ -n "$t" ] && echo "$slow" | grep -qx "$t" && hit=$((hit + 1))
            echo "$slow" | grep -v -x -e "${t:-^$}" | grep -q . && oth=$((oth + 1))
        done
        if [ -n "$t" ]; then
            echo "$SUITE $LOAD $sc: $t caught in $hit of $n; others flagged in $oth"
        else
            echo "$SUITE $LOAD $sc: A/A builds failed $oth of $n"
        fi
    done
    exit 0
fi

OLD=$D/${SUITE}_bench
GBOLD=$D/${SUITE}_gb
[ -x "$OLD" ] || die "no $OLD (build first: ninja -C $BUILD)"
[ -x "$TOOL" ] || die "no microbe tool at $TOOL (set MICROBE)"
HAVE_GB=1
[ -x "$GBOLD" ] && $PY -c 'import scipy.stats' 2>/dev/null || HAVE_GB=0

W=$(mktemp -d "${TMPDIR:-/tmp}/microbe-eval.XXXXXX")
LOADPID=""
stop_load() {
    [ -n "$LOADPID" ] && kill -- -"$LOADPID" 2>/dev/null
    [ -n "$LOADPID" ] && wait "$LOADPID" 2>/dev/null
    LOADPID=""
}
trap 'stop_load; [ "${KEEP:-0}" = 1 ] || rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
CPU=$($PY -c 'import os; print(max(os.sched_getaffinity(0)))')
now() { date +%s.%N; }

# The competing load, in its own process group (killed as one at exit).
case $LOAD in
none) ;;
stress)
    command -v stress-ng >/dev/null || die "LOAD=stress needs stress-ng"
    setsid stress-ng --cpu 1 --cpu-load 60 --timeout "${LOAD_TIMEOUT}s" >/dev/null 2>&1 &
    LOADPID=$! ;;
microbe)
    setsid timeout "$LOAD_TIMEOUT" bash -c 'while :; do "$0" --format=csv --out=/dev/null --archive="$1/other" >/dev/null 2>&1; done' \
        "$OLD" "$W" &
    LOADPID=$! ;;
*) die "LOAD must be none, stress or microbe" ;;
esac
sleep 1

# Names flagged slower in a "regression:" line.
flagged() {
    grep -h 'regression:' "$1" | sed 's/^[^:]*: regression: [^:]*://' |
        grep -o '[^ ]* (+[0-9.]*%)' | sed 's/ (.*//'
}

record() { # METHOD SCENARIO TRIAL RC FLAGGED_FILE WALL LOADAVG
    local t hit=0 others status=ok
    t=$(target_of "$2")
    [ "$4" = 2 ] && status=error
    if [ -n "$t" ] && grep -qx "$t" "$5"; then hit=1; fi
    if [ -n "$t" ]; then others=$(grep -vxc "$t" "$5"); else others=$(grep -c . "$5"); fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SUITE" "$LOAD" "$1" "$2" "$3" \
        "$hit" "$others" "$6" "$status" "$7" >>"$RESULTS"
}

record_microbe() { # METHOD SCENARIO TRIAL RC T0 LOADAVG
    local t1; t1=$(now)
    flagged "$W/err" >"$W/flag"
    [ -n "${LOGS:-}" ] && mkdir -p "$LOGS" && cp "$W/err" "$LOGS/$SUITE-$LOAD-$1-$2-$3.err"
    [ "$4" = 2 ] && { echo "$1 trial $3 $2:"; tail -1 "$W/err"; } >>"$W/errors.log"
    record "$1" "$2" "$3" "$4" "$W/flag" "$(echo "$t1 - $5" | bc)" "$6"
}

# Where a comparison's report goes, and as what: kept in LOGS as JSON,
# else CSV (the cheapest to write) to nowhere.
FMT=csv
[ -n "${LOGS:-}" ] && FMT=json
report_to() { # METHOD SCENARIO TRIAL
    if [ -n "${LOGS:-}" ]; then
        mkdir -p "$LOGS" && echo "$LOGS/$SUITE-$LOAD-$1-$2-$3.json"
    else
        echo /dev/null
    fi
}

ARCH=${ARCH:-$W/arch}
# Saving the baseline; with LOGS, each saved run is kept as JSON too, and
# listed (oldest first) in SUITE-LOAD-saved.list, so that REPLAY=LOGS can
# compare each new run with the saved runs it met.
save_old() { # NAME (of the kept JSON, with LOGS)
    local to=/dev/null fmt=csv
    if [ -n "${LOGS:-}" ]; then
        mkdir -p "$LOGS" && to=$LOGS/$SUITE-$LOAD-saved-$1.json fmt=json
    fi
    # shellcheck disable=SC2086
    "$OLD" --save-baseline=base --archive="$ARCH" $SAVE_FLAGS --format=$fmt --out="$to" 2>"$W/err1"
    [ -n "${LOGS:-}" ] && echo "$to" >>"$LOGS/$SUITE-$LOAD-saved.list"
    return 0
}
method_baseline() { # SCENARIO TRIAL LOADAVG
    local t0; t0=$(now)
    save_old "$1-$2"
    local report; report=$(report_to baseline "$1" "$2")
    # The saved runs this comparison meets, newest first (the archive
    # keeps 5).
    [ -n "${LOGS:-}" ] && tail -n 5 "$LOGS/$SUITE-$LOAD-saved.list" | tac >"${report%.json}.history"
    "$D/${SUITE}_bench_$1" --baseline=base --archive="$ARCH" \
        --fail-on-regression --format=$FMT --out="$report" 2>"$W/err"
    local rc=$?
    record_microbe baseline "$1" "$2" "$rc" "$t0" "$3"
}

method_ab() {
    local t0; t0=$(now)
    # shellcheck disable=SC2086
    "$TOOL" ab "$OLD" "$D/${SUITE}_bench_$1" --fail-on-regression --format=$FMT $AB_FLAGS >"$(report_to ab "$1" "$2")" 2>"$W/err"
    local rc=$?
    record_microbe ab "$1" "$2" "$rc" "$t0" "$3"
}

method_gb() {
    local gbflags=(--benchmark_repetitions=10 --benchmark_min_time=0.01
                   --benchmark_format=json --benchmark_out_format=json)
    local t0; t0=$(now)
    taskset -c "$CPU" "$GBOLD" "${gbflags[@]}" --benchmark_out="$W/gb_old.json" >/dev/null 2>"$W/err" &&
    taskset -c "$CPU" "$D/${SUITE}_gb_$1" "${gbflags[@]}" --benchmark_out="$W/gb_new.json" >/dev/null 2>>"$W/err"
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
    record gb "$1" "$2" "$rc" "$W/flag" "$(echo "$t1 - $t0" | bc)" "$3"
}

# How much work each slowdown really adds, in instructions (callgrind).
if [ "${REALIZED:-0}" = 1 ] && command -v valgrind >/dev/null; then
    for sc in $SCEN; do
        t=$(target_of "$sc")
        [ -n "$t" ] || continue
        ins() { timeout 600 "$1" --measure=instructions --filter="^$t\$" --format=json 2>/dev/null |
            $PY -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["microbe"]["summary"]["median"])' 2>/dev/null; }
        a=$(ins "$OLD"); b=$(ins "$D/${SUITE}_bench_$sc")
        [ -n "$a" ] && [ -n "$b" ] &&
            echo "run_eval.sh: $SUITE $sc: $t instructions $a -> $b ($($PY -c "print('%+.1f%%' % (100 * ($b / $a - 1)))"))" >&2
    done
fi

[ -f "$RESULTS" ] || printf '# suite\tload\tmethod\tscenario\ttrial\thit\tothers\twall\tstatus\tloadavg\n' >"$RESULTS"
case " $METHODS " in *" baseline "*)
    [ -d "$ARCH/history/base" ] || for i in 1 2; do save_old "init-$i"; done ;;
esac
echo "run_eval.sh: suite $SUITE, load $LOAD, $TRIALS trials, CPU $CPU, work dir $W" >&2
T0=${TRIAL_FROM:-1}
for ((t = T0; t < T0 + TRIALS; t++)); do
    # The scenario order rotates so that no scenario always meets the same
    # phase of the host.
    scen=($SCEN)
    n=${#scen[@]}
    for ((k = 0; k < n; k++)); do
        sc=${scen[$(((k + t) % n))]}
        for m in $METHODS; do
            la=$(cut -d' ' -f1 /proc/loadavg)
            case $m in
            baseline) method_baseline "$sc" "$t" "$la" ;;
            ab) method_ab "$sc" "$t" "$la" ;;
            gb) [ "$HAVE_GB" = 1 ] && method_gb "$sc" "$t" "$la" ;;
            esac
        done
    done
    write_md
    echo "run_eval.sh: trial $t ($((t - T0 + 1))/$TRIALS) done ($(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done
stop_load
[ -s "$W/errors.log" ] && { echo "run_eval.sh: errors:" >&2; cat "$W/errors.log" >&2; }
echo "run_eval.sh: wrote $OUT and $RESULTS" >&2
