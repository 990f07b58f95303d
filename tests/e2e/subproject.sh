#!/bin/bash
# microbe as a Meson subproject of tests/consumer (its meson.build, the
# README's recipe): only the libraries, microbe-main and the tool are
# built, none of microbe's tests or benchmarks join the consumer's
# `meson test`, and `meson install` installs nothing of microbe unless
# -Dmicrobe:subproject_install=true asks.
# usage: subproject.sh SOURCE_ROOT CONSUMER_DIR
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 SOURCE_ROOT CONSUMER_DIR"
SRC=$(cd "$1" && pwd)
C="$E2E_TMP/consumer"
mkdir -p "$C/subprojects"
cp "$2/meson.build" "$2/bench.c" "$C/"
ln -s "$SRC" "$C/subprojects/microbe"
cd "$C" || die "cd"
unset MESON_BUILD_ROOT MESON_SOURCE_ROOT MESON_SUBDIR

meson setup b >"$OUT" 2>"$ERR" || die "meson setup: $(tail -n 5 "$OUT")"
ok "the consumer configures with microbe as a subproject"
tests=$(meson introspect b --tests | jq -r '.[].name' | tr '\n' ' ')
[ "$tests" = "consumer_list " ] || die "meson test has: $tests"
ok "meson test has the consumer's one test, none of microbe's"
targets=$(meson introspect b --targets | jq -r '.[] | "\(.name):\(.type)"' | sort | tr '\n' ' ')
want="alloc_blob:custom bench_consumer:executable mbstats:static library microbe:executable microbe:shared library microbe:static library microbe_alloc:shared module microbe_main:shared library microbe_main:static library "
[ "$targets" = "$want" ] || die "targets: $targets"
ok "build targets: the consumer's program, microbe's libraries (the counting library and its embedded copy too) and the tool (9)"
[ "$(meson introspect b --installed | jq length)" -eq 0 ] || die "installs: $(meson introspect b --installed)"
ok "meson install installs nothing of microbe"
meson compile -C b >"$OUT" 2>"$ERR" || die "compile: $(tail -n 20 "$OUT")"
ok "it builds"
meson test -C b >"$OUT" 2>"$ERR" || die "meson test: $(cat "$OUT")"
ok "meson test passes"
expect_exit 0 b/bench_consumer --list
stdout_has "consumer/sum/1000"

meson setup --reconfigure b -Dmicrobe:subproject_install=true >"$OUT" 2>"$ERR" || die "reconfigure: $(tail -n 5 "$OUT")"
inst=$(meson introspect b --installed | jq -r '.[]' | sed 's|.*/||' | sort | tr '\n' ' ')
case $inst in
*libmicrobe.so*microbe*microbe.h*microbe.pc*) ;;
*) die "-Dmicrobe:subproject_install=true installs: $inst" ;;
esac
ok "-Dmicrobe:subproject_install=true installs libraries, header, tool, .pc"
done_checks
