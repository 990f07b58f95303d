#!/bin/bash
# A user's view of an installed microbe: install the build into a staging
# directory, compile tests/consumer/bench.c outside the tree with
#   cc bench.c $(pkg-config --cflags --libs microbe microbe-main)
# (shared and static), and run it.
# usage: consumer.sh BUILD_ROOT CONSUMER_SOURCE_DIR
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 BUILD_ROOT CONSUMER_DIR"
BUILD=$1
SRC=$2/bench.c
[ -f "$SRC" ] || die "no $SRC"
DEST="$E2E_TMP/dest"
CC=${CC:-cc}
# A sanitizer build's libraries need the user's program built the same way.
SAN=()
san=$(meson introspect "$BUILD" --buildoptions 2>/dev/null |
    jq -r '.[] | select(.name == "b_sanitize") | .value' 2>/dev/null)
case ${san:-none} in none | "") ;; *) SAN=(-fsanitize="$san") ;; esac

meson install -C "$BUILD" --destdir "$DEST" >"$OUT" 2>"$ERR" ||
    die "meson install failed: $(tail -n 5 "$OUT")"
ok "meson install --destdir"

hdr=$(find "$DEST" -name microbe.h -path '*/include/*' | head -n 1)
[ -n "$hdr" ] || die "microbe.h not installed"
ok "microbe.h installed at ${hdr#"$DEST"}"
pcdir=$(dirname "$(find "$DEST" -name microbe.pc | head -n 1)")
[ -f "$pcdir/microbe-main.pc" ] || die "microbe.pc / microbe-main.pc not installed"
ok "pkg-config files in ${pcdir#"$DEST"}"
libdir=$(dirname "$(find "$DEST" -name 'libmicrobe.so*' | head -n 1)")

# The .pc files say prefix=/usr/local; point copies at the staging tree
# (PKG_CONFIG_SYSROOT_DIR would rewrite the system libraries' paths too).
mkdir -p "$E2E_TMP/pc"
for f in microbe microbe-main; do
    sed "s|^prefix=/|prefix=$DEST/|" "$pcdir/$f.pc" >"$E2E_TMP/pc/$f.pc"
done
export PKG_CONFIG_PATH="$E2E_TMP/pc"
flags=$(pkg-config --cflags --libs microbe microbe-main 2>"$ERR") ||
    die "pkg-config --cflags --libs microbe microbe-main failed"
ok "pkg-config: $flags"
case $flags in *"-I$DEST/"*"-L$DEST/"*) ;; *) die "flags miss the staging tree" ;; esac

# Out of tree: compile in an empty directory, no -I into the source tree.
mkdir -p "$E2E_TMP/user"
cp "$SRC" "$E2E_TMP/user/bench.c"
cd "$E2E_TMP/user" || die "cd"

# shellcheck disable=SC2086
"$CC" "${SAN[@]}" -std=c11 -O2 -Wall -Wextra -Werror -o bench_shared bench.c $flags \
    >"$OUT" 2>"$ERR" || die "shared build failed: $(cat "$ERR")"
ok "compiled against the shared libraries"
expect_exit 0 env LD_LIBRARY_PATH="$libdir" ./bench_shared --list
[ "$(cat "$OUT")" = "consumer/sum/10
consumer/sum/1000
noop" ] || die "--list printed: $(cat "$OUT")"
ok "shared: --list prints consumer/sum/10, consumer/sum/1000, noop"
# pkg-config's Libs carry -Wl,-rpath,${libdir}: no LD_LIBRARY_PATH needed
# (and libmicrobe_main finds libmicrobe by its own rpath).
expect_exit 0 env -u LD_LIBRARY_PATH ./bench_shared --list
[ "$(wc -l <"$OUT")" -eq 3 ] || die "without LD_LIBRARY_PATH: $(cat "$OUT")"
ok "shared: runs without LD_LIBRARY_PATH (rpath from pkg-config --libs)"

# Static: microbe's own archives, then what `pkg-config --static` says
# they need (minus the shared microbe libraries themselves).
private=$(pkg-config --static --libs microbe 2>"$ERR") ||
    die "pkg-config --static --libs microbe failed"
deps=()
for w in $private; do
    case $w in -lmicrobe | -lmicrobe_main | -L"$DEST"*) ;; *) deps+=("$w") ;; esac
done
"$CC" "${SAN[@]}" -std=c11 -O2 -I"$(dirname "$hdr")" -o bench_static bench.c \
    "$libdir/libmicrobe_main.a" "$libdir/libmicrobe.a" "${deps[@]}" \
    >"$OUT" 2>"$ERR" || die "static build failed: $(head -c 1500 "$ERR")"
ok "compiled against the static libraries: ${deps[*]}"
expect_exit 0 ./bench_static --list
[ "$(cat "$OUT")" = "consumer/sum/10
consumer/sum/1000
noop" ] || die "static --list printed: $(cat "$OUT")"
ok "static: --list prints the three names (no LD_LIBRARY_PATH)"

# And it measures: a short run as CSV.
expect_exit 0 env LD_LIBRARY_PATH="$libdir" ./bench_shared --format=csv \
    --min-time=0.01 --samples=5 --filter=sum/10$
[ "$(wc -l <"$OUT")" -eq 2 ] || die "csv: $(cat "$OUT")"
stdout_has "consumer/sum/10"
done_checks
