#!/bin/bash
# The command line a Google Benchmark user expects: --dry-run, a negative
# --filter, --time-unit and .unit, --out with --out-format beside the
# console table, MICROBE_* variables for flags (the flag wins),
# $GITHUB_STEP_SUMMARY, and --save-baseline saying what it saved.
# usage: gb_flags.sh GB_FLAGS_BENCH CRASH_BENCH
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 GB_FLAGS_BENCH CRASH_BENCH"
B=$1
CRASH=$2
for v in $(env | sed -n 's/^\(MICROBE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset GITHUB_STEP_SUMMARY
# In a sanitizer build, let SIGSEGV kill the crash fixture's worker as it
# would anywhere else instead of ASan printing its report (see crash.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export MICROBE_ARCHIVE="$E2E_TMP/arch"
Q=(--min-time=0.01 --samples=5 --rounds=2 --cpu=none)

# --dry-run: every benchmark once, one iteration, no statistics.
export GB_FLAGS_LOG="$E2E_TMP/log"
expect_exit 0 "$B" --dry-run
[ "$(sort "$GB_FLAGS_LOG")" = "add 1
in_ms 1
in_ms 1" ] || die "dry run log: $(cat "$GB_FLAGS_LOG")"
ok "--dry-run called each of the 3 bodies once, for one iteration"
stdout_has "ran    in_ms/2"
stdout_has "dry run: 3 of 3 benchmarks ran once"
grep -q "time/iter" "$OUT" && die "a dry run printed statistics"
ok "no statistics"
expect_exit 2 "$CRASH" --dry-run
stdout_has "FAILED segfaults: crashed"
stdout_has "ran    after_crash"
stderr_has "dry run: 1 benchmark failed (first: segfaults)"
expect_exit 2 "$B" --dry-run --baseline=x
stderr_has "--dry-run measures nothing to compare or save"
rm -f "$GB_FLAGS_LOG"
unset GB_FLAGS_LOG

# A leading '-' negates the filter.
expect_exit 0 "$B" --list --filter=-in_ms
[ "$(cat "$OUT")" = "add" ] || die "--filter=-in_ms listed: $(cat "$OUT")"
ok "--filter=-in_ms keeps add only"
expect_exit 0 "$B" --list '--filter=-^add$|/1$'
[ "$(cat "$OUT")" = "in_ms/2" ] || die "negated alternation: $(cat "$OUT")"
ok "--filter='-^add\$|/1\$' keeps in_ms/2"
expect_exit 2 "$B" --list --filter=-.
stderr_has "leaves no benchmark"

# Variables stand for flags; the flag wins.
MICROBE_FILTER=-add expect_exit 0 "$B" --list
[ "$(cat "$OUT")" = "in_ms/1
in_ms/2" ] || die "MICROBE_FILTER=-add listed: $(cat "$OUT")"
ok "MICROBE_FILTER=-add is --filter=-add"
MICROBE_FILTER=-add expect_exit 0 "$B" --list --filter=add
[ "$(cat "$OUT")" = "add" ] || die "flag over variable: $(cat "$OUT")"
ok "--filter on the command line wins over MICROBE_FILTER"
MICROBE_MIN_TIME=0 expect_exit 2 "$B" --list
stderr_has "MICROBE_MIN_TIME: '0' is not a number of seconds"
MICROBE_MIN_TIME=0 expect_exit 0 "$B" --list --min-time=1
ok "a bad variable a flag overrides is never read"
MICROBE_FORMAT=csv MICROBE_MIN_TIME=0.01 MICROBE_SAMPLES=5 MICROBE_ROUNDS=2 \
    MICROBE_CPU=none expect_exit 0 "$B" --filter=^add$
head -n 1 "$OUT" | grep -q '^name,group,bench,arg,samples,' ||
    die "MICROBE_FORMAT=csv printed: $(head -n 2 "$OUT")"
[ "$(sed -n 2p "$OUT" | cut -d, -f5)" = 5 ] || die "MICROBE_SAMPLES=5: $(cat "$OUT")"
ok "MICROBE_FORMAT=csv MICROBE_SAMPLES=5 ... run as the flags would"

# --out with --out-format: the file in that format, the table on stdout;
# .unit wins over --time-unit.
expect_exit 0 "$B" "${Q[@]}" --time-unit=us --out="$E2E_TMP/r.json" --out-format=json
stdout_has "time/iter"
stdout_has " µs"
jq -e '[.benchmarks[] | select(.microbe)] | length == 3' "$E2E_TMP/r.json" >/dev/null || die "JSON: $(head -c 300 "$E2E_TMP/r.json")"
ok "--out-format=json wrote the JSON while the table went to stdout"
[ "$(jq -r '[.benchmarks[] | select(.microbe) | .time_unit] | join(",")' "$E2E_TMP/r.json")" = "us,ms,ms" ] ||
    die "time units: $(jq -c '[.benchmarks[] | select(.microbe) | .time_unit]' "$E2E_TMP/r.json")"
ok "time_unit: us from --time-unit, ms from .unit (which wins)"
jq -e '(.benchmarks[0].microbe.samples) as $s | .benchmarks[0] |
  ([range(0; $s.ns | length) | select($s.round[.] == 0)]) as $all |
  ([$all[] | select($s.flags[.] == 0)]) as $clean |
  (if ($clean | length) > 0 then $clean else $all end) as $r0 |
  (([$r0[] | $s.ns[.]] | add) / ([$r0[] | $s.iters[.]] | add)) as $ns |
  (.real_time * 1000 - $ns | fabs) < 1e-6 * $ns + 1e-9' \
    "$E2E_TMP/r.json" >/dev/null || die "real_time not in us: $(jq -c '.benchmarks[0] | [.real_time, .microbe.summary.median]' "$E2E_TMP/r.json")"
ok "real_time in us is round 0's ns per iteration / 1000"
expect_exit 0 "$B" "${Q[@]}" --filter=add --format=markdown --out="$E2E_TMP/r.csv" --out-format=csv
stdout_has "| \`add\` |"
head -n 1 "$E2E_TMP/r.csv" | grep -q '^name,' || die "csv file: $(cat "$E2E_TMP/r.csv")"
ok "--format=markdown on stdout and --out-format=csv in the file"
expect_exit 0 "$B" "${Q[@]}" --filter=add --format=json --out="$E2E_TMP/only.json"
[ ! -s "$OUT" ] && jq -e . "$E2E_TMP/only.json" >/dev/null || die "--out alone"
ok "--out without --out-format takes the place of stdout, as before"
# --out is written whole at the end: a run that fails first leaves the
# old file as it was (it used to be truncated at start), and a device
# such as /dev/stdout is written into, not replaced.
echo keep >"$E2E_TMP/only.json"
expect_exit 2 "$B" "${Q[@]}" --out="$E2E_TMP/only.json" --baseline=none_saved
stderr_has "no baseline 'none_saved'"
[ "$(cat "$E2E_TMP/only.json")" = keep ] || die "a failed run changed --out's file: $(head -c 200 "$E2E_TMP/only.json")"
ok "a run that fails leaves --out's old file whole"
expect_exit 0 "$B" "${Q[@]}" --filter=add --format=csv --out=/dev/stdout
head -n 1 "$OUT" | grep -q '^name,' || die "--out=/dev/stdout: $(head -c 200 "$OUT")"
expect_exit 2 "$B" "${Q[@]}" --filter=add --out="$E2E_TMP"
stderr_has "cannot write $E2E_TMP: a directory"
ok "--out=/dev/stdout writes to stdout; --out=DIR is refused before measuring"

# GitHub Actions' job summary.
export GITHUB_STEP_SUMMARY="$E2E_TMP/summary.md"
echo "# before" >"$GITHUB_STEP_SUMMARY"
expect_exit 0 "$B" "${Q[@]}" --filter=add
grep -q '^# before$' "$GITHUB_STEP_SUMMARY" && grep -q '| `add` |' "$GITHUB_STEP_SUMMARY" ||
    die "summary: $(cat "$GITHUB_STEP_SUMMARY")"
ok "the markdown table is appended to \$GITHUB_STEP_SUMMARY"
before=$(wc -c <"$GITHUB_STEP_SUMMARY")
expect_exit 0 "$B" "${Q[@]}" --filter=add --no-step-summary
MICROBE_NO_STEP_SUMMARY=1 expect_exit 0 "$B" "${Q[@]}" --filter=add
[ "$(wc -c <"$GITHUB_STEP_SUMMARY")" -eq "$before" ] || die "--no-step-summary appended"
ok "--no-step-summary and MICROBE_NO_STEP_SUMMARY=1 leave it alone"
GITHUB_STEP_SUMMARY="$E2E_TMP/no/such/dir" expect_exit 0 "$B" "${Q[@]}" --filter=add
stderr_has "warning: cannot append to GITHUB_STEP_SUMMARY"
unset GITHUB_STEP_SUMMARY

# --save-baseline says what it saved and where.
expect_exit 0 "$B" "${Q[@]}" --filter=add --save-baseline=main
grep -q "saved baseline \"main\" (run [^ ]*, 1 benchmarks) in $MICROBE_ARCHIVE/baselines/main.json.zst" "$ERR" ||
    die "save line: $(cat "$ERR")"
[ -f "$MICROBE_ARCHIVE/baselines/main.json.zst" ] || die "no baseline file"
ok "--save-baseline names the baseline, the run and the file"
done_checks
