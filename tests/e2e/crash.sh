#!/bin/bash
# A benchmark that segfaults, one that calls exit(3) and one whose body
# never enters MB_LOOP: each is reported by name, the program exits 2 with
# one line, and the program's other benchmarks are still measured.
# usage: crash.sh E2E_CRASH E2E_EXIT E2E_NO_LOOP
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $0 CRASH EXIT NO_LOOP"
# In a sanitizer build, let SIGSEGV kill the worker as it would anywhere
# else instead of ASan reporting it and exiting 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"

# check PROG BAD WHY GOOD1 GOOD2
check() {
    local prog=$1 bad=$2 why=$3 good1=$4 good2=$5
    expect_exit 2 "$prog" --min-time=0.01 --samples=5 --rounds=2
    stderr_has "$bad"
    stderr_has "$why"
    stdout_has "$good1"
    stdout_has "$good2"
    # The survivors were measured: same again as CSV rows with samples.
    local got=0
    "$prog" --format=csv --min-time=0.01 --samples=5 --rounds=2 \
        >"$OUT" 2>"$ERR" || got=$?
    [ "$got" -eq 2 ] || die "csv: exit $got, want 2"
    tail -n 1 "$ERR" | grep -qF "$bad" || die "csv: last stderr line lacks $bad"
    for g in "$good1" "$good2"; do
        grep -E "^\"?$g\"?,.*,5,[0-9.e+-]+," "$OUT" >/dev/null ||
            die "csv: no measured row for $g: $(cat "$OUT")"
    done
    ok "csv: $good1 and $good2 have 5 samples each"
}

check "$1" segfaults "signal 11" before_crash after_crash
check "$2" calls_exit/1 "exit(3)" before_exit after_exit
check "$3" faulty/forgot_loop MB_LOOP with_loop also_with_loop
done_checks
