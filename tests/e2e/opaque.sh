#!/bin/bash
# mb_opaque keeps loop-invariant work in the loop, verified by instruction
# counts under callgrind (tests/e2e/fixtures/opaque.c): `a / b` of two
# invariant doubles costs the loop alone without mb_opaque (the compiler
# hoists the division) and at least one more instruction with it, as many
# as with volatile operands give or take the loads; a 256-byte struct and
# an array are kept without a copy per iteration.
# usage: opaque.sh E2E_OPAQUE
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 E2E_OPAQUE"
export MICROBE_ARCHIVE="$E2E_TMP/archive"

expect_exit 0 "$1" --measure=instructions --format=csv
col() {
    awk -F, -v name="\"$1\"" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "median_instr") k = i; next }
        $1 == name { print $k }' "$OUT"
}
plain=$(col div_plain)
opq=$(col div_opaque)
vol=$(col div_volatile)
big=$(col big_struct)
arr=$(col array)
pp=$(col pause_pair)
echo "instructions per iteration: a/b plain $plain, with mb_opaque $opq," \
    "volatile operands $vol; 256-byte struct $big; int[64] $arr;" \
    "an mb_pause/mb_resume pair $pp"
[ -n "$pp" ] || die "no count for pause_pair"
ok "an mb_pause/mb_resume pair leaves $pp instructions under callgrind"
awk -v p="$plain" -v o="$opq" 'BEGIN { exit !(o >= p + 1) }' ||
    die "a/b with mb_opaque: $opq instructions, without: $plain (want one more at least: the division)"
ok "mb_opaque keeps the division in the loop ($opq against $plain)"
awk -v v="$vol" -v o="$opq" 'BEGIN { exit !(o >= v - 2) }' ||
    die "a/b with mb_opaque: $opq instructions, volatile operands $vol"
ok "as many as with volatile operands, give or take their loads ($vol)"
# A copy of 256 bytes is at least 16 16-byte loads and stores.
awk -v b="$big" 'BEGIN { exit !(b <= 8) }' ||
    die "256-byte struct: $big instructions per iteration (a copy?)"
ok "256-byte struct: $big instructions per iteration, no copy"
awk -v a="$arr" 'BEGIN { exit !(a <= 8) }' ||
    die "int[64]: $arr instructions per iteration"
ok "an array compiles and is kept: $arr instructions per iteration"
grep -q '^"values_cg",.*,"under callgrind","",7,' "$OUT" ||
    die "values_cg row: $(grep values_cg "$OUT")"
ok "label and counter set under callgrind reach the report"
grep -q '^"skipped_cg",.*,"not under valgrind",' "$OUT" ||
    die "skipped_cg row: $(grep skipped_cg "$OUT")"
ok "a skip under callgrind is reported as one"
done_checks
