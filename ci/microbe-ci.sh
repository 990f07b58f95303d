#!/usr/bin/env bash
# The shell steps of microbe's CI recipes (ci/github/*.yml, ci/gitlab/*.yml),
# in one script so that the workflows stay thin and a test
# (tests/e2e/ci_recipes.sh) runs the same steps locally: no CI service
# needed, and the recipes cannot rot.
#
#   microbe-ci.sh build SRC_DIR BUILD_DIR TARGET...
#       configure SRC_DIR into BUILD_DIR (release, plus
#       $MICROBE_CI_SETUP_ARGS) and build the TARGETs (the bench program,
#       e.g. bench/bench_find_dups, and on the head also tools/microbe).
#   microbe-ci.sh pr BASE_BIN HEAD_BIN
#       a pull request: `microbe ab BASE_BIN HEAD_BIN --fail-on-regression`,
#       the comparison as markdown into the job summary, ab.json and the
#       HTML report (report.html) in $MICROBE_CI_OUT. Exit 1 on a
#       regression (after writing everything), 2 on an error.
#   microbe-ci.sh main HEAD_BIN
#       the main branch: run HEAD_BIN, save it as baseline "main" in the
#       archive ($MICROBE_ARCHIVE; keep it between jobs with the CI
#       service's cache), keep the newest $MICROBE_CI_KEEP runs (history),
#       markdown into the job summary, report.html of the history.
#
# Environment:
#   MICROBE            the microbe tool (default: microbe on PATH, else
#                      build/tools/microbe beside a BUILD_DIR given to build)
#   MICROBE_CI_OUT     where files go (default ./microbe-ci)
#   MICROBE_CI_MEASURE time (default) or instructions (exact counts under
#                      Valgrind: deterministic, for noisy shared runners)
#   MICROBE_CI_THRESHOLD  smallest slowdown that matters, percent (default 5)
#   MICROBE_CI_AB_ARGS    more flags for microbe ab (e.g. --rounds=30)
#   MICROBE_CI_BENCH_ARGS flags for the bench programs (e.g. --filter=hash)
#   MICROBE_CI_KEEP    runs kept in the archive on main (default 50)
#   MICROBE_CI_SETUP_ARGS  build: more `meson setup` options, split on spaces
#                      (-Dc_args=-DFIND_DUPS_HASH_EXTRA=10 compiles the
#                      example's 10% slower hash lookups in)
#   GITHUB_STEP_SUMMARY   set by GitHub Actions: the markdown is appended
#                      there (by microbe itself); elsewhere the script
#                      points it at $MICROBE_CI_OUT/summary.md.
set -uo pipefail

die() {
    echo "microbe-ci: $*" >&2
    exit 2
}

out=${MICROBE_CI_OUT:-microbe-ci}
measure=${MICROBE_CI_MEASURE:-time}
threshold=${MICROBE_CI_THRESHOLD:-5}
keep=${MICROBE_CI_KEEP:-50}
case $measure in time | instructions) ;; *) die "MICROBE_CI_MEASURE: '$measure' is not time or instructions" ;; esac

tool() {
    if [ -n "${MICROBE:-}" ]; then
        "$MICROBE" "$@"
    elif command -v microbe >/dev/null 2>&1; then
        microbe "$@"
    else
        die "no microbe tool: set MICROBE=path/to/microbe"
    fi
}

# The markdown goes to GitHub's job summary when there is one, else to a
# file of ours (GitLab keeps it as an artifact).
summary() {
    mkdir -p "$out" || die "cannot create $out"
    if [ -z "${GITHUB_STEP_SUMMARY:-}" ]; then
        export GITHUB_STEP_SUMMARY="$PWD/$out/summary.md"
        : >"$GITHUB_STEP_SUMMARY"
    fi
}

read -r -a ab_args <<<"${MICROBE_CI_AB_ARGS:-}"
read -r -a bench_args <<<"${MICROBE_CI_BENCH_ARGS:-}"

cmd=${1:-}
shift || true
case $cmd in
build)
    [ $# -ge 3 ] || die "usage: $0 build SRC_DIR BUILD_DIR TARGET..."
    src=$1 dir=$2
    shift 2
    read -r -a setup_args <<<"${MICROBE_CI_SETUP_ARGS:-}"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$src" "${setup_args[@]}" >/dev/null
    else
        meson setup "$dir" "$src" --buildtype=release "${setup_args[@]}" >/dev/null
    fi || die "meson setup of $src failed"
    meson compile -C "$dir" "$@" >/dev/null || die "building $* in $dir failed"
    echo "microbe-ci: built $* in $dir"
    ;;
pr)
    [ $# -eq 2 ] || die "usage: $0 pr BASE_BIN HEAD_BIN"
    base=$1 head=$2
    summary
    pass=("${bench_args[@]}")
    extra=()
    if [ "$measure" = instructions ]; then
        pass+=(--measure=instructions)
        extra=(--rounds=2) # counts are exact: rounds add nothing
    fi
    rc=0
    tool ab "$base" "$head" --fail-on-regression --threshold="$threshold" \
        --format=json "${extra[@]}" "${ab_args[@]}" -- "${pass[@]}" \
        >"$out/ab.json" || rc=$?
    [ "$rc" -le 1 ] && [ -s "$out/ab.json" ] || die "microbe ab failed (exit $rc)"
    tool report "$out/ab.json" --out="$out/report.html" >/dev/null ||
        die "microbe report failed"
    echo "microbe-ci: $out/ab.json, $out/report.html, summary in $GITHUB_STEP_SUMMARY"
    exit "$rc"
    ;;
main)
    [ $# -eq 1 ] || die "usage: $0 main HEAD_BIN"
    head=$1
    summary
    [ -n "${MICROBE_ARCHIVE:-}" ] || export MICROBE_ARCHIVE="$PWD/.microbe"
    m=()
    [ "$measure" = instructions ] && m=(--measure=instructions)
    "$head" "${m[@]}" "${bench_args[@]}" --save-baseline=main \
        --out="$out/main.json" --out-format=json || die "$head failed (exit $?)"
    tool prune --keep="$keep" >/dev/null || die "microbe prune failed"
    tool report --out="$out/report.html" >/dev/null || die "microbe report failed"
    echo "microbe-ci: baseline main saved in $MICROBE_ARCHIVE, $out/report.html"
    ;;
*)
    die "usage: $0 build|pr|main ... (see the top of $0)"
    ;;
esac
