#!/bin/bash
# Every bad input to the tool: one line on stderr and exit 2, never a
# crash or a hang.
. "$(dirname "$0")/tool_lib.sh"
F=$TOOL_FIXTURES
M=$MICROBE

run 0 "$M" --version
has "$T/out" '^microbe [0-9]'
run 0 "$M" --help
has "$T/out" 'compare OLD NEW'
run 0 "$M" compare --help
has "$T/out" 'usage: microbe compare'

# Command line.
fails_with "$M"
fails_with "$M" frobnicate
fails_with "$M" --frobnicate
fails_with "$M" list --format=json
fails_with "$M" list extra-arg
fails_with "$M" show
fails_with "$M" show a b
fails_with "$M" compare "$F/base.json"
fails_with "$M" compare "$F/base.json" "$F/same.json" --threshold=abc
fails_with "$M" compare "$F/base.json" "$F/same.json" --threshold=-1
fails_with "$M" compare "$F/base.json" "$F/same.json" --alpha=1.5
fails_with "$M" compare "$F/base.json" "$F/same.json" --alpha
fails_with "$M" compare "$F/base.json" "$F/same.json" --format=yaml
fails_with "$M" compare "$F/base.json" "$F/same.json" --fail-on-regression=yes
fails_with "$M" compare "$F/base.json" "$F/same.json" --keep=3
fails_with "$M" compare "$F/base.json" "$F/same.json" --archive=
fails_with "$M" compare "$F/base.json" "$F/same.json" -- x

# Inputs.
fails_with "$M" compare "$F/base.json" "$T/missing.json"
has "$T/err" 'missing.json' stderr
printf '{"context": {"microbe_format": 1}, "benchmarks": [{"name": 3}]}' >"$T/bad.json"
fails_with "$M" compare "$F/base.json" "$T/bad.json"
has "$T/err" 'bad.json' stderr
printf '{"context": {"microbe_format": 99}, "benchmarks": []}' >"$T/future.json"
fails_with "$M" show "$T/future.json"
printf 'not json at all' >"$T/garbage.json"
fails_with "$M" show "$T/garbage.json"
: >"$T/empty.json"
fails_with "$M" show "$T/empty.json"
zstd -q "$F/base.json" -o "$T/base.json.zst"
head -c 200 "$T/base.json.zst" >"$T/trunc.json.zst"
fails_with "$M" show "$T/trunc.json.zst"
has "$T/err" 'trunc.json.zst' stderr
fails_with "$M" compare main latest --archive="$T/none"
fails_with "$M" show latest --archive="$T/none"
mkdir -p "$T/arch/runs"
zstd -q "$F/base.json" -o "$T/arch/runs/20261120T100000.000Z-0001.json.zst"
zstd -q "$F/base.json" -o "$T/arch/runs/20261120T110000.000Z-0002.json.zst"
fails_with "$M" show 2026 --archive="$T/arch"
has "$T/err" 'ambiguous|2026' stderr
fails_with "$M" list --archive="$F/base.json"
sed 's/"measure": "time"/"measure": "instructions"/' "$F/slower.json" >"$T/instr.json"
grep -q '"measure": "instructions"' "$T/instr.json" || fail "no instructions fixture"
fails_with "$M" compare "$F/base.json" "$T/instr.json"
has "$T/err" 'different measures.*--measure=time.*--measure=instructions' stderr

# ab: bad programs and bad flags (bench programs are not run to the end).
A=${TOOL_BENCH_A:?}
fails_with "$M" ab "$A"
fails_with "$M" ab "$A" "$T/no-such-bench"
has "$T/err" 'NEW_BIN .*no-such-bench.*No such file' stderr
fails_with "$M" ab /bin/true "$A"
has "$T/err" "OLD_BIN '/bin/true' is not a microbe bench program" stderr
fails_with "$M" ab "$A" /bin/ls
has "$T/err" "NEW_BIN '/bin/ls' is not a microbe bench program" stderr
fails_with "$M" ab "$A" "$F/base.json"
has "$T/err" 'not executable' stderr
fails_with "$M" ab "$A" "$F"
fails_with "$M" ab "$A" "$A" --rounds=1
fails_with "$M" ab "$A" "$A" --rounds=x
fails_with "$M" ab "$A" "$A" --min-time=0
fails_with "$M" ab "$A" "$A" --cpu=minus
fails_with "$M" ab "$A" "$A" --seed=-4
fails_with "$M" ab "$A" "$A" --archive=x
fails_with "$M" ab "$A" "$A" -- --out=x.json
has "$T/err" "'--out=x.json' cannot be passed" stderr
fails_with "$M" ab "$A" "$A" -- --min-time=1
has "$T/err" "give it to microbe ab itself" stderr
fails_with "$M" ab "$A" "$A" -- --bogus-flag
has "$T/err" "OLD_BIN .*--list failed: called exit[(]2[)]: .*bogus-flag" stderr
fails_with "$M" ab "$A" "$A" -- '--filter=('
has "$T/err" "list failed" stderr
fails_with "$M" ab "$A" "$A" -- --filter=nothing-matches
has "$T/err" "selects no benchmark|matches no benchmark" stderr
fails_with "$M" ab "$A" "$A" --max-time=-1
has "$T/err" "max-time: '-1' is not a number of seconds" stderr
fails_with "$M" ab "$A" "$A" -- --max-time=3
has "$T/err" "give it to microbe ab itself" stderr
fails_with "$M" ab "$A" "$A" --cpu=100000
has "$T/err" "ab: --cpu=100000: no such CPU, or not allowed for this process" stderr
fails_with "$M" ab "$A" "${TOOL_BENCH_OTHER:?}"
has "$T/err" 'no benchmark in common' stderr

# A bench program that crashes mid-run: killed by a signal in round 3, or
# reporting a crashed benchmark (exit 2) in round 2; the side and the round
# are named.
C=${TOOL_BENCH_CRASH:?}
TB_CRASH_AT=3 TB_CRASH_STATE=$T/count1 fails_with "$M" ab "$A" "$C" --rounds=4 --min-time=0.002
has "$T/err" "NEW_BIN '.*tool_bench_crash' failed in round 3/4: crashed [(]signal 9" stderr
TB_CRASH_AT=2 TB_CRASH_HOW=bench TB_CRASH_STATE=$T/count2 fails_with "$M" ab "$C" "$A" --rounds=4 --min-time=0.002
has "$T/err" "OLD_BIN '.*tool_bench_crash' failed in round 2/4: called exit[(]2[)]: .*spin" stderr
[ -z "$(ls "${TMPDIR:-/tmp}" | grep "^microbe-ab\.")" ] || echo "note: microbe-ab temp dirs exist in ${TMPDIR:-/tmp} (maybe from other runs)"
finish
