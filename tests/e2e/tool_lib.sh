# Shared helpers for the tool's end-to-end tests (sourced, not a test).
# Environment from tests/meson.build: MICROBE (the tool), TOOL_FIXTURES
# (tests/fixtures/tool), TOOL_BENCH_<VARIANT> (the ab fixture programs).
set -u
: "${MICROBE:?MICROBE is not set}"
: "${TOOL_FIXTURES:?TOOL_FIXTURES is not set}"
T=$(mktemp -d "${TMPDIR:-/tmp}/microbe-tooltest.XXXXXX")
trap 'rm -rf "$T"' EXIT
export MICROBE_ARCHIVE="$T/no-such-archive"
failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    echo "--- stdout:" >&2; head -c 4000 "$T/out" >&2
    echo "--- stderr:" >&2; head -c 4000 "$T/err" >&2
    failures=$((failures + 1))
}

# run CODE CMD...: runs CMD (stdout -> $T/out, stderr -> $T/err) and
# checks its exit code.
run() {
    local want=$1
    shift
    checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "'$*' exited $got, expected $want"
        return 1
    fi
    return 0
}

# fails_with CMD...: exit 2 and exactly one line on stderr, an error line.
fails_with() {
    run 2 "$@" || return 1
    local n
    n=$(wc -l <"$T/err")
    if [ "$n" != 1 ] || ! grep -q '^microbe: error: ' "$T/err"; then
        fail "'$*': expected one 'microbe: error:' line on stderr, got $n"
        return 1
    fi
    return 0
}

# has FILE REGEX [what]: FILE ($T/out or $T/err) matches the ERE.
has() {
    if ! grep -Eq -- "$2" "$1"; then
        fail "${3:-output} does not match /$2/"
        return 1
    fi
}
hasnt() {
    if grep -Eq -- "$2" "$1"; then
        fail "${3:-output} matches /$2/ but should not"
        return 1
    fi
}

finish() {
    echo "$checks checks, $failures failed"
    [ "$failures" = 0 ]
    exit $?
}
