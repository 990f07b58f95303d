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
has "$T/err" "report: cannot write $T/no-such-dir/r.html: No such file or directory" stderr
fails_with "$MICROBE" report --archive="$A" --out="$T"
has "$T/err" "report: cannot write $T: a directory" stderr
# The page is written whole (a temp file renamed over the old one), so no
# reader ever sees half a report; a link is written through.
ln -s "$T/linked.html" "$T/via.html"
run 0 "$MICROBE" report --archive="$A" --out="$T/via.html"
[ -L "$T/via.html" ] && grep -q '</html>' "$T/linked.html" || fail "report through a link"
ls "$T" | grep -q '\.tmp\.' && fail "a temp file was left: $(ls "$T")"
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
assert "<h2>Comparison</h2>" not in s  # only against a base
svgs = re.findall(r"<svg.*?</svg>", s, re.S)
for x in svgs:
    xml.dom.minidom.parseString(x)  # well-formed
cls = lambda c: len(re.findall(r'<svg[^>]*class="%s"' % c, s))
assert cls("dist") == 2, cls("dist")  # one per group: grp, ungrouped
assert cls("cx") == 1, cls("cx")
assert cls("hist") == 5, cls("hist")  # 4 benchmarks + one gone
# Axes labelled: the distributions' title and tick labels in units.
assert "time per iteration" in s and re.search(r'class="tick"[^>]*>[0-9.]+ ns<', s)
# Self-contained: no scripts, nothing fetched.
assert "<script" not in s and "src=" not in s and "href=" not in s
assert "http" not in s.replace('xmlns="http://www.w3.org/2000/svg"', "")
for name in ("grp/fast/16", "grp/fast/64", "grp/slow/16", "added", "solo"):
    assert name in s, name
PY

# Disturbed samples are drawn apart and left out of the box plot, as the
# statistics leave them out.
/usr/bin/python3 - "$F/base.json" "$T/disturbed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b = d["benchmarks"][0]["microbe"]["samples"]
for i in range(6):
    b["flags"][i] = 1
    b["ns"][i] *= 4
json.dump(d, open(sys.argv[2], "w"))
PY
run 0 "$MICROBE" report "$T/disturbed.json" --archive="$A" --out="$T/d.html"
/usr/bin/python3 - "$T/d.html" <<'PY' || fail "disturbed samples"
import re, sys
s = open(sys.argv[1]).read()
assert "6 excluded (disturbed)" in s
assert re.search(r"grp/fast/16: 24 samples used", s), "box of the used samples"
assert len(re.findall(r'class="xdot"', s)) == 6
PY

# The comparison view: against a baseline, and between two runs.
zstd -q "$F/slower.json" -o "$A/baselines/slow.json.zst"
run 0 "$MICROBE" report --baseline=main --archive="$A" --out="$T/c.html"
has "$T/out" 'against baseline "main"'
/usr/bin/python3 - "$T/c.html" <<'PY' || fail "comparison view"
import re, sys, xml.dom.minidom
s = open(sys.argv[1]).read()
assert "<h2>Comparison</h2>" in s
cmp = re.findall(r'<svg[^>]*class="cmp".*?</svg>', s, re.S)
assert len(cmp) == 2, len(cmp)
for x in cmp:
    xml.dom.minidom.parseString(x)
    assert 'class="dold"' in x and 'class="dnew"' in x  # both overlaid
assert re.search(r'class="vtext slower"[^>]*>\+[0-9.]+% slower<', s)
assert 'class="thr"' in s and "threshold" in s
PY
run 0 "$MICROBE" report main slow --archive="$A" --out="$T/c2.html"
has "$T/out" 'slow against main'
grep -q '<h2>Comparison</h2>' "$T/c2.html" || fail "report OLD NEW has no comparison"
fails_with "$MICROBE" report --baseline=nothing-here --archive="$A" --out="$T/x.html"
fails_with "$MICROBE" report a b c --archive="$A" --out="$T/x.html"
# A chosen run, to stdout.
run 0 "$MICROBE" report main --archive="$A" --out=-
has "$T/out" '^<!DOCTYPE html>'
fails_with "$MICROBE" report nothing-here --archive="$A" --out=-
finish
