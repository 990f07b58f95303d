#!/bin/bash
# The man pages document every flag --help lists (bench program:
# microbe-bench(7), tool: microbe(1)), and render without warnings where
# scdoc built them.
# usage: man.sh SOURCE_ROOT BUILD_ROOT BENCH MICROBE
. "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || die "usage: $0 SOURCE_ROOT BUILD_ROOT BENCH MICROBE"
SRC=$1
BUILD=$2
check() { # PROGRAM PAGE
    "$1" --help >"$OUT" 2>"$ERR" || die "$1 --help"
    local n
    n=$(wc -l <"$OUT")
    [ "$n" -le 50 ] || die "$1 --help is $n lines, more than a screen"
    awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$OUT" || die "$1 --help has lines over 80 columns"
    for f in $(grep -o -- '--[a-z][a-z-]*[a-z]' "$OUT" | grep -v -- '--fail-on$' | sort -u); do
        grep -qF -- "*$f*" "$SRC/docs/man/$2.scd" || die "$2 lacks $f"
    done
    ok "$2 documents every flag of ${1##*/} --help ($n lines)"
}
check "$3" microbe-bench.7
check "$4" microbe.1
for p in microbe.1 microbe-bench.7; do
    page="$BUILD/docs/man/$p"
    if [ ! -f "$page" ]; then
        ok "SKIP rendering $p: scdoc not found at configure time"
        continue
    fi
    if command -v man >/dev/null 2>&1; then
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$OUT" 2>"$ERR" || die "man -l $p"
        [ ! -s "$ERR" ] || die "man warns on $p: $(head -n 3 "$ERR")"
        grep -q "EXIT STATUS" "$OUT" || die "$p has no EXIT STATUS"
        ok "$p renders without warnings"
    fi
done
done_checks
