#!/bin/bash
# Which functions moved (--measure=instructions profiles, ab --why), under
# the real Valgrind, on tests/fixtures/why/why_bench.c built twice: in the
# slow build helper_b does 8x the rounds, pipeline +350%: beyond what a
# flip of the machine's state could make of it (docs/design.md, "Machine
# state"); only helper_b may be named, nothing else above a noise floor of
# zero (the counts are exact); and `chase` follows the same number of
# pointers through memory that misses the cache
# (time moves, instructions do not: "instructions unchanged" and the
# simulated events that moved). Not in sanitizer builds.
# usage: why.sh MICROBE WHY_BENCH WHY_BENCH_SLOW
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $0 MICROBE WHY_BENCH WHY_BENCH_SLOW"
microbe=$1
base=$2
slow=$3
export MICROBE_ARCHIVE="$E2E_TMP/archive"

# A single instructions run prints each benchmark's top functions.
expect_exit 0 "$base" --measure=instructions
grep -qx 'top functions (callgrind, self instructions per iteration, share of the benchmark.s):' "$OUT" ||
    die "no top functions: $(cat "$OUT")"
f='[0-9,]+ \([0-9.]+%, why_bench\.c:[0-9]+\)'
grep -E "^  pipeline: helper_[ab] $f, helper_[ab] $f(, [0-9]+ others? [0-9.]+%)?$" "$OUT" >/dev/null ||
    die "pipeline's top functions: $(cat "$OUT")"
grep -E "^  chase: mb_fn_chase $f$" "$OUT" >/dev/null || die "chase's top functions: $(cat "$OUT")"
ok "a single instructions run lists the top functions with Ir/iter, share and file:line"

# A baseline comparison of two instructions runs.
expect_exit 0 "$base" --measure=instructions --save-baseline=w --format=json
jq -e '.benchmarks[] | select(.name == "pipeline") | .microbe.profile.functions
       | map(.name) | index("helper_b") != null' "$OUT" >/dev/null ||
    die "the run's profile lacks helper_b: $(head -c 600 "$OUT")"
ok "the archived run has each benchmark's functions"
expect_exit 0 "$slow" --measure=instructions --baseline=w --format=json
cp "$OUT" "$E2E_TMP/cmp.json"
row() { jq -c ".comparison.rows[] | select(.name == \"$1\")" "$E2E_TMP/cmp.json"; }
[ "$(row pipeline | jq -r .verdict)" = slower ] || die "pipeline: $(row pipeline)"
moved=$(row pipeline | jq -r '[.why.functions[] | select(.self_change != 0) | .name] | join(",")')
[ "$moved" = helper_b ] || die "functions that moved in pipeline: '$moved', want helper_b only"
ok "pipeline: helper_b and no other function moved"
row pipeline | jq -e '.why.functions[0] | .self_change > 0 and (.file | endswith("why_bench.c")) and .line > 0' >/dev/null ||
    die "helper_b without its change, file or line: $(row pipeline)"
ok "helper_b comes with its change, file and line"
row chase | jq -e '.why.instructions_unchanged and ([.why.events[] | select(.name == "D1mr" and .now > .base)] | length == 1)' >/dev/null ||
    die "chase: $(row chase)"
ok "chase: instructions unchanged, D1mr moved"
[ "$(row steady | jq -r '.why.functions | length')" = 0 ] || die "steady moved: $(row steady)"
ok "steady: nothing moved"

expect_exit 0 "$slow" --measure=instructions --baseline=w
grep -E '^  pipeline \+[0-9.]+%: helper_b \+[0-9,]+ Ir/iter \(why_bench\.c:[0-9]+\)$' "$OUT" >/dev/null ||
    die "no why line for pipeline: $(cat "$OUT")"
ok "the console names helper_b with file and line"
expect_exit 0 "$slow" --measure=instructions --baseline=w --format=markdown
grep -F -- '- `pipeline` +' "$OUT" | grep -qF 'helper_b +' || die "markdown: $(cat "$OUT")"
ok "the markdown names helper_b"

# The HTML report of the pair: a differential flame graph and the table
# of the functions that moved, for the slower benchmark.
expect_exit 0 "$slow" --measure=instructions --format=json --out="$E2E_TMP/slow.json"
expect_exit 0 "$microbe" report w "$E2E_TMP/slow.json" --out="$E2E_TMP/r.html"
/usr/bin/python3 - "$E2E_TMP/r.html" <<'PY' || die "the report's flame graph"
import re, sys, xml.dom.minidom
s = open(sys.argv[1]).read()
flames = re.findall(r'<svg[^>]*class="flame".*?</svg>', s, re.S)
assert len(flames) == 1, len(flames)  # pipeline only: chase and steady did not move
xml.dom.minidom.parseString(flames[0])
assert re.search(r"<title>helper_b \(why_bench\.c:[0-9]+\): [0-9,]+ Ir/iter here, base [0-9,]+ \(\+", flames[0])
assert re.search(r"<title>helper_a \(why_bench\.c:[0-9]+\): [0-9,]+ Ir/iter here, base [0-9,]+ \(\+0\.0%\)", flames[0])
t = re.findall(r'<table class="fns">.*?</table>', s, re.S)
assert len(t) == 1 and "helper_b" in t[0] and "helper_a" not in t[0]
PY
ok "the report has pipeline's flame graph and helper_b alone in its table"

# A timed ab of the same pair, with --why: both slower in time; the
# profiles name helper_b for one and say "instructions unchanged" for the
# other, with the data cache misses that moved.
expect_exit 0 "$microbe" ab "$base" "$slow" --why --rounds=12 --min-time=0.01
grep -E '^pipeline .* slower$' "$OUT" >/dev/null || die "pipeline not slower in time: $(cat "$OUT")"
grep -E '^  pipeline \+[0-9.]+%: helper_b \+[0-9,]+ Ir/iter \(why_bench\.c:[0-9]+\)$' "$OUT" >/dev/null ||
    die "ab --why does not name helper_b: $(cat "$OUT")"
ok "ab --why names helper_b"
grep -E '^  chase \+[0-9.]+%: instructions unchanged \([0-9,]+ Ir/iter\); simulated events that moved:.* D1mr \+' "$OUT" >/dev/null ||
    die "ab --why on chase: $(cat "$OUT")"
ok "ab --why on chase: instructions unchanged, D1mr moved"
grep -qE '^  steady [+-][0-9.]+%:' "$OUT" && die "steady explained: $(cat "$OUT")"
ok "steady is not explained"

# A timed baseline comparison, with --why: the slower benchmarks run again
# under callgrind on the program the baseline records (a copy here, so it
# can be changed and removed; its libmicrobe found as from the build) and
# on this one.
mkdir -p "$E2E_TMP/old/tests"
ln -s "$(cd "$(dirname "$base")/../core" && pwd)" "$E2E_TMP/old/core"
old="$E2E_TMP/old/tests/why_bench_old"
cp "$base" "$old"
expect_exit 0 "$old" --save-baseline=t --format=json
jq -e --arg p "$old" '.context.executable_path == $p and (.context.executable_hash | test("^[0-9a-f]{16}$")) and .context.executable_bytes > 0' "$OUT" >/dev/null ||
    die "the run does not record its program: $(jq -c .context "$OUT")"
ok "a run records its program's path, size and hash"
expect_exit 0 "$slow" --baseline=t --why
cp "$OUT" "$E2E_TMP/bwhy.txt"
grep -E '^pipeline .* slower$' "$OUT" >/dev/null || die "pipeline not slower in time: $(cat "$OUT")"
grep -E '^  pipeline \+[0-9.]+%: helper_b \+[0-9,]+ Ir/iter \(why_bench\.c:[0-9]+\)$' "$OUT" >/dev/null ||
    die "--baseline --why does not name helper_b: $(cat "$OUT")"
ok "--baseline --why names helper_b"
grep -E '^  chase \+[0-9.]+%: instructions unchanged \([0-9,]+ Ir/iter\); simulated events that moved:.* D1mr \+' "$OUT" >/dev/null ||
    die "--baseline --why on chase: $(cat "$OUT")"
ok "--baseline --why on chase: instructions unchanged, D1mr moved"
grep -qE '^  steady [+-][0-9.]+%:' "$OUT" && die "steady explained: $(cat "$OUT")"
ok "steady is not explained"
expect_exit 0 "$slow" --baseline=t --why --format=json
jq -e '.comparison.rows[] | select(.name == "pipeline") | .verdict == "slower" and ([.why.functions[] | select(.self_change != 0) | .name] == ["helper_b"])' "$OUT" >/dev/null ||
    die "JSON of --baseline --why: $(jq -c '.comparison.rows' "$OUT")"
ok "the JSON carries pipeline's why: helper_b alone"

# The baseline's program rebuilt in place (changed), then gone: one
# warning line says so and how to give it; the verdicts stand (exit 0).
cp "$slow" "$old"
expect_exit 0 "$slow" --baseline=t --why
# How many rows come out slower is the timing's (steady, unchanged, read
# +3.4% [+0.2%, +6.6%] once under load against this one saved run); the
# line's count is checked against the table's own.
slow_rows=$(grep -cE '^[a-z]+ .* slower *$' "$OUT")
want="warning: --why: $slow_rows slower benchmarks not explained: the program of baseline \"t\" $old has changed since (its content differs); give that build with --why-old=PROGRAM"
[ "$slow_rows" -ge 2 ] && grep -qF -- "$want" "$OUT" || die "no changed-program line: $(cat "$OUT")"
grep -qE '^  pipeline \+' "$OUT" && die "explained with a changed program: $(cat "$OUT")"
ok "a changed baseline program: one line says so"
rm "$old"
expect_exit 0 "$slow" --baseline=t --why --format=json
jq -e --arg p "$old" '.context.warnings | map(select(startswith("--why: ") and contains("the program of baseline \"t\" " + $p + " is gone (No such file or directory); give that build with --why-old=PROGRAM"))) | length == 1' "$OUT" >/dev/null ||
    die "no gone-program warning: $(jq -c .context.warnings "$OUT")"
ok "a gone baseline program: the warning says so (JSON too)"
expect_exit 0 "$slow" --baseline=t --why-old="$base" --format=markdown
grep -F -- '- `pipeline` +' "$OUT" | grep -qF 'helper_b +' || die "markdown of --why-old: $(cat "$OUT")"
ok "--why-old gives the old build; the markdown names helper_b"
expect_exit 2 "$slow" --baseline=t --why-old="$E2E_TMP/none"
stderr_has "--why-old: '$E2E_TMP/none' is not an executable file: No such file or directory"
expect_exit 2 "$slow" --why
stderr_has "--why explains a comparison: it needs --baseline=NAME"

# microbe compare OLD NEW --why: the programs the two runs record.
cp "$base" "$old"
expect_exit 0 "$old" --format=json --out="$E2E_TMP/a.json"
expect_exit 0 "$slow" --format=json --out="$E2E_TMP/b.json"
expect_exit 0 "$microbe" compare "$E2E_TMP/a.json" "$E2E_TMP/b.json" --why
grep -E '^  pipeline \+[0-9.]+%: helper_b \+[0-9,]+ Ir/iter \(why_bench\.c:[0-9]+\)$' "$OUT" >/dev/null ||
    die "compare --why does not name helper_b: $(cat "$OUT")"
ok "compare --why names helper_b"
rm "$old"
expect_exit 0 "$microbe" compare "$E2E_TMP/a.json" "$E2E_TMP/b.json" --why
grep -qF -- "--why: 2 slower benchmarks not explained: the program of $E2E_TMP/a.json $old is gone (No such file or directory); give that build with --why-old=PROGRAM" "$OUT" ||
    die "compare --why, gone program: $(cat "$OUT")"
ok "compare --why: a gone program is one line saying how to give it"
expect_exit 0 "$microbe" compare "$E2E_TMP/a.json" "$E2E_TMP/b.json" --why-old="$base" --format=json
jq -e '.comparison.rows[] | select(.name == "pipeline") | [.why.functions[] | select(.self_change != 0) | .name] == ["helper_b"]' "$OUT" >/dev/null ||
    die "compare --why-old JSON: $(jq -c .comparison.rows "$OUT")"
ok "compare --why-old: the JSON names helper_b"
expect_exit 2 "$microbe" compare "$E2E_TMP/a.json" "$E2E_TMP/b.json" --why-new="$E2E_TMP/none"
stderr_has "compare: --why-new: '$E2E_TMP/none' is not an executable file: No such file or directory"
done_checks
