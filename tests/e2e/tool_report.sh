#!/bin/bash
# microbe report: one self-contained HTML page with well-formed inline SVG
# (distributions, complexity curves, history) from an archive of fixtures.
. "$(dirname "$0")/tool_lib.sh"
F=$TOOL_FIXTURES
A=$T/archive

fails_with "$MICROBE" report --archive="$A" --out="$T/r.html"
has "$T/err" 'nothing to report' stderr

mkdir -p "$A/baselines" "$A/runs"
zstd -q "$F/base.json" -o "$A/baselines/main.json.zst"
fails_with "$MICROBE" report --archive="$A" --out="$T/no-such-dir/r.html"
run 0 "$MICROBE" report --archive="$A" --out="$T/r.html"
has "$T/out" 'baseline "main"'

zstd -q "$F/base.json" -o "$A/runs/20261120T100000.000Z-0001.json.zst"
zstd -q "$F/same.json" -o "$A/runs/20261121T100000.000Z-0002.json.zst"
zstd -q "$F/slower.json" -o "$A/runs/20261122T100000.000Z-0003.json.zst"
printf 'garbage' >"$A/runs/20261121T120000.000Z-dead.json.zst"
run 0 "$MICROBE" report --archive="$A" --out="$T/r.html"
has "$T/out" 'wrote .*r.html: run 20261122T100000.000Z-0003 \(latest\), 4 benchmarks, history of 3 runs'
has "$T/err" 'warning: report: skipped 1 unreadable file .*dead' stderr
/usr/bin/python3 - "$T/r.html" <<'PY' || fail "report HTML"
import re, sys, xml.dom.minidom
s = open(sys.argv[1]).read()
assert s.startswith("<!DOCTYPE html>") and s.rstrip().endswith("</html>")
for section in ("Sample distributions", "Complexity", "History"):
    assert section in s, section
svgs = re.findall(r"<svg.*?</svg>", s, re.S)
assert len(svgs) >= 4 + 1 + 5, len(svgs)  # 4 distributions, 1 group, 5 histories
for x in svgs:
    xml.dom.minidom.parseString(x)  # well-formed
# Self-contained: no scripts, nothing fetched.
assert "<script" not in s and "src=" not in s and "href=" not in s
assert "http" not in s.replace('xmlns="http://www.w3.org/2000/svg"', "")
for name in ("grp/fast/16", "grp/fast/64", "grp/slow/16", "added", "solo"):
    assert name in s, name
PY
# A chosen run, to stdout.
run 0 "$MICROBE" report main --archive="$A" --out=-
has "$T/out" '^<!DOCTYPE html>'
fails_with "$MICROBE" report nothing-here --archive="$A" --out=-
finish
