#!/bin/bash
# --format=json is a Google Benchmark-shaped document that jq parses, with
# microbe's raw samples in extra keys; --out writes the same to a file.
# usage: json.sh BENCH_FIND_DUPS
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BENCH"
B=$1
command -v jq >/dev/null || die "jq is needed"

FILTER='hash/(4|16)$'
expect_exit 0 "$B" --format=json --min-time=0.01 --samples=10 --rounds=2 \
    "--filter=$FILTER"
jq -e . "$OUT" >/dev/null || die "not JSON: $(head -c 300 "$OUT")"
ok "output parses with jq"

# jqok EXPR WHAT: EXPR is true of the document.
jqok() {
    jq -e "$1" "$OUT" >/dev/null || die "$2 ($1)"
    ok "$2"
}
jqok '.context | type == "object"' "context is an object"
jqok '.context.pinned_cpu | type == "number"' "context has pinned_cpu"
# Google Benchmark's rows as --benchmark_repetitions writes them: one
# "iteration" row per round, then the aggregates over the rounds; microbe's
# own data on the first row of each benchmark.
M='[.benchmarks[] | select(.microbe)]'
jqok "$M | length == 2" "two benchmarks"
jqok "$M | map(.name) == [\"find_duplicates/hash/4\", \"find_duplicates/hash/16\"]" \
    "names in order"
jqok '[.benchmarks[].name] == ["find_duplicates/hash/4", "find_duplicates/hash/4",
  "find_duplicates/hash/4_mean", "find_duplicates/hash/4_median",
  "find_duplicates/hash/4_stddev", "find_duplicates/hash/4_cv",
  "find_duplicates/hash/16", "find_duplicates/hash/16",
  "find_duplicates/hash/16_mean", "find_duplicates/hash/16_median",
  "find_duplicates/hash/16_stddev", "find_duplicates/hash/16_cv"]' \
    "a row per round, then mean, median, stddev and cv"
jqok 'all(.benchmarks[] | select(.run_type == "iteration"); .run_name == .name)' "run_name"
jqok '[.benchmarks[] | select(.run_type == "iteration") | .repetition_index] == [0, 1, 0, 1]' \
    "repetition_index per round"
jqok 'all(.benchmarks[]; .repetitions == 2)' "repetitions: the rounds"
jqok '[.benchmarks[] | select(.run_type == "aggregate") | .aggregate_name] ==
  ["mean", "median", "stddev", "cv", "mean", "median", "stddev", "cv"]' \
    "aggregate_name"
jqok 'all(.benchmarks[]; (.iterations | type == "number") and .iterations >= 1)' \
    "iterations"
jqok 'all(.benchmarks[]; (.real_time | type == "number") and .real_time > 0)' \
    "real_time"
# CPU time only where it was measured: never wall time under its name.
jqok 'all(.benchmarks[]; (has("cpu_time") | not) or
  ((.cpu_time | type == "number") and .cpu_time >= 0))' "cpu_time"
jqok 'all(.benchmarks[]; .time_unit == "ns")' "time_unit ns"
jqok "all($M[]; .microbe.samples | type == \"object\")" "microbe.samples"
for k in iters ns round flags; do
    jqok "all($M[]; .microbe.samples.$k | type == \"array\" and length == 10)" \
        "microbe.samples.$k has the 10 samples"
done
jqok "all($M[]; all(.microbe.samples.ns[]; . > 0))" "sample times > 0"
jqok "all($M[]; (.microbe.samples.round | unique) == [0, 1])" \
    "samples from both rounds"

expect_exit 0 "$B" --format=json --min-time=0.01 --samples=5 \
    "--filter=$FILTER" "--out=$E2E_TMP/res.json"
[ ! -s "$OUT" ] || die "--out: stdout is not empty"
ok "--out: nothing on stdout"
jq -e '[.benchmarks[] | select(.microbe) | .name] == ["find_duplicates/hash/4", "find_duplicates/hash/16"]' \
    "$E2E_TMP/res.json" >/dev/null || die "--out file"
ok "--out file is the JSON document"
done_checks
