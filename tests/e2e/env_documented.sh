#!/bin/bash
# Every environment variable microbe reads is in README.md's table: the
# getenv() literals and *_ENV macros of core/ and tools/, and the flags'
# MICROBE_* variables (their names from --help's flags).
# usage: env_documented.sh SOURCE_ROOT BENCH
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 SOURCE_ROOT BENCH"
SRC=$1
B=$2
readme="$SRC/README.md"
names=$( (grep -ho 'getenv("[A-Z_]*")' "$SRC"/core/*.c "$SRC"/tools/*.c | sed 's/getenv("\(.*\)")/\1/'
    grep -ho '#define [A-Z_]*_ENV "[A-Z_]*"' "$SRC"/core/*.h "$SRC"/tools/*.h 2>/dev/null | sed 's/.*"\(.*\)"/\1/') | sort -u)
[ -n "$names" ] || die "found no getenv() in the sources"
for v in $names; do
    grep -q "\`$v\`" "$readme" || die "README.md does not document $v"
done
ok "README documents every getenv() name: $(echo $names | tr '\n' ' ')"
expect_exit 0 "$B" --help
flags=$(grep -o -- '--[a-z][a-z-]*[a-z]' "$OUT" | grep -v -- '--fail-on$' | sort -u | grep -v -- '--\(list\|help\|version\)$')
for f in $flags; do
    v=MICROBE_$(echo "${f#--}" | tr 'a-z-' 'A-Z_')
    grep -q "\`$v\`" "$readme" || die "README.md does not list $v (for $f)"
done
ok "README lists the variable of every flag of --help"
done_checks
