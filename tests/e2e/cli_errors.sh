#!/bin/bash
# Every bad input on a bench program's command line exits 2 with one line
# on stderr that names the problem (SPEC §2, §7); nothing is measured.
# usage: cli_errors.sh BENCH_FIND_DUPS
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BENCH"
B=$1

# flag=fragment the error line must contain
bad=(
    "--bogus=unknown flag"
    "--list=yes=takes no value"
    "--min-time=abc=--min-time"
    "--min-time=-1=--min-time"
    "--min-time=0=--min-time"
    "--samples=0=--samples"
    "--samples=1.5=--samples"
    "--rounds=0=--rounds"
    "--cpu=-3=--cpu"
    "--cpu=x=--cpu"
    "--threshold=x=--threshold"
    "--alpha=1=--alpha"
    "--alpha=0=--alpha"
    "--format=xml=--format"
    "--measure=cycles=--measure"
    "--out==--out"
    "--archive==--archive"
    "--fail-on-regression=--baseline"
)
for entry in "${bad[@]}"; do
    flag=${entry%=*}
    want=${entry##*=}
    # "--out==--out": the flag is "--out=", the fragment "--out".
    expect_exit 2 "$B" "$flag"
    stderr_has "$want"
done

for flag in --filter --min-time --samples --cpu --format --measure --out \
    --baseline --threshold --alpha; do
    expect_exit 2 "$B" --list "$flag"
    stderr_has "$flag needs a value"
done

expect_exit 2 "$B" positional
stderr_has "positional"

expect_exit 2 "$B" --list '--filter=^no_such_benchmark$'
stderr_has "matches no benchmark"
expect_exit 2 "$B" '--filter=(hash'
stderr_has "invalid regular expression"
expect_exit 2 "$B" '--filter=[a-'
stderr_has "invalid regular expression"

expect_exit 2 "$B" --cpu=9999 --min-time=0.01 --filter=hash/4$
stderr_has "--cpu=9999"

expect_exit 2 "$B" --out=/nonexistent/dir/x.json --format=json \
    --min-time=0.01 --filter=hash/4$
stderr_has "/nonexistent/dir/x.json"
[ ! -e /nonexistent/dir/x.json ] || die "created /nonexistent/dir/x.json"

mkdir -p "$E2E_TMP/archive"
expect_exit 2 "$B" --archive="$E2E_TMP/archive" --baseline=no_such_base \
    --min-time=0.01 --filter=hash/4$
stderr_has "no_such_base"

# MICROBE_TSC_GHZ (what microbe ab hands its later rounds) must be a
# frequency; a good one is used as is and said so in the context.
for v in abc 0 -2.3 1e9 2.3x; do
    MICROBE_TSC_GHZ=$v expect_exit 2 "$B" --min-time=0.01 --filter=hash/4$
    stderr_has "MICROBE_TSC_GHZ: '$v'"
done
MICROBE_TSC_GHZ=2.5 expect_exit 0 "$B" --min-time=0.01 --filter=hash/4$ \
    --format=json
jq -e '.context.timer_ghz == 2.5 and .context.timer_ghz_from == "MICROBE_TSC_GHZ"' \
    "$OUT" >/dev/null || die "MICROBE_TSC_GHZ=2.5 not used: $(jq -c .context "$OUT")"
ok "MICROBE_TSC_GHZ=2.5 is the timer frequency"

# The error line starts with the program's name.
expect_exit 2 "$B" --bogus
grep -q "^${B##*/}: " "$ERR" || die "error line does not start with the program name"
ok "error line starts with '${B##*/}: '"

expect_exit 0 "$B" --help
stdout_has "--filter=REGEX"
[ ! -s "$ERR" ] || die "--help wrote to stderr"
expect_exit 0 "$B" --version
grep -qE '^microbe [0-9]+\.[0-9]+' "$OUT" || die "--version: $(cat "$OUT")"
ok "--version prints the version"
done_checks
