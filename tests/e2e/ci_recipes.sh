#!/bin/bash
# The CI recipes (ci/github/*.yml, ci/gitlab/*.yml) run their shell steps
# through ci/microbe-ci.sh; this runs those steps here, as the workflows
# do, on two builds of the example: the suite's bench_find_dups as the
# base, and a head built by the recipe's own build step with the hash
# variant's 10% extra lookups compiled in (-DFIND_DUPS_HASH_EXTRA=10).
# The gate is checked on exact instruction counts (no wall-clock
# assertion); the time-mode step runs A/A and must produce its files.
# usage: ci_recipes.sh SOURCE_ROOT BASE_BENCH MICROBE CAN_VALGRIND
. "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || die "usage: $0 SOURCE_ROOT BASE_BENCH MICROBE CAN_VALGRIND"
SRC=$(cd "$1" && pwd)
BASE=$(realpath "$2")
MICROBE=$(realpath "$3")
export MICROBE
VG=$4
CI="$SRC/ci/microbe-ci.sh"
for v in $(env | sed -n 's/^\(MICROBE_[A-Z_]*\)=.*/\1/p'); do
    [ "$v" = MICROBE ] || unset "$v"
done
unset GITHUB_STEP_SUMMARY
cd "$E2E_TMP" || die "cd"

# The recipes are valid YAML and call only the script's steps.
for f in "$SRC"/ci/github/*.yml "$SRC"/ci/gitlab/*.yml; do
    /usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f" \
        2>"$ERR" || die "$f is not valid YAML"
    grep -q 'ci/microbe-ci.sh \(build\|pr\|main\)' "$f" || die "$f calls no step of ci/microbe-ci.sh"
    bad=$(grep -o 'microbe-ci.sh [a-z]*' "$f" | grep -v 'microbe-ci.sh \(build\|pr\|main\)$' || true)
    [ -z "$bad" ] || die "$f calls an unknown step: $bad"
done
ok "ci/github/*.yml and ci/gitlab/*.yml parse and call build/pr/main only"
grep -q 'GITHUB_STEP_SUMMARY\|job summary' "$SRC/ci/github/microbe-pr.yml" || die "pr recipe"
grep -q 'upload-artifact' "$SRC/ci/github/microbe-pr.yml" || die "no artifact"
grep -q 'cache' "$SRC/ci/github/microbe-main.yml" || die "main keeps no history"
ok "pr: job summary and artifact; main: archive in the cache"

expect_exit 2 "$CI" frobnicate
expect_exit 2 "$CI" pr only-one
MICROBE_CI_MEASURE=cycles expect_exit 2 "$CI" pr "$BASE" "$BASE"
stderr_has "MICROBE_CI_MEASURE: 'cycles'"

# The build step, as the workflows call it: the head, slowed.
MICROBE_CI_SETUP_ARGS="-Dtests=false -Dc_args=-DFIND_DUPS_HASH_EXTRA=10" \
    expect_exit 0 "$CI" build "$SRC" build-head bench/bench_find_dups
HEAD=build-head/bench/bench_find_dups
[ -x "$HEAD" ] || die "no $HEAD"
ok "build step: $HEAD"

# pr, time mode, A/A: the files come out, the summary has the table.
export MICROBE_CI_BENCH_ARGS='--filter=hash/(64|256)$'
export MICROBE_CI_AB_ARGS='--rounds=4 --cpu=none'
got=0
MICROBE_CI_OUT=aa "$CI" pr "$BASE" "$BASE" >"$OUT" 2>"$ERR" || got=$?
[ "$got" -le 1 ] || die "pr A/A exit $got"
jq -e '.comparison and ([.benchmarks[] | select(.microbe)] | length == 2)' aa/ab.json >/dev/null || die "aa/ab.json: $(head -c 300 aa/ab.json)"
grep -q '<html' aa/report.html || die "no aa/report.html"
grep -q '^| `find_duplicates/hash/64` |' aa/summary.md || die "aa/summary.md: $(cat aa/summary.md)"
ok "pr (time): ab.json, report.html, summary.md with the comparison table"

# With GitHub's variable set, the markdown is appended there, once.
export GITHUB_STEP_SUMMARY="$E2E_TMP/github-summary.md"
echo "# earlier step" >"$GITHUB_STEP_SUMMARY"
MICROBE_CI_OUT=gh "$CI" pr "$BASE" "$BASE" >"$OUT" 2>"$ERR" || [ $? -eq 1 ] || die "pr with GITHUB_STEP_SUMMARY"
[ ! -e gh/summary.md ] || die "wrote its own summary.md beside GitHub's"
head -n 1 "$GITHUB_STEP_SUMMARY" | grep -q '^# earlier step$' || die "summary overwritten"
[ "$(grep -c '^### microbe' "$GITHUB_STEP_SUMMARY")" -eq 1 ] ||
    die "one table expected (ab's, not each round's): $(cat "$GITHUB_STEP_SUMMARY")"
ok "GITHUB_STEP_SUMMARY: ab's table appended once, the rounds' own not"
unset GITHUB_STEP_SUMMARY

# pr, instructions mode: the 10% slower hash is caught, exit 1.
if [ "$VG" = yes ]; then
    export MICROBE_CI_BENCH_ARGS='--filter=(sorted|hash)/(64|256)$'
    unset MICROBE_CI_AB_ARGS
    got=0
    MICROBE_CI_MEASURE=instructions MICROBE_CI_THRESHOLD=3 MICROBE_CI_OUT=slow \
        "$CI" pr "$BASE" "$HEAD" >"$OUT" 2>"$ERR" || got=$?
    [ "$got" -eq 1 ] || die "pr (instructions) exit $got, want 1"
    tail -n 1 "$ERR" | grep -q "regression: 2 benchmarks significantly slower than" ||
        die "last line: $(tail -n 1 "$ERR")"
    ok "exit 1, and the last line names the 2 slower benchmarks"
    for n in 64 256; do
        grep -q "^| \`find_duplicates/hash/$n\` |.*slower" slow/summary.md ||
            die "hash/$n not slower in: $(cat slow/summary.md)"
        grep -q "^| \`find_duplicates/sorted/$n\` |.*unchanged" slow/summary.md ||
            die "sorted/$n not unchanged in: $(cat slow/summary.md)"
    done
    ok "pr (instructions): hash/64 and hash/256 slower, sorted unchanged, exit 1"
    cp slow/summary.md "$E2E_TMP/slow-summary.md"
    [ -n "${CI_RECIPES_KEEP:-}" ] && cp slow/summary.md "$CI_RECIPES_KEEP"
else
    ok "SKIP pr (instructions): no valgrind here, or a sanitizer build"
fi

# main: baseline saved, history kept (pruned to MICROBE_CI_KEEP), report.
unset MICROBE_CI_AB_ARGS
export MICROBE_CI_BENCH_ARGS='--filter=hash/64$ --min-time=0.01 --rounds=2 --cpu=none'
export MICROBE_ARCHIVE="$E2E_TMP/archive"
for i in 1 2 3; do
    MICROBE_CI_OUT=main MICROBE_CI_KEEP=2 expect_exit 0 "$CI" main "$BASE"
done
stderr_has "saved baseline \"main\""
[ -f "$MICROBE_ARCHIVE/baselines/main.json.zst" ] || die "no baseline main"
[ "$(ls "$MICROBE_ARCHIVE/runs" | wc -l)" -eq 2 ] || die "runs: $(ls "$MICROBE_ARCHIVE/runs")"
ok "main: baseline saved, history of the newest 2 runs kept"
grep -q '<html' main/report.html && [ -s main/summary.md ] && jq -e . main/main.json >/dev/null ||
    die "main's files"
ok "main: report.html, summary.md, main.json"
done_checks
