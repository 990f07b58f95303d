#!/bin/bash
# Names a bench program refuses, and refuses before measuring: baseline
# names that are reserved or read as files, control characters, and
# benchmark names that are not UTF-8. Output to a full device is an error.
# Usage: names.sh BENCH BAD_UTF8 GOOD_UTF8
. "$(dirname "$0")/lib.sh"
BENCH=$1 BAD=$2 GOOD=$3
A=$E2E_TMP/archive

for name in latest x.json y.json.zst .hidden 'a/b' $'two\nlines' ''; do
    start=$(date +%s%N)
    expect_exit 2 "$BENCH" --save-baseline="$name" --archive="$A" --min-time=0.5
    # Refused before measuring: no time spent, nothing archived.
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ] ||
        die "--save-baseline='$name' was refused only after measuring"
    grep -q "invalid baseline name" "$ERR" || die "no reason for '$name'"
    [ ! -e "$A" ] || die "--save-baseline='$name' archived something"
done
ok "reserved and path-like baseline names refused before measuring"

expect_exit 2 "$BAD" --list
grep -q "bad\\\\xffgroup.*not valid UTF-8" "$ERR" || die "non-UTF-8 name: $(cat "$ERR")"
expect_exit 0 "$GOOD" --list
grep -q "^café/count$" "$OUT" || die "a UTF-8 name was changed: $(cat "$OUT")"

# The bench program's own output on a full device.
full() { # CMD...: exit 2 and one line on stderr when stdout is /dev/full
    local rc=0
    "$@" >/dev/full 2>"$ERR" || rc=$?
    [ "$rc" = 2 ] || die "exit $rc, want 2: $* >/dev/full"
    [ "$(wc -l <"$ERR")" = 1 ] || die "not one line: $* >/dev/full"
    grep -q "cannot write" "$ERR" || die "$* >/dev/full: $(cat "$ERR")"
}
for flag in --list --help --version; do
    full "$BENCH" $flag
done
full "$GOOD" --min-time=0.01 --rounds=2 --format=json
ok "output lost on a full device is an error"
echo "$CHECKS checks passed"
