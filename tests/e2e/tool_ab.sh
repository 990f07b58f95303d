#!/bin/bash
# microbe ab end to end on two tiny bench programs: identical programs
# pass, a 50% slowdown fails with --fail-on-regression, benchmarks on one
# side only are new/gone. Wide margins (--threshold=20) so that a noisy
# machine cannot flip the verdicts.
. "$(dirname "$0")/tool_lib.sh"
M=$MICROBE
A=${TOOL_BENCH_A:?}
S=${TOOL_BENCH_SLOW:?}
X=${TOOL_BENCH_EXTRA:?}
FAST=(--rounds=8 --min-time=0.004 --threshold=20)

run 0 "$M" ab "$A" "$A" "${FAST[@]}" --fail-on-regression
has "$T/out" '0 slower, 0 faster, 2 unchanged'
has "$T/out" 'spin/100'

run 1 "$M" ab "$A" "$S" "${FAST[@]}" --fail-on-regression
has "$T/out" 'spin/400 .*slower'
has "$T/out" '2 slower'
[ "$(wc -l <"$T/err")" = 1 ] || fail "exit 1 must print one line"
has "$T/err" "^microbe: regression: 2 benchmarks significantly slower than .*tool_bench_a" stderr

# Without --fail-on-regression the same finding exits 0; JSON is paired.
run 0 "$M" ab "$A" "$S" "${FAST[@]}" --format=json --seed=7
/usr/bin/python3 - "$T/out" <<'PY' || fail "ab --format=json"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["comparison"]
assert c["paired"] is True, c
assert {r["name"]: r["verdict"] for r in c["rows"]} == {
    "spin/100": "slower", "spin/400": "slower"}, c["rows"]
for b in (b for b in d["benchmarks"] if "microbe" in b):
    rounds = set(b["microbe"]["samples"]["round"])
    assert rounds == set(range(8)), rounds
assert d["context"]["rounds"] == 8 and d["context"]["ab_side"] == "new"
# The rounds' lag-1 autocorrelation the paired test allowed for, and how
# much it widened the interval (1: not at all).
for r in c["rows"]:
    assert 0 <= r["round_autocorr"] <= 0.8 and r["interval_widened"] >= 1, r
PY

# Measuring until decided: at threshold 0 an A/A comparison of a program
# whose level moves from process to process can never be "unchanged" (its
# interval would have to be [0, 0]), so its benchmarks stay inconclusive
# and get the later looks (4, 6, 8, 10 rounds), unless significant by
# chance. Rounds are added only to the benchmarks still undecided.
N=${TOOL_BENCH_NOISY:?}
run 0 "$M" ab "$N" "$N" --rounds=4 --min-time=0.002 --threshold=0 --max-time=120 --format=json
/usr/bin/python3 - "$T/out" <<'PY' || fail "ab looks"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["context"]
assert c["ab_max_looks"] == 4 and c["ab_looks"] >= 2, c
assert c["rounds"] == 4 + 2 * (c["ab_looks"] - 1), c
rows = {r["name"]: r["verdict"] for r in d["comparison"]["rows"]}
for b in (b for b in d["benchmarks"] if "microbe" in b):
    r = set(b["microbe"]["samples"]["round"])
    assert r == set(range(len(r))) and len(r) >= 4, (b["name"], r)
    if rows[b["name"]] == "inconclusive":
        assert len(r) == c["rounds"], (b["name"], r)
assert "sequential: look %d of at most 4" % c["ab_looks"] in d["comparison"]["correction"]
# The later looks ran both programs at once, taking turns (docs/ab.md,
# "Looks in lockstep"): their rounds hold samples of both sides.
assert c["ab_lockstep_looks"] == c["ab_looks"] - 1, c
if "inconclusive" in rows.values():
    assert c["ab_stopped"] in ("looks", "max-time"), c
    assert any("still inconclusive after" in w for w in c["warnings"]), c["warnings"]
PY
# MICROBE_LOCKSTEP is ab's to set: a value naming no open pipe ends is
# refused in one line, before anything is measured.
MICROBE_LOCKSTEP=900,901 run 2 "$A" --min-time=0.001
has "$T/err" "error: MICROBE_LOCKSTEP='900,901' does not name two open pipe ends" stderr
[ "$(wc -l <"$T/err")" = 1 ] || fail "a bad MICROBE_LOCKSTEP must print one line"
hasnt "$T/out" 'spin' # nothing measured

# --max-time=0: one look, at the full alpha, as a fixed design.
run 0 "$M" ab "$A" "$A" --rounds=4 --min-time=0.002 --threshold=0 --max-time=0 --format=json
/usr/bin/python3 - "$T/out" <<'PY' || fail "ab --max-time=0"
import json, sys
c = json.load(open(sys.argv[1]))["context"]
assert c["ab_looks"] == 1 and c["ab_max_looks"] == 1 and c["rounds"] == 4, c
PY

# One benchmark only on the new side: new; only on the old side: gone.
run 0 "$M" ab "$A" "$X" "${FAST[@]}" --fail-on-regression
has "$T/out" '^only_here .*new'
run 0 "$M" ab "$X" "$A" "${FAST[@]}" --format=markdown -- --filter='spin/100|only'
has "$T/out" 'only_here.*gone'
hasnt "$T/out" 'spin/400'
finish
