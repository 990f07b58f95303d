#!/usr/bin/env bash
# Google Benchmark files and impossible values (issue 12.6), through the
# tool as a user runs it. Fixtures: tests/fixtures/gb (real Google
# Benchmark 1.7.1 output and what gen_fixtures.py derives from it).
. "$(dirname "$0")/tool_lib.sh"
G="$TOOL_FIXTURES/../gb"
M=$MICROBE

# Aggregates only (--benchmark_report_aggregates_only): compared on the
# aggregates, the method said; compare.py shows +38% on these files.
run 0 "$M" compare "$G/agg_old.json" "$G/agg_new.json"
has "$T/out" '^hash/16 .* \+38\.0% +\[\+[0-9.]+%, \+[0-9.]+%\] +slower$' "aggregates row"
has "$T/out" "compared on Google Benchmark's aggregates" "aggregates note"
has "$T/out" '1 slower.*Holm, 2 compared' "two compared"
run 1 "$M" compare "$G/agg_old.json" "$G/agg_new.json" --fail-on-regression &&
    has "$T/err" '^microbe: regression: 1 benchmark significantly slower than .*agg_old.json: hash/16 \(\+38\.0%\)$' stderr
run 0 "$M" compare "$G/agg_old.json" "$G/agg_old.json" --fail-on-regression
# Without cpu_time (optional in Google Benchmark's schema) too.
run 0 "$M" compare "$G/agg_nocpu.json" "$G/agg_old.json" --fail-on-regression

# One row per benchmark (the default): no significance claim, said so; a
# gate cannot pass on it.
run 0 "$M" compare "$G/single_old.json" "$G/single_new.json"
has "$T/out" '^hash/16 .* \+9900\.0% +no test +inconclusive$' "single row"
has "$T/out" 'no significance claim' "single-row note"
hasnt "$T/out" 'unchanged$' "a row claimed unchanged"
run 1 "$M" compare "$G/single_old.json" "$G/single_new.json" --fail-on-regression &&
    has "$T/err" '^microbe: regression: 2 benchmarks cannot be tested against .*single_old.json \(one measurement on a side; .*--benchmark_repetitions.*\): hash/16 \(\+9900\.0%\) hash/64 \(\+0\.0%\)$' stderr
[ "$(wc -l <"$T/err")" = 1 ] || fail "--fail-on-regression: not one line"

# No CPU name in a Google Benchmark file: unknown, not different.
run 0 "$M" compare "$G/single_old.json" "$G/single_old.json"
has "$T/out" '\(unknown CPU' "unknown CPU"
hasnt "$T/out" 'DIFFERENT' "DIFFERENT CPU"

# show --format=json keeps Google Benchmark's cpu_time.
run 0 "$M" show "$G/single_old.json" --format=json &&
    /usr/bin/python3 - "$G/single_old.json" "$T/out" <<'PY' || fail "cpu_time not kept"
import json, sys
old = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
new = [b for b in json.load(open(sys.argv[2]))["benchmarks"] if "microbe" in b]
assert len(new) == 2, new
for b in new:
    o = old[b["name"]]
    assert abs(b["cpu_time"] - o["cpu_time"] * 1e0) < 1e-9 * o["cpu_time"], (b, o)
    assert abs(b["real_time"] - o["real_time"]) < 1e-9 * o["real_time"], (b, o)
    assert b["cpu_time"] != b["real_time"]
PY
run 0 "$M" show "$G/agg_old.json" --format=json &&
    /usr/bin/python3 - "$G/agg_old.json" "$T/out" <<'PY' || fail "aggregates not kept"
import json, sys
key = lambda b: b["name"]
old = {key(b): b for b in json.load(open(sys.argv[1]))["benchmarks"]}
new = {key(b): b for b in json.load(open(sys.argv[2]))["benchmarks"]}
for n in ("hash/16_mean", "hash/16_median", "hash/16_stddev", "hash/64_mean"):
    for k in ("real_time", "cpu_time"):
        assert abs(new[n][k] - old[n][k]) < 1e-9 * old[n][k], (n, k, new[n], old[n])
    assert new[n]["repetitions"] == 5 and new[n]["run_type"] == "aggregate"
PY

# Impossible values: refused with one line naming the file and the field.
bad() { # NAME JQ-EDIT SOURCE FIELD-REGEX
    jq "$2" "$3" >"$T/$1.json"
    fails_with "$M" show "$T/$1.json" &&
        has "$T/err" "$T/$1.json: .*$4" "the error for $1"
    fails_with "$M" compare "$3" "$T/$1.json" --fail-on-regression
}
S="$G/single_old.json"
bad it0 '.benchmarks[0].iterations = 0' "$S" "'iterations' must be > 0 \\(got 0\\)"
bad itneg '.benchmarks[0].iterations = -5' "$S" "'iterations' must be > 0"
bad tneg '.benchmarks[0].real_time = -8.83' "$S" "'real_time' must be > 0 \\(got -8.83\\)"
bad t0 '.benchmarks[0].real_time = 0' "$S" "'real_time' must be > 0"
bad tnull '.benchmarks[0].real_time = null' "$S" "'real_time' is null"
bad tmissing 'del(.benchmarks[0].real_time)' "$S" "missing key 'real_time'"
bad cpuneg '.benchmarks[1].cpu_time = -1' "$S" "'cpu_time' must be >= 0"
bad aggneg '.benchmarks[0].real_time = -1' "$G/agg_old.json" "'real_time' must be > 0"
F="$TOOL_FIXTURES/base.json"
bad nsneg '.benchmarks[0].microbe.samples.ns[3] = -8830' "$F" "sample 3: 'ns' must be >= 0"
bad nsnull '.benchmarks[0].microbe.samples.ns[0] = null' "$F" "sample 0: 'ns' is null"
bad iters0 '.benchmarks[0].microbe.samples.iters[2] = 0' "$F" "sample 2: 'iters' must be > 0"
# JSON has no NaN; a file written with one is not JSON at all.
sed 's/"real_time": [0-9.e+-]*/"real_time": NaN/' "$S" >"$T/nan.json"
fails_with "$M" show "$T/nan.json" && has "$T/err" "$T/nan.json: invalid JSON" "NaN"
finish
