#!/usr/bin/env bash
# Google Benchmark's own compare.py (Debian: libbenchmark-tools) on two
# microbe files runs its U test: --format=json writes each round as a
# repetition row and the aggregates as Google Benchmark does with
# --benchmark_repetitions. Skipped (exit 77) where compare.py or scipy is
# missing. Usage: gb_compare.sh BENCH_PROGRAM
. "$(dirname "$0")/lib.sh"
B=$1
CMP=${GB_COMPARE_PY:-/usr/share/benchmark/compare.py}
PY=/usr/bin/python3
if [ ! -f "$CMP" ] || ! "$PY" -c 'import scipy, numpy' 2>/dev/null; then
    echo "SKIP: $CMP with scipy not found (install libbenchmark-tools python3-scipy)"
    exit 77
fi
run() { # OUT: 5 rounds of two benchmarks as JSON
    expect_exit 0 "$B" '--filter=^find_duplicates/hash/(16|64)$' --rounds=5 \
        --min-time=0.02 --cpu=none --format=json "--out=$1"
}
run "$E2E_TMP/old.json"
run "$E2E_TMP/new.json"
"$PY" "$CMP" --no-color benchmarks "$E2E_TMP/old.json" "$E2E_TMP/new.json" \
    >"$OUT" 2>"$ERR" || die "compare.py failed: $(tail -n 5 "$ERR")"
cat "$OUT"
for b in 16 64; do
    grep -Eq "^find_duplicates/hash/${b}_pvalue +[0-9.]+ +[0-9.]+ +U Test, Repetitions: 5 vs 5" "$OUT" ||
        die "no U test line for hash/$b"
    ok "compare.py ran its U test on hash/$b (5 vs 5 repetitions)"
done
for a in mean median stddev cv; do
    grep -Eq "^find_duplicates/hash/16_$a " "$OUT" || die "no ${a} row"
done
ok "compare.py compared the aggregates mean, median, stddev, cv"
