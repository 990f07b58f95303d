#!/bin/bash
# The body's API end to end (tests/e2e/fixtures/api.c): what each call sets
# appears in --format=json (parsed back with jq), csv, markdown and the
# console table, survives the archive, and a skipped benchmark is not a
# failure while a failed one makes the run exit 2 with the others reported.
# usage: api.sh E2E_API MICROBE_TOOL
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 E2E_API MICROBE"
B=$1
TOOL=$2
command -v jq >/dev/null || die "jq is needed"
FAST=(--min-time=0.01 --samples=5 --rounds=2)
export MICROBE_ARCHIVE="$E2E_TMP/archive"

expect_exit 0 "$B" --list
for n in api/sum/64 api/sum/4096 values skipped failed paused manual \
    grid/n:1/k:10 grid/n:1/k:20 grid/n:2/k:10 grid/n:2/k:20 short_str long_str \
    team/threads:1 team/threads:2; do
    grep -qx "$n" "$OUT" || die "--list lacks $n: $(tr '\n' ' ' <"$OUT")"
done
ok "names: product with arg names, BENCH_FN, threads suffix"

# expect_fail CMD...: exit 2, the last line of stderr says why (warnings
# about this machine may come before it).
expect_fail() {
    local got=0
    "$@" >"$OUT" 2>"$ERR" || got=$?
    [ "$got" -eq 2 ] || die "exit $got, want 2: $*"
    tail -n 1 "$ERR" | grep -qF "1 benchmark failed (first: failed: broke: 3)" ||
        die "last stderr line: $(tail -n 1 "$ERR")"
    ok "exit 2, failed named: ${*##*/}"
}
expect_fail "$B" --format=json "${FAST[@]}" --save-baseline=api
J="$E2E_TMP/run.json"
cp "$OUT" "$J"
jq -e . "$J" >/dev/null || die "not JSON"
jqok() {
    jq -e "$1" "$J" >/dev/null || die "$2 ($1): $(jq -c "$3" "$J" 2>/dev/null | head -c 600)"
    ok "$2"
}
B_='.benchmarks[] | select(.name == "'
jqok "[$B_"'api/sum/64")][0].microbe.bytes == 64' "sum/64: 64 bytes per iteration" "$B_"'api/sum/64")]'
jqok "[$B_"'api/sum/4096")][0].microbe.bytes == 4096' "sum/4096: 4096 bytes per iteration" "."
jqok "[$B_"'api/sum/4096")][0] | .bytes_per_second > 0' "bytes_per_second per argument" "."
jqok "[$B_"'values")][0] | .hits == 1 and .answer == 42 and .hit_rate > 0' \
    "user counters as GB keys: per iteration, plain, rate" "[$B_"'values")][0]'
jqok "[$B_"'values")][0] | (.hit_rate - 1e9 / .microbe.summary.median | fabs) < 1e-6 * .hit_rate' \
    "a rate counter is per second of the (median) time per iteration" "."
jqok "[$B_"'values")][0] | .label == "label 7" and .items_per_second > 0' \
    "label and items" "."
jqok "[$B_"'values")][0].microbe.user_counters | map(.name) == ["hits","hit_rate","answer"]' \
    "microbe.user_counters in order set" "."
jqok "[$B_"'skipped")][0] | .error_occurred == false and .error_message == "needs a GPU" and .microbe.skipped == "needs a GPU"' \
    "skipped: not an error, with its message" "[$B_"'skipped")]'
jqok "[$B_"'failed")][0] | .error_occurred == true and .error_message == "broke: 3"' \
    "failed: error with its message" "."
jqok "[$B_"'manual")][0].cpu_time < 100' "cpu_time is CPU time, not the manual time" \
    "[$B_"'manual")][0].cpu_time'
# All its work paused: it ends (batches sized by wall time, not by the ~0
# it measures, which grew them into the hang timeout) and is not failed.
jqok "[$B_"'paused")][0] | .microbe.summary.median >= 0 and (.error_occurred | not)' \
    "all-paused body measured in bounded time" "[$B_"'paused")]'
jqok "[$B_"'manual")][0].real_time == 1000' "manual time: exactly 1 µs an iteration" \
    "[$B_"'manual")][0].real_time'
jqok "[$B_"'grid/n:2/k:20")][0] | .label == "40" and .microbe.args == [2, 20] and .microbe.others == "/k:20"' \
    "product: both arguments reach the body" "[$B_"'grid/n:2/k:20")]'
jqok "[$B_"'short_str")][0] | .label == "abc" and .len == 3' "BENCH_FN with .data abc" "."
jqok "[$B_"'long_str")][0] | .label == "abcdefghijklmnopqrstuvwxyz" and .len == 26 and (has("error_occurred") | not)' \
    "BENCH_FN with another .data; setup before, teardown after" "[$B_"'long_str")]'
jqok "[$B_"'team/threads:2")][0] | .threads == 2 and .threads_seen == 2 and .label == "2 threads"' \
    "threads: 2 threads ran the body" "[$B_"'team/threads:2")]'
jqok "[$B_"'team/threads:1")][0] | .threads == 1 and .threads_seen == 1' "threads:1" "."
jqok 'all(.benchmarks[] | select(.microbe.samples.iters | length > 0); .microbe.samples.cpu_ns | length > 0)' \
    "CPU time per sample beside real time" "."

# The archive keeps it all: the saved baseline loads back (show, compare).
Z="$MICROBE_ARCHIVE/baselines/api.json.zst"
[ -s "$Z" ] || die "no baseline saved"
zstd -dc "$Z" | jq -e '[.benchmarks[] | select(.name == "values")][0] | .microbe.user_counters[0].value == 1 and .label == "label 7"' >/dev/null ||
    die "archive lacks what the body set"
ok "archived: counters and label"
expect_exit 0 "$TOOL" show --format=json "$Z"
jq -e '[.benchmarks[] | select(.name == "values")][0] | .hits == 1 and .label == "label 7"' "$OUT" >/dev/null ||
    die "show --format=json lost the values: $(head -c 400 "$OUT")"
jq -e '[.benchmarks[] | select(.name == "skipped")][0].microbe.skipped == "needs a GPU"' "$OUT" >/dev/null ||
    die "show lost the skip"
ok "loaded back: counters, label, skip"
expect_exit 0 "$TOOL" show "$Z"
stdout_has "skipped: needs a GPU"
stdout_has "label 7"

# csv, markdown, console.
expect_fail "$B" --format=csv "${FAST[@]}" '--filter=^(values|skipped|failed)$'
head -n 1 "$OUT" | grep -Eq ',label,skipped,"?hits"?,"?hit_rate"?,"?answer"?,' || die "csv header: $(head -n 1 "$OUT")"
ok "csv header has label, skipped and the user counters"
grep -q '^"values",.*,"label 7","",1,' "$OUT" || die "csv values row: $(grep 'values' "$OUT")"
ok "csv row holds label and counters"
grep -Eq '^"?skipped"?,.*,"?needs a GPU"?,' "$OUT" || die "csv skipped row: $(grep 'skipped' "$OUT")"
ok "csv row of the skipped benchmark"
cols=$(head -n 1 "$OUT" | awk -F, '{print NF}')
while read -r line; do
    n=$(echo "$line" | awk -F, '{print NF}')
    [ "$n" -eq "$cols" ] || die "csv line has $n fields, header $cols: $line"
done <"$OUT"
ok "csv: every line as wide as the header"
expect_fail "$B" --format=markdown "${FAST[@]}" '--filter=^(values|skipped|failed|api/sum/64)$'
stdout_has "skipped: needs a GPU"
stdout_has "**broke: 3**"
stdout_has "| label 7 |"
stdout_has "hit_rate"
expect_fail "$B" "${FAST[@]}" '--filter=^(values|skipped|failed|team/threads:2)$'
stdout_has "skipped: needs a GPU"
stdout_has "broke: 3"
stdout_has "label 7"
stdout_has "2 threads"

# Only a skip: a clean run; against the baseline the skip is a verdict of
# its own, not a failure.
expect_exit 0 "$B" "${FAST[@]}" '--filter=^(skipped|values)$'
expect_exit 0 "$B" "${FAST[@]}" '--filter=^(skipped|values)$' --baseline=api
grep -Eq '^skipped .* skipped$' "$OUT" || die "no skipped verdict: $(grep skipped "$OUT")"
ok "compared with the baseline: verdict skipped"
done_checks
