#!/bin/bash
# --measure=instructions end to end, under the real Valgrind: a body of k
# adds measures k instructions per iteration (plus the loop's own two),
# reruns give identical counts, a build with extra work in one benchmark
# fails the gate and is named, a crash under Valgrind is named, and runs of
# different measures are not compared. Not registered in sanitizer builds
# (Valgrind cannot run ASan binaries).
# usage: instructions.sh INSTR_BENCH INSTR_BENCH_SLOW
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 INSTR_BENCH INSTR_BENCH_SLOW"
bench=$1
slow=$2
export MICROBE_ARCHIVE="$E2E_TMP/archive"
unset INSTR_CRASH
sel='--filter=^(adds|work)'

# col CSV NAME COLUMN: a field of NAME's row, by header name.
col() {
    awk -F, -v name="\"$2\"" -v c="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
        $1 == name { print $k }' "$1"
}

expect_exit 0 "$bench" --measure=instructions "$sel" --format=csv
cp "$OUT" "$E2E_TMP/run1.csv"
for k in 8 100; do
    ir=$(col "$E2E_TMP/run1.csv" "adds/$k" median_instr)
    awk -v x="$ir" -v k="$k" 'BEGIN { exit !(x >= k && x <= k + 4) }' ||
        die "adds/$k: $ir instructions per iteration, want $k to $((k + 4))"
    ok "adds/$k: $ir instructions per iteration (k = $k plus loop)"
done
d1=$(col "$E2E_TMP/run1.csv" adds/8 median_instr)
d2=$(col "$E2E_TMP/run1.csv" adds/100 median_instr)
awk -v a="$d1" -v b="$d2" 'BEGIN { exit !(b - a == 92) }' ||
    die "adds/100 - adds/8 = $d2 - $d1, want exactly 92"
ok "adds/100 - adds/8 is exactly 92 instructions"
head -n 1 "$E2E_TMP/run1.csv" | grep -q ',Ir,.*,est_cycles' ||
    die "no callgrind counters in the CSV: $(head -n 1 "$E2E_TMP/run1.csv")"
ok "the CSV has callgrind's counters and est_cycles"

# Identical on a rerun: every count, simulated cache misses included.
expect_exit 0 "$bench" --measure=instructions "$sel" --format=csv \
    --save-baseline=instr
cmp -s "$OUT" "$E2E_TMP/run1.csv" ||
    die "a rerun differs: $(diff "$E2E_TMP/run1.csv" "$OUT")"
ok "a rerun gives identical counts"

# The console shows counts with units.
expect_exit 0 "$bench" --measure=instructions "$sel" --baseline=instr \
    --fail-on-regression
stdout_has "measure: instructions (callgrind)"
stdout_has "instr/iter"
stdout_has "0 slower, 0 faster, 3 unchanged"

# The same benchmarks built with 10% more work in `work`: gated, named.
expect_exit 1 "$slow" --measure=instructions "$sel" --baseline=instr \
    --fail-on-regression
stderr_has "work (+"
grep -qF "adds" "$ERR" && die "an unchanged benchmark was named: $(cat "$ERR")"
ok "only work is named"
grep -E '^work +.* slower$' "$OUT" >/dev/null ||
    die "no slower row for work: $(cat "$OUT")"
ok "work is slower in the table, with the counter that moved"
expect_exit 0 "$slow" --measure=instructions "$sel" --baseline=instr \
    --format=json
grep -q '"measure": "instructions"' "$OUT" || die "JSON lacks the measure"
ok "JSON records the measure"
grep -q '"moved_most": "Ir"' "$OUT" && grep -q '"counters_change"' "$OUT" ||
    die "JSON lacks the per-counter breakdown"
ok "JSON has the per-counter breakdown"

# A benchmark that crashes under Valgrind is named; the others measured.
INSTR_CRASH=1 expect_exit 2 "$bench" --measure=instructions --format=csv
stderr_has "crash: crashed (signal 11"
[ -n "$(col "$OUT" work median_instr)" ] || die "work not measured"
ok "the benchmark after the crash was measured"

# A filter longer than a path reaches the worker under Valgrind whole
# (it was once cut to 4 KiB there, and selected something else).
long="^(work|$(printf 'x%.0s' $(seq 5000)))\$"
expect_exit 0 "$bench" --measure=instructions --filter="$long" --format=csv
[ "$(tail -n +2 "$OUT" | wc -l)" -eq 1 ] && [ -n "$(col "$OUT" work median_instr)" ] ||
    die "a 5,000-character filter: not just work measured: $(cat "$OUT")"
ok "a 5,000-character filter selects the same benchmark under Valgrind"

# Runs of different measures are not compared.
expect_exit 2 "$bench" --filter=^work --min-time=0.01 --baseline=instr
stderr_has "cannot compare runs of different measures"
done_checks
