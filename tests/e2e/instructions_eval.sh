#!/bin/bash
# By hand, not a test (minutes): the gate's quality with
# --measure=instructions on the find_duplicates example (SPEC 8): N A/A
# comparisons must all pass, and N runs with 5% more work in the hash
# variant (MICROBE_EXAMPLE_SLOWDOWN=hash:5) must all fail, naming hash
# benchmarks only. Also the wall time of one run in each measure.
# usage: instructions_eval.sh BENCH_FIND_DUPS [N]
set -u
bench=$1
n=${2:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MICROBE_ARCHIVE="$tmp/archive"
unset MICROBE_EXAMPLE_SLOWDOWN

wall() { # seconds of one run of "$@"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}
echo "wall time, instructions: $(wall "$bench" --measure=instructions) s"
echo "wall time, time (defaults): $(wall "$bench") s"

"$bench" --measure=instructions --save-baseline=base >/dev/null 2>&1 ||
    { echo "baseline run failed"; exit 1; }
aa_pass=0 caught=0 named_only=0
for i in $(seq "$n"); do
    if "$bench" --measure=instructions --baseline=base \
        --fail-on-regression >"$tmp/out" 2>"$tmp/err"; then
        aa_pass=$((aa_pass + 1))
    else
        echo "A/A $i failed: $(cat "$tmp/err")"
    fi
    rc=0
    MICROBE_EXAMPLE_SLOWDOWN=hash:5 "$bench" --measure=instructions \
        --baseline=base --fail-on-regression >"$tmp/out" 2>"$tmp/err" ||
        rc=$?
    if [ "$rc" -eq 1 ] && grep -q 'find_duplicates/hash/' "$tmp/err"; then
        caught=$((caught + 1))
        # Rows flagged slower: all of them hash variants?
        if ! grep -E ' slower$' "$tmp/out" | grep -vq '^find_duplicates/hash/'
        then
            named_only=$((named_only + 1))
        fi
    else
        echo "5% run $i: exit $rc: $(cat "$tmp/err")"
    fi
done
echo "A/A passed: $aa_pass of $n"
echo "5% slowdown caught: $caught of $n (only hash flagged in $named_only)"
grep -E 'slower$|unchanged$' "$tmp/out" | grep hash
