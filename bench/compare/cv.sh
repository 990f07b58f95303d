#!/usr/bin/env bash
# Run-to-run spread of the reported times over N fresh processes (default
# 8), microbe against Google Benchmark (both at their default settings) on
# the same ten workloads (quadratic and hash find_duplicates at n = 16 ...
# 4096), with the wall time per run.
# usage: [LOAD=stress] bench/compare/cv.sh BUILD_DIR [N]
# LOAD=stress measures beside a competing load started and stopped here:
# stress-ng --cpu 1 --cpu-load 60 (Debian's stress-ng), as
# bench/eval/run_eval.sh's loaded condition.
set -euo pipefail
build=${1:?usage: cv.sh BUILD_DIR [N]}
n=${2:-8}
tmp=$(mktemp -d)
loadpid=""
trap '[ -n "$loadpid" ] && kill -- -"$loadpid" 2>/dev/null; rm -rf "$tmp"' EXIT
case ${LOAD:-none} in
none) ;;
stress)
  command -v stress-ng >/dev/null || { echo "cv.sh: LOAD=stress needs stress-ng" >&2; exit 2; }
  setsid stress-ng --cpu 1 --cpu-load 60 --timeout 1800s >/dev/null 2>&1 &
  loadpid=$!
  sleep 1 ;;
*) echo "cv.sh: LOAD must be none or stress" >&2; exit 2 ;;
esac
mb="$build/bench/bench_find_dups"
gb="$build/bench/gb_find_dups"
filter='(quadratic|hash)/(16|64|256|1024|4096)$'
la0=$(cut -d' ' -f1 /proc/loadavg)
for i in $(seq "$n"); do
  s=$(date +%s.%N)
  "$mb" --filter="$filter" --format=json --out="$tmp/mb$i.json" 2>/dev/null
  e=$(date +%s.%N)
  echo "$s $e" >>"$tmp/mb.times"
  if [ -x "$gb" ]; then
    s=$(date +%s.%N)
    # Google Benchmark at its defaults, pinned to the CPU microbe picks.
    taskset -c "$(($(nproc) - 1))" "$gb" --benchmark_format=json \
      --benchmark_out="$tmp/gb$i.json" >/dev/null 2>&1
    e=$(date +%s.%N)
    echo "$s $e" >>"$tmp/gb.times"
  fi
done
echo "cv.sh: load ${LOAD:-none}, load average $la0 at start, $(cut -d' ' -f1 /proc/loadavg) at end"
/usr/bin/python3 - "$tmp" "$n" <<'PY'
import json, statistics as st, sys, os
tmp, n = sys.argv[1], int(sys.argv[2])
def medians(path, gb):
    d = json.load(open(path))
    out = {}
    for b in d["benchmarks"]:
        if gb:
            name = b["run_name"].replace("quadratic/", "find_duplicates/quadratic/").replace("hash/", "find_duplicates/hash/")
            out[name] = b["real_time"]
        elif "microbe" in b:  # the benchmark's first row: its median
            out[b["name"]] = b["microbe"]["summary"]["median"]
    return out
def report(tool, files):
    runs = [medians(f, tool == "google-benchmark") for f in files]
    times = [float(e) - float(s) for s, e in (l.split() for l in open(os.path.join(tmp, ("gb" if tool != "microbe" else "mb") + ".times")))]
    cvs, ratios = [], []
    for name in sorted(runs[0]):
        v = [r[name] for r in runs]
        cvs.append(st.stdev(v) / st.mean(v))
        ratios.append(max(v) / min(v))
    print(f"| {tool} | {len(runs)} | {st.mean(times):.2f} s | {100*st.mean(cvs):.1f}% | {100*max(cvs):.1f}% | {max(ratios):.2f} |")
print("| tool | runs | wall time per run | mean CV of medians | worst CV | worst max/min |")
print("|---|---:|---:|---:|---:|---:|")
report("microbe", [os.path.join(tmp, f"mb{i}.json") for i in range(1, n + 1)])
if os.path.exists(os.path.join(tmp, "gb1.json")):
    report("google-benchmark", [os.path.join(tmp, f"gb{i}.json") for i in range(1, n + 1)])
PY
