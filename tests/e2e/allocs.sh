#!/bin/bash
# Allocations per iteration, counted in one untimed pass: exact on bodies
# of known allocations, in the JSON (Google Benchmark's keys), the table,
# CSV, markdown and the archive; a rise in a comparison is reported and
# fails --fail-on-regression (bench program, microbe compare).
# usage: allocs.sh ALLOCS_BENCH ALLOCS_MORE_BENCH MICROBE SANITIZE
. "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || die "usage: $0 ALLOCS_BENCH ALLOCS_MORE_BENCH MICROBE SANITIZE"
B=$1
MORE=$2
TOOL=$3
SAN=$4
for v in $(env | sed -n 's/^\(MICROBE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset GITHUB_STEP_SUMMARY
export MICROBE_ARCHIVE="$E2E_TMP/arch"
Q=(--min-time=0.01 --samples=5 --rounds=2 --cpu=none)

expect_exit 0 "$B" "${Q[@]}" --format=json
J="$E2E_TMP/a.json"
cp "$OUT" "$J"
if [ "$SAN" != none ]; then
    # The sanitizer's runtime owns malloc: no counts, and none made up.
    jq -e '[.benchmarks[] | has("allocs_per_iter")] | any | not' "$J" >/dev/null ||
        die "a $SAN build reported allocation counts"
    ok "sanitizer build ($SAN): no allocation counts, none made up"
    done_checks
fi
row() { jq -c --arg n "$1" '.benchmarks[] | select(.microbe and .name == $n) |
    [.allocs_per_iter, .microbe.alloc.bytes / .microbe.alloc.iterations,
     .max_bytes_used, .net_heap_growth / .microbe.alloc.iterations]' "$J"; }
check() { # NAME "[allocs/iter,bytes/iter,peak,net/iter]"
    local got
    got=$(row "$1")
    [ "$got" = "$2" ] || die "$1: [allocs/iter, bytes/iter, peak, net/iter] = $got, want $2"
    ok "$1: $2"
}
check zero "[0,0,0,0]"
# Timed rounds run glibc's malloc (no replacement in their process); the
# counting pass, in a worker of its own, still counts.
jq -e '.benchmarks[] | select(.microbe and .name == "where") |
    .malloc_in_libc == 1 and .counting_library == 0' "$J" >/dev/null ||
    die "where: malloc not glibc's in a timed process: $(jq -c '.benchmarks[] | select(.microbe and .name == "where") | [.malloc_in_libc, .counting_library, .label]' "$J")"
ok "timed rounds: malloc is libc's, no counting library loaded"
check where "[1,24,24,0]"
check one "[1,100,100,0]"
check three "[3,48,48,0]"
check grows "[2,4112,4096,0]"
check zeroed/7 "[1,63,63,0]"
check zeroed/70 "[1,630,630,0]"
check aligned "[2,712,712,0]"
# The leak: peak and net grow with the pass's iterations.
jq -e '.benchmarks[] | select(.microbe and .name == "leaks") |
    .allocs_per_iter == 1 and .max_bytes_used == 32 * .microbe.alloc.iterations and
    .net_heap_growth == .max_bytes_used and .total_allocated_bytes == .max_bytes_used' \
    "$J" >/dev/null || die "leaks: $(jq -c '.benchmarks[] | select(.microbe and .name == "leaks") | [.allocs_per_iter, .max_bytes_used, .net_heap_growth, .microbe.alloc]' "$J")"
ok "leaks: 1 per iteration, 32 bytes each, peak = net = 32 x iterations"
jq -e '[.benchmarks[] | select(.microbe) | .microbe.alloc.iterations] | all(. >= 1 and . <= 16)' "$J" >/dev/null ||
    die "pass iterations: $(jq -c '[.benchmarks[] | select(.microbe) | .microbe.alloc.iterations]' "$J")"
ok "the counting pass runs 1 to 16 iterations"

# The table shows the columns when something allocates; CSV and markdown.
expect_exit 0 "$B" "${Q[@]}" --filter='^(zero|three)$'
grep -E '^ +three .* 3 +48 B$' "$OUT" >/dev/null || die "table: $(cat "$OUT")"
stdout_has "allocs"
expect_exit 0 "$B" "${Q[@]}" --filter='^zero$'
grep -q "alloc'd" "$OUT" && die "zero allocations, yet the columns: $(cat "$OUT")"
ok "no allocation columns when nothing allocates"
expect_exit 0 "$B" "${Q[@]}" --filter='^three$' --format=csv
h=$(head -n 1 "$OUT" | tr , '\n' | grep -n '^allocs_per_iter$' | cut -d: -f1)
[ -n "$h" ] && [ "$(sed -n 2p "$OUT" | cut -d, -f"$h")" = 3 ] || die "csv: $(cat "$OUT")"
ok "CSV: allocs_per_iter 3"
expect_exit 0 "$B" "${Q[@]}" --filter='^three$' --format=markdown
stdout_has "| allocs/iter | bytes/iter |"
stdout_has " | 3 | 48 B |"

# Off: no pass, no keys.
expect_exit 0 "$B" "${Q[@]}" --filter='^one$' --format=json --count-allocs=no
jq -e '.benchmarks[0] | has("allocs_per_iter") | not' "$OUT" >/dev/null || die "--count-allocs=no counted"
ok "--count-allocs=no: not counted"

# Archived, and compared: one allocation more per iteration is a
# regression whatever the time says.
expect_exit 0 "$B" "${Q[@]}" --filter='^(one|three)$' --save-baseline=main
"$TOOL" show main --format=json --archive="$MICROBE_ARCHIVE" >"$OUT" 2>"$ERR" || die "show main"
jq -e '[.benchmarks[] | select(.microbe) | .allocs_per_iter] == [1, 3]' "$OUT" >/dev/null || die "archive: $(jq -c '[.benchmarks[] | .microbe.alloc]' "$OUT")"
ok "the archive keeps the counts (microbe show)"
expect_exit 0 "$B" "${Q[@]}" --filter='^(one|three)$' --baseline=main --fail-on-regression --threshold=500
expect_exit 0 "$MORE" "${Q[@]}" --filter='^(one|three)$' --baseline=main
stdout_has "one: allocations per iteration rose from 1 to 2 (100 to 200 bytes)"
expect_exit 1 "$MORE" "${Q[@]}" --filter='^(one|three)$' --baseline=main --fail-on-regression --threshold=500
stderr_has "1 benchmark allocates more per iteration than baseline \"main\": one (1 -> 2 allocs/iter)"
expect_exit 0 "$MORE" "${Q[@]}" --filter='^(one|three)$' --save-baseline=more
expect_exit 1 "$TOOL" compare main more --fail-on-regression --threshold=500 --archive="$MICROBE_ARCHIVE"
stderr_has "allocates more per iteration than"
expect_exit 0 "$TOOL" compare more main --fail-on-regression --threshold=500 --archive="$MICROBE_ARCHIVE"
ok "fewer allocations is no regression"
done_checks
