#!/bin/bash
# Benchmarks do not inherit each other's process state: each runs in its
# own fork of the round's worker (docs/design.md), so the second benchmark
# of the fixture never sees what the first one left behind, in any round.
# usage: isolation.sh E2E_ISOLATED
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 ISOLATED"
B=$1

expect_exit 0 "$B" --list
[ "$(cat "$OUT")" = "$(printf 'first_leaves_state\nsecond_sees_none')" ] ||
    die "unexpected order: $(cat "$OUT")"
ok "first_leaves_state runs before second_sees_none"

expect_exit 0 "$B" --format=csv --min-time=0.01 --samples=5 --rounds=3
for g in first_leaves_state second_sees_none; do
    grep -E "^\"?$g\"?,.*,5,[0-9.e+-]+," "$OUT" >/dev/null ||
        die "no measured row with 5 samples for $g: $(cat "$OUT")"
done
ok "both measured over 3 rounds; the second never saw the first's state"
done_checks
