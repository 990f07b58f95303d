# Shared helpers for the end-to-end scripts: `set -u`, a check that says
# what it checks, and expect_exit. Sourced, not run.
set -u

E2E_TMP=$(mktemp -d)
trap 'rm -rf "$E2E_TMP"' EXIT
OUT="$E2E_TMP/stdout"
ERR="$E2E_TMP/stderr"
CHECKS=0

die() {
    echo "FAIL: $*" >&2
    if [ -s "$ERR" ]; then
        echo "--- stderr of the last command:" >&2
        head -c 2000 "$ERR" >&2
    fi
    exit 1
}

ok() {
    CHECKS=$((CHECKS + 1))
    echo "ok $CHECKS - $*"
}

# expect_exit CODE cmd...: runs cmd with stdout in $OUT and stderr in $ERR
# and checks its exit status; for a non-zero status also that stderr is
# exactly one non-empty line (the reason).
expect_exit() {
    local want=$1
    shift
    local got=0
    "$@" >"$OUT" 2>"$ERR" || got=$?
    [ "$got" -eq "$want" ] || die "exit $got, want $want: $*"
    if [ "$want" -ne 0 ]; then
        local lines
        lines=$(wc -l <"$ERR")
        [ "$lines" -eq 1 ] || die "stderr has $lines lines, want 1: $*"
        grep -q '[^[:space:]]' "$ERR" || die "empty error line: $*"
    fi
    ok "exit $want: ${*##*/}"
}

# stderr_has TEXT: the last command's stderr contains TEXT (fixed string).
stderr_has() {
    grep -qF -- "$1" "$ERR" || die "stderr lacks '$1'"
    ok "stderr says '$1'"
}

# stdout_has TEXT: the last command's stdout contains TEXT (fixed string).
stdout_has() {
    grep -qF -- "$1" "$OUT" || die "stdout lacks '$1'"
    ok "stdout has '$1'"
}

done_checks() {
    echo "all $CHECKS checks passed"
    exit 0
}
