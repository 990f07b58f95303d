#!/bin/bash
# Misbehaving bodies are reported by name with what they did (exit 2, one
# line): break out of MB_LOOP, return from inside it, MB_LOOP twice, a
# fork whose child goes on measuring, closing every file descriptor. A
# body's output to stdout goes to stderr, so --format=json on stdout stays
# JSON; bodies run with SIGPIPE not ignored; a fork done right passes.
# --mb-worker given by hand is refused in one line.
# usage: misuse.sh E2E_MISBEHAVES
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 MISBEHAVES"
B=$1
FLAGS=(--min-time=0.01 --samples=5 --rounds=2)

# bad NAME WHAT: only NAME run, exit 2, one line naming it and saying WHAT.
bad() {
    expect_exit 2 "$B" --filter="^$1\$" "${FLAGS[@]}"
    stderr_has "(first: $1: $2"
}
bad breaks "its body leaves MB_LOOP with break"
bad returns_inside "its body leaves MB_LOOP early"
bad two_loops "its body runs MB_LOOP more than once"
bad forks "its body calls fork() and the child goes on measuring"
bad closes_fds "its body closes file descriptors microbe needs"

# samples NAME: NAME measured with exactly 5 samples (not twice as many).
samples() {
    expect_exit 0 "$B" --filter="^$1\$" --format=csv "${FLAGS[@]}"
    grep -E "^\"?$1\"?,.*,5,[0-9.e+-]+," "$OUT" >/dev/null ||
        die "$1: not one row of 5 samples: $(cat "$OUT")"
    ok "$1: 5 samples"
}
samples forks_right
samples sigpipe_default

expect_exit 0 "$B" --filter='^prints$' --format=json "${FLAGS[@]}"
jq -e '[.benchmarks[] | select(.microbe)] | length == 1' "$OUT" >/dev/null ||
    die "--format=json is not JSON with one benchmark: $(head -c 300 "$OUT")"
ok "--format=json on stdout stays JSON while the body prints"
stderr_has "prints: setup"
stderr_has "prints: in the loop"
stderr_has "prints: teardown"
expect_exit 0 "$B" --filter='^prints$' --format=csv "${FLAGS[@]}"
[ "$(wc -l <"$OUT")" -eq 2 ] || die "csv: not a header and one row: $(cat "$OUT")"
ok "--format=csv: a header and one row"

for w in run:0:1 run:3:4:1 "run:0:1:$$" instructions foo ""; do
    expect_exit 2 "$B" --mb-worker="$w" </dev/null
    stderr_has "is internal to microbe"
done
done_checks
