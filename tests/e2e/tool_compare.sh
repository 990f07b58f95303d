#!/bin/bash
# microbe compare on fixtures with known verdicts: exit codes, rows,
# formats, every kind of reference (file, .json.zst, baseline, latest, run
# id, Google Benchmark JSON).
. "$(dirname "$0")/tool_lib.sh"
F=$TOOL_FIXTURES

run 0 "$MICROBE" compare "$F/base.json" "$F/same.json" --fail-on-regression
has "$T/out" '0 slower, 0 faster, 4 unchanged'
[ -s "$T/err" ] && fail "an exit 0 printed on stderr"

# 50% slower with tight samples: slower; one gone, one new.
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --fail-on-regression
has "$T/out" 'grp/fast/64 .*\+50\.[0-9]%.* slower'
has "$T/out" '^added .* new'
has "$T/out" '^solo .* gone'
# Nothing in the column of the side a benchmark does not exist on.
has "$T/out" '^added  *- '
has "$T/out" '^solo  *[0-9.]* ns  *- '
has "$T/out" '1 slower, 0 faster, 2 unchanged, 1 new, 1 gone'
[ "$(wc -l <"$T/err")" = 1 ] || fail "exit 1 must print one line"
has "$T/err" '^microbe: regression: 1 benchmark significantly slower than .*base.json: grp/fast/64 \(\+50\.[0-9]%\)$' stderr
# Without the flag a slowdown is reported, not failed.
run 0 "$MICROBE" compare "$F/base.json" "$F/slower.json"
has "$T/out" 'slower'
# A threshold above the change: unchanged.
run 0 "$MICROBE" compare "$F/base.json" "$F/slower.json" --threshold=60 --fail-on-regression
has "$T/out" '0 slower'
# +50.3% [+49.4%, +51.3%] against a 51% threshold: the interval reaches
# past it, inconclusive; only --fail-on-inconclusive fails on that.
run 0 "$MICROBE" compare "$F/base.json" "$F/slower.json" --threshold=51 --fail-on-regression
has "$T/out" 'grp/fast/64 .*\+50\.[0-9]%.* inconclusive'
has "$T/out" '0 slower, 0 faster, 2 unchanged, 1 inconclusive, 1 new, 1 gone'
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --threshold=51 --fail-on-inconclusive
has "$T/err" '^microbe: regression: 1 benchmark inconclusive against .*base.json \(interval past the threshold\): grp/fast/64 \(\+50\.[0-9]%\)$' stderr
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --threshold=51 --fail-on-inconclusive --format=markdown
has "$T/out" '| _inconclusive_ |$'
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --threshold=51 --fail-on-inconclusive --format=json
/usr/bin/python3 - "$T/out" <<'PY' || fail "inconclusive in JSON"
import json, sys
d = json.load(open(sys.argv[1]))["comparison"]
rows = {r["name"]: r for r in d["rows"]}
assert rows["grp/fast/64"]["verdict"] == "inconclusive", rows
assert d["counts"]["inconclusive"] == 1, d["counts"]
lo, hi = rows["grp/fast/64"]["change_ci"]
assert lo < 0.51 < hi, (lo, hi)
PY
# Inside +-threshold: unchanged, and --fail-on-inconclusive passes.
run 0 "$MICROBE" compare "$F/base.json" "$F/same.json" --fail-on-inconclusive
has "$T/out" '0 slower, 0 faster, 4 unchanged'
# A slower one fails --fail-on-inconclusive too.
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --fail-on-inconclusive
# Faster never fails.
run 0 "$MICROBE" compare "$F/base.json" "$F/faster.json" --fail-on-regression
has "$T/out" 'grp/slow/16 .*-30\.[0-9]%.* faster'
# A tiny alpha: +50% with tight rounds still gets there (no p-value floor:
# a resampling p could not go below 1e-4).
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --alpha=0.00001 --fail-on-regression

# Formats.
run 1 "$MICROBE" compare "$F/base.json" "$F/slower.json" --format=json --fail-on-regression
/usr/bin/python3 - "$T/out" <<'PY' || fail "compare --format=json"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["name"]: r["verdict"] for r in d["comparison"]["rows"]}
assert rows == {"grp/fast/16": "unchanged", "grp/fast/64": "slower",
                "grp/slow/16": "unchanged", "added": "new", "solo": "gone"}, rows
assert d["comparison"]["counts"]["slower"] == 1
assert len([b for b in d["benchmarks"] if "microbe" in b]) == 4
# New and gone: a value on the side the benchmark exists on only, the same
# statistic as the compared rows' (not the run table's median).
by = {r["name"]: r for r in d["comparison"]["rows"]}
assert "base" not in by["added"] and "now" in by["added"], by["added"]
assert "now" not in by["solo"] and "base" in by["solo"], by["solo"]
stat = by["grp/fast/16"]["statistic"]
assert by["added"]["statistic"] == by["solo"]["statistic"] == stat, by
med = {b["name"]: b["microbe"]["summary"]["median"]
       for b in d["benchmarks"] if "microbe" in b}
assert by["added"]["now"] != med["added"], (by["added"], med["added"])
PY
run 0 "$MICROBE" compare "$F/base.json" "$F/slower.json" --format=csv
has "$T/out" 'grp/fast/64.*,slower'
run 0 "$MICROBE" compare "$F/base.json" "$F/slower.json" --format=markdown
has "$T/out" '^\| `grp/fast/64` .*slower'

# Archive references: baseline name, latest, run id prefix, .json.zst.
A=$T/archive
mkdir -p "$A/baselines" "$A/runs"
zstd -q "$F/base.json" -o "$A/baselines/main.json.zst"
zstd -q "$F/same.json" -o "$A/runs/20261121T100000.000Z-aaaa.json.zst"
zstd -q "$F/slower.json" -o "$A/runs/20261122T100000.000Z-bbbb.json.zst"
run 1 "$MICROBE" compare main latest --archive="$A" --fail-on-regression
has "$T/out" 'baseline "main"'
has "$T/err" 'slower than baseline "main"' stderr
run 0 "$MICROBE" compare main 20261121T1000 --archive="$A" --fail-on-regression
has "$T/out" '4 unchanged'
MICROBE_ARCHIVE=$A run 0 "$MICROBE" compare main 20261121T100000.000Z-aaaa
run 0 "$MICROBE" compare "$A/baselines/main.json.zst" "$F/same.json"
has "$T/out" '4 unchanged'

# Google Benchmark JSON on either side.
run 0 "$MICROBE" compare "$F/gb.json" "$F/gb.json" --fail-on-regression
has "$T/out" 'BM_spin/16 .* unchanged'
has "$T/out" '2 unchanged'
run 0 "$MICROBE" compare "$F/base.json" "$F/gb.json"
has "$T/out" '2 new, 4 gone'
finish
