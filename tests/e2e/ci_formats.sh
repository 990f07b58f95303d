#!/bin/bash
# --format=bmf (Bencher Metric Format) and --format=gh-bench
# (github-action-benchmark's customSmallerIsBetter input), from the bench
# program, through --out-format, and from `microbe show` of a saved run.
# usage: ci_formats.sh BENCH_FIND_DUPS MICROBE
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 BENCH MICROBE"
B=$1
T=$2
command -v jq >/dev/null || die "jq is needed"

FILTER='hash/(4|16)$|sorted/4$'
A="$E2E_TMP/archive"
Q=(--min-time=0.01 --samples=10 --rounds=3 --cpu=none "--filter=$FILTER")

expect_exit 0 "$B" --list "--filter=$FILTER"
NAMES=$(jq -R . "$OUT" | jq -sc .)
[ "$NAMES" != "[]" ] || die "--list gave no names"

# The run: bmf on stdout, gh-bench into a file, saved as a baseline.
GH="$E2E_TMP/gh.json"
expect_exit 0 "$B" "${Q[@]}" --format=bmf --out="$GH" --out-format=gh-bench \
    "--archive=$A" --save-baseline=ci
cp "$OUT" "$E2E_TMP/bmf.json"
# Items per benchmark, from the saved run's own JSON.
expect_exit 0 "$T" show ci "--archive=$A" --format=json
ITEMS=$(jq -c '[.benchmarks[] | select(.microbe) | {key: .name,
  value: ((.microbe.items // 0) > 0 or (.microbe.bytes // 0) > 0)}] |
  from_entries' "$OUT")
jq -e 'to_entries | any(.value)' <<<"$ITEMS" >/dev/null ||
    die "no benchmark declares items: $ITEMS"

# check_bmf FILE WHAT
check_bmf() {
    local f=$1 w=$2
    jq -e 'type == "object"' "$f" >/dev/null || die "$w: not an object"
    ok "$w: a JSON object"
    jq -e --argjson n "$NAMES" '(keys | sort) == ($n | sort)' "$f" >/dev/null ||
        die "$w: keys are not the --list names: $(jq -c keys "$f")"
    ok "$w: keyed by the --list names"
    jq -e 'all(.[]; all(.[]; all(.[]; type == "number" and . > 0)))' "$f" \
        >/dev/null || die "$w: a value is not a number > 0"
    ok "$w: every value a number > 0"
    jq -e 'all(.[]; .latency | (.lower_value <= .value and
        .value <= .upper_value))' "$f" >/dev/null ||
        die "$w: latency outside its interval"
    ok "$w: lower_value <= latency <= upper_value"
    jq -e 'all(.[]; .throughput == null or (.throughput |
        (.lower_value <= .value and .value <= .upper_value)))' "$f" \
        >/dev/null || die "$w: throughput outside its interval"
    ok "$w: lower_value <= throughput <= upper_value"
    jq -e --argjson it "$ITEMS" 'to_entries | all(
        (.value.throughput != null) == $it[.key])' "$f" >/dev/null ||
        die "$w: throughput not where items are declared"
    ok "$w: throughput exactly where items or bytes are declared"
    # Throughput comes from the latency interval: items/s = items * 1e9 /
    # ns, so value x latency is the same for value and both ends.
    jq -e 'all(.[]; .throughput == null or
        ((.throughput.value * .latency.value) as $k |
         ((.throughput.lower_value * .latency.upper_value - $k) | fabs) <
           1e-6 * $k and
         ((.throughput.upper_value * .latency.lower_value - $k) | fabs) <
           1e-6 * $k))' "$f" >/dev/null ||
        die "$w: throughput not derived from the latency interval"
    ok "$w: throughput's ends from latency's ends"
}

# check_gh FILE WHAT
check_gh() {
    local f=$1 w=$2
    jq -e 'type == "array" and length > 0' "$f" >/dev/null ||
        die "$w: not a non-empty array"
    ok "$w: a JSON array"
    jq -e --argjson n "$NAMES" 'map(.name) == $n' "$f" >/dev/null ||
        die "$w: names are not the --list names: $(jq -c 'map(.name)' "$f")"
    ok "$w: names as --list, in order"
    jq -e 'all(.[]; keys == ["extra", "name", "range", "unit", "value"])' \
        "$f" >/dev/null || die "$w: keys"
    ok "$w: name, unit, value, range, extra"
    jq -e 'all(.[]; .unit == "ns" and (.value | type == "number" and . > 0))' \
        "$f" >/dev/null || die "$w: unit or value"
    ok "$w: unit ns, value a number > 0"
    jq -e 'all(.[]; .range | test("^± [0-9.e+-]+$"))' "$f" >/dev/null ||
        die "$w: range is not '± X'"
    ok "$w: range '± X'"
    # extra: "95% CI [lo, hi] ns; rounds N", lo <= value <= hi, and the
    # range its half-width.
    jq -e 'all(.[]; (.extra | capture(
        "^95% CI \\[(?<lo>[^,]+), (?<hi>[^]]+)\\] ns; rounds (?<r>[0-9]+)$"))
        as $c | ($c.lo | tonumber) as $lo | ($c.hi | tonumber) as $hi |
        $lo <= .value * 1.000001 and .value <= $hi * 1.000001 and
        ($c.r == "3") and
        (((.range | ltrimstr("± ") | tonumber) - ($hi - $lo) / 2) | fabs) <=
          0.001 * $hi)' "$f" >/dev/null ||
        die "$w: extra: $(jq -c '.[0].extra' "$f")"
    ok "$w: extra holds the interval around value and the rounds"
}

check_bmf "$E2E_TMP/bmf.json" "bench --format=bmf"
check_gh "$GH" "bench --out-format=gh-bench"

# The same run from the archive: the same numbers.
expect_exit 0 "$T" show ci "--archive=$A" --format=bmf
check_bmf "$OUT" "show --format=bmf"
jq -e --slurpfile a "$E2E_TMP/bmf.json" '. == $a[0]' "$OUT" >/dev/null ||
    die "show --format=bmf differs from the bench program's"
ok "show --format=bmf: as the bench program wrote it"
expect_exit 0 "$T" show ci "--archive=$A" --format=gh-bench
check_gh "$OUT" "show --format=gh-bench"
jq -e --slurpfile a "$GH" '. == $a[0]' "$OUT" >/dev/null ||
    die "show --format=gh-bench differs from the bench program's"
ok "show --format=gh-bench: as the bench program wrote it"

# Unknown formats name the new ones.
expect_exit 2 "$B" --format=bencher
stderr_has "bmf or gh-bench"

done_checks
