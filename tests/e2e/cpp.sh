#!/bin/bash
# microbe.h from C++: tests/cpp/bench.cpp compiles with every C++ compiler
# given (g++, clang++) at -std=c++17 and -std=c++20 without a warning
# (-Wall -Wextra -Wpedantic -Werror), links against the library and runs.
# usage: cpp.sh SOURCE_ROOT LIBDIR CXX...
. "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || die "usage: $0 SOURCE_ROOT LIBDIR CXX..."
SRC=$1
LIB=$2
shift 2
for cxx in "$@"; do
    for std in c++17 c++20; do
        exe="$E2E_TMP/bench_$(basename "$cxx")_$std"
        expect_exit 0 "$cxx" -std=$std -O2 -Wall -Wextra -Wpedantic -Werror \
            -I"$SRC/include" "$SRC/tests/cpp/bench.cpp" -o "$exe" \
            -L"$LIB" -lmicrobe_main -lmicrobe -Wl,-rpath,"$LIB"
        expect_exit 0 "$exe" --list
        for n in cpp/sum/16 cpp/sum/256 div grid/n:1/k:10 grid/n:2/k:20 \
            ranged/8 ranged/64 text_short cpp/text_long; do
            grep -qx "$n" "$OUT" || die "$cxx $std: --list lacks $n"
        done
        ok "$cxx -std=$std: every benchmark registered, options in any order"
        expect_exit 0 "$exe" --format=json --min-time=0.005 --samples=5 \
            --rounds=1 --cpu=none
        jq -e '[.benchmarks[] | select(.name == "grid/n:2/k:20")][0].nk == 40 and
               ([.benchmarks[] | select(.name == "cpp/text_long")][0].label | length) == 100 and
               [.benchmarks[] | select(.name == "cpp/sum/256")][0].microbe.bytes == 256' \
            "$OUT" >/dev/null || die "$cxx $std: values wrong: $(head -c 500 "$OUT")"
        ok "$cxx -std=$std: runs; arguments, .data and values arrive"
    done
done
done_checks
