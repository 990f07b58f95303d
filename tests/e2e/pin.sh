#!/bin/bash
# CPU choice between concurrent runs (core/pin.c): two bench programs
# started together land on different CPUs, and a bench program started
# while `microbe ab` runs avoids the CPU ab holds. A private lock directory
# (MICROBE_LOCK_DIR) keeps other test runs on this machine out of it.
#   pin.sh BENCH MICROBE
. "$(dirname "$0")/lib.sh"
BENCH=$1
TOOL=$2
ncpu=$(/usr/bin/python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
if [ "$ncpu" -lt 2 ]; then
    echo "skip: only $ncpu CPU allowed"
    exit 77
fi
export MICROBE_LOCK_DIR="$E2E_TMP/locks"
cpu_of() { jq -r '.context.pinned_cpu' "$1"; }

"$BENCH" --filter='^find_duplicates/hash/16$' --min-time=0.3 --format=json --out="$E2E_TMP/a.json" 2>"$E2E_TMP/a.err" &
pa=$!
"$BENCH" --filter='^find_duplicates/hash/16$' --min-time=0.3 --format=json --out="$E2E_TMP/b.json" 2>"$E2E_TMP/b.err" &
pb=$!
wait $pa || die "first run failed: $(cat "$E2E_TMP/a.err")"
wait $pb || die "second run failed: $(cat "$E2E_TMP/b.err")"
a=$(cpu_of "$E2E_TMP/a.json")
b=$(cpu_of "$E2E_TMP/b.json")
[ "$a" != "$b" ] || die "both runs pinned CPU $a"
ok "two runs started together: CPUs $a and $b"
for f in a b; do
    jq -e '.context.cpu_choice | test("least busy")' "$E2E_TMP/$f.json" >/dev/null ||
        die "no cpu_choice reason in run $f: $(jq -c .context.cpu_choice "$E2E_TMP/$f.json")"
    ! grep -q 'taken by another microbe run' "$E2E_TMP/$f.err" ||
        die "run $f warned of sharing with a free CPU left"
done
ok "each says why it chose its CPU, neither warns of sharing"

# The header says it too.
"$BENCH" --filter='^find_duplicates/hash/16$' >"$OUT" 2>"$ERR" || die "console run failed"
grep -q 'CPU [0-9]* pinned: least busy, [0-9]*% busy' "$OUT" || die "header: $(head -1 "$OUT")"
ok "console header names the choice"

# ab holds its CPU for all rounds; a run started meanwhile goes elsewhere.
"$TOOL" ab "$BENCH" "$BENCH" --rounds=12 --min-time=0.05 --format=json -- --filter='^find_duplicates/hash/16$' \
    >"$E2E_TMP/ab.json" 2>"$E2E_TMP/ab.err" &
pab=$!
for _ in $(seq 100); do
    grep -qs "^pid $pab " "$MICROBE_LOCK_DIR"/cpu*.lock && break
    sleep 0.05
done
grep -qs "^pid $pab " "$MICROBE_LOCK_DIR"/cpu*.lock || die "ab took no CPU lock"
"$BENCH" --filter='^find_duplicates/hash/16$' --format=json --out="$E2E_TMP/c.json" 2>"$E2E_TMP/c.err" ||
    die "run beside ab failed"
wait $pab || die "ab failed: $(tail -1 "$E2E_TMP/ab.err")"
x=$(cpu_of "$E2E_TMP/ab.json")
c=$(cpu_of "$E2E_TMP/c.json")
[ "$x" != "$c" ] || die "ab and the run beside it both on CPU $x"
ok "ab on CPU $x, the run beside it on CPU $c"
