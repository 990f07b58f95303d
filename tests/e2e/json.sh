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
jqok '.benchmarks | length == 2' "two benchmarks"
jqok '[.benchmarks[].name] == ["find_duplicates/hash/4", "find_duplicates/hash/16"]' \
    "names in order"
jqok 'all(.benchmarks[]; .run_name == .name)' "run_name"
jqok 'all(.benchmarks[]; .run_type == "iteration")' "run_type iteration"
jqok 'all(.benchmarks[]; (.iterations | type == "number") and .iterations >= 1)' \
    "iterations"
jqok 'all(.benchmarks[]; (.real_time | type == "number") and .real_time > 0)' \
    "real_time"
jqok 'all(.benchmarks[]; (.cpu_time | type == "number") and .cpu_time > 0)' \
    "cpu_time"
jqok 'all(.benchmarks[]; .time_unit == "ns")' "time_unit ns"
jqok 'all(.benchmarks[]; .microbe.samples | type == "object")' "microbe.samples"
for k in iters ns round flags; do
    jqok "all(.benchmarks[]; .microbe.samples.$k | type == \"array\" and length == 10)" \
        "microbe.samples.$k has the 10 samples"
done
jqok 'all(.benchmarks[]; all(.microbe.samples.ns[]; . > 0))' "sample times > 0"
jqok 'all(.benchmarks[]; (.microbe.samples.round | unique) == [0, 1])' \
    "samples from both rounds"

expect_exit 0 "$B" --format=json --min-time=0.01 --samples=5 \
    "--filter=$FILTER" "--out=$E2E_TMP/res.json"
[ ! -s "$OUT" ] || die "--out: stdout is not empty"
ok "--out: nothing on stdout"
jq -e '[.benchmarks[].name] == ["find_duplicates/hash/4", "find_duplicates/hash/16"]' \
    "$E2E_TMP/res.json" >/dev/null || die "--out file"
ok "--out file is the JSON document"
done_checks
