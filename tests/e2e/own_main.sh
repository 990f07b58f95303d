#!/bin/bash
# A program with its own main(): its setup runs once, in the parent, not
# again in every round's worker (workers start before main, core/entry.c),
# linked statically or against libmicrobe.so; the rounds still run in
# fresh processes; SIGPIPE is as it was when mb_main returns.
# usage: own_main.sh OWN_MAIN_STATIC OWN_MAIN_SHARED
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 STATIC SHARED"

for prog in "$1" "$2"; do
    export OWN_MAIN_LOG="$E2E_TMP/${prog##*/}.log"
    expect_exit 0 "$prog" --format=csv --min-time=0.01 --samples=6 --rounds=3
    grep -E '^"?adds"?,"?"?,"?adds"?,,[1-9][0-9]*,[0-9.e+-]+,' "$OUT" >/dev/null ||
        die "no measured row for adds: $(cat "$OUT")"
    ok "${prog##*/}: adds measured over 3 rounds"
    [ "$(wc -l <"$OWN_MAIN_LOG")" -eq 1 ] ||
        die "${prog##*/}: main ran $(wc -l <"$OWN_MAIN_LOG") times, want once"
    ok "${prog##*/}: main ran once"
    [ "$(grep -c 'own main: setup done' "$ERR")" -eq 1 ] ||
        die "${prog##*/}: the setup line $(grep -c 'own main' "$ERR") times"
    ok "${prog##*/}: its setup printed once"
    # --list and --help are the program's own business: main runs.
    expect_exit 0 "$prog" --list
    stdout_has adds
done
done_checks
