#!/bin/bash
# The HTML report in a real browser: builds an archive from the example
# (five timed runs, a build whose hash function does 10% more work, and the
# same pair under --measure=instructions), writes the reports a user reads
# (the latest run against a baseline, and the instructions pair with its
# flame graphs), renders each in headless Chromium to a PNG and fails when
# the browser logs a console message (an error in the page) or the DOM it
# built lacks the SVG plots. Not part of the test suite (Chromium is
# heavy); rerun it after changing tools/html.c and look at the PNGs.
#
# usage: bench/report_check.sh [BUILD_DIR] [OUT_DIR]
#        (defaults: build, and a fresh directory under /tmp)
# needs: chromium (Debian's package), valgrind for the instructions pair
set -eu
build=${1:-build}
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/microbe-report-check.XXXXXX")}
mkdir -p "$out"
bin=$build/bench/bench_find_dups
slow=$build/bench/bench_find_dups_hash10
tool=$build/tools/microbe
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "report_check: no chromium on PATH (apt-get install chromium)" >&2; exit 2; }
arch=$out/archive
for i in 1 2 3 4 5; do
    "$bin" --min-time=0.02 --archive="$arch" --save-baseline="b$i" \
        --format=json --out=/dev/null 2>/dev/null
done
"$slow" --min-time=0.02 --archive="$arch" --save-baseline=hash10 \
    --format=json --out=/dev/null 2>/dev/null
"$tool" report --archive="$arch" --baseline=b5 --out="$out/compare.html"
pages=(compare)
if command -v valgrind >/dev/null; then
    "$bin" --measure=instructions --archive="$out/instr" --save-baseline=main \
        --format=json --out=/dev/null 2>/dev/null
    "$slow" --measure=instructions --archive="$out/instr" --save-baseline=hash10 \
        --format=json --out=/dev/null 2>/dev/null
    "$tool" report main hash10 --archive="$out/instr" --out="$out/instructions.html"
    pages+=(instructions)
fi
status=0
for p in "${pages[@]}"; do
    flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars)
    timeout 120 "$browser" "${flags[@]}" --window-size=1100,6000 \
        --screenshot="$out/$p.png" "file://$out/$p.html" >/dev/null 2>&1
    timeout 120 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 \
        --dump-dom "file://$out/$p.html" >"$out/$p.dom" 2>"$out/$p.log" || true
    if grep -E 'CONSOLE|Uncaught' "$out/$p.log"; then
        echo "report_check: $p: the browser logged console messages (above)" >&2
        status=1
    fi
    n=$(grep -o '<svg' "$out/$p.dom" | wc -l)
    if [ "$n" -lt 5 ]; then
        echo "report_check: $p: the rendered page has $n SVG plots" >&2
        status=1
    fi
    echo "$p: $out/$p.png ($n SVG plots, no console messages)"
done
exit $status
