#!/bin/bash
# One short libFuzzer run of a target, as a Meson test: run.sh TARGET SEEDS
# WORK [SECONDS]. New inputs go to WORK (in the build directory), never to
# the seed corpus in the source tree; a crash is saved in WORK/crash-*.
set -eu
target=$1 seeds=$2 work=$3 secs=${4:-${FUZZ_SECONDS:-20}}
mkdir -p "$work/corpus"
exec "$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
