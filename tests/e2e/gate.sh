#!/bin/bash
# The CI gate end to end: --save-baseline archives a run, --baseline compares
# with it, --fail-on-regression exits 1 naming the slower benchmark (and only
# then), missing and corrupt baselines exit 2 naming what is wrong,
# markdown/json carry the comparison, MICROBE_ARCHIVE stands in for --archive.
# usage: gate.sh BENCH_FIND_DUPS
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BENCH"
B=$(readlink -f "$1") # absolute: the script changes directory
command -v jq >/dev/null || die "jq is needed"
command -v zstd >/dev/null || die "zstd is needed"

# Never write ./.microbe into the tree the test runs from.
cd "$E2E_TMP" || die "cd $E2E_TMP"
A="$E2E_TMP/archive"
# Two hash sizes where MICROBE_EXAMPLE_SLOWDOWN=hash:100 doubles the work,
# plus two sorted benchmarks it leaves alone.
FILTER='hash/(1024|4096)$|sorted/(256|1024)$'
RUN=("$B" --min-time=0.02 "--filter=$FILTER" "--archive=$A")
# Threshold 25%: on this shared VM the same binary's medians move 10-30%
# between processes (docs/ab.md; an A/A run at the default 3% came out
# "faster" by 10% while this was written). The slowdown injected below is
# +100% of the work, so 25% keeps the A/A checks quiet and still catches it
# with a wide margin.
GATE=(--fail-on-regression --threshold=25)

expect_exit 0 "${RUN[@]}" --save-baseline=main
F="$A/baselines/main.json.zst"
[ -s "$F" ] || die "no archive file $F"
ok "baseline file $F"
fmt=$(zstd -dc "$F" | jq -e .context.microbe_format) ||
    die "zstd -dc $F | jq .context.microbe_format failed"
[ "$fmt" -ge 1 ] 2>/dev/null || die "microbe_format is '$fmt'"
ok "zstd -dc | jq .context.microbe_format = $fmt"
jq -e '[.benchmarks[] | select(.microbe)] | length == 4' <(zstd -dc "$F") >/dev/null ||
    die "the baseline does not hold the 4 filtered benchmarks"
ok "baseline holds the 4 benchmarks"

# aa_gate: the same build against a fresh baseline passes the gate. The
# host's state can flip (2x, for seconds to minutes) between two
# processes; if the first try fails, save the baseline again and retry
# once, so only a failure twice in a row counts.
aa_gate() {
    local got=0
    "${RUN[@]}" --baseline=main "${GATE[@]}" >"$OUT" 2>"$ERR" || got=$?
    if [ "$got" -eq 1 ]; then
        echo "# A/A gate failed once (host noise?): $(cat "$ERR"); retrying"
        "${RUN[@]}" --save-baseline=main >/dev/null 2>&1 ||
            die "re-saving the baseline failed"
    fi
    [ "$got" -eq 1 ] || [ "$got" -eq 0 ] || die "A/A: exit $got"
    [ "$got" -eq 0 ] || expect_exit 0 "${RUN[@]}" --baseline=main "${GATE[@]}"
    ok "A/A: same build against baseline main passes the gate"
}
aa_gate
stdout_has 'against baseline "main"'
grep -q '0 slower' "$OUT" || die "A/A summary is not '0 slower'"
ok "A/A: 0 slower"

# 2x the work in hash: exit 1, one line naming a hash benchmark, both hash
# rows slower, the sorted rows not.
# One look at the full alpha (--max-time=0): more looks test the rows
# still open at a smaller share of alpha (baseline_looks.sh tests them),
# which under a parallel test suite's load left a 2x slowdown at
# +43% [-40%, +243%] "inconclusive" three times in a row in CI.
slow_gate() {
    MICROBE_EXAMPLE_SLOWDOWN=hash:100 "${RUN[@]}" --baseline=main "${GATE[@]}" \
        --max-time=0 --rounds=7
}
# On a loaded machine a whole-process shift can flag a sorted row (an A/A
# comparison against one saved run) or leave a hash row inconclusive: when
# the saved run itself was slowed, 2x the work came out +20% against it
# five times in a row in CI, and once both hash rows were inconclusive, so
# the gate passed (exit 0). Each retry saves the baseline again (with fewer
# than 3 saved runs the comparison is against the newest alone) and
# measures again; only the exit codes 0 and 1 count as tries, anything
# else fails at once.
for try in 1 2 3 4 5; do
    got=0
    slow_gate >"$OUT" 2>"$ERR" || got=$?
    [ "$got" -eq 0 ] || [ "$got" -eq 1 ] ||
        die "slow_gate: exit $got: $(tail -1 "$ERR")"
    slower=$(grep -Ec '^find_duplicates/.* slower$' "$OUT")
    { [ "$got" -eq 1 ] && [ "$slower" -eq 2 ] && ! grep -q 'sorted' "$ERR"; } &&
        break
    echo "# try $try: exit $got, $slower rows slower, want 2: $(grep -E ' (slower|inconclusive)$' "$OUT")"
    "${RUN[@]}" --save-baseline=main >/dev/null 2>&1 ||
        die "re-saving the baseline failed"
done
[ "$got" -eq 1 ] || die "exit $got, want 1: slow_gate (5 tries)"
[ "$(wc -l <"$ERR")" -eq 1 ] || die "stderr has $(wc -l <"$ERR") lines, want 1: slow_gate"
ok "exit 1: 2x the work in hash fails the gate, one line on stderr"
grep -Eq 'find_duplicates/hash/(1024|4096)' "$ERR" ||
    die "the regression line names no hash benchmark: $(cat "$ERR")"
ok "the regression line names a hash benchmark"
! grep -q 'sorted' "$ERR" || die "the regression line names sorted: $(cat "$ERR")"
ok "the regression line names no sorted benchmark"
for n in 1024 4096; do
    grep -Eq "^find_duplicates/hash/$n .* slower\$" "$OUT" ||
        die "hash/$n is not slower in the table: $(grep "hash/$n" "$OUT")"
    ok "table: hash/$n slower"
done
[ "$slower" -eq 2 ] || die "$slower rows slower, want only the 2 hash rows"
ok "table: no benchmark but the hash ones is slower"
grep -Eq '^2 slower, ' "$OUT" || die "summary line is not '2 slower, ...'"
ok "summary: 2 slower"

# A baseline that does not exist: exit 2 before measuring, naming it.
expect_exit 2 "${RUN[@]}" --baseline=nosuch "${GATE[@]}"
stderr_has "nosuch"
[ ! -s "$OUT" ] || die "--baseline=nosuch printed a report"
ok "nothing measured for a missing baseline"

# Markdown against the baseline: a table ready for a CI summary.
expect_exit 0 "${RUN[@]}" --baseline=main --threshold=25 --format=markdown
grep -q '^| benchmark |' "$OUT" || die "no '| benchmark |' header"
ok "markdown: '| benchmark |' header"
grep -Eq '^\|---' "$OUT" || die "markdown: no separator row"
ok "markdown: separator row"
# (A slower row is set in bold: **slower**.)
grep -Eq '^\| `?find_duplicates/hash/1024`? \|.*\| (unchanged|\*\*slower\*\*|faster|_inconclusive_) \|$' \
    "$OUT" || die "markdown: no row for hash/1024 with a verdict"
ok "markdown: hash/1024 row with a verdict"

# JSON against the baseline: a "comparison" object with a verdict per row.
expect_exit 0 "${RUN[@]}" --baseline=main --threshold=25 --format=json
jq -e . "$OUT" >/dev/null || die "not JSON: $(head -c 300 "$OUT")"
jq -e '.comparison.rows | length == 4' "$OUT" >/dev/null ||
    die "comparison.rows does not have 4 rows"
ok "json: .comparison.rows has 4 rows"
jq -e 'all(.comparison.rows[]; .verdict as $v |
        ["unchanged", "slower", "faster", "inconclusive"] | index($v))' "$OUT" >/dev/null ||
    die "json: a row without a compared verdict"
ok "json: every row has a verdict"
jq -e '([.comparison.rows[].name] | sort) ==
       ([.benchmarks[] | select(.microbe) | .name] | sort)' "$OUT" >/dev/null ||
    die "json: rows are not the run's benchmarks"
ok "json: one row per benchmark"

# A truncated baseline: exit 2 with one line naming the file.
cp "$F" "$A/baselines/broken.json.zst" || die "cp"
size=$(stat -c %s "$F")
truncate -s $((size / 2)) "$A/baselines/broken.json.zst" || die "truncate"
expect_exit 2 "${RUN[@]}" --baseline=broken "${GATE[@]}"
stderr_has "$A/baselines/broken.json.zst"
# ... and the intact baseline beside it is still readable.
expect_exit 0 "${RUN[@]}" --baseline=main --threshold=25

# MICROBE_ARCHIVE when --archive is absent.
E="$E2E_TMP/env-archive"
ENVRUN=("$B" --min-time=0.02 '--filter=hash/1024$')
expect_exit 0 env MICROBE_ARCHIVE="$E" "${ENVRUN[@]}" --save-baseline=viaenv
[ -s "$E/baselines/viaenv.json.zst" ] || die "MICROBE_ARCHIVE not used"
ok "MICROBE_ARCHIVE: baseline written there"
[ ! -e "$E2E_TMP/.microbe" ] || die "./.microbe written despite MICROBE_ARCHIVE"
ok "MICROBE_ARCHIVE: nothing in ./.microbe"
expect_exit 0 env MICROBE_ARCHIVE="$E" "${ENVRUN[@]}" --baseline=viaenv \
    --threshold=25
stdout_has 'against baseline "viaenv"'
expect_exit 2 env MICROBE_ARCHIVE="$E" "${ENVRUN[@]}" --baseline=main
stderr_has "$E"
done_checks
