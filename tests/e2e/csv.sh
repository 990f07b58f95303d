#!/bin/bash
# --format=csv: one header line, then one line per benchmark.
# usage: csv.sh BENCH_FIND_DUPS
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BENCH"
B=$1

expect_exit 0 "$B" --format=csv --min-time=0.01 --samples=5 \
    '--filter=(sorted|hash)/(4|16)$'
lines=$(wc -l <"$OUT")
[ "$lines" -eq 5 ] || die "$lines lines, want a header and 4: $(cat "$OUT")"
ok "header + 4 lines"
head -n 1 "$OUT" | grep -q '^name,' || die "header: $(head -n 1 "$OUT")"
ok "header starts with name,"
cols=$(head -n 1 "$OUT" | awk -F, '{print NF}')
i=0
for name in sorted/4 sorted/16 hash/4 hash/16; do
    i=$((i + 1))
    line=$(sed -n "$((i + 1))p" "$OUT")
    case $line in
    \"find_duplicates/$name\",* | find_duplicates/$name,*) ;;
    *) die "line $((i + 1)) is not find_duplicates/$name: $line" ;;
    esac
    n=$(echo "$line" | awk -F, '{print NF}')
    [ "$n" -eq "$cols" ] || die "line $((i + 1)) has $n fields, header $cols"
done
ok "one line per benchmark, in order, as many fields as the header"
done_checks
