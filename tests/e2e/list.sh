#!/bin/bash
# --list prints every full name, one a line, in definition order, and
# honours --filter.
# usage: list.sh BENCH_FIND_DUPS
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BENCH"
B=$1

expect_exit 0 "$B" --list
want=""
for v in quadratic sorted hash; do
    for n in 4 16 64 256 1024 4096; do
        want+="find_duplicates/$v/$n"$'\n'
    done
done
[ "$(cat "$OUT")"$'\n' = "$want" ] || die "--list printed:
$(cat "$OUT")"
ok "--list prints the 18 names in order"
head -n 1 "$OUT" | grep -qx 'find_duplicates/quadratic/4' || die "first name"
ok "first name is find_duplicates/quadratic/4"
tail -n 1 "$OUT" | grep -qx 'find_duplicates/hash/4096' || die "last name"
ok "last name is find_duplicates/hash/4096"

expect_exit 0 "$B" --list '--filter=(quadratic|hash)/(16|1024)$'
[ "$(cat "$OUT")" = "find_duplicates/quadratic/16
find_duplicates/quadratic/1024
find_duplicates/hash/16
find_duplicates/hash/1024" ] || die "--list --filter printed: $(cat "$OUT")"
ok "--list --filter keeps the matching names in order"
done_checks
