#!/bin/bash
# microbe list, show and prune on an archive built from fixtures,
# including a corrupt file that must not stop the listing.
. "$(dirname "$0")/tool_lib.sh"
F=$TOOL_FIXTURES
A=$T/archive

run 0 "$MICROBE" list --archive="$A"
has "$T/out" 'no runs or baselines'

mkdir -p "$A/baselines" "$A/runs"
zstd -q "$F/base.json" -o "$A/baselines/main.json.zst"
zstd -q "$F/faster.json" -o "$A/baselines/feature-x.json.zst"
zstd -q "$F/base.json" -o "$A/runs/20261120T100000.000Z-0001.json.zst"
zstd -q "$F/same.json" -o "$A/runs/20261121T100000.000Z-0002.json.zst"
zstd -q "$F/slower.json" -o "$A/runs/20261122T100000.000Z-0003.json.zst"
head -c 100 "$A/runs/20261122T100000.000Z-0003.json.zst" >"$A/runs/20261121T120000.000Z-dead.json.zst"

run 0 "$MICROBE" list --archive="$A"
has "$T/out" '^kind +name +date +commit +benchmarks +cpu'
has "$T/out" '^baseline +main +2026-11-20T10:00:00\+0000 +aaaaaaa +4 +Fixture CPU 3000$'
has "$T/out" '^baseline +feature-x '
has "$T/out" '^run +20261122T100000.000Z-0003 +2026-11-22T10:00:00\+0000 +ccccccc +4 '
has "$T/out" '^run +20261121T120000.000Z-dead +error: .*20261121T120000.000Z-dead'
[ "$(grep -c . "$T/out")" = 7 ] || fail "list: expected a header and 6 rows"
has "$T/err" 'warning: 1 file' stderr
MICROBE_ARCHIVE=$A run 0 "$MICROBE" list
has "$T/out" 'feature-x'

# show: every kind of reference and every format.
run 0 "$MICROBE" show main --archive="$A"
has "$T/out" 'fast/16 .*100 ns'
has "$T/out" 'Fixture CPU 3000'
run 0 "$MICROBE" show latest --archive="$A"
has "$T/out" 'added'
run 0 "$MICROBE" show 20261121T100000 --archive="$A"
run 0 "$MICROBE" show "$F/gb.json"
has "$T/out" 'BM_spin/64'
run 0 "$MICROBE" show main --archive="$A" --format=json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len([b for b in d["benchmarks"] if "microbe" in b]) == 4 and d["context"]["microbe_format"] >= 1' "$T/out" || fail "show --format=json"
run 0 "$MICROBE" show main --archive="$A" --format=csv
has "$T/out" '^"?grp/fast/64"?,'
run 0 "$MICROBE" show main --archive="$A" --format=markdown
has "$T/out" '^\|'
fails_with "$MICROBE" show nothing-here --archive="$A"
has "$T/err" "nothing-here" stderr
fails_with "$MICROBE" show 20261121T120000.000Z-dead --archive="$A"
has "$T/err" "20261121T120000.000Z-dead" stderr

# prune keeps the newest runs and never a baseline.
run 0 "$MICROBE" prune --keep=2 --archive="$A"
has "$T/out" 'removed 2 runs'
[ "$(ls "$A/runs" | wc -l)" = 2 ] || fail "prune --keep=2 left $(ls "$A/runs" | wc -l) runs"
[ -e "$A/runs/20261122T100000.000Z-0003.json.zst" ] || fail "prune removed the newest run"
[ "$(ls "$A/baselines" | wc -l)" = 2 ] || fail "prune touched baselines"
run 0 "$MICROBE" prune --keep=0 --archive="$A"
[ "$(ls "$A/runs" | wc -l)" = 0 ] || fail "prune --keep=0 left runs"
run 0 "$MICROBE" show main --archive="$A"
fails_with "$MICROBE" prune --archive="$A"
fails_with "$MICROBE" prune --keep=-1 --archive="$A"
fails_with "$MICROBE" prune --keep=x --archive="$A"
finish
