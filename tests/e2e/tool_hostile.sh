#!/bin/bash
# An archive with things in it that are not runs: FIFOs named like runs
# (nothing may block on them), runs/ or baselines/ that are symbolic links
# (nothing outside the archive is read, written or deleted), links among
# the runs (not followed).
. "$(dirname "$0")/tool_lib.sh"
F=$TOOL_FIXTURES
A=$T/archive
B=${TOOL_BENCH_A:?TOOL_BENCH_A is not set}
# Every command here must finish: a FIFO that is opened blocks forever.
t() { timeout 20 "$@"; }
# bench_fails CMD...: a bench program's exit 2 with one error line.
bench_fails() {
    run 2 "$@" || return 1
    [ "$(wc -l <"$T/err")" = 1 ] && grep -q ': error: ' "$T/err" ||
        fail "'$*': expected one error line on stderr"
}

mkdir -p "$A/baselines" "$A/runs"
zstd -q "$F/base.json" -o "$A/baselines/main.json.zst"
zstd -q "$F/base.json" -o "$A/runs/20261120T100000.000Z-0001.json.zst"
mkfifo "$A/runs/20261130T100000.000Z-fifo.json.zst" "$A/baselines/pipe.json.zst"

run 0 t "$MICROBE" list --archive="$A"
has "$T/out" '^run +20261130T100000.000Z-fifo +error: .*fifo.json.zst.*FIFO'
has "$T/out" '^baseline +pipe +error: .*FIFO'
has "$T/out" '^run +20261120T100000.000Z-0001 .* 4 '
fails_with t "$MICROBE" show latest --archive="$A"
has "$T/err" 'fifo.json.zst: a FIFO' stderr
fails_with t "$MICROBE" show pipe --archive="$A"
run 0 t "$MICROBE" show main --archive="$A"
run 0 t "$MICROBE" report 20261120T100000.000Z-0001 --archive="$A" --out="$T/r.html"
bench_fails t "$B" --baseline=pipe --archive="$A" --min-time=0.01
has "$T/err" 'pipe.json.zst: a FIFO' stderr
rm -f "$A/runs/20261130T100000.000Z-fifo.json.zst" "$A/baselines/pipe.json.zst"

# A link among the runs is listed as an error and not followed.
echo '{"context": {}}' >"$T/elsewhere.json"
ln -s "$T/elsewhere.json" "$A/runs/20261125T100000.000Z-link.json.zst"
run 0 t "$MICROBE" list --archive="$A"
has "$T/out" '^run +20261125T100000.000Z-link +error: .*symbolic link'
fails_with t "$MICROBE" show 20261125T100000.000Z-link --archive="$A"
rm "$A/runs/20261125T100000.000Z-link.json.zst"

# runs/ a link to somewhere else: refused by list, show, prune and saves;
# prune --keep=0 deletes nothing there.
O=$T/other
mkdir -p "$O"
zstd -q "$F/base.json" -o "$O/important.json.zst"
mv "$A/runs" "$T/real-runs"
ln -s "$O" "$A/runs"
fails_with t "$MICROBE" list --archive="$A"
has "$T/err" 'runs is a symbolic link' stderr
fails_with t "$MICROBE" prune --keep=0 --archive="$A"
has "$T/err" 'runs is a symbolic link' stderr
[ -e "$O/important.json.zst" ] || fail "prune deleted a file outside the archive"
fails_with t "$MICROBE" show latest --archive="$A"
bench_fails t "$B" --save-baseline=x --archive="$A" --min-time=0.01
has "$T/err" 'runs is a symbolic link' stderr
[ "$(ls "$O")" = important.json.zst ] || fail "a save wrote outside the archive"
rm "$A/runs"
mv "$T/real-runs" "$A/runs"
# The same for baselines/.
mv "$A/baselines" "$T/real-bases"
ln -s "$O" "$A/baselines"
fails_with t "$MICROBE" list --archive="$A"
has "$T/err" 'baselines is a symbolic link' stderr
fails_with t "$MICROBE" show important --archive="$A"
run 0 t "$MICROBE" prune --keep=0 --archive="$A"
[ -e "$O/important.json.zst" ] || fail "prune deleted a file outside the archive"

rm "$A/baselines"
mv "$T/real-bases" "$A/baselines"

# A baseline named "latest" (saved by an older microbe) does not hide the
# newest run.
zstd -q "$F/slower.json" -o "$A/baselines/latest.json.zst"
zstd -q "$F/same.json" -o "$A/runs/20261201T100000.000Z-0009.json.zst"
run 0 t "$MICROBE" show latest --archive="$A" --format=json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["context"].get("git_commit", d["context"].get("commit", "")).startswith("b"), d["context"]' "$T/out" ||
    fail "show latest showed the baseline named latest"

# Output lost on a full device is an error, with one line.
full() { # CMD...
    checks=$((checks + 1))
    local rc=0
    "$@" >/dev/full 2>"$T/err" || rc=$?
    [ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] &&
        grep -q 'cannot write' "$T/err" ||
        fail "'$* >/dev/full' exited $rc"
}
full "$MICROBE" list --archive="$A"
full "$MICROBE" --help
full "$MICROBE" --version
full "$MICROBE" show main --archive="$A"
full "$MICROBE" show main --format=json --archive="$A"
full "$MICROBE" compare main main --archive="$A"
full "$MICROBE" report main --out=- --archive="$A"
full "$MICROBE" prune --keep=100 --archive="$A"

# An unknown flag with a value is unknown, with the nearest known one.
fails_with "$MICROBE" compare a b --treshold=5
has "$T/err" "unknown flag '--treshold=5' \(did you mean --threshold\?" stderr
fails_with "$MICROBE" list --keep=3
has "$T/err" "does not apply to list" stderr
fails_with "$MICROBE" show $'two\nlines' --archive="$A"

finish
